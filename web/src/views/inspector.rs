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

/// Bytes per dump line.
const LINE: usize = 16;

/// The dump as text (#14: a few DOM nodes, not one per byte): the line addresses as one text,
/// and the bytes as plain text with a `span.hb` only around each run of bytes of one kind (one
/// corrupt flag, starting no object but at its first byte), carrying its first offset and its
/// length (`data-offset`, `data-len`) and a title naming what the bytes hold.
fn hex_runs(
    lang: Lang,
    start: u64,
    bytes: &[u8],
    kinds: Option<&[ByteKind]>,
    corrupt: Option<&[bool]>,
    starts: &[usize],
) -> (String, Html) {
    let addrs = (0..bytes.len().div_ceil(LINE))
        .map(|li| format!("{:016x}", start + (li * LINE) as u64))
        .collect::<Vec<_>>()
        .join("\n");
    let kind = |i: usize| kinds.and_then(|k| k.get(i)).copied();
    let bad = |i: usize| corrupt.and_then(|c| c.get(i)).copied().unwrap_or(false);
    let sep = |i: usize| if (i + 1).is_multiple_of(LINE) { '\n' } else { ' ' };
    let mut out: Vec<Html> = Vec::new();
    let mut plain = String::new();
    let mut i = 0;
    while i < bytes.len() {
        let (k, b, s) = (kind(i), bad(i), starts.contains(&i));
        if k.is_none() && !b && !s {
            plain.push_str(&format!("{:02x}", bytes[i]));
            if i + 1 < bytes.len() {
                plain.push(sep(i));
            }
            i += 1;
            continue;
        }
        let mut end = i + 1;
        while end < bytes.len() && kind(end) == k && bad(end) == b && !starts.contains(&end) {
            end += 1;
        }
        let mut text = String::with_capacity((end - i) * 3);
        for (j, byte) in bytes.iter().enumerate().take(end).skip(i) {
            text.push_str(&format!("{byte:02x}"));
            if j + 1 < end {
                text.push(sep(j));
            }
        }
        let what = k.map_or(String::new(), |k| format!(" {}", t(lang, &format!("vis.byte.{}", kind_class(k)))));
        let range = if end - i > 1 { format!("+{i}…+{}", end - 1) } else { format!("+{i}") };
        let title =
            format!("{range}{what}{}", if b { format!(" · {}", t(lang, "vis.byte.corrupt")) } else { String::new() });
        if !plain.is_empty() {
            out.push(Html::from(std::mem::take(&mut plain)));
        }
        out.push(html! {
            <span class={classes!("hb", k.map(kind_class), b.then_some("corrupt"), s.then_some("obj-start"))}
                data-offset={i.to_string()} data-len={(end - i).to_string()} title={title}>{ text }</span>
        });
        if end < bytes.len() {
            plain.push(sep(end - 1));
        }
        i = end;
    }
    if !plain.is_empty() {
        out.push(Html::from(plain));
    }
    (addrs, out.into_iter().collect())
}

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
            let (addrs, runs) = hex_runs(lang, start, bytes, kinds, corrupt, starts);
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
                    <div id="hexdump" class="hexdump" role="group" aria-label={t(lang, "vis.inspector")}>
                        <pre class="hex-addr" aria-hidden="true">{ addrs }</pre>
                        <pre class="hex-bytes">{ runs }</pre>
                    </div>
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
