//! Running the invariant checkers over a growing session at a cost independent of memory size.
//!
//! A full [`Sim::check`] walks every page frame, so checking after every op of a 4 GiB machine
//! costs a million frame visits per op. [`Audit`] in [`AuditMode::Sampled`] mode (the default of
//! `--check`) runs the full check only once the ops since the last check have paid for it (about
//! [`FRAMES_PER_OP`] frame visits per op), and always at the end. When a check fails, the ops
//! since the last passing check are replayed one by one with a full check after each, so the
//! violation is still reported at the first op that broke an invariant, exactly as with
//! [`AuditMode::EveryOp`] (`--check=every`).

use crate::event::CountSink;
use crate::session::Session;
use crate::sim::Sim;

/// Frame visits of checking paid for by each op in sampled mode.
pub const FRAMES_PER_OP: u64 = 1024;

/// When to run the checkers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AuditMode {
    /// After every op (cost grows with memory size).
    EveryOp,
    /// Amortised (see the module docs); violations are still located at their op.
    Sampled,
}

/// A violated invariant, located at the first op after which it fails.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Violation {
    /// Index of the op.
    pub op: usize,
    /// The checker's message.
    pub message: String,
}

/// See the module docs.
#[derive(Clone, Debug)]
pub struct Audit {
    mode: AuditMode,
    /// Ops whose state passed the last check (0 = boot).
    good: usize,
    /// Credit in frame visits.
    credit: u64,
    /// The first violation, once found (later ops are not checked).
    found: Option<Violation>,
    /// The checker ([`Sim::check`]).
    check: fn(&Sim) -> Result<(), String>,
}

impl Audit {
    /// A new audit.
    pub fn new(mode: AuditMode) -> Audit {
        Audit { mode, good: 0, credit: 0, found: None, check: Sim::check }
    }

    /// The first violation found so far.
    pub fn violation(&self) -> Option<&Violation> {
        self.found.as_ref()
    }

    /// Call after op `k` of `s` was pushed (ops are pushed in order).
    pub fn after_op(&mut self, s: &Session, k: usize) {
        if self.found.is_some() {
            return;
        }
        let cost = cost(s.head());
        self.credit = self.credit.saturating_add(FRAMES_PER_OP);
        if self.mode == AuditMode::EveryOp || self.credit >= cost {
            self.credit = 0;
            self.check_head(s, k + 1);
        }
    }

    /// Call after the last op: checks the final state when it was not checked yet.
    pub fn finish(&mut self, s: &Session) -> Option<&Violation> {
        if self.found.is_none() && self.good < s.op_count() {
            self.check_head(s, s.op_count());
        }
        self.found.as_ref()
    }

    /// Check the state after `ops` ops (the head); on failure locate the first failing op.
    fn check_head(&mut self, s: &Session, ops: usize) {
        match (self.check)(s.head()) {
            Ok(()) => self.good = ops,
            Err(message) => {
                let found = locate(s, self.good, ops, self.check);
                self.found = Some(found.unwrap_or(Violation { op: ops - 1, message }));
            }
        }
    }
}

/// The work of one full check, in frame visits.
fn cost(sim: &Sim) -> u64 {
    u64::from(sim.machine.total_pages())
}

/// Replay ops `good..ops` from the state after `good` ops, checking after each: the first op
/// after which a check fails.
fn locate(s: &Session, good: usize, ops: usize, check: fn(&Sim) -> Result<(), String>) -> Option<Violation> {
    let mut sim = s.state_before(good);
    for k in good..ops {
        let op = s.op(k)?;
        sim.exec_at(op, s.names(), s.op_line(k), &mut CountSink::default()).ok()?;
        if let Err(message) = check(&sim) {
            return Some(Violation { op: k, message });
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::machine::MachineConfig;

    fn audit(src: &str, mode: AuditMode, stand_in: bool) -> (Session, Option<Violation>) {
        let mut a = Audit::new(mode);
        if stand_in {
            // A stand-in invariant that first breaks at a known op: at most 700 pages in use.
            a.check = |sim| match sim.stats().used_pages {
                n if n > 700 => Err(format!("{n} pages used")),
                _ => sim.check(),
            };
        }
        let s =
            crate::script::run(src, &MachineConfig::default(), &[], Some(|s: &Session, k, _: &[_]| a.after_op(s, k)))
                .unwrap();
        let v = a.finish(&s).cloned();
        (s, v)
    }

    #[test]
    fn sampled_checks_less_often_but_locates_the_same_op() {
        let src = "config mem=16M\nrepeat 1000 { pages alloc order=0 as=p[] }\nshow stats\n";
        let (_, every) = audit(src, AuditMode::EveryOp, true);
        let (_, sampled) = audit(src, AuditMode::Sampled, true);
        assert_eq!(every.as_ref().map(|v| v.op), Some(700));
        assert_eq!(every, sampled);
        let clean = "config mem=4G\nrepeat 300 { pages alloc order=0 as=p[] }\npages free p[*]\n";
        assert_eq!(audit(clean, AuditMode::Sampled, false).1, None);
    }
}
