//! Message sentences (event explanations, the event log, questions, summaries) with their
//! `` `code` `` spans shown as code, not as literal backticks ([`markdown::code_spans`]).

use slabscope_core::lesson::markdown::{self, Inline};
use yew::prelude::*;

/// `text` with its `` `code` `` spans as `<code>`.
pub fn code_text(text: &str) -> Html {
    markdown::code_spans(text)
        .into_iter()
        .map(|i| match i {
            Inline::Code(c) => html! { <code>{ c }</code> },
            Inline::Text(s) | Inline::Em(s) | Inline::Strong(s) => html! { { s } },
            Inline::Link { text, .. } => html! { { text } },
        })
        .collect()
}
