//! Importing `/proc` snapshots: `/proc/buddyinfo` (a free-area picture to boot from) and
//! `/proc/slabinfo` (caches to create). Every error names its line and column; counts are checked
//! against the simulator's memory before any arithmetic can overflow.

use std::fmt;

use crate::buddy::Buddy;
use crate::machine::{MachineConfig, MAX_MEM, MAX_NODES, NR_PAGE_ORDERS, PAGE_SIZE};
use crate::names::Names;
use crate::session::Session;

/// A located problem in a snapshot file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SnapshotError {
    /// 1-based line.
    pub line: u32,
    /// 1-based column (in characters).
    pub col: u32,
    /// What is wrong.
    pub reason: String,
}

impl fmt::Display for SnapshotError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}, column {}: {}", self.line, self.col, self.reason)
    }
}

impl std::error::Error for SnapshotError {}

/// Whitespace-separated fields of `l` with their 1-based columns (in characters).
fn fields(l: &str) -> Vec<(u32, &str)> {
    let mut out = Vec::new();
    let mut start: Option<(u32, usize)> = None;
    let mut col = 0u32;
    for (i, c) in l.char_indices() {
        col += 1;
        match (c.is_whitespace(), start) {
            (false, None) => start = Some((col, i)),
            (true, Some((sc, si))) => {
                out.push((sc, &l[si..i]));
                start = None;
            }
            _ => {}
        }
    }
    if let Some((sc, si)) = start {
        out.push((sc, &l[si..]));
    }
    out
}

/// Most pages one node of a buddyinfo picture may need (all of the simulator's memory).
const MAX_PAGES: u64 = MAX_MEM / PAGE_SIZE;

/// `/proc/buddyinfo` → free blocks per node and order (zones of a node are added up).
pub fn parse_buddyinfo(text: &str) -> Result<Vec<[u64; NR_PAGE_ORDERS]>, SnapshotError> {
    let mut nodes: Vec<[u64; NR_PAGE_ORDERS]> = Vec::new();
    for (i, l) in text.lines().enumerate() {
        let line = (i + 1) as u32;
        let f = fields(l);
        let Some(&(first_col, first)) = f.first() else { continue };
        let bad = |col: u32, reason: &str| SnapshotError { line, col, reason: reason.to_string() };
        if first != "Node" {
            return Err(bad(first_col, "expected `Node N, zone NAME counts...`"));
        }
        let Some(&(ncol, ntok)) = f.get(1) else {
            return Err(bad(first_col + 4, "expected a node number after `Node`"));
        };
        let Some(num) = ntok.strip_suffix(',') else {
            return Err(bad(ncol, "expected `,` after the node number"));
        };
        let node: usize = num.parse().map_err(|_| bad(ncol, "the node is not a number"))?;
        if node >= usize::from(MAX_NODES) {
            return Err(bad(ncol, "at most 4 nodes are simulated"));
        }
        match (f.get(2), f.get(3)) {
            (Some((_, "zone")), Some(_)) => {}
            (Some(&(c, _)), _) => return Err(bad(c, "expected `zone NAME`")),
            (None, _) => return Err(bad(ncol + ntok.chars().count() as u32, "expected `zone NAME`")),
        }
        let counts = &f[4..];
        if counts.len() != NR_PAGE_ORDERS {
            let col = counts.get(NR_PAGE_ORDERS).or(f.last()).map_or(1, |c| c.0);
            return Err(bad(col, &format!("expected {NR_PAGE_ORDERS} counts (orders 0..=10), found {}", counts.len())));
        }
        if nodes.len() <= node {
            nodes.resize(node + 1, [0; NR_PAGE_ORDERS]);
        }
        for (o, &(col, c)) in counts.iter().enumerate() {
            let n: u64 = c.parse().map_err(|_| bad(col, "a count is not a number"))?;
            let sum = nodes[node][o].checked_add(n);
            let fits = sum.is_some_and(|s| {
                let mut trial = nodes[node];
                trial[o] = s;
                s <= MAX_PAGES && Buddy::pages_for(&trial) <= MAX_PAGES
            });
            if !fits {
                return Err(bad(
                    col,
                    &format!(
                        "{n} free blocks of order {o}: node {node} would need more than {} GiB, the most the simulator holds",
                        MAX_MEM >> 30
                    ),
                ));
            }
            nodes[node][o] = sum.unwrap_or(0);
        }
    }
    if nodes.is_empty() {
        return Err(SnapshotError { line: 1, col: 1, reason: "no `Node N, zone ...` line".into() });
    }
    Ok(nodes)
}

/// A session booted into the free-area picture of a `/proc/buddyinfo` snapshot.
pub fn session_from_buddyinfo(text: &str, base: &MachineConfig) -> Result<Session, String> {
    let free = parse_buddyinfo(text).map_err(|b| b.to_string())?;
    let ppn = free.iter().map(Buddy::pages_for).max().unwrap_or(0).max(1).next_multiple_of(1024);
    let need = ppn.saturating_mul(free.len() as u64).saturating_mul(PAGE_SIZE);
    if need > MAX_MEM {
        return Err(format!(
            "this buddyinfo needs {need} bytes of memory ({} node(s) of {ppn} pages); the simulator holds at most {} GiB",
            free.len(),
            MAX_MEM >> 30
        ));
    }
    let mut names = Names::default();
    let reserved = names.intern("boot-reserved");
    let sim = crate::sim::Sim::boot_with_free(base.clone(), &free, reserved).map_err(|e| e.to_string())?;
    Ok(Session::with_boot(sim, names))
}

/// The caches of a `/proc/slabinfo` snapshot as op-language lines (`cache create NAME size=N`),
/// skipping the kmalloc caches that exist from boot. Malformed lines are reported.
pub fn slabinfo_to_script(text: &str) -> (String, Vec<SnapshotError>) {
    let mut out = String::new();
    let mut bad = Vec::new();
    for (i, l) in text.lines().enumerate() {
        let line = (i + 1) as u32;
        if l.starts_with("slabinfo") || l.starts_with('#') || l.trim().is_empty() {
            continue;
        }
        let f = fields(l);
        let mut err = |col: u32, reason: String| bad.push(SnapshotError { line, col, reason });
        let (Some(&(ncol, name)), Some(&(scol, size))) = (f.first(), f.get(3)) else {
            let col = f.last().map_or(1, |(c, t)| c + t.chars().count() as u32);
            err(col, "expected `name active num objsize ...`".into());
            continue;
        };
        let ok = name.chars().next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
            && name.chars().all(|c| c.is_ascii_alphanumeric() || "_-.".contains(c));
        match size.parse::<u32>() {
            Ok(s) if s > 0 && s <= 32768 => {
                if !ok {
                    err(ncol, format!("cache name `{name}` cannot be used"));
                } else if !name.starts_with("kmalloc-") && !name.starts_with("dma-kmalloc") {
                    out.push_str(&format!("cache create {name} size={s}\n"));
                }
            }
            _ => err(scol, format!("objsize `{size}` is not a size in 1..=32768")),
        }
    }
    (out, bad)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buddyinfo_import_reproduces_the_picture() {
        let text = "Node 0, zone      DMA      1      1      0      1      2      1      1      0      1      1      3 \n\
                    Node 0, zone    DMA32      5      2      3      1      0      0      1      1      0      1      1 \n";
        let s = session_from_buddyinfo(text, &MachineConfig::default()).unwrap();
        s.head().check().unwrap();
        assert_eq!(
            s.head().buddy.buddyinfo(),
            "Node 0, zone   Normal      6      3      3      2      2      1      2      1      1      2      4 \n"
        );
    }

    #[test]
    fn errors_have_line_and_column() {
        let e = parse_buddyinfo("Node 0, zone Normal 1 2 3\n").unwrap_err();
        assert_eq!((e.line, e.col), (1, 25), "{e}");
        let e = parse_buddyinfo("\n  Nod 0, zone Normal\n").unwrap_err();
        assert_eq!((e.line, e.col), (2, 3));
        let e = parse_buddyinfo("Node x, zone Normal 0 0 0 0 0 0 0 0 0 0 0\n").unwrap_err();
        assert_eq!(e.col, 6);
        let e = parse_buddyinfo("Node 0, zone Normal 0 0 0 0 0 0 0 zz 0 0 0\n").unwrap_err();
        assert_eq!(e.col, 35);
        let (_, bad) = slabinfo_to_script("dentry 1 2 big 5\nbad line\n9x 1 1 64\n");
        let at: Vec<(u32, u32)> = bad.iter().map(|b| (b.line, b.col)).collect();
        assert_eq!(at, vec![(1, 12), (2, 9), (3, 1)]);
    }

    #[test]
    fn huge_counts_are_refused_not_wrapped() {
        // Regression (issue #16): count × 4 MiB wrapped (index out of bounds), 2^52 gave "memory 0 bytes".
        for count in ["4503599627370497", "4503599627370496", "18446744073709551615", "1048577"] {
            let text = format!("Node 0, zone Normal 0 0 0 0 0 0 0 0 0 0 {count}\n");
            let e = session_from_buddyinfo(&text, &MachineConfig::default()).unwrap_err();
            assert!(e.contains("line 1, column 41") && e.contains("4 GiB"), "{e}");
        }
        // Two zones that fit alone but not together.
        let text = "Node 0, zone A 0 0 0 0 0 0 0 0 0 0 1000\nNode 0, zone B 0 0 0 0 0 0 0 0 0 0 100\n";
        let e = parse_buddyinfo(text).unwrap_err();
        assert_eq!((e.line, e.col), (2, 36), "{e}");
        // Four nodes that fit one by one but not together.
        let text: String = (0..4).map(|n| format!("Node {n}, zone Normal 0 0 0 0 0 0 0 0 0 0 500\n")).collect();
        let e = session_from_buddyinfo(&text, &MachineConfig::default()).unwrap_err();
        assert!(e.contains("at most 4 GiB"), "{e}");
    }
}
