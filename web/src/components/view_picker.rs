//! The views one click away: a toggle per view (pressed = shown). A choice holds for the mode
//! (for every step of a lesson); the views never clicked follow the defaults (`state::views`).
//! "Reset" forgets the choices. On a narrow screen the chips are one scrolling line.

use yew::prelude::*;

use crate::doc::Mode;
use crate::i18n::{t, Lang};
use crate::state::{views, Action, State};

/// Just what the picker shows (s12-compare): a step does not render it.
#[derive(Properties, PartialEq)]
pub struct Props {
    pub mode: Mode,
    /// The views shown.
    pub shown: Vec<String>,
    /// The user chose views in this scope ("Reset" is offered).
    pub chosen: bool,
    pub dispatcher: UseReducerDispatcher<State>,
}

#[function_component(ViewPicker)]
pub fn view_picker(p: &Props) -> Html {
    let lang = use_context::<Lang>().unwrap_or(Lang::En);
    let shown = &p.shown;
    let chips = views::mode_choices(p.mode).map(|v| {
        let on = shown.iter().any(|s| s == v);
        let d = p.dispatcher.clone();
        let onclick = Callback::from(move |_| d.dispatch(Action::ToggleView(v.to_string())));
        html! {
            <button class="view-chip" data-view-toggle={v} aria-pressed={on.to_string()} {onclick}>
                { t(lang, &format!("view.{v}")) }
            </button>
        }
    });
    let hint = if p.mode == Mode::Lessons { "ui.views_lesson_hint" } else { "ui.views_hint" };
    let reset = p.chosen.then(|| {
        let d = p.dispatcher.clone();
        html! {
            <button id="views-reset" class="view-chip view-reset" title={t(lang, "ui.views_reset_hint")}
                    onclick={Callback::from(move |_| d.dispatch(Action::ResetViews))}>
                { t(lang, "ui.views_reset") }
            </button>
        }
    });
    html! {
        <div id="view-picker" class="view-picker" role="group" aria-label={t(lang, hint)} title={t(lang, hint)}>
            <span class="view-picker-label" aria-hidden="true">{ t(lang, "ui.views") }</span>
            { for chips }
            { reset }
        </div>
    }
}
