//! Replaying a slice of a real Linux 6.18 `perf script` kmem trace (`ls | sort`), carried in the
//! repository (the first 2000 lines of the project's fixture).

use slabscope_core::machine::{MachineConfig, SlabPolicy};
use slabscope_core::trace;

const SLICE: &str = include_str!("data/kmem-ls-sort-2000.perf.txt");

#[test]
fn the_real_trace_replays_with_invariants_intact() {
    let (events, bad) = trace::parse(SLICE);
    assert!(bad.is_empty(), "{:?}", &bad[..bad.len().min(3)]);
    assert_eq!(events.len(), 2000);
    for policy in [SlabPolicy::Slub, SlabPolicy::Slab, SlabPolicy::Aether, SlabPolicy::Sheaves] {
        let config = MachineConfig { slab: policy, mem_bytes: 256 << 20, ..Default::default() };
        let mut calls = 0;
        let (session, report) = trace::replay(&events, Vec::new(), config, |_, _| calls += 1).unwrap();
        assert!(calls >= 2, "progress is reported");
        session.head().check().unwrap_or_else(|e| panic!("{policy:?}: {e}"));
        let total: u64 = report.by_kind.values().sum();
        assert_eq!(total, 2000);
        assert!(report.unmatched_frees > 0, "a trace starts with objects allocated before it");
        assert!(report.failed.is_empty(), "{policy:?}: {:?}", &report.failed[..report.failed.len().min(3)]);
        assert!(report.caches_created > 5, "named caches such as dentry and filp are created");
        // Every op the simulation accepted is a step of the timeline.
        assert!(session.op_count() > 1000);
        let frag = report.internal_fragmentation();
        assert!(frag > 0.0 && frag < 0.5, "{frag}");
    }
}

#[test]
fn frees_find_objects_through_traced_pointers() {
    let text = "a 1 [000] 1.0: kmem:kmalloc: call_site=f+0x1 ptr=0xffff888000001000 bytes_req=100 bytes_alloc=128 gfp_flags=GFP_KERNEL node=-1\n\
                a 1 [001] 1.1: kmem:kfree: call_site=f+0x2 ptr=0xffff888000001000\n\
                a 1 [001] 1.2: kmem:kfree: call_site=f+0x2 ptr=0xffff888000009999\n\
                a 1 [002] 1.3: kmem:kfree: call_site=f+0x2 ptr=(nil)\n\
                a 1 [000] 1.4: kmem:mm_page_alloc: page=0x10 pfn=0x10 order=2 migratetype=0 gfp_flags=GFP_KERNEL\n\
                a 1 [000] 1.5: kmem:mm_page_free: page=0x10 pfn=0x10 order=2\n\
                this line is broken\n";
    let (events, bad) = trace::parse(text);
    assert_eq!(bad.len(), 1);
    let (session, report) = trace::replay(&events, bad, MachineConfig::default(), |_, _| {}).unwrap();
    assert_eq!((report.unmatched_frees, report.nil_frees, report.bad_lines.len()), (1, 1, 1));
    assert_eq!(report.traced_cpus, 3);
    assert!((report.internal_fragmentation() - 28.0 / 128.0).abs() < 1e-9);
    // kmalloc, kfree (matched, from CPU 1), page alloc, page free.
    assert_eq!(session.op_count(), 4);
    assert!(session.head().slub.slabs().values().all(|s| s.inuse == 0 || s.frozen));
}
