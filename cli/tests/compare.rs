//! End-to-end tests of `slabscope compare` and `slabscope diff`: each column equals what
//! `slabscope run` / `slabscope replay` print for that configuration alone.

use std::path::PathBuf;
use std::process::Command;

fn slabscope(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_slabscope")).args(args).output().unwrap();
    (out.status.code().unwrap_or(-1), String::from_utf8(out.stdout).unwrap(), String::from_utf8(out.stderr).unwrap())
}

fn temp(name: &str, text: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("slabscope-compare-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p
}

const TRACE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../core/tests/data/kmem-ls-sort-2000.perf.txt");

/// The script compared; its first line is its own `config`, the configurations go after it.
const SCRIPT: &str = "\
config mem=16M cpus=2
cache create inode size=600
repeat 25 {
  kmalloc 100 cpu=0 as=a[]
  kmalloc 700 cpu=1 as=b[]
  cache alloc inode cpu=0 as=c[]
  pages alloc order=1 as=p[]
}
repeat 20 { kfree a[0] cpu=1 }
repeat 10 { kmalloc 100 cpu=1 as=e[] }
pages free p[*]
show stats
show slabinfo
";

/// The end table of `compare`: measure label → cell text per column (delta suffix removed).
fn end_table(out: &str) -> Vec<(String, Vec<String>)> {
    let start = out.find("at the end").expect("end table");
    out[start..]
        .lines()
        .skip(2)
        .map(|l| {
            let (label, rest) = l.trim().split_at(26.min(l.trim().len()));
            let cells = rest
                .split_whitespace()
                .filter(|c| !c.starts_with('(') && !c.ends_with(')'))
                .map(str::to_string)
                .collect();
            (label.trim().to_string(), cells)
        })
        .collect()
}

fn cell<'a>(table: &'a [(String, Vec<String>)], label: &str, col: usize) -> &'a str {
    &table.iter().find(|r| r.0 == label).unwrap_or_else(|| panic!("no row {label}")).1[col]
}

/// Σ num_slabs × pagesperslab of `/proc/slabinfo` lines.
fn slabinfo_pages(text: &str) -> u64 {
    text.lines()
        .filter(|l| l.contains(": slabdata") && !l.starts_with('#'))
        .map(|l| {
            let f: Vec<&str> = l.split_whitespace().collect();
            let s = f.iter().position(|&x| x == "slabdata").unwrap();
            f[5].parse::<u64>().unwrap() * f[s + 2].parse::<u64>().unwrap()
        })
        .sum()
}

#[test]
fn each_column_is_slabscope_run_alone() {
    let configs = ["slab=slub", "slab=slab", "slab=sheaves", "percpu=magazine pcp=on"];
    let path = temp("mixed.ops", SCRIPT);
    let mut args = vec!["compare", "--hash"];
    for c in &configs {
        args.extend(["--config", c]);
    }
    args.push(path.to_str().unwrap());
    let (code, out, err) = slabscope(&args);
    assert_eq!(code, 0, "{err}");
    let table = end_table(&out);
    for (i, c) in configs.iter().enumerate() {
        let (first, rest) = SCRIPT.split_once('\n').unwrap();
        // Same lines (sites are recorded in events): the settings join the first line.
        let alone = temp(&format!("alone{i}.ops"), &format!("{first} {c}\n{rest}"));
        let (code, run, err) = slabscope(&["run", "--events", "--hash", alone.to_str().unwrap()]);
        assert_eq!(code, 0, "{err}");
        let events = run.lines().filter(|l| l.starts_with("{\"step\"")).count();
        assert_eq!(cell(&table, "micro-events", i), events.to_string(), "{c}");
        assert_eq!(cell(&table, "event hash", i), run.lines().last().unwrap(), "{c}");
        let stats = run.lines().find(|l| l.starts_with("pages: total")).unwrap();
        let used = stats.split_whitespace().last().unwrap();
        assert_eq!(cell(&table, "pages used", i), used, "{c}");
        let unusable = run.lines().find(|l| l.starts_with("unusable_index:")).unwrap();
        assert_eq!(cell(&table, "unusable index (order 3)", i), unusable.split_whitespace().nth(4).unwrap(), "{c}");
        assert_eq!(cell(&table, "slab pages", i), slabinfo_pages(&run).to_string(), "{c}");
        assert_eq!(
            cell(&table, "resident bytes", i),
            (slabinfo_pages(&run) * 4096).to_string(),
            "{c}: no malloc, so resident = slab pages"
        );
    }
    // The columns really differ.
    assert_ne!(cell(&table, "micro-events", 0), cell(&table, "micro-events", 1));
}

#[test]
fn trace_columns_are_slabscope_replay_alone() {
    let (code, out, err) =
        slabscope(&["compare", "--config", "slab=slub", "--config", "slab=slab", "--every", "500", TRACE]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("(trace, 2000 events)"), "{out}");
    assert_eq!(out.matches("\nafter ").count(), 3, "tables after 500, 1000, 1500 events:\n{out}");
    let table = end_table(&out);
    for (i, slab) in ["slub", "slab"].iter().enumerate() {
        let (code, rep, err) = slabscope(&["replay", "--quiet", "--slab", slab, TRACE]);
        assert_eq!(code, 0, "{err}");
        let line = rep.lines().find(|l| l.starts_with("simulated ops:")).unwrap();
        let f: Vec<&str> = line.split_whitespace().collect();
        assert_eq!(cell(&table, "ops", i), f[2], "{slab}");
        assert_eq!(cell(&table, "micro-events", i), f[4], "{slab}");
        // Pages used = all pages (256 MiB) - free in the buddy lists (pcp is off).
        let free: u64 = rep
            .lines()
            .filter(|l| l.starts_with("Node "))
            .flat_map(|l| {
                l.split_whitespace()
                    .skip(4)
                    .enumerate()
                    .map(|(o, n)| n.parse::<u64>().unwrap() << o)
                    .collect::<Vec<_>>()
            })
            .sum();
        assert_eq!(cell(&table, "pages used", i), ((256u64 << 20) / 4096 - free).to_string(), "{slab}");
    }
}

#[test]
fn json_series_share_positions() {
    let path = temp("json.ops", SCRIPT);
    let (code, out, err) = slabscope(&[
        "compare",
        "--json",
        "--every",
        "10",
        "--config=slab=slub",
        "--config=slab=aether",
        path.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{err}");
    let v: serde_json::Value = serde_json::from_str(out.trim()).unwrap();
    let cols = v["columns"].as_array().unwrap();
    assert_eq!(cols.len(), 2);
    assert_eq!(cols[1]["machine"], "mem=16M cpus=2 slab=aether");
    let pos = |c: &serde_json::Value| {
        c["series"].as_array().unwrap().iter().map(|m| m["position"].as_u64().unwrap()).collect::<Vec<_>>()
    };
    assert_eq!(pos(&cols[0]), pos(&cols[1]));
    assert_eq!(pos(&cols[0])[..3], [0, 10, 20]);
    assert_eq!(*pos(&cols[0]).last().unwrap(), v["positions"].as_u64().unwrap());
}

#[test]
fn bad_input_is_refused_with_located_messages() {
    let path = temp("bad.ops", SCRIPT);
    let p = path.to_str().unwrap();
    let five: Vec<&str> = ["compare"].into_iter().chain(["--config", "slab=slub"].repeat(5)).chain([p]).collect();
    let (code, _, err) = slabscope(&five);
    assert_eq!(code, 2);
    assert!(err.contains("at most 4 configurations can be compared (5 given)"), "{err}");
    let (code, _, err) = slabscope(&["compare", "--config", "slab=slub cpu=2", p]);
    assert_eq!(code, 2);
    assert!(err.contains("--config 1 \"slab=slub cpu=2\", column 11:") && err.contains("did you mean `cpus`"), "{err}");
    let (code, _, err) = slabscope(&["compare", "--config", "slab=slop", p]);
    assert_eq!(code, 2);
    assert!(err.contains("column 6"), "the value's column: {err}");
    let (code, _, err) = slabscope(&["compare", p]);
    assert_eq!(code, 2, "{err}");
    let (code, _, err) = slabscope(&["compare", "--config", "slab=slub", "--every", "0", p]);
    assert_eq!(code, 2, "{err}");
    // An op that fails under one configuration: located in the script, naming the configuration.
    let oom = temp("oom.ops", "config mem=1M\nrepeat 40 { pages alloc order=0 as=p[] }\n");
    let (code, _, err) = slabscope(&["compare", "--config", "", "--config", "mem=128K", oom.to_str().unwrap()]);
    assert_eq!(code, 1);
    assert!(err.contains("oom.ops:2:1:") && err.contains("(under --config 2 \"mem=128K\")"), "{err}");
    let bad = temp("typo.ops", "kmalloc 10 as=a\nkmaloc 3\n");
    let (code, _, err) = slabscope(&["compare", "--config", "slab=slab", bad.to_str().unwrap()]);
    assert_eq!(code, 1);
    assert!(err.contains("typo.ops:2:1:"), "{err}");
    let (code, _, err) = slabscope(&["compare", "--config", "slab=slab", "/nonexistent/x.ops"]);
    assert_eq!(code, 1, "{err}");
    assert!(!err.contains("panicked"));
}

const BEFORE: &str = "slabinfo - version: 2.1
# name            <active_objs> <num_objs> <objsize> <objperslab> <pagesperslab> : tunables <limit> <batchcount> <sharedfactor> : slabdata <active_slabs> <num_slabs> <sharedavail>
dentry              1000   1050    192   21    1 : tunables    0    0    0 : slabdata     50     50      0
inode_cache          300    300    600   13    2 : tunables    0    0    0 : slabdata     24     24      0
kmalloc-64           640    640     64   64    1 : tunables    0    0    0 : slabdata     10     10      0
";
const AFTER: &str = "slabinfo - version: 2.1
dentry              2000   2100    192   21    1 : tunables    0    0    0 : slabdata    100    100      0
inode_cache          300    300    600   13    2 : tunables    0    0    0 : slabdata     24     24      0
kmalloc-64           600    640     64   64    1 : tunables    0    0    0 : slabdata     10     10      0
ext4_inode          12     12   1096   12    4 : tunables    0    0    0 : slabdata      1      1      0
";

#[test]
fn diff_prints_per_cache_deltas_sorted_by_memory() {
    let (a, b) = (temp("a.slabinfo", BEFORE), temp("b.slabinfo", AFTER));
    let ba = temp("a.buddyinfo", "Node 0, zone   Normal   10 5 3 0 0 0 0 0 0 0 1\n");
    let bb = temp("b.buddyinfo", "Node 0, zone   Normal    2 5 4 0 0 0 0 0 0 0 0\n");
    let (code, out, err) = slabscope(&[
        "diff",
        a.to_str().unwrap(),
        b.to_str().unwrap(),
        "--buddyinfo",
        ba.to_str().unwrap(),
        bb.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{err}");
    let rows: Vec<&str> = out.lines().skip(2).take(3).collect();
    assert!(rows[0].starts_with("dentry") && rows[0].contains("+1000") && rows[0].contains("+200 KiB"), "{out}");
    assert!(rows[1].starts_with("ext4_inode") && rows[1].contains("+16 KiB") && rows[1].ends_with("(new)"), "{out}");
    assert!(rows[2].starts_with("kmalloc-64") && rows[2].contains("-40"), "{out}");
    assert!(out.contains("total slab memory change: +216 KiB; 1 cache(s) unchanged"), "{out}");
    let delta = out.lines().find(|l| l.contains("Normal delta")).unwrap();
    let f: Vec<&str> = delta.split_whitespace().collect();
    assert_eq!(&f[f.len() - 12..], ["-8", "+0", "+1", "+0", "+0", "+0", "+0", "+0", "+0", "+0", "-1", "-1028"]);
}

#[test]
fn diff_errors_are_located_in_their_file() {
    let a = temp("ok.slabinfo", BEFORE);
    let broken = temp(
        "broken.slabinfo",
        "slabinfo - version: 2.1\ndentry 1000 1x50 192 21 1 : tunables 0 0 0 : slabdata 50 50 0\n",
    );
    let (code, _, err) = slabscope(&["diff", a.to_str().unwrap(), broken.to_str().unwrap()]);
    assert_eq!(code, 1);
    assert!(err.contains("broken.slabinfo:2:13: <num_objs>: `1x50` is not a number"), "{err}");
    let bi = temp("bad.buddyinfo", "Node 0, zone Normal 1 2\n");
    let (code, _, err) = slabscope(&[
        "diff",
        a.to_str().unwrap(),
        a.to_str().unwrap(),
        "--buddyinfo",
        bi.to_str().unwrap(),
        bi.to_str().unwrap(),
    ]);
    assert_eq!(code, 1);
    assert!(err.contains("bad.buddyinfo:1:24: expected 11 counts"), "{err}");
    let (code, _, err) = slabscope(&["diff", a.to_str().unwrap()]);
    assert_eq!(code, 2, "{err}");
    let (code, _, _) = slabscope(&["diff", a.to_str().unwrap(), "/nonexistent/b"]);
    assert_eq!(code, 1);
}

/// s6-compare (#19 item 3): the trace comparison's figures, as `--json`, equal a golden file that
/// the browser suite also checks the web's Compare columns against (e2e/tests/compare.test.mjs),
/// so the web's trace columns equal the CLI's; and the golden's end figures are `replay`'s.
#[test]
fn trace_compare_json_is_the_golden_the_web_is_checked_against() {
    let golden_path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/golden/compare-trace-2000.json");
    let (code, out, err) = slabscope(&["compare", "--config", "slab=slub", "--config", "slab=slab", "--json", TRACE]);
    assert_eq!(code, 0, "{err}");
    let got: serde_json::Value = serde_json::from_str(&out).unwrap();
    let golden: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(golden_path).unwrap()).unwrap();
    assert_eq!(got, golden, "regenerate with: slabscope compare --config slab=slub --config slab=slab --json TRACE");
    for (i, slab) in ["slub", "slab"].iter().enumerate() {
        let end = golden["columns"][i]["series"].as_array().unwrap().last().unwrap();
        let (code, rep, err) = slabscope(&["replay", "--quiet", "--slab", slab, TRACE]);
        assert_eq!(code, 0, "{err}");
        let line = rep.lines().find(|l| l.starts_with("simulated ops:")).unwrap();
        let f: Vec<&str> = line.split_whitespace().collect();
        assert_eq!(end["ops"].to_string(), f[2], "{slab}");
        assert_eq!(end["events"].to_string(), f[4], "{slab}");
    }
}
