//! A chart (SVG, `views::plot`) of free blocks per order.

use yew::prelude::*;

use crate::i18n::{t, Lang};
use crate::views::export::ExportButtons;
use crate::views::plot::Plot;

#[derive(Properties, PartialEq)]
pub struct Props {
    pub nr_free: Vec<u64>,
}

/// Render the chart to an SVG string: a bar per order.
pub fn render(nr_free: &[u64], lang: Lang) -> String {
    let max = nr_free.iter().copied().max().unwrap_or(0).max(1);
    let orders = nr_free.len().max(1) as f64;
    // Margins: 10 px around, 50 px of y labels and description, 30 px of x labels.
    let mut p = Plot::new(420, 220, "id=\"chart-svg\"", [60, 10, 10, 40], orders, (max + 1) as f64);
    p.integer_y = true;
    let x_ticks: Vec<(f64, String)> = (0..nr_free.len()).map(|o| (o as f64 + 0.5, o.to_string())).collect();
    p.axes(None, &t(lang, "chart.order"), &t(lang, "chart.blocks"));
    for (o, &n) in nr_free.iter().enumerate() {
        p.bar(o as f64, 1.0, n as f64, "#4a7dd0");
    }
    // The order labels under each bar's middle (no vertical grid: bars are their own marks).
    for (x, label) in &x_ticks {
        let px = p.px(*x);
        let y = p.area[3] + 15;
        p.svg.push_str(&format!("<text x=\"{}\" y=\"{y}\" text-anchor=\"middle\">{label}</text>", px.round() as i64));
    }
    p.finish().0
}

#[function_component(FreeChart)]
pub fn free_chart(p: &Props) -> Html {
    let lang = use_context::<Lang>().unwrap_or(Lang::En);
    // Drawn again only when the counts change (not on every playback step).
    let svg = use_memo((p.nr_free.clone(), lang), |(nr_free, lang)| AttrValue::from(render(nr_free, *lang)));
    html! {
        <>
            <div class="view-tools"><ExportButtons target="chart-svg" name="nr-free-chart" /></div>
            <div id="chart" class="chart">{ Html::from_html_unchecked((*svg).clone()) }</div>
        </>
    }
}
