//! The event log of the current operation: one sentence per micro-event; the current one is
//! marked; clicking an entry jumps to that step.

use yew::prelude::*;

use crate::i18n::{t, Lang};
use crate::views::rich::code_text;

#[derive(Properties, PartialEq)]
pub struct Props {
    /// Sentences of the current op's events.
    pub entries: Vec<String>,
    /// How many of them are applied (the current one is `current - 1`).
    pub current: usize,
    /// Step number before the op's first event.
    pub first_step: u64,
    pub on_select: Callback<usize>,
    /// What the trace said for this op (trace mode): line, time, task, CPU, call site, pointer.
    #[prop_or_default]
    pub fact: Option<String>,
}

fn prefers_reduced_motion() -> bool {
    web_sys::window()
        .and_then(|w| w.match_media("(prefers-reduced-motion: reduce)").ok().flatten())
        .is_some_and(|m| m.matches())
}

/// Scroll the list (only the list, never the page) so its current entry is visible: smoothly,
/// or at once under `prefers-reduced-motion`.
fn scroll_current_into_view(list: &web_sys::Element) {
    use wasm_bindgen::JsCast;
    let Ok(Some(cur)) = list.query_selector("li.current") else { return };
    let Ok(cur) = cur.dyn_into::<web_sys::HtmlElement>() else { return };
    let (top, h) = (f64::from(cur.offset_top()), f64::from(cur.offset_height()));
    let (view, view_h) = (f64::from(list.scroll_top()), f64::from(list.client_height()));
    let to = if top < view {
        top
    } else if top + h > view + view_h {
        top + h - view_h
    } else {
        return;
    };
    let opts = web_sys::ScrollToOptions::new();
    opts.set_top(to);
    // Smooth for a short move; at once for long jumps (playing fast, seeking) or reduced motion.
    let smooth = !prefers_reduced_motion() && (to - view).abs() < view_h;
    opts.set_behavior(if smooth { web_sys::ScrollBehavior::Smooth } else { web_sys::ScrollBehavior::Instant });
    list.scroll_to_with_scroll_to_options(&opts);
}

#[function_component(EventLog)]
pub fn event_log(p: &Props) -> Html {
    let lang = use_context::<Lang>().unwrap_or(Lang::En);
    let list = use_node_ref();
    {
        let list = list.clone();
        // #14: not during the step's render (reading offsetTop there forces a layout of the page
        // being changed): in the next animation frame, when the layout is done anyway.
        use_effect_with((p.first_step, p.current), move |_| {
            if let Some(el) = list.cast::<web_sys::Element>() {
                crate::hooks::playback::next_frame(move || scroll_current_into_view(&el));
            }
        });
    }
    let items = p.entries.iter().enumerate().map(|(i, text)| {
        let on_select = p.on_select.clone();
        let current = i + 1 == p.current;
        let done = i < p.current;
        html! {
            <li class={classes!(current.then_some("current"), done.then_some("done"))}>
                <button class="log-entry" aria-current={current.then_some("step")}
                        onclick={Callback::from(move |_| on_select.emit(i))}>
                    <span class="log-step">{ p.first_step + i as u64 + 1 }</span>
                    { code_text(text) }
                </button>
            </li>
        }
    });
    html! {
        <section class="panel" data-panel="log" aria-label={t(lang, "ui.event_log")}>
            <h2>{ t(lang, "ui.event_log") }</h2>
            if let Some(f) = &p.fact { <p id="log-fact" class="log-fact">{ f.clone() }</p> }
            <ol id="event-log" class="event-log" ref={list}>{ for items }</ol>
        </section>
    }
}
