//! The snapshot diff: two `/proc/slabinfo` files (and optionally two `/proc/buddyinfo` files),
//! e.g. before and after a workload on a real machine, or the first two columns at the cursor →
//! per-cache deltas sorted by change of slab memory (table and bar chart) and per-order buddy
//! deltas. The core diffs (`compare::diff_slabinfo`, `diff_buddyinfo`); bad files get located
//! errors naming the file.

use std::fmt::Write;
use std::rc::Rc;

use wasm_bindgen::JsCast;
use yew::prelude::*;

use crate::i18n::{t, tf, Lang};
use crate::state::compare::{CompareMsg, DiffState};
use crate::views::compare_charts::format_delta;

/// Caches drawn in the bar chart (the largest changes).
const BARS: usize = 12;

#[derive(Properties, PartialEq)]
pub struct Props {
    pub diff: Rc<DiffState>,
    /// A comparison is shown (its columns can be diffed).
    pub has_run: bool,
    pub on: Callback<CompareMsg>,
}

fn signed(d: i64) -> String {
    format_delta(slabscope_core::compare::Measure::Ops, d as f64)
}

fn delta_class(d: i64) -> &'static str {
    match d.signum() {
        1 => "delta up",
        -1 => "delta down",
        _ => "delta same",
    }
}

fn delta_cell(d: i64) -> Html {
    let arrow = match d.signum() {
        1 => "▲ ",
        -1 => "▼ ",
        _ => "",
    };
    html! { <td class={classes!("num", delta_class(d))} data-delta={d.to_string()}>{ format!("{arrow}{}", signed(d)) }</td> }
}

fn bars_svg(rows: &[(String, i64)], lang: Lang) -> String {
    let max = rows.iter().map(|r| r.1.unsigned_abs()).max().unwrap_or(1).max(1) as f64;
    let (w, row_h, label_w) = (520.0, 18.0, 170.0);
    let mid = label_w + (w - label_w) / 2.0;
    let half = (w - label_w) / 2.0 - 44.0;
    let h = rows.len() as f64 * row_h + 8.0;
    let mut s = format!(
        "<svg id=\"diff-chart-svg\" viewBox=\"0 0 {w} {h}\" role=\"img\" aria-label=\"{}\">",
        t(lang, "diff.chart")
    );
    let _ = write!(s, "<line class=\"axis\" x1=\"{mid}\" y1=\"0\" x2=\"{mid}\" y2=\"{h}\"/>");
    for (k, (name, d)) in rows.iter().enumerate() {
        let y = 4.0 + k as f64 * row_h;
        let len = d.unsigned_abs() as f64 / max * half;
        let x = if *d < 0 { mid - len } else { mid };
        let class = if *d < 0 { "bar down" } else { "bar up" };
        let name = name.replace('&', "&amp;").replace('<', "&lt;");
        let _ = write!(
            s,
            "<text x=\"{}\" y=\"{}\" text-anchor=\"end\">{name}</text><rect class=\"{class}\" x=\"{x:.1}\" y=\"{y}\" width=\"{len:.1}\" height=\"{}\"/>\
             <text x=\"{:.1}\" y=\"{}\" text-anchor=\"{}\">{}</text>",
            label_w - 6.0,
            y + 12.0,
            row_h - 4.0,
            if *d < 0 { x - 3.0 } else { x + len + 3.0 },
            y + 12.0,
            if *d < 0 { "end" } else { "start" },
            tf(lang, "diff.kib", &[("n", signed(d / 1024))]),
        );
    }
    s.push_str("</svg>");
    s
}

#[function_component(SnapshotDiff)]
pub fn snapshot_diff(p: &Props) -> Html {
    let lang = use_context::<Lang>().unwrap_or(Lang::En);
    let d = &p.diff;
    let file_input = |slot: usize, id: &'static str, key: &'static str| {
        let on = p.on.clone();
        let onchange = Callback::from(move |e: Event| {
            let Some(input) = e.target().and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok()) else { return };
            let Some(file) = input.files().and_then(|f| f.get(0)) else { return };
            let name = file.name();
            let on = on.clone();
            // An unreadable file diffs as an empty one: the core reports it, located at 1:1.
            crate::components::util::read_text(file, move |text| on.emit(CompareMsg::DiffFile(slot, name, text)));
        });
        let loaded = d.files[slot].as_ref().map(|f| f.0.clone());
        html! {
            <label class="file-button diff-file">
                { t(lang, key) }
                <input id={id} type="file" accept=".txt,.slabinfo,.buddyinfo,text/plain" onchange={onchange} />
                if let Some(n) = loaded { <span class="muted">{ format!(" ({n})") }</span> }
            </label>
        }
    };
    let slab = d.slab.as_ref().map(|rows| {
        let bars: Vec<(String, i64)> =
            rows.iter().filter(|r| r.bytes() != 0).take(BARS).map(|r| (r.name.clone(), r.bytes())).collect();
        let svg = bars_svg(&bars, lang);
        let fig = |r: &slabscope_core::compare::CacheDelta| {
            let state = match (&r.before, &r.after) {
                (None, _) => t(lang, "diff.appeared"),
                (_, None) => t(lang, "diff.gone"),
                _ => String::new(),
            };
            html! {
                <tr data-cache={r.name.clone()}>
                    <th scope="row"><code>{ r.name.clone() }</code>{ if state.is_empty() { String::new() } else { format!(" ({state})") } }</th>
                    { delta_cell(r.active_objs()) }
                    { delta_cell(r.num_objs()) }
                    { delta_cell(r.slabs()) }
                    { delta_cell(r.bytes()) }
                </tr>
            }
        };
        html! {
            <>
                <div class="caches-scroll" role="region" aria-labelledby="diff-slab-title" tabindex="0">
                    <h4 id="diff-slab-title">{ tf(lang, "diff.slab_title", &[("n", rows.len().to_string())]) }</h4>
                    <table id="diff-slab-table" class="compare-table">
                        <thead><tr>
                            <th scope="col">{ t(lang, "diff.cache") }</th>
                            <th scope="col">{ t(lang, "diff.active_objs") }</th>
                            <th scope="col">{ t(lang, "diff.num_objs") }</th>
                            <th scope="col">{ t(lang, "diff.slabs") }</th>
                            <th scope="col">{ t(lang, "diff.bytes") }</th>
                        </tr></thead>
                        <tbody>{ for rows.iter().map(fig) }</tbody>
                    </table>
                </div>
                <figure id="diff-chart" class="diff-chart">
                    <figcaption>{ t(lang, "diff.chart") }</figcaption>
                    if bars.is_empty() { <p>{ t(lang, "diff.no_change") }</p> } else { { Html::from_html_unchecked(AttrValue::from(svg)) } }
                </figure>
            </>
        }
    });
    let buddy = d.buddy.as_ref().map(|zones| {
        let orders = slabscope_core::machine::NR_PAGE_ORDERS;
        html! {
            <div class="caches-scroll" role="region" aria-labelledby="diff-buddy-title" tabindex="0">
                <h4 id="diff-buddy-title">{ t(lang, "diff.buddy_title") }</h4>
                <table id="diff-buddy-table" class="compare-table">
                    <thead><tr>
                        <th scope="col">{ t(lang, "diff.zone") }</th>
                        { for (0..orders).map(|o| html! { <th scope="col">{ o }</th> }) }
                        <th scope="col">{ t(lang, "diff.pages") }</th>
                    </tr></thead>
                    <tbody>{ for zones.iter().map(|z| html! {
                        <tr data-zone={format!("{}-{}", z.node, z.zone)}>
                            <th scope="row">{ tf(lang, "diff.zone_name", &[("node", z.node.to_string()), ("zone", z.zone.clone())]) }</th>
                            { for z.delta().iter().map(|&d| delta_cell(d)) }
                            { delta_cell(z.pages()) }
                        </tr>
                    }) }</tbody>
                </table>
            </div>
        }
    });
    let on_columns = {
        let on = p.on.clone();
        Callback::from(move |_| on.emit(CompareMsg::DiffColumns))
    };
    let on_clear = {
        let on = p.on.clone();
        Callback::from(move |_| on.emit(CompareMsg::ClearDiff))
    };
    // A tool of its own beside a comparison: folded under its heading while a comparison is
    // shown and no file is open, so the table and the columns come first (on a phone it stood
    // ~600 px between the table and the first picture); open without a comparison or once a
    // file is picked.
    let open = !p.has_run || d.files.iter().any(Option::is_some) || !d.errors.is_empty();
    html! {
        <details id="compare-diff" class="compare-diff" open={open}>
            <summary><h3 id="compare-diff-title">{ t(lang, "diff.heading") }</h3></summary>
            <p class="muted">{ t(lang, "diff.help") }</p>
            <div class="diff-files">
                { file_input(0, "diff-slab-a", "diff.slab_a") }
                { file_input(1, "diff-slab-b", "diff.slab_b") }
                { file_input(2, "diff-buddy-a", "diff.buddy_a") }
                { file_input(3, "diff-buddy-b", "diff.buddy_b") }
                if p.has_run { <button type="button" id="diff-columns" onclick={on_columns}>{ t(lang, "diff.columns") }</button> }
                <button type="button" id="diff-clear" onclick={on_clear}>{ t(lang, "diff.clear") }</button>
            </div>
            <ul id="diff-errors" class="command-error" role="alert">
                { for d.errors.iter().map(|e| html! { <li>{ e.clone() }</li> }) }
            </ul>
            { for slab }
            { for buddy }
        </details>
    }
}
