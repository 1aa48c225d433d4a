//! One table per vocabulary: commands, slab policies and `slub_debug` letters drive the parser,
//! its suggestions and the docs' lists; and every `Op` printed in the op language parses back
//! to the same `Op`.

use proptest::prelude::*;
use slabscope_core::event::Sym;
use slabscope_core::lang::vocab::{COMMANDS, POLICIES, SLUB_DEBUG_LETTERS};
use slabscope_core::machine::MachineConfig;
use slabscope_core::names::Names;
use slabscope_core::op::{Op, Ref, ShowKind, Target};
use slabscope_core::script;
use slabscope_core::slab_layout::CacheFlags;

const NAMES: &[&str] = &["a", "b2", "x_y", "obj.cache", "kmalloc-64"];

/// The names of [`NAMES`] interned in order (so their symbols are the same in every `Names`
/// built by [`names`]).
fn names() -> (Names, Vec<Sym>) {
    let mut n = Names::default();
    let syms = NAMES.iter().map(|s| n.intern(s)).collect();
    (n, syms)
}

fn sym() -> impl Strategy<Value = Sym> {
    proptest::sample::select(names().1)
}

fn target() -> impl Strategy<Value = Target> {
    (sym(), any::<bool>()).prop_map(|(name, list)| if list { Target::Append { name } } else { Target::Name { name } })
}

fn reference() -> impl Strategy<Value = Ref> {
    (sym(), 0u8..3, 0u32..1000).prop_map(|(name, kind, index)| match kind {
        0 => Ref::Name { name },
        1 => Ref::Index { name, index },
        _ => Ref::All { name },
    })
}

fn cpu() -> impl Strategy<Value = Option<u16>> {
    proptest::option::of(0u16..64)
}

fn node() -> impl Strategy<Value = Option<u8>> {
    proptest::option::of(0u8..4)
}

/// Every op kind.
fn op() -> impl Strategy<Value = Op> {
    let shows = ShowKind::ALL;
    let flags = proptest::sample::subsequence(CacheFlags::NAMES.to_vec(), 0..=CacheFlags::NAMES.len())
        .prop_map(|v| v.iter().fold(CacheFlags::default(), |f, (_, x)| f.with(*x)));
    prop_oneof![
        (0u8..=10, node(), cpu(), target()).prop_map(|(order, node, cpu, target)| Op::PagesAlloc {
            order,
            node,
            cpu,
            target
        }),
        (reference(), cpu()).prop_map(|(what, cpu)| Op::PagesFree { what, cpu }),
        proptest::sample::select(shows.to_vec()).prop_map(|what| Op::Show { what }),
        (1u32..=4_194_304, cpu(), node(), target()).prop_map(|(size, cpu, node, target)| Op::Kmalloc {
            size,
            cpu,
            node,
            target
        }),
        (sym(), 1u32..=8192, cpu(), any::<bool>()).prop_map(|(what, size, cpu, zero)| Op::Krealloc {
            what,
            size,
            cpu,
            zero
        }),
        (1u32..=64, 0u16..64, target()).prop_map(|(size, thread, target)| Op::Malloc { size, thread, target }),
        (reference(), 0u16..64).prop_map(|(what, thread)| Op::Free { what, thread }),
        (reference(), cpu()).prop_map(|(what, cpu)| Op::Kfree { what, cpu }),
        (sym(), 1u32..=32768, prop_oneof![Just(0u32), (0u32..13).prop_map(|b| 1 << b)], flags)
            .prop_map(|(name, size, align, flags)| Op::CacheCreate { name, size, align, flags }),
        (sym(), cpu(), node(), target()).prop_map(|(cache, cpu, node, target)| Op::CacheAlloc {
            cache,
            cpu,
            node,
            target
        }),
        (reference(), cpu()).prop_map(|(what, cpu)| Op::CacheFree { what, cpu }),
        sym().prop_map(|name| Op::CacheDestroy { name }),
        sym().prop_map(|name| Op::CacheValidate { name }),
        sym().prop_map(|cache| Op::ShowSysfs { cache }),
        Just(Op::Shrink),
        Just(Op::Reap),
        (sym(), -65536i32..65536, 1u32..=4096, any::<u8>()).prop_map(|(what, offset, len, byte)| Op::Write {
            what,
            offset,
            len,
            byte
        }),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

    #[test]
    fn every_op_prints_and_parses_back(op in op()) {
        let (names, _) = names();
        let text = op.to_script(&names);
        let mut parsed_names = names.clone();
        let prog = script::parse(&text, &mut parsed_names).map_err(|e| TestCaseError::fail(format!("`{text}`: {e}")))?;
        prop_assert_eq!(prog.ops.len(), 1, "`{}`", text);
        prop_assert_eq!(prog.ops[0], op, "`{}`", text);
        prop_assert_eq!(parsed_names.len(), names.len(), "`{}` interned no new name", text);
    }
}

/// The statement an op is. `ShowKind` is matched exhaustively (a new one does not compile
/// here); `Op` is `#[non_exhaustive]`, so outside the crate its match needs a wildcard: the
/// command table checks the ops instead, in [`the_round_trip_generates_every_op`].
fn variant(op: &Op) -> &'static str {
    match op {
        Op::PagesAlloc { .. } => "pages alloc",
        Op::PagesFree { .. } => "pages free",
        Op::Show { what } => match what {
            ShowKind::Buddyinfo => "show buddyinfo",
            ShowKind::Slabinfo => "show slabinfo",
            ShowKind::Stats => "show stats",
            ShowKind::Leaks => "show leaks",
            ShowKind::Slabs => "show slabs",
            ShowKind::Superslabs => "show superslabs",
        },
        Op::Kmalloc { .. } => "kmalloc",
        Op::Krealloc { .. } => "krealloc",
        Op::Malloc { .. } => "malloc",
        Op::Free { .. } => "free",
        Op::Kfree { .. } => "kfree",
        Op::CacheCreate { .. } => "cache create",
        Op::CacheAlloc { .. } => "cache alloc",
        Op::CacheFree { .. } => "cache free",
        Op::CacheDestroy { .. } => "cache destroy",
        Op::CacheValidate { .. } => "cache validate",
        Op::ShowSysfs { .. } => "show sysfs",
        Op::Shrink => "shrink",
        Op::Reap => "reap",
        Op::Write { .. } => "write",
        _ => "a new Op",
    }
}

#[test]
fn the_round_trip_generates_every_op() {
    use proptest::strategy::ValueTree;
    let all = [
        "pages alloc",
        "pages free",
        "show buddyinfo",
        "show slabinfo",
        "show stats",
        "show leaks",
        "show slabs",
        "show superslabs",
        "kmalloc",
        "krealloc",
        "malloc",
        "free",
        "kfree",
        "cache create",
        "cache alloc",
        "cache free",
        "cache destroy",
        "cache validate",
        "show sysfs",
        "shrink",
        "reap",
        "write",
    ];
    let mut runner = proptest::test_runner::TestRunner::deterministic();
    let strategy = op();
    let mut seen = std::collections::BTreeSet::new();
    for _ in 0..5000 {
        seen.insert(variant(&strategy.new_tree(&mut runner).unwrap().current()));
    }
    let want: std::collections::BTreeSet<&str> = all.into_iter().collect();
    assert_eq!(seen, want, "the ops `every_op_prints_and_parses_back` generates");
    // Every command and sub-command of the table is generated (`config` and `repeat` are not
    // ops): a command added to the table fails here until the property test generates it.
    for c in COMMANDS.iter().filter(|c| !["config", "repeat"].contains(&c.name)) {
        let covered = |w: &str| seen.iter().any(|s| *s == w || s.starts_with(&format!("{w} ")));
        assert!(covered(c.name), "`{}` is not generated", c.name);
        for sub in c.sub {
            assert!(covered(&format!("{} {sub}", c.name)), "`{} {sub}` is not generated", c.name);
        }
    }
}

#[test]
fn unknown_commands_list_every_command_and_suggest_the_nearest() {
    let err = script::parse("kmallco 64 as=x", &mut Names::default()).unwrap_err();
    assert_eq!(err.suggestion.as_deref(), Some("kmalloc"));
    let text = err.to_string();
    for c in COMMANDS {
        assert!(text.contains(c.name), "`{}` missing from: {text}", c.name);
    }
    let err = script::load("config slab=slob2", &MachineConfig::default(), &[]).unwrap_err().to_string();
    for p in POLICIES {
        assert!(err.contains(p.name), "{err}");
    }
    let err = script::load("config slub_debug=FX", &MachineConfig::default(), &[]).unwrap_err().to_string();
    for l in SLUB_DEBUG_LETTERS {
        assert!(err.contains(l.letter), "{err}");
    }
}

#[test]
fn every_table_entry_parses() {
    for p in POLICIES {
        let s = script::load(&format!("config slab={}", p.name), &MachineConfig::default(), &[]).unwrap();
        assert_eq!(s.head().config().slab, p.policy);
    }
    for l in SLUB_DEBUG_LETTERS {
        let s = script::load(&format!("config slub_debug={}", l.letter), &MachineConfig::default(), &[]).unwrap();
        assert_eq!(s.head().config().slub_debug, l.flag);
    }
}

#[test]
fn every_policy_has_its_own_row() {
    // `policy_info` has no fallback (its lookup is checked at compile time); here: it returns
    // each row for its own policy, and names and policies are unique.
    for (i, p) in POLICIES.iter().enumerate() {
        let row = slabscope_core::slab::policy_info(p.policy);
        assert_eq!((row.policy, row.name, row.summary), (p.policy, p.name, p.summary), "slab={}", p.name);
        assert_eq!(slabscope_core::slab::policy_by_name(p.name), Some(p.policy));
        for q in &POLICIES[i + 1..] {
            assert!(q.name != p.name && q.policy != p.policy, "{} and {} share a row", p.name, q.name);
        }
    }
}

/// The words in backquotes of one line.
fn quoted(line: &str) -> Vec<&str> {
    line.split('`').skip(1).step_by(2).collect()
}

#[test]
fn the_reference_lists_what_the_tables_hold() {
    let doc = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../docs/op-language.md")).unwrap();
    let statements: std::collections::BTreeSet<&str> = doc
        .lines()
        .skip_while(|l| !l.starts_with("## Statements"))
        .take_while(|l| !l.starts_with("### "))
        .filter_map(|l| l.strip_prefix("| `"))
        .filter_map(|l| l.split([' ', '`']).next())
        .collect();
    let commands: std::collections::BTreeSet<&str> = COMMANDS.iter().map(|c| c.name).collect();
    assert_eq!(statements, commands, "the statements table of docs/op-language.md");
    for c in COMMANDS {
        for sub in c.sub {
            assert!(doc.contains(&format!("| `{} {sub}", c.name)), "`{} {sub}` is not documented", c.name);
        }
    }
    let row = |key: &str| {
        doc.lines().find(|l| l.starts_with(&format!("| `{key}` |"))).unwrap_or_else(|| panic!("no `{key}` row"))
    };
    let policies: Vec<&str> =
        quoted(row("slab")).into_iter().filter(|w| POLICIES.iter().any(|p| p.name == *w)).collect();
    for p in POLICIES {
        assert!(policies.contains(&p.name), "the `slab` row does not list `{}`", p.name);
    }
    let letters = quoted(row("slub_debug"));
    for l in SLUB_DEBUG_LETTERS {
        assert!(letters.contains(&l.letter.to_string().as_str()), "the `slub_debug` row does not list `{}`", l.letter);
    }
    let listed_letters = letters.iter().filter(|w| w.len() == 1 && w.chars().all(|c| c.is_ascii_uppercase())).count();
    assert_eq!(listed_letters, SLUB_DEBUG_LETTERS.len(), "the `slub_debug` row lists only the table's letters");
}
