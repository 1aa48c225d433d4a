//! Compare mode's state (issue #19): the same work run under 2–4 machine configurations
//! (`core::compare::Comparison`), one cursor shared by every column, the selection shared by
//! object (or cache) name, and the snapshot diff of two `/proc/slabinfo` (and `/proc/buddyinfo`)
//! files. No allocator logic: the core runs, measures and diffs; this only chooses what to run.
//!
//! URL syntax (documented in docs/compare.md and the README): `compare=CFG|CFG[|CFG|CFG]`, each
//! CFG a configuration's `key=value` settings separated by `,` or `+` (a space), e.g.
//! `#mode=compare&compare=slab=slub|slab=slab,cpus=2`; `cwl=SEED,COUNT,MIX` runs a seeded workload
//! instead of the session in front of the user; `cpos=N` is the shared cursor (an op position).

use std::cell::RefCell;
use std::rc::Rc;

use slabscope_core::compare::{self, Build, CacheDelta, Comparison, OwnedWork, ZoneDelta, MAX_CONFIGS};
use slabscope_core::event::EntityRef;
use slabscope_core::machine::MachineConfig;
use slabscope_core::names::Names;
use slabscope_core::names::Value;
use slabscope_core::op::Op;
use slabscope_core::trace::TraceEvent;
use slabscope_core::workload::{Generator, Mix};

use super::State;
use crate::doc::{self, Mode};

/// The configurations Compare mode opens with.
pub const DEFAULT_CONFIGS: [&str; 2] = ["slab=slub", "slab=slab"];
/// Fewest columns.
pub const MIN_CONFIGS: usize = 2;
/// Positions × columns one comparison may run (keeps a browser tab's memory bounded: each column
/// holds a session).
pub const MAX_WORK: usize = 1_000_000;
/// Samples the difference charts draw per column, at most (about).
pub const CHART_SAMPLES: usize = 400;
/// Views a column can show, in order (a subset of the lesson panel names).
pub const COLUMN_VIEWS: [&str; 4] = ["memory", "buddy", "cache", "percpu"];
/// Shown by default.
pub const DEFAULT_COLUMN_VIEWS: [&str; 3] = ["memory", "buddy", "cache"];

/// What every column runs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Source {
    /// The session in front of the user: the sandbox document, the lesson (up to the end of its
    /// step range), or the loaded trace, replayed as a trace under each configuration (as
    /// `slabscope compare ... TRACE` and `slabscope replay` do).
    Session,
    /// A seeded workload (`core::workload`), generated once for the smallest machine, on the
    /// default machine (as `#wl=` without `cfg=`) with each configuration's settings.
    Workload(doc::Workload),
}

/// The shared selection: by name, so the same object is found in every column.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Picked {
    /// A named object (`p`, `p[3]`, a trace's `o<ptr>.<gen>`).
    Object(String),
    /// A cache, by name.
    Cache(String),
    /// Anything else, in the column it was picked in.
    Local(usize, EntityRef),
}

/// The snapshot diff's inputs and result.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct DiffState {
    /// (file name, text): slabinfo before, slabinfo after, buddyinfo before, buddyinfo after.
    pub files: [Option<(String, String)>; 4],
    pub slab: Option<Vec<CacheDelta>>,
    pub buddy: Option<Vec<ZoneDelta>>,
    /// Located problems (`FILE:LINE:COL: reason`).
    pub errors: Vec<String>,
}

/// Compare mode's part of the app state.
#[derive(Clone)]
pub struct CompareState {
    /// Configuration texts (2–4), as the user typed them.
    pub configs: Vec<String>,
    pub source: Source,
    /// The comparison (`None` before the first run or after an error).
    pub run: Option<Rc<RefCell<Comparison>>>,
    /// What the run was made of (for the URL and the heading): the configurations and source.
    pub ran: Option<(Vec<String>, Source)>,
    /// First position the cursor may take (a lesson range's start) and the shared cursor.
    pub first: usize,
    pub position: usize,
    /// The last configuration / run error, located.
    pub error: Option<String>,
    pub picked: Option<Picked>,
    /// The entity under the pointer in some column, shared by name like `picked` (s5-compare).
    pub hovered: Option<Picked>,
    /// The column views shown.
    pub views: Vec<String>,
    pub diff: Rc<DiffState>,
    /// A cursor asked for by the URL, applied on the first run.
    pub url_position: Option<usize>,
    /// A comparison being built a slice per task (s6-compare): the old `run` stays until it is
    /// done; `progress` is (positions run, positions in all columns).
    pub pending: Option<Rc<RefCell<Option<Pending>>>>,
    pub progress: Option<(usize, usize)>,
}

/// A comparison being made (see [`CompareMsg::BuildChunk`]): first its work (a seeded
/// workload's ops, a loaded trace's events), then every column, a slice per task (s7-compare:
/// nothing of a 200,000-op comparison runs in one task before the first paint).
pub struct Pending {
    stage: Stage,
    first: usize,
    ran: (Vec<String>, Source),
    /// The machine the columns start from, their settings and the sampling interval, for the
    /// build once the work is made.
    base: MachineConfig,
    texts: Vec<String>,
    every: usize,
    /// Inputs in the work (ops or trace events): the progress counts making them once.
    len: usize,
    /// Where the cursor will stand once built (the URL's `cpos=`, else the end): the columns are
    /// parked there while they are built ([`Build::park_at`]), so installing them seeks nothing.
    park: usize,
}

/// What a [`Pending`] comparison is doing.
enum Stage {
    /// Making a seeded workload's ops with `core::compare::workload_generator` (the generator
    /// `#wl=` uses, [`Generator::fill`] a piece at a time).
    Generate { generator: Generator, names: Names, ops: Vec<Op> },
    /// Taking a loaded trace's retained events, a piece at a time (`trace` is the one the build
    /// started from: another trace loaded meanwhile stops the build).
    Convert { trace: Rc<super::trace::Loaded>, next: usize, events: Vec<TraceEvent> },
    /// Running the columns.
    Build(Build<'static>),
}

/// Workload ops made, or trace events taken, per piece within a slice.
const PREP_CHUNK: usize = 2000;

impl Pending {
    /// (inputs made + positions run, inputs + columns × positions).
    fn progress(&self) -> (usize, usize) {
        let cols = self.texts.len();
        let total = self.len.saturating_mul(cols + 1);
        let done = match &self.stage {
            Stage::Generate { ops, .. } => ops.len(),
            Stage::Convert { next, .. } => *next,
            Stage::Build(b) => self.len + b.progress().0,
        };
        (done.min(total), total)
    }

    /// One time slice of work: `Ok(true)` once every column is built. `trace` is the trace loaded
    /// now and `session` the app's session (a trace's events are read through both).
    fn slice(
        &mut self,
        trace: Option<&Rc<super::trace::Loaded>>,
        session: &RefCell<slabscope_core::session::Session>,
        lang: crate::i18n::Lang,
    ) -> Result<bool, String> {
        let len = self.len;
        let work = match &mut self.stage {
            Stage::Generate { generator, names, ops } => {
                let made = super::init::in_slice(|| -> Result<bool, String> {
                    generator.fill(PREP_CHUNK.min(len - ops.len()), ops);
                    Ok(ops.len() == len)
                })?;
                if !made {
                    return Ok(false);
                }
                let lines = vec![0; ops.len()];
                OwnedWork::Ops { names: std::mem::take(names), ops: std::mem::take(ops), lines }
            }
            Stage::Convert { trace: from, next, events } => {
                let changed = || crate::i18n::t(lang, "compare.trace_changed");
                if !trace.is_some_and(|t| Rc::ptr_eq(t, from)) {
                    return Err(changed());
                }
                let made = super::init::in_slice(|| -> Result<bool, String> {
                    let end = (*next + PREP_CHUNK).min(len);
                    from.with(session, |ts| {
                        events.extend(
                            (*next..end).filter_map(|i| ts.facts.get(i)).map(|f| f.event.to_owned_event(f.line)),
                        )
                    })
                    .ok_or_else(changed)?;
                    *next = end;
                    Ok(end == len)
                })?;
                if !made {
                    return Ok(false);
                }
                OwnedWork::Trace { events: std::mem::take(events), prelude: String::new(), cpus_from_trace: true }
            }
            Stage::Build(b) => return build_slice(b).map_err(|e| e.to_string()),
        };
        let texts: Vec<&str> = self.texts.iter().map(String::as_str).collect();
        let mut build = Comparison::builder_owned(work, &self.base, &texts, self.every).map_err(|e| e.to_string())?;
        build.park_at(self.park);
        self.stage = Stage::Build(build);
        Ok(false)
    }
}

impl Default for CompareState {
    fn default() -> Self {
        CompareState {
            configs: DEFAULT_CONFIGS.iter().map(|s| s.to_string()).collect(),
            source: Source::Session,
            run: None,
            ran: None,
            first: 0,
            position: 0,
            error: None,
            picked: None,
            hovered: None,
            views: DEFAULT_COLUMN_VIEWS.iter().map(|s| s.to_string()).collect(),
            diff: Rc::default(),
            url_position: None,
            pending: None,
            progress: None,
        }
    }
}

/// Compare mode's actions.
pub enum CompareMsg {
    /// Column `i`'s configuration text.
    SetConfig(usize, String),
    /// Column `i`'s slab policy (a `POLICIES` name): rewrites its `slab=` setting.
    SetPolicy(usize, String),
    AddColumn,
    RemoveColumn(usize),
    SetSource(Source),
    /// Run the comparison.
    Run,
    /// Move the shared cursor to a position.
    Seek(usize),
    /// One op forward (+1) or back (−1).
    Step(i64),
    Start,
    End,
    /// An entity selected (or cleared) in column `i`.
    Pick(usize, Option<EntityRef>),
    /// Show or hide a column view.
    ToggleView(String),
    /// A snapshot file read into slot 0..4 (slabinfo before/after, buddyinfo before/after).
    DiffFile(usize, String, String),
    /// Use the columns' own `/proc/slabinfo` and `/proc/buddyinfo` at the cursor (1st vs 2nd).
    DiffColumns,
    ClearDiff,
    /// Open Compare mode on the open lesson's `compare` configurations, at its current step.
    FromLesson,
    /// The pointer over an entity (or nothing) in column `i`: highlighted in every column.
    Hover(usize, Option<EntityRef>),
    /// Build the pending comparison for one time slice (s6-compare).
    BuildChunk,
    /// Drop the pending comparison; the one shown stays.
    Cancel,
}

/// The column's `slab=` value (the core's default policy's name when unset).
pub fn policy_of(config: &str) -> &str {
    config
        .split([' ', ','])
        .find_map(|kv| kv.strip_prefix("slab="))
        .unwrap_or_else(|| slabscope_core::slab::POLICIES[0].name)
}

/// `config` with its `slab=` setting replaced by (or extended with) `slab=policy`.
pub fn with_policy(config: &str, policy: &str) -> String {
    let mut parts: Vec<String> =
        config.split([' ', ',']).filter(|s| !s.is_empty() && !s.starts_with("slab=")).map(String::from).collect();
    parts.insert(0, format!("slab={policy}"));
    parts.join(" ")
}

/// The work of the session in front of the user, and the machine it starts from: its ops
/// (owned: the build keeps them across tasks), or the loaded trace whose events are taken a
/// piece at a time.
struct SessionWork {
    work: Work,
    base: MachineConfig,
    first: usize,
}

/// Work ready to run, or still to make.
enum Work {
    Ready(OwnedWork),
    Trace(Rc<super::trace::Loaded>, usize),
}

/// Positions run per [`Build::step`] within a slice (`init::in_slice`, 20 ms a task). s14: was
/// 500, but a short session samples its measures at every position (`every_for`: ~400 samples),
/// ~0.3–0.5 ms a position and column in wasm, so a lesson's 301-op comparison was one 120–240 ms
/// task in the page's first render (a compare embed's start); 32 positions overshoot the slice
/// by at most ~16 ms, and a 200k workload's cheap positions pay a clock read per 32.
const BUILD_CHUNK: usize = 32;

/// The charts' sampling interval for `len` inputs (about [`CHART_SAMPLES`] samples).
fn every_for(len: usize) -> usize {
    (len / CHART_SAMPLES).max(1)
}

/// Build `b` for one time slice: `Ok(true)` once it is done.
fn build_slice(b: &mut Build<'static>) -> Result<bool, compare::CompareError> {
    super::init::in_slice(|| b.step(BUILD_CHUNK))
}

impl State {
    fn session_work(&self) -> SessionWork {
        let s = self.session.borrow();
        // A loaded trace: its events, replayed under each configuration from a fresh trace
        // machine (256 MiB, the CPUs the trace used) — every column boots and replays the whole
        // trace, as `slabscope compare ... TRACE` does, not from the picture the trace view shows.
        if let (Some(t), None, None) = (&self.trace, &self.doc, &self.lesson) {
            let base = s.config().clone();
            drop(s);
            let facts = t.with(&self.session, |ts| ts.facts.len()).unwrap_or(0);
            return SessionWork { work: Work::Trace(t.clone(), facts), base, first: 0 };
        }
        // A lesson: its ops up to the end of its step range, the cursor from the range's start.
        let (first, end) = match &self.lesson {
            Some(run) if self.doc.is_none() => {
                let r = run.borrow();
                let first = r.played.get(r.first).map_or(0, |p| p.ops.start);
                let end = r.played.get(r.last).map_or(s.op_count(), |p| p.ops.end);
                (first, end.min(s.op_count()))
            }
            _ => (0, s.op_count()),
        };
        let ops: Vec<Op> = (0..end).filter_map(|k| s.op(k).copied()).collect();
        let lines = (0..ops.len()).map(|k| s.op_line(k)).collect();
        let work = Work::Ready(OwnedWork::Ops { names: s.names().clone(), ops, lines });
        SessionWork { work, base: s.config().clone(), first }
    }

    /// Start the comparison the state describes: its work made and its columns built a slice per
    /// task (the old comparison stays until it is done); on error keep the old one and report
    /// (located).
    fn run_compare(&mut self) {
        let c = Rc::make_mut(&mut self.compare);
        c.error = None;
        c.pending = None;
        c.progress = None;
        let texts: Vec<String> = c.configs.iter().map(|s| s.replace(',', " ")).collect();
        let source = c.source.clone();
        let result = (|| -> Result<Pending, String> {
            let machines = |base: &MachineConfig| -> Result<Vec<MachineConfig>, String> {
                texts
                    .iter()
                    .enumerate()
                    .map(|(i, t)| {
                        compare::parse_config(t)
                            .and_then(|s| compare::apply_config(&s, base))
                            .map_err(|e| format!("configuration {} `{t}`: {e}", i + 1))
                    })
                    .collect()
            };
            let (stage, base, first, len) = match &source {
                Source::Session => {
                    let SessionWork { work, base, first } = self.session_work();
                    match work {
                        Work::Ready(work) => {
                            let len = match &work {
                                OwnedWork::Ops { ops, .. } => ops.len(),
                                OwnedWork::Trace { events, .. } => events.len(),
                            };
                            let refs: Vec<&str> = texts.iter().map(String::as_str).collect();
                            let mut build = Comparison::builder_owned(work, &base, &refs, every_for(len))
                                .map_err(|e| e.to_string())?;
                            build.park_at(self.compare.url_position.unwrap_or(usize::MAX).max(first));
                            (Stage::Build(build), base, first, len)
                        }
                        Work::Trace(trace, len) => {
                            // The settings are read before the events are taken (the machines
                            // are checked once the trace's CPUs are known, in the build).
                            for (i, t) in texts.iter().enumerate() {
                                compare::parse_config(t).map_err(|e| format!("configuration {} `{t}`: {e}", i + 1))?;
                            }
                            (Stage::Convert { trace, next: 0, events: Vec::with_capacity(len) }, base, first, len)
                        }
                    }
                }
                Source::Workload(w) => {
                    let mix = Mix::by_name(&w.mix).ok_or_else(|| format!("cwl: unknown workload mix `{}`", w.mix))?;
                    // The default machine, as the sandbox's `#wl=` without `cfg=` (not the
                    // session in front of the user: the demo's is 256 KiB).
                    let base = MachineConfig::default();
                    let machines = machines(&base)?;
                    let (names, generator) = compare::workload_generator(&machines, w.seed, mix);
                    let len = w.count.min(doc::MAX_WORKLOAD);
                    (Stage::Generate { generator, names, ops: Vec::with_capacity(len) }, base, 0, len)
                }
            };
            if len.saturating_mul(texts.len()) > MAX_WORK {
                return Err(format!(
                    "{len} ops × {} configurations is more than {MAX_WORK} runs: use fewer ops or configurations",
                    texts.len()
                ));
            }
            Ok(Pending {
                stage,
                first,
                ran: (self.compare.configs.clone(), source),
                base,
                texts,
                every: every_for(len),
                len,
                park: self.compare.url_position.unwrap_or(usize::MAX).max(first),
            })
        })();
        match result {
            Ok(p) => {
                Rc::make_mut(&mut self.compare).pending = Some(Rc::new(RefCell::new(Some(p))));
                self.compare_chunk();
            }
            Err(e) => Rc::make_mut(&mut self.compare).error = Some(e),
        }
    }

    /// One slice of the pending comparison: install it when done, report an error (the old
    /// comparison stays).
    fn compare_chunk(&mut self) {
        let Some(pending) = self.compare.pending.clone() else { return };
        // The build is taken out of the shared cell: an older state (Yew keeps the last one)
        // may still hold the `Rc`.
        // User Timing marks (as a trace load's, `trace::mark`): the benchmark tells which phase
        // a long task of the build was in (e2e/bench/compare.mjs).
        super::trace::mark("compare-slice:start");
        let step = match pending.borrow_mut().as_mut() {
            Some(p) => p.slice(self.trace.as_ref(), &self.session, self.lang),
            None => return,
        };
        super::trace::mark("compare-slice:end");
        let c = Rc::make_mut(&mut self.compare);
        match step {
            Ok(false) => c.progress = pending.borrow().as_ref().map(Pending::progress),
            Ok(true) => {
                c.pending = None;
                c.progress = None;
                let Some(p) = pending.borrow_mut().take() else { return };
                let Stage::Build(build) = p.stage else { return };
                super::trace::mark("compare-install:start");
                let built = build.finish();
                super::trace::mark("compare-install:end");
                match built {
                    Ok(mut cmp) => {
                        let pos = c.url_position.take().unwrap_or(cmp.positions()).clamp(p.first, cmp.positions());
                        super::trace::mark("compare-seek:start");
                        cmp.seek(pos);
                        super::trace::mark("compare-seek:end");
                        c.first = p.first;
                        c.position = pos;
                        c.ran = Some(p.ran);
                        c.run = Some(Rc::new(RefCell::new(cmp)));
                    }
                    Err(e) => c.error = Some(e.to_string()),
                }
            }
            Err(e) => {
                c.pending = None;
                c.progress = None;
                c.error = Some(e);
            }
        }
    }

    fn seek_compare(&mut self, to: usize) {
        let c = Rc::make_mut(&mut self.compare);
        if let Some(run) = &c.run {
            let mut r = run.borrow_mut();
            let to = to.clamp(c.first, r.positions());
            r.seek(to);
            c.position = to;
        }
    }

    /// A compare action.
    pub(super) fn compare_msg(&mut self, msg: CompareMsg) {
        match msg {
            CompareMsg::SetConfig(i, text) => {
                if let Some(c) = Rc::make_mut(&mut self.compare).configs.get_mut(i) {
                    *c = text;
                }
            }
            CompareMsg::SetPolicy(i, policy) => {
                if let Some(c) = Rc::make_mut(&mut self.compare).configs.get_mut(i) {
                    *c = with_policy(c, &policy);
                }
            }
            CompareMsg::AddColumn => {
                let c = Rc::make_mut(&mut self.compare);
                if c.configs.len() < MAX_CONFIGS {
                    let next = slabscope_core::slab::POLICIES
                        .iter()
                        .map(|p| p.name)
                        .find(|n| !c.configs.iter().any(|x| policy_of(x) == *n))
                        .unwrap_or(slabscope_core::slab::POLICIES[0].name);
                    c.configs.push(format!("slab={next}"));
                }
            }
            CompareMsg::RemoveColumn(i) => {
                let c = Rc::make_mut(&mut self.compare);
                if c.configs.len() > MIN_CONFIGS && i < c.configs.len() {
                    c.configs.remove(i);
                }
            }
            CompareMsg::SetSource(s) => Rc::make_mut(&mut self.compare).source = s,
            CompareMsg::Run => self.run_compare(),
            CompareMsg::Seek(p) => self.seek_compare(p),
            CompareMsg::Step(d) => {
                let p = self.compare.position;
                self.seek_compare(if d < 0 { p.saturating_sub(d.unsigned_abs() as usize) } else { p + d as usize });
            }
            CompareMsg::Start => self.seek_compare(0),
            CompareMsg::End => self.seek_compare(usize::MAX),
            CompareMsg::Pick(i, e) => {
                let picked = e.map(|e| self.compare_pick(i, e));
                let c = Rc::make_mut(&mut self.compare);
                c.picked = if picked == c.picked { None } else { picked };
            }
            CompareMsg::BuildChunk => self.compare_chunk(),
            CompareMsg::Cancel => {
                let c = Rc::make_mut(&mut self.compare);
                c.pending = None;
                c.progress = None;
            }
            CompareMsg::Hover(i, e) => {
                let hovered = e.map(|e| self.compare_pick(i, e));
                if hovered != self.compare.hovered {
                    Rc::make_mut(&mut self.compare).hovered = hovered;
                }
            }
            CompareMsg::ToggleView(v) => {
                if COLUMN_VIEWS.contains(&v.as_str()) {
                    let c = Rc::make_mut(&mut self.compare);
                    match c.views.iter().position(|x| *x == v) {
                        Some(i) => {
                            c.views.remove(i);
                        }
                        None => {
                            c.views.push(v);
                            slabscope_core::sort::sort_by_key(&mut c.views, |x| {
                                COLUMN_VIEWS.iter().position(|y| y == x)
                            });
                        }
                    }
                }
            }
            CompareMsg::DiffFile(slot, name, text) => {
                let d = Rc::make_mut(&mut Rc::make_mut(&mut self.compare).diff);
                if let Some(f) = d.files.get_mut(slot) {
                    *f = Some((name, text));
                }
                d.recompute();
            }
            CompareMsg::DiffColumns => {
                let c = Rc::make_mut(&mut self.compare);
                if let Some(run) = &c.run {
                    let r = run.borrow();
                    let snaps: Vec<_> = r.columns.iter().take(2).map(|col| col.session.snapshot()).collect();
                    if let [a, b] = &snaps[..] {
                        let label = |i: usize| format!("{} ({})", r.columns[i].label, c.position);
                        let d = Rc::make_mut(&mut c.diff);
                        d.files = [
                            Some((label(0), a.slabinfo.clone())),
                            Some((label(1), b.slabinfo.clone())),
                            Some((label(0), a.buddyinfo.clone())),
                            Some((label(1), b.buddyinfo.clone())),
                        ];
                        d.recompute();
                    }
                }
            }
            CompareMsg::ClearDiff => Rc::make_mut(&mut self.compare).diff = Rc::default(),
            CompareMsg::FromLesson => {
                let Some(run) = self.lesson.clone() else { return };
                let (configs, at) = {
                    let r = run.borrow();
                    let configs: Vec<String> = r.lesson.compare.iter().map(|c| c.item.clone()).collect();
                    (configs, r.played.get(r.step).map(|p| p.ops.end))
                };
                if configs.is_empty() {
                    return;
                }
                let c = Rc::make_mut(&mut self.compare);
                c.configs = configs;
                c.source = Source::Session;
                c.url_position = at;
                c.picked = None;
                self.mode = Mode::Compare;
                self.run_compare();
            }
        }
    }

    /// What picking `e` in column `i` selects in every column: a named object or cache by name.
    fn compare_pick(&self, i: usize, e: EntityRef) -> Picked {
        let Some(run) = &self.compare.run else { return Picked::Local(i, e) };
        let r = run.borrow();
        let Some(col) = r.columns.get(i) else { return Picked::Local(i, e) };
        let sim = col.session.sim();
        match e {
            EntityRef::Object { addr, .. } | EntityRef::Tiny { addr } => {
                match object_name(col.session.names(), &sim.bindings, addr) {
                    Some(n) => Picked::Object(n),
                    None => Picked::Local(i, e),
                }
            }
            EntityRef::Cache { cache } => Picked::Cache(sim.cache_name(cache)),
            _ => Picked::Local(i, e),
        }
    }

    /// Keyboard and step buttons in Compare mode move the shared cursor (one op per step).
    pub(super) fn compare_cursor(&self, a: &super::Action) -> Option<CompareMsg> {
        use super::Action;
        if self.mode != Mode::Compare || self.compare.run.is_none() {
            return None;
        }
        Some(match a {
            Action::Event(d) | Action::Op(d) => CompareMsg::Step(d.signum()),
            Action::Start => CompareMsg::Start,
            Action::End => CompareMsg::End,
            _ => return None,
        })
    }
}

/// The name (`p` or `p[3]`) bound to the object at `addr`.
pub fn object_name(
    names: &slabscope_core::names::Names,
    bindings: &slabscope_core::names::Bindings,
    addr: u64,
) -> Option<String> {
    use slabscope_core::names::Binding;
    let is = |v: &Value| matches!(*v, Value::Object { addr: a, .. } | Value::Tiny { addr: a } if a == addr);
    bindings.iter().find_map(|(sym, b)| match b {
        Binding::One(v) if is(v) => Some(names.name(sym).to_string()),
        Binding::List(vs) => vs.iter().position(is).map(|k| format!("{}[{k}]", names.name(sym))),
        _ => None,
    })
}

/// The entity `picked` is in column `i` (`col`, standing at the cursor; `snap` its snapshot, for
/// the caches). A name is looked up in the column's bindings: the column's snapshot does not
/// label every binding (s8-compare: ~7,000 labels a step at 200,000 ops).
pub fn resolve(
    picked: &Picked,
    i: usize,
    col: &compare::Column,
    snap: &slabscope_core::snapshot::Snapshot,
) -> Option<EntityRef> {
    match picked {
        Picked::Local(j, e) => (*j == i).then_some(*e),
        Picked::Object(name) => col.bound(name).and_then(|v| match v {
            Value::Object { cache, addr } => Some(EntityRef::Object { cache, addr }),
            Value::Tiny { addr } => Some(EntityRef::Tiny { addr }),
            _ => None,
        }),
        Picked::Cache(name) => {
            snap.cache_rows.iter().find(|r| r.name == *name).map(|r| EntityRef::Cache { cache: r.id })
        }
    }
}

impl DiffState {
    /// Diff the pair of files at `base` and `base + 1` with `f`; a problem is reported as
    /// `FILE:LINE:COL: reason` (the file named by the error's side).
    fn pair<T>(&mut self, base: usize, f: fn(&str, &str) -> Result<T, compare::DiffError>) -> Option<T> {
        let (Some(a), Some(b)) = (&self.files[base], &self.files[base + 1]) else { return None };
        match f(&a.1, &b.1) {
            Ok(d) => Some(d),
            Err(e) => {
                let file = if e.side == compare::Side::After { &b.0 } else { &a.0 };
                self.errors.push(format!("{file}:{}", e.error));
                None
            }
        }
    }

    fn recompute(&mut self) {
        self.errors.clear();
        self.slab = self.pair(0, compare::diff_slabinfo);
        self.buddy = self.pair(2, compare::diff_buddyinfo);
    }
}

/// The compare part of the URL hash (empty outside Compare mode or before a run).
pub fn url_part(c: &CompareState) -> String {
    let Some((configs, source)) = &c.ran else { return String::new() };
    let mut out =
        format!("&compare={}", configs.iter().map(|s| s.trim().replace(' ', ",")).collect::<Vec<_>>().join("|"));
    if let Source::Workload(w) = source {
        out.push_str(&format!("&cwl={},{},{}", w.seed, w.count, w.mix));
    }
    out.push_str(&format!("&cpos={}", c.position));
    out
}

/// Read `compare=`, `cwl=` and `cpos=` (percent-decoded pairs; later pairs win). Every problem is
/// reported, located in the configuration, with the op language's suggestions.
pub fn from_pairs(pairs: &[(String, String)]) -> (Option<CompareState>, Vec<String>) {
    let get = |k: &str| pairs.iter().rev().find(|(key, _)| key == k).map(|(_, v)| v.as_str());
    let mut errors = Vec::new();
    let Some(list) = get("compare") else {
        for k in ["cwl", "cpos"] {
            if get(k).is_some() {
                errors.push(format!("{k}: needs compare=CFG|CFG"));
            }
        }
        return (None, errors);
    };
    let mut st = CompareState::default();
    let configs: Vec<String> = list.split('|').map(|s| s.trim().replace([',', '+'], " ")).collect();
    if !(MIN_CONFIGS..=MAX_CONFIGS).contains(&configs.len()) {
        errors.push(format!(
            "compare=`{list}`: expected {MIN_CONFIGS} to {MAX_CONFIGS} configurations separated by `|`, {} given",
            configs.len()
        ));
        return (None, errors);
    }
    for (i, cfg) in configs.iter().enumerate() {
        if let Err(e) = compare::parse_config(cfg).and_then(|s| compare::apply_config(&s, &MachineConfig::default())) {
            errors.push(format!("compare: configuration {} `{cfg}`: {e}", i + 1));
        }
    }
    if !errors.is_empty() {
        return (None, errors);
    }
    st.configs = configs;
    if let Some(w) = get("cwl") {
        match doc::parse_workload_param(w) {
            Ok(w) => st.source = Source::Workload(w),
            Err(e) => errors.push(format!("cwl=`{w}`: {e}")),
        }
    }
    if let Some(p) = get("cpos") {
        match p.parse() {
            Ok(n) => st.url_position = Some(n),
            Err(_) => errors.push(format!("cpos=`{p}`: expected an op position (0 or more)")),
        }
    }
    (Some(st), errors)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(s: &str) -> Vec<(String, String)> {
        s.split('&').filter_map(|kv| kv.split_once('=')).map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    #[test]
    fn url_round_trip() {
        let (st, errors) = from_pairs(&pairs("compare=slab=slub|slab=slab,cpus=2&cwl=7,500,slab&cpos=12"));
        assert_eq!(errors, Vec::<String>::new());
        let mut st = st.unwrap();
        assert_eq!(st.configs, ["slab=slub", "slab=slab cpus=2"]);
        assert_eq!(st.source, Source::Workload(doc::Workload { seed: 7, count: 500, mix: "slab".into() }));
        assert_eq!(st.url_position, Some(12));
        st.ran = Some((st.configs.clone(), st.source.clone()));
        st.position = 12;
        assert_eq!(url_part(&st), "&compare=slab=slub|slab=slab,cpus=2&cwl=7,500,slab&cpos=12");
    }

    #[test]
    fn url_errors_are_located_with_suggestions() {
        let (st, errors) = from_pairs(&pairs("compare=slab=slub|slab=slb"));
        assert!(st.is_none());
        assert_eq!(errors.len(), 1);
        // Located in the configuration (line 1, the value's column), with the values the
        // policy table allows.
        assert!(errors[0].starts_with("compare: configuration 2 `slab=slb`: 1:6:"), "{}", errors[0]);
        assert!(errors[0].contains("expected slub, sheaves, slab"), "{}", errors[0]);
        let (_, errors) = from_pairs(&pairs("compare=slab=slub|cpus=2,slab=slb"));
        assert!(errors[0].contains("`cpus=2 slab=slb`: 1:13:"), "{}", errors[0]);
        let (_, errors) = from_pairs(&pairs("compare=slab=slub|slabb=slab"));
        assert!(errors[0].contains("slab"), "{}", errors[0]);
        let (st, errors) = from_pairs(&pairs("compare=slab=slub"));
        assert!(st.is_none());
        assert!(errors[0].contains("expected 2 to 4 configurations"), "{}", errors[0]);
        let (_, errors) = from_pairs(&pairs("compare=slab=slub|slab=slab&cpos=x"));
        assert!(errors[0].starts_with("cpos=`x`"), "{errors:?}");
        let (_, errors) = from_pairs(&pairs("cpos=3"));
        assert!(errors[0].starts_with("cpos: needs compare="), "{errors:?}");
    }

    #[test]
    fn policy_rewrite() {
        assert_eq!(policy_of("cpus=2 slab=slab"), "slab");
        assert_eq!(policy_of("cpus=2"), slabscope_core::slab::POLICIES[0].name);
        assert_eq!(with_policy("cpus=2 slab=slab", "slob"), "slab=slob cpus=2");
        assert_eq!(with_policy("", "slub"), "slab=slub");
    }

    #[test]
    fn diff_errors_name_the_file() {
        let mut d = DiffState::default();
        d.files[0] = Some(("a.txt".into(), "garbage line\n".into()));
        d.files[1] = Some(("b.txt".into(), "garbage\n".into()));
        d.recompute();
        assert!(d.slab.is_none());
        assert!(d.errors[0].starts_with("a.txt:1:"), "{:?}", d.errors);
    }
}
