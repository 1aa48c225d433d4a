//! The app header: title, the mode tabs (Lessons / Sandbox / Trace), copy link, theme, help and
//! language.

use wasm_bindgen::JsCast;
use yew::prelude::*;

use super::util::copy_text;
use crate::doc::Mode;
use crate::i18n::{t, Lang};
use crate::state::{Action, State, Theme};

/// Just what the header shows (s12-compare): a step, which changes none of it, does not render it.
#[derive(Properties, PartialEq)]
pub struct Props {
    pub mode: Mode,
    pub theme: Theme,
    pub help: bool,
    pub copied: Option<bool>,
    pub dispatcher: UseReducerDispatcher<State>,
}

#[function_component(AppHeader)]
pub fn app_header(p: &Props) -> Html {
    let lang = use_context::<Lang>().unwrap_or(Lang::En);
    let state = p;
    let on = |a: fn() -> Action| {
        let d = state.dispatcher.clone();
        Callback::from(move |_| d.dispatch(a()))
    };
    // The Japanese texts are fetched the first time the page turns Japanese (not in the bundle).
    let fetching = use_mut_ref(|| false);
    let on_lang = {
        let d = state.dispatcher.clone();
        let to_ja = lang == Lang::En;
        Callback::from(move |_| {
            if to_ja && !crate::i18n::ja_ready() {
                // A second click while they come does nothing (it would toggle back).
                if fetching.replace(true) {
                    return;
                }
                let (d, fetching) = (d.clone(), fetching.clone());
                wasm_bindgen_futures::spawn_local(async move {
                    crate::load_ja().await;
                    fetching.replace(false);
                    d.dispatch(Action::ToggleLang);
                });
            } else {
                d.dispatch(Action::ToggleLang);
            }
        })
    };
    let on_copy = copy_text(
        move || {
            crate::hooks::url::flush();
            link_with_lang(&web_sys::window().and_then(|w| w.location().href().ok()).unwrap_or_default(), lang)
        },
        state.dispatcher.clone(),
        Action::Copied,
    );
    // Mode tabs: click, or ←/→/Home/End inside the tab list (focus follows).
    let set_mode = {
        let d = state.dispatcher.clone();
        move |m: Mode| {
            d.dispatch(Action::SetMode(m));
            if let Some(el) = gloo::utils::document()
                .get_element_by_id(&format!("mode-{}", m.code()))
                .and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok())
            {
                let _ = el.focus();
            }
        }
    };
    let on_tab_key = {
        let set_mode = set_mode.clone();
        let cur = Mode::ALL.iter().position(|&m| m == state.mode).unwrap_or(1);
        Callback::from(move |e: KeyboardEvent| {
            let n = Mode::ALL.len();
            let to = match e.key().as_str() {
                "ArrowRight" => (cur + 1) % n,
                "ArrowLeft" => (cur + n - 1) % n,
                "Home" => 0,
                "End" => n - 1,
                _ => return,
            };
            e.prevent_default();
            set_mode(Mode::ALL[to]);
        })
    };
    let tabs = Mode::ALL.map(|m| {
        let selected = state.mode == m;
        let set_mode = set_mode.clone();
        html! {
            <button id={format!("mode-{}", m.code())} role="tab" class="mode-tab" aria-selected={selected.to_string()}
                    aria-controls="mode-panel" tabindex={if selected { "0" } else { "-1" }}
                    onclick={Callback::from(move |_| set_mode(m))}>
                { t(lang, &format!("ui.mode.{}", m.code())) }
            </button>
        }
    });
    let theme_label = t(
        lang,
        match state.theme {
            Theme::System => "ui.theme_system",
            Theme::Dark => "ui.theme_dark",
            Theme::Light => "ui.theme_light",
        },
    );
    let copy_label = match state.copied {
        None => t(lang, "ui.copy_link"),
        Some(true) => t(lang, "ui.copied"),
        Some(false) => t(lang, "ui.copy_failed"),
    };
    html! {
        <header class="app-header">
            <h1>{ t(lang, "app.title") }</h1>
            <p class="tagline">{ t(lang, "app.tagline") }</p>
            <div id="modes" class="mode-tabs" role="tablist" aria-label={t(lang, "ui.mode")} data-own-keys="1" onkeydown={on_tab_key}>
                { for tabs }
            </div>
            <button id="copy-link" onclick={on_copy}>{ copy_label }</button>
            <button id="theme" onclick={on(|| Action::CycleTheme)}>{ theme_label }</button>
            <button id="help" aria-expanded={state.help.to_string()} onclick={on(|| Action::ToggleHelp)}>{ "?" }</button>
            <button id="lang" onclick={on_lang}>{ t(lang, "ui.lang") }</button>
        </header>
    }
}

/// The page's address with the language in its hash (`lang=`), so a shared link opens in the
/// language it was copied in.
pub fn link_with_lang(href: &str, lang: Lang) -> String {
    let (page, hash) = href.split_once('#').unwrap_or((href, ""));
    let mut parts: Vec<String> =
        hash.split('&').filter(|kv| !kv.is_empty() && !kv.starts_with("lang=")).map(String::from).collect();
    parts.push(format!("lang={}", lang.code()));
    format!("{page}#{}", parts.join("&"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn copied_links_carry_the_language() {
        assert_eq!(link_with_lang("http://x/?a=1", Lang::Ja), "http://x/?a=1#lang=ja");
        assert_eq!(
            link_with_lang("http://x/#mode=trace&lang=ja&step=3", Lang::En),
            "http://x/#mode=trace&step=3&lang=en"
        );
    }
}
