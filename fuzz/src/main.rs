//! `slabscope-fuzz`: the fuzzing harness behind `cargo xtask fuzz`.
//!
//! ```text
//! slabscope-fuzz campaign [--seconds N] [--target script|snapshot|lesson|trace|all] [--seed S] [--save DIR]
//! slabscope-fuzz case TARGET FILE      run one case (what the campaign runs in a child process)
//! ```
//!
//! A campaign generates inputs (scripts from the op grammar; mutations of the repository's
//! `examples/*.ops`, `lessons/*.toml`, trace and snapshot samples) and runs each one in a child
//! process (`case`) under a memory limit (`ulimit -v`) and a CPU-time limit (`ulimit -t`), so that a stack
//! overflow, an abort or a hang is caught like a panic. The child runs the core's oracle
//! (`slabscope_core::oracle::run_case`): every slab policy, every checker after every op, "a
//! failed op changes nothing", seek = straight execution. A failing case is minimised (line, then
//! token deletion) and saved under `core/tests/fuzz/<target>/`, where
//! `core/tests/fuzz_regressions.rs` replays it on every `cargo test`.

use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode, Stdio};
use std::time::{Duration, Instant};

use slabscope_core::oracle::{run_case_bytes, Target};

/// Per-case CPU-time limit (`ulimit -t`; CPU time, not wall-clock, so that a loaded machine does
/// not turn slow cases into "hangs"). A case runs under every `oracle::policy_configs` machine with
/// the checkers after every op, and a check is O(state): with eleven machines a 4,095-op repeat
/// takes 11–16 s of CPU in a release build, so the limit is 30 s. (Profiled in s8: the checkers,
/// not first fit, were the cost; SLOB's was the dearest — every live block against every free
/// block, a memory lookup per 16-bit word — and is linear since s8-contract. What is left is
/// common to the policies: `Sim::check`'s liveness lookup of every binding, and the oracle's
/// clone of the state before each op; BENCHMARKS.md, session 8 — SLOB checker.)
const CASE_SECONDS: u64 = 30;
/// Per-case wall-clock limit (a child blocked on something else than the CPU).
const CASE_WALL_SECONDS: u64 = 120;
/// Per-case address-space limit (KiB, for `ulimit -v`).
const CASE_MEMORY_KIB: u64 = 4 << 20;
/// Exit status of a child whose case the oracle rejected.
const FINDING: i32 = 70;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("fuzz lives in the workspace").to_path_buf()
}

/// A small deterministic generator (SplitMix64): campaigns are reproducible from their seed.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
    fn pick<'a, T>(&mut self, v: &'a [T]) -> &'a T {
        &v[self.below(v.len())]
    }
    fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }
}

/// Numbers that find edges: zero, one, powers of two and their neighbours, the type limits.
const INTERESTING: &[&str] = &[
    "0",
    "1",
    "2",
    "7",
    "8",
    "9",
    "10",
    "11",
    "63",
    "64",
    "255",
    "256",
    "4095",
    "4096",
    "4097",
    "8192",
    "32768",
    "65535",
    "1048576",
    "2147483647",
    "4294967295",
    "4294967296",
    "4503599627370497",
    "9223372036854775807",
    "18446744073709551615",
    "18446744073709551616",
    "99999999999999999999",
    "0x0",
    "0xffffffffffffffff",
    "-1",
    "-4096",
];

const NAMES: &[&str] = &["a", "b", "c", "L[]", "M[]"];
const REFS: &[&str] = &["a", "b", "c", "L[0]", "L[1]", "L[*]", "M[*]", "M[3]", "x"];
const CACHES: &[&str] = &["foo", "bar", "kmalloc-64", "kmalloc-8"];

fn num(r: &mut Rng, max: u64) -> String {
    if r.chance(15) {
        r.pick(INTERESTING).to_string()
    } else {
        (r.next() % max.max(1)).to_string()
    }
}

/// One statement from the op grammar (docs/op-language.md).
fn statement(r: &mut Rng, depth: u32) -> String {
    let name = *r.pick(NAMES);
    let rf = *r.pick(REFS);
    let cache = *r.pick(CACHES);
    let cpu = if r.chance(30) { format!(" cpu={}", num(r, 6)) } else { String::new() };
    match r.below(19) {
        0 | 1 => format!("pages alloc order={}{cpu} as={name}", num(r, 11)),
        2 => format!("pages free {rf}{cpu}"),
        3..=5 => format!("kmalloc {}{cpu} as={name}", r.pick(&["8", "16", "64", "96", "192", "1000", "4096", "9000"])),
        6 | 7 => format!("kfree {rf}{cpu}"),
        8 => {
            let flags =
                *r.pick(&["", " flags=hwcache_align", " flags=poison,red_zone", " flags=store_user", " flags=bogus"]);
            format!("cache create {cache} size={}{flags}", num(r, 600))
        }
        9 => format!("cache alloc {cache}{cpu} as={name}"),
        10 => format!("cache free {rf}{cpu}"),
        11 => format!("cache destroy {cache}"),
        12 => format!("cache validate {cache}"),
        13 => format!("write {} offset={} len={} byte={}", r.pick(REFS), num(r, 64), num(r, 32), num(r, 256)),
        14 => format!("krealloc {} {}{}", r.pick(REFS), num(r, 300), if r.chance(30) { " zero" } else { "" }),
        15 => format!("malloc {} thread={} as={name}", num(r, 70), num(r, 4)),
        16 => format!("free {rf}"),
        17 => r
            .pick(&[
                "shrink",
                "reap",
                "show stats",
                "show buddyinfo",
                "show slabinfo",
                "show leaks",
                "show slabs",
                "show superslabs",
                "show sysfs foo",
            ])
            .to_string(),
        _ if depth < 3 => {
            let n = if r.chance(10) { num(r, 1 << 20) } else { num(r, 12) };
            let body: Vec<String> = (0..1 + r.below(4)).map(|_| statement(r, depth + 1)).collect();
            format!("repeat {n} {{\n{}\n}}", body.join("\n"))
        }
        _ => "show stats".to_string(),
    }
}

const CONFIGS: &[&str] = &[
    "",
    "config slab=slab",
    "config slab=aether",
    "config slab=sheaves",
    "config percpu=magazine",
    "config slub_debug=FZPU",
    "config slub_debug=P",
    "config hardened=on freelist_random=on",
    "config mem=1M cpus=2 nodes=2 pcp=on",
    "config mem=64K",
    "config slab=aether per_cpu_cache_size=1 bulk_transfer_size=1 slab_release_threshold=0",
];

fn generate_script(r: &mut Rng) -> String {
    let mut s = String::new();
    let _ = writeln!(s, "{}", r.pick(CONFIGS));
    let mut g = Story::default();
    for _ in 0..1 + r.below(30) {
        let line = if r.chance(60) { g.next(r) } else { statement(r, 0) };
        let _ = writeln!(s, "{line}");
    }
    s
}

/// A generator of coherent op sequences: it remembers what it bound and created, so frees,
/// writes and cache ops hit real objects (and sometimes hit them twice).
#[derive(Default)]
struct Story {
    /// Bound names with the command that frees them.
    bound: Vec<(String, &'static str)>,
    caches: Vec<String>,
    fresh: u32,
}

impl Story {
    fn next(&mut self, r: &mut Rng) -> String {
        self.fresh += 1;
        let name = format!("n{}", self.fresh);
        let cpu = if r.chance(30) { format!(" cpu={}", r.below(4)) } else { String::new() };
        match r.below(10) {
            0 | 1 => {
                self.bound.push((name.clone(), "kfree"));
                format!("kmalloc {} as={name}{cpu}", r.pick(&["8", "24", "64", "200", "1024", "5000", "20000"]))
            }
            2 => {
                self.bound.push((name.clone(), "pages free"));
                format!("pages alloc order={} as={name}{cpu}", r.below(5))
            }
            3 => {
                self.bound.push((name.clone(), "free"));
                format!("malloc {} thread={} as={name}", 1 + r.below(64), r.below(3))
            }
            4 => {
                let c = format!("c{}", self.caches.len());
                let line = format!("cache create {c} size={} align={}", 1 + r.below(500), r.pick(&["0", "8", "64"]));
                self.caches.push(c);
                line
            }
            5 if !self.caches.is_empty() => {
                let c = r.pick(&self.caches).clone();
                self.bound.push((name.clone(), "cache free"));
                format!("cache alloc {c} as={name}{cpu}")
            }
            6 if !self.caches.is_empty() => {
                let c = r.pick(&self.caches).clone();
                format!("cache {} {c}", r.pick(&["destroy", "validate"]))
            }
            7 if !self.bound.is_empty() => {
                let (n, _) = r.pick(&self.bound).clone();
                let off = *r.pick(&["-16", "-8", "0", "8", "16", "24", "60", "4090"]);
                format!("write {n} offset={off} len={} byte={}", 1 + r.below(16), r.below(256))
            }
            8 if !self.bound.is_empty() => {
                let (n, _) = r.pick(&self.bound).clone();
                format!("krealloc {n} {}", 1 + r.below(3000))
            }
            _ if !self.bound.is_empty() => {
                let i = r.below(self.bound.len());
                let (n, how) = self.bound[i].clone();
                // Usually forget it once freed; sometimes keep it to free it again.
                if r.chance(75) {
                    self.bound.remove(i);
                }
                format!("{how} {n}{cpu}")
            }
            _ => r.pick(&["shrink", "reap", "show slabinfo", "show stats"]).to_string(),
        }
    }
}

/// Mutate `src`: delete, duplicate, swap or splice lines; replace numbers; insert bytes or braces.
fn mutate(r: &mut Rng, src: &str, corpus: &[String]) -> String {
    let mut lines: Vec<String> = src.lines().map(String::from).collect();
    for _ in 0..1 + r.below(4) {
        if lines.is_empty() {
            lines.push(String::new());
        }
        let i = r.below(lines.len());
        match r.below(9) {
            0 => {
                lines.remove(i);
            }
            1 => {
                let l = lines[i].clone();
                lines.insert(i, l);
            }
            2 => {
                let j = r.below(lines.len());
                lines.swap(i, j);
            }
            3 => {
                let other = r.pick(corpus);
                let ol: Vec<&str> = other.lines().collect();
                if !ol.is_empty() {
                    lines.insert(i, ol[r.below(ol.len())].to_string());
                }
            }
            4 | 5 => {
                // Replace a number (a run of digits) with an interesting one.
                let l = &lines[i];
                let starts: Vec<usize> = l
                    .char_indices()
                    .filter(|&(k, c)| c.is_ascii_digit() && (k == 0 || !l.as_bytes()[k - 1].is_ascii_digit()))
                    .map(|(k, _)| k)
                    .collect();
                if !starts.is_empty() {
                    let a = starts[r.below(starts.len())];
                    let b = l[a..].find(|c: char| !c.is_ascii_digit()).map_or(l.len(), |e| a + e);
                    lines[i] = format!("{}{}{}", &l[..a], r.pick(INTERESTING), &l[b..]);
                }
            }
            6 => {
                let ins = *r.pick(&[
                    "{",
                    "}",
                    "repeat 3 {",
                    "repeat 100000 {",
                    ";",
                    "=",
                    "[",
                    "]",
                    "\"",
                    "\u{0}",
                    "é",
                    "\u{feff}",
                    "'''",
                    "[[step]]",
                    "#",
                ]);
                let l = &lines[i];
                let mut at = r.below(l.len() + 1);
                while !l.is_char_boundary(at) {
                    at -= 1;
                }
                lines[i] = format!("{}{ins}{}", &l[..at], &l[at..]);
            }
            7 => {
                let l = &mut lines[i];
                let mut at = r.below(l.len() + 1);
                while !l.is_char_boundary(at) {
                    at -= 1;
                }
                l.truncate(at);
            }
            _ => {
                let n = r.below(lines.len() + 1);
                lines.truncate(n.max(1));
            }
        }
    }
    let mut out = lines.join("\n");
    out.push('\n');
    out
}

fn read_dir(dir: &Path, ext: &str) -> Vec<String> {
    let mut v: Vec<PathBuf> =
        std::fs::read_dir(dir).map(|d| d.filter_map(Result::ok).map(|e| e.path()).collect()).unwrap_or_default();
    v.retain(|p| p.to_string_lossy().ends_with(ext));
    v.sort();
    v.iter().filter_map(|p| std::fs::read_to_string(p).ok()).collect()
}

/// Seed inputs for each target, from the repository.
fn corpus(target: Target) -> Vec<String> {
    let root = root();
    let mut v = match target {
        Target::Script => {
            let mut v = read_dir(&root.join("examples"), ".ops");
            v.extend(read_dir(&root.join("core/tests/data"), ".ops"));
            // The ops of every lesson step, as scripts.
            for l in read_dir(&root.join("lessons"), ".toml") {
                for line in l.lines() {
                    if let Some(ops) = line.strip_prefix("ops = \"").and_then(|o| o.strip_suffix('"')) {
                        v.push(ops.replace("\\n", "\n"));
                    }
                }
            }
            v
        }
        Target::Lesson => read_dir(&root.join("lessons"), ".toml"),
        Target::Trace => {
            let t = std::fs::read_to_string(root.join("core/tests/data/kmem-ls-sort-2000.perf.txt")).unwrap_or_default();
            let lines: Vec<&str> = t.lines().collect();
            let mut v: Vec<String> = lines.chunks(40).map(|c| c.join("\n")).collect();
            v.push(t.clone());
            v
        }
        Target::Snapshot => vec![
            "Node 0, zone      DMA      1      1      0      1      2      1      1      0      1      1      3 \n\
             Node 0, zone    DMA32      5      2      3      1      0      0      1      1      0      1      1 \n\
             Node 0, zone   Normal    345    120     80     33     12      4      2      1      0      1      2 \n"
                .to_string(),
            "Node 0, zone   Normal      6      3      3      2      2      1      2      1      1      2      4 \n\
             Node 1, zone   Normal      0      1      0      0      0      0      0      0      0      0      9 \n"
                .to_string(),
            "slabinfo - version: 2.1\n# name            <active_objs> <num_objs> <objsize> <objperslab> <pagesperslab> : tunables <limit> <batchcount> <sharedfactor> : slabdata <active_slabs> <num_slabs> <sharedavail>\n\
             dentry             12096  12096    192   21    1 : tunables    0    0    0 : slabdata    576    576      0\n\
             inode_cache         3360   3360    608   26    4 : tunables    0    0    0 : slabdata    130    130      0\n\
             kmalloc-64          2048   2048     64   64    1 : tunables    0    0    0 : slabdata     32     32      0\n"
                .to_string(),
        ],
    };
    if v.is_empty() {
        v.push(String::new());
    }
    v
}

fn input_for(r: &mut Rng, target: Target, corpus: &[String]) -> String {
    match target {
        Target::Script if r.chance(50) => generate_script(r),
        Target::Lesson if r.chance(20) => {
            // A valid lesson skeleton around generated ops.
            let ops = generate_script(r).lines().skip(1).collect::<Vec<_>>().join("; ").replace('"', "");
            format!(
                "id = \"fuzz\"\nlevel = 1\nminutes = 1\nconfig = \"{}\"\npanels = [\"memory\"]\n[title]\nen = \"T\"\nja = \"題\"\n[summary]\nen = \"S\"\nja = \"要約\"\n[[step]]\nops = \"{}\"\nsay.en = \"x\"\nsay.ja = \"説明\"\n",
                r.pick(CONFIGS).trim_start_matches("config "),
                ops.replace(['{', '}'], "")
            )
        }
        _ => {
            let base = r.pick(corpus).clone();
            mutate(r, &base, corpus)
        }
    }
}

/// The real `perf kmem` fixture (gzip), when the machine has it.
const SHARED_FIXTURE: &str = "/work/shared/fixtures/kmem-ls-sort.perf.txt.gz";

/// Bytes that break lines apart: invalid UTF-8, a cut multi-byte sequence, CR, NUL, a line
/// longer than the loader's line limit.
fn byte_noise(r: &mut Rng) -> Vec<u8> {
    match r.below(7) {
        0 => vec![0xff],
        1 => vec![0xc3],
        2 => vec![0xe3, 0x81],
        3 => b"\r".to_vec(),
        4 => vec![0],
        5 => vec![b'a'; 70_000],
        _ => b"\n\n".to_vec(),
    }
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    use std::io::Write as _;
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    let _ = e.write_all(bytes);
    e.finish().unwrap_or_default()
}

/// What a streaming reader gets out of (possibly corrupt) gzip bytes before it stops: the
/// decompressed prefix (at most `cap` bytes), as the CLI would feed it to the loader.
fn gunzip_prefix(gz: &[u8], cap: usize) -> Vec<u8> {
    use std::io::Read as _;
    let mut d = flate2::read::MultiGzDecoder::new(gz);
    let mut out = Vec::new();
    let mut buf = [0u8; 8192];
    while out.len() < cap {
        match d.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => out.extend_from_slice(&buf[..n.min(cap - out.len())]),
        }
    }
    out
}

/// A trace case: a mutated sample (lines, then bytes), or gzip bytes — of a mutated sample or of
/// the real fixture — with flipped bytes or cut short, decompressed as far as they go.
fn trace_input(r: &mut Rng, corpus: &[String], fixture_gz: &[u8]) -> Vec<u8> {
    let base = r.pick(corpus).clone();
    let text = mutate(r, &base, corpus).into_bytes();
    if r.chance(35) {
        let mut gz = if !fixture_gz.is_empty() && r.chance(30) { fixture_gz.to_vec() } else { gzip(&text) };
        for _ in 0..r.below(4) {
            let i = r.below(gz.len());
            gz[i] ^= 1 << r.below(8);
        }
        if gz.is_empty() || r.chance(50) {
            let n = r.below(gz.len() + 1);
            gz.truncate(n);
        }
        return gunzip_prefix(&gz, 64 << 20);
    }
    let mut bytes = text;
    for _ in 0..r.below(4) {
        let at = r.below(bytes.len() + 1);
        let noise = byte_noise(r);
        bytes.splice(at..at, noise);
    }
    if r.chance(20) {
        let n = r.below(bytes.len() + 1);
        bytes.truncate(n);
    }
    bytes
}

/// How a child ended.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Verdict {
    Ok,
    Finding(String),
    Crash(String),
    Hang,
}

impl Verdict {
    fn bad(&self) -> bool {
        *self != Verdict::Ok
    }
    /// Same kind of failure (what minimisation must keep).
    fn same_kind(&self, other: &Verdict) -> bool {
        match (self, other) {
            (Verdict::Crash(a), Verdict::Crash(b)) | (Verdict::Finding(a), Verdict::Finding(b)) => {
                a.lines().next() == b.lines().next()
            }
            (a, b) => std::mem::discriminant(a) == std::mem::discriminant(b),
        }
    }
}

/// Run one case in a child process under the memory and time limits.
fn run_child(target: Target, input: &[u8], scratch: &Path) -> Verdict {
    let file = scratch.join(format!("case.{}", target.name()));
    if std::fs::write(&file, input).is_err() {
        return Verdict::Crash("cannot write the case file".into());
    }
    let exe = std::env::current_exe().unwrap_or_else(|_| PathBuf::from("slabscope-fuzz"));
    let child = Command::new("sh")
        .arg("-c")
        .arg(format!(
            "ulimit -v {CASE_MEMORY_KIB} 2>/dev/null; ulimit -t {CASE_SECONDS} 2>/dev/null; exec \"$0\" case \"$1\" \"$2\""
        ))
        .arg(&exe)
        .arg(target.name())
        .arg(&file)
        .env("RUST_BACKTRACE", "0")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn();
    let Ok(mut child) = child else { return Verdict::Crash("cannot start the child".into()) };
    let start = Instant::now();
    loop {
        match child.try_wait() {
            Ok(Some(status)) => {
                let mut err = String::new();
                if let Some(mut e) = child.stderr.take() {
                    let _ = std::io::Read::read_to_string(&mut e, &mut err);
                }
                // The first line that names the problem (panic message or finding).
                let what = err
                    .lines()
                    .find(|l| {
                        l.contains("panicked at")
                            || l.contains("finding")
                            || l.contains("overflow")
                            || l.contains("memory")
                    })
                    .unwrap_or("")
                    .to_string();
                // SIGXCPU (24) or SIGKILL (9): the CPU-time limit.
                let cpu_limit = matches!(std::os::unix::process::ExitStatusExt::signal(&status), Some(24 | 9));
                return match status.code() {
                    Some(0) => Verdict::Ok,
                    Some(FINDING) => Verdict::Finding(err.trim().to_string()),
                    Some(c) => Verdict::Crash(format!("exit {c}: {what}\n{err}")),
                    None if cpu_limit => Verdict::Hang,
                    None => Verdict::Crash(format!("killed by a signal: {what}\n{err}")),
                };
            }
            Ok(None) if start.elapsed() > Duration::from_secs(CASE_WALL_SECONDS) => {
                let _ = child.kill();
                let _ = child.wait();
                return Verdict::Hang;
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(2)),
            Err(e) => return Verdict::Crash(format!("wait: {e}")),
        }
    }
}

/// Delete lines, then whitespace-separated tokens, while the failure stays the same kind.
fn minimise(target: Target, input: &str, verdict: &Verdict, scratch: &Path, budget: Duration) -> String {
    let start = Instant::now();
    let mut cur: Vec<String> = input.lines().map(String::from).collect();
    let keeps = |c: &[String]| {
        let mut text = c.join("\n");
        text.push('\n');
        run_child(target, text.as_bytes(), scratch).same_kind(verdict)
    };
    let mut chunk = cur.len().div_ceil(2).max(1);
    while chunk >= 1 && start.elapsed() < budget {
        let mut i = 0;
        let mut removed = false;
        while i < cur.len() && start.elapsed() < budget {
            let mut trial = cur.clone();
            trial.drain(i..(i + chunk).min(trial.len()));
            if !trial.is_empty() && keeps(&trial) {
                cur = trial;
                removed = true;
            } else {
                i += chunk;
            }
        }
        if !removed {
            if chunk == 1 {
                break;
            }
            chunk = chunk.div_ceil(2);
        }
    }
    // Tokens within lines.
    for li in 0..cur.len() {
        let mut t = 0;
        while start.elapsed() < budget {
            let toks: Vec<&str> = cur[li].split(' ').collect();
            if t >= toks.len() || toks.len() == 1 {
                break;
            }
            let line = toks.iter().enumerate().filter(|&(k, _)| k != t).map(|(_, s)| *s).collect::<Vec<_>>().join(" ");
            let mut trial = cur.clone();
            trial[li] = line;
            if keeps(&trial) {
                cur = trial;
            } else {
                t += 1;
            }
        }
    }
    let mut text = cur.join("\n");
    text.push('\n');
    text
}

fn fnv(s: &[u8]) -> u64 {
    s.iter().fold(0xcbf2_9ce4_8422_2325u64, |h, &b| (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3))
}

fn ext(target: Target) -> &'static str {
    match target {
        Target::Script => "ops",
        Target::Lesson => "toml",
        Target::Snapshot | Target::Trace => "txt",
    }
}

struct Args {
    seconds: u64,
    targets: Vec<Target>,
    seed: u64,
    save: PathBuf,
}

fn parse_args(args: &[String]) -> Result<Args, String> {
    let mut a = Args {
        seconds: 60,
        targets: Target::ALL.iter().map(|t| t.0).collect(),
        seed: 1,
        save: root().join("core/tests/fuzz"),
    };
    let mut it = args.iter();
    while let Some(k) = it.next() {
        let mut v = || it.next().cloned().ok_or(format!("{k} needs a value"));
        match k.as_str() {
            "--seconds" => a.seconds = v()?.parse().map_err(|_| "--seconds: not a number")?,
            "--seed" => a.seed = v()?.parse().map_err(|_| "--seed: not a number")?,
            "--save" => a.save = PathBuf::from(v()?),
            "--target" => {
                let t = v()?;
                a.targets = if t == "all" {
                    Target::ALL.iter().map(|t| t.0).collect()
                } else {
                    vec![Target::from_name(&t)
                        .ok_or(format!("unknown target `{t}` (script, snapshot, lesson, trace, all)"))?]
                };
            }
            other => return Err(format!("unknown option {other}")),
        }
    }
    Ok(a)
}

fn campaign(a: &Args) -> bool {
    let scratch = std::env::temp_dir().join(format!("slabscope-fuzz-{}", std::process::id()));
    let _ = std::fs::create_dir_all(&scratch);
    let per_target = Duration::from_secs(a.seconds) / a.targets.len().max(1) as u32;
    let mut clean = true;
    for &target in &a.targets {
        let corpus = corpus(target);
        let mut r = Rng(a.seed ^ fnv(target.name().as_bytes()));
        let fixture_gz =
            if target == Target::Trace { std::fs::read(SHARED_FIXTURE).unwrap_or_default() } else { Vec::new() };
        let start = Instant::now();
        let (mut cases, mut found) = (0u64, BTreeSet::new());
        while start.elapsed() < per_target {
            let input = match target {
                Target::Trace => trace_input(&mut r, &corpus, &fixture_gz),
                _ => input_for(&mut r, target, &corpus).into_bytes(),
            };
            cases += 1;
            let v = run_child(target, &input, &scratch);
            if !v.bad() {
                continue;
            }
            let head = match &v {
                Verdict::Crash(s) | Verdict::Finding(s) => s.lines().next().unwrap_or("").to_string(),
                Verdict::Hang => format!("no answer within {CASE_SECONDS} s of CPU time"),
                Verdict::Ok => String::new(),
            };
            if !found.insert(head.clone()) {
                continue;
            }
            clean = false;
            // Text is minimised; bytes that are not UTF-8 (trace cases) are saved as they are.
            let small = match std::str::from_utf8(&input) {
                Ok(text) => minimise(target, text, &v, &scratch, Duration::from_secs(20)).into_bytes(),
                Err(_) => input.clone(),
            };
            let dir = a.save.join(target.name());
            let _ = std::fs::create_dir_all(&dir);
            let path = dir.join(format!("{:016x}.{}", fnv(&small), ext(target)));
            let _ = std::fs::write(&path, &small);
            eprintln!(
                "fuzz: {}: {head}\n      saved {} ({} lines)",
                target.name(),
                path.display(),
                small.split(|&b| b == b'\n').count()
            );
        }
        println!(
            "fuzz: {:<8} {cases} cases in {:.1} s, {} distinct failure(s)",
            target.name(),
            start.elapsed().as_secs_f64(),
            found.len()
        );
    }
    let _ = std::fs::remove_dir_all(&scratch);
    clean
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some("case") => {
            let (Some(t), Some(f)) = (args.get(1).and_then(|t| Target::from_name(t)), args.get(2)) else {
                eprintln!("usage: slabscope-fuzz case TARGET FILE");
                return ExitCode::from(2);
            };
            let input = match std::fs::read(f) {
                Ok(b) => b,
                Err(e) => {
                    eprintln!("{f}: {e}");
                    return ExitCode::from(2);
                }
            };
            match run_case_bytes(t, &input) {
                Ok(()) => ExitCode::SUCCESS,
                Err(finding) => {
                    eprintln!("finding: {finding}");
                    ExitCode::from(FINDING as u8)
                }
            }
        }
        Some("campaign") => match parse_args(&args[1..]) {
            Ok(a) => {
                if campaign(&a) {
                    println!("fuzz: no failures");
                    ExitCode::SUCCESS
                } else {
                    println!("fuzz: failures saved under {}", a.save.display());
                    ExitCode::FAILURE
                }
            }
            Err(e) => {
                eprintln!("error: {e}");
                ExitCode::from(2)
            }
        },
        _ => {
            eprintln!(
                "usage: slabscope-fuzz campaign [--seconds N] [--target T] [--seed S] [--save DIR] | case TARGET FILE"
            );
            ExitCode::from(2)
        }
    }
}
