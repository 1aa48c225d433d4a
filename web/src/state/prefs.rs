//! Settings kept in this browser (localStorage): the language, the theme, and per mode (per
//! lesson in the lessons mode) the views the user showed or hid on top of the defaults. Storage may be missing (a sandboxed frame):
//! then nothing is kept and the defaults hold.

use std::collections::BTreeMap;

use super::Theme;
use crate::i18n::Lang;

const LANG_KEY: &str = "slabscope.lang.v1";
const THEME_KEY: &str = "slabscope.theme.v1";
// v2: explicit shown / hidden choices (v1 kept toggles, which flipped against a lesson step's
// own panels); v1 data is ignored.
const VIEWS_KEY: &str = "slabscope.views.v2";

/// Per scope (`sandbox`, `trace`, or `lesson:<id>`): view → shown (`true`) or hidden (`false`),
/// as the user last chose it. A view without an entry follows the defaults.
pub type ViewToggles = BTreeMap<String, BTreeMap<String, bool>>;

fn storage() -> Option<web_sys::Storage> {
    web_sys::window()?.local_storage().ok().flatten()
}

fn get(key: &str) -> Option<String> {
    storage()?.get_item(key).ok().flatten()
}

fn set(key: &str, value: &str) {
    if let Some(s) = storage() {
        let _ = s.set_item(key, value);
    }
}

pub fn load_lang() -> Option<Lang> {
    get(LANG_KEY).as_deref().and_then(Lang::from_code)
}

pub fn save_lang(lang: Lang) {
    set(LANG_KEY, lang.code());
}

pub fn theme_code(theme: Theme) -> &'static str {
    match theme {
        Theme::System => "system",
        Theme::Dark => "dark",
        Theme::Light => "light",
    }
}

pub fn load_theme() -> Theme {
    match get(THEME_KEY).as_deref() {
        Some("dark") => Theme::Dark,
        Some("light") => Theme::Light,
        _ => Theme::System,
    }
}

pub fn save_theme(theme: Theme) {
    set(THEME_KEY, theme_code(theme));
}

pub fn load_views() -> ViewToggles {
    get(VIEWS_KEY).and_then(|t| serde_json::from_str(&t).ok()).unwrap_or_default()
}

pub fn save_views(v: &ViewToggles) {
    if let Ok(text) = serde_json::to_string(v) {
        set(VIEWS_KEY, &text);
    }
}
