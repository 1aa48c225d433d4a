//! Visualizer II: the linked views of the slab layer (caches table, cache view, per-CPU view,
//! SuperSlab view, memory inspector, /proc/slabinfo, slab charts), mounted as one component.
//! Selecting or hovering an object, slab, page, cache, CPU or SuperSlab in any view highlights
//! it (and what contains it) in every view, the memory map included ([`focus`]).

use std::cell::RefCell;
use std::rc::Rc;

use slabscope_core::event::EntityRef;
use slabscope_core::session::Session;
use slabscope_core::slub::{phys, virt};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use yew::prelude::*;

use crate::i18n::{t, Lang};
use crate::views::ctx::{focus, row_of_addr, row_of_pfn, Ctx, SessionRef, Snap};
use crate::views::inspector::Inspected;
use crate::views::{
    cache_view::CacheView, caches_table::CachesTable, inspector::Inspector, percpu_view::PerCpuView,
    selection_path::SelectionPath, slab_charts::SlabCharts, slabinfo_panel::SlabinfoPanel,
    superslab_view::SuperSlabView,
};

/// Bytes of a selected slab shown in the inspector.
const SLAB_DUMP: usize = 512;

#[wasm_bindgen(inline_js = r#"
function vis2Download(blob, filename) {
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url; a.download = filename;
  document.body.appendChild(a); a.click(); a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 2000);
}
const PROPS = ['fill', 'fill-opacity', 'stroke', 'stroke-width', 'stroke-dasharray', 'opacity', 'font-family',
  'font-size', 'font-weight', 'text-anchor', 'dominant-baseline', 'marker-end', 'visibility', 'display'];
function vis2Inline(src, dst) {
  const a = [src, ...src.querySelectorAll('*')], b = [dst, ...dst.querySelectorAll('*')];
  for (let i = 0; i < a.length && i < b.length; i++) {
    const cs = getComputedStyle(a[i]);
    b[i].setAttribute('style', PROPS.map((p) => p + ':' + cs.getPropertyValue(p)).join(';'));
    // CSS transforms (slab rows are placed by one) become SVG transform attributes.
    const m = /^matrix\(([^)]*)\)$/.exec(cs.getPropertyValue('transform'));
    if (m) b[i].setAttribute('transform', 'matrix(' + m[1].split(',').map((x) => x.trim()).join(' ') + ')');
  }
}
function vis2Png(blob, w, h, name) {
  const url = URL.createObjectURL(blob);
  const img = new Image();
  img.onload = () => {
    const c = document.createElement('canvas');
    c.width = w * 2; c.height = h * 2;
    const ctx = c.getContext('2d');
    ctx.scale(2, 2); ctx.drawImage(img, 0, 0, w, h);
    URL.revokeObjectURL(url);
    c.toBlob((b) => vis2Download(b, name + '.png'), 'image/png');
  };
  img.src = url;
}
// An HTML view (per-CPU columns, caches table, inspector) redrawn as plain SVG: a rectangle for
// every box with a background or border, a <text> for every run of text, each at the place the
// browser laid it out, with its computed colours and font. Plain SVG (no <foreignObject>) can be
// drawn on a canvas and read back, so HTML views export as PNG too.
function vis2HtmlToSvg(src) {
  const ns = 'http://www.w3.org/2000/svg';
  const r0 = src.getBoundingClientRect();
  const w = Math.ceil(r0.width), h = Math.ceil(r0.height);
  const svg = document.createElementNS(ns, 'svg');
  svg.setAttribute('xmlns', ns); svg.setAttribute('width', w); svg.setAttribute('height', h);
  svg.setAttribute('viewBox', `0 0 ${w} ${h}`);
  const add = (tag, attrs) => {
    const e = document.createElementNS(ns, tag);
    for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
    svg.appendChild(e);
    return e;
  };
  add('rect', { width: w, height: h, fill: getComputedStyle(document.body).backgroundColor });
  const visible = (cs) => cs.display !== 'none' && cs.visibility !== 'hidden';
  const clear = (c) => !c || c === 'transparent' || /rgba\(.*,\s*0\)$/.test(c);
  for (const el of [src, ...src.querySelectorAll('*')]) {
    if (el.closest('svg')) continue;
    const cs = getComputedStyle(el);
    if (!visible(cs)) continue;
    const r = el.getBoundingClientRect();
    if (!r.width || !r.height) continue;
    const bw = parseFloat(cs.borderTopWidth) || 0;
    const bg = cs.backgroundColor;
    if (clear(bg) && (bw === 0 || clear(cs.borderTopColor))) continue;
    add('rect', {
      x: r.left - r0.left + bw / 2, y: r.top - r0.top + bw / 2,
      width: Math.max(0, r.width - bw), height: Math.max(0, r.height - bw),
      rx: parseFloat(cs.borderTopLeftRadius) || 0,
      fill: clear(bg) ? 'none' : bg,
      stroke: bw > 0 && !clear(cs.borderTopColor) ? cs.borderTopColor : 'none',
      'stroke-width': bw,
      'stroke-dasharray': cs.borderTopStyle === 'dashed' ? '4 2' : 'none',
    });
  }
  // Inline SVG inside the view (icons, small figures): copied in place with inlined styles.
  for (const inner of src.querySelectorAll('svg')) {
    if (inner.parentElement && inner.parentElement.closest('svg')) continue;
    const r = inner.getBoundingClientRect();
    if (!r.width || !r.height) continue;
    const copy = inner.cloneNode(true);
    vis2Inline(inner, copy);
    copy.setAttribute('x', r.left - r0.left); copy.setAttribute('y', r.top - r0.top);
    copy.setAttribute('width', r.width); copy.setAttribute('height', r.height);
    svg.appendChild(copy);
  }
  const walker = document.createTreeWalker(src, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const el = node.parentElement;
    if (!el || el.closest('svg') || !node.textContent.trim()) continue;
    const cs = getComputedStyle(el);
    if (!visible(cs)) continue;
    // One <text> per laid-out line: split the text where the line boxes change.
    const range = document.createRange();
    const text = node.textContent;
    let line = '', top = null, left = 0, bottom = 0;
    const flush = () => {
      if (line.trim()) {
        const t = add('text', {
          x: left - r0.left, y: bottom - r0.top - (bottom - top) * 0.25,
          fill: cs.color, 'font-family': cs.fontFamily, 'font-size': cs.fontSize,
          'font-weight': cs.fontWeight, 'font-style': cs.fontStyle, 'xml:space': 'preserve',
        });
        t.textContent = line;
      }
      line = '';
    };
    for (let i = 0; i < text.length; i++) {
      range.setStart(node, i); range.setEnd(node, i + 1);
      const rr = range.getBoundingClientRect();
      if (top === null || Math.abs(rr.top - top) > rr.height / 2) {
        flush();
        top = rr.top; left = rr.left; bottom = rr.bottom;
      }
      line += text[i];
    }
    flush();
  }
  return { svg, w, h };
}
function vis2ExportHtml(src, name, png) {
  const { svg, w, h } = vis2HtmlToSvg(src);
  const blob = new Blob([new XMLSerializer().serializeToString(svg)], { type: 'image/svg+xml' });
  if (!png) { vis2Download(blob, name + '.svg'); return true; }
  vis2Png(blob, w, h, name);
  return true;
}
export function vis2_export(id, name, png) {
  const src = document.getElementById(id);
  if (!src) return false;
  if (!(src instanceof SVGSVGElement)) return vis2ExportHtml(src, name, png);
  const ns = 'http://www.w3.org/2000/svg';
  const clone = src.cloneNode(true);
  vis2Inline(src, clone);
  const defsSrc = document.querySelector('#vis2-defs defs');
  if (defsSrc) { const d = defsSrc.cloneNode(true); vis2Inline(defsSrc, d); clone.insertBefore(d, clone.firstChild); }
  const vb = (src.getAttribute('viewBox') || '0 0 600 300').split(/\s+/).map(Number);
  const w = vb[2], h = vb[3];
  clone.setAttribute('xmlns', ns);
  clone.setAttribute('width', w); clone.setAttribute('height', h);
  clone.removeAttribute('style');
  const bg = document.createElementNS(ns, 'rect');
  bg.setAttribute('x', vb[0]); bg.setAttribute('y', vb[1]); bg.setAttribute('width', w); bg.setAttribute('height', h);
  bg.setAttribute('fill', getComputedStyle(document.body).backgroundColor);
  clone.insertBefore(bg, clone.firstChild.nextSibling);
  const text = new XMLSerializer().serializeToString(clone);
  const blob = new Blob([text], { type: 'image/svg+xml' });
  if (!png) { vis2Download(blob, name + '.svg'); return true; }
  vis2Png(blob, w, h, name);
  return true;
}
export function vis2_download_text(text, filename) {
  vis2Download(new Blob([text], { type: 'text/plain;charset=utf-8' }), filename);
}
"#)]
extern "C" {
    fn vis2_export(id: &str, name: &str, png: bool) -> bool;
    fn vis2_download_text(text: &str, filename: &str);
}

/// Download the `<svg id=…>` as `name.svg` or `name.png` (styles inlined, page background).
pub fn export_svg(id: &str, name: &str, png: bool) {
    let _ = vis2_export(id, name, png);
}

/// Download text as a file.
pub fn download_text(text: &str, filename: &str) {
    vis2_download_text(text, filename);
}

#[derive(Properties)]
pub struct Props {
    pub session: Rc<RefCell<Session>>,
    /// The app state's version: the views re-read the session when it changes.
    pub version: u64,
    pub lang: Lang,
    pub selection: Option<EntityRef>,
    pub hover: Option<EntityRef>,
    pub on_select: Callback<Option<EntityRef>>,
    pub on_hover: Callback<Option<EntityRef>>,
}

impl PartialEq for Props {
    fn eq(&self, o: &Self) -> bool {
        Rc::ptr_eq(&self.session, &o.session)
            && self.version == o.version
            && self.lang == o.lang
            && self.selection == o.selection
            && self.hover == o.hover
    }
}

/// Export buttons (SVG, PNG) for the `<svg id=target>`.
#[derive(Properties, PartialEq)]
pub struct ExportProps {
    pub target: AttrValue,
    pub name: AttrValue,
    pub lang: Lang,
    /// Offer PNG too.
    #[prop_or(true)]
    pub png: bool,
}

#[function_component(ExportButtons)]
pub fn export_buttons(p: &ExportProps) -> Html {
    let click = |png: bool| {
        let (target, name) = (p.target.clone(), p.name.clone());
        Callback::from(move |_| export_svg(&target, &name, png))
    };
    html! {
        <span class="vis-export" role="group" aria-label={t(p.lang, "vis.export")}>
            <button class="export-svg" id={format!("export-svg-{}", p.name)} onclick={click(false)}
                    aria-label={format!("{} {}", t(p.lang, "vis.download_svg"), p.name)}>{ t(p.lang, "vis.download_svg") }</button>
            if p.png {
                <button class="export-png" id={format!("export-png-{}", p.name)} onclick={click(true)}
                        aria-label={format!("{} {}", t(p.lang, "vis.download_png"), p.name)}>{ t(p.lang, "vis.download_png") }</button>
            }
        </span>
    }
}

#[function_component(LayerViews)]
pub fn layer_views(p: &Props) -> Html {
    // The snapshot changes with the step or the session, not with the selection.
    let step = p.session.borrow().step();
    let total = p.session.borrow().total_steps();
    let snap = {
        let session = p.session.clone();
        use_memo((SessionRef(p.session.clone()), step, total), move |_| Rc::new(session.borrow().snapshot()))
    };
    let snap_rc = Snap { snap: (*snap).clone() };
    // SuperSlab release on vs off: the same ops replayed once per session with the setting flipped.
    let op_count = p.session.borrow().op_count();
    let flipped = {
        let session = p.session.clone();
        use_memo((SessionRef(p.session.clone()), op_count), move |_| {
            let s = session.borrow();
            if s.head().superslab.births == 0 {
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
        lang: p.lang,
        selection: p.selection,
        focus,
        sel_focus,
        on_select: p.on_select.clone(),
        on_hover: p.on_hover.clone(),
    };
    let inspect = match p.selection {
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
            <svg id="vis2-defs" width="0" height="0" aria-hidden="true" focusable="false">
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
            <SelectionPath ctx={ctx.clone()} />
            <CachesTable ctx={ctx.clone()} />
            <CacheView ctx={ctx.clone()} />
            <PerCpuView ctx={ctx.clone()} />
            <SuperSlabView ctx={ctx.clone()} flipped={release_cmp} />
            <Inspector ctx={ctx.clone()} inspect={inspect.map(Rc::new)} />
            <SlabinfoPanel text={ctx.snap.snap.slabinfo.clone()} lang={p.lang} />
            <SlabCharts ctx={ctx} />
        </div>
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
        use slabscope_core::layers::RowList::*;
        for l in [
            CpuSlab,
            CpuPartial,
            NodePartial,
            Full,
            SlabsFull,
            SlabsPartial,
            SlabsFree,
            GlobalFull,
            GlobalPartial,
            GlobalEmpty,
        ] {
            keys.push(crate::views::cache_view::list_key(l).to_string());
        }
        for k in keys {
            for lang in [Lang::En, Lang::Ja] {
                assert_ne!(t(lang, &k), k, "{k} missing");
            }
        }
    }
}
