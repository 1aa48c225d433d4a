//! The views one click away: a toggle per view (pressed = shown), remembered per mode.

use yew::prelude::*;

use crate::i18n::{t, Lang};
use crate::state::{views, Action};

pub use super::StateProps as Props;

#[function_component(ViewPicker)]
pub fn view_picker(p: &Props) -> Html {
    let lang = use_context::<Lang>().unwrap_or(Lang::En);
    let shown = p.state.views();
    let chips = views::mode_choices(p.state.mode).map(|v| {
        let on = shown.iter().any(|s| s == v);
        let d = p.state.dispatcher();
        let onclick = Callback::from(move |_| d.dispatch(Action::ToggleView(v.to_string())));
        html! {
            <button class="view-chip" data-view-toggle={v} aria-pressed={on.to_string()} {onclick}>
                { t(lang, &format!("view.{v}")) }
            </button>
        }
    });
    html! {
        <div id="view-picker" class="view-picker" role="group" aria-label={t(lang, "ui.views_hint")}>
            <span class="view-picker-label" aria-hidden="true">{ t(lang, "ui.views") }</span>
            { for chips }
        </div>
    }
}
