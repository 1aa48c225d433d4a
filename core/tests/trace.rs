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

mod explorer {
    //! The trace explorer API on the 2000-line slice. Expected numbers were counted with awk and
    //! grep on `data/kmem-ls-sort-2000.perf.txt`, not taken from the program:
    //! `awk '{c[$5]++}'` gives kfree 461, kmalloc 365, kmem_cache_alloc 469, kmem_cache_free 530,
    //! mm_page_alloc 112, mm_page_free 63; `grep -c 'ptr=(nil)'` 219; `grep -c '\[000\]'` 18 (one
    //! of them a nil free).
    use slabscope_core::machine::MachineConfig;
    use slabscope_core::trace::{self, Boot, Filter, GroupBy, Kind, Limits, Loader, Space, TraceError};

    const SLICE: &str = super::SLICE;

    fn load_in_chunks(text: &[u8], chunk: usize, limits: Limits) -> Result<trace::TraceSession, TraceError> {
        let config = MachineConfig { mem_bytes: 256 << 20, ..Default::default() };
        let mut l = Loader::new(Boot::Config { config, auto_cpus: true }, "", limits)?;
        for c in text.chunks(chunk) {
            l.feed(c)?;
        }
        l.finish()
    }

    #[test]
    fn counts_match_the_trace_whatever_the_chunking() {
        let whole = load_in_chunks(SLICE.as_bytes(), usize::MAX, Limits::default()).unwrap();
        let r = &whole.report;
        let by = |k: Kind| r.by_kind.get(k.name()).copied().unwrap_or(0);
        assert_eq!(
            [Kind::Kfree, Kind::Kmalloc, Kind::CacheAlloc, Kind::CacheFree, Kind::PageAlloc, Kind::PageFree].map(by),
            [461, 365, 469, 530, 112, 63]
        );
        assert_eq!(r.nil_frees, 219);
        assert_eq!(whole.facts.len(), 2000 - 219, "nil frees are counted, not retained");
        assert_eq!((r.lines, r.bad_total), (2000, 0));
        // The same through the old whole-text path, and through odd chunk sizes.
        let (events, _) = trace::parse(SLICE);
        let (old, old_report) = trace::replay(&events, Vec::new(), whole.session.config().clone(), |_, _| {}).unwrap();
        assert_eq!(old.op_count(), whole.session.op_count());
        assert_eq!(old.event_hash(), whole.session.event_hash());
        assert_eq!(old_report.unmatched_frees, r.unmatched_frees);
        for chunk in [1, 7, 4093] {
            let t = load_in_chunks(SLICE.as_bytes(), chunk, Limits::default()).unwrap();
            assert_eq!(t.session.event_hash(), whole.session.event_hash(), "chunk {chunk}");
            assert_eq!(t.report, whole.report, "chunk {chunk}");
        }
        whole.session.head().check().unwrap();
    }

    #[test]
    fn ops_lead_back_to_their_trace_lines() {
        let t = load_in_chunks(SLICE.as_bytes(), 65536, Limits::default()).unwrap();
        let lines: Vec<&str> = SLICE.lines().collect();
        let mut made = 0;
        for k in 0..t.session.op_count() {
            let Some(f) = t.fact_of_op(k) else { continue };
            made += 1;
            assert_eq!(f.line, t.session.op_line(k));
            let text = lines[f.line as usize - 1];
            assert!(text.contains(f.kind.name()), "{text}");
            assert!(text.contains(&format!("[{:03}]", f.cpu)) && text.contains(f.comm), "{text}");
            if let Some(c) = f.call_site {
                assert!(text.contains(&format!("call_site={c} ")), "{text}");
            }
            if !matches!(t.session.op(k), Some(slabscope_core::op::Op::CacheCreate { .. })) {
                assert_eq!(t.op_of_event(f.index), Some(k));
            }
        }
        assert_eq!(made, t.session.op_count(), "no prelude: every op has a fact");
        // Line 1: `perf 10938 [000] 881.727436: kmem:kmalloc: call_site=sched_setaffinity+0x10c ptr=0xffff8881042c9e60 bytes_req=32 bytes_alloc=32`
        let f = t.fact_of_op(0).unwrap();
        assert_eq!((f.line, f.comm, f.pid, f.cpu, f.ts_ns), (1, "perf", 10938, 0, 881_727_436_000));
        assert_eq!((f.ptr, f.bytes_req, f.call_site), (0xffff_8881_042c_9e60, 32, Some("sched_setaffinity+0x10c")));
    }

    #[test]
    fn lineage_of_a_reused_filp_slot() {
        // grep -n ptr=0xffff888140569cc0: kmem_cache_alloc (alloc_empty_file+0x3c) on lines 5,
        // 21, 27, ..., 75 (every 6 lines from 21) and kmem_cache_free on 18, 24, ..., 72.
        let t = load_in_chunks(SLICE.as_bytes(), 65536, Limits::default()).unwrap();
        let l = t.lineage(Space::Object, 0xffff_8881_4056_9cc0);
        assert_eq!(l.len(), 21);
        let allocs: Vec<u32> = l.iter().filter(|e| e.fact.kind.is_alloc()).map(|e| e.fact.line).collect();
        let mut expect = vec![5];
        expect.extend((21..=75).step_by(6));
        assert_eq!(allocs, expect);
        let frees: Vec<u32> = l.iter().filter(|e| !e.fact.kind.is_alloc()).map(|e| e.fact.line).collect();
        let mut expect = vec![18];
        expect.extend((24..=72).step_by(6));
        assert_eq!(frees, expect);
        assert!(l.iter().all(|e| e.fact.cache == Some("filp") && e.op.is_some()));
        assert_eq!(l[0].fact.call_site, Some("alloc_empty_file+0x3c"));
        assert_eq!(l[1].fact.call_site, Some("__x64_sys_close+0x39"));
        // "Reused by": the next allocation of the slot.
        assert_eq!(l[0].reused_by.map(|i| t.facts.line(i)), Some(21));
        assert_eq!(l.last().unwrap().reused_by, None);
        // Each entry's op is that very allocation or free in the simulation.
        for e in &l {
            let op = t.session.op(e.op.unwrap()).unwrap();
            let want = if e.fact.kind.is_alloc() { "cache alloc" } else { "cache free" };
            assert!(op.to_script(t.session.names()).starts_with(want));
        }
        // The simulated object's name leads back to the same address.
        let k = l[0].op.unwrap();
        let Some(slabscope_core::op::Op::CacheAlloc { target: slabscope_core::op::Target::Name { name }, .. }) =
            t.session.op(k)
        else {
            panic!("not a cache alloc")
        };
        assert_eq!(t.facts.address_of_name(*name), Some((Space::Object, 0xffff_8881_4056_9cc0)));
        assert_eq!(t.lineage_of_name(*name).len(), 21);
        assert!(t.lineage(Space::Object, 0x1234).is_empty());
    }

    #[test]
    fn summaries_and_filters() {
        let t = load_in_chunks(SLICE.as_bytes(), 65536, Limits::default()).unwrap();
        let all = Filter::default();
        // grep call_site=ext4_htree_store_dirent+0x34: 284 kmalloc lines, Σ bytes_req 17547,
        // Σ bytes_alloc 20128, bytes_alloc 64 (223×) and 96 (61×).
        let sites = t.summary(GroupBy::CallSite, &all);
        assert_eq!(sites[0].key, "ext4_htree_store_dirent+0x34", "the top allocating call site");
        assert_eq!((sites[0].allocs, sites[0].frees, sites[0].bytes_req, sites[0].bytes_alloc), (284, 0, 17547, 20128));
        assert_eq!(sites[0].caches, ["kmalloc-64", "kmalloc-96"]);
        let total_allocs: u64 = sites.iter().map(|r| r.allocs).sum();
        assert_eq!(total_allocs, 365 + 469 + 112);
        // grep name=filp: 51 kmem_cache_alloc, 30 kmem_cache_free.
        let caches = t.summary(GroupBy::Cache, &all);
        let filp = caches.iter().find(|r| r.key == "filp").unwrap();
        assert_eq!((filp.allocs, filp.frees), (51, 30));
        let comms = t.summary(GroupBy::Comm, &all);
        assert_eq!(comms.iter().map(|r| r.allocs + r.frees).sum::<u64>(), 2000 - 219);
        // Filters select events and their ops: CPU 0 has 18 lines, one a nil free.
        let cpu0 = Filter { cpu: Some(0), ..Default::default() };
        assert_eq!(t.select_events(&cpu0).len(), 17);
        let filp_only = Filter { cache: Some("filp".into()), ..Default::default() };
        let ops = t.select_ops(&filp_only);
        assert!(!ops.is_empty() && ops.len() <= 81);
        assert!(ops.windows(2).all(|w| w[0] < w[1]));
        for k in ops {
            assert_eq!(t.fact_of_op(k).unwrap().cache, Some("filp"));
        }
        let by_fn = Filter { call_site: Some("ext4_htree_store_dirent".into()), ..Default::default() };
        assert_eq!(t.select_events(&by_fn).len(), 284);
        let nobody = Filter { comm: Some("no-such-task".into()), ..Default::default() };
        assert!(t.select_events(&nobody).is_empty());
        assert!(!t.fast_path().is_empty());
    }

    #[test]
    fn bad_lines_are_reported_and_kept_out() {
        let good =
            "a 1 [000] 1.0: kmem:kmalloc: call_site=f+0x1 ptr=0xffff888000001000 bytes_req=100 bytes_alloc=128\n";
        let mut text = Vec::new();
        text.extend_from_slice(good.as_bytes());
        text.extend_from_slice(
            b"a 1 [000] 1.1: kmem:kmalloc: call_site=f\xff+0x1 ptr=0xffff888000002000 bytes_req=8 bytes_alloc=8\n",
        );
        text.extend_from_slice(b"a 1 [000] 1.2: kmem:mm_page_alloc: page=0x10 pfn=0x10 order=99 migratetype=0\n");
        text.extend_from_slice(b"a 1 [999] 1.3: kmem:kfree: call_site=f+0x2 ptr=0xffff888000001000\n");
        text.extend_from_slice(b"a 1 [000] 1.4: kmem:kmalloc: call_site=f+0x1 ptr=0xffff888000003000 bytes_req=8 bytes_alloc=18446744073709551615\n");
        text.extend_from_slice(b"a 1 [000] 1.5: kmem:kfree: call_site=f+0x2 ptr=0xffff888000077000\n");
        text.extend_from_slice(&vec![b'x'; 70_000]);
        text.extend_from_slice(b"\na 1 [001] 1.6: kmem:kfree: call_site=f+0x2 ptr=0xffff888000001000");
        let t = load_in_chunks(&text, 1000, Limits::default()).unwrap();
        let r = &t.report;
        assert_eq!(r.bad_lines.iter().map(|b| b.line).collect::<Vec<_>>(), vec![2, 3, 4, 5, 7]);
        use slabscope_core::trace::MalformedReason as M;
        // `f\xff+0x1`: the invalid byte is the 41st of the line.
        assert_eq!(r.bad_lines[0].reason, M::InvalidUtf8 { byte: 41 }, "{}", r.bad_lines[0]);
        assert_eq!(r.bad_lines[1].reason, M::OrderOutOfRange { order: 99 }, "{}", r.bad_lines[1]);
        assert_eq!(r.bad_lines[2].reason, M::CpuOutOfRange { cpu: 999 }, "{}", r.bad_lines[2]);
        assert_eq!(
            r.bad_lines[3].reason,
            M::SizeOutOfRange { bytes_req: 8, bytes_alloc: u64::MAX },
            "{}",
            r.bad_lines[3]
        );
        assert_eq!(
            r.bad_lines[4].reason,
            M::LineTooLong { max: Limits::default().max_line_bytes },
            "{}",
            r.bad_lines[4]
        );
        // The CLI prints the same English text as before the reasons were typed.
        assert_eq!(r.bad_lines[1].to_string(), "line 3: order=99 out of range (at most 10)");
        assert_eq!(r.bad_lines[2].to_string(), "line 4: CPU [999] out of range (traced CPU ids are below 512)");
        assert_eq!(r.bad_lines[4].to_string(), "line 7: line longer than 65536 bytes");
        // The free of an unknown address (line 6) is reported and not replayed.
        assert_eq!((r.unmatched_frees, r.unmatched_lines.clone()), (1, vec![6]));
        assert_eq!(t.op_of_event(t.facts.at_line(6).unwrap()), None);
        // Line 1's object is freed by line 8 (no final newline).
        assert_eq!(t.facts.len(), 3);
        assert_eq!(t.session.op_count(), 2);
        assert_eq!(
            t.lineage(Space::Object, 0xffff_8880_0000_1000).iter().map(|e| e.fact.line).collect::<Vec<_>>(),
            [1, 8]
        );
        t.session.head().check().unwrap();
    }

    #[test]
    fn over_budget_is_refused_with_the_numbers() {
        let limits = Limits { max_events: 1000, ..Limits::default() };
        let e = load_in_chunks(SLICE.as_bytes(), 4096, limits).map(|_| ()).unwrap_err();
        let TraceError::OverBudget { max_events, bytes_per_event, line, .. } = e.clone() else { panic!("{e}") };
        assert_eq!((max_events, bytes_per_event), (1000, trace::RETAINED_BYTES_PER_EVENT));
        // The 1001st retained (non-nil) event.
        let nth = SLICE.lines().enumerate().filter(|(_, l)| !l.contains("ptr=(nil)")).nth(1000).unwrap().0 + 1;
        assert_eq!(line as usize, nth);
        assert!(e.to_string().contains("1000 events") && e.to_string().contains("--max-memory"), "{e}");
    }

    #[test]
    fn a_flood_of_nil_frees_retains_nothing() {
        let line = b"swapper/0 0 [000] 12.000001: kmem:kfree: call_site=kvfree_call_rcu+0x11 ptr=(nil)\n";
        let config = MachineConfig::default();
        let mut l =
            Loader::new(Boot::Config { config, auto_cpus: true }, "", Limits { max_events: 10, ..Limits::default() })
                .unwrap();
        let chunk: Vec<u8> = line.iter().copied().cycle().take(line.len() * 1000 + 17).collect();
        for _ in 0..300 {
            l.feed(&chunk).unwrap();
        }
        let t = l.finish().unwrap();
        // Each chunk ends with the first 17 bytes of a line (`swapper/0 0 [000]`), which the next
        // chunk's first line completes into one malformed line: 299 joins, and the last partial
        // line at the end. 300 × 1000 newlines, plus that last line.
        assert_eq!((t.report.lines, t.report.bad_total), (300_001, 300));
        assert_eq!(t.report.nil_frees, 300_000 - 299);
        assert_eq!(t.facts.len(), 0);
        assert_eq!(t.session.op_count(), 0);
        assert!(t.facts.approx_bytes() < 4096, "{}", t.facts.approx_bytes());
    }
}
