//! The live `/proc/buddyinfo` text: a keyboard-focusable, labelled scroll region (its columns
//! may be wider than the box), exportable as SVG and PNG.

use yew::prelude::*;

use crate::i18n::{t, Lang};
use crate::views::export::ExportButtons;

#[derive(Properties, PartialEq)]
pub struct Props {
    pub text: String,
    pub lang: Lang,
}

#[function_component(Buddyinfo)]
pub fn buddyinfo(p: &Props) -> Html {
    html! {
        <>
            <h2 id="buddyinfo-h">{ t(p.lang, "ui.buddyinfo") }<ExportButtons target="buddyinfo" name="buddyinfo" lang={p.lang} /></h2>
            <pre id="buddyinfo" tabindex="0" role="region" aria-labelledby="buddyinfo-h">{ p.text.clone() }</pre>
        </>
    }
}
