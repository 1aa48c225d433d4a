//! The trace mode's side panel below the file picker: the load's progress (bytes and lines) with
//! a cancel button, why a load failed, which trace a link needs, the summary line, and the
//! filters (cache, CPU, call site, comm) that narrow the trace views, charts and scrubber ticks.

use std::rc::Rc;

use wasm_bindgen::JsCast;
use yew::prelude::*;

use crate::i18n::{t, tf, Lang};
use crate::state::trace::FilterField;
use crate::state::Action;

pub use crate::components::StateProps as Props;

fn select_value(e: &Event) -> Option<String> {
    e.target().and_then(|t| t.dyn_into::<web_sys::HtmlSelectElement>().ok()).map(|s| s.value())
}

/// Bytes of the wasm instance's memory.
fn wasm_bytes() -> Option<u32> {
    #[cfg(target_arch = "wasm32")]
    {
        wasm_bindgen::memory()
            .dyn_into::<js_sys::WebAssembly::Memory>()
            .ok()
            .and_then(|m| m.buffer().dyn_into::<js_sys::ArrayBuffer>().ok().map(|b| b.byte_length()))
    }
    #[cfg(not(target_arch = "wasm32"))]
    None
}

#[function_component(TraceStatus)]
pub fn trace_status(p: &Props) -> Html {
    let lang = use_context::<Lang>().unwrap_or(Lang::En);
    let state = &p.state;
    let progress = state.loading.as_ref().map(|l| {
        let pr = l.progress.get();
        let pct = pr.bytes.saturating_mul(100).checked_div(l.size).unwrap_or(100);
        let on_cancel = {
            let d = state.dispatcher();
            Callback::from(move |_| d.dispatch(Action::TraceCancel))
        };
        html! {
            <div id="trace-loading" class="notice trace-loading" role="status">
                <label for="trace-progress">{ tf(lang, "ui.loading", &[("name", l.name.clone())]) }</label>
                <progress id="trace-progress" max={l.size.max(1).to_string()} value={pr.bytes.min(l.size).to_string()}></progress>
                // Cancel right after the bar (s15): the counts below grow as the load goes; before
                // them it stayed in no place long enough to be clicked on a busy machine.
                <button id="trace-cancel" type="button" onclick={on_cancel}>{ t(lang, "trace.cancel") }</button>
                <span id="trace-progress-text">{ tf(lang, "trace.progress", &[
                    ("pct", pct.min(100).to_string()), ("bytes", pr.bytes.to_string()), ("size", l.size.to_string()),
                    ("lines", pr.lines.to_string()), ("events", pr.events.to_string()),
                ]) }</span>
                // s6-tracew: the end-of-load summaries, in slices.
                if l.summarising.get() > 0 {
                    <span id="trace-summarising" data-permille={l.summarising.get().to_string()}>{ tf(lang, "trace.summarising", &[
                        ("pct", (l.summarising.get() / 10).to_string()), ("events", pr.events.to_string()),
                    ]) }</span>
                }
            </div>
        }
    });
    let error = state.trace_error.as_ref().map(|(name, e)| {
        html! { <p id="trace-error" class="notice trace-error" role="alert">{ format!("{name}: {}", e.text(lang)) }</p> }
    });
    let wanted = state.trace_wanted.as_ref().map(|name| {
        html! { <p id="trace-wanted" class="notice" role="alert">{ tf(lang, "trace.wanted", &[("name", name.clone())]) }</p> }
    });
    let summary = match &state.trace {
        Some(tr) if tr.views_ready.get() => tr.summary(lang, state.session.borrow().op_count()),
        Some(tr) => tf(lang, "trace.installing", &[("name", tr.name.clone())]),
        None => t(lang, "ui.trace.none"),
    };
    // For the benchmark (e2e/bench/trace.mjs): what the trace retains, and the wasm memory.
    // Everything the page keeps for the trace (s6-tracew), the checkpoints, the longest replay.
    let retained = state.trace.as_ref().and_then(|tr| tr.retained_bytes(&state.session));
    let (ck_bytes, max_replay) = {
        let s = state.session.borrow();
        (s.approx_checkpoint_bytes(), s.max_replay_ops())
    };
    let events = state.trace.as_ref().map(|tr| tr.events);
    let pending = state.trace.as_ref().and_then(|tr| tr.pending());
    let filtering = state.trace.as_ref().zip(pending.as_ref()).map(|(tr, _)| {
        let pm = tr.filter_progress.get();
        html! {
            <p id="trace-filter-busy" class="muted" role="status" aria-live="polite" data-permille={pm.to_string()}>
                { tf(lang, "trace.filtering", &[("pct", (pm / 10).to_string())]) }
            </p>
        }
    });
    let ready = state.trace.as_ref().filter(|tr| tr.views_ready.get());
    let filters = ready.and_then(|tr| tr.choices(&state.session)).map(|c| {
        // The controls show the filter asked for, while it is being applied.
        let f: &slabscope_core::trace::Filter = pending.as_deref().unwrap_or(&state.trace_filter);
        let control = |field: FilterField, id: &str, label: &str, cur: Option<String>, opts: Vec<String>| {
            let d = state.dispatcher();
            let onchange = Callback::from(move |e: Event| {
                if let Some(v) = select_value(&e) {
                    d.dispatch(Action::TraceFilter(field, v));
                }
            });
            let cur = cur.unwrap_or_default();
            html! {
                <label class="trace-filter">
                    <span>{ t(lang, label) }</span>
                    <select id={id.to_string()} {onchange}>
                        <option value="" selected={cur.is_empty()}>{ t(lang, "trace.filter.any") }</option>
                        { for opts.into_iter().map(|o| html! { <option value={o.clone()} selected={o == cur}>{ o.clone() }</option> }) }
                    </select>
                </label>
            }
        };
        html! {
            <fieldset id="trace-filters" class="trace-filters" aria-busy={pending.is_some().to_string()}>
                <legend>{ t(lang, "trace.filters") }</legend>
                { control(FilterField::Cache, "filter-cache", "trace.filter.cache", f.cache.clone(), c.caches.clone()) }
                { control(FilterField::Cpu, "filter-cpu", "trace.filter.cpu", f.cpu.map(|c| c.to_string()), c.cpus.iter().map(u16::to_string).collect()) }
                { control(FilterField::CallSite, "filter-site", "trace.filter.site", f.call_site.clone(), c.sites.clone()) }
                { control(FilterField::Comm, "filter-comm", "trace.filter.comm", f.comm.clone(), c.comms.clone()) }
            </fieldset>
        }
    });
    // Which load is shown, and whether its charts and slot index are made (for the benchmark).
    let load_id = ready.map(|t| (Rc::as_ptr(t) as usize).to_string());
    let derived = state.trace.as_ref().map(|t| if t.derived().is_some() { "1" } else { "0" });
    html! {
        <>
            { for progress }
            { for error }
            { for wanted }
            <p id="trace-summary" class="trace-summary" role="status" data-events={events.map(|e| e.to_string())}
               data-load={load_id} data-derived={derived}
               data-retained-bytes={retained.map(|b| b.to_string())} data-wasm-bytes={wasm_bytes().map(|b| b.to_string())}
               data-checkpoint-bytes={ck_bytes.to_string()} data-max-replay-ops={max_replay.to_string()}>{ summary }</p>
            { for filters }
            { for filtering }
        </>
    }
}
