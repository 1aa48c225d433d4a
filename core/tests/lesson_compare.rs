//! Lessons that use Compare mode (issue #19): `compare` configurations and `compare_expect`
//! lines are checked under each configuration, and a compare configuration's variant of the
//! lesson is the very session Compare mode's column shows.

use slabscope_core::compare::{Comparison, Work};
use slabscope_core::lesson::{self, compare_variant};
use slabscope_core::machine::MachineConfig;

const LESSON: &str = r#"
id = "cmp-test"
level = 1
minutes = 1
config = "mem=1M cpus=1"
compare = ["slab=slub", "slab=slab"]

[title]
en = "t"
ja = "テスト"

[summary]
en = "t"
ja = "テスト"

[[step]]
ops = """
repeat 40 {
  kmalloc 128 as=a[]
}
"""
say.en = "t"
say.ja = "テスト"
expect = ["slabs kmalloc-128 == 2"]
compare_expect = ["1: slabs kmalloc-128 == 2", "2: slabs kmalloc-128 == SLABS"]
"#;

#[test]
fn compare_expectations_are_checked_under_their_configuration() {
    let ok = lesson::check("t.toml", &LESSON.replace("SLABS", "2"));
    assert!(ok.is_ok(), "{ok:?}");
    let errors = lesson::check("t.toml", &LESSON.replace("SLABS", "3")).unwrap_err();
    assert_eq!(errors.len(), 1, "{errors:?}");
    let e = errors[0].to_string();
    assert!(e.contains("slabs kmalloc-128 == 3") && e.contains("has 2"), "{e}");
    assert!(e.contains("compare configuration 2 `slab=slab`"), "{e}");
}

#[test]
fn bad_compare_lines_are_located() {
    let src = LESSON.replace("SLABS", "2");
    let e = lesson::parse("t.toml", &src.replace("\"2: slabs", "\"3: slabs")).unwrap_err();
    assert!(e[0].to_string().contains("the lesson has 2 compare configuration(s)"), "{:?}", e);
    let e = lesson::parse("t.toml", &src.replace("\"2: slabs", "\"slabs")).unwrap_err();
    assert!(e[0].to_string().contains("expected `N: QUERY OP VALUE`"), "{:?}", e);
    let e = lesson::parse("t.toml", &src.replace("slab=slab\"]", "slab=slb\"]")).unwrap_err();
    assert!(e[0].to_string().contains("compare `slab=slb`"), "{:?}", e);
    let e = lesson::parse("t.toml", &src.replace(", \"slab=slab\"]", "]")).unwrap_err();
    assert!(e.iter().any(|e| e.to_string().contains("expected 2 to 4 configurations")), "{:?}", e);
}

#[test]
fn a_variant_is_the_compare_column() {
    let l = lesson::parse("t.toml", &LESSON.replace("SLABS", "2")).unwrap();
    let played = lesson::play(&compare_variant(&l, 1)).unwrap();
    assert!(played.errors.is_empty(), "{:?}", played.errors);
    let script = l.steps.iter().map(|s| s.ops.clone()).collect::<Vec<_>>().join("\n");
    let base = lesson::machine(&l).unwrap();
    let cmp = Comparison::run(Work::Script(&script), &base, &["slab=slub", "slab=slab"], 10).unwrap();
    let col = &cmp.columns[1];
    assert_eq!(col.config, lesson::machine(&compare_variant(&l, 1)).unwrap());
    assert_ne!(col.config, MachineConfig::default());
    assert_eq!(col.session.op_count(), played.session.op_count());
    assert_eq!(col.session.total_steps(), played.session.total_steps());
    assert_eq!(col.session.snapshot().slabinfo, played.session.snapshot().slabinfo);
}

#[test]
fn the_repository_lessons_with_compare_pass() {
    for file in ["18-slab-vs-slub.toml", "19-slob-vs-slub.toml"] {
        let path = format!("{}/../lessons/{file}", env!("CARGO_MANIFEST_DIR"));
        let src = std::fs::read_to_string(&path).unwrap();
        let l = lesson::check(file, &src).unwrap_or_else(|e| panic!("{e:?}"));
        assert_eq!(l.compare.len(), 2);
        assert!(l.steps.iter().all(|s| !s.compare_expect.is_empty()), "{file}: every step pins the other column");
    }
}
