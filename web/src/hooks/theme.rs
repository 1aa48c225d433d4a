//! The document follows the state: `<html lang>`, `<html data-theme>`, and `body[data-ready]`
//! once the app is up (the test harness waits for it).

use yew::prelude::*;

use crate::i18n::Lang;
use crate::state::Theme;

#[hook]
pub fn use_document_settings(lang: Lang, theme: Theme) {
    use_effect_with((), |_| {
        if let Some(body) = gloo::utils::document().body() {
            let _ = body.set_attribute("data-ready", "1");
        }
    });
    use_effect_with(lang, move |lang| {
        if let Some(html) = gloo::utils::document().document_element() {
            let _ = html.set_attribute("lang", lang.code());
        }
    });
    use_effect_with(theme, move |theme| {
        if let Some(html) = gloo::utils::document().document_element() {
            let _ = match theme {
                Theme::System => html.remove_attribute("data-theme"),
                Theme::Dark => html.set_attribute("data-theme", "dark"),
                Theme::Light => html.set_attribute("data-theme", "light"),
            };
        }
    });
}
