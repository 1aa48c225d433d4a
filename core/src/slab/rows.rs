//! Policy-neutral rows of the slab layer for the views, produced by every policy through the
//! contract ([`crate::slab::SlabAllocator::cpu_rows`], [`crate::slab::SlabAllocator::node_rows`],
//! [`crate::slab::SlabAllocator::block_rows`]): what each CPU holds in front of the slabs (SLUB's
//! cpu slab and lockless freelist, SLAB's array cache, AetherOS's hot list and object cache,
//! magazines and sheaves), what each node holds (depot, barn, SLAB's shared array), and SLOB's
//! pages of variable-size blocks. The snapshot carries only these, never an engine's own types.

use serde::{Deserialize, Serialize};

/// What an array of objects in front of the slabs is, in its policy's terms.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ArrayKind {
    /// SLUB: the cpu slab's lockless freelist (`c->freelist`), read from memory.
    CpuFreelist,
    /// SLUB: the cpu partial slabs (`objects` holds their pfns), head first.
    CpuPartial,
    /// Classic SLAB: the per-CPU `array_cache`.
    ArrayCache,
    /// AetherOS: the per-CPU hot list.
    HotList,
    /// AetherOS: the per-CPU object cache.
    ObjectCache,
    /// Magazines: the loaded magazine.
    MagazineLoaded,
    /// Magazines: the previous magazine.
    MagazinePrevious,
    /// Sheaves: the main sheaf.
    SheafMain,
    /// Sheaves: the spare sheaf.
    SheafSpare,
}

/// One array a CPU holds.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ObjectArray {
    /// What it is.
    pub kind: ArrayKind,
    /// Its objects (addresses; pfns for [`ArrayKind::CpuPartial`]), in order; `None` when the
    /// slot is empty (no spare magazine or sheaf).
    pub objects: Option<Vec<u64>>,
    /// Its capacity when the policy has a fixed one (SLAB's `limit`).
    pub limit: Option<u32>,
}

/// A per-CPU counter, in its policy's terms.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CounterKind {
    /// SLUB: fast-path allocations.
    AllocFast,
    /// SLUB: slow-path allocations.
    AllocSlow,
    /// SLUB: fast-path frees.
    FreeFast,
    /// SLUB: slow-path frees.
    FreeSlow,
    /// Array hits (SLAB array cache, magazines, sheaves).
    Hits,
    /// Array misses.
    Misses,
    /// AetherOS: hot-list hits.
    HotHits,
    /// AetherOS: object-cache hits.
    LocalHits,
}

impl CounterKind {
    /// True for a counter of misses (slow paths).
    pub fn is_miss(self) -> bool {
        matches!(self, CounterKind::AllocSlow | CounterKind::FreeSlow | CounterKind::Misses)
    }
}

/// What one CPU holds of one cache.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CpuRow {
    /// Cache id.
    pub cache: u32,
    /// CPU.
    pub cpu: u16,
    /// SLUB's cpu slab (`Some(None)`: none now); `None` when the policy has no cpu slab.
    pub cpu_slab: Option<Option<u32>>,
    /// The arrays, innermost layer first (a front end's arrays come after its allocator's).
    pub arrays: Vec<ObjectArray>,
    /// SLAB: the array cache was used since the last reap (`ac->touched`).
    pub touched: bool,
    /// Counters, innermost layer first.
    pub counters: Vec<(CounterKind, u64)>,
    /// Index in `counters` where the outermost layer's counters start (a front end's counters
    /// replace its allocator's in hit rates).
    pub outer: usize,
}

impl CpuRow {
    /// A row with nothing in it.
    pub fn new(cache: u32, cpu: u16) -> CpuRow {
        CpuRow { cache, cpu, cpu_slab: None, arrays: Vec::new(), touched: false, counters: Vec::new(), outer: 0 }
    }
    /// The outermost layer's `(hits, all)`: what an allocation or free on this CPU finds
    /// without going further in.
    pub fn outer_hits(&self) -> (u64, u64) {
        let outer = self.counters.get(self.outer..).unwrap_or(&[]);
        let hits = outer.iter().filter(|(k, _)| !k.is_miss()).map(|(_, v)| v).sum();
        (hits, outer.iter().map(|(_, v)| v).sum())
    }
    /// Every object this row holds in an array (not SLUB's freelist or partial slabs).
    pub fn held(&self) -> impl Iterator<Item = u64> + '_ {
        self.arrays
            .iter()
            .filter(|a| !matches!(a.kind, ArrayKind::CpuFreelist | ArrayKind::CpuPartial))
            .flat_map(|a| a.objects.iter().flatten())
            .copied()
    }
}

/// What a node-level store is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NodeKind {
    /// Magazines: the depot (one for the machine).
    Depot,
    /// Sheaves: a node's barn.
    Barn,
    /// Classic SLAB: a node's shared array.
    Shared,
}

/// What one node holds of one cache in front of the slabs.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct NodeRow {
    /// Cache id.
    pub cache: u32,
    /// Node.
    pub node: u8,
    /// What it is.
    pub kind: NodeKind,
    /// Every object it holds, in order.
    pub objects: Vec<u64>,
    /// Full arrays (magazines, sheaves) it holds; 0 for a plain array.
    pub full: u32,
    /// Empty arrays it holds.
    pub empty: u32,
    /// Its capacity when fixed (SLAB: `shared × batchcount`).
    pub limit: Option<u32>,
}

/// One block of a SLOB page.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Block {
    /// Address of the block's first unit.
    pub addr: u64,
    /// Bytes (`units × SLOB_UNIT`).
    pub bytes: u32,
    /// The cache of an allocated block (`None`: free, on the page's free chain).
    pub cache: Option<u32>,
    /// The bytes asked for (allocated blocks; kmalloc's include its size header).
    pub size: u32,
}

/// A page of variable-size blocks (SLOB).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BlockRow {
    /// Page frame.
    pub pfn: u32,
    /// The free list it is on (0 small, 1 medium, 2 large), if any.
    pub list: Option<u8>,
    /// Free bytes on the page.
    pub free: u32,
    /// Every block, by address, covering the page.
    pub blocks: Vec<Block>,
}
