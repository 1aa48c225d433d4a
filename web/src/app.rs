//! The app shell: the reducer ([`crate::state`]), its hooks ([`crate::hooks`]) and the
//! components ([`crate::components`]) put together as an instrument: the picture (the step's
//! views) in one pane, the narration, question and controls in the other (see styles/app.css).

use yew::prelude::*;

use crate::components::{
    controls::Controls,
    header::AppHeader,
    mode_panel::{read_trace, ModePanel, SandboxTools, ToolsDeps},
    stage::Stage,
    view_picker::ViewPicker,
};
use crate::doc::Mode;
use crate::hooks;
use crate::i18n::{t, tf, Lang};
use crate::lesson;
use crate::state::initial_state;
use crate::views::compare::CompareCtx;
use crate::views::export::ExportName;

#[function_component(App)]
pub fn app() -> Html {
    let state = use_reducer(initial_state);
    hooks::use_keyboard(state.dispatcher());
    hooks::use_playback(&state);
    hooks::use_chunked_work(&state);
    hooks::use_document_settings(state.lang, state.theme);
    hooks::use_url_sync(&state);
    hooks::use_drop_retired(state.session.clone(), state.compare.run.clone());
    hooks::use_resize_report(state.params.embed);
    hooks::use_score_post(state.exercises.clone());
    crate::state::trace::use_trace_restore(&state);

    let lang: Lang = state.lang;
    let embed = state.params.embed;
    let views = state.views();
    // No picture: the lesson index, an empty trace mode, a frame without a lesson.
    let has_stage = state.default_views().is_some();
    let show_controls = has_stage && (!embed || state.params.controls);
    let panel_style = lesson::panel_css(&views);
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
    let no_lesson_card = (embed && state.lesson.is_none() && state.exercises.current.is_none()).then(|| {
        let lessons = lesson::catalog();
        html! {
            <section id="embed-error" class="panel embed-error" role="alert">
                <h1>{ t(lang, "embed.no_lesson") }</h1>
                <p>{ t(lang, "embed.pick") }</p>
                <ul class="lesson-ids">
                    { for lessons.iter().map(|l| html! {
                        <li><code>{ l.id.clone() }</code>{ " — " }{ l.title.get(lang.code()).to_string() }</li>
                    }) }
                </ul>
                { crate::views::exercise::embeddable_kinds(lang) }
            </section>
        }
    });
    let classes = classes!(
        "instrument",
        embed.then_some("embed"),
        (!has_stage).then_some("no-stage"),
        (!show_controls).then_some("no-controls")
    );
    // Exported files are named after the lesson (or the mode) and the step.
    let shown = state.lesson.as_ref().filter(|_| has_stage).map(|r| r.borrow().lesson.id.clone());
    let export_name = ExportName::new(shown.as_deref().unwrap_or(state.mode.code()), state.session.borrow().step());
    html! {
        <ContextProvider<Lang> context={lang}>
        <ContextProvider<ExportName> context={export_name}>
        <ContextProvider<CompareCtx> context={CompareCtx(state.compare.clone())}>
        <main id="app" class={classes} data-embed={embed.then_some("1")} data-mode={state.mode.code()}
              ondragover={on_dragover} ondrop={on_drop}>
            <style>{ panel_style }</style>
            if !embed {
                <AppHeader mode={state.mode} theme={state.theme} help={state.help} copied={state.copied}
                           dispatcher={state.dispatcher()} />
            }
            if embed { <h1 class="sr-only">{ t(lang, "app.title") }</h1> }
            <div class="workspace">
                <div id="side" class="side" role="region" aria-label={t(lang, "ui.side")} tabindex="0">
                    { param_errors }
                    if let Some(n) = &state.notice {
                        <p id="notice" class="notice" role="status">{ tf(lang, "ui.notice", &[("text", n.clone())]) }</p>
                    }
                    // An address's document or an uploaded file being built in chunks (reliab, issue 16).
                    if let Some((done, total)) = state.building.as_ref().and_then(|b| b.borrow().as_ref().filter(|b| b.purpose != crate::doc::Purpose::Sandbox).map(crate::doc::Builder::progress)) {
                        <p id="build-progress" class="notice" role="status">{ t(lang, "ui.build.busy") }
                            <progress max={total.to_string()} value={done.to_string()} aria-label={t(lang, "ui.build.busy")}></progress></p>
                    }
                    if state.help {
                        <section id="shortcuts" class="panel shortcuts" aria-label={t(lang, "ui.shortcuts")}>
                            <h2>{ t(lang, "ui.shortcuts") }</h2>
                            <p>{ t(lang, "ui.shortcuts_text") }</p>
                        </section>
                    }
                    if let Some(card) = no_lesson_card {
                        { card }
                    } else {
                        <div id="mode-panel" role="tabpanel" aria-labelledby={format!("mode-{}", state.mode.code())} data-mode={state.mode.code()}>
                            <ModePanel state={state.clone()} />
                            if state.mode == Mode::Sandbox && !embed {
                                <details id="tools" class="tools-drawer">
                                    <summary>{ t(lang, "ui.tools") }</summary>
                                    <SandboxTools state={state.clone()} deps={ToolsDeps::of(&state)} />
                                </details>
                            }
                        </div>
                    }
                </div>
                <div id="controls-bar" class="controls-bar" hidden={!show_controls}>
                    <Controls state={state.clone()} />
                </div>
                <div id="stage" class="stage" role="region" aria-label={t(lang, "ui.stage")} hidden={!has_stage} tabindex="0"
                     data-views={views.join(",")}>
                    if !embed && has_stage {
                        <ViewPicker mode={state.mode} shown={views.clone()} chosen={state.has_view_choices()}
                                    dispatcher={state.dispatcher()} />
                    }
                    <Stage state={state.clone()} />
                </div>
            </div>
        </main>
        </ContextProvider<CompareCtx>>
        </ContextProvider<ExportName>>
        </ContextProvider<Lang>>
    }
}
