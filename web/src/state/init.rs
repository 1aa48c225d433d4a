//! The state the page opens with, and opening a lesson.

use std::cell::RefCell;
use std::rc::Rc;

use slabscope_core::session::Session;

use super::{prefs, State};
use crate::doc::{self, Doc, Mode};
use crate::i18n::Lang;
use crate::lesson::{self, Params, Run};

/// Play a lesson from the catalogue, within the URL's `from`/`to` range if it names this lesson,
/// at step `at` (0-based) or the range's first.
pub(super) fn open_lesson(id: &str, params: &Params, at: Option<usize>) -> Result<(Run, Session), String> {
    let l = lesson::find(id).ok_or_else(|| format!("lesson {id}: not found"))?;
    let same = params.lesson.as_deref() == Some(id);
    let first = if same { params.from.map_or(0, |f| f - 1) } else { 0 };
    let last = if same { params.to.map(|t| t - 1) } else { None };
    let (mut run, mut session) = Run::start(l, first, last)?;
    run.go(at.unwrap_or(first), &mut session);
    Ok((run, session))
}

/// The state the page opens with: the URL's mode, document and step, or the demo; invalid
/// parameters are reported in the notice and leave the defaults.
pub fn initial_state() -> State {
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
    // The address's language, else the one chosen last time in this browser.
    let lang = params.lang.as_deref().and_then(Lang::from_code).or_else(prefs::load_lang).unwrap_or(Lang::En);
    State {
        session: Rc::new(RefCell::new(session)),
        doc,
        mode,
        lang,
        playing: false,
        speed: 3,
        help: false,
        notice,
        trace: None,
        loading: None,
        trace_filter: Rc::default(),
        trace_wanted: None,
        trace_error: None,
        building: None,
        history: Rc::new(Vec::new()),
        command_error: None,
        sandbox_error: None,
        theme: prefs::load_theme(),
        copied: None,
        selection,
        hover: None,
        lesson: run,
        progress: Rc::new(lesson::load_progress()),
        params: Rc::new(params),
        param_errors: Rc::new(param_errors),
        embed_copied: None,
        view_toggles: Rc::new(prefs::load_views()),
        version: 0,
    }
}
