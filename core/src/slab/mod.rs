//! Slab policies over the page layer: SLUB, classic SLAB, AetherOS, the per-CPU front ends
//! (magazines, sheaves) and the Linux formulas they share (`layout`).

pub mod aether;
pub mod classic;
pub mod layout;
pub mod percpu;
pub mod slub;

/// The two header lines of `/proc/slabinfo` (`print_slabinfo_header`, without SLAB debug stats).
pub fn slabinfo_header() -> String {
    "slabinfo - version: 2.1\n# name            <active_objs> <num_objs> <objsize> <objperslab> <pagesperslab> : tunables <limit> <batchcount> <sharedfactor> : slabdata <active_slabs> <num_slabs> <sharedavail>\n".to_string()
}
