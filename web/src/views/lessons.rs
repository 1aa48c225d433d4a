//! Lessons mode (placeholder: the lesson player replaces this file).

use yew::prelude::*;

use crate::i18n::{t, Lang};

#[function_component]
pub fn LessonsPanel() -> Html {
    let lang = use_context::<Lang>().unwrap_or(Lang::En);
    html! {
        <section id="lessons" class="panel" data-panel="lessons">
            <h2>{ t(lang, "ui.lessons_heading") }</h2>
        </section>
    }
}
