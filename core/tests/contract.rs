//! The slab-allocator contract: every policy of the policy table runs the same scripts through
//! the one dispatch point, errors are typed, nothing panics, and the invariants hold after
//! every op (issue #15: a classic-SLAB or AetherOS cache id looked up in SLUB's table).

use slabscope_core::machine::MachineConfig;
use slabscope_core::names::Names;
use slabscope_core::script::{self, ScriptErrorKind};
use slabscope_core::session::Session;
use slabscope_core::sim::OpError;
use slabscope_core::slab::POLICIES;

/// Run `body` under `config slab=NAME` line by line, checking the invariants after each op;
/// returns the errors of the ops that failed (the state is unchanged by each).
fn run_all(policy: &str, body: &str) -> (Session, Vec<OpError>) {
    let slab = slabscope_core::slab::policy_by_name(policy).expect("a policy of the table");
    let mut s = Session::new(MachineConfig { slab, ..MachineConfig::default() }).unwrap();
    let mut errors = Vec::new();
    for (i, line) in body.lines().enumerate() {
        let mut names: Names = s.names().clone();
        let prog = script::parse(line, &mut names).unwrap_or_else(|e| panic!("{line}: {e}"));
        *s.names_mut() = names;
        for op in prog.ops {
            if let Err(e) = s.push(op, i as u32 + 1) {
                errors.push(e);
            }
            s.head().check().unwrap_or_else(|e| panic!("slab={policy}, after `{line}`: {e}"));
        }
    }
    (s, errors)
}

#[test]
fn double_free_of_a_late_cache_is_a_typed_error_under_every_policy() {
    let mut body: String = (1..=10).map(|i| format!("cache create c{i} size=40\n")).collect();
    body.push_str("cache alloc c10 as=x\ncache free x\ncache free x\n");
    for p in POLICIES {
        let (_, errors) = run_all(p.name, &body);
        assert_eq!(errors.len(), 1, "slab={}: {errors:?}", p.name);
        assert!(
            matches!(errors[0], OpError::DoubleFree { ref name, .. } | OpError::DoubleFreeIn { ref name, .. } if name == "x"),
            "slab={}: {errors:?}",
            p.name
        );
    }
}

#[test]
fn the_same_ops_run_under_every_policy() {
    let body = "cache create obj size=100\n\
                repeat 40 { cache alloc obj as=o[] }\n\
                repeat 20 { cache free o[0] }\n\
                kmalloc 24 as=k\n\
                kmalloc 5000 as=big\n\
                kfree k\n\
                kfree big\n\
                cache free o[*]\n\
                shrink\n\
                show slabinfo";
    for p in POLICIES {
        let (s, errors) = run_all(p.name, body);
        assert!(errors.is_empty(), "slab={}: {errors:?}", p.name);
        assert_eq!(s.head().slab.policy(), p.policy);
        assert!(s.head().slab.cache_by_name("obj").is_some(), "slab={}", p.name);
    }
}

#[test]
fn destroy_after_freeing_everything() {
    // With sheaves the objects parked in the sheaves and barns are flushed first.
    for p in POLICIES {
        let (s, errors) = run_all(
            p.name,
            "cache create obj size=100\nrepeat 40 { cache alloc obj as=o[] }\ncache free o[*]\ncache destroy obj",
        );
        assert!(errors.is_empty(), "slab={}: {errors:?}", p.name);
        assert!(s.head().slab.cache_by_name("obj").is_none(), "slab={}: destroyed", p.name);
    }
}

#[test]
fn unknown_caches_get_suggestions_and_missing_operations_a_typed_error() {
    for p in POLICIES {
        let (_, errors) =
            run_all(p.name, "cache create dentry size=192\ncache alloc dentyr as=d\ncache destroy dentyr");
        assert_eq!(errors.len(), 2, "slab={}", p.name);
        for e in &errors {
            assert!(
                matches!(e, OpError::UnknownCache { suggestion: Some(s), .. } if s == "dentry"),
                "slab={}: {e:?}",
                p.name
            );
        }
        let (_, errors) = run_all(
            p.name,
            "cache create a size=64\ncache validate a\nshow sysfs a\nreap\nkmalloc 8 as=q\nkrealloc q 16",
        );
        for e in &errors {
            assert!(matches!(e, OpError::NotForPolicy { .. }), "slab={}: {e:?}", p.name);
        }
    }
}

#[test]
fn script_errors_name_the_policy() {
    let err = script::load("config slab=slab\ncache create a size=8\ncache validate a", &MachineConfig::default(), &[])
        .unwrap_err();
    match err.kind {
        ScriptErrorKind::Op(OpError::NotForPolicy { policy, .. }) => assert_eq!(policy, "slab"),
        k => panic!("{k:?}"),
    }
}

/// Mixed slab work on two CPUs: kmalloc of several sizes and a named cache, frees in between.
const FAST_PATH_WORK: &str = "\
cache create inode size=600
repeat 30 { kmalloc 100 cpu=0 as=a[] }
repeat 30 { cache alloc inode cpu=1 as=c[] }
repeat 20 { kfree a[0] cpu=1 }
repeat 10 { cache free c[0] cpu=0 }
repeat 30 { kmalloc 100 cpu=1 as=e[] }
repeat 10 { cache alloc inode cpu=0 as=d[] }
";

#[test]
fn each_policy_counts_its_own_fast_path() {
    let load = |config: &str| {
        let src = format!("config cpus=2 {config}\n{FAST_PATH_WORK}");
        script::load(&src, &MachineConfig::default(), &[]).unwrap_or_else(|e| panic!("{config}: {e}"))
    };
    let total = |s: &Session| slabscope_core::compare::fast_path(s.head());
    // Each engine's own counters, read from the engine (this test is about the engines).
    let s = load("slab=slub");
    let slub = s.head().slub().unwrap();
    let (f, sl) =
        slub.caches().iter().flat_map(|c| &c.cpus).fold((0, 0), |(f, s), c| (f + c.alloc_fast, s + c.alloc_slow));
    assert_eq!(total(&s), (f, f + sl));
    let s = load("slab=slab");
    let (h, m) = s
        .head()
        .classic()
        .unwrap()
        .caches()
        .iter()
        .flat_map(|c| &c.cpus)
        .fold((0, 0), |(h, m), a| (h + a.hits, m + a.misses));
    assert_eq!(total(&s), (h, h + m));
    let s = load("slab=aether");
    let ae = s.head().aether().unwrap();
    let (h, m) = ae
        .caches()
        .iter()
        .flat_map(|c| &c.cpus)
        .fold((0, 0), |(h, m), a| (h + a.hot_hits + a.local_hits, m + a.misses));
    assert_eq!(total(&s), (h, h + m));
    let s = load("slab=sheaves");
    let (h, m) =
        s.head().percpu().unwrap().arrays.iter().flatten().fold((0, 0), |(h, m), a| (h + a.hits, m + a.misses));
    assert_eq!(total(&s), (h, h + m), "sheaves: a refill from the slabs is a miss");
    // Magazines over every policy with per-CPU counters: each miss is one allocation from the
    // allocator behind, counted once (its own fast path may serve it).
    for back in ["slub", "slab", "aether"] {
        let s = load(&format!("percpu=magazine slab={back}"));
        let (h, m) =
            s.head().percpu().unwrap().arrays.iter().flatten().fold((0, 0), |(h, m), a| (h + a.hits, m + a.misses));
        let (fast, all) = total(&s);
        assert_eq!(all, h + m, "magazines over {back}");
        assert!(
            fast > h && fast < all,
            "magazines over {back}: some misses served by {back}'s fast path: {fast} of {all}, {h} hits"
        );
    }
    // SLOB has no per-CPU fast path: nothing counted, the rate is undefined.
    assert_eq!(total(&load("slab=slob")), (0, 0));
}
