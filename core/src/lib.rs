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

pub mod aether;
pub mod audit;
pub mod buddy;
pub mod event;
pub mod layers;
pub mod lesson;
pub mod limits;
pub mod machine;
pub mod names;
pub mod op;
pub mod oracle;
pub mod pcp;
pub mod percpu;
pub mod procfs;
pub mod script;
pub mod session;
pub mod sim;
pub mod slab;
pub mod slab_layout;
pub mod slub;
pub mod snapshot;
pub mod suggest;
pub mod superslab;
pub mod trace;
pub mod workload;

pub use event::{Event, Message};
pub use machine::MachineConfig;
pub use session::Session;
pub use sim::Sim;
pub use snapshot::Snapshot;
