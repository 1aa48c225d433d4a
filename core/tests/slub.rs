//! SLUB scenarios that pin Linux behaviour, and a property test over random slab workloads.

mod common;

use proptest::prelude::*;
use slabscope_core::event::{AllocPath, Event, FreePath, SlowStep};
use slabscope_core::machine::MachineConfig;
use slabscope_core::names::{Binding, Value};
use slabscope_core::script;
use slabscope_core::session::Session;
use slabscope_core::sim::{OpError, Sim};
use slabscope_core::slub::{phys, SlabPlace};
use slabscope_core::snapshot::Snapshot;

fn run(src: &str) -> Session {
    let s = script::load(src, &MachineConfig::default(), &[]).unwrap_or_else(|e| panic!("{e}"));
    s.head().check().unwrap_or_else(|e| panic!("invariant: {e}"));
    s
}

fn addr(s: &Session, name: &str) -> u64 {
    let sym = s.names().get(name).unwrap();
    match s.head().bindings.get(sym) {
        Some(Binding::One(Value::Object { addr, .. })) => *addr,
        other => panic!("{name} is {other:?}"),
    }
}

fn last_op_events(s: &Session) -> Vec<Event> {
    s.events_of_op(s.op_count() - 1)
}

fn alloc_path(evs: &[Event]) -> AllocPath {
    evs.iter()
        .find_map(|e| match e {
            Event::ObjectAlloc { path, .. } => Some(*path),
            _ => None,
        })
        .expect("an object was allocated")
}

fn free_path(evs: &[Event]) -> FreePath {
    evs.iter()
        .find_map(|e| match e {
            Event::ObjectFree { path, .. } => Some(*path),
            _ => None,
        })
        .expect("an object was freed")
}

#[test]
fn first_allocation_takes_a_new_slab_then_the_fast_path() {
    let s = run("kmalloc 64 as=a\n");
    let evs = last_op_events(&s);
    assert_eq!(alloc_path(&evs), AllocPath::NewSlab);
    assert!(evs.iter().any(|e| matches!(e, Event::SlowPath { step: SlowStep::NeedNewSlab, .. })));
    assert!(evs.iter().any(|e| matches!(e, Event::SlabNew { objects: 64, order: 0, .. })));
    let s = run("kmalloc 64 as=a\nkmalloc 64 as=b\n");
    assert_eq!(alloc_path(&last_op_events(&s)), AllocPath::Fast);
    assert_eq!(addr(&s, "b") - addr(&s, "a"), 64, "objects are handed out in slab order");
}

#[test]
fn free_pointer_lives_inside_the_free_object() {
    // Object size 100: Linux puts the free pointer at ALIGN_DOWN(100 / 2, 8) = 48.
    let before = run("cache create foo size=100\ncache alloc foo as=x\ncache alloc foo as=y\n");
    let (x, y) = (addr(&before, "x"), addr(&before, "y"));
    let s = run("cache create foo size=100\ncache alloc foo as=x\ncache alloc foo as=y\ncache free x\ncache free y\n");
    let c = s.head().slub().unwrap().cache(s.head().slub().unwrap().cache_by_name("foo").unwrap());
    assert_eq!(c.layout.offset, 48);
    let mut b = [0u8; 8];
    s.head().machine.mem.read(phys(y + 48), &mut b);
    assert_eq!(u64::from_le_bytes(b), x, "y's free pointer (stored in its bytes) points at x");
    // LIFO: the next allocation on this CPU returns y, then x.
    let s2 = run("cache create foo size=100\ncache alloc foo as=x\ncache alloc foo as=y\ncache free x\ncache free y\ncache alloc foo as=z\n");
    assert_eq!(addr(&s2, "z"), y, "LIFO: the last freed object comes back first");
    assert_eq!(free_path(&s.events_of_op(3)), FreePath::Fast);
}

#[test]
fn hardened_free_pointers_are_encoded_but_decode_correctly() {
    let src = "config hardened=on seed=7\ncache create foo size=100\ncache alloc foo as=x\ncache alloc foo as=y\ncache free x\ncache free y\ncache alloc foo as=z\ncache alloc foo as=w\n";
    let s = run(src);
    let first =
        run("config hardened=on seed=7\ncache create foo size=100\ncache alloc foo as=x\ncache alloc foo as=y\n");
    assert_eq!(addr(&s, "w"), addr(&first, "x"), "the hardened freelist still chains y -> x");
    let plain = run("cache create foo size=100\ncache alloc foo as=x\ncache alloc foo as=y\n");
    let h = run("config hardened=on seed=7\ncache create foo size=100\ncache alloc foo as=x\ncache alloc foo as=y\ncache free x\ncache free y\n");
    let (y, x) = (addr(&plain, "y"), addr(&plain, "x"));
    let mut b = [0u8; 8];
    h.head().machine.mem.read(phys(y + 48), &mut b);
    let raw = u64::from_le_bytes(b);
    assert_ne!(raw, x, "stored value is obfuscated");
    let c = h.head().slub().unwrap().cache(h.head().slub().unwrap().cache_by_name("foo").unwrap());
    assert_eq!(raw ^ c.random ^ (y + 48).swap_bytes(), x, "ptr ^ random ^ swab(ptr_addr)");
}

#[test]
fn freelist_randomisation_changes_the_order() {
    let linear = run("kmalloc 64 as=a\nkmalloc 64 as=b\n");
    let random =
        run("config freelist_random=on seed=3\nkmalloc 64 as=a\nkmalloc 64 as=b\nkmalloc 64 as=c\nkmalloc 64 as=d\n");
    assert_eq!(addr(&linear, "b") - addr(&linear, "a"), 64);
    // Two neighbours may follow each other in the random sequence by chance; four do not.
    let steps: Vec<u64> =
        ["a", "b", "c", "d"].windows(2).map(|w| addr(&random, w[1]).wrapping_sub(addr(&random, w[0]))).collect();
    assert_ne!(steps, vec![64, 64, 64], "{steps:?}");
}

#[test]
fn remote_free_goes_to_the_slab_freelist_and_is_reloaded() {
    // a..: allocated on cpu 0; freed from cpu 1 into cpu 0's frozen slab.
    let s = run("kmalloc 64 cpu=0 as=a\nkfree a cpu=1\n");
    assert_eq!(free_path(&last_op_events(&s)), FreePath::Slab);
    let slab = s.head().slub().unwrap().slabs().values().next().unwrap();
    assert_eq!(slab.place, SlabPlace::CpuSlab { cpu: 0 });
    assert_eq!(slab.freelist, addr_of_first(&s));
    // Exhaust cpu 0's freelist: the 64th allocation reloads the remote frees.
    let s = run("kmalloc 64 cpu=0 as=a\nkfree a cpu=1\nrepeat 63 { kmalloc 64 cpu=0 as=p[] }\nkmalloc 64 cpu=0 as=b\n");
    let evs = last_op_events(&s);
    assert!(evs.iter().any(|e| matches!(e, Event::CpuSlabReload { .. })), "{evs:?}");
    assert_eq!(alloc_path(&evs), AllocPath::CpuSlab);
}

fn addr_of_first(s: &Session) -> u64 {
    let slab = s.head().slub().unwrap().slabs().values().next().unwrap();
    s.head().slub().unwrap().cache(slab.cache).object_addr(slab.pfn, 0)
}

#[test]
fn full_slab_first_free_goes_to_the_freeing_cpus_partial_list() {
    // 64 objects fill the first kmalloc-64 slab; the 65th starts a second slab.
    let s = run("repeat 65 { kmalloc 64 cpu=0 as=p[] }\nkfree p[0] cpu=1\n");
    let evs = last_op_events(&s);
    assert!(evs.iter().any(|e| matches!(e, Event::CpuPartialPush { cpu: 1, .. })), "{evs:?}");
    let first = s.head().slub().unwrap().slabs().values().next().unwrap();
    assert_eq!(first.place, SlabPlace::CpuPartial { cpu: 1 });
}

#[test]
fn cpu_partial_overflow_flushes_to_the_node_and_empty_slabs_are_discarded() {
    // kmalloc-64 with 4 CPUs: cpu_partial_slabs = ceil(120 * 2 / 64) = 4.
    let mut src = String::from("repeat 640 { kmalloc 64 cpu=0 as=p[] }\n");
    // Free one object of each of the first 5 full slabs from cpu 1 (highest index first, so
    // earlier frees do not shift the later indices).
    for k in (0..5).rev() {
        src.push_str(&format!("kfree p[{}] cpu=1\n", k * 64));
    }
    let s = run(&src);
    let evs = last_op_events(&s);
    assert!(evs.iter().any(|e| matches!(e, Event::SlowPath { step: SlowStep::CpuPartialFull, .. })), "{evs:?}");
    let cache = s.head().slub().unwrap().cache(s.head().slub().unwrap().cache_by_name("kmalloc-64").unwrap());
    assert_eq!(cache.cpu_partial_slabs, 4);
    assert_eq!(cache.nodes[0].partial.len(), 4, "the 4 flushed slabs are on the node list");
    assert_eq!(cache.cpus[1].partial.len(), 1);
    // Nine slabs get a first free: two flushes leave 8 partial slabs on node 0 (>= min_partial
    // = 5), so a node-partial slab that becomes empty is discarded while `nr_partial >=
    // min_partial` (the count includes the slab itself), leaving min_partial - 1 empty ones.
    let mut src2 = String::from("repeat 640 { kmalloc 64 cpu=0 as=p[] }\n");
    for k in (0..9).rev() {
        src2.push_str(&format!("kfree p[{}] cpu=1\n", k * 64));
    }
    src2.push_str("kfree p[*] cpu=2\n");
    let s2 = run(&src2);
    let c2 = s2.head().slub().unwrap().cache(s2.head().slub().unwrap().cache_by_name("kmalloc-64").unwrap());
    let discards = s2.events_of_op(s2.op_count() - 1).iter().filter(|e| matches!(e, Event::SlabDiscard { .. })).count();
    assert!(discards > 0, "some empty slabs were discarded");
    assert_eq!(c2.nodes[0].partial.len() as u32, c2.min_partial - 1, "the node keeps min_partial - 1 slabs");
}

#[test]
fn node_partial_refill_moves_up_to_half_the_cpu_partial_limit() {
    // Build 6 partial slabs on node 0 via cpu 1's overflowing partial list, then let cpu 3 allocate.
    let mut src = String::from("repeat 640 { kmalloc 64 cpu=0 as=p[] }\n");
    for k in 0..9 {
        src.push_str(&format!("kfree p[{}] cpu=1\n", k * 63));
    }
    src.push_str("kmalloc 64 cpu=3 as=x\n");
    let s = run(&src);
    let evs = last_op_events(&s);
    assert_eq!(alloc_path(&evs), AllocPath::NodePartial);
    let pushes = evs.iter().filter(|e| matches!(e, Event::CpuPartialPush { cpu: 3, .. })).count();
    // cpu_partial_slabs = 4: one cpu slab plus up to 4 / 2 + 1 = 3 slabs to the cpu partial list.
    assert_eq!(pushes, 3, "{evs:?}");
}

#[test]
fn caches_merge_like_find_mergeable() {
    let s = run("cache create a size=100\ncache create b size=98\ncache create c size=100 flags=nomerge\ncache create d size=100 flags=poison\n");
    let slub = s.head().slub().unwrap();
    assert_eq!(slub.cache_by_name("a"), slub.cache_by_name("b"), "b aliases a");
    assert_ne!(slub.cache_by_name("a"), slub.cache_by_name("c"));
    assert_ne!(slub.cache_by_name("a"), slub.cache_by_name("d"));
    let info = s.head().show(slabscope_core::event::ShowWhat::Slabinfo);
    assert!(!info.lines().any(|l| l.starts_with("b ")), "an alias is not listed:\n{info}");
    assert!(info.lines().any(|l| l.starts_with("a ")));
}

#[test]
fn large_kmalloc_bypasses_the_caches() {
    let s = run("kmalloc 8193 as=big\n");
    let sym = s.names().get("big").unwrap();
    assert!(matches!(s.head().bindings.get(sym), Some(Binding::One(Value::Large { order: 2, .. }))));
    assert!(s.head().slub().unwrap().slabs().is_empty());
    let s = run("kmalloc 8193 as=big\nkfree big\n");
    let boot = Sim::boot(MachineConfig::default()).unwrap();
    assert_eq!(s.head().buddy.buddyinfo(), boot.buddy.buddyinfo());
}

#[test]
fn debug_caches_use_no_cpu_slab() {
    let s = run("cache create rz size=64 flags=redzone\ncache alloc rz as=a\ncache alloc rz as=b\n");
    assert_eq!(alloc_path(&last_op_events(&s)), AllocPath::Debug);
    let c = s.head().slub().unwrap().cache(s.head().slub().unwrap().cache_by_name("rz").unwrap());
    assert!(c.cpus.iter().all(|cpu| cpu.slab.is_none()));
    assert_eq!((c.layout.inuse, c.layout.offset, c.layout.red_left_pad, c.layout.size), (72, 32, 8, 88));
    assert_eq!(c.nodes[0].partial.len(), 1);
}

#[test]
fn errors_change_nothing() {
    let cfg = MachineConfig { mem_bytes: 64 * 4096, ..Default::default() };
    let mut s = script::load("cache create foo size=100\ncache alloc foo as=x\n", &cfg, &[]).unwrap();
    let before = Snapshot::of(s.head(), s.names());
    let mut names = s.names().clone();
    for (src, want) in [
        ("cache destroy foo", "CacheBusy"),
        ("cache destroy kmalloc-64", "KmallocCache"),
        ("cache alloc fooo as=y", "UnknownCache"),
        ("kmalloc 0 as=z", "BadSize"),
        ("kmalloc 5000000 as=z", "BadSize"),
        ("pages free x", "WrongKind"),
        ("cache create foo size=8", "CacheExists"),
        ("kmalloc 4000000 as=q", "OutOfMemory"),
    ] {
        let prog = script::parse(src, &mut names).unwrap();
        *s.names_mut() = names.clone();
        let err = s.push(prog.ops[0], 1).map(|r| (r, s.events_of_op(s.op_count() - 1))).expect_err(src);
        assert!(format!("{err:?}").starts_with(want), "{src}: {err:?}");
        assert_eq!(Snapshot::of(s.head(), s.names()), before, "{src} changed state");
    }
}

#[test]
fn slab_out_of_memory_changes_nothing() {
    // 16 pages: one kmalloc-8k slab (8 pages, 4 objects) plus an order-3 page block fill memory.
    let cfg = MachineConfig { mem_bytes: 16 * 4096, ..Default::default() };
    let mut s = script::load("repeat 4 { kmalloc 8192 as=a[] }\npages alloc order=3 as=blk\n", &cfg, &[]).unwrap();
    let before = Snapshot::of(s.head(), s.names());
    let mut names = s.names().clone();
    let prog = script::parse("kmalloc 8000 as=b", &mut names).unwrap();
    *s.names_mut() = names;
    let err = s.push(prog.ops[0], 1).unwrap_err();
    // kmalloc-8k falls back to its minimum order, get_order(8192) = 1: still nothing free.
    assert_eq!(err, OpError::OutOfMemory { order: 1 });
    assert_eq!(Snapshot::of(s.head(), s.names()), before);
}

#[derive(Clone, Debug)]
enum Act {
    Kmalloc { size: u32, cpu: u16 },
    Kfree { pick: usize, cpu: u16 },
    CacheAlloc { cpu: u16 },
}

fn act() -> impl Strategy<Value = Act> {
    prop_oneof![
        5 => (prop_oneof![1u32..=64, 65u32..=256, 257u32..=4096, Just(9000u32)], 0u16..4)
            .prop_map(|(size, cpu)| Act::Kmalloc { size, cpu }),
        2 => (0u16..4).prop_map(|cpu| Act::CacheAlloc { cpu }),
        4 => (any::<usize>(), 0u16..4).prop_map(|(pick, cpu)| Act::Kfree { pick, cpu }),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    /// Random kmalloc/kfree/cache traffic across CPUs and nodes: invariants after every op,
    /// failures change nothing, and any step can be reached by seeking.
    #[test]
    fn random_slab_traffic_keeps_invariants(
        acts in prop::collection::vec(act(), 1..150),
        nodes in 1u8..=2,
        pcp in any::<bool>(),
        hardened in any::<bool>(),
        seeks in prop::collection::vec(any::<u64>(), 4),
    ) {
        let cfg = MachineConfig { mem_bytes: 2 << 20, nodes, cpus: 4, pcp, hardened, seed: 5, ..Default::default() };
        let mut s = script::load("cache create obj size=200 flags=hwcache\n", &cfg, &[]).unwrap();
        let mut live: Vec<String> = Vec::new();
        for (i, a) in acts.iter().enumerate() {
            let line = match a {
                Act::Kmalloc { size, cpu } => { live.push(format!("k{i}")); format!("kmalloc {size} cpu={cpu} as=k{i}") }
                Act::CacheAlloc { cpu } => { live.push(format!("c{i}")); format!("cache alloc obj cpu={cpu} as=c{i}") }
                Act::Kfree { pick, cpu } => {
                    if live.is_empty() { continue; }
                    let n = live.swap_remove(pick % live.len());
                    if n.starts_with('k') { format!("kfree {n} cpu={cpu}") } else { format!("cache free {n} cpu={cpu}") }
                }
            };
            if !common::push_checked(&mut s, &line, i as u32)? {
                live.pop();
            }
        }
        common::seeks_match_replay(&mut s, &seeks)?;
    }
}

/// `shrink` reports every byte it returns, those of slabs discarded while flushing the per-CPU
/// partial lists included: the reported bytes equal the drop in used pages.
#[test]
fn shrink_reports_all_released_bytes() {
    let s = run("config mem=1M cpus=2\nrepeat 200 { kmalloc 256 as=p[] }\nrepeat 200 { kmalloc 256 cpu=1 as=q[] }\nkfree p[*] cpu=1\nkfree q[*]\nshrink\n");
    let before = s.state_before(s.op_count() - 1).stats().used_pages;
    let after = s.head().stats().used_pages;
    let bytes = last_op_events(&s)
        .iter()
        .find_map(|e| match e {
            Event::Shrunk { bytes } => Some(*bytes),
            _ => None,
        })
        .expect("shrink reports");
    assert!(before > after, "shrink released pages");
    assert_eq!(bytes, (before - after) * 4096);
}
