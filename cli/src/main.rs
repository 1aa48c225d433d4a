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
    slabscope lessons check [DIR]        check every lesson file (*.toml) in DIR [default: lessons]
    slabscope help                       show this text

RUN OPTIONS:
    --cpus N       number of CPUs (1..=64)          [default: 4, or the script's config]
    --nodes N      NUMA nodes (1..=4)               [default: 1]
    --mem SIZE     memory, e.g. 64M, 512K, 1G       [default: 64M]
    --seed S       seed for randomness              [default: 0]
    --pcp on|off   per-CPU page lists               [default: off]
    --slab POLICY  slab allocator: slub             [default: slub]
    --check        run every invariant checker, amortised (cost independent of memory size;
                   a violation is still reported at the op that caused it)
    --check=every  run every invariant checker after every op (slow on large memory)
    --max-ops N, --max-depth N, --max-script-bytes N, --max-session-bytes N
                   resource limits (defaults: docs/op-language.md, section Limits)
    --events       print every micro-event as a JSON line
    --hash         print the FNV-1a hash of the event stream (determinism fingerprint)

REPLAY OPTIONS: --slab, --cpus, --nodes, --mem (default 256M), --seed, --pcp as above, plus
    --slabinfo FILE  create the caches of a /proc/slabinfo snapshot first
    --buddyinfo FILE start from the free lists of a /proc/buddyinfo snapshot (memory sized to fit)
    --quiet          no progress on stderr

Flags override the script's `config` lines. `show` ops print in kernel formats.
Exit status: 0 ok, 1 bad input (located error on stderr) or output error, 2 usage,
3 invariant violated, 141 output pipe closed (e.g. `| head`).
See docs/op-language.md for the language.";

/// Standard output that remembers the first write error, so that a closed pipe or a full disk
/// ends the command with the right status instead of a panic or a silent success.
struct Out {
    w: io::BufWriter<io::StdoutLock<'static>>,
    err: Option<io::Error>,
}

impl Out {
    fn new() -> Out {
        Out { w: io::BufWriter::new(io::stdout().lock()), err: None }
    }

    /// Flush; `code` unless writing failed: 141 (quietly) for a closed pipe, else 1 with a message.
    fn finish(mut self, code: ExitCode) -> ExitCode {
        if self.err.is_none() {
            if let Err(e) = self.w.flush() {
                self.err = Some(e);
            }
        }
        match self.err {
            None => code,
            Some(e) if e.kind() == io::ErrorKind::BrokenPipe => ExitCode::from(141),
            Some(e) => {
                eprintln!("error: writing output: {e}");
                ExitCode::from(1)
            }
        }
    }
}

impl Write for Out {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        if self.err.is_some() {
            // Already failed: drop the rest (the status says so).
            return Ok(buf.len());
        }
        match self.w.write(buf) {
            Ok(n) => Ok(n),
            Err(e) => {
                self.err = Some(e);
                Ok(buf.len())
            }
        }
    }
    fn flush(&mut self) -> io::Result<()> {
        if self.err.is_none() {
            if let Err(e) = self.w.flush() {
                self.err = Some(e);
            }
        }
        Ok(())
    }
}

/// Print `text` (plus a newline) and exit with `code`, honouring write errors.
fn print_and_exit(text: &str, code: ExitCode) -> ExitCode {
    let mut out = Out::new();
    let _ = writeln!(out, "{text}");
    out.finish(code)
}

struct RunArgs {
    overrides: Vec<(String, String)>,
    limits: slabscope_core::limits::Limits,
    check: Option<slabscope_core::audit::AuditMode>,
    events: bool,
    hash: bool,
    script: String,
}

fn parse_run_args(args: &[String]) -> Result<RunArgs, String> {
    let mut r = RunArgs {
        overrides: Vec::new(),
        limits: Default::default(),
        check: None,
        events: false,
        hash: false,
        script: String::new(),
    };
    let mut script = None;
    let mut it = args.iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "--check" => r.check = Some(slabscope_core::audit::AuditMode::Sampled),
            "--check=every" => r.check = Some(slabscope_core::audit::AuditMode::EveryOp),
            l if slabscope_core::limits::LIMITS.iter().any(|i| l.split('=').next() == Some(i.flag)) => {
                let (flag, inline) = match l.split_once('=') {
                    Some((f, v)) => (f, Some(v.to_string())),
                    None => (l, None),
                };
                let v = inline.or_else(|| it.next().cloned()).ok_or_else(|| format!("{flag} needs a value"))?;
                let n = script::parse_size(&v).ok_or_else(|| format!("{flag}: `{v}` is not a number"))?;
                r.limits.set(flag, n)?;
            }
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

/// Read a script, at most `max` bytes (a longer one is refused without reading it all).
fn read_script(path: &str, max: u64) -> Result<String, String> {
    let mut size = u64::MAX;
    let (label, reader): (&str, Box<dyn Read>) = if path == "-" {
        ("standard input", Box::new(io::stdin()))
    } else {
        let f = std::fs::File::open(path).map_err(|e| format!("{path}: {e}"))?;
        size = f.metadata().map_or(u64::MAX, |m| m.len());
        (path, Box::new(f))
    };
    let mut bytes = Vec::new();
    reader.take(max.saturating_add(1)).read_to_end(&mut bytes).map_err(|e| format!("reading {label}: {e}"))?;
    if bytes.len() as u64 > max {
        let e =
            slabscope_core::limits::LimitError { limit: slabscope_core::limits::Limit::ScriptBytes, value: size, max };
        return Err(format!("{label}: {e}"));
    }
    String::from_utf8(bytes).map_err(|e| {
        let at = e.utf8_error().valid_up_to();
        let line = e.as_bytes()[..at].iter().filter(|&&b| b == b'\n').count() + 1;
        format!("{label}:{line}: not UTF-8 text")
    })
}

fn cmd_run(args: &[String]) -> ExitCode {
    let r = match parse_run_args(args) {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: {e}\n\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    let src = match read_script(&r.script, r.limits.max_script_bytes) {
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
    let mut out = Out::new();
    let mut audit = r.check.map(slabscope_core::audit::Audit::new);
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
        if let Some(a) = &mut audit {
            a.after_op(s, k);
        }
    };
    let result = script::run_with(&src, &MachineConfig::default(), &overrides, &r.limits, Some(each));
    let code = match result {
        Ok(session) => {
            if r.hash {
                let _ = writeln!(out, "{:016x}", session.event_hash());
            }
            match audit.as_mut().and_then(|a| a.finish(&session)) {
                Some(v) => {
                    let _ = out.flush();
                    eprintln!(
                        "error: {label}:{}: invariant violated after this op: {}",
                        session.op_line(v.op),
                        v.message
                    );
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
    out.finish(code)
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

fn cmd_replay(args: &[String]) -> ExitCode {
    use slabscope_core::trace;
    let mut config = MachineConfig { mem_bytes: 256 << 20, ..MachineConfig::default() };
    let (mut path, mut slabinfo, mut buddyinfo, mut quiet) = (None, None, None, false);
    let mut cpus_given = false;
    let mut it = args.iter();
    while let Some(a) = it.next() {
        let (key, inline) = match a.split_once('=') {
            Some((k, v)) if k.starts_with("--") => (k.to_string(), Some(v.to_string())),
            _ => (a.clone(), None),
        };
        match key.as_str() {
            "--quiet" => quiet = true,
            "--slabinfo" | "--buddyinfo" | "--cpus" | "--nodes" | "--mem" | "--seed" | "--pcp" | "--slab" => {
                let Some(v) = inline.or_else(|| it.next().cloned()) else {
                    eprintln!("error: {key} needs a value");
                    return ExitCode::from(2);
                };
                if key == "--slabinfo" {
                    slabinfo = Some(v);
                    continue;
                }
                if key == "--buddyinfo" {
                    buddyinfo = Some(v);
                    continue;
                }
                cpus_given |= key == "--cpus";
                if let Err(e) = script::set_config(&mut config, key.trim_start_matches("--"), &v) {
                    eprintln!("error: {key}: {e}");
                    return ExitCode::from(2);
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
    let text = match read_maybe_gz(&path) {
        Ok(t) => t,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(1);
        }
    };
    let (events, bad) = trace::parse(&text);
    if !cpus_given {
        // As many simulated CPUs as the trace used (at least the configured nodes).
        let traced = events.iter().map(|e| e.cpu + 1).max().unwrap_or(1);
        config.cpus = traced.clamp(u16::from(config.nodes), slabscope_core::machine::MAX_CPUS);
    }
    if let Err(e) = config.validate() {
        eprintln!("error: {e}");
        return ExitCode::from(2);
    }
    let mut progress = |done: usize, total: usize| {
        if !quiet && total >= 10_000 {
            eprint!("\rreplaying {path}: {:>3}% ({done}/{total} events)", done * 100 / total.max(1));
            if done == total {
                eprintln!();
            }
        }
    };
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
    let start = match &buddyinfo {
        None => {
            slabscope_core::session::Session::with_names(config.clone(), Default::default()).map_err(|e| e.to_string())
        }
        Some(f) => read_maybe_gz(f)
            .and_then(|text| trace::session_from_buddyinfo(&text, &config).map_err(|e| format!("{f}: {e}"))),
    };
    let start = match start {
        Ok(s) => s,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(1);
        }
    };
    let config = start.config().clone();
    let result: Result<_, String> = Ok(trace::replay_into(start, &prelude, &events, bad, &mut progress));
    let (session, report) = match result {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    let mut out = Out::new();
    let _ = writeln!(out, "trace: {path}");
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
    let _ = writeln!(out, "ptr=(nil) frees: {}", report.nil_frees);
    let _ = writeln!(out, "allocations of still-live pointers (missed frees): {}", report.reused_live);
    let _ = writeln!(out, "caches created from the trace: {}", report.caches_created);
    let _ = writeln!(
        out,
        "internal fragmentation (bytes_alloc vs bytes_req): {:.1}% of {} bytes",
        report.internal_fragmentation() * 100.0,
        report.bytes_alloc
    );
    let _ = writeln!(out, "malformed lines skipped: {}", report.bad_lines.len());
    for b in report.bad_lines.iter().take(10) {
        let _ = writeln!(out, "  {b}");
    }
    if !report.failed.is_empty() {
        let _ = writeln!(out, "operations the simulated machine refused: {}", report.failed.len());
        for (line, e) in report.failed.iter().take(10) {
            let _ = writeln!(out, "  line {line}: {e}");
        }
    }
    let sim = session.head();
    let _ = writeln!(out, "\nfast-path hit rate by CPU (SLUB lockless freelist):");
    for cpu in 0..config.cpus {
        let (fast, slow) = sim
            .slub
            .caches()
            .iter()
            .map(|c| &c.cpus[usize::from(cpu)])
            .fold((0u64, 0u64), |(f, s), c| (f + c.alloc_fast, s + c.alloc_slow));
        if fast + slow > 0 {
            let _ = writeln!(
                out,
                "  cpu {cpu:>2}: {:>5.1}% of {} allocations",
                fast as f64 * 100.0 / (fast + slow) as f64,
                fast + slow
            );
        }
    }
    let _ = writeln!(out, "\n{}", sim.show(slabscope_core::event::ShowWhat::Slabinfo));
    let _ = writeln!(out, "{}", sim.show(slabscope_core::event::ShowWhat::Buddyinfo));
    out.finish(ExitCode::SUCCESS)
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
            let text = format!(
                "{} lessons ok: {steps} steps, {expects} expectations met, {questions} questions answered by the simulation",
                lessons.len()
            );
            print_and_exit(&text, ExitCode::SUCCESS)
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
        Some("lessons") => cmd_lessons(&args[1..]),
        Some("help" | "--help" | "-h") | None => print_and_exit(USAGE, ExitCode::SUCCESS),
        Some(other) => {
            eprintln!("error: unknown command `{other}`\n\n{USAGE}");
            ExitCode::from(2)
        }
    }
}
