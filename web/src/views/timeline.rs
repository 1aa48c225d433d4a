//! A plotters chart of summary numbers over the whole session (free pages, slab pages,
//! SuperSlab memory), with a cursor at the current step.

use plotters::prelude::*;
use slabscope_core::session::Sample;
use yew::prelude::*;

use crate::i18n::{t, Lang};

#[derive(Properties, PartialEq)]
pub struct Props {
    pub samples: Vec<Sample>,
    pub step: u64,
    pub lang: Lang,
}

/// (catalogue key, colour, value of a sample).
type Series<'a> = (&'static str, RGBColor, &'a dyn Fn(&Sample) -> f64);

fn render(samples: &[Sample], step: u64, lang: Lang) -> Result<String, String> {
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (640, 220)).into_drawing_area();
        let max_step = samples.iter().map(|s| s.step).max().unwrap_or(1).max(1);
        let pages = |s: &Sample| s.free_pages as f64;
        let slab = |s: &Sample| s.slab_pages as f64;
        let ss = |s: &Sample| (s.superslab_resident / 4096) as f64;
        let max_y = samples.iter().map(|s| pages(s).max(slab(s)).max(ss(s))).fold(1.0, f64::max) * 1.05;
        let mut chart = ChartBuilder::on(&root)
            .margin(10)
            .x_label_area_size(30)
            .y_label_area_size(56)
            .build_cartesian_2d(0u64..max_step, 0f64..max_y)
            .map_err(|e| e.to_string())?;
        chart
            .configure_mesh()
            .x_desc(t(lang, "chart.step"))
            .y_desc(t(lang, "chart.pages"))
            .draw()
            .map_err(|e| e.to_string())?;
        let series: [Series; 3] = [
            ("chart.free_pages", RGBColor(0x2e, 0x7d, 0x32), &pages),
            ("chart.slab_pages", RGBColor(0xc4, 0x64, 0x2b), &slab),
            ("chart.superslab_pages", RGBColor(0x2f, 0x6f, 0xb3), &ss),
        ];
        for (key, colour, f) in series {
            chart
                .draw_series(LineSeries::new(samples.iter().map(|s| (s.step, f(s))), colour.stroke_width(2)))
                .map_err(|e| e.to_string())?
                .label(t(lang, key))
                .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 16, y)], colour.stroke_width(2)));
        }
        chart
            .draw_series(std::iter::once(PathElement::new(vec![(step, 0.0), (step, max_y)], BLACK.stroke_width(1))))
            .map_err(|e| e.to_string())?;
        chart
            .configure_series_labels()
            .background_style(WHITE.mix(0.8))
            .border_style(BLACK)
            .draw()
            .map_err(|e| e.to_string())?;
        root.present().map_err(|e| e.to_string())?;
    }
    Ok(svg)
}

#[function_component(Timeline)]
pub fn timeline(p: &Props) -> Html {
    let svg = render(&p.samples, p.step, p.lang).unwrap_or_else(|e| format!("<p>{e}</p>"));
    html! { <div id="timeline-chart" class="chart">{ Html::from_html_unchecked(AttrValue::from(svg)) }</div> }
}
