//! End-to-end tests of `slabscope run`.

use std::io::Write;
use std::process::{Command, Stdio};

fn slabscope(args: &[&str], stdin: &str) -> (i32, String, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_slabscope"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(stdin.as_bytes()).unwrap();
    let out = child.wait_with_output().unwrap();
    (out.status.code().unwrap_or(-1), String::from_utf8(out.stdout).unwrap(), String::from_utf8(out.stderr).unwrap())
}

#[test]
fn show_prints_kernel_formats() {
    let (code, out, err) = slabscope(
        &["run", "--check", "-"],
        "config mem=128K nodes=2 cpus=2\npages alloc order=1 as=a\nshow buddyinfo\nshow slabinfo\n",
    );
    assert_eq!(code, 0, "{err}");
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(
        lines[0],
        "Node 0, zone   Normal      0      1      1      1      0      0      0      0      0      0      0 "
    );
    assert_eq!(
        lines[1],
        "Node 1, zone   Normal      0      0      0      0      1      0      0      0      0      0      0 "
    );
    assert_eq!(lines[2], "slabinfo - version: 2.1");
    assert!(lines[3].starts_with("# name            <active_objs> <num_objs> <objsize>"));
}

#[test]
fn flags_override_config_lines() {
    let (code, out, _) = slabscope(&["run", "--mem", "64K", "-"], "config mem=1M\nshow buddyinfo\n");
    assert_eq!(code, 0);
    assert!(out.starts_with("Node 0, zone   Normal      0      0      0      0      1 "), "{out}");
}

#[test]
fn events_are_json_lines() {
    let (code, out, _) =
        slabscope(&["run", "--events", "--mem", "64K", "-"], "pages alloc order=0 as=a\npages free a\n");
    assert_eq!(code, 0);
    let mut steps = 0;
    for line in out.lines() {
        let v: serde_json::Value = serde_json::from_str(line).unwrap();
        steps += 1;
        assert_eq!(v["step"], steps);
        assert!(v["event"]["kind"].is_string());
    }
    assert!(out.contains("\"kind\":\"block_split\""));
    assert!(out.contains("\"kind\":\"buddy_merged\""));
}

#[test]
fn bad_input_is_located_and_fails() {
    let (code, out, err) = slabscope(&["run", "-"], "pages alloc order=0 as=a\npages free b\n");
    assert_eq!(code, 1);
    assert!(out.is_empty());
    assert_eq!(err.trim(), "error: <stdin>:2:1: `b` is not bound to anything");
    let (code, _, err) = slabscope(&["run", "-"], "show buddyinfoo\n");
    assert_eq!(code, 1);
    assert!(err.contains("1:6:") && err.contains("did you mean `buddyinfo`"), "{err}");
    let (code, _, err) = slabscope(&["run", "--cpus", "0", "-"], "");
    assert_eq!(code, 2, "{err}");
    let (code, _, err) = slabscope(&["run", "/no/such/file"], "");
    assert_eq!(code, 1);
    assert!(err.contains("/no/such/file"));
    let (code, _, _) = slabscope(&["frobnicate"], "");
    assert_eq!(code, 2);
}

#[test]
fn hash_matches_the_library() {
    let src = include_str!("../../core/tests/data/determinism.ops");
    let (code, out, _) = slabscope(&["run", "--hash", "-"], src);
    assert_eq!(code, 0);
    let expected = slabscope_core::script::load(src, &Default::default(), &[]).unwrap().event_hash();
    assert_eq!(out.lines().last().unwrap(), format!("{expected:016x}"));
}

#[test]
fn replay_reports_a_real_trace() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../core/tests/data/kmem-ls-sort-2000.perf.txt");
    let (code, out, err) = slabscope(&["replay", "--slab", "slab", path], "");
    assert_eq!(code, 0, "{err}");
    for needle in [
        "events by kind:",
        "kmem:kmem_cache_alloc",
        "frees of objects allocated before the trace:",
        "internal fragmentation",
        "slabinfo - version: 2.1",
        "Node 0, zone   Normal",
    ] {
        assert!(out.contains(needle), "missing {needle:?} in\n{out}");
    }
    // gzip input, and a malformed line reported with its number.
    let dir = std::env::temp_dir().join(format!("slabscope-replay-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let gz = dir.join("t.perf.gz");
    let mut text = std::fs::read_to_string(path).unwrap();
    text.push_str("not a perf line\n");
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    enc.write_all(text.as_bytes()).unwrap();
    std::fs::write(&gz, enc.finish().unwrap()).unwrap();
    let (code, out, _) = slabscope(&["replay", "--quiet", gz.to_str().unwrap()], "");
    assert_eq!(code, 0);
    assert!(out.contains("malformed lines skipped: 1") && out.contains("line 2001:"), "{out}");
    let (code, _, err) = slabscope(&["replay", "/no/such/trace"], "");
    assert_eq!(code, 1);
    assert!(err.contains("/no/such/trace"));
}

#[test]
fn replay_can_start_from_a_buddyinfo_picture() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../core/tests/data/kmem-ls-sort-2000.perf.txt");
    let dir = std::env::temp_dir().join(format!("slabscope-bi-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let bi = dir.join("buddyinfo");
    std::fs::write(
        &bi,
        "Node 0, zone   Normal    100     50     20     10      5      2      1      1      0      0     40 \n",
    )
    .unwrap();
    let (code, out, err) = slabscope(&["replay", "--quiet", "--buddyinfo", bi.to_str().unwrap(), path], "");
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("MiB"), "{out}");
    std::fs::write(&bi, "Node 0, zone Normal 1 2\n").unwrap();
    let (code, _, err) = slabscope(&["replay", "--buddyinfo", bi.to_str().unwrap(), path], "");
    assert_eq!(code, 1);
    assert!(err.contains("buddyinfo: 1:24: expected 11 counts"), "{err}");
}

#[test]
fn replay_explores_the_trace() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../core/tests/data/kmem-ls-sort-2000.perf.txt");
    // grep -c call_site=ext4_htree_store_dirent+0x34: 284 kmallocs, Σ bytes_req 17547, Σ bytes_alloc 20128.
    let (code, out, err) = slabscope(&["replay", "--quiet", "--by", "call_site", path], "");
    assert_eq!(code, 0, "{err}");
    let row = out.lines().find(|l| l.starts_with("ext4_htree_store_dirent+0x34 ")).unwrap_or_else(|| panic!("{out}"));
    let cols: Vec<&str> = row.split_whitespace().collect();
    assert_eq!(&cols[1..5], ["284", "0", "17547", "20128"], "{row}");
    assert!(row.ends_with("kmalloc-64,kmalloc-96"), "{row}");
    let (code, out, _) = slabscope(&["replay", "--quiet", "--by=cache", path], "");
    assert_eq!(code, 0);
    assert!(out.lines().any(|l| l.starts_with("filp ") && l.split_whitespace().nth(2) == Some("30")), "{out}");
    let (code, out, _) = slabscope(&["replay", "--quiet", "--by", "comm", path], "");
    assert_eq!(code, 0);
    assert!(out.lines().any(|l| l.starts_with("ls ")), "{out}");
    // Lineage: 11 allocations (lines 5, 21, 27, …, 75) and 10 frees of one filp slot.
    let (code, out, _) = slabscope(&["replay", "--quiet", "--lineage", "0xffff888140569cc0", path], "");
    assert_eq!(code, 0);
    assert!(out.contains("lineage of object 0xffff888140569cc0: 21 events"), "{out}");
    assert!(out.contains("line 5 ") && out.contains("reused by line 21"), "{out}");
    assert!(out.contains("line 75 ") && out.contains("not allocated again"), "{out}");
    let (code, out, _) = slabscope(&["replay", "--quiet", "--lineage", "0x1", path], "");
    assert_eq!(code, 0);
    assert!(out.contains("never allocates or frees"), "{out}");
    let (code, _, err) = slabscope(&["replay", "--by", "nothing", path], "");
    assert_eq!(code, 2);
    assert!(err.contains("call_site, comm or cache"), "{err}");
    // A budget too small for the trace is refused with the numbers.
    let (code, _, err) = slabscope(&["replay", "--quiet", "--max-memory", "64K", path], "");
    assert_eq!(code, 1);
    assert!(err.contains("more than 1024 events") && err.contains("64 bytes per event"), "{err}");
}

#[test]
fn replay_names_the_offset_of_a_truncated_gzip_stream() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../core/tests/data/kmem-ls-sort-2000.perf.txt");
    let dir = std::env::temp_dir().join(format!("slabscope-trunc-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    enc.write_all(&std::fs::read(path).unwrap()).unwrap();
    let gz = enc.finish().unwrap();
    let cut = gz.len() / 2;
    let file = dir.join("cut.gz");
    std::fs::write(&file, &gz[..cut]).unwrap();
    let (code, _, err) = slabscope(&["replay", "--quiet", file.to_str().unwrap()], "");
    assert_eq!(code, 1);
    assert!(err.contains("truncated") && err.contains(&format!("compressed byte offset {cut} of {cut}")), "{err}");
    // Invalid UTF-8 on one line: that line is reported, the rest replays.
    let mut bytes = std::fs::read(path).unwrap();
    bytes.extend_from_slice(b"perf 1 [000] 1.0: kmem:kfree: call_site=\xfe ptr=0x10\n");
    let file = dir.join("bad-utf8.txt");
    std::fs::write(&file, &bytes).unwrap();
    let (code, out, err) = slabscope(&["replay", "--quiet", file.to_str().unwrap()], "");
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("malformed lines skipped: 1") && out.contains("line 2001: invalid UTF-8"), "{out}");
}

#[test]
fn replay_names_the_policy_whose_fast_path_it_counts() {
    // Issue #15: the per-CPU table's data come from the active policy, and so does its heading.
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../core/tests/data/kmem-ls-sort-2000.perf.txt");
    for (slab, heading) in [
        ("slub", "(slab=slub: the lockless cpu freelist):"),
        ("slab", "(slab=slab: the per-CPU array cache):"),
        ("sheaves", "(slab=sheaves: the main and spare sheaves, then the barn):"),
        ("aether", "(slab=aether: the hot list and the per-CPU object cache):"),
        ("slob", "(slab=slob: none, SLOB has no per-CPU fast path):"),
    ] {
        let (code, out, err) = slabscope(&["replay", "--quiet", "--slab", slab, path], "");
        assert_eq!(code, 0, "{err}");
        let line = out.lines().find(|l| l.starts_with("fast-path hit rate by CPU")).unwrap_or_default();
        assert_eq!(line, format!("fast-path hit rate by CPU {heading}"), "--slab {slab}");
    }
}

/// The issue's script: ten caches, an object of the tenth, freed twice.
fn late_cache_double_free(policy: &str) -> String {
    let mut s = format!("config slab={policy}\n");
    for i in 1..=10 {
        s.push_str(&format!("cache create c{i} size=40\n"));
    }
    s.push_str("cache alloc c10 as=x\ncache free x\ncache free x\n");
    s
}

#[test]
fn the_issue_15_panic_scripts_stop_with_a_located_double_free() {
    // Issue #15: `slab=slab` and `slab=aether` panicked (a classic-SLAB or AetherOS cache id
    // looked up in SLUB's table); every policy must stop at line 14 with a double-free error.
    for policy in ["slab", "aether", "slub", "sheaves", "slob"] {
        let (code, out, err) = slabscope(&["run", "-"], &late_cache_double_free(policy));
        assert_eq!(code, 1, "slab={policy}: {out}{err}");
        assert!(!err.contains("panicked"), "slab={policy}: {err}");
        assert!(err.starts_with("error: <stdin>:14:1: double free"), "slab={policy}: {err}");
        assert!(err.contains("`x`"), "slab={policy}: {err}");
    }
}
