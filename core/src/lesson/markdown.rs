//! The safe Markdown subset of lesson narration: paragraphs, `-` lists, `1.` numbered lists,
//! `*emphasis*`,
//! `**strong**`, `` `code` ``, and links to a step of the lesson (`[text](#step-3)`) or to an
//! `http(s)` page. The result is a tree of plain strings: renderers escape every string, so no
//! narration can inject HTML. Anything else (raw HTML included) is shown as the text it is.

use std::fmt;

/// A block of narration.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Block {
    /// A paragraph.
    Para(Vec<Inline>),
    /// A bulleted list; each item is a run of inlines.
    List(Vec<Vec<Inline>>),
    /// A numbered list (`1.` or `1)` items); `start` is the first item's number.
    Ordered { start: u32, items: Vec<Vec<Inline>> },
}

/// A run of text inside a block.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Inline {
    /// Plain text.
    Text(String),
    /// `*text*` or `_text_`.
    Em(String),
    /// `**text**`.
    Strong(String),
    /// `` `text` ``.
    Code(String),
    /// `[text](target)`.
    Link { text: String, target: Link },
}

/// Where a link goes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Link {
    /// `#step-N`: step N of this lesson (counting from 1).
    Step(usize),
    /// An `http://` or `https://` address.
    Url(String),
}

/// A malformed construct, with its line (counting from 1 within the text).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MdError {
    /// Line within the narration.
    pub line: u32,
    /// What is wrong.
    pub what: String,
}

impl fmt::Display for MdError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.what)
    }
}

/// Parse narration. Errors name unclosed markers and links to anything but a step or an
/// `http(s)` address.
pub fn parse(text: &str) -> Result<Vec<Block>, MdError> {
    let mut blocks = Vec::new();
    let mut para: Vec<(u32, &str)> = Vec::new();
    // The open list: `None` for bullets, `Some(start)` for a numbered list; its items.
    let mut list: Option<Option<u32>> = None;
    let mut items: Vec<(u32, String)> = Vec::new();
    let flush_para = |para: &mut Vec<(u32, &str)>, blocks: &mut Vec<Block>| {
        if !para.is_empty() {
            let line = para[0].0;
            let joined = para.iter().map(|(_, l)| l.trim()).collect::<Vec<_>>().join(" ");
            blocks.push(Block::Para(inlines(&joined, line)?));
            para.clear();
        }
        Ok::<(), MdError>(())
    };
    let flush_list = |list: &mut Option<Option<u32>>, items: &mut Vec<(u32, String)>, blocks: &mut Vec<Block>| {
        if !items.is_empty() {
            let runs = items.iter().map(|(line, t)| inlines(t, *line)).collect::<Result<_, _>>()?;
            blocks.push(match *list {
                Some(Some(start)) => Block::Ordered { start, items: runs },
                _ => Block::List(runs),
            });
            items.clear();
        }
        *list = None;
        Ok::<(), MdError>(())
    };
    for (i, raw) in text.lines().enumerate() {
        let line = i as u32 + 1;
        let t = raw.trim();
        let item = match (t.strip_prefix("- ").or_else(|| t.strip_prefix("* ")), numbered(t)) {
            (Some(body), _) => Some((None, body)),
            // As in CommonMark, only `1.` starts a numbered list right after a paragraph line
            // (so a sentence wrapped before "2024. " stays a sentence).
            (None, Some((n, _))) if n != 1 && list.is_none() && !para.is_empty() => None,
            (None, Some((n, body))) => Some((Some(n), body)),
            (None, None) => None,
        };
        if t.is_empty() {
            flush_para(&mut para, &mut blocks)?;
            flush_list(&mut list, &mut items, &mut blocks)?;
        } else if let Some((number, body)) = item {
            flush_para(&mut para, &mut blocks)?;
            // A bullet after a numbered list (or the other way round) starts a new list.
            if list.is_some_and(|l| l.is_some() != number.is_some()) {
                flush_list(&mut list, &mut items, &mut blocks)?;
            }
            list.get_or_insert(number);
            items.push((line, body.trim().to_string()));
        } else if let Some(last) = items.last_mut() {
            // A continuation of the list item above.
            last.1.push(' ');
            last.1.push_str(t);
        } else {
            para.push((line, t));
        }
    }
    flush_para(&mut para, &mut blocks)?;
    flush_list(&mut list, &mut items, &mut blocks)?;
    Ok(blocks)
}

/// `12. text` or `12) text`: the number and the text.
fn numbered(line: &str) -> Option<(u32, &str)> {
    let digits = line.bytes().take_while(u8::is_ascii_digit).count();
    if digits == 0 || digits > 9 {
        return None;
    }
    let rest = &line[digits..];
    let body = rest.strip_prefix(". ").or_else(|| rest.strip_prefix(") "))?;
    Some((line[..digits].parse().ok()?, body))
}

/// A message sentence (an event's text, a question): only `` `code` `` spans are marked up;
/// everything else, an unpaired backtick included, stays text.
pub fn code_spans(s: &str) -> Vec<Inline> {
    let mut out = Vec::new();
    let mut rest = s;
    while let Some(open) = rest.find('`') {
        let Some(len) = rest[open + 1..].find('`').filter(|&n| n > 0) else { break };
        if open > 0 {
            out.push(Inline::Text(rest[..open].to_string()));
        }
        out.push(Inline::Code(rest[open + 1..open + 1 + len].to_string()));
        rest = &rest[open + len + 2..];
    }
    if !rest.is_empty() {
        out.push(Inline::Text(rest.to_string()));
    }
    out
}

fn inlines(s: &str, line: u32) -> Result<Vec<Inline>, MdError> {
    let err = |what: String| MdError { line, what };
    let mut out = Vec::new();
    let mut text = String::new();
    let mut rest = s;
    while let Some(c) = rest.chars().next() {
        let (marker, close): (&str, &str) = if rest.starts_with("**") {
            ("**", "**")
        } else {
            match c {
                '`' => ("`", "`"),
                '*' => ("*", "*"),
                // `_` marks emphasis only at a word start, so snake_case names stay text.
                '_' if text.is_empty() || text.ends_with(char::is_whitespace) => ("_", "_"),
                '[' => ("[", "]("),
                _ => {
                    text.push(c);
                    rest = &rest[c.len_utf8()..];
                    continue;
                }
            }
        };
        let body_start = &rest[marker.len()..];
        let Some(end) = body_start.find(close) else {
            return Err(err(format!("`{marker}` is never closed in: {s}")));
        };
        let body = &body_start[..end];
        if body.is_empty() {
            return Err(err(format!("empty `{marker}{close}` in: {s}")));
        }
        if !text.is_empty() {
            out.push(Inline::Text(std::mem::take(&mut text)));
        }
        rest = &body_start[end + close.len()..];
        out.push(match marker {
            "**" => Inline::Strong(body.to_string()),
            "`" => Inline::Code(body.to_string()),
            "*" | "_" => Inline::Em(body.to_string()),
            _ => {
                let Some(end) = rest.find(')') else { return Err(err(format!("link `[{body}]` has no closing `)`"))) };
                let target = &rest[..end];
                rest = &rest[end + 1..];
                Inline::Link { text: body.to_string(), target: link(target).map_err(err)? }
            }
        });
    }
    if !text.is_empty() {
        out.push(Inline::Text(text));
    }
    Ok(out)
}

fn link(target: &str) -> Result<Link, String> {
    if let Some(n) = target.strip_prefix("#step-") {
        return match n.parse::<usize>() {
            Ok(n) if n >= 1 => Ok(Link::Step(n)),
            _ => Err(format!("link `{target}`: steps count from 1, as `#step-2`")),
        };
    }
    let lower = target.to_ascii_lowercase();
    if (lower.starts_with("https://") || lower.starts_with("http://")) && !target.contains(char::is_whitespace) {
        return Ok(Link::Url(target.to_string()));
    }
    Err(format!("link `{target}`: only `#step-N` and http(s) addresses are allowed"))
}

/// Every link of parsed narration.
pub fn links(blocks: &[Block]) -> impl Iterator<Item = &Link> {
    blocks
        .iter()
        .flat_map(|b| match b {
            Block::Para(p) => std::slice::from_ref(p),
            Block::List(items) | Block::Ordered { items, .. } => items.as_slice(),
        })
        .flatten()
        .filter_map(|i| match i {
            Inline::Link { target, .. } => Some(target),
            _ => None,
        })
}

/// The narration as plain text (for screen-reader summaries and tests).
pub fn plain(blocks: &[Block]) -> String {
    let run = |r: &[Inline]| {
        r.iter()
            .map(|i| match i {
                Inline::Text(t) | Inline::Em(t) | Inline::Strong(t) | Inline::Code(t) => t.as_str(),
                Inline::Link { text, .. } => text.as_str(),
            })
            .collect::<String>()
    };
    blocks
        .iter()
        .map(|b| match b {
            Block::Para(p) => run(p),
            Block::List(items) => items.iter().map(|i| format!("• {}", run(i))).collect::<Vec<_>>().join("\n"),
            Block::Ordered { start, items } => {
                (*start..).zip(items).map(|(n, i)| format!("{n}. {}", run(i))).collect::<Vec<_>>().join("\n")
            }
        })
        .collect::<Vec<_>>()
        .join("\n\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_subset() {
        let b = parse("A *b* **c** `d` [e](#step-2) and [f](https://kernel.org).\n\n- one\n- two\n  more").unwrap();
        assert_eq!(
            b[0],
            Block::Para(vec![
                Inline::Text("A ".into()),
                Inline::Em("b".into()),
                Inline::Text(" ".into()),
                Inline::Strong("c".into()),
                Inline::Text(" ".into()),
                Inline::Code("d".into()),
                Inline::Text(" ".into()),
                Inline::Link { text: "e".into(), target: Link::Step(2) },
                Inline::Text(" and ".into()),
                Inline::Link { text: "f".into(), target: Link::Url("https://kernel.org".into()) },
                Inline::Text(".".into()),
            ])
        );
        assert_eq!(b[1], Block::List(vec![vec![Inline::Text("one".into())], vec![Inline::Text("two more".into())]]));
    }

    #[test]
    fn numbered_lists_are_lists() {
        let b = parse("Then:\n\n1. first\n   goes on\n2) `second`\n3. third\n- a bullet\n\n10. ten").unwrap();
        assert_eq!(b.len(), 4, "{b:?}");
        assert_eq!(b[0], Block::Para(vec![Inline::Text("Then:".into())]));
        assert_eq!(
            b[1],
            Block::Ordered {
                start: 1,
                items: vec![
                    vec![Inline::Text("first goes on".into())],
                    vec![Inline::Code("second".into())],
                    vec![Inline::Text("third".into())],
                ]
            }
        );
        assert_eq!(b[2], Block::List(vec![vec![Inline::Text("a bullet".into())]]));
        assert_eq!(b[3], Block::Ordered { start: 10, items: vec![vec![Inline::Text("ten".into())]] });
        assert_eq!(plain(&b[1..2]), "1. first goes on\n2. second\n3. third");
        // A number without `. ` or `) ` is text; a list right after a paragraph line starts a list.
        assert_eq!(plain(&parse("1.5 GiB and 2024 was").unwrap()), "1.5 GiB and 2024 was");
        let b = parse("Steps:\n1. a\n2. b").unwrap();
        assert!(matches!(&b[1], Block::Ordered { start: 1, items } if items.len() == 2), "{b:?}");
        assert_eq!(
            parse("Linux in\n2024. It grew").unwrap(),
            vec![Block::Para(vec![Inline::Text("Linux in 2024. It grew".into())])]
        );
    }

    #[test]
    fn code_spans_only() {
        assert_eq!(
            code_spans("Named the object at 0x10 `a[3]`, *not* `b`."),
            vec![
                Inline::Text("Named the object at 0x10 ".into()),
                Inline::Code("a[3]".into()),
                Inline::Text(", *not* ".into()),
                Inline::Code("b".into()),
                Inline::Text(".".into()),
            ]
        );
        assert_eq!(code_spans("odd ` tick"), vec![Inline::Text("odd ` tick".into())]);
        assert_eq!(code_spans("``"), vec![Inline::Text("``".into())]);
        assert_eq!(code_spans(""), vec![]);
    }

    #[test]
    fn html_stays_text_and_bad_links_fail() {
        let b = parse("<script>alert(1)</script> snake_case_name").unwrap();
        assert_eq!(plain(&b), "<script>alert(1)</script> snake_case_name");
        assert!(parse("[x](javascript:alert(1))").unwrap_err().what.contains("only `#step-N`"));
        assert!(parse("ok\n\n`open").unwrap_err().line == 3);
        assert!(parse("[x](#step-0)").is_err());
    }
}
