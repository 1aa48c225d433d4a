//! The trace's views: the report (`slabscope replay`'s, in the page: events by kind, unmatched
//! frees, malformed lines with their numbers, internal fragmentation by call site and by cache,
//! fast-path rate per CPU) and the top call sites (allocations, bytes requested vs allocated,
//! live at the cursor, caches), both narrowed by the trace filter, with a chart of where the
//! selected events fall in the trace.

use std::rc::Rc;

use slabscope_core::machine::SlabPolicy;
use slabscope_core::slab::policy_info;
use slabscope_core::trace::{fast_path_by_cpu, FastPath, Filter, GroupBy, SummaryRow};
use yew::prelude::*;

use crate::i18n::{t, tf, Lang};
use crate::state::trace::FilterField;
use crate::state::Action;

pub use crate::components::StateProps as Props;

/// Rows of the call-site and fragmentation tables.
const TOP: usize = 25;
/// Malformed / unmatched line numbers listed (the rest are counted).
const LISTED_LINES: usize = 40;
/// Buckets of the "where in the trace" chart.
const BUCKETS: usize = 100;

fn pct(x: f64) -> String {
    format!("{:.1}%", x * 100.0)
}

/// What the views show for one trace and filter (computed once per filter, not per step).
struct Summaries {
    sites: Vec<SummaryRow>,
    caches: Vec<SummaryRow>,
    fast: Vec<FastPath>,
    /// The trace machine's slab policy and whether magazines sit in front of it: whose fast path
    /// `fast` counts.
    policy: (SlabPolicy, bool),
    /// Selected events per bucket of ops, and all ops per bucket.
    hist: Vec<(u32, u32)>,
    selected: usize,
}

fn line_list(lang: Lang, lines: impl Iterator<Item = String>, total: u64) -> Html {
    let shown: Vec<String> = lines.take(LISTED_LINES).collect();
    let more = total.saturating_sub(shown.len() as u64);
    html! {
        <>
            { shown.join(", ") }
            if more > 0 { { tf(lang, "trace.more", &[("n", more.to_string())]) } }
        </>
    }
}

/// The per-CPU table's caption: the active policy and what its fast path is (the table's data
/// come from it, [`slabscope_core::slab::SlabAllocator::fast_path_counts`]).
fn fast_path_caption(lang: Lang, (slab, magazines): (SlabPolicy, bool)) -> String {
    let p = policy_info(slab);
    let name = t(lang, &format!("ui.cfg.slab.{}", p.name));
    let policy = if magazines { tf(lang, "trace.fastpath.with_magazines", &[("policy", name)]) } else { name };
    let own = || t(lang, &format!("trace.fastpath.what.{}", p.name));
    let what = match (magazines, p.fast_path.is_empty()) {
        (false, true) => t(lang, "trace.fastpath.none"),
        (false, false) => own(),
        (true, true) => t(lang, "trace.fastpath.magazines_only"),
        (true, false) => tf(lang, "trace.fastpath.magazines", &[("what", own())]),
    };
    tf(lang, "trace.fastpath.of", &[("policy", policy), ("what", what)])
}

#[function_component(TraceViews)]
pub fn trace_views(p: &Props) -> Html {
    let lang = use_context::<Lang>().unwrap_or(Lang::En);
    let state = &p.state;
    let trace = state.trace.clone();
    let key = (trace.as_ref().map(|t| Rc::as_ptr(t) as usize), state.trace_filter.clone());
    let sums = {
        let (trace, session) = (trace.clone(), state.session.clone());
        let ready = trace.as_ref().is_some_and(|t| t.views_ready.get());
        use_memo((key, ready), move |((_, filter), ready)| {
            let tr = trace.as_ref().filter(|_| *ready)?;
            // Without a filter the summaries the load made serve; with one, its selection made
            // in slices when it was applied (s6-tracew).
            let all = (**filter == Filter::default()).then(|| tr.choices(&session)).flatten();
            let made = tr.selection_of(filter);
            tr.with(&session, |ts| {
                let ops = ts.session.op_count().max(1);
                let mut hist = vec![(0u32, 0u32); BUCKETS];
                for k in 0..ops {
                    hist[k * BUCKETS / ops].1 += 1;
                }
                let (sites, caches, selected) = match &all {
                    Some(c) => {
                        for h in &mut hist {
                            h.0 = h.1;
                        }
                        (c.site_rows.clone(), c.cache_rows.clone(), ops)
                    }
                    None => {
                        let (sites, caches, selected) = match &made {
                            Some(sel) => (sel.sites.clone(), sel.caches.clone(), sel.ops.clone()),
                            // Not made yet (a filter set before the load finished): one pass
                            // gives both summaries and the ops (s7-traceweb).
                            None => {
                                let mut s = ts.summaries(filter, true);
                                let ops = s.ops.iter().map(|&k| k as usize).collect();
                                (s.take_rows(GroupBy::CallSite), s.take_rows(GroupBy::Cache), Rc::new(ops))
                            }
                        };
                        for &k in selected.iter() {
                            hist[(k * BUCKETS / ops).min(BUCKETS - 1)].0 += 1;
                        }
                        (sites, caches, selected.len())
                    }
                };
                let config = ts.session.head().config();
                let policy = (config.slab, config.magazines);
                Summaries { sites, caches, fast: fast_path_by_cpu(ts.session.head()), policy, hist, selected }
            })
        })
    };
    let (Some(tr), Some(sums)) = (trace.clone().filter(|t| t.views_ready.get()), sums.as_ref()) else {
        // Until the trace's views are drawn (a task after the install, s11-trace).
        let note = match &trace {
            Some(tr) => tf(lang, "trace.installing", &[("name", tr.name.clone())]),
            None => t(lang, "ui.trace.none"),
        };
        return html! {
            <>
                <section class="panel" data-panel="tracereport"><h2>{ t(lang, "view.tracereport") }</h2><p class="muted">{ note.clone() }</p></section>
                <section class="panel" data-panel="tracesites"><h2>{ t(lang, "view.tracesites") }</h2><p class="muted">{ note }</p></section>
            </>
        };
    };
    let filter: &Filter = &state.trace_filter;
    // The cursor: the trace event of the current op.
    let cursor = {
        let k = state.session.borrow().current_op();
        k.and_then(|k| tr.with(&state.session, |ts| ts.event_of_op(k)).flatten())
    };
    let choices = tr.choices(&state.session);
    let report = tr.report();
    let kinds =
        report.by_kind.iter().map(|(k, n)| html! { <tr><th scope="row">{ *k }</th><td class="num">{ n }</td></tr> });
    let bad = line_list(
        lang,
        report.bad_lines.iter().map(|b| {
            let reason = tf(lang, b.reason.key(), &b.reason.args());
            tf(lang, "trace.bad_line", &[("line", b.line.to_string()), ("reason", reason)])
        }),
        report.bad_total,
    );
    let unmatched = line_list(lang, report.unmatched_lines.iter().map(u32::to_string), report.unmatched_frees);
    let waste = |rows: &[SummaryRow], id: &str, head: &str| {
        let mut v: Vec<&SummaryRow> = rows.iter().filter(|r| r.allocs > 0).collect();
        slabscope_core::sort::sort_by(&mut v, |a, b| {
            (b.bytes_alloc - b.bytes_req).cmp(&(a.bytes_alloc - a.bytes_req)).then(a.key.cmp(&b.key))
        });
        let body = v.into_iter().take(TOP).map(|r| {
            html! {
                <tr>
                    <th scope="row" class="name">{ r.key.clone() }</th>
                    <td class="num">{ r.bytes_req }</td>
                    <td class="num">{ r.bytes_alloc }</td>
                    <td class="num">{ r.bytes_alloc - r.bytes_req }</td>
                    <td class="num">{ pct(r.internal_fragmentation()) }</td>
                </tr>
            }
        });
        html! {
            <table id={id.to_string()} class="trace-table">
                <thead><tr>
                    <th scope="col">{ t(lang, head) }</th><th scope="col">{ t(lang, "trace.col.req") }</th>
                    <th scope="col">{ t(lang, "trace.col.alloc") }</th><th scope="col">{ t(lang, "trace.col.waste") }</th>
                    <th scope="col">{ t(lang, "trace.col.frag") }</th>
                </tr></thead>
                <tbody>{ for body }</tbody>
            </table>
        }
    };
    let fast = sums.fast.iter().map(|f| {
        html! { <tr><th scope="row">{ tf(lang, "trace.cpu", &[("cpu", f.cpu.to_string())]) }</th><td class="num">{ f.fast }</td><td class="num">{ f.slow }</td><td class="num">{ pct(f.rate()) }</td></tr> }
    });
    let site_rows = sums.sites.iter().take(TOP).map(|r| {
        let live = choices.as_ref().map_or(0, |c| c.live_at(&r.key, cursor));
        let pick = {
            let d = state.dispatcher();
            let key = r.key.clone();
            Callback::from(move |_| d.dispatch(Action::TraceFilter(FilterField::CallSite, key.clone())))
        };
        let picked = filter.call_site.as_deref() == Some(r.key.as_str());
        // Events without a call site (page events) are grouped as "(none)": not a filter value.
        let has_site = choices.as_ref().is_none_or(|c| c.sites.contains(&r.key));
        html! {
            <tr class={classes!(picked.then_some("sel"))}>
                <th scope="row" class="name">
                    if has_site {
                        <button type="button" class="linklike site-pick" aria-pressed={picked.to_string()} onclick={pick}
                                title={t(lang, "trace.pick_site")}>{ r.key.clone() }</button>
                    } else {
                        { r.key.clone() }
                    }
                </th>
                <td class="num">{ r.allocs }</td>
                <td class="num">{ r.frees }</td>
                <td class="num">{ r.bytes_req }</td>
                <td class="num">{ r.bytes_alloc }</td>
                <td class="num live">{ live }</td>
                <td class="caches">{ r.caches.join(", ") }</td>
            </tr>
        }
    });
    let max = sums.hist.iter().map(|h| h.1).max().unwrap_or(1).max(1) as f64;
    let bars = sums.hist.iter().enumerate().map(|(i, &(sel, all))| {
        let h_all = f64::from(all) / max * 40.0;
        let h_sel = f64::from(sel) / max * 40.0;
        html! {
            <>
                <rect class="hist-all" x={(i * 10).to_string()} y={format!("{:.1}", 40.0 - h_all)} width="9" height={format!("{h_all:.1}")} />
                <rect class="hist-sel" x={(i * 10).to_string()} y={format!("{:.1}", 40.0 - h_sel)} width="9" height={format!("{h_sel:.1}")} />
            </>
        }
    });
    let ops = state.session.borrow().op_count().max(1);
    let at = state.session.borrow().current_op().unwrap_or(0);
    let cursor_x = (at * BUCKETS * 10 / ops) as f64;
    let filtered = *filter != Filter::default();
    html! {
        <>
            <section class="panel trace-panel" data-panel="tracereport" aria-labelledby="trace-report-h">
                <h2 id="trace-report-h">{ t(lang, "view.tracereport") }</h2>
                <div id="trace-report" class="trace-report">
                    <table id="trace-kinds" class="trace-table">
                        <caption>{ t(lang, "trace.by_kind") }</caption>
                        <tbody>{ for kinds }</tbody>
                    </table>
                    <p id="trace-unmatched">{ tf(lang, "trace.unmatched", &[("n", report.unmatched_frees.to_string()), ("nil", report.nil_frees.to_string())]) }
                        if report.unmatched_frees > 0 { <br /><span class="lines">{ t(lang, "trace.lines") }{ unmatched }</span> }</p>
                    <p id="trace-malformed">{ tf(lang, "trace.malformed", &[("n", report.bad_total.to_string())]) }
                        if report.bad_total > 0 { <br /><span class="lines">{ bad }</span> }</p>
                    <p id="trace-frag">{ tf(lang, "trace.frag_total", &[("req", report.bytes_req.to_string()), ("alloc", report.bytes_alloc.to_string()), ("pct", pct(report.internal_fragmentation()))]) }</p>
                    <h3>{ t(lang, "trace.frag_by_site") }</h3>
                    <div class="trace-scroll" tabindex="0" role="region" aria-label={t(lang, "trace.frag_by_site")}>{ waste(&sums.sites, "trace-frag-sites", "trace.col.site") }</div>
                    <h3>{ t(lang, "trace.frag_by_cache") }</h3>
                    <div class="trace-scroll" tabindex="0" role="region" aria-label={t(lang, "trace.frag_by_cache")}>{ waste(&sums.caches, "trace-frag-caches", "trace.col.cache") }</div>
                    <table id="trace-fastpath" class="trace-table">
                        <caption>{ fast_path_caption(lang, sums.policy) }</caption>
                        <thead><tr><th scope="col">{ t(lang, "trace.col.cpu") }</th><th scope="col">{ t(lang, "trace.col.fast") }</th>
                            <th scope="col">{ t(lang, "trace.col.slow") }</th><th scope="col">{ t(lang, "trace.col.rate") }</th></tr></thead>
                        <tbody>{ for fast }</tbody>
                    </table>
                </div>
            </section>
            <section class="panel trace-panel" data-panel="tracesites" aria-labelledby="trace-sites-h">
                <h2 id="trace-sites-h">{ t(lang, "view.tracesites") }</h2>
                <p id="trace-selected" class="muted" role="status">{
                    if filtered { tf(lang, "trace.selected", &[("n", sums.selected.to_string()), ("ops", ops.to_string())]) }
                    else { t(lang, "trace.selected_all") }
                }</p>
                <figure class="trace-hist">
                    <svg id="trace-hist" viewBox="0 0 1000 44" preserveAspectRatio="none" role="img"
                         aria-label={t(lang, "trace.hist")} data-selected={sums.selected.to_string()}>
                        { for bars }
                        <line class="hist-cursor" x1={format!("{cursor_x:.0}")} x2={format!("{cursor_x:.0}")} y1="0" y2="44" />
                    </svg>
                    <figcaption>{ t(lang, "trace.hist") }</figcaption>
                </figure>
                <div class="trace-scroll" tabindex="0" role="region" aria-label={t(lang, "view.tracesites")}>
                    <table id="trace-sites" class="trace-table">
                        <thead><tr>
                            <th scope="col">{ t(lang, "trace.col.site") }</th><th scope="col">{ t(lang, "trace.col.allocs") }</th>
                            <th scope="col">{ t(lang, "trace.col.frees") }</th><th scope="col">{ t(lang, "trace.col.req") }</th>
                            <th scope="col">{ t(lang, "trace.col.alloc") }</th><th scope="col">{ t(lang, "trace.col.live") }</th>
                            <th scope="col">{ t(lang, "trace.col.caches") }</th>
                        </tr></thead>
                        <tbody>{ for site_rows }</tbody>
                    </table>
                </div>
            </section>
        </>
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use slabscope_core::slab::{policy_by_name, POLICIES};

    #[test]
    fn the_fast_path_caption_names_every_policy_in_both_languages() {
        for p in POLICIES {
            for magazines in [false, true] {
                for lang in [Lang::En, Lang::Ja] {
                    let c = fast_path_caption(lang, (p.policy, magazines));
                    assert!(!c.contains("trace.") && !c.contains('{'), "slab={} {lang:?}: {c}", p.name);
                    assert!(c.contains(&t(lang, &format!("ui.cfg.slab.{}", p.name))), "{c}");
                }
            }
        }
        let c = fast_path_caption(Lang::En, (policy_by_name("slab").unwrap(), false));
        assert_eq!(c, "Fast-path rate per CPU (simulated classic SLAB: the per-CPU array cache)");
        let c = fast_path_caption(Lang::En, (policy_by_name("slob").unwrap(), true));
        assert!(c.contains("magazines") && c.contains("SLOB"), "{c}");
    }
}
