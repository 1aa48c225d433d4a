//! The session charts' data built a slice at a time (s5-tracew, issue 18): [`SeriesBuilder`]
//! replays a session from boot `n` ops per call, so a caller with a frame budget (the browser's
//! main thread after loading a 2,000,000-event trace) can yield between slices. The result is
//! exactly [`Session::series`] (which is this builder run in one go).
//!
//! Invariants: `done <= total`; `out` holds the boot sample plus one sample per `every` ops done
//! (and the last op); the builder's `sim` is the state after `done` ops of the session.

use crate::event::CountSink;
use crate::op::Op;
use crate::sim::Sim;
use crate::timeline::session::{Sample, Session};

/// See the module docs.
#[derive(Clone, Debug)]
pub struct SeriesBuilder {
    sim: Sim,
    done: usize,
    total: usize,
    every: usize,
    out: Vec<Sample>,
}

impl SeriesBuilder {
    /// A builder for `session`'s series at `samples` evenly spaced op boundaries (plus boot and
    /// the end), as [`Session::series`]. The session must not grow while it is built: ops pushed
    /// afterwards are not sampled.
    pub fn new(session: &Session, samples: usize) -> SeriesBuilder {
        let total = session.op_count();
        let sim = session.boot_state().clone();
        let out = vec![Sample::of(&sim, 0, 0)];
        SeriesBuilder { sim, done: 0, total, every: (total / samples.max(1)).max(1), out }
    }

    /// Replay up to `ops` more ops of `session` (the session the builder was made for); true
    /// when every op is done.
    pub fn step(&mut self, session: &Session, ops: usize) -> bool {
        self.step_observe(session, ops, |_, _, _| {})
    }

    /// As [`SeriesBuilder::step`], calling `f(k, op, state after op k)` after each op: one replay
    /// serves the charts and whatever else a caller indexes from the states (e.g. where each
    /// allocation landed).
    pub fn step_observe(&mut self, session: &Session, ops: usize, mut f: impl FnMut(usize, &Op, &Sim)) -> bool {
        let to = self.done.saturating_add(ops).min(self.total).min(session.op_count());
        let list = session.op_list();
        for (k, (op, line)) in (self.done..to).zip(list.iter_range(self.done, to)) {
            // Recorded ops succeeded when recorded and replay is deterministic; a failed op
            // changes nothing, so the series goes on either way (no panic on any session).
            let _ = self.sim.exec_at(op, session.names(), line, &mut CountSink::default());
            f(k, op, &self.sim);
            if (k + 1) % self.every == 0 || k + 1 == self.total {
                self.out.push(Sample::of(&self.sim, k + 1, list.end(k)));
            }
        }
        self.done = to;
        self.is_done()
    }

    /// Keep the builder's state (after the ops done so far) as a checkpoint of `session` (the
    /// session it replays) when the last checkpoint before it is `max_gap` ops back or more: denser checkpoints made by the charts' replay at no extra replay cost, so later
    /// seeks replay fewer ops (s6-tracew, issue 18). Returns the bytes it costs (0: not kept).
    pub fn checkpoint_into(&self, session: &mut Session, max_gap: usize) -> usize {
        self.checkpoint_into_within(session, max_gap, usize::MAX)
    }

    /// As [`SeriesBuilder::checkpoint_into`], not keeping one that would cost more than
    /// `max_bytes` (s8-trace: a room is kept by what checkpoints really cost, not estimates).
    pub fn checkpoint_into_within(&self, session: &mut Session, max_gap: usize, max_bytes: usize) -> usize {
        if self.done == 0 || self.done >= session.op_count() {
            return 0;
        }
        let at = session.checkpoint_ops();
        let i = at.partition_point(|&c| c <= self.done);
        let before = at[i - 1];
        if self.done - before < max_gap.max(1) {
            return 0;
        }
        session.insert_checkpoint(self.done, &self.sim, max_bytes)
    }

    /// True when every op is done (or the session was shorter than when the builder was made).
    pub fn is_done(&self) -> bool {
        self.done >= self.total
    }

    /// Ops done and ops in all (for a progress bar).
    pub fn progress(&self) -> (usize, usize) {
        (self.done, self.total)
    }

    /// The samples so far (all of them once [`SeriesBuilder::is_done`]).
    pub fn finish(self) -> Vec<Sample> {
        self.out
    }
}
