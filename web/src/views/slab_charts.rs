//! Slab charts, drawn as themed SVG bars: slabs by list, objects per cache (active of total),
//! fast-path hit rate per CPU, internal fragmentation per cache, SuperSlabs and resident memory.
//! Each is exportable as SVG and PNG.

use slabscope_core::layers::RowList;
use yew::prelude::*;

use crate::i18n::{t, tf, Lang};
use crate::views::cache_view::list_key;
use crate::views::ctx::Ctx;
use crate::views::export::ExportButtons;

#[derive(Properties, PartialEq)]
pub struct Props {
    pub ctx: Ctx,
}

/// Caches shown per chart (the largest).
const TOP: usize = 12;

#[derive(Clone, PartialEq)]
struct Bar {
    label: String,
    value: f64,
    /// A background bar (e.g. total objects behind active ones).
    total: Option<f64>,
    text: String,
}

#[derive(Properties, PartialEq)]
struct ChartProps {
    id: AttrValue,
    title: String,
    bars: Vec<Bar>,
    /// What the chart measures, shown under it and as the picture's description.
    #[prop_or_default]
    definition: Option<String>,
}

#[function_component(BarChart)]
fn bar_chart(p: &ChartProps) -> Html {
    let lang = use_context::<Lang>().unwrap_or(Lang::En);
    const W: f64 = 420.0;
    const LABEL: f64 = 150.0;
    const BH: f64 = 16.0;
    let max = p.bars.iter().map(|b| b.value.max(b.total.unwrap_or(0.0))).fold(0.0, f64::max).max(1e-9);
    let scale = (W - LABEL - 100.0) / max;
    let h = 8.0 + p.bars.len().max(1) as f64 * (BH + 6.0);
    let bars = p.bars.iter().enumerate().map(|(i, b)| {
        let y = 4.0 + i as f64 * (BH + 6.0);
        html! {
            <g class="bar" data-label={b.label.clone()} data-value={b.value.to_string()}>
                <text class="bar-label" x={(LABEL - 6.0).to_string()} y={format!("{:.1}", y + 12.0)} text-anchor="end">{ b.label.clone() }</text>
                if let Some(tot) = b.total {
                    <rect class="bar-total" x={LABEL.to_string()} y={format!("{y:.1}")} width={format!("{:.1}", tot * scale)} height={BH.to_string()} />
                }
                <rect class="bar-value" x={LABEL.to_string()} y={format!("{y:.1}")} width={format!("{:.1}", b.value * scale)} height={BH.to_string()} />
                <text class="bar-text" x={format!("{:.1}", LABEL + b.value.max(b.total.unwrap_or(0.0)) * scale + 4.0)} y={format!("{:.1}", y + 12.0)}>{ b.text.clone() }</text>
            </g>
        }
    });
    html! {
        <figure class="slab-chart">
            <figcaption>{ p.title.clone() }<ExportButtons target={p.id.clone()} name={p.id.clone()} /></figcaption>
            <svg id={p.id.clone()} viewBox={format!("0 0 {W} {h:.0}")} width={W.to_string()} height={format!("{h:.0}")} role="img" aria-label={p.title.clone()}
                 aria-describedby={p.definition.as_ref().map(|_| format!("{}-def", p.id))}>
                if let Some(d) = &p.definition { <title>{ d.clone() }</title> }
                if p.bars.is_empty() { <text class="muted-text" x="4" y="14">{ t(lang, "vis.no_data") }</text> }
                { for bars }
            </svg>
            if let Some(d) = &p.definition { <p class="chart-def" id={format!("{}-def", p.id)}>{ d.clone() }</p> }
        </figure>
    }
}

#[function_component(SlabCharts)]
pub fn slab_charts(p: &Props) -> Html {
    let ctx = &p.ctx;
    let lang = use_context::<Lang>().unwrap_or(Lang::En);
    let snap = &ctx.snap.snap;
    // Slabs by list.
    let mut by_list: Vec<(RowList, u64)> = Vec::new();
    for r in &snap.slab_rows {
        match by_list.iter_mut().find(|(l, _)| *l == r.list) {
            Some((_, n)) => *n += 1,
            None => by_list.push((r.list, 1)),
        }
    }
    let lists: Vec<Bar> = by_list
        .iter()
        .map(|&(l, n)| Bar { label: t(lang, list_key(l)), value: n as f64, total: None, text: n.to_string() })
        .collect();
    let mut caches: Vec<_> = snap.cache_rows.iter().filter(|r| r.slabs > 0).collect();
    slabscope_core::sort::sort_by_key(&mut caches, |r| std::cmp::Reverse((r.objects, r.id)));
    caches.truncate(TOP);
    let objects: Vec<Bar> = caches
        .iter()
        .map(|r| Bar {
            label: r.name.clone(),
            value: r.active as f64,
            total: Some(r.objects as f64),
            text: format!("{}/{}", r.active, r.objects),
        })
        .collect();
    // The core's internal fragmentation (slot waste of objects in use + slab leftover).
    let frag: Vec<Bar> = caches
        .iter()
        .map(|r| {
            let f = r.internal_frag_permille;
            Bar {
                label: r.name.clone(),
                value: f64::from(f) / 10.0,
                total: None,
                text: tf(
                    lang,
                    "vis.chart.fragmentation_bar",
                    &[
                        ("pct", format!("{}.{}", f / 10, f % 10)),
                        ("bytes", (r.waste_in_objects + r.waste_leftover).to_string()),
                    ],
                ),
            }
        })
        .collect();
    // Fast-path hit rate per CPU, over all caches of the policy.
    let mut rate = Vec::new();
    for cpu in 0..usize::from(snap.config.cpus) {
        // The outermost layer's counters of every cache (a front end's arrays, not SLUB behind them).
        let (hits, all) = snap
            .cpu_rows
            .iter()
            .filter(|r| usize::from(r.cpu) == cpu)
            .map(|r| r.outer_hits())
            .fold((0, 0), |(h, a), (x, y)| (h + x, a + y));
        if all > 0 {
            let pct = hits as f64 * 100.0 / all as f64;
            rate.push(Bar {
                label: tf(lang, "vis.cpu", &[("cpu", cpu.to_string())]),
                value: pct,
                total: Some(100.0),
                text: format!("{pct:.0}%"),
            });
        }
    }
    let ss = vec![
        Bar {
            label: t(lang, "vis.chart.ss_count"),
            value: snap.superslabs.len() as f64,
            total: None,
            text: snap.superslabs.len().to_string(),
        },
        Bar {
            label: t(lang, "vis.chart.ss_resident"),
            value: (snap.superslab_resident >> 20) as f64,
            total: None,
            text: format!("{} MiB", snap.superslab_resident >> 20),
        },
    ];
    html! {
        <section class="panel vis-panel" data-panel="slabcharts" aria-labelledby="slabcharts-h">
            <h2 id="slabcharts-h">{ t(lang, "vis.charts") }</h2>
            <div class="chart-grid">
                <BarChart id="chart-slab-lists" title={t(lang, "vis.chart.lists")} bars={lists} />
                <BarChart id="chart-objects" title={t(lang, "vis.chart.objects")} bars={objects} />
                <BarChart id="chart-hit-rate" title={t(lang, "vis.chart.hit_rate")} bars={rate} />
                <BarChart id="chart-fragmentation" title={t(lang, "vis.chart.fragmentation")} bars={frag}
                          definition={t(lang, "vis.chart.fragmentation_def")} />
                <BarChart id="chart-superslabs" title={t(lang, "vis.chart.superslabs")} bars={ss} />
            </div>
        </section>
    }
}
