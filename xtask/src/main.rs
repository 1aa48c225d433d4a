//! Project automation: `cargo xtask setup|serve|test|dist|bench`.
//!
//! Every command installs what it needs when it is missing (and says nothing when it is present),
//! so a fresh machine needs only Rust (rustup) to start.

use std::env;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode, Stdio};

const TRUNK_VERSION: &str = "0.21.14";
const USAGE: &str = "\
cargo xtask <command>

  serve [--port N]   install what is missing, then serve the app on http://127.0.0.1:PORT (default 8080)
  test               everything CI checks: fmt, clippy, cargo test, release build, browser suite
  dist               release build into dist/ (relative URLs: copy it under any sub-path)
  bench              criterion benchmarks, the trace replay benchmark, the seek benchmark in WebAssembly, then the browser benchmark (figures: BENCHMARKS.md)
  bench browser [M..] only the browser benchmark (e2e/bench.mjs: frame time, long tasks, DOM, bundle; modules M)
  bench trace [N]    only the trace replay benchmark: fixture x16, N and 2N synthetic events (default N 1000000) vs awk on the same files
  setup              install the toolchain pieces only (wasm32 target, trunk, wasm-bindgen-cli)
  fuzz [--seconds N] [--target script|snapshot|lesson|trace|url|all] [--seed S]
                     fuzz campaign (default 60 s over every core target); failures are minimised
                     and saved under core/tests/fuzz/<target>/ (replayed by cargo test)
";

/// Seconds of the bounded fuzz campaign `cargo xtask test` runs (the whole check stays under 2 minutes).
const TEST_FUZZ_SECONDS: &str = "40";

/// `cargo xtask fuzz`: the core targets run in the `slabscope-fuzz` harness (release build, each
/// case in a child process under time and memory limits); `url` runs the browser fuzz test.
fn fuzz(args: &[String]) -> bool {
    let target = args.iter().position(|a| a == "--target").and_then(|i| args.get(i + 1)).map(String::as_str);
    let url = matches!(target, Some("url" | "all"));
    let mut ok = true;
    if target != Some("url") {
        let mut core_args: Vec<String> = args.to_vec();
        if let Some(i) = core_args.iter().position(|a| a == "--target") {
            if target == Some("all") {
                core_args.drain(i..(i + 2).min(core_args.len()));
            }
        }
        ok &= run(cmd("cargo")
            .args(["run", "--release", "--quiet", "-p", "slabscope-fuzz", "--", "campaign"])
            .args(&core_args));
    }
    if url {
        ok &= setup() && setup_browser() && trunk_build();
        ok &= run(cmd("node")
            .args(["--test", "--test-reporter=spec", "e2e/tests/fuzz-url.test.mjs"])
            .env("SLABSCOPE_DIST", root().join("dist")));
    }
    ok
}

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("xtask lives in the workspace").to_path_buf()
}

fn say(msg: &str) {
    eprintln!("xtask: {msg}");
}

fn cmd(program: &str) -> Command {
    let mut c = Command::new(program);
    c.current_dir(root());
    c
}

/// Run a command, inheriting output; true on success.
fn run(c: &mut Command) -> bool {
    match c.status() {
        Ok(s) => s.success(),
        Err(e) => {
            say(&format!("could not start {:?}: {e}", c.get_program()));
            false
        }
    }
}

/// Run a command, capturing stdout (stderr inherited); None on failure.
fn output(c: &mut Command) -> Option<String> {
    let out = c.stderr(Stdio::inherit()).output().ok()?;
    out.status.success().then(|| String::from_utf8_lossy(&out.stdout).into_owned())
}

fn quiet_output(c: &mut Command) -> Option<String> {
    let out = c.stderr(Stdio::null()).output().ok()?;
    out.status.success().then(|| String::from_utf8_lossy(&out.stdout).into_owned())
}

fn have(program: &str, args: &[&str]) -> Option<String> {
    quiet_output(Command::new(program).args(args))
}

/// The `wasm-bindgen` version pinned in Cargo.lock.
fn locked_wasm_bindgen() -> Option<String> {
    let lock = fs::read_to_string(root().join("Cargo.lock")).ok()?;
    let mut lines = lock.lines();
    while let Some(l) = lines.next() {
        if l == "name = \"wasm-bindgen\"" {
            let v = lines.next()?;
            return v.strip_prefix("version = \"")?.strip_suffix('"').map(String::from);
        }
    }
    None
}

fn setup() -> bool {
    let targets = have("rustup", &["target", "list", "--installed"]).unwrap_or_default();
    if !targets.lines().any(|t| t.trim() == "wasm32-unknown-unknown") {
        say("adding the wasm32-unknown-unknown target");
        if !run(cmd("rustup").args(["target", "add", "wasm32-unknown-unknown"])) {
            return false;
        }
    }
    let trunk_ok = have("trunk", &["--version"]).is_some_and(|v| v.contains(TRUNK_VERSION));
    if !trunk_ok {
        say(&format!("installing trunk {TRUNK_VERSION} (takes ~13 minutes once)"));
        if !run(cmd("cargo").args(["install", "trunk", "--version", TRUNK_VERSION, "--locked"])) {
            return false;
        }
    }
    if !root().join("Cargo.lock").exists() {
        run(cmd("cargo").args(["generate-lockfile", "--offline"]));
    }
    let Some(wbg) = locked_wasm_bindgen() else {
        say("Cargo.lock names no wasm-bindgen version");
        return false;
    };
    let wbg_ok = have("wasm-bindgen", &["--version"]).is_some_and(|v| v.split_whitespace().nth(1) == Some(&wbg));
    if !wbg_ok {
        say(&format!("installing wasm-bindgen-cli {wbg}"));
        // Not --locked: its lockfile names a crate version the registry lacks.
        if !run(cmd("cargo").args(["install", "wasm-bindgen-cli", "--version", &wbg])) {
            return false;
        }
    }
    true
}

fn apt_install(packages: &[&str]) -> bool {
    say(&format!("installing {} from Debian", packages.join(" ")));
    let sudo = if have("id", &["-u"]).is_some_and(|u| u.trim() == "0") { None } else { Some("sudo") };
    let mk = |args: &[&str]| {
        let mut c = match sudo {
            Some(s) => {
                let mut c = cmd(s);
                c.arg("apt-get");
                c
            }
            None => cmd("apt-get"),
        };
        c.args(args).env("DEBIAN_FRONTEND", "noninteractive");
        c
    };
    run(&mut mk(&["update", "-qq"])) && run(mk(&["install", "-y", "-qq"]).args(packages))
}

/// Debian chromium + CJK fonts, and the browser suite's npm packages.
fn setup_browser() -> bool {
    let mut missing = Vec::new();
    if !Path::new("/usr/bin/chromium").exists() {
        missing.extend(["chromium", "chromium-driver"]);
    }
    if !Path::new("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc").exists() {
        missing.push("fonts-noto-cjk");
    }
    if !missing.is_empty() && !apt_install(&missing) {
        return false;
    }
    let e2e = root().join("e2e");
    let stamp = e2e.join("node_modules/.package-lock.json");
    let lock = e2e.join("package-lock.json");
    let fresh = match (fs::read(&stamp), fs::read(&lock)) {
        (Ok(_), Ok(_)) => {
            stamp.metadata().and_then(|s| s.modified()).ok() >= lock.metadata().and_then(|l| l.modified()).ok()
        }
        _ => false,
    };
    if !fresh {
        say("installing the browser suite's npm packages");
        if !run(cmd("npm").args(["ci", "--prefix", "e2e", "--no-audit", "--no-fund", "--loglevel=error"])) {
            return false;
        }
    }
    true
}

fn trunk_build() -> bool {
    run(cmd("trunk").args(["build", "--release", "--offline"]))
}

fn serve(args: &[String]) -> bool {
    let port =
        args.iter().position(|a| a == "--port").and_then(|i| args.get(i + 1)).cloned().unwrap_or_else(|| "8080".into());
    if !setup() {
        return false;
    }
    println!("Slabscope: http://127.0.0.1:{port}/  (Ctrl-C stops)");
    run(cmd("trunk").args(["serve", "--offline", "--address", "127.0.0.1", "--port", &port]))
}

/// One check's outcome.
struct Check {
    name: &'static str,
    passed: u64,
    failed: u64,
    ok: bool,
}

/// Sum the `test result:` lines of cargo test output.
fn cargo_test_counts(out: &str) -> (u64, u64) {
    let mut p = 0;
    let mut f = 0;
    for l in out.lines().filter(|l| l.starts_with("test result:")) {
        let num = |word: &str| {
            l.split(';')
                .find(|part| part.trim_end().ends_with(word))
                .and_then(|part| part.split_whitespace().rev().nth(1))
                .and_then(|n| n.parse::<u64>().ok())
                .unwrap_or(0)
        };
        p += num("passed");
        f += num("failed");
    }
    (p, f)
}

/// Run a command, echoing and capturing its combined stdout.
fn tee(c: &mut Command) -> (bool, String) {
    match c.stdout(Stdio::piped()).stderr(Stdio::inherit()).spawn() {
        Err(e) => {
            say(&format!("could not start {:?}: {e}", c.get_program()));
            (false, String::new())
        }
        Ok(child) => {
            let out = child.wait_with_output().expect("wait for child");
            let text = String::from_utf8_lossy(&out.stdout).into_owned();
            print!("{text}");
            (out.status.success(), text)
        }
    }
}

fn test() -> bool {
    let mut checks: Vec<Check> = Vec::new();
    let step = |name: &'static str, ok: bool| Check { name, passed: u64::from(ok), failed: u64::from(!ok), ok };
    if !setup() || !setup_browser() {
        say("setup failed");
        println!("xtask: 0 passed, 1 failed");
        return false;
    }
    say("rustfmt");
    checks.push(step("rustfmt", run(cmd("cargo").args(["fmt", "--all", "--check"]))));
    say("clippy");
    checks.push(step(
        "clippy",
        run(cmd("cargo").args(["clippy", "--workspace", "--all-targets", "--", "-D", "warnings"])),
    ));
    checks.push(step(
        "clippy (wasm32)",
        run(cmd("cargo").args([
            "clippy",
            "-p",
            "slabscope-web",
            "--target",
            "wasm32-unknown-unknown",
            "--",
            "-D",
            "warnings",
        ])),
    ));
    say("cargo test");
    let (ok, out) = tee(cmd("cargo").args(["test", "--workspace"]));
    let (p, f) = cargo_test_counts(&out);
    checks.push(Check { name: "cargo test", passed: p, failed: f.max(u64::from(!ok)), ok });
    say("fuzz (bounded campaign)");
    checks.push(step("fuzz", fuzz(&["--seconds".into(), TEST_FUZZ_SECONDS.into()])));
    say("release build (trunk)");
    let built = trunk_build();
    checks.push(step("trunk build --release", built));
    if built {
        say("browser suite");
        let shots = root().join("target/e2e");
        let _ = fs::remove_dir_all(&shots);
        let hash = output(cmd("cargo").args([
            "run",
            "--quiet",
            "-p",
            "slabscope",
            "--",
            "run",
            "--hash",
            "core/tests/data/determinism.ops",
        ]))
        .and_then(|o| o.lines().last().map(|l| l.trim().to_string()))
        .unwrap_or_default();
        let (ok, out) = tee(cmd("node")
            .args(["--test", "--test-reporter=tap", "--test-concurrency=1"])
            .arg("e2e/tests/")
            .env("SLABSCOPE_DIST", root().join("dist"))
            .env("SLABSCOPE_NATIVE_HASH", hash));
        let count = |prefix: &str| {
            out.lines()
                .filter_map(|l| l.strip_prefix(prefix))
                .filter_map(|n| n.trim().parse::<u64>().ok())
                .next_back()
                .unwrap_or(0)
        };
        let (p, f) = (count("# pass "), count("# fail "));
        checks.push(Check { name: "browser suite", passed: p, failed: f.max(u64::from(!ok)), ok });
        say("screenshots: target/e2e/");
    }
    for c in &checks {
        say(&format!(
            "{:<22} {}  ({} passed, {} failed)",
            c.name,
            if c.ok { "ok" } else { "FAILED" },
            c.passed,
            c.failed
        ));
    }
    let passed: u64 = checks.iter().map(|c| c.passed).sum();
    let failed: u64 = checks.iter().map(|c| c.failed).sum();
    println!("xtask: {passed} passed, {failed} failed");
    checks.iter().all(|c| c.ok)
}

fn main() -> ExitCode {
    let args: Vec<String> = env::args().skip(1).collect();
    let ok = match args.first().map(String::as_str) {
        Some("setup") => setup(),
        Some("serve") => serve(&args[1..]),
        Some("test") => test(),
        Some("fuzz") => fuzz(&args[1..]),
        Some("dist") => {
            setup() && trunk_build() && {
                say(&format!("built {}; copy it anywhere (relative URLs)", root().join("dist").display()));
                true
            }
        }
        Some("bench") if args.get(1).map(String::as_str) == Some("trace") => {
            trace_bench(args.get(2).and_then(|n| n.parse().ok()).unwrap_or(1_000_000))
        }
        Some("bench") if args.get(1).map(String::as_str) == Some("browser") => {
            setup() && setup_browser() && trunk_build() && run(cmd("node").arg("e2e/bench.mjs").args(&args[2..]))
        }
        Some("bench") => {
            run(cmd("cargo").args(["bench", "-p", "slabscope-core"]))
                && trace_bench(1_000_000)
                && setup()
                && setup_browser()
                && trunk_build()
                && run(cmd("node").args(["e2e/bench/seek.mjs", "1000000"]))
                && run(cmd("node").arg("e2e/bench.mjs"))
        }
        _ => {
            eprint!("{USAGE}");
            return ExitCode::from(2);
        }
    };
    if ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

/// The trace replay benchmark (issue #18, BENCHMARKS.md "Trace replay"): the repository's fixture
/// concatenated 16 times and `slabscope gen-trace` traces of N and 2N events, written into
/// target/bench/ (never committed). For each, in one run: `awk '{c[$5]++}'` over the same lines and
/// `slabscope replay --quiet --stats`, alternating three times, best CPU time of each; events/s
/// of CPU, the ratio to awk, peak RSS and retained bytes per event (`--stats`), the RSS slope
/// from N to 2N events (memory flat in the number of events but for the retained session), the
/// date and the machine load.
fn trace_bench(events: u64) -> bool {
    if !run(cmd("cargo").args(["build", "--release", "-p", "slabscope"])) {
        return false;
    }
    let dir = root().join("target").join("bench");
    if let Err(e) = fs::create_dir_all(&dir) {
        say(&format!("{}: {e}", dir.display()));
        return false;
    }
    let bin = root().join("target").join("release").join("slabscope");
    // Inputs: (label, file, events).
    let mut inputs = Vec::new();
    let fixture = dir.join("fixture-x16.perf.txt");
    let Some(one) =
        output(Command::new("gzip").args(["-dc"]).arg(root().join("core/tests/data/kmem-ls-sort.perf.txt.gz")))
    else {
        say("gzip -dc of the fixture failed");
        return false;
    };
    if let Err(e) = fs::write(&fixture, one.repeat(16)) {
        say(&format!("{}: {e}", fixture.display()));
        return false;
    }
    inputs.push(("fixture x16".to_string(), fixture));
    for n in [events, 2 * events] {
        let file = dir.join(format!("synthetic-{n}.perf.txt"));
        let Ok(out) = fs::File::create(&file) else {
            say(&format!("cannot create {}", file.display()));
            return false;
        };
        if !run(Command::new(&bin).args(["gen-trace", "--events", &n.to_string()]).stdout(out)) {
            return false;
        }
        inputs.push((format!("synthetic {n}"), file));
    }
    let date = have("date", &["-u", "+%Y-%m-%d %H:%M UTC"]).unwrap_or_default().trim().to_string();
    let load_before = have("uptime", &[]).unwrap_or_default();
    say("| input | events | awk CPU | replay CPU | replay wall | events/s (CPU) | replay / awk | peak RSS | retained B/event |");
    say("|---|---|---|---|---|---|---|---|---|");
    let mut rss = Vec::new();
    for (label, file) in &inputs {
        let path = file.to_string_lossy().into_owned();
        // Wall clock and the CPU time the child used (the machine is shared: CPU seconds are the
        // fairer figure); awk and the replay alternate three times, best of each.
        let (mut awk_cpu, mut replay, mut replay_cpu) = (f64::MAX, f64::MAX, f64::MAX);
        let mut stats = String::new();
        for _ in 0..3 {
            let cpu0 = children_cpu_secs();
            if !run(Command::new("awk").args(["{c[$5]++}", &path])) {
                return false;
            }
            awk_cpu = awk_cpu.min(children_cpu_secs() - cpu0);
            let (cpu0, started) = (children_cpu_secs(), std::time::Instant::now());
            let Some(r) = output(Command::new(&bin).args(["replay", "--quiet", "--stats", &path])) else {
                return false;
            };
            replay = replay.min(started.elapsed().as_secs_f64());
            replay_cpu = replay_cpu.min(children_cpu_secs() - cpu0);
            stats = r.lines().find(|l| l.starts_with("stats:")).unwrap_or_default().to_string();
        }
        // `stats: N events in … = … bytes/event; … peak RSS K KiB`
        let word_before = |suffix: &str| -> f64 {
            let w: Vec<&str> = stats.split_whitespace().collect();
            w.windows(2).find(|p| p[1].starts_with(suffix)).and_then(|p| p[0].parse().ok()).unwrap_or(0.0)
        };
        let n = stats.split_whitespace().nth(1).and_then(|w| w.parse::<f64>().ok()).unwrap_or(0.0);
        let (per_event, peak_kib) = (word_before("bytes/event"), word_before("KiB"));
        rss.push((n, peak_kib));
        say(&format!(
            "| {label} | {n:.0} | {awk_cpu:.2} s | {replay_cpu:.2} s | {replay:.2} s | {:.0} | {:.2}x | {:.1} MB | {per_event:.1} |",
            n / replay_cpu.max(1e-9),
            replay_cpu / awk_cpu.max(1e-9),
            peak_kib * 1024.0 / 1e6
        ));
    }
    if let [_, (n1, r1), (n2, r2)] = rss[..] {
        say(&format!(
            "peak RSS slope from {n1:.0} to {n2:.0} synthetic events: {:.1} bytes/event",
            (r2 - r1) * 1024.0 / (n2 - n1).max(1.0)
        ));
    }
    say(&format!(
        "measured {date}; load before: {}; after: {}",
        load_before.trim(),
        have("uptime", &[]).unwrap_or_default().trim()
    ));
    true
}

/// CPU seconds (user + system) of this process's finished children, from `/proc/self/stat`
/// (`cutime`, `cstime` in clock ticks of 1/100 s); 0 where that file does not exist.
fn children_cpu_secs() -> f64 {
    let Ok(stat) = fs::read_to_string("/proc/self/stat") else { return 0.0 };
    // Fields after the `(comm)`: state is field 3, cutime 16 and cstime 17.
    let rest = stat.rsplit_once(')').map_or("", |r| r.1);
    let f: Vec<f64> = rest.split_whitespace().map(|x| x.parse().unwrap_or(0.0)).collect();
    (f.get(13).copied().unwrap_or(0.0) + f.get(14).copied().unwrap_or(0.0)) / 100.0
}
