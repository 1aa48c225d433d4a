//! In a frame, tell the host page the content's height: `window.parent.postMessage({type:
//! "slabscope:resize", height}, "*")` once the app is up and on every change of the height
//! (ResizeObserver), so a course page can size its frames (README "Embedding").

use wasm_bindgen::prelude::*;
use yew::prelude::*;

#[wasm_bindgen(inline_js = r#"
export function slabscope_report_height() {
  if (window.parent === window || typeof ResizeObserver === 'undefined') return;
  const body = document.body;
  let last = -1;
  const post = () => {
    const h = Math.ceil(body.getBoundingClientRect().height);
    if (h === last) return;
    last = h;
    window.parent.postMessage({ type: 'slabscope:resize', height: h }, '*');
  };
  new ResizeObserver(post).observe(body);
  post();
}
"#)]
extern "C" {
    fn slabscope_report_height();
}

#[hook]
pub fn use_resize_report(embed: bool) {
    use_effect_with(embed, |&embed| {
        if embed {
            slabscope_report_height();
        }
    });
}
