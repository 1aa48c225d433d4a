//! Micro-events: the only way simulation state changes.
//!
//! Every operation is executed as a sequence of [`Event`]s. Each event is *applied* to the state
//! the moment it is emitted (see [`crate::sim::Sim::apply`]), so the state after the first `k`
//! events of an operation is well defined: that is what makes stepping through an operation event
//! by event possible. Purely narrative events (a searched free list was empty, a fallback node was
//! chosen) apply as no-ops.
//!
//! Every event has a stable serde form (`{"kind":"block_split",...}`) and a [`Message`]: a key
//! plus parameters, which the UI turns into an English or Japanese sentence through its i18n
//! catalogue. Later layers (slab policies, SuperSlabs, magazines, sheaves) add variants; the enum
//! is `#[non_exhaustive]` and everything that consumes events matches on [`Event::layer`] or on
//! the message key, so adding variants never forces a rewrite of existing consumers.

use serde::{Deserialize, Serialize};

use crate::machine::Owner;
use crate::names::Value;
use crate::slab_layout::CacheFlags;

/// A symbol: an interned name from the op language (`as=NAME`). Resolved through
/// [`crate::names::Names`].
pub type Sym = u32;

/// Which allocator layer an event belongs to (used for filtering and colouring in the UI).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Layer {
    /// Script-level bookkeeping (names, `show`).
    Script,
    /// The buddy page allocator.
    Buddy,
    /// Per-CPU page lists in front of the buddy allocator.
    Pcp,
    /// Slab object caches (SLUB, SLAB, AetherOS, sheaves).
    Slab,
    /// Per-CPU object caching layers (cpu slabs, array caches, magazines, sheaves).
    PerCpu,
    /// The SuperSlab allocator.
    SuperSlab,
    /// Raw bytes of simulated memory.
    Memory,
}

/// An entity a view can select and highlight. Shared by every layer so that one selection can
/// follow an allocation through cpu freelist → slab → pages → buddy block.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum EntityRef {
    /// A block of `1 << order` pages starting at `pfn`.
    Block { pfn: u32, order: u8 },
    /// One page frame.
    Page { pfn: u32 },
    /// A CPU.
    Cpu { cpu: u16 },
    /// A NUMA node.
    Node { node: u8 },
    /// A slab cache.
    Cache { cache: u32 },
    /// A slab (by its first page).
    Slab { cache: u32, pfn: u32 },
    /// An object (by its address).
    Object { cache: u32, addr: u64 },
    /// A SuperSlab.
    SuperSlab { id: u32 },
    /// A tiny block of the SuperSlab allocator.
    Tiny { addr: u64 },
}

/// Why a block was added to the tail rather than the head of a free list.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum InsertWhere {
    /// `list_add`: the default (LIFO).
    Head,
    /// `FPI_TO_TAIL`: boot-time freeing of fresh memory.
    TailBoot,
    /// `buddy_merge_likely`: the block's buddy at the next order is free, so it will probably
    /// merge soon; keep it cold at the tail.
    TailMergeLikely,
}

/// One micro-event. See the module docs.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[non_exhaustive]
pub enum Event {
    // ---- buddy allocator -------------------------------------------------------------------
    /// `__rmqueue_smallest` looked at `free_area[order]` of `node` and found it empty.
    AreaEmpty { node: u8, order: u8 },
    /// The head block of `free_area[order]` was taken off the list (`__del_page_from_free_list`).
    BlockTaken { node: u8, pfn: u32, order: u8 },
    /// `expand()`: a block of order `order + 1` at `pfn` was halved; the low half at `pfn` is
    /// kept, the high half at `buddy_pfn` goes to the head of `free_area[order]`.
    BlockSplit { node: u8, pfn: u32, buddy_pfn: u32, order: u8 },
    /// The block was handed to its owner.
    BlockAllocated { node: u8, pfn: u32, order: u8, owner: Owner },
    /// A block was given back by its owner and is about to be merged and inserted.
    BlockReleased { node: u8, pfn: u32, order: u8, owner: Owner },
    /// `__free_one_page`: the buddy `buddy_pfn = pfn ^ (1 << order)` was free at the same order;
    /// it was removed from `free_area[order]` and the pair became one block of order `order + 1`
    /// at `merged_pfn = pfn & buddy_pfn`.
    BuddyMerged { node: u8, pfn: u32, buddy_pfn: u32, order: u8, merged_pfn: u32 },
    /// The buddy of the block was not free at this order (or is the maximum order): merging stops.
    MergeStopped { node: u8, pfn: u32, buddy_pfn: u32, order: u8, reason: MergeStop },
    /// The block was put on `free_area[order]`, at the head or the tail.
    BlockInserted { node: u8, pfn: u32, order: u8, place: InsertWhere },
    /// The preferred node had no block large enough; the allocation falls back to `to`.
    NodeFallback { from: u8, to: u8, order: u8 },

    // ---- per-CPU page lists ----------------------------------------------------------------
    /// The pcp list for `order` on `cpu` was empty: refill `count` blocks from the buddy allocator.
    PcpRefillStart { cpu: u16, node: u8, order: u8, count: u32 },
    /// A block (just taken from the buddy allocator) was added to the tail of a pcp list.
    PcpAdded { cpu: u16, node: u8, pfn: u32, order: u8, tail: bool },
    /// The head block of a pcp list was handed out (the pcp fast path).
    PcpTaken { cpu: u16, node: u8, pfn: u32, order: u8 },
    /// `pcp->count` reached `high`: drain `count` pages from the list tails back to the buddy.
    PcpDrainStart { cpu: u16, node: u8, count: u32, high: u32 },
    /// A block was removed from the tail of a pcp list to be freed to the buddy allocator.
    PcpRemoved { cpu: u16, node: u8, pfn: u32, order: u8 },
    /// No node could serve an allocation of `order`, but pcp lists hold pages:
    /// `drain_all_pages` empties every list into the buddy allocator before retrying.
    PcpDrainAll { order: u8 },

    // ---- slab caches (SLUB) ----------------------------------------------------------------
    /// `kmem_cache_create` made a new cache.
    CacheCreated { cache: u32, name: Sym, label: String, size: u32, align: u32, flags: CacheFlags },
    /// `kmem_cache_create` found a compatible cache: the new name is an alias of `cache`.
    CacheAliased { cache: u32, name: Sym, label: String, size: u32 },
    /// A cache name was destroyed (the cache itself when no alias remains).
    CacheDestroyed { cache: u32, name: Sym, label: String },
    /// A new slab: its free pointers are written into its objects.
    SlabNew { cache: u32, node: u8, pfn: u32, order: u8, objects: u32 },
    /// A slab became this CPU's cpu slab: its freelist moves to the lockless cpu freelist.
    SlabFreeze { cache: u32, cpu: u16, pfn: u32 },
    /// The cpu slab's own freelist (objects freed by other CPUs) moves to the cpu freelist.
    CpuSlabReload { cache: u32, cpu: u16, pfn: u32 },
    /// The cpu slab has no free object left: it leaves the CPU, full, on no list.
    CpuSlabFull { cache: u32, cpu: u16, pfn: u32 },
    /// `deactivate_slab`: the cpu slab leaves the CPU; its cpu freelist is spliced back.
    SlabDeactivate { cache: u32, cpu: u16, pfn: u32 },
    /// An object was handed out (`site`: the script line, recorded as the caller).
    ObjectAlloc { cache: u32, cpu: u16, addr: u64, path: AllocPath, site: u32 },
    /// Debug caches: `init_object` wrote red zones, poison and the store-user track
    /// (`active`: just allocated, 0xcc red zones; else freed, 0xbb).
    ObjectInit { cache: u32, addr: u64, active: bool, cpu: u16, site: u32, orig_size: u32 },
    /// slub_debug found bytes that differ from what they must be (`check_bytes_and_report`);
    /// they are restored (FIX). `offset`: from the slab's base address (`@offset=`); `report`:
    /// the `object_err(.., "Object corrupt")` block, printed for the first failed check of an
    /// object only.
    CorruptBytes {
        cache: u32,
        addr: u64,
        what: Corruption,
        start: u64,
        len: u32,
        first: u8,
        expected: u8,
        offset: u64,
        report: Option<Box<BugReport>>,
    },
    /// slub_debug found an invalid free pointer: `cut` says where and what was repaired.
    FreelistCut { cache: u32, pfn: u32, addr: u64, cut: CutKind, report: Box<BugReport> },
    /// slub_debug found the slab's `inuse` counter wrong and adjusted it.
    InuseFixed { cache: u32, pfn: u32, counter: u32, counted: u32, report: Box<BugReport> },
    /// `alloc_debug_processing` failed: "FIX <cache>: Marking all objects used". The slab's
    /// freelist is dropped, every object counts as used and the slab is on no list any more.
    SlabDisabled { cache: u32, pfn: u32 },
    /// `free_debug_processing` failed: "FIX <cache>: Object at 0x… not freed". The object stays
    /// allocated (leaked). `report`: the `slab_err` printed when the slab was disabled before.
    FreeRefused { cache: u32, addr: u64, report: Option<Box<BugReport>> },
    /// `cache validate` finished with this many errors (counted as slub_kunit counts them).
    /// Linux prints nothing for it: the count is the simulation's summary.
    Validated { cache: u32, errors: u32 },
    // ---- SLOB ------------------------------------------------------------------------------
    /// SLOB `kmem_cache_create` (only size and alignment matter).
    SlobCacheCreated { cache: u32, label: String, size: u32, align: u32 },
    /// SLOB `kmem_cache_destroy`.
    SlobCacheDestroyed { cache: u32 },
    /// SLOB took a new page for its heap and put it on list `list` (0 small, 1 medium, 2 large).
    SlobPageNew { pfn: u32, list: u8 },
    /// `slob_page_alloc`: first fit of `size` bytes at `align` on page `pfn`; the object is at
    /// `addr`; `rotate`: the page moves to the front of its list (`list_rotate_to_front`).
    SlobAlloc { cache: u32, pfn: u32, addr: u64, size: u32, align: u32, align_offset: u32, rotate: bool },
    /// `slob_free`: the block goes back into its page's address-ordered free list, merged with
    /// its neighbours.
    SlobFree { cache: u32, pfn: u32, addr: u64 },
    /// The page became entirely free and goes back to the page allocator.
    SlobPageFreed { pfn: u32 },
    /// An object too big for the heap, straight from the page allocator.
    SlobLarge { cache: u32, addr: u64, pfn: u32, order: u8 },
    /// Such an object freed.
    SlobLargeFree { cache: u32, addr: u64 },
    // ---- AetherOS SLUB -----------------------------------------------------------------------
    /// `create_cache` made an AetherOS cache.
    AetherCacheCreated { cache: u32, label: String, size: u32, align: u32, flags: CacheFlags },
    /// An AetherOS cache was destroyed.
    AetherCacheDestroyed { cache: u32 },
    /// A new slab (header written, objects chained) with this colour offset.
    AetherSlabNew { cache: u32, node: u8, pfn: u32, order: u8, colour: u32 },
    /// An empty slab went back to the page allocator.
    AetherSlabRelease { cache: u32, pfn: u32 },
    /// Bulk transfer: objects moved from the global slab lists into a CPU's object cache.
    AetherRefill { cache: u32, cpu: u16, node: u8, objects: Vec<u64> },
    /// Bulk transfer: objects moved from a CPU's object cache back to their slabs.
    AetherSpill { cache: u32, cpu: u16, objects: Vec<u64> },
    /// An object was handed out from this level.
    AetherAlloc { cache: u32, cpu: u16, addr: u64, level: Level },
    /// An object was freed onto a CPU's hot list.
    AetherFree { cache: u32, cpu: u16, addr: u64 },
    /// The hot list overflowed: its oldest object moves to the CPU's object cache.
    AetherHotSpill { cache: u32, cpu: u16, addr: u64 },

    // ---- classic SLAB ------------------------------------------------------------------------
    /// A classic SLAB cache was created.
    ClassicCacheCreated { cache: u32, label: String, size: u32, align: u32, flags: CacheFlags },
    /// A classic SLAB cache was destroyed.
    ClassicCacheDestroyed { cache: u32 },
    /// `cache_grow`: a new slab whose objects start `colour_offset` bytes in; it joins slabs_free.
    ClassicGrow { cache: u32, node: u8, pfn: u32, colour_offset: u32 },
    /// `cache_alloc_refill` from the node's shared array: `count` objects move to the CPU array.
    ClassicRefill { cache: u32, cpu: u16, source: ArrayRef, count: u32 },
    /// `alloc_block`: `count` objects of a slab move to the CPU array; the slab may change list.
    ClassicAllocBlock { cache: u32, cpu: u16, pfn: u32, count: u32 },
    /// An object was popped from the CPU array (`hit`: without a refill).
    ClassicAlloc { cache: u32, cpu: u16, addr: u64, hit: bool },
    /// An object was pushed on the CPU array.
    ClassicFree { cache: u32, cpu: u16, addr: u64 },
    /// The oldest `count` objects of an array go to the shared array or back to their slabs.
    ClassicFlush { cache: u32, from: ArrayRef, to_shared: Option<u8>, count: u32 },
    /// A free slab is destroyed; its pages go back to the page allocator.
    ClassicDestroySlab { cache: u32, node: u8, pfn: u32 },
    /// `cache_reap` cleared a touched flag (of a CPU array, or of the nodes' free lists).
    ClassicReapMark { cache: u32, cpu: Option<u16>, touched: bool },

    // ---- SuperSlab allocator --------------------------------------------------------------
    /// Birth: a 2 MiB SuperSlab for size class `class` was mapped (an order-9 buddy block).
    SsBirth { id: u32, class: u8, pfn: u32 },
    /// A 64 KiB slab of the SuperSlab was initialised on first use.
    SsSlabInit { id: u32, slab: u32 },
    /// A thread's TLS slab for a class now points at (SuperSlab, slab), or nowhere.
    SsTls { thread: u16, class: u8, slab: Option<(u32, u32)> },
    /// malloc: a block was handed out (`total_active_blocks` + 1).
    SsAlloc { id: u32, slab: u32, thread: u16, addr: u64, from: SsFrom },
    /// free: the block went to the thread's magazine or back to its slab (`total_active_blocks` − 1).
    SsFree { id: u32, slab: u32, thread: u16, addr: u64, to_magazine: bool },
    /// `total_active_blocks` reached 0.
    SsEmpty { id: u32 },
    /// Before death: `count` blocks of the SuperSlab are dropped from a thread's magazine.
    SsPurge { id: u32, thread: u16, count: u32 },
    /// Death: the SuperSlab is returned to the page allocator (`munmap`).
    SsDeath { id: u32 },

    // ---- per-CPU arrays: magazines and sheaves -----------------------------------------------
    /// A cache got its per-CPU arrays (capacity from its object size).
    ArrInit { cache: u32, size: u32 },
    /// An object was taken from a CPU's arrays (or, on a miss, from the slab layer).
    ArrAlloc { cache: u32, cpu: u16, addr: u64, hit: ArrHit },
    /// An object was pushed on the CPU's loaded magazine / main sheaf.
    ArrFree { cache: u32, cpu: u16, addr: u64 },
    /// The two arrays of a CPU were swapped.
    ArrSwap { cache: u32, cpu: u16 },
    /// A full array came from the depot / barn in exchange for an empty one.
    DepotFull { cache: u32, cpu: u16, node: u8 },
    /// An empty array came from the depot / barn (or was made `new`) in exchange for a full one.
    DepotEmpty { cache: u32, cpu: u16, node: u8, new: bool },
    /// Sheaves: with no spare, main became the spare and an empty sheaf became main.
    SheafSpareNew { cache: u32, cpu: u16, node: u8, new: bool },
    /// Sheaves: a sheaf was filled from the slabs and became main (the empty main went to the barn).
    SheafFilled { cache: u32, cpu: u16, node: u8, objects: Vec<u64>, from_spare: bool },
    /// Sheaves: the barn was full, so the spare sheaf was flushed to the slabs and became main.
    SheafSpareFlushed { cache: u32, cpu: u16 },
    /// Magazine depot reaping gave back unused full and empty magazines.
    DepotReap { cache: u32, node: u8, full: u32, empty: u32 },

    /// `shrink` released this many bytes of slab memory.
    Shrunk { bytes: u64 },
    /// `krealloc` kept the object in place: the spare bytes past `new_size` are re-marked (the
    /// kmalloc red zone when sizes are tracked) and, with `zero`, grown bytes are zeroed.
    KreallocInPlace { cache: u32, addr: u64, old_size: u32, new_size: u32, zero: bool },
    /// `krealloc` moved the object: `len` bytes were copied to the new one.
    ObjectCopied { from: u64, to: u64, len: u32 },
    /// `write`: bytes of simulated memory were overwritten.
    BytesWritten { addr: u64, len: u32, byte: u8 },
    /// An object was freed.
    ObjectFree { cache: u32, cpu: u16, addr: u64, path: FreePath },
    /// A slab was pushed on the head of a CPU's partial list.
    CpuPartialPush { cache: u32, cpu: u16, pfn: u32 },
    /// A slab was taken off a CPU's partial list.
    CpuPartialPop { cache: u32, cpu: u16, pfn: u32 },
    /// A slab was added to a node's partial list (head or tail).
    NodePartialAdd { cache: u32, node: u8, pfn: u32, tail: bool },
    /// A slab was removed from a node's partial list.
    NodePartialRemove { cache: u32, node: u8, pfn: u32 },
    /// `discard_slab`: the slab is dissolved; its pages go back to the page allocator.
    SlabDiscard { cache: u32, node: u8, pfn: u32, objects: u32 },
    /// A step of the allocation slow path (narrative).
    SlowPath { cache: u32, cpu: u16, step: SlowStep },

    // ---- script bookkeeping ----------------------------------------------------------------
    /// `show ...`: the text was produced (state does not change).
    Shown { what: ShowWhat },
    /// A freshly allocated value was bound to a name (or appended to the list `name[]`).
    Bound { name: Sym, list: bool, value: Value },
    /// A name (or the list element `name[index]`) was released after its value was freed.
    Unbound { name: Sym, index: Option<u32> },
    /// `NAME[*]` named an empty list: nothing to do.
    ListEmpty { name: Sym },
    /// `kmem_cache_destroy` with a per-CPU front end: every magazine / sheaf of the cache and
    /// its depot / barn was flushed to the slabs (the objects were freed to SLUB just before).
    ArrFlush { cache: u32, objects: u32 },
}

/// Which stage of the allocation path served an object.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AllocPath {
    /// The lockless per-CPU freelist.
    Fast,
    /// The cpu slab's own freelist (objects other CPUs freed into it).
    CpuSlab,
    /// A slab from this CPU's partial list.
    CpuPartial,
    /// A slab from the local (or requested) node's partial list.
    NodePartial,
    /// A slab from another node's partial list.
    RemoteNode,
    /// A new slab from the page allocator.
    NewSlab,
    /// No cpu slab (a debug cache, or any cache under Linux 7.0 sheaves): one object straight
    /// from a node partial slab.
    Debug,
    /// A Linux 7.0 sheaf refill (`refill_objects`): objects taken in bulk straight from node
    /// partial slabs (or new slabs).
    Bulk,
}

/// Which way an object was freed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FreePath {
    /// Onto this CPU's lockless freelist: the object's slab is this CPU's cpu slab.
    Fast,
    /// Onto the slab's own freelist (`__slab_free`).
    Slab,
}

/// Why the slow path was entered (narrative steps).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SlowStep {
    /// `c->freelist` is empty.
    CpuFreelistEmpty,
    /// The cpu slab's own freelist is empty too: it is full and leaves the CPU.
    CpuSlabFull,
    /// The cpu slab is on the wrong node for this request.
    NodeMismatch,
    /// No partial slab anywhere: a new slab is needed.
    NeedNewSlab,
    /// The cpu partial list reached `cpu_partial_slabs`: it is flushed to the node.
    CpuPartialFull,
}

/// Where an allocation was served from / where a free went.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Level {
    /// The per-CPU hot-object list.
    Hot,
    /// The per-CPU object cache.
    Local,
    /// The per-CPU cache right after a bulk refill from the global lists.
    Global,
    /// The per-CPU cache right after a new slab was made.
    NewSlab,
}

/// Where objects are flushed from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "array", rename_all = "snake_case")]
pub enum ArrayRef {
    /// A CPU's array cache.
    Cpu { cpu: u16 },
    /// A node's shared array.
    Shared { node: u8 },
}

/// Where a SuperSlab malloc found its block.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SsFrom {
    /// The thread's magazine for the class.
    Magazine,
    /// The slab's free list.
    SlabFreelist,
    /// A never-used block of the slab.
    Carve,
}

/// Which array served a per-CPU-layer allocation.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ArrHit {
    /// The loaded magazine / main sheaf.
    Main,
    /// After swapping in the previous magazine / spare sheaf.
    Spare,
    /// After trading with the depot / barn.
    Depot,
    /// After filling a sheaf from the slabs.
    Refill,
    /// Not from an array: straight from the slab layer.
    Miss,
}

/// What slub_debug found overwritten.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Corruption {
    /// The red zone before the object.
    LeftRedzone,
    /// The red zone after the object.
    RightRedzone,
    /// Bytes between the kmalloc request size and the object size.
    KmallocRedzone,
    /// Padding after the object without red zones (0x5a).
    AlignmentPadding,
    /// The poison of a free object (0x6b).
    Poison,
    /// The last poison byte (0xa5).
    EndPoison,
    /// Padding at the end of the slot (0x5a).
    ObjectPadding,
}

/// What `on_freelist` / `check_object` found wrong with a free pointer (mm/slub.c).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CutKind {
    /// `on_freelist`: the pointer stored in object `addr` is invalid: "Freechain corrupt",
    /// the chain is cut after `addr`.
    Freechain,
    /// `check_object`: the free pointer of object `addr` is invalid: "Freepointer corrupt",
    /// it is zapped.
    Object,
    /// `on_freelist`: the slab's freelist head is invalid: "Freepointer corrupt" (slab_err),
    /// "FIX: Freelist cleared", every object counts as used.
    Head,
    /// `on_freelist`: more free objects than slots: "Freelist cycle detected",
    /// "FIX: Freelist cleared", every object counts as used.
    Cycle,
}

/// `print_slab_info`: the slab as slub_debug prints it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SlabInfo {
    pub pfn: u32,
    pub order: u8,
    pub node: u8,
    pub objects: u32,
    pub inuse: u32,
    /// `slab->freelist` (0 = NULL).
    pub freelist: u64,
}

/// `print_trailer`: one object's bytes, read when the report was made (before any FIX).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ObjectDump {
    pub addr: u64,
    /// From the slab's base address.
    pub offset: u64,
    /// The object's free pointer as read (`get_freepointer`).
    pub fp: u64,
    /// Address of `bytes[0]` (the left red zone, or the 16 bytes before the object).
    pub from: u64,
    pub bytes: Vec<u8>,
}

/// One `BUG <cache> (<taint>): <reason>` block (`slab_bug` + `print_slab_info` or
/// `print_trailer`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BugReport {
    /// `print_tainted()`: false prints "Not tainted"; every report taints the kernel
    /// (`add_taint(TAINT_BAD_PAGE)` and `WARN_ON(1)`), so later reports print "Tainted: …".
    pub tainted: bool,
    pub slab: SlabInfo,
    /// Present for `object_err`, absent for `slab_err`.
    pub object: Option<ObjectDump>,
}

impl Corruption {
    /// Linux's name for the region (`"[%s overwritten]"`).
    pub fn linux_name(self) -> &'static str {
        match self {
            Corruption::LeftRedzone => "Left Redzone",
            Corruption::RightRedzone => "Right Redzone",
            Corruption::KmallocRedzone => "kmalloc Redzone",
            Corruption::AlignmentPadding => "Alignment padding",
            Corruption::Poison => "Poison",
            Corruption::EndPoison => "End Poison",
            Corruption::ObjectPadding => "Object padding",
        }
    }
}

/// Why `__free_one_page` stopped merging.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MergeStop {
    /// The buddy is allocated (or on a pcp list, or a smaller free block).
    BuddyNotFree,
    /// The buddy lies outside this node's memory.
    BuddyOutsideZone,
    /// The block already has `MAX_PAGE_ORDER`.
    MaxOrder,
}

/// What a `show` op displays.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ShowWhat {
    /// `/proc/buddyinfo`.
    Buddyinfo,
    /// `/proc/slabinfo`.
    Slabinfo,
    /// Summary statistics.
    Stats,
    /// Live slab objects by allocation site.
    Leaks,
    /// The `tools/mm/slabinfo` summary.
    Slabs,
    /// A cache's sysfs attributes.
    Sysfs,
    /// The SuperSlab allocator.
    Superslabs,
}

impl ShowWhat {
    /// The op-language spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            ShowWhat::Buddyinfo => "buddyinfo",
            ShowWhat::Slabinfo => "slabinfo",
            ShowWhat::Stats => "stats",
            ShowWhat::Leaks => "leaks",
            ShowWhat::Slabs => "slabs",
            ShowWhat::Sysfs => "sysfs",
            ShowWhat::Superslabs => "superslabs",
        }
    }
}

/// A parameter of a [`Message`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Arg {
    /// A number.
    Num(u64),
    /// A fixed word (an identifier such as a list name); translated by the catalogue if it has
    /// an entry `word.<text>`.
    Word(&'static str),
    /// A name from the script, resolved by the session.
    Name(Sym),
    /// A cache id, resolved to the cache's name.
    Cache(u32),
    /// An address, shown in hexadecimal.
    Addr(u64),
    /// A byte value, shown as 0xNN.
    Hex(u8),
}

/// A translatable sentence: a stable key plus named parameters.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Message {
    /// Catalogue key, e.g. `buddy.split`.
    pub key: &'static str,
    /// Named parameters substituted into the template as `{name}`.
    pub args: Vec<(&'static str, Arg)>,
}

impl Message {
    fn new(key: &'static str, args: Vec<(&'static str, Arg)>) -> Self {
        Message { key, args }
    }
}

fn n(v: impl Into<u64>) -> Arg {
    Arg::Num(v.into())
}

impl Event {
    /// The layer this event belongs to.
    pub fn layer(&self) -> Layer {
        use Event::*;
        match self {
            AreaEmpty { .. }
            | BlockTaken { .. }
            | BlockSplit { .. }
            | BlockAllocated { .. }
            | BlockReleased { .. }
            | BuddyMerged { .. }
            | MergeStopped { .. }
            | BlockInserted { .. }
            | NodeFallback { .. } => Layer::Buddy,
            PcpRefillStart { .. }
            | PcpAdded { .. }
            | PcpTaken { .. }
            | PcpDrainStart { .. }
            | PcpRemoved { .. }
            | PcpDrainAll { .. } => Layer::Pcp,
            Shown { .. } | Bound { .. } | Unbound { .. } | ListEmpty { .. } => Layer::Script,
            CacheCreated { .. }
            | CacheAliased { .. }
            | CacheDestroyed { .. }
            | SlabNew { .. }
            | ObjectAlloc { .. }
            | ObjectFree { .. }
            | NodePartialAdd { .. }
            | NodePartialRemove { .. }
            | SlabDiscard { .. }
            | ObjectInit { .. }
            | CorruptBytes { .. }
            | FreelistCut { .. }
            | InuseFixed { .. }
            | SlabDisabled { .. }
            | FreeRefused { .. }
            | Validated { .. } => Layer::Slab,
            BytesWritten { .. } | ObjectCopied { .. } => Layer::Memory,
            KreallocInPlace { .. } => Layer::Slab,
            Shrunk { .. } => Layer::Slab,
            ArrInit { .. }
            | ArrAlloc { .. }
            | ArrFree { .. }
            | ArrSwap { .. }
            | DepotFull { .. }
            | DepotEmpty { .. }
            | SheafSpareNew { .. }
            | SheafFilled { .. }
            | SheafSpareFlushed { .. }
            | DepotReap { .. }
            | ArrFlush { .. } => Layer::PerCpu,
            SsBirth { .. }
            | SsSlabInit { .. }
            | SsTls { .. }
            | SsAlloc { .. }
            | SsFree { .. }
            | SsEmpty { .. }
            | SsPurge { .. }
            | SsDeath { .. } => Layer::SuperSlab,
            ClassicCacheCreated { .. }
            | ClassicCacheDestroyed { .. }
            | ClassicGrow { .. }
            | ClassicAllocBlock { .. }
            | ClassicDestroySlab { .. } => Layer::Slab,
            ClassicRefill { .. }
            | ClassicAlloc { .. }
            | ClassicFree { .. }
            | ClassicFlush { .. }
            | ClassicReapMark { .. } => Layer::PerCpu,
            SlobCacheCreated { .. }
            | SlobCacheDestroyed { .. }
            | SlobPageNew { .. }
            | SlobAlloc { .. }
            | SlobFree { .. }
            | SlobPageFreed { .. }
            | SlobLarge { .. }
            | SlobLargeFree { .. } => Layer::Slab,
            AetherCacheCreated { .. }
            | AetherCacheDestroyed { .. }
            | AetherSlabNew { .. }
            | AetherSlabRelease { .. } => Layer::Slab,
            AetherRefill { .. }
            | AetherSpill { .. }
            | AetherAlloc { .. }
            | AetherFree { .. }
            | AetherHotSpill { .. } => Layer::PerCpu,
            SlabFreeze { .. }
            | CpuSlabReload { .. }
            | CpuSlabFull { .. }
            | SlabDeactivate { .. }
            | CpuPartialPush { .. }
            | CpuPartialPop { .. }
            | SlowPath { .. } => Layer::PerCpu,
        }
    }

    /// The entities this event is about, most important first (for highlighting).
    pub fn entities(&self) -> Vec<EntityRef> {
        use Event::*;
        let blk = |pfn: u32, order: u8| EntityRef::Block { pfn, order };
        match *self {
            AreaEmpty { node, .. } => vec![EntityRef::Node { node }],
            BlockTaken { pfn, order, .. }
            | BlockAllocated { pfn, order, .. }
            | BlockReleased { pfn, order, .. }
            | BlockInserted { pfn, order, .. } => vec![blk(pfn, order)],
            BlockSplit { pfn, buddy_pfn, order, .. } => vec![blk(pfn, order), blk(buddy_pfn, order)],
            BuddyMerged { pfn, buddy_pfn, order, merged_pfn, .. } => {
                vec![blk(merged_pfn, order + 1), blk(pfn, order), blk(buddy_pfn, order)]
            }
            MergeStopped { pfn, order, .. } => vec![blk(pfn, order)],
            NodeFallback { to, .. } => vec![EntityRef::Node { node: to }],
            PcpRefillStart { cpu, .. } | PcpDrainStart { cpu, .. } => vec![EntityRef::Cpu { cpu }],
            PcpAdded { cpu, pfn, order, .. }
            | PcpTaken { cpu, pfn, order, .. }
            | PcpRemoved { cpu, pfn, order, .. } => vec![blk(pfn, order), EntityRef::Cpu { cpu }],
            Bound { value: Value::Pages { pfn, order } | Value::Large { pfn, order }, .. } => vec![blk(pfn, order)],
            Bound { value: Value::Object { cache, addr }, .. } => vec![EntityRef::Object { cache, addr }],
            Bound { value: Value::Tiny { addr }, .. } => vec![EntityRef::Tiny { addr }],
            Shown { .. } | Unbound { .. } | ListEmpty { .. } | PcpDrainAll { .. } => vec![],
            CacheCreated { cache, .. } | CacheAliased { cache, .. } | CacheDestroyed { cache, .. } => {
                vec![EntityRef::Cache { cache }]
            }
            SlobCacheCreated { cache, .. } | SlobCacheDestroyed { cache } => vec![EntityRef::Cache { cache }],
            SlobPageNew { pfn, .. } | SlobPageFreed { pfn } => vec![EntityRef::Page { pfn }],
            SlobAlloc { cache, addr, .. }
            | SlobFree { cache, addr, .. }
            | SlobLarge { cache, addr, .. }
            | SlobLargeFree { cache, addr } => vec![EntityRef::Object { cache, addr }],
            SlabNew { cache, pfn, .. }
            | NodePartialAdd { cache, pfn, .. }
            | NodePartialRemove { cache, pfn, .. }
            | SlabDiscard { cache, pfn, .. } => vec![EntityRef::Slab { cache, pfn }],
            SlabFreeze { cache, cpu, pfn }
            | CpuSlabReload { cache, cpu, pfn }
            | CpuSlabFull { cache, cpu, pfn }
            | SlabDeactivate { cache, cpu, pfn }
            | CpuPartialPush { cache, cpu, pfn }
            | CpuPartialPop { cache, cpu, pfn } => vec![EntityRef::Slab { cache, pfn }, EntityRef::Cpu { cpu }],
            ObjectAlloc { cache, cpu, addr, .. } | ObjectFree { cache, cpu, addr, .. } => {
                vec![EntityRef::Object { cache, addr }, EntityRef::Cpu { cpu }]
            }
            SlowPath { cache, cpu, .. } => vec![EntityRef::Cache { cache }, EntityRef::Cpu { cpu }],
            ObjectInit { cache, addr, .. } | CorruptBytes { cache, addr, .. } => {
                vec![EntityRef::Object { cache, addr }]
            }
            FreelistCut { cache, pfn, addr, .. } => {
                vec![EntityRef::Object { cache, addr }, EntityRef::Slab { cache, pfn }]
            }
            InuseFixed { cache, pfn, .. } | SlabDisabled { cache, pfn } => vec![EntityRef::Slab { cache, pfn }],
            FreeRefused { cache, addr, .. } => vec![EntityRef::Object { cache, addr }],
            Validated { cache, .. } => vec![EntityRef::Cache { cache }],
            BytesWritten { .. } | Shrunk { .. } | ObjectCopied { .. } => vec![],
            SsBirth { id, .. } | SsSlabInit { id, .. } | SsEmpty { id } | SsPurge { id, .. } | SsDeath { id } => {
                vec![EntityRef::SuperSlab { id }]
            }
            ArrInit { cache, .. } | DepotReap { cache, .. } | ArrFlush { cache, .. } => {
                vec![EntityRef::Cache { cache }]
            }
            ArrAlloc { cache, cpu, addr, .. } | ArrFree { cache, cpu, addr } => {
                vec![EntityRef::Object { cache, addr }, EntityRef::Cpu { cpu }]
            }
            ArrSwap { cache, cpu }
            | DepotFull { cache, cpu, .. }
            | DepotEmpty { cache, cpu, .. }
            | SheafSpareNew { cache, cpu, .. }
            | SheafFilled { cache, cpu, .. }
            | SheafSpareFlushed { cache, cpu } => vec![EntityRef::Cache { cache }, EntityRef::Cpu { cpu }],
            SsTls { slab, .. } => slab.map(|(id, _)| EntityRef::SuperSlab { id }).into_iter().collect(),
            SsAlloc { id, addr, .. } | SsFree { id, addr, .. } => {
                vec![EntityRef::Tiny { addr }, EntityRef::SuperSlab { id }]
            }
            KreallocInPlace { cache, addr, .. } => vec![EntityRef::Object { cache, addr }],
            ClassicCacheCreated { cache, .. }
            | ClassicCacheDestroyed { cache }
            | ClassicFlush { cache, .. }
            | ClassicReapMark { cache, .. } => vec![EntityRef::Cache { cache }],
            ClassicGrow { cache, pfn, .. } | ClassicDestroySlab { cache, pfn, .. } => {
                vec![EntityRef::Slab { cache, pfn }]
            }
            ClassicAllocBlock { cache, cpu, pfn, .. } => vec![EntityRef::Slab { cache, pfn }, EntityRef::Cpu { cpu }],
            ClassicRefill { cache, cpu, .. } => vec![EntityRef::Cache { cache }, EntityRef::Cpu { cpu }],
            ClassicAlloc { cache, cpu, addr, .. } | ClassicFree { cache, cpu, addr } => {
                vec![EntityRef::Object { cache, addr }, EntityRef::Cpu { cpu }]
            }
            AetherCacheCreated { cache, .. } | AetherCacheDestroyed { cache } => vec![EntityRef::Cache { cache }],
            AetherSlabNew { cache, pfn, .. } | AetherSlabRelease { cache, pfn } => vec![EntityRef::Slab { cache, pfn }],
            AetherRefill { cache, cpu, .. } | AetherSpill { cache, cpu, .. } => {
                vec![EntityRef::Cache { cache }, EntityRef::Cpu { cpu }]
            }
            AetherAlloc { cache, cpu, addr, .. }
            | AetherFree { cache, cpu, addr }
            | AetherHotSpill { cache, cpu, addr } => {
                vec![EntityRef::Object { cache, addr }, EntityRef::Cpu { cpu }]
            }
        }
    }

    /// The translatable sentence explaining this event.
    pub fn message(&self) -> Message {
        use Event::*;
        match *self {
            AreaEmpty { node, order } => Message::new("buddy.area_empty", vec![("node", n(node)), ("order", n(order))]),
            BlockTaken { node, pfn, order } => {
                Message::new("buddy.taken", vec![("node", n(node)), ("pfn", n(pfn)), ("order", n(order))])
            }
            BlockSplit { pfn, buddy_pfn, order, .. } => Message::new(
                "buddy.split",
                vec![("pfn", n(pfn)), ("from", n(order + 1)), ("order", n(order)), ("buddy", n(buddy_pfn))],
            ),
            BlockAllocated { pfn, order, owner, .. } => {
                let mut args = vec![("pfn", n(pfn)), ("order", n(order)), ("pages", n(1u64 << order))];
                args.extend(owner.message_args());
                Message::new("buddy.allocated", args)
            }
            BlockReleased { pfn, order, .. } => {
                Message::new("buddy.released", vec![("pfn", n(pfn)), ("order", n(order)), ("pages", n(1u64 << order))])
            }
            BuddyMerged { pfn, buddy_pfn, order, merged_pfn, .. } => Message::new(
                "buddy.merged",
                vec![
                    ("pfn", n(pfn)),
                    ("buddy", n(buddy_pfn)),
                    ("order", n(order)),
                    ("merged", n(merged_pfn)),
                    ("to", n(order + 1)),
                ],
            ),
            MergeStopped { pfn, buddy_pfn, order, reason, .. } => Message::new(
                match reason {
                    MergeStop::BuddyNotFree => "buddy.merge_stop_busy",
                    MergeStop::BuddyOutsideZone => "buddy.merge_stop_zone",
                    MergeStop::MaxOrder => "buddy.merge_stop_max",
                },
                vec![("pfn", n(pfn)), ("buddy", n(buddy_pfn)), ("order", n(order))],
            ),
            BlockInserted { pfn, order, place, .. } => Message::new(
                match place {
                    InsertWhere::Head => "buddy.inserted_head",
                    InsertWhere::TailBoot => "buddy.inserted_tail_boot",
                    InsertWhere::TailMergeLikely => "buddy.inserted_tail_merge",
                },
                vec![("pfn", n(pfn)), ("order", n(order))],
            ),
            NodeFallback { from, to, order } => {
                Message::new("buddy.fallback", vec![("from", n(from)), ("to", n(to)), ("order", n(order))])
            }
            PcpRefillStart { cpu, order, count, .. } => {
                Message::new("pcp.refill", vec![("cpu", n(cpu)), ("order", n(order)), ("count", n(count))])
            }
            PcpAdded { cpu, pfn, order, .. } => {
                Message::new("pcp.added", vec![("cpu", n(cpu)), ("pfn", n(pfn)), ("order", n(order))])
            }
            PcpTaken { cpu, pfn, order, .. } => {
                Message::new("pcp.taken", vec![("cpu", n(cpu)), ("pfn", n(pfn)), ("order", n(order))])
            }
            PcpDrainStart { cpu, count, high, .. } => {
                Message::new("pcp.drain", vec![("cpu", n(cpu)), ("count", n(count)), ("high", n(high))])
            }
            PcpRemoved { cpu, pfn, order, .. } => {
                Message::new("pcp.removed", vec![("cpu", n(cpu)), ("pfn", n(pfn)), ("order", n(order))])
            }
            CacheCreated { cache, size, .. } => {
                Message::new("slab.cache_created", vec![("cache", Arg::Cache(cache)), ("size", n(size))])
            }
            CacheAliased { cache, name, .. } => {
                Message::new("slab.cache_aliased", vec![("name", Arg::Name(name)), ("cache", Arg::Cache(cache))])
            }
            CacheDestroyed { name, .. } => Message::new("slab.cache_destroyed", vec![("name", Arg::Name(name))]),
            SlabNew { cache, pfn, order, objects, .. } => Message::new(
                "slab.new",
                vec![
                    ("cache", Arg::Cache(cache)),
                    ("pfn", n(pfn)),
                    ("pages", n(1u64 << order)),
                    ("objects", n(objects)),
                ],
            ),
            SlabFreeze { cache, cpu, pfn } => {
                Message::new("slub.freeze", vec![("cache", Arg::Cache(cache)), ("cpu", n(cpu)), ("pfn", n(pfn))])
            }
            CpuSlabReload { cache, cpu, pfn } => {
                Message::new("slub.reload", vec![("cache", Arg::Cache(cache)), ("cpu", n(cpu)), ("pfn", n(pfn))])
            }
            CpuSlabFull { cache, cpu, pfn } => {
                Message::new("slub.cpu_slab_full", vec![("cache", Arg::Cache(cache)), ("cpu", n(cpu)), ("pfn", n(pfn))])
            }
            SlabDeactivate { cache, cpu, pfn } => {
                Message::new("slub.deactivate", vec![("cache", Arg::Cache(cache)), ("cpu", n(cpu)), ("pfn", n(pfn))])
            }
            ObjectAlloc { cache, cpu, addr, path, .. } => Message::new(
                match path {
                    AllocPath::Fast => "slub.alloc_fast",
                    AllocPath::CpuSlab => "slub.alloc_cpu_slab",
                    AllocPath::CpuPartial => "slub.alloc_cpu_partial",
                    AllocPath::NodePartial => "slub.alloc_node_partial",
                    AllocPath::RemoteNode => "slub.alloc_remote",
                    AllocPath::NewSlab => "slub.alloc_new_slab",
                    AllocPath::Debug => "slub.alloc_debug",
                    AllocPath::Bulk => "slub.alloc_bulk",
                },
                vec![("cache", Arg::Cache(cache)), ("cpu", n(cpu)), ("addr", Arg::Addr(addr))],
            ),
            ObjectFree { cache, cpu, addr, path } => Message::new(
                match path {
                    FreePath::Fast => "slub.free_fast",
                    FreePath::Slab => "slub.free_slab",
                },
                vec![("cache", Arg::Cache(cache)), ("cpu", n(cpu)), ("addr", Arg::Addr(addr))],
            ),
            CpuPartialPush { cache, cpu, pfn } => Message::new(
                "slub.cpu_partial_push",
                vec![("cache", Arg::Cache(cache)), ("cpu", n(cpu)), ("pfn", n(pfn))],
            ),
            CpuPartialPop { cache, cpu, pfn } => Message::new(
                "slub.cpu_partial_pop",
                vec![("cache", Arg::Cache(cache)), ("cpu", n(cpu)), ("pfn", n(pfn))],
            ),
            NodePartialAdd { cache, node, pfn, tail } => Message::new(
                if tail { "slub.node_partial_tail" } else { "slub.node_partial_head" },
                vec![("cache", Arg::Cache(cache)), ("node", n(node)), ("pfn", n(pfn))],
            ),
            NodePartialRemove { cache, node, pfn } => Message::new(
                "slub.node_partial_remove",
                vec![("cache", Arg::Cache(cache)), ("node", n(node)), ("pfn", n(pfn))],
            ),
            SlabDiscard { cache, pfn, .. } => {
                Message::new("slab.discard", vec![("cache", Arg::Cache(cache)), ("pfn", n(pfn))])
            }
            ObjectInit { cache, addr, active, .. } => Message::new(
                if active { "slub.init_active" } else { "slub.init_inactive" },
                vec![("cache", Arg::Cache(cache)), ("addr", Arg::Addr(addr))],
            ),
            CorruptBytes { cache, what, start, len, first, expected, offset, .. } => Message::new(
                "debug.corrupt",
                vec![
                    ("cache", Arg::Cache(cache)),
                    ("what", Arg::Word(what.linux_name())),
                    ("start", Arg::Addr(start)),
                    ("end", Arg::Addr(start + u64::from(len) - 1)),
                    ("offset", n(offset)),
                    ("first", Arg::Hex(first)),
                    ("expected", Arg::Hex(expected)),
                ],
            ),
            FreelistCut { cache, addr, cut: kind, .. } => Message::new(
                match kind {
                    CutKind::Freechain => "debug.freechain_corrupt",
                    CutKind::Object => "debug.freepointer_corrupt",
                    CutKind::Head => "debug.freelist_head_corrupt",
                    CutKind::Cycle => "debug.freelist_cycle",
                },
                vec![("cache", Arg::Cache(cache)), ("addr", Arg::Addr(addr))],
            ),
            InuseFixed { cache, pfn, counter, counted, .. } => Message::new(
                "debug.inuse_fixed",
                vec![("cache", Arg::Cache(cache)), ("pfn", n(pfn)), ("counter", n(counter)), ("counted", n(counted))],
            ),
            SlabDisabled { cache, pfn } => {
                Message::new("debug.slab_disabled", vec![("cache", Arg::Cache(cache)), ("pfn", n(pfn))])
            }
            FreeRefused { cache, addr, .. } => {
                Message::new("debug.not_freed", vec![("cache", Arg::Cache(cache)), ("addr", Arg::Addr(addr))])
            }
            Validated { cache, errors } => {
                Message::new("debug.validated", vec![("cache", Arg::Cache(cache)), ("errors", n(errors))])
            }
            SlobCacheCreated { cache, size, align, .. } => Message::new(
                "slob.cache_created",
                vec![("cache", Arg::Cache(cache)), ("size", n(size)), ("align", n(align))],
            ),
            SlobCacheDestroyed { cache } => Message::new("slob.cache_destroyed", vec![("cache", Arg::Cache(cache))]),
            SlobPageNew { pfn, list } => Message::new("slob.page_new", vec![("pfn", n(pfn)), ("list", n(list))]),
            SlobAlloc { cache, pfn, addr, size, .. } => Message::new(
                "slob.alloc",
                vec![("cache", Arg::Cache(cache)), ("pfn", n(pfn)), ("addr", Arg::Addr(addr)), ("size", n(size))],
            ),
            SlobFree { cache, pfn, addr } => Message::new(
                "slob.free",
                vec![("cache", Arg::Cache(cache)), ("pfn", n(pfn)), ("addr", Arg::Addr(addr))],
            ),
            SlobPageFreed { pfn } => Message::new("slob.page_freed", vec![("pfn", n(pfn))]),
            SlobLarge { cache, addr, pfn, order } => Message::new(
                "slob.large",
                vec![("cache", Arg::Cache(cache)), ("addr", Arg::Addr(addr)), ("pfn", n(pfn)), ("order", n(order))],
            ),
            SlobLargeFree { cache, addr } => {
                Message::new("slob.large_free", vec![("cache", Arg::Cache(cache)), ("addr", Arg::Addr(addr))])
            }
            AetherCacheCreated { cache, size, .. } => {
                Message::new("aether.cache_created", vec![("cache", Arg::Cache(cache)), ("size", n(size))])
            }
            AetherCacheDestroyed { cache } => {
                Message::new("aether.cache_destroyed", vec![("cache", Arg::Cache(cache))])
            }
            AetherSlabNew { cache, pfn, order, colour, .. } => Message::new(
                "aether.slab_new",
                vec![("cache", Arg::Cache(cache)), ("pfn", n(pfn)), ("pages", n(1u64 << order)), ("colour", n(colour))],
            ),
            AetherSlabRelease { cache, pfn } => {
                Message::new("aether.slab_release", vec![("cache", Arg::Cache(cache)), ("pfn", n(pfn))])
            }
            AetherRefill { cache, cpu, ref objects, .. } => Message::new(
                "aether.refill",
                vec![("cache", Arg::Cache(cache)), ("cpu", n(cpu)), ("count", n(objects.len() as u64))],
            ),
            AetherSpill { cache, cpu, ref objects } => Message::new(
                "aether.spill",
                vec![("cache", Arg::Cache(cache)), ("cpu", n(cpu)), ("count", n(objects.len() as u64))],
            ),
            AetherAlloc { cache, cpu, addr, level } => Message::new(
                match level {
                    Level::Hot => "aether.alloc_hot",
                    Level::Local => "aether.alloc_local",
                    Level::Global => "aether.alloc_global",
                    Level::NewSlab => "aether.alloc_new_slab",
                },
                vec![("cache", Arg::Cache(cache)), ("cpu", n(cpu)), ("addr", Arg::Addr(addr))],
            ),
            AetherFree { cache, cpu, addr } => Message::new(
                "aether.free",
                vec![("cache", Arg::Cache(cache)), ("cpu", n(cpu)), ("addr", Arg::Addr(addr))],
            ),
            AetherHotSpill { cache, cpu, addr } => Message::new(
                "aether.hot_spill",
                vec![("cache", Arg::Cache(cache)), ("cpu", n(cpu)), ("addr", Arg::Addr(addr))],
            ),
            ClassicCacheCreated { cache, size, .. } => {
                Message::new("classic.cache_created", vec![("cache", Arg::Cache(cache)), ("size", n(size))])
            }
            ClassicCacheDestroyed { cache } => {
                Message::new("classic.cache_destroyed", vec![("cache", Arg::Cache(cache))])
            }
            ClassicGrow { cache, pfn, colour_offset, .. } => Message::new(
                "classic.grow",
                vec![("cache", Arg::Cache(cache)), ("pfn", n(pfn)), ("colour", n(colour_offset))],
            ),
            ClassicRefill { cache, cpu, count, .. } => Message::new(
                "classic.refill_shared",
                vec![("cache", Arg::Cache(cache)), ("cpu", n(cpu)), ("count", n(count))],
            ),
            ClassicAllocBlock { cache, cpu, pfn, count } => Message::new(
                "classic.alloc_block",
                vec![("cache", Arg::Cache(cache)), ("cpu", n(cpu)), ("pfn", n(pfn)), ("count", n(count))],
            ),
            ClassicAlloc { cache, cpu, addr, hit } => Message::new(
                if hit { "classic.alloc_hit" } else { "classic.alloc_refilled" },
                vec![("cache", Arg::Cache(cache)), ("cpu", n(cpu)), ("addr", Arg::Addr(addr))],
            ),
            ClassicFree { cache, cpu, addr } => Message::new(
                "classic.free",
                vec![("cache", Arg::Cache(cache)), ("cpu", n(cpu)), ("addr", Arg::Addr(addr))],
            ),
            ClassicFlush { cache, from, to_shared, count } => Message::new(
                match (from, to_shared) {
                    (_, Some(_)) => "classic.flush_shared",
                    (ArrayRef::Cpu { .. }, None) => "classic.flush_slabs",
                    (ArrayRef::Shared { .. }, None) => "classic.drain_shared",
                },
                vec![("cache", Arg::Cache(cache)), ("count", n(count))],
            ),
            ClassicDestroySlab { cache, pfn, .. } => {
                Message::new("classic.destroy_slab", vec![("cache", Arg::Cache(cache)), ("pfn", n(pfn))])
            }
            ClassicReapMark { cache, cpu, .. } => match cpu {
                Some(cpu) => Message::new("classic.reap_touched", vec![("cache", Arg::Cache(cache)), ("cpu", n(cpu))]),
                None => Message::new("classic.reap_free_touched", vec![("cache", Arg::Cache(cache))]),
            },
            KreallocInPlace { cache, addr, old_size, new_size, .. } => Message::new(
                "slub.krealloc_in_place",
                vec![
                    ("cache", Arg::Cache(cache)),
                    ("addr", Arg::Addr(addr)),
                    ("old", n(old_size)),
                    ("new", n(new_size)),
                ],
            ),
            ObjectCopied { from, to, len } => {
                Message::new("memory.copied", vec![("from", Arg::Addr(from)), ("to", Arg::Addr(to)), ("len", n(len))])
            }
            ArrInit { cache, .. } => Message::new("arr.init", vec![("cache", Arg::Cache(cache))]),
            ArrAlloc { cache, cpu, addr, hit } => Message::new(
                match hit {
                    ArrHit::Main => "arr.alloc_main",
                    ArrHit::Spare => "arr.alloc_spare",
                    ArrHit::Depot => "arr.alloc_depot",
                    ArrHit::Refill => "arr.alloc_refill",
                    ArrHit::Miss => "arr.alloc_miss",
                },
                vec![("cache", Arg::Cache(cache)), ("cpu", n(cpu)), ("addr", Arg::Addr(addr))],
            ),
            ArrFree { cache, cpu, addr } => {
                Message::new("arr.free", vec![("cache", Arg::Cache(cache)), ("cpu", n(cpu)), ("addr", Arg::Addr(addr))])
            }
            ArrSwap { cache, cpu } => Message::new("arr.swap", vec![("cache", Arg::Cache(cache)), ("cpu", n(cpu))]),
            DepotFull { cache, cpu, .. } => {
                Message::new("arr.depot_full", vec![("cache", Arg::Cache(cache)), ("cpu", n(cpu))])
            }
            DepotEmpty { cache, cpu, new, .. } => Message::new(
                if new { "arr.depot_new_empty" } else { "arr.depot_empty" },
                vec![("cache", Arg::Cache(cache)), ("cpu", n(cpu))],
            ),
            SheafSpareNew { cache, cpu, .. } => {
                Message::new("arr.sheaf_spare", vec![("cache", Arg::Cache(cache)), ("cpu", n(cpu))])
            }
            SheafFilled { cache, cpu, ref objects, .. } => Message::new(
                "arr.sheaf_filled",
                vec![("cache", Arg::Cache(cache)), ("cpu", n(cpu)), ("count", n(objects.len() as u64))],
            ),
            SheafSpareFlushed { cache, cpu } => {
                Message::new("arr.sheaf_flushed", vec![("cache", Arg::Cache(cache)), ("cpu", n(cpu))])
            }
            ArrFlush { cache, objects } => {
                Message::new("arr.flush", vec![("cache", Arg::Cache(cache)), ("count", n(objects))])
            }
            DepotReap { cache, full, empty, .. } => Message::new(
                "arr.depot_reap",
                vec![("cache", Arg::Cache(cache)), ("full", n(full)), ("empty", n(empty))],
            ),
            SsBirth { id, class, pfn } => {
                Message::new("ss.birth", vec![("id", n(id)), ("size", n((u64::from(class) + 1) * 8)), ("pfn", n(pfn))])
            }
            SsSlabInit { id, slab } => Message::new("ss.slab_init", vec![("id", n(id)), ("slab", n(slab))]),
            SsTls { thread, class, slab } => match slab {
                Some((id, s)) => Message::new(
                    "ss.tls",
                    vec![("thread", n(thread)), ("size", n((u64::from(class) + 1) * 8)), ("id", n(id)), ("slab", n(s))],
                ),
                None => {
                    Message::new("ss.tls_cleared", vec![("thread", n(thread)), ("size", n((u64::from(class) + 1) * 8))])
                }
            },
            SsAlloc { id, thread, addr, from, .. } => Message::new(
                match from {
                    SsFrom::Magazine => "ss.alloc_magazine",
                    SsFrom::SlabFreelist => "ss.alloc_freelist",
                    SsFrom::Carve => "ss.alloc_carve",
                },
                vec![("id", n(id)), ("thread", n(thread)), ("addr", Arg::Addr(addr))],
            ),
            SsFree { id, thread, addr, to_magazine, .. } => Message::new(
                if to_magazine { "ss.free_magazine" } else { "ss.free_slab" },
                vec![("id", n(id)), ("thread", n(thread)), ("addr", Arg::Addr(addr))],
            ),
            SsEmpty { id } => Message::new("ss.empty", vec![("id", n(id))]),
            SsPurge { id, thread, count } => {
                Message::new("ss.purge", vec![("id", n(id)), ("thread", n(thread)), ("count", n(count))])
            }
            SsDeath { id } => Message::new("ss.death", vec![("id", n(id))]),
            Shrunk { bytes } => Message::new("slab.shrunk", vec![("bytes", n(bytes))]),
            BytesWritten { addr, len, byte } => Message::new(
                "memory.written",
                vec![("addr", Arg::Addr(addr)), ("len", n(len)), ("byte", Arg::Hex(byte))],
            ),
            SlowPath { cache, cpu, step } => Message::new(
                match step {
                    SlowStep::CpuFreelistEmpty => "slub.slow_freelist_empty",
                    SlowStep::CpuSlabFull => "slub.slow_cpu_slab_full",
                    SlowStep::NodeMismatch => "slub.slow_node_mismatch",
                    SlowStep::NeedNewSlab => "slub.slow_new_slab",
                    SlowStep::CpuPartialFull => "slub.slow_cpu_partial_full",
                },
                vec![("cache", Arg::Cache(cache)), ("cpu", n(cpu))],
            ),
            PcpDrainAll { order } => Message::new("pcp.drain_all", vec![("order", n(order))]),
            Shown { what } => Message::new("script.shown", vec![("what", Arg::Word(what.as_str()))]),
            Bound { name, list, value: Value::Pages { pfn, order } | Value::Large { pfn, order } } => Message::new(
                if list { "script.appended" } else { "script.bound" },
                vec![("name", Arg::Name(name)), ("pfn", n(pfn)), ("order", n(order))],
            ),
            Bound { name, list, value: Value::Object { addr, .. } | Value::Tiny { addr } } => Message::new(
                if list { "script.appended_object" } else { "script.bound_object" },
                vec![("name", Arg::Name(name)), ("addr", Arg::Addr(addr))],
            ),
            ListEmpty { name } => Message::new("script.list_empty", vec![("name", Arg::Name(name))]),
            Unbound { name, index } => match index {
                Some(i) => Message::new("script.list_removed", vec![("name", Arg::Name(name)), ("index", n(i))]),
                None => Message::new("script.unbound", vec![("name", Arg::Name(name))]),
            },
        }
    }
}

/// Where emitted events go. The executing code applies each event to the state first, then hands
/// it to the sink: a `Vec<Event>` records them, [`CountSink`] only counts (fast replay).
pub trait EventSink {
    /// Receive one event (already applied).
    fn emit(&mut self, ev: Event);
}

impl EventSink for Vec<Event> {
    fn emit(&mut self, ev: Event) {
        self.push(ev);
    }
}

/// A sink that only counts events: used when replaying from a checkpoint.
#[derive(Default, Debug, Clone, Copy)]
pub struct CountSink(pub u64);

impl EventSink for CountSink {
    fn emit(&mut self, _ev: Event) {
        self.0 += 1;
    }
}

/// FNV-1a over the JSON form of events: a stable fingerprint of an event stream, identical
/// natively and in WebAssembly for the same config and ops.
#[derive(Clone, Copy, Debug)]
pub struct StreamHash(u64);

impl Default for StreamHash {
    fn default() -> Self {
        StreamHash(0xcbf2_9ce4_8422_2325)
    }
}

impl StreamHash {
    /// Feed bytes.
    pub fn update(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 ^= u64::from(b);
            self.0 = self.0.wrapping_mul(0x0100_0000_01b3);
        }
    }
    /// The digest so far.
    pub fn finish(self) -> u64 {
        self.0
    }
}
