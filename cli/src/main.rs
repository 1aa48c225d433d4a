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

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some("run") => cmd_run(&args[1..]),
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
