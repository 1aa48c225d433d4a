//! Property tests over every slab policy: seeking a session to any step, in any order, gives the
//! state straight execution gives; printing ops and parsing them back gives the same ops; the
//! oracle (checkers after every op, failed ops change nothing) holds on generated scripts.

use proptest::prelude::*;
use slabscope_core::event::Event;
use slabscope_core::limits::Limits;
use slabscope_core::names::Names;
use slabscope_core::oracle::{policy_configs, run_script};
use slabscope_core::script;
use slabscope_core::session::Session;
use slabscope_core::sim::Sim;
use slabscope_core::snapshot::Snapshot;

fn stmt() -> impl Strategy<Value = String> {
    let name = prop::sample::select(vec!["a", "b", "L[]", "M[]"]);
    let rf = prop::sample::select(vec!["a", "b", "L[0]", "L[*]", "M[*]", "M[1]"]);
    prop_oneof![
        (0u8..5, name.clone()).prop_map(|(o, n)| format!("pages alloc order={o} as={n}")),
        rf.clone().prop_map(|r| format!("pages free {r}")),
        (prop::sample::select(vec![8u32, 16, 64, 192, 1000, 9000]), 0u8..2, name.clone())
            .prop_map(|(s, c, n)| format!("kmalloc {s} cpu={c} as={n}")),
        (rf.clone(), 0u8..2).prop_map(|(r, c)| format!("kfree {r} cpu={c}")),
        (1u32..300).prop_map(|s| format!("cache create foo size={s}")),
        name.clone().prop_map(|n| format!("cache alloc foo as={n}")),
        rf.clone().prop_map(|r| format!("cache free {r}")),
        Just("cache destroy foo".to_string()),
        (1u32..64, name.clone()).prop_map(|(s, n)| format!("malloc {s} as={n}")),
        rf.clone().prop_map(|r| format!("free {r}")),
        (prop::sample::select(vec!["a", "b"]), 1u32..200).prop_map(|(r, s)| format!("krealloc {r} {s}")),
        Just("shrink".to_string()),
        Just("reap".to_string()),
        Just("show stats".to_string()),
    ]
}

fn script_strategy() -> impl Strategy<Value = String> {
    prop::collection::vec(stmt(), 1..40).prop_map(|v| v.join("\n"))
}

/// Every op that the machine accepts, pushed into a session (failures skipped).
fn session_of(src: &str, config: &slabscope_core::MachineConfig) -> Session {
    let mut names = Names::default();
    let prog = script::parse(src, &mut names).expect("generated scripts parse");
    let mut s = Session::with_names(config.clone(), names).expect("policy configs boot");
    for (op, &line) in prog.ops.iter().zip(&prog.lines) {
        let _ = s.push(*op, line);
    }
    s
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 31, ..ProptestConfig::default() })]

    #[test]
    fn seek_in_any_order_equals_straight_execution(src in script_strategy(), seeks in prop::collection::vec(any::<u64>(), 1..12)) {
        for (policy, config) in policy_configs() {
            let mut s = session_of(&src, &config);
            let mut all: Vec<Event> = Vec::new();
            s.for_each_event(|_, e| all.push(e.clone()));
            let total = s.total_steps();
            for &x in &seeks {
                let step = x % (total + 1);
                s.seek(step);
                let mut reference = Sim::boot(config.clone()).unwrap();
                for ev in &all[..step as usize] {
                    reference.apply(ev);
                }
                prop_assert_eq!(s.snapshot(), Snapshot::of(&reference, s.names()), "{} step {}", policy, step);
            }
        }
    }

    #[test]
    fn printed_ops_parse_back_to_the_same_ops(src in script_strategy()) {
        let mut names = Names::default();
        let prog = script::parse(&src, &mut names).unwrap();
        let printed: Vec<String> = prog.ops.iter().map(|op| op.to_script(&names)).collect();
        let back = script::parse(&printed.join("\n"), &mut names).unwrap();
        prop_assert_eq!(back.ops, prog.ops);
    }

}

proptest! {
    // Each case runs 11 machines with a full check after every op: fewer cases (the fuzz harness
    // runs many more).
    #![proptest_config(ProptestConfig { cases: 8, ..ProptestConfig::default() })]

    #[test]
    fn generated_scripts_pass_the_oracle_under_every_policy(src in script_strategy()) {
        for (policy, config) in policy_configs() {
            let r = run_script(&src, &config, &Limits::default());
            prop_assert!(r.is_ok(), "{}: {}", policy, r.unwrap_err());
        }
    }
}
