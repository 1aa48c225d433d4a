//! The app shell: the reducer ([`crate::state`]), its hooks ([`crate::hooks`]) and the
//! components ([`crate::components`]) put together.

use yew::prelude::*;

use crate::components::{
    controls::Controls,
    header::AppHeader,
    mode_panel::{read_trace, ModePanel, SandboxTools},
    stage::Stage,
};
use crate::doc::Mode;
use crate::hooks;
use crate::i18n::{t, tf, Lang};
use crate::lesson;
use crate::state::initial_state;

#[function_component(App)]
pub fn app() -> Html {
    let state = use_reducer(initial_state);
    hooks::use_keyboard(state.dispatcher());
    hooks::use_playback(&state);
    hooks::use_chunked_work(&state);
    hooks::use_document_settings(state.lang, state.theme);
    hooks::use_url_sync(&state);

    let lang: Lang = state.lang;
    let embed = state.params.embed;
    // Panels to show: in a frame the `panels=` parameter or the lesson step's choice (plus the
    // playback bar unless `controls=0`); in the Lessons mode the step's choice plus the playback
    // bar; everything otherwise.
    let panels: Vec<String> = match &state.lesson {
        Some(run) if embed || state.mode == Mode::Lessons => {
            let mut p = match &state.params.panels {
                Some(p) if embed => p.clone(),
                _ => run.borrow().panels(),
            };
            if !embed || state.params.controls {
                p.push("controls".into());
            }
            p
        }
        _ => Vec::new(),
    };
    let panel_style = lesson::panel_css(&panels);
    let param_errors = (!state.param_errors.is_empty()).then(|| {
        html! {
            <section id="param-errors" class="notice param-errors" role="alert">
                <h2>{ t(lang, "embed.bad_params") }</h2>
                <ul>{ for state.param_errors.iter().map(|e| html! { <li>{ e.clone() }</li> }) }</ul>
            </section>
        }
    });
    let on_dragover = Callback::from(|e: DragEvent| e.prevent_default());
    let on_drop = {
        let read = read_trace(state.dispatcher());
        Callback::from(move |e: DragEvent| {
            e.prevent_default();
            if let Some(file) = e.data_transfer().and_then(|d| d.files()).and_then(|f| f.get(0)) {
                read(file);
            }
        })
    };
    html! {
        <ContextProvider<Lang> context={lang}>
        <main id="app" class={classes!(embed.then_some("embed"))} data-embed={embed.then_some("1")}
              ondragover={on_dragover} ondrop={on_drop}>
            <style>{ panel_style }</style>
            if !embed {
                <AppHeader state={state.clone()} />
            }
            { param_errors }
            if let Some(n) = &state.notice {
                <p id="notice" class="notice" role="status">{ tf(lang, "ui.notice", &[("text", n.clone())]) }</p>
            }
            if state.help {
                <section id="shortcuts" class="panel shortcuts" aria-label={t(lang, "ui.shortcuts")}>
                    <h2>{ t(lang, "ui.shortcuts") }</h2>
                    <p>{ t(lang, "ui.shortcuts_text") }</p>
                </section>
            }
            <div id="mode-panel" role="tabpanel" aria-labelledby={format!("mode-{}", state.mode.code())} data-mode={state.mode.code()}>
                <ModePanel state={state.clone()} />
                if state.mode == Mode::Sandbox {
                    <SandboxTools state={state.clone()} />
                }
            </div>
            <Controls state={state.clone()} />
            <Stage state={state.clone()} />
        </main>
        </ContextProvider<Lang>>
    }
}
