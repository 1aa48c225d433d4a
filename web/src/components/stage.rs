//! The picture: every view of the session (memory map, buddy free lists, /proc/buddyinfo, the
//! event log, the session charts, and the slab layer's linked views). Which of them show, and
//! in which order, is the stage's style (`lesson::panel_css`), so the views keep their state.

use std::rc::Rc;

use slabscope_core::event::{EntityRef, Event as CoreEvent};
use yew::prelude::*;

use super::util::{describe_page, determinism_hash};

/// The determinism fingerprint (`data-hash`, read by the browser suite against the native run):
/// the event hash of a canonical script, computed after the first picture has painted, not in
/// the first render (~12 ms of JSON per event in Chromium, s12).
#[function_component(DeterminismHash)]
fn determinism_hash_footer() -> Html {
    let hash = use_state(|| None::<String>);
    {
        let hash = hash.clone();
        use_effect_with((), move |_| {
            let set = move || hash.set(Some(format!("{:016x}", determinism_hash())));
            // (No animation frame without a window: then there is no page to read it either.)
            let _ = crate::hooks::playback::after_paint(set);
        });
    }
    html! { <footer id="determinism" data-hash={(*hash).clone()}></footer> }
}
use crate::i18n::{self, t, Lang};
use crate::state::Action;
use crate::views::ctx::{SessionRef, Snap};
use crate::views::layers::LayerViews;
use crate::views::{
    chart::FreeChart,
    event_log::EventLog,
    free_lists::{BuddyMark, FreeLists, Zones},
    memory_map::MemoryMap,
    timeline::{Kind, Timeline},
};

pub use super::StateProps as Props;

/// The last event step the session charts may plot: while an exercise's question is open, the
/// step it is asked at; in a lesson, the start of the first step whose question is still open
/// (else the end of the last step the lesson, or the embed's `to=`, allows). `None`: all of it.
fn chart_limit(state: &crate::state::State) -> Option<u64> {
    match state.mode {
        crate::doc::Mode::Exercises => {
            state.exercises.current.as_ref().filter(|c| c.graded.is_none()).map(|c| c.ex.ask_step)
        }
        crate::doc::Mode::Lessons => state.lesson.as_ref().and_then(|run| {
            let run = run.borrow();
            let k = run.reachable();
            let step = run.played.get(k)?;
            Some(if run.replies.get(k).is_some_and(|r| r.settled()) {
                run.played.get(run.last)?.end
            } else {
                step.start
            })
        }),
        _ => None,
    }
}

#[function_component(Stage)]
pub fn stage(p: &Props) -> Html {
    let lang = use_context::<Lang>().unwrap_or(Lang::En);
    let state = &p.state;
    let session_id = (std::rc::Rc::as_ptr(&state.session) as usize, state.session.borrow().op_count());
    // Only the views shown are rendered (#14): a hidden view costs no DOM and no diff.
    let shown: Rc<Vec<String>> = Rc::new(state.views());
    let has = |v: &str| shown.iter().any(|s| s == v);
    // The session charts replay the whole session: only once one of them is shown.
    let charted = has("timeline") || has("charts");
    // A trace's samples are made in slices after its load (s5-tracew): never here in one go.
    let trace_samples = state.trace.as_ref().map(|t| t.samples().unwrap_or_default());
    // A large sandbox session's samples are made in slices (hooks/series.rs), never in one go.
    let samples =
        crate::hooks::use_session_series(state.session.clone(), session_id, charted && trace_samples.is_none());
    // The charts of a large session until its samples are made (a few hundred ms at 1M ops).
    let making = charted
        && trace_samples.is_none()
        && samples.is_empty()
        && state.session.borrow().op_count() > crate::hooks::series::SMALL_OPS;
    let making =
        making.then(|| html! { <p class="muted charts-making" role="status">{ t(lang, "ui.charts_making") }</p> });
    let samples: Rc<Rc<Vec<_>>> = Rc::new(trace_samples.unwrap_or(samples));
    // While a question is open the charts stop where it is asked: past that point they would
    // plot the state it asks the student to predict (s6-layout, issue 13).
    let samples = use_memo((samples, chart_limit(state)), |(all, limit)| match limit {
        None => (**all).clone(),
        Some(limit) => Rc::new(all.iter().filter(|s| s.step <= *limit).cloned().collect()),
    });
    // One snapshot per step (#14): the map, the buddy lists and the slab layer's views share it,
    // and a render that does not move the step (a selection, a hover) does not take it again.
    let snap = {
        let session = state.session.clone();
        let step = session.borrow().step();
        use_memo((SessionRef(state.session.clone()), session_id, step), move |_| Rc::new(session.borrow().snapshot()))
    };
    let session = state.session.borrow();
    let mark = match session.current_event() {
        Some(&CoreEvent::BlockSplit { node, pfn, buddy_pfn, order }) => {
            Some(BuddyMark::Split { node, pfn, buddy: buddy_pfn, order })
        }
        Some(&CoreEvent::BuddyMerged { node, pfn, buddy_pfn, order, merged_pfn }) => {
            Some(BuddyMark::Merge { node, pfn, buddy: buddy_pfn, order, merged: merged_pfn })
        }
        _ => None,
    };
    let (events, applied) = session.current_op_events();
    let first_step = session.current_op().map_or(0, |k| session.op_events_range(k).start);
    let log: Vec<String> = events
        .iter()
        .filter(|_| has("log"))
        .map(|ev| i18n::message(lang, &ev.message(), session.names(), &|c| session.head().cache_name(c)))
        .collect();
    let step = session.step();
    drop(session);
    let describe = {
        let session = state.session.clone();
        let snap = snap.clone();
        Callback::from(move |pfn: u32| describe_page(lang, &snap.blocks, &session.borrow(), pfn))
    };
    let on_select = {
        let d = state.dispatcher();
        Callback::from(move |e| d.dispatch(Action::Select(e)))
    };
    let on_hover = {
        let d = state.dispatcher();
        Callback::from(move |e| d.dispatch(Action::Hover(e)))
    };
    let map_highlight = crate::views::ctx::focus(&snap, state.hover.or(state.selection)).pages;
    let on_select_page = {
        let d = state.dispatcher();
        Callback::from(move |pfn: u32| d.dispatch(Action::Select(Some(EntityRef::Page { pfn }))))
    };
    let on_log = {
        let d = state.dispatcher();
        Callback::from(move |i: usize| d.dispatch(Action::Seek(first_step + i as u64 + 1)))
    };
    // Trace mode (s4-tracew): the trace's facts in the log, its views, the inspector's lineage.
    let fact = state.current_fact(lang);
    let trace_link = state.trace.clone().map(|trace| {
        let (d, session) = (state.dispatcher(), state.session.clone());
        let on_op = Callback::from(move |k: usize| {
            let end = session.try_borrow().map(|s| s.op_events_range(k).end);
            if let Ok(end) = end {
                d.dispatch(Action::Seek(end));
            }
        });
        crate::views::trace_lineage::TraceLink { trace, session: state.session.clone(), version: state.version, on_op }
    });
    let layer_views = html! {
        <LayerViews session={state.session.clone()} snap={Snap { snap: (*snap).clone() }} shown={shown.clone()} version={state.version} selection={state.selection}
                    hover={state.hover} on_select={on_select} on_hover={on_hover} />
    };
    html! {
        <>
            <div class="views">
                if has("memory") {
                <section class="panel" data-panel="memory">
                    <h2>{ t(lang, "ui.memory_map") }</h2>
                    <MemoryMap blocks={snap.blocks.clone()} total_pages={snap.stats.total_pages as u32} nodes={snap.config.nodes} describe={describe}
                               highlight={map_highlight} on_select={on_select_page} />
                </section>
                }
                <div class="row">
                    if has("buddy") {
                    <section class="panel" data-panel="buddy">
                        <h2>{ t(lang, "ui.buddy.heading") }</h2>
                        <FreeLists zones={Zones((*snap).clone())} mark={mark} />
                    </section>
                    }
                    if has("buddyinfo") {
                    <section class="panel buddyinfo-panel" data-panel="buddyinfo">
                        <crate::views::buddyinfo::Buddyinfo text={snap.buddyinfo.clone()} />
                        <h2>{ t(lang, "ui.chart") }</h2>
                        <FreeChart nr_free={snap.stats.nr_free.clone()} />
                    </section>
                    }
                </div>
                if has("log") {
                <EventLog entries={log} current={applied} first_step={first_step} on_select={on_log} fact={fact} />
                }
                if has("timeline") {
                <section class="panel" data-panel="timeline">
                    <h2>{ t(lang, "ui.timeline_chart") }</h2>
                    { making.clone().unwrap_or_default() }
                    <Timeline id="timeline-chart" kind={Kind::Memory} samples={(*samples).clone()} step={step} />
                </section>
                }
                if has("charts") {
                <section class="panel" data-panel="charts">
                    { making.unwrap_or_default() }
                    <div class="row">
                        <div class="chart-box">
                            <h2>{ t(lang, "ui.orders_chart") }</h2>
                            <Timeline id="orders-chart" kind={Kind::Orders} samples={(*samples).clone()} step={step} />
                        </div>
                        <div class="chart-box">
                            <h2>{ t(lang, "ui.frag_chart") }</h2>
                            <Timeline id="frag-chart" kind={Kind::Frag} samples={(*samples).clone()} step={step} />
                        </div>
                    </div>
                </section>
                }
                if state.trace.is_some() {
                    <crate::views::trace_report::TraceViews state={state.clone()} />
                }
            </div>
            if let Some(link) = trace_link {
                <ContextProvider<crate::views::trace_lineage::TraceLink> context={link}>{ layer_views }</ContextProvider<crate::views::trace_lineage::TraceLink>>
            } else {
                { layer_views }
            }
            <DeterminismHash />
        </>
    }
}
