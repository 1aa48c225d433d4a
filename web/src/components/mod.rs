//! The app shell's components: header, the mode's side panel, the playback bar and the stage
//! (the views). Each takes the app state's handle; the language comes from the context.

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
