//! The lesson index and the lesson player: narration synced to the step, links to steps, a
//! predict-then-reveal question that holds "next" until answered or skipped, progress, and the
//! "copy embed code" snippet.

use std::cell::RefCell;
use std::rc::Rc;

use slabscope_core::lesson::markdown::{Block, Inline, Link};
use slabscope_core::lesson::{Answer, Lesson, QuestionKind};
use yew::prelude::*;

use crate::i18n::{t, tf, Lang};
use crate::lesson::{catalog, Progress, Reply, Run};

/// What the lesson views ask the app to do.
#[derive(Clone, Debug, PartialEq)]
pub enum LessonMsg {
    /// Open a lesson by id (at its first step).
    Open(String),
    /// Go to a step (0-based).
    Go(usize),
    /// Answer or skip the current question.
    Reply(Reply),
    /// Back to the index.
    Close,
    /// Autoplay: the next step, unless a question holds this one.
    Advance,
}

#[derive(Properties, Clone)]
pub struct Props {
    /// The lesson being played.
    pub run: Option<Rc<RefCell<Run>>>,
    /// Progress saved in the browser.
    pub progress: Rc<Progress>,
    /// Bumped on every app change (the run is shared, so equality is by version).
    pub version: u64,
    /// Embedded in an iframe.
    #[prop_or_default]
    pub embed: bool,
    /// Show the step buttons.
    #[prop_or(true)]
    pub controls: bool,
    pub on: Callback<LessonMsg>,
}

impl PartialEq for Props {
    fn eq(&self, o: &Self) -> bool {
        let same_run = match (&self.run, &o.run) {
            (Some(a), Some(b)) => Rc::ptr_eq(a, b),
            (None, None) => true,
            _ => false,
        };
        same_run
            && self.version == o.version
            && self.embed == o.embed
            && self.controls == o.controls
            && Rc::ptr_eq(&self.progress, &o.progress)
    }
}

fn lang_code(lang: Lang) -> &'static str {
    lang.code()
}

/// Render narration; links to steps call `on_step` (0-based), other links open a new tab.
pub fn markdown(blocks: &[Block], on_step: &Callback<usize>) -> Html {
    let inline = |i: &Inline| -> Html {
        match i {
            Inline::Text(s) => html! { { s.clone() } },
            Inline::Em(s) => html! { <em>{ s.clone() }</em> },
            Inline::Strong(s) => html! { <strong>{ s.clone() }</strong> },
            Inline::Code(s) => html! { <code>{ s.clone() }</code> },
            Inline::Link { text, target: Link::Step(n) } => {
                let on_step = on_step.clone();
                let n = *n;
                let onclick = Callback::from(move |e: MouseEvent| {
                    e.prevent_default();
                    on_step.emit(n - 1);
                });
                html! { <a class="step-link" href={format!("#lesson-step-{n}")} {onclick}>{ text.clone() }</a> }
            }
            Inline::Link { text, target: Link::Url(url) } => {
                html! { <a href={url.clone()} target="_blank" rel="noopener noreferrer">{ text.clone() }</a> }
            }
        }
    };
    blocks
        .iter()
        .map(|b| match b {
            Block::Para(runs) => html! { <p>{ for runs.iter().map(inline) }</p> },
            Block::List(items) => html! {
                <ul>{ for items.iter().map(|runs| html! { <li>{ for runs.iter().map(inline) }</li> }) }</ul>
            },
            Block::Ordered { start, items } => html! {
                <ol start={start.to_string()}>{ for items.iter().map(|runs| html! { <li>{ for runs.iter().map(inline) }</li> }) }</ol>
            },
        })
        .collect()
}

#[function_component(LessonsPanel)]
pub fn lessons_panel(p: &Props) -> Html {
    if p.run.is_some() {
        html! { <Player ..p.clone() /> }
    } else {
        html! { <Index progress={p.progress.clone()} on={p.on.clone()} /> }
    }
}

#[derive(Properties, PartialEq)]
struct IndexProps {
    progress: Rc<Progress>,
    on: Callback<LessonMsg>,
}

#[function_component(Index)]
fn index(p: &IndexProps) -> Html {
    let lang = use_context::<Lang>().unwrap_or(Lang::En);
    let code = lang_code(lang);
    let lessons = catalog();
    let title_of =
        |id: &str| lessons.iter().find(|l| l.id == id).map_or(id.to_string(), |l| l.title.get(code).to_string());
    let levels = [1u8, 2, 3].map(|level| {
        let items = lessons.iter().filter(|l| l.level == level).map(|l| {
            let (reached, done) = p.progress.get(&l.id).copied().unwrap_or((0, false));
            let status = if done {
                t(lang, "lesson.done")
            } else if reached > 0 {
                tf(lang, "lesson.progress", &[("step", reached.to_string()), ("total", l.steps.len().to_string())])
            } else {
                t(lang, "lesson.not_started")
            };
            let open = {
                let on = p.on.clone();
                let id = l.id.clone();
                Callback::from(move |_| on.emit(LessonMsg::Open(id.clone())))
            };
            let requires: Vec<String> = l.requires.iter().map(|r| title_of(&r.item)).collect();
            html! {
                <li class={classes!("lesson-card", done.then_some("done"))} data-lesson={l.id.clone()}>
                    <h4>{ l.title.get(code).to_string() }</h4>
                    <p class="lesson-meta">
                        { tf(lang, "lesson.minutes", &[("n", l.minutes.to_string())]) }
                        { " · " }
                        <span class="lesson-status">{ status }</span>
                    </p>
                    <p>{ crate::views::rich::code_text(l.summary.get(code)) }</p>
                    if !requires.is_empty() {
                        <p class="lesson-requires">{ tf(lang, "lesson.requires", &[("list", requires.join(" · "))]) }</p>
                    }
                    <button class="lesson-open" onclick={open}>
                        { if reached > 0 && !done { t(lang, "lesson.continue") } else { t(lang, "lesson.start") } }
                    </button>
                </li>
            }
        });
        html! {
            <section class="lesson-level" aria-labelledby={format!("level-{level}")}>
                <h3 id={format!("level-{level}")}>{ t(lang, &format!("lesson.level{level}")) }</h3>
                <ul class="lesson-list">{ for items }</ul>
            </section>
        }
    });
    html! {
        <section id="lesson-index" class="panel lesson-index" data-view="lesson" aria-label={t(lang, "lesson.index")}>
            <h2>{ t(lang, "lesson.index") }</h2>
            { for levels }
        </section>
    }
}

#[function_component(Player)]
fn player(p: &Props) -> Html {
    let lang = use_context::<Lang>().unwrap_or(Lang::En);
    let code = lang_code(lang);
    // Below the two-pane width (a phone) the picture is pinned at the top and the page scrolls
    // under it: when the step or its answer changes, bring the step's narration up under the
    // picture (not on the first render, which starts at the top of the page).
    let seen = use_mut_ref(|| None::<(String, usize, bool)>);
    let now = p.run.as_ref().map(|r| {
        let r = r.borrow();
        (r.lesson.id.clone(), r.step, r.replies[r.step].settled())
    });
    use_effect_with(now, move |now| {
        let before = seen.replace(now.clone());
        if before.is_some() && before != *now {
            // The answered question is a few lines now: show it from its top (a click deep in
            // the grid of slots had scrolled its box).
            if let Some(q) =
                web_sys::window().and_then(|w| w.document()).and_then(|d| d.get_element_by_id("lesson-question"))
            {
                q.set_scroll_top(0);
            }
            narration_into_view();
        }
    });
    let Some(run_rc) = &p.run else { return Html::default() };
    let run = run_rc.borrow();
    let lesson: &Lesson = &run.lesson;
    let i = run.step;
    let step = &lesson.steps[i];
    let reply = run.replies[i];
    let on = p.on.clone();
    let go = |to: usize| {
        let on = on.clone();
        Callback::from(move |_: MouseEvent| on.emit(LessonMsg::Go(to)))
    };
    let on_step = {
        let on = on.clone();
        Callback::from(move |n: usize| on.emit(LessonMsg::Go(n)))
    };
    let question = step.question.as_ref().map(|q| {
        let answer = run.played[i].answer.clone();
        let settled = reply.settled();
        // Answered: the question collapses to its one answer line (the right answer, and the
        // reader's own if it was wrong), so the step's narration keeps its room beside the picture.
        let body = match (&q.kind, &answer) {
            (QuestionKind::Choice { choices, .. }, Some(Answer::Choice(_))) if !settled => {
                let items = choices.iter().enumerate().map(|(k, c)| {
                    let on = on.clone();
                    html! {
                        <li>
                            <button class="choice" aria-pressed="false"
                                    onclick={Callback::from(move |_| on.emit(LessonMsg::Reply(Reply::Chose(k))))}>
                                { c.label.get(code).to_string() }
                            </button>
                        </li>
                    }
                });
                html! { <ol class="choices">{ for items }</ol> }
            }
            (QuestionKind::Choice { choices, .. }, Some(Answer::Choice(right))) => {
                let chosen = match reply {
                    Reply::Chose(k) if k != *right => Some(k),
                    _ => None,
                };
                let shown = |k: usize, right: bool| {
                    let label = choices.get(k).map_or_else(String::new, |c| c.label.get(code).to_string());
                    let class = classes!("choice", if right { "right" } else { "wrong chosen" });
                    html! {
                        <button {class} disabled=true aria-pressed={(reply == Reply::Chose(k)).to_string()}>
                            { label }<span class="mark">{ if right { " ✓" } else { " ✗" } }</span>
                        </button>
                    }
                };
                answer_line(lang, shown(*right, true), chosen.map(|k| shown(k, false)))
            }
            (QuestionKind::Object { .. }, Some(Answer::Object { slots, .. })) if !settled => {
                let cells = slots.iter().take(512).map(|&(a, free)| {
                    let on = on.clone();
                    let class = classes!("slot", free.then_some("free"));
                    // The accessible name starts with the visible text (WCAG 2.5.3), then the address.
                    let label = format!("{:03x}, {a:#x}", a & 0xfff);
                    html! {
                        <button {class} disabled={!free} title={label.clone()} aria-label={label}
                                data-addr={format!("{a:#x}")}
                                onclick={Callback::from(move |_| on.emit(LessonMsg::Reply(Reply::Clicked(a))))}>
                            { format!("{:03x}", a & 0xfff) }
                        </button>
                    }
                });
                html! {
                    <>
                        <p class="hint">{ t(lang, "lesson.click_object") }</p>
                        <div class="slots" role="group" aria-label={t(lang, "lesson.objects")}>{ for cells }</div>
                    </>
                }
            }
            (QuestionKind::Object { .. }, Some(Answer::Object { addr, .. })) => {
                // Named by their text (with the mark); the address is the tooltip.
                let shown = |a: u64, right: bool| {
                    html! {
                        <button class={classes!("slot", "free", if right { "right" } else { "wrong" })} disabled=true
                                title={format!("{a:#x}")} data-addr={format!("{a:#x}")}>
                            { format!("{:03x}", a & 0xfff) }
                            <span class="mark">{ if right { " ✓" } else { " ✗" } }</span>
                        </button>
                    }
                };
                let clicked = match reply {
                    Reply::Clicked(a) if a != *addr => Some(a),
                    _ => None,
                };
                answer_line(lang, shown(*addr, true), clicked.map(|a| shown(a, false)))
            }
            _ => html! {},
        };
        let feedback = match run.correct() {
            Some(true) => Some(("right", t(lang, "lesson.right"))),
            Some(false) => Some(("wrong", t(lang, "lesson.wrong"))),
            None if reply == Reply::Skipped => Some(("skipped", t(lang, "lesson.skipped"))),
            None => None,
        };
        let skip = {
            let on = on.clone();
            Callback::from(move |_| on.emit(LessonMsg::Reply(Reply::Skipped)))
        };
        // The verdict with the answer line comes first, right under the step buttons (so it is in
        // view with the narration on a phone too); the question keeps its text and the "why".
        let verdict = match (settled, feedback) {
            (true, Some((class, text))) => html! {
                <div id="lesson-feedback" class={classes!("feedback", class)} role="status">
                    <p id="lesson-answer" class="answer-line"><strong>{ text }</strong>{ " " }{ body.clone() }</p>
                </div>
            },
            _ => Html::default(),
        };
        let asked = html! {
            <section id="lesson-question" class={classes!("question", settled.then_some("answered"))} aria-labelledby="question-text" tabindex="0">
                <h3 id="question-text">{ crate::views::rich::code_text(q.ask.get(code)) }</h3>
                if !settled {
                    { body }
                    <button id="lesson-skip" class="link-button" onclick={skip}>{ t(lang, "lesson.skip") }</button>
                } else {
                    <div id="lesson-why" class="why">{ markdown(q.explain.get(code), &on_step) }</div>
                }
            </section>
        };
        (verdict, asked)
    });
    let (verdict, question) = question.unzip();
    let show_narration = reply.settled();
    let counter =
        tf(lang, "lesson.step_of", &[("step", (i + 1).to_string()), ("total", lesson.steps.len().to_string())]);
    let close = {
        let on = on.clone();
        Callback::from(move |_| on.emit(LessonMsg::Close))
    };
    // Steps past an open question would show what it asks to predict.
    let reachable = run.reachable();
    let dots = (run.first..=run.last).map(|k| {
        let current = k == i;
        let label = tf(lang, "lesson.goto", &[("n", (k + 1).to_string())]);
        html! {
            <li>
                <button class={classes!("dot", current.then_some("current"), (k < i).then_some("seen"))}
                        aria-current={current.then_some("step")} aria-label={label} disabled={k > reachable}
                        onclick={go(k)}>{ k + 1 }</button>
            </li>
        }
    });
    html! {
        <section id="lesson-player" class={classes!("panel", "lesson-player", p.embed.then_some("embedded"))}
                 data-view="lesson" data-lesson={lesson.id.clone()} data-step={(i + 1).to_string()}
                 aria-label={t(lang, "lesson.player")}>
            <header class="lesson-head">
                <h2 id="lesson-title">{ lesson.title.get(code).to_string() }</h2>
                <span id="lesson-counter" class="lesson-counter">{ counter }</span>
                if !p.embed {
                    <button id="lesson-close" onclick={close}>{ t(lang, "lesson.back_to_index") }</button>
                }
            </header>
            if p.controls {
                <nav class="lesson-nav" aria-label={t(lang, "lesson.steps")}>
                    <button id="lesson-prev" disabled={i <= run.first} onclick={go(i.saturating_sub(1))}>
                        { t(lang, "lesson.prev") }
                    </button>
                    <ol class="dots">{ for dots }</ol>
                    <button id="lesson-next" disabled={!run.can_advance()} onclick={go(i + 1)}>
                        { t(lang, "lesson.next") }
                    </button>
                </nav>
            }
            { verdict.unwrap_or_default() }
            { question.unwrap_or_default() }
            // Its own scroll box beside the picture (styles/app.css): reachable by keyboard.
            <div id="lesson-narration" class="narration" aria-live="polite" tabindex="0">
                if show_narration {
                    if let Some(e) = &run.played[i].error {
                        <p id="lesson-error" class="kernel-error" role="alert">
                            <strong>{ t(lang, "lesson.refused") }</strong>{ " " }<code>{ e.clone() }</code>
                        </p>
                    }
                    { markdown(step.say.get(code), &on_step) }
                } else {
                    <p class="hint">{ t(lang, "lesson.predict") }</p>
                }
            </div>
            // The step's checks after the question: the narration and the answer come first.
            if show_narration && !run.played[i].outcomes.is_empty() {
                <details id="lesson-checks" class="lesson-checks">
                    <summary>{ t(lang, "lesson.checks") }</summary>
                    <ul>
                        { for run.played[i].outcomes.iter().map(|o| {
                            let (mark, class, value) = match &o.result {
                                Ok((true, a, _)) => ("✓", "held", show_value(*a)),
                                Ok((false, a, _)) => ("✗", "failed", show_value(*a)),
                                Err(e) => ("?", "failed", e.clone()),
                            };
                            html! {
                                <li class={class}>
                                    <span class="mark" aria-hidden="true">{ mark }</span>{ " " }
                                    <code>{ o.text.clone() }</code>
                                    { " " }<span class="value">{ tf(lang, "lesson.check_value", &[("value", value)]) }</span>
                                </li>
                            }
                        }) }
                    </ul>
                </details>
            }
        </section>
    }
}

/// Scroll the step's text (the verdict, then the narration) just under the pinned picture (styles/app.css: scroll-padding-top),
/// on a narrow screen only; the two-pane layout keeps it in view by itself.
fn narration_into_view() {
    let Some(w) = web_sys::window() else { return };
    let narrow = w.inner_width().ok().and_then(|v| v.as_f64()).is_some_and(|v| v < 1200.0);
    let embed = w.document().and_then(|d| d.query_selector("main.embed").ok().flatten()).is_some();
    if !narrow || embed {
        return;
    }
    // An answer's verdict comes right before the narration: from there.
    let doc = w.document();
    let el = doc
        .as_ref()
        .and_then(|d| d.get_element_by_id("lesson-feedback").or_else(|| d.get_element_by_id("lesson-narration")));
    if let Some(el) = el {
        el.scroll_into_view_with_bool(true);
    }
}

/// An answered question's one line (after the verdict): the right answer, and the reader's own
/// when it was wrong.
fn answer_line(lang: Lang, right: Html, chosen: Option<Html>) -> Html {
    html! {
        <>
            <span class="answer-label">{ t(lang, "lesson.answer") }</span>{ " " }{ right }
            if let Some(chosen) = chosen {
                { " " }<span class="answer-label">{ t(lang, "lesson.your_answer") }</span>{ " " }{ chosen }
            }
        </>
    }
}

/// A query's value as shown: addresses (kernel direct-map, negative as i64) in hex.
fn show_value(v: i64) -> String {
    if v < -0x1_0000_0000 {
        format!("{:#x}", v as u64)
    } else {
        v.to_string()
    }
}

/// What the embed builder puts in a frame's address and size.
#[derive(Clone, Debug, PartialEq)]
pub struct EmbedOptions {
    pub lesson: String,
    pub title: String,
    /// 1-based steps.
    pub from: Option<usize>,
    pub to: Option<usize>,
    /// `panels=` (comma-separated; empty: the lesson's own).
    pub panels: String,
    pub lang: Lang,
    /// Frame width in px (`None`: 100%).
    pub width: Option<u32>,
    pub height: u32,
}

/// The frame's address (raw `&`) for `options`, with the app's address `base`.
pub fn embed_url(base: &str, o: &EmbedOptions) -> String {
    let mut url = format!("{base}?embed=1&lesson={}&lang={}", o.lesson, o.lang.code());
    if let Some(f) = o.from {
        url.push_str(&format!("&from={f}"));
    }
    if let Some(t) = o.to {
        url.push_str(&format!("&to={t}"));
    }
    let panels: Vec<&str> = o.panels.split(',').map(str::trim).filter(|p| !p.is_empty()).collect();
    if !panels.is_empty() {
        url.push_str(&format!("&panels={}", panels.join(",")));
    }
    url
}

/// The host page's few lines that size every Slabscope frame from its `slabscope:resize` message.
pub const RESIZE_LISTENER: &str = "<script>\naddEventListener(\"message\", (e) => {\n  if (!e.data || e.data.type !== \"slabscope:resize\") return;\n  for (const f of document.querySelectorAll(\"iframe\")) {\n    if (f.contentWindow === e.source) f.style.height = e.data.height + \"px\";\n  }\n});\n</script>";

/// The iframe snippet for a lesson (and the resize listener), with the page's own address as
/// the base.
pub fn embed_code(base: &str, o: &EmbedOptions) -> String {
    let esc = |s: &str| s.replace('&', "&amp;").replace('"', "&quot;").replace('<', "&lt;");
    let width = o.width.map_or("100%".to_string(), |w| w.to_string());
    format!(
        "<iframe src=\"{}\" title=\"{}\" width=\"{width}\" height=\"{}\" style=\"border:0\" loading=\"lazy\"></iframe>\n{RESIZE_LISTENER}",
        esc(&embed_url(base, o)),
        esc(&o.title),
        o.height
    )
}
