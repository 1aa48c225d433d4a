//! Issue #16 (reliability), item by item: each distinct failure of the issue and each "what to
//! build" point that the core answers has a test here that would fail again if it came back.
//! (The CLI points — broken pipe, full disk, flags — are in `cli/tests/hygiene.rs`; the fuzz
//! regression cases in `core/tests/fuzz/` replay in `fuzz_regressions.rs`.)

use slabscope_core::compare::{CompareError, Comparison, Work};
use slabscope_core::limits::{Limit, LimitError, Limits};
use slabscope_core::machine::MachineConfig;
use slabscope_core::names::Names;
use slabscope_core::oracle::{policy_configs, run_script, run_trace};
use slabscope_core::script::{self, ScriptErrorKind};
use slabscope_core::sim::OpError;
use slabscope_core::trace;

fn config(text: &str) -> MachineConfig {
    let mut c = MachineConfig::default();
    for kv in text.split_whitespace() {
        let (k, v) = kv.split_once('=').unwrap();
        script::set_config(&mut c, k, v).unwrap();
    }
    c
}

/// Item 1: 10,000 nested `repeat`s are a located depth-limit error, not a stack overflow — in a
/// script and inside a lesson step's `ops`.
#[test]
fn item1_deep_nesting_is_a_located_limit_error() {
    let src = "repeat 1 { ".repeat(10_000);
    let e = script::parse(&src, &mut Names::default()).unwrap_err();
    assert!(matches!(e.kind, ScriptErrorKind::Limit(LimitError { limit: Limit::Depth, max: 64, .. })), "{e}");
    assert_eq!(e.line, 1);
    assert!(e.col > 1, "points at the repeat that is too deep: {e}");
    assert!(e.to_string().contains("--max-depth"), "{e}");
    let lesson = format!(
        "id = \"deep\"\nlevel = 1\nminutes = 1\nconfig = \"mem=1M\"\npanels = [\"memory\"]\n[title]\nen = \"T\"\nja = \"題\"\n\
         [summary]\nen = \"S\"\nja = \"要約\"\n[[step]]\nops = \"{src}\"\nsay.en = \"x\"\nsay.ja = \"説明\"\n"
    );
    let errors = slabscope_core::lesson::check("deep.toml", &lesson).map(|_| ()).unwrap_err();
    let error = errors.iter().map(ToString::to_string).collect::<Vec<_>>().join("; ");
    assert!(error.contains("max_depth"), "a too-deep lesson step is refused with the depth limit: {error}");
}

/// Items 2 and 3: a write over a free object's next pointer under `slub_debug=P` and under
/// AetherOS, then more allocations: no panic, and every checker (the taint rule included) holds
/// under every policy.
#[test]
fn items2_3_writes_over_free_pointers_never_panic_and_pass_the_checkers() {
    let slub =
        "config slub_debug=P\nkmalloc 8 as=a\nwrite a offset=24 len=8 byte=0xb\nkmalloc 8 as=b\nkmalloc 8 as=c\n";
    let aether =
        "config slab=aether\nkmalloc 8 as=a\nwrite a offset=8 len=1 byte=0x41\nrepeat 8 { kmalloc 8 as=L[] }\n";
    for src in [slub, aether] {
        for (name, c) in policy_configs() {
            run_script(src, &c, &Limits::default()).unwrap_or_else(|f| panic!("{name}: {f}"));
        }
    }
}

/// Item 4: a buddyinfo count whose pages wrap (or nearly) is a clean error that says how much
/// memory it needs, never an index panic or "memory 0 bytes".
#[test]
fn item4_huge_buddyinfo_counts_are_clean_errors() {
    for n in ["4503599627370497", "4503599627370496", "18446744073709551615"] {
        let text = format!(
            "Node 0, zone   Normal      1      0      0      0      0      0      0      0      0      0 {n}\n"
        );
        let e = slabscope_core::procfs::session_from_buddyinfo(&text, &MachineConfig::default()).unwrap_err();
        assert!(!e.contains("memory 0 bytes"), "{n}: {e}");
        assert!(e.contains("line 1") || e.starts_with("1:"), "located: {n}: {e}");
    }
}

/// Item 5: freeing a user cache's object twice is a typed double free under every policy.
#[test]
fn item5_double_cache_free_is_typed_under_every_policy() {
    for (name, c) in policy_configs() {
        let src = "cache create foo size=64\ncache alloc foo as=x\ncache free x\ncache free x\n";
        let e = script::load(src, &c, &[]).unwrap_err();
        assert_eq!(e.line, 4, "{name}: {e}");
        assert!(
            matches!(e.kind, ScriptErrorKind::Op(OpError::DoubleFree { .. } | OpError::DoubleFreeIn { .. })),
            "{name}: {e}"
        );
    }
}

/// Item 7: budgets, not aborts — script size, expanded op count and session memory are named
/// limits refused before the first op, with the flag that changes them.
#[test]
fn item7_size_op_and_memory_budgets_are_refused_up_front() {
    let tight = Limits { max_script_bytes: 10, ..Limits::default() };
    let e = script::parse_with("kmalloc 8 as=a\n", &mut Names::default(), &tight).unwrap_err();
    assert!(matches!(e.kind, ScriptErrorKind::Limit(LimitError { limit: Limit::ScriptBytes, .. })), "{e}");
    assert!(e.to_string().contains("--max-script-bytes"), "{e}");
    let e = script::parse("repeat 100000 { repeat 100000 { shrink } }", &mut Names::default()).unwrap_err();
    assert!(matches!(e.kind, ScriptErrorKind::Limit(LimitError { limit: Limit::Ops, .. })), "{e}");
    let small = Limits { max_session_bytes: 1000, ..Limits::default() };
    let e =
        script::run_with("repeat 100 { shrink }", &MachineConfig::default(), &[], &small, None::<fn(&_, usize, &[_])>)
            .unwrap_err();
    assert!(matches!(e.kind, ScriptErrorKind::Limit(LimitError { limit: Limit::SessionBytes, .. })), "{e}");
}

/// Item 7 (traces): a flood of valid lines stops at the event budget with the line it reached;
/// the streaming loader agrees with itself however the bytes are split (the trace oracle).
#[test]
fn item7_trace_budget_stops_located_and_streaming_is_split_invariant() {
    let line = "ls 1 [000] 1.0: kmem:kmalloc: call_site=x+0x1 ptr=0xffff888100000000 bytes_req=8 bytes_alloc=8 gfp_flags=GFP_KERNEL node=-1\n";
    let text: String = (0..300).map(|i| line.replace("0000000", &format!("{i:07x}"))).collect();
    let limits = trace::Limits { max_events: 100, ..trace::Limits::default() };
    let boot = trace::Boot::Config { config: MachineConfig::default(), auto_cpus: false };
    let mut l = trace::Loader::new(boot, "", limits).unwrap();
    match l.feed(text.as_bytes()) {
        Err(trace::TraceError::OverBudget { line: 101, max_events: 100, .. }) => {}
        other => panic!("{other:?}"),
    }
    assert!(slabscope_core::oracle::run_trace_within(text.as_bytes(), 100).unwrap().refused);
}

/// Item 9: bad bytes on one trace line are that line's error, the rest of the file replays; a
/// line longer than the limit is malformed in one chunk as in many (found by the trace fuzz
/// target); out-of-range values are malformed, not replayed.
#[test]
fn item9_trace_lines_with_bad_bytes_or_values_are_skipped_and_located() {
    let good = "ls 1 [000] 1.0: kmem:kmalloc: call_site=x+0x1 ptr=0xffff888100000040 bytes_req=8 bytes_alloc=8 gfp_flags=GFP_KERNEL node=-1\n";
    let mut bytes = good.as_bytes().to_vec();
    bytes.extend_from_slice(b"ls 1 [000] 1.0: kmem:kfree: \xff\xfe\n");
    bytes.extend_from_slice(
        "perf 2 [001] 2.0: kmem:mm_page_alloc: page=0x1 pfn=0x1 order=99 migratetype=0 gfp_flags=GFP_KERNEL\n"
            .as_bytes(),
    );
    bytes.extend_from_slice(good.replace("[000]", "[999]").as_bytes());
    bytes.extend_from_slice(good.replace("bytes_alloc=8", "bytes_alloc=18446744073709551615").as_bytes());
    bytes.extend_from_slice(format!("{}{}\n", good.trim_end(), " ".repeat(70_000)).as_bytes());
    let boot = trace::Boot::Config { config: MachineConfig::default(), auto_cpus: true };
    let mut l = trace::Loader::new(boot, "", trace::Limits::default()).unwrap();
    l.feed(&bytes).unwrap();
    let t = l.finish().unwrap();
    let bad: Vec<u32> = t.report.bad_lines.iter().map(|b| b.line).collect();
    assert_eq!(bad, [2, 3, 4, 5, 6], "{:?}", t.report.bad_lines);
    assert_eq!(
        t.report.bad_lines[0].reason,
        trace::MalformedReason::InvalidUtf8 { byte: 29 },
        "{:?}",
        t.report.bad_lines[0]
    );
    assert_eq!(t.report.bad_lines[1].reason, trace::MalformedReason::OrderOutOfRange { order: 99 });
    assert_eq!(t.session.op_count(), 1, "only the good line replays");
    run_trace(&bytes).unwrap_or_else(|f| panic!("{f}"));
}

/// Item 9: machine conflicts and bad values are located: a `config` line's conflict at the
/// setting that completes it; a compare configuration's bad value at the value's column.
#[test]
fn item9_config_errors_are_located_at_the_setting_and_the_value() {
    let e = script::load("kmalloc 8 as=a\n", &config("cpus=1"), &[]).map(|_| ()).err();
    assert!(e.is_none());
    let e = script::load("config cpus=1\nconfig nodes=4\n", &MachineConfig::default(), &[]).unwrap_err();
    assert_eq!((e.line, e.col), (2, 8), "{e}");
    let err = Comparison::run(Work::Script("kmalloc 8 as=a\n"), &MachineConfig::default(), &["mem=1M slab=sulb"], 1)
        .unwrap_err();
    match err {
        CompareError::Config { index: 0, error, .. } => {
            assert_eq!((error.line, error.col), (1, 13), "the column of `sulb`: {error}");
        }
        other => panic!("{other}"),
    }
}

/// Item 9: messages name the right policy and the right allocator.
#[test]
fn item9_messages_name_the_policy_and_the_allocator() {
    for (policy, name) in [("aether", "aether"), ("sheaves", "sheaves")] {
        let e = script::load("reap\n", &config(&format!("slab={policy}")), &[]).unwrap_err();
        let text = e.to_string();
        assert!(text.contains(name), "{policy}: {text}");
    }
    let e = script::load("pages alloc order=0 as=p\npages free p\npages free p\n", &MachineConfig::default(), &[])
        .unwrap_err();
    let text = e.to_string();
    assert!(matches!(e.kind, ScriptErrorKind::Op(OpError::DoublePageFree { .. })), "{text}");
    assert!(!text.contains("slub_debug") && !text.contains("freelist"), "{text}");
}

/// Item 9: `repeat` is not atomic, and says so (docs/op-language.md): the ops before the failing
/// one stay applied, the failing op changes nothing.
#[test]
fn item9_repeat_is_documented_as_not_atomic() {
    let doc = include_str!("../../docs/op-language.md");
    assert!(doc.contains("`repeat` is **not atomic**"));
    let c = config("mem=32K");
    let src = "repeat 100 { pages alloc order=0 as=p[] }\n";
    let e = script::load(src, &c, &[]).unwrap_err();
    assert!(matches!(e.kind, ScriptErrorKind::Op(OpError::OutOfMemory { .. })), "{e}");
    let o = run_script(src, &c, &Limits::default()).unwrap();
    assert!(o.ok > 0 && o.failed > 0, "earlier iterations stay applied, failures change nothing: {o:?}");
}

/// Item 9: snapshot errors have a line and the column of the offending field.
#[test]
fn item9_snapshot_errors_have_line_and_column() {
    let e =
        slabscope_core::procfs::parse_buddyinfo_zones("Node 0, zone   Normal  1 2 x 4 5 6 7 8 9 10 11\n").unwrap_err();
    assert_eq!((e.line, e.col), (1, 28), "{e}");
    let text = "slabinfo - version: 2.1\ndentry 12 12 192 21 1 : tunables 0 0 0 : slabdata 5 zz 0\n";
    let (_, bad) = slabscope_core::procfs::parse_slabinfo(text);
    assert!(bad.iter().all(|b| b.line == 2 && b.col > 1), "{bad:?}");
    assert!(!bad.is_empty());
}
