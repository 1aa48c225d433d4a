//! Slabscope core: a deterministic simulation of kernel memory allocators.
//!
//! Layers, each calling only the ones above it in this list:
//! [`machine`] (config, page frames, real bytes) → [`buddy`] (page allocator) → [`pcp`]
//! (per-CPU page lists) → [`slub`] / [`slab`] / [`aether`] (slab policies; formulas in [`slab_layout`]) → [`sim`] (the whole system executing [`op::Op`]s) → [`session`]
//! (ops, checkpoints, seek, snapshots) ← [`script`] (the op language).
//! [`event`] and [`names`] are shared vocabulary; [`snapshot`] is the serializable view.
//!
//! Pure and deterministic: no IO, no clocks, no global state.
#![forbid(unsafe_code)]

pub mod error;
pub mod lang;
pub mod lesson;
pub mod page;
pub mod rng;
pub mod sim;
pub mod slab;
pub mod superslab;
pub mod timeline;
pub mod trace;
pub mod workload;

// The old flat module paths, kept so code written against them (cli, web, tests, other
// branches) keeps compiling; new code names the layer (`page::machine`, `slab::slub`, ...).
pub use lang::{op, script, suggest};
pub use page::{buddy, machine, pcp};
pub use slab::{aether, layout as slab_layout, percpu, slub};
pub use timeline::{event, layers, names, session, snapshot};

pub use event::{Event, Message};
pub use machine::MachineConfig;
pub use session::Session;
pub use sim::Sim;
pub use snapshot::Snapshot;
