//! Visualizer II: the linked views of the slab layer (caches table, cache view, per-CPU view,
//! SuperSlab view, memory inspector, /proc/slabinfo, slab charts), mounted as one component.
//! Selecting or hovering an object, slab, page, cache, CPU or SuperSlab in any view highlights
//! it (and what contains it) in every view, the memory map included ([`focus`]).

use std::cell::RefCell;
use std::rc::Rc;

use slabscope_core::event::EntityRef;
use slabscope_core::session::Session;
use slabscope_core::slub::{phys, virt};
use wasm_bindgen::JsCast;
use yew::prelude::*;

use crate::views::ctx::{focus, row_of_addr, row_of_pfn, Ctx, SessionRef, Snap};
use crate::views::inspector::Inspected;
use crate::views::{
    cache_view::CacheView, caches_table::CachesTable, inspector::Inspector, percpu_view::PerCpuView,
    selection_path::SelectionPath, slab_charts::SlabCharts, slabinfo_panel::SlabinfoPanel,
    superslab_view::SuperSlabView,
};

/// Bytes of a selected slab shown in the inspector.
const SLAB_DUMP: usize = 512;

#[derive(Properties)]
pub struct Props {
    pub session: Rc<RefCell<Session>>,
    /// The step's snapshot, taken once by the stage (#14).
    pub snap: Snap,
    /// The views shown (data-panel names): hidden ones are not rendered.
    pub shown: Rc<Vec<String>>,
    /// The app state's version: the views re-read the session when it changes.
    pub version: u64,
    pub selection: Option<EntityRef>,
    pub hover: Option<EntityRef>,
    pub on_select: Callback<Option<EntityRef>>,
    pub on_hover: Callback<Option<EntityRef>>,
}

impl PartialEq for Props {
    fn eq(&self, o: &Self) -> bool {
        Rc::ptr_eq(&self.session, &o.session)
            && self.snap == o.snap
            && self.shown == o.shown
            && self.version == o.version
            && self.selection == o.selection
            && self.hover == o.hover
    }
}

#[function_component(LayerViews)]
pub fn layer_views(p: &Props) -> Html {
    let snap_rc = p.snap.clone();
    let has = |v: &str| p.shown.iter().any(|s| s == v);
    // SuperSlab release on vs off: the same ops replayed once per session with the setting flipped.
    let op_count = p.session.borrow().op_count();
    let flipped = {
        let session = p.session.clone();
        // Only while the SuperSlab view is shown (a replay of the whole session).
        use_memo((SessionRef(p.session.clone()), op_count, has("superslab")), move |&(_, _, shown)| {
            let s = session.borrow();
            if !shown || s.head().superslab.births == 0 {
                return None;
            }
            let mut config = s.config().clone();
            config.superslab_release = !config.superslab_release;
            s.superslab_with(config).ok()
        })
    };
    let release_cmp = {
        let s = p.session.borrow();
        let k = s.current_op();
        let other = k.and_then(|k| flipped.as_ref().as_ref().and_then(|v| v.get(k).copied()));
        // Mid-operation, the other machine is shown at the end of the operation.
        let at_end = k.is_none_or(|k| s.step() == s.op_events_range(k).end);
        other.map(|o| (o, at_end))
    };
    // Escape clears the selection (the latest callback is kept in a ref for the listener).
    let on_select_ref = use_mut_ref(|| p.on_select.clone());
    *on_select_ref.borrow_mut() = p.on_select.clone();
    {
        let has_selection = p.selection.is_some();
        use_effect_with(has_selection, move |&has| {
            let listener = has.then(|| {
                gloo::events::EventListener::new(&gloo::utils::document(), "keydown", move |e| {
                    if let Some(k) = e.dyn_ref::<web_sys::KeyboardEvent>() {
                        if k.key() == "Escape" {
                            on_select_ref.borrow().emit(None);
                        }
                    }
                })
            });
            move || drop(listener)
        });
    }
    let sel_focus = focus(&snap_rc.snap, p.selection);
    let focus = focus(&snap_rc.snap, p.hover.or(p.selection));
    let ctx = Ctx {
        snap: snap_rc,
        selection: p.selection,
        focus,
        sel_focus,
        on_select: p.on_select.clone(),
        on_hover: p.on_hover.clone(),
    };
    let inspect = match p.selection.filter(|_| has("inspector")) {
        Some(EntityRef::Object { addr, .. }) | Some(EntityRef::Tiny { addr }) => {
            let s = p.session.borrow();
            let sim = s.sim();
            let slot = slabscope_core::layers::object_bytes(sim, addr);
            let raw = match &slot {
                Some(_) => Vec::new(),
                None => {
                    let len = row_of_addr(&ctx.snap.snap.slab_rows, addr).map_or(64, |r| r.stride.min(512) as usize);
                    let mut b = vec![0u8; len];
                    sim.machine.mem.read(phys(addr), &mut b);
                    b
                }
            };
            Some(Inspected { addr, slot, raw, slab: None, starts: Vec::new() })
        }
        // A slab: its first bytes, object starts marked.
        Some(EntityRef::Slab { pfn, .. }) => row_of_pfn(&ctx.snap.snap.slab_rows, pfn).map(|r| {
            let start = u64::from(r.pfn) << 12;
            let mut raw = vec![0u8; SLAB_DUMP];
            p.session.borrow().sim().machine.mem.read(start, &mut raw);
            let base = virt(start);
            let starts =
                (0..r.cells.len() as u32).map(|i| (r.addr(i) - base) as usize).take_while(|&o| o < SLAB_DUMP).collect();
            Inspected { addr: base, slot: None, raw, slab: Some(r.pfn), starts }
        }),
        _ => None,
    };
    html! {
        <div id="layer-views" class="layer-views">
            { slab_defs("vis2-defs") }
            <SelectionPath ctx={ctx.clone()} />
            if has("caches") { <CachesTable ctx={ctx.clone()} /> }
            if has("cache") { <CacheView ctx={ctx.clone()} /> }
            if has("percpu") { <PerCpuView ctx={ctx.clone()} /> }
            if has("superslab") { <SuperSlabView ctx={ctx.clone()} flipped={release_cmp} /> }
            if has("inspector") { <Inspector ctx={ctx.clone()} inspect={inspect.map(Rc::new)} /> }
            if has("slabinfo") { <SlabinfoPanel text={ctx.snap.snap.slabinfo.clone()} /> }
            if has("slabcharts") { <SlabCharts ctx={ctx} /> }
        </div>
    }
}

/// The slab views' patterns and arrow head, in a hidden SVG with this id (Compare mode draws its
/// own copy: the stage holding this one is hidden there, and hidden definitions do not paint).
pub fn slab_defs(id: &'static str) -> Html {
    html! {
        <svg id={id} width="0" height="0" aria-hidden="true" focusable="false">
            <defs>
                <pattern id="vis-pat-free" width="5" height="5" patternUnits="userSpaceOnUse" patternTransform="rotate(45)">
                    <rect width="5" height="5" class="vis-pat-free-bg" />
                    <line x1="0" y1="0" x2="0" y2="5" class="vis-pat-free-line" />
                </pattern>
                <pattern id="vis-pat-cpufree" width="5" height="5" patternUnits="userSpaceOnUse">
                    <rect width="5" height="5" class="vis-pat-cpufree-bg" />
                    <circle cx="2.5" cy="2.5" r="1.1" class="vis-pat-cpufree-dot" />
                </pattern>
                <pattern id="vis-pat-cached" width="6" height="6" patternUnits="userSpaceOnUse">
                    <rect width="6" height="6" class="vis-pat-cached-bg" />
                    <path d="M0 3 H6 M3 0 V6" class="vis-pat-cached-line" />
                </pattern>
                <marker id="vis-arrow" viewBox="0 0 6 6" refX="5" refY="3" markerWidth="5" markerHeight="5" orient="auto">
                    <path d="M0 0 L6 3 L0 6 z" class="vis-arrow-head" />
                </marker>
            </defs>
        </svg>
    }
}

#[cfg(test)]
mod tests {
    use crate::i18n::{t, Lang};

    /// Keys the views build at run time exist in both languages.
    #[test]
    fn dynamic_keys_exist() {
        let mut keys: Vec<String> = Vec::new();
        keys.extend(["used", "free", "cpufree", "cached"].map(|c| format!("vis.cell.{c}")));
        keys.extend(["born", "live", "empty"].map(|c| format!("vis.ss_state.{c}")));
        keys.extend(
            ["red-left", "payload", "poison", "freeptr", "red-right", "track", "padding", "freeidx", "corrupt"]
                .map(|c| format!("vis.byte.{c}")),
        );
        for l in slabscope_core::layers::RowList::ALL {
            keys.push(crate::views::cache_view::list_key(l).to_string());
        }
        for k in keys {
            for lang in [Lang::En, Lang::Ja] {
                assert_ne!(t(lang, &k), k, "{k} missing");
            }
        }
    }
}
