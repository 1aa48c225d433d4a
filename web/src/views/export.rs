//! Export of any view as SVG or PNG (and of text as a file), with a file name that says what it
//! is: `<lesson id or mode>-<view>-step-<N>.<ext>` (e.g. `buddy-split-free-lists-step-12.svg`).
//! An `<svg>` view is cloned with its computed styles inlined; an HTML view (tables, columns,
//! text) is redrawn as plain SVG, so both export as PNG too. The app provides an
//! [`ExportName`] context (what is shown, at which step); [`ExportButtons`] reads it.

use std::rc::Rc;

use wasm_bindgen::prelude::*;
use yew::prelude::*;

use crate::i18n::{t, Lang};

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
    const bw = parseFloat(cs.borderTopWidth) || 0;
    const bg = cs.backgroundColor;
    if (clear(bg) && (bw === 0 || clear(cs.borderTopColor))) continue;
    // One box per line an inline element spans (the inspector's runs of bytes wrap lines).
    for (const r of el.getClientRects()) {
      if (!r.width || !r.height) continue;
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

/// What the exported files are of: the lesson id or the mode, and the simulation step.
#[derive(Clone, Debug, PartialEq)]
pub struct ExportName {
    pub what: Rc<str>,
    pub step: u64,
}

impl ExportName {
    pub fn new(what: &str, step: u64) -> ExportName {
        ExportName { what: what.into(), step }
    }
    /// `what-view-step-N` (without extension), only `[A-Za-z0-9._-]`.
    pub fn stem(&self, view: &str) -> String {
        file_stem(&self.what, view, self.step)
    }
}

/// `what-view-step-N`, every other character than `[A-Za-z0-9._-]` turned into `-`.
pub fn file_stem(what: &str, view: &str, step: u64) -> String {
    let clean = |s: &str| -> String {
        s.chars().map(|c| if c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-') { c } else { '-' }).collect()
    };
    let what = if what.is_empty() { "slabscope" } else { what };
    format!("{}-{}-step-{step}", clean(what), clean(view))
}

/// The file stem for `view` under the app's [`ExportName`] (just `view` without one).
#[hook]
pub fn use_export_stem(view: &str) -> String {
    use_context::<ExportName>().map_or_else(|| view.to_string(), |n| n.stem(view))
}

/// Download the element `id` (an `<svg>` or an HTML view) as `stem.svg` or `stem.png`.
pub fn export_svg(id: &str, stem: &str, png: bool) {
    let _ = vis2_export(id, stem, png);
}

/// Download text as a file.
pub fn download_text(text: &str, filename: &str) {
    vis2_download_text(text, filename);
}

/// Export buttons (SVG, PNG) for the element `target`; `name` is the view's name in the file
/// name and in the buttons' ids (`export-svg-NAME`, `export-png-NAME`).
#[derive(Properties, PartialEq)]
pub struct ExportProps {
    pub target: AttrValue,
    pub name: AttrValue,
    /// Offer PNG too.
    #[prop_or(true)]
    pub png: bool,
}

#[function_component(ExportButtons)]
pub fn export_buttons(p: &ExportProps) -> Html {
    let lang = use_context::<Lang>().unwrap_or(Lang::En);
    let stem = use_export_stem(&p.name);
    let click = |png: bool| {
        let (target, stem) = (p.target.clone(), stem.clone());
        Callback::from(move |_| export_svg(&target, &stem, png))
    };
    html! {
        <span class="vis-export" role="group" aria-label={t(lang, "vis.export")}>
            <button class="export-svg" id={format!("export-svg-{}", p.name)} onclick={click(false)} title={format!("{stem}.svg")}
                    aria-label={format!("{} {}", t(lang, "vis.download_svg"), p.name)}>{ t(lang, "vis.download_svg") }</button>
            if p.png {
                <button class="export-png" id={format!("export-png-{}", p.name)} onclick={click(true)} title={format!("{stem}.png")}
                        aria-label={format!("{} {}", t(lang, "vis.download_png"), p.name)}>{ t(lang, "vis.download_png") }</button>
            }
        </span>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_names_say_what_they_are() {
        assert_eq!(file_stem("buddy-split", "free-lists", 12), "buddy-split-free-lists-step-12");
        assert_eq!(ExportName::new("sandbox", 40).stem("memory-map"), "sandbox-memory-map-step-40");
        assert_eq!(file_stem("a b/c", "x:y", 0), "a-b-c-x-y-step-0");
        assert_eq!(file_stem("", "map", 1), "slabscope-map-step-1");
    }
}
