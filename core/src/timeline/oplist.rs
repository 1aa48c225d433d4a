//! The op list of a [`crate::session::Session`]: each op, its source line and the running event
//! count after it, stored compactly (issue #18: a replayed trace retains ≤ 64 bytes per event).
//!
//! - **Event counts** (`ends`): a `u32` offset per op from the base of its block (a `u64` per
//!   block of at most [`BLOCK`] ops; a block also ends early when an offset would not fit), so
//!   4 bytes per op instead of 8, for every session.
//! - **Ops and lines, plain** (the default, scripts and lessons): `Op` (20 bytes) and `u32` per op.
//! - **Ops and lines, interned** ([`OpList::set_interned`], replayed traces): each distinct op is
//!   stored once and ops are `u32` ids into that table (trace ops repeat: the same address, size and
//!   CPU again and again); lines are runs of consecutive numbers `(first op, its line)` (a trace's
//!   ops come from consecutive lines except where a line became no op). The index that finds an
//!   op's id is dropped by [`OpList::shrink_to_fit`] and rebuilt if more ops are pushed.
//!
//! Invariants: `ids`/`ops` and `lines` describe the same number of ops as `off`; `blocks` is
//! non-empty when there are ops, its first ops strictly increase and its first entry is op 0;
//! `ends` (base + offset) is non-decreasing.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

use crate::op::Op;

/// Most ops in one block of event counts.
const BLOCK: usize = 1024;

/// FxHash-style word hasher with a murmur3 finaliser (so aligned pointers spread over buckets):
/// the hasher of the session's and the trace importer's interning tables.
#[derive(Default, Clone, Copy)]
pub(crate) struct Fx(u64);

impl Fx {
    #[inline]
    fn add(&mut self, w: u64) {
        self.0 = (self.0.rotate_left(5) ^ w).wrapping_mul(0x517c_c1b7_2722_0a95);
    }
}

impl Hasher for Fx {
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for c in &mut chunks {
            let mut w = [0u8; 8];
            w.copy_from_slice(c);
            self.add(u64::from_le_bytes(w));
        }
        let mut last = [0u8; 8];
        let r = chunks.remainder();
        last[..r.len()].copy_from_slice(r);
        self.add(u64::from_le_bytes(last) ^ ((r.len() as u64) << 56));
    }
    fn write_u8(&mut self, i: u8) {
        self.add(u64::from(i));
    }
    fn write_u16(&mut self, i: u16) {
        self.add(u64::from(i));
    }
    fn write_u32(&mut self, i: u32) {
        self.add(u64::from(i));
    }
    fn write_u64(&mut self, i: u64) {
        self.add(i);
    }
    fn write_usize(&mut self, i: usize) {
        self.add(i as u64);
    }
    fn finish(&self) -> u64 {
        let mut h = self.0;
        h ^= h >> 33;
        h = h.wrapping_mul(0xff51_afd7_ed55_8ccd);
        h ^= h >> 33;
        h = h.wrapping_mul(0xc4ce_b9fe_1a85_ec53);
        h ^ (h >> 33)
    }
}

/// A hash map with [`Fx`].
pub(crate) type FxMap<K, V> = HashMap<K, V, BuildHasherDefault<Fx>>;

#[derive(Clone, Debug, Default)]
enum Store {
    #[default]
    Empty,
    Plain {
        ops: Vec<Op>,
        lines: Vec<u32>,
    },
    Interned {
        table: Vec<Op>,
        /// `None` after `shrink_to_fit` (rebuilt on the next push).
        index: Option<FxMap<Op, u32>>,
        ids: Vec<u32>,
        /// `(first op, its line)`: op `k` of the run has line `line + (k - first)`.
        runs: Vec<(u32, u32)>,
        /// Ops after `ids` not interned yet: looked up [`PENDING`] at a time, in a loop of
        /// independent lookups whose cache misses overlap (one lookup per push, between two
        /// simulated ops, waits for each miss in turn).
        pending: Vec<Op>,
    },
}

/// Ops an interned list looks up together.
const PENDING: usize = 256;

/// Give the pending ops their ids.
fn flush(table: &mut Vec<Op>, index: &mut Option<FxMap<Op, u32>>, ids: &mut Vec<u32>, pending: &mut Vec<Op>) {
    if pending.is_empty() {
        return;
    }
    let index = index.get_or_insert_with(|| table.iter().enumerate().map(|(i, o)| (*o, i as u32)).collect());
    for op in pending.drain(..) {
        let id = *index.entry(op).or_insert_with(|| {
            table.push(op);
            (table.len() - 1) as u32
        });
        ids.push(id);
    }
}

/// See the module docs.
#[derive(Clone, Debug, Default)]
pub struct OpList {
    store: Store,
    interned: bool,
    /// `(first op, events before it)`.
    blocks: Vec<(u32, u64)>,
    /// Per op: events up to and including it, minus its block's base.
    off: Vec<u32>,
}

impl OpList {
    /// Number of ops.
    pub fn len(&self) -> usize {
        self.off.len()
    }
    /// True without ops.
    pub fn is_empty(&self) -> bool {
        self.off.is_empty()
    }

    /// Store ops interned (see the module docs); ops already stored are converted.
    pub fn set_interned(&mut self, on: bool) {
        if on == self.interned {
            return;
        }
        self.interned = on;
        let n = self.len();
        let old: Vec<(Op, u32)> = (0..n).filter_map(|k| Some((*self.op(k)?, self.line(k)))).collect();
        self.store = Store::Empty;
        let ends: Vec<u64> = (0..n).map(|k| self.end(k)).collect();
        self.blocks.clear();
        self.off.clear();
        for ((op, line), end) in old.into_iter().zip(ends) {
            self.push(op, line, end);
        }
    }

    /// Append an op with its line, `end` being the event count after it (not below the last).
    pub fn push(&mut self, op: Op, line: u32, end: u64) {
        let k = self.len();
        let (last_first, base) = self.blocks.last().copied().unwrap_or((0, 0));
        let rel = end.saturating_sub(base);
        if self.blocks.is_empty() || k - last_first as usize >= BLOCK || rel > u64::from(u32::MAX) {
            let prev = self.ends_last();
            self.blocks.push((k as u32, prev));
            self.off.push(u32::try_from(end.saturating_sub(prev)).unwrap_or(u32::MAX));
        } else {
            self.off.push(rel as u32);
        }
        if matches!(self.store, Store::Empty) {
            self.store = if self.interned {
                Store::Interned {
                    table: Vec::new(),
                    index: Some(FxMap::default()),
                    ids: Vec::new(),
                    runs: Vec::new(),
                    pending: Vec::with_capacity(PENDING),
                }
            } else {
                Store::Plain { ops: Vec::new(), lines: Vec::new() }
            };
        }
        match &mut self.store {
            Store::Empty => {}
            Store::Plain { ops, lines } => {
                ops.push(op);
                lines.push(line);
            }
            Store::Interned { table, index, ids, runs, pending } => {
                pending.push(op);
                if pending.len() >= PENDING {
                    flush(table, index, ids, pending);
                }
                let continues = runs
                    .last()
                    .is_some_and(|&(first, l)| u64::from(l) + (k as u64 - u64::from(first)) == u64::from(line));
                if !continues {
                    runs.push((k as u32, line));
                }
            }
        }
    }

    fn ends_last(&self) -> u64 {
        match self.blocks.last() {
            Some(&(_, base)) => base + u64::from(self.off.last().copied().unwrap_or(0)),
            None => 0,
        }
    }

    fn block_of(&self, k: usize) -> (u32, u64) {
        self.blocks[self.blocks.partition_point(|b| b.0 as usize <= k) - 1]
    }

    /// Op `k`.
    pub fn op(&self, k: usize) -> Option<&Op> {
        match &self.store {
            Store::Empty => None,
            Store::Plain { ops, .. } => ops.get(k),
            Store::Interned { table, ids, pending, .. } => match ids.get(k) {
                Some(&id) => table.get(id as usize),
                None => pending.get(k - ids.len()),
            },
        }
    }

    /// Line of op `k` (0 past the end).
    pub fn line(&self, k: usize) -> u32 {
        match &self.store {
            Store::Empty => 0,
            Store::Plain { lines, .. } => lines.get(k).copied().unwrap_or(0),
            Store::Interned { runs, .. } => {
                if k >= self.len() {
                    return 0;
                }
                let (first, line) = runs[runs.partition_point(|r| r.0 as usize <= k) - 1];
                line.wrapping_add(k as u32 - first)
            }
        }
    }

    /// Events up to and including op `k` (`k < len`).
    pub fn end(&self, k: usize) -> u64 {
        let (_, base) = self.block_of(k);
        base + u64::from(self.off[k])
    }

    /// Events of all ops.
    pub fn total(&self) -> u64 {
        self.ends_last()
    }

    /// The first op whose end is above `e` (`len` when none): the op event index `e` belongs to.
    pub fn op_of_event(&self, e: u64) -> usize {
        let b = self.blocks.partition_point(|b| b.1 <= e);
        if b == 0 {
            return 0;
        }
        let (first, base) = self.blocks[b - 1];
        let stop = self.blocks.get(b).map_or(self.len(), |n| n.0 as usize);
        let first = first as usize;
        first + self.off[first..stop].partition_point(|&o| base + u64::from(o) <= e)
    }

    /// Ops `from..to` with their lines, in order.
    pub fn iter_range(&self, from: usize, to: usize) -> impl Iterator<Item = (&Op, u32)> + '_ {
        let to = to.min(self.len());
        let mut line = if from < to { self.line(from) } else { 0 };
        let mut run = match &self.store {
            Store::Interned { runs, .. } => runs.partition_point(|r| r.0 as usize <= from),
            _ => 0,
        };
        (from..to).filter_map(move |k| {
            let l = match &self.store {
                Store::Empty => return None,
                Store::Plain { lines, .. } => lines[k],
                Store::Interned { runs, .. } => {
                    if runs.get(run).is_some_and(|r| r.0 as usize == k) {
                        line = runs[run].1;
                        run += 1;
                    } else if k != from {
                        line = line.wrapping_add(1);
                    }
                    line
                }
            };
            Some((self.op(k)?, l))
        })
    }

    /// Keep the first `k` ops.
    pub fn truncate(&mut self, k: usize) {
        if k >= self.len() {
            return;
        }
        self.off.truncate(k);
        let nb = self.blocks.partition_point(|b| (b.0 as usize) < k);
        self.blocks.truncate(nb);
        match &mut self.store {
            Store::Empty => {}
            Store::Plain { ops, lines } => {
                ops.truncate(k);
                lines.truncate(k);
            }
            Store::Interned { ids, runs, pending, .. } => {
                if k < ids.len() {
                    ids.truncate(k);
                    pending.clear();
                } else {
                    pending.truncate(k - ids.len());
                }
                let nr = runs.partition_point(|r| (r.0 as usize) < k);
                runs.truncate(nr);
            }
        }
    }

    /// Release spare capacity (and the interning index).
    pub fn shrink_to_fit(&mut self) {
        self.off.shrink_to_fit();
        self.blocks.shrink_to_fit();
        match &mut self.store {
            Store::Empty => {}
            Store::Plain { ops, lines } => {
                ops.shrink_to_fit();
                lines.shrink_to_fit();
            }
            Store::Interned { table, index, ids, runs, pending } => {
                flush(table, index, ids, pending);
                pending.shrink_to_fit();
                table.shrink_to_fit();
                *index = None;
                ids.shrink_to_fit();
                runs.shrink_to_fit();
            }
        }
    }

    /// Heap bytes, by capacity.
    pub fn approx_bytes(&self) -> usize {
        let store = match &self.store {
            Store::Empty => 0,
            Store::Plain { ops, lines } => ops.capacity() * std::mem::size_of::<Op>() + lines.capacity() * 4,
            Store::Interned { table, index, ids, runs, pending } => {
                (table.capacity() + pending.capacity()) * std::mem::size_of::<Op>()
                    + index.as_ref().map_or(0, |i| i.capacity() * (std::mem::size_of::<Op>() + 5))
                    + ids.capacity() * 4
                    + runs.capacity() * 8
            }
        };
        store + self.off.capacity() * 4 + self.blocks.capacity() * 16
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::Sym;
    use crate::op::{Ref, Target};

    fn op(i: u32) -> Op {
        if i.is_multiple_of(2) {
            Op::Kmalloc { size: 8 + i % 5, cpu: None, node: None, target: Target::Name { name: (i % 7) as Sym } }
        } else {
            Op::Kfree { what: Ref::Name { name: (i % 7) as Sym }, cpu: Some(1) }
        }
    }

    /// Both stores give back exactly what was pushed, through every accessor, also after
    /// truncation, conversion and shrinking, including event counts that overflow a `u32` block.
    #[test]
    fn stores_round_trip() {
        for interned in [false, true] {
            let mut l = OpList::default();
            l.set_interned(interned);
            let mut want = Vec::new();
            let mut end = 0u64;
            for i in 0..5000u32 {
                end += if (3000..3003).contains(&i) { 2_000_000_000 } else { u64::from(1 + i % 3) };
                let line = if i.is_multiple_of(10) { i * 3 } else { i + 7 };
                l.push(op(i), line, end);
                want.push((op(i), line, end));
            }
            let check = |l: &OpList, want: &[(Op, u32, u64)]| {
                assert_eq!(l.len(), want.len());
                for (k, w) in want.iter().enumerate() {
                    assert_eq!((*l.op(k).unwrap(), l.line(k), l.end(k)), *w, "op {k}");
                }
                let it: Vec<(Op, u32)> = l.iter_range(17, want.len()).map(|(o, n)| (*o, n)).collect();
                assert_eq!(it, want[17..].iter().map(|w| (w.0, w.1)).collect::<Vec<_>>());
                assert_eq!(l.total(), want.last().map_or(0, |w| w.2));
                for e in [0, 1, 2, 100, 4000, 6_000_004_000, l.total().saturating_sub(1)] {
                    let naive = want.partition_point(|w| w.2 <= e);
                    assert_eq!(l.op_of_event(e), naive, "event {e}");
                }
            };
            check(&l, &want);
            // Into the ops not interned yet (5000 = 19 batches of 256 + 136), then into the rest.
            l.truncate(4990);
            want.truncate(4990);
            check(&l, &want);
            l.truncate(3500);
            want.truncate(3500);
            check(&l, &want);
            l.shrink_to_fit();
            l.push(op(1), 1, want.last().unwrap().2 + 1);
            want.push((op(1), 1, want.last().unwrap().2 + 1));
            check(&l, &want);
            l.set_interned(!interned);
            check(&l, &want);
        }
    }
}
