//! The cache view: the selected cache's slabs on the lists its policy keeps, each slab a row of
//! object cells (in use / free / on a CPU freelist / held by a per-CPU array) with the freelists
//! drawn as arrows in list order, following the pointers stored in memory. Long lists are cut
//! after [`MAX_ROWS`] slabs and summarised.

use std::collections::HashMap;

use slabscope_core::event::EntityRef;
use slabscope_core::layers::{Cell, RowList, SlabRow};
use yew::prelude::*;

use crate::i18n::{t, tf, Lang};
use crate::views::layers::{Ctx, ExportButtons};

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

#[function_component(CacheView)]
pub fn cache_view(p: &Props) -> Html {
    let ctx = &p.ctx;
    let lang = ctx.lang;
    let snap = &ctx.snap.snap;
    // Where each slab was at the last render: rows that moved lists flash.
    let prev = use_mut_ref(HashMap::<u32, (RowList, Option<u16>)>::new);
    let Some(cache) = ctx.cache() else {
        return html! {
            <section class="panel vis-panel" data-panel="cache" aria-labelledby="cache-title">
                <h2 id="cache-title">{ t(lang, "vis.cache_view") }</h2>
                <p class="muted">{ t(lang, "vis.no_caches") }</p>
            </section>
        };
    };
    let rows: Vec<&SlabRow> = snap.slab_rows.iter().filter(|r| r.cache == cache).collect();
    // Consecutive rows on the same list form a group.
    let mut groups: Vec<(RowList, Option<u16>, u8, Vec<&SlabRow>)> = Vec::new();
    for r in &rows {
        match groups.last_mut() {
            Some(g) if g.0 == r.list && g.1 == r.cpu && g.2 == r.node => g.3.push(r),
            _ => groups.push((r.list, r.cpu, r.node, vec![r])),
        }
    }
    let mut moved = Vec::new();
    {
        let mut prev = prev.borrow_mut();
        for r in &rows {
            if prev.get(&r.pfn).is_some_and(|&was| was != (r.list, r.cpu)) {
                moved.push(r.pfn);
            }
        }
        prev.clear();
        prev.extend(rows.iter().map(|r| (r.pfn, (r.list, r.cpu))));
    }
    let mut y = 4.0;
    let mut body = Vec::new();
    for (list, cpu, node, members) in &groups {
        body.push(html! {
            <text class="group-title" x="0" y={format!("{:.1}", y + 14.0)} data-list={format!("{list:?}")}>
                { format!("{} ({})", group_title(lang, *list, *cpu, *node), members.len()) }
            </text>
        });
        y += HEAD_H;
        for r in members.iter().take(MAX_ROWS) {
            let n = r.cells.len().max(1) as f64;
            let area = WIDTH - LABEL_W;
            // The colour offset (SLAB, AetherOS) as a leading gap, in object widths.
            let colour_w = if r.colour > 0 { (f64::from(r.colour) / f64::from(r.stride.max(1))).min(4.0) } else { 0.0 };
            let cw = area / (n + colour_w);
            let x0 = LABEL_W + colour_w * cw;
            let cy = y + 10.0;
            let slab_e = EntityRef::Slab { cache, pfn: r.pfn };
            let row_sel = ctx.focus.slab == Some(r.pfn);
            let inuse = r.cells.iter().filter(|c| !matches!(c, Cell::Free | Cell::CpuFree)).count();
            let cells = r.cells.iter().enumerate().map(|(i, &c)| {
                let addr = r.addr(i as u32);
                let e = EntityRef::Object { cache, addr };
                let sel = ctx.focus.object == Some(addr);
                let x = x0 + i as f64 * cw;
                html! {
                    <rect id={format!("obj-{addr:x}")} class={classes!("cell", cell_class(c), sel.then_some("sel"))}
                          x={format!("{x:.2}")} y={format!("{cy:.1}")} width={format!("{:.2}", cw.max(0.6))} height={CELL_H.to_string()}
                          data-addr={format!("{addr:#x}")} data-state={cell_class(c)} data-index={i.to_string()}
                          onclick={ctx.select(e)} onmouseenter={ctx.hover(e)} onmouseleave={ctx.unhover()}>
                        <title>{ format!("#{i} {addr:#x} · {}", t(lang, &format!("vis.cell.{}", cell_class(c)))) }</title>
                    </rect>
                }
            });
            body.push(html! {
                <g id={format!("slab-{}", r.pfn)} data-pfn={r.pfn.to_string()} data-list={format!("{:?}", r.list)}
                   class={classes!("slab-row", row_sel.then_some("sel"), moved.contains(&r.pfn).then_some("moved"))}>
                    <rect class="slab-bg" x="0" y={format!("{y:.1}")} width={WIDTH.to_string()} height={(ROW_H - 2.0).to_string()} />
                    <text class="slab-label" x="4" y={format!("{:.1}", cy + 11.0)} tabindex="0" role="button"
                          aria-pressed={(ctx.selection == Some(slab_e)).to_string()}
                          onclick={ctx.select(slab_e)} onkeydown={ctx.key_select(slab_e)}
                          onmouseenter={ctx.hover(slab_e)} onmouseleave={ctx.unhover()}>
                        { format!("pfn {:#x} · {}/{}", r.pfn, inuse, r.cells.len()) }
                    </text>
                    if r.colour > 0 {
                        <rect class="colour-gap" x={LABEL_W.to_string()} y={format!("{cy:.1}")} width={format!("{:.2}", colour_w * cw)}
                              height={CELL_H.to_string()}><title>{ tf(lang, "vis.colour", &[("n", r.colour.to_string())]) }</title></rect>
                    }
                    { for cells }
                    { arrows(r, &r.freelist, x0, cw, cy, true, "slab-fl") }
                    { arrows(r, &r.cpu_freelist, x0, cw, cy, false, "cpu-fl") }
                </g>
            });
            y += ROW_H;
        }
        if members.len() > MAX_ROWS {
            let rest = &members[MAX_ROWS..];
            let objs: usize = rest.iter().map(|r| r.cells.len()).sum();
            let used: usize =
                rest.iter().map(|r| r.cells.iter().filter(|c| !matches!(c, Cell::Free | Cell::CpuFree)).count()).sum();
            body.push(html! {
                <text class="more" x="4" y={format!("{:.1}", y + 12.0)}>
                    { tf(lang, "vis.more_slabs", &[("n", rest.len().to_string()), ("objs", objs.to_string()), ("used", used.to_string())]) }
                </text>
            });
            y += 20.0;
        }
    }
    if rows.is_empty() {
        body.push(html! { <text class="muted-text" x="4" y="16">{ t(lang, "vis.no_slabs") }</text> });
        y += 24.0;
    }
    let h = y + 6.0;
    let legend = ["used", "free", "cpufree", "cached"].map(|c| {
        html! { <li><svg width="14" height="14" aria-hidden="true"><rect class={classes!("cell", c)} width="14" height="14" /></svg>{ t(lang, &format!("vis.cell.{c}")) }</li> }
    });
    html! {
        <section class="panel vis-panel" data-panel="cache" aria-labelledby="cache-title">
            <h2 id="cache-title">{ tf(lang, "vis.cache_view_of", &[("name", ctx.cache_name(cache))]) }
                <ExportButtons target="cache-svg" name="cache" lang={lang} /></h2>
            <svg id="cache-svg" class="cache-svg" data-cache={cache.to_string()} viewBox={format!("0 0 {WIDTH} {h:.0}")}
                 width={WIDTH.to_string()} height={format!("{h:.0}")} role="img" aria-label={t(lang, "vis.cache_view")}>
                { for body }
            </svg>
            <ul class="legend">{ for legend }
                <li><svg width="22" height="14" aria-hidden="true"><path class="fl-arrow slab-fl" d="M2 12 Q11 2 20 12" marker-end="url(#vis-arrow)" /></svg>{ t(lang, "vis.legend.freelist") }</li>
                <li><svg width="22" height="14" aria-hidden="true"><path class="fl-arrow cpu-fl" d="M2 2 Q11 12 20 2" marker-end="url(#vis-arrow)" /></svg>{ t(lang, "vis.legend.cpu_freelist") }</li>
            </ul>
        </section>
    }
}
