//! A session: a machine configuration plus a growing list of ops, navigable by micro-event.
//!
//! Steps are numbered `0..=total_steps()`: step 0 is the freshly booted machine, step `s` is the
//! state after the first `s` micro-events of the whole session. Events are not stored: only the
//! ops (a few bytes each; see `timeline/oplist.rs`), the running event count after each op, and periodic checkpoints (cheap
//! copy-on-write clones of the state). Seeking restores the nearest checkpoint at or before the
//! target op (or continues from the cursor when that is closer), replays whole ops without
//! recording events, then re-runs the target op recording its events and applies a prefix of them.
//! The states a seek replaces are not freed by it but retired (s12-seek): the next seek or
//! [`Session::drop_retired`] frees them, so a caller with idle time keeps that off the seek.
//! [`Session::seek_within`] bounds a seek's replay (s16: a scrubber drag's frames): past its
//! budget it stops on the op boundary that many ops after the state it started from, a true
//! state of the session, and the next call goes on from there.
//!
//! Invariants: `ends` is non-decreasing and `ends.len() == ops.len()`; every op emitted at least
//! one event; `checkpoints[0]` is the boot state; `head` is the state after all ops; `tail`, when
//! set, is the state after its first `tail.0` ops, `tail.0 <= ops.len()`; `retired` holds only
//! states the last seek replaced and is never read (freeing it changes nothing observable).

use std::ops::Range;

use crate::event::{CountSink, Event, EventSink, StreamHash};
use crate::machine::{ConfigError, MachineConfig};
use crate::names::Names;
use crate::op::Op;
use crate::sim::{OpError, Sim};
use crate::snapshot::Snapshot;
use crate::timeline::oplist::OpList;

/// Retained-memory budget for checkpoints, in bytes per op: the interval after a checkpoint is
/// what it cost (measured, copy-on-write: see `checkpoint_cost`) divided by this, so checkpoints
/// cost about this per op on average.
const CHECKPOINT_BYTES_PER_OP: usize = 48;
/// Smallest checkpoint interval (ops).
const MIN_INTERVAL: usize = 256;
/// How often (ops pushed) the state kept near the end of the session (`Session::tail`) is
/// renewed: a seek to the end (a link without `step=`, the End key, a session just built)
/// replays at most this many ops instead of the last checkpoint interval (#14, s7-frame).
const TAIL_OPS: usize = 4096;

#[derive(Clone, Debug)]
struct Cursor {
    /// Current step.
    step: u64,
    /// The op whose events are cached (`None` at step 0).
    op: Option<usize>,
    /// State before that op.
    pre: Option<Sim>,
    /// Events of that op.
    events: Vec<Event>,
    /// Events of that op applied to `sim`.
    applied: usize,
    /// State at `step`.
    sim: Sim,
    /// A state after `.0` ops, kept from the last replay from a checkpoint, [`BACK_OPS`] before
    /// the op it was made for: stepping back replays from it, not from the checkpoint (#14).
    back: Option<(usize, Sim)>,
}

/// How far before the sought op a replay from a checkpoint keeps a state (see `Cursor::back`):
/// stepping back one op at a time then replays at most this many ops, and a whole checkpoint
/// interval (thousands of ops in a large session) only once per this many steps back.
const BACK_OPS: usize = 128;

/// Fewest ops between two of the states a far seek keeps in the stretch it replays (see
/// `Session::near`, s11-seek).
const NEAR_GAP: usize = 1024;
/// Most states a far seek keeps in the stretch it replays: the spacing is the stretch over
/// this, at least [`NEAR_GAP`] (they share copy-on-write chunks with each other and with the
/// checkpoint they were replayed from).
const NEAR_MAX: usize = 16;

/// See the module docs.
#[derive(Clone, Debug)]
pub struct Session {
    names: Names,
    /// Ops, their lines and the running event count after each (see [`OpList`]).
    list: OpList,
    checkpoints: Vec<(usize, Sim)>,
    interval: usize,
    /// Checkpoint budget in bytes per op (see [`Session::set_checkpoint_budget`]).
    checkpoint_budget: usize,
    /// Estimated bytes the checkpoints after the boot one hold (see [`checkpoint_cost`]).
    checkpoint_bytes: usize,
    /// Most ops between checkpoints (see [`Session::set_max_checkpoint_interval`]).
    max_interval: usize,
    head: Sim,
    /// A state at most [`TAIL_OPS`] ops before the end, renewed as ops are pushed (one state,
    /// not a checkpoint: it shares copy-on-write with `head`).
    tail: Option<(usize, Sim)>,
    /// Ops pushed between renewals of `tail` (see [`Session::set_tail_ops`]).
    tail_ops: usize,
    /// States after `.0` ops (ascending) kept by the last far seek in the stretch of ops it
    /// replayed from a checkpoint (s11-seek, #14): a later seek into that stretch (a drag of
    /// the scrubber, a click near the last one, steps back) replays from the nearest of them,
    /// at most the spacing, instead of from the checkpoint. A far seek into another stretch
    /// replaces them; cut with the session.
    near: Vec<(usize, Sim)>,
    /// The checkpoint (its op count) the last far seek restored: a second far seek from the
    /// same one keeps `near` states (a first one does not: each kept state makes the replay
    /// after it copy the chunks it writes, which a single click into a stretch would pay for
    /// nothing).
    near_from: Option<usize>,
    cursor: Cursor,
    /// States the last seek replaced (the cursor's state and pre-state, the `near` states),
    /// not freed yet (s12-seek, #14): freeing a state frees the chunks its replay copied (~1 ms
    /// in a browser after a far seek), so a seek leaves them here for
    /// [`Session::drop_retired`] to free off the critical path (after the frame is painted);
    /// the next seek frees them otherwise. Never read.
    retired: Vec<Sim>,
}

/// Where a seek starts from (see `Session::seek_from`): the cursor's state (its op count), the
/// `back` state (its op count), a `near` state (its index) or a checkpoint (its op count).
#[derive(Clone, Copy, Debug)]
enum SeekFrom {
    Cursor(usize),
    Back(usize),
    Near(usize),
    Checkpoint(usize),
}

impl Session {
    /// A session on a freshly booted machine.
    pub fn new(config: MachineConfig) -> Result<Session, ConfigError> {
        Self::with_names(config, Names::default())
    }

    /// A session whose ops use names already interned in `names` (from the script parser).
    pub fn with_names(config: MachineConfig, names: Names) -> Result<Session, ConfigError> {
        Ok(Self::with_boot(Sim::boot(config)?, names))
    }

    /// A session starting from a given booted state (e.g. [`Sim::boot_with_free`]).
    pub fn with_boot(boot: Sim, names: Names) -> Session {
        // The first checkpoint comes early; its measured cost spaces the next (s6-tracew).
        let interval = MIN_INTERVAL;
        Session {
            names,
            list: OpList::default(),
            checkpoints: vec![(0, boot.clone())],
            interval,
            checkpoint_budget: CHECKPOINT_BYTES_PER_OP,
            checkpoint_bytes: 0,
            max_interval: usize::MAX,
            head: boot.clone(),
            tail: None,
            tail_ops: TAIL_OPS,
            near: Vec::new(),
            near_from: None,
            cursor: Cursor { step: 0, op: None, pre: None, events: Vec::new(), applied: 0, sim: boot, back: None },
            retired: Vec::new(),
        }
    }

    /// The machine configuration.
    pub fn config(&self) -> &MachineConfig {
        self.head.config()
    }
    /// The name table.
    pub fn names(&self) -> &Names {
        &self.names
    }
    /// The name table, for parsing more ops into this session.
    pub fn names_mut(&mut self) -> &mut Names {
        &mut self.names
    }
    /// Number of ops.
    pub fn op_count(&self) -> usize {
        self.list.len()
    }
    /// Op `k`.
    pub fn op(&self, k: usize) -> Option<&Op> {
        self.list.op(k)
    }
    /// Source line of op `k` (0 when pushed without one).
    pub fn op_line(&self, k: usize) -> u32 {
        self.list.line(k)
    }
    /// Total steps (micro-events) in the session.
    pub fn total_steps(&self) -> u64 {
        self.list.total()
    }
    /// The steps that belong to op `k`: `start+1 ..= end` (as a half-open range of event indices
    /// `start..end`).
    pub fn op_events_range(&self, k: usize) -> Range<u64> {
        let start = if k == 0 { 0 } else { self.list.end(k - 1) };
        start..self.list.end(k)
    }
    /// The op containing event index `e` (0-based), i.e. the op that step `e + 1` belongs to.
    pub fn op_of_event(&self, e: u64) -> Option<usize> {
        if e >= self.total_steps() {
            return None;
        }
        Some(self.list.op_of_event(e))
    }
    /// State after all ops.
    pub fn head(&self) -> &Sim {
        &self.head
    }

    /// Run `op` at the end of the session. On error nothing changes.
    pub fn push(&mut self, op: Op, line: u32) -> Result<Range<u64>, OpError> {
        self.push_into(op, line, &mut CountSink::default())
    }

    /// Like [`Session::push`], also handing the op's events to `out`.
    pub fn push_into(&mut self, op: Op, line: u32, out: &mut dyn EventSink) -> Result<Range<u64>, OpError> {
        struct Counting<'a>(u64, &'a mut dyn EventSink);
        impl EventSink for Counting<'_> {
            fn emit(&mut self, ev: Event) {
                self.0 += 1;
                self.1.emit(ev);
            }
        }
        let mut count = Counting(0, out);
        self.head.exec_at(&op, &self.names, line, &mut count)?;
        debug_assert!(count.0 > 0, "every op emits at least one event");
        let start = self.total_steps();
        self.list.push(op, line, start + count.0);
        let since = self.list.len() - self.checkpoints.last().map_or(0, |c| c.0);
        if since >= self.interval {
            // What this checkpoint really costs beyond the one before (copy-on-write: the chunks
            // and pages written since, plus the state that is cloned whole), and the next
            // interval from it: checkpoints cost `checkpoint_budget` bytes per op on average.
            let cost = checkpoint_cost(&self.head, &self.checkpoints[self.checkpoints.len() - 1].1);
            self.checkpoint_bytes += cost;
            self.checkpoints.push((self.list.len(), self.head.clone()));
            self.interval = (cost / self.checkpoint_budget.max(1)).clamp(MIN_INTERVAL, self.max_interval);
        }
        let tail_at = self.tail.as_ref().map_or(0, |t| t.0).max(self.checkpoints.last().map_or(0, |c| c.0));
        if self.list.len() - tail_at >= self.tail_ops {
            self.tail = Some((self.list.len(), self.head.clone()));
        }
        Ok(start..start + count.0)
    }

    /// The SuperSlab allocator after each op (index k: after op k) when the same ops run on a
    /// machine with `config` instead (e.g. `superslab_release` flipped, for a side-by-side view):
    /// `(resident bytes, live SuperSlabs)`. Stops at the first op that machine refuses.
    pub fn superslab_with(&self, config: MachineConfig) -> Result<Vec<(u64, usize)>, ConfigError> {
        let mut sim = Sim::boot(config)?;
        let mut out = Vec::with_capacity(self.list.len());
        for (op, line) in self.list.iter_range(0, self.list.len()) {
            if sim.exec_at(op, &self.names, line, &mut CountSink::default()).is_err() {
                break;
            }
            out.push((sim.superslab.resident_bytes(), sim.superslab.superslabs.len()));
        }
        Ok(out)
    }

    /// Remove every op from `k` on (for editing in a sandbox). The cursor moves to the new end if
    /// it was past it.
    pub fn truncate(&mut self, k: usize) {
        if k >= self.list.len() {
            return;
        }
        let step = self.cursor.step;
        self.list.truncate(k);
        self.checkpoints.retain(|c| c.0 <= k);
        self.tail = self.tail.take().filter(|t| t.0 <= k);
        self.near.retain(|n| n.0 <= k);
        self.near_from = None;
        self.checkpoint_bytes = self.checkpoints.windows(2).map(|w| checkpoint_cost(&w[1].1, &w[0].1)).sum();
        self.head = self.state_before(k);
        self.reset_cursor();
        self.seek(step.min(self.total_steps()));
    }

    fn reset_cursor(&mut self) {
        let boot = self.checkpoints[0].1.clone();
        let cursor = Cursor { step: 0, op: None, pre: None, events: Vec::new(), applied: 0, sim: boot, back: None };
        self.retire_cursor(cursor);
    }

    /// Make `cursor` the cursor, the states of the one it replaces retired (see `retired`).
    fn retire_cursor(&mut self, cursor: Cursor) {
        let old = std::mem::replace(&mut self.cursor, cursor);
        self.retired.push(old.sim);
        self.retired.extend(old.pre);
        self.retired.extend(old.back.map(|b| b.1));
    }

    /// Free the states the last seek replaced (s12-seek, #14): for a caller with idle time after
    /// a seek (a page, once the frame is painted), so that freeing them is not part of the next
    /// seek. Nothing else changes: states, steps and events are the same whether or when this
    /// is called. Returns how many states were freed.
    pub fn drop_retired(&mut self) -> usize {
        let n = self.retired.len();
        self.retired.clear();
        n
    }

    /// Number of states the last seek replaced that are not freed yet (see
    /// [`Session::drop_retired`]).
    pub fn retired_count(&self) -> usize {
        self.retired.len()
    }

    /// Current step.
    pub fn step(&self) -> u64 {
        self.cursor.step
    }
    /// State at the current step.
    pub fn sim(&self) -> &Sim {
        &self.cursor.sim
    }
    /// The op the current step belongs to (`None` at step 0).
    pub fn current_op(&self) -> Option<usize> {
        self.cursor.op
    }
    /// The event that led to the current step (`None` at step 0).
    pub fn current_event(&self) -> Option<&Event> {
        if self.cursor.applied == 0 {
            return None;
        }
        self.cursor.events.get(self.cursor.applied - 1)
    }
    /// Events of the current op, and how many of them are applied.
    pub fn current_op_events(&self) -> (&[Event], usize) {
        (&self.cursor.events, self.cursor.applied)
    }
    /// Snapshot of the current step.
    pub fn snapshot(&self) -> Snapshot {
        Snapshot::of(&self.cursor.sim, &self.names)
    }

    /// Move to `step` (clamped to the session). Works in both directions.
    pub fn seek(&mut self, step: u64) {
        let step = step.min(self.total_steps());
        if step == self.cursor.step {
            return;
        }
        // What the seek before retired is freed now, unless the caller freed it already.
        self.drop_retired();
        if step == 0 {
            self.reset_cursor();
            return;
        }
        let k = self.op_of_event(step - 1).expect("step within session");
        let j = (step - self.op_events_range(k).start) as usize;
        if self.cursor.op == Some(k) {
            if j < self.cursor.applied {
                self.cursor.sim = self.cursor.pre.clone().expect("op cursor has a pre-state");
                self.cursor.applied = 0;
            }
            for ev in &self.cursor.events[self.cursor.applied..j] {
                self.cursor.sim.apply(ev);
            }
            self.cursor.applied = j;
            self.cursor.step = step;
            return;
        }
        // State before op k, from where `seek_from` chooses; restoring a checkpoint keeps states
        // on the way (`near`, and `back` BACK_OPS before k for the next steps back).
        let pre = match self.seek_from(k) {
            SeekFrom::Cursor(cursor_ops) => {
                let mut sim = std::mem::replace(&mut self.cursor.sim, self.checkpoints[0].1.clone());
                for ev in &self.cursor.events[self.cursor.applied..] {
                    sim.apply(ev);
                }
                self.replay(sim, cursor_ops, k)
            }
            SeekFrom::Back(b) => {
                let sim = self.cursor.back.as_ref().map(|b| b.1.clone()).expect("a back state");
                self.replay(sim, b, k)
            }
            SeekFrom::Near(i) => {
                let (at, base) = &self.near[i];
                let mid = k.saturating_sub(BACK_OPS).max(*at);
                let kept = self.replay(base.clone(), *at, mid);
                let pre = self.replay(kept.clone(), mid, k);
                let old = self.cursor.back.replace((mid, kept));
                self.retired.extend(old.map(|b| b.1));
                pre
            }
            SeekFrom::Checkpoint(_) => {
                let (at, base) = self.checkpoint_before(k);
                let (at, base) = (*at, base.clone());
                let mid = k.saturating_sub(BACK_OPS).max(at);
                let again = self.near_from == Some(at);
                self.near_from = Some(at);
                // The first far seek into a stretch keeps no state on its way; a second keeps them.
                let gap = if again { ((mid - at) / NEAR_MAX).max(NEAR_GAP) } else { usize::MAX / 2 };
                let mut near = Vec::new();
                let mut sim = base;
                let mut done = at;
                while done + gap <= mid {
                    sim = self.replay(sim, done, done + gap);
                    done += gap;
                    near.push((done, sim.clone()));
                }
                let kept = self.replay(sim, done, mid);
                let pre = self.replay(kept.clone(), mid, k);
                let old = std::mem::replace(&mut self.near, near);
                self.retired.extend(old.into_iter().map(|n| n.1));
                let old = self.cursor.back.replace((mid, kept));
                self.retired.extend(old.map(|b| b.1));
                pre
            }
        };
        let mut events = Vec::new();
        let mut run = pre.clone();
        let op = *self.list.op(k).expect("op within session");
        run.exec_at(&op, &self.names, self.list.line(k), &mut events).expect("replay of a recorded op");
        self.retired.push(run);
        let mut sim = pre.clone();
        for ev in &events[..j] {
            sim.apply(ev);
        }
        let back = self.cursor.back.take();
        self.retire_cursor(Cursor { step, op: Some(k), pre: Some(pre), events, applied: j, sim, back });
    }

    /// The events of op `k` (re-computed by replay).
    pub fn events_of_op(&self, k: usize) -> Vec<Event> {
        if self.cursor.op == Some(k) {
            return self.cursor.events.clone();
        }
        let mut events = Vec::new();
        let mut sim = self.state_before(k);
        let op = *self.list.op(k).expect("op within session");
        sim.exec_at(&op, &self.names, self.list.line(k), &mut events).expect("replay of a recorded op");
        events
    }

    /// The latest kept state at or before op `k`: a checkpoint, or the tail state.
    fn checkpoint_before(&self, k: usize) -> &(usize, Sim) {
        let ck = &self.checkpoints[self.checkpoints.partition_point(|c| c.0 <= k) - 1];
        match &self.tail {
            Some(t) if t.0 <= k && t.0 > ck.0 => t,
            _ => ck,
        }
    }

    /// Where a seek before op `k` starts from (the one choice [`Session::seek`] and
    /// [`Session::seek_within`] share): the cursor when it is at or before `k` and past the
    /// nearest kept state and `back`; else the state kept `BACK_OPS` before the last far seek's op
    /// (`back`), or the nearest state that seek kept on its way (`near`), whichever is later;
    /// otherwise the nearest checkpoint (the tail state among them).
    fn seek_from(&self, k: usize) -> SeekFrom {
        let ck_ops = self.checkpoint_before(k).0;
        let near = self.near.partition_point(|n| n.0 <= k).checked_sub(1).filter(|&i| self.near[i].0 >= ck_ops);
        let base_ops = near.map_or(ck_ops, |i| self.near[i].0);
        let cursor_ops = self.cursor.op.map_or(0, |c| c + 1);
        let back_ops = self.cursor.back.as_ref().map(|b| b.0).filter(|&b| b <= k && b >= base_ops);
        if cursor_ops <= k && cursor_ops >= base_ops && back_ops.is_none_or(|b| cursor_ops >= b) {
            SeekFrom::Cursor(cursor_ops)
        } else if let Some(b) = back_ops {
            SeekFrom::Back(b)
        } else if let Some(i) = near {
            SeekFrom::Near(i)
        } else {
            SeekFrom::Checkpoint(ck_ops)
        }
    }

    /// The op count of the state a seek before op `k` starts from.
    fn replay_base(&self, k: usize) -> usize {
        match self.seek_from(k) {
            SeekFrom::Cursor(at) | SeekFrom::Back(at) | SeekFrom::Checkpoint(at) => at,
            SeekFrom::Near(i) => self.near[i].0,
        }
    }

    /// The ops a seek to `step` replays before it applies the events of the op `step` is in (0:
    /// the cursor is in that op, or `step` is 0).
    pub fn replay_ops_to(&self, step: u64) -> usize {
        let step = step.min(self.total_steps());
        if step == 0 || step == self.cursor.step {
            return 0;
        }
        let k = self.op_of_event(step - 1).expect("step within session");
        if self.cursor.op == Some(k) {
            return 0;
        }
        k - self.replay_base(k)
    }

    /// A seek that replays at most `max_ops` ops (s16, #14: a scrubber drag stays within its
    /// frame): to `step` when that is within reach, else toward it — to the end of the op
    /// `max_ops` ops past the state the seek starts from (the cursor, a kept state or a
    /// checkpoint), so the next call goes on from there. True when the cursor is at `step`.
    pub fn seek_within(&mut self, step: u64, max_ops: usize) -> bool {
        let step = step.min(self.total_steps());
        if self.replay_ops_to(step) <= max_ops.max(1) {
            self.seek(step);
            return true;
        }
        let k = self.op_of_event(step - 1).expect("step within session");
        let last = (self.replay_base(k) + max_ops.max(1)).min(k) - 1;
        self.seek(self.op_events_range(last).end);
        self.cursor.step == step
    }

    /// Replay ops `from..to` on `sim` without recording events.
    fn replay(&self, mut sim: Sim, from: usize, to: usize) -> Sim {
        for (op, line) in self.list.iter_range(from, to) {
            sim.exec_at(op, &self.names, line, &mut CountSink::default()).expect("replay of a recorded op");
        }
        sim
    }

    /// The state before op `k` (after `k` ops), from the nearest checkpoint.
    pub fn state_before(&self, k: usize) -> Sim {
        let (at, base) = self.checkpoint_before(k);
        self.replay(base.clone(), *at, k)
    }

    /// Replay the whole session from boot, feeding every event to `f` together with the op index.
    pub fn for_each_event(&self, mut f: impl FnMut(usize, &Event)) {
        struct Tap<'a, F: FnMut(usize, &Event)>(usize, &'a mut F);
        impl<F: FnMut(usize, &Event)> crate::event::EventSink for Tap<'_, F> {
            fn emit(&mut self, ev: Event) {
                (self.1)(self.0, &ev);
            }
        }
        let mut sim = self.checkpoints[0].1.clone();
        for (k, (op, line)) in self.list.iter_range(0, self.list.len()).enumerate() {
            sim.exec_at(op, &self.names, line, &mut Tap(k, &mut f)).expect("replay of a recorded op");
        }
    }

    /// Summary numbers over the session, sampled at `samples` evenly spaced op boundaries (plus
    /// boot and the end), by one replay: the data of the timeline charts (free pages, resident
    /// SuperSlab memory, slab pages, fragmentation).
    pub fn series(&self, samples: usize) -> Vec<Sample> {
        let mut b = super::series::SeriesBuilder::new(self, samples);
        b.step(self, usize::MAX);
        b.finish()
    }

    /// Keep `sim`, the state after the first `at` ops (replayed from this session's boot by
    /// [`super::series::SeriesBuilder`]), as a checkpoint: a second level of checkpoints made
    /// after a bulk load, while the charts' replay passes (s6-tracew). Returns what it costs
    /// (0 when one is there already or `at` is out of range).
    /// Not kept when it would cost more than `max_bytes` (s8-trace).
    pub(crate) fn insert_checkpoint(&mut self, at: usize, sim: &Sim, max_bytes: usize) -> usize {
        if at == 0 || at > self.list.len() {
            return 0;
        }
        let i = self.checkpoints.partition_point(|c| c.0 < at);
        if self.checkpoints.get(i).is_some_and(|c| c.0 == at) {
            return 0;
        }
        let cost = checkpoint_cost(sim, &self.checkpoints[i - 1].1);
        if cost > max_bytes {
            return 0;
        }
        self.checkpoints.insert(i, (at, sim.clone()));
        self.checkpoint_bytes += cost;
        cost
    }

    /// Keep the state before the last op as a checkpoint, so a seek to the end (End, a link
    /// without `step=`) replays no op: made from the tail state, it replays at most
    /// [`TAIL_OPS`] ops now (s8-trace: the second level of checkpoints makes it first, with
    /// what it really costs known before the rest are planned), unless it would cost more than
    /// `max_bytes`. Returns what it costs (0: not made — one is there already, the session has
    /// fewer than two ops, or it costs more than `max_bytes`).
    pub fn checkpoint_before_last(&mut self, max_bytes: usize) -> usize {
        let Some(k) = self.list.len().checked_sub(1).filter(|&k| k > 0) else { return 0 };
        if self.checkpoints.iter().any(|c| c.0 == k) {
            return 0;
        }
        let sim = self.state_before(k);
        self.insert_checkpoint(k, &sim, max_bytes)
    }

    /// What any checkpoint of the head state costs however few ops after the one before: the
    /// state a clone copies whole and the copy-on-write tables (s8-trace: the rest of a
    /// checkpoint's cost grows with the ops between it and the one before).
    pub fn fixed_checkpoint_bytes(&self) -> usize {
        checkpoint_cost(&self.head, &self.head.clone())
    }

    /// The boot state (for [`super::series::SeriesBuilder`], s5-tracew).
    pub(crate) fn boot_state(&self) -> &Sim {
        &self.checkpoints[0].1
    }

    /// The op list (for [`super::series::SeriesBuilder`], s5-tracew).
    pub(crate) fn op_list(&self) -> &OpList {
        &self.list
    }

    /// FNV-1a hash of the JSON form of every event of the session: the determinism fingerprint.
    pub fn event_hash(&self) -> u64 {
        let mut h = StreamHash::default();
        self.for_each_event(|_, ev| {
            h.update(event_json(ev).as_bytes());
            h.update(b"\n");
        });
        h.finish()
    }

    /// Estimated heap bytes the checkpoints hold beyond the boot state (what each cost when
    /// taken: copy-on-write chunks and pages written since the one before, and the state cloned
    /// whole), for retained-memory figures.
    pub fn approx_checkpoint_bytes(&self) -> usize {
        self.checkpoint_bytes
    }

    /// The op gap a second level of checkpoints ([`super::series::SeriesBuilder::checkpoint_into`])
    /// can keep within `extra_bytes` more memory, at what the checkpoints so far cost each on
    /// average (`None`: none measured yet, or no room for one more).
    pub fn checkpoint_gap_for(&self, extra_bytes: usize) -> Option<usize> {
        let n = self.checkpoints.len().checked_sub(1).filter(|&n| n > 0)?;
        let more = extra_bytes / (self.checkpoint_bytes / n).max(1);
        (more > 0).then(|| (self.list.len() / (n + more)).max(MIN_INTERVAL))
    }

    /// Number of checkpoints held.
    pub fn checkpoint_count(&self) -> usize {
        self.checkpoints.len()
    }

    /// The op counts the checkpoints are taken at, ascending (the first is 0, the boot state).
    pub fn checkpoint_ops(&self) -> Vec<usize> {
        self.checkpoints.iter().map(|c| c.0).collect()
    }

    /// The most ops a seek replays from a checkpoint: the longest stretch of ops between two
    /// checkpoints, or after the last one (s6-tracew, issue 18).
    pub fn max_replay_ops(&self) -> usize {
        let mut at: Vec<usize> = self.checkpoint_ops();
        // The tail state (s7-frame) shortens the stretch after the last checkpoint.
        at.extend(self.tail.as_ref().map(|t| t.0).filter(|&t| at.last().is_some_and(|&l| t > l)));
        at.push(self.list.len());
        at.windows(2).map(|w| w[1] - w[0]).max().unwrap_or(0)
    }

    /// Retained-memory budget for checkpoints in bytes per op (default 48): long sessions such as
    /// replayed traces trade seek time (more ops replayed from the nearest checkpoint) for memory.
    pub fn set_checkpoint_budget(&mut self, bytes_per_op: usize) {
        self.checkpoint_budget = bytes_per_op.max(1);
        self.interval = match self.checkpoints.len() {
            1 => MIN_INTERVAL,
            n => (self.checkpoint_bytes / (n - 1) / self.checkpoint_budget).clamp(MIN_INTERVAL, self.max_interval),
        };
    }

    /// The most ops between checkpoints from now on (default: no limit beyond the budget): a
    /// bound on the ops any later seek replays, paid for in checkpoint memory beyond the budget
    /// when the state changes a lot (s6-tracew). At least 256.
    pub fn set_max_checkpoint_interval(&mut self, ops: usize) {
        self.max_interval = ops.max(MIN_INTERVAL);
        self.interval = self.interval.min(self.max_interval);
    }

    /// How many ops are pushed between renewals of the state kept near the end (default 4096):
    /// a seek to the end replays at most this many ops. Each renewal is a clone of the head, and
    /// the head's writes after it copy the chunks they touch (copy-on-write), so a bulk load
    /// (a replayed trace, s11-seek) renews it less often. At least 256.
    pub fn set_tail_ops(&mut self, ops: usize) {
        self.tail_ops = ops.max(MIN_INTERVAL);
    }

    /// Release spare capacity of the op list (after a bulk load such as a trace replay).
    pub fn shrink_to_fit(&mut self) {
        self.list.shrink_to_fit();
        self.checkpoints.shrink_to_fit();
    }

    /// Heap bytes of the op list (ops, source lines, event counts), by capacity; checkpoints
    /// share unchanged state copy-on-write and are not counted.
    pub fn approx_op_bytes(&self) -> usize {
        self.list.approx_bytes()
    }

    /// Store ops interned and lines as runs (see [`OpList`]): for long sessions whose ops repeat,
    /// such as replayed traces. Seek, replay and every accessor behave the same.
    pub fn set_interned_ops(&mut self, on: bool) {
        self.list.set_interned(on);
    }
}

/// The stable JSON form of an event (one line).
pub fn event_json(ev: &Event) -> String {
    serde_json::to_string(ev).expect("events serialize")
}

/// Heap bytes a checkpoint of `sim` costs beyond keeping `prev` (s6-tracew): the machine's and
/// the bindings' copy-on-write chunks (and pages) not shared with `prev` (s8-trace: the
/// bindings were cloned whole before), and the slab policy's state not shared with `prev` —
/// what the engine counts ([`crate::slab::SlabAllocator::clone_bytes`]; SLUB: its sites shards
/// written since, and the rest, cloned whole), else, about one record per bound name, the
/// bindings' size again.
fn checkpoint_cost(sim: &Sim, prev: &Sim) -> usize {
    let slab = sim.slab.clone_bytes(prev.slab.as_ref()).unwrap_or_else(|| sim.bindings.approx_bytes());
    sim.machine.unshared_bytes(&prev.machine) + sim.bindings.unshared_bytes(&prev.bindings) + slab
}

/// One point of [`Session::series`].
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Sample {
    /// Ops done.
    pub ops: usize,
    /// Steps done.
    pub step: u64,
    /// Pages free in the buddy allocator.
    pub free_pages: u64,
    /// Pages on pcp lists.
    pub pcp_pages: u64,
    /// Bytes the SuperSlab allocator holds.
    pub superslab_resident: u64,
    /// Live SuperSlabs.
    pub superslabs: u64,
    /// Pages held by slab caches (every policy).
    pub slab_pages: u64,
    /// Unusable free space index for order 3 (a common fragmentation gauge).
    pub unusable_order3: f64,
    /// `nr_free` per order, summed over nodes.
    #[serde(default)]
    pub nr_free: Vec<u64>,
    /// Unusable free space index per order.
    #[serde(default)]
    pub unusable_index: Vec<f64>,
}

impl Sample {
    /// The sample of `sim` after `ops` ops and `step` steps.
    pub fn of(sim: &Sim, ops: usize, step: u64) -> Sample {
        let st = sim.stats();
        let slab_pages = (0..sim.machine.total_pages())
            .filter(|&p| {
                matches!(
                    sim.machine.frame(p).kind,
                    crate::machine::FrameKind::Used {
                        owner: crate::machine::Owner::Slab { .. }
                            | crate::machine::Owner::ClassicSlab { .. }
                            | crate::machine::Owner::AetherSlab { .. }
                    }
                )
            })
            .map(|p| 1u64 << sim.machine.frame(p).order)
            .sum();
        Sample {
            ops,
            step,
            free_pages: st.free_pages,
            pcp_pages: st.pcp_pages,
            superslab_resident: sim.superslab.resident_bytes(),
            superslabs: sim.superslab.superslabs.len() as u64,
            slab_pages,
            unusable_order3: st.unusable_index[3],
            nr_free: st.nr_free,
            unusable_index: st.unusable_index,
        }
    }
}
