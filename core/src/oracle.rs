//! The test oracle shared by the fuzz harness (`fuzz/`) and the regression tests
//! (`core/tests/fuzz_regressions.rs`): run an input through the core and report anything that is
//! not either a success or a clean, located error.
//!
//! For a script, under a given base machine: every op is pushed (a failing op does not stop the
//! run: the next ones still execute); after a successful op every checker runs ([`Sim::check`]);
//! after a failing op the state must be exactly what it was before ("a failed op changes
//! nothing": compared by [`fingerprint`]). At the end, seeking the session backwards and forwards
//! must give the same states as straight execution. Panics are not caught here: the harness
//! catches them (or runs the case in a child process).

use std::fmt;

use crate::limits::Limits;
use crate::machine::MachineConfig;
use crate::names::Names;
use crate::script::{self, ScriptErrorKind};
use crate::session::Session;
use crate::sim::Sim;
use crate::snapshot::Snapshot;

/// Something the oracle rejects.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Finding {
    /// An invariant checker failed after op `op` (script line `line`).
    Violation { op: usize, line: u32, message: String },
    /// Op `op` failed but changed the state.
    ChangedOnFailure { op: usize, line: u32, error: String },
    /// An error without a usable location.
    Unlocated { error: String },
    /// Seeking to `step` gave another state than straight execution.
    SeekMismatch { step: u64 },
    /// A trace streamed in other chunks gave another result (`what` differs).
    SplitMismatch { what: String },
}

impl fmt::Display for Finding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Finding::Violation { op, line, message } => {
                write!(f, "invariant violated after op {op} (line {line}): {message}")
            }
            Finding::ChangedOnFailure { op, line, error } => {
                write!(f, "op {op} (line {line}) failed ({error}) but changed the state")
            }
            Finding::Unlocated { error } => write!(f, "error without a location: {error}"),
            Finding::SeekMismatch { step } => write!(f, "seek to step {step} differs from straight execution"),
            Finding::SplitMismatch { what } => write!(f, "the trace streamed in other chunks gives another {what}"),
        }
    }
}

/// What a clean run did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Outcome {
    /// Ops that succeeded.
    pub ok: usize,
    /// Ops that failed cleanly.
    pub failed: usize,
    /// The input was refused before running (parse, config or limit error).
    pub refused: bool,
}

/// A fingerprint of a state: everything a snapshot shows (layers, lists, freelists read from
/// memory, bindings, `/proc` texts) and the slab allocator's whole state (its `Debug` form: the
/// snapshot shows only the policy-neutral rows), as a stable hash.
pub fn fingerprint(sim: &Sim, names: &Names) -> u64 {
    let json = serde_json::to_string(&Snapshot::of(sim, names)).unwrap_or_default();
    let mut h = crate::event::StreamHash::default();
    h.update(json.as_bytes());
    h.update(format!("{:?}", sim.slab).as_bytes());
    h.finish()
}

/// Failed ops per run whose state is compared before and after (a snapshot fingerprint is much
/// dearer than an op; later failures are only checked not to change the op and step counts).
pub const FAILURES_COMPARED: usize = 100;

/// Frame visits of checking one run may spend; past it, the checkers run every k-th op so that a
/// case stays within its time budget on a large machine (the last op is always checked).
pub const CHECK_BUDGET: u64 = 200_000_000;

/// Run `src` under `base` with every checker and the failed-op oracle (see the module docs).
pub fn run_script(src: &str, base: &MachineConfig, limits: &Limits) -> Result<Outcome, Finding> {
    let mut names = Names::default();
    let refused = |e: script::ScriptError| {
        let flag = matches!(e.kind, ScriptErrorKind::FlagConfig { .. });
        if (e.line == 0 || e.col == 0) && !flag {
            return Err(Finding::Unlocated { error: e.to_string() });
        }
        Ok(Outcome { refused: true, ..Outcome::default() })
    };
    let prog = match script::parse_with(src, &mut names, limits) {
        Ok(p) => p,
        Err(e) => return refused(e),
    };
    let config = match prog.apply_config(base) {
        Ok(c) => c,
        Err(e) => return refused(e),
    };
    let Ok(mut session) = Session::with_names(config, names) else {
        return Err(Finding::Unlocated { error: "a validated config did not boot".into() });
    };
    let pages = u64::from(session.head().machine.total_pages()).max(1);
    let n = prog.ops.len() as u64;
    let every = (n.saturating_mul(pages) / CHECK_BUDGET).max(1);
    let mut out = Outcome::default();
    for (k, (op, &line)) in prog.ops.iter().zip(&prog.lines).enumerate() {
        let compare = out.failed < FAILURES_COMPARED;
        let before = compare.then(|| session.head().clone());
        let (ops, steps) = (session.op_count(), session.total_steps());
        match session.push(*op, line) {
            Ok(_) => {
                out.ok += 1;
                if (k as u64 + 1).is_multiple_of(every) || k + 1 == prog.ops.len() {
                    session.head().check().map_err(|message| Finding::Violation { op: k, line, message })?;
                }
            }
            Err(e) => {
                out.failed += 1;
                let same = session.op_count() == ops
                    && session.total_steps() == steps
                    && before.is_none_or(|b| {
                        fingerprint(&b, session.names()) == fingerprint(session.head(), session.names())
                    });
                if !same {
                    return Err(Finding::ChangedOnFailure { op: k, line, error: e.to_string() });
                }
            }
        }
    }
    check_seek(&mut session)?;
    Ok(out)
}

/// Seek to the end, the middle, step 1 and back: each state must equal straight execution.
pub fn check_seek(session: &mut Session) -> Result<(), Finding> {
    let total = session.total_steps();
    for step in [total, total / 2, 1.min(total), total.saturating_sub(1), 0] {
        session.seek(step);
        let want = straight(session, step);
        if fingerprint(session.sim(), session.names()) != fingerprint(&want, session.names()) {
            return Err(Finding::SeekMismatch { step });
        }
    }
    Ok(())
}

/// The state at `step` by executing from boot and applying a prefix of the last op's events.
fn straight(s: &Session, step: u64) -> Sim {
    if step == 0 {
        return s.state_before(0);
    }
    let Some(k) = s.op_of_event(step - 1) else { return s.head().clone() };
    let mut sim = s.state_before(k);
    let mut events = Vec::new();
    let mut pre = sim.clone();
    if let Some(op) = s.op(k) {
        // Recorded ops succeeded once from this state, so they succeed again.
        let _ = pre.exec_at(op, s.names(), s.op_line(k), &mut events);
    }
    let j = (step - s.op_events_range(k).start) as usize;
    for ev in events.iter().take(j) {
        sim.apply(ev);
    }
    sim
}

/// The base machines the harness and the regression tests run every input under: every slab
/// policy and per-CPU front end, pcp lists, SLUB debugging and hardening.
pub fn policy_configs() -> Vec<(&'static str, MachineConfig)> {
    let variants: &[(&str, &str)] = &[
        ("slub", "mem=4M"),
        ("slab", "mem=4M slab=slab"),
        ("aether", "mem=4M slab=aether"),
        ("sheaves", "mem=4M slab=sheaves"),
        ("magazine", "mem=4M percpu=magazine"),
        ("slob", "mem=4M slab=slob"),
        ("magazine-slab", "mem=4M slab=slab percpu=magazine"),
        ("magazine-aether", "mem=4M slab=aether percpu=magazine"),
        ("magazine-slob", "mem=4M slab=slob percpu=magazine"),
        ("debug", "mem=4M slub_debug=FZPU hardened=on freelist_random=on"),
        ("numa-pcp", "mem=8M nodes=2 cpus=4 pcp=on superslab_release=off"),
    ];
    variants
        .iter()
        .filter_map(|(name, text)| {
            let mut c = MachineConfig::default();
            for kv in text.split_whitespace() {
                let (k, v) = kv.split_once('=')?;
                script::set_config(&mut c, k, v).ok()?;
            }
            Some((*name, c))
        })
        .collect()
}

/// What kind of input a fuzz case is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Target {
    /// An op-language script (run under every [`policy_configs`] machine).
    Script,
    /// A `/proc/buddyinfo` or `/proc/slabinfo` snapshot.
    Snapshot,
    /// A lesson TOML file.
    Lesson,
    /// `perf script` trace lines.
    Trace,
}

impl Target {
    /// Every target, with its name (the folder under `core/tests/fuzz/`).
    pub const ALL: [(Target, &'static str); 4] = [
        (Target::Script, "script"),
        (Target::Snapshot, "snapshot"),
        (Target::Lesson, "lesson"),
        (Target::Trace, "trace"),
    ];

    /// The target called `name`.
    pub fn from_name(name: &str) -> Option<Target> {
        Target::ALL.iter().find(|(_, n)| *n == name).map(|(t, _)| *t)
    }

    /// Its name.
    pub fn name(self) -> &'static str {
        Target::ALL.iter().find(|(t, _)| *t == self).map_or("?", |(_, n)| n)
    }
}

/// The limits a fuzz case runs under: the defaults with fewer ops, so that every case finishes
/// in well under a second even with a check after every op.
pub fn case_limits() -> Limits {
    Limits { max_ops: 20_000, ..Limits::default() }
}

/// Run one fuzz case (see [`Target`]).
pub fn run_case(target: Target, input: &str) -> Result<(), Finding> {
    let limits = case_limits();
    match target {
        Target::Script => {
            for (_, c) in policy_configs() {
                run_script(input, &c, &limits)?;
            }
        }
        Target::Snapshot => {
            if let Ok(s) = crate::procfs::session_from_buddyinfo(input, &MachineConfig::default()) {
                s.head().check().map_err(|message| Finding::Violation { op: 0, line: 0, message })?;
            }
            let (script, bad) = crate::procfs::slabinfo_to_script(input);
            if let Some(b) = bad.iter().find(|b| b.line == 0 || b.col == 0) {
                return Err(Finding::Unlocated { error: b.to_string() });
            }
            run_script(&script, &MachineConfig::default(), &limits)?;
        }
        // Lesson files are read only with the `toml` feature (the web app's build has none).
        #[cfg(not(feature = "toml"))]
        Target::Lesson => {}
        #[cfg(feature = "toml")]
        Target::Lesson => {
            if let Ok(lesson) = crate::lesson::parse("case.toml", input) {
                if let Ok(mut played) = crate::lesson::play(&lesson) {
                    let s = &mut played.session;
                    s.head().check().map_err(|message| Finding::Violation { op: s.op_count(), line: 0, message })?;
                    check_seek(s)?;
                }
            }
        }
        Target::Trace => {
            run_trace(input.as_bytes())?;
        }
    }
    Ok(())
}

/// Run one fuzz case given as bytes: a trace as it is (invalid UTF-8 included), the other
/// targets as (lossy) text.
pub fn run_case_bytes(target: Target, input: &[u8]) -> Result<(), Finding> {
    match target {
        Target::Trace => run_trace(input).map(|_| ()),
        _ => run_case(target, &String::from_utf8_lossy(input)),
    }
}

/// Retained events a trace fuzz case may hold (keeps a case within its time budget; a larger
/// input must stop with a located [`crate::trace::TraceError::OverBudget`]).
pub const TRACE_CASE_EVENTS: usize = 100_000;

/// A trace load for the oracle: `bytes` fed to a streaming [`crate::trace::Loader`] in chunks of
/// the sizes `split` yields (cycled), on the default machine sized from the trace.
fn load_trace(
    bytes: &[u8],
    split: &[usize],
    limits: crate::trace::Limits,
) -> Result<crate::trace::TraceSession, crate::trace::TraceError> {
    let boot = crate::trace::Boot::Config { config: MachineConfig::default(), auto_cpus: true };
    let mut loader = crate::trace::Loader::new(boot, "", limits)?;
    let mut rest = bytes;
    for &n in split.iter().cycle() {
        if rest.is_empty() {
            break;
        }
        let (a, b) = rest.split_at(n.clamp(1, rest.len()));
        loader.feed(a)?;
        rest = b;
    }
    loader.finish()
}

/// The trace oracle. `bytes` is streamed through the [`crate::trace::Loader`] twice (one chunk;
/// then chunks of 1, 7, 4096, 3, 65 537 … bytes: lines and UTF-8 sequences cut anywhere) and both
/// loads must agree (error, report, op count, final state). Every reported line is located
/// (`1..=lines`), an over-budget stop names its line. The loaded session passes every checker and
/// seeks like straight execution. Then the lines are replayed event by event
/// ([`crate::trace::Replayer`]): the checkers run after every event that added ops (sampled past
/// [`CHECK_BUDGET`]), and an event that added no op — a refused allocation, an unmatched or
/// `(nil)` free — must leave the state exactly as it was (the failed-op oracle, first
/// [`FAILURES_COMPARED`] such events).
pub fn run_trace(bytes: &[u8]) -> Result<Outcome, Finding> {
    run_trace_within(bytes, TRACE_CASE_EVENTS)
}

/// [`run_trace`] with a budget of `max_events` retained events.
pub fn run_trace_within(bytes: &[u8], max_events: usize) -> Result<Outcome, Finding> {
    use crate::trace::{self, TraceError};
    let limits = trace::Limits { max_events, ..trace::Limits::default() };
    let whole = load_trace(bytes, &[usize::MAX], limits);
    let split = load_trace(bytes, &[1, 7, 4096, 3, 65_537, 2, 511], limits);
    let mismatch = |what: &str| Err(Finding::SplitMismatch { what: what.into() });
    let (t, other) = match (whole, split) {
        (Err(a), Err(b)) => {
            if a != b {
                return mismatch("error");
            }
            return match a {
                TraceError::OverBudget { line, .. } if line > 0 => Ok(Outcome { refused: true, ..Outcome::default() }),
                TraceError::TooManyLines => Ok(Outcome { refused: true, ..Outcome::default() }),
                e => Err(Finding::Unlocated { error: e.to_string() }),
            };
        }
        (Ok(a), Ok(b)) => (a, b),
        _ => return mismatch("outcome (one load failed)"),
    };
    if t.report != other.report {
        return mismatch("report");
    }
    if t.session.op_count() != other.session.op_count()
        || fingerprint(t.session.head(), t.session.names()) != fingerprint(other.session.head(), other.session.names())
    {
        return mismatch("final state");
    }
    drop(other);
    let lines = t.report.lines;
    let located = |l: u32| (1..=lines).contains(&l);
    if let Some(b) = t.report.bad_lines.iter().find(|b| !located(b.line)) {
        return Err(Finding::Unlocated { error: b.to_string() });
    }
    if let Some((l, e)) = t.report.failed.iter().find(|(l, _)| !located(*l)) {
        return Err(Finding::Unlocated { error: format!("line {l}: {e}") });
    }
    let config = t.session.config().clone();
    let mut session = t.session;
    session.head().check().map_err(|message| Finding::Violation { op: session.op_count(), line: 0, message })?;
    check_seek(&mut session)?;
    drop(session);
    // Event by event, on the machine the load chose.
    let text = String::from_utf8_lossy(bytes);
    let (events, bad) = trace::parse(&text);
    let events = &events[..events.len().min(max_events)];
    let Ok(boot) = Session::with_names(config, Names::default()) else {
        return Err(Finding::Unlocated { error: "the loaded trace's machine did not boot again".into() });
    };
    let pages = u64::from(boot.head().machine.total_pages()).max(1);
    let every = (events.len() as u64).saturating_mul(pages) / CHECK_BUDGET + 1;
    let mut r = trace::Replayer::new(boot, "", bad);
    let mut out = Outcome::default();
    for (k, ev) in events.iter().enumerate() {
        let ops = r.session().op_count();
        let compare = out.failed < FAILURES_COMPARED;
        let before = compare.then(|| fingerprint(r.session().head(), r.session().names()));
        r.feed(ev);
        let s = r.session();
        if s.op_count() == ops {
            out.failed += 1;
            if before.is_some_and(|b| b != fingerprint(s.head(), s.names())) {
                return Err(Finding::ChangedOnFailure {
                    op: k,
                    line: ev.line,
                    error: "trace event not replayed".into(),
                });
            }
        } else {
            out.ok += 1;
            if (k as u64 + 1).is_multiple_of(every) || k + 1 == events.len() {
                s.head().check().map_err(|message| Finding::Violation { op: s.op_count(), line: ev.line, message })?;
            }
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clean_scripts_pass_under_every_policy() {
        let src = "kmalloc 8 as=a\nkfree a\nkfree a\npages alloc order=3 as=p\npages free p\nmalloc 16 as=t\nfree t\nshrink\n";
        assert_eq!(policy_configs().len(), 11);
        for (name, c) in policy_configs() {
            let o = run_script(src, &c, &Limits::default()).unwrap_or_else(|f| panic!("{name}: {f}"));
            assert_eq!((o.ok, o.failed), (7, 1), "{name}");
        }
        let o = run_script("pages alloc order=99 as=a", &MachineConfig::default(), &Limits::default()).unwrap();
        assert!(o.refused);
    }

    #[test]
    fn trace_oracle_streams_replays_and_checks_the_sample() {
        // The first 400 lines (the whole sample is the fuzz corpus; this is the quick check).
        let all = include_bytes!("../tests/data/kmem-ls-sort-2000.perf.txt");
        let t = &all[..all.iter().enumerate().filter(|(_, &b)| b == b'\n').nth(399).map_or(all.len(), |(i, _)| i + 1)];
        let o = run_trace(t).unwrap_or_else(|f| panic!("{f}"));
        assert!(o.ok > 100, "{o:?}");
        assert!(o.failed > 0, "unmatched frees and (nil) frees are compared: {o:?}");
        // Bytes that are not UTF-8, a cut multi-byte sequence, a cut last line: still clean.
        let mut b = t[..t.len() / 2].to_vec();
        b.splice(3000..3000, [0xff, b'\n', 0xe3, 0x81]);
        run_trace(&b).unwrap_or_else(|f| panic!("{f}"));
        // Over the event budget: a located stop, the same however the bytes are split.
        assert!(run_trace_within(t, 100).unwrap_or_else(|f| panic!("{f}")).refused);
    }
}
