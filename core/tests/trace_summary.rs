//! Issue #18 (s6-tracew): the trace summaries made a slice at a time ([`SummaryBuilder`]) are
//! exactly the one-shot queries — `TraceSession::summary` for each grouping, `select_events`
//! and `select_ops` — for every filter field and any slice size, on the real fixture's slice
//! (concatenated, so addresses repeat across copies) and on a synthetic trace (page events,
//! `ptr=(nil)` frees, frees of objects from before the trace).

use slabscope_core::machine::MachineConfig;
use slabscope_core::trace::summary::SummaryBuilder;
use slabscope_core::trace::{Boot, Filter, GroupBy, Limits, Loader, Synthetic, TraceSession};

const SLICE: &str = include_str!("data/kmem-ls-sort-2000.perf.txt");

fn load(text: &str) -> TraceSession {
    let config = MachineConfig { mem_bytes: 256 << 20, ..Default::default() };
    let mut l = Loader::new(Boot::Config { config, auto_cpus: true }, "", Limits::default()).unwrap();
    for c in text.as_bytes().chunks(8191) {
        l.feed(c).unwrap();
    }
    l.finish().unwrap()
}

fn synthetic(events: usize) -> String {
    let mut g = Synthetic::new(7);
    let mut out = String::new();
    for _ in 0..events {
        g.next_line(&mut out);
    }
    out
}

/// Filters over every field (and combinations) with values the trace has, and some it has not.
fn filters(t: &TraceSession) -> Vec<Filter> {
    let all = Filter::default();
    let sites = t.summary(GroupBy::CallSite, &all);
    let caches = t.summary(GroupBy::Cache, &all);
    let comms = t.summary(GroupBy::Comm, &all);
    let mut out = vec![all.clone()];
    for r in sites.iter().take(4) {
        out.push(Filter { call_site: Some(r.key.clone()), ..all.clone() });
        // A function name matches every offset.
        out.push(Filter { call_site: r.key.split('+').next().map(str::to_string), ..all.clone() });
    }
    for r in caches.iter().take(5) {
        out.push(Filter { cache: Some(r.key.clone()), ..all.clone() });
    }
    for r in comms.iter().take(3) {
        out.push(Filter { comm: Some(r.key.clone()), ..all.clone() });
    }
    for cpu in [0, 1, 2, 3, 200] {
        out.push(Filter { cpu: Some(cpu), ..all.clone() });
    }
    out.push(Filter {
        cpu: Some(1),
        cache: caches.first().map(|r| r.key.clone()),
        comm: comms.first().map(|r| r.key.clone()),
        ..all.clone()
    });
    out.push(Filter { comm: Some("no-such-task".into()), ..all.clone() });
    out.push(Filter { call_site: Some("no_such_fn".into()), cache: Some("pages".into()), ..all });
    out
}

fn check_all_slices(t: &TraceSession) {
    let n = t.facts.len();
    for filter in filters(t) {
        let events: Vec<u32> = t.select_events(&filter).into_iter().map(|i| i as u32).collect();
        let ops: Vec<u32> = t.select_ops(&filter).into_iter().map(|k| k as u32).collect();
        for slice in [1, 7, 1000, n / 3 + 1, usize::MAX] {
            let mut b = SummaryBuilder::new(t, &filter, true);
            let mut calls = 0;
            while !b.step(t, slice) {
                calls += 1;
                assert!(calls <= n, "the builder advances");
                let (done, total) = b.progress();
                assert!(done < total && total == n);
            }
            let s = b.finish(t);
            for by in [GroupBy::CallSite, GroupBy::Comm, GroupBy::Cache] {
                assert_eq!(s.rows(by), t.summary(by, &filter).as_slice(), "{by:?} of {filter:?}, slices of {slice}");
            }
            assert_eq!(s.events, events, "events of {filter:?}, slices of {slice}");
            assert_eq!(s.ops, ops, "ops of {filter:?}, slices of {slice}");
            assert_eq!(s.selected, events.len());
        }
        // Without keeping the indices: the same rows and count, no index memory.
        let lean = t.summaries(&filter, false);
        assert_eq!(lean.rows(GroupBy::Cache), t.summary(GroupBy::Cache, &filter).as_slice());
        assert!(lean.events.is_empty() && lean.ops.is_empty() && lean.selected == events.len());
    }
}

#[test]
fn sliced_summaries_equal_the_one_shot_queries_on_the_real_trace() {
    let t = load(&SLICE.repeat(3));
    assert!(t.facts.len() > 5000);
    // The slice's known figures (see core/tests/trace.rs): the top call site.
    let s = t.summaries(&Filter::default(), false);
    assert_eq!(s.rows(GroupBy::CallSite)[0].key, "ext4_htree_store_dirent+0x34");
    assert_eq!(s.rows(GroupBy::CallSite)[0].allocs, 3 * 284);
    check_all_slices(&t);
}

#[test]
fn sliced_summaries_equal_the_one_shot_queries_on_a_synthetic_trace() {
    let t = load(&synthetic(30_000));
    assert!(t.report.unmatched_frees > 0 && t.report.nil_frees > 0, "frees of unknown addresses and nil frees");
    assert!(t.summary(GroupBy::Cache, &Filter::default()).iter().any(|r| r.key == "pages"), "page events");
    check_all_slices(&t);
}

#[test]
fn an_empty_trace_summary_is_empty() {
    let t = load("not a trace\n");
    let mut b = SummaryBuilder::new(&t, &Filter::default(), true);
    assert!(b.step(&t, 10));
    let s = b.finish(&t);
    assert!(s.rows(GroupBy::CallSite).is_empty() && s.events.is_empty() && s.selected == 0);
}
