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

// ---- Slab rows (moved from `timeline/layers.rs`, s6-contract): every policy with fixed-size
// slots produces them through `SlabAllocator::slab_rows`, so the views never name a policy.

/// The list a slab is on, in its policy's terms.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RowList {
    /// SLUB: a CPU's slab.
    CpuSlab,
    /// SLUB: a CPU's partial list.
    CpuPartial,
    /// SLUB: a node's partial list.
    NodePartial,
    /// SLUB: full (on no list).
    Full,
    /// SLAB: `slabs_full`.
    SlabsFull,
    /// SLAB: `slabs_partial`.
    SlabsPartial,
    /// SLAB: `slabs_free`.
    SlabsFree,
    /// AetherOS: the global full list.
    GlobalFull,
    /// AetherOS: the global partial list.
    GlobalPartial,
    /// AetherOS: the global empty list.
    GlobalEmpty,
}

/// What a slab list is, whatever the policy calls it (the lesson query `slabs list=`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ListKind {
    /// Full slabs.
    Full,
    /// Partial slabs on a node's list.
    Partial,
    /// Empty slabs kept on a list.
    Free,
    /// A CPU's slab.
    Cpu,
    /// A CPU's partial list.
    CpuPartial,
}

impl RowList {
    /// Every list, in the order of the variants (for catalogue tests and legends).
    pub const ALL: [RowList; 10] = [
        RowList::CpuSlab,
        RowList::CpuPartial,
        RowList::NodePartial,
        RowList::Full,
        RowList::SlabsFull,
        RowList::SlabsPartial,
        RowList::SlabsFree,
        RowList::GlobalFull,
        RowList::GlobalPartial,
        RowList::GlobalEmpty,
    ];
    /// The kind of list this is.
    pub fn kind(self) -> ListKind {
        match self {
            RowList::CpuSlab => ListKind::Cpu,
            RowList::CpuPartial => ListKind::CpuPartial,
            RowList::NodePartial | RowList::SlabsPartial | RowList::GlobalPartial => ListKind::Partial,
            RowList::Full | RowList::SlabsFull | RowList::GlobalFull => ListKind::Full,
            RowList::SlabsFree | RowList::GlobalEmpty => ListKind::Free,
        }
    }
}

/// One object slot as the slab layer sees it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Cell {
    /// Handed to a user.
    Used,
    /// On the slab's own freelist.
    Free,
    /// On a CPU's lockless freelist (SLUB cpu slab).
    CpuFree,
    /// Held by a per-CPU array: SLAB array_cache / shared array, magazine, sheaf, AetherOS
    /// object cache or hot list.
    Cached,
}

/// One slab.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SlabRow {
    /// Cache id (of the active policy).
    pub cache: u32,
    /// First page.
    pub pfn: u32,
    /// Page order.
    pub order: u8,
    /// Node.
    pub node: u8,
    /// Its list.
    pub list: RowList,
    /// The CPU owning the list (cpu slab, cpu partial).
    pub cpu: Option<u16>,
    /// Address of object 0.
    pub first: u64,
    /// Bytes between objects.
    pub stride: u32,
    /// Colour offset in bytes (SLAB, AetherOS; 0 for SLUB).
    pub colour: u32,
    /// One cell per object.
    pub cells: Vec<Cell>,
    /// The slab's freelist as object indices, in list order (read from memory).
    pub freelist: Vec<u32>,
    /// The owning CPU's lockless freelist as object indices, in order (SLUB cpu slab).
    pub cpu_freelist: Vec<u32>,
}

impl SlabRow {
    /// Address of object `i`.
    pub fn addr(&self, i: u32) -> u64 {
        self.first + u64::from(i) * u64::from(self.stride)
    }
    /// Index of the object at `addr`, if it starts an object of this slab.
    pub fn index_of(&self, addr: u64) -> Option<u32> {
        let off = addr.checked_sub(self.first)?;
        let i = off / u64::from(self.stride.max(1));
        (off % u64::from(self.stride.max(1)) == 0 && i < self.cells.len() as u64).then_some(i as u32)
    }
    /// True when the slab's pages hold `pfn`.
    pub fn holds_pfn(&self, pfn: u32) -> bool {
        pfn >= self.pfn && u64::from(pfn) < u64::from(self.pfn) + (1u64 << self.order)
    }
}

/// Objects held in front of the slabs (per-CPU arrays and node stores), by cache.
pub type Held = std::collections::BTreeMap<u32, std::collections::BTreeSet<u64>>;

/// The objects `a` (the outermost allocator, front ends included) holds in front of its slabs,
/// from its policy-neutral per-CPU and node rows.
pub fn held(a: &dyn crate::slab::SlabAllocator, m: &crate::page::machine::Machine) -> Held {
    let mut out = Held::new();
    for r in a.cpu_rows(m) {
        out.entry(r.cache).or_default().extend(r.held());
    }
    for r in a.node_rows(m) {
        out.entry(r.cache).or_default().extend(r.objects.iter().copied());
    }
    out
}

/// The index of `addr` among `objects` slots of `size` bytes from `first`.
pub fn slot_index(first: u64, size: u32, objects: u32, addr: u64) -> Option<u32> {
    let off = addr.checked_sub(first)?;
    let size = u64::from(size.max(1));
    (off % size == 0 && off / size < u64::from(objects)).then(|| (off / size) as u32)
}

/// Cells of a slab: on a freelist (the CPU's wins), else held by a per-CPU array, else in use.
pub fn cells(objects: u32, free: &[u32], cpu_free: &[u32], cached: impl Fn(u32) -> bool) -> Vec<Cell> {
    let mut out: Vec<Cell> = (0..objects).map(|i| if cached(i) { Cell::Cached } else { Cell::Used }).collect();
    for &i in free {
        if let Some(c) = out.get_mut(i as usize) {
            *c = Cell::Free;
        }
    }
    for &i in cpu_free {
        if let Some(c) = out.get_mut(i as usize) {
            *c = Cell::CpuFree;
        }
    }
    out
}

/// A live cache as `slabtop` names it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CacheSummary {
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
}

impl CacheSummary {
    /// A cache without merged aliases (every policy but SLUB).
    pub fn unaliased(id: u32, name: &str, object_size: u32, size: u32) -> CacheSummary {
        CacheSummary { id, name: name.to_string(), aliases: Vec::new(), object_size, size }
    }
}

/// A cache's geometry and live count (lesson queries `objects`, `per_slab`, `slab_order`,
/// `size`; the colouring exercise).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CacheGeometry {
    /// Allocated objects.
    pub live: u64,
    /// Objects per slab.
    pub per_slab: u32,
    /// Page order of a slab.
    pub order: u8,
    /// Slot size (stride).
    pub size: u32,
    /// Colour offsets the cache's slabs cycle through (SLAB's `cachep->colour`, AetherOS's
    /// colours; 1 without colouring).
    pub colours: u32,
    /// Bytes between two colour offsets (SLAB's `colour_off`; 0 without colouring).
    pub colour_step: u32,
    /// Objects a per-CPU array refills or flushes at once where the policy fixes it (SLAB's
    /// `batchcount`).
    pub batch: Option<u32>,
}

/// What a byte of an object slot holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ByteKind {
    /// Left red zone.
    RedLeft,
    /// The object's bytes (user data while allocated).
    Payload,
    /// Poison of a free object (0x6b…0xa5).
    Poison,
    /// The free pointer (while free, or always when it lies outside the object).
    FreePointer,
    /// Right red zone (after the object, up to `inuse`).
    RedRight,
    /// Store-user tracks (alloc/free callers) and the kmalloc request size.
    Track,
    /// Alignment or slot padding.
    Padding,
    /// SLAB: the slab's free-index array, kept inside this free object (`OBJFREELIST_SLAB`).
    FreeIndex,
}

/// An object slot, byte by byte, for the memory inspector.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ObjectBytes {
    /// Cache id.
    pub cache: u32,
    /// The object's address.
    pub addr: u64,
    /// Address of the first byte shown (the left red zone).
    pub start: u64,
    /// Allocated (not on a freelist).
    pub active: bool,
    /// The bytes of the slot.
    pub bytes: Vec<u8>,
    /// What each byte is.
    pub kinds: Vec<ByteKind>,
    /// Bytes a slub_debug check reports as wrong.
    pub corrupt: Vec<bool>,
}

/// How a policy without a debug layout lays out a slot (see [`plain_object_bytes`]).
pub struct PlainSlot {
    /// Requested object size (the rest of the stride is padding).
    pub object_size: u32,
    /// The free-index array's address and length when a free object hosts it (SLAB).
    pub free_index: Option<(u64, u32)>,
    /// A free object's first word is its free pointer (AetherOS).
    pub freeptr_first_word: bool,
}

/// The object at `addr` of a policy with plain slots (classic SLAB, AetherOS): payload and
/// padding, the free pointer of a free object whose first word links it, and SLAB's
/// free-index array when this free object hosts it. `slot` gives the layout of `row`.
pub fn plain_object_bytes(
    m: &crate::page::machine::Machine,
    rows: &[SlabRow],
    addr: u64,
    slot: impl Fn(&SlabRow) -> Option<PlainSlot>,
) -> Option<ObjectBytes> {
    let r = rows.iter().find(|r| r.index_of(addr).is_some())?;
    let cell = r.cells[r.index_of(addr)? as usize];
    let free = matches!(cell, Cell::Free | Cell::CpuFree);
    let PlainSlot { object_size, free_index, freeptr_first_word } = slot(r)?;
    let (index_at, index_len) = free_index.unwrap_or((0, 0));
    let mut bytes = vec![0u8; r.stride as usize];
    m.mem.read(crate::page::addr::phys(addr), &mut bytes);
    let word = crate::slab::layout::WORD;
    let kinds = (0..r.stride)
        .map(|b| {
            let at = addr + u64::from(b);
            if index_at != 0 && at >= index_at && at < index_at + u64::from(index_len) {
                ByteKind::FreeIndex
            } else if freeptr_first_word && free && b < word {
                ByteKind::FreePointer
            } else if b < object_size {
                ByteKind::Payload
            } else {
                ByteKind::Padding
            }
        })
        .collect();
    Some(ObjectBytes {
        cache: r.cache,
        addr,
        start: addr,
        active: !free,
        bytes,
        kinds,
        corrupt: vec![false; r.stride as usize],
    })
}
