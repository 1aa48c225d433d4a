//! The Exercises mode's side panel and the exercise embed (issue 20): the picker (kind from the
//! core's `KINDS`, level, seed typed or random), the exercise (machine, operations already done,
//! the operations asked about, the question), an answer widget per answer shape, the grade with
//! the student's prediction next to the simulation's answer, the explanation (the step controls
//! then move through the asked operations in the normal views), and an embed's score card.
//! Questions, choices, answers and explanations are the core's texts (`exercise::text`); the
//! rest comes from the i18n catalogue.

use std::rc::Rc;

use slabscope_core::event::EntityRef;
use slabscope_core::exercise::{self, text, Answer, Exercise, ExerciseError, Response, KINDS, MAX_LEVEL};
use slabscope_core::machine::NR_PAGE_ORDERS;
use wasm_bindgen::JsCast;
use yew::prelude::*;

use crate::components::StateProps;
use crate::i18n::{t, tf, Lang};
use crate::state::exercise::{random_seed, Current, ExerciseMsg};
use crate::state::Action;
use crate::views::rich::code_text;

/// A core catalogue word (`ex.ui.question`, a kind's title…) in the UI language.
fn word(key: &str, lang: Lang) -> String {
    text::word(key, lang.code()).to_string()
}

/// The lessons' "no such lesson" card also lists the exercise kinds a frame can show.
pub fn embeddable_kinds(lang: Lang) -> Html {
    html! {
        <>
            <p>{ t(lang, "ex.embed_pick") }</p>
            <ul class="lesson-ids exercise-ids">
                { for KINDS.iter().map(|k| html! {
                    <li><code>{ k.id }</code>{ " — " }{ word(k.title, lang) }</li>
                }) }
            </ul>
        </>
    }
}

#[function_component(ExercisePanel)]
pub fn exercise_panel(p: &StateProps) -> Html {
    let lang = use_context::<Lang>().unwrap_or(Lang::En);
    let state = &p.state;
    let on = {
        let d = state.dispatcher();
        Callback::from(move |m: ExerciseMsg| d.dispatch(Action::Exercise(m)))
    };
    let exs = &state.exercises;
    let embed = state.params.embed;
    let current = exs.current.clone();
    // A new exercise (not the first one shown): keyboard focus goes to its title.
    let shown = current.as_ref().map(|c| (c.ex.kind, c.ex.seed, c.ex.level, c.index));
    let first = use_mut_ref(|| true);
    use_effect_with(shown, move |_| {
        if !std::mem::replace(&mut *first.borrow_mut(), false) {
            if let Some(el) = gloo::utils::document()
                .get_element_by_id("ex-title")
                .and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok())
            {
                let _ = el.focus();
            }
        }
    });
    // The cross-platform fingerprint of the generators (compared with `slabscope exercise
    // --hash` by the browser suite), computed after the first paint.
    let fingerprint = use_state(|| None::<String>);
    {
        let fingerprint = fingerprint.clone();
        use_effect_with((), move |_| {
            fingerprint.set(Some(exercise::fingerprint().map_or_else(|e| e.to_string(), |h| format!("{h:016x}"))));
        });
    }
    let (score, max) = exs.score();
    let picker = (!embed).then(|| {
        let (kind, level, seed) = current.as_ref().map_or((KINDS[0].id, 1, 1), |c| (c.ex.kind, c.ex.level, c.ex.seed));
        html! { <Picker kind={kind} level={level} seed={seed} on={on.clone()} /> }
    });
    let progress = match (&exs.tally, &current) {
        (Some(_), Some(c)) if !exs.finished => Some(tf(
            lang,
            "ex.progress",
            &[("n", (c.index + 1).to_string()), ("count", max.to_string()), ("score", score.to_string())],
        )),
        (None, _) if exs.answered > 0 => {
            Some(tf(lang, "ex.tally", &[("right", score.to_string()), ("answered", max.to_string())]))
        }
        _ => None,
    };
    let body = if exs.finished {
        score_card(lang, exs)
    } else if let Some(c) = &current {
        let set_end = exs.tally.as_ref().map(|t| t.done());
        card(lang, c, state.selection, set_end, &on)
    } else {
        Html::default()
    };
    html! {
        <section id="exercise-panel" class={classes!("panel", "exercise-panel", embed.then_some("embedded"))}
                 data-view="exercise" aria-label={t(lang, "ex.heading")}>
            { picker.unwrap_or_default() }
            if let Some(e) = &exs.error {
                <p id="ex-error" class="kernel-error" role="alert">{ e.clone() }</p>
            }
            if let Some(text) = progress {
                <p id="ex-progress" class="ex-progress" role="status">{ text }</p>
            }
            { body }
            <footer id="ex-fingerprint" hidden=true data-hash={(*fingerprint).clone()}></footer>
        </section>
    }
}

#[derive(Properties, PartialEq)]
struct PickerProps {
    kind: &'static str,
    level: u8,
    seed: u64,
    on: Callback<ExerciseMsg>,
}

/// Kind, level and seed; "open" takes the typed seed, "new exercise" a random one.
#[function_component(Picker)]
fn picker(p: &PickerProps) -> Html {
    let lang = use_context::<Lang>().unwrap_or(Lang::En);
    let (kind_ref, level_ref, seed_ref) = (use_node_ref(), use_node_ref(), use_node_ref());
    let error = use_state(|| None::<String>);
    let read = {
        let (kind_ref, level_ref) = (kind_ref.clone(), level_ref.clone());
        move || {
            let kind = kind_ref.cast::<web_sys::HtmlSelectElement>().map(|s| s.value()).unwrap_or_default();
            let level =
                level_ref.cast::<web_sys::HtmlSelectElement>().and_then(|s| s.value().parse().ok()).unwrap_or(1);
            (kind, level)
        }
    };
    let on_open = {
        let (on, read, seed_ref, error) = (p.on.clone(), read.clone(), seed_ref.clone(), error.clone());
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let text = seed_ref.cast::<web_sys::HtmlInputElement>().map(|i| i.value()).unwrap_or_default();
            match exercise::parse_seed(&text) {
                Ok(seed) => {
                    error.set(None);
                    let (kind, level) = read();
                    on.emit(ExerciseMsg::Open { kind, level, seed });
                }
                Err(_) => error.set(Some(tf(lang, "ex.bad_seed", &[("value", text)]))),
            }
        })
    };
    let on_new = {
        let (on, error) = (p.on.clone(), error.clone());
        Callback::from(move |_: MouseEvent| {
            error.set(None);
            let (kind, level) = read();
            on.emit(ExerciseMsg::Open { kind, level, seed: random_seed() });
        })
    };
    html! {
        <form id="ex-picker" class="ex-picker" onsubmit={on_open} aria-label={t(lang, "ex.pick")}>
            <label for="ex-kind">{ t(lang, "ex.kind") }</label>
            <select id="ex-kind" ref={kind_ref}>
                { for KINDS.iter().map(|k| html! {
                    <option value={k.id} selected={k.id == p.kind}>{ word(k.title, lang) }</option>
                }) }
            </select>
            <span class="ex-picker-row">
                <label for="ex-level">{ t(lang, "ex.level") }</label>
                <select id="ex-level" ref={level_ref}>
                    { for (1..=MAX_LEVEL).map(|l| html! {
                        <option value={l.to_string()} selected={l == p.level}>{ tf(lang, "ex.level_n", &[("n", l.to_string())]) }</option>
                    }) }
                </select>
                <label for="ex-seed">{ t(lang, "ex.seed") }</label>
                <input id="ex-seed" ref={seed_ref} type="text" inputmode="numeric" autocomplete="off" spellcheck="false"
                       size="10" value={p.seed.to_string()} aria-invalid={error.is_some().to_string()}
                       aria-describedby="ex-seed-error" />
            </span>
            <span class="ex-picker-row">
                <button id="ex-open" type="submit">{ t(lang, "ex.open") }</button>
                <button id="ex-new" type="button" onclick={on_new}>{ t(lang, "ex.new") }</button>
            </span>
            <p id="ex-seed-error" class="command-error" role="alert">{ (*error).clone().unwrap_or_default() }</p>
        </form>
    }
}

/// The exercise: what is done, what comes, the question, the answer widget or the grade.
fn card(
    lang: Lang,
    c: &Current,
    selection: Option<EntityRef>,
    set_end: Option<bool>,
    on: &Callback<ExerciseMsg>,
) -> Html {
    let ex = &c.ex;
    let code = lang.code();
    let config = ex.script.lines().next().unwrap_or("").to_string();
    let (done, then) = ex.op_lines();
    let ops = |id: &str, label: &str, start: usize, list: Vec<&str>| {
        (!list.is_empty()).then(|| {
            html! {
                <>
                    <dt>{ word(label, lang) }</dt>
                    <dd><ol id={id.to_string()} class="ex-ops" start={start.to_string()}>
                        { for list.iter().map(|op| html! { <li><code>{ op.to_string() }</code></li> }) }
                    </ol></dd>
                </>
            }
        })
    };
    let state = match &c.graded {
        None => "open",
        Some((_, g)) if g.correct => "right",
        Some(_) => "wrong",
    };
    let answer = match &c.graded {
        None => {
            let key = format!("{}-{}-{}-{}", ex.kind, ex.seed, ex.level, c.index);
            html! { <AnswerForm {key} ex={ex.clone()} selection={selection} on={on.clone()} /> }
        }
        Some((r, g)) => feedback(lang, ex, r, g.correct, set_end, on),
    };
    html! {
        <article id="exercise" class="exercise" data-kind={ex.kind} data-seed={ex.seed.to_string()}
                 data-level={ex.level.to_string()} data-state={state} data-index={c.index.to_string()}
                 aria-labelledby="ex-title">
            <h2 id="ex-title" tabindex="-1">{ word(ex.title_key(), lang) }</h2>
            <p class="ex-meta">{ tf(lang, "ex.meta", &[("kind", ex.kind.to_string()), ("seed", ex.seed.to_string()), ("level", ex.level.to_string())]) }</p>
            <dl class="ex-setup">
                <dt>{ word("ex.ui.machine", lang) }</dt>
                <dd><code id="ex-config">{ config }</code></dd>
                { ops("ex-done", "ex.ui.done", 1, done.clone()).unwrap_or_default() }
                { ops("ex-then", "ex.ui.then", done.len() + 1, then).unwrap_or_default() }
            </dl>
            <h3 class="ex-question-h">{ word("ex.ui.question", lang) }</h3>
            <p id="ex-question" class="ex-question">{ code_text(&ex.question.render(code)) }</p>
            { answer }
        </article>
    }
}

/// The core's complaint about a typed answer, in the UI language.
fn answer_error(lang: Lang, e: &ExerciseError) -> String {
    match e {
        ExerciseError::BadAnswer { expected, text, .. } => tf(
            lang,
            "ex.bad_answer",
            &[("text", text.clone()), ("what", t(lang, &format!("ex.expect.{}", expected.as_str())))],
        ),
        ExerciseError::NoSuchChoice { text, choices } => {
            tf(lang, "ex.bad_choice", &[("text", text.clone()), ("n", choices.to_string())])
        }
        other => other.to_string(),
    }
}

/// The pfn a click in the memory map or the free lists names.
fn selected_pfn(selection: Option<EntityRef>) -> Option<u32> {
    match selection? {
        EntityRef::Page { pfn } | EntityRef::Block { pfn, .. } | EntityRef::Slab { pfn, .. } => Some(pfn),
        _ => None,
    }
}

#[derive(Properties, PartialEq)]
struct AnswerProps {
    ex: Rc<Exercise>,
    selection: Option<EntityRef>,
    on: Callback<ExerciseMsg>,
}

/// One widget per answer shape: choice buttons; a number; a `/proc/buddyinfo` row of boxes; a
/// set of pfns; an object from the list. A click in the views (a page, an object) fills it in.
#[function_component(AnswerForm)]
fn answer_form(p: &AnswerProps) -> Html {
    let lang = use_context::<Lang>().unwrap_or(Lang::En);
    let ex = p.ex.clone();
    let error = use_state(|| None::<String>);
    let input = use_node_ref();
    let boxes: Vec<NodeRef> = (0..NR_PAGE_ORDERS).map(|_| NodeRef::default()).collect();
    let boxes = use_mut_ref(move || boxes).borrow().clone();
    let buddy = exercise::kind(ex.kind).is_ok_and(|k| k.area == "buddy");
    // A click in the views becomes the answer being typed: a page's pfn (buddy questions), an
    // object's address.
    {
        let (input, ex) = (input.clone(), ex.clone());
        use_effect_with(p.selection, move |sel| {
            let (pfn, addr) = (
                selected_pfn(*sel),
                match sel {
                    Some(EntityRef::Object { addr, .. }) => Some(*addr),
                    _ => None,
                },
            );
            match &ex.answer {
                Answer::Number { .. } if buddy => {
                    if let (Some(pfn), Some(el)) = (pfn, input.cast::<web_sys::HtmlInputElement>()) {
                        el.set_value(&pfn.to_string());
                    }
                }
                Answer::Row { unordered: true, .. } if buddy => {
                    if let (Some(pfn), Some(el)) = (pfn, input.cast::<web_sys::HtmlInputElement>()) {
                        let mut words: Vec<String> = el.value().split_whitespace().map(String::from).collect();
                        if !words.contains(&pfn.to_string()) {
                            words.push(pfn.to_string());
                        }
                        el.set_value(&words.join(" "));
                    }
                }
                Answer::Object { candidates, .. } => {
                    if let (Some(a), Some(el)) = (addr, input.cast::<web_sys::HtmlSelectElement>()) {
                        if candidates.contains(&a) {
                            el.set_value(&format!("{a:#x}"));
                        }
                    }
                }
                _ => {}
            }
        });
    }
    let submit_text = {
        let (ex, error, on) = (ex.clone(), error.clone(), p.on.clone());
        move |text: String| match ex.parse_response(&text) {
            Ok(r) => {
                error.set(None);
                on.emit(ExerciseMsg::Answer(r));
            }
            Err(e) => error.set(Some(answer_error(lang, &e))),
        }
    };
    let on_submit = {
        let (input, boxes, ex, submit_text) = (input.clone(), boxes.clone(), ex.clone(), submit_text.clone());
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let text = match &ex.answer {
                Answer::Row { unordered: false, .. } => boxes
                    .iter()
                    .map(|b| {
                        let v = b.cast::<web_sys::HtmlInputElement>().map(|i| i.value()).unwrap_or_default();
                        if v.trim().is_empty() {
                            "0".to_string()
                        } else {
                            v.trim().to_string()
                        }
                    })
                    .collect::<Vec<_>>()
                    .join(" "),
                Answer::Object { .. } => {
                    input.cast::<web_sys::HtmlSelectElement>().map(|s| s.value()).unwrap_or_default()
                }
                _ => input.cast::<web_sys::HtmlInputElement>().map(|i| i.value()).unwrap_or_default(),
            };
            submit_text(text);
        })
    };
    let err_id = "ex-input-error";
    let invalid = error.is_some().to_string();
    let widget = match &ex.answer {
        Answer::Choice { choices, .. } => {
            let items = choices.iter().enumerate().map(|(i, c)| {
                let on = p.on.clone();
                html! {
                    <li>
                        <button type="button" class="choice" data-choice={c.id}
                                onclick={Callback::from(move |_| on.emit(ExerciseMsg::Answer(Response::Choice(i))))}>
                            <span class="letter" aria-hidden="true">{ format!("{}. ", exercise::letter(i)) }</span>
                            { c.label.render(lang.code()) }
                        </button>
                    </li>
                }
            });
            return html! {
                <div id="ex-answer" class="ex-answer" role="group" aria-label={word("ex.ui.choices", lang)}>
                    <ol class="choices ex-choices">{ for items }</ol>
                </div>
            };
        }
        Answer::Number { .. } => html! {
            <>
                <label for="ex-number">{ t(lang, "ex.your_answer") }</label>
                <input id="ex-number" ref={input.clone()} type="text" inputmode="numeric" autocomplete="off" spellcheck="false"
                       size="12" aria-invalid={invalid.clone()} aria-describedby={format!("ex-hint {err_id}")} />
                <p id="ex-hint" class="hint">{ t(lang, if buddy { "ex.hint.pfn" } else { "ex.hint.number" }) }</p>
            </>
        },
        Answer::Row { unordered: true, .. } => {
            let submit_text = submit_text.clone();
            let none = Callback::from(move |_: MouseEvent| submit_text("none".to_string()));
            html! {
                <>
                    <label for="ex-pfns">{ t(lang, "ex.your_answer") }</label>
                    <input id="ex-pfns" ref={input.clone()} type="text" autocomplete="off" spellcheck="false"
                           size="16" aria-invalid={invalid.clone()} aria-describedby={format!("ex-hint {err_id}")} />
                    <button id="ex-none" type="button" onclick={none}>{ t(lang, "ex.no_merge") }</button>
                    <p id="ex-hint" class="hint">{ t(lang, "ex.hint.pfns") }</p>
                </>
            }
        }
        Answer::Row { unordered: false, .. } => html! {
            <fieldset id="ex-row" class="ex-row" aria-describedby={format!("ex-hint {err_id}")}>
                <legend>{ t(lang, "ex.row_legend") }</legend>
                { for boxes.iter().enumerate().map(|(o, r)| html! {
                    <label class="ex-box">
                        <span>{ tf(lang, "ex.order", &[("n", o.to_string())]) }</span>
                        <input id={format!("ex-row-{o}")} ref={r.clone()} type="text" inputmode="numeric" size="2"
                               autocomplete="off" aria-invalid={invalid.clone()} />
                    </label>
                }) }
                <p id="ex-hint" class="hint">{ t(lang, "ex.hint.row") }</p>
            </fieldset>
        },
        Answer::Object { candidates, .. } => html! {
            <>
                <label for="ex-object">{ t(lang, "ex.your_answer") }</label>
                <select id="ex-object" ref={input.clone()} aria-invalid={invalid.clone()} aria-describedby={format!("ex-hint {err_id}")}>
                    <option value="">{ t(lang, "ex.pick_object") }</option>
                    { for candidates.iter().map(|a| html! { <option value={format!("{a:#x}")}>{ format!("{a:#x}") }</option> }) }
                </select>
                <p id="ex-hint" class="hint">{ t(lang, "ex.hint.object") }</p>
            </>
        },
    };
    html! {
        <form id="ex-answer" class="ex-answer" onsubmit={on_submit}>
            { widget }
            <button id="ex-submit" type="submit">{ t(lang, "ex.submit") }</button>
            <p id={err_id} class="command-error" role="alert">{ (*error).clone().unwrap_or_default() }</p>
        </form>
    }
}

/// The grade: right or wrong, the prediction next to the simulation's answer, why, and what next.
fn feedback(
    lang: Lang,
    ex: &Exercise,
    r: &Response,
    correct: bool,
    set_end: Option<bool>,
    on: &Callback<ExerciseMsg>,
) -> Html {
    let code = lang.code();
    let choices = match (&ex.answer, r) {
        (Answer::Choice { choices, right }, Response::Choice(chosen)) => {
            let items = choices.iter().enumerate().map(|(i, c)| {
                let class = classes!(
                    "choice",
                    (i == *right).then_some("right"),
                    (i == *chosen && i != *right).then_some("wrong"),
                    (i == *chosen).then_some("chosen")
                );
                html! {
                    <li>
                        <button type="button" {class} disabled=true aria-pressed={(i == *chosen).to_string()}>
                            <span class="letter" aria-hidden="true">{ format!("{}. ", exercise::letter(i)) }</span>
                            { c.label.render(code) }
                            if i == *right { <span class="mark">{ " ✓" }</span> }
                            if i == *chosen && i != *right { <span class="mark">{ " ✗" }</span> }
                        </button>
                    </li>
                }
            });
            html! { <ol class="choices ex-choices">{ for items }</ol> }
        }
        _ => Html::default(),
    };
    // A buddyinfo row: both rows order by order, the differing orders marked.
    let rows = match (&ex.answer, r) {
        (Answer::Row { values, unordered: false }, Response::Row(given)) if !correct => {
            let at = |v: &[u64], o: usize| v.get(o).copied().unwrap_or(0);
            let n = NR_PAGE_ORDERS.max(values.len()).max(given.len());
            html! {
                <table id="ex-rows" class="ex-rows">
                    <caption class="sr-only">{ t(lang, "ex.row_legend") }</caption>
                    <thead><tr><th scope="col">{ t(lang, "ex.order_h") }</th>
                        { for (0..n).map(|o| html! { <th scope="col">{ o }</th> }) }</tr></thead>
                    <tbody>
                        <tr class="given"><th scope="row">{ t(lang, "ex.given") }</th>
                            { for (0..n).map(|o| {
                                let differs = at(given, o) != at(values, o);
                                html! { <td class={classes!(differs.then_some("differs"))}>
                                    { at(given, o) }{ if differs { " ✗" } else { "" } }</td> }
                            }) }</tr>
                        <tr class="expected"><th scope="row">{ t(lang, "ex.expected") }</th>
                            { for (0..n).map(|o| html! { <td>{ at(values, o) }</td> }) }</tr>
                    </tbody>
                </table>
            }
        }
        _ => Html::default(),
    };
    let replay = {
        let on = on.clone();
        Callback::from(move |_: MouseEvent| on.emit(ExerciseMsg::Replay))
    };
    let next = set_end.map(|done| {
        let on = on.clone();
        let label = if done { t(lang, "ex.finish") } else { t(lang, "ex.next") };
        html! { <button id="ex-next" class="primary" onclick={Callback::from(move |_| on.emit(ExerciseMsg::Next))}>{ label }</button> }
    });
    let again = set_end.is_none().then(|| {
        let on = on.clone();
        let (kind, level) = (ex.kind.to_string(), ex.level);
        let click = Callback::from(move |_: MouseEvent| {
            on.emit(ExerciseMsg::Open { kind: kind.clone(), level, seed: random_seed() })
        });
        html! { <button id="ex-again" class="primary" onclick={click}>{ t(lang, "ex.new") }</button> }
    });
    let steps = [("from", ex.from_step.to_string()), ("to", ex.to_step.to_string())];
    html! {
        <>
            { choices }
            <div id="ex-feedback" class={classes!("feedback", if correct { "right" } else { "wrong" })} role="status">
                <strong id="ex-verdict">{ if correct { t(lang, "ex.right") } else { t(lang, "ex.wrong") } }</strong>
                <dl class="ex-compare">
                    <dt>{ t(lang, "ex.given") }</dt>
                    <dd id="ex-given"><code>{ ex.show(r, code) }</code></dd>
                    <dt>{ t(lang, "ex.expected") }</dt>
                    <dd id="ex-expected"><code>{ ex.answer_text(code) }</code></dd>
                </dl>
                { rows }
                <p id="ex-why"><strong>{ word("ex.ui.why", lang) }{ ": " }</strong>{ code_text(&ex.explain.render(code)) }</p>
                <p class="hint">{ tf(lang, "ex.replay_hint", &steps) }</p>
            </div>
            <p class="ex-actions">
                <button id="ex-replay" onclick={replay}>{ tf(lang, "ex.replay", &steps) }</button>
                { next.unwrap_or_default() }
                { again.unwrap_or_default() }
            </p>
        </>
    }
}

/// The embed's end: the score and each question's answer next to the simulation's.
fn score_card(lang: Lang, exs: &crate::state::exercise::Exercises) -> Html {
    let (score, max) = exs.score();
    let code = lang.code();
    html! {
        <section id="ex-score" class="ex-score" aria-labelledby="ex-score-title" data-score={score.to_string()} data-max={max.to_string()}>
            <h2 id="ex-score-title" tabindex="-1">{ tf(lang, "ex.score", &[("score", score.to_string()), ("max", max.to_string())]) }</h2>
            <ol class="ex-score-list">
                { for exs.history.iter().enumerate().map(|(i, (ex, r, correct))| {
                    let mark = if *correct { t(lang, "ex.mark.right") } else { t(lang, "ex.mark.wrong") };
                    html! {
                        <li class={if *correct { "right" } else { "wrong" }}>
                            <strong>{ mark }</strong>{ " " }
                            { tf(lang, "ex.score_line", &[
                                ("n", (i + 1).to_string()),
                                ("seed", ex.seed.to_string()),
                                ("given", ex.show(r, code)),
                                ("expected", ex.answer_text(code)),
                            ]) }
                        </li>
                    }
                }) }
            </ol>
        </section>
    }
}
