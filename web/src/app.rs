//! The app shell: one reducer over a core `Session`, the mode header (Lessons / Sandbox / Trace),
//! URL state, and the views.

use std::cell::RefCell;
use std::rc::Rc;

use gloo::events::{EventListener, EventListenerOptions};
use slabscope_core::event::{EntityRef, Event as CoreEvent};
use slabscope_core::machine::{MachineConfig, Owner};
use slabscope_core::names::Binding;
use slabscope_core::script;
use slabscope_core::session::Session;
use slabscope_core::snapshot::{BlockSnap, BlockState};
use wasm_bindgen::JsCast;
use yew::prelude::*;

use crate::doc::{self, Doc, Mode, Workload};
use crate::i18n::{self, t, tf, Lang};
use crate::lesson::{self, Params, Progress, Run};
use crate::views::export::ExportName;
use crate::views::layers::LayerViews;
use crate::views::lessons::{embed_code, LessonMsg};
use crate::views::{
    chart::FreeChart,
    event_log::EventLog,
    free_lists::{BuddyMark, FreeLists},
    lessons::LessonsPanel,
    memory_map::MemoryMap,
    sandbox_panel::SandboxPanel,
    timeline::{Kind, Timeline},
};

/// The determinism scenario shared with the native tests.
const DETERMINISM: &str = include_str!("../../core/tests/data/determinism.ops");

/// Embed autoplay: time per lesson step.
const AUTOPLAY_MS: u32 = 4000;

/// Playback speeds, steps per second.
const SPEEDS: [f64; 9] = [0.5, 1.0, 2.0, 5.0, 10.0, 30.0, 100.0, 300.0, 1000.0];
/// Shortest playback tick (ms): faster speeds advance several steps per tick.
const MIN_TICK_MS: f64 = 33.0;

pub enum Action {
    /// One micro-event forward (+1) or back (-1).
    Event(i64),
    /// To the end of the next operation (+1) or of the previous one (-1).
    Op(i64),
    /// To a step.
    Seek(u64),
    Start,
    End,
    TogglePlay,
    /// Playback timer: advance this many events, stop at the end.
    Tick(u64),
    Faster,
    Slower,
    ToggleLang,
    ToggleHelp,
    CloseHelp,
    /// A trace file was read: (file name, text).
    LoadTrace(String, String),
    /// Replay the next chunk of the trace being loaded.
    LoadChunk,
    /// Run the next chunk of the sandbox document being built.
    BuildChunk,
    /// Reading a file failed.
    LoadError(String),
    /// A line typed in the command bar (or a common-op button).
    Command(String),
    /// Cycle the theme: system → dark → light → system.
    CycleTheme,
    /// The link was copied (true) or copying failed (false).
    Copied(bool),
    SetMode(Mode),
    /// Rebuild the sandbox with a seeded workload (and an empty script).
    Workload(Workload),
    /// Rebuild the sandbox with a machine from `key=value` settings and the current script.
    Configure(String),
    /// An uploaded `.ops` file: (name, text).
    Upload(String, String),
    /// Select an entity (object, slab, page, cache, CPU, SuperSlab) in every view, or clear.
    Select(Option<EntityRef>),
    /// The entity under the pointer or keyboard focus, highlighted in every view.
    Hover(Option<EntityRef>),
    /// Lesson index and player.
    Lesson(LessonMsg),
    /// The embed code was copied (true) or copying failed (false).
    EmbedCopied(bool),
}

/// Colour theme.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Theme {
    /// Follow `prefers-color-scheme`.
    System,
    Dark,
    Light,
}

#[derive(Clone)]
pub struct State {
    pub session: Rc<RefCell<Session>>,
    /// What the sandbox session is made of (`None` once a trace replaced it).
    pub doc: Option<Rc<Doc>>,
    pub mode: Mode,
    pub lang: Lang,
    pub playing: bool,
    pub speed: usize,
    pub help: bool,
    /// Invalid URL parameters or a file that could not be read.
    pub notice: Option<String>,
    /// The loaded trace's replay summary.
    pub trace_summary: Option<String>,
    /// A trace being replayed chunk by chunk.
    pub loading: Option<Rc<RefCell<Option<LoadJob>>>>,
    /// A sandbox document (a large workload) being built chunk by chunk.
    pub building: Option<Rc<RefCell<Option<doc::Builder>>>>,
    /// Commands typed so far (newest last).
    pub history: Rc<Vec<String>>,
    /// The last command's error, located.
    pub command_error: Option<String>,
    /// The last configuration / workload / upload error, located.
    pub sandbox_error: Option<String>,
    pub theme: Theme,
    /// Result of the last "copy link".
    pub copied: Option<bool>,
    /// The selected entity, shared by every view.
    pub selection: Option<EntityRef>,
    /// The hovered entity.
    pub hover: Option<EntityRef>,
    /// The lesson being played (its session is `session`).
    pub lesson: Option<Rc<RefCell<Run>>>,
    /// Lesson progress saved in this browser.
    pub progress: Rc<Progress>,
    /// Lesson and embed-mode URL parameters.
    pub params: Rc<Params>,
    /// Problems with those parameters, shown in the page (and inside a frame).
    pub param_errors: Rc<Vec<String>>,
    /// Result of the last "copy embed code".
    pub embed_copied: Option<bool>,
    /// Bumped on every change, so views re-render.
    pub version: u64,
}

impl PartialEq for State {
    fn eq(&self, other: &Self) -> bool {
        self.version == other.version
    }
}

impl State {
    /// Replace the session by one built from `doc`, at step `at` (clamped; `u64::MAX` = the end).
    fn install(&mut self, doc: Doc, mut session: Session, at: u64) {
        session.seek(at.min(session.total_steps()));
        self.session = Rc::new(RefCell::new(session));
        self.doc = Some(Rc::new(doc));
        self.trace_summary = None;
        self.playing = false;
    }

    /// A lesson action: open, step, answer, close, autoplay.
    fn lesson_msg(&mut self, msg: LessonMsg) {
        match msg {
            LessonMsg::Open(id) => match open_lesson(&id, &self.params, None) {
                Ok((run, session)) => {
                    self.session = Rc::new(RefCell::new(session));
                    // The sandbox document no longer describes the session.
                    self.doc = None;
                    self.trace_summary = None;
                    self.lesson = Some(Rc::new(RefCell::new(run)));
                    self.playing = false;
                    self.mode = Mode::Lessons;
                }
                Err(e) => self.notice = Some(e),
            },
            LessonMsg::Close => self.lesson = None,
            LessonMsg::Go(i) => {
                if let Some(run) = &self.lesson {
                    run.borrow_mut().go(i, &mut self.session.borrow_mut());
                    self.playing = false;
                }
            }
            LessonMsg::Reply(r) => {
                if let Some(run) = &self.lesson {
                    run.borrow_mut().reply(r, &mut self.session.borrow_mut());
                }
            }
            LessonMsg::Advance => {
                if let Some(run) = &self.lesson {
                    let mut r = run.borrow_mut();
                    if r.can_advance() {
                        let next = r.step + 1;
                        r.go(next, &mut self.session.borrow_mut());
                    }
                }
            }
        }
        if let Some(run) = &self.lesson {
            let run = run.borrow();
            self.progress = Rc::new(lesson::save_progress(&run.lesson.id, run.step + 1, run.lesson.steps.len()));
            // The step's first highlight becomes the shared selection of every view.
            self.selection = run.highlight();
        }
    }

    /// Rebuild from `doc`; on error keep everything and report it (located).
    fn rebuild(&mut self, doc: Doc, at: u64) -> Result<(), String> {
        let session = doc.build()?;
        self.install(doc, session, at);
        Ok(())
    }
}

impl Reducible for State {
    type Action = Action;
    fn reduce(self: Rc<Self>, action: Action) -> Rc<Self> {
        // The pointer moving within one entity changes nothing: no re-render.
        if matches!(&action, Action::Hover(e) if *e == self.hover) {
            return self;
        }
        let mut st = (*self).clone();
        st.version += 1;
        st.command_error = None;
        st.copied = None;
        st.embed_copied = None;
        let total = st.session.borrow().total_steps();
        match action {
            Action::Event(d) => {
                let mut s = st.session.borrow_mut();
                let to = s.step().saturating_add_signed(d).min(total);
                s.seek(to);
            }
            Action::Op(d) => {
                let mut s = st.session.borrow_mut();
                let to = if d > 0 {
                    // The end of the op the next step belongs to.
                    s.op_of_event(s.step()).map_or(total, |k| s.op_events_range(k).end)
                } else {
                    match s.current_op() {
                        None | Some(0) => 0,
                        Some(k) if s.step() > s.op_events_range(k).start + 1 => s.op_events_range(k).start,
                        Some(k) => s.op_events_range(k - 1).start,
                    }
                };
                s.seek(to);
            }
            Action::Seek(step) => st.session.borrow_mut().seek(step.min(total)),
            Action::Start => st.session.borrow_mut().seek(0),
            Action::End => st.session.borrow_mut().seek(total),
            Action::TogglePlay => st.playing = !st.playing && st.session.borrow().step() < total,
            Action::Tick(n) => {
                let mut s = st.session.borrow_mut();
                if s.step() >= total {
                    st.playing = false;
                } else {
                    let to = (s.step() + n).min(total);
                    s.seek(to);
                }
            }
            Action::Faster => st.speed = (st.speed + 1).min(SPEEDS.len() - 1),
            Action::Slower => st.speed = st.speed.saturating_sub(1),
            Action::ToggleLang => st.lang = if st.lang == Lang::En { Lang::Ja } else { Lang::En },
            Action::ToggleHelp => st.help = !st.help,
            Action::CloseHelp => st.help = false,
            Action::SetMode(m) => st.mode = m,
            Action::LoadTrace(name, text) => match LoadJob::start(name.clone(), &text) {
                Ok(job) => {
                    st.loading = Some(Rc::new(RefCell::new(Some(job))));
                    st.notice = None;
                    st.playing = false;
                    st.mode = Mode::Trace;
                }
                Err(e) => st.notice = Some(format!("{name}: {e}")),
            },
            Action::BuildChunk => {
                let step = st.building.as_ref().and_then(|b| b.borrow_mut().as_mut().map(|b| b.step(BUILD_CHUNK)));
                match step {
                    None | Some(Ok(false)) => {}
                    Some(Ok(true)) => {
                        if let Some(b) = st.building.take().and_then(|b| b.borrow_mut().take()) {
                            let (doc, session) = b.finish();
                            st.install(doc, session, u64::MAX);
                        }
                    }
                    Some(Err(e)) => {
                        st.building = None;
                        st.sandbox_error = Some(e);
                    }
                }
            }
            Action::LoadChunk => {
                let done = st.loading.as_ref().is_some_and(|j| j.borrow_mut().as_mut().is_some_and(LoadJob::step));
                let job = if done { st.loading.take().and_then(|j| j.borrow_mut().take()) } else { None };
                if let Some(job) = job {
                    let (new, summary) = job.finish();
                    st.session = Rc::new(RefCell::new(new));
                    st.doc = None;
                    st.trace_summary = Some(summary);
                }
            }
            Action::LoadError(e) => st.notice = Some(e),
            Action::CycleTheme => {
                st.theme = match st.theme {
                    Theme::System => Theme::Dark,
                    Theme::Dark => Theme::Light,
                    Theme::Light => Theme::System,
                }
            }
            Action::Copied(ok) => st.copied = Some(ok),
            Action::Command(line) => {
                let line = line.trim().to_string();
                if !line.is_empty() {
                    Rc::make_mut(&mut st.history).push(line.clone());
                    if let Err(e) = run_command(&mut st, &line) {
                        st.command_error = Some(e);
                    }
                }
            }
            Action::Workload(w) => {
                st.sandbox_error = None;
                let base = st.doc.as_deref().cloned().unwrap_or_else(Doc::demo);
                let result = if w.count == 0 || w.count > doc::MAX_WORKLOAD {
                    Err(tf(st.lang, "ui.wl.bad_count", &[("max", doc::MAX_WORKLOAD.to_string())]))
                } else {
                    // Built in chunks (Action::BuildChunk): the old session stays until it is done.
                    Doc { config: base.config, workload: Some(w), script: String::new() }
                        .builder()
                        .map(|b| st.building = Some(Rc::new(RefCell::new(Some(b)))))
                };
                st.sandbox_error = result.err();
            }
            Action::Configure(settings) => {
                let base = st.doc.as_deref().cloned().unwrap_or_else(Doc::demo);
                st.sandbox_error = doc::config_from_settings(&settings)
                    .and_then(|config| st.rebuild(Doc { config, ..base }, u64::MAX))
                    .err();
            }
            Action::Select(e) => st.selection = e,
            Action::Hover(e) => st.hover = e,
            Action::EmbedCopied(ok) => st.embed_copied = Some(ok),
            Action::Lesson(msg) => st.lesson_msg(msg),
            Action::Upload(name, text) => {
                st.sandbox_error = match Doc::from_ops_file(&text) {
                    Ok((doc, session)) => {
                        st.install(doc, session, 0);
                        None
                    }
                    Err(e) => Some(format!("{name}:{e}")),
                };
            }
        }
        Rc::new(st)
    }
}

/// Run a command-bar line: `config ...` rebuilds the machine (a new session with the line's ops);
/// other ops are appended to the session and the script, and the view shows their last step.
/// Errors are located; a failing line changes nothing.
fn run_command(st: &mut State, line: &str) -> Result<(), String> {
    let col = |e: script::ScriptError| e.to_string().replacen("1:", "col ", 1);
    let mut names = st.session.borrow().names().clone();
    let prog = script::parse(line, &mut names).map_err(col)?;
    if !prog.settings.is_empty() {
        let config = prog.apply_config(st.session.borrow().config()).map_err(col)?;
        let script: String = prog.ops.iter().map(|op| format!("{}\n", op.to_script(&names))).collect();
        return st.rebuild(Doc { config, workload: None, script }, u64::MAX);
    }
    let line_no = st.doc.as_ref().map_or(0, |d| d.script.lines().count() as u32 + 1);
    {
        let mut s = st.session.borrow_mut();
        *s.names_mut() = names;
        let before = s.op_count();
        for op in prog.ops {
            if let Err(e) = s.push(op, line_no) {
                s.truncate(before);
                return Err(e.to_string());
            }
        }
        let end = s.total_steps();
        s.seek(end);
    }
    if let Some(d) = &mut st.doc {
        let d = Rc::make_mut(d);
        if !d.script.is_empty() && !d.script.ends_with('\n') {
            d.script.push('\n');
        }
        d.script.push_str(line);
        d.script.push('\n');
    }
    Ok(())
}

/// Ops run per chunk while a large workload builds (the page stays responsive in between).
const BUILD_CHUNK: usize = 2000;

/// Events replayed per chunk while a trace loads (the page stays responsive in between).
const CHUNK: usize = 2000;

/// A perf trace being replayed, chunk by chunk.
pub struct LoadJob {
    pub name: String,
    events: Vec<slabscope_core::trace::TraceEvent>,
    pub done: usize,
    bad: usize,
    replayer: slabscope_core::trace::Replayer,
}

impl LoadJob {
    fn start(name: String, text: &str) -> Result<LoadJob, String> {
        use slabscope_core::trace;
        let (events, bad) = trace::parse(text);
        if events.is_empty() {
            return Err(format!("no kmem events found ({} malformed line(s))", bad.len()));
        }
        let cpus = events.iter().map(|e| e.cpu + 1).max().unwrap_or(1).clamp(1, 64);
        let config = MachineConfig { mem_bytes: 256 << 20, cpus, ..MachineConfig::default() };
        let session = Session::with_names(config, Default::default()).map_err(|e| e.to_string())?;
        let bad_count = bad.len();
        Ok(LoadJob { name, events, done: 0, bad: bad_count, replayer: trace::Replayer::new(session, "", bad) })
    }
    /// Replay one chunk; true when the whole trace is done.
    fn step(&mut self) -> bool {
        let end = (self.done + CHUNK).min(self.events.len());
        for ev in &self.events[self.done..end] {
            self.replayer.feed(ev);
        }
        self.done = end;
        self.done == self.events.len()
    }
    pub fn total(&self) -> usize {
        self.events.len()
    }
    fn finish(self) -> (Session, String) {
        let n = self.events.len();
        let (session, report) = self.replayer.finish();
        let summary = format!(
            "{}: {n} events, {} simulated ops, {} unmatched frees, {} malformed line(s)",
            self.name,
            session.op_count(),
            report.unmatched_frees,
            self.bad
        );
        (session, summary)
    }
}

/// Play a lesson from the catalogue, within the URL's `from`/`to` range if it names this lesson,
/// at step `at` (0-based) or the range's first.
fn open_lesson(id: &str, params: &Params, at: Option<usize>) -> Result<(Run, Session), String> {
    let l = lesson::find(id).ok_or_else(|| format!("lesson {id}: not found"))?;
    let same = params.lesson.as_deref() == Some(id);
    let first = if same { params.from.map_or(0, |f| f - 1) } else { 0 };
    let last = if same { params.to.map(|t| t - 1) } else { None };
    let (mut run, mut session) = Run::start(l, first, last)?;
    run.go(at.unwrap_or(first), &mut session);
    Ok((run, session))
}

/// A click handler that copies `text()` to the clipboard and reports the outcome.
fn copy_text(
    text: impl Fn() -> String + 'static,
    d: UseReducerDispatcher<State>,
    done: fn(bool) -> Action,
) -> Callback<MouseEvent> {
    Callback::from(move |_| {
        let d = d.clone();
        let Some(w) = web_sys::window() else { return };
        let promise = w.navigator().clipboard().write_text(&text());
        wasm_bindgen_futures::spawn_local(async move {
            let ok = wasm_bindgen_futures::JsFuture::from(promise).await.is_ok();
            d.dispatch(done(ok));
        });
    })
}

fn gunzip_if_needed(bytes: Vec<u8>) -> Result<String, String> {
    if bytes.starts_with(&[0x1f, 0x8b]) {
        use std::io::Read;
        let mut s = String::new();
        flate2::read::MultiGzDecoder::new(&bytes[..]).read_to_string(&mut s).map_err(|e| format!("gzip: {e}"))?;
        Ok(s)
    } else {
        String::from_utf8(bytes).map_err(|_| "the file is not text".to_string())
    }
}

/// The state the page opens with: the URL's mode, document and step, or the demo; invalid
/// parameters are reported in the notice and leave the defaults.
fn initial_state() -> State {
    let loc = web_sys::window().map(|w| w.location());
    let search = loc.as_ref().and_then(|l| l.search().ok()).unwrap_or_default();
    let hash = loc.as_ref().and_then(|l| l.hash().ok()).unwrap_or_default();
    let url = doc::read_url(&search, &hash);
    let (doc, mut session) = match url.doc {
        Some(d) => d,
        None => {
            let d = Doc::demo();
            let s = d.build().expect("the built-in demo script is valid");
            (d, s)
        }
    };
    if let Some(step) = url.step {
        let step = step.min(session.total_steps());
        session.seek(step);
    }
    let notice = (!url.errors.is_empty()).then(|| url.errors.join("; "));
    // The lesson catalogue is parsed only when the address names a lesson (or the Lessons tab
    // opens), not on every start-up.
    let pairs = lesson::url_pairs();
    let lessons = if pairs.iter().any(|(k, _)| k == "lesson") { lesson::catalog() } else { Rc::default() };
    let (params, param_errors) = lesson::parse_params(&pairs, &lessons);
    let mut mode = url.mode.unwrap_or(Mode::Sandbox);
    let mut doc = Some(Rc::new(doc));
    let mut run = None;
    let mut lesson_error = None;
    if let Some(id) = &params.lesson {
        match open_lesson(id, &params, params.lstep.map(|n| n - 1)) {
            Ok((r, s)) => {
                session = s;
                doc = None;
                run = Some(Rc::new(RefCell::new(r)));
                if url.mode.is_none() || params.embed {
                    mode = Mode::Lessons;
                }
            }
            Err(e) => lesson_error = Some(e),
        }
    }
    let notice = match (notice, lesson_error) {
        (Some(a), Some(b)) => Some(format!("{a}; {b}")),
        (a, b) => a.or(b),
    };
    let selection = run.as_ref().and_then(|r: &Rc<RefCell<Run>>| r.borrow().highlight());
    let lang = params.lang.as_deref().and_then(Lang::from_code).unwrap_or(Lang::En);
    State {
        session: Rc::new(RefCell::new(session)),
        doc,
        mode,
        lang,
        playing: false,
        speed: 3,
        help: false,
        notice,
        trace_summary: None,
        loading: None,
        building: None,
        history: Rc::new(Vec::new()),
        command_error: None,
        sandbox_error: None,
        theme: Theme::System,
        copied: None,
        selection,
        hover: None,
        lesson: run,
        progress: Rc::new(lesson::load_progress()),
        params: Rc::new(params),
        param_errors: Rc::new(param_errors),
        embed_copied: None,
        version: 0,
    }
}

/// What the memory map says about a page: its block and owner.
fn describe_page(lang: Lang, blocks: &[BlockSnap], session: &Session, pfn: u32) -> String {
    let Some(b) = blocks.get(blocks.partition_point(|b| b.pfn <= pfn).wrapping_sub(1)) else { return String::new() };
    let names = session.names();
    let owner = match b.state {
        BlockState::Free => tf(lang, "ui.page.free", &[("order", b.order.to_string())]),
        BlockState::Pcp { cpu } => tf(lang, "ui.page.pcp", &[("cpu", cpu.to_string())]),
        BlockState::Transit => t(lang, "ui.legend.transit"),
        BlockState::Used { owner } => match owner {
            Owner::Pages { name } => tf(lang, "ui.page.pages", &[("name", names.name(name).to_string())]),
            Owner::Large { name } => tf(lang, "ui.page.large", &[("name", names.name(name).to_string())]),
            Owner::Slab { cache } | Owner::ClassicSlab { cache } | Owner::AetherSlab { cache } => {
                tf(lang, "ui.page.slab", &[("cache", session.sim().cache_name(cache))])
            }
            Owner::SuperSlab { id } => tf(lang, "ui.page.superslab", &[("id", id.to_string())]),
        },
    };
    tf(
        lang,
        "ui.page.details",
        &[
            ("pfn", pfn.to_string()),
            ("node", session.config().node_of_pfn(pfn).to_string()),
            ("from", b.pfn.to_string()),
            ("to", (b.pfn + (1 << b.order) - 1).to_string()),
            ("order", b.order.to_string()),
            ("owner", owner),
        ],
    )
}

/// Length of the list bound to `name` (0 when unbound).
fn list_len(session: &Session, name: &str) -> usize {
    match session.names().get(name).and_then(|sym| session.head().bindings.get(sym)) {
        Some(Binding::List(v)) => v.len(),
        _ => 0,
    }
}

#[function_component(App)]
pub fn app() -> Html {
    let state = use_reducer(initial_state);

    // Keyboard: ←/→ one event, Shift+←/→ one operation, Space play/pause, Home/End, [ ] speed, ?.
    // Fields and widgets with their own keys (`data-own-keys`) keep theirs.
    {
        let dispatcher = state.dispatcher();
        use_effect_with((), move |_| {
            let doc = gloo::utils::document();
            let options = EventListenerOptions::enable_prevent_default();
            let listener = EventListener::new_with_options(&doc, "keydown", options, move |e| {
                let Some(e) = e.dyn_ref::<web_sys::KeyboardEvent>() else { return };
                let target = e.target().and_then(|t| t.dyn_into::<web_sys::Element>().ok());
                let own = target.is_some_and(|el| {
                    matches!(el.tag_name().as_str(), "INPUT" | "TEXTAREA" | "SELECT")
                        || el.closest("[data-own-keys]").ok().flatten().is_some()
                });
                if own || e.ctrl_key() || e.meta_key() || e.alt_key() {
                    return;
                }
                let action = match (e.key().as_str(), e.shift_key()) {
                    ("ArrowRight", false) => Action::Event(1),
                    ("ArrowLeft", false) => Action::Event(-1),
                    ("ArrowRight", true) => Action::Op(1),
                    ("ArrowLeft", true) => Action::Op(-1),
                    (" ", _) => Action::TogglePlay,
                    ("Home", _) => Action::Start,
                    ("End", _) => Action::End,
                    ("]", _) => Action::Faster,
                    ("[", _) => Action::Slower,
                    ("?", _) => Action::ToggleHelp,
                    ("Escape", _) => Action::CloseHelp,
                    _ => return,
                };
                e.prevent_default();
                dispatcher.dispatch(action);
            });
            move || drop(listener)
        });
    }
    // Playback timer: at most ~30 ticks per second; faster speeds take several steps per tick.
    {
        let dispatcher = state.dispatcher();
        let (playing, speed) = (state.playing, state.speed);
        use_effect_with((playing, speed), move |&(playing, speed)| {
            let interval = playing.then(|| {
                let ms = (1000.0 / SPEEDS[speed]).max(MIN_TICK_MS);
                let n = (SPEEDS[speed] * ms / 1000.0).round().max(1.0) as u64;
                gloo::timers::callback::Interval::new(ms as u32, move || dispatcher.dispatch(Action::Tick(n)))
            });
            move || drop(interval)
        });
    }
    // Embed autoplay: a lesson step every few seconds (a question waits for its answer).
    {
        let dispatcher = state.dispatcher();
        let autoplay = state.params.autoplay && state.lesson.is_some();
        use_effect_with(autoplay, move |&autoplay| {
            let interval = autoplay.then(|| {
                gloo::timers::callback::Interval::new(AUTOPLAY_MS, move || {
                    dispatcher.dispatch(Action::Lesson(LessonMsg::Advance))
                })
            });
            move || drop(interval)
        });
    }
    // A trace being loaded or a workload being built: one chunk per task, so the page repaints
    // the progress (and answers input) in between.
    {
        let dispatcher = state.dispatcher();
        let chunk = match (state.loading.is_some(), state.building.is_some()) {
            (true, _) => Some(true),
            (false, true) => Some(false),
            _ => None,
        };
        use_effect_with((chunk, state.version), move |&(chunk, _)| {
            let timeout = chunk.map(|trace| {
                gloo::timers::callback::Timeout::new(0, move || {
                    dispatcher.dispatch(if trace { Action::LoadChunk } else { Action::BuildChunk })
                })
            });
            move || drop(timeout)
        });
    }
    // Tell the test harness (and anyone curious) that the app is up.
    use_effect_with((), |_| {
        if let Some(body) = gloo::utils::document().body() {
            let _ = body.set_attribute("data-ready", "1");
        }
    });
    {
        let lang = state.lang;
        use_effect_with(lang, move |lang| {
            if let Some(html) = gloo::utils::document().document_element() {
                let _ = html.set_attribute("lang", lang.code());
            }
        });
    }
    {
        let theme = state.theme;
        use_effect_with(theme, move |theme| {
            if let Some(html) = gloo::utils::document().document_element() {
                let _ = match theme {
                    Theme::System => html.remove_attribute("data-theme"),
                    Theme::Dark => html.set_attribute("data-theme", "dark"),
                    Theme::Light => html.set_attribute("data-theme", "light"),
                };
            }
        });
    }
    // Mode, document and step live in the URL hash, so a reload or a shared link shows the same
    // view. (replaceState: stepping does not flood the history.)
    let doc_params = {
        let d = state.doc.clone();
        use_memo(d, |d| d.as_deref().map(doc::doc_params).unwrap_or_default())
    };
    {
        // Not while playing: browsers throttle (and warn about) frequent history updates; the
        // URL catches up when playback stops.
        let mut hash = doc::url_hash(state.mode, &doc_params, state.session.borrow().step());
        if let Some(run) = &state.lesson {
            let run = run.borrow();
            hash.push_str(&format!("&lesson={}&lstep={}", run.lesson.id, run.step + 1));
        }
        use_effect_with((hash, state.playing), move |(hash, playing)| {
            if *playing {
                return;
            }
            if let Some(h) = web_sys::window().and_then(|w| w.history().ok()) {
                let _ = h.replace_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(hash));
            }
        });
    }

    let lang = state.lang;
    let session = state.session.borrow();
    let snap = session.snapshot();
    let op_no = session.current_op().map_or(0, |k| k + 1);
    let counter = tf(
        lang,
        "ui.counter",
        &[
            ("step", session.step().to_string()),
            ("total", session.total_steps().to_string()),
            ("op", op_no.to_string()),
            ("ops", session.op_count().to_string()),
        ],
    );
    let explanation = match session.current_event() {
        None => t(lang, "ui.start"),
        Some(ev) => i18n::message(lang, &ev.message(), session.names(), &|c| session.head().cache_name(c)),
    };
    let mark = match session.current_event() {
        Some(&CoreEvent::BlockSplit { node, pfn, buddy_pfn, order }) => {
            Some(BuddyMark::Split { node, pfn, buddy: buddy_pfn, order })
        }
        Some(&CoreEvent::BuddyMerged { node, pfn, buddy_pfn, order, merged_pfn }) => {
            Some(BuddyMark::Merge { node, pfn, buddy: buddy_pfn, order, merged: merged_pfn })
        }
        _ => None,
    };
    let op_text = session
        .current_op()
        .and_then(|k| session.op(k))
        .map(|op| tf(lang, "ui.op", &[("op", op.to_script(session.names()))]))
        .unwrap_or_default();
    let (events, applied) = session.current_op_events();
    let first_step = session.current_op().map_or(0, |k| session.op_events_range(k).start);
    let log: Vec<String> = events
        .iter()
        .map(|ev| i18n::message(lang, &ev.message(), session.names(), &|c| session.head().cache_name(c)))
        .collect();
    let lists = [list_len(&session, "pg"), list_len(&session, "obj"), list_len(&session, "blk")];
    let hash = format!("{:016x}", determinism_hash());
    drop(session);
    let session_id = (Rc::as_ptr(&state.session) as usize, state.session.borrow().op_count());
    let samples = {
        let session = state.session.clone();
        use_memo(session_id, move |_| Rc::new(session.borrow().series(200)))
    };
    // Operation boundaries under the scrubber: one path, at most one tick per 1/1000 of the width.
    let op_ticks = {
        let session = state.session.clone();
        use_memo(session_id, move |_| {
            let s = session.borrow();
            let total = s.total_steps().max(1) as f64;
            let (mut d, mut last) = (String::new(), u32::MAX);
            for k in 0..s.op_count() {
                let x = (s.op_events_range(k).start as f64 / total * 1000.0).round() as u32;
                if x != last {
                    d.push_str(&format!("M{x} 0v8"));
                    last = x;
                }
            }
            d
        })
    };
    let session = state.session.borrow();
    let command_ref = use_node_ref();
    let history_pos = use_mut_ref(|| 0usize);
    let on_command = {
        let d = state.dispatcher();
        let input = command_ref.clone();
        let history_pos = history_pos.clone();
        let len = state.history.len();
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            if let Some(el) = input.cast::<web_sys::HtmlInputElement>() {
                d.dispatch(Action::Command(el.value()));
                el.set_value("");
                *history_pos.borrow_mut() = len + 1;
            }
        })
    };
    let on_command_key = {
        let history = state.history.clone();
        let input = command_ref.clone();
        Callback::from(move |e: KeyboardEvent| {
            let Some(el) = input.cast::<web_sys::HtmlInputElement>() else { return };
            let mut pos = history_pos.borrow_mut();
            *pos = (*pos).min(history.len());
            match e.key().as_str() {
                "ArrowUp" if *pos > 0 => *pos -= 1,
                "ArrowDown" if *pos < history.len() => *pos += 1,
                _ => return,
            }
            e.prevent_default();
            el.set_value(history.get(*pos).map_or("", String::as_str));
        })
    };

    let on = |a: fn() -> Action| {
        let d = state.dispatcher();
        Callback::from(move |_| d.dispatch(a()))
    };
    let on_scrub = {
        let d = state.dispatcher();
        Callback::from(move |e: InputEvent| {
            if let Some(input) = e.target().and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok()) {
                if let Ok(v) = input.value().parse::<u64>() {
                    d.dispatch(Action::Seek(v));
                }
            }
        })
    };
    let on_log = {
        let d = state.dispatcher();
        Callback::from(move |i: usize| d.dispatch(Action::Seek(first_step + i as u64 + 1)))
    };
    let read_file = {
        let d = state.dispatcher();
        move |file: web_sys::File| {
            let name = file.name();
            let d = d.clone();
            let reader = gloo::file::callbacks::read_as_bytes(&gloo::file::File::from(file), move |res| match res {
                Ok(bytes) => match gunzip_if_needed(bytes) {
                    Ok(text) => d.dispatch(Action::LoadTrace(name, text)),
                    Err(e) => d.dispatch(Action::LoadError(format!("{name}: {e}"))),
                },
                Err(e) => d.dispatch(Action::LoadError(format!("{name}: {e}"))),
            });
            // The reader must live until it calls back.
            std::mem::forget(reader);
        }
    };
    let on_file = {
        let read_file = read_file.clone();
        Callback::from(move |e: Event| {
            let Some(input) = e.target().and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok()) else { return };
            if let Some(file) = input.files().and_then(|f| f.get(0)) {
                read_file(file);
            }
        })
    };
    let on_dragover = Callback::from(|e: DragEvent| e.prevent_default());
    let on_drop = Callback::from(move |e: DragEvent| {
        e.prevent_default();
        if let Some(file) = e.data_transfer().and_then(|d| d.files()).and_then(|f| f.get(0)) {
            read_file(file);
        }
    });
    let on_copy = copy_text(
        || web_sys::window().and_then(|w| w.location().href().ok()).unwrap_or_default(),
        state.dispatcher(),
        Action::Copied,
    );
    // Mode tabs: click, or ←/→/Home/End inside the tab list (focus follows).
    let set_mode = {
        let d = state.dispatcher();
        move |m: Mode| {
            d.dispatch(Action::SetMode(m));
            if let Some(el) = gloo::utils::document()
                .get_element_by_id(&format!("mode-{}", m.code()))
                .and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok())
            {
                let _ = el.focus();
            }
        }
    };
    let on_tab_key = {
        let set_mode = set_mode.clone();
        let cur = Mode::ALL.iter().position(|&m| m == state.mode).unwrap_or(1);
        Callback::from(move |e: KeyboardEvent| {
            let n = Mode::ALL.len();
            let to = match e.key().as_str() {
                "ArrowRight" => (cur + 1) % n,
                "ArrowLeft" => (cur + n - 1) % n,
                "Home" => 0,
                "End" => n - 1,
                _ => return,
            };
            e.prevent_default();
            set_mode(Mode::ALL[to]);
        })
    };
    let tabs = Mode::ALL.map(|m| {
        let selected = state.mode == m;
        let set_mode = set_mode.clone();
        html! {
            <button id={format!("mode-{}", m.code())} role="tab" class="mode-tab" aria-selected={selected.to_string()}
                    aria-controls="mode-panel" tabindex={if selected { "0" } else { "-1" }}
                    onclick={Callback::from(move |_| set_mode(m))}>
                { t(lang, &format!("ui.mode.{}", m.code())) }
            </button>
        }
    });
    let describe = {
        let session = state.session.clone();
        let blocks = Rc::new(snap.blocks.clone());
        Callback::from(move |pfn: u32| describe_page(lang, &blocks, &session.borrow(), pfn))
    };
    let export = {
        let session = state.session.clone();
        let doc = state.doc.clone();
        Callback::from(move |()| {
            let s = session.borrow();
            match &doc {
                Some(d) => d.export(&s),
                // A trace: its simulated ops, spelled out.
                None => {
                    let cfg = script::config_text(s.config());
                    let mut out = if cfg.is_empty() { String::new() } else { format!("config {cfg}\n") };
                    for k in 0..s.op_count() {
                        if let Some(op) = s.op(k) {
                            out.push_str(&op.to_script(s.names()));
                            out.push('\n');
                        }
                    }
                    out
                }
            }
        })
    };
    let dispatch_cb = |f: fn(String) -> Action| {
        let d = state.dispatcher();
        Callback::from(move |s: String| d.dispatch(f(s)))
    };
    let on_workload = {
        let d = state.dispatcher();
        Callback::from(move |w: Workload| d.dispatch(Action::Workload(w)))
    };
    let on_upload = {
        let d = state.dispatcher();
        Callback::from(move |(name, text): (String, String)| d.dispatch(Action::Upload(name, text)))
    };
    let theme_label = t(
        lang,
        match state.theme {
            Theme::System => "ui.theme_system",
            Theme::Dark => "ui.theme_dark",
            Theme::Light => "ui.theme_light",
        },
    );
    let copy_label = match state.copied {
        None => t(lang, "ui.copy_link"),
        Some(true) => t(lang, "ui.copied"),
        Some(false) => t(lang, "ui.copy_failed"),
    };
    let play_label = if state.playing { t(lang, "ui.pause") } else { t(lang, "ui.play") };
    let default_config = MachineConfig::default();
    let doc_config = state.doc.as_ref().map_or(&default_config, |d| &d.config).clone();
    let on_lesson = {
        let d = state.dispatcher();
        Callback::from(move |m: LessonMsg| d.dispatch(Action::Lesson(m)))
    };
    let embed = state.params.embed;
    // Panels to show: in a frame the `panels=` parameter or the lesson step's choice (plus the
    // playback bar unless `controls=0`); in the Lessons mode the step's choice plus the playback
    // bar; everything otherwise.
    let panels: Vec<String> = match &state.lesson {
        Some(run) if embed || state.mode == Mode::Lessons => {
            let mut p = match &state.params.panels {
                Some(p) if embed => p.clone(),
                _ => run.borrow().panels(),
            };
            if !embed || state.params.controls {
                p.push("controls".into());
            }
            p
        }
        _ => Vec::new(),
    };
    let panel_style = lesson::panel_css(&panels);
    let embed_snippet = state.lesson.as_ref().map(|run| {
        let run = run.borrow();
        let base = web_sys::window()
            .and_then(|w| {
                let l = w.location();
                Some(format!("{}{}", l.origin().ok()?, l.pathname().ok()?))
            })
            .unwrap_or_default();
        embed_code(&base, &run.lesson.id, lang, run.lesson.title.get(lang.code()))
    });
    let param_errors = (!state.param_errors.is_empty()).then(|| {
        html! {
            <section id="param-errors" class="notice param-errors" role="alert">
                <h2>{ t(lang, "embed.bad_params") }</h2>
                <ul>{ for state.param_errors.iter().map(|e| html! { <li>{ e.clone() }</li> }) }</ul>
            </section>
        }
    });
    let on_select = {
        let d = state.dispatcher();
        Callback::from(move |e| d.dispatch(Action::Select(e)))
    };
    let on_hover = {
        let d = state.dispatcher();
        Callback::from(move |e| d.dispatch(Action::Hover(e)))
    };
    let map_highlight = crate::views::layers::focus(&snap, state.hover.or(state.selection)).pages;
    let on_select_page = {
        let d = state.dispatcher();
        Callback::from(move |pfn: u32| d.dispatch(Action::Select(Some(EntityRef::Page { pfn }))))
    };
    let mode_panel = match state.mode {
        Mode::Lessons => html! {
            <>
                <LessonsPanel lang={lang} run={state.lesson.clone()} progress={state.progress.clone()}
                              version={state.version} embed={embed} controls={state.params.controls} on={on_lesson.clone()} />
                if let (Some(code), false) = (embed_snippet, embed) {
                    <details id="embed-code" class="embed-code">
                        <summary>{ t(lang, "lesson.embed_code") }</summary>
                        <textarea id="embed-snippet" readonly=true rows="3" aria-label={t(lang, "lesson.embed_code")} value={code.clone()} />
                        <button id="copy-embed" onclick={copy_text(move || code.clone(), state.dispatcher(), Action::EmbedCopied)}>
                            { match state.embed_copied {
                                None => t(lang, "lesson.copy_embed"),
                                Some(true) => t(lang, "lesson.embed_copied"),
                                Some(false) => t(lang, "ui.copy_failed"),
                            } }
                        </button>
                    </details>
                }
            </>
        },
        Mode::Sandbox => html! {
            <>
                <form id="command-bar" class="command-bar" onsubmit={on_command}>
                    <label for="command">{ t(lang, "ui.command") }</label>
                    <input id="command" ref={command_ref} type="text" autocomplete="off" spellcheck="false"
                           placeholder={t(lang, "ui.command_hint")} onkeydown={on_command_key}
                           aria-invalid={state.command_error.is_some().to_string()} aria-describedby="command-error" />
                    <button id="run" type="submit">{ t(lang, "ui.run") }</button>
                </form>
                <p id="command-error" class="command-error" role="alert">{ state.command_error.clone().unwrap_or_default() }</p>
                <SandboxPanel lang={lang} config={doc_config} workload={state.doc.as_ref().and_then(|d| d.workload.clone())}
                              lists={lists} error={state.sandbox_error.clone()} on_command={dispatch_cb(Action::Command)}
                              on_workload={on_workload} on_config={dispatch_cb(Action::Configure)} on_upload={on_upload} export={export}
                              building={state.building.as_ref().and_then(|b| b.borrow().as_ref().map(doc::Builder::progress))} />
            </>
        },
        Mode::Trace => html! {
            <section id="trace-panel" class="panel" data-panel="trace">
                <h2>{ t(lang, "ui.trace.heading") }</h2>
                <p>{ t(lang, "ui.trace.help") }</p>
                <label class="file-button">
                    { t(lang, "ui.open_trace") }
                    <input id="trace-file" type="file" accept=".txt,.gz,.perf" onchange={on_file} />
                </label>
                if let Some((name, total, done)) = state.loading.as_ref().and_then(|j| j.borrow().as_ref().map(|j| (j.name.clone(), j.total(), j.done))) {
                    <p class="notice" role="status">
                        <label for="trace-progress">{ tf(lang, "ui.loading", &[("name", name)]) }</label>
                        <progress id="trace-progress" max={total.to_string()} value={done.to_string()}></progress>
                    </p>
                }
                <p id="trace-summary" class="trace-summary" role="status">
                    { state.trace_summary.clone().unwrap_or_else(|| t(lang, "ui.trace.none")) }
                </p>
            </section>
        },
    };
    // Exported files are named after the lesson (or the mode) and the step.
    let shown = state.lesson.as_ref().filter(|_| !panels.is_empty()).map(|r| r.borrow().lesson.id.clone());
    let export_name = ExportName::new(shown.as_deref().unwrap_or(state.mode.code()), state.session.borrow().step());
    html! {
        <ContextProvider<Lang> context={lang}>
        <ContextProvider<ExportName> context={export_name}>
        <main id="app" class={classes!(embed.then_some("embed"))} data-embed={embed.then_some("1")}
              ondragover={on_dragover} ondrop={on_drop}>
            <style>{ panel_style }</style>
            if !embed {
            <header class="app-header">
                <h1>{ t(lang, "app.title") }</h1>
                <p class="tagline">{ t(lang, "app.tagline") }</p>
                <div id="modes" class="mode-tabs" role="tablist" aria-label={t(lang, "ui.mode")} data-own-keys="1" onkeydown={on_tab_key}>
                    { for tabs }
                </div>
                <button id="copy-link" onclick={on_copy}>{ copy_label }</button>
                <button id="theme" onclick={on(|| Action::CycleTheme)}>{ theme_label }</button>
                <button id="help" aria-expanded={state.help.to_string()} onclick={on(|| Action::ToggleHelp)}>{ "?" }</button>
                <button id="lang" onclick={on(|| Action::ToggleLang)}>{ t(lang, "ui.lang") }</button>
            </header>
            }
            if embed { <h1 class="sr-only">{ t(lang, "app.title") }</h1> }
            { param_errors }
            if let Some(n) = &state.notice {
                <p id="notice" class="notice" role="status">{ tf(lang, "ui.notice", &[("text", n.clone())]) }</p>
            }
            if state.help {
                <section id="shortcuts" class="panel shortcuts" aria-label={t(lang, "ui.shortcuts")}>
                    <h2>{ t(lang, "ui.shortcuts") }</h2>
                    <p>{ t(lang, "ui.shortcuts_text") }</p>
                </section>
            }
            <div id="mode-panel" role="tabpanel" aria-labelledby={format!("mode-{}", state.mode.code())} data-mode={state.mode.code()}>
                { mode_panel }
            </div>
            <section class="controls-panel" data-panel="controls" aria-label={t(lang, "ui.playback")}>
                <div class="controls">
                    <button id="reset" title="Home" onclick={on(|| Action::Start)}>{ t(lang, "ui.reset") }</button>
                    <button id="back" title="Shift+←" onclick={on(|| Action::Op(-1))}>{ t(lang, "ui.back") }</button>
                    <button id="event-back" title="←" onclick={on(|| Action::Event(-1))}>{ t(lang, "ui.event_back") }</button>
                    <button id="play" title="Space" onclick={on(|| Action::TogglePlay)}>{ play_label }</button>
                    <button id="event-next" title="→" onclick={on(|| Action::Event(1))}>{ t(lang, "ui.event_next") }</button>
                    <button id="step" title="Shift+→" onclick={on(|| Action::Op(1))}>{ t(lang, "ui.step") }</button>
                    <button id="end" title="End" onclick={on(|| Action::End)}>{ t(lang, "ui.end") }</button>
                    <span id="speed" class="speed">{ tf(lang, "ui.speed", &[("n", SPEEDS[state.speed].to_string())]) }</span>
                    <span id="step-counter">{ counter }</span>
                </div>
                <input id="scrubber" class="scrubber" type="range" min="0" max={session.total_steps().to_string()}
                       value={session.step().to_string()} aria-label={t(lang, "ui.timeline")} oninput={on_scrub} />
                <svg id="op-ticks" class="op-ticks" viewBox="0 0 1000 8" preserveAspectRatio="none" aria-hidden="true"
                     data-ops={session.op_count().to_string()}>
                    <path d={(*op_ticks).clone()} />
                </svg>
                <p id="op-text" class="op-text">{ op_text }</p>
                <p id="explain" class="explain" aria-live="polite">{ crate::views::rich::code_text(&explanation) }</p>
            </section>
            <div class="views">
                <section class="panel" data-panel="memory">
                    <h2>{ t(lang, "ui.memory_map") }</h2>
                    <MemoryMap blocks={snap.blocks.clone()} total_pages={snap.stats.total_pages as u32} nodes={snap.config.nodes} lang={lang} describe={describe}
                               highlight={map_highlight} on_select={on_select_page} />
                </section>
                <div class="row">
                    <section class="panel" data-panel="buddy">
                        <h2>{ t(lang, "ui.buddy.heading") }</h2>
                        <FreeLists zones={snap.zones.clone()} mark={mark} lang={lang} />
                    </section>
                    <section class="panel buddyinfo-panel" data-panel="buddyinfo">
                        <crate::views::buddyinfo::Buddyinfo text={snap.buddyinfo.clone()} lang={lang} />
                        <h2>{ t(lang, "ui.chart") }</h2>
                        <FreeChart nr_free={snap.stats.nr_free.clone()} lang={lang} />
                    </section>
                </div>
                <EventLog entries={log} current={applied} first_step={first_step} on_select={on_log} lang={lang} />
                <section class="panel" data-panel="timeline">
                    <h2>{ t(lang, "ui.timeline_chart") }</h2>
                    <Timeline id="timeline-chart" kind={Kind::Memory} samples={(*samples).clone()} step={session.step()} lang={lang} />
                </section>
                <section class="panel" data-panel="charts">
                    <div class="row">
                        <div class="chart-box">
                            <h2>{ t(lang, "ui.orders_chart") }</h2>
                            <Timeline id="orders-chart" kind={Kind::Orders} samples={(*samples).clone()} step={session.step()} lang={lang} />
                        </div>
                        <div class="chart-box">
                            <h2>{ t(lang, "ui.frag_chart") }</h2>
                            <Timeline id="frag-chart" kind={Kind::Frag} samples={(*samples).clone()} step={session.step()} lang={lang} />
                        </div>
                    </div>
                </section>
            </div>
            <LayerViews session={state.session.clone()} version={state.version} lang={lang} selection={state.selection}
                        hover={state.hover} on_select={on_select} on_hover={on_hover} />
            <footer id="determinism" data-hash={hash}></footer>
        </main>
        </ContextProvider<ExportName>>
        </ContextProvider<Lang>>
    }
}

fn determinism_hash() -> u64 {
    thread_local! {
        static HASH: u64 = script::load(DETERMINISM, &MachineConfig::default(), &[])
            .expect("determinism scenario is valid")
            .event_hash();
    }
    HASH.with(|h| *h)
}
