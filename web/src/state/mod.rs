//! App state: one reducer over a core `Session` ([`Action`] → [`State`]). The mode (Lessons /
//! Sandbox / Trace), the lesson being played, the sandbox document, the selection and the
//! settings that persist (language, theme, the views each mode shows).

pub mod compare;
pub mod exercise;
mod init;
pub mod prefs;
mod reducer;
pub mod trace;
pub mod views;

use std::cell::RefCell;
use std::rc::Rc;

use slabscope_core::event::EntityRef;
use slabscope_core::session::Session;

use crate::doc::{self, Doc, Mode, Workload};
use crate::i18n::Lang;
use crate::lesson::{self, Params, Progress, Run};
use crate::views::lessons::LessonMsg;

use init::open_lesson;
pub use init::{initial_state, start_lang};

/// Embed autoplay: time per lesson step.
pub const AUTOPLAY_MS: u32 = 4000;
/// The most ops one frame of a scrubber drag replays (s16, #14; ~3–4 ms in WebAssembly here): a
/// far move shows the states on the way, one per frame, until it is there.
pub const DRAG_REPLAY_OPS: usize = 8192;

/// Playback speeds, steps per second.
pub const SPEEDS: [f64; 9] = [0.5, 1.0, 2.0, 5.0, 10.0, 30.0, 100.0, 300.0, 1000.0];

pub enum Action {
    /// One micro-event forward (+1) or back (-1).
    Event(i64),
    /// To the end of the next operation (+1) or of the previous one (-1).
    Op(i64),
    /// To a step.
    Seek(u64),
    /// Toward a step, replaying at most [`DRAG_REPLAY_OPS`] ops (a scrubber drag's moves after
    /// its first, s16: see `Session::seek_within`).
    SeekWithin(u64),
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
    /// Show or hide a view in the current mode (remembered in this browser).
    ToggleView(String),
    /// Run the next chunk of the sandbox document being built.
    BuildChunk,
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
    /// Forget the user's view choices in the current scope (mode or lesson).
    ResetViews,
    /// Exercises mode and the exercise embed.
    Exercise(exercise::ExerciseMsg),
    /// Compare mode (issue #19).
    Compare(compare::CompareMsg),
    // Trace explorer (s4-tracew, issue 18).
    /// A trace file started streaming in (a load in progress is cancelled).
    TraceStart(Rc<trace::Loading>),
    /// The load made progress (the numbers are in its `Loading`).
    TraceProgress,
    /// The load finished.
    TraceLoaded(Rc<trace::Loading>, Box<slabscope_core::trace::TraceSession>),
    /// The load failed.
    TraceFailed(Rc<trace::Loading>, trace::LoadError),
    /// Cancel the load in progress (the page keeps what it showed).
    TraceCancel,
    /// Set one field of the trace filter (empty text: any).
    TraceFilter(trace::FilterField, String),
    /// A link names a trace this browser does not keep.
    TraceWanted(String),
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
    /// The loaded trace: what it said per op, its report (its session is `session`).
    pub trace: Option<Rc<trace::Loaded>>,
    /// A trace streaming in.
    pub loading: Option<Rc<trace::Loading>>,
    /// What the trace views, charts and scrubber ticks are narrowed to.
    pub trace_filter: Rc<slabscope_core::trace::Filter>,
    /// The trace a link asked for that this browser does not keep (the picker is offered).
    pub trace_wanted: Option<String>,
    /// The trace and step the address names (`mode=trace&trace=NAME&step=N`), until a trace is
    /// installed: the address keeps them while the page checks this browser's copy or waits for
    /// the file (a reload still asks for it), and a file of that name opens at that step.
    pub trace_link: Option<(String, u64)>,
    /// Why the last trace did not load: (file name, error).
    pub trace_error: Option<(String, trace::LoadError)>,
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
    /// Per mode, the views the user showed or hid on top of the mode's defaults.
    pub view_toggles: Rc<prefs::ViewToggles>,
    /// The Exercises mode: the exercise on screen, an embed's set and score.
    pub exercises: Rc<exercise::Exercises>,
    /// Bumped on every change but those of `compare` alone (a compare step: see the reducer),
    /// so views re-render.
    pub version: u64,
    /// Compare mode: configurations, the comparison, its cursor, the snapshot diff.
    pub compare: Rc<compare::CompareState>,
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
        self.trace = None;
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
                    self.trace = None;
                    self.lesson = Some(Rc::new(RefCell::new(run)));
                    self.playing = false;
                    self.mode = Mode::Lessons;
                }
                Err(e) => self.notice = Some(e),
            },
            LessonMsg::Close => self.lesson = None,
            LessonMsg::Go(i) => {
                if let Some(run) = &self.lesson {
                    let mut r = run.borrow_mut();
                    // Not past a question still open.
                    let i = i.min(r.reachable());
                    r.go(i, &mut self.session.borrow_mut());
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
        self.lesson_moved();
    }

    /// After the lesson step changed: progress saved, the step's highlight selected.
    fn lesson_moved(&mut self) {
        if let Some(run) = &self.lesson {
            let run = run.borrow();
            self.progress = Rc::new(lesson::save_progress(&run.lesson.id, run.step + 1, run.lesson.steps.len()));
            // The step's first highlight becomes the shared selection of every view.
            self.selection = run.highlight();
        }
    }

    /// Events the step controls may move within: the current lesson step's (only its start while
    /// its question is open), or the whole session outside a lesson.
    pub fn bounds(&self) -> (u64, u64) {
        if let Some(b) = self.exercise_bounds() {
            return b;
        }
        match self.held_run() {
            Some(run) => {
                let r = run.borrow();
                let p = &r.played[r.step];
                if r.replies[r.step].settled() {
                    (p.start, p.end)
                } else {
                    (p.start, p.start)
                }
            }
            None => (0, self.session.borrow().total_steps()),
        }
    }

    /// The lesson that holds the step controls: the one shown (Lessons mode or a frame).
    fn held_run(&self) -> Option<&Rc<RefCell<Run>>> {
        self.lesson.as_ref().filter(|_| self.mode == Mode::Lessons || self.params.embed)
    }

    /// Stepping past the lesson step's end (`forward`) or before its start: the next lesson step
    /// at its start, or the previous one at its end. False when there is none (or a question
    /// holds the way forward).
    fn cross_lesson_step(&mut self, forward: bool) -> bool {
        let Some(run) = self.held_run().cloned() else { return false };
        let moved = {
            let mut r = run.borrow_mut();
            if forward && r.can_advance() {
                let next = r.step + 1;
                r.go_to(next, true, &mut self.session.borrow_mut());
                true
            } else if !forward && r.step > r.first {
                let prev = r.step - 1;
                r.go_to(prev, false, &mut self.session.borrow_mut());
                true
            } else {
                false
            }
        };
        if moved {
            self.playing = false;
            self.lesson_moved();
        }
        moved
    }

    /// Rebuild from `doc`; on error keep everything and report it (located).
    fn rebuild(&mut self, doc: Doc, at: u64) -> Result<(), String> {
        let session = doc.build().map_err(|e| e.text(self.lang))?;
        self.install(doc, session, at);
        Ok(())
    }
}
