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
    /// Allocation site (script line) of every live object, for the leak report.
    sites: BTreeMap<u64, u32>,
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
            sites: BTreeMap::new(),
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
                if objects > 1 && objects as usize <= c.random_seq.len() {
                    // shuffle_freelist: "pos = get_random_u32_below(freelist_count);" then
                    // next_freelist_entry walks the cache's sequence from there, wrapping, and
                    // skips indices beyond this slab (a fallback-order slab holds fewer objects).
                    let count = c.random_seq.len();
                    let mut pos = self.rng.below(count as u64) as usize;
                    seq.clear();
                    while seq.len() < objects as usize {
                        let idx = c.random_seq[pos];
                        pos = (pos + 1) % count;
                        if idx < objects {
                            seq.push(idx);
                        }
                    }
                }
                let addrs: Vec<u64> = seq.iter().map(|&i| c.object_addr(pfn, i)).collect();
                if c.flags.has(CacheFlags::POISON) {
                    // setup_slab_debug: the whole slab reads POISON_INUSE first.
                    let fill = vec![POISON_INUSE; (PAGE_SIZE << order) as usize];
                    m.mem.write(u64::from(pfn) << PAGE_SHIFT, &fill);
                }
                if c.flags.debug() {
                    let tracks = c.flags.has(CacheFlags::USER).then(|| Self::info_end(&c.layout));
                    for i in 0..objects {
                        let a = c.object_addr(pfn, i);
                        self.init_object(m, cache, a, false, None);
                        if let Some(off) = tracks {
                            // init_tracking: both tracks zeroed (print_track skips them).
                            m.mem.write(phys(a + u64::from(off)), &[0u8; 2 * TRACK_SIZE as usize]);
                        }
                    }
                }
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
                        disabled: false,
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
            Event::ObjectAlloc { cache, cpu, addr, path, site } => {
                self.sites.insert(addr, site);
                let next = self.get_freepointer(m, cache, addr);
                if matches!(path, AllocPath::Debug | AllocPath::Bulk) {
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
                self.sites.remove(&addr);
            }
            Event::ObjectInit { cache, addr, active, cpu, site, orig_size } => {
                self.init_object(m, cache, addr, active, Some((cpu, site, orig_size)));
            }
            Event::CorruptBytes { start, len, expected, ref report, .. } => {
                m.mem.write(phys(start), &vec![expected; len as usize]);
                self.bad_page |= report.is_some();
            }
            Event::FreelistCut { cache, pfn, addr, cut: kind, .. } => {
                self.bad_page = true;
                match kind {
                    CutKind::Freechain | CutKind::Object => self.set_freepointer(m, cache, addr, 0),
                    CutKind::Head | CutKind::Cycle => {
                        let s = self.slab_mut(pfn);
                        s.freelist = 0;
                        s.inuse = s.objects;
                    }
                }
            }
            Event::InuseFixed { pfn, counted, .. } => {
                self.bad_page = true;
                self.slab_mut(pfn).inuse = counted;
            }
            Event::SlabDisabled { pfn, .. } => {
                let s = self.slab_mut(pfn);
                s.inuse = s.objects;
                s.freelist = 0;
                s.disabled = true;
            }
            Event::FreeRefused { ref report, .. } => self.bad_page |= report.is_some(),
            Event::KreallocInPlace { cache, addr, old_size, new_size, zero } => {
                let c = &self.caches[cache as usize];
                let l = c.layout;
                let tracked = c.flags.has(CacheFlags::USER) && c.flags.has(CacheFlags::KMALLOC);
                if zero && new_size > old_size {
                    m.mem.write(phys(addr + u64::from(old_size)), &vec![0u8; (new_size - old_size) as usize]);
                }
                if tracked {
                    let at = addr + u64::from(Self::info_end(&l) + 2 * TRACK_SIZE);
                    m.mem.write(phys(at), &new_size.to_le_bytes());
                    if c.flags.has(CacheFlags::REDZONE) && new_size < l.object_size {
                        let spare = vec![RED_ACTIVE; (l.object_size - new_size) as usize];
                        m.mem.write(phys(addr + u64::from(new_size)), &spare);
                    }
                } else if zero && new_size < l.object_size {
                    m.mem.write(phys(addr + u64::from(new_size)), &vec![0u8; (l.object_size - new_size) as usize]);
                }
            }
            Event::ObjectCopied { from, to, len } => {
                let mut b = vec![0u8; len as usize];
                m.mem.read(phys(from), &mut b);
                m.mem.write(phys(to), &b);
            }
            // The bytes are written by `Machine::apply`.
            Event::BytesWritten { .. } => self.tainted = true,
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
        at: Site,
        out: &mut dyn EventSink,
    ) -> Result<u64, OpError> {
        if !self.caches[cache as usize].uses_cpu_slab() {
            return self.alloc_debug(pages, cache, cpu, node, at, AllocPath::Debug, out);
        }
        let site = at.line;
        let matches = |s: &Slub, pfn: u32| node.is_none_or(|n| s.slabs[&pfn].node == n);
        let cs = &self.caches[cache as usize].cpus[usize::from(cpu)];
        if let Some(pfn) = cs.slab {
            if cs.freelist != 0 && matches(self, pfn) {
                let addr = cs.freelist;
                self.emit(pages.machine, out, Event::ObjectAlloc { cache, cpu, addr, path: AllocPath::Fast, site });
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
                    return Ok(self.load(pages.machine, cache, cpu, AllocPath::CpuSlab, site, out));
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
                return Ok(self.load(pages.machine, cache, cpu, AllocPath::CpuPartial, site, out));
            }
            let n = self.slabs[&pfn].node;
            self.emit(pages.machine, out, Event::NodePartialAdd { cache, node: n, pfn, tail: true });
        }
        // new_objects: node partial lists.
        let local = node.unwrap_or_else(|| pages.machine.config().node_of_cpu(cpu));
        if self.get_partial_node(pages.machine, cache, cpu, local, out) {
            return Ok(self.load(pages.machine, cache, cpu, AllocPath::NodePartial, site, out));
        }
        if node.is_none() {
            let min_partial = self.caches[cache as usize].min_partial;
            for n in pages.buddy.zonelist(local).into_iter().skip(1) {
                if self.caches[cache as usize].nodes[usize::from(n)].partial.len() as u32 > min_partial
                    && self.get_partial_node(pages.machine, cache, cpu, n, out)
                {
                    return Ok(self.load(pages.machine, cache, cpu, AllocPath::RemoteNode, site, out));
                }
            }
        }
        self.emit(pages.machine, out, Event::SlowPath { cache, cpu, step: SlowStep::NeedNewSlab });
        let pfn = self.new_slab(pages, cache, cpu, local, out)?;
        self.emit(pages.machine, out, Event::SlabFreeze { cache, cpu, pfn });
        Ok(self.load(pages.machine, cache, cpu, AllocPath::NewSlab, site, out))
    }

    /// `load_freelist`: hand out the head of the (just loaded) cpu freelist.
    fn load(
        &mut self,
        m: &mut Machine,
        cache: u32,
        cpu: u16,
        path: AllocPath,
        site: u32,
        out: &mut dyn EventSink,
    ) -> u64 {
        let addr = self.caches[cache as usize].cpus[usize::from(cpu)].freelist;
        debug_assert_ne!(addr, 0, "a loaded cpu freelist is never empty");
        self.emit(m, out, Event::ObjectAlloc { cache, cpu, addr, path, site });
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
    /// `refill_objects` (Linux 7.0, for a sheaf): up to `count` objects straight from the
    /// node's partial slabs, then from new slabs (`alloc_from_new_slab`: a new slab with objects
    /// left goes to the head of the partial list). Stops early when the page allocator cannot
    /// give a new slab; an empty result is an out-of-memory error.
    pub fn alloc_bulk(
        &mut self,
        pages: &mut PageCtx<'_>,
        cache: u32,
        cpu: u16,
        count: usize,
        at: Site,
        out: &mut dyn EventSink,
    ) -> Result<Vec<u64>, OpError> {
        let node = pages.machine.config().node_of_cpu(cpu);
        let mut objects = Vec::with_capacity(count);
        while objects.len() < count {
            if self.caches[cache as usize].nodes[usize::from(node)].partial.is_empty() {
                let min = self.caches[cache as usize].min_order;
                if !pages.can_alloc(node, cpu, min) {
                    break;
                }
            }
            objects.push(self.alloc_debug(pages, cache, cpu, None, at, AllocPath::Bulk, out)?);
        }
        if objects.is_empty() {
            return Err(OpError::OutOfMemory { order: self.caches[cache as usize].min_order });
        }
        Ok(objects)
    }

    /// Caches without a cpu slab (debug caches, and every cache under Linux 7.0 sheaves): one
    /// object from the node partial list (or a new slab), under the node lock.
    #[allow(clippy::too_many_arguments)]
    fn alloc_debug(
        &mut self,
        pages: &mut PageCtx<'_>,
        cache: u32,
        cpu: u16,
        node: Option<u8>,
        at: Site,
        path: AllocPath,
        out: &mut dyn EventSink,
    ) -> Result<u64, OpError> {
        let local = node.unwrap_or_else(|| pages.machine.config().node_of_cpu(cpu));
        let (pfn, fresh, addr) = loop {
            let (pfn, fresh) = match self.caches[cache as usize].nodes[usize::from(local)].partial.front() {
                Some(&pfn) => (pfn, false),
                None => {
                    self.emit(pages.machine, out, Event::SlowPath { cache, cpu, step: SlowStep::NeedNewSlab });
                    (self.new_slab(pages, cache, cpu, local, out)?, true)
                }
            };
            let addr = self.slabs[&pfn].freelist;
            if self.caches[cache as usize].flags.has(CacheFlags::CHECKS) {
                // alloc_consistency_checks: the free object must still read as freed.
                let evs = self.check_object(pages.machine, cache, addr, false);
                if !evs.is_empty() {
                    for ev in evs {
                        self.emit(pages.machine, out, ev);
                    }
                    // alloc_debug_processing failed: "Marking all objects used"; the slab leaves
                    // the partial list (alloc_single_from_partial: remove_partial) and
                    // get_from_partial_node tries the next partial slab, then a new slab.
                    if !fresh {
                        self.emit(pages.machine, out, Event::NodePartialRemove { cache, node: local, pfn });
                    }
                    self.emit(pages.machine, out, Event::SlabDisabled { cache, pfn });
                    if fresh {
                        // A new slab is initialised from scratch: its check cannot fail twice.
                        return Err(OpError::OutOfMemory { order: self.caches[cache as usize].order });
                    }
                    continue;
                }
            }
            break (pfn, fresh, addr);
        };
        // The next free pointer is read from the object's memory, which a `write` may have
        // overwritten (without `F` no check_object ran). A pointer outside this slab is cut as
        // `on_freelist` does ("Freechain corrupt", `set_freepointer(s, object, NULL)`): the rest
        // of the chain is lost and no later allocation follows the bad pointer.
        let next = self.get_freepointer(pages.machine, cache, addr);
        let objects = self.slabs[&pfn].objects;
        if next != 0 && self.caches[cache as usize].object_index(pfn, objects, next).is_none() {
            let report = self.bug_report(pages.machine, cache, pfn, Some(addr), self.bad_page);
            self.emit(pages.machine, out, Event::FreelistCut { cache, pfn, addr, cut: CutKind::Freechain, report });
        }
        self.emit(pages.machine, out, Event::ObjectAlloc { cache, cpu, addr, path, site: at.line });
        if self.caches[cache as usize].flags.debug() {
            let orig_size = at.orig_size;
            self.emit(
                pages.machine,
                out,
                Event::ObjectInit { cache, addr, active: true, cpu, site: at.line, orig_size },
            );
        }
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
    pub fn free(
        &mut self,
        pages: &mut PageCtx<'_>,
        cache: u32,
        cpu: u16,
        addr: u64,
        site: u32,
        out: &mut dyn EventSink,
    ) {
        let Some(s) = self.slab_of(addr).cloned() else { return };
        let c = &self.caches[cache as usize];
        if c.flags.debug() {
            // free_debug_processing: check the live object (F), then mark it freed. A failed
            // check leaks the object: "Object at 0x… not freed".
            if c.flags.has(CacheFlags::CHECKS) {
                if s.disabled {
                    // check_slab: the slab was disabled by a failed allocation check.
                    let report = Some(self.bug_report(pages.machine, cache, s.pfn, None, self.bad_page));
                    self.emit(pages.machine, out, Event::FreeRefused { cache, addr, report });
                    return;
                }
                let evs = self.check_object(pages.machine, cache, addr, true);
                if !evs.is_empty() {
                    for ev in evs {
                        self.emit(pages.machine, out, ev);
                    }
                    self.emit(pages.machine, out, Event::FreeRefused { cache, addr, report: None });
                    return;
                }
            }
            self.emit(pages.machine, out, Event::ObjectInit { cache, addr, active: false, cpu, site, orig_size: 0 });
        }
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
                self.discard(pages, Some(cpu), s.pfn, out);
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
            self.discard(pages, Some(cpu), s.pfn, out);
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
                self.discard(pages, Some(cpu), pfn, out);
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
            self.discard(pages, Some(cpu), pfn, out);
        } else if s.freelist != 0 {
            self.emit(pages.machine, out, Event::NodePartialAdd { cache, node, pfn, tail: remote_frees });
        }
    }

    /// `discard_slab`: give the slab's pages back to the page allocator, from `cpu` (the CPU
    /// doing the free: `__free_slab` → `free_frozen_pages` puts them on that CPU's pcp list).
    /// `None` (cache destroy and shrink, which run on no particular CPU here): the first CPU of
    /// the slab's node.
    fn discard(&mut self, pages: &mut PageCtx<'_>, cpu: Option<u16>, pfn: u32, out: &mut dyn EventSink) {
        let s = self.slabs[&pfn].clone();
        self.emit(pages.machine, out, Event::SlabDiscard { cache: s.cache, node: s.node, pfn, objects: s.objects });
        let cpu = cpu.unwrap_or_else(|| pages.machine.config().cpus_of_node(s.node).next().unwrap_or(0));
        pages.free(cpu, pfn, out);
    }

    // ---- slub_debug ------------------------------------------------------------------------

    pub(crate) fn info_end(l: &Layout) -> u32 {
        if l.freeptr_outside() {
            l.inuse + WORD
        } else {
            l.inuse
        }
    }

    /// The kmalloc request size stored after the tracks (store-user kmalloc caches), else the
    /// object size (`ksize`).
    pub fn orig_size(&self, m: &Machine, cache: u32, obj: u64) -> u32 {
        let c = &self.caches[cache as usize];
        if !(c.flags.has(CacheFlags::USER) && c.flags.has(CacheFlags::KMALLOC)) {
            return c.layout.object_size;
        }
        let mut b = [0u8; 4];
        m.mem.read(phys(obj + u64::from(Self::info_end(&c.layout) + 2 * TRACK_SIZE)), &mut b);
        u32::from_le_bytes(b)
    }

    /// `init_object` (+ `set_track` and `set_orig_size` when `track` is given): red zones,
    /// poison, the alloc or free track and the request size, written into simulated memory.
    fn init_object(&self, m: &mut Machine, cache: u32, obj: u64, active: bool, track: Option<(u16, u32, u32)>) {
        let c = &self.caches[cache as usize];
        let l = c.layout;
        let val = if active { RED_ACTIVE } else { RED_INACTIVE };
        let kmalloc_user = c.flags.has(CacheFlags::USER) && c.flags.has(CacheFlags::KMALLOC);
        if let Some((cpu, site, orig)) = track {
            if c.flags.has(CacheFlags::USER) {
                // struct track { addr; handle; cpu; pid; when }: the script line stands for addr.
                let mut t = [0u8; TRACK_SIZE as usize];
                t[0..8].copy_from_slice(&u64::from(site).to_le_bytes());
                t[12..16].copy_from_slice(&u32::from(cpu).to_le_bytes());
                let at = obj + u64::from(Self::info_end(&l)) + if active { 0 } else { u64::from(TRACK_SIZE) };
                m.mem.write(phys(at), &t);
            }
            if kmalloc_user && active {
                let at = obj + u64::from(Self::info_end(&l) + 2 * TRACK_SIZE);
                m.mem.write(phys(at), &orig.to_le_bytes());
            }
        }
        let mut poison_size = l.object_size;
        if c.flags.has(CacheFlags::REDZONE) {
            m.mem.write(phys(obj - u64::from(l.red_left_pad)), &vec![val; l.red_left_pad as usize]);
            if kmalloc_user && active {
                poison_size = self.orig_size(m, cache, obj).min(l.object_size);
            }
        }
        if c.flags.has(CacheFlags::POISON) && poison_size > 0 {
            let mut p = vec![POISON_FREE; poison_size as usize];
            *p.last_mut().expect("non-empty") = POISON_END;
            m.mem.write(phys(obj), &p);
        }
        if c.flags.has(CacheFlags::REDZONE) && l.inuse > poison_size {
            m.mem.write(phys(obj + u64::from(poison_size)), &vec![val; (l.inuse - poison_size) as usize]);
        }
    }

    /// The slab's base address (`slab_address`).
    fn slab_base(pfn: u32) -> u64 {
        virt(u64::from(pfn) << PAGE_SHIFT)
    }

    /// `print_slab_info`: the slab as it is now.
    fn slab_info(&self, pfn: u32) -> SlabInfo {
        let s = &self.slabs[&pfn];
        SlabInfo { pfn, order: s.order, node: s.node, objects: s.objects, inuse: s.inuse, freelist: s.freelist }
    }

    /// End of the metadata after the object, as `check_pad_bytes` and `print_trailer` compute
    /// it: `get_info_end` + the two tracks (+ `orig_size` for kmalloc caches), from the object.
    fn metadata_end(c: &Cache) -> u32 {
        let mut off = Self::info_end(&c.layout);
        if c.flags.has(CacheFlags::USER) {
            off += 2 * TRACK_SIZE + if c.flags.has(CacheFlags::KMALLOC) { 4 } else { 0 };
        }
        off
    }

    /// `size_from_object`: the slot without the left red zone.
    fn size_from_object(l: &Layout) -> u32 {
        l.size - l.red_left_pad
    }

    /// One `slab_bug` block: for `object_err` (`obj` given: `print_trailer`, whose bytes are
    /// read now, before any FIX) or `slab_err` (`print_slab_info` only).
    fn bug_report(&self, m: &Machine, cache: u32, pfn: u32, obj: Option<u64>, tainted: bool) -> Box<BugReport> {
        let c = &self.caches[cache as usize];
        let l = c.layout;
        let base = Self::slab_base(pfn);
        let object = obj.filter(|&o| c.object_index(pfn, self.slabs[&pfn].objects, o).is_some()).map(|o| {
            let lead = if c.flags.has(CacheFlags::REDZONE) {
                u64::from(l.red_left_pad)
            } else if o > base + 16 {
                16
            } else {
                0
            };
            let from = o - lead;
            let mut bytes = vec![0u8; (lead + u64::from(Self::size_from_object(&l))) as usize];
            m.mem.read(phys(from), &mut bytes);
            ObjectDump { addr: o, offset: o - base, fp: self.get_freepointer(m, cache, o), from, bytes }
        });
        Box::new(BugReport { tainted, slab: self.slab_info(pfn), object })
    }

    /// `check_bytes_and_report`: the extent of bytes in `[start, start+len)` differing from `val`
    /// (`@offset=` from the slab's base address). With `report`, the `object_err` block for the
    /// first failed check of the object is attached.
    #[allow(clippy::too_many_arguments)]
    fn check_bytes(
        &self,
        m: &Machine,
        cache: u32,
        obj: u64,
        what: Corruption,
        start: u64,
        len: u32,
        val: u8,
        tainted: &mut bool,
        first_failure: bool,
    ) -> Option<Event> {
        let mut b = vec![0u8; len as usize];
        m.mem.read(phys(start), &mut b);
        let first = b.iter().position(|&x| x != val)?;
        let last = b.iter().rposition(|&x| x != val).unwrap_or(first);
        let pfn = self.slab_of(obj).map_or(0, |s| s.pfn);
        let fault = start + first as u64;
        let report = (first_failure && self.slabs.contains_key(&pfn)).then(|| {
            let r = self.bug_report(m, cache, pfn, Some(obj), *tainted);
            *tainted = true;
            r
        });
        Some(Event::CorruptBytes {
            cache,
            addr: obj,
            what,
            start: fault,
            len: (last - first + 1) as u32,
            first: b[first],
            expected: val,
            offset: fault.saturating_sub(Self::slab_base(pfn)),
            report,
        })
    }

    /// `check_object`: what slub_debug would report for `obj` (allocated when `active`), in
    /// Linux's order: left, right and kmalloc red zones (or alignment padding), poison, object
    /// padding, then the free pointer.
    pub fn check_object(&self, m: &Machine, cache: u32, obj: u64, active: bool) -> Vec<Event> {
        let mut tainted = self.bad_page;
        self.check_object_tainted(m, cache, obj, active, &mut tainted)
    }

    fn check_object_tainted(&self, m: &Machine, cache: u32, obj: u64, active: bool, tainted: &mut bool) -> Vec<Event> {
        let c = &self.caches[cache as usize];
        let l = c.layout;
        let val = if active { RED_ACTIVE } else { RED_INACTIVE };
        let mut out: Vec<Event> = Vec::new();
        let end = obj + u64::from(l.object_size);
        let mut check = |out: &mut Vec<Event>, what, start, len, val| {
            let first_failure = out.is_empty();
            out.extend(self.check_bytes(m, cache, obj, what, start, len, val, tainted, first_failure));
        };
        if c.flags.has(CacheFlags::REDZONE) {
            let left = obj.saturating_sub(u64::from(l.red_left_pad));
            check(&mut out, Corruption::LeftRedzone, left, l.red_left_pad, val);
            if l.inuse > l.object_size {
                check(&mut out, Corruption::RightRedzone, end, l.inuse - l.object_size, val);
            }
            if active && c.flags.has(CacheFlags::USER) && c.flags.has(CacheFlags::KMALLOC) {
                let orig = self.orig_size(m, cache, obj);
                if orig < l.object_size {
                    check(&mut out, Corruption::KmallocRedzone, obj + u64::from(orig), l.object_size - orig, val);
                }
            }
        } else if c.flags.has(CacheFlags::POISON) && l.object_size < l.inuse {
            check(&mut out, Corruption::AlignmentPadding, end, l.inuse - l.object_size, POISON_INUSE);
        }
        if c.flags.has(CacheFlags::POISON) {
            if !active && l.object_size > 0 {
                check(&mut out, Corruption::Poison, obj, l.object_size - 1, POISON_FREE);
                check(&mut out, Corruption::EndPoison, end - 1, 1, POISON_END);
            }
            let off = Self::metadata_end(c);
            let pad_end = Self::size_from_object(&l);
            if pad_end > off {
                check(&mut out, Corruption::ObjectPadding, obj + u64::from(off), pad_end - off, POISON_INUSE);
            }
        }
        if l.freeptr_outside() || !active {
            let fp = self.get_freepointer(m, cache, obj);
            if let Some(s) = self.slab_of(obj) {
                if fp != 0 && c.object_index(s.pfn, s.objects, fp).is_none() {
                    // object_err(s, slab, p, "Freepointer corrupt"); set_freepointer(s, p, NULL)
                    let report = self.bug_report(m, cache, s.pfn, Some(obj), *tainted);
                    *tainted = true;
                    out.push(Event::FreelistCut { cache, pfn: s.pfn, addr: obj, cut: CutKind::Object, report });
                }
            }
        }
        out
    }

    /// How many errors Linux's KUnit hook (`slab_add_kunit_errors`) counts for a debug event:
    /// one per `object_err`, `slab_err` and `slab_fix`, and one for the `[… overwritten]` line
    /// of `check_bytes_and_report` (whose `object_err` is skipped under KUnit).
    pub fn kunit_errors(ev: &Event) -> u32 {
        match ev {
            Event::CorruptBytes { .. } | Event::InuseFixed { .. } => 2,
            Event::FreelistCut { cut: CutKind::Freechain | CutKind::Object, .. } => 1,
            Event::FreelistCut { cut: CutKind::Head | CutKind::Cycle, .. } => 2,
            Event::SlabDisabled { .. } => 1,
            Event::FreeRefused { report, .. } => 1 + u32::from(report.is_some()),
            _ => 0,
        }
    }

    /// `on_freelist(s, slab, NULL)`: walk the slab's freelist; the events that report and repair
    /// what it finds. Returns false when the walk cleared the freelist (corrupt head or cycle):
    /// `validate_slab` then checks no object of this slab.
    fn on_freelist(&self, m: &Machine, cache: u32, pfn: u32, tainted: &mut bool, evs: &mut Vec<Event>) -> bool {
        let s = &self.slabs[&pfn];
        let c = &self.caches[cache as usize];
        let mut nr = 0u32;
        let mut object: Option<u64> = None;
        let mut fp = s.freelist;
        while fp != 0 && nr <= s.objects {
            if c.object_index(pfn, s.objects, fp).is_none() {
                let report = self.bug_report(m, cache, pfn, object, *tainted);
                *tainted = true;
                match object {
                    Some(addr) => {
                        evs.push(Event::FreelistCut { cache, pfn, addr, cut: CutKind::Freechain, report });
                        break;
                    }
                    None => {
                        evs.push(Event::FreelistCut { cache, pfn, addr: 0, cut: CutKind::Head, report });
                        return false;
                    }
                }
            }
            object = Some(fp);
            fp = self.get_freepointer(m, cache, fp);
            nr += 1;
        }
        if nr > s.objects {
            let report = self.bug_report(m, cache, pfn, None, *tainted);
            *tainted = true;
            evs.push(Event::FreelistCut { cache, pfn, addr: 0, cut: CutKind::Cycle, report });
            return false;
        }
        if s.inuse != s.objects - nr {
            let report = self.bug_report(m, cache, pfn, None, *tainted);
            *tainted = true;
            evs.push(Event::InuseFixed { cache, pfn, counter: s.inuse, counted: s.objects - nr, report });
        }
        true
    }

    /// `validate_slab_cache`: flush the cpu slabs, then `validate_slab` every slab on the node
    /// partial lists (in list order) and, when the cache stores users, the full slabs:
    /// `on_freelist`, then each object until the first corrupt one. Problems are reported and
    /// repaired as Linux does; a clean cache prints nothing. Returns the KUnit error count.
    pub fn validate(&mut self, pages: &mut PageCtx<'_>, cache: u32, out: &mut dyn EventSink) -> u32 {
        self.flush_all(pages, cache, out);
        let c = &self.caches[cache as usize];
        let user = c.flags.has(CacheFlags::USER);
        let mut pfns: Vec<u32> = Vec::new();
        for (node, n) in c.nodes.iter().enumerate() {
            pfns.extend(n.partial.iter().copied());
            if user {
                pfns.extend(
                    self.slabs
                        .values()
                        .filter(|s| {
                            s.cache == cache && s.place == SlabPlace::Full && !s.disabled && usize::from(s.node) == node
                        })
                        .map(|s| s.pfn),
                );
            }
        }
        let mut errors = 0;
        for pfn in pfns {
            let mut tainted = self.bad_page;
            let mut evs = Vec::new();
            let ok = self.on_freelist(pages.machine, cache, pfn, &mut tainted, &mut evs);
            for ev in evs {
                errors += Self::kunit_errors(&ev);
                self.emit(pages.machine, out, ev);
            }
            if !ok {
                continue;
            }
            let s = &self.slabs[&pfn];
            let free = self.walk_freelist(pages.machine, cache, pfn, s.freelist);
            for i in 0..s.objects {
                let obj = self.caches[cache as usize].object_addr(pfn, i);
                let mut tainted = self.bad_page;
                let evs = self.check_object_tainted(pages.machine, cache, obj, !free.contains(&obj), &mut tainted);
                if evs.is_empty() {
                    continue;
                }
                for ev in evs {
                    errors += Self::kunit_errors(&ev);
                    self.emit(pages.machine, out, ev);
                }
                break;
            }
        }
        self.emit(pages.machine, out, Event::Validated { cache, errors });
        errors
    }

    /// The kernel-log text slub_debug prints for a debug event (`None` for other events), as
    /// mm/slub.c prints it: `check_bytes_and_report`, `slab_bug`, `print_trailer`,
    /// `print_section`, `slab_fix`. Not printed: the `WARN_ON(1)` stack dump that follows each
    /// report, and the stack-depot traces of the tracks (the track's caller is the script line).
    pub fn debug_text(&self, ev: &Event) -> Option<String> {
        let name = |cache: u32| self.cache_name(cache).to_string();
        Some(match ev {
            Event::CorruptBytes { cache, addr, what, start, len, first, expected, offset, report } => {
                let (name, w) = (name(*cache), what.linux_name());
                let end = start + u64::from(*len) - 1;
                let mut t = format!(
                    "[{w} overwritten] 0x{start:016x}-0x{end:016x} @offset={offset}. First byte {first:#x} instead of {expected:#x}\n"
                );
                if let Some(r) = report {
                    t += &self.render_bug(*cache, "Object corrupt", r, Some(*addr));
                }
                t += &format!("FIX {name}: Restoring {w} 0x{start:016x}-0x{end:016x}={expected:#x}\n");
                t
            }
            Event::FreelistCut { cache, addr, cut: kind, report, .. } => match kind {
                CutKind::Freechain => self.render_bug(*cache, "Freechain corrupt", report, Some(*addr)),
                CutKind::Object => self.render_bug(*cache, "Freepointer corrupt", report, Some(*addr)),
                CutKind::Head => {
                    self.render_bug(*cache, "Freepointer corrupt", report, None)
                        + &format!("FIX {}: Freelist cleared\n", name(*cache))
                }
                CutKind::Cycle => {
                    self.render_bug(*cache, "Freelist cycle detected", report, None)
                        + &format!("FIX {}: Freelist cleared\n", name(*cache))
                }
            },
            Event::InuseFixed { cache, counter, counted, report, .. } => {
                let reason = format!("Wrong object count. Counter is {counter} but counted were {counted}");
                self.render_bug(*cache, &reason, report, None)
                    + &format!("FIX {}: Object count adjusted\n", name(*cache))
            }
            Event::SlabDisabled { cache, .. } => format!("FIX {}: Marking all objects used\n", name(*cache)),
            Event::FreeRefused { cache, addr, report } => {
                let mut t = String::new();
                if let Some(r) = report {
                    t +=
                        &self.render_bug(*cache, "Slab disabled since SLUB metadata consistency check failed", r, None);
                }
                t + &format!("FIX {}: Object at 0x{addr:016x} not freed\n", name(*cache))
            }
            _ => return None,
        })
    }

    /// `slab_bug` (+ `print_trailer` for `object_err`, `print_slab_info` for `slab_err`).
    fn render_bug(&self, cache: u32, reason: &str, r: &BugReport, _obj: Option<u64>) -> String {
        // print_tainted(): one character per taint flag; every report adds TAINT_BAD_PAGE ('B')
        // and its WARN_ON(1) adds TAINT_WARN ('W'); 'G' stands for no proprietary module.
        const TAINTED: &str = "Tainted: G    B   W          ";
        let c = &self.caches[cache as usize];
        let l = c.layout;
        let mut t = String::new();
        t += "=============================================================================\n";
        t += &format!("BUG {} ({}): {reason}\n", c.name, if r.tainted { TAINTED } else { "Not tainted" });
        t += "-----------------------------------------------------------------------------\n\n";
        let s = &r.slab;
        let slab_info = format!(
            "Slab 0x{:016x} objects={} used={} fp=0x{:016x} flags={}\n",
            VMEMMAP + u64::from(s.pfn) * STRUCT_PAGE,
            s.objects,
            s.inuse,
            s.freelist,
            page_flags(s.order, s.node)
        );
        let Some(o) = &r.object else {
            return t + &slab_info;
        };
        let at = |addr: u64, len: u64| -> &[u8] {
            let i = (addr - o.from) as usize;
            o.bytes.get(i..i + len as usize).unwrap_or(&[])
        };
        if c.flags.has(CacheFlags::USER) {
            let info_end = u64::from(Self::info_end(&l));
            for (i, what) in ["Allocated", "Freed"].iter().enumerate() {
                let tr = at(o.addr + info_end + i as u64 * u64::from(TRACK_SIZE), u64::from(TRACK_SIZE));
                let word = |k: usize, n: usize| {
                    tr.get(k..k + n).map_or(0, |b| b.iter().rev().fold(0u64, |a, &x| a << 8 | u64::from(x)))
                };
                let site = word(0, 8);
                if site != 0 {
                    // print_track: "%s in %pS age=%lu cpu=%u pid=%d"; the caller is the script line.
                    t += &format!("{what} in line {site} age=0 cpu={} pid=0\n", word(12, 4));
                }
            }
        }
        t += &slab_info;
        t += &format!("Object 0x{:016x} @offset={} fp=0x{:016x}\n\n", o.addr, o.offset, o.fp);
        let section = |t: &mut String, text: &str, addr: u64, len: u64| {
            for (row, chunk) in at(addr, len).chunks(16).enumerate() {
                let hex: Vec<String> = chunk.iter().map(|b| format!("{b:02x}")).collect();
                let ascii: String =
                    chunk.iter().map(|&b| if (0x20..0x7f).contains(&b) { b as char } else { '.' }).collect();
                *t += &format!("{text}{:016x}: {:<50}{ascii}\n", addr + row as u64 * 16, hex.join(" "));
            }
        };
        let obj = o.addr;
        if c.flags.has(CacheFlags::REDZONE) {
            section(&mut t, "Redzone  ", obj - u64::from(l.red_left_pad), u64::from(l.red_left_pad));
        } else if obj > o.from {
            section(&mut t, "Bytes b4 ", obj - 16, 16);
        }
        section(&mut t, "Object   ", obj, u64::from(l.object_size.min(PAGE_SIZE as u32)));
        if c.flags.has(CacheFlags::REDZONE) {
            section(&mut t, "Redzone  ", obj + u64::from(l.object_size), u64::from(l.inuse - l.object_size));
        }
        let off = Self::metadata_end(c);
        let end = Self::size_from_object(&l);
        if off < end {
            section(&mut t, "Padding  ", obj + u64::from(off), u64::from(end - off));
        }
        t
    }

    fn counts(&self, c: &Cache) -> (u64, u64, u64, u64, u64) {
        // (slabs, total objects, in-use objects as sysfs `objects`, node partial slabs, cpu slabs)
        let slabs: u64 = c.nodes.iter().map(|n| n.nr_slabs).sum();
        let total: u64 = c.nodes.iter().map(|n| n.total_objects).sum();
        let free: u64 = c
            .nodes
            .iter()
            .flat_map(|n| n.partial.iter())
            .map(|p| u64::from(self.slabs[p].objects - self.slabs[p].inuse))
            .sum();
        let partial: u64 = c.nodes.iter().map(|n| n.partial.len() as u64).sum();
        let cpu_slabs: u64 = c.cpus.iter().map(|cs| u64::from(cs.slab.is_some()) + cs.partial.len() as u64).sum();
        (slabs, total, total - free, partial, cpu_slabs)
    }

    /// `tools/mm/slabinfo` default output: one line per cache (aliases marked `*`).
    pub fn slabinfo_tool(&self) -> String {
        fn store_size(value: u64) -> String {
            let (divisor, trailer) = if value > 1_000_000_000 {
                (100_000_000, Some('G'))
            } else if value > 1_000_000 {
                (100_000, Some('M'))
            } else if value > 1000 {
                (100, Some('K'))
            } else {
                (1, None)
            };
            let mut s = (value / divisor).to_string();
            if let Some(t) = trailer {
                s.push(t);
                // Insert the decimal point before the last digit (the memmove in store_size).
                let n = s.len();
                s.insert(n - 2, '.');
            }
            s
        }
        let mut out =
            String::from("Name                   Objects Objsize           Space Slabs/Part/Cpu  O/S O %Fr %Ef Flg\n");
        let mut caches: Vec<&Cache> = self.caches.iter().filter(|c| !c.destroyed).collect();
        caches.sort_by(|a, b| a.name.cmp(&b.name));
        for c in caches {
            let (slabs, _total, objects, partial, cpu_slabs) = self.counts(c);
            let space = slabs * (PAGE_SIZE << c.order);
            let mut flags = String::new();
            for (on, ch) in [
                (c.refcount > 1, '*'),
                (c.flags.has(CacheFlags::HWCACHE), 'A'),
                (c.flags.has(CacheFlags::POISON), 'P'),
                (c.flags.has(CacheFlags::REDZONE), 'Z'),
                (c.flags.has(CacheFlags::CHECKS), 'F'),
                (c.flags.has(CacheFlags::USER), 'U'),
            ] {
                if on {
                    flags.push(ch);
                }
            }
            let dist = format!("{}/{}/{}", slabs.saturating_sub(cpu_slabs), partial, cpu_slabs);
            let fr = (partial * 100).checked_div(slabs).unwrap_or(100);
            let ef = if slabs > 0 { objects * u64::from(c.layout.object_size) * 100 / space } else { 100 };
            out.push_str(&format!(
                "{:<21} {:>8} {:>7} {:>15} {:>14} {:>4} {:>1} {:>3} {:>3} {}\n",
                c.name,
                objects,
                c.layout.object_size,
                store_size(space),
                dist,
                c.objects,
                c.order,
                fr,
                ef,
                flags
            ));
        }
        out
    }

    /// The attribute files of `/sys/kernel/slab/<cache>/`, as `file: value` lines.
    pub fn sysfs(&self, cache: u32) -> String {
        let c = &self.caches[cache as usize];
        let (slabs, total, objects, partial, cpu_slabs) = self.counts(c);
        let objects_partial: u64 =
            c.nodes.iter().flat_map(|n| n.partial.iter()).map(|p| u64::from(self.slabs[p].inuse)).sum();
        let b = |f: CacheFlags| u8::from(c.flags.has(f));
        let attrs: Vec<(&str, String)> = vec![
            ("aliases", (c.refcount - 1).to_string()),
            ("align", c.layout.align.to_string()),
            ("cpu_partial", c.cpu_partial.to_string()),
            ("cpu_slabs", cpu_slabs.to_string()),
            ("hwcache_align", b(CacheFlags::HWCACHE).to_string()),
            ("min_partial", c.min_partial.to_string()),
            ("object_size", c.layout.object_size.to_string()),
            ("objects", objects.to_string()),
            ("objects_partial", objects_partial.to_string()),
            ("objs_per_slab", c.objects.to_string()),
            ("order", c.order.to_string()),
            ("partial", partial.to_string()),
            ("poison", b(CacheFlags::POISON).to_string()),
            ("red_zone", b(CacheFlags::REDZONE).to_string()),
            ("sanity_checks", b(CacheFlags::CHECKS).to_string()),
            ("slab_size", c.layout.size.to_string()),
            ("slabs", slabs.to_string()),
            ("store_user", b(CacheFlags::USER).to_string()),
            ("total_objects", total.to_string()),
        ];
        let mut out = format!("/sys/kernel/slab/{}/\n", c.name);
        for (k, v) in attrs {
            out.push_str(&format!("{k}: {v}\n"));
        }
        out
    }

    /// `kmem_cache_shrink` on every cache: flush the per-CPU slabs, then free every empty slab
    /// on the node partial lists (whatever `min_partial` says). Returns the bytes released.
    pub fn shrink_all(&mut self, pages: &mut PageCtx<'_>, out: &mut dyn EventSink) -> u64 {
        // Counted as slab memory before minus after: flushing the per-CPU slabs may already
        // discard empty slabs (beyond `min_partial`), and those pages are released too.
        let slab_bytes = |slabs: &BTreeMap<u32, SlabRec>| slabs.values().map(|s| PAGE_SIZE << s.order).sum::<u64>();
        let before = slab_bytes(&self.slabs);
        for cache in 0..self.caches.len() as u32 {
            if self.caches[cache as usize].destroyed {
                continue;
            }
            self.flush_all(pages, cache, out);
            for node in 0..self.config.nodes {
                let empty: Vec<u32> = self.caches[cache as usize].nodes[usize::from(node)]
                    .partial
                    .iter()
                    .copied()
                    .filter(|p| self.slabs[p].inuse == 0)
                    .collect();
                for pfn in empty {
                    self.emit(pages.machine, out, Event::NodePartialRemove { cache, node, pfn });
                    self.discard(pages, None, pfn, out);
                }
            }
        }
        before - slab_bytes(&self.slabs)
    }

    /// Live objects grouped by cache and allocation site (script line), as a leak report.
    pub fn leak_report(&self) -> String {
        let mut by: BTreeMap<(u32, u32), u64> = BTreeMap::new();
        for (&addr, &site) in &self.sites {
            if let Some(s) = self.slab_of(addr) {
                *by.entry((s.cache, site)).or_default() += 1;
            }
        }
        let mut out = String::new();
        for ((cache, site), n) in by {
            out.push_str(&format!("{:<17} {n:>6} object(s) allocated at line {site}\n", self.cache_name(cache)));
        }
        if out.is_empty() {
            out.push_str("no live slab objects\n");
        }
        out
    }

    // ---- reporting -------------------------------------------------------------------------

    /// `/proc/slabinfo` in the kernel's format (newest cache first, kmalloc caches last).
    pub fn slabinfo(&self) -> String {
        let mut s = crate::slab::slabinfo_header();
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
            if self.tainted {
                continue; // freelists in memory may be corrupt on purpose
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
        if self.tainted {
            return Ok(());
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
