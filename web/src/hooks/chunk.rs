//! A workload being built: one chunk per task, so the page repaints the progress (and answers
//! input) in between. (Traces stream in through `state::trace::open_blob`.)

use yew::prelude::*;

use crate::state::{Action, State};

#[hook]
pub fn use_chunked_work(state: &UseReducerHandle<State>) {
    let dispatcher = state.dispatcher();
    let chunk = state.building.is_some().then_some(());
    use_effect_with((chunk, state.version), move |&(chunk, _)| {
        let timeout =
            chunk.map(|()| gloo::timers::callback::Timeout::new(0, move || dispatcher.dispatch(Action::BuildChunk)));
        move || drop(timeout)
    });
}
