//! Architecture rules as a test (in the spirit of rust-analyzer's tidy tests): reads the
//! sources of `core/src` and fails when a module imports a layer above its own. The rules are
//! the "Architecture invariant:" lines of ARCHITECTURE.md; this test checks that each rule
//! below is written there, word for word.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// The old flat paths re-exported by lib.rs, resolved to the module they name.
const ALIASES: &[(&str, &str)] = &[
    ("op", "lang::op"),
    ("script", "lang::script"),
    ("suggest", "lang::suggest"),
    ("buddy", "page::buddy"),
    ("machine", "page::machine"),
    ("pcp", "page::pcp"),
    ("slab_layout", "slab::layout"),
    ("percpu", "slab::percpu"),
    ("slub", "slab::slub"),
    ("aether", "slab::aether"),
    ("event", "timeline::event"),
    ("layers", "timeline::layers"),
    ("names", "timeline::names"),
    ("session", "timeline::session"),
    ("snapshot", "timeline::snapshot"),
];

/// Modules every layer may use: plain vocabulary with no behaviour above the page layer.
const VOCABULARY: &[&str] = &["error", "rng", "timeline::event", "timeline::names", "lang::suggest"];

/// Known references from below to a type defined higher up, each with its reason. Keep short.
const EXCEPTIONS: &[(&str, &str, &str)] = &[
    ("page::machine", "slab::layout", "the config's `slub_debug` is a `CacheFlags` bit set"),
    ("timeline::event", "slab::layout", "cache-created events carry `CacheFlags`"),
    ("timeline::event", "page::machine", "events carry `Owner`"),
    ("error", "page::machine", "`BadOrder` prints `MAX_PAGE_ORDER`"),
    ("error", "page::buddy", "`From<BuddyError>`"),
    ("timeline::names", "page::cow", "the bindings table is the page layer's copy-on-write `CowVec`"),
];

/// The layers, bottom first: a module may use modules of its own layer or below, and the
/// vocabulary.
fn layer(module: &str) -> Option<(usize, &'static str)> {
    const LAYERS: &[(&str, &[&str])] = &[
        // `sort` (the program's one sort, #14) uses nothing: with the bottom layer, every layer may use it.
        ("page", &["page", "sort"]),
        ("slab", &["slab", "superslab"]),
        ("sim", &["sim", "lang::op"]),
        ("timeline", &["timeline", "aether_api"]),
        ("language", &["lang", "workload", "limits", "audit"]),
        ("importers", &["trace", "procfs", "lesson", "exercise", "compare", "oracle"]),
        ("crate root", &["lib"]),
    ];
    LAYERS.iter().enumerate().find_map(|(i, (name, prefixes))| {
        prefixes.iter().any(|p| module == *p || module.starts_with(&format!("{p}::"))).then_some((i, *name))
    })
}

/// The rules, as written in ARCHITECTURE.md.
const RULES: &[&str] = &[
    "Architecture invariant: layers only call down: page → slab (policies, superslab) → sim → timeline (session, snapshot, rows) → language (parser, workload) → importers (trace, lessons, exercises); enforced by `core/tests/architecture.rs`.",
    "Architecture invariant: nothing under `core/src/page/` uses `slab`, `superslab`, `sim`, the session, the language or the importers.",
    "Architecture invariant: nothing under `core/src/slab/` or `superslab.rs` uses `sim`, `session`, `snapshot`, `script`, `trace`, `lesson` or `workload`; policies reach the rest of the system only through `SlabAllocator` and `PageCtx`.",
    "Architecture invariant: `error`, `rng`, `timeline::event`, `timeline::names` and `lang::suggest` are vocabulary any layer may use; the few references from them to higher types are listed with a reason in the test's `EXCEPTIONS`.",
    "Architecture invariant: core is pure: no `std::fs`, `std::net`, `std::env`, `std::time`, threads or `unsafe` under `core/src`.",
    "Architecture invariant: outside `core/src/slab/`, no code in core, the CLI or the web app reaches a slab engine's own type (`Sim::slub`, `classic`, `aether`, `percpu`, `Sim::engine`, `as_any` downcasts): it asks the contract; the accessors' own definitions and the seed's `aether::Slub` API are the test's `ENGINE_EXCEPTIONS`, and tests about one engine read it through them.",
    "Architecture invariant: outside `core/src/slab/`, no code in core, the CLI or the web app names a `SlabPolicy::` variant (so nothing matches on the policy): views, queries and menus go through `SlabAllocator` and the policy table; the config type (`page/machine.rs`: default, validation) and the files in the test's `POLICY_EXCEPTIONS` are the only others.",
];

/// Files outside `core/src/slab/` that may name a `SlabPolicy` variant, each with its reason
/// (paths from the workspace root). Keep short: a new entry is a dispatch by hand.
const POLICY_EXCEPTIONS: &[(&str, &str)] = &[
    ("core/src/page/machine.rs", "the config type: `SlabPolicy` itself, its default and `FrontEndConflict` validation"),
    ("core/src/aether_api.rs", "the seed's `Slub` API builds its own machine with `slab: SlabPolicy::Aether`"),
];

/// Calls that reach one slab engine's own type past the contract: the typed accessors of `Sim`
/// and the downcasts behind them.
const ENGINE_ACCESS: &[&str] = &[
    ".slub()",
    ".classic()",
    ".aether()",
    ".percpu()",
    ".slob()",
    ".engine()",
    "engine::<",
    "slab::engine(",
    "as_any",
    "downcast_",
];

/// Places outside `core/src/slab/` that may reach an engine's own type: `(file, the call, why)`;
/// `""` allows every call in the file. Keep short: a new entry is a dispatch by hand. Tests
/// under `core/tests/` that are about one engine read it through the accessors; they are not
/// scanned.
const ENGINE_EXCEPTIONS: &[(&str, &str, &str)] = &[
    ("core/src/sim.rs", "self.engine()", "the typed accessors `slub`, `classic`, `aether` themselves"),
    ("core/src/sim.rs", "self.engine::<", "the typed accessor `percpu` itself"),
    ("core/src/sim.rs", "crate::slab::engine(", "`Sim::engine`, the downcast the accessors use"),
    ("core/src/aether_api.rs", "", "the seed's library API over the AetherOS engine (`aether::Slub`)"),
];

/// The lines of `code` calling an engine accessor (see [`ENGINE_ACCESS`]), but for the calls
/// `allowed` lists.
fn engine_calls(code: &str, allowed: &[&str]) -> Vec<String> {
    code.lines()
        .filter(|l| {
            ENGINE_ACCESS.iter().any(|a| l.contains(a)) && !allowed.iter().any(|ok| ok.is_empty() || l.contains(ok))
        })
        .map(|l| l.trim().to_string())
        .collect()
}

/// The lines of `code` naming a `SlabPolicy::` variant.
fn policy_variants(code: &str) -> Vec<String> {
    code.lines().filter(|l| l.contains("SlabPolicy::")).map(|l| l.trim().to_string()).collect()
}

fn sources(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            sources(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

fn module_of(src: &Path, file: &Path) -> String {
    let rel = file.strip_prefix(src).unwrap().with_extension("");
    let mut parts: Vec<String> = rel.iter().map(|s| s.to_string_lossy().into_owned()).collect();
    if parts.last().is_some_and(|l| l == "mod") {
        parts.pop();
    }
    parts.join("::")
}

/// Code without comments (doc links name modules without importing them).
fn code(text: &str) -> String {
    text.lines()
        .map(|l| match l.find("//") {
            Some(i) if !l[..i].contains('"') => &l[..i],
            _ => l,
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// Every module a source names with a `crate::` path (also inside `use crate::{..}` groups).
fn imports(code: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let mut rest = code;
    while let Some(i) = rest.find("crate::") {
        rest = &rest[i + "crate::".len()..];
        let paths: Vec<String> = if let Some(group) = rest.strip_prefix('{') {
            let end = group.find('}').unwrap_or(group.len());
            group[..end].split(',').map(|p| p.trim().to_string()).collect()
        } else {
            let end = rest.find(|c: char| !(c.is_alphanumeric() || c == '_' || c == ':')).unwrap_or(rest.len());
            vec![rest[..end].to_string()]
        };
        for p in paths {
            let segs: Vec<&str> = p.split("::").filter(|s| !s.is_empty()).collect();
            let Some(&first) = segs.first() else { continue };
            let first = ALIASES.iter().find(|(a, _)| *a == first).map_or(first.to_string(), |(_, m)| m.to_string());
            let m = if ["page", "slab", "timeline", "lang", "lesson"].contains(&first.as_str()) {
                match segs.get(1) {
                    Some(s) if s.chars().next().is_some_and(|c| c.is_ascii_lowercase()) => format!("{first}::{s}"),
                    _ => first,
                }
            } else {
                first
            };
            out.insert(m);
        }
    }
    out
}

fn is_vocabulary(m: &str) -> bool {
    VOCABULARY.contains(&m)
}

#[test]
fn layers_only_call_down() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let src = root.join("src");
    let mut files = Vec::new();
    sources(&src, &mut files);
    assert!(files.len() > 20, "read the sources");
    let mut violations = Vec::new();
    for f in &files {
        let from = module_of(&src, f);
        let text = std::fs::read_to_string(f).unwrap();
        let Some((from_layer, _)) = layer(&from).or(is_vocabulary(&from).then_some((0, "vocabulary"))) else {
            violations.push(format!("{from}: a module in no layer (add it to `layer` in this test)"));
            continue;
        };
        for to in imports(&code(&text)) {
            if to == from || to.starts_with(&format!("{from}::")) || is_vocabulary(&to) {
                continue;
            }
            if EXCEPTIONS.iter().any(|(a, b, _)| *a == from && *b == to) {
                continue;
            }
            let Some((to_layer, to_name)) = layer(&to) else {
                violations.push(format!("{from} uses `{to}`, a module in no layer"));
                continue;
            };
            let upward = if is_vocabulary(&from) { true } else { to_layer > from_layer };
            if upward {
                violations.push(format!("{from} uses `crate::{to}` (layer {to_name}), above it"));
            }
        }
    }
    assert!(violations.is_empty(), "upward imports:\n{}", violations.join("\n"));
}

#[test]
fn core_is_pure() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    sources(&src, &mut files);
    let lib = std::fs::read_to_string(src.join("lib.rs")).unwrap();
    assert!(lib.contains("#![forbid(unsafe_code)]"));
    let banned =
        ["std::fs", "std::net", "std::env", "std::time", "std::thread", "thread_local!", "static mut", "Instant::now"];
    for f in &files {
        let text = code(&std::fs::read_to_string(f).unwrap());
        for b in banned {
            assert!(!text.contains(b), "{} uses {b}", f.display());
        }
    }
}

#[test]
fn the_rules_are_written_in_architecture_md() {
    let doc = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("../ARCHITECTURE.md")).unwrap();
    for r in RULES {
        assert!(doc.lines().any(|l| l.trim_start_matches("- ").trim() == *r), "ARCHITECTURE.md lacks:\n{r}");
    }
    let written = doc.lines().filter(|l| l.contains("Architecture invariant:")).count();
    assert_eq!(
        written,
        RULES.len(),
        "every \"Architecture invariant:\" line of ARCHITECTURE.md is a rule of this test"
    );
}

#[test]
fn the_checker_sees_an_upward_import() {
    // The parser of imports finds grouped, aliased and nested paths (so the rules can fail).
    let m = imports(&code(
        "use crate::{sim::Sim, machine::Owner};\nlet x = crate::slab::policies::build_slub; // crate::lesson",
    ));
    assert_eq!(m, ["page::machine", "sim", "slab::policies"].iter().map(|s| s.to_string()).collect());
    assert!(layer("page::buddy").unwrap().0 < layer("sim").unwrap().0);
}

#[test]
fn no_match_on_the_policy_outside_the_slab_layer() {
    let violations = outside_the_slab_layer(|rel, code| {
        if POLICY_EXCEPTIONS.iter().any(|(p, _)| *p == rel) {
            return Vec::new();
        }
        policy_variants(code)
    });
    assert!(
        violations.is_empty(),
        "code outside core/src/slab/ names a slab policy (use a contract method or the policy table):\n{}",
        violations.join("\n")
    );
}

#[test]
fn the_policy_checker_sees_a_match() {
    let hits = policy_variants(&code(
        "match sim.config().slab {\n    SlabPolicy::Slob => 0, // SlabPolicy::Slub\n    _ => 1,\n}\n/// SlabPolicy::Slab in a doc",
    ));
    assert_eq!(hits, vec!["SlabPolicy::Slob => 0,".to_string()]);
}

/// `find`'s lines in every source of the workspace outside `core/src/slab/` (given its path from
/// the workspace root and its code without comments), as `path: line`.
fn outside_the_slab_layer(find: impl Fn(&str, &str) -> Vec<String>) -> Vec<String> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let mut files = Vec::new();
    for dir in ["core/src", "cli/src", "web/src", "xtask/src"] {
        if root.join(dir).is_dir() {
            sources(&root.join(dir), &mut files);
        }
    }
    assert!(files.len() > 40, "read the sources");
    let slab = root.join("core/src/slab");
    let mut out = Vec::new();
    for f in files.iter().filter(|f| !f.starts_with(&slab)) {
        let rel = f.strip_prefix(&root).unwrap().to_string_lossy().replace('\\', "/");
        let code = code(&std::fs::read_to_string(f).unwrap());
        out.extend(find(&rel, &code).into_iter().map(|l| format!("{rel}: {l}")));
    }
    out
}

#[test]
fn no_engine_accessor_outside_the_slab_layer() {
    let violations = outside_the_slab_layer(|rel, code| {
        let allowed: Vec<&str> = ENGINE_EXCEPTIONS.iter().filter(|(p, _, _)| *p == rel).map(|(_, c, _)| *c).collect();
        engine_calls(code, &allowed)
    });
    assert!(
        violations.is_empty(),
        "code outside core/src/slab/ reaches a slab engine past the contract (add a `SlabAllocator` method):\n{}",
        violations.join("\n")
    );
}

#[test]
fn the_engine_checker_sees_an_accessor() {
    let text = "let (f, s) = sim.slub().map_or((0, 0), |s| s.fast());\nlet c = sim.engine::<ClassicSlab>();\n\
                let a = sim.slab.as_any().downcast_ref::<AetherEngine>(); // sim.percpu()\n\
                /// [`Sim::classic`] or sim.classic() in a doc\nlet n = sim.slab.cache_count();";
    let hits = engine_calls(&code(text), &[]);
    assert_eq!(hits.len(), 3, "{hits:?}");
    assert!(hits[0].starts_with("let (f, s) = sim.slub()"));
    // An exception allows only the call it names.
    assert_eq!(engine_calls(&code(text), &["sim.engine::<"]).len(), 2);
    assert!(engine_calls(&code(text), &[""]).is_empty());
}
