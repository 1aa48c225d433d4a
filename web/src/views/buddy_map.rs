//! The physical memory map: one cell per page, each block outlined, coloured and patterned by
//! state so it reads without colour too.

use slabscope_core::snapshot::{BlockSnap, BlockState};
use yew::prelude::*;

use crate::i18n::{t, Lang};

#[derive(Properties, PartialEq)]
pub struct Props {
    pub blocks: Vec<BlockSnap>,
    pub total_pages: u32,
    pub lang: Lang,
    /// Pages `[start, end)` of the entity selected or hovered in another view, outlined.
    #[prop_or_default]
    pub highlight: Option<(u32, u32)>,
}

const WIDTH: f64 = 576.0;

fn state_name(s: &BlockState) -> &'static str {
    match s {
        BlockState::Free => "free",
        BlockState::Used { .. } => "used",
        BlockState::Pcp { .. } => "pcp",
        BlockState::Transit => "transit",
    }
}

#[function_component(BuddyMap)]
pub fn buddy_map(p: &Props) -> Html {
    // Small machines: one 18 px cell per page, 32 per row. Large ones: at most 64 rows.
    let total = p.total_pages.max(1);
    let per_row = if total <= 1024 { 32.min(total) } else { total.div_ceil(64).next_power_of_two() };
    let cell_w = WIDTH / f64::from(per_row);
    let cell_h: f64 = if total <= 1024 { 18.0 } else { 8.0 };
    let rows = total.div_ceil(per_row);
    let (w, h) = (f64::from(per_row) * cell_w, f64::from(rows) * cell_h);
    let mut rects = Vec::new();
    for b in &p.blocks {
        let state = state_name(&b.state);
        let (start, end) = (b.pfn, b.pfn + (1u32 << b.order));
        // A block may span several rows: one rect per row segment.
        let mut pfn = start;
        while pfn < end {
            let row = pfn / per_row;
            let seg_end = end.min((row + 1) * per_row);
            let x = f64::from(pfn % per_row) * cell_w;
            let y = f64::from(row) * cell_h;
            let width = f64::from(seg_end - pfn) * cell_w;
            rects.push(html! {
                <rect class={classes!("block", state)} x={format!("{x:.2}")} y={format!("{y:.2}")}
                      width={format!("{width:.2}")} height={format!("{cell_h:.2}")}
                      data-pfn={b.pfn.to_string()} data-order={b.order.to_string()} data-state={state}>
                    <title>{ format!("pfn {}-{} · order {} · {}", b.pfn, end - 1, b.order, t(p.lang, &format!("ui.legend.{state}"))) }</title>
                </rect>
            });
            pfn = seg_end;
        }
    }
    // The selected entity's pages: one outline per row segment.
    if let Some((start, end)) = p.highlight {
        let mut pfn = start.min(total);
        while pfn < end.min(total) {
            let row = pfn / per_row;
            let seg_end = end.min(total).min((row + 1) * per_row);
            let (x, y) = (f64::from(pfn % per_row) * cell_w, f64::from(row) * cell_h);
            let width = f64::from(seg_end - pfn) * cell_w;
            rects.push(html! {
                <rect class="map-highlight" x={format!("{x:.2}")} y={format!("{y:.2}")} width={format!("{width:.2}")}
                      height={format!("{cell_h:.2}")} data-start={start.to_string()} data-end={end.to_string()} />
            });
            pfn = seg_end;
        }
    }
    let legend = ["free", "used", "pcp", "transit"].map(|s| {
        html! { <li><svg width="14" height="14" aria-hidden="true"><rect class={classes!("block", s)} width="14" height="14" /></svg>{ t(p.lang, &format!("ui.legend.{s}")) }</li> }
    });
    html! {
        <figure class="memory-map">
            <svg id="buddy-view" viewBox={format!("0 0 {w} {h}")} width={w.to_string()} height={h.to_string()} role="img"
                 aria-label={t(p.lang, "ui.memory_map")}>
                <defs>
                    <pattern id="pat-free" width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(45)">
                        <rect width="6" height="6" class="pat-free-bg" />
                        <line x1="0" y1="0" x2="0" y2="6" class="pat-free-line" />
                    </pattern>
                    <pattern id="pat-pcp" width="6" height="6" patternUnits="userSpaceOnUse">
                        <rect width="6" height="6" class="pat-pcp-bg" />
                        <circle cx="3" cy="3" r="1.2" class="pat-pcp-dot" />
                    </pattern>
                </defs>
                { for rects }
            </svg>
            <ul class="legend">{ for legend }</ul>
        </figure>
    }
}
