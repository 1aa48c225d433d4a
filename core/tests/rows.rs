//! The snapshot's policy-neutral rows from the slab contract: what each CPU and node holds in
//! front of the slabs under every policy, and SLOB's pages of variable-size blocks.

use slabscope_core::machine::MachineConfig;
use slabscope_core::page::machine::PAGE_SIZE;
use slabscope_core::script;
use slabscope_core::session::Session;
use slabscope_core::slab::rows::{ArrayKind, CounterKind, NodeKind};
use slabscope_core::slab::slob::Slob;
use slabscope_core::snapshot::Snapshot;

fn run(src: &str) -> Session {
    script::load(src, &MachineConfig::default(), &[]).unwrap_or_else(|e| panic!("{e}"))
}

fn snap(s: &Session) -> Snapshot {
    Snapshot::of(s.head(), s.names())
}

#[test]
fn slub_cpu_rows_are_the_cpu_slab_freelist_partials_and_counters() {
    let s = run("config cpus=2\nrepeat 100 { kmalloc 64 cpu=0 as=p[] }\nkfree p[3] cpu=0\nkfree p[80] cpu=1\n");
    let sn = snap(&s);
    assert!(sn.node_rows.is_empty() && sn.block_rows.is_empty());
    // This test is about SLUB: its own state, read from the engine.
    let slub = s.head().slub().expect("SLUB");
    let id = slub.cache_by_name("kmalloc-64").expect("kmalloc-64");
    let c = &slub.caches()[id as usize];
    for (cpu, cs) in c.cpus.iter().enumerate() {
        let r = sn.cpu_rows.iter().find(|r| r.cache == id && usize::from(r.cpu) == cpu).expect("a row per cpu");
        assert_eq!(r.cpu_slab, Some(cs.slab));
        assert_eq!(r.arrays[0].kind, ArrayKind::CpuFreelist);
        let freelist = cs.slab.map_or(Vec::new(), |p| slub.walk_freelist(&s.head().machine, id, p, cs.freelist));
        assert!(cpu > 0 || !freelist.is_empty(), "CPU 0 has a lockless freelist");
        assert_eq!(r.arrays[0].objects.as_deref(), Some(&freelist[..]));
        let partial: Vec<u64> = cs.partial.iter().map(|&p| u64::from(p)).collect();
        assert_eq!(r.arrays[1].objects.as_deref(), Some(&partial[..]));
        assert_eq!(r.held().count(), 0, "SLUB's own freelists are not held in front of the slabs");
        let fast = cs.alloc_fast + cs.free_fast;
        assert_eq!(r.outer_hits(), (fast, fast + cs.alloc_slow + cs.free_slow));
    }
    // One row per live cache and CPU.
    assert_eq!(sn.cpu_rows.len(), sn.cache_rows.len() * 2);
}

#[test]
fn front_end_rows_come_after_slub_and_their_counters_are_the_outer_ones() {
    for (config, main, kind) in [
        ("percpu=magazine cpus=2 nodes=2", ArrayKind::MagazineLoaded, NodeKind::Depot),
        ("slab=sheaves cpus=2 nodes=2", ArrayKind::SheafMain, NodeKind::Barn),
    ] {
        let s = run(&format!("config {config}\nrepeat 40 {{ kmalloc 64 cpu=0 as=p[] }}\nkfree p[*] cpu=1\n"));
        let sn = snap(&s);
        let pc = s.head().percpu().expect("a front end");
        let id = sn.cache_rows.iter().find(|c| c.name == "kmalloc-64").expect("cache").id;
        for r in sn.cpu_rows.iter().filter(|r| r.cache == id) {
            let a = pc.cpu(id, r.cpu).expect("arrays");
            let kinds: Vec<ArrayKind> = r.arrays.iter().map(|a| a.kind).collect();
            assert_eq!(&kinds[..3], &[ArrayKind::CpuFreelist, ArrayKind::CpuPartial, main], "{config}");
            assert_eq!(r.arrays[2].objects.as_deref(), Some(&a.main[..]));
            assert_eq!(r.arrays[3].objects, a.spare);
            assert_eq!(&r.counters[r.outer..], &[(CounterKind::Hits, a.hits), (CounterKind::Misses, a.misses)]);
            assert_eq!(r.outer_hits(), (a.hits, a.hits + a.misses));
        }
        let nodes: Vec<_> = sn.node_rows.iter().filter(|r| r.cache == id).collect();
        // Magazines have one depot for the machine; sheaves one barn per node.
        assert_eq!(nodes.len(), if kind == NodeKind::Depot { 1 } else { 2 }, "{config}");
        for r in nodes {
            let d = &pc.depots[id as usize][usize::from(r.node)];
            assert_eq!(r.kind, kind);
            assert_eq!((r.full, r.empty), (d.full.len() as u32, d.empty));
            assert_eq!(r.objects, d.full.iter().flatten().copied().collect::<Vec<_>>());
        }
    }
}

#[test]
fn classic_and_aether_rows_name_their_arrays() {
    let s = run("config slab=slab cpus=2\nrepeat 40 { kmalloc 256 cpu=0 as=p[] }\nkfree p[*] cpu=1\n");
    let sn = snap(&s);
    let cl = s.head().classic().expect("classic");
    let c = cl.caches().iter().find(|c| c.name == "kmalloc-256").expect("cache");
    let r = sn.cpu_rows.iter().find(|r| r.cache == c.id && r.cpu == 1).expect("row");
    assert_eq!(r.cpu_slab, None);
    assert_eq!(r.arrays[0].kind, ArrayKind::ArrayCache);
    assert_eq!(r.arrays[0].objects.as_deref(), Some(&c.cpus[1].entry[..]));
    assert_eq!(r.arrays[0].limit, Some(c.limit));
    assert_eq!(r.touched, c.cpus[1].touched);
    let shared = sn.node_rows.iter().find(|n| n.cache == c.id && n.node == 0).expect("shared array");
    assert_eq!(shared.kind, NodeKind::Shared);
    assert_eq!(shared.objects, c.nodes[0].shared);
    assert_eq!(shared.limit, Some(c.shared * c.batchcount));

    let s = run("config slab=aether\nrepeat 30 { kmalloc 64 as=p[] }\nkfree p[*]\n");
    let sn = snap(&s);
    let ae = s.head().aether().expect("aether");
    for c in ae.caches().iter().filter(|c| !c.destroyed) {
        let r = sn.cpu_rows.iter().find(|r| r.cache == c.id && r.cpu == 0).expect("row");
        assert_eq!(r.arrays[0].objects.as_deref(), Some(&c.cpus[0].hot[..]));
        assert_eq!(r.arrays[1].objects.as_deref(), Some(&c.cpus[0].local[..]));
        let (hot, local, miss) = (c.cpus[0].hot_hits, c.cpus[0].local_hits, c.cpus[0].misses);
        assert_eq!(r.outer_hits(), (hot + local, hot + local + miss));
    }
    assert!(sn.node_rows.is_empty());
}

#[test]
fn slob_block_rows_tile_each_page_with_free_units_and_sized_blocks() {
    let s = run("config slab=slob\ncache create c size=40\nrepeat 30 { kmalloc 100 as=p[] }\nrepeat 20 { cache alloc c as=q[] }\nkfree p[3]\nkfree p[4]\ncache free q[7]\n");
    let sn = snap(&s);
    assert!(sn.cpu_rows.is_empty() && sn.slab_rows.is_empty());
    let slob = s.head().engine::<Slob>().expect("slob");
    assert_eq!(sn.block_rows.len(), slob.pages().len());
    let mut allocated = 0;
    for r in &sn.block_rows {
        let base = r.blocks[0].addr;
        assert_eq!(base % PAGE_SIZE, 0, "the first block starts the page");
        let mut at = base;
        for b in &r.blocks {
            assert_eq!(b.addr, at, "blocks are contiguous");
            at += u64::from(b.bytes);
        }
        assert_eq!(at - base, PAGE_SIZE, "blocks cover the page");
        let free: u32 = r.blocks.iter().filter(|b| b.cache.is_none()).map(|b| b.bytes).sum();
        assert_eq!(free, r.free);
        assert_eq!(r.list, slob.pages()[&r.pfn].list);
        for b in r.blocks.iter().filter(|b| b.cache.is_some()) {
            assert!(b.size > 0 && b.size <= b.bytes);
            allocated += 1;
        }
    }
    assert_eq!(allocated, slob.live().len());
    assert_eq!(allocated, 28 + 19);
}
