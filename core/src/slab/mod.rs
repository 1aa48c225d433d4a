//! Slab policies over the page layer: SLUB, classic SLAB, AetherOS, the per-CPU front ends
//! (magazines, sheaves) and the Linux formulas they share (`layout`).

pub mod aether;
pub mod classic;
pub mod layout;
pub mod percpu;
pub mod slub;
