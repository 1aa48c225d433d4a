//! The live `/proc/buddyinfo` text: a keyboard-focusable, labelled scroll region (its columns
//! may be wider than the box), exportable as SVG and PNG.

use yew::prelude::*;

use crate::i18n::{t, Lang};
use crate::views::export::ExportButtons;

#[derive(Properties, PartialEq)]
pub struct Props {
    pub text: String,
}

/// One `/proc/buddyinfo` line split into its label (`Node 0, zone Normal`) and its per-order
/// counts; `None` for a line that is not in that format.
fn split_line(line: &str) -> Option<(String, Vec<&str>)> {
    let words: Vec<&str> = line.split_whitespace().collect();
    let (head, counts) = words.split_at_checked(4)?;
    if head[0] != "Node" || head[2] != "zone" || counts.is_empty() {
        return None;
    }
    Some((head.join(" "), counts.to_vec()))
}

#[function_component(Buddyinfo)]
pub fn buddyinfo(p: &Props) -> Html {
    let lang = use_context::<Lang>().unwrap_or(Lang::En);
    let rows: Vec<(String, Vec<&str>)> = p.text.lines().filter_map(split_line).collect();
    let orders = rows.iter().map(|(_, c)| c.len()).max().unwrap_or(0);
    // The same numbers with each column named by its order: readable in a narrow frame or on a
    // phone, where the real text's columns do not fit (styles/app.css shows it there).
    let table = (orders > 0).then(|| {
        html! {
            <table id="buddyinfo-orders" class="buddyinfo-orders">
                <caption class="sr-only">{ t(lang, "ui.buddyinfo_orders") }</caption>
                <thead><tr>
                    <th scope="col">{ t(lang, "ui.buddyinfo_order") }</th>
                    { for (0..orders).map(|o| html! { <th scope="col">{ o }</th> }) }
                </tr></thead>
                <tbody>
                    { for rows.iter().map(|(label, counts)| html! {
                        <tr>
                            <th scope="row">{ label.clone() }</th>
                            { for counts.iter().map(|c| html! {
                                <td class={classes!((*c != "0").then_some("some"))}>{ c.to_string() }</td>
                            }) }
                        </tr>
                    }) }
                </tbody>
            </table>
        }
    });
    html! {
        <>
            <h2 id="buddyinfo-h">{ t(lang, "ui.buddyinfo") }<ExportButtons target="buddyinfo" name="buddyinfo" /></h2>
            { table }
            <pre id="buddyinfo" tabindex="0" role="region" aria-labelledby="buddyinfo-h">{ p.text.clone() }</pre>
        </>
    }
}

#[cfg(test)]
mod tests {
    use super::split_line;

    #[test]
    fn buddyinfo_lines_split_into_label_and_counts() {
        let (label, counts) = split_line("Node 0, zone   Normal      0      0      1 ").expect("a buddyinfo line");
        assert_eq!(label, "Node 0, zone Normal");
        assert_eq!(counts, ["0", "0", "1"]);
        assert!(split_line("").is_none());
        assert!(split_line("Node 0, zone Normal").is_none(), "no counts");
        assert!(split_line("something else entirely here").is_none());
    }
}
