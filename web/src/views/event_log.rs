//! The event log of the current operation: one sentence per micro-event; the current one is
//! marked; clicking an entry jumps to that step.

use yew::prelude::*;

use crate::i18n::{t, Lang};

#[derive(Properties, PartialEq)]
pub struct Props {
    /// Sentences of the current op's events.
    pub entries: Vec<String>,
    /// How many of them are applied (the current one is `current - 1`).
    pub current: usize,
    /// Step number before the op's first event.
    pub first_step: u64,
    pub on_select: Callback<usize>,
    pub lang: Lang,
}

#[function_component(EventLog)]
pub fn event_log(p: &Props) -> Html {
    let items = p.entries.iter().enumerate().map(|(i, text)| {
        let on_select = p.on_select.clone();
        let current = i + 1 == p.current;
        let done = i < p.current;
        html! {
            <li class={classes!(current.then_some("current"), done.then_some("done"))}>
                <button class="log-entry" aria-current={current.then_some("step")}
                        onclick={Callback::from(move |_| on_select.emit(i))}>
                    <span class="log-step">{ p.first_step + i as u64 + 1 }</span>
                    { text.clone() }
                </button>
            </li>
        }
    });
    html! {
        <section class="panel" aria-label={t(p.lang, "ui.event_log")}>
            <h2>{ t(p.lang, "ui.event_log") }</h2>
            <ol id="event-log" class="event-log">{ for items }</ol>
        </section>
    }
}
