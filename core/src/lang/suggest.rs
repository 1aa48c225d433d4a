//! "Did you mean ...?" suggestions for misspelt words, by edit distance.

/// Levenshtein distance between two strings (by chars).
pub fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1; b.len() + 1];
        for (j, &cb) in b.iter().enumerate() {
            cur[j + 1] = (prev[j] + usize::from(ca != cb)).min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        prev = cur;
    }
    prev[b.len()]
}

/// The closest candidate to `word`, if it is close enough to be a plausible typo
/// (distance at most 1 for short words, 2 for words of 5+ chars, a case-insensitive match, or
/// one word a prefix of the other of at least 3 characters, as `memory` for `mem`).
pub fn suggest<'a>(word: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<String> {
    let len = word.chars().count();
    // One edit turns any 1- or 2-letter word into another: no suggestion by distance there.
    let limit = match len {
        0..=2 => 0,
        3..=4 => 1,
        _ => 2,
    };
    candidates
        .into_iter()
        .filter(|c| *c != word)
        .map(|c| {
            let prefix = c.len().min(word.len()) >= 3 && (c.starts_with(word) || word.starts_with(c));
            let d = if c.eq_ignore_ascii_case(word) {
                0
            } else if prefix {
                1
            } else {
                edit_distance(word, c)
            };
            (d, c)
        })
        .filter(|&(d, _)| d <= limit)
        .min_by_key(|&(d, c)| (d, c.to_string()))
        .map(|(_, c)| c.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggestions() {
        assert_eq!(edit_distance("kitten", "sitting"), 3);
        assert_eq!(suggest("ordr", ["order", "node", "cpu", "as"]), Some("order".into()));
        assert_eq!(suggest("buddyinf", ["buddyinfo", "slabinfo", "stats"]), Some("buddyinfo".into()));
        assert_eq!(suggest("zzz", ["order", "node"]), None);
        assert_eq!(suggest("CPU", ["cpu"]), Some("cpu".into()));
    }
}
