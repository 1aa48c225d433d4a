//! The buddy allocator's free lists: `free_area[0..=10]` per node with their blocks (by pfn), and
//! the current split or merge drawn as a figure: a split halves a block (kept half, freed half),
//! a merge joins a pair of buddies (`pfn ^ 1 << order`).

use slabscope_core::snapshot::ZoneSnap;
use yew::prelude::*;

use crate::i18n::{t, tf, Lang};
use crate::views::export::ExportButtons;

/// The buddy operation the current event performs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BuddyMark {
    /// A block of `order + 1` at `pfn` was halved: `pfn` kept, `buddy` freed to `free_area[order]`.
    Split { node: u8, pfn: u32, buddy: u32, order: u8 },
    /// `pfn` and its buddy (order `order`) became one block at `merged`.
    Merge { node: u8, pfn: u32, buddy: u32, order: u8, merged: u32 },
}

#[derive(Properties, PartialEq)]
pub struct Props {
    pub zones: Vec<ZoneSnap>,
    pub mark: Option<BuddyMark>,
}

/// Blocks shown per list before "+N more".
const SHOWN: usize = 24;

fn figure(mark: BuddyMark, lang: Lang) -> Html {
    // One bar 480 px wide for the parent block, split in two halves.
    let (w, h) = (480.0, 36.0);
    let half = w / 2.0;
    match mark {
        BuddyMark::Split { pfn, buddy, order, .. } => html! {
            <figure class="buddy-op split">
                <svg id="buddy-op" viewBox={format!("0 0 {w} {}", h + 4.0)} role="img" aria-label={t(lang, "ui.buddy.split_caption")}>
                    <rect class="half kept" data-pfn={pfn.to_string()} data-order={order.to_string()} x="2" y="2" width={(half - 2.0).to_string()} height={h.to_string()} />
                    <rect class="half freed" data-pfn={buddy.to_string()} data-order={order.to_string()} x={(half).to_string()} y="2" width={(half - 2.0).to_string()} height={h.to_string()} />
                    <line class="cut" x1={half.to_string()} y1="0" x2={half.to_string()} y2={(h + 4.0).to_string()} />
                    <text x={(half / 2.0).to_string()} y="24" text-anchor="middle">{ tf(lang, "ui.buddy.kept", &[("pfn", pfn.to_string())]) }</text>
                    <text x={(half * 1.5).to_string()} y="24" text-anchor="middle">{ tf(lang, "ui.buddy.freed", &[("pfn", buddy.to_string())]) }</text>
                </svg>
                <figcaption>{ tf(lang, "ui.buddy.split_text", &[("from", (order + 1).to_string()), ("order", order.to_string())]) }</figcaption>
            </figure>
        },
        BuddyMark::Merge { pfn, buddy, order, merged, .. } => {
            let (lo, hi) = (pfn.min(buddy), pfn.max(buddy));
            html! {
                <figure class="buddy-op merge">
                    <svg id="buddy-op" viewBox={format!("0 0 {w} {}", h + 4.0)} role="img" aria-label={t(lang, "ui.buddy.merge_caption")}>
                        <rect class="merged" data-pfn={merged.to_string()} data-order={(order + 1).to_string()} x="1" y="1" width={(w - 2.0).to_string()} height={(h + 2.0).to_string()} />
                        <rect class={classes!("half", "pair", (lo == pfn).then_some("self"))} data-pfn={lo.to_string()} data-order={order.to_string()} x="4" y="4" width={(half - 6.0).to_string()} height={(h - 4.0).to_string()} />
                        <rect class={classes!("half", "pair", (hi == pfn).then_some("self"))} data-pfn={hi.to_string()} data-order={order.to_string()} x={(half + 2.0).to_string()} y="4" width={(half - 6.0).to_string()} height={(h - 4.0).to_string()} />
                        <text x={(half / 2.0).to_string()} y="24" text-anchor="middle">{ format!("pfn {lo}") }</text>
                        <text x={(half * 1.5).to_string()} y="24" text-anchor="middle">{ format!("pfn {hi}") }</text>
                    </svg>
                    <figcaption>{ tf(lang, "ui.buddy.merge_text", &[("pfn", pfn.to_string()), ("buddy", buddy.to_string()), ("order", order.to_string()), ("merged", merged.to_string())]) }</figcaption>
                </figure>
            }
        }
    }
}

#[function_component(FreeLists)]
pub fn free_lists(p: &Props) -> Html {
    let lang = use_context::<Lang>().unwrap_or(Lang::En);
    let zones = p.zones.iter().map(|z| {
        let rows = z.free_area.iter().enumerate().map(|(order, list)| {
            let order = order as u8;
            let chips = list.iter().take(SHOWN).map(|&pfn| {
                let (freed, pair) = match p.mark {
                    Some(BuddyMark::Split { node, buddy, order: o, .. }) => (node == z.node && o == order && buddy == pfn, false),
                    Some(BuddyMark::Merge { node, pfn: a, buddy, order: o, .. }) => {
                        (false, node == z.node && o == order && (pfn == a || pfn == buddy))
                    }
                    None => (false, false),
                };
                html! {
                    <li class={classes!("fl-block", freed.then_some("freed"), pair.then_some("pair"))}
                        data-pfn={pfn.to_string()} data-order={order.to_string()}>{ pfn }</li>
                }
            });
            let more = list.len().saturating_sub(SHOWN);
            html! {
                <tr data-order={order.to_string()}>
                    <th scope="row"><code>{ format!("free_area[{order}]") }</code></th>
                    <td class="fl-count">{ list.len() }</td>
                    <td>
                        <ol class="fl-list" aria-label={tf(lang, "ui.buddy.list", &[("order", order.to_string()), ("node", z.node.to_string())])}>
                            { for chips }
                            if more > 0 { <li class="fl-more">{ tf(lang, "ui.buddy.more", &[("n", more.to_string())]) }</li> }
                        </ol>
                    </td>
                </tr>
            }
        });
        html! {
            <table class="free-lists" data-node={z.node.to_string()}>
                <caption>{ tf(lang, "ui.buddy.node", &[("node", z.node.to_string()), ("start", z.start_pfn.to_string()), ("pages", z.pages.to_string())]) }</caption>
                <thead><tr><th scope="col">{ t(lang, "ui.buddy.order") }</th><th scope="col">{ "nr_free" }</th><th scope="col">{ t(lang, "ui.buddy.blocks") }</th></tr></thead>
                <tbody>{ for rows }</tbody>
            </table>
        }
    });
    html! {
        <>
        // Outside the exported element, so the buttons are not drawn in the picture.
        <div class="view-tools"><ExportButtons target="free-lists" name="free-lists" /></div>
        <div id="free-lists">
            // A slot of fixed height, so the lists do not jump while playing.
            <div class="buddy-op-slot">
                { p.mark.map(|m| figure(m, lang)).unwrap_or_else(|| html! { <p class="buddy-op-idle">{ t(lang, "ui.buddy.idle") }</p> }) }
            </div>
            { for zones }
        </div>
        </>
    }
}
