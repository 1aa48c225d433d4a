//! The app shell: one reducer over a core `Session`, and the views.

use std::cell::RefCell;
use std::rc::Rc;

use gloo::events::{EventListener, EventListenerOptions};
use slabscope_core::event::EntityRef;
use slabscope_core::machine::MachineConfig;
use slabscope_core::script;
use slabscope_core::session::Session;
use wasm_bindgen::JsCast;
use yew::prelude::*;

use crate::i18n::{self, t, tf, Lang};
use crate::lesson::{self, Params, Progress, Run};
use crate::views::layers::LayerViews;
use crate::views::lessons::{embed_code, LessonMsg, LessonsPanel};
use crate::views::{buddy_map::BuddyMap, chart::FreeChart, event_log::EventLog, timeline::Timeline};

/// The walking skeleton's demo: a small machine so every page is visible.
const DEMO: &str = "\
config mem=256K
pages alloc order=0 as=a
pages alloc order=2 as=b
pages alloc order=1 as=c
pages alloc order=3 as=d
pages free a
pages free c
pages free b
pages free d
";

/// The determinism scenario shared with the native tests.
const DETERMINISM: &str = include_str!("../../core/tests/data/determinism.ops");

/// Embed autoplay: time per lesson step.
const AUTOPLAY_MS: u32 = 4000;

/// Playback speeds, steps per second.
const SPEEDS: [f64; 8] = [0.5, 1.0, 2.0, 5.0, 10.0, 30.0, 100.0, 300.0];

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
    /// Playback timer: advance one event, stop at the end.
    Tick,
    Faster,
    Slower,
    ToggleLang,
    ToggleHelp,
    /// A trace file was read: (file name, text).
    LoadTrace(String, String),
    /// Replay the next chunk of the trace being loaded.
    LoadChunk,
    /// Reading a file failed.
    LoadError(String),
    /// A line typed in the command bar.
    Command(String),
    /// Cycle the theme: system → dark → light → system.
    CycleTheme,
    /// The link was copied (true) or copying failed (false).
    Copied(bool),
    /// The embed code was copied (true) or copying failed (false).
    EmbedCopied(bool),
    /// Lesson index and player.
    Lesson(LessonMsg),
    /// Show or hide the lesson index / player.
    ToggleLessons,
    /// Select an entity (object, slab, page, cache, CPU, SuperSlab) in every view, or clear.
    Select(Option<EntityRef>),
    /// The entity under the pointer or keyboard focus, highlighted in every view.
    Hover(Option<EntityRef>),
}

/// Colour theme.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Theme {
    /// Follow `prefers-color-scheme`.
    System,
    Dark,
    Light,
}

pub struct State {
    pub session: Rc<RefCell<Session>>,
    pub lang: Lang,
    pub playing: bool,
    pub speed: usize,
    pub help: bool,
    /// A one-line summary of the loaded trace, or an error.
    pub notice: Option<String>,
    /// A trace being replayed chunk by chunk.
    pub loading: Option<Rc<RefCell<Option<LoadJob>>>>,
    /// Commands typed so far (newest last).
    pub history: Rc<Vec<String>>,
    /// The last command's error, located.
    pub command_error: Option<String>,
    pub theme: Theme,
    /// Result of the last "copy link".
    pub copied: Option<bool>,
    /// Result of the last "copy embed code".
    pub embed_copied: Option<bool>,
    /// The lesson being played.
    pub lesson: Option<Rc<RefCell<Run>>>,
    /// Lesson progress saved in this browser.
    pub progress: Rc<Progress>,
    /// Lessons shown (index or player).
    pub show_lessons: bool,
    /// URL parameters (embed mode, lesson, panels…).
    pub params: Rc<Params>,
    /// Problems with the URL parameters, shown in the page.
    pub param_errors: Rc<Vec<String>>,
    /// The selected entity, shared by every view.
    pub selection: Option<EntityRef>,
    /// The hovered entity.
    pub hover: Option<EntityRef>,
    /// Bumped on every change, so views re-render.
    pub version: u64,
}

impl PartialEq for State {
    fn eq(&self, other: &Self) -> bool {
        self.version == other.version
    }
}

impl Reducible for State {
    type Action = Action;
    fn reduce(self: Rc<Self>, action: Action) -> Rc<Self> {
        // The pointer moving within one entity changes nothing: no re-render.
        if matches!(&action, Action::Hover(e) if *e == self.hover) {
            return self;
        }
        let (mut lang, mut playing, mut speed, mut help, mut notice) =
            (self.lang, self.playing, self.speed, self.help, self.notice.clone());
        let mut loading = self.loading.clone();
        let mut history = self.history.clone();
        let mut command_error = None;
        let mut theme = self.theme;
        let mut copied = None;
        let mut embed_copied = None;
        let (mut selection, mut hover) = (self.selection, self.hover);
        let mut session = self.session.clone();
        let mut lesson_run = self.lesson.clone();
        let mut progress = self.progress.clone();
        let mut show_lessons = self.show_lessons;
        {
            let mut s = session.borrow_mut();
            let total = s.total_steps();
            match action {
                Action::Event(d) => {
                    let to = s.step().saturating_add_signed(d).min(total);
                    s.seek(to);
                }
                Action::Op(d) => {
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
                Action::Seek(step) => s.seek(step.min(total)),
                Action::Start => s.seek(0),
                Action::End => s.seek(total),
                Action::TogglePlay => {
                    playing = !playing && s.step() < total;
                }
                Action::Tick => {
                    if s.step() >= total {
                        playing = false;
                    } else {
                        let to = s.step() + 1;
                        s.seek(to);
                    }
                }
                Action::Faster => speed = (speed + 1).min(SPEEDS.len() - 1),
                Action::Slower => speed = speed.saturating_sub(1),
                Action::ToggleLang => lang = if lang == Lang::En { Lang::Ja } else { Lang::En },
                Action::ToggleHelp => help = !help,
                Action::LoadTrace(name, text) => match LoadJob::start(name.clone(), &text) {
                    Ok(job) => {
                        loading = Some(Rc::new(RefCell::new(Some(job))));
                        notice = None;
                        playing = false;
                    }
                    Err(e) => notice = Some(format!("{name}: {e}")),
                },
                Action::LoadChunk => {
                    let done = loading.as_ref().is_some_and(|j| j.borrow_mut().as_mut().is_some_and(LoadJob::step));
                    let job = if done { loading.take().and_then(|j| j.borrow_mut().take()) } else { None };
                    if let Some(job) = job {
                        drop(s);
                        let (new, summary) = job.finish();
                        session = Rc::new(RefCell::new(new));
                        notice = Some(summary);
                    }
                }
                Action::LoadError(e) => notice = Some(e),
                Action::CycleTheme => {
                    theme = match theme {
                        Theme::System => Theme::Dark,
                        Theme::Dark => Theme::Light,
                        Theme::Light => Theme::System,
                    }
                }
                Action::Copied(ok) => copied = Some(ok),
                Action::EmbedCopied(ok) => embed_copied = Some(ok),
                Action::ToggleLessons => show_lessons = !show_lessons,
                Action::Lesson(msg) => {
                    drop(s);
                    match msg {
                        LessonMsg::Open(id) => match open_lesson(&id, &self.params) {
                            Ok((run, new)) => {
                                session = Rc::new(RefCell::new(new));
                                lesson_run = Some(Rc::new(RefCell::new(run)));
                                playing = false;
                                show_lessons = true;
                            }
                            Err(e) => notice = Some(e),
                        },
                        LessonMsg::Go(i) => {
                            if let Some(run) = &lesson_run {
                                run.borrow_mut().go(i, &mut session.borrow_mut());
                                playing = false;
                            }
                        }
                        LessonMsg::Reply(r) => {
                            if let Some(run) = &lesson_run {
                                run.borrow_mut().reply(r, &mut session.borrow_mut());
                            }
                        }
                        LessonMsg::Close => lesson_run = None,
                        LessonMsg::Advance => {
                            if let Some(run) = &lesson_run {
                                let mut r = run.borrow_mut();
                                if r.can_advance() {
                                    let next = r.step + 1;
                                    r.go(next, &mut session.borrow_mut());
                                }
                            }
                        }
                    }
                    if let Some(run) = &lesson_run {
                        let run = run.borrow();
                        lesson::save_progress(&run.lesson.id, run.step + 1, run.lesson.steps.len());
                        progress = Rc::new(lesson::load_progress());
                        // The step's first highlight becomes the shared selection of every view.
                        selection = run.highlight();
                    }
                }
                Action::Select(e) => selection = e,
                Action::Hover(e) => hover = e,
                Action::Command(line) => {
                    let line = line.trim().to_string();
                    if !line.is_empty() {
                        Rc::make_mut(&mut history).push(line.clone());
                        drop(s);
                        match run_command(&session, &line) {
                            Ok(Some(new)) => session = Rc::new(RefCell::new(new)),
                            Ok(None) => {}
                            Err(e) => command_error = Some(e),
                        }
                    }
                }
            }
        }
        Rc::new(State {
            session,
            lang,
            playing,
            speed,
            help,
            notice,
            loading,
            history,
            command_error,
            theme,
            copied,
            embed_copied,
            lesson: lesson_run,
            progress,
            show_lessons,
            params: self.params.clone(),
            param_errors: self.param_errors.clone(),
            selection,
            hover,
            version: self.version + 1,
        })
    }
}

/// Run a command-bar line: `config ...` rebuilds the machine (a new, empty session); other ops
/// are appended to the session, which then shows their last step. Errors are located.
fn run_command(session: &Rc<RefCell<Session>>, line: &str) -> Result<Option<Session>, String> {
    let mut s = session.borrow_mut();
    let mut names = s.names().clone();
    let prog = script::parse(line, &mut names).map_err(|e| e.to_string().replacen("1:", "col ", 1))?;
    if !prog.settings.is_empty() {
        let config = prog.apply_config(s.config()).map_err(|e| e.to_string().replacen("1:", "col ", 1))?;
        let mut fresh = Session::with_names(config, Default::default()).map_err(|e| e.to_string())?;
        let mut names = fresh.names().clone();
        let prog = script::parse(line, &mut names).map_err(|e| e.to_string())?;
        *fresh.names_mut() = names;
        for op in prog.ops {
            fresh.push(op, 1).map_err(|e| e.to_string())?;
        }
        return Ok(Some(fresh));
    }
    *s.names_mut() = names;
    let site = s.op_count() as u32 + 1;
    for op in prog.ops {
        if let Err(e) = s.push(op, site) {
            let end = s.total_steps();
            s.seek(end);
            return Err(e.to_string());
        }
    }
    let end = s.total_steps();
    s.seek(end);
    Ok(None)
}

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

/// Play a lesson from the catalogue, within the URL's `from`/`to` range if it names this lesson.
fn open_lesson(id: &str, params: &Params) -> Result<(Run, Session), String> {
    let l = lesson::find(id).ok_or_else(|| format!("lesson {id}: not found"))?;
    let same = params.lesson.as_deref() == Some(id);
    let first = if same { params.from.map_or(0, |f| f - 1) } else { 0 };
    let last = if same { params.to.map(|t| t - 1) } else { None };
    let (mut run, mut session) = Run::start(l, first, last)?;
    run.go(first, &mut session);
    Ok((run, session))
}

/// A click handler that copies `text` to the clipboard and reports the outcome.
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

fn demo_session() -> Session {
    script::load(DEMO, &MachineConfig::default(), &[]).expect("the built-in demo script is valid")
}

/// The initial step from the URL (`#step=N`), if any.
fn step_from_url() -> Option<u64> {
    let hash = web_sys::window()?.location().hash().ok()?;
    hash.trim_start_matches('#').split('&').find_map(|kv| kv.strip_prefix("step=")?.parse().ok())
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

#[function_component(App)]
pub fn app() -> Html {
    let state = use_reducer(|| {
        let (params, param_errors) = lesson::parse_params(&lesson::url_pairs(), &lesson::catalog());
        let mut session = Rc::new(RefCell::new(demo_session()));
        let mut run = None;
        let mut notice = None;
        if let Some(id) = &params.lesson {
            match open_lesson(id, &params) {
                Ok((r, s)) => {
                    session = Rc::new(RefCell::new(s));
                    run = Some(Rc::new(RefCell::new(r)));
                }
                Err(e) => notice = Some(e),
            }
        } else if let Some(step) = step_from_url() {
            session.borrow_mut().seek(step);
        }
        let lang = params.lang.as_deref().and_then(Lang::from_code).unwrap_or(Lang::En);
        let selection = run.as_ref().and_then(|r: &Rc<RefCell<Run>>| r.borrow().highlight());
        State {
            session,
            lang,
            playing: false,
            speed: 3,
            help: false,
            notice,
            loading: None,
            history: Rc::new(Vec::new()),
            command_error: None,
            theme: Theme::System,
            copied: None,
            embed_copied: None,
            show_lessons: run.is_some(),
            lesson: run,
            progress: Rc::new(lesson::load_progress()),
            params: Rc::new(params),
            param_errors: Rc::new(param_errors),
            selection,
            hover: None,
            version: 0,
        }
    });

    // Keyboard: ←/→ one event, Shift+←/→ one operation, Space play/pause, Home/End, [ ] speed, ?.
    {
        let dispatcher = state.dispatcher();
        use_effect_with((), move |_| {
            let doc = gloo::utils::document();
            let options = EventListenerOptions::enable_prevent_default();
            let listener = EventListener::new_with_options(&doc, "keydown", options, move |e| {
                let Some(e) = e.dyn_ref::<web_sys::KeyboardEvent>() else { return };
                let in_field = e
                    .target()
                    .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
                    .is_some_and(|el| matches!(el.tag_name().as_str(), "INPUT" | "TEXTAREA" | "SELECT"));
                if in_field {
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
                    _ => return,
                };
                e.prevent_default();
                dispatcher.dispatch(action);
            });
            move || drop(listener)
        });
    }
    // Playback timer.
    {
        let dispatcher = state.dispatcher();
        let (playing, speed) = (state.playing, state.speed);
        use_effect_with((playing, speed), move |&(playing, speed)| {
            let interval = playing.then(|| {
                let ms = (1000.0 / SPEEDS[speed]).max(4.0) as u32;
                gloo::timers::callback::Interval::new(ms, move || dispatcher.dispatch(Action::Tick))
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
    // A trace being loaded: one chunk per task, so the page repaints the progress in between.
    {
        let dispatcher = state.dispatcher();
        let loading = state.loading.is_some();
        use_effect_with((loading, state.version), move |&(loading, _)| {
            let timeout = loading
                .then(|| gloo::timers::callback::Timeout::new(0, move || dispatcher.dispatch(Action::LoadChunk)));
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
    // The step lives in the URL (`#step=N`) so a reload or a shared link shows the same view.
    {
        let step = state.session.borrow().step();
        use_effect_with(step, move |step| {
            if let Some(w) = web_sys::window() {
                let _ = w.location().set_hash(&format!("step={step}"));
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
    let hash = format!("{:016x}", determinism_hash());
    drop(session);
    let session_id = (Rc::as_ptr(&state.session) as usize, state.session.borrow().op_count());
    let samples = {
        let session = state.session.clone();
        use_memo(session_id, move |_| session.borrow().series(200))
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
    let on_lesson = {
        let d = state.dispatcher();
        Callback::from(move |m: LessonMsg| d.dispatch(Action::Lesson(m)))
    };
    let embed = state.params.embed;
    // Panels to show: the embed's `panels=`, else the lesson step's; all when no lesson runs.
    let panels: Vec<String> = match (&state.params.panels, &state.lesson) {
        (Some(p), Some(_)) if embed => p.clone(),
        (_, Some(run)) if embed => run.borrow().panels(),
        // Outside a frame the playback controls stay, whatever the step shows.
        (_, Some(run)) if state.show_lessons => {
            let mut p = run.borrow().panels();
            p.push("controls".into());
            p
        }
        _ => Vec::new(),
    };
    let panel_style = lesson::panel_css(&panels);
    let lesson_view = (state.show_lessons || embed).then(|| {
        html! {
            <LessonsPanel lang={lang} run={state.lesson.clone()} progress={state.progress.clone()}
                          version={state.version} embed={embed} controls={state.params.controls} on={on_lesson.clone()} />
        }
    });
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
    if embed {
        return html! {
            <main id="app" class="embed" data-embed="1">
                <style>{ panel_style }</style>
                { param_errors }
                { lesson_view }
                if state.params.controls {
                    <section class="controls" data-panel="controls" aria-label={t(lang, "ui.playback")}>
                        <button id="event-back" title="←" onclick={on(|| Action::Event(-1))}>{ t(lang, "ui.event_back") }</button>
                        <button id="event-next" title="→" onclick={on(|| Action::Event(1))}>{ t(lang, "ui.event_next") }</button>
                        <span id="step-counter">{ counter.clone() }</span>
                    </section>
                }
                <p id="explain" class="explain" aria-live="polite">{ explanation.clone() }</p>
                <div class="embed-panels">
                    <section class="panel" data-panel="memory">
                        <h2>{ t(lang, "ui.memory_map") }</h2>
                        <BuddyMap blocks={snap.blocks.clone()} total_pages={snap.stats.total_pages as u32} lang={lang} />
                    </section>
                    <section class="panel" data-panel="buddyinfo">
                        <h2>{ t(lang, "ui.buddyinfo") }</h2>
                        <pre id="buddyinfo">{ snap.buddyinfo.clone() }</pre>
                    </section>
                    <div data-panel="log">
                        <EventLog entries={log.clone()} current={applied} first_step={first_step} on_select={on_log.clone()} lang={lang} />
                    </div>
                </div>
                <LayerViews session={state.session.clone()} version={state.version} lang={lang} selection={state.selection} hover={state.hover} on_select={{ let d = state.dispatcher(); Callback::from(move |e| d.dispatch(Action::Select(e))) }} on_hover={{ let d = state.dispatcher(); Callback::from(move |e| d.dispatch(Action::Hover(e))) }} />
            </main>
        };
    }
    html! {
        <main id="app" ondragover={on_dragover} ondrop={on_drop}>
            <style>{ panel_style }</style>
            <header class="app-header">
                <h1>{ t(lang, "app.title") }</h1>
                <p class="tagline">{ t(lang, "app.tagline") }</p>
                <label class="file-button">
                    { t(lang, "ui.open_trace") }
                    <input id="trace-file" type="file" accept=".txt,.gz,.perf" onchange={on_file} />
                </label>
                <button id="lessons-toggle" aria-pressed={state.show_lessons.to_string()} onclick={on(|| Action::ToggleLessons)}>
                    { t(lang, "ui.lessons") }
                </button>
                <button id="copy-link" onclick={on_copy}>{ copy_label }</button>
                <button id="theme" onclick={on(|| Action::CycleTheme)}>{ theme_label }</button>
                <button id="help" aria-expanded={state.help.to_string()} onclick={on(|| Action::ToggleHelp)}>{ "?" }</button>
                <button id="lang" onclick={on(|| Action::ToggleLang)}>{ t(lang, "ui.lang") }</button>
            </header>
            if let Some((name, total, done)) = state.loading.as_ref().and_then(|j| j.borrow().as_ref().map(|j| (j.name.clone(), j.total(), j.done))) {
                <p class="notice" role="status">
                    <label for="trace-progress">{ tf(lang, "ui.loading", &[("name", name)]) }</label>
                    <progress id="trace-progress" max={total.to_string()} value={done.to_string()}></progress>
                </p>
            }
            { param_errors }
            { lesson_view }
            if let (Some(code), true) = (embed_snippet, state.show_lessons) {
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
            if let Some(n) = &state.notice {
                <p id="notice" class="notice" role="status">{ n.clone() }</p>
            }
            if state.help {
                <section id="shortcuts" class="panel shortcuts" aria-label={t(lang, "ui.shortcuts")}>
                    <h2>{ t(lang, "ui.shortcuts") }</h2>
                    <p>{ t(lang, "ui.shortcuts_text") }</p>
                </section>
            }
            <section class="controls" data-panel="controls" aria-label={t(lang, "ui.playback")}>
                <button id="reset" title="Home" onclick={on(|| Action::Start)}>{ t(lang, "ui.reset") }</button>
                <button id="back" title="Shift+←" onclick={on(|| Action::Op(-1))}>{ t(lang, "ui.back") }</button>
                <button id="event-back" title="←" onclick={on(|| Action::Event(-1))}>{ t(lang, "ui.event_back") }</button>
                <button id="play" title="Space" onclick={on(|| Action::TogglePlay)}>{ play_label }</button>
                <button id="event-next" title="→" onclick={on(|| Action::Event(1))}>{ t(lang, "ui.event_next") }</button>
                <button id="step" title="Shift+→" onclick={on(|| Action::Op(1))}>{ t(lang, "ui.step") }</button>
                <button id="end" title="End" onclick={on(|| Action::End)}>{ t(lang, "ui.end") }</button>
                <span id="speed" class="speed">{ tf(lang, "ui.speed", &[("n", SPEEDS[state.speed].to_string())]) }</span>
                <span id="step-counter">{ counter }</span>
            </section>
            <input id="scrubber" class="scrubber" type="range" min="0" max={session.total_steps().to_string()}
                   value={session.step().to_string()} aria-label={t(lang, "ui.timeline")} oninput={on_scrub} />
            <form id="command-bar" class="command-bar" onsubmit={on_command}>
                <label for="command">{ t(lang, "ui.command") }</label>
                <input id="command" ref={command_ref} type="text" autocomplete="off" spellcheck="false"
                       placeholder={t(lang, "ui.command_hint")} onkeydown={on_command_key}
                       aria-invalid={state.command_error.is_some().to_string()} aria-describedby="command-error" />
                <button id="run" type="submit">{ t(lang, "ui.run") }</button>
            </form>
            <p id="command-error" class="command-error" role="alert">{ state.command_error.clone().unwrap_or_default() }</p>
            <p id="op-text" class="op-text">{ op_text }</p>
            <p id="explain" class="explain" aria-live="polite">{ explanation }</p>
            <div data-panel="log">
                <EventLog entries={log} current={applied} first_step={first_step} on_select={on_log} lang={lang} />
            </div>
            <section class="panel" data-panel="memory">
                <h2>{ t(lang, "ui.memory_map") }</h2>
                <BuddyMap blocks={snap.blocks.clone()} total_pages={snap.stats.total_pages as u32} lang={lang}
                          highlight={crate::views::layers::focus(&snap, state.hover.or(state.selection)).pages} />
            </section>
            <section class="panel" data-panel="timeline">
                <h2>{ t(lang, "ui.timeline_chart") }</h2>
                <Timeline samples={(*samples).clone()} step={session.step()} lang={lang} />
            </section>
            <div class="row">
                <section class="panel" data-panel="charts">
                    <h2>{ t(lang, "ui.chart") }</h2>
                    <FreeChart nr_free={snap.stats.nr_free.clone()} lang={lang} />
                </section>
                <section class="panel" data-panel="buddyinfo">
                    <h2>{ t(lang, "ui.buddyinfo") }</h2>
                    <pre id="buddyinfo">{ snap.buddyinfo.clone() }</pre>
                </section>
            </div>
            <LayerViews session={state.session.clone()} version={state.version} lang={lang} selection={state.selection} hover={state.hover} on_select={{ let d = state.dispatcher(); Callback::from(move |e| d.dispatch(Action::Select(e))) }} on_hover={{ let d = state.dispatcher(); Callback::from(move |e| d.dispatch(Action::Hover(e))) }} />
            <footer id="determinism" data-hash={hash}></footer>
        </main>
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
