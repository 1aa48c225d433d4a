//! Mode, document and step live in the URL hash, so a reload or a shared link shows the same
//! view. (replaceState: stepping does not flood the history.)

use yew::prelude::*;

use crate::doc;
use crate::state::State;

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
            hash = doc::url_hash(state.mode, "", l.at.unwrap_or(0)) + &crate::state::trace::hash_param(&l.name);
        } else if let Some(t) = &state.trace {
            hash.push_str(&crate::state::trace::hash_param(&t.name));
        }
    }
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
