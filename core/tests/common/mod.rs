//! Shared drivers for the property tests of every allocator layer.

use proptest::prelude::*;
use slabscope_core::script;
use slabscope_core::session::Session;
use slabscope_core::sim::{OpError, Sim};
use slabscope_core::snapshot::Snapshot;

/// Push one op-language line. An out-of-memory failure must leave the state unchanged (returns
/// `false`); any other error fails the test; the invariants are checked after the op.
pub fn push_checked(s: &mut Session, line: &str, site: u32) -> Result<bool, TestCaseError> {
    let mut names = s.names().clone();
    let prog = script::parse(line, &mut names).map_err(|e| TestCaseError::fail(format!("{line}: {e}")))?;
    *s.names_mut() = names;
    let before = Snapshot::of(s.head(), s.names());
    let ok = match s.push(prog.ops[0], site) {
        Ok(_) => true,
        Err(OpError::OutOfMemory { .. }) => {
            prop_assert_eq!(&before, &Snapshot::of(s.head(), s.names()), "a failed op changed state");
            false
        }
        Err(e) => return Err(TestCaseError::fail(format!("{line}: {e}"))),
    };
    s.head().check().map_err(|e| TestCaseError::fail(format!("after `{line}`: {e}")))?;
    Ok(ok)
}

/// Seeking to each step (mod the session length) gives the state obtained by applying the
/// session's events from boot.
pub fn seeks_match_replay(s: &mut Session, seeks: &[u64]) -> Result<(), TestCaseError> {
    let mut all = Vec::new();
    s.for_each_event(|_, e| all.push(e.clone()));
    let config = s.config().clone();
    for &t in seeks {
        let step = t % (s.total_steps() + 1);
        s.seek(step);
        let mut reference = Sim::boot(config.clone()).expect("the session's config boots");
        for ev in &all[..step as usize] {
            reference.apply(ev);
        }
        prop_assert_eq!(Snapshot::of(s.sim(), s.names()), Snapshot::of(&reference, s.names()), "step {}", step);
    }
    Ok(())
}

/// Boot the machine a script's `config` line describes and run its ops (line numbers from 1),
/// checking every layer's invariants after each op; returns the simulation and every event.
#[allow(dead_code)]
pub fn run_ops(src: &str) -> (Sim, Vec<slabscope_core::event::Event>) {
    let mut names = slabscope_core::names::Names::default();
    let prog = script::parse(src, &mut names).unwrap();
    let cfg = prog.apply_config(&slabscope_core::machine::MachineConfig::default()).unwrap();
    let mut sim = Sim::boot(cfg).unwrap();
    let mut events = Vec::new();
    for (k, op) in prog.ops.iter().enumerate() {
        sim.exec_at(op, &names, k as u32 + 1, &mut events).unwrap();
        sim.check().unwrap();
    }
    (sim, events)
}
