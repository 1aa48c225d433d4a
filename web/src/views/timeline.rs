//! plotters charts of the whole session (one replay gives the samples): memory (free pages, and
//! slab pages and SuperSlab memory, on their own scale when they hug zero), free blocks per order,
//! and external fragmentation (unusable free space index). The SVG is rendered once per session;
//! the cursor at the current step is an overlay, so playing does not redraw the chart.

use std::rc::Rc;

use plotters::prelude::*;
use slabscope_core::session::Sample;
use yew::prelude::*;

use crate::i18n::{t, tf, Lang};
use crate::views::export::ExportButtons;

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
type Series<'a> = (String, RGBColor, Box<dyn Fn(&Sample) -> f64 + 'a>);

/// A colour readable on light and dark backgrounds for series `i` of `n`.
fn ramp(i: usize, n: usize) -> RGBColor {
    let h = 210.0 - 190.0 * i as f64 / n.max(2).saturating_sub(1) as f64;
    let c = HSLColor(h.rem_euclid(360.0) / 360.0, 0.65, 0.5);
    let (r, g, b) = c.rgb();
    RGBColor(r, g, b)
}

/// Plotters paints black text/axes and white backgrounds: use the theme's colours instead.
pub fn themed(svg: String) -> String {
    svg.replace("#000000", "currentColor").replace("#FFFFFF", "none")
}

/// The SVG (its root element with `id`) and the plotting area's pixel box (x0, x1, y0, y1),
/// and the last step.
fn render(samples: &[Sample], kind: Kind, lang: Lang, id: &str) -> Result<(String, [i32; 4], u64), String> {
    let mut svg = String::new();
    let max_step = samples.iter().map(|s| s.step).max().unwrap_or(1).max(1);
    let area;
    {
        let root = SVGBackend::with_string(&mut svg, (W, H)).into_drawing_area();
        let (plot, legend) = root.split_horizontally(W - LEGEND_W);
        let mut primary: Vec<Series> = Vec::new();
        let mut secondary: Vec<Series> = Vec::new();
        let y_desc;
        match kind {
            Kind::Memory => {
                y_desc = t(lang, "chart.pages");
                primary.push((
                    t(lang, "chart.free_pages"),
                    RGBColor(0x3c, 0x9a, 0x48),
                    Box::new(|s| s.free_pages as f64),
                ));
                let resident: Vec<Series> = vec![
                    (t(lang, "chart.slab_pages"), RGBColor(0xd0, 0x6a, 0x2c), Box::new(|s| s.slab_pages as f64)),
                    (
                        t(lang, "chart.superslab_pages"),
                        RGBColor(0x4a, 0x7d, 0xd0),
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
        let mut builder = ChartBuilder::on(&plot);
        builder.margin(10).x_label_area_size(30).y_label_area_size(56);
        if !secondary.is_empty() {
            builder.right_y_label_area_size(50);
        }
        let mut chart = builder
            .build_cartesian_2d(0u64..max_step, 0f64..max_y)
            .map_err(|e| e.to_string())?
            .set_secondary_coord(0u64..max_step, 0f64..max_y2);
        chart.configure_mesh().x_desc(t(lang, "chart.step")).y_desc(y_desc).draw().map_err(|e| e.to_string())?;
        if !secondary.is_empty() {
            chart
                .configure_secondary_axes()
                .y_desc(t(lang, "chart.resident_scale"))
                .draw()
                .map_err(|e| e.to_string())?;
        }
        for (_, colour, f) in &primary {
            let colour = *colour;
            chart
                .draw_series(LineSeries::new(samples.iter().map(|s| (s.step, f(s))), colour.stroke_width(2)))
                .map_err(|e| e.to_string())?;
        }
        for (_, colour, f) in &secondary {
            let colour = *colour;
            chart
                .draw_secondary_series(LineSeries::new(samples.iter().map(|s| (s.step, f(s))), colour.stroke_width(2)))
                .map_err(|e| e.to_string())?;
        }
        // The legend in its own column: a swatch and a label per series (secondary-axis series
        // marked →).
        let font = ("sans-serif", 13).into_font().color(&BLACK);
        let entries =
            primary.iter().map(|s| (s.0.clone(), s.1)).chain(secondary.iter().map(|s| (format!("{} →", s.0), s.1)));
        for (i, (label, colour)) in entries.enumerate() {
            let y = 18 + i as i32 * 18;
            legend.draw(&PathElement::new(vec![(6, y), (24, y)], colour.stroke_width(3))).map_err(|e| e.to_string())?;
            legend.draw(&Text::new(label, (30, y - 7), font.clone())).map_err(|e| e.to_string())?;
        }
        let (xr, yr) = chart.plotting_area().get_pixel_range();
        area = [xr.start, xr.end, yr.start, yr.end];
        root.present().map_err(|e| e.to_string())?;
    }
    Ok((themed(svg).replacen("<svg ", &format!("<svg id=\"{id}-svg\" "), 1), area, max_step))
}

#[function_component(Timeline)]
pub fn timeline(p: &Props) -> Html {
    let lang = use_context::<Lang>().unwrap_or(Lang::En);
    let rendered = {
        let samples = p.samples.clone();
        use_memo((samples, p.kind, lang, p.id.clone()), |(samples, kind, lang, id)| render(samples, *kind, *lang, id))
    };
    match &*rendered {
        Err(e) => html! { <div id={p.id.clone()} class="chart"><p>{ e.clone() }</p></div> },
        Ok((svg, [x0, x1, y0, y1], max_step)) => {
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
    }
}
