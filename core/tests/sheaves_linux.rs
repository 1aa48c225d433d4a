//! Sheaves against Linux 7.0 mm/slub.c: `calculate_sheaf_capacity`, no sheaves for debug
//! caches, remote-node frees bypass them (`slab_free`), refills in bulk from partial slabs with
//! no cpu slab (`refill_objects`).

#[allow(dead_code)]
mod common;

use slabscope_core::event::{AllocPath, Event};
use slabscope_core::percpu::sheaf_capacity;

use common::run_ops as run;

#[test]
fn capacity_is_calculate_sheaf_capacity() {
    // "if (s->size >= PAGE_SIZE) capacity = 4; else if (s->size >= 1024) capacity = 12; else if
    // (s->size >= 256) capacity = 26; else capacity = 60;" then "size = struct_size_t(struct
    // slab_sheaf, objects, capacity); size = kmalloc_size_roundup(size); capacity = (size -
    // struct_size_t(struct slab_sheaf, objects, 0)) / sizeof(void *);"
    assert_eq!(sheaf_capacity(64), 60); // 32 + 480 = 512: already a kmalloc size
    assert_eq!(sheaf_capacity(256), 28); // 32 + 208 = 240 -> 256
    assert_eq!(sheaf_capacity(1024), 12); // 32 + 96 = 128
    assert_eq!(sheaf_capacity(4096), 4); // 32 + 32 = 64
    assert_eq!(sheaf_capacity(8), 60);
}

#[test]
fn refill_takes_objects_in_bulk_from_partial_slabs_without_a_cpu_slab() {
    let (sim, events) = run("config slab=sheaves\nkmalloc 64 as=a\n");
    let bulk = events.iter().filter(|e| matches!(e, Event::ObjectAlloc { path: AllocPath::Bulk, .. })).count();
    assert_eq!(bulk, 60, "one sheaf of 60 objects");
    assert!(
        !events.iter().any(|e| matches!(e, Event::SlabFreeze { .. } | Event::CpuPartialPush { .. })),
        "no cpu slab"
    );
    let c = sim.slub().unwrap().cache(sim.slub().unwrap().cache_by_name("kmalloc-64").unwrap());
    assert!(c.cpus.iter().all(|cs| cs.slab.is_none()));
    // The new slab (64 objects) keeps 4 free objects: it sits on the node partial list.
    assert_eq!(c.nodes[0].partial.len(), 1);
}

#[test]
fn debug_caches_have_no_sheaves() {
    // "if (IS_ENABLED(CONFIG_SLUB_TINY) || s->flags & SLAB_DEBUG_FLAGS) return 0;"
    let (sim, events) = run("config slab=sheaves slub_debug=F\nkmalloc 64 as=a\nkfree a\n");
    assert!(!events
        .iter()
        .any(|e| matches!(e, Event::ArrAlloc { .. } | Event::ArrFree { .. } | Event::SheafFilled { .. })));
    assert!(events.iter().any(|e| matches!(e, Event::ObjectAlloc { path: AllocPath::Debug, .. })));
    assert_eq!(sim.slub().unwrap().cache(sim.slub().unwrap().cache_by_name("kmalloc-64").unwrap()).live, 0);
}

#[test]
fn frees_from_another_node_bypass_the_sheaves() {
    // slab_free: only "slab_nid(slab) == numa_mem_id()" objects go to free_to_pcs.
    let (_, events) = run("config slab=sheaves nodes=2 cpus=4\nkmalloc 64 cpu=0 as=a\nkfree a cpu=3\nkmalloc 64 cpu=0 as=b\nkfree b cpu=1\n");
    let frees: Vec<&Event> =
        events.iter().filter(|e| matches!(e, Event::ArrFree { .. } | Event::ObjectFree { .. })).collect();
    assert!(matches!(frees[0], Event::ObjectFree { .. }), "cpu 3 is on node 1: straight to the slab: {frees:?}");
    assert!(matches!(frees[1], Event::ArrFree { cpu: 1, .. }), "cpu 1 is on node 0: into its sheaf");
}
