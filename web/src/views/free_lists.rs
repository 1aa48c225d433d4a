//! The buddy allocator's free lists: `free_area[0..=10]` per node with their blocks (by pfn), and
//! the current split or merge drawn as a figure: a split halves a block (kept half, freed half),
//! a merge joins a pair of buddies (`pfn ^ 1 << order`).

use std::rc::Rc;

use slabscope_core::snapshot::Snapshot;
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

/// The zones of a snapshot, equal when their free lists are (s12-compare: the parent's snapshot
/// is new every step, the lists change in ~40 % of compare steps).
#[derive(Clone)]
pub struct Zones(pub Rc<Snapshot>);

impl PartialEq for Zones {
    fn eq(&self, o: &Self) -> bool {
        Rc::ptr_eq(&self.0, &o.0) || self.0.zones == o.0.zones
    }
}

#[derive(Properties, PartialEq)]
pub struct Props {
    pub zones: Zones,
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

#[derive(Properties)]
struct RowProps {
    snap: Rc<Snapshot>,
    /// Index into the snapshot's zones.
    zone: usize,
    order: u8,
    /// The current buddy operation, when it is on this row's list.
    mark: Option<BuddyMark>,
}

impl RowProps {
    fn list(&self) -> (u8, &[u32]) {
        let z = &self.snap.zones[self.zone];
        (z.node, z.free_area.get(usize::from(self.order)).map_or(&[], Vec::as_slice))
    }
}

/// Equal when the row draws the same: the same node and order, its count and the blocks shown.
impl PartialEq for RowProps {
    fn eq(&self, o: &Self) -> bool {
        let ((na, a), (nb, b)) = (self.list(), o.list());
        self.order == o.order
            && self.mark == o.mark
            && na == nb
            && a.len() == b.len()
            && (Rc::ptr_eq(&self.snap, &o.snap) || a[..a.len().min(SHOWN)] == b[..b.len().min(SHOWN)])
    }
}

/// One `free_area[order]` row (s12-compare: its own component, so a step that changes one
/// order's list renders and reconciles one row, not ~300 nodes per table).
#[function_component(FreeRow)]
fn free_row(p: &RowProps) -> Html {
    let lang = use_context::<Lang>().unwrap_or(Lang::En);
    let (node, list) = p.list();
    let order = p.order;
    let chips = list.iter().take(SHOWN).map(|&pfn| {
        let (freed, pair) = match p.mark {
            Some(BuddyMark::Split { buddy, .. }) => (buddy == pfn, false),
            Some(BuddyMark::Merge { pfn: a, buddy, .. }) => (false, pfn == a || pfn == buddy),
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
                <ol class="fl-list" aria-label={tf(lang, "ui.buddy.list", &[("order", order.to_string()), ("node", node.to_string())])}>
                    { for chips }
                    if more > 0 { <li class="fl-more">{ tf(lang, "ui.buddy.more", &[("n", more.to_string())]) }</li> }
                </ol>
            </td>
        </tr>
    }
}

#[function_component(FreeLists)]
pub fn free_lists(p: &Props) -> Html {
    let lang = use_context::<Lang>().unwrap_or(Lang::En);
    let snap = &p.zones.0;
    let zones = snap.zones.iter().enumerate().map(|(zi, z)| {
        let rows = (0..z.free_area.len()).map(|order| {
            let order = order as u8;
            // The mark, only on the row whose list it is about.
            let mark = p.mark.filter(|m| match *m {
                BuddyMark::Split { node, order: o, .. } | BuddyMark::Merge { node, order: o, .. } => {
                    node == z.node && o == order
                }
            });
            html! { <FreeRow snap={snap.clone()} zone={zi} order={order} mark={mark} /> }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_row_is_equal_while_its_list_is() {
        let snaps = crate::views::snapshots_of_every_step(include_str!("../../../examples/buddy-split.ops"));
        let (mut kept, mut drawn) = (0, 0);
        for w in snaps.windows(2) {
            for order in 0..w[0].zones[0].free_area.len() {
                let row = |s: &Rc<Snapshot>| RowProps { snap: s.clone(), zone: 0, order: order as u8, mark: None };
                let same = w[0].zones[0].free_area[order] == w[1].zones[0].free_area[order];
                assert_eq!(row(&w[0]) == row(&w[1]), same, "order {order}");
                if same {
                    kept += 1;
                } else {
                    drawn += 1;
                }
            }
            // A mark on a row makes it another row.
            let mark = Some(BuddyMark::Split { node: 0, pfn: 0, buddy: 1, order: 0 });
            assert!(
                RowProps { snap: w[0].clone(), zone: 0, order: 0, mark }
                    != RowProps { snap: w[0].clone(), zone: 0, order: 0, mark: None }
            );
        }
        assert!(kept > 0 && drawn > 0, "kept {kept}, drawn {drawn}");
    }
}
