//! The per-CPU view: every CPU side by side for the selected cache — SLUB's cpu slab, lockless
//! freelist and cpu partial list; SLAB's array_cache and the shared array; magazines (loaded /
//! previous / depot); sheaves (main / spare / barn); AetherOS's object cache and hot list.
//! Fast-path hits and misses are counted and flash when they change.

use std::collections::HashMap;

use slabscope_core::event::EntityRef;
use slabscope_core::slab::rows::{ArrayKind, CounterKind, NodeKind};
use slabscope_core::slub::phys;
use yew::prelude::*;

use crate::i18n::{t, tf, Lang};
use crate::views::ctx::{Ctx, Snap};
use crate::views::export::ExportButtons;

#[derive(Properties, PartialEq)]
pub struct Props {
    pub ctx: Ctx,
}

/// Objects drawn per array; the rest are counted.
const MAX_CHIPS: usize = 24;

/// One counter row; `flash` when it grew since the last render.
struct Counter {
    id: String,
    key: &'static str,
    value: u64,
    miss: bool,
}

fn chips(ctx: &Ctx, lang: Lang, cache: u32, id: String, label: String, addrs: &[u64], cap: Option<usize>) -> Html {
    let shown = addrs.iter().take(MAX_CHIPS).map(|&addr| {
        let e = EntityRef::Object { cache, addr };
        let sel = ctx.focus.object == Some(addr);
        let pfn = (phys(addr) >> 12) as u32;
        let rel = ctx.focus.pages.is_some_and(|(a, b)| pfn >= a && pfn < b);
        html! {
            <button class={classes!("chip", sel.then_some("sel"), rel.then_some("rel"))} data-addr={format!("{addr:#x}")}
                    title={format!("{addr:#x}")} aria-pressed={(ctx.selection == Some(e)).to_string()}
                    onclick={ctx.select(e)} onmouseenter={ctx.hover(e)} onmouseleave={ctx.unhover()}>
                { format!("…{:04x}", addr & 0xffff) }
            </button>
        }
    });
    let more = addrs.len().saturating_sub(MAX_CHIPS);
    let count = match cap {
        Some(c) => format!("{}/{c}", addrs.len()),
        None => addrs.len().to_string(),
    };
    html! {
        <div class="array" id={id} data-count={addrs.len().to_string()}>
            <div class="array-label">{ label }<span class="count">{ count }</span></div>
            <div class="chips">
                { for shown }
                if more > 0 { <span class="more">{ tf(lang, "vis.more", &[("n", more.to_string())]) }</span> }
                if addrs.is_empty() { <span class="muted">{ t(lang, "vis.empty") }</span> }
            </div>
        </div>
    }
}

fn slab_button(ctx: &Ctx, cache: u32, pfn: u32, id: String) -> Html {
    let e = EntityRef::Slab { cache, pfn };
    let sel = ctx.focus.slab == Some(pfn);
    html! {
        <button id={id} class={classes!("slab-chip", sel.then_some("sel"))} data-pfn={pfn.to_string()}
                aria-pressed={(ctx.selection == Some(e)).to_string()}
                onclick={ctx.select(e)} onmouseenter={ctx.hover(e)} onmouseleave={ctx.unhover()}>
            { format!("pfn {pfn:#x}") }
        </button>
    }
}

/// The element id suffix and the label key of an array.
fn array_key(kind: ArrayKind) -> (&'static str, &'static str) {
    match kind {
        ArrayKind::CpuFreelist => ("freelist", "vis.legend.cpu_freelist"),
        ArrayKind::CpuPartial => ("partial", "vis.list.cpu_partial"),
        ArrayKind::ArrayCache => ("array", "vis.array_cache"),
        ArrayKind::HotList => ("hot", "vis.hot_list"),
        ArrayKind::ObjectCache => ("local", "vis.object_cache"),
        ArrayKind::MagazineLoaded => ("main", "vis.mag_loaded"),
        ArrayKind::MagazinePrevious => ("spare", "vis.mag_previous"),
        ArrayKind::SheafMain => ("main", "vis.sheaf_main"),
        ArrayKind::SheafSpare => ("spare", "vis.sheaf_spare"),
    }
}

/// The label key of a counter (its last part names the counter's element id).
fn counter_key(kind: CounterKind) -> &'static str {
    match kind {
        CounterKind::AllocFast => "vis.ctr.alloc_fast",
        CounterKind::AllocSlow => "vis.ctr.alloc_slow",
        CounterKind::FreeFast => "vis.ctr.free_fast",
        CounterKind::FreeSlow => "vis.ctr.free_slow",
        CounterKind::Hits => "vis.ctr.hits",
        CounterKind::Misses => "vis.ctr.misses",
        CounterKind::HotHits => "vis.ctr.hot_hits",
        CounterKind::LocalHits => "vis.ctr.local_hits",
    }
}

#[function_component(PerCpuView)]
pub fn percpu_view(p: &Props) -> Html {
    let ctx = &p.ctx;
    let lang = use_context::<Lang>().unwrap_or(Lang::En);
    let snap = &ctx.snap.snap;
    // Counters at the step drawn before this one (by snapshot identity, so re-rendering the same
    // step for a hover keeps the flash): (snapshot, before, now).
    let prev = use_mut_ref(|| (None::<Snap>, HashMap::<String, u64>::new(), HashMap::<String, u64>::new()));
    {
        let mut prev = prev.borrow_mut();
        let key = Some(ctx.snap.clone());
        if prev.0 != key {
            let now = std::mem::take(&mut prev.2);
            *prev = (key, now.clone(), now);
        }
    }
    let Some(cache) = ctx.cache() else { return Html::default() };
    let policy = snap.config.slab;
    let cpus = snap.config.cpus;
    let mut columns = Vec::new();
    let mut shared = Vec::new();
    for cpu in 0..cpus {
        let mut parts: Vec<Html> = Vec::new();
        let mut counters: Vec<Counter> = Vec::new();
        let mut rel = ctx.focus.cpu == Some(cpu);
        let c = |key: &'static str, value: u64, miss: bool| Counter {
            id: format!("cpu{cpu}-{}", key.rsplit('.').next().unwrap_or(key)),
            key,
            value,
            miss,
        };
        // The policy-neutral row of this CPU (from the slab contract), innermost layer first.
        if let Some(row) = snap.cpu_rows.iter().find(|r| r.cache == cache && r.cpu == cpu) {
            match row.cpu_slab {
                Some(Some(pfn)) => {
                    rel |= ctx.focus.slab == Some(pfn);
                    parts.push(html! { <div class="array-label">{ t(lang, "vis.list.cpu_slab") }{ " " }{ slab_button(ctx, cache, pfn, format!("cpu{cpu}-slab")) }</div> });
                }
                Some(None) => parts.push(html! { <div class="array-label">{ t(lang, "vis.list.cpu_slab") }{ " " }<span class="muted">{ t(lang, "vis.none") }</span></div> }),
                None => {}
            }
            for a in &row.arrays {
                let (id, key) = array_key(a.kind);
                match (&a.objects, a.kind) {
                    (Some(pfns), ArrayKind::CpuPartial) => {
                        rel |= ctx.focus.slab.is_some_and(|s| pfns.contains(&u64::from(s)));
                        let partial = pfns.iter().map(|&pfn| {
                            let pfn = pfn as u32;
                            slab_button(ctx, cache, pfn, format!("cpu{cpu}-partial-{pfn}"))
                        });
                        parts.push(html! { <div class="array"><div class="array-label">{ t(lang, key) }<span class="count">{ pfns.len() }</span></div><div class="chips">{ for partial }</div></div> });
                    }
                    (Some(objects), _) => parts.push(chips(
                        ctx,
                        lang,
                        cache,
                        format!("cpu{cpu}-{id}"),
                        t(lang, key),
                        objects,
                        a.limit.map(|l| l as usize),
                    )),
                    (None, _) => parts.push(html! { <div class="array-label">{ t(lang, key) }{ " " }<span class="muted">{ t(lang, "vis.none") }</span></div> }),
                }
            }
            if row.touched {
                parts.push(html! { <div class="muted">{ t(lang, "vis.touched") }</div> });
            }
            counters.extend(row.counters.iter().map(|&(k, v)| c(counter_key(k), v, k.is_miss())));
        }
        let rows = {
            let mut prev = prev.borrow_mut();
            counters
                .iter()
                .map(|k| {
                    let key = format!("{cache}:{}", k.id);
                    let grew = prev.1.get(&key).is_some_and(|&v| k.value > v);
                    prev.2.insert(key, k.value);
                    let flash = grew.then_some(if k.miss { "flash-miss" } else { "flash-hit" });
                    html! { <tr class={classes!(flash)}><th scope="row">{ t(lang, k.key) }</th><td id={k.id.clone()} class="num">{ k.value }</td></tr> }
                })
                .collect::<Vec<_>>()
        };
        let hit_rate = {
            let hits: u64 = counters.iter().filter(|k| !k.miss).map(|k| k.value).sum();
            let all: u64 = counters.iter().map(|k| k.value).sum();
            (all > 0).then(|| hits * 100 / all)
        };
        let e = EntityRef::Cpu { cpu };
        columns.push(html! {
            <div class={classes!("cpu-col", rel.then_some("rel"))} id={format!("cpu-col-{cpu}")} data-cpu={cpu.to_string()}>
                <button class="cpu-title" aria-pressed={(ctx.selection == Some(e)).to_string()} onclick={ctx.select(e)}
                        onmouseenter={ctx.hover(e)} onmouseleave={ctx.unhover()}>{ tf(lang, "vis.cpu", &[("cpu", cpu.to_string())]) }</button>
                { for parts }
                <table class="counters">{ for rows }</table>
                if let Some(r) = hit_rate { <div class="hit-rate" id={format!("cpu{cpu}-hit-rate")}>{ tf(lang, "vis.hit_rate", &[("pct", r.to_string())]) }</div> }
            </div>
        });
    }
    // Node-wide: depot / barn, SLAB's shared arrays.
    for r in snap.node_rows.iter().filter(|r| r.cache == cache) {
        let node = r.node.to_string();
        shared.push(match r.kind {
            NodeKind::Shared => html! {
                <div class="cpu-col depot" id={format!("shared-{node}")}>
                    <div class="cpu-title">{ tf(lang, "vis.shared", &[("node", node.clone())]) }</div>
                    { chips(ctx, lang, cache, format!("shared-{node}-array"), t(lang, "vis.array_cache"), &r.objects, r.limit.map(|l| l as usize)) }
                </div>
            },
            NodeKind::Depot | NodeKind::Barn => {
                let title = if r.kind == NodeKind::Barn {
                    tf(lang, "vis.barn", &[("node", node.clone())])
                } else {
                    t(lang, "vis.depot")
                };
                html! {
                    <div class="cpu-col depot" id={format!("depot-{node}")}>
                        <div class="cpu-title">{ title }</div>
                        { chips(ctx, lang, cache, format!("depot-{node}-full"), tf(lang, "vis.full_arrays", &[("n", r.full.to_string())]), &r.objects, None) }
                        <div class="array-label">{ tf(lang, "vis.empty_arrays", &[("n", r.empty.to_string())]) }</div>
                    </div>
                }
            }
        });
    }
    html! {
        <section class="panel vis-panel" data-panel="percpu" aria-labelledby="percpu-title">
            <h2 id="percpu-title">{ tf(lang, "vis.percpu_of", &[("name", ctx.cache_name(cache))]) }
                <ExportButtons target="percpu-view" name="percpu" /></h2>
            <div id="percpu-view" class="cpu-cols" data-policy={format!("{policy:?}")}>{ for columns }{ for shared }</div>
        </section>
    }
}
