//! Slabscope's browser UI: Yew over the core simulation, compiled to WebAssembly.

mod app;
mod bench;
mod components;
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
        yew::Renderer::<app::App>::new().render();
    }
}
