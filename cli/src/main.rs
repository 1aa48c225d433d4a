//! `slabscope`: a thin command-line front end to `slabscope-core`.

use std::io::{self, Read, Write};
use std::process::ExitCode;

use slabscope_core::event::Event;
use slabscope_core::machine::MachineConfig;
use slabscope_core::op::Op;
use slabscope_core::script;
use slabscope_core::session::{event_json, Session};

const USAGE: &str = "\
slabscope — a step-by-step simulation of kernel memory allocators

USAGE:
    slabscope run [OPTIONS] SCRIPT|-     execute an op-language script
    slabscope replay [OPTIONS] TRACE     replay a `perf script` kmem trace (plain or .gz)
    slabscope gen-trace --events N [--seed S]   print a synthetic kmem trace (for benchmarks)
    slabscope lessons check [DIR]        check every lesson file (*.toml) in DIR [default: lessons]
    slabscope help                       show this text

RUN OPTIONS:
    --cpus N       number of CPUs (1..=64)          [default: 4, or the script's config]
    --nodes N      NUMA nodes (1..=4)               [default: 1]
    --mem SIZE     memory, e.g. 64M, 512K, 1G       [default: 64M]
    --seed S       seed for randomness              [default: 0]
    --pcp on|off   per-CPU page lists               [default: off]
    --slab POLICY  slab allocator: slub             [default: slub]
    --check        run every invariant checker after every op
    --events       print every micro-event as a JSON line
    --hash         print the FNV-1a hash of the event stream (determinism fingerprint)

REPLAY OPTIONS: --slab, --cpus, --nodes, --mem (default 256M), --seed, --pcp as above, plus
    --slabinfo FILE  create the caches of a /proc/slabinfo snapshot first
    --buddyinfo FILE start from the free lists of a /proc/buddyinfo snapshot (memory sized to fit)
    --quiet          no progress on stderr
    --by call_site|comm|cache   print one row per call site, task or cache instead of the report
    --lineage ADDR   every allocation and free of ADDR (a ptr= or pfn=) in the trace, with who
                     reused the slot
    --max-memory SIZE  refuse traces whose retained session would pass SIZE [default: 1G]
    --stats          also print events/s, retained bytes per event and peak RSS

Flags override the script's `config` lines. `show` ops print in kernel formats.
Exit status: 0 ok, 1 bad input (located error on stderr), 2 usage, 3 invariant violated.
See docs/op-language.md for the language.";

struct RunArgs {
    overrides: Vec<(String, String)>,
    check: bool,
    events: bool,
    hash: bool,
    script: String,
}

fn parse_run_args(args: &[String]) -> Result<RunArgs, String> {
    let mut r = RunArgs { overrides: Vec::new(), check: false, events: false, hash: false, script: String::new() };
    let mut script = None;
    let mut it = args.iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "--check" => r.check = true,
            "--events" => r.events = true,
            "--hash" => r.hash = true,
            "--cpus" | "--nodes" | "--mem" | "--seed" | "--pcp" | "--slab" => {
                let v = it.next().ok_or_else(|| format!("{a} needs a value"))?;
                r.overrides.push((a.trim_start_matches("--").to_string(), v.clone()));
            }
            s if s.starts_with("--") && s.contains('=') => {
                let (k, v) = s.split_once('=').expect("contains =");
                match k {
                    "--cpus" | "--nodes" | "--mem" | "--seed" | "--pcp" | "--slab" => {
                        r.overrides.push((k.trim_start_matches("--").to_string(), v.to_string()))
                    }
                    _ => return Err(format!("unknown option {k}")),
                }
            }
            s if s.starts_with("--") => return Err(format!("unknown option {s}")),
            s => {
                if script.replace(s.to_string()).is_some() {
                    return Err("more than one SCRIPT given".into());
                }
            }
        }
    }
    r.script = script.ok_or("missing SCRIPT (a file, or - for standard input)")?;
    Ok(r)
}

fn read_script(path: &str) -> Result<String, String> {
    if path == "-" {
        let mut s = String::new();
        io::stdin().read_to_string(&mut s).map_err(|e| format!("reading standard input: {e}"))?;
        Ok(s)
    } else {
        std::fs::read_to_string(path).map_err(|e| format!("{path}: {e}"))
    }
}

fn cmd_run(args: &[String]) -> ExitCode {
    let r = match parse_run_args(args) {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: {e}\n\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    let src = match read_script(&r.script) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(1);
        }
    };
    let label = if r.script == "-" { "<stdin>" } else { r.script.as_str() };
    // Validate flag values up front so their errors name the flag.
    for (k, v) in &r.overrides {
        let mut c = MachineConfig::default();
        if let Err(e) = script::set_config(&mut c, k, v) {
            eprintln!("error: --{k}: {e}");
            return ExitCode::from(2);
        }
    }
    let overrides: Vec<(&str, &str)> = r.overrides.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let stdout = io::stdout();
    let mut out = io::BufWriter::new(stdout.lock());
    let mut violation: Option<String> = None;
    let mut step = 0u64;
    let each = |s: &Session, k: usize, events: &[Event]| {
        if r.events {
            for ev in events {
                step += 1;
                let _ = writeln!(
                    out,
                    "{{\"step\":{step},\"op\":{k},\"line\":{},\"event\":{}}}",
                    s.op_line(k),
                    event_json(ev)
                );
            }
        }
        for ev in events {
            if let Some(text) = s.head().slub.debug_text(ev) {
                let _ = write!(out, "{text}");
            }
        }
        match s.op(k) {
            Some(Op::Show { what }) => {
                let _ = write!(out, "{}", s.head().show(*what));
            }
            Some(Op::ShowSysfs { cache }) => {
                let slub = &s.head().slub;
                if let Some(id) = slub.cache_by_name(s.names().name(*cache)) {
                    let _ = write!(out, "{}", slub.sysfs(id));
                }
            }
            Some(Op::Shrink) => {
                for ev in events {
                    if let Event::Shrunk { bytes } = ev {
                        let _ = writeln!(out, "shrink: released {bytes} bytes");
                    }
                }
            }
            _ => {}
        }
        if r.check && violation.is_none() {
            if let Err(e) = s.head().check() {
                violation = Some(format!("{label}:{}: invariant violated after this op: {e}", s.op_line(k)));
            }
        }
    };
    let result = script::run(&src, &MachineConfig::default(), &overrides, Some(each));
    let code = match result {
        Ok(session) => {
            if r.hash {
                let _ = writeln!(out, "{:016x}", session.event_hash());
            }
            match violation {
                Some(v) => {
                    let _ = out.flush();
                    eprintln!("error: {v}");
                    ExitCode::from(3)
                }
                None => ExitCode::SUCCESS,
            }
        }
        Err(e) => {
            let _ = out.flush();
            if e.line == 0 {
                eprintln!("error: {label}: {}", e.kind);
            } else {
                eprintln!("error: {label}:{e}");
            }
            ExitCode::from(1)
        }
    };
    let _ = out.flush();
    code
}

fn read_maybe_gz(path: &str) -> Result<String, String> {
    let bytes = std::fs::read(path).map_err(|e| format!("{path}: {e}"))?;
    if bytes.starts_with(&[0x1f, 0x8b]) {
        let mut s = String::new();
        flate2::read::MultiGzDecoder::new(&bytes[..])
            .read_to_string(&mut s)
            .map_err(|e| format!("{path}: gzip: {e}"))?;
        Ok(s)
    } else {
        String::from_utf8(bytes).map_err(|_| format!("{path}: not UTF-8 text"))
    }
}

/// Counts the bytes read through it (the compressed offset of a gzip error).
struct Counting<R> {
    inner: R,
    count: std::rc::Rc<std::cell::Cell<u64>>,
}

impl<R: Read> Read for Counting<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.count.set(self.count.get() + n as u64);
        Ok(n)
    }
}

/// Stream a trace file (plain or gzip, detected by its magic bytes) into `loader`, chunk by
/// chunk: neither the file nor its decompressed text is held. `progress(bytes read, total)`.
fn stream_trace(
    path: &str,
    loader: &mut slabscope_core::trace::Loader,
    mut progress: impl FnMut(u64, u64),
) -> Result<(), String> {
    use std::io::BufRead;
    let file = std::fs::File::open(path).map_err(|e| format!("{path}: {e}"))?;
    let total = file.metadata().map(|m| m.len()).unwrap_or(0);
    let count = std::rc::Rc::new(std::cell::Cell::new(0u64));
    let mut raw = io::BufReader::with_capacity(1 << 16, Counting { inner: file, count: count.clone() });
    let gz = raw.fill_buf().map_err(|e| format!("{path}: {e}"))?.starts_with(&[0x1f, 0x8b]);
    let mut reader: Box<dyn BufRead> = if gz {
        Box::new(io::BufReader::with_capacity(1 << 18, flate2::bufread::MultiGzDecoder::new(raw)))
    } else {
        Box::new(raw)
    };
    let mut out = 0u64;
    let mut last = 0u64;
    loop {
        let chunk = match reader.fill_buf() {
            Ok(c) => c,
            Err(e) if gz => {
                let kind = if e.kind() == io::ErrorKind::UnexpectedEof { "truncated stream" } else { "corrupt stream" };
                return Err(format!(
                    "{path}: gzip: {kind} ({e}) at compressed byte offset {} of {total} (after {out} decompressed bytes)",
                    count.get()
                ));
            }
            Err(e) => return Err(format!("{path}: {e} at byte offset {out}")),
        };
        if chunk.is_empty() {
            break;
        }
        let n = chunk.len();
        loader.feed(chunk).map_err(|e| format!("{path}: {e}"))?;
        reader.consume(n);
        out += n as u64;
        if count.get() - last >= 1 << 22 {
            last = count.get();
            progress(last, total);
        }
    }
    progress(total, total);
    Ok(())
}

/// Peak resident set size in KiB (Linux `VmHWM`), if known.
fn peak_rss_kib() -> Option<u64> {
    let s = std::fs::read_to_string("/proc/self/status").ok()?;
    let l = s.lines().find(|l| l.starts_with("VmHWM:"))?;
    l.split_whitespace().nth(1)?.parse().ok()
}

fn parse_address(s: &str) -> Option<u64> {
    match s.strip_prefix("0x").or_else(|| s.strip_prefix("0X")) {
        Some(h) => u64::from_str_radix(h, 16).ok(),
        None => u64::from_str_radix(s, 16).ok(),
    }
}

fn cmd_replay(args: &[String]) -> ExitCode {
    use slabscope_core::trace;
    let mut config = MachineConfig { mem_bytes: 256 << 20, ..MachineConfig::default() };
    let (mut path, mut slabinfo, mut buddyinfo, mut quiet) = (None, None, None, false);
    let (mut by, mut lineage, mut stats) = (None, None, false);
    let mut limits = trace::Limits::default();
    let mut cpus_given = false;
    let mut it = args.iter();
    while let Some(a) = it.next() {
        let (key, inline) = match a.split_once('=') {
            Some((k, v)) if k.starts_with("--") => (k.to_string(), Some(v.to_string())),
            _ => (a.clone(), None),
        };
        match key.as_str() {
            "--quiet" => quiet = true,
            "--stats" => stats = true,
            "--slabinfo" | "--buddyinfo" | "--cpus" | "--nodes" | "--mem" | "--seed" | "--pcp" | "--slab" | "--by"
            | "--lineage" | "--max-memory" => {
                let Some(v) = inline.or_else(|| it.next().cloned()) else {
                    eprintln!("error: {key} needs a value");
                    return ExitCode::from(2);
                };
                match key.as_str() {
                    "--slabinfo" => slabinfo = Some(v),
                    "--buddyinfo" => buddyinfo = Some(v),
                    "--by" => match trace::GroupBy::parse(&v) {
                        Some(g) => by = Some(g),
                        None => {
                            eprintln!("error: --by: expected call_site, comm or cache, found `{v}`");
                            return ExitCode::from(2);
                        }
                    },
                    "--lineage" => match parse_address(&v) {
                        Some(a) => lineage = Some(a),
                        None => {
                            eprintln!("error: --lineage: expected an address such as 0xffff888140569cc0, found `{v}`");
                            return ExitCode::from(2);
                        }
                    },
                    "--max-memory" => match script::parse_size(&v) {
                        Some(b) if b >= trace::RETAINED_BYTES_PER_EVENT => {
                            limits.max_events = trace::Limits::for_memory(b).max_events
                        }
                        _ => {
                            eprintln!("error: --max-memory: expected a size such as 512M or 2G, found `{v}`");
                            return ExitCode::from(2);
                        }
                    },
                    _ => {
                        cpus_given |= key == "--cpus";
                        if let Err(e) = script::set_config(&mut config, key.trim_start_matches("--"), &v) {
                            eprintln!("error: {key}: {e}");
                            return ExitCode::from(2);
                        }
                    }
                }
            }
            s if s.starts_with("--") => {
                eprintln!("error: unknown option {s}\n\n{USAGE}");
                return ExitCode::from(2);
            }
            _ => {
                if path.replace(a.clone()).is_some() {
                    eprintln!("error: more than one TRACE given");
                    return ExitCode::from(2);
                }
            }
        }
    }
    let Some(path) = path else {
        eprintln!("error: missing TRACE\n\n{USAGE}");
        return ExitCode::from(2);
    };
    if let Err(e) = config.validate() {
        eprintln!("error: {e}");
        return ExitCode::from(2);
    }
    let prelude = match &slabinfo {
        None => String::new(),
        Some(f) => match read_maybe_gz(f) {
            Ok(text) => {
                let (script_text, sbad) = trace::slabinfo_to_script(&text);
                for b in &sbad {
                    eprintln!("warning: {f}: {b}");
                }
                script_text
            }
            Err(e) => {
                eprintln!("error: {e}");
                return ExitCode::from(1);
            }
        },
    };
    // As many simulated CPUs as the trace uses (at least the configured nodes), unless given.
    let auto_cpus = !cpus_given;
    let boot = match &buddyinfo {
        None => trace::Boot::Config { config, auto_cpus },
        Some(f) => match read_maybe_gz(f) {
            Ok(text) => trace::Boot::Buddyinfo { text, config, auto_cpus },
            Err(e) => {
                eprintln!("error: {e}");
                return ExitCode::from(1);
            }
        },
    };
    let started = std::time::Instant::now();
    let mut loader = match trace::Loader::new(boot, &prelude, limits) {
        Ok(l) => l,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(1);
        }
    };
    let show = !quiet;
    let progress = |done: u64, total: u64| {
        if show && total >= 1 << 22 {
            eprint!("\rreplaying {path}: {:>3}% of {} MiB", done * 100 / total.max(1), total >> 20);
            if done == total {
                eprintln!();
            }
        }
    };
    let result =
        stream_trace(&path, &mut loader, progress).and_then(|()| loader.finish().map_err(|e| format!("{path}: {e}")));
    let t = match result {
        Ok(t) => t,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(1);
        }
    };
    let elapsed = started.elapsed();
    let (session, report) = (&t.session, &t.report);
    let config = session.config().clone();
    let stdout = io::stdout();
    let mut out = io::BufWriter::new(stdout.lock());
    let _ = writeln!(out, "trace: {path}");
    if let Some(addr) = lineage {
        let mut entries = t.lineage(trace::Space::Object, addr);
        let mut space = "object";
        if entries.is_empty() {
            entries = t.lineage(trace::Space::Page, addr);
            space = "page frame";
        }
        if entries.is_empty() {
            let _ = writeln!(out, "lineage of {addr:#x}: the trace never allocates or frees this address");
        } else {
            let _ = writeln!(out, "lineage of {space} {addr:#x}: {} events", entries.len());
            for e in &entries {
                let op = e.op.map_or("not replayed".to_string(), |k| format!("op {k}"));
                let reused = match e.reused_by {
                    Some(i) => format!("; reused by line {}", t.facts.line(i)),
                    None if e.fact.kind.is_alloc() => "; not allocated again".to_string(),
                    None => String::new(),
                };
                let _ = writeln!(out, "  {} ({op}{reused})", e.fact);
            }
        }
        let _ = out.flush();
        return ExitCode::SUCCESS;
    }
    if let Some(by) = by {
        let rows = t.summary(by, &trace::Filter::default());
        let head = match by {
            trace::GroupBy::CallSite => "call site",
            trace::GroupBy::Comm => "comm",
            trace::GroupBy::Cache => "cache",
        };
        let _ = writeln!(
            out,
            "{head:<40} {:>8} {:>8} {:>12} {:>12} {:>6}  caches",
            "allocs", "frees", "bytes_req", "bytes_alloc", "waste"
        );
        for r in &rows {
            let _ = writeln!(
                out,
                "{:<40} {:>8} {:>8} {:>12} {:>12} {:>5.1}%  {}",
                r.key,
                r.allocs,
                r.frees,
                r.bytes_req,
                r.bytes_alloc,
                r.internal_fragmentation() * 100.0,
                r.caches.join(",")
            );
        }
        let _ = out.flush();
        return ExitCode::SUCCESS;
    }
    let _ = writeln!(
        out,
        "machine: {} CPUs, {} node(s), {} MiB, slab={:?}",
        config.cpus,
        config.nodes,
        config.mem_bytes >> 20,
        config.slab
    );
    let _ = writeln!(out, "\nevents by kind:");
    for (k, n) in &report.by_kind {
        let _ = writeln!(out, "  {k:<24} {n:>8}");
    }
    let _ = writeln!(out, "\nsimulated ops: {}   micro-events: {}", session.op_count(), session.total_steps());
    let _ = writeln!(out, "frees of objects allocated before the trace: {}", report.unmatched_frees);
    if !report.unmatched_lines.is_empty() {
        let lines: Vec<String> = report.unmatched_lines.iter().take(10).map(u32::to_string).collect();
        let more = if report.unmatched_frees > 10 { ", …" } else { "" };
        let _ =
            writeln!(out, "  (not replayed: the session does not know the address) lines {}{more}", lines.join(", "));
    }
    let _ = writeln!(out, "ptr=(nil) frees: {}", report.nil_frees);
    let _ = writeln!(out, "allocations of still-live pointers (missed frees): {}", report.reused_live);
    let _ = writeln!(out, "caches created from the trace: {}", report.caches_created);
    let _ = writeln!(
        out,
        "internal fragmentation (bytes_alloc vs bytes_req): {:.1}% of {} bytes",
        report.internal_fragmentation() * 100.0,
        report.bytes_alloc
    );
    let _ = writeln!(out, "malformed lines skipped: {}", report.bad_total);
    for b in report.bad_lines.iter().take(10) {
        let _ = writeln!(out, "  {b}");
    }
    if !report.failed.is_empty() {
        let _ = writeln!(out, "operations the simulated machine refused: {}", report.failed.len());
        for (line, e) in report.failed.iter().take(10) {
            let _ = writeln!(out, "  line {line}: {e}");
        }
    }
    let _ = writeln!(out, "\nfast-path hit rate by CPU (SLUB lockless freelist):");
    for f in t.fast_path() {
        let _ = writeln!(out, "  cpu {:>2}: {:>5.1}% of {} allocations", f.cpu, f.rate() * 100.0, f.fast + f.slow);
    }
    let sim = session.head();
    let _ = writeln!(out, "\n{}", sim.show(slabscope_core::event::ShowWhat::Slabinfo));
    let _ = writeln!(out, "{}", sim.show(slabscope_core::event::ShowWhat::Buddyinfo));
    if stats {
        let events: u64 = report.by_kind.values().sum();
        let secs = elapsed.as_secs_f64();
        let _ = writeln!(
            out,
            "stats: {events} events in {secs:.3} s = {:.0} events/s; retained (facts + op list) {} bytes = {:.1} bytes/event; {} checkpoints; peak RSS {} KiB",
            events as f64 / secs.max(1e-9),
            t.approx_bytes(),
            t.approx_bytes() as f64 / events.max(1) as f64,
            session.checkpoint_count(),
            peak_rss_kib().map_or("?".to_string(), |k| k.to_string())
        );
    }
    let _ = out.flush();
    ExitCode::SUCCESS
}

/// `slabscope gen-trace --events N [--seed S]`: a synthetic `perf script` kmem trace on stdout.
fn cmd_gen_trace(args: &[String]) -> ExitCode {
    let (mut events, mut seed) = (None, 0u64);
    let mut it = args.iter();
    while let Some(a) = it.next() {
        let (key, inline) = match a.split_once('=') {
            Some((k, v)) => (k, Some(v.to_string())),
            None => (a.as_str(), None),
        };
        let v = match key {
            "--events" | "--seed" => match inline.or_else(|| it.next().cloned()) {
                Some(v) => v,
                None => {
                    eprintln!("error: {key} needs a value");
                    return ExitCode::from(2);
                }
            },
            _ => {
                eprintln!("error: unknown argument {a}\n\n{USAGE}");
                return ExitCode::from(2);
            }
        };
        let Ok(n) = v.replace('_', "").parse::<u64>() else {
            eprintln!("error: {key}: expected a number, found `{v}`");
            return ExitCode::from(2);
        };
        if key == "--events" {
            events = Some(n);
        } else {
            seed = n;
        }
    }
    let Some(events) = events else {
        eprintln!("error: gen-trace needs --events N\n\n{USAGE}");
        return ExitCode::from(2);
    };
    let mut g = slabscope_core::trace::Synthetic::new(seed);
    let stdout = io::stdout();
    let mut out = io::BufWriter::with_capacity(1 << 16, stdout.lock());
    let mut line = String::new();
    for _ in 0..events {
        line.clear();
        g.next_line(&mut line);
        if let Err(e) = out.write_all(line.as_bytes()) {
            if e.kind() == io::ErrorKind::BrokenPipe {
                return ExitCode::SUCCESS;
            }
            eprintln!("error: writing the trace: {e}");
            return ExitCode::from(1);
        }
    }
    match out.flush() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: writing the trace: {e}");
            ExitCode::from(1)
        }
    }
}

/// `slabscope lessons check [DIR]`: parse, replay and check every lesson; print located errors.
fn cmd_lessons(args: &[String]) -> ExitCode {
    let dir = match args {
        [c] if c == "check" => std::path::PathBuf::from("lessons"),
        [c, d] if c == "check" => std::path::PathBuf::from(d),
        _ => {
            eprintln!("error: expected `lessons check [DIR]`\n\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    let mut files = Vec::new();
    let entries = match std::fs::read_dir(&dir) {
        Ok(e) => e,
        Err(e) => {
            eprintln!("error: {}: {e}", dir.display());
            return ExitCode::from(1);
        }
    };
    let mut paths: Vec<_> = entries.filter_map(Result::ok).map(|e| e.path()).collect();
    paths.retain(|p| p.extension().is_some_and(|x| x == "toml"));
    paths.sort();
    for p in paths {
        match std::fs::read_to_string(&p) {
            Ok(text) => files.push((p.display().to_string(), text)),
            Err(e) => {
                eprintln!("error: {}: {e}", p.display());
                return ExitCode::from(1);
            }
        }
    }
    if files.is_empty() {
        eprintln!("error: no lesson files (*.toml) in {}", dir.display());
        return ExitCode::from(1);
    }
    match slabscope_core::lesson::check_set(&files) {
        Ok(lessons) => {
            let steps: usize = lessons.iter().map(|l| l.steps.len()).sum();
            let expects: usize = lessons.iter().flat_map(|l| &l.steps).map(|s| s.expect.len()).sum();
            let questions = lessons.iter().flat_map(|l| &l.steps).filter(|s| s.question.is_some()).count();
            println!(
                "{} lessons ok: {steps} steps, {expects} expectations met, {questions} questions answered by the simulation",
                lessons.len()
            );
            ExitCode::SUCCESS
        }
        Err(errors) => {
            for e in &errors {
                eprintln!("{e}");
            }
            eprintln!("{} problem(s) in {}", errors.len(), dir.display());
            ExitCode::from(1)
        }
    }
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some("run") => cmd_run(&args[1..]),
        Some("replay") => cmd_replay(&args[1..]),
        Some("gen-trace") => cmd_gen_trace(&args[1..]),
        Some("lessons") => cmd_lessons(&args[1..]),
        Some("help" | "--help" | "-h") | None => {
            println!("{USAGE}");
            ExitCode::SUCCESS
        }
        Some(other) => {
            eprintln!("error: unknown command `{other}`\n\n{USAGE}");
            ExitCode::from(2)
        }
    }
}
