//! The AetherOS SLUB allocator (the design in the project's seed `000_*`): size classes, a
//! three-level hierarchy (global slab lists per node → per-CPU object caches filled and drained in
//! bulk → a per-CPU hot-object list), cache colouring, node-local slabs, release of empty slabs
//! past a threshold, and emergency shrinking.
//!
//! [`AetherEngine`] is the policy inside the simulation (`config slab=aether`), emitting
//! micro-events like every layer. [`Slub`] wraps an engine and its own small simulated machine
//! into the seed's library API (`init`, `allocate`, `free`, `create_cache`, …) with typed errors.
//!
//! Colouring follows the seed ("オブジェクト配置のオフセットをランダム化"): each new slab's colour
//! is drawn at random among the cache's colours, seeded by the machine's `seed`
//! ([`AetherEngine::draw_colour`]), so a run is reproducible.
//!
//! Two features the seed lists are deliberately not modelled beyond what is said here:
//! - *Slab merge* ("部分的に使用されているスラブの統合"): a kernel allocator cannot move live objects
//!   (callers hold raw pointers), so no partial slab is merged into another. Consolidation is
//!   what allocation order gives: refills take objects from partial slabs before empty ones,
//!   local node first, and empty slabs past the release threshold go back to the page allocator
//!   ("未使用スラブの積極的な回収").
//! - *Automatic node balancing* ("自動ノードバランシング"): new slabs come from the allocating CPU's
//!   node and refills fall back along that node's zonelist; nothing migrates slabs or objects
//!   between nodes afterwards.
//!
//! Layout of a slab: a 32-byte header (`b"AETHSLAB"`, cache id, objects, in-use count, colour,
//! first free object), then `colour` bytes, then the objects. A free object inside a slab holds
//! the address of the next free object in its first 8 bytes.
//!
//! Invariants ([`AetherEngine::check`]): every slab is on exactly one list of its node (empty,
//! partial or full) matching its in-use count; a slab's in-use count plus the length of its
//! freelist (read from memory) equals its object count; every object in a per-CPU cache or hot
//! list is an in-use object of that cache and appears only once; the header bytes match.

#![warn(missing_docs)]

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

pub use crate::event::Level;
use crate::event::{Event, EventSink};
pub use crate::machine::AetherConfig;
use crate::machine::{Machine, MachineConfig, Owner, PAGE_SHIFT, PAGE_SIZE};
use crate::page::addr::{phys, virt};
use crate::page::ctx::PageCtx;
use crate::slab_layout::{get_order, CacheFlags, CACHE_LINE};

/// The seed's size classes.
pub const SIZE_CLASSES: [u32; 11] = [8, 16, 32, 64, 128, 256, 512, 1024, 2048, 4096, 8192];
/// The largest object a cache may hold (`create_cache` refuses sizes above it): the largest
/// size class.
pub const MAX_SIZE: u32 = SIZE_CLASSES[SIZE_CLASSES.len() - 1];
/// Bytes of the slab header.
pub const HEADER: u32 = 32;
/// Capacity of each per-CPU hot-object list.
pub const HOT_LIST_SIZE: usize = 8;

/// The list a slab is on.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AetherList {
    /// No object in use.
    Empty,
    /// Some objects in use.
    Partial,
    /// Every object in use.
    Full,
}

/// A slab.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AetherSlab {
    /// Cache id.
    pub cache: u32,
    /// First page.
    pub pfn: u32,
    /// Order.
    pub order: u8,
    /// Node.
    pub node: u8,
    /// Object slots.
    pub objects: u32,
    /// Objects not on the slab's freelist (allocated or in a per-CPU cache).
    pub inuse: u32,
    /// First free object (0 = none).
    pub freelist: u64,
    /// Colour offset in bytes.
    pub colour: u32,
    /// The list it is on.
    pub list: AetherList,
}

/// Per-CPU part of a cache.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AetherCpu {
    /// The object cache (top = last).
    pub local: Vec<u64>,
    /// The hot list (newest first).
    pub hot: Vec<u64>,
    /// Allocations served by the hot list.
    pub hot_hits: u64,
    /// Allocations served by the object cache.
    pub local_hits: u64,
    /// Allocations that needed the global lists (refill or new slab).
    pub misses: u64,
    /// Frees.
    pub frees: u64,
}

/// A cache.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AetherCache {
    /// Id.
    pub id: u32,
    /// Name.
    pub name: String,
    /// Object size (rounded to the alignment).
    pub size: u32,
    /// Requested size.
    pub object_size: u32,
    /// Alignment.
    pub align: u32,
    /// Flags.
    pub flags: CacheFlags,
    /// Slab order.
    pub order: u8,
    /// Objects per slab (the largest colour is kept free).
    pub objects: u32,
    /// Colour of the next slab, per node.
    pub colour_next: Vec<u32>,
    /// Number of colours.
    pub colours: u32,
    /// Bytes between colours: the cache line, or the alignment when larger.
    pub colour_step: u32,
    /// Per CPU.
    pub cpus: Vec<AetherCpu>,
    /// Slabs per node and list: (empty, partial, full).
    pub lists: Vec<[Vec<u32>; 3]>,
    /// Objects handed out.
    pub live: u64,
    /// A size-class cache (used by `allocate`).
    pub size_class: bool,
    /// Destroyed.
    pub destroyed: bool,
}

impl AetherCache {
    /// Address of object `i` of a slab at `pfn` with `colour`.
    pub fn object_addr(&self, pfn: u32, colour: u32, i: u32) -> u64 {
        virt((u64::from(pfn) << PAGE_SHIFT) + u64::from(self.first_offset() + colour) + u64::from(i * self.size))
    }
    fn first_offset(&self) -> u32 {
        HEADER.next_multiple_of(self.align.min(PAGE_SIZE as u32))
    }
    fn index(&self, slab: &AetherSlab, addr: u64) -> Option<u32> {
        let base = self.object_addr(slab.pfn, slab.colour, 0);
        let off = addr.checked_sub(base)?;
        (off % u64::from(self.size) == 0 && off / u64::from(self.size) < u64::from(slab.objects))
            .then(|| (off / u64::from(self.size)) as u32)
    }
}

fn list_idx(l: AetherList) -> usize {
    match l {
        AetherList::Empty => 0,
        AetherList::Partial => 1,
        AetherList::Full => 2,
    }
}

/// The engine: every cache, slab and per-CPU list.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AetherEngine {
    /// Configuration.
    pub config: AetherConfig,
    caches: Vec<AetherCache>,
    by_name: BTreeMap<String, u32>,
    slabs: BTreeMap<u32, AetherSlab>,
    cpus: u16,
    nodes: u8,
    /// Seed of the colour choice (the machine's `seed`).
    seed: u64,
    /// Colours drawn so far (the counter that makes each draw different).
    colour_draws: u64,
}

/// Errors of the AetherOS allocator.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AetherError {
    /// Size 0 or above the largest class.
    InvalidSize {
        /// The size asked for.
        size: usize,
    },
    /// Alignment not a power of two, or above a page.
    InvalidAlign {
        /// The alignment asked for.
        align: usize,
    },
    /// The page allocator has no free block of `order` pages (the order a slab of the cache
    /// takes; what the page allocator refused).
    OutOfMemory {
        /// The order asked of the page allocator.
        order: u8,
    },
    /// No such cache.
    UnknownCache,
    /// A cache of that name exists.
    DuplicateName,
    /// The cache still has live objects.
    CacheBusy {
        /// Objects still allocated.
        live: u64,
    },
    /// The address is not a live object of that cache / size.
    InvalidFree {
        /// The address given.
        addr: usize,
    },
}

impl std::fmt::Display for AetherError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            AetherError::InvalidSize { size } => write!(f, "size {size} is not in 1..={MAX_SIZE}"),
            AetherError::InvalidAlign { align } => write!(f, "alignment {align} is not a power of two up to 4096"),
            AetherError::OutOfMemory { order } => write!(f, "out of memory (no free block of order {order})"),
            AetherError::UnknownCache => write!(f, "no such cache"),
            AetherError::DuplicateName => write!(f, "a cache of that name exists"),
            AetherError::CacheBusy { live } => write!(f, "the cache still has {live} live object(s)"),
            AetherError::InvalidFree { addr } => write!(f, "{addr:#x} is not a live object of this cache"),
        }
    }
}

impl std::error::Error for AetherError {}

impl AetherEngine {
    /// An engine with one cache per size class (`size-8` … `size-8192`).
    pub fn new(machine: &MachineConfig, config: AetherConfig) -> AetherEngine {
        let mut e = AetherEngine {
            config,
            caches: Vec::new(),
            by_name: BTreeMap::new(),
            slabs: BTreeMap::new(),
            cpus: machine.cpus,
            nodes: machine.nodes,
            seed: machine.seed,
            colour_draws: 0,
        };
        for size in SIZE_CLASSES {
            e.make_cache(format!("size-{size}"), size, size.min(CACHE_LINE), CacheFlags::default(), true);
        }
        e
    }

    /// The seed's colouring: "オブジェクト配置のオフセットをランダム化" — the colour of the next
    /// new slab is drawn at random (seeded by the machine's `seed`, so runs are reproducible)
    /// among the `colours` offsets `0, step, 2 * step, …`. Drawn when a cache is made and after
    /// each new slab, in event application, so replays draw the same colours.
    pub(crate) fn draw_colour(&mut self, colours: u32, step: u32) -> u32 {
        self.colour_draws += 1;
        let mut r = crate::rng::Rng::new(self.seed ^ self.colour_draws.wrapping_mul(0x2545_f491_4f6c_dd1d));
        r.below(u64::from(colours.max(1))) as u32 * step
    }

    fn make_cache(&mut self, name: String, size: u32, align: u32, flags: CacheFlags, size_class: bool) -> u32 {
        let align = align.max(8).next_power_of_two();
        let rounded = size.next_multiple_of(align).max(8);
        let mut order = 0;
        while (PAGE_SIZE << order) < u64::from(HEADER + rounded) * 8 && order < 3 {
            order += 1;
        }
        let slab = (PAGE_SIZE << order) as u32;
        let first = HEADER.next_multiple_of(align.min(PAGE_SIZE as u32));
        let usable = slab.saturating_sub(first);
        let step = CACHE_LINE.max(align);
        let max_colour = (self.config.max_color_offset / step * step).min(usable / 2);
        let leftover = |colours: u32| usable.saturating_sub((colours.saturating_sub(1)) * step);
        // Reserve room for every colour: objects = (usable - largest colour) / size.
        let colours = (max_colour / step + 1).max(1);
        let objects = (leftover(colours) / rounded).max(1);
        let id = self.caches.len() as u32;
        let colour_next = (0..self.nodes).map(|_| self.draw_colour(colours, step)).collect();
        self.caches.push(AetherCache {
            id,
            name: name.clone(),
            size: rounded,
            object_size: size,
            align,
            flags,
            order,
            objects,
            colour_next,
            colours,
            colour_step: step,
            cpus: vec![AetherCpu::default(); usize::from(self.cpus)],
            lists: vec![Default::default(); usize::from(self.nodes)],
            live: 0,
            size_class,
            destroyed: false,
        });
        self.by_name.insert(name, id);
        id
    }

    /// Per-CPU rows (see [`crate::slab::rows`]): each CPU's hot list and object cache of every
    /// live cache.
    pub fn cpu_rows(&self) -> Vec<crate::slab::rows::CpuRow> {
        use crate::slab::rows::{ArrayKind, CounterKind, CpuRow, ObjectArray};
        let live = self.caches.iter().filter(|c| !c.destroyed);
        live.flat_map(|c| {
            c.cpus.iter().enumerate().map(|(cpu, a)| CpuRow {
                arrays: vec![
                    ObjectArray { kind: ArrayKind::HotList, objects: Some(a.hot.clone()), limit: None },
                    ObjectArray { kind: ArrayKind::ObjectCache, objects: Some(a.local.clone()), limit: None },
                ],
                counters: vec![
                    (CounterKind::HotHits, a.hot_hits),
                    (CounterKind::LocalHits, a.local_hits),
                    (CounterKind::Misses, a.misses),
                ],
                ..CpuRow::new(c.id, cpu as u16)
            })
        })
        .collect()
    }

    /// Caches by id.
    pub fn caches(&self) -> &[AetherCache] {
        &self.caches
    }
    /// Slabs by pfn.
    pub fn slabs(&self) -> &BTreeMap<u32, AetherSlab> {
        &self.slabs
    }
    /// The cache named `name`.
    pub fn cache_by_name(&self, name: &str) -> Option<u32> {
        self.by_name.get(name).copied().filter(|&i| !self.caches[i as usize].destroyed)
    }
    /// The size-class cache serving `size`.
    pub fn class_for(&self, size: u32) -> Option<u32> {
        let class = SIZE_CLASSES.iter().copied().find(|&c| c >= size)?;
        self.cache_by_name(&format!("size-{class}"))
    }
    /// Name of cache `id`.
    pub fn cache_name(&self, id: u32) -> &str {
        self.caches.get(id as usize).map_or("?", |c| c.name.as_str())
    }

    fn slab_of(&self, addr: u64) -> Option<&AetherSlab> {
        let pfn = (phys(addr) >> PAGE_SHIFT) as u32;
        let (_, s) = self.slabs.range(..=pfn).next_back()?;
        (pfn < s.pfn + (1 << s.order)).then_some(s)
    }

    /// The slab's freelist at `pfn`, in order (read from memory; stops at a foreign pointer).
    pub fn walk_freelist(&self, m: &Machine, pfn: u32) -> Vec<u64> {
        let Some(s) = self.slabs.get(&pfn) else { return Vec::new() };
        let c = &self.caches[s.cache as usize];
        let mut out = Vec::new();
        let mut p = s.freelist;
        while p != 0 && out.len() < s.objects as usize && c.index(s, p).is_some() {
            out.push(p);
            p = Self::read_next(m, p);
        }
        out
    }

    fn read_next(m: &Machine, obj: u64) -> u64 {
        let mut b = [0u8; 8];
        m.mem.read(phys(obj), &mut b);
        u64::from_le_bytes(b)
    }

    fn write_header(&self, m: &mut Machine, pfn: u32) {
        let s = &self.slabs[&pfn];
        let mut h = [0u8; HEADER as usize];
        h[0..8].copy_from_slice(b"AETHSLAB");
        h[8..12].copy_from_slice(&s.cache.to_le_bytes());
        h[12..16].copy_from_slice(&s.objects.to_le_bytes());
        h[16..20].copy_from_slice(&s.inuse.to_le_bytes());
        h[20..24].copy_from_slice(&s.colour.to_le_bytes());
        h[24..32].copy_from_slice(&s.freelist.to_le_bytes());
        m.mem.write(u64::from(pfn) << PAGE_SHIFT, &h);
    }

    fn relist(&mut self, pfn: u32) {
        let s = &self.slabs[&pfn];
        let want = if s.inuse == 0 {
            AetherList::Empty
        } else if s.inuse == s.objects {
            AetherList::Full
        } else {
            AetherList::Partial
        };
        if want != s.list {
            let (cache, node, old) = (s.cache, s.node, s.list);
            let lists = &mut self.caches[cache as usize].lists[usize::from(node)];
            lists[list_idx(old)].retain(|&p| p != pfn);
            lists[list_idx(want)].push(pfn);
            self.slabs.get_mut(&pfn).expect("slab").list = want;
        }
    }

    /// Take the first free object of a slab (slab freelist in memory).
    fn take_from_slab(&mut self, m: &mut Machine, pfn: u32) -> u64 {
        let head = self.slabs[&pfn].freelist;
        let next = Self::read_next(m, head);
        let s = self.slabs.get_mut(&pfn).expect("slab");
        s.freelist = next;
        s.inuse += 1;
        self.relist(pfn);
        self.write_header(m, pfn);
        head
    }

    /// Is `p` an object of slab `pfn` that no per-CPU list holds?
    fn free_candidate(&self, pfn: u32, p: u64) -> bool {
        let Some(s) = self.slabs.get(&pfn) else { return false };
        let c = &self.caches[s.cache as usize];
        c.index(s, p).is_some() && !c.cpus.iter().any(|cs| cs.local.contains(&p) || cs.hot.contains(&p))
    }

    /// After a `write` (tainted): cut the freelist of slab `pfn` if it leaves the slab, loops or
    /// reaches an object a per-CPU list holds. After a `write` (the machine's taint, `Machine::tainted`)
    /// freelists read from object memory can no longer be trusted: walks stop at a pointer that
    /// is not a free object of its slab, and such a slab is cut: freelist cleared, every object
    /// counted used (what `alloc_debug_processing` does with a bad slab: "Marking all objects
    /// used"). The checker then skips the freelist rules.
    fn sanitize(&mut self, m: &mut Machine, pfn: u32) {
        let Some(s) = self.slabs.get(&pfn) else { return };
        let (mut p, objects) = (s.freelist, s.objects);
        let mut seen = std::collections::BTreeSet::new();
        let mut broken = false;
        while p != 0 {
            if !self.free_candidate(pfn, p) || !seen.insert(p) || seen.len() > objects as usize {
                broken = true;
                break;
            }
            p = Self::read_next(m, p);
        }
        if broken {
            let s = self.slabs.get_mut(&pfn).expect("slab");
            s.freelist = 0;
            s.inuse = s.objects;
            self.relist(pfn);
            self.write_header(m, pfn);
        }
    }

    fn give_to_slab(&mut self, m: &mut Machine, addr: u64) {
        let pfn = self.slab_of(addr).expect("object in a slab").pfn;
        let old = self.slabs[&pfn].freelist;
        m.mem.write(phys(addr), &old.to_le_bytes());
        let s = self.slabs.get_mut(&pfn).expect("slab");
        s.freelist = addr;
        s.inuse -= 1;
        self.relist(pfn);
        self.write_header(m, pfn);
    }

    /// Apply an AetherOS event.
    pub fn apply(&mut self, m: &mut Machine, ev: &Event) {
        match ev {
            Event::AetherCacheCreated { label, size, align, flags, .. } => {
                self.make_cache(label.clone(), *size, *align, *flags, false);
            }
            Event::AetherCacheDestroyed { cache } => {
                let c = &mut self.caches[*cache as usize];
                c.destroyed = true;
                let name = c.name.clone();
                self.by_name.remove(&name);
            }
            &Event::AetherSlabNew { cache, node, pfn, order, colour } => {
                let (colours, step) = (self.caches[cache as usize].colours, self.caches[cache as usize].colour_step);
                let next = self.draw_colour(colours, step);
                self.caches[cache as usize].colour_next[usize::from(node)] = next;
                let c = &self.caches[cache as usize];
                let objects = c.objects;
                let addrs: Vec<u64> = (0..objects).map(|i| c.object_addr(pfn, colour, i)).collect();
                for (k, &a) in addrs.iter().enumerate() {
                    m.mem.write(phys(a), &addrs.get(k + 1).copied().unwrap_or(0).to_le_bytes());
                }
                let slab = AetherSlab {
                    cache,
                    pfn,
                    order,
                    node,
                    objects,
                    inuse: 0,
                    freelist: addrs[0],
                    colour,
                    list: AetherList::Empty,
                };
                self.slabs.insert(pfn, slab);
                self.caches[cache as usize].lists[usize::from(node)][0].push(pfn);
                self.write_header(m, pfn);
            }
            &Event::AetherSlabRelease { pfn, .. } => {
                let s = self.slabs.remove(&pfn).expect("slab");
                self.caches[s.cache as usize].lists[usize::from(s.node)][list_idx(s.list)].retain(|&p| p != pfn);
            }
            Event::AetherRefill { cache, cpu, objects, .. } => {
                let mut touched = Vec::new();
                for &a in objects {
                    // The walk in `alloc` only hands out objects of slabs.
                    let Some(pfn) = self.slab_of(a).map(|s| s.pfn) else { continue };
                    let got = self.take_from_slab(m, pfn);
                    debug_assert_eq!(got, a);
                    self.caches[*cache as usize].cpus[usize::from(*cpu)].local.push(a);
                    touched.push(pfn);
                }
                if m.tainted() {
                    for pfn in touched {
                        self.sanitize(m, pfn);
                    }
                }
            }
            Event::AetherSpill { cache, cpu, objects } => {
                let local = &mut self.caches[*cache as usize].cpus[usize::from(*cpu)].local;
                local.retain(|a| !objects.contains(a));
                for &a in objects {
                    self.give_to_slab(m, a);
                }
            }
            &Event::AetherAlloc { cache, cpu, addr, level } => {
                let c = &mut self.caches[cache as usize];
                let cs = &mut c.cpus[usize::from(cpu)];
                match level {
                    Level::Hot => {
                        cs.hot.retain(|&a| a != addr);
                        cs.hot_hits += 1;
                    }
                    Level::Local => {
                        cs.local.retain(|&a| a != addr);
                        cs.local_hits += 1;
                    }
                    Level::Global | Level::NewSlab => {
                        cs.local.retain(|&a| a != addr);
                        cs.misses += 1;
                    }
                }
                c.live += 1;
                if c.flags.has(CacheFlags::ZERO) {
                    m.mem.write(phys(addr), &vec![0u8; c.object_size as usize]);
                }
            }
            &Event::AetherFree { cache, cpu, addr } => {
                let c = &mut self.caches[cache as usize];
                let cs = &mut c.cpus[usize::from(cpu)];
                cs.hot.insert(0, addr);
                cs.frees += 1;
                c.live -= 1;
            }
            &Event::AetherHotSpill { cache, cpu, addr } => {
                let cs = &mut self.caches[cache as usize].cpus[usize::from(cpu)];
                cs.hot.retain(|&a| a != addr);
                cs.local.push(addr);
            }
            _ => {}
        }
    }

    fn emit(&mut self, m: &mut Machine, out: &mut dyn EventSink, ev: Event) {
        self.apply(m, &ev);
        out.emit(ev);
    }

    /// `create_cache`: a dedicated cache for objects of `size` bytes.
    ///
    /// ```
    /// use slabscope_core::aether::{AetherConfig, Slub};
    /// use slabscope_core::slab_layout::CacheFlags;
    /// let mut slub = Slub::init(AetherConfig::default()).unwrap();
    /// let id = slub.create_cache("inode", 600, 8, CacheFlags::default()).unwrap();
    /// assert!(slub.create_cache("inode", 600, 8, CacheFlags::default()).is_err());
    /// # let _ = id;
    /// ```
    pub fn create_cache(
        &mut self,
        m: &mut Machine,
        label: &str,
        size: u32,
        align: u32,
        flags: CacheFlags,
        out: &mut dyn EventSink,
    ) -> Result<u32, AetherError> {
        if size == 0 || size > MAX_SIZE {
            return Err(AetherError::InvalidSize { size: size as usize });
        }
        if align != 0 && (!align.is_power_of_two() || u64::from(align) > PAGE_SIZE) {
            return Err(AetherError::InvalidAlign { align: align as usize });
        }
        if self.cache_by_name(label).is_some() {
            return Err(AetherError::DuplicateName);
        }
        let cache = self.caches.len() as u32;
        self.emit(m, out, Event::AetherCacheCreated { cache, label: label.to_string(), size, align, flags });
        Ok(cache)
    }

    /// True when allocating from `cache` on `cpu` needs a new slab.
    pub fn needs_new_slab(&self, cache: u32, cpu: u16) -> bool {
        let c = &self.caches[cache as usize];
        let cs = &c.cpus[usize::from(cpu)];
        cs.hot.is_empty()
            && cs.local.is_empty()
            && c.lists.iter().all(|l| l[list_idx(AetherList::Partial)].is_empty() && l[0].is_empty())
    }

    /// Allocate an object: hot list, per-CPU cache, bulk refill from the node's (then other
    /// nodes') slabs, or a new slab.
    pub fn alloc(
        &mut self,
        pages: &mut PageCtx<'_>,
        cache: u32,
        cpu: u16,
        out: &mut dyn EventSink,
    ) -> Result<u64, AetherError> {
        if self.caches[cache as usize].destroyed {
            return Err(AetherError::UnknownCache);
        }
        let cs = &self.caches[cache as usize].cpus[usize::from(cpu)];
        if let Some(&addr) = cs.hot.first() {
            self.emit(pages.machine, out, Event::AetherAlloc { cache, cpu, addr, level: Level::Hot });
            return Ok(addr);
        }
        if let Some(&addr) = cs.local.last() {
            self.emit(pages.machine, out, Event::AetherAlloc { cache, cpu, addr, level: Level::Local });
            return Ok(addr);
        }
        let node = pages.machine.config().node_of_cpu(cpu);
        let mut level = Level::Global;
        if self.needs_new_slab(cache, cpu) {
            self.new_slab(pages, cache, cpu, node, out)?;
            level = Level::NewSlab;
        }
        // Bulk refill: partial slabs first (local node, then others), then empty ones.
        let want = self.config.bulk_transfer_size.max(1);
        let zonelist = pages.buddy.zonelist(node);
        let mut objects = Vec::new();
        let mut taken: BTreeMap<u32, u64> = BTreeMap::new();
        'outer: for list in [AetherList::Partial, AetherList::Empty] {
            for &n in &zonelist {
                for &pfn in &self.caches[cache as usize].lists[usize::from(n)][list_idx(list)] {
                    let s = &self.slabs[&pfn];
                    let mut p = *taken.get(&pfn).unwrap_or(&s.freelist);
                    while p != 0 && (objects.len() as u32) < want {
                        if pages.machine.tainted() && (!self.free_candidate(pfn, p) || objects.contains(&p)) {
                            // Overwritten memory: the chain ends here (cut when applied).
                            break;
                        }
                        objects.push(p);
                        p = Self::read_next(pages.machine, p);
                    }
                    taken.insert(pfn, p);
                    if objects.len() as u32 >= want {
                        break 'outer;
                    }
                }
            }
        }
        if objects.is_empty() && level != Level::NewSlab {
            // Only after a `write` cut every chain: take a fresh slab instead.
            let pfn = self.new_slab(pages, cache, cpu, node, out)?;
            level = Level::NewSlab;
            objects.push(self.slabs[&pfn].freelist);
        }
        self.emit(pages.machine, out, Event::AetherRefill { cache, cpu, node, objects });
        let c = &self.caches[cache as usize];
        let addr = *c.cpus[usize::from(cpu)].local.last().ok_or(AetherError::OutOfMemory { order: c.order })?;
        self.emit(pages.machine, out, Event::AetherAlloc { cache, cpu, addr, level });
        Ok(addr)
    }

    /// A new slab for `cache` from the page allocator (preferring `node`); its pfn.
    fn new_slab(
        &mut self,
        pages: &mut PageCtx<'_>,
        cache: u32,
        cpu: u16,
        node: u8,
        out: &mut dyn EventSink,
    ) -> Result<u32, AetherError> {
        let c = &self.caches[cache as usize];
        let (order, colour) = (c.order, c.colour_next[usize::from(node)]);
        // The page allocator refuses only with the order asked (`OutOfMemory`, or `BadOrder` past
        // `MAX_PAGE_ORDER`): that order is the error's one fact.
        let pfn = pages
            .alloc(node, cpu, order, Owner::AetherSlab { cache }, out)
            .map_err(|_| AetherError::OutOfMemory { order })?;
        let node = pages.machine.config().node_of_pfn(pfn);
        self.emit(pages.machine, out, Event::AetherSlabNew { cache, node, pfn, order, colour });
        Ok(pfn)
    }

    /// Is `addr` a live object of `cache`?
    pub fn is_live(&self, m: &Machine, cache: u32, addr: u64) -> bool {
        let Some(s) = self.slab_of(addr) else { return false };
        let c = &self.caches[cache as usize];
        if s.cache != cache || c.index(s, addr).is_none() {
            return false;
        }
        if c.cpus.iter().any(|cs| cs.local.contains(&addr) || cs.hot.contains(&addr)) {
            return false;
        }
        if m.tainted() {
            // Freelists in overwritten memory cannot say (the slab-checker taint rule).
            return true;
        }
        let mut p = s.freelist;
        let mut n = 0;
        while p != 0 && n <= s.objects {
            if p == addr {
                return false;
            }
            p = Self::read_next(m, p);
            n += 1;
        }
        true
    }

    /// Free an object (validated by the caller) from `cpu`: onto the hot list; the oldest hot
    /// object spills to the per-CPU cache, and a full per-CPU cache returns a bulk to the slabs,
    /// then empty slabs past the release threshold go back to the page allocator.
    pub fn free(&mut self, pages: &mut PageCtx<'_>, cache: u32, cpu: u16, addr: u64, out: &mut dyn EventSink) {
        self.emit(pages.machine, out, Event::AetherFree { cache, cpu, addr });
        let cs = &self.caches[cache as usize].cpus[usize::from(cpu)];
        if cs.hot.len() > HOT_LIST_SIZE {
            let oldest = *cs.hot.last().expect("non-empty");
            self.emit(pages.machine, out, Event::AetherHotSpill { cache, cpu, addr: oldest });
        }
        let cs = &self.caches[cache as usize].cpus[usize::from(cpu)];
        if cs.local.len() as u32 > self.config.per_cpu_cache_size {
            let n = (self.config.bulk_transfer_size.max(1) as usize).min(cs.local.len());
            let objects: Vec<u64> = cs.local[..n].to_vec(); // the coldest
            self.emit(pages.machine, out, Event::AetherSpill { cache, cpu, objects });
            self.release_empty(pages, cache, false, out);
        }
    }

    /// Release empty slabs of `cache` to the page allocator: all of them when `all`, otherwise
    /// those beyond `slab_release_threshold` percent of the cache's slabs. Returns bytes released.
    fn release_empty(&mut self, pages: &mut PageCtx<'_>, cache: u32, all: bool, out: &mut dyn EventSink) -> u64 {
        let mut released = 0;
        loop {
            let c = &self.caches[cache as usize];
            let total: usize = c.lists.iter().map(|l| l.iter().map(Vec::len).sum::<usize>()).sum();
            let empty: Vec<u32> = c.lists.iter().flat_map(|l| l[0].iter().copied()).collect();
            let keep = if all { 0 } else { total * self.config.slab_release_threshold as usize / 100 };
            if empty.len() <= keep {
                return released;
            }
            let pfn = empty[0];
            released += PAGE_SIZE << self.slabs[&pfn].order;
            self.emit(pages.machine, out, Event::AetherSlabRelease { cache, pfn });
            let cpu = pages.machine.config().cpus_of_node(pages.machine.config().node_of_pfn(pfn)).next().unwrap_or(0);
            pages.free(cpu, pfn, out);
        }
    }

    /// `destroy_cache`: refused while objects are live; otherwise per-CPU objects go back and
    /// every slab is released.
    pub fn destroy_cache(
        &mut self,
        pages: &mut PageCtx<'_>,
        cache: u32,
        out: &mut dyn EventSink,
    ) -> Result<(), AetherError> {
        let c = &self.caches[cache as usize];
        if c.destroyed {
            return Err(AetherError::UnknownCache);
        }
        if c.live > 0 {
            return Err(AetherError::CacheBusy { live: c.live });
        }
        self.drain_cpus(pages, cache, 100, out);
        self.release_empty(pages, cache, true, out);
        self.emit(pages.machine, out, Event::AetherCacheDestroyed { cache });
        Ok(())
    }

    fn drain_cpus(&mut self, pages: &mut PageCtx<'_>, cache: u32, percent: u32, out: &mut dyn EventSink) {
        for cpu in 0..self.cpus {
            let cs = &self.caches[cache as usize].cpus[usize::from(cpu)];
            for addr in cs.hot.clone() {
                self.emit(pages.machine, out, Event::AetherHotSpill { cache, cpu, addr });
            }
            let cs = &self.caches[cache as usize].cpus[usize::from(cpu)];
            let n = (cs.local.len() * percent as usize).div_ceil(100);
            if n > 0 {
                let objects = cs.local[..n].to_vec();
                self.emit(pages.machine, out, Event::AetherSpill { cache, cpu, objects });
            }
        }
    }

    /// `emergency_shrink`: return `emergency_shrink_ratio` percent of every per-CPU cache (hot
    /// lists first) to the slabs, then release every empty slab. Returns the bytes released.
    pub fn emergency_shrink(&mut self, pages: &mut PageCtx<'_>, out: &mut dyn EventSink) -> u64 {
        let mut released = 0;
        for cache in 0..self.caches.len() as u32 {
            if self.caches[cache as usize].destroyed {
                continue;
            }
            self.drain_cpus(pages, cache, self.config.emergency_shrink_ratio.min(100), out);
            released += self.release_empty(pages, cache, true, out);
        }
        released
    }

    /// Statistics.
    pub fn stats(&self) -> SlubStats {
        let mut per_class = Vec::new();
        let (mut hits, mut allocs, mut slab_bytes, mut live_bytes) = (0u64, 0u64, 0u64, 0u64);
        for c in self.caches.iter().filter(|c| !c.destroyed) {
            let h: u64 = c.cpus.iter().map(|s| s.hot_hits + s.local_hits).sum();
            let a: u64 = h + c.cpus.iter().map(|s| s.misses).sum::<u64>();
            let slabs: usize = c.lists.iter().map(|l| l.iter().map(Vec::len).sum::<usize>()).sum();
            let bytes = slabs as u64 * (PAGE_SIZE << c.order);
            hits += h;
            allocs += a;
            slab_bytes += bytes;
            live_bytes += c.live * u64::from(c.object_size);
            per_class.push(ClassStats {
                name: c.name.clone(),
                size: c.size,
                live: c.live,
                slabs: slabs as u64,
                hit_rate: if a == 0 { 0.0 } else { h as f64 / a as f64 },
            });
        }
        SlubStats {
            hit_rate: if allocs == 0 { 0.0 } else { hits as f64 / allocs as f64 },
            memory_overhead: if slab_bytes == 0 { 0.0 } else { 1.0 - live_bytes as f64 / slab_bytes as f64 },
            slab_bytes,
            per_class,
        }
    }

    /// Check the invariants (see the module docs).
    pub fn check(&self, m: &Machine) -> Result<(), String> {
        let mut seen = std::collections::BTreeSet::new();
        for c in &self.caches {
            for (node, lists) in c.lists.iter().enumerate() {
                for (li, list) in lists.iter().enumerate() {
                    for pfn in list {
                        let s = self.slabs.get(pfn).ok_or(format!("{}: unknown slab {pfn}", c.name))?;
                        if !seen.insert(*pfn) || list_idx(s.list) != li || usize::from(s.node) != node {
                            return Err(format!("{}: slab {pfn} misplaced", c.name));
                        }
                    }
                }
            }
            for (cpu, cs) in c.cpus.iter().enumerate() {
                let mut objs: Vec<u64> = cs.local.iter().chain(&cs.hot).copied().collect();
                let n = objs.len();
                crate::sort::sort(&mut objs);
                objs.dedup();
                if objs.len() != n {
                    return Err(format!("{} cpu {cpu}: an object is cached twice", c.name));
                }
                for a in objs {
                    let s = self.slab_of(a).ok_or(format!("{} cpu {cpu}: {a:#x} outside slabs", c.name))?;
                    if s.cache != c.id || c.index(s, a).is_none() {
                        return Err(format!("{} cpu {cpu}: {a:#x} is not an object of this cache", c.name));
                    }
                }
            }
        }
        for s in self.slabs.values() {
            if !seen.contains(&s.pfn) {
                return Err(format!("slab {} on no list", s.pfn));
            }
            if m.tainted() {
                // Freelists, counters and headers live in memory a `write` may have changed.
                continue;
            }
            let c = &self.caches[s.cache as usize];
            let mut n = 0;
            let mut p = s.freelist;
            while p != 0 {
                if c.index(s, p).is_none() || n > s.objects {
                    return Err(format!("slab {}: broken freelist", s.pfn));
                }
                n += 1;
                p = Self::read_next(m, p);
            }
            if s.inuse + n != s.objects {
                return Err(format!("slab {}: inuse {} + free {n} != objects {}", s.pfn, s.inuse, s.objects));
            }
            let mut h = [0u8; 8];
            m.mem.read(u64::from(s.pfn) << PAGE_SHIFT, &mut h);
            if &h != b"AETHSLAB" {
                return Err(format!("slab {}: header magic overwritten", s.pfn));
            }
        }
        Ok(())
    }

    /// A slabinfo-like table of the AetherOS caches.
    pub fn report(&self) -> String {
        let mut s =
            String::from("# name            <live> <slots> <objsize> <objperslab> <pagesperslab> <hot+local hit %>\n");
        for c in self.caches.iter().filter(|c| !c.destroyed) {
            let slabs: usize = c.lists.iter().map(|l| l.iter().map(Vec::len).sum::<usize>()).sum();
            let st = self.stats();
            let hit = st.per_class.iter().find(|p| p.name == c.name).map_or(0.0, |p| p.hit_rate);
            s.push_str(&format!(
                "{:<17} {:>6} {:>7} {:>9} {:>12} {:>14} {:>5.1}\n",
                c.name,
                c.live,
                slabs as u64 * u64::from(c.objects),
                c.size,
                c.objects,
                1u32 << c.order,
                hit * 100.0
            ));
        }
        s
    }
}

/// Per size class statistics.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ClassStats {
    /// Cache name.
    pub name: String,
    /// Object size.
    pub size: u32,
    /// Live objects.
    pub live: u64,
    /// Slabs.
    pub slabs: u64,
    /// Hot + local hits / allocations.
    pub hit_rate: f64,
}

/// The seed's `SlubStats`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SlubStats {
    /// Allocations served per CPU (hot list or object cache) / all allocations.
    pub hit_rate: f64,
    /// 1 − live object bytes / slab bytes.
    pub memory_overhead: f64,
    /// Bytes held in slabs.
    pub slab_bytes: u64,
    /// Per cache.
    pub per_class: Vec<ClassStats>,
}

/// The page order used for a cache of `size` (exposed for tests).
pub fn order_for(size: u32) -> u8 {
    get_order(u64::from(size))
}
