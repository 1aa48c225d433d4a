//! The state the page opens with, and opening a lesson.

use std::cell::RefCell;
use std::rc::Rc;

use slabscope_core::session::Session;

use super::{prefs, State};
use crate::doc::{self, BuildError, Builder, Doc, Mode};
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

/// Milliseconds of building done at once before yielding to the page (well under a 50 ms long
/// task): a small document is built before the first paint, a large one in chunks after it.
pub(super) const BUILD_SLICE_MS: f64 = 20.0;

/// Ops run per builder step.
pub(super) const BUILD_CHUNK: usize = 2000;

/// Run `b` for about [`BUILD_SLICE_MS`]: `Ok(true)` once it is done.
pub(super) fn build_some(b: &mut Builder) -> Result<bool, BuildError> {
    in_slice(|| b.step(BUILD_CHUNK))
}

/// Call `step` (`Ok(true)`: done) for about [`BUILD_SLICE_MS`] (also Compare mode's build).
pub(super) fn in_slice<E>(mut step: impl FnMut() -> Result<bool, E>) -> Result<bool, E> {
    let now = || web_sys::window().and_then(|w| w.performance()).map_or(0.0, |p| p.now());
    let start = now();
    loop {
        if step()? {
            return Ok(true);
        }
        if now() - start > BUILD_SLICE_MS {
            return Ok(false);
        }
    }
}

/// The language the page opens in: the address's `lang=`, else the one chosen last time in
/// this browser, else English (also what `main` fetches the Japanese texts for).
pub fn start_lang(pairs: &[(String, String)]) -> Lang {
    let lang_param = pairs.iter().rev().find(|(k, _)| k == "lang").and_then(|(_, v)| Lang::from_code(v));
    lang_param.or_else(prefs::load_lang).unwrap_or(Lang::En)
}

/// The state the page opens with: the URL's mode, document and step, or the demo; invalid
/// parameters are reported in the notice and leave the defaults.
pub fn initial_state() -> State {
    let loc = web_sys::window().map(|w| w.location());
    let search = loc.as_ref().and_then(|l| l.search().ok()).unwrap_or_default();
    let hash = loc.as_ref().and_then(|l| l.hash().ok()).unwrap_or_default();
    let mut url = doc::read_url(&search, &hash);
    // The address's language, else the one chosen last time in this browser.
    let pairs = lesson::url_pairs();
    let lang = start_lang(&pairs);
    let demo = || {
        let d = Doc::demo();
        let s = d.build().expect("the built-in demo script is valid");
        (d, s)
    };
    // Only the lesson the address names is parsed (the catalogue when the Lessons tab opens).
    let lessons = lesson::for_params(&pairs);
    let (params, param_errors) = lesson::parse_params(&pairs, &lessons);
    let mut mode = url.mode.unwrap_or(Mode::Sandbox);
    // Compare mode's configurations, source and cursor (`compare=`, `cwl=`, `cpos=`).
    let (compare, compare_errors) = super::compare::from_pairs(&pairs);
    let compare_wanted = compare.is_some();
    let compare = compare.unwrap_or_default();
    // The lesson first: it is what the page shows, so neither the address's document nor the
    // demo is built when it opens (s14: a lesson page built the demo's session for nothing,
    // ~15–30 ms of the start's one long task).
    let mut run = None;
    let mut lesson_error = None;
    let mut lesson_session = None;
    if let Some(id) = &params.lesson {
        match open_lesson(id, &params, params.lstep.map(|n| n - 1)) {
            Ok((r, s)) => {
                lesson_session = Some(s);
                run = Some(Rc::new(RefCell::new(r)));
                if url.mode.is_none() || params.embed {
                    mode = Mode::Lessons;
                }
            }
            Err(e) => lesson_error = Some(e),
        }
    }
    // The address's document: built now if it is small, else in chunks after the first paint
    // (the demo shows meanwhile); an error leaves the demo and says why in the notice.
    let mut building = None;
    let (doc, session) = match lesson_session {
        // The lesson is what the page shows: no address document replaces it later.
        Some(s) => (None, s),
        None => {
            let (doc, mut session) = match url.doc.take() {
                Some(mut b) => match build_some(&mut b) {
                    Ok(true) => b.finish(),
                    Ok(false) => {
                        building = Some(Rc::new(RefCell::new(Some(b))));
                        demo()
                    }
                    Err(e) => {
                        url.errors.push(format!("s: {}", e.text(lang)));
                        demo()
                    }
                },
                None => demo(),
            };
            if let (Some(step), None) = (url.step, &building) {
                let step = step.min(session.total_steps());
                session.seek(step);
            }
            (Some(Rc::new(doc)), session)
        }
    };
    let notice = (!url.errors.is_empty()).then(|| url.errors.join("; "));
    let notice = match (notice, lesson_error) {
        (Some(a), Some(b)) => Some(format!("{a}; {b}")),
        (a, b) => a.or(b),
    };
    let selection = run.as_ref().and_then(|r: &Rc<RefCell<Run>>| r.borrow().highlight());
    // A trace link's file and step, kept in the address until that trace is shown.
    let trace_link = (mode == Mode::Trace)
        .then(super::trace::url_trace)
        .and_then(|(name, step, _)| name.map(|n| (n, step.unwrap_or(0))));
    let mut state = State {
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
        building,
        trace_filter: Rc::default(),
        trace_wanted: None,
        trace_link,
        trace_error: None,
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
        param_errors: Rc::new(param_errors.into_iter().chain(compare_errors).collect()),
        embed_copied: None,
        view_toggles: Rc::new(prefs::load_views()),
        exercises: Rc::default(),
        version: 0,
        compare: Rc::new(compare),
    };
    state.start_exercises(url.mode);
    // A shared compare link (or a frame with `compare=`) opens on its comparison.
    if compare_wanted && state.params.embed {
        state.mode = Mode::Compare;
    }
    if compare_wanted && state.mode == Mode::Compare {
        state.compare_msg(super::compare::CompareMsg::Run);
    }
    state
}
