//! A trace being loaded or a workload being built: one chunk per task, so the page repaints the
//! progress (and answers input) in between.

use yew::prelude::*;

use crate::state::{Action, State};

#[hook]
pub fn use_chunked_work(state: &UseReducerHandle<State>) {
    let dispatcher = state.dispatcher();
    let chunk = match (state.loading.is_some(), state.building.is_some()) {
        (true, _) => Some(true),
        (false, true) => Some(false),
        _ => None,
    };
    use_effect_with((chunk, state.version), move |&(chunk, _)| {
        let timeout = chunk.map(|trace| {
            gloo::timers::callback::Timeout::new(0, move || {
                dispatcher.dispatch(if trace { Action::LoadChunk } else { Action::BuildChunk })
            })
        });
        move || drop(timeout)
    });
}
