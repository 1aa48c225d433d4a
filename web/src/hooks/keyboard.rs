//! Keyboard: ←/→ one event, Shift+←/→ one operation, Space play/pause, Home/End, [ ] speed, ?.
//! Fields and widgets with their own keys (`data-own-keys`) keep theirs.

use gloo::events::{EventListener, EventListenerOptions};
use wasm_bindgen::JsCast;
use yew::prelude::*;

use crate::state::{Action, State};

#[hook]
pub fn use_keyboard(dispatcher: UseReducerDispatcher<State>) {
    use_effect_with((), move |_| {
        let doc = gloo::utils::document();
        let options = EventListenerOptions::enable_prevent_default();
        let listener = EventListener::new_with_options(&doc, "keydown", options, move |e| {
            let Some(e) = e.dyn_ref::<web_sys::KeyboardEvent>() else { return };
            let target = e.target().and_then(|t| t.dyn_into::<web_sys::Element>().ok());
            let own = target.is_some_and(|el| {
                matches!(el.tag_name().as_str(), "INPUT" | "TEXTAREA" | "SELECT")
                    || el.closest("[data-own-keys]").ok().flatten().is_some()
            });
            if own || e.ctrl_key() || e.meta_key() || e.alt_key() {
                return;
            }
            let action = match (e.key().as_str(), e.shift_key()) {
                ("ArrowRight", false) => Action::Event(1),
                ("ArrowLeft", false) => Action::Event(-1),
                ("ArrowRight", true) => Action::Op(1),
                ("ArrowLeft", true) => Action::Op(-1),
                (" ", _) => Action::TogglePlay,
                ("Home", _) => Action::Start,
                ("End", _) => Action::End,
                ("]", _) => Action::Faster,
                ("[", _) => Action::Slower,
                ("?", _) => Action::ToggleHelp,
                ("Escape", _) => Action::CloseHelp,
                _ => return,
            };
            e.prevent_default();
            dispatcher.dispatch(action);
        });
        move || drop(listener)
    });
}
