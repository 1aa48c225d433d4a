//! Compare runs side by side: the same work (a script, a list of ops such as a seeded workload,
//! or a `perf` kmem trace) under 2–4 machine configurations, and the difference of two `/proc`
//! snapshots (`/proc/slabinfo`, `/proc/buddyinfo`).
//!
//! A configuration is a line of op-language `config` settings (`slab=slab percpu=magazine
//! cpus=2`), read by the script parser ([`script::parse`]) and applied on top of the script's own
//! `config` lines exactly as the CLI's flags are, so column *i* of a comparison is the very session
//! `script::run` (or a trace replay) builds for configuration *i* alone. Each column keeps its
//! [`Session`] (for seeking all columns to one position) and a series of [`Measures`] sampled every
//! N positions — numbers only, never snapshots.
//!
//! A *position* is the number of inputs consumed: ops of a script or op list, events of a trace
//! (after the optional prelude). Columns share positions even when a trace makes one machine
//! refuse an allocation another grants (the refused op is not in that session).
//!
//! Invariants: 1..=[`MAX_CONFIGS`] columns; every column's series has a sample at position 0, at
//! every multiple of `every` and at the end, at the same positions in every column.

use std::borrow::Cow;
use std::fmt;

use serde::{Deserialize, Serialize};

use crate::event::CountSink;
use crate::machine::{MachineConfig, MAX_CPUS, PAGE_SIZE};
use crate::names::{Binding, Bindings, Names, Value};
use crate::op::Op;
use crate::procfs::{self, ProcError, SlabinfoRow};
use crate::script::{self, Program, ScriptError, Setting};
use crate::session::{Sample, Session};
use crate::sim::Sim;
use crate::snapshot::{Parts, Snapshot};
use crate::trace::{Report, TraceEvent};
use crate::workload::{Generator, Mix};

/// Most configurations one comparison runs.
pub const MAX_CONFIGS: usize = 4;

/// Why a comparison could not be built.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum CompareError {
    /// No configuration, or more than [`MAX_CONFIGS`].
    Count {
        /// How many were given.
        given: usize,
    },
    /// `every` must be at least 1.
    ZeroEvery,
    /// Configuration `index` (0-based) is not valid; the error is located in its text (line 1).
    Config {
        /// Which configuration.
        index: usize,
        /// Its text.
        label: String,
        /// Where and what.
        error: Box<ScriptError>,
    },
    /// The script does not parse, or its own `config` lines are invalid (located in the script).
    Script(Box<ScriptError>),
    /// An op failed under configuration `index` (located in the script).
    Op {
        /// Which configuration.
        index: usize,
        /// Its text.
        label: String,
        /// Where and what.
        error: Box<ScriptError>,
    },
    /// A generated op (one with no script line, e.g. of a seeded workload) failed under
    /// configuration `index`: located by its 1-based number in the op list.
    WorkOp {
        /// Which configuration.
        index: usize,
        /// Its text.
        label: String,
        /// The op's number (1-based).
        op: usize,
        /// The op in the op language.
        text: String,
        /// What went wrong.
        error: crate::sim::OpError,
    },
}

impl fmt::Display for CompareError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CompareError::Count { given } => {
                write!(f, "compare takes 1 to {MAX_CONFIGS} configurations, {given} given")
            }
            CompareError::ZeroEvery => write!(f, "the sampling interval must be at least 1"),
            CompareError::Config { index, label, error } => {
                write!(f, "configuration {} `{label}`: {error}", index + 1)
            }
            CompareError::Script(e) => write!(f, "{e}"),
            CompareError::Op { index, label, error } => {
                write!(f, "{error} (under configuration {} `{label}`)", index + 1)
            }
            CompareError::WorkOp { index, label, op, text, error } => {
                write!(f, "workload op {op} `{text}`: {error} (under configuration {} `{label}`)", index + 1)
            }
        }
    }
}

impl std::error::Error for CompareError {}

/// Length of the `config ` prefix a configuration string is parsed behind.
const PREFIX: u32 = 7;

/// Read a configuration string (`key=value` settings separated by spaces, without the `config`
/// word; empty = no change) with the op language's parser. Errors are located in `text` (line 1).
pub fn parse_config(text: &str) -> Result<Vec<Setting>, ScriptError> {
    // One statement only: no line break or `;` (which would start an op).
    if let Some(i) = text.find(['\n', '\r', ';']) {
        let col = text[..i].chars().count() as u32 + 1;
        let found = if text[i..].starts_with(';') { "`;`" } else { "a line break" };
        let kind = script::ScriptErrorKind::Expected { expected: "one line of settings".into(), found: found.into() };
        return Err(ScriptError { line: 1, col, kind, suggestion: None });
    }
    if text.trim().is_empty() {
        return Ok(Vec::new());
    }
    let prog = script::parse(&format!("config {text}"), &mut Names::default()).map_err(|e| ScriptError {
        col: e.col.saturating_sub(PREFIX).max(1),
        line: 1,
        ..e
    })?;
    Ok(prog.settings.into_iter().map(|s| Setting { col: s.col.saturating_sub(PREFIX).max(1), line: 1, ..s }).collect())
}

/// `base` with the settings of a configuration string applied (and the machine validated), as
/// [`script::run`] applies its overrides.
pub fn apply_config(settings: &[Setting], base: &MachineConfig) -> Result<MachineConfig, ScriptError> {
    Program { settings: settings.to_vec(), ..Default::default() }.apply_config(base).map_err(|mut e| {
        // A bad value points at the value (`slab=sulb`: the column of `sulb`), not at its key.
        if matches!(e.kind, script::ScriptErrorKind::BadValue { .. }) {
            if let Some(s) = settings.iter().find(|s| (s.line, s.col) == (e.line, e.col)) {
                e.col += s.key.chars().count() as u32 + 1;
            }
        }
        e
    })
}

/// The work every column runs.
#[derive(Clone, Copy, Debug)]
pub enum Work<'a> {
    /// An op-language script (its `config` lines apply before each configuration's settings).
    Script(&'a str),
    /// Ops already built (e.g. [`workload_ops`]) over the names in `names`; `lines[k]` is op k's
    /// source line (0 for none).
    Ops {
        /// Names the ops use.
        names: &'a Names,
        /// The ops.
        ops: &'a [Op],
        /// Their lines.
        lines: &'a [u32],
    },
    /// A parsed `perf` kmem trace, replayed with [`crate::trace::Replayer`] after `prelude`
    /// (e.g. [`crate::trace::slabinfo_to_script`] output). With `cpus_from_trace`, a
    /// configuration that does not set `cpus` gets as many CPUs as the trace used (at least its
    /// node count), as `slabscope replay` does.
    Trace {
        /// Events in order.
        events: &'a [TraceEvent],
        /// Op-language lines run first.
        prelude: &'a str,
        /// See above.
        cpus_from_trace: bool,
    },
}

/// A seeded workload ([`crate::workload::workload`]) generated once for all `configs`, on the
/// smallest of them (fewest CPUs, least memory) so that every machine can run every op.
pub fn workload_ops(configs: &[MachineConfig], seed: u64, n: usize, mix: Mix) -> (Names, Vec<Op>) {
    let (names, mut generator) = workload_generator(configs, seed, mix);
    let mut ops = Vec::new();
    generator.fill(n, &mut ops);
    (names, ops)
}

/// The generator [`workload_ops`] draws from, on the smallest of `configs`, with the names its
/// lists use: its first `n` ops, made in any number of [`Generator::fill`] pieces, are
/// `workload_ops(configs, seed, n, mix)` (a page makes a 200,000-op workload a slice per task).
pub fn workload_generator(configs: &[MachineConfig], seed: u64, mix: Mix) -> (Names, Generator) {
    let mut small = configs.first().cloned().unwrap_or_default();
    for c in configs {
        small.cpus = small.cpus.min(c.cpus);
        small.mem_bytes = small.mem_bytes.min(c.mem_bytes);
    }
    let mut names = Names::default();
    let generator = Generator::new(&small, seed, mix, &mut names);
    (names, generator)
}

/// The figures compared, of one state. Policy-neutral: every slab policy reports each of them.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Measures {
    /// Input position (ops or trace events consumed).
    pub position: usize,
    /// Ops in the session so far.
    pub ops: usize,
    /// Micro-events so far.
    pub events: u64,
    /// Pages in use: neither free in the buddy allocator nor on a pcp list (`Stats::used_pages`).
    pub used_pages: u64,
    /// Pages held by slab caches of every policy (`Sample::slab_pages`).
    pub slab_pages: u64,
    /// Bytes the object allocators hold from the page allocator: slab pages × 4096 plus the
    /// SuperSlabs' resident bytes.
    pub resident_bytes: u64,
    /// Unusable free space index for order 3 (`Stats::unusable_index[3]`).
    pub unusable_order3: f64,
    /// Slab allocations served by a per-CPU fast path (see [`fast_path`]).
    pub fast_allocs: u64,
    /// Slab allocations counted for the fast-path rate.
    pub allocs: u64,
    /// Slab memory not holding a live object's payload, as `slab_waste` in Linux's
    /// tools/mm/slabinfo.c: Σ over caches of slab bytes − active objects × object size (per-object
    /// padding and metadata, free slots and the leftover at each slab's end).
    pub waste_bytes: u64,
}

impl Measures {
    /// The measures of `sim` (the state after `ops` ops, `events` micro-events).
    pub fn of(sim: &Sim, position: usize, ops: usize, events: u64) -> Measures {
        let rows = crate::layers::slab_rows(sim);
        Measures::of_rows(sim, position, ops, events, &crate::layers::cache_rows(sim, &rows))
    }

    /// [`Measures::of`] with the cache rows of `sim` already made (e.g. a snapshot's
    /// `cache_rows`): the internal waste is summed from them instead of walking every slab again.
    pub fn of_rows(sim: &Sim, position: usize, ops: usize, events: u64, rows: &[crate::layers::CacheRow]) -> Measures {
        let sample = Sample::of(sim, ops, events);
        let st = sim.stats();
        let (fast_allocs, allocs) = fast_path(sim);
        Measures {
            position,
            ops,
            events,
            used_pages: st.used_pages,
            slab_pages: sample.slab_pages,
            resident_bytes: sample.slab_pages * PAGE_SIZE + sample.superslab_resident,
            unusable_order3: sample.unusable_order3,
            fast_allocs,
            allocs,
            waste_bytes: waste_of(rows),
        }
    }

    /// The measures of a session's head (all its ops done).
    pub fn of_session(s: &Session, position: usize) -> Measures {
        Measures::of(s.head(), position, s.op_count(), s.total_steps())
    }

    /// Fast-path allocations / allocations (`None` before the first slab allocation).
    pub fn fast_path_rate(&self) -> Option<f64> {
        (self.allocs > 0).then(|| self.fast_allocs as f64 / self.allocs as f64)
    }

    /// Mean micro-events per op so far (`None` before the first op).
    pub fn events_per_op(&self) -> Option<f64> {
        (self.ops > 0).then(|| self.events as f64 / self.ops as f64)
    }

    /// One measure as a number (`None` where undefined).
    pub fn value(&self, m: Measure) -> Option<f64> {
        Some(match m {
            Measure::Ops => self.ops as f64,
            Measure::Events => self.events as f64,
            Measure::UsedPages => self.used_pages as f64,
            Measure::SlabPages => self.slab_pages as f64,
            Measure::ResidentBytes => self.resident_bytes as f64,
            Measure::Unusable => self.unusable_order3,
            Measure::FastPath => return self.fast_path_rate(),
            Measure::WasteBytes => self.waste_bytes as f64,
            Measure::EventsPerOp => return self.events_per_op(),
        })
    }
}

/// Slab allocations served by the policy's per-CPU fast path, and all slab allocations counted,
/// every CPU summed: each policy and front end answers for itself
/// ([`crate::slab::SlabAllocator::fast_path_counts`]).
pub fn fast_path(sim: &Sim) -> (u64, u64) {
    let (fast, slow) = (0..sim.config().cpus)
        .map(|cpu| sim.slab.fast_path_counts(cpu))
        .fold((0, 0), |(f, s), (cf, cs)| (f + cf, s + cs));
    (fast, fast + slow)
}

/// `slab_waste` of tools/mm/slabinfo.c summed over the active policy's caches: slab bytes −
/// active objects × object size, from the policy-neutral [`crate::layers::cache_rows`].
pub fn slab_waste(sim: &Sim) -> u64 {
    let rows = crate::layers::slab_rows(sim);
    waste_of(&crate::layers::cache_rows(sim, &rows))
}

/// [`slab_waste`] summed from cache rows already made.
pub fn waste_of(rows: &[crate::layers::CacheRow]) -> u64 {
    rows.iter()
        .map(|c| {
            let bytes = c.slabs * u64::from(c.pages_per_slab) * PAGE_SIZE;
            bytes.saturating_sub(c.active * u64::from(c.object_size))
        })
        .sum()
}

/// The rows of a comparison table, in display order. `key` names the measure for UI catalogues
/// (`compare.measure.<key>`); `label` is the English text the CLI prints.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Measure {
    /// Ops in the session.
    Ops,
    /// Micro-events.
    Events,
    /// Pages used.
    UsedPages,
    /// Slab pages.
    SlabPages,
    /// Resident bytes.
    ResidentBytes,
    /// Unusable index, order 3.
    Unusable,
    /// Fast-path rate.
    FastPath,
    /// Internal waste.
    WasteBytes,
    /// Events per op.
    EventsPerOp,
}

/// One table per vocabulary: every measure with its catalogue key and English label.
pub const MEASURES: [(Measure, &str, &str); 9] = [
    (Measure::Ops, "ops", "ops"),
    (Measure::Events, "events", "micro-events"),
    (Measure::UsedPages, "used_pages", "pages used"),
    (Measure::SlabPages, "slab_pages", "slab pages"),
    (Measure::ResidentBytes, "resident", "resident bytes"),
    (Measure::Unusable, "unusable", "unusable index (order 3)"),
    (Measure::FastPath, "fast_path", "fast-path rate"),
    (Measure::WasteBytes, "waste", "slab waste bytes"),
    (Measure::EventsPerOp, "events_per_op", "events per op"),
];

/// One row of a deltas table: a measure's value in each column and its difference from column 0.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DeltaRow {
    /// Which measure.
    pub measure: Measure,
    /// Per column.
    pub values: Vec<Option<f64>>,
    /// Per column: value − column 0's value (`Some(0.0)` for column 0 itself).
    pub deltas: Vec<Option<f64>>,
}

/// The policy-neutral deltas table of measures taken at one position in every column.
pub fn deltas(columns: &[Measures]) -> Vec<DeltaRow> {
    MEASURES
        .iter()
        .map(|&(measure, ..)| {
            let values: Vec<Option<f64>> = columns.iter().map(|m| m.value(measure)).collect();
            let first = values.first().copied().flatten();
            let deltas = values.iter().map(|v| Some(v.as_ref()? - first?)).collect();
            DeltaRow { measure, values, deltas }
        })
        .collect()
}

/// One configuration's run.
#[derive(Clone, Debug)]
pub struct Column {
    /// The configuration text as given.
    pub label: String,
    /// The machine it built.
    pub config: MachineConfig,
    /// The session (seek it through [`Comparison::seek`] to keep the columns together).
    pub session: Session,
    /// Measures at the sample positions.
    pub series: Vec<Measures>,
    /// What the trace replay did (traces only).
    pub report: Option<Report>,
    /// Traces: session ops after each position (index = position). Scripts: none (ops =
    /// positions).
    ops_at: Option<Vec<u32>>,
}

impl Column {
    /// Ops of this column's session after `position` inputs.
    pub fn ops_at(&self, position: usize) -> usize {
        match &self.ops_at {
            Some(v) => v.get(position).or(v.last()).map_or(0, |&k| k as usize),
            None => position.min(self.session.op_count()),
        }
    }

    /// The snapshot of this column's session where it stands, with only `parts` of the costly
    /// sections (a UI column takes what its visible views need: see [`Snapshot::of_parts`]).
    pub fn snapshot(&self, parts: Parts) -> Snapshot {
        Snapshot::of_parts(self.session.sim(), self.session.names(), parts)
    }

    /// The measures at `position`, the session standing there and `snap` its snapshot (its
    /// cache rows give the waste): as [`Comparison::measures_at`] gives for this column.
    pub fn measures_with(&self, position: usize, snap: &Snapshot) -> Measures {
        Measures::of_rows(self.session.sim(), position, self.ops_at(position), self.session.step(), &snap.cache_rows)
    }

    /// The value bound to `label` (`p`, or `p[3]` for an element of the list `p`) where the
    /// session stands: the inverse of the labels a full snapshot's bindings carry, without
    /// making them all.
    pub fn bound(&self, label: &str) -> Option<Value> {
        bound_value(self.session.names(), &self.session.sim().bindings, label)
    }

    /// The session step at the end of `position` inputs.
    pub fn step_at(&self, position: usize) -> u64 {
        match self.ops_at(position) {
            0 => 0,
            k => self.session.op_events_range(k - 1).end,
        }
    }
}

/// Several configurations run on the same work. See the module docs.
#[derive(Clone, Debug)]
pub struct Comparison {
    /// The columns, in the order the configurations were given.
    pub columns: Vec<Column>,
    positions: usize,
    every: usize,
}

impl Comparison {
    /// Run `work` under each configuration (settings strings, applied on `base` and the script's
    /// own `config` lines), sampling the measures every `every` positions. The same as
    /// [`Comparison::builder`] run to the end in one go.
    pub fn run(
        work: Work<'_>,
        base: &MachineConfig,
        configs: &[&str],
        every: usize,
    ) -> Result<Comparison, CompareError> {
        Comparison::builder(work, base, configs, every)?.finish()
    }

    /// A comparison built a slice at a time ([`Build::step`]), so that a UI can show progress,
    /// answer input and cancel between slices. Every configuration is checked here, before any
    /// column runs.
    pub fn builder<'a>(
        work: Work<'a>,
        base: &MachineConfig,
        configs: &[&str],
        every: usize,
    ) -> Result<Build<'a>, CompareError> {
        let input = match work {
            Work::Script(src) => {
                let mut names = Names::default();
                let prog = script::parse(src, &mut names).map_err(|e| CompareError::Script(Box::new(e)))?;
                let own = prog.apply_config(base).map_err(|e| CompareError::Script(Box::new(e)))?;
                let Program { ops, lines, .. } = prog;
                return Build::new(
                    Input::Ops { names: Cow::Owned(names), ops: Cow::Owned(ops), lines: Cow::Owned(lines) },
                    &own,
                    configs,
                    every,
                );
            }
            Work::Ops { names, ops, lines } => {
                Input::Ops { names: Cow::Borrowed(names), ops: Cow::Borrowed(ops), lines: Cow::Borrowed(lines) }
            }
            Work::Trace { events, prelude, cpus_from_trace } => {
                Input::Trace { events: Cow::Borrowed(events), prelude: Cow::Borrowed(prelude), cpus_from_trace }
            }
        };
        Build::new(input, base, configs, every)
    }

    /// [`Comparison::builder`] over work it owns (a UI keeps the build across tasks).
    pub fn builder_owned(
        work: OwnedWork,
        base: &MachineConfig,
        configs: &[&str],
        every: usize,
    ) -> Result<Build<'static>, CompareError> {
        let input = match work {
            OwnedWork::Ops { names, ops, lines } => {
                Input::Ops { names: Cow::Owned(names), ops: Cow::Owned(ops), lines: Cow::Owned(lines) }
            }
            OwnedWork::Trace { events, prelude, cpus_from_trace } => {
                Input::Trace { events: Cow::Owned(events), prelude: Cow::Owned(prelude), cpus_from_trace }
            }
        };
        Build::new(input, base, configs, every)
    }

    /// Number of positions (inputs).
    pub fn positions(&self) -> usize {
        self.positions
    }

    /// The sampling interval.
    pub fn every(&self) -> usize {
        self.every
    }

    /// The sample positions (the same in every column's series).
    pub fn sample_positions(&self) -> Vec<usize> {
        self.columns.first().map_or(Vec::new(), |c| c.series.iter().map(|m| m.position).collect())
    }

    /// The measures at the end, per column.
    pub fn at_end(&self) -> Vec<Measures> {
        self.columns.iter().filter_map(|c| c.series.last().copied()).collect()
    }

    /// Move every column's session to the end of `position` inputs (clamped): the shared cursor.
    pub fn seek(&mut self, position: usize) {
        let position = position.min(self.positions);
        for c in &mut self.columns {
            let step = c.step_at(position);
            c.session.seek(step);
        }
    }

    /// The measures of every column at the end of `position` inputs (seeks there).
    pub fn measures_at(&mut self, position: usize) -> Vec<Measures> {
        let position = position.min(self.positions);
        self.seek(position);
        self.columns
            .iter()
            .map(|c| Measures::of(c.session.sim(), position, c.ops_at(position), c.session.step()))
            .collect()
    }
}

/// The value bound to `label` in `bindings`: a name (`p`) bound to one value, or an element of a
/// list (`p[3]`), as [`Snapshot`]'s binding labels name them; `None` when unbound.
pub fn bound_value(names: &Names, bindings: &Bindings, label: &str) -> Option<Value> {
    let (name, index) = match label.strip_suffix(']').and_then(|l| l.rsplit_once('[')) {
        Some((name, k)) => (name, Some(k.parse::<usize>().ok()?)),
        None => (label, None),
    };
    match (bindings.get(names.get(name)?)?, index) {
        (Binding::One(v), None) => Some(*v),
        (Binding::List(vs), Some(k)) => vs.get(k).copied(),
        _ => None,
    }
}

fn is_sample(position: usize, every: usize, last: usize) -> bool {
    position.is_multiple_of(every) || position == last
}

/// [`Work`] a comparison owns: see [`Comparison::builder_owned`].
#[derive(Clone, Debug)]
pub enum OwnedWork {
    /// As [`Work::Ops`].
    Ops {
        /// Names the ops use.
        names: Names,
        /// The ops.
        ops: Vec<Op>,
        /// Their lines (0 for a generated op).
        lines: Vec<u32>,
    },
    /// As [`Work::Trace`].
    Trace {
        /// Events in order.
        events: Vec<TraceEvent>,
        /// Op-language lines run first.
        prelude: String,
        /// See [`Work::Trace`].
        cpus_from_trace: bool,
    },
}

enum Input<'a> {
    Ops { names: Cow<'a, Names>, ops: Cow<'a, [Op]>, lines: Cow<'a, [u32]> },
    Trace { events: Cow<'a, [TraceEvent]>, prelude: Cow<'a, str>, cpus_from_trace: bool },
}

/// The column being built.
enum Running {
    Ops { session: Box<Session> },
    Trace { replayer: Box<crate::trace::Replayer>, ops_at: Vec<u32> },
}

/// A comparison being built: one column after the other, a slice of positions per
/// [`Build::step`]. Invariant: columns `0..done.len()` are complete; `running` is column
/// `done.len()` after `next` positions, with its series sampled so far.
pub struct Build<'a> {
    input: Input<'a>,
    /// (label, machine) per configuration, validated.
    configs: Vec<(String, MachineConfig)>,
    done: Vec<Column>,
    running: Option<(Running, Vec<Measures>)>,
    next: usize,
    positions: usize,
    every: usize,
    /// See [`Build::park_at`].
    park: Option<usize>,
}

impl fmt::Debug for Build<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (done, total) = self.progress();
        write!(f, "Build {{ columns: {}, progress: {done}/{total} }}", self.configs.len())
    }
}

impl<'a> Build<'a> {
    fn new(input: Input<'a>, base: &MachineConfig, configs: &[&str], every: usize) -> Result<Build<'a>, CompareError> {
        if configs.is_empty() || configs.len() > MAX_CONFIGS {
            return Err(CompareError::Count { given: configs.len() });
        }
        if every == 0 {
            return Err(CompareError::ZeroEvery);
        }
        let mut machines = Vec::with_capacity(configs.len());
        for (index, text) in configs.iter().enumerate() {
            let bad = |error| CompareError::Config { index, label: text.to_string(), error: Box::new(error) };
            let s = parse_config(text).map_err(bad)?;
            let mut config = apply_config(&s, base).map_err(bad)?;
            if let Input::Trace { events, cpus_from_trace: true, .. } = &input {
                if !s.iter().any(|s| s.key == "cpus") {
                    let traced = events.iter().map(|e| e.cpu + 1).max().unwrap_or(1);
                    config.cpus = traced.clamp(u16::from(config.nodes), MAX_CPUS);
                }
            }
            config.validate().map_err(|e| {
                bad(ScriptError { line: 1, col: 1, kind: script::ScriptErrorKind::Config(e), suggestion: None })
            })?;
            machines.push((text.to_string(), config));
        }
        let positions = match &input {
            Input::Ops { ops, .. } => ops.len(),
            Input::Trace { events, .. } => events.len(),
        };
        Ok(Build { input, configs: machines, done: Vec::new(), running: None, next: 0, positions, every, park: None })
    }

    /// Leave every column's session standing at `position` (clamped to the work), so that
    /// [`Comparison::seek`] there afterwards has nothing left to do: a column of ops is sought
    /// there right after its build pushed that position, while it is the session's end (a
    /// replay of at most the session's tail interval instead of a checkpoint interval, inside
    /// one slice of the build). A trace column is sought by [`Comparison::seek`] as before.
    pub fn park_at(&mut self, position: usize) {
        self.park = Some(position.min(self.positions));
    }

    /// Positions run so far over all columns, and in all (columns × positions).
    pub fn progress(&self) -> (usize, usize) {
        let total = self.configs.len().saturating_mul(self.positions);
        let done = self.done.len().saturating_mul(self.positions) + if self.running.is_some() { self.next } else { 0 };
        (done.min(total), total)
    }

    /// True once every column is built.
    pub fn is_done(&self) -> bool {
        self.done.len() == self.configs.len()
    }

    /// Run up to `budget` more positions (at least one, across columns): `Ok(true)` once every
    /// column is built. An op that fails under a configuration ends the build with its error.
    pub fn step(&mut self, budget: usize) -> Result<bool, CompareError> {
        let mut left = budget.max(1);
        while !self.is_done() && left > 0 {
            let index = self.done.len();
            if self.running.is_none() {
                self.running = Some(self.start_column(index)?);
                self.next = 0;
            }
            let end = self.next.saturating_add(left).min(self.positions);
            left -= end - self.next;
            self.run_until(index, end)?;
            if self.next == self.positions {
                self.finish_column(index);
            }
        }
        Ok(self.is_done())
    }

    /// Build what is left and return the comparison.
    pub fn finish(mut self) -> Result<Comparison, CompareError> {
        while !self.step(usize::MAX)? {}
        Ok(Comparison { columns: self.done, positions: self.positions, every: self.every })
    }

    fn start_column(&self, index: usize) -> Result<(Running, Vec<Measures>), CompareError> {
        let (label, config) = &self.configs[index];
        let bad = |e| CompareError::Config {
            index,
            label: label.clone(),
            error: Box::new(ScriptError {
                line: 1,
                col: 1,
                kind: script::ScriptErrorKind::Config(e),
                suggestion: None,
            }),
        };
        Ok(match &self.input {
            Input::Ops { names, .. } => {
                let session = Session::with_names(config.clone(), names.as_ref().clone()).map_err(bad)?;
                let series = vec![Measures::of_session(&session, 0)];
                (Running::Ops { session: Box::new(session) }, series)
            }
            Input::Trace { events, prelude, .. } => {
                let start = Session::with_names(config.clone(), Names::default()).map_err(bad)?;
                let replayer = crate::trace::Replayer::new(start, prelude, Vec::new());
                let mut ops_at = Vec::with_capacity(events.len() + 1);
                ops_at.push(replayer.session().op_count() as u32);
                let series = vec![Measures::of_session(replayer.session(), 0)];
                (Running::Trace { replayer: Box::new(replayer), ops_at }, series)
            }
        })
    }

    fn run_until(&mut self, index: usize, end: usize) -> Result<(), CompareError> {
        let Some((running, series)) = &mut self.running else { return Ok(()) };
        let (every, last) = (self.every, self.positions);
        match (running, &self.input) {
            (Running::Ops { session }, Input::Ops { names, ops, lines }) => {
                for k in self.next..end {
                    let line = lines.get(k).copied().unwrap_or(0);
                    if let Err(error) = session.push_into(ops[k], line, &mut CountSink::default()) {
                        let label = self.configs[index].0.clone();
                        return Err(if line == 0 {
                            CompareError::WorkOp { index, label, op: k + 1, text: ops[k].to_script(names), error }
                        } else {
                            CompareError::Op { index, label, error: Box::new(script::op_error(line, error)) }
                        });
                    }
                    if is_sample(k + 1, every, last) {
                        series.push(Measures::of_session(session, k + 1));
                    }
                    if self.park == Some(k + 1) {
                        session.seek(session.total_steps());
                    }
                }
            }
            (Running::Trace { replayer, ops_at }, Input::Trace { events, .. }) => {
                for (i, ev) in events.iter().enumerate().take(end).skip(self.next) {
                    replayer.feed(ev);
                    ops_at.push(replayer.session().op_count() as u32);
                    if is_sample(i + 1, every, last) {
                        series.push(Measures::of_session(replayer.session(), i + 1));
                    }
                }
            }
            _ => {}
        }
        self.next = end;
        Ok(())
    }

    fn finish_column(&mut self, index: usize) {
        let Some((running, series)) = self.running.take() else { return };
        let (label, config) = self.configs[index].clone();
        let column = match running {
            Running::Ops { session } => Column { label, config, session: *session, series, report: None, ops_at: None },
            Running::Trace { replayer, ops_at } => {
                let (session, report) = replayer.finish();
                Column { label, config, session, series, report: Some(report), ops_at: Some(ops_at) }
            }
        };
        self.done.push(column);
    }
}

// ---- Snapshot diff ----

/// Which of the two files of a diff.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Side {
    /// The first (before).
    Before,
    /// The second (after).
    After,
}

/// A located problem in one of the two files of a diff.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DiffError {
    /// Which file.
    pub side: Side,
    /// Where and what.
    pub error: ProcError,
}

impl fmt::Display for DiffError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.error)
    }
}

impl std::error::Error for DiffError {}

/// One cache's figures in a slabinfo snapshot.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CacheFigures {
    /// `<active_objs>`.
    pub active_objs: u64,
    /// `<num_objs>`.
    pub num_objs: u64,
    /// `<num_slabs>`.
    pub slabs: u64,
    /// `<pagesperslab>`.
    pub pages_per_slab: u64,
    /// `<objsize>`.
    pub objsize: u64,
}

impl CacheFigures {
    /// Slab memory: slabs × pages per slab × 4096.
    pub fn bytes(&self) -> u64 {
        self.slabs.saturating_mul(self.pages_per_slab).saturating_mul(PAGE_SIZE)
    }
}

/// One cache's change between two slabinfo snapshots.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CacheDelta {
    /// Cache name.
    pub name: String,
    /// In the first file (`None`: the cache appeared).
    pub before: Option<CacheFigures>,
    /// In the second file (`None`: the cache went away).
    pub after: Option<CacheFigures>,
}

impl CacheDelta {
    fn get(&self, f: impl Fn(&CacheFigures) -> u64) -> (i128, i128) {
        (self.before.as_ref().map_or(0, &f) as i128, self.after.as_ref().map_or(0, &f) as i128)
    }
    fn delta(&self, f: impl Fn(&CacheFigures) -> u64) -> i64 {
        let (a, b) = self.get(f);
        (b - a).clamp(i128::from(i64::MIN), i128::from(i64::MAX)) as i64
    }
    /// Change of active objects.
    pub fn active_objs(&self) -> i64 {
        self.delta(|c| c.active_objs)
    }
    /// Change of object slots.
    pub fn num_objs(&self) -> i64 {
        self.delta(|c| c.num_objs)
    }
    /// Change of slabs.
    pub fn slabs(&self) -> i64 {
        self.delta(|c| c.slabs)
    }
    /// Change of slab memory in bytes.
    pub fn bytes(&self) -> i64 {
        self.delta(CacheFigures::bytes)
    }
}

fn slabinfo_figures(text: &str, side: Side) -> Result<Vec<(String, CacheFigures)>, DiffError> {
    let (rows, bad) = procfs::parse_slabinfo(text);
    if let Some(error) = bad.into_iter().next() {
        return Err(DiffError { side, error });
    }
    let mut out: Vec<(String, CacheFigures, u32)> = Vec::with_capacity(rows.len());
    for r in rows {
        let SlabinfoRow { line, name, active_objs, num_objs, objsize, pagesperslab, slabdata, .. } = r;
        let located = |reason: String| DiffError { side, error: ProcError { line, col: 1, reason } };
        let (Some(pages_per_slab), Some((_, slabs))) = (pagesperslab, slabdata) else {
            return Err(located(format!(
                "cache `{name}` has no <pagesperslab> or `: slabdata <active_slabs> <num_slabs> <sharedavail>`"
            )));
        };
        if let Some(first) = out.iter().find(|o| o.0 == name) {
            return Err(located(format!("cache `{name}` is listed twice (first at line {})", first.2)));
        }
        out.push((name, CacheFigures { active_objs, num_objs, slabs, pages_per_slab, objsize }, line));
    }
    if out.is_empty() {
        return Err(DiffError {
            side,
            error: ProcError { line: 1, col: 1, reason: "no cache lines (`name <active_objs> <num_objs> ...`)".into() },
        });
    }
    Ok(out.into_iter().map(|(n, c, _)| (n, c)).collect())
}

/// Per-cache deltas between two `/proc/slabinfo` files, sorted by absolute change of slab memory
/// (largest first), then by name. Caches in only one file appear with the other side `None`.
pub fn diff_slabinfo(before: &str, after: &str) -> Result<Vec<CacheDelta>, DiffError> {
    let a = slabinfo_figures(before, Side::Before)?;
    let b = slabinfo_figures(after, Side::After)?;
    let mut out: Vec<CacheDelta> = a
        .iter()
        .map(|(name, f)| CacheDelta {
            name: name.clone(),
            before: Some(*f),
            after: b.iter().find(|x| &x.0 == name).map(|x| x.1),
        })
        .collect();
    for (name, f) in &b {
        if !a.iter().any(|x| &x.0 == name) {
            out.push(CacheDelta { name: name.clone(), before: None, after: Some(*f) });
        }
    }
    crate::sort::sort_by(&mut out, |x, y| {
        y.bytes().unsigned_abs().cmp(&x.bytes().unsigned_abs()).then_with(|| x.name.cmp(&y.name))
    });
    Ok(out)
}

/// One zone's change between two `/proc/buddyinfo` files.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ZoneDelta {
    /// Node.
    pub node: u8,
    /// Zone name.
    pub zone: String,
    /// `nr_free` per order before (zeros if the zone is only in the second file).
    pub before: [u64; crate::machine::NR_PAGE_ORDERS],
    /// `nr_free` per order after.
    pub after: [u64; crate::machine::NR_PAGE_ORDERS],
}

impl ZoneDelta {
    /// Change of free blocks per order.
    pub fn delta(&self) -> [i64; crate::machine::NR_PAGE_ORDERS] {
        std::array::from_fn(|o| {
            (i128::from(self.after[o]) - i128::from(self.before[o])).clamp(i128::from(i64::MIN), i128::from(i64::MAX))
                as i64
        })
    }
    /// Change of free pages (blocks × 2^order).
    pub fn pages(&self) -> i64 {
        self.delta().iter().enumerate().map(|(o, d)| d.saturating_mul(1 << o)).fold(0i64, i64::saturating_add)
    }
}

/// Per-zone, per-order deltas between two `/proc/buddyinfo` files, in the order zones first
/// appear (first file, then zones only in the second).
pub fn diff_buddyinfo(before: &str, after: &str) -> Result<Vec<ZoneDelta>, DiffError> {
    let a = procfs::parse_buddyinfo_zones(before).map_err(|error| DiffError { side: Side::Before, error })?;
    let b = procfs::parse_buddyinfo_zones(after).map_err(|error| DiffError { side: Side::After, error })?;
    for (rows, side) in [(&a, Side::Before), (&b, Side::After)] {
        for (i, r) in rows.iter().enumerate() {
            if let Some(first) = rows[..i].iter().find(|x| x.node == r.node && x.zone == r.zone) {
                let reason = format!("node {} zone {} is listed twice (first at line {})", r.node, r.zone, first.line);
                return Err(DiffError { side, error: ProcError { line: r.line, col: 1, reason } });
            }
        }
    }
    let find = |rows: &[procfs::BuddyinfoRow], node: u8, zone: &str| {
        rows.iter()
            .find(|x| x.node == node && x.zone == zone)
            .map_or([0; crate::machine::NR_PAGE_ORDERS], |x| x.nr_free)
    };
    let mut out: Vec<ZoneDelta> = a
        .iter()
        .map(|r| ZoneDelta { node: r.node, zone: r.zone.clone(), before: r.nr_free, after: find(&b, r.node, &r.zone) })
        .collect();
    for r in &b {
        if !a.iter().any(|x| x.node == r.node && x.zone == r.zone) {
            out.push(ZoneDelta {
                node: r.node,
                zone: r.zone.clone(),
                before: [0; crate::machine::NR_PAGE_ORDERS],
                after: r.nr_free,
            });
        }
    }
    Ok(out)
}
