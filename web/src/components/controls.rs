//! The playback bar: step buttons, speed, counter, the scrubber with a tick at every operation,
//! the current operation and the current event's explanation (aria-live).

use yew::prelude::*;

use crate::i18n::{self, t, tf, Lang};
use crate::state::{Action, SPEEDS};
use wasm_bindgen::JsCast;

pub use super::StateProps as Props;

#[function_component(Controls)]
pub fn controls(p: &Props) -> Html {
    let lang = use_context::<Lang>().unwrap_or(Lang::En);
    let state = &p.state;
    let session_id = (std::rc::Rc::as_ptr(&state.session) as usize, state.session.borrow().op_count());
    // A trace filter narrows the ticks to the ops it selects (s4-tracew).
    let filtered = {
        let st = (**state).clone();
        use_memo((session_id, state.trace_filter.clone()), move |_| st.filtered_ops())
    };
    // Operation boundaries under the scrubber: one path, at most one tick per 1/1000 of the width.
    let op_ticks = {
        let session = state.session.clone();
        let filtered = filtered.clone();
        use_memo((session_id, filtered.as_ref().as_ref().map(|v| std::rc::Rc::as_ptr(v) as usize)), move |_| {
            let s = session.borrow();
            let total = s.total_steps().max(1) as f64;
            let tick = |k: usize| (s.op_events_range(k).start as f64 / total * 1000.0).round() as u32;
            // The ticks of the ops (ascending, as their starts): the first op at or after each
            // tick found by bisection, so a 2M-op trace costs ~1000 searches, not 2M ops
            // (s11-trace: this was most of the long task when a trace was installed).
            let (n, op): (usize, Box<dyn Fn(usize) -> usize>) = match filtered.as_ref() {
                Some(v) => (v.len(), Box::new(move |i| v[i])),
                None => (s.op_count(), Box::new(|i| i)),
            };
            let (mut d, mut i) = (String::new(), 0);
            while i < n {
                let x = tick(op(i));
                d.push_str(&format!("M{x} 0v8"));
                // The first op past this tick.
                let (mut lo, mut hi) = (i + 1, n);
                while lo < hi {
                    let mid = lo + (hi - lo) / 2;
                    if tick(op(mid)) <= x {
                        lo = mid + 1;
                    } else {
                        hi = mid;
                    }
                }
                i = lo;
            }
            d
        })
    };
    let session = state.session.borrow();
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
    drop(session);
    let fact = state.current_fact(lang);
    let session = state.session.borrow();
    let on = |a: fn() -> Action| {
        let d = state.dispatcher();
        Callback::from(move |_| d.dispatch(a()))
    };
    // #14: a drag's moves are coalesced into one seek per animation frame.
    let seek = crate::hooks::playback::use_coalesced_seek(state.dispatcher(), state.session.clone());
    let on_scrub = Callback::from(move |e: InputEvent| {
        if let Some(input) = e.target().and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok()) {
            if let Ok(v) = input.value().parse::<u64>() {
                seek.emit(v);
            }
        }
    });
    // In a lesson the scrubber spans the lesson step's events only.
    let (lo, hi) = state.bounds();
    let play_label = if state.playing { t(lang, "ui.pause") } else { t(lang, "ui.play") };
    html! {
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
            <input id="scrubber" class="scrubber" type="range" min={lo.to_string()} max={hi.to_string()}
                   value={session.step().to_string()} aria-label={t(lang, "ui.timeline")} oninput={on_scrub} />
            <svg id="op-ticks" class="op-ticks" viewBox="0 0 1000 8" preserveAspectRatio="none" aria-hidden="true"
                 data-ops={filtered.as_ref().as_ref().map_or(session.op_count(), |v| v.len()).to_string()}>
                <path d={(*op_ticks).clone()} />
            </svg>
            <p id="op-text" class="op-text">{ op_text }</p>
            if let Some(f) = fact { <p id="op-fact" class="op-fact">{ f }</p> }
            <p id="explain" class="explain" aria-live="polite">{ crate::views::rich::code_text(&explanation) }</p>
        </section>
    }
}
