//! Mode, document and step live in the URL hash, so a reload or a shared link shows the same
//! view. (replaceState: stepping does not flood the history.)
//!
//! #14: `history.replaceState` costs milliseconds per call, so it is not on a step's critical
//! path: a lone step (a click, a key press) writes its hash just after the frame that shows it
//! has painted (the next animation frame, then a task); a burst of steps, each within
//! [`BURST_MS`] of the one before (a drag, a held key), writes nothing until the step has
//! stayed put for [`URL_DELAY_MS`] — a few writes per second at most, never while playing. [`flush`] writes a pending hash at once (copying the link reads
//! `location`; `pagehide`: leaving the page during a burst's quiet time writes the step into its
//! history entry, so Back returns to the step shown — e2e `playback.test.mjs`, "leaving the page
//! right after a burst"; nothing is claimed for a reload, which is not tested).

use std::cell::RefCell;

use yew::prelude::*;

use crate::doc;
use crate::state::State;

/// Quiet time before the URL follows the step.
pub const URL_DELAY_MS: u32 = 300;
/// Steps closer together than this are a burst (key repeat is ~33 ms, a drag moves per frame;
/// a person's separate clicks are further apart).
pub const BURST_MS: f64 = 120.0;

thread_local! {
    /// The hash waiting for its timer (UI thread only).
    static PENDING: RefCell<Option<String>> = const { RefCell::new(None) };
    /// `performance.now()` of the last write (UI thread only).
    /// `performance.now()` of the last change of the hash (UI thread only).
    static LAST_CHANGE: std::cell::Cell<f64> = const { std::cell::Cell::new(f64::NEG_INFINITY) };
    /// The hash the app last saw or wrote in the address (see [`write`]).
    static OURS: RefCell<Option<String>> = const { RefCell::new(None) };
}

fn now() -> f64 {
    web_sys::window().and_then(|w| w.performance()).map_or(0.0, |p| p.now())
}

/// The address's hash as the app last left it (read at start, then after each write): a write
/// finding another hash there does not happen — the address was changed from outside (a pasted
/// link, `location.hash = …`) and a reload must open that, not the app's step.
fn current_hash() -> Option<String> {
    web_sys::window().and_then(|w| w.location().hash().ok())
}

fn write(hash: &str) {
    let Some(w) = web_sys::window() else { return };
    let ours = OURS.with(|o| o.borrow().clone());
    if ours.is_some() && current_hash() != ours {
        return;
    }
    if let Ok(h) = w.history() {
        let _ = h.replace_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(hash));
    }
    OURS.with(|o| *o.borrow_mut() = current_hash());
}

/// Write the pending hash after the coming frame has painted (now when no frame can be asked for).
fn flush_after_paint() {
    if !super::playback::after_paint(flush) {
        flush();
    }
}

/// Write the pending hash now (before anything reads `location`).
pub fn flush() {
    if let Some(hash) = PENDING.with(|p| p.borrow_mut().take()) {
        write(&hash);
    }
}

#[hook]
pub fn use_url_sync(state: &UseReducerHandle<State>) {
    let doc_params = {
        let d = state.doc.clone();
        use_memo(d, |d| d.as_deref().map(doc::doc_params).unwrap_or_default())
    };
    // Not while playing: browsers throttle (and warn about) frequent history updates; the URL
    // catches up when playback stops.
    let mut hash = doc::url_hash(state.mode, &doc_params, state.session.borrow().step());
    // The trace shown (or streaming in), so a reload or a link reopens it (s4-tracew).
    if state.mode == crate::doc::Mode::Trace {
        if let Some(l) = &state.loading {
            hash = doc::url_hash(state.mode, "", l.at.get().unwrap_or(0)) + &crate::state::trace::hash_param(&l.name);
        } else if let Some(t) = &state.trace {
            hash.push_str(&crate::state::trace::hash_param(&t.name));
        } else if let Some((name, step)) = &state.trace_link {
            hash = doc::url_hash(state.mode, "", *step) + &crate::state::trace::hash_param(name);
        }
    }
    if let Some(run) = &state.lesson {
        let run = run.borrow();
        hash.push_str(&format!("&lesson={}&lstep={}", run.lesson.id, run.step + 1));
    }
    // The exercise on screen (not a frame's: its address names the whole set).
    if let Some(c) = state.shown_exercise().filter(|_| !state.params.embed) {
        hash.push_str(&format!("&exercise={}&seed={}&level={}", c.ex.kind, c.ex.seed, c.ex.level));
    }
    if state.mode == crate::doc::Mode::Compare {
        hash.push_str(&crate::state::compare::url_part(&state.compare));
    }
    // Leaving the page writes what is pending into its history entry (Back returns to the step shown).
    // An address changed from outside — a link pasted into the address bar of this tab, a link to
    // another fragment, `location.hash = …`, Back/Forward between such entries — drops what is
    // pending, puts the new address back if a write got in first (the app's step must not
    // overwrite it: a race the e2e "link elsewhere" test met one run in three), and re-opens the
    // page at it, as a reload would: every mode's start-up path (lesson, document, trace kept in
    // this browser, comparison) reads the address, so that path re-opens it rather than a second
    // one that could drift from it. The app's own writes use `replaceState`, which fires no
    // `hashchange`; a lesson's step links call `preventDefault`.
    use_effect_with((), |_| {
        OURS.with(|o| *o.borrow_mut() = current_hash());
        let listeners = web_sys::window().map(|w| {
            let leave = gloo::events::EventListener::new(&w, "pagehide", |_| flush());
            let changed = gloo::events::EventListener::new(&w, "hashchange", |e| {
                PENDING.with(|p| p.borrow_mut().take());
                let new_url = js_sys::Reflect::get(e, &"newURL".into()).ok().and_then(|v| v.as_string());
                let Some(w) = web_sys::window() else { return };
                if let (Some(url), Ok(h)) = (new_url, w.history()) {
                    let _ = h.replace_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(&url));
                }
                if current_hash() != OURS.with(|o| o.borrow().clone()) {
                    OURS.with(|o| *o.borrow_mut() = current_hash());
                    let _ = w.location().reload();
                }
            });
            (leave, changed)
        });
        move || drop(listeners)
    });
    use_effect_with((hash, state.playing), move |(hash, playing)| {
        let timer = (!*playing).then(|| {
            PENDING.with(|p| *p.borrow_mut() = Some(hash.clone()));
            let t = now();
            let burst = t - LAST_CHANGE.with(|c| c.replace(t)) < BURST_MS;
            if !burst {
                flush_after_paint();
                None
            } else {
                Some(gloo::timers::callback::Timeout::new(URL_DELAY_MS, flush))
            }
        });
        // A newer step (or playing) drops this timer: a drag or held key writes once at the end
        // (a write already queued after the paint takes the newest pending hash).
        move || drop(timer)
    });
}
