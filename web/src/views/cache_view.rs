//! The cache view: the selected cache's slabs on the lists its policy keeps, each slab a row of
//! object cells (in use / free / on a CPU freelist / held by a per-CPU array) with the freelists
//! drawn as arrows in list order, following the pointers stored in memory. Long lists are cut
//! after [`MAX_ROWS`] slabs and summarised.
//!
//! The cells are drawn by [`CacheBody`], which depends only on the step: selecting or hovering
//! re-draws just the highlight overlay, and one delegated listener on the `<svg>` serves every
//! cell, so large caches stay smooth.
//!
//! #14: a slab's cells are a few paths, not an element each: one `path.cells` per state class
//! (fill colour + pattern from the class), so a slab row is at most ~10 elements whatever its
//! object count (the DOM budget in BENCHMARKS.md). The pointer is hit-tested against the row's
//! geometry ([`geometry`]): the cell under it is `(x - x0) / cw`. The row carries its cells as
//! text (`data-cells`, one letter per object: [`cell_code`]) with its first address and stride, so
//! tests and tools read every object without an element per object; the slab label's
//! `aria-label` is the text alternative (the objects as runs of one state), and the keyboard walks
//! the objects (Enter on a slab, then ← / →).

use std::collections::HashMap;
use std::rc::Rc;

use slabscope_core::event::EntityRef;
use slabscope_core::layers::{Cell, RowList, SlabRow};
use slabscope_core::snapshot::Snapshot;
use wasm_bindgen::JsCast;
use yew::prelude::*;

use crate::i18n::{t, tf, Lang};
use crate::views::ctx::{Ctx, Snap};
use crate::views::export::ExportButtons;
use crate::views::svg_num;

#[derive(Properties, PartialEq)]
pub struct Props {
    pub ctx: Ctx,
}

/// Slabs drawn per list; the rest are summarised.
pub const MAX_ROWS: usize = 8;
/// Freelist arrows drawn per slab.
const MAX_ARROWS: usize = 96;
const WIDTH: f64 = 680.0;
const LABEL_W: f64 = 170.0;
const HEAD_H: f64 = 22.0;
const ROW_H: f64 = 34.0;
const CELL_H: f64 = 14.0;
/// The top of the cells within a slab row.
const CELL_Y: f64 = 10.0;

pub fn list_key(l: RowList) -> &'static str {
    match l {
        RowList::CpuSlab => "vis.list.cpu_slab",
        RowList::CpuPartial => "vis.list.cpu_partial",
        RowList::NodePartial => "vis.list.node_partial",
        RowList::Full => "vis.list.full",
        RowList::SlabsFull => "vis.list.slabs_full",
        RowList::SlabsPartial => "vis.list.slabs_partial",
        RowList::SlabsFree => "vis.list.slabs_free",
        RowList::GlobalFull => "vis.list.global_full",
        RowList::GlobalPartial => "vis.list.global_partial",
        RowList::GlobalEmpty => "vis.list.global_empty",
    }
}

pub fn cell_class(c: Cell) -> &'static str {
    match c {
        Cell::Used => "used",
        Cell::Free => "free",
        Cell::CpuFree => "cpufree",
        Cell::Cached => "cached",
    }
}

/// The cell states in drawing order (one path each).
const CELL_STATES: [Cell; 4] = [Cell::Used, Cell::Free, Cell::CpuFree, Cell::Cached];

/// One letter per cell in a row's `data-cells`: u(sed), f(ree), c(pu freelist), k (cached).
pub fn cell_code(c: Cell) -> char {
    match c {
        Cell::Used => 'u',
        Cell::Free => 'f',
        Cell::CpuFree => 'c',
        Cell::Cached => 'k',
    }
}

/// Where a row's cells go: (x of cell 0, cell width, the colour gap's width in cells).
fn geometry(r: &SlabRow) -> (f64, f64, f64) {
    let n = r.cells.len().max(1) as f64;
    // The colour offset (SLAB, AetherOS) as a leading gap, in object widths.
    let colour_w = if r.colour > 0 { (f64::from(r.colour) / f64::from(r.stride.max(1))).min(4.0) } else { 0.0 };
    let cw = (WIDTH - LABEL_W) / (n + colour_w);
    (LABEL_W + colour_w * cw, cw, colour_w)
}

/// The text alternative of a row's cells: its objects as runs of one state ("#0–#11 in use, #12
/// free, …").
fn cells_text(lang: Lang, r: &SlabRow) -> String {
    let mut runs: Vec<String> = Vec::new();
    let mut i = 0;
    while i < r.cells.len() {
        let c = r.cells[i];
        let mut j = i;
        while j + 1 < r.cells.len() && r.cells[j + 1] == c {
            j += 1;
        }
        let what = t(lang, &format!("vis.cell.{}", cell_class(c)));
        runs.push(if i == j { format!("#{i} {what}") } else { format!("#{i}–#{j} {what}") });
        i = j + 1;
    }
    runs.join(", ")
}

fn group_title(lang: Lang, list: RowList, cpu: Option<u16>, node: u8) -> String {
    let base = t(lang, list_key(list));
    match (list, cpu) {
        (_, Some(cpu)) => tf(lang, "vis.of_cpu", &[("what", base), ("cpu", cpu.to_string())]),
        (RowList::Full, None) => base,
        _ => tf(lang, "vis.of_node", &[("what", base), ("node", node.to_string())]),
    }
}

/// Arcs from cell to cell in list order (above the row: `up`; below: the CPU's freelist).
fn arrows(r: &SlabRow, order: &[u32], x0: f64, cw: f64, y: f64, up: bool, class: &'static str) -> Html {
    let mut d = String::new();
    for w in order.windows(2).take(MAX_ARROWS) {
        let (a, b) = (x0 + (f64::from(w[0]) + 0.5) * cw, x0 + (f64::from(w[1]) + 0.5) * cw);
        let lift = (6.0 + (b - a).abs() / 12.0).min(9.0);
        let (ys, yc) = if up { (y, y - lift) } else { (y + CELL_H, y + CELL_H + lift) };
        for (c, v) in [('M', a), (' ', ys), ('Q', (a + b) / 2.0), (' ', yc), (' ', b), (' ', ys)] {
            d.push(c);
            svg_num::push(&mut d, v);
        }
    }
    if d.is_empty() {
        return Html::default();
    }
    html! { <path class={classes!("fl-arrow", class)} d={d} data-slab={r.pfn.to_string()} marker-end="url(#vis-arrow)" /> }
}

/// Where things go in the cache view.
enum Item {
    Title {
        y: f64,
        list: RowList,
        cpu: Option<u16>,
        node: u8,
        count: usize,
    },
    /// `row`: index into `slab_rows`.
    Row {
        y: f64,
        row: usize,
        x0: f64,
        cw: f64,
    },
    More {
        y: f64,
        n: usize,
        objs: usize,
        used: usize,
    },
}

fn in_use(r: &SlabRow) -> usize {
    r.cells.iter().filter(|c| !matches!(c, Cell::Free | Cell::CpuFree)).count()
}

/// Lay out the slabs of `cache`: groups of consecutive rows on the same list.
fn plan(rows: &[SlabRow], cache: u32) -> (Vec<Item>, f64) {
    let mine: Vec<usize> = (0..rows.len()).filter(|&i| rows[i].cache == cache).collect();
    let mut groups: Vec<Vec<usize>> = Vec::new();
    for &i in &mine {
        let r = &rows[i];
        match groups.last_mut() {
            Some(g)
                if {
                    let f = &rows[g[0]];
                    f.list == r.list && f.cpu == r.cpu && f.node == r.node
                } =>
            {
                g.push(i)
            }
            _ => groups.push(vec![i]),
        }
    }
    let mut items = Vec::new();
    let mut y = 4.0;
    for g in &groups {
        let f = &rows[g[0]];
        items.push(Item::Title { y, list: f.list, cpu: f.cpu, node: f.node, count: g.len() });
        y += HEAD_H;
        for &i in g.iter().take(MAX_ROWS) {
            let r = &rows[i];
            let (x0, cw, _) = geometry(r);
            items.push(Item::Row { y, row: i, x0, cw });
            y += ROW_H;
        }
        if g.len() > MAX_ROWS {
            let rest = &g[MAX_ROWS..];
            let objs = rest.iter().map(|&i| rows[i].cells.len()).sum();
            let used = rest.iter().map(|&i| in_use(&rows[i])).sum();
            items.push(Item::More { y, n: rest.len(), objs, used });
            y += 20.0;
        }
    }
    if mine.is_empty() {
        y += 24.0;
    }
    (items, y + 6.0)
}

#[derive(Properties)]
struct RowProps {
    snap: Rc<Snapshot>,
    /// Index into the snapshot's `slab_rows`.
    row: usize,
    /// The row's top in the view.
    y: f64,
    /// The slab changed lists at this step.
    moved: bool,
}

/// Equal when the row draws the same: the same place, flash and slab (its cells, lists, colour).
impl PartialEq for RowProps {
    fn eq(&self, o: &Self) -> bool {
        self.y == o.y
            && self.moved == o.moved
            && (Rc::ptr_eq(&self.snap, &o.snap) && self.row == o.row
                || self.snap.slab_rows.get(self.row) == o.snap.slab_rows.get(o.row))
    }
}

/// One slab: its label, cells and freelist arrows (s12-compare: its own component keyed by the
/// slab's pfn, so a step that changes one slab renders and reconciles one row).
#[function_component(SlabRowView)]
fn slab_row_view(p: &RowProps) -> Html {
    let lang = use_context::<Lang>().unwrap_or(Lang::En);
    let Some(r) = p.snap.slab_rows.get(p.row) else { return Html::default() };
    let (y, (x0, cw, colour_w)) = (p.y, geometry(r));
    let cy = CELL_Y;
    // One path per state: each cell a closed rectangle (outlined like a rect).
    let w = cw.max(0.6);
    let mut d: [String; 4] = Default::default();
    let mut codes = String::with_capacity(r.cells.len());
    for (i, &c) in r.cells.iter().enumerate() {
        let x = x0 + i as f64 * cw;
        let k = CELL_STATES.iter().position(|&s| s == c).unwrap_or(0);
        svg_num::rect(&mut d[k], x, cy, w, CELL_H);
        codes.push(cell_code(c));
    }
    let cells = CELL_STATES.iter().zip(d).filter(|(_, d)| !d.is_empty()).map(|(&c, d)| {
        html! { <path class={classes!("cells", cell_class(c))} data-state={cell_class(c)} d={d} /> }
    });
    let used = in_use(r);
    let label = format!("pfn {:#x} · {used}/{}", r.pfn, r.cells.len());
    html! {
        <g id={format!("slab-{}", r.pfn)} data-pfn={r.pfn.to_string()} data-list={format!("{:?}", r.list)}
           data-cells={codes} data-first={format!("{:#x}", r.first)} data-stride={r.stride.to_string()}
           data-x0={format!("{x0:.3}")} data-cw={format!("{cw:.4}")}
           class={classes!("slab-row", p.moved.then_some("moved"))}
           style={format!("transform: translate(0px, {y:.1}px)")}>
            <rect class="slab-bg" x="0" y="0" width={WIDTH.to_string()} height={(ROW_H - 2.0).to_string()} />
            <text class="slab-label" x="4" y={format!("{:.1}", cy + 11.0)} tabindex="0" role="button" data-pfn={r.pfn.to_string()}
                  aria-label={format!("{label}: {}", cells_text(lang, r))}>
                { label }
            </text>
            if r.colour > 0 {
                <rect class="colour-gap" x={LABEL_W.to_string()} y={format!("{cy:.1}")} width={format!("{:.2}", colour_w * cw)}
                      height={CELL_H.to_string()}><title>{ tf(lang, "vis.colour", &[("n", r.colour.to_string())]) }</title></rect>
            }
            { for cells }
            { arrows(r, &r.freelist, x0, cw, cy, true, "slab-fl") }
            { arrows(r, &r.cpu_freelist, x0, cw, cy, false, "cpu-fl") }
        </g>
    }
}

#[derive(Properties, PartialEq)]
struct BodyProps {
    snap: Snap,
    cache: u32,
    /// Slabs that changed lists at this step.
    moved: Rc<Vec<u32>>,
}

/// The cells, labels and arrows: a function of the step only.
#[function_component(CacheBody)]
fn cache_body(p: &BodyProps) -> Html {
    let lang = use_context::<Lang>().unwrap_or(Lang::En);
    let rows = &p.snap.snap.slab_rows;
    let (items, _) = plan(rows, p.cache);
    let mut labels = Vec::new();
    // Slab rows in a stable (pfn) DOM order, keyed, placed by a transform: a slab that moves to
    // another list glides there (a CSS transition; none with prefers-reduced-motion).
    let mut slabs: Vec<(u32, Html)> = Vec::new();
    for it in &items {
        match *it {
            Item::Title { y, list, cpu, node, count } => labels.push(html! {
                <text class="group-title" x="0" y={format!("{:.1}", y + 14.0)} data-list={format!("{list:?}")}>
                    { format!("{} ({count})", group_title(lang, list, cpu, node)) }
                </text>
            }),
            Item::More { y, n, objs, used } => labels.push(html! {
                <text class="more" x="4" y={format!("{:.1}", y + 12.0)}>
                    { tf(lang, "vis.more_slabs", &[("n", n.to_string()), ("objs", objs.to_string()), ("used", used.to_string())]) }
                </text>
            }),
            Item::Row { y, row, .. } => {
                let pfn = rows[row].pfn;
                slabs.push((pfn, html! {
                    <SlabRowView key={pfn.to_string()} snap={p.snap.snap.clone()} row={row} y={y} moved={p.moved.contains(&pfn)} />
                }));
            }
        }
    }
    if items.is_empty() {
        labels.push(html! { <text class="muted-text" x="4" y="16">{ t(lang, "vis.no_slabs") }</text> });
    }
    slabscope_core::sort::sort_by_key(&mut slabs, |(pfn, _)| *pfn);
    html! {
        <g class="cache-body">
            <g class="labels">{ for labels }</g>
            <g class="slabs">{ for slabs.into_iter().map(|(_, h)| h) }</g>
        </g>
    }
}

/// The entity under a DOM event's target: an object (an element naming its address, or the
/// cell of a `path.cells` under the pointer, hit-tested against the row's geometry), else a slab
/// (row or label).
fn entity_at(e: &Event, cache: u32, rows: &[SlabRow]) -> Option<EntityRef> {
    let el = e.target()?.dyn_into::<web_sys::Element>().ok()?;
    if let Some(a) = el.closest("[data-addr]").ok().flatten().and_then(|c| c.get_attribute("data-addr")) {
        let addr = u64::from_str_radix(a.trim_start_matches("0x"), 16).ok()?;
        return Some(EntityRef::Object { cache, addr });
    }
    let row_el = el.closest("[data-pfn]").ok().flatten()?;
    let pfn: u32 = row_el.get_attribute("data-pfn")?.parse().ok()?;
    let slab = Some(EntityRef::Slab { cache, pfn });
    let (Some(mouse), true) = (e.dyn_ref::<MouseEvent>(), el.class_list().contains("cells")) else { return slab };
    let Some(r) = rows.iter().find(|r| r.pfn == pfn && r.cache == cache) else { return slab };
    // The svg is drawn at its viewBox's scale times the CSS box's: client x → user x.
    let svg = el.closest("svg").ok().flatten()?.get_bounding_client_rect();
    if svg.width() <= 0.0 {
        return slab;
    }
    let x = (f64::from(mouse.client_x()) - svg.left()) * WIDTH / svg.width();
    let (x0, cw, _) = geometry(r);
    let i = ((x - x0) / cw).floor();
    if i < 0.0 || i >= r.cells.len() as f64 {
        return slab;
    }
    Some(EntityRef::Object { cache, addr: r.addr(i as u32) })
}

#[function_component(CacheView)]
pub fn cache_view(p: &Props) -> Html {
    let ctx = &p.ctx;
    let lang = use_context::<Lang>().unwrap_or(Lang::En);
    let snap = &ctx.snap.snap;
    // Where each slab was at the step drawn before: rows that moved lists flash.
    let prev =
        use_mut_ref(|| (None::<Snap>, HashMap::<u32, (RowList, Option<u16>)>::new(), Rc::new(Vec::<u32>::new())));
    let last_hover = use_mut_ref(|| None::<EntityRef>);
    let Some(cache) = ctx.cache() else {
        return html! {
            <section class="panel vis-panel" data-panel="cache" aria-labelledby="cache-title">
                <h2 id="cache-title">{ t(lang, "vis.cache_view") }</h2>
                <p class="muted">{ t(lang, "vis.no_caches") }</p>
            </section>
        };
    };
    let moved = {
        let mut prev = prev.borrow_mut();
        let key = Some(ctx.snap.clone());
        if prev.0 != key {
            let now: HashMap<u32, (RowList, Option<u16>)> =
                snap.slab_rows.iter().map(|r| (r.pfn, (r.list, r.cpu))).collect();
            let moved: Vec<u32> =
                now.iter().filter(|(pfn, was)| prev.1.get(pfn).is_some_and(|p| p != *was)).map(|(p, _)| *p).collect();
            *prev = (key, now, Rc::new(moved));
        }
        prev.2.clone()
    };
    let (items, h) = plan(&snap.slab_rows, cache);
    // The highlight overlay: the focused slab's row and object's cell.
    let mut overlay = Vec::new();
    for it in &items {
        if let Item::Row { y, row, x0, cw, .. } = *it {
            let r = &snap.slab_rows[row];
            if ctx.focus.slab == Some(r.pfn) {
                overlay.push(html! { <rect class="hl-slab" data-pfn={r.pfn.to_string()} x="0" y={format!("{y:.1}")}
                width={WIDTH.to_string()} height={(ROW_H - 2.0).to_string()} /> });
                if let Some(i) = ctx.focus.object.and_then(|a| r.index_of(a)) {
                    overlay.push(html! { <rect class="hl-object" data-addr={format!("{:#x}", r.addr(i))}
                    x={format!("{:.2}", x0 + f64::from(i) * cw - 1.0)} y={format!("{:.1}", y + 9.0)}
                    width={format!("{:.2}", cw.max(0.6) + 2.0)} height={(CELL_H + 2.0).to_string()} /> });
                }
            }
        }
    }
    let on_click = {
        let (cb, sel, snap) = (ctx.on_select.clone(), ctx.selection, snap.clone());
        Callback::from(move |e: MouseEvent| {
            if let Some(ent) = entity_at(&e, cache, &snap.slab_rows) {
                cb.emit(if sel == Some(ent) { None } else { Some(ent) });
            }
        })
    };
    // Keyboard: Enter / Space on a slab label selects the slab; ← / → walk the objects of the
    // selected slab (→ from a slab enters its first object).
    let on_key = {
        let (cb, sel, snap) = (ctx.on_select.clone(), ctx.selection, snap.clone());
        Callback::from(move |e: KeyboardEvent| {
            let key = e.key();
            if key == "Enter" || key == " " {
                if let Some(ent) = entity_at(&e, cache, &snap.slab_rows) {
                    e.prevent_default();
                    cb.emit(if sel == Some(ent) { None } else { Some(ent) });
                }
                return;
            }
            let step: i64 = match key.as_str() {
                "ArrowRight" => 1,
                "ArrowLeft" => -1,
                _ => return,
            };
            let rows = &snap.slab_rows;
            let next = match sel {
                Some(EntityRef::Object { addr, .. }) => rows.iter().find_map(|r| {
                    let i = r.index_of(addr)?;
                    let j = (i64::from(i) + step).clamp(0, r.cells.len() as i64 - 1) as u32;
                    Some(r.addr(j))
                }),
                _ => {
                    let pfn = match (sel, entity_at(&e, cache, rows)) {
                        (Some(EntityRef::Slab { pfn, .. }), _) | (_, Some(EntityRef::Slab { pfn, .. })) => Some(pfn),
                        _ => None,
                    };
                    pfn.and_then(|p| rows.iter().find(|r| r.pfn == p && r.cache == cache)).map(|r| r.addr(0))
                }
            };
            if let Some(addr) = next {
                // Keep the arrows from also stepping the simulation.
                e.prevent_default();
                e.stop_propagation();
                cb.emit(Some(EntityRef::Object { cache, addr }));
            }
        })
    };
    let on_over = {
        let (cb, last, snap) = (ctx.on_hover.clone(), last_hover.clone(), snap.clone());
        Callback::from(move |e: MouseEvent| {
            let ent = entity_at(&e, cache, &snap.slab_rows);
            if *last.borrow() != ent {
                *last.borrow_mut() = ent;
                cb.emit(ent);
            }
        })
    };
    let on_leave = {
        let (cb, last) = (ctx.on_hover.clone(), last_hover);
        Callback::from(move |_: MouseEvent| {
            if last.borrow_mut().take().is_some() {
                cb.emit(None);
            }
        })
    };
    // What the per-cell tooltips said: the focused (hovered, else selected) object of this cache.
    let details = ctx.focus.object.and_then(|a| {
        let r = snap.slab_rows.iter().find(|r| r.cache == cache && r.index_of(a).is_some())?;
        let i = r.index_of(a)?;
        let c = cell_class(r.cells[i as usize]);
        Some(format!("pfn {:#x} #{i} {a:#x} · {}", r.pfn, t(lang, &format!("vis.cell.{c}"))))
    });
    let legend = ["used", "free", "cpufree", "cached"].map(|c| {
        html! { <li><svg width="14" height="14" aria-hidden="true"><rect class={classes!("cell", c)} width="14" height="14" /></svg>{ t(lang, &format!("vis.cell.{c}")) }</li> }
    });
    html! {
        <section class="panel vis-panel" data-panel="cache" aria-labelledby="cache-title">
            <h2 id="cache-title">{ tf(lang, "vis.cache_view_of", &[("name", ctx.cache_name(cache))]) }
                <ExportButtons target="cache-svg" name="cache" /></h2>
            <svg id="cache-svg" class="cache-svg" data-cache={cache.to_string()} viewBox={format!("0 0 {WIDTH} {h:.0}")}
                 width={WIDTH.to_string()} height={format!("{h:.0}")} role="group" aria-label={t(lang, "vis.cache_view")}
                 onclick={on_click} onkeydown={on_key} onmousemove={on_over} onmouseleave={on_leave}>
                <CacheBody snap={ctx.snap.clone()} cache={cache} moved={moved} />
                <g class="overlay">{ for overlay }</g>
            </svg>
            <p class="muted cache-details" id="cache-details">{ details.unwrap_or_else(|| "\u{a0}".to_string()) }</p>
            if !snap.block_rows.is_empty() { <crate::views::slob_view::SlobPages ctx={ctx.clone()} /> }
            <ul class="legend">{ for legend }
                <li><svg width="22" height="14" aria-hidden="true"><path class="fl-arrow slab-fl" d="M2 12 Q11 2 20 12" marker-end="url(#vis-arrow)" /></svg>{ t(lang, "vis.legend.freelist") }</li>
                <li><svg width="22" height="14" aria-hidden="true"><path class="fl-arrow cpu-fl" d="M2 2 Q11 12 20 2" marker-end="url(#vis-arrow)" /></svg>{ t(lang, "vis.legend.cpu_freelist") }</li>
            </ul>
        </section>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_slab_row_is_equal_while_its_slab_is() {
        let snaps = crate::views::snapshots_of_every_step(include_str!("../../../examples/slub-paths.ops"));
        let (mut kept, mut drawn) = (0, 0);
        for w in snaps.windows(2) {
            for (i, r) in w[1].slab_rows.iter().enumerate() {
                let Some(j) = w[0].slab_rows.iter().position(|o| o.pfn == r.pfn) else { continue };
                let row = |s: &Rc<Snapshot>, row| RowProps { snap: s.clone(), row, y: 4.0, moved: false };
                let same = w[0].slab_rows[j] == *r;
                assert_eq!(row(&w[0], j) == row(&w[1], i), same, "slab {:#x}", r.pfn);
                if same {
                    kept += 1;
                } else {
                    drawn += 1;
                }
                assert!(row(&w[1], i) != RowProps { snap: w[1].clone(), row: i, y: 40.0, moved: false });
                assert!(row(&w[1], i) != RowProps { snap: w[1].clone(), row: i, y: 4.0, moved: true });
            }
        }
        assert!(kept > 0 && drawn > 0, "kept {kept}, drawn {drawn}");
    }
}
