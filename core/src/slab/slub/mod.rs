//! SLUB, as in Linux 6.x before sheaves (mm/slub.c), over the simulated page layer.
//!
//! Each cache has, per CPU, a *cpu slab* whose free objects form the lockless per-CPU freelist
//! (`c->freelist`) plus a *cpu partial* list, and per node a *partial* list. Free pointers are
//! real 8-byte values stored inside the free objects' bytes (at `offset`, optionally hardened as
//! `ptr ^ random ^ swab(ptr_addr)`); every freelist walk reads simulated memory.
//!
//! Allocation: fast path from `c->freelist`; otherwise the slow path in Linux's order: the cpu
//! slab's own freelist (frees from other CPUs), the cpu partial list, the node partial list (one
//! slab becomes the cpu slab and up to `cpu_partial_slabs / 2 + 1` go to the cpu partial list),
//! other nodes' partial lists (if they hold more than `min_partial`), then a new slab from the
//! page allocator (order `oo`, falling back to `min`). Caches with debug flags use no cpu slab:
//! they allocate one object at a time from the node partial list.
//!
//! Under `slab=sheaves` (Linux 7.0) caches have no cpu slab and no cpu partial lists
//! (`Cache::no_cpu_slab`): single allocations take one object from a node partial slab (or a new
//! slab), sheaf refills take objects in bulk the same way ([`Slub::alloc_bulk`], after
//! `refill_objects`), and frees go to the slab (`__slab_free`: a slab that was full goes to the
//! node partial tail).
//!
//! slub_debug reports ([`Slub::debug_text`]) print as mm/slub.c prints them; failed free checks
//! leak the object and failed allocation checks disable the slab (`free_debug_processing`,
//! `alloc_debug_processing`).
//!
//! Free: to `c->freelist` when the object's slab is this CPU's cpu slab (fast path); otherwise
//! `__slab_free`: onto the slab's freelist; a slab that was full goes to this CPU's partial list
//! (flushing that list to the node when it already holds `cpu_partial_slabs`); an empty slab on
//! the node partial list is discarded when the node has at least `min_partial` partial slabs.
//!
//! Invariants ([`Slub::check`]): every slab is in exactly one place (a cpu slab, one cpu partial
//! list, one node partial list, or full on no list); frozen ⇔ cpu slab; `inuse` + objects on the
//! slab's own freelist = objects (objects on a cpu freelist count as in use, as in Linux); node partial slabs are neither full nor frozen; freelists
//! hold distinct, correctly aligned objects of their slab; per-node slab and object counters
//! match; every slab's pages are a used block owned by its cache. After a `write` op has
//! overwritten memory (`tainted`), the checks that read freelists from memory are skipped: the
//! corruption is the point of the exercise, and slub_debug's `validate` is what finds it.

use std::collections::{BTreeMap, VecDeque};

use serde::{Deserialize, Serialize};

use crate::error::OpError;
pub use crate::event::{AllocPath, FreePath, SlowStep};
use crate::event::{BugReport, Corruption, CutKind, Event, EventSink, ObjectDump, SlabInfo, Sym};
use crate::machine::{FrameKind, Machine, MachineConfig, Owner, PAGE_SHIFT, PAGE_SIZE};
use crate::names::Names;
use crate::page::ctx::PageCtx;
use crate::rng::Rng;
use crate::slab_layout::{
    calculate_order, calculate_sizes, cpu_partial, get_order, kmalloc_align, min_partial, order_objects, CacheFlags,
    Layout, KMALLOC_SIZES, TRACK_SIZE, WORD,
};

pub use crate::page::addr::{phys, virt, DIRECT_MAP};

mod alloc;
mod apply;
mod check;
mod debug;
mod free;
mod report;
mod sites;

/// `vmemmap` on x86-64 (4-level paging): `struct page` (and `struct slab`) addresses, as
/// `print_slab_info` prints them.
const VMEMMAP: u64 = 0xffff_ea00_0000_0000;
/// `sizeof(struct page)`.
const STRUCT_PAGE: u64 = 64;

/// `%pGp` of a slab's page flags: `PG_head` (bit 6) for high-order slabs, then the node.
/// The node, zone and section bits that Linux keeps in the high bits of the value are left out
/// of the number.
fn page_flags(order: u8, node: u8) -> String {
    if order > 0 {
        format!("0x40(head|node={node})")
    } else {
        format!("0x0(node={node})")
    }
}

/// `POISON_INUSE`: unused slab bytes and padding.
pub const POISON_INUSE: u8 = 0x5a;
/// `POISON_FREE`: the bytes of a freed object.
pub const POISON_FREE: u8 = 0x6b;
/// `POISON_END`: the last byte of a poisoned object.
pub const POISON_END: u8 = 0xa5;
/// `SLUB_RED_INACTIVE`: red zones of free objects.
pub const RED_INACTIVE: u8 = 0xbb;
/// `SLUB_RED_ACTIVE`: red zones of allocated objects.
pub const RED_ACTIVE: u8 = 0xcc;

/// Where a slab is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "list", rename_all = "snake_case")]
pub enum SlabPlace {
    /// The cpu slab of a CPU (frozen).
    CpuSlab { cpu: u16 },
    /// On a CPU's partial list.
    CpuPartial { cpu: u16 },
    /// On its node's partial list.
    NodePartial,
    /// Full (or between lists during an op): on no list, as Linux keeps full slabs.
    Full,
}

/// Where and how an allocation was asked for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Site {
    /// Script line (the "caller" recorded in store-user tracks and the leak report).
    pub line: u32,
    /// The requested size (`orig_size`: the kmalloc request, or the cache's object size).
    pub orig_size: u32,
}

/// One slab.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SlabRec {
    /// Owning cache.
    pub cache: u32,
    /// First page.
    pub pfn: u32,
    /// Page order.
    pub order: u8,
    /// Node.
    pub node: u8,
    /// Object slots.
    pub objects: u32,
    /// Objects counted in use (all of them while frozen, as Linux).
    pub inuse: u32,
    /// First object of the slab's own freelist (0 = none).
    pub freelist: u64,
    /// A cpu slab.
    pub frozen: bool,
    /// Where it is.
    pub place: SlabPlace,
    /// A failed allocation check took it out of use (`alloc_debug_processing`: "Marking all
    /// objects used"; Linux sets `slab->frozen`): on no list, its free objects are lost, and
    /// frees into it are refused.
    pub disabled: bool,
}

/// Per-CPU state of a cache (`struct kmem_cache_cpu`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CpuState {
    /// The cpu slab.
    pub slab: Option<u32>,
    /// First object of the lockless freelist (0 = none).
    pub freelist: u64,
    /// cpu partial slabs, head first.
    pub partial: Vec<u32>,
    /// Allocations served by the fast path.
    pub alloc_fast: u64,
    /// Allocations through the slow path.
    pub alloc_slow: u64,
    /// Frees by the fast path.
    pub free_fast: u64,
    /// Frees through `__slab_free`.
    pub free_slow: u64,
}

/// Per-node state of a cache (`struct kmem_cache_node`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct NodeState {
    /// Partial slabs, head first.
    pub partial: VecDeque<u32>,
    /// Slabs on this node.
    pub nr_slabs: u64,
    /// Object slots in those slabs.
    pub total_objects: u64,
}

/// A cache (`struct kmem_cache`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Cache {
    /// Id (index into the cache table).
    pub id: u32,
    /// Name.
    pub name: String,
    /// Slot layout.
    pub layout: Layout,
    /// Flags.
    pub flags: CacheFlags,
    /// Slab order (`oo`).
    pub order: u8,
    /// Objects per slab (`oo`).
    pub objects: u32,
    /// Fallback order (`min`).
    pub min_order: u8,
    /// `min_partial`.
    pub min_partial: u32,
    /// `cpu_partial` (objects).
    pub cpu_partial: u32,
    /// `cpu_partial_slabs`.
    pub cpu_partial_slabs: u32,
    /// Aliases + 1 (`refcount`).
    pub refcount: u32,
    /// Hardening secret (`s->random`).
    pub random: u64,
    /// `CONFIG_SLAB_FREELIST_RANDOM`: the cache's random sequence of object indices
    /// (`s->random_seq`, made once by `init_cache_random_seq`); empty when off.
    pub random_seq: Vec<u32>,
    /// Objects currently allocated.
    pub live: u64,
    /// Per-CPU state.
    pub cpus: Vec<CpuState>,
    /// Per-node state.
    pub nodes: Vec<NodeState>,
    /// Destroyed (ids are never reused).
    pub destroyed: bool,
    /// Linux 7.0 (`slab=sheaves`): no cpu slab and no cpu partial lists; objects come one at a
    /// time (or in bulk for a sheaf) straight from node partial slabs.
    pub no_cpu_slab: bool,
}

impl Cache {
    fn new(id: u32, name: String, object_size: u32, align: u32, flags: CacheFlags, config: &MachineConfig) -> Cache {
        let layout = calculate_sizes(object_size, align, flags);
        let order = calculate_order(layout.size, config.cpus);
        let objects = order_objects(order, layout.size);
        let (cpu_partial, cpu_partial_slabs) = cpu_partial(layout.size, objects, flags.debug());
        Cache {
            id,
            name,
            layout,
            flags,
            order,
            objects,
            min_order: get_order(u64::from(layout.size)),
            min_partial: min_partial(layout.size),
            cpu_partial,
            cpu_partial_slabs,
            refcount: 1,
            random: 0,
            random_seq: Vec::new(),
            live: 0,
            cpus: vec![CpuState::default(); usize::from(config.cpus)],
            nodes: vec![NodeState::default(); usize::from(config.nodes)],
            destroyed: false,
            no_cpu_slab: config.slab == crate::machine::SlabPolicy::Sheaves,
        }
    }

    /// Address of object `i` of a slab at `pfn`.
    pub fn object_addr(&self, pfn: u32, i: u32) -> u64 {
        virt((u64::from(pfn) << PAGE_SHIFT) + u64::from(i) * u64::from(self.layout.size))
            + u64::from(self.layout.red_left_pad)
    }

    /// Index of the object at `addr` in a slab at `pfn`, if `addr` is exactly an object start.
    pub fn object_index(&self, pfn: u32, objects: u32, addr: u64) -> Option<u32> {
        let base = self.object_addr(pfn, 0);
        let off = addr.checked_sub(base)?;
        let size = u64::from(self.layout.size);
        (off % size == 0 && off / size < u64::from(objects)).then(|| (off / size) as u32)
    }

    fn uses_cpu_slab(&self) -> bool {
        !self.flags.debug() && !self.no_cpu_slab
    }
}

/// The SLUB allocator state.
#[derive(Clone, Debug)]
pub struct Slub {
    caches: Vec<Cache>,
    /// Cache names (aliases included) to ids.
    by_name: BTreeMap<String, u32>,
    slabs: BTreeMap<u32, SlabRec>,
    hardened: bool,
    random_freelist: bool,
    rng: Rng,
    config: MachineConfig,
    /// Allocation site (script line) of every live object, for the leak report: hashed, as it
    /// is written twice per replayed trace event and only read whole, grouped into an ordered
    /// map (`leak_report`), so its order never shows (s7-tracecore, issue #18); in
    /// copy-on-write shards, so a checkpoint does not copy it whole (s8-trace, `sites.rs`).
    sites: sites::Sites,
    /// Memory was overwritten by a `write` op (the kernel would be tainted): freelists read from
    /// memory may be corrupt on purpose, so the checker skips the checks that read them.
    pub tainted: bool,
    /// A slub_debug report was printed: the kernel is tainted (`TAINT_BAD_PAGE`), and later
    /// reports print "Tainted: …" instead of "Not tainted".
    pub bad_page: bool,
}

fn swab(x: u64) -> u64 {
    x.swap_bytes()
}

impl Slub {
    /// Heap bytes a clone of this state holds that `base` (an earlier clone) does not share: the
    /// live objects' sites map's shards written since (all of it without a base), the slab records
    /// (B-tree entries plus a node header per ~8), the caches with their per-CPU and per-node
    /// lists, and the name map (s8-trace: what a session checkpoint of SLUB costs).
    pub fn clone_bytes(&self, base: Option<&Slub>) -> usize {
        use std::mem::size_of;
        let sites = self.sites.unshared_bytes(base.map_or(&sites::Sites::default(), |b| &b.sites));
        let slabs = self.slabs.len() * (size_of::<u32>() + size_of::<SlabRec>()) + self.slabs.len() / 8 * 96;
        let caches: usize = self
            .caches
            .iter()
            .map(|c| {
                size_of::<Cache>()
                    + c.name.capacity()
                    + c.random_seq.capacity() * 4
                    + c.cpus.iter().map(|p| size_of::<CpuState>() + p.partial.capacity() * 4).sum::<usize>()
                    + c.nodes.iter().map(|n| size_of::<NodeState>() + n.partial.capacity() * 4).sum::<usize>()
            })
            .sum();
        let names: usize = self.by_name.keys().map(|k| size_of::<(String, u32)>() + k.capacity()).sum();
        sites + slabs + caches + names
    }

    /// SLUB with the kmalloc caches (`kmalloc-8` … `kmalloc-8k`) created, holding no slabs.
    pub fn new(config: &MachineConfig) -> Slub {
        let mut s = Slub {
            caches: Vec::new(),
            by_name: BTreeMap::new(),
            slabs: BTreeMap::new(),
            hardened: config.hardened,
            random_freelist: config.freelist_random,
            rng: Rng::new(config.seed ^ 0x5eed_51ab),
            config: config.clone(),
            sites: Default::default(),
            tainted: false,
            bad_page: false,
        };
        for &(size, name) in KMALLOC_SIZES {
            s.create(name.to_string(), size, kmalloc_align(size), CacheFlags::KMALLOC);
        }
        s
    }

    fn create(&mut self, name: String, size: u32, align: u32, flags: CacheFlags) -> u32 {
        let flags = flags.with(self.config.slub_debug);
        let id = self.caches.len() as u32;
        let mut c = Cache::new(id, name.clone(), size, align, flags, &self.config);
        c.random = if self.hardened { self.rng.next_u64() } else { 0 };
        if self.random_freelist {
            // init_cache_random_seq -> cache_random_seq_create -> freelist_randomize: one
            // Fisher-Yates permutation of the oo object indices per cache, made at creation.
            let mut seq: Vec<u32> = (0..c.objects).collect();
            for i in (1..seq.len()).rev() {
                let j = self.rng.below(i as u64 + 1) as usize;
                seq.swap(i, j);
            }
            c.random_seq = seq;
        }
        self.caches.push(c);
        self.by_name.insert(name, id);
        id
    }

    /// All caches ever created (destroyed ones flagged), by id.
    pub fn caches(&self) -> &[Cache] {
        &self.caches
    }
    /// Cache `id`.
    pub fn cache(&self, id: u32) -> &Cache {
        &self.caches[id as usize]
    }
    /// The cache (or alias) named `name`.
    pub fn cache_by_name(&self, name: &str) -> Option<u32> {
        self.by_name.get(name).copied()
    }
    /// Names (aliases included).
    pub fn names(&self) -> impl Iterator<Item = (&str, u32)> {
        self.by_name.iter().map(|(n, &i)| (n.as_str(), i))
    }
    /// All slabs by first pfn.
    pub fn slabs(&self) -> &BTreeMap<u32, SlabRec> {
        &self.slabs
    }

    /// The slab containing direct-map address `addr`.
    pub fn slab_of(&self, addr: u64) -> Option<&SlabRec> {
        let pfn = (phys(addr) >> PAGE_SHIFT) as u32;
        let (_, s) = self.slabs.range(..=pfn).next_back()?;
        (pfn < s.pfn + (1 << s.order)).then_some(s)
    }

    // ---- free pointers in memory -------------------------------------------------------

    fn fp_addr(c: &Cache, obj: u64) -> u64 {
        obj + u64::from(c.layout.offset)
    }
    /// `get_freepointer`: read and decode the free pointer stored in `obj`.
    pub fn get_freepointer(&self, m: &Machine, cache: u32, obj: u64) -> u64 {
        let c = &self.caches[cache as usize];
        let at = Self::fp_addr(c, obj);
        let mut b = [0u8; 8];
        m.mem.read(phys(at), &mut b);
        let raw = u64::from_le_bytes(b);
        if self.hardened {
            raw ^ c.random ^ swab(at)
        } else {
            raw
        }
    }
    fn set_freepointer(&self, m: &mut Machine, cache: u32, obj: u64, fp: u64) {
        let c = &self.caches[cache as usize];
        let at = Self::fp_addr(c, obj);
        let raw = if self.hardened { fp ^ c.random ^ swab(at) } else { fp };
        m.mem.write(phys(at), &raw.to_le_bytes());
    }

    /// Objects on a freelist starting at `head`, in order (stops at a cycle or a foreign pointer).
    pub fn walk_freelist(&self, m: &Machine, cache: u32, slab_pfn: u32, head: u64) -> Vec<u64> {
        let Some(s) = self.slabs.get(&slab_pfn) else { return Vec::new() };
        let c = &self.caches[cache as usize];
        let mut out = Vec::new();
        let mut p = head;
        while p != 0 && out.len() <= s.objects as usize {
            if c.object_index(s.pfn, s.objects, p).is_none() {
                break;
            }
            out.push(p);
            p = self.get_freepointer(m, cache, p);
        }
        out
    }

    fn emit(&mut self, m: &mut Machine, out: &mut dyn EventSink, ev: Event) {
        self.apply(m, &ev);
        out.emit(ev);
    }

    // ---- operations ------------------------------------------------------------------------

    /// `kmem_cache_create`: a new cache, or an alias of a compatible existing one
    /// (`find_mergeable`). kmalloc caches are never merge targets (as in kernels with
    /// `CONFIG_HARDENED_USERCOPY`).
    #[allow(clippy::too_many_arguments)]
    pub fn create_cache(
        &mut self,
        m: &mut Machine,
        name: Sym,
        label: &str,
        size: u32,
        align: u32,
        flags: CacheFlags,
        out: &mut dyn EventSink,
    ) -> Result<u32, OpError> {
        if self.by_name.contains_key(label) {
            return Err(OpError::CacheExists { name: label.to_string() });
        }
        if align != 0 && !align.is_power_of_two() {
            return Err(OpError::BadAlign { align });
        }
        // calculate_sizes -> calculate_order: any size whose slot fits in a MAX_PAGE_ORDER block
        // is accepted ("order = get_order(size); if (order <= MAX_PAGE_ORDER) return order;"),
        // e.g. kvm_vcpu (51472 bytes: one object per order-4 slab).
        let slot = calculate_sizes(size, align, flags.with(self.config.slub_debug)).size;
        if size == 0 || get_order(u64::from(slot)) > crate::machine::MAX_PAGE_ORDER {
            return Err(OpError::BadSize { size: u64::from(size), max: crate::slab_layout::KMALLOC_MAX_SIZE });
        }
        if let Some(target) = self.find_mergeable(size, align, flags) {
            self.emit(m, out, Event::CacheAliased { cache: target, name, label: label.to_string(), size });
            return Ok(target);
        }
        let cache = self.caches.len() as u32;
        self.emit(m, out, Event::CacheCreated { cache, name, label: label.to_string(), size, align, flags });
        Ok(cache)
    }

    fn find_mergeable(&self, size: u32, align: u32, flags: CacheFlags) -> Option<u32> {
        if flags.never_merge() {
            return None;
        }
        let size = size.next_multiple_of(WORD);
        let align = crate::slab_layout::calculate_alignment(flags, align, size);
        let size = size.next_multiple_of(align);
        // Oldest first, as list_for_each_entry_reverse over slab_caches.
        self.caches.iter().filter(|c| !c.destroyed && !c.flags.has(CacheFlags::KMALLOC)).find_map(|c| {
            let ok = !c.flags.never_merge()
                && size <= c.layout.size
                && c.flags.has(CacheFlags::ZERO) == flags.has(CacheFlags::ZERO)
                && c.layout.size & !(align - 1) == c.layout.size
                && c.layout.size - size < WORD;
            ok.then_some(c.id)
        })
    }

    /// `kmem_cache_destroy`: drop an alias, or flush and free an unused cache.
    pub fn destroy_cache(
        &mut self,
        pages: &mut PageCtx<'_>,
        label: &str,
        name: Sym,
        out: &mut dyn EventSink,
    ) -> Result<(), OpError> {
        let cache = self.cache_by_name(label).ok_or_else(|| self.unknown_cache(label))?;
        let c = &self.caches[cache as usize];
        if c.flags.has(CacheFlags::KMALLOC) {
            return Err(OpError::KmallocCache { name: label.to_string() });
        }
        if c.refcount == 1 && c.live > 0 {
            return Err(OpError::CacheBusy { name: label.to_string(), live: c.live });
        }
        if c.refcount == 1 {
            self.flush_all(pages, cache, out);
            for node in 0..self.config.nodes {
                while let Some(&pfn) = self.caches[cache as usize].nodes[usize::from(node)].partial.front() {
                    self.emit(pages.machine, out, Event::NodePartialRemove { cache, node, pfn });
                    self.discard(pages, None, pfn, out);
                }
            }
        }
        self.emit(pages.machine, out, Event::CacheDestroyed { cache, name, label: label.to_string() });
        Ok(())
    }

    /// An unknown-cache error with a suggestion.
    pub fn unknown_cache(&self, label: &str) -> OpError {
        OpError::UnknownCache {
            name: label.to_string(),
            suggestion: crate::suggest::suggest(label, self.by_name.keys().map(String::as_str)),
        }
    }

    /// `flush_all` for one cache: deactivate every cpu slab and flush every cpu partial list.
    fn flush_all(&mut self, pages: &mut PageCtx<'_>, cache: u32, out: &mut dyn EventSink) {
        for cpu in 0..self.config.cpus {
            if let Some(pfn) = self.caches[cache as usize].cpus[usize::from(cpu)].slab {
                self.deactivate(pages, cache, cpu, pfn, out);
            }
            self.put_partials(pages, cache, cpu, out);
        }
    }

    /// Is `addr` an allocated object of `cache` (not on any freelist)?
    pub fn is_live(&self, m: &Machine, cache: u32, addr: u64) -> bool {
        let Some(s) = self.slab_of(addr) else { return false };
        let c = &self.caches[s.cache as usize];
        if s.cache != cache || c.object_index(s.pfn, s.objects, addr).is_none() {
            return false;
        }
        let mut free = self.walk_freelist(m, s.cache, s.pfn, s.freelist);
        if let SlabPlace::CpuSlab { cpu } = s.place {
            free.extend(self.walk_freelist(m, s.cache, s.pfn, c.cpus[usize::from(cpu)].freelist));
        }
        !free.contains(&addr)
    }

    /// Name of cache `id` for messages.
    pub fn cache_name(&self, id: u32) -> &str {
        self.caches.get(id as usize).map_or("?", |c| c.name.as_str())
    }

    /// Names for suggestions.
    pub fn label_of(&self, names: &Names, sym: Sym) -> String {
        names.name(sym).to_string()
    }

    /// Bytes used by slabs (for stats).
    pub fn slab_bytes(&self) -> u64 {
        self.slabs.values().map(|s| PAGE_SIZE << s.order).sum()
    }
}
