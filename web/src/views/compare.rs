//! Compare mode (issue #19): the configurations to run (2–4; the slab policies from the core's
//! policy table), the source (the session in front of the user or a seeded workload), the shared
//! cursor, the difference charts and the table at the cursor ([`super::compare_charts`]), one
//! column per configuration with the chosen views of its run (memory map, buddy lists, the
//! selected cache's slabs, per-CPU state — the single-session view components, each column with
//! its own [`Ctx`]), and the snapshot diff ([`super::compare_diff`]).

use std::cell::RefCell;
use std::rc::Rc;

use slabscope_core::compare::{Comparison, Measures, MAX_CONFIGS};
use slabscope_core::event::EntityRef;
use slabscope_core::slab::POLICIES;
use slabscope_core::snapshot::{Parts, Snapshot};
use slabscope_core::workload::Mix;
use wasm_bindgen::JsCast;
use yew::prelude::*;

use crate::components::util::describe_page;
use crate::doc::Workload;
use crate::i18n::{t, tf, Lang};
use crate::state::compare::{resolve, CompareMsg, Source, COLUMN_VIEWS, MIN_CONFIGS};
use crate::state::{Action, State};
use crate::views::compare_charts::{CompareCharts, DeltaTable};
use crate::views::compare_diff::SnapshotDiff;
use crate::views::ctx::{focus, Ctx, Snap};
use crate::views::{
    cache_view::CacheView,
    free_lists::{FreeLists, Zones},
    memory_map::MemoryMap,
    percpu_view::PerCpuView,
};

/// The comparison, compared by identity.
#[derive(Clone)]
pub struct RunRef(pub Rc<RefCell<Comparison>>);

impl PartialEq for RunRef {
    fn eq(&self, o: &Self) -> bool {
        Rc::ptr_eq(&self.0, &o.0)
    }
}

/// One column at the cursor: its snapshot and its measures (s8-compare: taken once per step
/// for the table and the column alike, with only the parts the shown views need).
#[derive(Clone)]
pub struct ColumnAt {
    pub snap: Snap,
    pub measures: Measures,
}

/// Every column at the cursor, compared by identity.
#[derive(Clone)]
pub struct AtRef(pub Rc<Vec<ColumnAt>>);

impl PartialEq for AtRef {
    fn eq(&self, o: &Self) -> bool {
        Rc::ptr_eq(&self.0, &o.0)
    }
}

/// The snapshot parts the column views in `views` read: never the bindings (a picked name is
/// looked up in the column's session) nor the `/proc` texts (the snapshot diff takes its own);
/// the per-CPU rows only for the per-CPU view; the SuperSlabs always (a selection's pages).
pub fn parts_for(views: &[String]) -> Parts {
    Parts { percpu: views.iter().any(|v| v == "percpu"), superslab: true, ..Parts::NONE }
}

/// The cache of [`ColumnAt`]'s snapshots: the run they are of, and per column the step and
/// parts each was taken at (a trace event one machine refused leaves its column's snapshot,
/// and so the column, as it was).
type SnapCache = (Option<RunRef>, Vec<(u64, Parts, Snap)>);

#[derive(Properties, PartialEq)]
pub struct Props {
    pub state: UseReducerHandle<State>,
}

/// The compare state, provided by the app (s12-compare): a compare step changes only it (the
/// reducer leaves `State::version`, so no shell component renders), and this context is what
/// renders the panel. Compared by identity.
#[derive(Clone)]
pub struct CompareCtx(pub Rc<crate::state::compare::CompareState>);

impl PartialEq for CompareCtx {
    fn eq(&self, o: &Self) -> bool {
        Rc::ptr_eq(&self.0, &o.0)
    }
}

fn input_value(e: &Event) -> Option<String> {
    let t = e.target()?;
    if let Some(i) = t.dyn_ref::<web_sys::HtmlInputElement>() {
        return Some(i.value());
    }
    t.dyn_ref::<web_sys::HtmlSelectElement>().map(|s| s.value())
}

/// The whole mode: set-up form, cursor, charts, table, columns, snapshot diff.
#[function_component(ComparePanel)]
pub fn compare_panel(p: &Props) -> Html {
    let lang = use_context::<Lang>().unwrap_or(Lang::En);
    let state = &p.state;
    // The handle reads the newest state; the context is what renders this panel on a step.
    let ctx = use_context::<CompareCtx>();
    let c = ctx.as_ref().map_or(&state.compare, |x| &x.0);
    // The first render of a new comparison is bracketed by User Timing marks (as the build's
    // slices are: `trace::mark`), so the benchmark can tell a long task of it from the build's.
    {
        let last = use_mut_ref(|| None::<RunRef>);
        let now = c.run.clone().map(RunRef);
        let first = now.is_some() && *last.borrow() != now;
        if first {
            crate::state::trace::mark("compare-render:start");
            *last.borrow_mut() = now;
        }
        use_effect(move || {
            if first {
                crate::state::trace::mark("compare-render:end");
            }
        });
    }
    // A comparison being built: one slice per task, so the page repaints the progress and
    // answers input (the Cancel button) in between (as hooks/chunk.rs does for documents).
    {
        let d = state.dispatcher();
        let pending = c.pending.is_some().then_some(());
        use_effect_with((pending, c.progress), move |&(pending, _)| {
            let timeout = pending.map(|()| {
                gloo::timers::callback::Timeout::new(0, move || d.dispatch(Action::Compare(CompareMsg::BuildChunk)))
            });
            move || drop(timeout)
        });
    }
    // A frame shows the comparison its address names: no set-up form, no file pickers.
    let embed = state.params.embed;
    let send = {
        let d = state.dispatcher();
        move |m: CompareMsg| d.dispatch(Action::Compare(m))
    };
    let cb = |f: fn() -> CompareMsg| {
        let send = send.clone();
        Callback::from(move |_| send(f()))
    };
    let session_label = AttrValue::from(if state.lesson.is_some() && state.doc.is_none() {
        t(lang, "compare.source_lesson")
    } else if state.doc.is_none() {
        t(lang, "compare.source_trace")
    } else {
        t(lang, "compare.source_sandbox")
    });
    let trace_source = state.trace.is_some() && state.doc.is_none() && state.lesson.is_none();
    let view_chips = COLUMN_VIEWS.iter().map(|v| {
        let on = c.views.iter().any(|x| x == v);
        let send = send.clone();
        let v2 = v.to_string();
        html! {
            <button type="button" class="view-chip" data-compare-view={*v} aria-pressed={on.to_string()}
                    onclick={Callback::from(move |_| send(CompareMsg::ToggleView(v2.clone())))}>
                { t(lang, &format!("compare.view.{v}")) }
            </button>
        }
    });
    // Made once (s7-compare): a column whose props are unchanged is not rendered again, so its
    // callbacks must not be new on every render of the panel.
    let on_pick = {
        let d = state.dispatcher();
        use_callback((), move |(i, e): (usize, Option<EntityRef>), _| {
            d.dispatch(Action::Compare(CompareMsg::Pick(i, e)))
        })
    };
    let on_hover = {
        let d = state.dispatcher();
        use_callback((), move |(i, e): (usize, Option<EntityRef>), _| {
            d.dispatch(Action::Compare(CompareMsg::Hover(i, e)))
        })
    };
    // The snapshot diff: in the summary box beside the columns once a comparison ran.
    let on_diff = {
        let d = state.dispatcher();
        use_callback((), move |m: CompareMsg, _| d.dispatch(Action::Compare(m)))
    };
    // Every column at the cursor, once per step (the reducer has moved them there).
    let snaps = use_mut_ref(SnapCache::default);
    let at = {
        let parts = parts_for(&c.views);
        use_memo((c.run.clone().map(RunRef), c.position, parts), move |(run, position, parts)| {
            let Some(run) = run else { return AtRef(Rc::new(Vec::new())) };
            let r = run.0.borrow();
            let mut cache = snaps.borrow_mut();
            if cache.0.as_ref() != Some(run) {
                *cache = (Some(run.clone()), Vec::new());
            }
            let at = r
                .columns
                .iter()
                .enumerate()
                .map(|(i, col)| {
                    let step = col.session.step();
                    let snap = match cache.1.get(i) {
                        Some((s, p, snap)) if (*s, *p) == (step, *parts) => snap.clone(),
                        _ => Snap { snap: Rc::new(col.snapshot(*parts)) },
                    };
                    let entry = (step, *parts, snap.clone());
                    match cache.1.get_mut(i) {
                        Some(e) => *e = entry,
                        None => cache.1.push(entry),
                    }
                    ColumnAt { measures: col.measures_with(*position, &snap.snap), snap }
                })
                .collect();
            AtRef(Rc::new(at))
        })
    };
    let diff = if embed {
        Html::default()
    } else {
        html! { <SnapshotDiff diff={c.diff.clone()} has_run={c.run.is_some()} on={on_diff.clone()} /> }
    };
    let body = c.run.as_ref().map(|run| {
        let r = run.borrow();
        let total = r.positions();
        let n = r.columns.len();
        let op_text = c
            .position
            .checked_sub(1)
            .and_then(|k| r.columns.first().and_then(|col| col.session.op(k).map(|op| op.to_script(col.session.names()))))
            .unwrap_or_else(|| t(lang, "compare.at_start"));
        let on_scrub = {
            let send = send.clone();
            Callback::from(move |e: InputEvent| {
                if let Some(v) = e.target().and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok()) {
                    if let Ok(p) = v.value().parse() {
                        send(CompareMsg::Seek(p));
                    }
                }
            })
        };
        let run_ref = RunRef(run.clone());
        let columns = (0..n).map(|i| {
            // The column's own step and op count at the cursor: a trace event one machine
            // refused leaves that column's props, and so the column, unchanged.
            let (step, ops) = r.columns.get(i).map_or((0, 0), |col| (col.step_at(c.position), col.ops_at(c.position)));
            let Some(snap) = at.0.get(i).map(|a| a.snap.clone()) else { return Html::default() };
            // Keyed by the comparison: a new one renders its columns a task each again.
            html! {
                <Later key={format!("{:p}-{i}", Rc::as_ptr(run))} after={i as u32 + 2}>
                <CompareColumn run={run_ref.clone()} index={i} step={step} ops={ops} snap={snap}
                               picked={c.picked.clone()} views={c.views.clone()} on_pick={on_pick.clone()}
                               hovered={c.hovered.clone()} on_hover={on_hover.clone()} />
                </Later>
            }
        }).collect::<Vec<Html>>();
        let refused: Vec<String> = r.columns.iter().filter_map(|col| col.report.as_ref().map(|_| col.label.clone())).collect();
        drop(r);
        html! {
            <>
                <div id="compare-cursor" class="compare-cursor" role="group" aria-label={t(lang, "compare.cursor")}>
                    <button type="button" id="compare-start" onclick={cb(|| CompareMsg::Start)} disabled={c.position <= c.first}>{ t(lang, "ui.reset") }</button>
                    <button type="button" id="compare-back" onclick={cb(|| CompareMsg::Step(-1))} disabled={c.position <= c.first}>{ t(lang, "compare.back") }</button>
                    <button type="button" id="compare-next" onclick={cb(|| CompareMsg::Step(1))} disabled={c.position >= total}>{ t(lang, "compare.next") }</button>
                    <button type="button" id="compare-end" onclick={cb(|| CompareMsg::End)} disabled={c.position >= total}>{ t(lang, "ui.end") }</button>
                    <label for="compare-scrub" class="sr-only">{ t(lang, "compare.scrub") }</label>
                    <input id="compare-scrub" type="range" min={c.first.to_string()} max={total.to_string()} value={c.position.to_string()}
                           oninput={on_scrub} />
                    <p id="compare-counter" class="compare-counter" aria-live="polite" data-position={c.position.to_string()} data-total={total.to_string()}>
                        { tf(lang, "compare.counter", &[("pos", c.position.to_string()), ("total", total.to_string())]) }
                        { " · " }<code id="compare-op">{ op_text }</code>
                    </p>
                </div>
                // One screen (s6-compare, styles/compare.css): the table (and the snapshot diff)
                // in a side box that scrolls on its own; a strip of compact charts above the
                // columns, which fill the rest of the height.
                <div id="compare-body" class="compare-body">
                    <section id="compare-summary" class="compare-summary" tabindex="0" aria-label={t(lang, "compare.summary_tab")}>
                        <DeltaTable run={run_ref.clone()} position={c.position} at={(*at).clone()} />
                        if !refused.is_empty() {
                            <p id="compare-trace-note" class="muted">{ t(lang, "compare.trace_fresh") }{ " " }{ t(lang, "compare.trace_note") }</p>
                        }
                        { diff.clone() }
                    </section>
                    <div class="compare-main">
                        <Later key={format!("{:p}", Rc::as_ptr(run))} after={1}>
                        <CompareCharts run={run_ref.clone()} position={c.position} />
                        </Later>
                        <div class="compare-view-chips" role="group" aria-label={t(lang, "compare.views")}>
                            { for view_chips }
                        </div>
                        <div id="compare-columns" class="compare-columns" data-columns={n.to_string()}>
                            { for columns }
                        </div>
                    </div>
                </div>
            </>
        }
    });
    html! {
        <section id="compare-panel" class="panel compare-panel" data-panel="compare" aria-labelledby="compare-title">
            <h2 id="compare-title">{ t(lang, "compare.heading") }</h2>
            { crate::views::layers::slab_defs("compare-defs") }
            if !embed { <p class="muted">{ t(lang, "compare.help") }</p> }
            if !embed {
                <CompareSetup configs={c.configs.clone()} source={c.source.clone()} open={c.run.is_none()}
                              session_label={session_label} trace_source={trace_source} on={on_diff.clone()} />
            }
            <p id="compare-error" class="command-error" role="alert">{ c.error.clone().unwrap_or_default() }</p>
            if c.pending.is_some() {
                <p id="compare-progress" class="notice compare-progress" role="status">
                    { t(lang, "compare.building") }
                    <progress max={c.progress.map_or(1, |p| p.1).max(1).to_string()} value={c.progress.map_or(0, |p| p.0).to_string()}
                              aria-label={t(lang, "compare.building")}></progress>
                    <button type="button" id="compare-cancel" onclick={cb(|| CompareMsg::Cancel)}>{ t(lang, "compare.cancel") }</button>
                </p>
            }
            { for body }
            if c.run.is_none() { { diff } }
        </section>
    }
}

#[derive(Properties, PartialEq)]
pub struct SetupProps {
    pub configs: Vec<String>,
    pub source: Source,
    /// Open before the first run.
    pub open: bool,
    /// What "the session in front of the user" is (a lesson, the sandbox, a trace).
    pub session_label: AttrValue,
    /// A loaded trace is the session.
    pub trace_source: bool,
    pub on: Callback<CompareMsg>,
}

/// The set-up form: configurations and source (s11-compare: its own component, so a step,
/// which changes none of its props, does not render or reconcile it).
#[function_component(CompareSetup)]
pub fn compare_setup(p: &SetupProps) -> Html {
    let lang = use_context::<Lang>().unwrap_or(Lang::En);
    let send = {
        let on = p.on.clone();
        move |m: CompareMsg| on.emit(m)
    };
    let cb = |f: fn() -> CompareMsg| {
        let send = send.clone();
        Callback::from(move |_| send(f()))
    };
    let rows = p.configs.iter().enumerate().map(|(i, text)| {
        let on_text = {
            let send = send.clone();
            Callback::from(move |e: Event| {
                if let Some(v) = input_value(&e) {
                    send(CompareMsg::SetConfig(i, v));
                }
            })
        };
        let on_policy = {
            let send = send.clone();
            Callback::from(move |e: Event| {
                if let Some(v) = input_value(&e) {
                    send(CompareMsg::SetPolicy(i, v));
                }
            })
        };
        let on_remove = {
            let send = send.clone();
            Callback::from(move |_| send(CompareMsg::RemoveColumn(i)))
        };
        let current = crate::state::compare::policy_of(text).to_string();
        let n = (i + 1).to_string();
        html! {
            <li class="compare-config" id={format!("compare-config-{i}")}>
                <span class={classes!("col-swatch", format!("col-{i}"))} aria-hidden="true"></span>
                <label for={format!("compare-policy-{i}")}>{ tf(lang, "compare.policy", &[("n", n.clone())]) }</label>
                <select id={format!("compare-policy-{i}")} onchange={on_policy}>
                    { for POLICIES.iter().map(|p| html! {
                        <option value={p.name} selected={p.name == current}>{ p.name }</option>
                    }) }
                </select>
                <label for={format!("compare-cfg-{i}")}>{ tf(lang, "compare.settings", &[("n", n)]) }</label>
                <input id={format!("compare-cfg-{i}")} type="text" spellcheck="false" autocomplete="off"
                       value={text.clone()} onchange={on_text} placeholder="slab=slab percpu=magazine cpus=2" />
                <button type="button" class="compare-remove" id={format!("compare-remove-{i}")}
                        disabled={p.configs.len() <= MIN_CONFIGS} onclick={on_remove}>{ t(lang, "compare.remove") }</button>
            </li>
        }
    });
    let (wl_seed, wl_count, wl_mix) = match &p.source {
        Source::Workload(w) => (w.seed, w.count, w.mix.clone()),
        Source::Session => (1, 2000, "slab".to_string()),
    };
    let on_source = {
        let send = send.clone();
        let mix = wl_mix.clone();
        Callback::from(move |e: Event| {
            let v = input_value(&e).unwrap_or_default();
            send(CompareMsg::SetSource(if v == "workload" {
                Source::Workload(Workload { seed: wl_seed, count: wl_count, mix: mix.clone() })
            } else {
                Source::Session
            }))
        })
    };
    let on_wl = {
        let send = send.clone();
        Callback::from(move |_e: Event| {
            let doc = gloo::utils::document();
            let val = |id: &str| {
                doc.get_element_by_id(id)
                    .and_then(|e| e.dyn_into::<web_sys::HtmlInputElement>().ok().map(|i| i.value()))
                    .or_else(|| {
                        doc.get_element_by_id(id)
                            .and_then(|e| e.dyn_into::<web_sys::HtmlSelectElement>().ok().map(|s| s.value()))
                    })
                    .unwrap_or_default()
            };
            let seed = val("compare-wl-seed").parse().unwrap_or(1);
            let count = val("compare-wl-count").parse().unwrap_or(0);
            send(CompareMsg::SetSource(Source::Workload(Workload { seed, count, mix: val("compare-wl-mix") })));
        })
    };
    let on_run = {
        let send = send.clone();
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            send(CompareMsg::Run);
        })
    };
    let is_wl = matches!(p.source, Source::Workload(_));
    html! {
    <details class="compare-setup" open={p.open}>
    <summary>{ t(lang, "compare.setup") }</summary>
    <form id="compare-form" class="compare-form" onsubmit={on_run}>
        <fieldset>
            <legend>{ t(lang, "compare.source") }</legend>
            <label><input type="radio" name="compare-source" id="compare-source-session" value="session" checked={!is_wl} onchange={on_source.clone()} />
                { p.session_label.clone() }</label>
            if p.trace_source && !is_wl { <p id="compare-trace-fresh" class="muted">{ t(lang, "compare.trace_fresh") }</p> }
            <label><input type="radio" name="compare-source" id="compare-source-workload" value="workload" checked={is_wl} onchange={on_source} />
                { t(lang, "compare.source_workload") }</label>
            if is_wl {
                <span class="compare-wl">
                    <label for="compare-wl-seed">{ t(lang, "compare.wl_seed") }</label>
                    <input id="compare-wl-seed" type="number" min="0" value={wl_seed.to_string()} onchange={on_wl.clone()} />
                    <label for="compare-wl-count">{ t(lang, "compare.wl_count") }</label>
                    <input id="compare-wl-count" type="number" min="1" value={wl_count.to_string()} onchange={on_wl.clone()} />
                    <label for="compare-wl-mix">{ t(lang, "compare.wl_mix") }</label>
                    <select id="compare-wl-mix" onchange={on_wl}>
                        { for Mix::PRESETS.iter().map(|(name, _)| html! { <option value={*name} selected={*name == wl_mix}>{ *name }</option> }) }
                    </select>
                </span>
            }
        </fieldset>
        <ol class="compare-configs">{ for rows }</ol>
        <button type="button" id="compare-add" disabled={p.configs.len() >= MAX_CONFIGS} onclick={cb(|| CompareMsg::AddColumn)}>{ t(lang, "compare.add") }</button>
        <button type="submit" id="compare-run">{ t(lang, "compare.run") }</button>
    </form>
    </details>
    }
}

#[derive(Properties, PartialEq)]
pub struct LaterProps {
    /// Tasks to wait (one zero-delay timeout each) before the children are rendered.
    pub after: u32,
    #[prop_or_default]
    pub children: Html,
}

/// Its children, rendered a few tasks after it is mounted (s8-compare): a new comparison's first
/// render is split into tasks — the cursor and the table first, then the charts, then each
/// column — so that none of them is a long task (> 50 ms). Once shown, the children update like
/// any others.
#[function_component(Later)]
pub fn later(p: &LaterProps) -> Html {
    let left = use_state(|| p.after);
    {
        let left = left.clone();
        use_effect_with(*left, move |&n| {
            let t = (n > 0).then(|| gloo::timers::callback::Timeout::new(0, move || left.set(n - 1)));
            move || drop(t)
        });
    }
    if *left == 0 {
        p.children.clone()
    } else {
        Html::default()
    }
}

#[derive(Properties, PartialEq)]
pub struct ColumnProps {
    pub run: RunRef,
    pub index: usize,
    /// The column session's step and op count at the shared cursor, and its snapshot there.
    pub step: u64,
    pub ops: usize,
    pub snap: Snap,
    pub picked: Option<crate::state::compare::Picked>,
    pub views: Vec<String>,
    pub on_pick: Callback<(usize, Option<EntityRef>)>,
    pub hovered: Option<crate::state::compare::Picked>,
    pub on_hover: Callback<(usize, Option<EntityRef>)>,
}

/// Whether the cache view draws the same with `old`'s snapshot as with `new`'s (the same
/// selection, hover and callbacks): the same cache shown, with the same name, slab rows and
/// SLOB pages.
fn same_cache_view(old: &Ctx, new: &Ctx) -> bool {
    let (a, b) = (&old.snap.snap, &new.snap.snap);
    if Rc::ptr_eq(a, b) {
        return true;
    }
    let cache = new.cache();
    cache == old.cache()
        && cache.is_none_or(|c| {
            old.cache_name(c) == new.cache_name(c)
                && a.slab_rows.iter().filter(|r| r.cache == c).eq(b.slab_rows.iter().filter(|r| r.cache == c))
        })
        && a.block_rows == b.block_rows
}

/// Ids that ARIA attributes refer to, made unique per column (`c1-cache-title`): the reused
/// views name their headings and details by fixed ids, and several columns show the same view.
fn scope_aria_ids(root: &web_sys::Element, prefix: &str) {
    let Ok(list) = root.query_selector_all("[aria-labelledby], [aria-describedby]") else { return };
    for k in 0..list.length() {
        let Some(el) = list.item(k).and_then(|n| n.dyn_into::<web_sys::Element>().ok()) else { continue };
        for attr in ["aria-labelledby", "aria-describedby"] {
            let Some(ids) = el.get_attribute(attr) else { continue };
            let mut changed = false;
            let scoped: Vec<String> = ids
                .split_whitespace()
                .map(|id| {
                    if id.starts_with(prefix) {
                        return id.to_string();
                    }
                    let new = format!("{prefix}{id}");
                    if let Ok(Some(target)) = root.query_selector(&format!("[id=\"{id}\"]")) {
                        target.set_id(&new);
                    }
                    changed = true;
                    new
                })
                .collect();
            if changed {
                let _ = el.set_attribute(attr, &scoped.join(" "));
            }
        }
    }
}

/// One configuration's run at the shared cursor. One snapshot per step of this column (taken
/// by the panel); the callbacks its views get are made once, so a view whose data did not
/// change at this step (the memory map and the buddy lists of most kmalloc steps) is not
/// rendered again (s7-compare).
#[function_component(CompareColumn)]
pub fn compare_column(p: &ColumnProps) -> Html {
    let lang = use_context::<Lang>().unwrap_or(Lang::En);
    let i = p.index;
    let snap = p.snap.snap.clone();
    // The snapshot on screen, for the memory map's details line (read when a page is hovered).
    let shown_snap = use_mut_ref(|| None::<Rc<Snapshot>>);
    *shown_snap.borrow_mut() = Some(snap.clone());
    let root = use_node_ref();
    let on_select = use_callback((p.on_pick.clone(), i), |e: Option<EntityRef>, (on_pick, i)| on_pick.emit((*i, e)));
    let on_hover = use_callback((p.on_hover.clone(), i), |e: Option<EntityRef>, (on_hover, i)| on_hover.emit((*i, e)));
    let on_page = use_callback(on_select.clone(), |pfn: u32, on_select| on_select.emit(Some(EntityRef::Page { pfn })));
    let describe = {
        let shown_snap = shown_snap.clone();
        use_callback((p.run.clone(), i, lang), move |pfn: u32, (run, i, lang)| {
            let (Ok(r), Some(snap)) = (run.0.try_borrow(), shown_snap.borrow().clone()) else { return String::new() };
            r.columns.get(*i).map_or(String::new(), |c| describe_page(*lang, &snap.blocks, &c.session, pfn))
        })
    };
    let (selection, hovered, label) = {
        let r = p.run.0.borrow();
        let Some(col) = r.columns.get(i) else { return Html::default() };
        let find = |pk: &Option<crate::state::compare::Picked>| pk.as_ref().and_then(|pk| resolve(pk, i, col, &snap));
        (find(&p.picked), find(&p.hovered), col.label.clone())
    };
    let ctx = Ctx {
        snap: p.snap.clone(),
        selection,
        focus: focus(&snap, hovered.or(selection)),
        sel_focus: focus(&snap, selection),
        on_select,
        on_hover,
    };
    // s11-compare: the cache view keeps the snapshot it drew while what it draws (the shown
    // cache's slab rows, its name, SLOB's pages) is unchanged, so a step that touches another
    // cache or only pages does not render (nor reconcile) the cache view again.
    let cache_ctx = {
        let held = use_mut_ref(|| None::<Snap>);
        let mut held = held.borrow_mut();
        let kept = held.as_ref().map(|old| Ctx { snap: old.clone(), ..ctx.clone() });
        match kept.filter(|old| same_cache_view(old, &ctx)) {
            Some(old) => old,
            None => {
                *held = Some(p.snap.clone());
                ctx.clone()
            }
        }
    };
    // Made unique after a render that may have made new elements naming ids: the views shown,
    // the selection and hover, a cache view drawn again, the per-CPU view (drawn every step).
    // s11-compare: not after every step (a `querySelectorAll` over the column, ~0.25 ms each).
    {
        let root = root.clone();
        let percpu = p.views.iter().any(|v| v == "percpu").then(|| p.snap.clone());
        let deps = (p.views.clone(), cache_ctx.snap.clone(), selection, hovered, percpu);
        use_effect_with(deps, move |_| {
            if let Some(el) = root.cast::<web_sys::Element>() {
                scope_aria_ids(&el, &format!("c{}-", i + 1));
            }
        });
    }
    let (step, ops) = (p.step, p.ops);
    let shown = |v: &str| p.views.iter().any(|x| x == v);
    let highlight = ctx.focus.pages;
    let picked_name = match &p.picked {
        Some(crate::state::compare::Picked::Object(n)) | Some(crate::state::compare::Picked::Cache(n)) => {
            Some(n.clone())
        }
        _ => None,
    };
    html! {
        <section ref={root} class={classes!("compare-column", format!("col-{i}"))} id={format!("compare-col-{i}")}
                 data-step={step.to_string()} data-ops={ops.to_string()}
                 data-selected={selection.map(|e| format!("{e:?}"))}
                 data-hovered={hovered.map(|e| format!("{e:?}"))}
                 aria-label={tf(lang, "compare.column", &[("n", (i + 1).to_string()), ("label", label.clone())])}>
            <h3 class="compare-col-title"><span class={classes!("col-swatch", format!("col-{i}"))} aria-hidden="true"></span>
                { format!("{}. ", i + 1) }<code>{ if label.trim().is_empty() { t(lang, "compare.unchanged") } else { label } }</code></h3>
            if let Some(n) = picked_name {
                <p class="compare-picked">{ match selection {
                    Some(_) => tf(lang, "compare.picked", &[("name", n)]),
                    None => tf(lang, "compare.picked_absent", &[("name", n)]),
                } }</p>
            }
            if shown("memory") {
                <section class="panel" data-compare-view="memory">
                    <h4>{ t(lang, "ui.memory_map") }</h4>
                    <MemoryMap blocks={snap.blocks.clone()} total_pages={snap.stats.total_pages as u32} nodes={snap.config.nodes}
                               describe={describe} highlight={highlight} on_select={on_page} />
                </section>
            }
            if shown("buddy") {
                <section class="panel" data-compare-view="buddy">
                    <h4>{ t(lang, "ui.buddy.heading") }</h4>
                    <FreeLists zones={Zones(snap.clone())} mark={None} />
                </section>
            }
            if shown("cache") {
                <div data-compare-view="cache"><CacheView ctx={cache_ctx} /></div>
            }
            if shown("percpu") {
                <div data-compare-view="percpu"><PerCpuView ctx={ctx} /></div>
            }
        </section>
    }
}
