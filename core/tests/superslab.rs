//! The SuperSlab allocator (seed 004): lifecycle before and after Phase 7.6, magazines,
//! `total_active_blocks`, and random traffic with invariants after every op.

mod common;

use proptest::prelude::*;
use slabscope_core::event::{Event, SsFrom};
use slabscope_core::machine::MachineConfig;
use slabscope_core::script;
use slabscope_core::session::Session;
use slabscope_core::sim::{OpError, Sim};
use slabscope_core::snapshot::Snapshot;
use slabscope_core::superslab::{class_of, magazine_cap, SUPERSLAB_SIZE};

fn run(src: &str) -> Session {
    let s = script::load(src, &MachineConfig::default(), &[]).unwrap_or_else(|e| panic!("{e}"));
    s.head().check().unwrap_or_else(|e| panic!("invariant: {e}"));
    s
}

/// The seed's scenario: many `malloc 16`, then free them all.
fn scenario(release: &str, n: u32) -> (Session, Session) {
    let alloc = format!("config superslab_release={release} mem=32M\nrepeat {n} {{ malloc 16 as=p[] }}\n");
    let all = format!("{alloc}free p[*]\n");
    (run(&alloc), run(&all))
}

#[test]
fn classes_and_magazines_follow_the_seed() {
    assert_eq!(class_of(16), Some(1), "16 B is class 1");
    assert_eq!(class_of(64), Some(7));
    assert_eq!(class_of(65), None);
    assert_eq!(magazine_cap(0), 128);
    assert_eq!(magazine_cap(7), 16);
}

#[test]
fn before_phase_7_6_superslabs_stay_resident() {
    let (full, freed) = scenario("off", 140_000);
    let n = full.head().superslab.superslabs.len();
    assert!(n >= 2, "140k x 16 B need more than one 2 MiB SuperSlab ({n})");
    assert_eq!(freed.head().superslab.superslabs.len(), n, "nothing is given back");
    assert_eq!(freed.head().superslab.resident_bytes(), n as u64 * SUPERSLAB_SIZE);
    assert!(freed.head().superslab.superslabs.values().all(|s| s.total_active_blocks == 0));
}

#[test]
fn after_phase_7_6_empty_superslabs_die_and_memory_returns() {
    let (full, freed) = scenario("on", 140_000);
    assert!(full.head().superslab.superslabs.len() >= 2);
    assert_eq!(freed.head().superslab.superslabs.len(), 0);
    assert_eq!(freed.head().superslab.resident_bytes(), 0);
    let boot = Sim::boot(freed.config().clone()).unwrap();
    assert_eq!(freed.head().buddy.buddyinfo(), boot.buddy.buddyinfo(), "back to the boot picture");
    let mut deaths = 0;
    freed.for_each_event(|_, e| deaths += u32::from(matches!(e, Event::SsDeath { .. })));
    assert_eq!(deaths as usize, full.head().superslab.superslabs.len());
}

#[test]
fn magazine_blocks_are_reused_and_purged_on_death() {
    let s = run("malloc 32 as=a\nmalloc 32 as=b\nfree a\nmalloc 32 as=c\n");
    let from: Vec<SsFrom> = s
        .events_of_op(3)
        .iter()
        .filter_map(|e| match e {
            Event::SsAlloc { from, .. } => Some(*from),
            _ => None,
        })
        .collect();
    assert_eq!(from, vec![SsFrom::Magazine]);
    // Freeing b leaves a in... c took a; free c and b: the SuperSlab empties with blocks in the
    // magazine, which are purged before death.
    let s = run("malloc 32 as=a\nmalloc 32 as=b\nfree a\nmalloc 32 as=c\nfree c\nfree b\n");
    let evs = s.events_of_op(5);
    assert!(evs.iter().any(|e| matches!(e, Event::SsPurge { count: 2, .. })), "{evs:?}");
    assert!(evs.iter().any(|e| matches!(e, Event::SsTls { slab: None, .. })), "TLS pointers are cleared");
    assert!(evs.iter().any(|e| matches!(e, Event::SsDeath { .. })));
}

#[test]
fn errors_change_nothing() {
    let cfg = MachineConfig { mem_bytes: 2 << 20, ..Default::default() };
    let mut s = script::load("pages alloc order=0 as=pg\nmalloc 8 as=a\n", &cfg, &[]).unwrap_err();
    assert!(matches!(s.kind, script::ScriptErrorKind::Op(OpError::OutOfMemory { order: 9 })), "{s}");
    s.line = 0;
    let mut ok = script::load("malloc 8 as=a\nfree a\n", &MachineConfig::default(), &[]).unwrap();
    let before = Snapshot::of(ok.head(), ok.names());
    for src in ["free a", "malloc 65 as=z", "malloc 0 as=z", "kfree a"] {
        let mut names = ok.names().clone();
        let prog = script::parse(src, &mut names).unwrap();
        *ok.names_mut() = names;
        assert!(ok.push(prog.ops[0], 1).is_err(), "{src}");
        assert_eq!(Snapshot::of(ok.head(), ok.names()), before, "{src}");
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 40, ..ProptestConfig::default() })]

    #[test]
    fn random_traffic_keeps_invariants_and_seeks(
        acts in prop::collection::vec((any::<bool>(), 1u32..=64, any::<usize>(), 0u16..3), 1..200),
        release in any::<bool>(),
        seeks in prop::collection::vec(any::<u64>(), 3),
    ) {
        let cfg = format!("config mem=8M superslab_release={}\n", if release { "on" } else { "off" });
        let mut s = script::load(&cfg, &MachineConfig::default(), &[]).unwrap();
        let mut live: Vec<String> = Vec::new();
        for (i, &(alloc, size, pick, thread)) in acts.iter().enumerate() {
            let line = if alloc || live.is_empty() {
                live.push(format!("m{i}"));
                format!("malloc {size} thread={thread} as=m{i}")
            } else {
                format!("free {} thread={thread}", live.swap_remove(pick % live.len()))
            };
            if !common::push_checked(&mut s, &line, i as u32)? {
                live.pop();
            }
        }
        common::seeks_match_replay(&mut s, &seeks)?;
    }
}

#[test]
fn resident_memory_is_a_series_over_time() {
    let src = |r: &str| {
        format!("config superslab_release={r}\nrepeat 4 {{ repeat 20000 {{ malloc 48 as=p[] }}\nfree p[*] }}\n")
    };
    let on = script::load(&src("on"), &MachineConfig::default(), &[]).unwrap();
    let off = script::load(&src("off"), &MachineConfig::default(), &[]).unwrap();
    let (a, b) = (on.series(16), off.series(16));
    assert_eq!(a.first().unwrap().superslab_resident, 0);
    assert!(a.iter().any(|s| s.superslab_resident > 0), "memory is mapped while blocks are live");
    assert_eq!(a.last().unwrap().superslab_resident, 0, "release on: back to baseline");
    assert!(b.last().unwrap().superslab_resident > 0, "release off: stays resident");
    assert_eq!(a.last().unwrap().ops, on.op_count());
}
