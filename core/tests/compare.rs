//! Compare: every column is the run of its configuration alone; deltas; snapshot diffs.

use slabscope_core::compare::{
    self, deltas, diff_buddyinfo, diff_slabinfo, CompareError, Comparison, Measure, Measures, Side, Work, ZoneDelta,
    MAX_CONFIGS,
};
use slabscope_core::event::ShowWhat;
use slabscope_core::machine::{MachineConfig, PAGE_SIZE};
use slabscope_core::script::{self, ScriptErrorKind};
use slabscope_core::session::Session;
use slabscope_core::trace;
use slabscope_core::workload::Mix;

/// Mixed slab work: kmalloc of several sizes, a named cache, frees in between, page allocations.
const SCRIPT: &str = "\
config mem=16M cpus=2
cache create inode size=600
repeat 30 {
  kmalloc 100 cpu=0 as=a[]
  kmalloc 700 cpu=1 as=b[]
  cache alloc inode cpu=0 as=c[]
  pages alloc order=1 as=p[]
}
repeat 20 { kfree a[0] cpu=1 }
repeat 10 { cache free c[0] cpu=1 }
kfree b[*] cpu=0
repeat 8 { kmalloc 32 cpu=1 as=d[] }
repeat 10 { kmalloc 100 cpu=1 as=e[] }
pages free p[*]
shrink
";

const CONFIGS: [&str; 4] = ["slab=slub", "slab=slab", "slab=aether", "percpu=magazine pcp=on"];

/// The session `script::run` builds for `config` alone (settings as CLI overrides).
fn alone(src: &str, config: &str) -> Session {
    let settings = compare::parse_config(config).unwrap();
    let overrides: Vec<(&str, &str)> = settings.iter().map(|s| (s.key.as_str(), s.value.as_str())).collect();
    script::load(src, &MachineConfig::default(), &overrides).unwrap_or_else(|e| panic!("{config}: {e}"))
}

#[test]
fn every_column_is_that_configuration_alone() {
    let every = 7;
    let mut cmp = Comparison::run(Work::Script(SCRIPT), &MachineConfig::default(), &CONFIGS, every).unwrap();
    let n = cmp.positions();
    assert_eq!(n, cmp.columns[0].session.op_count());
    let positions = cmp.sample_positions();
    assert_eq!(positions.first(), Some(&0));
    assert_eq!(positions.last(), Some(&n));
    assert!(positions.iter().all(|&p| p % every == 0 || p == n));
    for (i, config) in CONFIGS.iter().enumerate() {
        let s = alone(SCRIPT, config);
        let col = &cmp.columns[i];
        assert_eq!(col.config, *s.config(), "{config}");
        assert_eq!(col.session.event_hash(), s.event_hash(), "{config}");
        assert_eq!(cmp.at_end()[i], Measures::of_session(&s, n), "{config}");
        col.session.head().check().unwrap();
        // Every sample equals the alone run's state at that op.
        assert_eq!(col.series.len(), positions.len());
        for m in &col.series {
            let sim = s.state_before(m.position);
            let steps = if m.position == 0 { 0 } else { s.op_events_range(m.position - 1).end };
            assert_eq!(*m, Measures::of(&sim, m.position, m.position, steps), "{config} at op {}", m.position);
        }
    }
    // The designs really differ on this work.
    let end = cmp.at_end();
    assert_ne!(end[0].slab_pages, end[2].slab_pages, "SLUB vs AetherOS slab pages");
    assert_ne!(end[0].events, end[1].events, "SLUB vs SLAB events");
    assert!(end.iter().all(|m| m.fast_path_rate().is_some_and(|r| r > 0.0 && r <= 1.0)), "{end:?}");
    // Magazines: every array miss is one SLUB allocation, so the counted allocations are the arrays'.
    let sim = cmp.columns[3].session.head();
    let (h, m) = sim.percpu().unwrap().arrays.iter().flatten().fold((0, 0), |(h, m), a| (h + a.hits, m + a.misses));
    assert_eq!(compare::fast_path(sim).1, h + m);
    assert!(compare::fast_path(sim).0 > h, "misses served by SLUB's lockless freelist count as fast");
    // The shared cursor: seeking every column to one position gives the sampled measures.
    for &p in positions.iter().rev() {
        let at = cmp.measures_at(p);
        for (i, m) in at.iter().enumerate() {
            assert_eq!(*m, cmp.columns[i].series.iter().find(|s| s.position == p).copied().unwrap());
        }
    }
    let mid = cmp.measures_at(n / 2 + 1);
    for (i, c) in cmp.columns.iter().enumerate() {
        assert_eq!(c.session.step(), c.session.op_events_range(n / 2).end);
        assert_eq!(mid[i].ops, n / 2 + 1);
    }
}

#[test]
fn deltas_are_against_the_first_column() {
    let cmp = Comparison::run(Work::Script(SCRIPT), &MachineConfig::default(), &CONFIGS[..2], 1000).unwrap();
    let end = cmp.at_end();
    let rows = deltas(&end);
    assert_eq!(rows.len(), compare::MEASURES.len());
    let used = rows.iter().find(|r| r.measure == Measure::UsedPages).unwrap();
    assert_eq!(used.values, vec![Some(end[0].used_pages as f64), Some(end[1].used_pages as f64)]);
    assert_eq!(used.deltas, vec![Some(0.0), Some(end[1].used_pages as f64 - end[0].used_pages as f64)]);
    let waste = rows.iter().find(|r| r.measure == Measure::WasteBytes).unwrap();
    assert_eq!(waste.values[1], Some(compare::slab_waste(cmp.columns[1].session.head()) as f64));
    // Before any op the fast-path rate is undefined, and so is its delta.
    let boot: Vec<Measures> = cmp.columns.iter().map(|c| c.series[0]).collect();
    let fp = deltas(&boot).into_iter().find(|r| r.measure == Measure::FastPath).unwrap();
    assert_eq!(fp.values, vec![None, None]);
    assert_eq!(fp.deltas, vec![None, None]);
}

#[test]
fn waste_is_slabinfo_tools_formula() {
    // One 600-byte cache on SLUB: slab bytes - active objects * object_size.
    let s =
        script::load("cache create x size=600\nrepeat 5 { cache alloc x as=o[] }\n", &MachineConfig::default(), &[])
            .unwrap();
    let c = &s.head().slub().unwrap().caches()[s.head().slub().unwrap().cache_by_name("x").unwrap() as usize];
    let slab_bytes = PAGE_SIZE << c.order;
    assert_eq!(compare::slab_waste(s.head()), slab_bytes - 5 * 600);
}

#[test]
fn configuration_errors_are_located() {
    let run = |configs: &[&str]| Comparison::run(Work::Script(SCRIPT), &MachineConfig::default(), configs, 10);
    match run(&["slab=slub", "slab=slub cpu=2"]).unwrap_err() {
        CompareError::Config { index: 1, error, .. } => {
            assert_eq!((error.line, error.col), (1, 11), "{error}");
            assert_eq!(error.suggestion.as_deref(), Some("cpus"));
        }
        e => panic!("{e}"),
    }
    match run(&["slab=slop"]).unwrap_err() {
        CompareError::Config { index: 0, error, label } => {
            assert_eq!(label, "slab=slop");
            assert_eq!(error.col, 6, "the value's column (issue #16)");
            assert!(matches!(error.kind, ScriptErrorKind::BadValue { .. }), "{error}");
        }
        e => panic!("{e}"),
    }
    let e = run(&["slab=slub  nodes"]).unwrap_err();
    assert!(matches!(&e, CompareError::Config { error, .. } if error.col == 12), "{e}");
    let e = run(&["slab=slub\npages alloc order=0 as=x"]).unwrap_err();
    assert!(matches!(&e, CompareError::Config { error, .. } if error.col == 10), "{e}");
    let e = run(&["slab=slab; pages alloc order=0 as=x"]).unwrap_err();
    assert!(matches!(&e, CompareError::Config { error, .. } if error.col == 10), "{e}");
    // An impossible machine, located at the settings.
    let e = run(&["nodes=4 cpus=2"]).unwrap_err();
    assert!(
        matches!(&e, CompareError::Config { error, .. } if matches!(error.kind, ScriptErrorKind::Config(_))),
        "{e}"
    );
    let five = ["slab=slub"; MAX_CONFIGS + 1];
    assert_eq!(run(&five).unwrap_err(), CompareError::Count { given: 5 });
    assert_eq!(run(&[]).unwrap_err(), CompareError::Count { given: 0 });
    assert!(run(&five[..4]).is_ok());
    assert_eq!(
        Comparison::run(Work::Script(SCRIPT), &MachineConfig::default(), &["slab=slub"], 0).unwrap_err(),
        CompareError::ZeroEvery
    );
    // An empty configuration is the script's own machine.
    let cmp = run(&[""]).unwrap();
    assert_eq!(cmp.columns[0].config, *alone(SCRIPT, "").config());
    // Script errors stay located in the script.
    let e = Comparison::run(Work::Script("kmalloc 10 as=a\nkmaloc 3"), &MachineConfig::default(), &["slab=slab"], 1)
        .unwrap_err();
    assert!(matches!(&e, CompareError::Script(s) if (s.line, s.col) == (2, 1)), "{e}");
}

#[test]
fn an_op_failing_under_one_configuration_names_it() {
    let src = "repeat 40 { pages alloc order=0 as=p[] }\n";
    let e = Comparison::run(Work::Script(src), &MachineConfig::default(), &["mem=1M", "mem=128K"], 1).unwrap_err();
    match e {
        CompareError::Op { index: 1, label, error } => {
            assert_eq!(label, "mem=128K");
            assert_eq!(error.line, 1);
            assert!(error.to_string().contains("out of memory"), "{error}");
        }
        e => panic!("{e}"),
    }
}

#[test]
fn trace_columns_are_replays_alone() {
    let text =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/kmem-ls-sort-2000.perf.txt")).unwrap();
    let (events, _bad) = trace::parse(&text);
    let base = MachineConfig { mem_bytes: 256 << 20, ..MachineConfig::default() };
    let configs = ["slab=slub", "slab=slab", "cpus=1"];
    let mut cmp =
        Comparison::run(Work::Trace { events: &events, prelude: "", cpus_from_trace: true }, &base, &configs, 250)
            .unwrap();
    assert_eq!(cmp.positions(), events.len());
    let traced = events.iter().map(|e| e.cpu + 1).max().unwrap();
    for (i, config) in configs.iter().enumerate() {
        let mut c = base.clone();
        for s in compare::parse_config(config).unwrap() {
            script::set_config(&mut c, &s.key, &s.value).unwrap();
        }
        if !config.contains("cpus") {
            c.cpus = traced.clamp(u16::from(c.nodes), 64);
        }
        let (s, report) = trace::replay(&events, Vec::new(), c.clone(), |_, _| {}).unwrap();
        let col = &cmp.columns[i];
        assert_eq!(col.config, c);
        assert_eq!((col.session.op_count(), col.session.total_steps()), (s.op_count(), s.total_steps()), "{config}");
        assert_eq!(col.report.as_ref(), Some(&report));
        assert_eq!(cmp.at_end()[i], Measures::of_session(&s, events.len()), "{config}");
    }
    assert_eq!(cmp.columns[2].config.cpus, 1);
    // Positions are trace events: seeking to one puts every column after that many events.
    let at = cmp.measures_at(500);
    let sampled: Vec<Measures> =
        cmp.columns.iter().map(|c| *c.series.iter().find(|m| m.position == 500).unwrap()).collect();
    assert_eq!(at, sampled);
}

#[test]
fn workloads_run_on_the_smallest_machine() {
    let configs = [MachineConfig { cpus: 4, ..Default::default() }, MachineConfig { cpus: 2, ..Default::default() }];
    let (names, ops) = compare::workload_ops(&configs, 7, 3000, Mix::MIXED);
    let lines = vec![0; ops.len()];
    let cmp = Comparison::run(
        Work::Ops { names: &names, ops: &ops, lines: &lines },
        &MachineConfig::default(),
        &["cpus=4 slab=slub", "cpus=2 slab=slab"],
        500,
    )
    .unwrap();
    assert_eq!(cmp.sample_positions(), vec![0, 500, 1000, 1500, 2000, 2500, 3000]);
    for c in &cmp.columns {
        c.session.head().check().unwrap();
        assert_eq!(c.session.op_count(), 3000);
    }
}

/// s7-compare: the web makes a `cwl=` workload a slice per task from `workload_generator`; any
/// slicing gives `workload_ops`'s list, which is the workload of the smallest machine.
#[test]
fn a_sliced_workload_is_workload_ops() {
    let configs = [MachineConfig { cpus: 4, ..Default::default() }, MachineConfig { cpus: 2, ..Default::default() }];
    let (names, ops) = compare::workload_ops(&configs, 11, 5000, Mix::MIXED);
    let mut small_names = slabscope_core::names::Names::default();
    let small = MachineConfig { cpus: 2, ..Default::default() };
    assert_eq!(ops, slabscope_core::workload::workload(&small, 11, 5000, Mix::MIXED, &mut small_names));
    for piece in [1, 7, 333, 5000] {
        let (n2, mut g) = compare::workload_generator(&configs, 11, Mix::MIXED);
        let mut sliced = Vec::new();
        while sliced.len() < ops.len() {
            g.fill(piece.min(ops.len() - sliced.len()), &mut sliced);
        }
        assert_eq!(sliced, ops, "pieces of {piece}");
        let text = |ops: &[slabscope_core::op::Op], names| ops.iter().map(|o| o.to_script(names)).collect::<Vec<_>>();
        assert_eq!(text(&sliced, &n2), text(&ops, &names), "the lists' names");
    }
}

/// `/proc/slabinfo` of a session after `k` ops.
fn slabinfo_at(s: &Session, k: usize) -> String {
    s.state_before(k).show(ShowWhat::Slabinfo)
}

#[test]
fn slabinfo_diff_of_two_simulated_snapshots() {
    for config in ["slab=slub", "slab=slab"] {
        let s = alone(SCRIPT, config);
        let (a, b) = (30, s.op_count() - 10);
        let d = diff_slabinfo(&slabinfo_at(&s, a), &slabinfo_at(&s, b)).unwrap();
        let slab_pages = |k: usize| Measures::of(&s.state_before(k), k, k, 0).slab_pages as i64 * PAGE_SIZE as i64;
        let total: i64 = d.iter().map(|c| c.bytes()).sum();
        assert_eq!(total, slab_pages(b) - slab_pages(a), "{config}");
        assert!(d.windows(2).all(|w| w[0].bytes().abs() >= w[1].bytes().abs()), "sorted by |memory|");
        assert!(d.iter().any(|c| c.bytes() != 0 && c.active_objs() != 0), "{config}: {d:?}");
    }
    // A cache that appears, one that goes away.
    let before = "slabinfo - version: 2.1\nold 1 10 100 10 1 : tunables 0 0 0 : slabdata 1 1 0\n";
    let after =
        "new 5 8 512 8 1 : tunables 0 0 0 : slabdata 1 1 0\nbig 64 64 4096 8 8 : tunables 0 0 0 : slabdata 8 8 0\n";
    let d = diff_slabinfo(before, after).unwrap();
    let names: Vec<&str> = d.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(names, vec!["big", "new", "old"]);
    assert_eq!((d[0].bytes(), d[0].slabs(), d[0].num_objs()), (8 * 8 * 4096, 8, 64));
    assert_eq!((d[2].before.is_some(), d[2].after, d[2].bytes()), (true, None, -4096));
}

#[test]
fn diff_errors_name_the_file_line_and_column() {
    let good = "a 1 2 3 4 1 : tunables 0 0 0 : slabdata 1 1 0\n";
    let e = diff_slabinfo(good, "# x\na 1 2 3 4 1 : tunables 0 0 0 : slabdata 1 q 0\n").unwrap_err();
    assert_eq!((e.side, e.error.line, e.error.col), (Side::After, 2, 43), "{e}");
    let e = diff_slabinfo("a 1 2 3\n", good).unwrap_err();
    assert_eq!((e.side, e.error.line), (Side::Before, 1), "{e}");
    assert!(e.error.reason.contains("slabdata"), "{e}");
    let e = diff_slabinfo(good, &format!("{good}{good}")).unwrap_err();
    assert_eq!((e.side, e.error.line), (Side::After, 2));
    assert!(diff_slabinfo("", good).is_err());
    assert!(diff_slabinfo("\u{0}\u{fffd} 1 2", good).is_err());
    let e = diff_buddyinfo("Node 0, zone Normal 1 1 1 1 1 1 1 1 1 1 1\n", "Node 0, zone Normal 1 1\n").unwrap_err();
    assert_eq!((e.side, e.error.line, e.error.col), (Side::After, 1, 24), "{e}");
}

#[test]
fn buddyinfo_diff_counts_pages() {
    let s = alone(SCRIPT, "slab=slub");
    let (a, b) = (10, 100);
    let sa = s.state_before(a);
    let sb = s.state_before(b);
    let d = diff_buddyinfo(&sa.show(ShowWhat::Buddyinfo), &sb.show(ShowWhat::Buddyinfo)).unwrap();
    assert_eq!(d.len(), 1);
    assert_eq!(d[0].pages(), sb.stats().free_pages as i64 - sa.stats().free_pages as i64);
    assert!(d[0].delta().iter().any(|&x| x != 0));
    // Zones in only one file count as empty in the other.
    let d = diff_buddyinfo(
        "Node 0, zone DMA 1 0 0 0 0 0 0 0 0 0 0\n",
        "Node 0, zone DMA 0 0 0 0 0 0 0 0 0 0 0\nNode 1, zone Normal 0 2 0 0 0 0 0 0 0 0 0\n",
    )
    .unwrap();
    assert_eq!(d.iter().map(ZoneDelta::pages).collect::<Vec<_>>(), vec![-1, 4]);
}

#[test]
fn diff_never_panics_on_odd_input() {
    let odd = [
        "",
        "\n\n\n",
        ":",
        "x : : :",
        "a 1 2 3 4 5 : slabdata",
        "a 1 2 3 4 5 : slabdata 1",
        "a 99999999999999999999999 2 3",
        "a 18446744073709551615 18446744073709551615 1 1 18446744073709551615 : slabdata 1 18446744073709551615 0",
        "名前 1 2 3 4 1 : slabdata 1 1 0",
        "\ta\t1\t2\t3",
        "Node",
        "Node 0,",
        "Node 0, zone",
        "Node x, zone Normal 1 1 1 1 1 1 1 1 1 1 1",
        "Node 0, zone Normal 18446744073709551615 1 1 1 1 1 1 1 1 1 18446744073709551615",
    ];
    let good_b = "Node 0, zone Normal 0 0 0 0 0 0 0 0 0 0 0";
    for a in odd {
        for b in odd {
            let _ = diff_slabinfo(a, b);
            let _ = diff_buddyinfo(a, b);
        }
        if let Ok(d) = diff_buddyinfo(a, good_b) {
            let _ = (d[0].delta(), d[0].pages());
        }
        if let Ok(d) = diff_slabinfo(a, a) {
            assert!(d.iter().all(|c| c.bytes() == 0));
        }
    }
}

/// s6-compare (#19 item 2): a comparison built a slice at a time is the one built in one go,
/// whatever the slice, and the progress counts every column's positions.
#[test]
fn a_sliced_build_equals_the_one_go_build() {
    let configs = [MachineConfig::default()];
    let (names, ops) = compare::workload_ops(&configs, 3, 1500, Mix::MIXED);
    let lines = vec![0; ops.len()];
    let work = Work::Ops { names: &names, ops: &ops, lines: &lines };
    let cfgs = ["slab=slub", "slab=slab", "slab=slob"];
    let whole = Comparison::run(work, &MachineConfig::default(), &cfgs, 100).unwrap();
    for slice in [1, 7, 499, 1500, 4000] {
        let mut b = Comparison::builder(work, &MachineConfig::default(), &cfgs, 100).unwrap();
        assert_eq!(b.progress(), (0, 4500));
        let mut last = 0;
        let mut steps = 0;
        while !b.step(slice).unwrap() {
            let (done, total) = b.progress();
            assert!(done > last && done < total, "progress moves: {done}/{total}");
            assert_eq!(done, (last + slice).min(total), "each step runs its slice across columns");
            last = done;
            steps += 1;
        }
        assert_eq!(b.progress(), (4500, 4500));
        assert_eq!(steps + 1, 4500_usize.div_ceil(slice));
        let c = b.finish().unwrap();
        assert_eq!(c.positions(), whole.positions());
        for (x, y) in c.columns.iter().zip(&whole.columns) {
            assert_eq!(x.series, y.series, "slice {slice}");
            assert_eq!(x.session.event_hash(), y.session.event_hash(), "slice {slice}");
        }
    }
    // Owned work (what a UI keeps across tasks) builds the same comparison.
    let owned = compare::OwnedWork::Ops { names: names.clone(), ops: ops.clone(), lines: lines.clone() };
    let c = Comparison::builder_owned(owned, &MachineConfig::default(), &cfgs, 100).unwrap().finish().unwrap();
    assert_eq!(c.at_end(), whole.at_end());
    // Every configuration is checked before any column runs.
    let e = Comparison::builder(work, &MachineConfig::default(), &["slab=slub", "slab=slb"], 100).unwrap_err();
    assert!(matches!(e, CompareError::Config { index: 1, .. }), "{e}");
}

/// s6-compare (#19 item 1): the seeded workload of `#mode=compare&compare=slab=slub|slab=slab&
/// cwl=1,2000,mixed` runs on the default machine (as `#wl=` does without `cfg=`), and a generated
/// op that fails says which op (its number and text) and which configuration, not `0:1`.
#[test]
fn a_failing_generated_op_names_its_number_and_configuration() {
    let base = MachineConfig::default();
    let cfgs = ["slab=slub", "slab=slab"];
    let machines: Vec<MachineConfig> =
        cfgs.iter().map(|c| compare::apply_config(&compare::parse_config(c).unwrap(), &base).unwrap()).collect();
    let (names, ops) = compare::workload_ops(&machines, 1, 2000, Mix::MIXED);
    let lines = vec![0; ops.len()];
    let cmp = Comparison::run(Work::Ops { names: &names, ops: &ops, lines: &lines }, &base, &cfgs, 100).unwrap();
    assert_eq!(cmp.positions(), 2000);
    // The same ops on a machine too small for them: op k fails, named by number and text.
    let small = MachineConfig { mem_bytes: 256 << 10, ..MachineConfig::default() };
    let e = Comparison::run(Work::Ops { names: &names, ops: &ops, lines: &lines }, &small, &cfgs, 100).unwrap_err();
    match &e {
        CompareError::WorkOp { index: 0, label, op, text, .. } => {
            assert_eq!(label, "slab=slub");
            assert!(*op >= 1 && *op <= 2000);
            assert_eq!(*text, ops[op - 1].to_script(&names));
            let shown = e.to_string();
            assert!(shown.starts_with(&format!("workload op {op} `{text}`: ")), "{shown}");
            assert!(shown.ends_with("(under configuration 1 `slab=slub`)"), "{shown}");
            assert!(!shown.starts_with("0:"), "{shown}");
        }
        e => panic!("{e}"),
    }
}

/// A column's partial snapshot (what Compare mode's columns take, s8-compare) is the full
/// snapshot with only the parts not asked for left empty; the measures from its cache rows are
/// `measures_at`'s; every binding label of the full snapshot resolves to its value by name.
#[test]
fn a_column_snapshot_in_parts_is_the_full_snapshot_in_those_parts() {
    use slabscope_core::snapshot::{Parts, Snapshot};
    let mut cmp = Comparison::run(Work::Script(SCRIPT), &MachineConfig::default(), &CONFIGS, 5).unwrap();
    let n = cmp.positions();
    let mut labels = 0;
    for pos in [0, 1, n / 3, n / 2, n - 1, n] {
        let want = cmp.measures_at(pos);
        for (i, col) in cmp.columns.iter().enumerate() {
            let full = col.session.snapshot();
            let none = col.snapshot(Parts::NONE);
            // What is always taken equals the full snapshot's.
            assert_eq!(
                (&none.config, &none.zones, &none.blocks, &none.stats),
                (&full.config, &full.zones, &full.blocks, &full.stats)
            );
            assert_eq!(
                (&none.slab_rows, &none.cache_rows, &none.block_rows),
                (&full.slab_rows, &full.cache_rows, &full.block_rows)
            );
            assert_eq!(none.superslab_resident, full.superslab_resident);
            // What is left out is empty (each part is non-empty somewhere in this script).
            assert!(none.bindings.is_empty() && none.slabinfo.is_empty() && none.buddyinfo.is_empty());
            assert!(none.cpu_rows.is_empty() && none.node_rows.is_empty() && none.pcp.is_empty());
            // Each part alone is the full snapshot's part.
            let only = |f: fn(&mut Parts)| {
                let mut p = Parts::NONE;
                f(&mut p);
                col.snapshot(p)
            };
            assert_eq!(only(|p| p.bindings = true).bindings, full.bindings);
            let procfs = only(|p| p.procfs = true);
            assert_eq!((procfs.slabinfo, procfs.buddyinfo), (full.slabinfo.clone(), full.buddyinfo.clone()));
            let percpu = only(|p| p.percpu = true);
            assert_eq!(
                (percpu.pcp, percpu.cpu_rows, percpu.node_rows),
                (full.pcp.clone(), full.cpu_rows.clone(), full.node_rows.clone())
            );
            let ss = only(|p| p.superslab = true);
            assert_eq!(
                (ss.superslabs, ss.superslab_threads),
                (full.superslabs.clone(), full.superslab_threads.clone())
            );
            assert_eq!(col.snapshot(Parts::ALL), full);
            assert_eq!(Snapshot::of_parts(col.session.sim(), col.session.names(), Parts::ALL), full);
            assert_eq!(col.measures_with(pos, &none), want[i], "{} at {pos}", CONFIGS[i]);
            for b in &full.bindings {
                assert_eq!(col.bound(&b.label), Some(b.value), "{} at {pos}: {}", CONFIGS[i], b.label);
                labels += 1;
            }
        }
    }
    assert!(labels > 100, "the script binds names and list elements: {labels}");
    let col = &cmp.columns[0];
    for absent in ["zz", "a[9999]", "a", "a[x]", "a[", "[0]", ""] {
        assert_eq!(col.bound(absent), None, "{absent}");
    }
    // pcp=on made the fourth column's pcp lists: the percpu part is not trivially empty.
    assert!(!cmp.columns[3].session.snapshot().pcp.is_empty());
}

/// s8-compare: a build parked at a position leaves every column standing there (the state a
/// seek there gives), without changing what is built; the seek afterwards does nothing.
#[test]
fn a_parked_build_stands_at_its_position() {
    let configs = [MachineConfig::default()];
    let (names, ops) = compare::workload_ops(&configs, 5, 9000, Mix::MIXED);
    let lines = vec![0; ops.len()];
    let work = Work::Ops { names: &names, ops: &ops, lines: &lines };
    let cfgs = ["slab=slub", "slab=slab"];
    let mut whole = Comparison::run(work, &MachineConfig::default(), &cfgs, 100).unwrap();
    for park in [0, 1, 4321, 8999, 9000, 20_000] {
        let mut b = Comparison::builder(work, &MachineConfig::default(), &cfgs, 100).unwrap();
        b.park_at(park);
        while !b.step(700).unwrap() {}
        let mut c = b.finish().unwrap();
        let at = park.min(c.positions());
        whole.seek(at);
        for (x, y) in c.columns.iter().zip(&whole.columns) {
            assert_eq!(x.series, y.series, "park {park}");
            assert_eq!(x.session.event_hash(), y.session.event_hash(), "park {park}");
            assert_eq!(x.session.step(), x.step_at(at), "park {park}: the column stands at its position");
            assert_eq!(x.session.snapshot(), y.session.snapshot(), "park {park}: the state a seek gives");
        }
        let steps: Vec<u64> = c.columns.iter().map(|x| x.session.step()).collect();
        c.seek(at);
        assert_eq!(steps, c.columns.iter().map(|x| x.session.step()).collect::<Vec<_>>());
        assert!(at == 0 || steps.iter().all(|&s| s > 0), "park {park}: {steps:?}");
    }
}
