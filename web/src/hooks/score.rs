//! Scores to the host page (issue 20): every `slabscope:score` message the exercise set's tally
//! returned is posted once, in order, with `window.parent.postMessage(message, "*")`
//! (docs/exercises.md "Scores to the host page").

use std::rc::Rc;

use wasm_bindgen::prelude::*;
use yew::prelude::*;

use crate::state::exercise::Exercises;

#[wasm_bindgen(inline_js = r#"
export function slabscope_post_score(json) {
  window.parent.postMessage(JSON.parse(json), '*');
}
"#)]
extern "C" {
    fn slabscope_post_score(json: &str);
}

#[hook]
pub fn use_score_post(exercises: Rc<Exercises>) {
    let posted = use_mut_ref(|| 0usize);
    let len = exercises.outbox.len();
    use_effect_with(len, move |_| {
        let mut n = posted.borrow_mut();
        for m in exercises.outbox.iter().skip(*n) {
            slabscope_post_score(&m.to_json());
        }
        *n = exercises.outbox.len();
    });
}
