//! The memory inspector: a hex dump of the selected object, each byte marked by what it holds
//! (red zone, payload, poison, free pointer, tracks, padding) and corrupt bytes flagged as a
//! slub_debug check reports them (core: `layers::object_bytes`).

use std::rc::Rc;

use slabscope_core::layers::{ByteKind, ObjectBytes};
use yew::prelude::*;

use crate::i18n::{t, tf, Lang};
use crate::views::ctx::Ctx;
use crate::views::export::ExportButtons;

/// The selected object (its address, the annotated SLUB slot, or raw bytes for other
/// policies), or the first bytes of a selected slab with its objects' start offsets.
#[derive(PartialEq)]
pub struct Inspected {
    pub addr: u64,
    pub slot: Option<ObjectBytes>,
    pub raw: Vec<u8>,
    /// The slab's first pfn when a slab is shown.
    pub slab: Option<u32>,
    /// Offsets where objects start (slab dumps).
    pub starts: Vec<usize>,
}

#[derive(Properties, PartialEq)]
pub struct Props {
    pub ctx: Ctx,
    pub inspect: Option<Rc<Inspected>>,
}

fn kind_class(k: ByteKind) -> &'static str {
    match k {
        ByteKind::RedLeft => "red-left",
        ByteKind::Payload => "payload",
        ByteKind::Poison => "poison",
        ByteKind::FreePointer => "freeptr",
        ByteKind::RedRight => "red-right",
        ByteKind::Track => "track",
        ByteKind::Padding => "padding",
        ByteKind::FreeIndex => "freeidx",
    }
}

const KINDS: [ByteKind; 8] = [
    ByteKind::RedLeft,
    ByteKind::Payload,
    ByteKind::Poison,
    ByteKind::FreePointer,
    ByteKind::RedRight,
    ByteKind::Track,
    ByteKind::Padding,
    ByteKind::FreeIndex,
];

#[function_component(Inspector)]
pub fn inspector(p: &Props) -> Html {
    let lang = use_context::<Lang>().unwrap_or(Lang::En);
    let body = match p.inspect.as_deref() {
        None => html! { <p class="muted">{ t(lang, "vis.inspector_hint") }</p> },
        Some(Inspected { addr, slot: ob, raw, slab, starts }) => {
            let (start, bytes) = ob.as_ref().map_or((*addr, &raw[..]), |o| (o.start, &o.bytes[..]));
            let kinds: Option<&[ByteKind]> = ob.as_ref().map(|o| &o.kinds[..]);
            let corrupt: Option<&[bool]> = ob.as_ref().map(|o| &o.corrupt[..]);
            let n_bad = corrupt.map_or(0, |c| c.iter().filter(|&&b| b).count());
            let lines = bytes.chunks(16).enumerate().map(|(li, line)| {
                let cells = line.iter().enumerate().map(|(j, b)| {
                    let i = li * 16 + j;
                    let kind = kinds.and_then(|k| k.get(i)).copied();
                    let bad = corrupt.and_then(|c| c.get(i)).copied().unwrap_or(false);
                    let title = match kind {
                        Some(k) => format!("+{i} {}{}", t(lang, &format!("vis.byte.{}", kind_class(k))), if bad { format!(" · {}", t(lang, "vis.byte.corrupt")) } else { String::new() }),
                        None => format!("+{i}"),
                    };
                    let start = starts.contains(&i).then_some("obj-start");
                    html! { <span class={classes!("hb", kind.map(kind_class), bad.then_some("corrupt"), start)} data-offset={i.to_string()} title={title}>{ format!("{b:02x}") }</span> }
                });
                html! { <div class="hex-line"><span class="hex-addr">{ format!("{:016x}", start + (li * 16) as u64) }</span>{ for cells }</div> }
            });
            // The legend lists the kinds this dump has.
            let legend = kinds.map(|ks| {
                KINDS
                    .iter()
                    .filter(|k| ks.contains(k))
                    .map(|&k| html! { <li><span class={classes!("hb", kind_class(k))}>{ "00" }</span>{ t(lang, &format!("vis.byte.{}", kind_class(k))) }</li> })
                    .collect::<Html>()
            });
            html! {
                <>
                    <p id="inspector-title">{ match slab {
                        Some(pfn) => tf(lang, "vis.inspecting_slab", &[("pfn", format!("{pfn:#x}")), ("addr", format!("{addr:#x}")), ("n", bytes.len().to_string())]),
                        None => tf(lang, "vis.inspecting", &[("addr", format!("{addr:#x}")), ("state", match ob {
                            Some(o) if o.active => t(lang, "vis.cell.used"),
                            Some(_) => t(lang, "vis.cell.free"),
                            None => t(lang, "vis.raw"),
                        })]),
                    } }</p>
                    <div id="hexdump" class="hexdump" role="group" aria-label={t(lang, "vis.inspector")}>{ for lines }</div>
                    if n_bad > 0 { <p id="inspector-corrupt" class="corrupt-note" role="status">{ tf(lang, "vis.corrupt_bytes", &[("n", n_bad.to_string())]) }</p> }
                    if let Some(l) = legend {
                        <ul class="legend hex-legend">{ l }
                            if n_bad > 0 { <li><span class="hb corrupt">{ "!!" }</span>{ t(lang, "vis.byte.corrupt") }</li> }
                        </ul>
                    }
                </>
            }
        }
    };
    html! {
        <section class="panel vis-panel" data-panel="inspector" aria-labelledby="inspector-h">
            <h2 id="inspector-h">{ t(lang, "vis.inspector") }<ExportButtons target="inspector-body" name="inspector" /></h2>
            <div id="inspector-body">{ body }</div>
            <crate::views::trace_lineage::TraceLineage selection={p.ctx.selection} />
        </section>
    }
}
