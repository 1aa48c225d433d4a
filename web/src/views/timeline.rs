//! Charts (SVG, `views::plot`) of the whole session (one replay gives the samples): memory (free pages, and
//! slab pages and SuperSlab memory, on their own scale when they hug zero), free blocks per order,
//! and external fragmentation (unusable free space index). The SVG is rendered once per session;
//! the cursor at the current step is an overlay, so playing does not redraw the chart.

use std::rc::Rc;

use slabscope_core::session::Sample;
use yew::prelude::*;

use crate::i18n::{t, tf, Lang};
use crate::views::export::ExportButtons;
use crate::views::plot::{hsl, tick_label, ticks, Plot};

/// Which chart.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Memory,
    Orders,
    Frag,
}

#[derive(Properties, PartialEq)]
pub struct Props {
    pub samples: Rc<Vec<Sample>>,
    pub step: u64,
    pub kind: Kind,
    /// DOM id of the chart's wrapper.
    pub id: AttrValue,
}

const W: u32 = 760;
const H: u32 = 240;
/// The legend's column, right of the plot (so it never covers a line).
const LEGEND_W: u32 = 128;

/// (label, colour, value of a sample).
type Series<'a> = (String, String, Box<dyn Fn(&Sample) -> f64 + 'a>);

/// A colour readable on light and dark backgrounds for series `i` of `n`.
fn ramp(i: usize, n: usize) -> String {
    let h = 210.0 - 190.0 * i as f64 / n.max(2).saturating_sub(1) as f64;
    hsl(h, 0.65, 0.5)
}

/// The SVG (its root element with `id`) and the plotting area's pixel box (x0, x1, y0, y1),
/// and the last step.
fn render(samples: &[Sample], kind: Kind, lang: Lang, id: &str) -> (String, [i32; 4], u64) {
    let max_step = samples.iter().map(|s| s.step).max().unwrap_or(1).max(1);
    let mut primary: Vec<Series> = Vec::new();
    let mut secondary: Vec<Series> = Vec::new();
    let y_desc;
    match kind {
        Kind::Memory => {
            y_desc = t(lang, "chart.pages");
            primary.push((t(lang, "chart.free_pages"), "#3c9a48".into(), Box::new(|s| s.free_pages as f64)));
            let resident: Vec<Series> = vec![
                (t(lang, "chart.slab_pages"), "#d06a2c".into(), Box::new(|s| s.slab_pages as f64)),
                (
                    t(lang, "chart.superslab_pages"),
                    "#4a7dd0".into(),
                    Box::new(|s| (s.superslab_resident / 4096) as f64),
                ),
            ];
            let free_max = samples.iter().map(|s| s.free_pages as f64).fold(0.0, f64::max);
            let res_max =
                samples.iter().map(|s| (s.slab_pages + s.superslab_resident / 4096) as f64).fold(0.0, f64::max);
            if res_max > 0.0 && res_max < free_max * 0.1 {
                secondary = resident;
            } else {
                primary.extend(resident);
            }
        }
        Kind::Orders => {
            y_desc = t(lang, "chart.blocks");
            for o in 0..11usize {
                primary.push((
                    tf(lang, "chart.order_n", &[("n", o.to_string())]),
                    ramp(o, 11),
                    Box::new(move |s: &Sample| s.nr_free.get(o).copied().unwrap_or(0) as f64),
                ));
            }
        }
        Kind::Frag => {
            y_desc = t(lang, "chart.unusable");
            for (i, o) in [1usize, 3, 5, 9].into_iter().enumerate() {
                primary.push((
                    tf(lang, "chart.order_n", &[("n", o.to_string())]),
                    ramp(i, 4),
                    Box::new(move |s: &Sample| s.unusable_index.get(o).copied().unwrap_or(0.0)),
                ));
            }
        }
    }
    let top = |series: &[Series]| {
        let m = samples.iter().flat_map(|s| series.iter().map(move |f| (f.2)(s))).fold(0.0, f64::max);
        if kind == Kind::Frag {
            1.0
        } else {
            (m * 1.05).max(1.0)
        }
    };
    let (max_y, max_y2) = (top(&primary), top(&secondary));
    // The plot left of the legend's column: 10 px margins, 56 px of y labels, 30 px of x labels,
    // 50 px of labels on the right for a secondary axis.
    let right = 10 + if secondary.is_empty() { 0 } else { 50 } + LEGEND_W as i32;
    let mut p = Plot::new(W, H, &format!("id=\"{id}-svg\""), [66, right, 10, 40], max_step as f64, max_y);
    let (xt, xstep) = ticks(max_step as f64, 10);
    let x_ticks: Vec<(f64, String)> = xt.into_iter().map(|v| (v, tick_label(v, xstep))).collect();
    p.axes(Some(&x_ticks), &t(lang, "chart.step"), &y_desc);
    if !secondary.is_empty() {
        p.right_axis(max_y2, &t(lang, "chart.resident_scale"));
    }
    for (_, colour, f) in &primary {
        p.polyline(samples.iter().map(|s| (s.step as f64, f(s))), max_y, colour);
    }
    for (_, colour, f) in &secondary {
        p.polyline(samples.iter().map(|s| (s.step as f64, f(s))), max_y2, colour);
    }
    // The legend in its own column: a swatch and a label per series (secondary-axis series
    // marked →).
    let entries =
        primary.iter().map(|s| (s.0.clone(), &s.1)).chain(secondary.iter().map(|s| (format!("{} →", s.0), &s.1)));
    for (i, (label, colour)) in entries.enumerate() {
        p.legend((W - LEGEND_W) as i32 + 6, 18 + i as i32 * 18, colour, &label);
    }
    let (svg, area) = p.finish();
    (svg, area, max_step)
}

#[function_component(Timeline)]
pub fn timeline(p: &Props) -> Html {
    let lang = use_context::<Lang>().unwrap_or(Lang::En);
    let rendered = {
        let samples = p.samples.clone();
        use_memo((samples, p.kind, lang, p.id.clone()), |(samples, kind, lang, id)| render(samples, *kind, *lang, id))
    };
    let (svg, [x0, x1, y0, y1], max_step) = &*rendered;
    let frac = p.step.min(*max_step) as f64 / *max_step as f64;
    let left = (f64::from(*x0) + frac * f64::from(x1 - x0)) / f64::from(W) * 100.0;
    let style = format!(
        "left: {left:.3}%; top: {:.3}%; height: {:.3}%",
        f64::from(*y0) / f64::from(H) * 100.0,
        f64::from(y1 - y0) / f64::from(H) * 100.0
    );
    html! {
        <>
        <div class="view-tools"><ExportButtons target={format!("{}-svg", p.id)} name={p.id.clone()} /></div>
        <div id={p.id.clone()} class="chart series-chart" data-step={p.step.to_string()}
             data-until={p.samples.last().map_or(0, |s| s.step).to_string()}>
            { Html::from_html_unchecked(AttrValue::from(svg.clone())) }
            <div class="chart-cursor" style={style} aria-hidden="true"></div>
        </div>
        </>
    }
}
