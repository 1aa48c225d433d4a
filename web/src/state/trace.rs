//! A perf trace in the page: read from the file chunk by chunk (plain or gzip, no whole-file
//! string) with a progress bar and a cancel button, replayed in time-budgeted slices, then kept
//! as [`Loaded`] beside the session (what the trace said per op, the report, lineage,
//! summaries, filters).
//!
//! Split between a Web Worker and the page (s11-trace): the views read the `Session` directly
//! (snapshots, seeks, the inspector's bytes), so the session is built in the page's wasm
//! instance — a worker building it would have to send the whole session across at the end. The
//! worker (`web/src/bin/trace_worker.rs`) does what needs no session: it reads the `File`,
//! inflates gzip and parses the lines into core's `trace::wire` batches (transferable
//! `ArrayBuffer`s, two in flight); the page replays the batches ([`Loader::feed_wire`]) in
//! slices of [`SLICE_BUDGET_MS`] that yield through a `MessageChannel` (no clamped nested
//! timers), so no task of the load is long and input is answered in between. Cancel terminates
//! the worker. Without a worker (`?traceworker=0`, or its script does not load) the page runs
//! the worker's own module on its thread (s14, issue 14): it loads `trace_worker.js` and
//! `trace_worker_bg.wasm` then, and talks to it through a `MessageChannel` with the worker's
//! messages, so [`read_worker_inner`] is the one replay path and the results and errors are the
//! same; the reader cuts its work into slices there. The page's own wasm has no text parser
//! and no inflater (22.5 KiB of the gzipped start bundle); if the reader's module does not load
//! either, the load fails with [`LoadError::Reader`].

use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::rc::Rc;

use slabscope_core::machine::MachineConfig;
use slabscope_core::names::{Binding, Names, Value};
use slabscope_core::op::{Op, Ref, Target as OpTarget};
use slabscope_core::session::{Sample, Session};
use slabscope_core::timeline::series::SeriesBuilder;
use slabscope_core::trace::summary::{Summary, SummaryBuilder};
use slabscope_core::trace::wire::{Decoder, FeedError};
use slabscope_core::trace::{
    self, Boot, Filter, Limits, LineageEntry, Loader, Progress, Space, TraceError, TraceSession,
};

use crate::i18n::{tf, Lang};

/// Memory the retained trace may use in the page (events × `RETAINED_BYTES_PER_EVENT`).
pub const MEMORY_BUDGET: u64 = 256 << 20;
/// A slice of the load runs at most about this long before it yields to the page.
pub const SLICE_BUDGET_MS: f64 = 25.0;
/// Ops between renewals of the trace session's state near its end in the page (core's default,
/// `trace::TRACE_TAIL_OPS`, is 32,768 for the CLI's speed): the End checkpoint made once the load
/// is done replays up to this many ops in one task, which must stay well under 50 ms in wasm.
const PAGE_TAIL_OPS: usize = 4096;
/// Events gone through between clock checks when the filter choices, the summaries and a
/// filter's selection are made (s6-tracew: every end-of-load and filter computation is sliced).
const CHOICE_EVENTS: usize = 16_384;
/// Bytes per event the page keeps beside the trace session for its indexes (the slot index,
/// the live counts, a selection), reserved when the second level of checkpoints is planned.
const WEB_BYTES_PER_EVENT: usize = 12;

/// Why a trace could not be loaded (each with what locates it).
#[derive(Clone, Debug, PartialEq)]
pub enum LoadError {
    /// The gzip stream is corrupt or ends early, at this compressed byte offset.
    Gzip { offset: u64, total: u64, out: u64, truncated: bool },
    /// The trace is over the memory budget.
    OverBudget { line: u32, max_events: usize, budget: u64 },
    /// Any other loader error (bad machine configuration, too many lines).
    Trace(String),
    /// No kmem event in the file.
    Empty { bad: u64 },
    /// Reading the file failed.
    Read(String),
    /// No worker started and the trace reader's module did not load on the page either (why).
    Reader(String),
    /// The trace reader failed during the load (a worker's error event, or an uncaught error on
    /// the page while the reader runs there): why.
    Stopped(String),
}

impl LoadError {
    /// The sentence for the page.
    pub fn text(&self, lang: Lang) -> String {
        match self {
            LoadError::Gzip { offset, total, out, truncated } => tf(
                lang,
                if *truncated { "trace.err.gzip_truncated" } else { "trace.err.gzip_corrupt" },
                &[("offset", offset.to_string()), ("total", total.to_string()), ("out", out.to_string())],
            ),
            LoadError::OverBudget { line, max_events, budget } => tf(
                lang,
                "trace.err.over_budget",
                &[
                    ("line", line.to_string()),
                    ("max", max_events.to_string()),
                    ("per", trace::RETAINED_BYTES_PER_EVENT.to_string()),
                    ("mib", (budget >> 20).to_string()),
                ],
            ),
            LoadError::Trace(e) | LoadError::Read(e) => e.clone(),
            LoadError::Empty { bad } => tf(lang, "trace.err.empty", &[("bad", bad.to_string())]),
            LoadError::Reader(why) => tf(lang, "trace.err.reader", &[("why", why.clone())]),
            LoadError::Stopped(why) => tf(lang, "trace.err.reader_stopped", &[("why", why.clone())]),
        }
    }
}

impl From<TraceError> for LoadError {
    fn from(e: TraceError) -> LoadError {
        match e {
            TraceError::OverBudget { max_events, budget, line, .. } => {
                LoadError::OverBudget { line, max_events, budget }
            }
            e => LoadError::Trace(e.to_string()),
        }
    }
}

/// gzip or plain text as it streams, and the parse into wire batches: the trace reader's
/// (`web/src/bin/trace_worker.rs` includes both files), here for the tests only (s14: the page
/// runs the reader's own module when no worker starts, so neither is in the page's wasm).
#[cfg(test)]
mod inflate;
#[cfg(test)]
mod parse;

impl From<FeedError> for LoadError {
    fn from(e: FeedError) -> LoadError {
        match e {
            FeedError::Trace(e) => e.into(),
            FeedError::Wire(e) => LoadError::Trace(e.to_string()),
        }
    }
}

/// The page's trace loader (the machine a trace replays into, CPUs sized from the trace).
fn new_loader(limits: Limits) -> Result<Loader, LoadError> {
    let config = MachineConfig { mem_bytes: 256 << 20, ..MachineConfig::default() };
    Ok(Loader::new(Boot::Config { config, auto_cpus: true }, "", limits)?)
}

/// The loader's result, or why not (no kmem event in the file).
fn finished(loader: Loader) -> Result<TraceSession, LoadError> {
    let t = loader.finish()?;
    if t.facts.is_empty() && t.report.by_kind.is_empty() {
        return Err(LoadError::Empty { bad: t.report.bad_total });
    }
    Ok(t)
}

/// A loaded trace: the facts and the report, beside the app's session. Core's queries
/// ([`TraceSession`]) need the session too: [`Loaded::with`] lends it for the call (swapped in
/// and out, O(1)) so the views keep one session and the trace keeps no copy.
pub struct Loaded {
    pub name: String,
    /// Events in the trace (every kmem line, `ptr=(nil)` frees included).
    pub events: u64,
    trace: RefCell<TraceSession>,
    choices: RefCell<Option<Rc<Choices>>>,
    /// The charts' samples and where each allocation landed, made in slices after the load
    /// ([`use_trace_restore`] starts it); `None` until done.
    derived: RefCell<Option<Rc<Derived>>>,
    /// Share of the derivation done, in thousandths (for the views' "indexing" note).
    pub derive_progress: Cell<u32>,
    /// The trace's own views (report, call sites, filters) are drawn: a task after the trace is
    /// installed (s11-trace: drawn with it they made the install a long task).
    pub views_ready: Cell<bool>,
    /// A filter asked for whose selection is being made (s6-tracew); bumped `pending_gen`.
    pending: RefCell<Option<Rc<Filter>>>,
    pub pending_gen: Cell<u32>,
    /// The selection of the last filter made (its summaries and ops).
    selection: RefCell<Option<Rc<Selection>>>,
    /// Share of the pending selection done, in thousandths.
    pub filter_progress: Cell<u32>,
}

/// What a filter selects, made in slices ([`SummaryBuilder`]): the call-site and cache
/// summaries of the selected events and the ops they became.
#[derive(Debug)]
pub struct Selection {
    pub filter: Filter,
    pub sites: Vec<trace::SummaryRow>,
    pub caches: Vec<trace::SummaryRow>,
    pub ops: Rc<Vec<usize>>,
    bytes: usize,
}

impl Selection {
    fn new(filter: Filter, mut s: Summary) -> Selection {
        let ops: Vec<usize> = s.ops.iter().map(|&k| k as usize).collect();
        let bytes = s.approx_bytes() + ops.capacity() * std::mem::size_of::<usize>();
        let (sites, caches) = (s.take_rows(trace::GroupBy::CallSite), s.take_rows(trace::GroupBy::Cache));
        Selection { filter, sites, caches, ops: Rc::new(ops), bytes }
    }
}

impl Loaded {
    /// Split a finished trace session: the session for the app, the rest kept here.
    pub fn new(name: String, mut t: TraceSession, choices: Option<Choices>) -> Result<(Loaded, Session), LoadError> {
        let events = t.report.by_kind.values().sum();
        let placeholder = placeholder_session()?;
        let session = std::mem::replace(&mut t.session, placeholder);
        let loaded = Loaded {
            name,
            events,
            trace: RefCell::new(t),
            choices: RefCell::new(choices.map(Rc::new)),
            derived: RefCell::default(),
            derive_progress: Cell::new(0),
            views_ready: Cell::new(false),
            pending: RefCell::default(),
            pending_gen: Cell::new(0),
            selection: RefCell::default(),
            filter_progress: Cell::new(0),
        };
        Ok((loaded, session))
    }

    /// Run `f` over the trace session with the app's `session` in it; `None` if either is
    /// borrowed already (a view still holds it).
    pub fn with<R>(&self, session: &RefCell<Session>, f: impl FnOnce(&TraceSession) -> R) -> Option<R> {
        let mut s = session.try_borrow_mut().ok()?;
        let mut t = self.trace.try_borrow_mut().ok()?;
        std::mem::swap(&mut *s, &mut t.session);
        let r = f(&t);
        std::mem::swap(&mut *s, &mut t.session);
        Some(r)
    }

    /// The selection of `filter` if it is made.
    pub fn selection_of(&self, filter: &Filter) -> Option<Rc<Selection>> {
        self.selection.borrow().as_ref().filter(|s| s.filter == *filter).cloned()
    }

    /// The filter being applied (its selection is being made), if any.
    pub fn pending(&self) -> Option<Rc<Filter>> {
        self.pending.borrow().clone()
    }

    /// Every byte the page keeps for this trace (s6-tracew, issue 18 item 3): the facts and the
    /// op list, the session's checkpoints (their measured copy-on-write cost), the slot index,
    /// the live counts per call site and the current selection.
    pub fn retained_bytes(&self, session: &RefCell<Session>) -> Option<usize> {
        let core = self.with(session, |ts| ts.approx_bytes() + ts.session.approx_checkpoint_bytes())?;
        let derived = self.derived.borrow().as_ref().map_or(0, |d| d.approx_bytes());
        let choices = self.choices.borrow().as_ref().map_or(0, |c| c.approx_bytes());
        let selection = self.selection.borrow().as_ref().map_or(0, |s| s.bytes);
        Some(core + derived + choices + selection)
    }

    /// Bytes the second level of checkpoints may cost: the retained budget
    /// ([`trace::RETAINED_BYTES_PER_EVENT`] per event) less what is kept now and a reserve for
    /// the page's indexes made with them (the slot index, the live counts, a selection).
    pub fn checkpoint_room(&self, session: &RefCell<Session>) -> usize {
        let budget = self.events as usize * trace::RETAINED_BYTES_PER_EVENT as usize;
        let kept = self.retained_bytes(session).unwrap_or(budget) + self.events as usize * WEB_BYTES_PER_EVENT;
        budget.saturating_sub(kept)
    }

    /// The report (does not need the session).
    pub fn report(&self) -> std::cell::Ref<'_, trace::Report> {
        std::cell::Ref::map(self.trace.borrow(), |t| &t.report)
    }

    /// The one-line summary shown in the trace panel.
    pub fn summary(&self, lang: Lang, ops: usize) -> String {
        let r = self.report();
        tf(
            lang,
            "trace.summary",
            &[
                ("name", self.name.clone()),
                ("events", self.events.to_string()),
                ("ops", ops.to_string()),
                ("unmatched", r.unmatched_frees.to_string()),
                ("bad", r.bad_total.to_string()),
            ],
        )
    }
}

/// Made from one replay of the trace session after the load (in slices): the session charts'
/// samples (core's [`SeriesBuilder`], the same as `Session::series`) and, per simulated slot,
/// the ops that allocated it and freed those allocations, so a free slot has a lineage too.
#[derive(Debug, Default, PartialEq)]
pub struct Derived {
    pub samples: Rc<Vec<Sample>>,
    /// Simulated slot → ops (allocations and the frees of them), ascending.
    slots: HashMap<SimSlot, Vec<u32>>,
}

/// A simulated place an allocation landed: an object's (or tiny block's) address, or a page
/// block (buddy blocks are aligned to their order).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
enum SimSlot {
    Addr(u64),
    Pages { pfn: u32, order: u8 },
}

impl SimSlot {
    fn of(v: &Value) -> SimSlot {
        match *v {
            Value::Object { addr, .. } | Value::Tiny { addr } => SimSlot::Addr(addr),
            Value::Pages { pfn, order } | Value::Large { pfn, order } => SimSlot::Pages { pfn, order },
        }
    }
}

/// [`Derived`] being made, a slice of ops at a time.
pub struct DeriveBuilder {
    series: SeriesBuilder,
    slots: HashMap<SimSlot, Vec<u32>>,
    /// Trace names bound now → where they landed.
    live: HashMap<slabscope_core::event::Sym, SimSlot>,
    /// The second level of checkpoints (s7-traceweb): op counts still to leave one at,
    /// descending (the next is last), and the bytes they may cost.
    plan: Vec<usize>,
    room: usize,
    /// What the checkpoints left so far cost, and what one is expected to cost.
    spent: usize,
    each: usize,
}

/// Where a second level of checkpoints goes (s7-traceweb, issue 18): `more` op counts that
/// split the longest stretches between the checkpoints `at` (ascending, the first 0) and the
/// end (`total` ops) into equal parts, so the longest replay a seek needs is as short as `more`
/// checkpoints can make it. The first goes before the last op, where End seeks (a seek there
/// then replays no op). Ascending; none at an op count in `at`, none closer than
/// [`MIN_CHECKPOINT_GAP`] to another.
pub fn plan_checkpoints(at: &[usize], total: usize, more: usize) -> Vec<usize> {
    let mut bounds: Vec<usize> = at.iter().copied().filter(|&a| a < total).collect();
    bounds.push(total);
    slabscope_core::sort::sort(&mut bounds);
    bounds.dedup();
    let mut out = Vec::new();
    let mut more = more.min(total / MIN_CHECKPOINT_GAP);
    let end = total.saturating_sub(1);
    if more > 0 && end > 0 && !bounds.contains(&end) {
        out.push(end);
        let i = bounds.partition_point(|&b| b < end);
        bounds.insert(i, end);
        more -= 1;
    }
    // (start, length, cuts) per stretch; each cut goes to the stretch whose parts are longest.
    let mut gaps: Vec<(usize, usize, usize)> = bounds.windows(2).map(|w| (w[0], w[1] - w[0], 0)).collect();
    for _ in 0..more {
        let Some(g) = gaps.iter_mut().max_by_key(|g| (g.1 / (g.2 + 1), std::cmp::Reverse(g.0))) else { break };
        if g.1 / (g.2 + 2) < MIN_CHECKPOINT_GAP {
            break;
        }
        g.2 += 1;
    }
    for &(start, len, cuts) in &gaps {
        out.extend((1..=cuts).map(|j| start + len * j / (cuts + 1)));
    }
    slabscope_core::sort::sort(&mut out);
    out
}

/// The fewest ops between two checkpoints of the second level (the session's own minimum).
pub const MIN_CHECKPOINT_GAP: usize = 256;

impl DeriveBuilder {
    pub fn new(session: &Session) -> DeriveBuilder {
        DeriveBuilder {
            series: SeriesBuilder::new(session, SAMPLES),
            slots: HashMap::new(),
            live: HashMap::new(),
            plan: Vec::new(),
            room: 0,
            spent: 0,
            each: 0,
        }
    }

    /// Leave checkpoints in `session` while replaying, within `room` more bytes: as many as
    /// that holds at what the session's checkpoints cost each on average, placed by
    /// [`plan_checkpoints`]; one is left only while what they really cost stays within `room`
    /// (s7-traceweb: the retained budget holds, and End and the longest stretches come first).
    pub fn with_checkpoints(mut self, session: &mut Session, room: usize) -> DeriveBuilder {
        let n = session.checkpoint_count().saturating_sub(1).max(1);
        self.each = (session.approx_checkpoint_bytes() / n).max(1);
        // End first (s8-trace): made now from the session's tail state (a few thousand ops
        // replayed), so what it really costs is taken from the room before the rest are
        // planned. Made in replay order, it came last and on the 2M trace found the room used
        // up (End replayed 261k ops).
        self.spent = session.checkpoint_before_last(room);
        // How many more fit (s8-trace): a checkpoint costs a fixed part (what a clone copies
        // whole) and, copy-on-write, about `per_op` for each op since the one before, so `m`
        // more spread over the `n` there cost m × fixed + per_op × ops × m / (n + m); the
        // first level's average (long stretches) left out most that fit.
        let (ops, fixed) = (session.op_count().max(1), session.fixed_checkpoint_bytes().max(1));
        let n = session.checkpoint_count().max(1);
        let per_op = session.approx_checkpoint_bytes().saturating_sub((n - 1) * fixed) as f64 / ops as f64;
        let cost = |m: usize| m * fixed + (per_op * ops as f64 * m as f64 / (n + m) as f64) as usize;
        let left = room.saturating_sub(self.spent);
        let (mut lo, mut hi) = (0, ops / MIN_CHECKPOINT_GAP);
        while lo < hi {
            let mid = (lo + hi).div_ceil(2);
            if cost(mid) <= left {
                lo = mid;
            } else {
                hi = mid - 1;
            }
        }
        let more = lo;
        if let Some(each) = cost(more).checked_div(more) {
            self.each = each.max(1);
        }
        let mut plan = plan_checkpoints(&session.checkpoint_ops(), session.op_count(), more);
        plan.reverse();
        (self.plan, self.room) = (plan, room);
        self
    }

    /// As [`DeriveBuilder::step`], stopping at the next planned checkpoint and leaving it in
    /// `session` (the session replayed) if the room allows; true when all ops are done.
    pub fn step_checkpointed(&mut self, session: &mut Session, ops: usize) -> bool {
        let done = self.series.progress().0;
        let ops = self.plan.last().map_or(ops, |&next| ops.min(next.saturating_sub(done)).max(1));
        let all = self.step(session, ops);
        let done = self.series.progress().0;
        while self.plan.last().is_some_and(|&next| next <= done) {
            let next = self.plan.pop().unwrap_or(done);
            // The estimate of this one must fit, besides what the others cost, and so must
            // what it really costs (s8-trace).
            if next == done && self.spent + self.each <= self.room {
                self.spent += self.series.checkpoint_into_within(session, 1, self.room - self.spent);
            }
        }
        all
    }

    /// Bytes the checkpoints left so far cost.
    #[cfg(test)]
    pub fn checkpoint_bytes(&self) -> usize {
        self.spent
    }

    /// Replay up to `ops` more ops; true when all are done.
    pub fn step(&mut self, session: &Session, ops: usize) -> bool {
        let (slots, live) = (&mut self.slots, &mut self.live);
        self.series.step_observe(session, ops, |k, op, sim| match *op {
            Op::Kmalloc { target: OpTarget::Name { name }, .. }
            | Op::CacheAlloc { target: OpTarget::Name { name }, .. }
            | Op::PagesAlloc { target: OpTarget::Name { name }, .. } => {
                if let Some(Binding::One(v)) = sim.bindings.get(name) {
                    let slot = SimSlot::of(v);
                    live.insert(name, slot);
                    slots.entry(slot).or_default().push(k as u32);
                }
            }
            Op::Kfree { what: Ref::Name { name }, .. }
            | Op::CacheFree { what: Ref::Name { name }, .. }
            | Op::PagesFree { what: Ref::Name { name }, .. } => {
                if let Some(slot) = live.remove(&name) {
                    slots.entry(slot).or_default().push(k as u32);
                }
            }
            _ => {}
        })
    }

    /// Thousandths done.
    pub fn permille(&self) -> u32 {
        let (done, total) = self.series.progress();
        (done as u64 * 1000 / total.max(1) as u64) as u32
    }

    pub fn finish(self) -> Derived {
        Derived { samples: Rc::new(self.series.finish()), slots: self.slots }
    }
}

/// Samples of the session charts (as the stage asks `Session::series`).
const SAMPLES: usize = 200;

impl Derived {
    /// Heap bytes of the slot index (by capacity, with the map's per-entry overhead).
    pub fn approx_bytes(&self) -> usize {
        let entry = std::mem::size_of::<SimSlot>() + std::mem::size_of::<Vec<u32>>() + 8;
        self.slots.capacity() * entry + self.slots.values().map(|v| v.capacity() * 4).sum::<usize>()
    }

    /// The ops that allocated the simulated slot under `target` and freed those allocations.
    fn ops_at(&self, target: Target) -> &[u32] {
        let hit = match target {
            Target::Addr(a) => self.slots.get(&SimSlot::Addr(a)),
            // The block that held the page: aligned to its order; the latest-used order wins.
            Target::Pfn(p) => (0..=10u8)
                .filter_map(|order| self.slots.get(&SimSlot::Pages { pfn: p & !((1u32 << order) - 1), order }))
                .max_by_key(|v| v.last().copied()),
        };
        hit.map_or(&[], Vec::as_slice)
    }
}

/// The lineage of a simulated slot (a free slot, or a slot whatever holds it now): every
/// allocation the simulation placed there and the free of each, with what the trace said; an
/// allocation's "reused by" is the next allocation placed there.
pub fn slot_rows(t: &TraceSession, d: &Derived, target: Target) -> Vec<LineageRow> {
    let ops = d.ops_at(target);
    let mut rows: Vec<LineageRow> = ops
        .iter()
        .filter_map(|&k| {
            let f = t.fact_of_op(k as usize)?;
            Some(LineageRow {
                index: f.index,
                line: f.line,
                alloc: f.kind.is_alloc(),
                kind: f.kind.name(),
                call_site: f.call_site.unwrap_or("").to_string(),
                comm: f.comm.to_string(),
                pid: f.pid,
                cpu: f.cpu,
                time: f.time(),
                op: Some(k as usize),
                reused_by: None,
                reused_line: None,
            })
        })
        .collect();
    let mut next: Option<(usize, u32)> = None;
    for r in rows.iter_mut().rev() {
        if r.alloc {
            (r.reused_by, r.reused_line) = (next.map(|n| n.0), next.map(|n| n.1));
            next = r.op.map(|op| (op, r.line));
        }
    }
    rows
}

impl Loaded {
    /// The derived data once made.
    pub fn derived(&self) -> Option<Rc<Derived>> {
        self.derived.borrow().clone()
    }

    /// The session charts' samples once made.
    pub fn samples(&self) -> Option<Rc<Vec<Sample>>> {
        self.derived.borrow().as_ref().map(|d| d.samples.clone())
    }
}

/// What the filter controls offer, the unfiltered call-site and cache summaries, and per call
/// site the events that allocate and free its objects (for "live at the cursor"): computed once
/// per trace (in slices at the end of the load).
#[derive(Debug, Default, PartialEq)]
pub struct Choices {
    pub caches: Vec<String>,
    pub sites: Vec<String>,
    pub comms: Vec<String>,
    pub cpus: Vec<u16>,
    /// `summary(CallSite)` and `summary(Cache)` without a filter.
    pub site_rows: Vec<trace::SummaryRow>,
    pub cache_rows: Vec<trace::SummaryRow>,
    /// Call site → (allocation event indices, indices of the frees of those allocations), both
    /// ascending.
    live: std::collections::HashMap<String, (Vec<u32>, Vec<u32>)>,
}

/// [`Choices`] being built, a slice of events at a time.
#[derive(Default)]
pub struct ChoicesBuilder<'a> {
    next: usize,
    cpus: std::collections::BTreeSet<u16>,
    live: std::collections::HashMap<&'a str, (Vec<u32>, Vec<u32>)>,
    owner: std::collections::HashMap<(Space, u64), &'a str>,
}

impl<'a> ChoicesBuilder<'a> {
    /// Go through up to `n` more events; true when all are done.
    pub fn step(&mut self, t: &'a TraceSession, n: usize) -> bool {
        let end = self.next.saturating_add(n).min(t.facts.len());
        for i in self.next..end {
            let Some(f) = t.facts.get(i) else { break };
            self.cpus.insert(f.cpu);
            let key = (f.space(), f.ptr);
            if f.kind.is_alloc() {
                let site = f.call_site.unwrap_or(NO_SITE);
                self.live.entry(site).or_default().0.push(i as u32);
                self.owner.insert(key, site);
            } else if let Some(site) = self.owner.remove(&key) {
                self.live.entry(site).or_default().1.push(i as u32);
            }
        }
        self.next = end;
        end == t.facts.len()
    }

    /// The choices, given the unfiltered summaries by call site, cache and comm.
    pub fn finish(self, [site_rows, cache_rows, comm_rows]: [Vec<trace::SummaryRow>; 3]) -> Choices {
        let keys = |rows: &[trace::SummaryRow]| rows.iter().map(|r| r.key.clone()).collect::<Vec<_>>();
        Choices {
            caches: keys(&cache_rows),
            // Page events have no call site: grouped as "(none)", which no filter matches.
            sites: keys(&site_rows).into_iter().filter(|k| k != NO_SITE).collect(),
            comms: keys(&comm_rows),
            cpus: self.cpus.into_iter().collect(),
            site_rows,
            cache_rows,
            live: self.live.into_iter().map(|(k, v)| (k.to_string(), v)).collect(),
        }
    }
}

/// How core's summaries name the group of events without a call site.
const NO_SITE: &str = "(none)";

/// The groupings [`ChoicesBuilder::finish`] takes, in its order.
const GROUPS: [trace::GroupBy; 3] = [trace::GroupBy::CallSite, trace::GroupBy::Cache, trace::GroupBy::Comm];

impl Choices {
    fn of(t: &TraceSession) -> Choices {
        let mut b = ChoicesBuilder::default();
        b.step(t, usize::MAX);
        let mut s = t.summaries(&Filter::default(), false);
        b.finish(GROUPS.map(|by| s.take_rows(by)))
    }

    /// Heap bytes of the live counts (the per-call-site event indices) and the rows.
    pub fn approx_bytes(&self) -> usize {
        let rows = (self.site_rows.len() + self.cache_rows.len()) * std::mem::size_of::<trace::SummaryRow>();
        rows + self.live.iter().map(|(k, (a, f))| k.capacity() + 64 + (a.capacity() + f.capacity()) * 4).sum::<usize>()
    }

    /// Objects of `site` live after event `at` (allocated at or before it, not freed by then).
    pub fn live_at(&self, site: &str, at: Option<usize>) -> u64 {
        let (Some((allocs, frees)), Some(at)) = (self.live.get(site), at) else { return 0 };
        let upto = |v: &[u32]| v.partition_point(|&i| i as usize <= at) as u64;
        upto(allocs) - upto(frees)
    }
}

impl Loaded {
    /// The filter choices and live counts (computed on first use unless the load made them).
    pub fn choices(&self, session: &RefCell<Session>) -> Option<Rc<Choices>> {
        if let Some(c) = self.choices.borrow().as_ref() {
            return Some(c.clone());
        }
        let c = Rc::new(self.with(session, Choices::of)?);
        *self.choices.borrow_mut() = Some(c.clone());
        Some(c)
    }
}

/// The smallest valid session (held by [`Loaded`] while the app holds the real one).
fn placeholder_session() -> Result<Session, LoadError> {
    let config = MachineConfig { mem_bytes: 4 << 20, cpus: 1, ..MachineConfig::default() };
    Session::with_names(config, Names::default())
        .or_else(|_| Session::with_names(MachineConfig::default(), Names::default()))
        .map_err(|e| LoadError::Trace(e.to_string()))
}

/// The trace name bound at the cursor to a simulated object or page block: what the
/// inspector's lineage starts from.
pub fn name_at(session: &Session, target: Target) -> Option<slabscope_core::event::Sym> {
    session.sim().bindings.iter().find_map(|(sym, b)| {
        let hit = |v: &Value| match (*v, target) {
            (Value::Object { addr, .. }, Target::Addr(a)) | (Value::Tiny { addr }, Target::Addr(a)) => addr == a,
            (Value::Pages { pfn, order }, Target::Pfn(p)) | (Value::Large { pfn, order }, Target::Pfn(p)) => {
                p >= pfn && p < pfn + (1 << order)
            }
            _ => false,
        };
        let found = match b {
            Binding::One(v) => hit(v),
            Binding::List(l) => l.iter().any(hit),
        };
        found.then_some(sym)
    })
}

/// What a lineage is asked for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Target {
    /// A slab object's (or tiny block's) simulated address.
    Addr(u64),
    /// A page of a block.
    Pfn(u32),
}

/// One row of a lineage as the inspector shows it (owned: the trace session is lent only for
/// the query).
#[derive(Clone, Debug, PartialEq)]
pub struct LineageRow {
    pub index: usize,
    pub line: u32,
    pub alloc: bool,
    pub kind: &'static str,
    pub call_site: String,
    pub comm: String,
    pub pid: u32,
    pub cpu: u16,
    pub time: String,
    /// The op this event became (`None`: an unmatched free).
    pub op: Option<usize>,
    /// The op of the next allocation of the same address.
    pub reused_by: Option<usize>,
    pub reused_line: Option<u32>,
}

/// The lineage of the trace address behind a simulated name (`o<ptr>` / `p<pfn>`).
pub fn lineage_rows(t: &TraceSession, name: slabscope_core::event::Sym) -> (Option<(Space, u64)>, Vec<LineageRow>) {
    let addr = t.facts.address_of_name(name);
    let rows = t.lineage_of_name(name);
    let row = |e: &LineageEntry<'_>| LineageRow {
        index: e.fact.index,
        line: e.fact.line,
        alloc: e.fact.kind.is_alloc(),
        kind: e.fact.kind.name(),
        call_site: e.fact.call_site.unwrap_or("").to_string(),
        comm: e.fact.comm.to_string(),
        pid: e.fact.pid,
        cpu: e.fact.cpu,
        time: e.fact.time(),
        op: e.op,
        reused_by: e.reused_by.and_then(|i| t.op_of_event(i)),
        reused_line: e.reused_by.map(|i| t.facts.line(i)),
    };
    (addr, rows.iter().map(row).collect())
}

/// Which filter field a control sets.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FilterField {
    Cache,
    Cpu,
    CallSite,
    Comm,
}

/// `filter` with one field set from a control's text (empty: any).
pub fn set_filter(filter: &Filter, field: FilterField, value: &str) -> Filter {
    let v = value.trim();
    let s = (!v.is_empty()).then(|| v.to_string());
    let mut f = filter.clone();
    match field {
        FilterField::Cache => f.cache = s,
        FilterField::Cpu => f.cpu = v.parse().ok(),
        FilterField::CallSite => f.call_site = s,
        FilterField::Comm => f.comm = s,
    }
    f
}

/// True when the filter selects everything.
pub fn filter_is_empty(f: &Filter) -> bool {
    *f == Filter::default()
}

/// A load in progress: what the progress bar shows, and the cancel switch the loading task
/// reads between slices.
#[derive(Default)]
pub struct Loading {
    pub name: String,
    pub size: u64,
    pub progress: Cell<Progress>,
    pub cancelled: Cell<bool>,
    /// Step to open at once loaded (a reopened trace, a link, or a file picked for the link's
    /// trace: `Action::TraceStart` fills it from [`super::State::trace_link`]).
    pub at: Cell<Option<u64>>,
    /// The filter choices, made in slices at the end of the load.
    pub choices: Cell<Option<Choices>>,
    /// Thousandths of the end-of-load summaries done (0 while reading the file).
    pub summarising: Cell<u32>,
    /// The trace shown before this load began (name, step), dropped to make room: reopened from
    /// this browser's copy if this load is cancelled or fails (s6-tracew, issue 18 item 4).
    pub previous: RefCell<Option<(String, u64)>>,
    /// This load reopens the trace shown before a load that did not land (why that one failed
    /// stays on screen).
    pub restore: bool,
    /// The worker parsing the file (s11-trace), terminated on cancel.
    worker: RefCell<Option<Rc<WorkerLink>>>,
}

impl Loading {
    /// Stop this load: the loop stops at its next check, the worker is terminated at once and
    /// a wait for its next message ends.
    pub fn cancel(&self) {
        self.cancelled.set(true);
        if let Some(w) = self.worker.take() {
            w.stop();
            w.inbox.push(wasm_bindgen::JsValue::from_str("cancelled"));
        }
    }
}

impl super::State {
    /// The trace explorer's actions (see [`super::Action`]).
    pub(super) fn trace_action(&mut self, a: super::Action) {
        use super::Action;
        match a {
            Action::TraceStart(l) => {
                // The file a link asked for, picked or dropped: it opens at the link's step.
                if let (None, Some((name, step))) = (l.at.get(), &self.trace_link) {
                    if *name == l.name {
                        l.at.set(Some(*step));
                    }
                }
                if let Some(old) = self.loading.replace(l.clone()) {
                    old.cancel();
                    l.previous.replace(old.previous.take());
                }
                // A second load must not double memory: the trace shown is dropped now (its
                // session, facts and indexes), and reopened from this browser's copy if the new
                // load does not land (see `use_trace_restore`).
                if let Some(tr) = self.trace.take() {
                    l.previous.replace(Some((tr.name.clone(), self.session.borrow().step())));
                    if let Ok(p) = placeholder_session() {
                        self.session = Rc::new(RefCell::new(p));
                    }
                    self.selection = None;
                    self.hover = None;
                    self.trace_filter = Rc::default();
                }
                if !l.restore {
                    self.trace_error = None;
                }
                self.playing = false;
                self.mode = crate::doc::Mode::Trace;
            }
            // A finished selection of the pending filter applies it (every view at once).
            Action::TraceProgress => {
                if let Some(t) = &self.trace {
                    if let Some(p) = t.pending() {
                        if t.selection_of(&p).is_some() {
                            t.pending.replace(None);
                            self.trace_filter = p;
                        }
                    }
                }
            }
            Action::TraceLoaded(l, t) => {
                if !self.loading.as_ref().is_some_and(|cur| Rc::ptr_eq(cur, &l)) {
                    return;
                }
                self.loading = None;
                mark("install:start");
                match Loaded::new(l.name.clone(), *t, l.choices.take()) {
                    Ok((loaded, mut session)) => {
                        session.seek(l.at.get().unwrap_or(0).min(session.total_steps()));
                        // The old trace and session are dropped here (nothing else keeps them).
                        self.session = Rc::new(RefCell::new(session));
                        self.trace = Some(Rc::new(loaded));
                        self.doc = None;
                        self.selection = None;
                        self.hover = None;
                        self.trace_filter = Rc::default();
                        self.trace_wanted = None;
                        self.trace_link = None;
                    }
                    Err(e) => self.trace_error = Some((l.name.clone(), e)),
                }
                mark("install:end");
            }
            Action::TraceFailed(l, e) if self.loading.as_ref().is_some_and(|cur| Rc::ptr_eq(cur, &l)) => {
                self.loading = None;
                self.trace_error = Some((l.name.clone(), e));
            }
            Action::TraceCancel => {
                if let Some(l) = self.loading.take() {
                    l.cancel();
                }
            }
            // The filter applies once its selection is made (in slices by `use_trace_restore`);
            // no filter, or one made before, applies at once.
            Action::TraceFilter(field, v) => {
                let Some(t) = &self.trace else {
                    self.trace_filter = Rc::new(set_filter(&self.trace_filter, field, &v));
                    return;
                };
                let base = t.pending().unwrap_or_else(|| self.trace_filter.clone());
                let wanted = set_filter(&base, field, &v);
                if filter_is_empty(&wanted) || t.selection_of(&wanted).is_some() {
                    if t.pending.replace(None).is_some() {
                        t.pending_gen.set(t.pending_gen.get().wrapping_add(1));
                    }
                    self.trace_filter = Rc::new(wanted);
                } else if *self.trace_filter == wanted {
                    // Back to the filter shown: the selection being made is dropped.
                    if t.pending.replace(None).is_some() {
                        t.pending_gen.set(t.pending_gen.get().wrapping_add(1));
                    }
                } else {
                    t.pending.replace(Some(Rc::new(wanted)));
                    t.pending_gen.set(t.pending_gen.get().wrapping_add(1));
                    t.filter_progress.set(0);
                }
            }
            Action::TraceWanted(name) => self.trace_wanted = Some(name),
            _ => {}
        }
    }

    /// The op indices the trace filter selects (`None`: no trace, or no filter): the selection
    /// made in slices when the filter was applied.
    pub fn filtered_ops(&self) -> Option<Rc<Vec<usize>>> {
        let t = self.trace.as_ref()?;
        if filter_is_empty(&self.trace_filter) {
            return None;
        }
        if let Some(sel) = t.selection_of(&self.trace_filter) {
            return Some(sel.ops.clone());
        }
        t.with(&self.session, |ts| Rc::new(ts.select_ops(&self.trace_filter)))
    }

    /// The trace fact of the current op, as the step text shows it.
    pub fn current_fact(&self, lang: Lang) -> Option<String> {
        let t = self.trace.as_ref()?;
        let k = self.session.try_borrow().ok()?.current_op()?;
        t.with(&self.session, |ts| ts.fact_of_op(k).map(|f| fact_text(lang, &f))).flatten()
    }
}

/// One traced event in words (every fact the trace gave for it).
pub fn fact_text(lang: Lang, f: &trace::Fact<'_>) -> String {
    let ptr =
        if f.kind.is_page() { format!("pfn={:#x} order={}", f.ptr, f.order) } else { format!("ptr={:#x}", f.ptr) };
    tf(
        lang,
        "trace.fact",
        &[
            ("line", f.line.to_string()),
            ("time", f.time()),
            ("comm", f.comm.to_string()),
            ("pid", f.pid.to_string()),
            ("cpu", f.cpu.to_string()),
            ("kind", f.kind.name().to_string()),
            ("site", f.call_site.unwrap_or("-").to_string()),
            ("ptr", ptr),
        ],
    )
}

// ---------------------------------------------------------------------------------------------
// Streaming a file in (browser only)
// ---------------------------------------------------------------------------------------------

/// The trace memory budget: [`MEMORY_BUDGET`], or `?tracemem=MIB` (1–2048) for a device with
/// less memory to spare (and for the browser suite, which cannot make a 4-million-event file).
fn memory_budget() -> u64 {
    let search = web_sys::window().and_then(|w| w.location().search().ok()).unwrap_or_default();
    search
        .trim_start_matches('?')
        .split('&')
        .find_map(|kv| kv.strip_prefix("tracemem=")?.parse::<u64>().ok())
        .map_or(MEMORY_BUDGET, |mib| mib.clamp(1, 2048) << 20)
}

/// A User Timing mark `slabscope:NAME` (s7-traceweb): the phases of a load that are not
/// sliced (the end of the file, the summaries' and the slot index's last step, installing the
/// trace) are bracketed by `NAME:start` / `NAME:end`, so the benchmark can tell which phase a
/// long task was in (`e2e/bench/trace.mjs`).
/// `session.seek(step)`, bracketed by the User Timing marks `slabscope:seek:start` / `:end`
/// when the page's `window.__slabscopeSeekMarks` is set (a benchmark sets it: e2e/bench/trace.mjs
/// times the seek itself beside input → paint; s8-trace). Without the flag nothing is marked, so
/// playback does not fill the performance timeline.
pub(crate) fn timed_seek(session: &mut Session, step: u64) {
    #[cfg(target_arch = "wasm32")]
    let marks = web_sys::window()
        .and_then(|w| js_sys::Reflect::get(&w, &"__slabscopeSeekMarks".into()).ok())
        .is_some_and(|v| v.is_truthy());
    #[cfg(not(target_arch = "wasm32"))]
    let marks = false;
    if marks {
        mark("seek:start");
    }
    session.seek(step);
    if marks {
        mark("seek:end");
    }
}

pub(crate) fn mark(name: &str) {
    #[cfg(target_arch = "wasm32")]
    if let Some(p) = web_sys::window().and_then(|w| w.performance()) {
        let _ = p.mark(&format!("slabscope:{name}"));
    }
    #[cfg(not(target_arch = "wasm32"))]
    let _ = name;
}

fn now_ms() -> f64 {
    web_sys::window().and_then(|w| w.performance()).map_or(0.0, |p| p.now())
}

/// Yield to the page: resolve on a `MessageChannel` message (runs right after pending input and
/// rendering, without the 4 ms clamp of nested zero-delay timers).
pub(crate) async fn yield_now() {
    let p = js_sys::Promise::new(&mut |resolve, _| match web_sys::MessageChannel::new() {
        Ok(ch) => {
            ch.port1().set_onmessage(Some(&resolve));
            if ch.port2().post_message(&wasm_bindgen::JsValue::NULL).is_err() {
                let _ = resolve.call0(&wasm_bindgen::JsValue::NULL);
            }
        }
        Err(_) => {
            let _ = resolve.call0(&wasm_bindgen::JsValue::NULL);
        }
    });
    let _ = wasm_bindgen_futures::JsFuture::from(p).await;
}

/// Yield to the next frame: resolve in the next animation frame (the page paints in between).
/// A filter's selection takes one slice per frame (s6-tracew).
async fn next_frame() {
    let p = js_sys::Promise::new(&mut |resolve, _| {
        let asked = web_sys::window().and_then(|w| w.request_animation_frame(&resolve).ok());
        if asked.is_none() {
            let _ = resolve.call0(&wasm_bindgen::JsValue::NULL);
        }
    });
    let _ = wasm_bindgen_futures::JsFuture::from(p).await;
}

/// Stream `blob` in: parsed in the trace worker when one starts (s11-trace), else by the same
/// module on this thread (s14); replayed here in time-budgeted slices, then the summaries;
/// `Ok(None)` when cancelled.
async fn stream(
    blob: &web_sys::Blob,
    loading: &Loading,
    d: &yew::UseReducerDispatcher<super::State>,
) -> Result<Option<TraceSession>, LoadError> {
    let limits = Limits { tail_ops: PAGE_TAIL_OPS, ..Limits::for_memory(memory_budget()) };
    let read = match use_worker().then(WorkerLink::start).flatten() {
        Some(w) => read_worker(&w, blob, limits, loading, d).await,
        None => Read::NoWorker,
    };
    let read = match read {
        Read::NoWorker => read_in_page(blob, limits, loading, d).await,
        r => r,
    };
    match read {
        Read::Done(t) => summarise((*t)?, loading, d).await,
        Read::Cancelled | Read::NoWorker => Ok(None),
    }
}

/// How reading the file ended.
enum Read {
    Done(Box<Result<TraceSession, LoadError>>),
    Cancelled,
    /// The worker did not start (its script failed to load): read on this thread instead.
    NoWorker,
}

/// `?traceworker=0` loads on the page's thread (the benchmark compares both; s11-trace).
fn use_worker() -> bool {
    let search = web_sys::window().and_then(|w| w.location().search().ok()).unwrap_or_default();
    !search.trim_start_matches('?').split('&').any(|kv| kv == "traceworker=0")
}

/// Messages from the worker, waited for one at a time.
#[derive(Default)]
struct Inbox {
    queue: RefCell<std::collections::VecDeque<wasm_bindgen::JsValue>>,
    wake: RefCell<Option<js_sys::Function>>,
}

impl Inbox {
    fn push(&self, v: wasm_bindgen::JsValue) {
        self.queue.borrow_mut().push_back(v);
        if let Some(f) = self.wake.take() {
            let _ = f.call0(&wasm_bindgen::JsValue::NULL);
        }
    }

    /// The next message, and whether it was waited for (the page ran meanwhile: a new slice).
    async fn recv(&self) -> (wasm_bindgen::JsValue, bool) {
        let mut waited = false;
        loop {
            if let Some(v) = self.queue.borrow_mut().pop_front() {
                return (v, waited);
            }
            let p = js_sys::Promise::new(&mut |resolve, _| {
                self.wake.replace(Some(resolve));
            });
            let _ = wasm_bindgen_futures::JsFuture::from(p).await;
            waited = true;
        }
    }
}

type OnMessage = wasm_bindgen::closure::Closure<dyn Fn(web_sys::MessageEvent)>;
type OnError = wasm_bindgen::closure::Closure<dyn Fn(web_sys::Event)>;

/// What the inbox gets when the reader fails: `{ t: "stopped", text }` with the error's message
/// (an `ErrorEvent`'s, an unhandled rejection's reason), so a load ends with an error instead of
/// waiting for a reader that is gone (s14).
fn stopped(e: &web_sys::Event) -> wasm_bindgen::JsValue {
    use wasm_bindgen::JsCast;
    let why = match e.dyn_ref::<web_sys::ErrorEvent>() {
        Some(e) if !e.message().is_empty() => e.message(),
        _ => match js_sys::Reflect::get(e, &"reason".into()) {
            Ok(r) if !r.is_undefined() => js_error(r),
            _ => e.type_(),
        },
    };
    let o = js_sys::Object::new();
    let _ = js_sys::Reflect::set(&o, &"t".into(), &"stopped".into());
    let _ = js_sys::Reflect::set(&o, &"text".into(), &why.into());
    o.into()
}

/// The trace reader of one load (`web/src/bin/trace_worker.rs`): a worker (built by trunk as
/// `trace_worker_loader.js`), or the same module on this thread behind a `MessageChannel`
/// ([`WorkerLink::in_page`]); its handlers and what it sent.
struct WorkerLink {
    reader: Reader,
    inbox: Rc<Inbox>,
    on: (OnMessage, OnError),
}

/// The window's events that end a load whose reader runs on this thread.
const PAGE_ERRORS: [&str; 2] = ["error", "unhandledrejection"];

/// Where the reader runs.
enum Reader {
    Worker(web_sys::Worker),
    /// The page's end of the channel to the reader on this thread.
    Page(web_sys::MessagePort),
}

#[wasm_bindgen::prelude::wasm_bindgen(inline_js = r#"
let script;
export function slabscope_trace_reader(js, wasm) {
  if (!script) {
    script = new Promise((ok, no) => {
      const s = document.createElement('script');
      s.src = js;
      s.onload = ok;
      s.onerror = () => { s.remove(); no(new Error(`${js} did not load`)); };
      document.head.appendChild(s);
    });
    script.catch(() => { script = undefined; });
  }
  return script.then(() => {
    if (typeof wasm_bindgen !== 'function') throw new Error(`${js} is not the trace reader`);
    return wasm_bindgen({ module_or_path: wasm });
  }).then(() => wasm_bindgen.serve_port);
}
"#)]
extern "C" {
    /// The trace reader's module on this thread (s14): its no-modules glue `js` (a classic
    /// script, added once: it declares the global `wasm_bindgen`, which the app's own glue, an
    /// ES module, does not use), its wasm initialised from `wasm` (once; again after a failure),
    /// then its `serve_port` export.
    fn slabscope_trace_reader(js: &str, wasm: &str) -> js_sys::Promise;
}

/// A JavaScript error's message (else its debug form).
fn js_error(e: wasm_bindgen::JsValue) -> String {
    use wasm_bindgen::JsCast;
    match e.dyn_ref::<js_sys::Error>() {
        Some(e) => String::from(e.message()),
        None => format!("{e:?}"),
    }
}

impl WorkerLink {
    fn listen(reader: Reader) -> Rc<WorkerLink> {
        use wasm_bindgen::JsCast;
        let inbox = Rc::new(Inbox::default());
        let on_message = {
            let inbox = inbox.clone();
            wasm_bindgen::closure::Closure::<dyn Fn(web_sys::MessageEvent)>::new(move |m: web_sys::MessageEvent| {
                inbox.push(m.data())
            })
        };
        let on_error = {
            let inbox = inbox.clone();
            wasm_bindgen::closure::Closure::<dyn Fn(web_sys::Event)>::new(move |e: web_sys::Event| {
                e.prevent_default();
                inbox.push(stopped(&e))
            })
        };
        match &reader {
            Reader::Worker(worker) => {
                worker.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
                worker.set_onerror(Some(on_error.as_ref().unchecked_ref()));
            }
            Reader::Page(port) => {
                port.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
                // The reader on this thread fails as the page's own uncaught errors (a panic in
                // its wasm, a rejected read): heard on the window while this load runs.
                if let Some(w) = web_sys::window() {
                    for kind in PAGE_ERRORS {
                        let _ = w.add_event_listener_with_callback(kind, on_error.as_ref().unchecked_ref());
                    }
                }
            }
        }
        Rc::new(WorkerLink { reader, inbox, on: (on_message, on_error) })
    }

    fn start() -> Option<Rc<WorkerLink>> {
        let worker = web_sys::Worker::new("./trace_worker_loader.js").ok()?;
        Some(WorkerLink::listen(Reader::Worker(worker)))
    }

    /// The reader on this thread: its module loaded (the first time), serving a channel.
    async fn in_page() -> Result<Rc<WorkerLink>, LoadError> {
        use wasm_bindgen::JsCast;
        let err = |e| LoadError::Reader(js_error(e));
        let p = slabscope_trace_reader("./trace_worker.js", "./trace_worker_bg.wasm");
        let serve = wasm_bindgen_futures::JsFuture::from(p).await.map_err(err)?;
        let serve = serve.dyn_into::<js_sys::Function>().map_err(|_| LoadError::Reader("serve_port".into()))?;
        let ch = web_sys::MessageChannel::new().map_err(err)?;
        let link = WorkerLink::listen(Reader::Page(ch.port1()));
        serve.call1(&wasm_bindgen::JsValue::NULL, &ch.port2()).map_err(err)?;
        Ok(link)
    }

    fn post(&self, v: &wasm_bindgen::JsValue) -> Result<(), LoadError> {
        match &self.reader {
            Reader::Worker(w) => w.post_message(v),
            Reader::Page(p) => p.post_message(v),
        }
        .map_err(|e| LoadError::Read(format!("{e:?}")))
    }

    /// End the reader: the worker is terminated; the reader on this thread is told to stop
    /// (what it had queued is dropped) and the channel closed.
    fn stop(&self) {
        match &self.reader {
            Reader::Worker(w) => w.terminate(),
            Reader::Page(p) => {
                let _ = p.post_message(&wasm_bindgen::JsValue::from_str("close"));
                p.close();
            }
        }
    }

    /// On this thread, the reader's start message asks for slices of [`SLICE_BUDGET_MS`].
    fn in_page_slices(&self) -> Option<f64> {
        matches!(self.reader, Reader::Page(_)).then_some(SLICE_BUDGET_MS)
    }
}

impl Drop for WorkerLink {
    fn drop(&mut self) {
        self.stop();
        match &self.reader {
            Reader::Worker(w) => {
                w.set_onmessage(None);
                w.set_onerror(None);
            }
            Reader::Page(p) => {
                use wasm_bindgen::JsCast;
                p.set_onmessage(None);
                if let Some(w) = web_sys::window() {
                    for kind in PAGE_ERRORS {
                        let _ = w.remove_event_listener_with_callback(kind, self.on.1.as_ref().unchecked_ref());
                    }
                }
            }
        }
    }
}

/// Records replayed between clock checks.
const WIRE_RECORDS: usize = 512;

fn field(v: &wasm_bindgen::JsValue, k: &str) -> wasm_bindgen::JsValue {
    js_sys::Reflect::get(v, &k.into()).unwrap_or(wasm_bindgen::JsValue::UNDEFINED)
}

/// The file parsed by the worker, its batches replayed here in time-budgeted slices.
async fn read_worker(
    w: &Rc<WorkerLink>,
    blob: &web_sys::Blob,
    limits: Limits,
    loading: &Loading,
    d: &yew::UseReducerDispatcher<super::State>,
) -> Read {
    loading.worker.replace(Some(w.clone()));
    let r = read_worker_inner(w, blob, limits, loading, d).await;
    loading.worker.take();
    w.stop();
    match r {
        _ if loading.cancelled.get() => Read::Cancelled,
        Ok(Some(t)) => Read::Done(Box::new(Ok(t))),
        Ok(None) => Read::NoWorker,
        Err(e) => Read::Done(Box::new(Err(e))),
    }
}

async fn read_worker_inner(
    w: &WorkerLink,
    blob: &web_sys::Blob,
    limits: Limits,
    loading: &Loading,
    d: &yew::UseReducerDispatcher<super::State>,
) -> Result<Option<TraceSession>, LoadError> {
    let (first, _) = w.inbox.recv().await;
    if first.as_string().as_deref() != Some("ready") {
        return Ok(None);
    }
    let mut loader = new_loader(limits)?;
    let start = js_sys::Object::new();
    let _ = js_sys::Reflect::set(&start, &"file".into(), blob);
    let _ = js_sys::Reflect::set(&start, &"maxLine".into(), &(limits.max_line_bytes as f64).into());
    if let Some(ms) = w.in_page_slices() {
        let _ = js_sys::Reflect::set(&start, &"sliceMs".into(), &ms.into());
    }
    w.post(&start)?;
    // Two batches asked for: the worker parses the next while this one is replayed.
    let more = wasm_bindgen::JsValue::from_str("more");
    w.post(&more)?;
    w.post(&more)?;
    let mut dec = Decoder::new();
    let (mut shown, mut slice) = (now_ms(), now_ms());
    loop {
        // One clock across batches: a batch already queued is taken in the same slice (s11:
        // restarting the clock per batch chained several slices into one long task).
        let (m, waited) = w.inbox.recv().await;
        if waited {
            slice = now_ms();
        }
        if loading.cancelled.get() {
            return Err(LoadError::Read("cancelled".into()));
        }
        match field(&m, "t").as_string().as_deref() {
            Some("batch") => {}
            Some("gzip") => {
                let n = |k| field(&m, k).as_f64().unwrap_or(0.0) as u64;
                return Err(LoadError::Gzip {
                    offset: n("offset"),
                    total: n("total"),
                    out: n("out"),
                    truncated: field(&m, "truncated").is_truthy(),
                });
            }
            Some("stopped") => return Err(LoadError::Stopped(field(&m, "text").as_string().unwrap_or_default())),
            Some(_) => return Err(LoadError::Trace(field(&m, "text").as_string().unwrap_or_default())),
            None => return Err(LoadError::Read(m.as_string().unwrap_or_default())),
        }
        let done = field(&m, "done").is_truthy();
        let read = field(&m, "read").as_f64().unwrap_or(0.0) as u64;
        if !done {
            w.post(&more)?;
        }
        let batch = js_sys::Uint8Array::new(&field(&m, "buf")).to_vec();
        drop(m);
        let mut at = 0;
        loop {
            let mut all = false;
            while !all && now_ms() - slice < SLICE_BUDGET_MS {
                all = loader.feed_wire(&mut dec, &batch, &mut at, WIRE_RECORDS)?;
            }
            loading.progress.set(Progress { bytes: read, ..loader.progress() });
            if now_ms() - shown > 100.0 {
                d.dispatch(super::Action::TraceProgress);
                shown = now_ms();
            }
            if all && now_ms() - slice < SLICE_BUDGET_MS {
                break;
            }
            yield_now().await;
            slice = now_ms();
            if loading.cancelled.get() {
                return Err(LoadError::Read("cancelled".into()));
            }
            if all {
                break;
            }
        }
        if done {
            break;
        }
    }
    mark("finish:start");
    let t = finished(loader);
    mark("finish:end");
    t.map(Some)
}

/// No worker started: the reader's module on this thread (s14), through the same replay.
async fn read_in_page(
    blob: &web_sys::Blob,
    limits: Limits,
    loading: &Loading,
    d: &yew::UseReducerDispatcher<super::State>,
) -> Read {
    mark("reader:start");
    let w = WorkerLink::in_page().await;
    mark("reader:end");
    match w {
        _ if loading.cancelled.get() => Read::Cancelled,
        Err(e) => Read::Done(Box::new(Err(e))),
        Ok(w) => match read_worker(&w, blob, limits, loading, d).await {
            Read::NoWorker => Read::Done(Box::new(Err(LoadError::Reader("not ready".into())))),
            r => r,
        },
    }
}

/// The end of a load: the filter choices, the live counts and the unfiltered summaries, two
/// passes over the events in time-budgeted slices (s6-tracew: no end-of-load task is long).
async fn summarise(
    t: TraceSession,
    loading: &Loading,
    d: &yew::UseReducerDispatcher<super::State>,
) -> Result<Option<TraceSession>, LoadError> {
    yield_now().await;
    let n = t.facts.len().max(1) as u64;
    let mut b = ChoicesBuilder::default();
    let mut sums = SummaryBuilder::new(&t, &Filter::default(), false);
    let mut shown = now_ms();
    loop {
        let start = now_ms();
        let mut done = false;
        while !done && now_ms() - start < SLICE_BUDGET_MS {
            done = b.step(&t, CHOICE_EVENTS) && sums.step(&t, CHOICE_EVENTS);
        }
        if loading.cancelled.get() {
            return Ok(None);
        }
        if done {
            break;
        }
        let (ev, _) = sums.progress();
        let ch = b.next as u64;
        loading.summarising.set(((ch + ev as u64) * 500 / n) as u32);
        if now_ms() - shown > 100.0 {
            d.dispatch(super::Action::TraceProgress);
            shown = now_ms();
        }
        yield_now().await;
    }
    mark("summaries:start");
    let mut s = sums.finish(&t);
    loading.choices.set(Some(b.finish(GROUPS.map(|by| s.take_rows(by)))));
    mark("summaries:end");
    Ok(Some(t))
}

/// Ops replayed between clock checks while deriving.
const DERIVE_OPS: usize = 1024;

/// Make a loaded trace's [`Derived`] in time-budgeted slices; stops when the trace or its
/// session is dropped (another trace loaded).
fn derive(
    d: yew::UseReducerDispatcher<super::State>,
    trace: std::rc::Weak<Loaded>,
    session: std::rc::Weak<RefCell<Session>>,
) {
    wasm_bindgen_futures::spawn_local(async move {
        yield_now().await;
        let mut b = {
            let (Some(t), Some(s)) = (trace.upgrade(), session.upgrade()) else { return };
            // The second level of checkpoints (s6-tracew, issue 18 item 2): what is left of the
            // retained budget once the page's own indexes are reserved, placed where seeks
            // replay the most (s7-traceweb).
            let room = t.checkpoint_room(&s);
            let Ok(mut s) = s.try_borrow_mut() else { return };
            DeriveBuilder::new(&s).with_checkpoints(&mut s, room)
        };
        let mut shown = now_ms();
        loop {
            let (Some(t), Some(s)) = (trace.upgrade(), session.upgrade()) else { return };
            let start = now_ms();
            let mut done = false;
            while !done && now_ms() - start < SLICE_BUDGET_MS {
                let Ok(mut s) = s.try_borrow_mut() else { break };
                done = b.step_checkpointed(&mut s, DERIVE_OPS);
            }
            t.derive_progress.set(b.permille());
            if done {
                mark("derived:start");
                *t.derived.borrow_mut() = Some(Rc::new(b.finish()));
                d.dispatch(super::Action::TraceProgress);
                mark("derived:end");
                return;
            }
            if now_ms() - shown > 250.0 {
                d.dispatch(super::Action::TraceProgress);
                shown = now_ms();
            }
            drop((t, s));
            yield_now().await;
        }
    });
}

/// Make the selection of the trace's pending filter in time-budgeted slices; stops when the
/// filter changes again or the trace is dropped.
fn select(
    d: yew::UseReducerDispatcher<super::State>,
    trace: std::rc::Weak<Loaded>,
    session: std::rc::Weak<RefCell<Session>>,
) {
    let (Some(t), Some(s)) = (trace.upgrade(), session.upgrade()) else { return };
    let Some(filter) = t.pending() else { return };
    let gen = t.pending_gen.get();
    let Some(mut b) = t.with(&s, |ts| SummaryBuilder::new(ts, &filter, true)) else { return };
    drop((t, s));
    wasm_bindgen_futures::spawn_local(async move {
        let mut shown = now_ms();
        loop {
            // A frame first, and one slice per frame: the status is painted before any work,
            // and the page draws a frame between slices.
            next_frame().await;
            let (Some(t), Some(s)) = (trace.upgrade(), session.upgrade()) else { return };
            if t.pending_gen.get() != gen {
                return;
            }
            let start = now_ms();
            let mut done = false;
            while !done && now_ms() - start < SLICE_BUDGET_MS {
                match t.with(&s, |ts| b.step(ts, CHOICE_EVENTS)) {
                    Some(all) => done = all,
                    None => break,
                }
            }
            let (at, total) = b.progress();
            t.filter_progress.set((at as u64 * 1000 / total.max(1) as u64) as u32);
            if done {
                mark("select:start");
                let Some(sum) = t.with(&s, move |ts| b.finish(ts)) else { return };
                t.selection.replace(Some(Rc::new(Selection::new((*filter).clone(), sum))));
                d.dispatch(super::Action::TraceProgress);
                mark("select:end");
                return;
            }
            if now_ms() - shown > 100.0 {
                d.dispatch(super::Action::TraceProgress);
                shown = now_ms();
            }
        }
    });
}

/// Load a trace file (picked, dropped, or kept in this browser) into the page: progress in
/// `state.loading`, then [`super::Action::TraceLoaded`]; a successfully loaded file is kept
/// (IndexedDB) when `keep`.
pub fn open_blob(
    d: yew::UseReducerDispatcher<super::State>,
    blob: web_sys::Blob,
    name: String,
    at: Option<u64>,
    keep: bool,
) {
    open_with(d, blob, name, at, keep, false)
}

fn open_with(
    d: yew::UseReducerDispatcher<super::State>,
    blob: web_sys::Blob,
    name: String,
    at: Option<u64>,
    keep: bool,
    restore: bool,
) {
    let loading = Rc::new(Loading {
        name: name.clone(),
        size: blob.size() as u64,
        at: Cell::new(at),
        restore,
        ..Loading::default()
    });
    d.dispatch(super::Action::TraceStart(loading.clone()));
    wasm_bindgen_futures::spawn_local(async move {
        // Let the page show the progress bar first.
        yield_now().await;
        match stream(&blob, &loading, &d).await {
            Ok(None) => {}
            Ok(Some(t)) => {
                if keep {
                    crate::storage::keep_trace(&name, &blob).await;
                }
                d.dispatch(super::Action::TraceLoaded(loading, Box::new(t)));
            }
            Err(e) => d.dispatch(super::Action::TraceFailed(loading, e)),
        }
    });
}

/// The `trace=` and `step=` of the address's hash.
pub fn url_trace() -> (Option<String>, Option<u64>, bool) {
    let hash = web_sys::window().and_then(|w| w.location().hash().ok()).unwrap_or_default();
    let (mut name, mut step, mut trace_mode) = (None, None, false);
    for kv in hash.trim_start_matches('#').split('&') {
        match kv.split_once('=') {
            Some(("trace", v)) => {
                name = js_sys::decode_uri_component(v).ok().and_then(|s| s.as_string()).filter(|s| !s.is_empty())
            }
            Some(("step", v)) => step = v.parse().ok(),
            Some(("mode", "trace")) => trace_mode = true,
            _ => {}
        }
    }
    (name, step, trace_mode)
}

/// `&trace=NAME` for the address of a loaded trace.
pub fn hash_param(name: &str) -> String {
    format!("&trace={}", String::from(js_sys::encode_uri_component(name)))
}

/// On start-up in trace mode: reopen the trace this browser keeps (at the address's step), or
/// say which trace the address needs.
#[yew::hook]
pub fn use_trace_restore(state: &yew::UseReducerHandle<super::State>) {
    // A newly loaded trace: its charts and slot index in slices (s5-tracew).
    {
        let (d, trace, session) = (state.dispatcher(), state.trace.clone(), state.session.clone());
        let key = trace.as_ref().map(|t| Rc::as_ptr(t) as usize);
        yew::use_effect_with(key, move |_| {
            if let Some(t) = trace {
                // The trace's own views a task later (s11-trace), then the charts' replay.
                let (dv, tv) = (d.clone(), Rc::downgrade(&t));
                wasm_bindgen_futures::spawn_local(async move {
                    yield_now().await;
                    if let Some(t) = tv.upgrade() {
                        mark("views:start");
                        t.views_ready.set(true);
                        dv.dispatch(super::Action::TraceProgress);
                        mark("views:end");
                    }
                });
                derive(d, Rc::downgrade(&t), Rc::downgrade(&session));
            }
        });
    }
    // A filter asked for: its selection in slices (s6-tracew), then applied by `TraceProgress`.
    {
        let (d, trace, session) = (state.dispatcher(), state.trace.clone(), state.session.clone());
        let key = trace.as_ref().map(|t| (Rc::as_ptr(t) as usize, t.pending_gen.get()));
        yew::use_effect_with(key, move |_| {
            if let Some(t) = trace {
                select(d, Rc::downgrade(&t), Rc::downgrade(&session));
            }
        });
    }
    // A load that did not land (cancelled, failed) after the trace shown was dropped for it:
    // reopen that trace from this browser's copy, at its step (s6-tracew, issue 18 item 4).
    {
        let d = state.dispatcher();
        let loading = state.loading.clone();
        let no_trace = state.trace.is_none();
        let last = yew::use_mut_ref(|| None::<Rc<Loading>>);
        let key = loading.as_ref().map(|l| Rc::as_ptr(l) as usize);
        yew::use_effect_with(key, move |_| {
            let before = std::mem::replace(&mut *last.borrow_mut(), loading.clone());
            let previous = before.and_then(|l| l.previous.take());
            if let (None, true, Some((name, step))) = (loading, no_trace, previous) {
                wasm_bindgen_futures::spawn_local(async move {
                    match crate::storage::kept_trace().await {
                        Some((kept, blob)) if kept == name => open_with(d, blob, name, Some(step), false, true),
                        _ => d.dispatch(super::Action::TraceWanted(name)),
                    }
                });
            }
        });
    }
    let d = state.dispatcher();
    // Read during the first render: the URL hook's effect rewrites the address after it.
    let url = yew::use_memo((), |_| url_trace());
    yew::use_effect_with((), move |_| {
        let (wanted, step, trace_mode) = (*url).clone();
        if trace_mode || wanted.is_some() {
            wasm_bindgen_futures::spawn_local(async move {
                match crate::storage::kept_trace().await {
                    Some((name, blob)) if wanted.as_deref().is_none_or(|w| w == name) => {
                        open_blob(d, blob, name, step, false)
                    }
                    _ => {
                        if let Some(w) = wanted {
                            d.dispatch(super::Action::TraceWanted(w));
                        }
                    }
                }
            });
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    const FIXTURE: &str = include_str!("../../../core/tests/data/kmem-ls-sort-2000.perf.txt");

    /// A file loaded as the page does it (s14): the trace reader's parse (`parse.rs`, in
    /// `piece`s: a worker reads 1 MiB at a time, the reader on the page's thread feeds 32 KiB)
    /// into wire batches, replayed by the page's loader; the reader's failures as the page reads
    /// its messages (`read_worker_inner`).
    fn load_with(bytes: &[u8], piece: usize, limits: Limits) -> Result<TraceSession, LoadError> {
        let reader = |f: parse::Fail| match f {
            parse::Fail::Gzip(e) => {
                LoadError::Gzip { offset: e.offset, total: e.total, out: e.out, truncated: e.truncated }
            }
            parse::Fail::Trace(e) => LoadError::Trace(e.to_string()),
        };
        let mut p = parse::Parse::new(limits.max_line_bytes);
        let mut loader = new_loader(limits)?;
        let mut dec = Decoder::new();
        let mut replay = |batch: Vec<u8>| -> Result<(), LoadError> {
            let mut at = 0;
            while !loader.feed_wire(&mut dec, &batch, &mut at, WIRE_RECORDS)? {}
            Ok(())
        };
        for c in bytes.chunks(piece) {
            p.push(c).map_err(reader)?;
            replay(p.take_batch())?;
        }
        p.finish().map_err(reader)?;
        replay(p.take_batch())?;
        // The progress the reader reports: every byte of the file.
        assert_eq!(p.bytes_read(), bytes.len() as u64);
        finished(loader)
    }

    fn load(bytes: &[u8], piece: usize) -> Result<TraceSession, LoadError> {
        load_with(bytes, piece, Limits::default())
    }

    fn gz(bytes: &[u8]) -> Vec<u8> {
        let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        enc.write_all(bytes).unwrap();
        enc.finish().unwrap()
    }

    /// How much of a load the worker takes off the page (s11-trace): natively, the time to
    /// parse a file into wire batches (the worker's share), to replay the batches (the page's
    /// share with a worker) and to load the text (the page's share without one). A measurement
    /// for BENCHMARKS.md, not a check: `TRACE_FILE=… cargo test --release -p slabscope-web
    /// parse_share -- --ignored --nocapture`.
    #[test]
    #[ignore]
    fn parse_share() {
        use slabscope_core::trace::wire::Encoder;
        let Ok(path) = std::env::var("TRACE_FILE") else { return };
        let text = std::fs::read(path).unwrap();
        let t0 = std::time::Instant::now();
        let mut e = Encoder::new(Limits::default().max_line_bytes);
        let mut batches = Vec::new();
        for c in text.chunks(1 << 20) {
            e.feed(c).unwrap();
            batches.push(e.take_batch());
        }
        e.finish().unwrap();
        batches.push(e.take_batch());
        let parse = t0.elapsed();
        let t1 = std::time::Instant::now();
        let mut l = new_loader(Limits::default()).unwrap();
        let mut dec = Decoder::new();
        for b in &batches {
            while !l.feed_wire(&mut dec, b, &mut 0, usize::MAX).unwrap() {}
        }
        let replay = (t1.elapsed(), l.finish().unwrap().session.op_count());
        let t2 = std::time::Instant::now();
        let mut l = new_loader(Limits::default()).unwrap();
        for c in text.chunks(1 << 20) {
            l.feed(c).unwrap();
        }
        let plain = (t2.elapsed(), l.finish().unwrap().session.op_count());
        let wire: usize = batches.iter().map(Vec::len).sum();
        println!(
            "{} MB text → {} MB wire; worker parse {:?}; page replay of the batches {:?}; page load of the text {:?} (ops {} / {})",
            text.len() >> 20,
            wire >> 20,
            parse,
            replay.0,
            plain.0,
            replay.1,
            plain.1
        );
    }

    #[test]
    fn plain_and_gzip_in_any_chunks_give_the_same_trace() {
        let plain = load(FIXTURE.as_bytes(), 1 << 20).unwrap();
        let events: u64 = plain.report.by_kind.values().sum();
        assert_eq!(events, 2000);
        // The same as core's text loader (the page's own parser before s14).
        let mut text = new_loader(Limits::default()).unwrap();
        text.feed(FIXTURE.as_bytes()).unwrap();
        let text = finished(text).unwrap();
        assert_eq!(text.session.op_count(), plain.session.op_count());
        assert_eq!(text.report, plain.report);
        for piece in [1, 7, 4096] {
            let t = load(FIXTURE.as_bytes(), piece).unwrap();
            assert_eq!(t.session.op_count(), plain.session.op_count(), "plain, pieces of {piece}");
            let g = load(&gz(FIXTURE.as_bytes()), piece).unwrap();
            assert_eq!(g.session.op_count(), plain.session.op_count(), "gzip, pieces of {piece}");
            assert_eq!(g.report.unmatched_frees, plain.report.unmatched_frees);
        }
    }

    #[test]
    fn a_truncated_gzip_stream_names_its_offset() {
        let z = gz(FIXTURE.as_bytes());
        let cut = &z[..z.len() / 2];
        match load(cut, 1000) {
            Err(LoadError::Gzip { offset, truncated: true, out, .. }) => {
                assert_eq!(offset, cut.len() as u64);
                assert!(out > 0);
            }
            other => panic!("expected a truncated gzip error, got {:?}", other.map(|t| t.session.op_count())),
        }
        let mut bad = z.clone();
        for b in &mut bad[20..60] {
            *b ^= 0x5a;
        }
        assert!(matches!(load(&bad, 4096), Err(LoadError::Gzip { truncated: false, .. })));
    }

    #[test]
    fn no_events_and_over_budget_are_errors_with_numbers() {
        assert_eq!(load(b"garbage\nmore garbage\n", 5).err(), Some(LoadError::Empty { bad: 2 }));
        let limits = Limits { max_events: 100, ..Limits::default() };
        let e = load_with(FIXTURE.as_bytes(), 1 << 20, limits).expect_err("over budget");
        assert!(matches!(e, LoadError::OverBudget { max_events: 100, .. }), "{e:?}");
        assert!(e.text(Lang::En).contains("100"), "{}", e.text(Lang::En));
    }

    #[test]
    fn lineage_of_a_live_object_through_the_lent_session() {
        let t = load(FIXTURE.as_bytes(), 1 << 16).unwrap();
        let (loaded, session) = Loaded::new("x".into(), t, None).unwrap();
        let session = RefCell::new(session);
        let end = session.borrow().total_steps();
        session.borrow_mut().seek(end);
        // Any live object of the trace.
        let addr = {
            let s = session.borrow();
            let addr = s
                .head()
                .bindings
                .iter()
                .find_map(|(_, b)| match b {
                    Binding::One(Value::Object { addr, .. }) => Some(*addr),
                    _ => None,
                })
                .expect("a live object at the end");
            addr
        };
        let name = name_at(&session.borrow(), Target::Addr(addr)).unwrap();
        let (at, rows) = loaded.with(&session, |t| lineage_rows(t, name)).unwrap();
        assert!(at.is_some());
        assert!(!rows.is_empty() && rows.iter().any(|r| r.alloc));
        // Lines ascend; every reused_by points at a later allocation's op.
        assert!(rows.windows(2).all(|w| w[0].line < w[1].line));
        for r in &rows {
            if let (Some(op), Some(next)) = (r.op, r.reused_by) {
                assert!(next > op);
            }
        }
        // The session is back in place.
        assert_eq!(session.borrow().total_steps(), end);
        let held = session.borrow();
        assert!(loaded.with(&session, |_| ()).is_none(), "a borrowed session is not lent");
        drop(held);
    }

    /// The longest stretch of ops without a checkpoint in `at` (ascending) up to `total`.
    fn longest(at: &[usize], total: usize) -> usize {
        let mut b: Vec<usize> = at.to_vec();
        b.push(total);
        b.sort_unstable();
        b.windows(2).map(|w| w[1] - w[0]).max().unwrap_or(0)
    }

    #[test]
    fn planned_checkpoints_split_the_longest_stretches_and_end_comes_first() {
        // Stretches of 100k, 10k and 290k ops: one more goes before the last op, then the
        // 290k stretch is cut twice (parts of 96,666) before the 100k one is cut.
        let at = [0, 100_000, 110_000];
        let plan = plan_checkpoints(&at, 400_000, 1);
        assert_eq!(plan, vec![399_999]);
        let plan = plan_checkpoints(&at, 400_000, 3);
        assert_eq!(plan, vec![206_666, 303_332, 399_999]);
        // With many, the longest stretch left is what an even split gives.
        let plan = plan_checkpoints(&at, 400_000, 40);
        assert_eq!(plan.len(), 40);
        assert!(plan.windows(2).all(|w| w[0] < w[1]), "ascending");
        assert!(plan.iter().all(|p| !at.contains(p) && *p > 0 && *p < 400_000));
        let all: Vec<usize> = at.iter().copied().chain(plan.iter().copied()).collect();
        let after = longest(&all, 400_000);
        assert!(after <= 400_000 / 38, "{after}");
        // Nothing to place, or stretches already short: no checkpoint closer than the minimum.
        assert!(plan_checkpoints(&at, 400_000, 0).is_empty());
        let dense: Vec<usize> = (0..100).map(|i| i * 300).collect();
        let plan = plan_checkpoints(&dense, 30_000, 1000);
        assert_eq!(plan, vec![29_999], "only End: every stretch is under twice the minimum");
        assert!(plan_checkpoints(&[0], 1, 5).is_empty(), "one op: End is the boot state");
    }

    #[test]
    fn derive_leaves_planned_checkpoints_within_the_room_and_one_before_the_last_op() {
        let t = load(FIXTURE.as_bytes(), 1 << 16).unwrap();
        let (_, mut session) = Loaded::new("x".into(), t, None).unwrap();
        let before = session.max_replay_ops();
        let (cks, bytes) = (session.checkpoint_count(), session.approx_checkpoint_bytes());
        let each = bytes / (cks - 1).max(1);
        let room = each * 6;
        // End comes first, whatever the room left for the rest (s8-trace).
        for tight in [each / 2, each + each / 2] {
            let mut s = load(FIXTURE.as_bytes(), 1 << 16).unwrap().session;
            let end = s.checkpoint_before_last(usize::MAX);
            let mut s = load(FIXTURE.as_bytes(), 1 << 16).unwrap().session;
            let mut b = DeriveBuilder::new(&s).with_checkpoints(&mut s, end + tight);
            while !b.step_checkpointed(&mut s, 100) {}
            assert!(s.checkpoint_ops().contains(&(s.op_count() - 1)), "End first, room {}", end + tight);
            assert!(b.checkpoint_bytes() <= end + tight);
        }
        let mut b = DeriveBuilder::new(&session).with_checkpoints(&mut session, room);
        let series = session.series(SAMPLES);
        while !b.step_checkpointed(&mut session, 100) {}
        assert!(b.checkpoint_bytes() > 0 && b.checkpoint_bytes() <= room, "{} of {room}", b.checkpoint_bytes());
        assert_eq!(session.approx_checkpoint_bytes(), bytes + b.checkpoint_bytes());
        let at = session.checkpoint_ops();
        assert!(at.contains(&(session.op_count() - 1)), "End replays no op: {at:?}");
        assert!(session.checkpoint_count() > cks + 1);
        assert!(session.max_replay_ops() < before, "{} < {before}", session.max_replay_ops());
        // The charts are the same, and so is every state a seek reaches.
        assert_eq!(*b.finish().samples, series);
        let end = session.total_steps();
        let mut plain = load(FIXTURE.as_bytes(), 1 << 16).unwrap().session;
        for step in [end, end - 1, end / 2, 1] {
            session.seek(step);
            plain.seek(step);
            assert_eq!(session.snapshot(), plain.snapshot(), "step {step}");
        }
        // No room: no checkpoint.
        let t = load(FIXTURE.as_bytes(), 1 << 16).unwrap();
        let mut s = t.session;
        let n = s.checkpoint_count();
        let mut b = DeriveBuilder::new(&s).with_checkpoints(&mut s, 0);
        while !b.step_checkpointed(&mut s, 1000) {}
        assert_eq!(s.checkpoint_count(), n);
    }

    #[test]
    fn a_free_slot_has_the_lineage_of_what_the_simulation_placed_there() {
        let t = load(FIXTURE.as_bytes(), 1 << 16).unwrap();
        let (loaded, session) = Loaded::new("x".into(), t, None).unwrap();
        let series = session.series(SAMPLES);
        let mut b = DeriveBuilder::new(&session);
        let mut slices = 0;
        while !b.step(&session, 333) {
            slices += 1;
        }
        assert!(slices > 3 && b.permille() == 1000);
        let d = b.finish();
        assert_eq!(*d.samples, series, "the sliced charts are Session::series");
        let session = RefCell::new(session);
        let end = session.borrow().total_steps();
        session.borrow_mut().seek(end);
        // Every object slot the simulation used that is free at the end.
        let mut checked = 0;
        for slot in d.slots.keys() {
            let SimSlot::Addr(addr) = *slot else { continue };
            if name_at(&session.borrow(), Target::Addr(addr)).is_some() {
                continue;
            }
            let rows = loaded.with(&session, |ts| slot_rows(ts, &d, Target::Addr(addr))).unwrap();
            assert!(!rows.is_empty());
            assert!(rows[0].alloc, "a slot's history starts with an allocation");
            assert!(!rows.last().unwrap().alloc, "free at the end: its last event is a free");
            assert!(rows.windows(2).all(|w| w[0].op < w[1].op && w[0].alloc != w[1].alloc), "alloc, free, alloc, …");
            let allocs: Vec<&LineageRow> = rows.iter().filter(|r| r.alloc).collect();
            for w in allocs.windows(2) {
                assert_eq!((w[0].reused_by, w[0].reused_line), (w[1].op, Some(w[1].line)));
            }
            assert_eq!(allocs.last().unwrap().reused_by, None);
            // Each row is what the trace said for its op.
            loaded.with(&session, |ts| {
                for r in &rows {
                    let f = ts.fact_of_op(r.op.unwrap()).unwrap();
                    assert_eq!((f.line, f.call_site.unwrap_or("")), (r.line, r.call_site.as_str()));
                }
            });
            checked += 1;
        }
        assert!(checked > 10, "{checked} free slots checked");
        // A page of a freed block finds its block's history through the order alignment.
        let block = d.slots.keys().find_map(|s| match *s {
            SimSlot::Pages { pfn, order } if order > 0 => Some((pfn, order)),
            _ => None,
        });
        if let Some((pfn, order)) = block {
            let last_page = pfn + (1 << order) - 1;
            assert_eq!(d.ops_at(Target::Pfn(last_page)), d.slots[&SimSlot::Pages { pfn, order }].as_slice());
        }
    }
}
