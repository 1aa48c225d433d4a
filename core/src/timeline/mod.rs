//! The timeline: events (and the names they bind), sessions (ops, checkpoints, seek) and the
//! serializable snapshot of a step with its policy-neutral rows.

pub mod event;
pub mod layers;
pub mod names;
pub mod oplist;
pub mod series;
pub mod session;
pub mod snapshot;
