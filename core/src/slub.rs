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
//! Free: to `c->freelist` when the object's slab is this CPU's cpu slab (fast path); otherwise
//! `__slab_free`: onto the slab's freelist; a slab that was full goes to this CPU's partial list
//! (flushing that list to the node when it already holds `cpu_partial_slabs`); an empty slab on
//! the node partial list is discarded when the node has at least `min_partial` partial slabs.
//!
//! Invariants ([`Slub::check`]): every slab is in exactly one place (a cpu slab, one cpu partial
//! list, one node partial list, or full on no list); frozen ⇔ cpu slab; `inuse` + objects on the
//! slab's own freelist = objects (objects on a cpu freelist count as in use, as in Linux); node partial slabs are neither full nor frozen; freelists
//! hold distinct, correctly aligned objects of their slab; per-node slab and object counters
//! match; every slab's pages are a used block owned by its cache.

use std::collections::{BTreeMap, VecDeque};

use serde::{Deserialize, Serialize};

pub use crate::event::{AllocPath, FreePath, SlowStep};
use crate::event::{Event, EventSink, Sym};
use crate::machine::{FrameKind, Machine, MachineConfig, Owner, PAGE_SHIFT, PAGE_SIZE};
use crate::names::Names;
use crate::sim::{OpError, PageCtx};
use crate::slab_layout::{
    calculate_order, calculate_sizes, cpu_partial, get_order, kmalloc_align, min_partial, order_objects, CacheFlags,
    Layout, KMALLOC_SIZES, WORD,
};
use crate::workload::Rng;

/// Base of the kernel direct map: object addresses are `DIRECT_MAP + physical address`, as on
/// x86-64 (so NULL is never a valid object address).
pub const DIRECT_MAP: u64 = 0xffff_8880_0000_0000;

/// Virtual address of a physical address.
pub fn virt(phys: u64) -> u64 {
    DIRECT_MAP + phys
}
/// Physical address of a direct-map address.
pub fn phys(addr: u64) -> u64 {
    addr.wrapping_sub(DIRECT_MAP)
}

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
    /// Objects currently allocated.
    pub live: u64,
    /// Per-CPU state.
    pub cpus: Vec<CpuState>,
    /// Per-node state.
    pub nodes: Vec<NodeState>,
    /// Destroyed (ids are never reused).
    pub destroyed: bool,
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
            live: 0,
            cpus: vec![CpuState::default(); usize::from(config.cpus)],
            nodes: vec![NodeState::default(); usize::from(config.nodes)],
            destroyed: false,
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
        !self.flags.debug()
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
}

fn swab(x: u64) -> u64 {
    x.swap_bytes()
}

impl Slub {
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
        };
        for &(size, name) in KMALLOC_SIZES {
            s.create(name.to_string(), size, kmalloc_align(size), CacheFlags::KMALLOC);
        }
        s
    }

    fn create(&mut self, name: String, size: u32, align: u32, flags: CacheFlags) -> u32 {
        let id = self.caches.len() as u32;
        let mut c = Cache::new(id, name.clone(), size, align, flags, &self.config);
        c.random = if self.hardened { self.rng.next_u64() } else { 0 };
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

    // ---- event application ---------------------------------------------------------------

    fn slab_mut(&mut self, pfn: u32) -> &mut SlabRec {
        self.slabs.get_mut(&pfn).expect("event names a known slab")
    }

    fn set_place(&mut self, pfn: u32, place: SlabPlace) {
        self.slab_mut(pfn).place = place;
    }

    /// Apply a SLUB event.
    pub fn apply(&mut self, m: &mut Machine, ev: &Event) {
        match *ev {
            Event::CacheCreated { cache, size, align, flags, .. } => {
                debug_assert_eq!(cache as usize, self.caches.len());
                let name = match ev {
                    Event::CacheCreated { label, .. } => label.clone(),
                    _ => unreachable!(),
                };
                self.create(name, size, align, flags);
            }
            Event::CacheAliased { cache, size, .. } => {
                let name = match ev {
                    Event::CacheAliased { label, .. } => label.clone(),
                    _ => unreachable!(),
                };
                let c = &mut self.caches[cache as usize];
                c.refcount += 1;
                c.layout.object_size = c.layout.object_size.max(size);
                self.by_name.insert(name, cache);
            }
            Event::CacheDestroyed { cache, .. } => {
                let name = match ev {
                    Event::CacheDestroyed { label, .. } => label.clone(),
                    _ => unreachable!(),
                };
                self.by_name.remove(&name);
                let c = &mut self.caches[cache as usize];
                c.refcount -= 1;
                if c.refcount == 0 {
                    c.destroyed = true;
                }
            }
            Event::SlabNew { cache, node, pfn, order, objects } => {
                let c = &self.caches[cache as usize];
                let mut seq: Vec<u32> = (0..objects).collect();
                if self.random_freelist && objects > 1 {
                    // Fisher-Yates permutation, then start at a random position (shuffle_freelist).
                    for i in (1..seq.len()).rev() {
                        let j = self.rng.below(i as u64 + 1) as usize;
                        seq.swap(i, j);
                    }
                    let pos = self.rng.below(u64::from(objects)) as usize;
                    seq.rotate_left(pos);
                }
                let addrs: Vec<u64> = seq.iter().map(|&i| c.object_addr(pfn, i)).collect();
                for (k, &a) in addrs.iter().enumerate() {
                    let next = addrs.get(k + 1).copied().unwrap_or(0);
                    self.set_freepointer(m, cache, a, next);
                }
                let c = &mut self.caches[cache as usize];
                let n = &mut c.nodes[usize::from(node)];
                n.nr_slabs += 1;
                n.total_objects += u64::from(objects);
                self.slabs.insert(
                    pfn,
                    SlabRec {
                        cache,
                        pfn,
                        order,
                        node,
                        objects,
                        inuse: 0,
                        freelist: addrs[0],
                        frozen: false,
                        place: SlabPlace::Full,
                    },
                );
            }
            Event::SlabFreeze { cache, cpu, pfn } | Event::CpuSlabReload { cache, cpu, pfn } => {
                let s = self.slab_mut(pfn);
                let fl = std::mem::take(&mut s.freelist);
                s.inuse = s.objects;
                s.frozen = true;
                s.place = SlabPlace::CpuSlab { cpu };
                let cs = &mut self.caches[cache as usize].cpus[usize::from(cpu)];
                cs.slab = Some(pfn);
                cs.freelist = fl;
            }
            Event::CpuSlabFull { cache, cpu, pfn } => {
                let s = self.slab_mut(pfn);
                s.frozen = false;
                s.place = SlabPlace::Full;
                let cs = &mut self.caches[cache as usize].cpus[usize::from(cpu)];
                cs.slab = None;
                cs.freelist = 0;
            }
            Event::SlabDeactivate { cache, cpu, pfn } => {
                let cs = &self.caches[cache as usize].cpus[usize::from(cpu)];
                let objs = self.walk_freelist(m, cache, pfn, cs.freelist);
                let old = self.slabs[&pfn].freelist;
                // Splice the cpu freelist in front of the slab freelist.
                if let Some(&last) = objs.last() {
                    self.set_freepointer(m, cache, last, old);
                }
                let s = self.slab_mut(pfn);
                if let Some(&first) = objs.first() {
                    s.freelist = first;
                }
                s.inuse -= objs.len() as u32;
                s.frozen = false;
                s.place = SlabPlace::Full;
                let cs = &mut self.caches[cache as usize].cpus[usize::from(cpu)];
                cs.slab = None;
                cs.freelist = 0;
            }
            Event::ObjectAlloc { cache, cpu, addr, path } => {
                let next = self.get_freepointer(m, cache, addr);
                if path == AllocPath::Debug {
                    let pfn = self.slab_of(addr).expect("object in a slab").pfn;
                    let s = self.slab_mut(pfn);
                    s.freelist = next;
                    s.inuse += 1;
                } else {
                    let cs = &mut self.caches[cache as usize].cpus[usize::from(cpu)];
                    cs.freelist = next;
                    if path == AllocPath::Fast {
                        cs.alloc_fast += 1;
                    } else {
                        cs.alloc_slow += 1;
                    }
                }
                let c = &mut self.caches[cache as usize];
                c.live += 1;
                if c.flags.has(CacheFlags::ZERO) {
                    let zeros = vec![0u8; c.layout.object_size as usize];
                    m.mem.write(phys(addr), &zeros);
                }
            }
            Event::ObjectFree { cache, cpu, addr, path } => {
                match path {
                    FreePath::Fast => {
                        let head = self.caches[cache as usize].cpus[usize::from(cpu)].freelist;
                        self.set_freepointer(m, cache, addr, head);
                        let cs = &mut self.caches[cache as usize].cpus[usize::from(cpu)];
                        cs.freelist = addr;
                        cs.free_fast += 1;
                    }
                    FreePath::Slab => {
                        let pfn = self.slab_of(addr).expect("object in a slab").pfn;
                        let prior = self.slabs[&pfn].freelist;
                        self.set_freepointer(m, cache, addr, prior);
                        let s = self.slab_mut(pfn);
                        s.freelist = addr;
                        s.inuse -= 1;
                        self.caches[cache as usize].cpus[usize::from(cpu)].free_slow += 1;
                    }
                }
                self.caches[cache as usize].live -= 1;
            }
            Event::CpuPartialPush { cache, cpu, pfn } => {
                self.caches[cache as usize].cpus[usize::from(cpu)].partial.insert(0, pfn);
                self.set_place(pfn, SlabPlace::CpuPartial { cpu });
            }
            Event::CpuPartialPop { cache, cpu, pfn } => {
                let l = &mut self.caches[cache as usize].cpus[usize::from(cpu)].partial;
                l.retain(|&p| p != pfn);
                self.set_place(pfn, SlabPlace::Full);
            }
            Event::NodePartialAdd { cache, node, pfn, tail } => {
                let l = &mut self.caches[cache as usize].nodes[usize::from(node)].partial;
                if tail {
                    l.push_back(pfn);
                } else {
                    l.push_front(pfn);
                }
                self.set_place(pfn, SlabPlace::NodePartial);
            }
            Event::NodePartialRemove { cache, node, pfn } => {
                self.caches[cache as usize].nodes[usize::from(node)].partial.retain(|&p| p != pfn);
                self.set_place(pfn, SlabPlace::Full);
            }
            Event::SlabDiscard { cache, node, pfn, objects } => {
                self.slabs.remove(&pfn);
                let n = &mut self.caches[cache as usize].nodes[usize::from(node)];
                n.nr_slabs -= 1;
                n.total_objects -= u64::from(objects);
            }
            _ => {}
        }
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
        if size == 0 || size > crate::slab_layout::KMALLOC_MAX_CACHE_SIZE * 4 {
            return Err(OpError::BadSize { size: u64::from(size), max: 32768 });
        }
        if align != 0 && !align.is_power_of_two() {
            return Err(OpError::BadAlign { align });
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
                    self.discard(pages, pfn, out);
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

    /// True when an allocation will need a new slab from the page allocator.
    pub fn needs_new_slab(&self, m: &Machine, cache: u32, cpu: u16, node: Option<u8>) -> bool {
        let c = &self.caches[cache as usize];
        let matches = |pfn: u32| node.is_none_or(|n| self.slabs[&pfn].node == n);
        if c.uses_cpu_slab() {
            let cs = &c.cpus[usize::from(cpu)];
            if let Some(pfn) = cs.slab {
                if matches(pfn) && (cs.freelist != 0 || self.slabs[&pfn].freelist != 0) {
                    return false;
                }
            }
            if cs.partial.iter().any(|&p| matches(p)) {
                return false;
            }
        }
        let local = node.unwrap_or_else(|| m.config().node_of_cpu(cpu));
        if !c.nodes[usize::from(local)].partial.is_empty() {
            return false;
        }
        if node.is_none() && c.uses_cpu_slab() {
            return !c.nodes.iter().any(|n| n.partial.len() as u32 > c.min_partial);
        }
        true
    }

    /// Allocate one object (`slab_alloc_node`). `node` is the requested node (`None` = any).
    /// The caller has checked that a new slab can be had when [`Slub::needs_new_slab`].
    pub fn alloc(
        &mut self,
        pages: &mut PageCtx<'_>,
        cache: u32,
        cpu: u16,
        node: Option<u8>,
        out: &mut dyn EventSink,
    ) -> Result<u64, OpError> {
        if !self.caches[cache as usize].uses_cpu_slab() {
            return self.alloc_debug(pages, cache, cpu, node, out);
        }
        let matches = |s: &Slub, pfn: u32| node.is_none_or(|n| s.slabs[&pfn].node == n);
        let cs = &self.caches[cache as usize].cpus[usize::from(cpu)];
        if let Some(pfn) = cs.slab {
            if cs.freelist != 0 && matches(self, pfn) {
                let addr = cs.freelist;
                self.emit(pages.machine, out, Event::ObjectAlloc { cache, cpu, addr, path: AllocPath::Fast });
                return Ok(addr);
            }
        }
        // ___slab_alloc
        let cs = &self.caches[cache as usize].cpus[usize::from(cpu)];
        if let Some(pfn) = cs.slab {
            if !matches(self, pfn) {
                self.emit(pages.machine, out, Event::SlowPath { cache, cpu, step: SlowStep::NodeMismatch });
                self.deactivate(pages, cache, cpu, pfn, out);
            } else {
                self.emit(pages.machine, out, Event::SlowPath { cache, cpu, step: SlowStep::CpuFreelistEmpty });
                if self.slabs[&pfn].freelist != 0 {
                    self.emit(pages.machine, out, Event::CpuSlabReload { cache, cpu, pfn });
                    return Ok(self.load(pages.machine, cache, cpu, AllocPath::CpuSlab, out));
                }
                self.emit(pages.machine, out, Event::SlowPath { cache, cpu, step: SlowStep::CpuSlabFull });
                self.emit(pages.machine, out, Event::CpuSlabFull { cache, cpu, pfn });
            }
        }
        // new_slab: the cpu partial list.
        while let Some(&pfn) = self.caches[cache as usize].cpus[usize::from(cpu)].partial.first() {
            self.emit(pages.machine, out, Event::CpuPartialPop { cache, cpu, pfn });
            if matches(self, pfn) {
                self.emit(pages.machine, out, Event::SlabFreeze { cache, cpu, pfn });
                return Ok(self.load(pages.machine, cache, cpu, AllocPath::CpuPartial, out));
            }
            let n = self.slabs[&pfn].node;
            self.emit(pages.machine, out, Event::NodePartialAdd { cache, node: n, pfn, tail: true });
        }
        // new_objects: node partial lists.
        let local = node.unwrap_or_else(|| pages.machine.config().node_of_cpu(cpu));
        if self.get_partial_node(pages.machine, cache, cpu, local, out) {
            return Ok(self.load(pages.machine, cache, cpu, AllocPath::NodePartial, out));
        }
        if node.is_none() {
            let min_partial = self.caches[cache as usize].min_partial;
            for n in pages.buddy.zonelist(local).into_iter().skip(1) {
                if self.caches[cache as usize].nodes[usize::from(n)].partial.len() as u32 > min_partial
                    && self.get_partial_node(pages.machine, cache, cpu, n, out)
                {
                    return Ok(self.load(pages.machine, cache, cpu, AllocPath::RemoteNode, out));
                }
            }
        }
        self.emit(pages.machine, out, Event::SlowPath { cache, cpu, step: SlowStep::NeedNewSlab });
        let pfn = self.new_slab(pages, cache, cpu, local, out)?;
        self.emit(pages.machine, out, Event::SlabFreeze { cache, cpu, pfn });
        Ok(self.load(pages.machine, cache, cpu, AllocPath::NewSlab, out))
    }

    /// `load_freelist`: hand out the head of the (just loaded) cpu freelist.
    fn load(&mut self, m: &mut Machine, cache: u32, cpu: u16, path: AllocPath, out: &mut dyn EventSink) -> u64 {
        let addr = self.caches[cache as usize].cpus[usize::from(cpu)].freelist;
        debug_assert_ne!(addr, 0, "a loaded cpu freelist is never empty");
        self.emit(m, out, Event::ObjectAlloc { cache, cpu, addr, path });
        addr
    }

    /// `get_partial_node`: take the head partial slab of `node` as the cpu slab and move up to
    /// `cpu_partial_slabs / 2 + 1` more to the cpu partial list. False when the list is empty.
    fn get_partial_node(&mut self, m: &mut Machine, cache: u32, cpu: u16, node: u8, out: &mut dyn EventSink) -> bool {
        let limit = self.caches[cache as usize].cpu_partial_slabs;
        let mut got = false;
        let mut partial_slabs = 0;
        while let Some(&pfn) = self.caches[cache as usize].nodes[usize::from(node)].partial.front() {
            self.emit(m, out, Event::NodePartialRemove { cache, node, pfn });
            if !got {
                got = true;
                self.emit(m, out, Event::SlabFreeze { cache, cpu, pfn });
                if limit == 0 {
                    break;
                }
            } else {
                self.emit(m, out, Event::CpuPartialPush { cache, cpu, pfn });
                partial_slabs += 1;
                if partial_slabs > limit / 2 {
                    break;
                }
            }
        }
        got
    }

    /// `new_slab`/`allocate_slab`: pages of order `oo`, falling back to `min`.
    fn new_slab(
        &mut self,
        pages: &mut PageCtx<'_>,
        cache: u32,
        cpu: u16,
        node: u8,
        out: &mut dyn EventSink,
    ) -> Result<u32, OpError> {
        let c = &self.caches[cache as usize];
        let (order, min_order, size) = (c.order, c.min_order, c.layout.size);
        let owner = Owner::Slab { cache };
        let order = if pages.can_alloc(node, cpu, order) { order } else { min_order };
        let pfn = pages.alloc(node, cpu, order, owner, out)?;
        let node = pages.machine.config().node_of_pfn(pfn);
        let objects = order_objects(order, size);
        self.emit(pages.machine, out, Event::SlabNew { cache, node, pfn, order, objects });
        Ok(pfn)
    }

    /// Debug caches: one object at a time from the node partial list (or a new slab), under the
    /// node lock, no cpu slab.
    fn alloc_debug(
        &mut self,
        pages: &mut PageCtx<'_>,
        cache: u32,
        cpu: u16,
        node: Option<u8>,
        out: &mut dyn EventSink,
    ) -> Result<u64, OpError> {
        let local = node.unwrap_or_else(|| pages.machine.config().node_of_cpu(cpu));
        let (pfn, fresh) = match self.caches[cache as usize].nodes[usize::from(local)].partial.front() {
            Some(&pfn) => (pfn, false),
            None => {
                self.emit(pages.machine, out, Event::SlowPath { cache, cpu, step: SlowStep::NeedNewSlab });
                (self.new_slab(pages, cache, cpu, local, out)?, true)
            }
        };
        let addr = self.slabs[&pfn].freelist;
        self.emit(pages.machine, out, Event::ObjectAlloc { cache, cpu, addr, path: AllocPath::Debug });
        let s = &self.slabs[&pfn];
        let n = s.node;
        match (fresh, s.freelist == 0) {
            (true, false) => self.emit(pages.machine, out, Event::NodePartialAdd { cache, node: n, pfn, tail: false }),
            (false, true) => self.emit(pages.machine, out, Event::NodePartialRemove { cache, node: n, pfn }),
            _ => {}
        }
        Ok(addr)
    }

    /// Free the object at `addr` (validated by the caller) from `cpu`.
    pub fn free(&mut self, pages: &mut PageCtx<'_>, cache: u32, cpu: u16, addr: u64, out: &mut dyn EventSink) {
        let s = self.slab_of(addr).expect("validated object").clone();
        let c = &self.caches[cache as usize];
        if c.uses_cpu_slab() && c.cpus[usize::from(cpu)].slab == Some(s.pfn) {
            self.emit(pages.machine, out, Event::ObjectFree { cache, cpu, addr, path: FreePath::Fast });
            return;
        }
        let prior = s.freelist;
        self.emit(pages.machine, out, Event::ObjectFree { cache, cpu, addr, path: FreePath::Slab });
        let s = self.slabs[&s.pfn].clone();
        let c = &self.caches[cache as usize];
        if !c.uses_cpu_slab() {
            // free_to_partial_list
            let nr_partial = c.nodes[usize::from(s.node)].partial.len() as u32;
            if s.inuse == 0 && nr_partial >= c.min_partial {
                if prior != 0 {
                    self.emit(pages.machine, out, Event::NodePartialRemove { cache, node: s.node, pfn: s.pfn });
                }
                self.discard(pages, s.pfn, out);
            } else if prior == 0 {
                self.emit(pages.machine, out, Event::NodePartialAdd { cache, node: s.node, pfn: s.pfn, tail: true });
            }
            return;
        }
        if s.frozen {
            return; // another CPU's cpu slab: nothing more to do
        }
        if prior == 0 {
            self.put_cpu_partial(pages, cache, cpu, s.pfn, out);
            return;
        }
        if s.place != SlabPlace::NodePartial {
            return; // on some CPU's partial list
        }
        let nr_partial = c.nodes[usize::from(s.node)].partial.len() as u32;
        if s.inuse == 0 && nr_partial >= c.min_partial {
            self.emit(pages.machine, out, Event::NodePartialRemove { cache, node: s.node, pfn: s.pfn });
            self.discard(pages, s.pfn, out);
        }
    }

    /// `put_cpu_partial(drain = 1)`: push a slab that was full onto this CPU's partial list,
    /// first flushing the whole list to the node when it already holds `cpu_partial_slabs`.
    fn put_cpu_partial(&mut self, pages: &mut PageCtx<'_>, cache: u32, cpu: u16, pfn: u32, out: &mut dyn EventSink) {
        let c = &self.caches[cache as usize];
        let len = c.cpus[usize::from(cpu)].partial.len() as u32;
        if len > 0 && len >= c.cpu_partial_slabs {
            self.emit(pages.machine, out, Event::SlowPath { cache, cpu, step: SlowStep::CpuPartialFull });
            self.put_partials(pages, cache, cpu, out);
        }
        self.emit(pages.machine, out, Event::CpuPartialPush { cache, cpu, pfn });
    }

    /// `__put_partials`: move this CPU's partial slabs to their nodes (tail), discarding empty
    /// ones when the node already has `min_partial` partial slabs.
    fn put_partials(&mut self, pages: &mut PageCtx<'_>, cache: u32, cpu: u16, out: &mut dyn EventSink) {
        while let Some(&pfn) = self.caches[cache as usize].cpus[usize::from(cpu)].partial.first() {
            self.emit(pages.machine, out, Event::CpuPartialPop { cache, cpu, pfn });
            let s = &self.slabs[&pfn];
            let c = &self.caches[cache as usize];
            let node = s.node;
            if s.inuse == 0 && c.nodes[usize::from(node)].partial.len() as u32 >= c.min_partial {
                self.discard(pages, pfn, out);
            } else {
                self.emit(pages.machine, out, Event::NodePartialAdd { cache, node, pfn, tail: true });
            }
        }
    }

    /// `deactivate_slab`: the cpu slab leaves the CPU; its cpu freelist is spliced back.
    fn deactivate(&mut self, pages: &mut PageCtx<'_>, cache: u32, cpu: u16, pfn: u32, out: &mut dyn EventSink) {
        let remote_frees = self.slabs[&pfn].freelist != 0;
        self.emit(pages.machine, out, Event::SlabDeactivate { cache, cpu, pfn });
        let s = &self.slabs[&pfn];
        let c = &self.caches[cache as usize];
        let node = s.node;
        if s.inuse == 0 && c.nodes[usize::from(node)].partial.len() as u32 >= c.min_partial {
            self.discard(pages, pfn, out);
        } else if s.freelist != 0 {
            self.emit(pages.machine, out, Event::NodePartialAdd { cache, node, pfn, tail: remote_frees });
        }
    }

    /// `discard_slab`: give the slab's pages back to the page allocator.
    fn discard(&mut self, pages: &mut PageCtx<'_>, pfn: u32, out: &mut dyn EventSink) {
        let s = self.slabs[&pfn].clone();
        self.emit(pages.machine, out, Event::SlabDiscard { cache: s.cache, node: s.node, pfn, objects: s.objects });
        let cpu = pages.machine.config().cpus_of_node(s.node).next().unwrap_or(0);
        pages.free(cpu, pfn, out);
    }

    // ---- reporting -------------------------------------------------------------------------

    /// `/proc/slabinfo` in the kernel's format (newest cache first, kmalloc caches last).
    pub fn slabinfo(&self) -> String {
        let mut s = crate::sim::slabinfo_header();
        for c in self.caches.iter().rev().filter(|c| !c.destroyed) {
            let nr_slabs: u64 = c.nodes.iter().map(|n| n.nr_slabs).sum();
            let nr_objs: u64 = c.nodes.iter().map(|n| n.total_objects).sum();
            let nr_free: u64 = c
                .nodes
                .iter()
                .flat_map(|n| n.partial.iter())
                .map(|p| {
                    let sl = &self.slabs[p];
                    u64::from(sl.objects - sl.inuse)
                })
                .sum();
            s.push_str(&format!(
                "{:<17} {:>6} {:>6} {:>6} {:>4} {:>4} : tunables {:>4} {:>4} {:>4} : slabdata {:>6} {:>6} {:>6}\n",
                c.name,
                nr_objs - nr_free,
                nr_objs,
                c.layout.size,
                c.objects,
                1u32 << c.order,
                0,
                0,
                0,
                nr_slabs,
                nr_slabs,
                0
            ));
        }
        s
    }

    /// Check the invariants (see the module docs).
    pub fn check(&self, m: &Machine) -> Result<(), String> {
        let mut seen: BTreeMap<u32, SlabPlace> = BTreeMap::new();
        let mut place = |pfn: u32, p: SlabPlace| -> Result<(), String> {
            if let Some(old) = seen.insert(pfn, p) {
                return Err(format!("slab {pfn} is both {old:?} and {p:?}"));
            }
            Ok(())
        };
        for c in &self.caches {
            for (cpu, cs) in c.cpus.iter().enumerate() {
                let cpu = cpu as u16;
                if let Some(pfn) = cs.slab {
                    place(pfn, SlabPlace::CpuSlab { cpu })?;
                }
                for &pfn in &cs.partial {
                    place(pfn, SlabPlace::CpuPartial { cpu })?;
                }
            }
            for (node, n) in c.nodes.iter().enumerate() {
                for &pfn in &n.partial {
                    place(pfn, SlabPlace::NodePartial)?;
                    let s = self.slabs.get(&pfn).ok_or(format!("unknown slab {pfn} on a partial list"))?;
                    if usize::from(s.node) != node {
                        return Err(format!("slab {pfn} of node {} on node {node}'s partial list", s.node));
                    }
                }
                let mine: Vec<&SlabRec> =
                    self.slabs.values().filter(|s| s.cache == c.id && usize::from(s.node) == node).collect();
                if mine.len() as u64 != n.nr_slabs
                    || mine.iter().map(|s| u64::from(s.objects)).sum::<u64>() != n.total_objects
                {
                    return Err(format!("{} node {node}: slab counters differ from the slabs", c.name));
                }
            }
        }
        for s in self.slabs.values() {
            let c = &self.caches[s.cache as usize];
            let expected = seen.get(&s.pfn).copied().unwrap_or(SlabPlace::Full);
            if s.place != expected {
                return Err(format!("slab {} says {:?} but is {:?}", s.pfn, s.place, expected));
            }
            if s.frozen != matches!(s.place, SlabPlace::CpuSlab { .. }) {
                return Err(format!("slab {}: frozen = {} at {:?}", s.pfn, s.frozen, s.place));
            }
            let f = m.frame(s.pfn);
            if f.kind != (FrameKind::Used { owner: Owner::Slab { cache: s.cache } }) || f.order != s.order {
                return Err(format!("slab {}: its pages are {:?} order {}", s.pfn, f.kind, f.order));
            }
            let own = self.walk_freelist(m, s.cache, s.pfn, s.freelist);
            let mut free = own.clone();
            if let SlabPlace::CpuSlab { cpu } = s.place {
                free.extend(self.walk_freelist(m, s.cache, s.pfn, c.cpus[usize::from(cpu)].freelist));
            }
            let mut uniq = free.clone();
            uniq.sort_unstable();
            uniq.dedup();
            if uniq.len() != free.len() {
                return Err(format!("slab {}: an object is on a freelist twice", s.pfn));
            }
            // Objects on the lockless cpu freelist count as in use (as in Linux): only the slab's
            // own freelist is subtracted, for frozen and unfrozen slabs alike.
            if s.inuse + own.len() as u32 != s.objects {
                return Err(format!("slab {}: inuse {} + free {} != objects {}", s.pfn, s.inuse, own.len(), s.objects));
            }
            match s.place {
                SlabPlace::NodePartial if s.freelist == 0 && c.uses_cpu_slab() => {
                    return Err(format!("full slab {} on a node partial list", s.pfn))
                }
                SlabPlace::Full if s.freelist != 0 && !c.uses_cpu_slab() => {
                    return Err(format!("debug-cache slab {} with free objects is on no list", s.pfn))
                }
                _ => {}
            }
        }
        let live: u64 = self.caches.iter().map(|c| c.live).sum();
        let free_total: u64 = self
            .slabs
            .values()
            .map(|s| {
                let mut n = self.walk_freelist(m, s.cache, s.pfn, s.freelist).len() as u64;
                if let SlabPlace::CpuSlab { cpu } = s.place {
                    let head = self.caches[s.cache as usize].cpus[usize::from(cpu)].freelist;
                    n += self.walk_freelist(m, s.cache, s.pfn, head).len() as u64;
                }
                n
            })
            .sum();
        let slots: u64 = self.slabs.values().map(|s| u64::from(s.objects)).sum();
        if live + free_total != slots {
            return Err(format!("live objects {live} + free {free_total} != slots {slots}"));
        }
        Ok(())
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
