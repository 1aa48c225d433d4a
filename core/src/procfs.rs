//! The one reader of `/proc/slabinfo` and `/proc/buddyinfo` text, shared by snapshot import
//! ([`slabinfo_to_script`], [`parse_buddyinfo`], [`session_from_buddyinfo`]; re-exported by
//! `trace`) and the snapshot diff ([`crate::compare::diff_slabinfo`],
//! [`crate::compare::diff_buddyinfo`]). Every error names its line and column; counts are
//! checked against the simulator's memory before any arithmetic can overflow.
//!
//! Formats as the kernel prints them: `slabinfo_show` / `print_slabinfo_header` (mm/slab_common.c,
//! version 2.1: `name <active_objs> <num_objs> <objsize> <objperslab> <pagesperslab> : tunables
//! <limit> <batchcount> <sharedfactor> : slabdata <active_slabs> <num_slabs> <sharedavail>`) and
//! `frag_show_print` (mm/vmstat.c: `Node N, zone NAME` then `nr_free` of each order). Sections after
//! `:` other than `tunables` and `slabdata` (SLAB's `(statistics)` variant adds `globalstat` and
//! `cpustat`) are skipped. Errors carry a 1-based line and column.

use std::fmt;

use crate::buddy::Buddy;
use crate::machine::{MachineConfig, MAX_MEM, NR_PAGE_ORDERS, PAGE_SIZE};
use crate::names::Names;
use crate::session::Session;

/// A located problem in a `/proc` file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProcError {
    /// 1-based line.
    pub line: u32,
    /// 1-based column (characters) of the offending field.
    pub col: u32,
    /// What is wrong.
    pub reason: String,
}

impl fmt::Display for ProcError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}: {}", self.line, self.col, self.reason)
    }
}

impl std::error::Error for ProcError {}

/// The error of snapshot import (the same located error).
pub type SnapshotError = ProcError;

/// One cache line of `/proc/slabinfo`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SlabinfoRow {
    /// 1-based line in the file.
    pub line: u32,
    /// Cache name.
    pub name: String,
    /// `<active_objs>`.
    pub active_objs: u64,
    /// `<num_objs>`.
    pub num_objs: u64,
    /// `<objsize>`.
    pub objsize: u64,
    /// `<objperslab>` (absent in truncated lines).
    pub objperslab: Option<u64>,
    /// `<pagesperslab>` (absent in truncated lines).
    pub pagesperslab: Option<u64>,
    /// `slabdata <active_slabs> <num_slabs>`, when the line has that section.
    pub slabdata: Option<(u64, u64)>,
}

/// Whitespace-separated fields with their 1-based character columns.
fn fields(l: &str) -> Vec<(u32, &str)> {
    let mut out = Vec::new();
    let mut start = None;
    let mut col = 0u32;
    for (i, ch) in l.char_indices() {
        col += 1;
        match (ch.is_whitespace(), start) {
            (false, None) => start = Some((i, col)),
            (true, Some((s, c))) => {
                out.push((c, &l[s..i]));
                start = None;
            }
            _ => {}
        }
    }
    if let Some((s, c)) = start {
        out.push((c, &l[s..]));
    }
    out
}

fn end_col(l: &str) -> u32 {
    l.chars().count() as u32 + 1
}

/// One line of `/proc/slabinfo`: `Ok(None)` for the version line, `#` comments and blank lines.
pub fn parse_slabinfo_line(l: &str, line: u32) -> Result<Option<SlabinfoRow>, ProcError> {
    let t = l.trim();
    if t.is_empty() || t.starts_with('#') || t.starts_with("slabinfo") {
        return Ok(None);
    }
    let f = fields(l);
    let err = |col: u32, reason: String| ProcError { line, col, reason };
    let number = |i: usize, what: &str| -> Result<u64, ProcError> {
        match f.get(i) {
            Some(&(col, s)) => s.parse::<u64>().map_err(|_| err(col, format!("{what}: `{s}` is not a number"))),
            None => Err(err(end_col(l), format!("expected {what}"))),
        }
    };
    let name = f[0].1.to_string();
    let active_objs = number(1, "<active_objs>")?;
    let num_objs = number(2, "<num_objs>")?;
    let objsize = number(3, "<objsize>")?;
    let opt = |i: usize, what: &str| match f.get(i) {
        Some(&(_, ":")) | None => Ok(None),
        Some(_) => number(i, what).map(Some),
    };
    let objperslab = opt(4, "<objperslab>")?;
    let pagesperslab = if objperslab.is_some() { opt(5, "<pagesperslab>")? } else { None };
    let mut slabdata = None;
    // Sections: `: keyword values...`.
    let mut i = f.iter().position(|&(_, s)| s == ":").unwrap_or(f.len());
    while i < f.len() {
        let next = f[i + 1..].iter().position(|&(_, s)| s == ":").map_or(f.len(), |p| i + 1 + p);
        if f.get(i + 1).map(|x| x.1) == Some("slabdata") {
            let active = number(i + 2, "<active_slabs>")?;
            let num = number(i + 3, "<num_slabs>")?;
            slabdata = Some((active, num));
        }
        i = next;
    }
    if active_objs > num_objs {
        return Err(err(f[1].0, format!("<active_objs> {active_objs} exceeds <num_objs> {num_objs}")));
    }
    Ok(Some(SlabinfoRow { line, name, active_objs, num_objs, objsize, objperslab, pagesperslab, slabdata }))
}

/// Every cache line of a `/proc/slabinfo` file, and the lines that could not be read.
pub fn parse_slabinfo(text: &str) -> (Vec<SlabinfoRow>, Vec<ProcError>) {
    let (mut rows, mut bad) = (Vec::new(), Vec::new());
    for (i, l) in text.lines().enumerate() {
        match parse_slabinfo_line(l, (i + 1) as u32) {
            Ok(Some(r)) => rows.push(r),
            Ok(None) => {}
            Err(e) => bad.push(e),
        }
    }
    (rows, bad)
}

/// One `Node N, zone NAME c0 … c10` line of `/proc/buddyinfo`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BuddyinfoRow {
    /// 1-based line.
    pub line: u32,
    /// NUMA node.
    pub node: u8,
    /// Zone name (`DMA`, `DMA32`, `Normal`, ...).
    pub zone: String,
    /// `nr_free` per order.
    pub nr_free: [u64; NR_PAGE_ORDERS],
}

/// Every zone line of a `/proc/buddyinfo` file (blank lines skipped); the first bad line is an
/// error. Nodes must be below `crate::machine::MAX_NODES`.
pub fn parse_buddyinfo_zones(text: &str) -> Result<Vec<BuddyinfoRow>, ProcError> {
    let mut rows = Vec::new();
    for (i, l) in text.lines().enumerate() {
        let line = (i + 1) as u32;
        if l.trim().is_empty() {
            continue;
        }
        let f = fields(l);
        let err = |col: u32, reason: &str| ProcError { line, col, reason: reason.to_string() };
        if f[0].1 != "Node" {
            return Err(err(f[0].0, "expected `Node N, zone NAME counts...`"));
        }
        let Some(&(ncol, n)) = f.get(1) else {
            return Err(err(end_col(l), "expected `,` after the node number"));
        };
        let Some(n) = n.strip_suffix(',') else {
            return Err(err(ncol, "expected `,` after the node number"));
        };
        let node: usize = n.parse().map_err(|_| err(ncol, "the node is not a number"))?;
        if node >= usize::from(crate::machine::MAX_NODES) {
            return Err(err(ncol, "at most 4 nodes are simulated"));
        }
        match (f.get(2), f.get(3)) {
            (Some(&(_, "zone")), Some(_)) => {}
            (Some(&(c, _)), _) => return Err(err(c, "expected `zone NAME`")),
            (None, _) => return Err(err(end_col(l), "expected `zone NAME`")),
        }
        let counts = &f[4..];
        let mut nr_free = [0u64; NR_PAGE_ORDERS];
        for (o, &(c, s)) in counts.iter().enumerate() {
            let v = s.parse::<u64>().map_err(|_| err(c, "a count is not a number"))?;
            if o < NR_PAGE_ORDERS {
                nr_free[o] = v;
            }
        }
        if counts.len() != NR_PAGE_ORDERS {
            let col = counts.get(NR_PAGE_ORDERS).map_or(end_col(l), |x| x.0);
            return Err(err(col, &format!("expected {NR_PAGE_ORDERS} counts (orders 0..=10), found {}", counts.len())));
        }
        rows.push(BuddyinfoRow { line, node: node as u8, zone: f[3].1.to_string(), nr_free });
    }
    if rows.is_empty() {
        return Err(ProcError { line: 1, col: 1, reason: "no `Node N, zone ...` line".into() });
    }
    Ok(rows)
}

/// Most pages one node of a buddyinfo picture may need (all of the simulator's memory).
const MAX_PAGES: u64 = MAX_MEM / PAGE_SIZE;

/// Column of the `o`-th count of a buddyinfo line (for errors about that count).
fn count_col(text: &str, line: u32, o: usize) -> u32 {
    let l = text.lines().nth(line as usize - 1).unwrap_or("");
    fields(l).get(4 + o).map_or(1, |f| f.0)
}

/// `/proc/buddyinfo` → free blocks per node and order (zones of a node are added up), refusing
/// pictures larger than the simulator's memory at the count that overflows it.
pub fn parse_buddyinfo(text: &str) -> Result<Vec<[u64; NR_PAGE_ORDERS]>, SnapshotError> {
    let mut nodes: Vec<[u64; NR_PAGE_ORDERS]> = Vec::new();
    for r in parse_buddyinfo_zones(text)? {
        let node = usize::from(r.node);
        if nodes.len() <= node {
            nodes.resize(node + 1, [0; NR_PAGE_ORDERS]);
        }
        for (o, &n) in r.nr_free.iter().enumerate() {
            let sum = nodes[node][o].checked_add(n);
            let fits = sum.is_some_and(|s| {
                let mut trial = nodes[node];
                trial[o] = s;
                s <= MAX_PAGES && Buddy::pages_for(&trial) <= MAX_PAGES
            });
            if !fits {
                return Err(ProcError {
                    line: r.line,
                    col: count_col(text, r.line, o),
                    reason: format!(
                        "{n} free blocks of order {o}: node {node} would need more than {} GiB, the most the simulator holds",
                        MAX_MEM >> 30
                    ),
                });
            }
            nodes[node][o] = sum.unwrap_or(0);
        }
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
/// skipping the kmalloc caches that exist from boot. Malformed lines are reported, located.
pub fn slabinfo_to_script(text: &str) -> (String, Vec<SnapshotError>) {
    let mut out = String::new();
    let (rows, mut bad) = parse_slabinfo(text);
    for r in rows {
        let (name, size, line) = (r.name.as_str(), r.objsize, r.line);
        let l = text.lines().nth(line as usize - 1).unwrap_or("");
        let f = fields(l);
        let (ncol, scol) = (f.first().map_or(1, |x| x.0), f.get(3).map_or(1, |x| x.0));
        if size == 0 || size > 32768 {
            bad.push(ProcError { line, col: scol, reason: format!("objsize `{size}` is not a size in 1..=32768") });
            continue;
        }
        let ok = name.chars().next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
            && name.chars().all(|c| c.is_ascii_alphanumeric() || "_-.".contains(c));
        if !ok {
            bad.push(ProcError { line, col: ncol, reason: format!("cache name `{name}` cannot be used") });
        } else if !name.starts_with("kmalloc-") && !name.starts_with("dma-kmalloc") {
            out.push_str(&format!("cache create {name} size={size}\n"));
        }
    }
    crate::sort::sort_by_key(&mut bad, |b| (b.line, b.col));
    (out, bad)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slabinfo_fields_and_sections() {
        let l = "dentry  100 120 192 21 1 : tunables 0 0 0 : slabdata 5 6 0";
        let r = parse_slabinfo_line(l, 3).unwrap().unwrap();
        assert_eq!((r.name.as_str(), r.active_objs, r.num_objs, r.objsize), ("dentry", 100, 120, 192));
        assert_eq!((r.objperslab, r.pagesperslab, r.slabdata), (Some(21), Some(1), Some((5, 6))));
        // SLAB's statistics sections are skipped; truncated lines keep what they have.
        let l = "x 1 2 3 4 1 : tunables 1 2 3 : slabdata 1 1 0 : globalstat 9 9 9 : cpustat 1 2 3 4";
        assert_eq!(parse_slabinfo_line(l, 1).unwrap().unwrap().slabdata, Some((1, 1)));
        let r = parse_slabinfo_line("kmalloc-64 1 64 64 64 1 : x", 1).unwrap().unwrap();
        assert_eq!((r.pagesperslab, r.slabdata), (Some(1), None));
        let e = parse_slabinfo_line("dentry 100 1x0 192", 7).unwrap_err();
        assert_eq!((e.line, e.col), (7, 12), "{e}");
        let e = parse_slabinfo_line("a 1 2 3 4 1 : slabdata 1 zz 0", 2).unwrap_err();
        assert_eq!(e.col, 26, "{e}");
        let e = parse_slabinfo_line("  a 1", 2).unwrap_err();
        assert_eq!(e.col, 6, "{e}");
        assert!(parse_slabinfo_line("a 3 2 8", 1).is_err());
        assert_eq!(parse_slabinfo_line("# name <active_objs>", 1), Ok(None));
    }

    #[test]
    fn buddyinfo_zones_are_located() {
        let rows = parse_buddyinfo_zones(
            "Node 0, zone DMA 1 2 3 4 5 6 7 8 9 10 11\n\nNode 1, zone Normal 0 0 0 0 0 0 0 0 0 0 1\n",
        )
        .unwrap();
        assert_eq!(rows.len(), 2);
        assert_eq!((rows[1].line, rows[1].node, rows[1].zone.as_str(), rows[1].nr_free[10]), (3, 1, "Normal", 1));
        let e = parse_buddyinfo_zones("Node 0, zone Normal 1 2 x 4 5 6 7 8 9 10 11").unwrap_err();
        assert_eq!((e.line, e.col), (1, 25), "{e}");
        let e = parse_buddyinfo_zones("Node 0, zone Normal 1 2 3").unwrap_err();
        assert_eq!(e.col, 26, "{e}");
        let e = parse_buddyinfo_zones("Node 7, zone Normal 1").unwrap_err();
        assert_eq!(e.col, 6, "{e}");
        assert!(parse_buddyinfo_zones("\n\n").is_err());
    }

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
        assert_eq!((e.line, e.col), (1, 26), "{e}");
        let e = parse_buddyinfo("\n  Nod 0, zone Normal\n").unwrap_err();
        assert_eq!((e.line, e.col), (2, 3));
        let e = parse_buddyinfo("Node x, zone Normal 0 0 0 0 0 0 0 0 0 0 0\n").unwrap_err();
        assert_eq!(e.col, 6);
        let e = parse_buddyinfo("Node 0, zone Normal 0 0 0 0 0 0 0 zz 0 0 0\n").unwrap_err();
        assert_eq!(e.col, 35);
        let (_, bad) = slabinfo_to_script("dentry 1 2 big 5\nbad line\n9x 1 1 64\n");
        let at: Vec<(u32, u32)> = bad.iter().map(|b| (b.line, b.col)).collect();
        assert_eq!(at, vec![(1, 12), (2, 5), (3, 1)]);
    }

    #[test]
    fn huge_counts_are_refused_not_wrapped() {
        // Regression (issue #16): count × 4 MiB wrapped (index out of bounds), 2^52 gave "memory 0 bytes".
        for count in ["4503599627370497", "4503599627370496", "18446744073709551615", "1048577"] {
            let text = format!("Node 0, zone Normal 0 0 0 0 0 0 0 0 0 0 {count}\n");
            let e = session_from_buddyinfo(&text, &MachineConfig::default()).unwrap_err();
            assert!(e.contains("1:41:") && e.contains("4 GiB"), "{e}");
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
