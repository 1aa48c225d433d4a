//! The selection followed through the layers in one line: object (and where it is: a CPU
//! freelist, the slab's freelist, a per-CPU array, a user) → slab (its list) → cache → pages →
//! the buddy block holding them. A button (or Escape) clears the selection.

use slabscope_core::event::EntityRef;
use slabscope_core::snapshot::BlockState;
use yew::prelude::*;

use crate::i18n::{t, tf, Lang};
use crate::views::cache_view::{cell_class, list_key};
use crate::views::ctx::Ctx;

#[derive(Properties, PartialEq)]
pub struct Props {
    pub ctx: Ctx,
}

#[function_component(SelectionPath)]
pub fn selection_path(p: &Props) -> Html {
    let ctx = &p.ctx;
    let lang = use_context::<Lang>().unwrap_or(Lang::En);
    let snap = &ctx.snap.snap;
    let Some(sel) = ctx.selection else {
        return html! { <p id="selection-path" class="selection-path muted" aria-live="polite">{ t(lang, "vis.path_hint") }</p> };
    };
    let f = ctx.sel_focus;
    let mut parts: Vec<String> = Vec::new();
    let row = f.slab.and_then(|pfn| snap.slab_rows.iter().find(|r| r.pfn == pfn));
    if let Some(addr) = f.object {
        let state = row
            .and_then(|r| r.index_of(addr).map(|i| r.cells[i as usize]))
            .map(|c| t(lang, &format!("vis.cell.{}", cell_class(c))));
        parts.push(match state {
            Some(s) => tf(lang, "vis.path_object", &[("addr", format!("{addr:#x}")), ("state", s)]),
            None => format!("{addr:#x}"),
        });
    }
    if let Some(r) = row {
        let list = t(lang, list_key(r.list));
        let list = match r.cpu {
            Some(cpu) => tf(lang, "vis.of_cpu", &[("what", list), ("cpu", cpu.to_string())]),
            None => list,
        };
        parts.push(tf(lang, "vis.path_slab", &[("pfn", format!("{:#x}", r.pfn)), ("list", list)]));
    }
    if let Some(c) = f.cache {
        parts.push(tf(lang, "vis.path_cache", &[("name", ctx.cache_name(c))]));
    }
    if let Some(id) = f.superslab {
        parts.push(format!("SuperSlab #{id}"));
    }
    if let Some(cpu) = f.cpu {
        parts.push(tf(lang, "vis.cpu", &[("cpu", cpu.to_string())]));
    }
    if let Some((a, b)) = f.pages {
        parts.push(tf(lang, "vis.path_pages", &[("first", a.to_string()), ("last", (b - 1).to_string())]));
        if let Some(bl) = snap.blocks.iter().find(|bl| a >= bl.pfn && a < bl.pfn + (1 << bl.order)) {
            let state = match bl.state {
                BlockState::Free => t(lang, "ui.legend.free"),
                BlockState::Used { .. } => t(lang, "ui.legend.used"),
                BlockState::Pcp { .. } => t(lang, "ui.legend.pcp"),
                BlockState::Transit => t(lang, "ui.legend.transit"),
            };
            parts.push(tf(
                lang,
                "vis.path_block",
                &[("pfn", bl.pfn.to_string()), ("order", bl.order.to_string()), ("state", state)],
            ));
        }
    }
    if parts.is_empty() {
        // Never Rust debug text in front of a student: name what is selected.
        parts.push(match sel {
            EntityRef::Node { node } => tf(lang, "vis.path_node", &[("node", node.to_string())]),
            EntityRef::Tiny { addr } | EntityRef::Object { addr, .. } => format!("{addr:#x}"),
            EntityRef::SuperSlab { id } => format!("SuperSlab #{id}"),
            EntityRef::Cpu { cpu } => tf(lang, "vis.cpu", &[("cpu", cpu.to_string())]),
            EntityRef::Cache { cache } => tf(lang, "vis.path_cache", &[("name", ctx.cache_name(cache))]),
            EntityRef::Slab { pfn, .. } | EntityRef::Page { pfn } | EntityRef::Block { pfn, .. } => {
                tf(lang, "vis.path_pages", &[("first", pfn.to_string()), ("last", pfn.to_string())])
            }
        });
    }
    let clear = {
        let cb = ctx.on_select.clone();
        Callback::from(move |_| cb.emit(None))
    };
    let data = match sel {
        EntityRef::Object { .. } | EntityRef::Tiny { .. } => "object",
        EntityRef::Slab { .. } => "slab",
        EntityRef::Cache { .. } => "cache",
        EntityRef::SuperSlab { .. } => "superslab",
        EntityRef::Cpu { .. } => "cpu",
        _ => "page",
    };
    html! {
        <p id="selection-path" class="selection-path" aria-live="polite" data-kind={data}>
            <span class="path-label">{ t(lang, "vis.path") }</span>
            { for parts.iter().enumerate().map(|(i, s)| html! {
                <>
                    if i > 0 { <span class="path-sep" aria-hidden="true">{ " → " }</span> }
                    <span class="path-step">{ s.clone() }</span>
                </>
            }) }
            <button id="clear-selection" onclick={clear}>{ t(lang, "vis.clear") }</button>
        </p>
    }
}
