//! Slabscope core: a deterministic simulation of kernel memory allocators.
//!
//! Layers, each calling only the ones before it (folders; rules in ARCHITECTURE.md, enforced by
//! `tests/architecture.rs`): [`page`] (machine, buddy allocator, pcp lists, [`page::ctx::PageCtx`])
//! → [`slab`] (the [`slab::SlabAllocator`] contract and its policies) and [`superslab`] → [`sim`]
//! (the whole system executing [`op::Op`]s) → [`timeline`] (events, sessions, snapshots) →
//! [`lang`] (the op language). [`error`], [`rng`], [`event`] and [`names`] are shared vocabulary.
//!
//! Pure and deterministic: no IO, no clocks, no global state.
#![forbid(unsafe_code)]

pub mod aether_api;
pub mod audit;
pub mod compare;
pub mod error;
pub mod exercise;
pub mod lang;
pub mod lesson;
pub mod limits;
pub mod oracle;
pub mod page;
pub mod procfs;
pub mod rng;
pub mod sim;
pub mod slab;
pub mod sort;
pub mod superslab;
pub mod timeline;
pub mod trace;
pub mod workload;

// The old flat module paths, kept so code written against them (cli, web, tests, other
// branches) keeps compiling; new code names the layer (`page::machine`, `slab::slub`, ...).
pub use lang::{op, script, suggest};
pub use page::{buddy, machine, pcp};
pub use slab::{layout as slab_layout, percpu, slub};

/// The AetherOS design: the engine ([`slab::aether`]) and the seed's library API
/// ([`aether_api`]) under the old path.
pub mod aether {
    pub use crate::aether_api::*;
    pub use crate::slab::aether::*;
}
pub use timeline::{event, layers, names, session, snapshot};

pub use event::{Event, Message};
pub use machine::MachineConfig;
pub use session::Session;
pub use sim::Sim;
pub use snapshot::Snapshot;
