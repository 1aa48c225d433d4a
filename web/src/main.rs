//! Slabscope's browser UI: Yew over the core simulation, compiled to WebAssembly.

mod app;
mod bench;
mod components;
mod deflate;
mod doc;
mod errors;
mod hooks;
mod i18n;
mod lesson;
mod state;
mod storage;
mod views;

/// Show any panic in the page (never a dead page) and log it for the console.
fn install_panic_hook() {
    std::panic::set_hook(Box::new(|info| {
        let text = format!("slabscope panicked: {info}");
        web_sys::console::error_1(&text.clone().into());
        let doc = gloo::utils::document();
        if let Ok(panel) = doc.create_element("div") {
            panel.set_id("panic-panel");
            let _ = panel.set_attribute("role", "alert");
            let lang = doc.document_element().and_then(|e| e.get_attribute("lang")).unwrap_or_default();
            let intro = i18n::t(i18n::Lang::from_code(&lang).unwrap_or(i18n::Lang::En), "ui.panic");
            panel.set_text_content(Some(&format!("{intro}\n\n{text}")));
            if let Some(body) = doc.body() {
                let _ = body.append_child(&panel);
            }
        }
    }));
}

fn main() {
    install_panic_hook();
    let query = web_sys::window().and_then(|w| w.location().search().ok()).unwrap_or_default();
    let param = |key: &str| {
        query
            .trim_start_matches('?')
            .split('&')
            .find_map(|kv| kv.strip_prefix(key)?.strip_prefix('=').map(String::from))
    };
    if param("bench").as_deref() == Some("seek") {
        let ops = param("ops").and_then(|n| n.parse().ok()).unwrap_or(1_000_000).clamp(1, 5_000_000);
        yew::Renderer::<bench::SeekBench>::with_props(bench::Props { ops }).render();
    } else {
        // #14: the lesson documents are fetched next to the bundle (index.html preloads them
        // while the wasm loads); the app starts once they are in, or without lessons (a warning
        // in the console) when they cannot be read. A page opening in Japanese fetches the
        // Japanese texts beside them (not in the bundle: `i18n::JA_FILE`).
        let ja = state::start_lang(&lesson::url_pairs()) == i18n::Lang::Ja;
        let ja = ja.then(|| start_fetch(i18n::JA_FILE));
        wasm_bindgen_futures::spawn_local(async move {
            match fetch_text(lesson::DOCS_FILE).await {
                Ok(text) => lesson::install(&text),
                Err(e) => web_sys::console::warn_2(&format!("lessons not loaded ({}):", lesson::DOCS_FILE).into(), &e),
            }
            if let Some(ja) = ja {
                install_ja(ja).await;
            }
            yew::Renderer::<app::App>::new().render();
        });
    }
}

/// Fetch and install the Japanese texts (`i18n::JA_FILE`), before the page is first shown in
/// Japanese; when they cannot be read the console says so and the texts stay English.
pub async fn load_ja() {
    install_ja(start_fetch(i18n::JA_FILE)).await
}

async fn install_ja(fetch: Result<js_sys::Promise, wasm_bindgen::JsValue>) {
    match async { text_of(fetch?).await }.await {
        Ok(text) => {
            i18n::install_ja(&text);
        }
        Err(e) => web_sys::console::warn_2(&format!("Japanese texts not loaded ({}):", i18n::JA_FILE).into(), &e),
    }
}

/// Start fetching a file next to the page.
fn start_fetch(url: &str) -> Result<js_sys::Promise, wasm_bindgen::JsValue> {
    let window = web_sys::window().ok_or_else(|| wasm_bindgen::JsValue::from_str("no window"))?;
    Ok(window.fetch_with_str(url))
}

/// The text of a file next to the page (`fetch`; an HTTP error is an error).
async fn fetch_text(url: &str) -> Result<String, wasm_bindgen::JsValue> {
    text_of(start_fetch(url)?).await
}

/// The text of a started fetch (an HTTP error is an error).
async fn text_of(fetch: js_sys::Promise) -> Result<String, wasm_bindgen::JsValue> {
    use wasm_bindgen::JsCast;
    let resp: web_sys::Response = wasm_bindgen_futures::JsFuture::from(fetch).await?.dyn_into()?;
    if !resp.ok() {
        return Err(format!("HTTP {}", resp.status()).into());
    }
    let text = wasm_bindgen_futures::JsFuture::from(resp.text()?).await?;
    text.as_string().ok_or_else(|| "not text".into())
}
