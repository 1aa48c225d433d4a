//! `slabscope`: a thin command-line front end to `slabscope-core`.

mod exercise;

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
    slabscope exercise KIND --seed N     print a generated exercise (see EXERCISE below; --list)
    slabscope compare --config S ... IN  run a script or trace under 1-4 configurations side by side
    slabscope diff A B [--buddyinfo A B] per-cache deltas of two /proc/slabinfo (and buddyinfo) files
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
    --by call_site|comm|cache   print one row per call site, task or cache instead of the report
    --lineage ADDR   every allocation and free of ADDR (a ptr= or pfn=) in the trace, with who
                     reused the slot
    --max-memory SIZE  refuse traces whose retained session would pass SIZE [default: 1G]
    --stats          also print events/s, retained bytes per event and peak RSS

Flags override the script's `config` lines. `show` ops print in kernel formats.
Exit status: 0 ok, 1 bad input (located error on stderr) or output error, 2 usage,
3 invariant violated, 141 output pipe closed (e.g. `| head`).
See docs/op-language.md for the language; `slabscope compare --help` for compare and diff.";

/// Standard output that remembers the first write error, so that a closed pipe or a full disk
/// ends the command with the right status instead of a panic or a silent success.
pub(crate) struct Out {
    w: io::BufWriter<io::StdoutLock<'static>>,
    err: Option<io::Error>,
}

impl Out {
    pub(crate) fn new() -> Out {
        Out { w: io::BufWriter::new(io::stdout().lock()), err: None }
    }

    /// Flush; `code` unless writing failed: 141 (quietly) for a closed pipe, else 1 with a message.
    pub(crate) fn finish(mut self, code: ExitCode) -> ExitCode {
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
            if let Some(text) = s.head().slab.debug_text(ev) {
                let _ = write!(out, "{text}");
            }
        }
        match s.op(k) {
            Some(Op::Show { what }) => {
                let _ = write!(out, "{}", s.head().show((*what).into()));
            }
            Some(Op::ShowSysfs { cache }) => {
                let slab = &s.head().slab;
                if let Some(text) = slab.cache_by_name(s.names().name(*cache)).and_then(|id| slab.sysfs(id).ok()) {
                    let _ = write!(out, "{text}");
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
    let mut out = Out::new();
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
    let policy = slabscope_core::slab::fast_path_text(session.head().config());
    let _ = writeln!(out, "\nfast-path hit rate by CPU ({policy}):");
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
    out.finish(ExitCode::SUCCESS)
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
        Some("gen-trace") => cmd_gen_trace(&args[1..]),
        Some("lessons") => cmd_lessons(&args[1..]),
        Some("exercise") => exercise::cmd(&args[1..]),
        Some("compare" | "diff") if args[1..].iter().any(|a| a == "--help" || a == "-h") => {
            print_and_exit(COMPARE_USAGE, ExitCode::SUCCESS)
        }
        Some("compare") => cmd_compare(&args[1..]),
        Some("diff") => cmd_diff(&args[1..]),
        Some("help" | "--help" | "-h") | None => {
            print_and_exit(&format!("{USAGE}\n\n{}", exercise::USAGE), ExitCode::SUCCESS)
        }
        Some(other) => {
            eprintln!("error: unknown command `{other}`\n\n{USAGE}");
            ExitCode::from(2)
        }
    }
}

const COMPARE_USAGE: &str = "\
COMPARE: slabscope compare --config SETTINGS --config SETTINGS ... [OPTIONS] SCRIPT|TRACE|-
    Runs the same script or `perf` kmem trace under 1 to 4 configurations, side by side.
    SETTINGS are op-language `config` settings, e.g. \"slab=slab\" or \"slab=slub percpu=magazine cpus=2\"
    (applied after the script's own `config` lines, as run's flags are; empty = unchanged).
    --every N        also print the table after every N ops (trace: events)
    --trace|--script read the input as a trace / a script [default: guessed from the content]
    --slabinfo FILE  (traces) create the caches of a /proc/slabinfo snapshot first
    --hash           add each column's event-stream hash (as `slabscope run --hash`)
    --json           print the sampled measures as JSON instead of tables
    Traces replay on 256M machines with as many CPUs as the trace used unless SETTINGS set them.

DIFF: slabscope diff BEFORE.slabinfo AFTER.slabinfo [--buddyinfo BEFORE AFTER]
    Per-cache deltas of two /proc/slabinfo files (active objects, objects, slabs, memory =
    slabs x pages per slab x 4096), largest memory change first; with --buddyinfo also the
    per-order deltas of two /proc/buddyinfo files. Plain or gzip files.";

/// Read a file (plain or gzip) or, for `-`, standard input.
fn read_input(path: &str) -> Result<String, String> {
    if path == "-" {
        read_script(path, slabscope_core::limits::Limits::default().max_script_bytes)
    } else {
        read_maybe_gz(path)
    }
}

/// A trace has `perf script` kmem lines; a script never does.
fn looks_like_trace(text: &str) -> bool {
    text.lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty() && !l.trim_start().starts_with('#'))
        .take(64)
        .any(|(i, l)| matches!(slabscope_core::trace::parse_line(l, i as u32 + 1), Ok(Some(_))))
}

fn fmt_measure(m: slabscope_core::compare::Measure, v: Option<f64>) -> String {
    use slabscope_core::compare::Measure;
    match (m, v) {
        (_, None) => "-".into(),
        (Measure::Unusable, Some(v)) => format!("{v:.3}"),
        (Measure::FastPath, Some(v)) => format!("{:.1}%", v * 100.0),
        (Measure::EventsPerOp, Some(v)) => format!("{v:.2}"),
        (_, Some(v)) => format!("{v:.0}"),
    }
}

fn fmt_delta(m: slabscope_core::compare::Measure, d: Option<f64>) -> String {
    use slabscope_core::compare::Measure;
    match (m, d) {
        (_, None) => String::new(),
        (_, Some(0.0)) => " (=)".into(),
        (Measure::Unusable, Some(d)) => format!(" ({d:+.4})"),
        (Measure::FastPath, Some(d)) => format!(" ({:+.1} pt)", d * 100.0),
        (Measure::EventsPerOp, Some(d)) => format!(" ({d:+.2})"),
        (_, Some(d)) => format!(" ({d:+.0})"),
    }
}

/// The side-by-side table of measures taken at one position, deltas against column 1.
fn compare_table(out: &mut impl Write, title: &str, at: &[slabscope_core::compare::Measures], hashes: &[String]) {
    use slabscope_core::compare::{deltas, MEASURES};
    let _ = writeln!(out, "\n{title}");
    let mut head = format!("  {:<26}", "");
    for i in 0..at.len() {
        head.push_str(&format!(" {:>22}", format!("[{}]", i + 1)));
    }
    let _ = writeln!(out, "{}", head.trim_end());
    for row in deltas(at) {
        let label = MEASURES.iter().find(|m| m.0 == row.measure).map_or("", |m| m.2);
        let mut line = format!("  {label:<26}");
        for (i, v) in row.values.iter().enumerate() {
            let d = if i == 0 { String::new() } else { fmt_delta(row.measure, row.deltas[i]) };
            line.push_str(&format!(" {:>22}", format!("{}{d}", fmt_measure(row.measure, *v))));
        }
        let _ = writeln!(out, "{line}");
    }
    if !hashes.is_empty() {
        let mut line = format!("  {:<26}", "event hash");
        for h in hashes {
            line.push_str(&format!(" {h:>22}"));
        }
        let _ = writeln!(out, "{line}");
    }
}

/// `slabscope compare`: see [`COMPARE_USAGE`].
fn cmd_compare(args: &[String]) -> ExitCode {
    use slabscope_core::compare::{CompareError, Comparison, Work, MAX_CONFIGS};
    let usage = |msg: &str| {
        eprintln!("error: {msg}\n\n{COMPARE_USAGE}");
        ExitCode::from(2)
    };
    let (mut configs, mut every, mut kind, mut slabinfo, mut hash, mut json) =
        (Vec::<String>::new(), None::<usize>, None::<bool>, None::<String>, false, false);
    let mut path = None;
    let mut it = args.iter();
    while let Some(a) = it.next() {
        let (key, inline) = match a.split_once('=') {
            Some((k, v)) if k.starts_with("--") => (k, Some(v.to_string())),
            _ => (a.as_str(), None),
        };
        match key {
            "--config" | "--every" | "--slabinfo" => {
                let Some(v) = inline.or_else(|| it.next().cloned()) else {
                    return usage(&format!("{key} needs a value"));
                };
                match key {
                    "--config" => configs.push(v),
                    "--slabinfo" => slabinfo = Some(v),
                    _ => match v.parse::<usize>() {
                        Ok(n) if n > 0 => every = Some(n),
                        _ => return usage(&format!("--every: `{v}` is not a positive number")),
                    },
                }
            }
            "--trace" => kind = Some(true),
            "--script" => kind = Some(false),
            "--hash" => hash = true,
            "--json" => json = true,
            s if s.starts_with("--") => return usage(&format!("unknown option {s}")),
            _ => {
                if path.replace(a.clone()).is_some() {
                    return usage("more than one SCRIPT or TRACE given");
                }
            }
        }
    }
    let Some(path) = path else { return usage("missing SCRIPT or TRACE (a file, or - for standard input)") };
    if configs.is_empty() {
        return usage("give each configuration with --config, e.g. --config slab=slub --config slab=slab");
    }
    if configs.len() > MAX_CONFIGS {
        return usage(&format!("at most {MAX_CONFIGS} configurations can be compared ({} given)", configs.len()));
    }
    let text = match read_input(&path) {
        Ok(t) => t,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(1);
        }
    };
    let label = if path == "-" { "<stdin>" } else { path.as_str() };
    let is_trace = kind.unwrap_or_else(|| looks_like_trace(&text));
    let prelude = match (&slabinfo, is_trace) {
        (None, _) => String::new(),
        (Some(_), false) => return usage("--slabinfo applies to traces only"),
        (Some(f), true) => match read_maybe_gz(f) {
            Ok(t) => {
                let (script_text, bad) = slabscope_core::trace::slabinfo_to_script(&t);
                for b in &bad {
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
    let events;
    let (work, base) = if is_trace {
        let (ev, bad) = slabscope_core::trace::parse(&text);
        if !bad.is_empty() {
            eprintln!("warning: {label}: {} malformed line(s) skipped, first: {}", bad.len(), bad[0]);
        }
        events = ev;
        (
            Work::Trace { events: &events, prelude: &prelude, cpus_from_trace: true },
            MachineConfig { mem_bytes: 256 << 20, ..MachineConfig::default() },
        )
    } else {
        (Work::Script(&text), MachineConfig::default())
    };
    let refs: Vec<&str> = configs.iter().map(String::as_str).collect();
    let total = match work {
        Work::Trace { events, .. } => events.len(),
        _ => usize::MAX,
    };
    let cmp = match Comparison::run(work, &base, &refs, every.unwrap_or(total.max(1))) {
        Ok(c) => c,
        Err(CompareError::Config { index, label: cfg, error }) => {
            let hint = error.suggestion.as_ref().map_or(String::new(), |s| format!("; did you mean `{s}`?"));
            eprintln!("error: --config {} \"{cfg}\", column {}: {}{hint}", index + 1, error.col, error.kind);
            return ExitCode::from(2);
        }
        Err(CompareError::Script(e)) => {
            eprintln!("error: {label}:{e}");
            return ExitCode::from(1);
        }
        Err(CompareError::Op { index, label: cfg, error }) => {
            eprintln!("error: {label}:{error} (under --config {} \"{cfg}\")", index + 1);
            return ExitCode::from(1);
        }
        Err(e) => return usage(&e.to_string()),
    };
    let mut out = Out::new();
    if json {
        let cols: Vec<serde_json::Value> = cmp
            .columns
            .iter()
            .map(|c| {
                serde_json::json!({
                    "config": c.label,
                    "machine": script::config_text(&c.config),
                    "series": c.series,
                })
            })
            .collect();
        let _ = writeln!(out, "{}", serde_json::json!({ "positions": cmp.positions(), "columns": cols }));
        return out.finish(ExitCode::SUCCESS);
    }
    let unit = if is_trace { "events" } else { "ops" };
    let _ =
        writeln!(out, "compare: {label} ({}, {} {unit})", if is_trace { "trace" } else { "script" }, cmp.positions());
    for (i, c) in cmp.columns.iter().enumerate() {
        let refused = c.report.as_ref().map_or(String::new(), |r| format!("; refused ops: {}", r.failed.len()));
        let _ =
            writeln!(out, "  [{}] {:<28} machine: config {}{refused}", i + 1, c.label, script::config_text(&c.config));
    }
    if let Some(n) = every {
        for p in cmp.sample_positions().into_iter().filter(|&p| p > 0 && p < cmp.positions() && p % n == 0) {
            let at: Vec<_> =
                cmp.columns.iter().filter_map(|c| c.series.iter().find(|m| m.position == p).copied()).collect();
            compare_table(&mut out, &format!("after {p} {unit}:"), &at, &[]);
        }
    }
    let hashes: Vec<String> = if hash {
        cmp.columns.iter().map(|c| format!("{:016x}", c.session.event_hash())).collect()
    } else {
        Vec::new()
    };
    compare_table(&mut out, &format!("at the end ({} {unit}):", cmp.positions()), &cmp.at_end(), &hashes);
    out.finish(ExitCode::SUCCESS)
}

/// `slabscope diff`: see [`COMPARE_USAGE`].
fn cmd_diff(args: &[String]) -> ExitCode {
    use slabscope_core::compare::{diff_buddyinfo, diff_slabinfo, DiffError, Side};
    let usage = |msg: &str| {
        eprintln!("error: {msg}\n\n{COMPARE_USAGE}");
        ExitCode::from(2)
    };
    let mut files = Vec::new();
    let mut buddy = None;
    let mut it = args.iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "--buddyinfo" => match (it.next(), it.next()) {
                (Some(x), Some(y)) => buddy = Some((x.clone(), y.clone())),
                _ => return usage("--buddyinfo needs two files: BEFORE AFTER"),
            },
            s if s.starts_with("--") => return usage(&format!("unknown option {s}")),
            _ => files.push(a.clone()),
        }
    }
    let [a, b] = &files[..] else {
        return usage(&format!("expected two /proc/slabinfo files, {} given", files.len()));
    };
    let read = |p: &str| read_maybe_gz(p);
    let (ta, tb) = match (read(a), read(b)) {
        (Ok(x), Ok(y)) => (x, y),
        (Err(e), _) | (_, Err(e)) => {
            eprintln!("error: {e}");
            return ExitCode::from(1);
        }
    };
    let located = |e: DiffError, before: &str, after: &str| {
        let file = if e.side == Side::Before { before } else { after };
        eprintln!("error: {file}:{}", e.error);
        ExitCode::from(1)
    };
    let caches = match diff_slabinfo(&ta, &tb) {
        Ok(d) => d,
        Err(e) => return located(e, a, b),
    };
    let zones = match &buddy {
        None => None,
        Some((x, y)) => {
            let (tx, ty) = match (read(x), read(y)) {
                (Ok(p), Ok(q)) => (p, q),
                (Err(e), _) | (_, Err(e)) => {
                    eprintln!("error: {e}");
                    return ExitCode::from(1);
                }
            };
            match diff_buddyinfo(&tx, &ty) {
                Ok(z) => Some(z),
                Err(e) => return located(e, x, y),
            }
        }
    };
    let mut out = Out::new();
    let _ = writeln!(out, "slabinfo: {a} -> {b}");
    let _ = writeln!(
        out,
        "{:<28} {:>12} {:>12} {:>10} {:>14}   {:>24}",
        "cache", "active_objs", "num_objs", "slabs", "memory", "memory before -> after"
    );
    let kib = |f: &Option<slabscope_core::compare::CacheFigures>| match f {
        Some(f) => format!("{} KiB", f.bytes() / 1024),
        None => "-".into(),
    };
    let mut unchanged = 0;
    for c in &caches {
        if c.active_objs() == 0
            && c.num_objs() == 0
            && c.slabs() == 0
            && c.bytes() == 0
            && c.before.is_some()
            && c.after.is_some()
        {
            unchanged += 1;
            continue;
        }
        let note = match (&c.before, &c.after) {
            (None, _) => " (new)",
            (_, None) => " (gone)",
            _ => "",
        };
        let _ = writeln!(
            out,
            "{:<28} {:>+12} {:>+12} {:>+10} {:>+10} KiB   {:>24}{note}",
            c.name,
            c.active_objs(),
            c.num_objs(),
            c.slabs(),
            c.bytes() / 1024,
            format!("{} -> {}", kib(&c.before), kib(&c.after)),
        );
    }
    let total: i64 = caches.iter().map(|c| c.bytes()).sum();
    let _ = writeln!(out, "total slab memory change: {:+} KiB; {unchanged} cache(s) unchanged", total / 1024);
    if let (Some(zones), Some((x, y))) = (zones, &buddy) {
        let _ = writeln!(out, "\nbuddyinfo: {x} -> {y}");
        let mut head = format!("{:<26}", "order");
        for o in 0..slabscope_core::machine::NR_PAGE_ORDERS {
            head.push_str(&format!(" {o:>7}"));
        }
        let _ = writeln!(out, "{head}  free pages");
        for z in &zones {
            let name = format!("Node {}, zone {}", z.node, z.zone);
            let row = |label: &str, v: Vec<String>, pages: String| {
                let mut l = format!("{:<26}", format!("{name} {label}"));
                for x in v {
                    l.push_str(&format!(" {x:>7}"));
                }
                format!("{l}  {pages}")
            };
            let pages = |n: &[u64]| n.iter().enumerate().map(|(o, c)| c << o).sum::<u64>().to_string();
            let _ = writeln!(out, "{}", row("before", z.before.iter().map(u64::to_string).collect(), pages(&z.before)));
            let _ = writeln!(out, "{}", row("after", z.after.iter().map(u64::to_string).collect(), pages(&z.after)));
            let _ = writeln!(
                out,
                "{}",
                row("delta", z.delta().iter().map(|d| format!("{d:+}")).collect(), format!("{:+}", z.pages()))
            );
        }
    }
    out.finish(ExitCode::SUCCESS)
}
