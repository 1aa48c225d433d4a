//! Session-level tests: checkpoints in long sessions, determinism, the parser never panics.

use proptest::prelude::*;
use slabscope_core::event::Event;
use slabscope_core::machine::MachineConfig;
use slabscope_core::names::Names;
use slabscope_core::script;
use slabscope_core::sim::Sim;
use slabscope_core::snapshot::Snapshot;

/// A workload long enough to create many checkpoints.
fn long_script(rounds: u32) -> String {
    format!(
        "config mem=8M cpus=2 pcp=on\nrepeat {rounds} {{\n  pages alloc order=0 cpu=0 as=a[]\n  pages alloc order=1 cpu=1 as=b[]\n  \
         pages alloc order=3 as=c[]\n  pages free a[0] cpu=1\n  pages free c[0]\n}}\npages free b[*]\npages free a[*]\n"
    )
}

#[test]
fn long_session_seeks_match_a_straight_replay() {
    let mut session = script::load(&long_script(400), &MachineConfig::default(), &[]).unwrap();
    assert!(session.checkpoint_count() >= 3, "expected several checkpoints, got {}", session.checkpoint_count());
    let mut all: Vec<Event> = Vec::new();
    session.for_each_event(|_, e| all.push(e.clone()));
    let total = session.total_steps();
    assert_eq!(all.len() as u64, total);
    // Reference states at sampled steps, by applying events from boot.
    let config = session.config().clone();
    let mut targets: Vec<u64> = (0..40).map(|i| (i * 7919 * 13) % (total + 1)).collect();
    targets.extend([total, 0, total / 2, total / 2 + 1, total / 2 - 1, 1]);
    let mut reference = Sim::boot(config.clone()).unwrap();
    let mut applied = 0u64;
    let mut sorted = targets.clone();
    sorted.sort_unstable();
    sorted.dedup();
    let mut expected = std::collections::BTreeMap::new();
    for &t in &sorted {
        while applied < t {
            reference.apply(&all[applied as usize]);
            applied += 1;
        }
        expected.insert(t, Snapshot::of(&reference, session.names()));
    }
    for t in targets {
        session.seek(t);
        assert_eq!(session.snapshot(), expected[&t], "state at step {t}");
        // Invariants hold between ops (mid-op states are legitimately in transit).
        let (events, applied) = session.current_op_events();
        if applied == events.len() {
            session.sim().check().unwrap_or_else(|e| panic!("step {t}: {e}"));
        }
    }
    // Stepping one event at a time backwards across op and checkpoint boundaries.
    session.seek(total);
    for _ in 0..300 {
        let s = session.step() - 1;
        session.seek(s);
    }
    let mut reference = Sim::boot(config).unwrap();
    for ev in &all[..session.step() as usize] {
        reference.apply(ev);
    }
    assert_eq!(session.snapshot(), Snapshot::of(&reference, session.names()));
}

/// #14: stepping back op by op (and back and forth) replays from the state kept near the cursor,
/// not from the checkpoint; every state is still the straight replay's, across checkpoints and
/// past the kept state's reach.
#[test]
fn stepping_back_op_by_op_matches_a_straight_replay() {
    let mut session = script::load(&long_script(400), &MachineConfig::default(), &[]).unwrap();
    assert!(session.checkpoint_count() >= 3);
    let mut all: Vec<Event> = Vec::new();
    session.for_each_event(|_, e| all.push(e.clone()));
    let total = session.total_steps();
    // The state after every event, by applying them from boot (checked at a sample of steps).
    let mut reference = Sim::boot(session.config().clone()).unwrap();
    let mut expected = std::collections::HashMap::new();
    for (i, ev) in all.iter().enumerate() {
        reference.apply(ev);
        if i % 5 == 0 || i + 1 == all.len() {
            expected.insert(i as u64 + 1, Snapshot::of(&reference, session.names()));
        }
    }
    session.seek(total);
    let ops = session.op_count();
    for n in 0..(ops.min(700)) {
        // ← to the end of the previous op, → one step, ← again (the benchmark's pattern).
        let k = ops - 1 - n;
        let to = session.op_events_range(k).start;
        session.seek(to + 1);
        session.seek(to);
        if let Some(snap) = expected.get(&to) {
            assert_eq!(&session.snapshot(), snap, "state at step {to} (op {k})");
        }
    }
}

#[test]
fn same_script_same_event_hash() {
    let src = include_str!("data/determinism.ops");
    let a = script::load(src, &MachineConfig::default(), &[]).unwrap();
    let b = script::load(src, &MachineConfig::default(), &[]).unwrap();
    assert_eq!(a.event_hash(), b.event_hash());
    // A different op stream gives a different hash.
    let c = script::load(&format!("{src}\npages alloc order=0 as=extra\n"), &MachineConfig::default(), &[]).unwrap();
    assert_ne!(a.event_hash(), c.event_hash());
}

#[test]
fn truncate_restores_the_earlier_head() {
    let mut s = script::load(&long_script(100), &MachineConfig::default(), &[]).unwrap();
    let k = 123;
    let before = Snapshot::of(&s.state_before(k), s.names());
    s.seek(s.total_steps());
    s.truncate(k);
    assert_eq!(s.op_count(), k);
    assert_eq!(Snapshot::of(s.head(), s.names()), before);
    assert_eq!(s.step(), s.total_steps());
    assert_eq!(s.snapshot(), before);
}

#[test]
fn every_event_serializes_round_trip() {
    let s = script::load(&long_script(30), &MachineConfig::default(), &[]).unwrap();
    let mut kinds = std::collections::BTreeSet::new();
    s.for_each_event(|_, e| {
        let json = serde_json::to_string(e).unwrap();
        let back: Event = serde_json::from_str(&json).unwrap();
        assert_eq!(&back, e);
        kinds.insert(json.split('"').nth(3).unwrap().to_string());
    });
    for k in ["area_empty", "block_taken", "block_split", "block_allocated", "buddy_merged", "pcp_taken", "pcp_added"] {
        assert!(kinds.contains(k), "{k} not seen in {kinds:?}");
    }
}

const WORDS: &[&str] = &[
    "pages",
    "alloc",
    "free",
    "order=",
    "node=",
    "cpu=",
    "as=",
    "repeat",
    "{",
    "}",
    ";",
    "show",
    "buddyinfo",
    "config",
    "mem=",
    "p[]",
    "p[*]",
    "p[0]",
    "3",
    "\n",
    "#",
    "=",
    "[",
    "]",
    "x",
    "0x1f",
    "-1",
    "99999999999999999999",
];

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    /// Fuzz: the parser never panics on arbitrary text.
    #[test]
    fn parser_never_panics_on_any_text(src in "\\PC{0,200}") {
        let _ = script::parse(&src, &mut Names::default());
    }

    /// Fuzz: nor on token soup from the language's own words, and loading such scripts either
    /// works or reports a located error.
    #[test]
    fn parser_and_loader_never_panic_on_token_soup(words in prop::collection::vec(prop::sample::select(WORDS), 0..40)) {
        let src = words.join(" ");
        if let Err(e) = script::load(&src, &MachineConfig { mem_bytes: 64 * 4096, ..Default::default() }, &[]) {
            prop_assert!(!e.to_string().is_empty());
        }
    }
}

#[test]
fn a_checkpoint_before_the_last_op_makes_end_replay_nothing_and_changes_no_state() {
    let mut session = script::load(&long_script(400), &MachineConfig::default(), &[]).unwrap();
    let plain = script::load(&long_script(400), &MachineConfig::default(), &[]).unwrap();
    let last = session.op_count() - 1;
    assert!(!session.checkpoint_ops().contains(&last));
    let before = session.approx_checkpoint_bytes();
    assert_eq!(session.checkpoint_before_last(0), 0, "over the room: not made");
    assert!(!session.checkpoint_ops().contains(&last));
    let cost = session.checkpoint_before_last(usize::MAX);
    assert!(cost > 0, "a checkpoint costs something");
    assert_eq!(session.approx_checkpoint_bytes(), before + cost);
    assert!(session.checkpoint_ops().contains(&last), "{:?}", session.checkpoint_ops());
    assert_eq!(session.checkpoint_before_last(usize::MAX), 0, "made once");
    // Every state a seek reaches is the same as without it.
    let mut plain = plain;
    let total = session.total_steps();
    for step in [total, total - 1, session.op_events_range(last).start, total / 2, 1, total] {
        session.seek(step);
        plain.seek(step);
        assert_eq!(
            Snapshot::of(session.sim(), session.names()),
            Snapshot::of(plain.sim(), plain.names()),
            "step {step}"
        );
    }
}

/// (s12-seek) A seek leaves the states it replaced for `drop_retired`; freeing them then, or
/// letting the next seek free them, changes nothing a seek shows.
#[test]
fn retired_states_are_freed_by_drop_retired_or_the_next_seek_and_change_nothing() {
    let mut a = script::load(&long_script(400), &MachineConfig::default(), &[]).unwrap();
    let mut b = a.clone();
    let total = a.total_steps();
    let targets: Vec<u64> = (0..30).map(|i| (i * 7919 * 13 + 5) % (total + 1)).chain([0, total, total / 3]).collect();
    for &t in &targets {
        a.seek(t);
        b.seek(t);
        // A far seek retires at least the cursor it replaced.
        let retired = b.retired_count();
        assert_eq!(b.drop_retired(), retired);
        assert_eq!(b.retired_count(), 0);
        assert_eq!(a.step(), b.step());
        assert_eq!(a.current_op_events(), b.current_op_events());
        assert_eq!(Snapshot::of(a.sim(), a.names()), Snapshot::of(b.sim(), b.names()), "step {t}");
    }
    a.seek(total / 2);
    assert!(a.retired_count() >= 1, "a far seek retires the cursor it replaced");
    a.seek(total / 2 + 1);
    assert!(a.retired_count() <= 2, "the next seek freed the earlier ones: {}", a.retired_count());
}
