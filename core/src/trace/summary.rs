//! Trace summaries and filter selections built a slice at a time (s6-tracew, issue 18):
//! [`SummaryBuilder`] goes through a [`TraceSession`]'s facts `n` events per call, so a caller
//! with a frame budget (the browser's main thread after loading a 2,000,000-event trace, or
//! after a filter change) can yield between slices. One pass gives what
//! [`TraceSession::summary`] gives for every [`GroupBy`] and what
//! [`TraceSession::select_events`] / [`TraceSession::select_ops`] give for the same filter,
//! exactly (`core/tests/trace_summary.rs` checks it for every slice size).
//!
//! How: each selected event is counted in a *class* `(comm, shape, cache shape)` — the interned
//! ids the facts already hold (a free's cache shape is the shape of the allocation it frees) —
//! so the per-event work is a few array reads and one small-map update; the rows are made from
//! the classes at the end. The filter's string tests are made once per interned call site and
//! per shape, not per event. The op of each selected event is found by walking the session's
//! ops alongside (trace ops are in line order), not by a search per event.
//!
//! Invariants: `next <= facts.len()`; `last[slot]` is the fact index of the latest allocation of
//! that slot among facts `< next` not freed since (or `NONE`); `op_next` is the first op at or
//! after `first_op` whose line is greater than the line of fact `next - 1`.

use std::collections::BTreeSet;

use super::{Filter, GroupBy, Op, SummaryRow, TraceSession, NONE};
use crate::timeline::oplist::FxMap;

/// The summaries and the selection of one filter (see the module docs).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Summary {
    /// `summary(CallSite)`, `summary(Comm)`, `summary(Cache)` in that order.
    rows: [Vec<SummaryRow>; 3],
    /// Fact indices selected (when asked for), ascending.
    pub events: Vec<u32>,
    /// Op indices of the selected events that became ops (when asked for), ascending.
    pub ops: Vec<u32>,
    /// Events the filter selected (counted even when the indices are not kept).
    pub selected: usize,
}

impl Summary {
    /// The rows grouped by `by`, as [`TraceSession::summary`].
    pub fn rows(&self, by: GroupBy) -> &[SummaryRow] {
        &self.rows[group_index(by)]
    }
    /// Take the rows grouped by `by`.
    pub fn take_rows(&mut self, by: GroupBy) -> Vec<SummaryRow> {
        std::mem::take(&mut self.rows[group_index(by)])
    }
    /// Heap bytes held (capacities).
    pub fn approx_bytes(&self) -> usize {
        let rows: usize = self
            .rows
            .iter()
            .flatten()
            .map(|r| {
                std::mem::size_of::<SummaryRow>()
                    + r.key.capacity()
                    + r.caches.iter().map(|c| 24 + c.capacity()).sum::<usize>()
            })
            .sum();
        rows + (self.events.capacity() + self.ops.capacity()) * 4
    }
}

fn group_index(by: GroupBy) -> usize {
    match by {
        GroupBy::CallSite => 0,
        GroupBy::Comm => 1,
        GroupBy::Cache => 2,
    }
}

/// See the module docs.
#[derive(Clone, Debug)]
pub struct SummaryBuilder {
    /// Next fact to go through.
    next: usize,
    total: usize,
    /// Keep the selected fact and op indices.
    keep: bool,
    /// Per slot: the latest unfreed allocation (fact index) or `NONE`.
    last: Vec<u32>,
    /// Per interned string: does it match the filter's call site (`None`: no call-site test).
    site_ok: Option<Vec<bool>>,
    /// Per shape: does its cache label match the filter's cache (`None`: no cache test).
    cache_ok: Option<Vec<bool>>,
    /// The filter's comm as a string id (`NONE` when the trace never names it).
    comm: Option<u32>,
    cpu: Option<u16>,
    /// Selected events per `(comm, shape, cache shape)`.
    classes: FxMap<(u32, u32, u32), u64>,
    events: Vec<u32>,
    ops: Vec<u32>,
    selected: usize,
    /// The op walk (see the module invariants).
    op_next: usize,
}

impl SummaryBuilder {
    /// A builder for `t`'s summaries over the events `filter` selects; with `keep`, the
    /// selected fact and op indices are kept too (for a selection; the unfiltered summaries
    /// do not need them). The session must not grow while it is built.
    pub fn new(t: &TraceSession, filter: &Filter, keep: bool) -> SummaryBuilder {
        let f = &t.facts;
        let site_ok = filter.call_site.as_deref().map(|want| {
            f.strings.list.iter().map(|have| &**have == want || have.split('+').next() == Some(want)).collect()
        });
        let cache_ok =
            filter.cache.as_deref().map(|want| f.shapes.list.iter().map(|&s| f.alloc_cache_label(s) == want).collect());
        let comm = filter.comm.as_deref().map(|c| f.strings.index.get(c).copied().unwrap_or(NONE));
        SummaryBuilder {
            next: 0,
            total: f.len(),
            keep,
            last: vec![NONE; f.slots.list.len()],
            site_ok,
            cache_ok,
            comm,
            cpu: filter.cpu,
            classes: FxMap::default(),
            events: Vec::new(),
            ops: Vec::new(),
            selected: 0,
            op_next: f.first_op,
        }
    }

    /// Go through up to `n` more events of `t` (the trace the builder was made for); true when
    /// every event is done.
    pub fn step(&mut self, t: &TraceSession, n: usize) -> bool {
        let f = &t.facts;
        let end = self.next.saturating_add(n).min(self.total).min(f.len());
        for i in self.next..end {
            let shape_id = f.shape[i];
            let shape = f.shapes.list[shape_id as usize];
            let slot = f.slot[i] as usize;
            // The allocation a free frees (one forward pass, as `alloc_of_free`).
            let owner = if shape.kind.is_alloc() {
                self.last[slot] = i as u32;
                NONE
            } else {
                std::mem::replace(&mut self.last[slot], NONE)
            };
            let cache_shape = if shape.kind.is_alloc() || shape.cache != NONE || owner == NONE {
                shape_id
            } else {
                f.shape[owner as usize]
            };
            let task = f.tasks.list[f.task[i] as usize];
            let hit = self.cpu.is_none_or(|c| c == task.cpu)
                && self.comm.is_none_or(|c| c == task.comm)
                && self.site_ok.as_ref().is_none_or(|ok| ok.get(shape.site as usize).copied().unwrap_or(false))
                && self.cache_ok.as_ref().is_none_or(|ok| ok[cache_shape as usize]);
            if !hit {
                continue;
            }
            self.selected += 1;
            *self.classes.entry((task.comm, shape_id, cache_shape)).or_insert(0) += 1;
            if self.keep {
                self.events.push(i as u32);
                if let Some(k) = self.op_of(t, f.line(i)) {
                    self.ops.push(k as u32);
                }
            }
        }
        self.next = end;
        self.is_done()
    }

    /// The op made from the fact on `line`, walking forward (as [`TraceSession::op_of_event`]:
    /// the last op whose line is at most `line`, if its line is `line` and it is no cache
    /// creation). Lines asked for ascend.
    fn op_of(&mut self, t: &TraceSession, line: u32) -> Option<usize> {
        let s = &t.session;
        let n = s.op_count();
        while self.op_next < n && s.op_line(self.op_next) <= line {
            self.op_next += 1;
        }
        let k = self.op_next.checked_sub(1).filter(|&k| k >= t.facts.first_op)?;
        let made = s.op_line(k) == line && !matches!(s.op(k), Some(Op::CacheCreate { .. }));
        made.then_some(k)
    }

    /// True when every event is done.
    pub fn is_done(&self) -> bool {
        self.next >= self.total
    }

    /// Events done and events in all (for a progress bar).
    pub fn progress(&self) -> (usize, usize) {
        (self.next, self.total)
    }

    /// The summaries (complete once [`SummaryBuilder::is_done`]), ordered as
    /// [`TraceSession::summary`] orders them.
    pub fn finish(self, t: &TraceSession) -> Summary {
        let f = &t.facts;
        let mut groups: [FxMap<String, (SummaryRow, BTreeSet<String>)>; 3] = Default::default();
        // Classes in a fixed order, so the result does not depend on the map's iteration order.
        let mut classes: Vec<((u32, u32, u32), u64)> = self.classes.into_iter().collect();
        crate::sort::sort(&mut classes);
        for ((comm, shape_id, cache_shape), n) in classes {
            let shape = f.shapes.list[shape_id as usize];
            let keys = [
                f.strings.get(shape.site).unwrap_or("(none)").to_string(),
                f.strings.get(comm).unwrap_or("").to_string(),
                f.alloc_cache_label(f.shapes.list[cache_shape as usize]).into_owned(),
            ];
            for (group, key) in groups.iter_mut().zip(keys) {
                let (row, caches) = group
                    .entry(key)
                    .or_insert_with_key(|k| (SummaryRow { key: k.clone(), ..Default::default() }, BTreeSet::new()));
                if shape.kind.is_alloc() {
                    row.allocs += n;
                    row.bytes_req += n * u64::from(shape.bytes_req);
                    row.bytes_alloc += n * u64::from(shape.bytes_alloc);
                    let label = f.alloc_cache_label(shape);
                    if !caches.contains(label.as_ref()) {
                        caches.insert(label.into_owned());
                    }
                } else {
                    row.frees += n;
                }
            }
        }
        let rows = groups.map(|g| {
            let mut out: Vec<SummaryRow> = g
                .into_values()
                .map(|(mut r, c)| {
                    r.caches = c.into_iter().collect();
                    r
                })
                .collect();
            crate::sort::sort_by(&mut out, |a, b| {
                b.allocs.cmp(&a.allocs).then(b.frees.cmp(&a.frees)).then(a.key.cmp(&b.key))
            });
            out
        });
        let (mut events, mut ops) = (self.events, self.ops);
        events.shrink_to_fit();
        ops.shrink_to_fit();
        Summary { rows, events, ops, selected: self.selected }
    }
}

impl TraceSession {
    /// Every summary and the selection of `filter` in one go ([`SummaryBuilder`] run to the end).
    pub fn summaries(&self, filter: &Filter, keep: bool) -> Summary {
        let mut b = SummaryBuilder::new(self, filter, keep);
        b.step(self, usize::MAX);
        b.finish(self)
    }
}
