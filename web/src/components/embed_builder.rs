//! "Embed this lesson": a small builder (lesson, from/to, panels, language, frame size) with a
//! live preview of the frame and the snippet to paste, resize listener included.

use wasm_bindgen::JsCast;
use yew::prelude::*;

use super::util::copy_text;
use crate::i18n::{t, Lang};
use crate::lesson::catalog;
use crate::state::Action;
use crate::views::lessons::{embed_code, embed_url, EmbedOptions};

/// Frame sizes offered: (label, width (None: 100%), height).
const SIZES: [(&str, Option<u32>, u32); 4] =
    [("720×480", Some(720), 480), ("480×360", Some(480), 360), ("100% × 640", None, 640), ("960×720", Some(960), 720)];

pub use super::StateProps as Props;

fn value_of(e: &Event) -> String {
    let Some(t) = e.target() else { return String::new() };
    if let Some(i) = t.dyn_ref::<web_sys::HtmlInputElement>() {
        return i.value();
    }
    t.dyn_ref::<web_sys::HtmlSelectElement>().map(|s| s.value()).unwrap_or_default()
}

#[function_component(EmbedBuilder)]
pub fn embed_builder(p: &Props) -> Html {
    let lang = use_context::<Lang>().unwrap_or(Lang::En);
    let state = &p.state;
    let current = state.lesson.as_ref().map(|r| r.borrow().lesson.id.clone()).unwrap_or_default();
    let lesson = use_state(|| current.clone());
    let from = use_state(String::new);
    let to = use_state(String::new);
    let panels = use_state(String::new);
    let frame_lang = use_state(|| lang);
    let size = use_state(|| 0usize);
    // Folded, the builder is its summary line only: its form reads every lesson (`catalog`,
    // ~10 ms of a lesson page's first render in Chromium, s12) and is made when it is opened.
    let open = use_state(|| false);
    let ontoggle = {
        let open = open.clone();
        Callback::from(move |e: Event| {
            if let Some(d) = e.target_dyn_into::<web_sys::Element>() {
                open.set(d.has_attribute("open"));
            }
        })
    };
    if !*open {
        return html! {
            <details id="embed-code" class="embed-code embed-builder" {ontoggle}>
                <summary>{ t(lang, "lesson.embed_code") }</summary>
            </details>
        };
    }
    let lessons = catalog();
    let Some(l) = lessons.iter().find(|l| l.id == *lesson).or_else(|| lessons.first()) else { return Html::default() };
    let steps = l.steps.len();
    let step_of = |s: &str| s.trim().parse::<usize>().ok().filter(|n| (1..=steps).contains(n));
    let (w, h) = (SIZES[*size].1, SIZES[*size].2);
    let options = EmbedOptions {
        lesson: l.id.clone(),
        title: l.title.get(frame_lang.code()).to_string(),
        from: step_of(&from),
        to: step_of(&to),
        panels: (*panels).clone(),
        lang: *frame_lang,
        width: w,
        height: h,
    };
    let base = web_sys::window()
        .and_then(|w| {
            let l = w.location();
            Some(format!("{}{}", l.origin().ok()?, l.pathname().ok()?))
        })
        .unwrap_or_default();
    let code = embed_code(&base, &options);
    let preview = embed_url(&base, &options);
    let set = |h: UseStateHandle<String>| Callback::from(move |e: Event| h.set(value_of(&e)));
    let on_lesson = {
        let lesson = lesson.clone();
        Callback::from(move |e: Event| lesson.set(value_of(&e)))
    };
    let on_lang = {
        let frame_lang = frame_lang.clone();
        Callback::from(move |e: Event| frame_lang.set(Lang::from_code(&value_of(&e)).unwrap_or(Lang::En)))
    };
    let on_size = {
        let size = size.clone();
        Callback::from(move |e: Event| size.set(value_of(&e).parse().unwrap_or(0)))
    };
    let copy = {
        let code = code.clone();
        copy_text(move || code.clone(), state.dispatcher(), Action::EmbedCopied)
    };
    html! {
        <details id="embed-code" class="embed-code embed-builder" open=true {ontoggle}>
            <summary>{ t(lang, "lesson.embed_code") }</summary>
            <form class="embed-form" onsubmit={Callback::from(|e: SubmitEvent| e.prevent_default())}>
                <label class="cfg-field">{ t(lang, "embed.lesson") }
                    <select id="embed-lesson" onchange={on_lesson}>
                        { for lessons.iter().map(|x| html! {
                            <option value={x.id.clone()} selected={x.id == l.id}>{ x.title.get(lang.code()).to_string() }</option>
                        }) }
                    </select></label>
                <label class="cfg-field">{ t(lang, "embed.from") }
                    <input id="embed-from" type="number" min="1" max={steps.to_string()} size="3" value={(*from).clone()} onchange={set(from.clone())} /></label>
                <label class="cfg-field">{ t(lang, "embed.to") }
                    <input id="embed-to" type="number" min="1" max={steps.to_string()} size="3" value={(*to).clone()} onchange={set(to.clone())} /></label>
                <label class="cfg-field embed-panels">{ t(lang, "embed.panels") }
                    <input id="embed-panels" type="text" size="24" placeholder="memory,buddy" value={(*panels).clone()} onchange={set(panels.clone())} /></label>
                <label class="cfg-field">{ t(lang, "embed.lang") }
                    <select id="embed-lang" onchange={on_lang}>
                        <option value="en" selected={*frame_lang == Lang::En}>{ "English" }</option>
                        <option value="ja" selected={*frame_lang == Lang::Ja}>{ "日本語" }</option>
                    </select></label>
                <label class="cfg-field">{ t(lang, "embed.size") }
                    <select id="embed-size" onchange={on_size}>
                        { for SIZES.iter().enumerate().map(|(i, s)| html! { <option value={i.to_string()} selected={i == *size}>{ s.0 }</option> }) }
                    </select></label>
            </form>
            <label for="embed-snippet" class="embed-label">{ t(lang, "embed.snippet") }</label>
            <textarea id="embed-snippet" readonly=true rows="5" value={code} />
            <button id="copy-embed" onclick={copy}>
                { match state.embed_copied {
                    None => t(lang, "lesson.copy_embed"),
                    Some(true) => t(lang, "lesson.embed_copied"),
                    Some(false) => t(lang, "ui.copy_failed"),
                } }
            </button>
            <p class="embed-label">{ t(lang, "embed.preview") }</p>
            <div class="embed-preview-box">
                <iframe id="embed-preview" src={preview} title={t(lang, "embed.preview")} loading="lazy"
                        width={w.map_or("100%".to_string(), |w| w.to_string())} height={h.to_string()}></iframe>
            </div>
        </details>
    }
}
