//! What each mode puts beside the picture: the lesson index or player (with the embed code),
//! the sandbox's command bar and tools, the trace mode's file picker and summary.

use slabscope_core::machine::MachineConfig;
use slabscope_core::script;
use wasm_bindgen::JsCast;
use yew::prelude::*;

use super::embed_builder::EmbedBuilder;
use super::util::list_len;
use crate::doc::{self, Mode, Workload};
use crate::i18n::{t, Lang};
use crate::state::{Action, State};
use crate::views::lessons::{LessonMsg, LessonsPanel};
use crate::views::sandbox_panel::SandboxPanel;

pub use super::StateProps as Props;

/// Stream a dropped or picked trace file (gzip or text) into the page (`state::trace`).
pub fn read_trace(d: UseReducerDispatcher<State>) -> impl Fn(web_sys::File) + Clone {
    move |file: web_sys::File| {
        let name = file.name();
        crate::state::trace::open_blob(d.clone(), file.into(), name, None, true);
    }
}

#[function_component(ModePanel)]
pub fn mode_panel(p: &Props) -> Html {
    let lang = use_context::<Lang>().unwrap_or(Lang::En);
    let state = &p.state;
    let command_ref = use_node_ref();
    let history_pos = use_mut_ref(|| 0usize);
    let embed = state.params.embed;
    match state.mode {
        Mode::Lessons => {
            let on_lesson = {
                let d = state.dispatcher();
                Callback::from(move |m: LessonMsg| d.dispatch(Action::Lesson(m)))
            };
            html! {
                <>
                    <LessonsPanel run={state.lesson.clone()} progress={state.progress.clone()}
                                  version={state.version} embed={embed} controls={state.params.controls} on={on_lesson} />
                    if state.lesson.as_ref().is_some_and(|r| !r.borrow().lesson.compare.is_empty()) && !embed {
                        <button id="lesson-compare" onclick={{
                            let d = state.dispatcher();
                            Callback::from(move |_| d.dispatch(Action::Compare(crate::state::compare::CompareMsg::FromLesson)))
                        }}>{ t(lang, "compare.from_lesson") }</button>
                    }
                    if state.lesson.is_some() && !embed {
                        <EmbedBuilder state={state.clone()} />
                    }
                </>
            }
        }
        Mode::Sandbox => {
            let on_command = {
                let d = state.dispatcher();
                let input = command_ref.clone();
                let history_pos = history_pos.clone();
                let len = state.history.len();
                Callback::from(move |e: SubmitEvent| {
                    e.prevent_default();
                    if let Some(el) = input.cast::<web_sys::HtmlInputElement>() {
                        d.dispatch(Action::Command(el.value()));
                        el.set_value("");
                        *history_pos.borrow_mut() = len + 1;
                    }
                })
            };
            let on_command_key = {
                let history = state.history.clone();
                let input = command_ref.clone();
                Callback::from(move |e: KeyboardEvent| {
                    let Some(el) = input.cast::<web_sys::HtmlInputElement>() else { return };
                    let mut pos = history_pos.borrow_mut();
                    *pos = (*pos).min(history.len());
                    match e.key().as_str() {
                        "ArrowUp" if *pos > 0 => *pos -= 1,
                        "ArrowDown" if *pos < history.len() => *pos += 1,
                        _ => return,
                    }
                    e.prevent_default();
                    el.set_value(history.get(*pos).map_or("", String::as_str));
                })
            };
            html! {
                <>
                    <form id="command-bar" class="command-bar" onsubmit={on_command}>
                        <label for="command">{ t(lang, "ui.command") }</label>
                        <input id="command" ref={command_ref} type="text" autocomplete="off" spellcheck="false"
                               placeholder={t(lang, "ui.command_hint")} onkeydown={on_command_key}
                               aria-invalid={state.command_error.is_some().to_string()} aria-describedby="command-error" />
                        <button id="run" type="submit">{ t(lang, "ui.run") }</button>
                    </form>
                    <p id="command-error" class="command-error" role="alert">{ state.command_error.clone().unwrap_or_default() }</p>
                </>
            }
        }
        Mode::Exercises => html! { <crate::views::exercise::ExercisePanel state={state.clone()} /> },
        Mode::Compare => html! { <crate::views::compare::ComparePanel state={state.clone()} /> },
        Mode::Trace => {
            let on_file = {
                let read = read_trace(state.dispatcher());
                Callback::from(move |e: Event| {
                    let Some(input) = e.target().and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok()) else {
                        return;
                    };
                    if let Some(file) = input.files().and_then(|f| f.get(0)) {
                        read(file);
                    }
                })
            };
            html! {
                <section id="trace-panel" class="panel" data-panel="trace">
                    <h2>{ t(lang, "ui.trace.heading") }</h2>
                    <p>{ crate::views::rich::code_text(&t(lang, "ui.trace.help")) }</p>
                    <label class="file-button">
                        { t(lang, "ui.open_trace") }
                        <input id="trace-file" type="file" accept=".txt,.gz,.perf" onchange={on_file} />
                    </label>
                    <crate::views::trace_panel::TraceStatus state={state.clone()} />
                </section>
            }
        }
    }
}

/// What the sandbox tools show: the session (its identity and op count: the lists' lengths are
/// its head's), the document, the build's progress, the last error.
#[derive(Clone, PartialEq)]
pub struct ToolsDeps {
    session: (usize, usize),
    doc: Option<usize>,
    building: Option<(usize, usize)>,
    error: Option<String>,
}

impl ToolsDeps {
    pub fn of(state: &State) -> ToolsDeps {
        ToolsDeps {
            session: (std::rc::Rc::as_ptr(&state.session) as usize, state.session.borrow().op_count()),
            doc: state.doc.as_ref().map(|d| std::rc::Rc::as_ptr(d) as usize),
            building: state.building.as_ref().and_then(|b| b.borrow().as_ref().map(doc::Builder::progress)),
            error: state.sandbox_error.clone(),
        }
    }
}

#[derive(Properties)]
pub struct ToolsProps {
    /// Read when rendered (the handle reads the newest state).
    pub state: UseReducerHandle<State>,
    pub deps: ToolsDeps,
}

/// Equal while what the tools show is (s12-compare: a step, which changes none of it, does not
/// render the tools and their forms).
impl PartialEq for ToolsProps {
    fn eq(&self, o: &Self) -> bool {
        self.deps == o.deps
    }
}

/// The sandbox's tools that are not the picture: common operations, the workload generator,
/// the machine configuration, script download and upload.
#[function_component(SandboxTools)]
pub fn sandbox_tools(p: &ToolsProps) -> Html {
    let state = &p.state;
    let dispatch_cb = |f: fn(String) -> Action| {
        let d = state.dispatcher();
        Callback::from(move |s: String| d.dispatch(f(s)))
    };
    let on_workload = {
        let d = state.dispatcher();
        Callback::from(move |w: Workload| d.dispatch(Action::Workload(w)))
    };
    let on_upload = {
        let d = state.dispatcher();
        Callback::from(move |(name, text): (String, String)| d.dispatch(Action::Upload(name, text)))
    };
    let export = {
        let session = state.session.clone();
        let doc = state.doc.clone();
        Callback::from(move |()| {
            let s = session.borrow();
            match &doc {
                Some(d) => d.export(&s),
                // A trace: its simulated ops, spelled out.
                None => {
                    let cfg = script::config_text(s.config());
                    let mut out = if cfg.is_empty() { String::new() } else { format!("config {cfg}\n") };
                    for k in 0..s.op_count() {
                        if let Some(op) = s.op(k) {
                            out.push_str(&op.to_script(s.names()));
                            out.push('\n');
                        }
                    }
                    out
                }
            }
        })
    };
    let lists = {
        let s = state.session.borrow();
        [list_len(&s, "pg"), list_len(&s, "obj"), list_len(&s, "blk")]
    };
    let default_config = MachineConfig::default();
    let doc_config = state.doc.as_ref().map_or(&default_config, |d| &d.config).clone();
    html! {
        <SandboxPanel config={doc_config} workload={state.doc.as_ref().and_then(|d| d.workload.clone())}
                      lists={lists} error={state.sandbox_error.clone()} on_command={dispatch_cb(Action::Command)}
                      on_workload={on_workload} on_config={dispatch_cb(Action::Configure)} on_upload={on_upload} export={export}
                      building={state.building.as_ref().and_then(|b| b.borrow().as_ref().map(doc::Builder::progress))} />
    }
}
