//! The page layer: the machine (frames, real bytes), the buddy allocator and the per-CPU page
//! lists. Nothing here knows about slab policies, the simulation or the op language
//! (enforced by `core/tests/architecture.rs`).

pub mod addr;
pub mod buddy;
pub mod cow;
pub mod ctx;
pub mod machine;
pub mod pcp;
