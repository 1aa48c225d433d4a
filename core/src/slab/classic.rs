//! Classic SLAB (Bonwick 1994; Linux mm/slab.c up to 6.7), as the `config slab=slab` policy.
//!
//! Per node, slabs sit on `slabs_full`, `slabs_partial` and `slabs_free`. Each CPU has an
//! `array_cache` (a LIFO stack of object pointers, `limit` and `batchcount` by object size) and
//! each node a `shared` array. Allocation pops the CPU array; an empty array is refilled with
//! `batchcount` objects from the shared array, else from partial then free slabs, else a new slab
//! is grown. Free pushes onto the CPU array; a full array flushes its oldest `batchcount` objects
//! to the shared array (if it has room) or back to their slabs (`free_block`), which then move
//! lists; free slabs beyond `free_limit` free objects are destroyed. `reap` runs `cache_reap`.
//!
//! Each slab is coloured: the objects start `colour_next * colour_off` bytes in, cycling over
//! `colour = left_over / colour_off` colours, so equal objects of different slabs land on
//! different cache lines (`colour_next` is advanced before use: offsets 1, 2, …, 0, 1, …).
//! The slab's free list is an array of one-byte object indices (`freelist_idx_t` with 4 KiB
//! pages, so at most 255 objects per slab), in real bytes: `active` objects are handed out,
//! `freelist[active..]` are free. As Linux does, caches whose index array fits in one object
//! keep it *inside a free object* (`OBJFREELIST_SLAB`: no overhead; the array moves into the
//! next object freed into a full slab); the others keep it at the end of the slab (on-slab).
//! Off-slab free lists (only needed with constructors) are not modelled.
//!
//! Invariants ([`ClassicSlab::check`]): every slab is on exactly one list of its node and the
//! list matches `active` (0 → free, `num` → full, else partial); the free indices in memory are a
//! permutation complement of the allocated ones; `free_objects` equals the free objects in the
//! node's slabs; array caches hold distinct allocated-from-slab objects within their limits;
//! colour offsets are below `colour * colour_off`.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

pub use crate::event::ArrayRef;
use crate::event::{Event, EventSink};
use crate::machine::{Machine, MachineConfig, Owner, PAGE_SHIFT, PAGE_SIZE};
use crate::page::addr::{phys, virt};
use crate::page::ctx::PageCtx;
use crate::slab_layout::{calculate_alignment, CacheFlags, CACHE_LINE, WORD};

/// `BATCHREFILL_LIMIT`: a refill of an untouched array takes at most this many objects.
pub const BATCHREFILL_LIMIT: u32 = 16;

/// The three lists.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SlabList {
    /// `slabs_full`.
    Full,
    /// `slabs_partial`.
    Partial,
    /// `slabs_free`.
    Free,
}

/// A slab.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CSlab {
    /// Cache id.
    pub cache: u32,
    /// First page.
    pub pfn: u32,
    /// Node.
    pub node: u8,
    /// Objects handed out of the slab (to arrays or users).
    pub active: u32,
    /// Colour offset in bytes.
    pub colour_offset: u32,
    /// The list it is on.
    pub list: SlabList,
    /// Where the free-index array is (0 while an OBJFREELIST slab is full).
    pub freelist_at: u64,
}

/// A CPU's `array_cache`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ArrayCache {
    /// `entry[0..avail]`; the top is the last.
    pub entry: Vec<u64>,
    /// Used since the last reap.
    pub touched: bool,
    /// Allocations served from the array.
    pub hits: u64,
    /// Allocations that needed a refill.
    pub misses: u64,
}

/// A node's part of a cache (`struct kmem_cache_node`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CNode {
    /// `slabs_full`, `slabs_partial`, `slabs_free` (list order: head first).
    pub lists: [Vec<u32>; 3],
    /// Free objects in this node's slabs.
    pub free_objects: u64,
    /// Destroy free slabs beyond this many free objects.
    pub free_limit: u64,
    /// The shared array.
    pub shared: Vec<u64>,
    /// Colour of the next slab.
    pub colour_next: u32,
    /// Slabs freed since the last reap.
    pub free_touched: bool,
}

/// A cache.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CCache {
    /// Id.
    pub id: u32,
    /// Name.
    pub name: String,
    /// Requested size.
    pub object_size: u32,
    /// Slot size.
    pub size: u32,
    /// Alignment.
    pub align: u32,
    /// Flags.
    pub flags: CacheFlags,
    /// Objects per slab.
    pub num: u32,
    /// Slab order.
    pub order: u8,
    /// Number of colours.
    pub colour: u32,
    /// Bytes per colour step.
    pub colour_off: u32,
    /// The index array lives inside a free object (`OBJFREELIST_SLAB`), not at the slab's end.
    pub objfreelist: bool,
    /// Array limit.
    pub limit: u32,
    /// Batch count.
    pub batchcount: u32,
    /// Shared array factor (shared array limit = shared × batchcount).
    pub shared: u32,
    /// Per CPU.
    pub cpus: Vec<ArrayCache>,
    /// Per node.
    pub nodes: Vec<CNode>,
    /// Objects allocated by users.
    pub live: u64,
    /// Destroyed.
    pub destroyed: bool,
}

impl CCache {
    /// Address of object `i` of a slab.
    pub fn object_addr(&self, s: &CSlab, i: u32) -> u64 {
        virt((u64::from(s.pfn) << PAGE_SHIFT) + u64::from(s.colour_offset + i * self.size))
    }
    fn initial_freelist(&self, s: &CSlab) -> u64 {
        if self.objfreelist {
            self.object_addr(s, self.num - 1)
        } else {
            virt((u64::from(s.pfn) << PAGE_SHIFT) + (PAGE_SIZE << self.order) - u64::from(self.num))
        }
    }
    fn index_of(&self, s: &CSlab, addr: u64) -> Option<u32> {
        let off = addr.checked_sub(self.object_addr(s, 0))?;
        (off % u64::from(self.size) == 0 && off / u64::from(self.size) < u64::from(self.num))
            .then(|| (off / u64::from(self.size)) as u32)
    }
}

/// `SLAB_OBJ_MAX_NUM` with one-byte indices.
pub const SLAB_OBJ_MAX_NUM: u32 = 255;
/// `SLAB_OBJ_MIN_SIZE`: smaller objects are padded to this.
pub const SLAB_OBJ_MIN_SIZE: u32 = 16;

/// `cache_estimate`: (objects, left over bytes); `on_slab` when each object also costs a
/// one-byte index at the end of the slab.
pub fn cache_estimate(order: u8, size: u32, on_slab: bool) -> (u32, u32) {
    let slab = (PAGE_SIZE << order) as u32;
    let per = size + u32::from(on_slab);
    let num = slab / per;
    (num, slab - num * per)
}

/// `calculate_slab_order`: the first order whose waste is at most 1/8, capped at
/// `slab_max_order` (0, or 1 on machines with more than 32 MiB) and at 255 objects.
pub fn calculate_slab_order(size: u32, slab_max_order: u8, on_slab: bool) -> (u8, u32, u32) {
    let mut best = (0, 0, 0);
    for order in 0..=10u8 {
        let (num, left) = cache_estimate(order, size, on_slab);
        if num == 0 {
            continue;
        }
        if num > SLAB_OBJ_MAX_NUM {
            break;
        }
        best = (order, num, left);
        if order >= slab_max_order || u64::from(left) * 8 <= PAGE_SIZE << order {
            break;
        }
    }
    best
}

/// `enable_cpucache`: (limit, batchcount, shared) for a slot size.
pub fn cpucache_tunables(size: u32, cpus: u16) -> (u32, u32, u32) {
    let limit = if size > 131_072 {
        1
    } else if u64::from(size) > PAGE_SIZE {
        8
    } else if size > 1024 {
        24
    } else if size > 256 {
        54
    } else {
        120
    };
    let shared = if u64::from(size) <= PAGE_SIZE && cpus > 1 { 8 } else { 0 };
    (limit, limit.div_ceil(2), shared)
}

/// The classic SLAB allocator state.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ClassicSlab {
    caches: Vec<CCache>,
    by_name: BTreeMap<String, u32>,
    slabs: BTreeMap<u32, CSlab>,
    config: MachineConfig,
    slab_max_order: u8,
}

/// SLAB's `KMALLOC_SHIFT_LOW` is 5: its smallest kmalloc cache is kmalloc-32.
pub const SLAB_KMALLOC_MIN: u32 = 32;

/// The kmalloc caches of SLAB: SLUB's list from [`SLAB_KMALLOC_MIN`] bytes up.
pub fn slab_kmalloc_sizes() -> impl Iterator<Item = &'static (u32, &'static str)> {
    crate::slab_layout::KMALLOC_SIZES.iter().filter(|(size, _)| *size >= SLAB_KMALLOC_MIN)
}

impl ClassicSlab {
    /// SLAB with its kmalloc caches.
    pub fn new(config: &MachineConfig) -> ClassicSlab {
        let mut s = ClassicSlab {
            caches: Vec::new(),
            by_name: BTreeMap::new(),
            slabs: BTreeMap::new(),
            config: config.clone(),
            slab_max_order: if config.mem_bytes > 32 << 20 { 1 } else { 0 },
        };
        for &(size, name) in slab_kmalloc_sizes() {
            s.make(name.to_string(), size, 1 << size.trailing_zeros().min(12), CacheFlags::KMALLOC);
        }
        s
    }

    fn make(&mut self, name: String, object_size: u32, align: u32, flags: CacheFlags) -> u32 {
        let align = calculate_alignment(flags, align, object_size);
        let size = object_size.max(SLAB_OBJ_MIN_SIZE).next_multiple_of(WORD).next_multiple_of(align);
        // set_objfreelist_slab_cache first, then set_on_slab_cache.
        let (mut order, mut num, mut left) = calculate_slab_order(size, self.slab_max_order, false);
        let objfreelist = num > 0 && num <= object_size;
        if !objfreelist {
            (order, num, left) = calculate_slab_order(size, self.slab_max_order, true);
        }
        let colour_off = CACHE_LINE.max(align);
        let (limit, batchcount, shared) = cpucache_tunables(size, self.config.cpus);
        let id = self.caches.len() as u32;
        let nodes = (0..self.config.nodes)
            .map(|n| CNode {
                free_limit: (1 + self.config.cpus_of_node(n).count() as u64) * u64::from(batchcount) + u64::from(num),
                ..Default::default()
            })
            .collect();
        self.caches.push(CCache {
            id,
            name: name.clone(),
            object_size,
            size,
            align,
            flags,
            num,
            order,
            colour: left / colour_off,
            colour_off,
            objfreelist,
            limit,
            batchcount,
            shared,
            cpus: vec![ArrayCache::default(); usize::from(self.config.cpus)],
            nodes,
            live: 0,
            destroyed: false,
        });
        self.by_name.insert(name, id);
        id
    }

    /// Per-CPU rows (see [`crate::slab::rows`]): each CPU's `array_cache` of every live cache.
    pub fn cpu_rows(&self) -> Vec<crate::slab::rows::CpuRow> {
        use crate::slab::rows::{ArrayKind, CounterKind, CpuRow, ObjectArray};
        let live = self.caches.iter().filter(|c| !c.destroyed);
        live.flat_map(|c| {
            c.cpus.iter().enumerate().map(|(cpu, a)| CpuRow {
                arrays: vec![ObjectArray {
                    kind: ArrayKind::ArrayCache,
                    objects: Some(a.entry.clone()),
                    limit: Some(c.limit),
                }],
                touched: a.touched,
                counters: vec![(CounterKind::Hits, a.hits), (CounterKind::Misses, a.misses)],
                ..CpuRow::new(c.id, cpu as u16)
            })
        })
        .collect()
    }

    /// Node rows: each node's shared array of every live cache.
    pub fn node_rows(&self) -> Vec<crate::slab::rows::NodeRow> {
        let live = self.caches.iter().filter(|c| !c.destroyed);
        live.flat_map(|c| {
            c.nodes.iter().enumerate().map(|(node, n)| crate::slab::rows::NodeRow {
                cache: c.id,
                node: node as u8,
                kind: crate::slab::rows::NodeKind::Shared,
                objects: n.shared.clone(),
                full: 0,
                empty: 0,
                limit: Some(c.shared * c.batchcount),
            })
        })
        .collect()
    }

    /// Caches.
    pub fn caches(&self) -> &[CCache] {
        &self.caches
    }
    /// Slabs by pfn.
    pub fn slabs(&self) -> &BTreeMap<u32, CSlab> {
        &self.slabs
    }
    /// The cache named `name`.
    pub fn cache_by_name(&self, name: &str) -> Option<u32> {
        self.by_name.get(name).copied().filter(|&i| !self.caches[i as usize].destroyed)
    }
    /// Name of cache `id`.
    pub fn cache_name(&self, id: u32) -> &str {
        self.caches.get(id as usize).map_or("?", |c| c.name.as_str())
    }
    /// The kmalloc cache for a request of `size` bytes (<= 8192).
    pub fn kmalloc_cache(&self, size: u32) -> Option<u32> {
        self.cache_by_name(crate::slab_layout::kmalloc_name(size.max(SLAB_KMALLOC_MIN)))
    }

    fn slab_of(&self, addr: u64) -> Option<&CSlab> {
        let pfn = (phys(addr) >> PAGE_SHIFT) as u32;
        let (_, s) = self.slabs.range(..=pfn).next_back()?;
        let order = self.caches[s.cache as usize].order;
        (pfn < s.pfn + (1 << order)).then_some(s)
    }

    /// The free objects of the slab at `pfn`, in the order the free-index array hands them out
    /// (read from the slab's bytes).
    pub fn free_objects(&self, m: &Machine, pfn: u32) -> Vec<u64> {
        let Some(s) = self.slabs.get(&pfn) else { return Vec::new() };
        let c = &self.caches[s.cache as usize];
        (s.active..c.num).map(|i| c.object_addr(s, self.get_free_obj(m, s, i))).collect()
    }

    fn get_free_obj(&self, m: &Machine, s: &CSlab, i: u32) -> u32 {
        let mut b = [0u8; 1];
        m.mem.read(phys(s.freelist_at + u64::from(i)), &mut b);
        // An index overwritten by a `write` stays inside the slab (never an address outside it).
        u32::from(b[0]) % self.caches[s.cache as usize].num.max(1)
    }
    fn set_free_obj(&self, m: &mut Machine, pfn: u32, i: u32, objnr: u32) {
        let at = self.slabs[&pfn].freelist_at + u64::from(i);
        m.mem.write(phys(at), &[objnr as u8]);
    }

    fn relist(&mut self, pfn: u32, tail: bool) {
        let s = &self.slabs[&pfn];
        let c = &self.caches[s.cache as usize];
        let want = if s.active == 0 {
            SlabList::Free
        } else if s.active == c.num {
            SlabList::Full
        } else {
            SlabList::Partial
        };
        let (cache, node, old) = (s.cache, s.node, s.list);
        let lists = &mut self.caches[cache as usize].nodes[usize::from(node)].lists;
        lists[old as usize].retain(|&p| p != pfn);
        if tail {
            lists[want as usize].push(pfn);
        } else {
            lists[want as usize].insert(0, pfn);
        }
        self.slabs.get_mut(&pfn).expect("slab").list = want;
    }

    /// `free_block`: objects go back to their slabs; slabs move lists; free slabs beyond
    /// `free_limit` are returned (their pfns) for destruction.
    fn free_block(&mut self, m: &mut Machine, cache: u32, objects: &[u64]) {
        for &obj in objects {
            let s = self.slab_of(obj).expect("object in a slab").clone();
            let c = &self.caches[cache as usize];
            let objnr = c.index_of(&s, obj).expect("object start");
            let active = s.active - 1;
            if s.freelist_at == 0 {
                // OBJFREELIST: a full slab has no array; the object freed now becomes its home.
                self.slabs.get_mut(&s.pfn).expect("slab").freelist_at = obj;
            }
            self.set_free_obj(m, s.pfn, active, objnr);
            self.slabs.get_mut(&s.pfn).expect("slab").active = active;
            // Empty slabs go to the head of slabs_free; others to the tail of slabs_partial.
            self.relist(s.pfn, active != 0);
            self.caches[cache as usize].nodes[usize::from(s.node)].free_objects += 1;
        }
    }

    /// Apply a SLAB event.
    pub fn apply(&mut self, m: &mut Machine, ev: &Event) {
        match ev {
            Event::ClassicCacheCreated { label, size, align, flags, .. } => {
                self.make(label.clone(), *size, *align, *flags);
            }
            &Event::ClassicCacheDestroyed { cache } => {
                let c = &mut self.caches[cache as usize];
                c.destroyed = true;
                let name = c.name.clone();
                self.by_name.remove(&name);
            }
            &Event::ClassicGrow { cache, node, pfn, colour_offset } => {
                let c = &mut self.caches[cache as usize];
                let n = &mut c.nodes[usize::from(node)];
                n.colour_next = colour_offset / c.colour_off;
                n.free_objects += u64::from(c.num);
                n.lists[SlabList::Free as usize].push(pfn);
                let num = c.num;
                let mut slab =
                    CSlab { cache, pfn, node, active: 0, colour_offset, list: SlabList::Free, freelist_at: 0 };
                slab.freelist_at = self.caches[cache as usize].initial_freelist(&slab);
                self.slabs.insert(pfn, slab);
                for i in 0..num {
                    self.set_free_obj(m, pfn, i, i);
                }
            }
            &Event::ClassicRefill { cache, cpu, source, count } => {
                let mut got = Vec::new();
                match source {
                    ArrayRef::Shared { node } => {
                        let sh = &mut self.caches[cache as usize].nodes[usize::from(node)].shared;
                        let n = (count as usize).min(sh.len());
                        got = sh.split_off(sh.len() - n);
                    }
                    ArrayRef::Cpu { .. } => {}
                }
                let ac = &mut self.caches[cache as usize].cpus[usize::from(cpu)];
                ac.entry.extend(got);
            }
            &Event::ClassicAllocBlock { cache, cpu, pfn, count } => {
                if self.slabs[&pfn].list == SlabList::Free {
                    // get_first_slab fell back to slabs_free: the node's free slabs are in use.
                    let node = self.slabs[&pfn].node;
                    self.caches[cache as usize].nodes[usize::from(node)].free_touched = true;
                }
                let mut objs = Vec::new();
                for _ in 0..count {
                    let s = &self.slabs[&pfn];
                    let idx = self.get_free_obj(m, s, s.active);
                    objs.push(self.caches[cache as usize].object_addr(s, idx));
                    self.slabs.get_mut(&pfn).expect("slab").active += 1;
                }
                let node = self.slabs[&pfn].node;
                self.caches[cache as usize].nodes[usize::from(node)].free_objects -= u64::from(count);
                if self.slabs[&pfn].active == self.caches[cache as usize].num && self.caches[cache as usize].objfreelist
                {
                    self.slabs.get_mut(&pfn).expect("slab").freelist_at = 0; // the home object is handed out
                }
                self.relist(pfn, false);
                self.caches[cache as usize].cpus[usize::from(cpu)].entry.extend(objs);
            }
            &Event::ClassicAlloc { cache, cpu, hit, .. } => {
                let c = &mut self.caches[cache as usize];
                let ac = &mut c.cpus[usize::from(cpu)];
                ac.entry.pop();
                ac.touched = true;
                if hit {
                    ac.hits += 1;
                } else {
                    ac.misses += 1;
                }
                c.live += 1;
                if c.flags.has(CacheFlags::ZERO) {
                    let a = ev_addr(ev);
                    m.mem.write(phys(a), &vec![0u8; c.object_size as usize]);
                }
            }
            &Event::ClassicFree { cache, cpu, addr } => {
                let c = &mut self.caches[cache as usize];
                c.cpus[usize::from(cpu)].entry.push(addr);
                c.live -= 1;
            }
            &Event::ClassicFlush { cache, from, to_shared, count } => {
                let c = &mut self.caches[cache as usize];
                let arr = match from {
                    ArrayRef::Cpu { cpu } => &mut c.cpus[usize::from(cpu)].entry,
                    ArrayRef::Shared { node } => &mut c.nodes[usize::from(node)].shared,
                };
                let n = (count as usize).min(arr.len());
                let objs: Vec<u64> = arr.drain(..n).collect();
                match to_shared {
                    Some(node) => c.nodes[usize::from(node)].shared.extend(objs),
                    None => self.free_block(m, cache, &objs),
                }
            }
            &Event::ClassicDestroySlab { cache, node, pfn } => {
                let c = &mut self.caches[cache as usize];
                let n = &mut c.nodes[usize::from(node)];
                n.lists[SlabList::Free as usize].retain(|&p| p != pfn);
                n.free_objects -= u64::from(c.num);
                self.slabs.remove(&pfn);
            }
            &Event::ClassicReapMark { cache, cpu, touched } => {
                let c = &mut self.caches[cache as usize];
                match cpu {
                    Some(cpu) => c.cpus[usize::from(cpu)].touched = touched,
                    None => c.nodes.iter_mut().for_each(|n| n.free_touched = touched),
                }
            }
            _ => {}
        }
    }

    fn emit(&mut self, m: &mut Machine, out: &mut dyn EventSink, ev: Event) {
        self.apply(m, &ev);
        out.emit(ev);
    }

    /// `kmem_cache_create` for SLAB (no merging in this model).
    pub fn create_cache(
        &mut self,
        m: &mut Machine,
        label: &str,
        size: u32,
        align: u32,
        flags: CacheFlags,
        out: &mut dyn EventSink,
    ) -> Result<u32, crate::error::OpError> {
        use crate::error::OpError;
        if self.cache_by_name(label).is_some() {
            return Err(OpError::CacheExists { name: label.to_string() });
        }
        if size == 0 || size > 32768 {
            return Err(OpError::BadSize { size: u64::from(size), max: 32768 });
        }
        if align != 0 && !align.is_power_of_two() {
            return Err(OpError::BadAlign { align });
        }
        let cache = self.caches.len() as u32;
        self.emit(m, out, Event::ClassicCacheCreated { cache, label: label.to_string(), size, align, flags });
        Ok(cache)
    }

    /// True when an allocation on `cpu` will need a new slab.
    pub fn needs_grow(&self, m: &Machine, cache: u32, cpu: u16) -> bool {
        let c = &self.caches[cache as usize];
        let n = &c.nodes[usize::from(m.config().node_of_cpu(cpu))];
        c.cpus[usize::from(cpu)].entry.is_empty() && n.shared.is_empty() && n.free_objects == 0
    }

    /// Allocate (`____cache_alloc` + `cache_alloc_refill`).
    pub fn alloc(
        &mut self,
        pages: &mut PageCtx<'_>,
        cache: u32,
        cpu: u16,
        out: &mut dyn EventSink,
    ) -> Result<u64, crate::error::OpError> {
        let c = &self.caches[cache as usize];
        if let Some(&addr) = c.cpus[usize::from(cpu)].entry.last() {
            self.emit(pages.machine, out, Event::ClassicAlloc { cache, cpu, addr, hit: true });
            return Ok(addr);
        }
        let node = pages.machine.config().node_of_cpu(cpu);
        let ac = &c.cpus[usize::from(cpu)];
        let mut batch = c.batchcount;
        if !ac.touched && batch > BATCHREFILL_LIMIT {
            batch = BATCHREFILL_LIMIT;
        }
        let n = &c.nodes[usize::from(node)];
        if !n.shared.is_empty() {
            let count = batch.min(n.shared.len() as u32);
            self.emit(
                pages.machine,
                out,
                Event::ClassicRefill { cache, cpu, source: ArrayRef::Shared { node }, count },
            );
        } else {
            let mut left = batch;
            while left > 0 {
                let c = &self.caches[cache as usize];
                let n = &c.nodes[usize::from(node)];
                let slab =
                    n.lists[SlabList::Partial as usize].first().or(n.lists[SlabList::Free as usize].first()).copied();
                let Some(pfn) = slab else { break };
                let count = left.min(c.num - self.slabs[&pfn].active);
                self.emit(pages.machine, out, Event::ClassicAllocBlock { cache, cpu, pfn, count });
                left -= count;
            }
            if self.caches[cache as usize].cpus[usize::from(cpu)].entry.is_empty() {
                // cache_grow: a new slab with the next colour, then one batch from it.
                let c = &self.caches[cache as usize];
                // cache_grow_begin advances colour_next before using it.
                let next = c.nodes[usize::from(node)].colour_next + 1;
                let colour_offset = if next >= c.colour { 0 } else { next * c.colour_off };
                let pfn = pages.alloc(node, cpu, c.order, Owner::ClassicSlab { cache }, out)?;
                let node = pages.machine.config().node_of_pfn(pfn);
                self.emit(pages.machine, out, Event::ClassicGrow { cache, node, pfn, colour_offset });
                let count = batch.min(self.caches[cache as usize].num);
                self.emit(pages.machine, out, Event::ClassicAllocBlock { cache, cpu, pfn, count });
            }
        }
        let addr = *self.caches[cache as usize].cpus[usize::from(cpu)].entry.last().expect("refilled");
        self.emit(pages.machine, out, Event::ClassicAlloc { cache, cpu, addr, hit: false });
        Ok(addr)
    }

    /// Free (`___cache_free`): flush the array first when it is full.
    pub fn free(&mut self, pages: &mut PageCtx<'_>, cache: u32, cpu: u16, addr: u64, out: &mut dyn EventSink) {
        let c = &self.caches[cache as usize];
        if c.cpus[usize::from(cpu)].entry.len() as u32 >= c.limit {
            let node = pages.machine.config().node_of_cpu(cpu);
            let n = &c.nodes[usize::from(node)];
            let room = (c.shared * c.batchcount).saturating_sub(n.shared.len() as u32);
            let from = ArrayRef::Cpu { cpu };
            if room > 0 {
                let count = c.batchcount.min(room);
                self.emit(pages.machine, out, Event::ClassicFlush { cache, from, to_shared: Some(node), count });
            } else {
                let count = c.batchcount;
                self.emit(pages.machine, out, Event::ClassicFlush { cache, from, to_shared: None, count });
                self.destroy_excess(pages, cache, out);
            }
        }
        self.emit(pages.machine, out, Event::ClassicFree { cache, cpu, addr });
    }

    /// Destroy free slabs while a node has more than `free_limit` free objects.
    fn destroy_excess(&mut self, pages: &mut PageCtx<'_>, cache: u32, out: &mut dyn EventSink) {
        for node in 0..self.config.nodes {
            loop {
                let c = &self.caches[cache as usize];
                let n = &c.nodes[usize::from(node)];
                let Some(&pfn) = n.lists[SlabList::Free as usize].last() else { break };
                if n.free_objects <= n.free_limit {
                    break;
                }
                self.destroy_slab(pages, cache, node, pfn, out);
            }
        }
    }

    fn destroy_slab(&mut self, pages: &mut PageCtx<'_>, cache: u32, node: u8, pfn: u32, out: &mut dyn EventSink) {
        self.emit(pages.machine, out, Event::ClassicDestroySlab { cache, node, pfn });
        let cpu = pages.machine.config().cpus_of_node(node).next().unwrap_or(0);
        pages.free(cpu, pfn, out);
    }

    /// `cache_reap` over every cache: untouched CPU arrays give back a fifth of their limit,
    /// shared arrays likewise, and nodes whose free slabs were not touched since the last reap
    /// destroy some of them. Touched flags are cleared.
    pub fn reap(&mut self, pages: &mut PageCtx<'_>, out: &mut dyn EventSink) {
        for cache in 0..self.caches.len() as u32 {
            if self.caches[cache as usize].destroyed {
                continue;
            }
            for cpu in 0..self.config.cpus {
                let c = &self.caches[cache as usize];
                let ac = &c.cpus[usize::from(cpu)];
                if ac.touched {
                    self.emit(pages.machine, out, Event::ClassicReapMark { cache, cpu: Some(cpu), touched: false });
                } else if !ac.entry.is_empty() {
                    let mut tofree = c.limit.div_ceil(5);
                    if tofree as usize > ac.entry.len() {
                        tofree = (ac.entry.len() as u32).div_ceil(2);
                    }
                    let from = ArrayRef::Cpu { cpu };
                    self.emit(pages.machine, out, Event::ClassicFlush { cache, from, to_shared: None, count: tofree });
                }
            }
            for node in 0..self.config.nodes {
                let c = &self.caches[cache as usize];
                let n = &c.nodes[usize::from(node)];
                if !n.shared.is_empty() {
                    let tofree = (c.shared * c.batchcount).div_ceil(5).min(n.shared.len() as u32);
                    let from = ArrayRef::Shared { node };
                    self.emit(pages.machine, out, Event::ClassicFlush { cache, from, to_shared: None, count: tofree });
                }
                let c = &self.caches[cache as usize];
                let n = &c.nodes[usize::from(node)];
                if n.free_touched {
                    self.emit(pages.machine, out, Event::ClassicReapMark { cache, cpu: None, touched: false });
                } else {
                    let tofree = n.free_limit.div_ceil(5 * u64::from(c.num));
                    for _ in 0..tofree {
                        let Some(&pfn) =
                            self.caches[cache as usize].nodes[usize::from(node)].lists[SlabList::Free as usize].last()
                        else {
                            break;
                        };
                        self.destroy_slab(pages, cache, node, pfn, out);
                    }
                }
            }
        }
    }

    /// `kmem_cache_destroy`: refused while objects are allocated; otherwise arrays are drained
    /// and every slab destroyed.
    pub fn destroy_cache(
        &mut self,
        pages: &mut PageCtx<'_>,
        cache: u32,
        label: &str,
        out: &mut dyn EventSink,
    ) -> Result<(), crate::error::OpError> {
        let c = &self.caches[cache as usize];
        if c.flags.has(CacheFlags::KMALLOC) {
            return Err(crate::error::OpError::KmallocCache { name: label.to_string() });
        }
        if c.live > 0 {
            return Err(crate::error::OpError::CacheBusy { name: label.to_string(), live: c.live });
        }
        self.drain_all(pages, cache, out);
        self.emit(pages.machine, out, Event::ClassicCacheDestroyed { cache });
        Ok(())
    }

    /// Drain every array of a cache back to its slabs and destroy every free slab.
    fn drain_all(&mut self, pages: &mut PageCtx<'_>, cache: u32, out: &mut dyn EventSink) {
        for cpu in 0..self.config.cpus {
            let n = self.caches[cache as usize].cpus[usize::from(cpu)].entry.len() as u32;
            if n > 0 {
                self.emit(
                    pages.machine,
                    out,
                    Event::ClassicFlush { cache, from: ArrayRef::Cpu { cpu }, to_shared: None, count: n },
                );
            }
        }
        for node in 0..self.config.nodes {
            let n = self.caches[cache as usize].nodes[usize::from(node)].shared.len() as u32;
            if n > 0 {
                self.emit(
                    pages.machine,
                    out,
                    Event::ClassicFlush { cache, from: ArrayRef::Shared { node }, to_shared: None, count: n },
                );
            }
            while let Some(&pfn) =
                self.caches[cache as usize].nodes[usize::from(node)].lists[SlabList::Free as usize].last()
            {
                self.destroy_slab(pages, cache, node, pfn, out);
            }
        }
    }

    /// `kmem_cache_shrink` on every cache.
    pub fn shrink_all(&mut self, pages: &mut PageCtx<'_>, out: &mut dyn EventSink) -> u64 {
        let before: u64 = self.slabs.values().map(|s| PAGE_SIZE << self.caches[s.cache as usize].order).sum();
        for cache in 0..self.caches.len() as u32 {
            if !self.caches[cache as usize].destroyed {
                self.drain_all(pages, cache, out);
            }
        }
        let after: u64 = self.slabs.values().map(|s| PAGE_SIZE << self.caches[s.cache as usize].order).sum();
        before - after
    }

    /// Is `addr` an object handed to a user (not free in a slab, not in an array)?
    pub fn is_live(&self, m: &Machine, cache: u32, addr: u64) -> bool {
        let Some(s) = self.slab_of(addr) else { return false };
        let c = &self.caches[cache as usize];
        let Some(idx) = (s.cache == cache).then(|| c.index_of(s, addr)).flatten() else { return false };
        if (s.active..c.num).any(|i| self.get_free_obj(m, s, i) == idx) {
            return false;
        }
        !c.cpus.iter().any(|a| a.entry.contains(&addr)) && !c.nodes.iter().any(|n| n.shared.contains(&addr))
    }

    /// `/proc/slabinfo` (version 2.1) with SLAB's tunables.
    pub fn slabinfo(&self) -> String {
        let mut s = crate::slab::slabinfo_header();
        for c in self.caches.iter().rev().filter(|c| !c.destroyed) {
            let total: u64 = c.nodes.iter().map(|n| n.lists.iter().map(|l| l.len() as u64).sum::<u64>()).sum();
            let free_slabs: u64 = c.nodes.iter().map(|n| n.lists[SlabList::Free as usize].len() as u64).sum();
            let free_objs: u64 = c.nodes.iter().map(|n| n.free_objects).sum();
            let shared_avail: u64 = c.nodes.iter().map(|n| n.shared.len() as u64).sum();
            let num_objs = total * u64::from(c.num);
            s.push_str(&format!(
                "{:<17} {:>6} {:>6} {:>6} {:>4} {:>4} : tunables {:>4} {:>4} {:>4} : slabdata {:>6} {:>6} {:>6}\n",
                c.name,
                num_objs - free_objs,
                num_objs,
                c.size,
                c.num,
                1u32 << c.order,
                c.limit,
                c.batchcount,
                c.shared,
                total - free_slabs,
                total,
                shared_avail
            ));
        }
        s
    }

    /// Check the invariants (see the module docs).
    pub fn check(&self, m: &Machine) -> Result<(), String> {
        let mut seen = std::collections::BTreeSet::new();
        for c in &self.caches {
            let mut arrays: Vec<u64> = c.cpus.iter().flat_map(|a| a.entry.iter().copied()).collect();
            for (i, a) in c.cpus.iter().enumerate() {
                if a.entry.len() as u32 > c.limit {
                    return Err(format!("{} cpu {i}: array holds {} > limit {}", c.name, a.entry.len(), c.limit));
                }
            }
            for (node, n) in c.nodes.iter().enumerate() {
                arrays.extend(n.shared.iter().copied());
                if n.shared.len() as u32 > c.shared * c.batchcount {
                    return Err(format!("{} node {node}: shared array over its limit", c.name));
                }
                let mut free = 0u64;
                for (li, list) in n.lists.iter().enumerate() {
                    for pfn in list {
                        let s = self.slabs.get(pfn).ok_or(format!("{}: unknown slab {pfn}", c.name))?;
                        if !seen.insert(*pfn) || s.list as usize != li || usize::from(s.node) != node {
                            return Err(format!("{}: slab {pfn} misplaced", c.name));
                        }
                        let want = if s.active == 0 {
                            SlabList::Free
                        } else if s.active == c.num {
                            SlabList::Full
                        } else {
                            SlabList::Partial
                        };
                        if want != s.list {
                            return Err(format!("{}: slab {pfn} with {} active is on {:?}", c.name, s.active, s.list));
                        }
                        if c.colour > 0 && s.colour_offset >= c.colour * c.colour_off {
                            return Err(format!("{}: slab {pfn} colour offset {} too large", c.name, s.colour_offset));
                        }
                        let mut idx: Vec<u32> = (s.active..c.num).map(|i| self.get_free_obj(m, s, i)).collect();
                        crate::sort::sort(&mut idx);
                        idx.dedup();
                        let broken = idx.len() as u32 != c.num - s.active || idx.iter().any(|&i| i >= c.num);
                        if broken && !m.tainted() {
                            return Err(format!("{}: slab {pfn} free index list is corrupt", c.name));
                        }
                        free += u64::from(c.num - s.active);
                    }
                }
                if free != n.free_objects {
                    return Err(format!("{} node {node}: free_objects {} but {free} free", c.name, n.free_objects));
                }
            }
            let len = arrays.len();
            crate::sort::sort(&mut arrays);
            arrays.dedup();
            if arrays.len() != len {
                return Err(format!("{}: an object is in two arrays", c.name));
            }
        }
        if seen.len() != self.slabs.len() {
            return Err("a slab is on no list".into());
        }
        Ok(())
    }
}

fn ev_addr(ev: &Event) -> u64 {
    match ev {
        Event::ClassicAlloc { addr, .. } => *addr,
        _ => 0,
    }
}
