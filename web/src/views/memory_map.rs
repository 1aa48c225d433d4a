//! The physical memory map: pages coloured and patterned by owner (free block, per-CPU list,
//! plain page allocation, large kmalloc, slab of a cache, SuperSlab), with a legend, zoom (buttons
//! and + / − keys), panning, and details of the hovered or focused page.
//!
//! At most `MAX_CELLS` cells are drawn: zoomed out, one cell aggregates several pages (drawn as the
//! owner of most of its allocated pages, else free or per-CPU); at one page per cell, each block is one outlined rect
//! (`rect[data-pfn][data-order][data-state]`), so a 64M machine (16384 pages) stays fast.

use slabscope_core::machine::Owner;
use slabscope_core::snapshot::{BlockSnap, BlockState};
use yew::prelude::*;

use crate::i18n::{t, tf, Lang};
use crate::views::export::ExportButtons;

#[derive(Properties, PartialEq)]
pub struct Props {
    pub blocks: Vec<BlockSnap>,
    pub total_pages: u32,
    /// NUMA nodes (memory is split evenly; boundaries are drawn).
    pub nodes: u8,
    /// Describes page `pfn` (owner, cache name...) for the details line.
    pub describe: Callback<u32, String>,
    /// Pages `[start, end)` of the entity selected or hovered in another view, outlined.
    #[prop_or_default]
    pub highlight: Option<(u32, u32)>,
    /// A page was clicked (or Enter pressed on the focused page): select it in every view.
    #[prop_or_default]
    pub on_select: Callback<u32>,
}

/// Cells drawn at most (a window of the memory when zoomed in).
const MAX_CELLS: u32 = 2048;
const WIDTH: f64 = 576.0;

/// Owner categories: (class, catalogue key).
pub const CATEGORIES: [(&str, &str); 7] = [
    ("free", "ui.legend.free"),
    ("pcp", "ui.legend.pcp"),
    ("pages", "ui.legend.pages"),
    ("large", "ui.legend.large"),
    ("slab", "ui.legend.slab"),
    ("superslab", "ui.legend.superslab"),
    ("transit", "ui.legend.transit"),
];

fn category(s: &BlockState) -> u8 {
    match s {
        BlockState::Free => 0,
        BlockState::Pcp { .. } => 1,
        BlockState::Used { owner: Owner::Pages { .. } } => 2,
        BlockState::Used { owner: Owner::Large { .. } } => 3,
        BlockState::Used { owner: Owner::Slab { .. } | Owner::ClassicSlab { .. } | Owner::AetherSlab { .. } } => 4,
        BlockState::Used { owner: Owner::SuperSlab { .. } } => 5,
        BlockState::Transit => 6,
    }
}

/// The legacy state name kept in `data-state` (free, used, pcp, transit).
fn state_name(s: &BlockState) -> &'static str {
    match s {
        BlockState::Free => "free",
        BlockState::Used { .. } => "used",
        BlockState::Pcp { .. } => "pcp",
        BlockState::Transit => "transit",
    }
}

fn cache_of(s: &BlockState) -> Option<u32> {
    match s {
        BlockState::Used {
            owner: Owner::Slab { cache } | Owner::ClassicSlab { cache } | Owner::AetherSlab { cache },
        } => Some(*cache),
        _ => None,
    }
}

/// A colour per cache id, in a magenta band of its own (away from the orange of page
/// allocations, the green of free blocks, the purple of large kmallocs and the blues of per-CPU
/// lists and SuperSlabs), so slabs of different caches differ.
fn cache_colour(cache: u32) -> String {
    let hue = 300 + cache.wrapping_mul(37) % 45;
    let light = 42 + cache.wrapping_mul(17) % 3 * 8;
    format!("--cache: hsl({hue} 70% {light}%)")
}

/// The dot pattern drawn over a slab's cache colour (so slabs read without colour).
fn overlay(x: f64, y: f64, w: f64, h: f64) -> Html {
    html! { <rect class="slab-dots" x={format!("{x:.2}")} y={format!("{y:.2}")} width={format!("{w:.2}")} height={format!("{h:.2}")} /> }
}

/// Pages per cell at zoom level `z` (0 = the whole memory in view).
fn pages_per_cell(total: u32, z: u32) -> u32 {
    let fit = total.div_ceil(MAX_CELLS).next_power_of_two();
    (fit >> z).max(1)
}

/// Most zoom levels (until one page per cell).
fn max_zoom(total: u32) -> u32 {
    total.div_ceil(MAX_CELLS).next_power_of_two().trailing_zeros()
}

#[function_component(MemoryMap)]
pub fn memory_map(p: &Props) -> Html {
    let lang = use_context::<Lang>().unwrap_or(Lang::En);
    let total = p.total_pages.max(1);
    let zoom = use_state(|| 0u32);
    let offset = use_state(|| 0u32);
    let focus = use_state(|| None::<u32>);
    let hover = use_state(|| None::<u32>);
    let z = (*zoom).min(max_zoom(total));
    let ppc = pages_per_cell(total, z);
    let cells = total.div_ceil(ppc).min(MAX_CELLS);
    let window = cells * ppc;
    let cols: u32 = if cells <= 256 { 32.min(cells) } else { 64 };
    let rows = cells.div_ceil(cols);
    let cell_w = WIDTH / f64::from(cols);
    let cell_h: f64 = if cells <= 256 { 18.0 } else { 9.0 };
    let start = (*offset).min(total.saturating_sub(window)) / ppc * ppc;
    let end = (start + window).min(total);
    let (w, h) = (f64::from(cols) * cell_w, f64::from(rows) * cell_h);
    let xy = |pfn: u32| {
        let cell = (pfn - start) / ppc;
        (f64::from(cell % cols) * cell_w, f64::from(cell / cols) * cell_h)
    };

    let mut shapes = Vec::new();
    // Per aggregated cell: the page whose owner the cell shows (for the details line).
    let mut reps: Vec<u32> = Vec::new();
    if ppc == 1 {
        for b in p.blocks.iter().filter(|b| b.pfn < end && b.pfn + (1 << b.order) > start) {
            let cat = CATEGORIES[category(&b.state) as usize].0;
            let style = cache_of(&b.state).map(cache_colour);
            let (bs, be) = (b.pfn.max(start), (b.pfn + (1u32 << b.order)).min(end));
            let mut pfn = bs;
            while pfn < be {
                let row_end = start + ((pfn - start) / cols + 1) * cols;
                let seg_end = be.min(row_end);
                let (x, y) = xy(pfn);
                let width = f64::from(seg_end - pfn) * cell_w;
                shapes.push(html! {
                    <rect class={classes!("block", state_name(&b.state), cat)} style={style.clone()}
                          x={format!("{x:.2}")} y={format!("{y:.2}")} width={format!("{width:.2}")} height={format!("{cell_h:.2}")}
                          data-pfn={b.pfn.to_string()} data-order={b.order.to_string()} data-state={state_name(&b.state)} data-owner={cat} />
                });
                if style.is_some() {
                    shapes.push(overlay(x, y, width, cell_h));
                }
                pfn = seg_end;
            }
        }
    } else {
        // Per cell: pages of each category, the first page of each and the first slab's cache,
        // summed block by block (#14: O(blocks + cells), no per-page arrays on every step).
        let n = cells as usize;
        let mut counts = vec![[0u32; 7]; n];
        let mut firsts = vec![[u32::MAX; 7]; n];
        let mut caches = vec![u32::MAX; n];
        for b in p.blocks.iter().filter(|b| b.pfn < end && b.pfn + (1 << b.order) > start) {
            let (c, k) = (category(&b.state) as usize, cache_of(&b.state).unwrap_or(u32::MAX));
            let (bs, be) = (b.pfn.max(start), (b.pfn + (1u32 << b.order)).min(end));
            let mut pfn = bs;
            while pfn < be {
                let cell = ((pfn - start) / ppc) as usize;
                let cell_end = (start + (cell as u32 + 1) * ppc).min(be);
                if let (Some(cn), Some(f)) = (counts.get_mut(cell), firsts.get_mut(cell)) {
                    cn[c] += cell_end - pfn;
                    f[c] = f[c].min(pfn);
                    if c == 4 && caches[cell] == u32::MAX {
                        caches[cell] = k;
                    }
                }
                pfn = cell_end;
            }
        }
        let mut groups: std::collections::BTreeMap<(usize, u32), String> = Default::default();
        for cell in 0..cells {
            if start + cell * ppc >= end {
                break;
            }
            let counts = &counts[cell as usize];
            // A cell shows what owns most of its allocated pages (so one slab page is not lost in
            // a free cell); cells with nothing allocated show free or per-CPU.
            let pick = |r: std::ops::Range<usize>| r.max_by_key(|&i| (counts[i], std::cmp::Reverse(i))).unwrap_or(0);
            let dominant = if counts[2..].iter().any(|&n| n > 0) { pick(2..7) } else { pick(0..2) };
            // Pages no block covers count as free (category 0), from the cell's first page.
            let first = firsts[cell as usize][dominant];
            reps.push(if first == u32::MAX { start + cell * ppc } else { first });
            let k = if dominant == 4 { caches[cell as usize] } else { u32::MAX };
            let k = if k == u32::MAX && dominant == 4 { 0 } else { k };
            let (x, y) = (f64::from(cell % cols) * cell_w, f64::from(cell / cols) * cell_h);
            let d = groups.entry((dominant, k)).or_default();
            crate::views::svg_num::rect(d, x, y, cell_w, cell_h);
        }
        // One path per owner (and cache): a few DOM nodes however many cells, so playing stays
        // fast on large machines.
        for ((dominant, k), d) in groups {
            let cat = CATEGORIES[dominant].0;
            let style = (dominant == 4).then(|| cache_colour(k));
            shapes.push(html! { <path class={classes!("cell", cat)} style={style} data-owner={cat} d={d.clone()} /> });
            if dominant == 4 {
                shapes.push(html! { <path class="slab-dots" d={d} /> });
            }
        }
    }
    // NUMA node boundaries: a step-shaped line before the node's first page.
    let ppn = total / u32::from(p.nodes.max(1));
    for n in 1..u32::from(p.nodes) {
        let b = n * ppn;
        if b <= start || b >= end {
            continue;
        }
        let (x, y) = xy(b);
        let points = format!("0,{:.2} {x:.2},{:.2} {x:.2},{y:.2} {w:.2},{y:.2}", y + cell_h, y + cell_h);
        shapes.push(html! { <polyline class="node-edge" points={points} data-node={n.to_string()} /> });
    }
    // The selected entity's pages: one outline per row segment of the cells that show them.
    if let Some((from, to)) = p.highlight {
        let (hs, he) = (from.max(start), to.min(end));
        let mut cell = if hs < he { (hs - start) / ppc } else { cells };
        let last = if hs < he { (he - 1 - start) / ppc } else { 0 };
        while cell <= last && cell < cells {
            let seg_end = last.min((cell / cols + 1) * cols - 1);
            let (x, y) = (f64::from(cell % cols) * cell_w, f64::from(cell / cols) * cell_h);
            let width = f64::from(seg_end - cell + 1) * cell_w;
            shapes.push(html! {
                <rect class="map-highlight" x={format!("{x:.2}")} y={format!("{y:.2}")} width={format!("{width:.2}")}
                      height={format!("{cell_h:.2}")} data-start={from.to_string()} data-end={to.to_string()} />
            });
            cell = seg_end + 1;
        }
    }
    let shown = (*hover).or(*focus).filter(|&pfn| pfn >= start && pfn < end);
    if let Some(pfn) = shown {
        let (x, y) = xy(pfn);
        shapes.push(html! {
            <rect class="map-focus" x={format!("{x:.2}")} y={format!("{y:.2}")} width={format!("{cell_w:.2}")} height={format!("{cell_h:.2}")} />
        });
    }
    // `None` while no page is pointed at: the hint, in a long and a short form (a small compare
    // frame shows the short one, styles/compare.css, so the columns' pictures keep the room).
    let details = match shown {
        None => None,
        Some(pfn) if ppc == 1 => Some(p.describe.emit(pfn)),
        Some(pfn) => Some({
            let first = start + (pfn - start) / ppc * ppc;
            let rep = reps.get(((pfn - start) / ppc) as usize).copied().unwrap_or(first);
            tf(
                lang,
                "ui.map.cell",
                &[
                    ("from", first.to_string()),
                    ("to", (first + ppc - 1).min(total - 1).to_string()),
                    ("details", p.describe.emit(rep)),
                ],
            )
        }),
    };

    let svg_ref = use_node_ref();
    let pfn_at = {
        let svg_ref = svg_ref.clone();
        move |e: &MouseEvent| -> Option<u32> {
            // Not `current_target`: Yew delegates events, so that is the app's root.
            let svg = svg_ref.cast::<web_sys::Element>()?;
            let r = svg.get_bounding_client_rect();
            if r.width() <= 0.0 || r.height() <= 0.0 {
                return None;
            }
            let x = (f64::from(e.client_x()) - r.left()) / r.width() * w;
            let y = (f64::from(e.client_y()) - r.top()) / r.height() * h;
            if x < 0.0 || y < 0.0 {
                return None;
            }
            let cell = (y / cell_h) as u32 * cols + ((x / cell_w) as u32).min(cols - 1);
            let pfn = start + cell * ppc;
            (pfn < end).then_some(pfn)
        }
    };
    let on_move = {
        let hover = hover.clone();
        let pfn_at = pfn_at.clone();
        Callback::from(move |e: MouseEvent| {
            let pfn = pfn_at(&e);
            if *hover != pfn {
                hover.set(pfn);
            }
        })
    };
    let on_leave = {
        let hover = hover.clone();
        Callback::from(move |_| hover.set(None))
    };
    let on_click = {
        let focus = focus.clone();
        let pfn_at = pfn_at.clone();
        let on_select = p.on_select.clone();
        Callback::from(move |e: MouseEvent| {
            let pfn = pfn_at(&e);
            focus.set(pfn);
            if let Some(pfn) = pfn {
                on_select.emit(pfn);
            }
        })
    };
    let set_zoom = {
        let (zoom, offset, focus) = (zoom.clone(), offset.clone(), focus.clone());
        move |nz: u32| {
            let nz = nz.min(max_zoom(total));
            let nppc = pages_per_cell(total, nz);
            let nwindow = total.div_ceil(nppc).min(MAX_CELLS) * nppc;
            let centre = focus.unwrap_or(start + window / 2);
            offset.set(centre.saturating_sub(nwindow / 2).min(total.saturating_sub(nwindow)));
            zoom.set(nz);
        }
    };
    let pan = {
        let (offset, focus) = (offset.clone(), focus.clone());
        move |d: i64| {
            let o = (i64::from(start) + d * i64::from(window)).clamp(0, i64::from(total.saturating_sub(window))) as u32;
            offset.set(o);
            // The focused page moves along, so the window stays where it was panned to.
            if focus.is_some() {
                focus.set(Some(o));
            }
        }
    };
    let on_key = {
        let (focus, set_zoom, pan) = (focus.clone(), set_zoom.clone(), pan.clone());
        let on_select = p.on_select.clone();
        Callback::from(move |e: KeyboardEvent| {
            let cur = focus.unwrap_or(start);
            let step = |d: i64| {
                let n = (i64::from(cur) + d).clamp(0, i64::from(total) - 1) as u32;
                focus.set(Some(n));
            };
            match e.key().as_str() {
                "+" | "=" => set_zoom(z + 1),
                "-" | "_" => set_zoom(z.saturating_sub(1)),
                "ArrowRight" => step(i64::from(ppc)),
                "ArrowLeft" => step(-i64::from(ppc)),
                "ArrowDown" => step(i64::from(ppc * cols)),
                "ArrowUp" => step(-i64::from(ppc * cols)),
                "PageDown" => pan(1),
                "PageUp" => pan(-1),
                "Enter" => on_select.emit(cur),
                _ => return,
            }
            e.prevent_default();
        })
    };
    // Keep the focused page inside the window.
    {
        let offset = offset.clone();
        use_effect_with((*focus, start, end, window), move |&(f, start, end, window)| {
            if let Some(f) = f {
                if f < start || f >= end {
                    offset.set(f / window * window);
                }
            }
        });
    }
    let zoom_in = {
        let set_zoom = set_zoom.clone();
        Callback::from(move |_| set_zoom(z + 1))
    };
    let zoom_out = Callback::from(move |_| set_zoom(z.saturating_sub(1)));
    let prev = {
        let pan = pan.clone();
        Callback::from(move |_| pan(-1))
    };
    let next = Callback::from(move |_| pan(1));

    let legend = CATEGORIES.iter().map(|(cls, key)| {
        html! { <li><svg width="14" height="14" aria-hidden="true"><rect class={classes!("block", "swatch", *cls)} width="14" height="14" /></svg>{ t(lang, key) }</li> }
    });
    html! {
        <figure class="memory-map">
            <div class="map-tools" role="group" aria-label={t(lang, "ui.map.zoom")}>
                <button id="map-zoom-out" aria-label={t(lang, "ui.map.zoom_out")} disabled={z == 0} onclick={zoom_out}>{ "−" }</button>
                <button id="map-zoom-in" aria-label={t(lang, "ui.map.zoom_in")} disabled={z >= max_zoom(total)} onclick={zoom_in}>{ "+" }</button>
                <button id="map-prev" aria-label={t(lang, "ui.map.prev")} disabled={start == 0} onclick={prev}>{ "◀" }</button>
                <button id="map-next" aria-label={t(lang, "ui.map.next")} disabled={end >= total} onclick={next}>{ "▶" }</button>
                <span id="map-scale">{ tf(lang, "ui.map.scale", &[("n", ppc.to_string()), ("from", start.to_string()), ("to", (end - 1).to_string())]) }</span>
                <ExportButtons target="buddy-view" name="memory-map" />
            </div>
            <svg id="buddy-view" ref={svg_ref} data-own-keys="1" tabindex="0" viewBox={format!("0 0 {w} {h}")} width={w.to_string()} height={h.to_string()}
                 role="img" aria-label={t(lang, "ui.map.label")} aria-describedby="page-details" data-pages-per-cell={ppc.to_string()}
                 onmousemove={on_move} onmouseleave={on_leave} onclick={on_click} onkeydown={on_key}>
                <defs>
                    <pattern id="pat-free" width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(45)">
                        <rect width="6" height="6" class="pat-free-bg" />
                        <line x1="0" y1="0" x2="0" y2="6" class="pat-free-line" />
                    </pattern>
                    <pattern id="pat-pcp" width="6" height="6" patternUnits="userSpaceOnUse">
                        <rect width="6" height="6" class="pat-pcp-bg" />
                        <circle cx="3" cy="3" r="1.2" class="pat-pcp-dot" />
                    </pattern>
                    <pattern id="pat-large" width="5" height="5" patternUnits="userSpaceOnUse">
                        <rect width="5" height="5" class="pat-large-bg" />
                        <line x1="1" y1="0" x2="1" y2="5" class="pat-large-line" />
                    </pattern>
                    <pattern id="pat-slab" width="6" height="6" patternUnits="userSpaceOnUse">
                        <rect x="1" y="1" width="2" height="2" class="pat-slab-dot" />
                    </pattern>
                    <pattern id="pat-superslab" width="6" height="6" patternUnits="userSpaceOnUse">
                        <rect width="6" height="6" class="pat-superslab-bg" />
                        <path d="M0 0L6 6M6 0L0 6" class="pat-superslab-line" />
                    </pattern>
                </defs>
                { for shapes }
            </svg>
            <p id="page-details" class="page-details" aria-live="polite">
                if let Some(details) = details {
                    { details }
                } else {
                    <span class="hint-long">{ t(lang, "ui.map.hint") }</span><span class="hint-short">{ t(lang, "ui.map.hint_short") }</span>
                }
            </p>
            <ul class="legend">{ for legend }</ul>
        </figure>
    }
}
