//! Compare mode's difference charts (one small chart per measure over the whole session, one
//! line per configuration, told apart by colour *and* dash pattern and numbered at their end; a
//! cursor at the shared position) and the table of the measures at the cursor, each delta from
//! the first configuration marked by colour, a sign and an arrow (not colour alone).
//! The measures and their keys come from the core's table (`compare::MEASURES`).

use std::fmt::Write;

use wasm_bindgen::JsCast;

use slabscope_core::compare::{deltas, Measure, Measures, MEASURES};
use yew::prelude::*;

use crate::i18n::{t, tf, Lang};
use crate::views::compare::{AtRef, RunRef};

/// The measures charted over the session (ops and micro-events are in the table only).
pub const CHARTED: [Measure; 7] = [
    Measure::UsedPages,
    Measure::SlabPages,
    Measure::ResidentBytes,
    Measure::Unusable,
    Measure::FastPath,
    Measure::WasteBytes,
    Measure::EventsPerOp,
];

/// Dash pattern per column (solid, dashed, dotted, dash-dot): the lines differ without colour.
pub const DASHES: [&str; 4] = ["", "7 4", "2 3", "9 3 2 3"];

const W: f64 = 300.0;
const H: f64 = 130.0;
const X0: f64 = 46.0;
const X1: f64 = 284.0;
const Y0: f64 = 10.0;
const Y1: f64 = 108.0;

/// The catalogue key of a measure.
pub fn measure_key(m: Measure) -> &'static str {
    MEASURES.iter().find(|r| r.0 == m).map_or("ops", |r| r.1)
}

/// A value as the table and axes print it: rates as percentages, the index with 3 decimals,
/// events per op with 2, the rest whole.
pub fn format_value(m: Measure, v: f64) -> String {
    match m {
        Measure::FastPath => format!("{:.1}%", v * 100.0),
        Measure::Unusable => format!("{v:.3}"),
        Measure::EventsPerOp => format!("{v:.2}"),
        _ => format!("{}", v.round() as i64),
    }
}

/// A delta with its sign (`+`, `−`, `±0`).
pub fn format_delta(m: Measure, d: f64) -> String {
    let mag = format_value(m, d.abs());
    if d > 0.0 {
        format!("+{mag}")
    } else if d < 0.0 {
        format!("−{mag}")
    } else {
        "±0".to_string()
    }
}

/// One measure's chart as SVG text: a polyline per column.
fn chart_svg(m: Measure, series: &[Vec<Measures>], positions: usize, lang: Lang) -> String {
    let vals: Vec<Vec<(usize, f64)>> =
        series.iter().map(|s| s.iter().filter_map(|x| Some((x.position, x.value(m)?))).collect()).collect();
    let max = vals.iter().flatten().map(|v| v.1).fold(0.0, f64::max);
    let top = match m {
        Measure::FastPath | Measure::Unusable => 1.0,
        _ => (max * 1.05).max(1.0),
    };
    let total = positions.max(1) as f64;
    let x = |p: usize| X0 + p as f64 / total * (X1 - X0);
    let y = |v: f64| Y1 - v / top * (Y1 - Y0);
    let title = t(lang, &format!("compare.measure.{}", measure_key(m)));
    let mut svg = format!(
        "<svg viewBox=\"0 0 {W} {H}\" role=\"img\" aria-label=\"{}\" class=\"compare-chart-svg\">",
        html_escape(&title)
    );
    let _ = write!(
        svg,
        "<line class=\"axis\" x1=\"{X0}\" y1=\"{Y1}\" x2=\"{X1}\" y2=\"{Y1}\"/><line class=\"axis\" x1=\"{X0}\" y1=\"{Y0}\" x2=\"{X0}\" y2=\"{Y1}\"/>\
         <text x=\"{}\" y=\"{}\" text-anchor=\"end\">{}</text><text x=\"{}\" y=\"{}\" text-anchor=\"end\">0</text>\
         <text x=\"{X0}\" y=\"{}\">0</text><text x=\"{X1}\" y=\"{}\" text-anchor=\"end\">{}</text>",
        X0 - 3.0,
        Y0 + 8.0,
        format_value(m, top),
        X0 - 3.0,
        Y1,
        Y1 + 14.0,
        Y1 + 14.0,
        tf(lang, "compare.ops_axis", &[("n", positions.to_string())]),
    );
    for (i, v) in vals.iter().enumerate() {
        let mut pts = String::new();
        for &(p, val) in v {
            let _ = write!(pts, "{:.1},{:.1} ", x(p), y(val));
        }
        let _ = write!(
            svg,
            "<polyline class=\"line col-{i}\" data-col=\"{i}\" fill=\"none\" stroke-dasharray=\"{}\" points=\"{}\"/>",
            DASHES[i % DASHES.len()],
            pts.trim_end()
        );
        if let Some(&(p, val)) = v.last() {
            let _ = write!(
                svg,
                "<text class=\"end-label col-{i}\" x=\"{:.1}\" y=\"{:.1}\">{}</text>",
                x(p) + 2.0,
                y(val) + 4.0,
                i + 1
            );
        }
    }
    svg.push_str("</svg>");
    svg
}

fn html_escape(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

#[derive(Properties, PartialEq)]
pub struct Props {
    pub run: RunRef,
    pub position: usize,
}

/// The difference charts: drawn once per comparison and language ([`ChartGrid`]); the cursor is
/// an overlay per chart (s11-compare: a step writes the cursors' `left` and renders nothing below
/// the section — no chart is rendered, compared or repainted again).
#[function_component(CompareCharts)]
pub fn compare_charts(p: &Props) -> Html {
    let lang = use_context::<Lang>().unwrap_or(Lang::En);
    let positions = p.run.0.borrow().positions();
    let frac = p.position.min(positions) as f64 / positions.max(1) as f64;
    let left = format!("{:.3}%", (X0 + frac * (X1 - X0)) / W * 100.0);
    let root = use_node_ref();
    {
        let root = root.clone();
        use_effect_with((left, p.run.clone(), lang), move |(left, ..)| {
            let Some(el) = root.cast::<web_sys::Element>() else { return };
            let Ok(list) = el.query_selector_all(".chart-cursor") else { return };
            for k in 0..list.length() {
                if let Some(c) = list.item(k).and_then(|n| n.dyn_into::<web_sys::HtmlElement>().ok()) {
                    let _ = c.style().set_property("left", left);
                }
            }
        });
    }
    html! {
        <section ref={root} id="compare-charts" class="compare-charts" aria-labelledby="compare-charts-title">
            <ChartGrid run={p.run.clone()} />
        </section>
    }
}

#[derive(Properties, PartialEq)]
struct GridProps {
    run: RunRef,
}

/// The title, legend and charts of a comparison: rendered again only for another comparison or
/// language.
#[function_component(ChartGrid)]
fn chart_grid(p: &GridProps) -> Html {
    let lang = use_context::<Lang>().unwrap_or(Lang::En);
    let charts = {
        let run = p.run.clone();
        use_memo((p.run.clone(), lang), move |(_, lang)| {
            let r = run.0.borrow();
            let series: Vec<Vec<Measures>> = r.columns.iter().map(|c| c.series.clone()).collect();
            let labels: Vec<String> = r.columns.iter().map(|c| c.label.clone()).collect();
            let charts: Vec<(Measure, AttrValue)> =
                CHARTED.iter().map(|&m| (m, AttrValue::from(chart_svg(m, &series, r.positions(), *lang)))).collect();
            (charts, labels)
        })
    };
    let (list, labels) = &*charts;
    let cursor =
        format!("left: var(--compare-cursor); top: {:.3}%; height: {:.3}%", Y0 / H * 100.0, (Y1 - Y0) / H * 100.0);
    let legend = labels.iter().enumerate().map(|(i, l)| {
        html! {
            <li>
                <svg width="36" height="10" aria-hidden="true"><line class={classes!("line", format!("col-{i}"))} x1="1" y1="5" x2="35" y2="5"
                     stroke-dasharray={DASHES[i % DASHES.len()]} /></svg>
                { format!("{}. ", i + 1) }<code>{ l.clone() }</code>
            </li>
        }
    });
    html! {
        <>
            <h3 id="compare-charts-title">{ t(lang, "compare.charts") }</h3>
            <ul class="legend compare-legend">{ for legend }</ul>
            <div class="compare-chart-grid">
                { for list.iter().map(|(m, svg)| html! {
                    <figure class="compare-chart" data-measure={measure_key(*m)}>
                        <figcaption>{ t(lang, &format!("compare.measure.{}", measure_key(*m))) }</figcaption>
                        <div class="compare-chart-box">
                            { Html::from_html_unchecked(svg.clone()) }
                            <div class="chart-cursor" style={cursor.clone()} aria-hidden="true"></div>
                        </div>
                    </figure>
                }) }
            </div>
        </>
    }
}

#[derive(Properties, PartialEq)]
pub struct TableProps {
    pub run: RunRef,
    pub position: usize,
    /// Every column at the cursor (its measures taken with its snapshot, once per step).
    pub at: AtRef,
}

/// The measures at the cursor in every column, with the deltas from the first column. A hover
/// or a selection re-renders the panel, not this table (its props are unchanged).
#[function_component(DeltaTable)]
pub fn delta_table(p: &TableProps) -> Html {
    let lang = use_context::<Lang>().unwrap_or(Lang::En);
    let at: Vec<Measures> = p.at.0.iter().map(|a| a.measures).collect();
    let labels: Vec<String> = p.run.0.borrow().columns.iter().map(|c| c.label.clone()).collect();
    let rows = deltas(&at).into_iter().map(|row| {
        let key = measure_key(row.measure);
        let cells = row.values.iter().zip(&row.deltas).enumerate().map(|(i, (v, d))| {
            let value = v.map_or_else(|| "—".to_string(), |v| format_value(row.measure, v));
            let delta = match (i, d) {
                (0, _) | (_, None) => None,
                (_, Some(d)) => Some(*d),
            };
            let (class, arrow) = match delta {
                Some(d) if d > 0.0 => ("delta up", "▲"),
                Some(d) if d < 0.0 => ("delta down", "▼"),
                Some(_) => ("delta same", "="),
                None => ("", ""),
            };
            html! {
                <td class={classes!("num", class)} data-col={i.to_string()} data-value={v.map(|v| v.to_string())}
                    data-delta={delta.map(|d| d.to_string())}>
                    { value }
                    if let Some(d) = delta {
                        <span class="delta-mark">{ format!(" {arrow} {}", format_delta(row.measure, d)) }</span>
                    }
                </td>
            }
        });
        html! {
            <tr data-measure={key}><th scope="row">{ t(lang, &format!("compare.measure.{key}")) }</th>{ for cells }</tr>
        }
    });
    html! {
        <div class="compare-table-box" role="region" aria-labelledby="compare-table-title" tabindex="0">
            <h3 id="compare-table-title">{ tf(lang, "compare.table", &[("pos", p.position.to_string())]) }</h3>
            <table id="compare-table" class="compare-table">
                <thead><tr><th scope="col">{ t(lang, "compare.measure") }</th>
                    { for labels.iter().enumerate().map(|(i, l)| html! {
                        <th scope="col"><span class={classes!("col-swatch", format!("col-{i}"))} aria-hidden="true"></span>{ format!("{}. ", i + 1) }<code>{ l.clone() }</code></th>
                    }) }
                </tr></thead>
                <tbody>{ for rows }</tbody>
            </table>
            <p class="muted">{ t(lang, "compare.table_note") }</p>
        </div>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deltas_carry_a_sign() {
        assert_eq!(format_delta(Measure::SlabPages, 3.0), "+3");
        assert_eq!(format_delta(Measure::SlabPages, -2.0), "−2");
        assert_eq!(format_delta(Measure::FastPath, 0.0), "±0");
        assert_eq!(format_value(Measure::FastPath, 0.5), "50.0%");
        for m in CHARTED {
            for lang in [Lang::En, Lang::Ja] {
                let k = format!("compare.measure.{}", measure_key(m));
                assert_ne!(t(lang, &k), k);
            }
        }
    }
}
