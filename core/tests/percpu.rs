//! Magazines and depot (Bonwick & Adams) and Linux 7.0 sheaves and barn, in front of SLUB.

mod common;

use proptest::prelude::*;
use slabscope_core::event::{ArrHit, Event};
use slabscope_core::machine::MachineConfig;
use slabscope_core::percpu::MAX_FULL_SHEAVES;
use slabscope_core::script;
use slabscope_core::session::Session;
use slabscope_core::sim::OpError;

fn run(src: &str) -> Session {
    let s = script::load(src, &MachineConfig::default(), &[]).unwrap_or_else(|e| panic!("{e}"));
    s.head().check().unwrap_or_else(|e| panic!("invariant: {e}"));
    s
}

fn hits(s: &Session) -> Vec<ArrHit> {
    let mut v = Vec::new();
    s.for_each_event(|_, e| {
        if let Event::ArrAlloc { hit, .. } = e {
            v.push(*hit)
        }
    });
    v
}

#[test]
fn magazines_follow_the_swap_and_depot_rules() {
    // Capacity for 64-byte objects is 32. Free 100 objects on CPU 0: loaded fills, swaps with
    // the empty previous, then full magazines go to the depot.
    let s =
        run("config percpu=magazine\nrepeat 100 { kmalloc 64 as=p[] }\nkfree p[*]\nrepeat 100 { kmalloc 64 as=q[] }\n");
    let h = hits(&s);
    assert!(h[..100].iter().all(|&x| x == ArrHit::Miss), "empty magazines: the first allocations miss");
    let later = &h[100..];
    assert!(
        later.contains(&ArrHit::Main) && later.contains(&ArrHit::Spare) && later.contains(&ArrHit::Depot),
        "{later:?}"
    );
    assert!(!later.contains(&ArrHit::Miss), "100 freed objects serve 100 allocations");
    let mut frees = Vec::new();
    s.for_each_event(|_, e| {
        if let Event::DepotEmpty { new, .. } = e {
            frees.push(*new)
        }
    });
    assert!(frees.iter().any(|&n| n), "the depot had no empty magazine at first: a new one is made");
}

#[test]
fn depot_reaping_returns_the_unused_working_set() {
    let s = run("config percpu=magazine\nrepeat 200 { kmalloc 64 as=p[] }\nkfree p[*]\nreap\nreap\n");
    let mut reaped = Vec::new();
    s.for_each_event(|_, e| {
        if let Event::DepotReap { full, .. } = e {
            reaped.push(*full)
        }
    });
    assert!(reaped.iter().any(|&f| f > 0), "the second reap gives back full magazines: {reaped:?}");
    let frees_to_slab =
        s.events_of_op(s.op_count() - 1).iter().filter(|e| matches!(e, Event::ObjectFree { .. })).count();
    assert!(frees_to_slab > 0);
}

#[test]
fn sheaves_refill_from_slabs_and_use_the_barn() {
    let s = run("config slab=sheaves\nkmalloc 64 as=a\n");
    let evs = s.events_of_op(0);
    let filled = evs.iter().find_map(|e| match e {
        Event::SheafFilled { objects, .. } => Some(objects.len()),
        _ => None,
    });
    assert_eq!(filled, Some(60), "a sheaf is filled to capacity (calculate_sheaf_capacity: 60) from the slabs");
    // Free many objects: main and spare fill up, full sheaves go to the barn (at most 10 are
    // accepted; then the spare is flushed to the slabs).
    let n = 60 * (MAX_FULL_SHEAVES + 4);
    let s = run(&format!("config slab=sheaves\nrepeat {n} {{ kmalloc 64 cpu=0 as=p[] }}\nkfree p[*] cpu=1\n"));
    let mut flushed = 0;
    let mut to_barn = 0;
    s.for_each_event(|_, e| match e {
        Event::SheafSpareFlushed { .. } => flushed += 1,
        Event::DepotEmpty { .. } => to_barn += 1,
        _ => {}
    });
    assert_eq!(to_barn, MAX_FULL_SHEAVES, "the barn takes at most MAX_FULL_SHEAVES full sheaves");
    assert!(flushed > 0, "then spares are flushed to the slabs");
    let barn = &s.head().percpu().unwrap().depots;
    assert!(barn.iter().flatten().all(|d| d.full.len() <= MAX_FULL_SHEAVES));
}

#[test]
fn reap_is_refused_where_it_does_not_exist() {
    let err = script::load("config slab=sheaves\nreap\n", &MachineConfig::default(), &[]).unwrap_err();
    assert!(matches!(err.kind, script::ScriptErrorKind::Op(OpError::NotForPolicy { .. })));
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 40, ..ProptestConfig::default() })]

    #[test]
    fn random_traffic_keeps_invariants_and_seeks(
        acts in prop::collection::vec((0u8..10, 1u32..=2048, any::<usize>(), 0u16..4), 1..150),
        sheaves in any::<bool>(),
        seeks in prop::collection::vec(any::<u64>(), 3),
    ) {
        let cfg = if sheaves { "config slab=sheaves mem=8M\n" } else { "config percpu=magazine mem=8M\n" };
        let mut s = script::load(cfg, &MachineConfig::default(), &[]).unwrap();
        let mut live: Vec<String> = Vec::new();
        for (i, &(kind, size, pick, cpu)) in acts.iter().enumerate() {
            let line = match kind {
                0..=4 => { live.push(format!("k{i}")); format!("kmalloc {size} cpu={cpu} as=k{i}") }
                5..=8 if !live.is_empty() => format!("kfree {} cpu={cpu}", live.swap_remove(pick % live.len())),
                _ if !sheaves => "reap".to_string(),
                _ => "show stats".to_string(),
            };
            if !common::push_checked(&mut s, &line, i as u32)? {
                live.pop();
            }
        }
        common::seeks_match_replay(&mut s, &seeks)?;
    }
}

/// A sheaf refill goes down to the slabs: it is counted as a miss, the following pops as hits.
#[test]
fn sheaf_refills_count_as_misses() {
    let s = run("config slab=sheaves cpus=1\nrepeat 3 { kmalloc 64 as=p[] }\n");
    let h = hits(&s);
    assert_eq!(h[0], ArrHit::Refill, "{h:?}");
    let id = s.head().slub().unwrap().cache_by_name("kmalloc-64").unwrap() as usize;
    let a = &s.head().percpu().unwrap().arrays[id][0];
    assert_eq!((a.hits, a.misses), (2, 1));
}
