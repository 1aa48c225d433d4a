//! Policy-independent views of the slab layer for the visualizer: one row per slab (its list,
//! its object cells, its freelists as object indices read from memory), one `slabtop` row per
//! cache, and a per-byte annotation of an object slot for the memory inspector. Every policy
//! produces them through the contract (`SlabAllocator::slab_rows`, `cache_summaries`,
//! `object_bytes`); nothing here names a policy.

use serde::{Deserialize, Serialize};

use crate::machine::PAGE_SHIFT;
use crate::sim::Sim;
pub use crate::slab::rows::{ByteKind, Cell, ObjectBytes, RowList, SlabRow};

/// One `slabtop` row.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CacheRow {
    /// Cache id.
    pub id: u32,
    /// Name.
    pub name: String,
    /// Other names (merged caches).
    pub aliases: Vec<String>,
    /// Requested object size.
    pub object_size: u32,
    /// Slot size.
    pub size: u32,
    /// Object slots in all slabs (`OBJS`).
    pub objects: u64,
    /// Objects not free in their slab (`ACTIVE`, as slabinfo counts).
    pub active: u64,
    /// Slabs.
    pub slabs: u64,
    /// Pages per slab.
    pub pages_per_slab: u32,
    /// `active × object_size / slab bytes`, in per mille (0 with no slab).
    pub efficiency_permille: u32,
    /// Internal fragmentation, bytes inside the slots of objects in use that the request does
    /// not use: the slot size minus the requested size (the kmalloc request where the kernel
    /// records it, `slub_debug=U` kmalloc caches, else the object size; so alignment, red
    /// zones, free pointer and tracks).
    #[serde(default)]
    pub waste_in_objects: u64,
    /// Internal fragmentation, bytes of every slab after its last slot (plus SLAB's colour and
    /// on-slab management): slab bytes − objects × slot stride.
    #[serde(default)]
    pub waste_leftover: u64,
    /// `(waste_in_objects + waste_leftover) / slab bytes`, in per mille (0 with no slab). Free
    /// slots are free capacity, not internal fragmentation.
    #[serde(default)]
    pub internal_frag_permille: u32,
}

/// Slab rows of every cache of the active policy, cache by cache, each cache's rows in list
/// order (SLUB: per CPU the cpu slab then the cpu partials, node partials, full; SLAB: full,
/// partial, free per node; AetherOS: full, partial, empty per node; SLOB: none).
pub fn slab_rows(sim: &Sim) -> Vec<SlabRow> {
    sim.slab.slab_rows(&sim.machine, &crate::slab::rows::held(&*sim.slab, &sim.machine))
}

/// `slabtop` rows for the active policy's caches, from the slab rows.
pub fn cache_rows(sim: &Sim, rows: &[SlabRow]) -> Vec<CacheRow> {
    let caches = sim.slab.cache_summaries();
    caches
        .into_iter()
        .map(|crate::slab::rows::CacheSummary { id, name, aliases, object_size, size }| {
            let mine = rows.iter().filter(|r| r.cache == id);
            let (mut objects, mut active, mut slabs, mut bytes, mut order) = (0u64, 0u64, 0u64, 0u64, None);
            let (mut waste_in_objects, mut waste_leftover) = (0u64, 0u64);
            for r in mine {
                let slab_bytes = 1u64 << (PAGE_SHIFT + u32::from(r.order));
                waste_leftover += slab_bytes.saturating_sub(r.cells.len() as u64 * u64::from(r.stride));
                for (i, _) in r.cells.iter().enumerate().filter(|(_, c)| **c == Cell::Used) {
                    let requested = sim.slab.orig_size(&sim.machine, id, r.addr(i as u32));
                    waste_in_objects += u64::from(size.saturating_sub(requested.min(object_size)));
                }
                objects += r.cells.len() as u64;
                active += r.cells.iter().filter(|c| !matches!(c, Cell::Free | Cell::CpuFree)).count() as u64;
                slabs += 1;
                bytes += 1u64 << (PAGE_SHIFT + u32::from(r.order));
                order.get_or_insert(r.order);
            }
            let efficiency_permille = (active * u64::from(object_size) * 1000).checked_div(bytes).unwrap_or(0) as u32;
            let internal_frag_permille =
                ((waste_in_objects + waste_leftover) * 1000).checked_div(bytes).unwrap_or(0).min(1000) as u32;
            CacheRow {
                id,
                name,
                aliases,
                object_size,
                size,
                objects,
                active,
                slabs,
                pages_per_slab: 1 << order.unwrap_or(0),
                efficiency_permille,
                waste_in_objects,
                waste_leftover,
                internal_frag_permille,
            }
        })
        .collect()
}

/// Annotate the object at `addr`; `None` when `addr` does not start an object of a live slab.
/// SLUB (and sheaves): the full slub_debug layout and the bytes a check flags. SLAB and AetherOS
/// (no debug layout): payload and padding, the free pointer of a free AetherOS object (its first
/// word), and SLAB's free-index array when this free object hosts it.
pub fn object_bytes(sim: &Sim, addr: u64) -> Option<ObjectBytes> {
    sim.slab.object_bytes(&sim.machine, addr, &crate::slab::rows::held(&*sim.slab, &sim.machine))
}
