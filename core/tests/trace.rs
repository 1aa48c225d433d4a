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
    assert!(session.head().slub().unwrap().slabs().values().all(|s| s.inuse == 0 || s.frozen));
}

mod fuzz {
    use proptest::prelude::*;
    use slabscope_core::trace;

    proptest! {
        #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

        /// The trace and /proc parsers never panic, whatever the input.
        #[test]
        fn parsers_never_panic(text in "\\PC{0,300}") {
            let _ = trace::parse(&text);
            let _ = trace::parse_buddyinfo(&text);
            let _ = trace::slabinfo_to_script(&text);
        }

        /// Nor on mangled real lines.
        #[test]
        fn mangled_real_lines(cut in 0usize..200, junk in "[ =:\\[\\]0-9a-fx(nil)]{0,12}") {
            let line = "            perf 10938 [001]   881.727547: kmem:kmem_cache_alloc: call_site=getname_flags.part.0+0x24 ptr=0xffff88810086b000 name=names_cache bytes_req=4096 bytes_alloc=4096 gfp_flags=GFP_KERNEL node=-1 accounted=false";
            let cut = cut.min(line.len());
            let text = format!("{}{junk}{}", &line[..cut], &line[cut..]);
            let (events, bad) = trace::parse(&text);
            prop_assert_eq!(events.len() + bad.len() <= 1, true);
            if let Ok((s, _)) = trace::replay(&events, bad, Default::default(), |_, _| {}) {
                s.head().check().map_err(TestCaseError::fail)?;
            }
        }
    }
}
