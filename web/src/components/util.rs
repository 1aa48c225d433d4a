//! Small helpers shared by the components.

use slabscope_core::machine::{MachineConfig, Owner};
use slabscope_core::names::Binding;
use slabscope_core::script;
use slabscope_core::session::Session;
use slabscope_core::snapshot::{BlockSnap, BlockState};
use yew::prelude::*;

use crate::i18n::{t, tf, Lang};
use crate::state::{Action, State};

/// The determinism scenario shared with the native tests.
const DETERMINISM: &str = include_str!("../../../core/tests/data/determinism.ops");

/// A click handler that copies `text()` to the clipboard and reports the outcome.
pub fn copy_text(
    text: impl Fn() -> String + 'static,
    d: UseReducerDispatcher<State>,
    done: fn(bool) -> Action,
) -> Callback<MouseEvent> {
    Callback::from(move |_| {
        let d = d.clone();
        let Some(w) = web_sys::window() else { return };
        let promise = w.navigator().clipboard().write_text(&text());
        wasm_bindgen_futures::spawn_local(async move {
            let ok = wasm_bindgen_futures::JsFuture::from(promise).await.is_ok();
            d.dispatch(done(ok));
        });
    })
}

/// Read a picked file as text, then call `done` with it (an unreadable file gives an empty
/// text: the caller's parser reports it, located at 1:1). `Blob::text()` is a promise awaited
/// in a task of its own: nothing has to be kept alive by `std::mem::forget` (a `FileReader`
/// forgotten per upload leaked it and the file's text, issue #18).
pub fn read_text(file: web_sys::File, done: impl FnOnce(String) + 'static) {
    wasm_bindgen_futures::spawn_local(async move {
        let text = wasm_bindgen_futures::JsFuture::from(file.text()).await.ok().and_then(|v| v.as_string());
        done(text.unwrap_or_default());
    });
}

/// What the memory map says about a page: its block and owner.
pub fn describe_page(lang: Lang, blocks: &[BlockSnap], session: &Session, pfn: u32) -> String {
    let Some(b) = blocks.get(blocks.partition_point(|b| b.pfn <= pfn).wrapping_sub(1)) else { return String::new() };
    let names = session.names();
    let owner = match b.state {
        BlockState::Free => tf(lang, "ui.page.free", &[("order", b.order.to_string())]),
        BlockState::Pcp { cpu } => tf(lang, "ui.page.pcp", &[("cpu", cpu.to_string())]),
        BlockState::Transit => t(lang, "ui.legend.transit"),
        BlockState::Used { owner } => match owner {
            Owner::Pages { name } => tf(lang, "ui.page.pages", &[("name", names.name(name).to_string())]),
            Owner::Large { name } => tf(lang, "ui.page.large", &[("name", names.name(name).to_string())]),
            Owner::Slab { cache } | Owner::ClassicSlab { cache } | Owner::AetherSlab { cache } => {
                tf(lang, "ui.page.slab", &[("cache", session.sim().cache_name(cache))])
            }
            Owner::SuperSlab { id } => tf(lang, "ui.page.superslab", &[("id", id.to_string())]),
        },
    };
    // The map's details line is plain monospace text: no Markdown backticks around names.
    let owner = owner.replace('`', "");
    tf(
        lang,
        "ui.page.details",
        &[
            ("pfn", pfn.to_string()),
            ("node", session.config().node_of_pfn(pfn).to_string()),
            ("from", b.pfn.to_string()),
            ("to", (b.pfn + (1 << b.order) - 1).to_string()),
            ("order", b.order.to_string()),
            ("owner", owner),
        ],
    )
}

/// Length of the list bound to `name` (0 when unbound).
pub fn list_len(session: &Session, name: &str) -> usize {
    match session.names().get(name).and_then(|sym| session.head().bindings.get(sym)) {
        Some(Binding::List(v)) => v.len(),
        _ => 0,
    }
}

pub fn determinism_hash() -> u64 {
    thread_local! {
        static HASH: u64 = script::load(DETERMINISM, &MachineConfig::default(), &[])
            .expect("determinism scenario is valid")
            .event_hash();
    }
    HASH.with(|h| *h)
}
