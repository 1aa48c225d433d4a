//! A plotters chart (SVG backend) of free blocks per order.

use plotters::prelude::*;
use yew::prelude::*;

use crate::i18n::{t, Lang};
use crate::views::export::ExportButtons;

#[derive(Properties, PartialEq)]
pub struct Props {
    pub nr_free: Vec<u64>,
}

/// Render the chart to an SVG string.
pub fn render(nr_free: &[u64], lang: Lang) -> Result<String, String> {
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (420, 220)).into_drawing_area();
        let max = nr_free.iter().copied().max().unwrap_or(0).max(1);
        let mut chart = ChartBuilder::on(&root)
            .margin(10)
            .x_label_area_size(30)
            .y_label_area_size(36)
            .build_cartesian_2d(0u32..nr_free.len() as u32, 0u64..max + 1)
            .map_err(|e| e.to_string())?;
        chart
            .configure_mesh()
            .disable_x_mesh()
            .x_desc(t(lang, "chart.order"))
            .y_desc(t(lang, "chart.blocks"))
            .draw()
            .map_err(|e| e.to_string())?;
        chart
            .draw_series(nr_free.iter().enumerate().map(|(o, &n)| {
                let o = o as u32;
                Rectangle::new([(o, 0), (o + 1, n)], RGBColor(0x4a, 0x7d, 0xd0).filled())
            }))
            .map_err(|e| e.to_string())?;
        root.present().map_err(|e| e.to_string())?;
    }
    Ok(crate::views::timeline::themed(svg).replacen("<svg ", "<svg id=\"chart-svg\" ", 1))
}

#[function_component(FreeChart)]
pub fn free_chart(p: &Props) -> Html {
    let lang = use_context::<Lang>().unwrap_or(Lang::En);
    // Drawn again only when the counts change (not on every playback step).
    let svg = use_memo((p.nr_free.clone(), lang), |(nr_free, lang)| {
        AttrValue::from(render(nr_free, *lang).unwrap_or_else(|e| format!("<p>{e}</p>")))
    });
    html! {
        <>
            <div class="view-tools"><ExportButtons target="chart-svg" name="nr-free-chart" /></div>
            <div id="chart" class="chart">{ Html::from_html_unchecked((*svg).clone()) }</div>
        </>
    }
}
