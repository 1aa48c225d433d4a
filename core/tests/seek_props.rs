//! Determinism of seeking (s11-seek): under every policy of the oracle, a session of a seeded
//! mixed workload, with checkpoints, the tail state and the states a far seek keeps (`near`,
//! `back`) all in play, is sought to random steps in a random order; each time the state's
//! fingerprint must equal the one of a fresh replay of the session's events from boot to that step.

use proptest::prelude::*;
use slabscope_core::names::Names;
use slabscope_core::oracle::{fingerprint, policy_configs};
use slabscope_core::session::Session;
use slabscope_core::sim::Sim;
use slabscope_core::workload::{Generator, Mix};

/// A session of `ops` ops of the mixed workload (ops the machine refuses are left out), with
/// few checkpoints (a budget of 1 byte per op), at most `interval` ops apart, and the tail
/// renewed every `tail` ops.
fn session(
    config: &slabscope_core::machine::MachineConfig,
    seed: u64,
    ops: usize,
    interval: usize,
    tail: usize,
) -> Session {
    let mut names = Names::default();
    let g = Generator::new(config, seed, Mix::by_name("mixed").expect("preset"), &mut names);
    let mut s = Session::with_names(config.clone(), names).expect("the oracle's configs boot");
    s.set_checkpoint_budget(1);
    s.set_max_checkpoint_interval(interval);
    s.set_tail_ops(tail);
    for op in g.take(ops) {
        let _ = s.push(op, 0);
    }
    s
}

fn check_seeks(s: &mut Session, targets: &[u64]) -> Result<(), TestCaseError> {
    let mut all = Vec::new();
    s.for_each_event(|_, e| all.push(e.clone()));
    let total = s.total_steps();
    for &t in targets {
        let step = t % (total + 1);
        s.seek(step);
        prop_assert_eq!(s.step(), step);
        let mut fresh = Sim::boot(s.config().clone()).expect("boots");
        for ev in &all[..step as usize] {
            fresh.apply(ev);
        }
        prop_assert_eq!(fingerprint(s.sim(), s.names()), fingerprint(&fresh, s.names()), "seek to step {}", step);
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 3, ..ProptestConfig::default() })]

    #[test]
    fn random_seeks_land_on_the_state_of_a_fresh_replay(
        seed in 0u64..1000,
        targets in proptest::collection::vec(any::<u64>(), 8),
        near in proptest::collection::vec(0u64..4000, 5),
    ) {
        for (name, config) in policy_configs() {
            // Checkpoints 2,500 ops apart (far seeks keep near states 1,024 ops apart), the
            // tail every 1,000 ops.
            let mut s = session(&config, seed, 3000, 2500, 1000);
            prop_assert!(s.op_count() > 0, "{}: no op ran", name);
            // Far seeks in a random order, then seeks around the last one (drag, steps back).
            let mut all = targets.clone();
            let last = targets[targets.len() - 1] % (s.total_steps() + 1);
            all.extend(near.iter().map(|d| last.saturating_sub(*d)));
            all.extend(near.iter().map(|d| last + d));
            check_seeks(&mut s, &all).map_err(|e| TestCaseError::fail(format!("{name}: {e}")))?;
        }
    }
}
