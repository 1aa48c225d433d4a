//! The cache view: the selected cache's slabs on the lists its policy keeps, each slab a row of
//! object cells (in use / free / on a CPU freelist / held by a per-CPU array) with the freelists
//! drawn as arrows in list order, following the pointers stored in memory. Long lists are cut
//! after [`MAX_ROWS`] slabs and summarised.
//!
//! The cells are drawn by [`CacheBody`], which depends only on the step: selecting or hovering
//! re-draws just the highlight overlay, and one delegated listener on the `<svg>` serves every
//! cell, so large caches stay smooth.

use std::collections::HashMap;
use std::rc::Rc;

use slabscope_core::event::EntityRef;
use slabscope_core::layers::{Cell, RowList, SlabRow};
use wasm_bindgen::JsCast;
use yew::prelude::*;

use crate::i18n::{t, tf, Lang};
use crate::views::ctx::{Ctx, Snap};
use crate::views::export::ExportButtons;

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
        d.push_str(&format!("M{a:.1} {ys:.1} Q{:.1} {yc:.1} {b:.1} {ys:.1} ", (a + b) / 2.0));
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
        colour_w: f64,
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
            let n = r.cells.len().max(1) as f64;
            // The colour offset (SLAB, AetherOS) as a leading gap, in object widths.
            let colour_w = if r.colour > 0 { (f64::from(r.colour) / f64::from(r.stride.max(1))).min(4.0) } else { 0.0 };
            let cw = (WIDTH - LABEL_W) / (n + colour_w);
            items.push(Item::Row { y, row: i, x0: LABEL_W + colour_w * cw, cw, colour_w });
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

#[derive(Properties, PartialEq)]
struct BodyProps {
    snap: Snap,
    cache: u32,
    lang: Lang,
    /// Slabs that changed lists at this step.
    moved: Rc<Vec<u32>>,
}

/// The cells, labels and arrows: a function of the step only.
#[function_component(CacheBody)]
fn cache_body(p: &BodyProps) -> Html {
    let lang = p.lang;
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
            Item::Row { y, row, x0, cw, colour_w } => {
                let r = &rows[row];
                let cy = 10.0;
                let (w, h) = (format!("{:.2}", cw.max(0.6)), CELL_H.to_string());
                let cells = r.cells.iter().enumerate().map(|(i, &c)| {
                    let addr = r.addr(i as u32);
                    let x = x0 + i as f64 * cw;
                    html! {
                        <rect class={classes!("cell", cell_class(c))} x={format!("{x:.2}")} y={format!("{cy:.1}")}
                              width={w.clone()} height={h.clone()}
                              data-addr={format!("{addr:#x}")} data-state={cell_class(c)} data-index={i.to_string()}>
                            <title>{ format!("#{i} {addr:#x} · {}", t(lang, &format!("vis.cell.{}", cell_class(c)))) }</title>
                        </rect>
                    }
                });
                slabs.push((r.pfn, html! {
                    <g key={r.pfn.to_string()} id={format!("slab-{}", r.pfn)} data-pfn={r.pfn.to_string()} data-list={format!("{:?}", r.list)}
                       class={classes!("slab-row", p.moved.contains(&r.pfn).then_some("moved"))}
                       style={format!("transform: translate(0px, {y:.1}px)")}>
                        <rect class="slab-bg" x="0" y="0" width={WIDTH.to_string()} height={(ROW_H - 2.0).to_string()} />
                        <text class="slab-label" x="4" y={format!("{:.1}", cy + 11.0)} tabindex="0" role="button" data-pfn={r.pfn.to_string()}>
                            { format!("pfn {:#x} · {}/{}", r.pfn, in_use(r), r.cells.len()) }
                        </text>
                        if r.colour > 0 {
                            <rect class="colour-gap" x={LABEL_W.to_string()} y={format!("{cy:.1}")} width={format!("{:.2}", colour_w * cw)}
                                  height={CELL_H.to_string()}><title>{ tf(lang, "vis.colour", &[("n", r.colour.to_string())]) }</title></rect>
                        }
                        { for cells }
                        { arrows(r, &r.freelist, x0, cw, cy, true, "slab-fl") }
                        { arrows(r, &r.cpu_freelist, x0, cw, cy, false, "cpu-fl") }
                    </g>
                }));
            }
        }
    }
    if items.is_empty() {
        labels.push(html! { <text class="muted-text" x="4" y="16">{ t(lang, "vis.no_slabs") }</text> });
    }
    slabs.sort_by_key(|(pfn, _)| *pfn);
    html! {
        <g class="cache-body">
            <g class="labels">{ for labels }</g>
            <g class="slabs">{ for slabs.into_iter().map(|(_, h)| h) }</g>
        </g>
    }
}

/// The entity under a DOM event's target: an object cell, else a slab (row or label).
fn entity_at(e: &Event, cache: u32) -> Option<EntityRef> {
    let el = e.target()?.dyn_into::<web_sys::Element>().ok()?;
    if let Some(a) = el.closest("[data-addr]").ok().flatten().and_then(|c| c.get_attribute("data-addr")) {
        let addr = u64::from_str_radix(a.trim_start_matches("0x"), 16).ok()?;
        return Some(EntityRef::Object { cache, addr });
    }
    let pfn = el.closest("[data-pfn]").ok().flatten()?.get_attribute("data-pfn")?.parse().ok()?;
    Some(EntityRef::Slab { cache, pfn })
}

#[function_component(CacheView)]
pub fn cache_view(p: &Props) -> Html {
    let ctx = &p.ctx;
    let lang = ctx.lang;
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
        let (cb, sel) = (ctx.on_select.clone(), ctx.selection);
        Callback::from(move |e: MouseEvent| {
            if let Some(ent) = entity_at(&e, cache) {
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
                if let Some(ent) = entity_at(&e, cache) {
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
                    let pfn = match (sel, entity_at(&e, cache)) {
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
        let (cb, last) = (ctx.on_hover.clone(), last_hover.clone());
        Callback::from(move |e: MouseEvent| {
            let ent = entity_at(&e, cache);
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
    let legend = ["used", "free", "cpufree", "cached"].map(|c| {
        html! { <li><svg width="14" height="14" aria-hidden="true"><rect class={classes!("cell", c)} width="14" height="14" /></svg>{ t(lang, &format!("vis.cell.{c}")) }</li> }
    });
    html! {
        <section class="panel vis-panel" data-panel="cache" aria-labelledby="cache-title">
            <h2 id="cache-title">{ tf(lang, "vis.cache_view_of", &[("name", ctx.cache_name(cache))]) }
                <ExportButtons target="cache-svg" name="cache" lang={lang} /></h2>
            <svg id="cache-svg" class="cache-svg" data-cache={cache.to_string()} viewBox={format!("0 0 {WIDTH} {h:.0}")}
                 width={WIDTH.to_string()} height={format!("{h:.0}")} role="group" aria-label={t(lang, "vis.cache_view")}
                 onclick={on_click} onkeydown={on_key} onmouseover={on_over} onmouseleave={on_leave}>
                <CacheBody snap={ctx.snap.clone()} cache={cache} lang={lang} moved={moved} />
                <g class="overlay">{ for overlay }</g>
            </svg>
            if !snap.block_rows.is_empty() { <crate::views::slob_view::SlobPages ctx={ctx.clone()} /> }
            <ul class="legend">{ for legend }
                <li><svg width="22" height="14" aria-hidden="true"><path class="fl-arrow slab-fl" d="M2 12 Q11 2 20 12" marker-end="url(#vis-arrow)" /></svg>{ t(lang, "vis.legend.freelist") }</li>
                <li><svg width="22" height="14" aria-hidden="true"><path class="fl-arrow cpu-fl" d="M2 2 Q11 12 20 2" marker-end="url(#vis-arrow)" /></svg>{ t(lang, "vis.legend.cpu_freelist") }</li>
            </ul>
        </section>
    }
}
