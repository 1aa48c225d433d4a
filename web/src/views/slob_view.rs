//! SLOB's heap pages (`slab=slob`): each page a bar of variable-size blocks in address order,
//! the free units (on the page's free chain, read from memory) and the allocated blocks with
//! their sizes; the selected cache's blocks are outlined. Drawn from the snapshot's
//! policy-neutral [`slabscope_core::slab::rows::BlockRow`]s.

use slabscope_core::page::machine::PAGE_SIZE;
use slabscope_core::slab::rows::BlockRow;
use yew::prelude::*;

use crate::i18n::{t, tf, Lang};
use crate::views::ctx::Ctx;

#[derive(Properties, PartialEq)]
pub struct Props {
    pub ctx: Ctx,
}

/// Pages drawn; the rest are counted.
const MAX_PAGES: usize = 12;
const WIDTH: f64 = 680.0;
const LABEL_W: f64 = 170.0;
const ROW_H: f64 = 30.0;
const BAR_H: f64 = 16.0;

fn page(ctx: &Ctx, lang: Lang, r: &BlockRow, cache: Option<u32>, y: f64) -> Html {
    let scale = (WIDTH - LABEL_W) / PAGE_SIZE as f64;
    let base = r.blocks.first().map_or(0, |b| b.addr);
    let list = match r.list {
        Some(l) => t(lang, &format!("vis.slob.list.{l}")),
        None => t(lang, "vis.slob.list.none"),
    };
    let blocks = r.blocks.iter().map(|b| {
        let x = LABEL_W + (b.addr - base) as f64 * scale;
        let w = f64::from(b.bytes) * scale;
        let (class, title) = match b.cache {
            None => ("free", tf(lang, "vis.slob.free_block", &[("bytes", b.bytes.to_string())])),
            Some(c) => (
                "used",
                tf(
                    lang,
                    "vis.slob.used_block",
                    &[("cache", ctx.cache_name(c)), ("size", b.size.to_string()), ("bytes", b.bytes.to_string())],
                ),
            ),
        };
        let mine = b.cache.is_some() && b.cache == cache;
        html! {
            <rect class={classes!("cell", class, mine.then_some("mine"))} x={format!("{x:.2}")} y="4"
                  width={format!("{:.2}", w.max(0.6))} height={BAR_H.to_string()}
                  data-addr={format!("{:#x}", b.addr)} data-bytes={b.bytes.to_string()} data-state={class}
                  data-cache={b.cache.map(|c| c.to_string())}>
                <title>{ format!("{:#x} · {title}", b.addr) }</title>
            </rect>
        }
    });
    html! {
        <g class="slob-page" id={format!("slob-page-{}", r.pfn)} data-pfn={r.pfn.to_string()}
           data-blocks={r.blocks.len().to_string()} style={format!("transform: translate(0px, {y:.1}px)")}>
            <text class="slab-label" x="4" y="16">
                { tf(lang, "vis.slob.page", &[("pfn", format!("{:#x}", r.pfn)), ("free", r.free.to_string()), ("list", list)]) }
            </text>
            { for blocks }
        </g>
    }
}

#[function_component(SlobPages)]
pub fn slob_pages(p: &Props) -> Html {
    let ctx = &p.ctx;
    let lang = use_context::<Lang>().unwrap_or(Lang::En);
    let rows = &ctx.snap.snap.block_rows;
    let cache = ctx.cache();
    let shown = rows.iter().take(MAX_PAGES).enumerate().map(|(i, r)| page(ctx, lang, r, cache, i as f64 * ROW_H));
    let h = (rows.len().min(MAX_PAGES) as f64 * ROW_H).max(ROW_H);
    let more = rows.len().saturating_sub(MAX_PAGES);
    html! {
        <div class="slob-pages" id="slob-pages" data-pages={rows.len().to_string()}>
            <h3>{ tf(lang, "vis.slob.pages", &[("n", rows.len().to_string())]) }</h3>
            <svg id="slob-svg" class="cache-svg" viewBox={format!("0 0 {WIDTH} {h:.0}")} width={WIDTH.to_string()}
                 height={format!("{h:.0}")} role="img" aria-label={t(lang, "vis.slob.aria")}>
                { for shown }
                if rows.is_empty() { <text class="muted-text" x="4" y="16">{ t(lang, "vis.no_slabs") }</text> }
            </svg>
            if more > 0 { <p class="more">{ tf(lang, "vis.slob.more", &[("n", more.to_string())]) }</p> }
        </div>
    }
}
