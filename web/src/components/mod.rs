//! The app shell's components: header, the mode's side panel, the playback bar and the stage
//! (the views). Most take the app state's handle (equal while `State::version` is); the header,
//! view picker and sandbox tools take just what they show; the language comes from the context.

pub mod controls;
pub mod embed_builder;
pub mod header;
pub mod mode_panel;
pub mod stage;
pub mod util;
pub mod view_picker;

use yew::prelude::*;

/// What every shell component gets: the app state's handle (equal while its version is).
#[derive(Properties, PartialEq)]
pub struct StateProps {
    pub state: UseReducerHandle<crate::state::State>,
}
