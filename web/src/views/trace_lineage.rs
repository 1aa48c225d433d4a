//! The inspector's lineage section: every allocation and free the trace has of the selected
//! object's (or page block's) address, with call sites, processes, CPUs and times, the trace
//! line of each, and "reused by" links that seek the timeline to the next allocation of it.

use std::cell::RefCell;
use std::rc::Rc;

use slabscope_core::event::EntityRef;
use slabscope_core::session::Session;
use slabscope_core::trace::Space;
use yew::prelude::*;

use crate::i18n::{t, tf, Lang};
use crate::state::trace::{lineage_rows, name_at, slot_rows, Derived, Loaded, Target};

/// True while the slot index a free slot's lineage needs is still being made.
fn live_none_pending(d: &Option<Rc<Derived>>) -> bool {
    d.is_none()
}

/// What the lineage needs from the app, given as a context by the stage in trace mode.
#[derive(Clone)]
pub struct TraceLink {
    pub trace: Rc<Loaded>,
    pub session: Rc<RefCell<Session>>,
    /// The app state's version (the step moved).
    pub version: u64,
    /// Seek the timeline to the end of an op.
    pub on_op: Callback<usize>,
}

impl PartialEq for TraceLink {
    fn eq(&self, o: &Self) -> bool {
        Rc::ptr_eq(&self.trace, &o.trace) && Rc::ptr_eq(&self.session, &o.session) && self.version == o.version
    }
}

#[derive(Properties, PartialEq)]
pub struct Props {
    pub selection: Option<EntityRef>,
}

#[function_component(TraceLineage)]
pub fn trace_lineage(p: &Props) -> Html {
    let Some(link) = use_context::<TraceLink>() else { return Html::default() };
    let lang = use_context::<Lang>().unwrap_or(Lang::En);
    let target = match p.selection {
        Some(EntityRef::Object { addr, .. }) | Some(EntityRef::Tiny { addr }) => Target::Addr(addr),
        Some(EntityRef::Page { pfn }) | Some(EntityRef::Block { pfn, .. }) => Target::Pfn(pfn),
        _ => return Html::default(),
    };
    let name = link.session.try_borrow().ok().and_then(|s| name_at(&s, target));
    let live = name.and_then(|n| link.trace.with(&link.session, |ts| lineage_rows(ts, n)));
    // A free slot (nothing of the trace bound there at the cursor): the allocations the
    // simulation placed in it, once the slot index is made (s5-tracew).
    let derived = link.trace.derived();
    let slot = match (&live, &derived) {
        (None, Some(d)) => link.trace.with(&link.session, |ts| slot_rows(ts, d, target)).filter(|r| !r.is_empty()),
        _ => None,
    };
    let free = slot.is_some();
    let sim_addr = match target {
        Target::Addr(a) => format!("{a:#x}"),
        Target::Pfn(p) => format!("pfn {p:#x}"),
    };
    let found = live
        .map(|(addr, rows)| {
            let addr = addr.map(|(space, a)| match space {
                Space::Object => format!("ptr={a:#x}"),
                Space::Page => format!("pfn={a:#x}"),
            });
            (
                tf(lang, "trace.lineage.title", &[("addr", addr.unwrap_or_default()), ("n", rows.len().to_string())]),
                rows,
            )
        })
        .or_else(|| {
            slot.map(|rows| {
                let title =
                    tf(lang, "trace.lineage.slot", &[("addr", sim_addr.clone()), ("n", rows.len().to_string())]);
                (title, rows)
            })
        });
    let body = match found {
        None if live_none_pending(&derived) => html! {
            <p class="muted" id="lineage-pending">{ tf(lang, "trace.lineage.indexing", &[("pct", format!("{:.0}", f64::from(link.trace.derive_progress.get()) / 10.0))]) }</p>
        },
        None => html! { <p class="muted">{ t(lang, "trace.lineage.none") }</p> },
        Some((title, rows)) => {
            let items = rows.iter().map(|r| {
                let jump = |op: usize| {
                    let cb = link.on_op.clone();
                    Callback::from(move |_| cb.emit(op))
                };
                let what = tf(lang, if r.alloc { "trace.lineage.alloc" } else { "trace.lineage.free" }, &[
                    ("kind", r.kind.to_string()), ("site", if r.call_site.is_empty() { "-".into() } else { r.call_site.clone() }),
                    ("comm", r.comm.clone()), ("pid", r.pid.to_string()), ("cpu", r.cpu.to_string()),
                    ("time", r.time.clone()), ("line", r.line.to_string()),
                ]);
                html! {
                    <li class={classes!("lineage-entry", if r.alloc { "alloc" } else { "free" })} data-line={r.line.to_string()}>
                        if let Some(op) = r.op {
                            <button type="button" class="linklike lineage-seek" onclick={jump(op)}>{ what }</button>
                        } else {
                            <span>{ what }{ " " }<em>{ t(lang, "trace.lineage.unmatched") }</em></span>
                        }
                        if let (Some(op), Some(line)) = (r.reused_by, r.reused_line) {
                            { " " }
                            <button type="button" class="linklike lineage-reused" onclick={jump(op)}>
                                { tf(lang, "trace.lineage.reused", &[("line", line.to_string())]) }
                            </button>
                        }
                    </li>
                }
            });
            html! {
                <>
                    <p id="lineage-title">{ title }</p>
                    <ol id="lineage" class={classes!("lineage", free.then_some("slot"))}>{ for items }</ol>
                </>
            }
        }
    };
    html! {
        <section id="trace-lineage" class="trace-lineage" aria-labelledby="lineage-h">
            <h3 id="lineage-h">{ t(lang, "trace.lineage") }</h3>
            { body }
        </section>
    }
}
