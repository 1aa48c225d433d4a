//! The live `/proc/slabinfo` text, downloadable.

use yew::prelude::*;

use crate::i18n::{t, Lang};
use crate::views::export::{download_text, use_export_stem};

#[derive(Properties, PartialEq)]
pub struct Props {
    pub text: String,
}

#[function_component(SlabinfoPanel)]
pub fn slabinfo_panel(p: &Props) -> Html {
    let lang = use_context::<Lang>().unwrap_or(Lang::En);
    let stem = use_export_stem("slabinfo");
    let on_download = {
        let text = p.text.clone();
        Callback::from(move |_| download_text(&text, &format!("{stem}.txt")))
    };
    html! {
        <section class="panel vis-panel" data-panel="slabinfo" aria-labelledby="slabinfo-h">
            <h2 id="slabinfo-h">{ "/proc/slabinfo" }
                <span class="vis-export"><button id="export-slabinfo" onclick={on_download}>{ t(lang, "vis.download_txt") }</button></span>
            </h2>
            <pre id="slabinfo-text" class="slabinfo" tabindex="0">{ p.text.clone() }</pre>
        </section>
    }
}
