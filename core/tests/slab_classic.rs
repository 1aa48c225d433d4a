//! Classic SLAB (mm/slab.c up to 6.7): geometry, tunables, colouring, the three lists, array
//! caches and the shared array, reaping, and random traffic with invariants after every op.

mod common;

use proptest::prelude::*;
use slabscope_core::event::Event;
use slabscope_core::machine::MachineConfig;
use slabscope_core::script;
use slabscope_core::session::Session;
use slabscope_core::sim::OpError;
use slabscope_core::slab::classic::{cache_estimate, calculate_slab_order, cpucache_tunables, SlabList};
use slabscope_core::snapshot::Snapshot;

fn run(src: &str) -> Session {
    let s = script::load(src, &MachineConfig::default(), &[]).unwrap_or_else(|e| panic!("{e}"));
    s.head().check().unwrap_or_else(|e| panic!("invariant: {e}"));
    s
}

#[test]
fn geometry_and_tunables() {
    // On-slab free list: one index byte per object; in-object free list: no overhead.
    assert_eq!(cache_estimate(0, 256, true), (15, 4096 - 15 * 257));
    assert_eq!(cache_estimate(0, 32, true), (124, 4096 - 124 * 33));
    assert_eq!(cache_estimate(0, 64, false), (64, 0));
    // 700-byte objects waste 596 of 4096 bytes (> 1/8): order 1 when slab_max_order allows it.
    assert_eq!(calculate_slab_order(700, 0, false), (0, 5, 596));
    assert_eq!(calculate_slab_order(700, 1, false), (1, 11, 492));
    // At most 255 objects per slab with one-byte indices.
    assert_eq!(calculate_slab_order(16, 1, true), (0, 240, 16));
    assert_eq!(cpucache_tunables(64, 4), (120, 60, 8));
    assert_eq!(cpucache_tunables(512, 4), (54, 27, 8));
    assert_eq!(cpucache_tunables(2048, 4), (24, 12, 8));
    assert_eq!(cpucache_tunables(8192, 4), (8, 4, 0));
    assert_eq!(cpucache_tunables(64, 1), (120, 60, 0));
}

#[test]
fn slabs_are_coloured_cyclically() {
    // 700-byte objects on a 64 MiB machine: order 1, 11 per slab, 492 bytes left: 7 colours.
    let s = run("config slab=slab\ncache create c size=700\nrepeat 200 { cache alloc c as=p[] }\n");
    let c = s.head().classic().unwrap();
    let cache = &c.caches()[c.cache_by_name("c").unwrap() as usize];
    assert_eq!((cache.order, cache.num, cache.colour, cache.colour_off), (1, 11, 7, 64));
    assert!(cache.objfreelist, "the index array fits in one object");
    let mut colours = Vec::new();
    s.for_each_event(|_, e| {
        if let Event::ClassicGrow { colour_offset, .. } = e {
            colours.push(*colour_offset)
        }
    });
    assert!(colours.len() >= 9, "{colours:?}");
    // colour_next is advanced before use: 64, 128, ..., 384, 0, 64, ...
    assert_eq!(&colours[..9], &[64, 128, 192, 256, 320, 384, 0, 64, 128]);
}

#[test]
fn kmalloc_32_keeps_its_index_array_on_the_slab() {
    let s = run("config slab=slab\nkmalloc 20 as=a\n");
    let c = s.head().classic().unwrap();
    let k32 = &c.caches()[c.cache_by_name("kmalloc-32").unwrap() as usize];
    assert!(!k32.objfreelist, "128 one-byte indices do not fit in a 32-byte object");
    assert_eq!(k32.num, 124);
    let k64 = &c.caches()[c.cache_by_name("kmalloc-64").unwrap() as usize];
    assert!(k64.objfreelist);
    assert_eq!(k64.num, 64);
}

#[test]
fn array_cache_is_lifo_and_refills_in_batches() {
    let s = run("config slab=slab\nkmalloc 64 as=a\nkfree a\nkmalloc 64 as=b\n");
    let evs = s.events_of_op(0);
    let block: u32 = evs
        .iter()
        .filter_map(|e| match e {
            Event::ClassicAllocBlock { count, .. } => Some(*count),
            _ => None,
        })
        .sum();
    assert_eq!(block, 16, "an untouched array refills at most BATCHREFILL_LIMIT objects");
    assert!(s.events_of_op(2).iter().any(|e| matches!(e, Event::ClassicAlloc { hit: true, .. })));
    let a = s.events_of_op(1).iter().find_map(|e| match e {
        Event::ClassicFree { addr, .. } => Some(*addr),
        _ => None,
    });
    let b = s.events_of_op(2).iter().find_map(|e| match e {
        Event::ClassicAlloc { addr, .. } => Some(*addr),
        _ => None,
    });
    assert_eq!(a, b, "the object freed last is allocated first");
}

#[test]
fn the_three_lists() {
    let s = run("config slab=slab cpus=1\ncache create c size=1000 flags=nomerge\nrepeat 9 { cache alloc c as=p[] }\n");
    let c = s.head().classic().unwrap();
    let id = c.cache_by_name("c").unwrap();
    let cache = &c.caches()[id as usize];
    assert_eq!(cache.num, 4);
    let lists = &cache.nodes[0].lists;
    // 9 objects + the array's batches: the slabs used up are full, one is partial or none.
    assert!(!lists[SlabList::Full as usize].is_empty());
    // Free everything and shrink: every slab goes back.
    let s = run("config slab=slab cpus=1\ncache create c size=1000 flags=nomerge\nrepeat 9 { cache alloc c as=p[] }\ncache free p[*]\nshrink\n");
    assert!(s.head().classic().unwrap().slabs().is_empty());
}

#[test]
fn full_arrays_flush_to_the_shared_array_then_to_slabs() {
    // Shared array limit: shared (8) x batchcount (60) = 480 objects.
    let s = run("config slab=slab cpus=2\nrepeat 800 { kmalloc 64 cpu=0 as=p[] }\nkfree p[*] cpu=1\n");
    let evs = s.events_of_op(s.op_count() - 1);
    assert!(evs.iter().any(|e| matches!(e, Event::ClassicFlush { to_shared: Some(0), count: 60, .. })));
    assert!(evs.iter().any(|e| matches!(e, Event::ClassicFlush { to_shared: None, .. })), "the shared array fills up");
}

#[test]
fn reaping_drains_untouched_arrays_and_free_slabs() {
    let s =
        run("config slab=slab cpus=2\nrepeat 400 { kmalloc 64 cpu=0 as=p[] }\nkfree p[*] cpu=1\nreap\nreap\nreap\n");
    let info = s.head().show(slabscope_core::event::ShowWhat::Slabinfo);
    let before = run("config slab=slab cpus=2\nrepeat 400 { kmalloc 64 cpu=0 as=p[] }\nkfree p[*] cpu=1\n");
    let slabs = |s: &Session| s.head().classic().unwrap().slabs().len();
    assert!(slabs(&s) < slabs(&before), "{info}");
    assert!(info.contains("tunables  120   60    8"), "{info}");
}

#[test]
fn errors_change_nothing() {
    let cfg =
        MachineConfig { slab: slabscope_core::machine::SlabPolicy::Slab, mem_bytes: 64 * 4096, ..Default::default() };
    let mut s = script::load("cache create foo size=40\ncache alloc foo as=x\n", &cfg, &[]).unwrap();
    let before = Snapshot::of(s.head(), s.names());
    for src in [
        "cache destroy foo",
        "cache destroy kmalloc-64",
        "cache create foo size=8",
        "cache validate foo",
        "kmalloc 4000000 as=q",
    ] {
        let mut names = s.names().clone();
        let prog = script::parse(src, &mut names).unwrap();
        *s.names_mut() = names;
        assert!(s.push(prog.ops[0], 1).is_err(), "{src}");
        assert_eq!(Snapshot::of(s.head(), s.names()), before, "{src}");
    }
    let err = script::load("config slab=slub\nreap\n", &MachineConfig::default(), &[]).unwrap_err();
    assert!(matches!(err.kind, script::ScriptErrorKind::Op(OpError::NotForPolicy { .. })));
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 40, ..ProptestConfig::default() })]

    #[test]
    fn random_traffic_keeps_invariants_and_seeks(
        acts in prop::collection::vec((0u8..10, 1u32..=8192, any::<usize>(), 0u16..4), 1..150),
        nodes in 1u8..=2,
        seeks in prop::collection::vec(any::<u64>(), 3),
    ) {
        let mut s = script::load(&format!("config slab=slab mem=4M nodes={nodes}\ncache create obj size=300 align=64\n"), &MachineConfig::default(), &[]).unwrap();
        let mut live: Vec<String> = Vec::new();
        for (i, &(kind, size, pick, cpu)) in acts.iter().enumerate() {
            let line = match kind {
                0..=3 => { live.push(format!("k{i}")); format!("kmalloc {size} cpu={cpu} as=k{i}") }
                4 => { live.push(format!("c{i}")); format!("cache alloc obj cpu={cpu} as=c{i}") }
                5..=8 if !live.is_empty() => format!("kfree {} cpu={cpu}", live.swap_remove(pick % live.len())),
                9 => "reap".to_string(),
                _ => "shrink".to_string(),
            };
            if !common::push_checked(&mut s, &line, i as u32)? {
                live.pop();
            }
        }
        common::seeks_match_replay(&mut s, &seeks)?;
    }
}
