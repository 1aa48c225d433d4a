//! Per-CPU object arrays in front of a slab allocator's caches: Bonwick & Adams' **magazines**
//! with a depot (`config percpu=magazine`, as in illumos kmem / libumem; policy-agnostic, so over
//! any `slab=` policy) and Linux 7.0 **sheaves** with a per-node barn (`config slab=sheaves`,
//! SLUB's only). Both hold allocated-from-the-slab objects in fixed-size arrays per CPU; misses
//! and overflows go to the allocator underneath, reached only through [`SlabAllocator`].
//!
//! Magazines (per CPU: `loaded`, `previous`; per cache: a depot of full and empty magazines):
//! - alloc: pop `loaded`; else if `previous` is full swap them; else trade `previous` (empty) to
//!   the depot for a full one (`previous` = old `loaded`); else allocate from the slab layer.
//! - free: push `loaded`; else if `previous` is empty swap; else trade `previous` (full) to the
//!   depot for an empty one, or make a new empty magazine.
//! - `reap`: the depot gives back the full and empty magazines it did not need since the last
//!   reap (its working-set minimum); full ones return their objects to the slabs.
//! - Invariant: `previous` is always full or empty; the depot holds only full or empty magazines.
//!
//! Sheaves, as in Linux 7.0 mm/slub.c (per CPU: `main`, `spare`; per node: a barn of full and
//! empty sheaves, at most `MAX_FULL_SHEAVES` full ones accepted on free). The capacity is
//! `calculate_sheaf_capacity` ([`sheaf_capacity`]); caches with debug flags have no sheaves;
//! frees of objects from another node bypass them (`slab_free`); underneath, SLUB has no cpu
//! slab and no cpu partial lists: refills take objects in bulk straight from node partial slabs
//! (`refill_objects`, [`SlabAllocator::alloc_bulk`]). Allocations for a requested node bypass the sheaves
//! too (`alloc_from_pcs` returns NULL for a node other than the local one).
//! - alloc: pop `main`; else swap with a non-empty `spare`; else trade `main` (empty) to the barn
//!   for a full sheaf; else fill a sheaf from the slabs (the spare, a barn empty one, or new) and
//!   make it `main`.
//! - free: push `main`; else move `main` to `spare` and take an empty sheaf (barn or new) when
//!   there is no spare; else swap with an empty `spare`; else (both full) put `main` in the barn
//!   (or, with the barn full, flush `spare` to the slabs) and continue with an empty `main`.
//!
//! Invariants ([`PerCpu::check`]): arrays within capacity; magazine `previous` full or empty;
//! depot/barn lists hold only full (resp. empty) arrays; every object appears once.

use serde::{Deserialize, Serialize};

use crate::error::OpError;
use crate::event::{ArrHit, Event, EventSink};
use crate::machine::Machine;
use crate::page::ctx::PageCtx;
use crate::slab::slub::Site;
use crate::slab::SlabAllocator;

/// `MAX_FULL_SHEAVES` of a barn.
pub const MAX_FULL_SHEAVES: usize = 10;

/// Which design.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Design {
    /// Bonwick magazines and depot.
    Magazine,
    /// Linux sheaves and barn.
    Sheaves,
}

/// A CPU's two arrays for one cache.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CpuArrays {
    /// `loaded` magazine / `main` sheaf (top = last).
    pub main: Vec<u64>,
    /// `previous` magazine / `spare` sheaf (`None`: no spare sheaf).
    pub spare: Option<Vec<u64>>,
    /// Allocations served by the arrays without going to the slabs.
    pub hits: u64,
    /// Allocations that went to the slab layer (sheaves: a refill of the main sheaf included).
    pub misses: u64,
}

/// A depot (magazines, per cache) or barn (sheaves, per cache and node).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Depot {
    /// Full arrays.
    pub full: Vec<Vec<u64>>,
    /// Empty arrays (count only matters; kept as arrays for symmetry).
    pub empty: u32,
    /// Fewest full arrays seen since the last reap (magazine working set).
    pub full_min: u32,
    /// Fewest empty arrays seen since the last reap.
    pub empty_min: u32,
}

/// The per-CPU layer for all caches of a SLUB instance.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PerCpu {
    /// Which design.
    pub design: Design,
    cpus: u16,
    nodes: u8,
    /// Per cache id: per CPU arrays.
    pub arrays: Vec<Vec<CpuArrays>>,
    /// Per cache id: per node depot (magazines use node 0 only).
    pub depots: Vec<Vec<Depot>>,
    /// Per cache id: capacity.
    pub capacity: Vec<u32>,
}

/// Linux 7.0 `calculate_sheaf_capacity` for a cache whose slot size (`s->size`) is `size`:
/// 4 objects from a page up, 12 from 1 KiB, 26 from 256 bytes, else 60; then "Increment capacity
/// to make sheaf exactly a kmalloc size bucket": `struct slab_sheaf` (32 bytes of header, then
/// the object pointers) rounded up by `kmalloc_size_roundup`. kmalloc-64 → 60, kmalloc-256 → 28,
/// kmalloc-1k → 12, kmalloc-4k → 4. (Caches with debug flags get 0: no sheaves.)
pub fn sheaf_capacity(size: u32) -> u32 {
    const HEADER: u32 = 32; // union { rcu_head, barn_list, { capacity; pfmemalloc } }, cache, size, node
    let capacity = if u64::from(size) >= crate::machine::PAGE_SIZE {
        4
    } else if size >= 1024 {
        12
    } else if size >= 256 {
        26
    } else {
        60
    };
    let bytes = HEADER + capacity * 8;
    let rounded = crate::slab_layout::KMALLOC_SIZES
        .iter()
        .map(|&(s, _)| s)
        .find(|&s| s >= bytes)
        .unwrap_or(bytes.next_power_of_two());
    (rounded - HEADER) / 8
}

/// Magazine capacity by object size tier (Bonwick sizes magazines per cache; these tiers are the
/// simulation's choice: larger objects, smaller magazines).
pub fn capacity_for(size: u32) -> u32 {
    match size {
        0..=255 => 32,
        256..=1023 => 24,
        1024..=4095 => 16,
        _ => 8,
    }
}

impl PerCpu {
    /// A layer with no arrays yet (they appear with each cache).
    pub fn new(design: Design, cpus: u16, nodes: u8) -> PerCpu {
        PerCpu { design, cpus, nodes, arrays: Vec::new(), depots: Vec::new(), capacity: Vec::new() }
    }

    fn ensure(&mut self, cache: u32, size: u32) {
        while self.arrays.len() <= cache as usize {
            self.arrays.push(vec![CpuArrays::default(); usize::from(self.cpus)]);
            self.depots.push(vec![Depot::default(); usize::from(self.nodes)]);
            self.capacity.push(0);
        }
        if self.capacity[cache as usize] == 0 {
            self.capacity[cache as usize] = match self.design {
                Design::Magazine => capacity_for(size),
                Design::Sheaves => sheaf_capacity(size),
            };
            if self.design == Design::Magazine {
                // Bonwick: every CPU starts with two empty magazines.
                for a in &mut self.arrays[cache as usize] {
                    a.spare = Some(Vec::new());
                }
            }
        }
    }

    fn depot_node(&self, node: u8) -> usize {
        match self.design {
            Design::Magazine => 0,
            Design::Sheaves => usize::from(node),
        }
    }

    fn note_depot(d: &mut Depot) {
        d.full_min = d.full_min.min(d.full.len() as u32);
        d.empty_min = d.empty_min.min(d.empty);
    }

    /// Apply a per-CPU-layer event.
    pub fn apply(&mut self, ev: &Event) {
        match ev {
            &Event::ArrInit { cache, size } => self.ensure(cache, size),
            &Event::ArrAlloc { cache, cpu, hit, .. } => {
                let a = &mut self.arrays[cache as usize][usize::from(cpu)];
                // A refill went down to the slabs: it counts as a miss although the object then
                // comes off the freshly filled main sheaf.
                match hit {
                    ArrHit::Miss => a.misses += 1,
                    ArrHit::Refill => {
                        a.main.pop();
                        a.misses += 1;
                    }
                    ArrHit::Main | ArrHit::Spare | ArrHit::Depot => {
                        a.main.pop();
                        a.hits += 1;
                    }
                }
            }
            &Event::ArrFree { cache, cpu, addr } => self.arrays[cache as usize][usize::from(cpu)].main.push(addr),
            &Event::ArrSwap { cache, cpu } => {
                let a = &mut self.arrays[cache as usize][usize::from(cpu)];
                let spare = a.spare.take().unwrap_or_default();
                a.spare = Some(std::mem::replace(&mut a.main, spare));
            }
            &Event::DepotFull { cache, cpu, node } => {
                // Take a full array from the depot/barn, giving back an empty one.
                let n = self.depot_node(node);
                let design = self.design;
                let full = self.depots[cache as usize][n].full.pop().expect("depot has a full array");
                let a = &mut self.arrays[cache as usize][usize::from(cpu)];
                match design {
                    Design::Magazine => {
                        let prev = a.spare.replace(std::mem::replace(&mut a.main, full));
                        debug_assert!(prev.as_ref().is_none_or(Vec::is_empty));
                    }
                    Design::Sheaves => {
                        let old = std::mem::replace(&mut a.main, full);
                        debug_assert!(old.is_empty());
                    }
                }
                let d = &mut self.depots[cache as usize][n];
                d.empty += 1;
                Self::note_depot(d);
            }
            &Event::DepotEmpty { cache, cpu, node, new } => {
                // Take an empty array (from the depot/barn, or a new one), giving back a full one.
                let n = self.depot_node(node);
                let design = self.design;
                let a = &mut self.arrays[cache as usize][usize::from(cpu)];
                let given = match design {
                    Design::Magazine => a.spare.replace(std::mem::take(&mut a.main)).unwrap_or_default(),
                    Design::Sheaves => std::mem::take(&mut a.main),
                };
                let d = &mut self.depots[cache as usize][n];
                if !new {
                    d.empty -= 1;
                }
                if !given.is_empty() {
                    d.full.push(given);
                }
                Self::note_depot(d);
            }
            &Event::SheafSpareNew { cache, cpu, node, new } => {
                // free with no spare: main moves to spare, an empty sheaf becomes main.
                let a = &mut self.arrays[cache as usize][usize::from(cpu)];
                a.spare = Some(std::mem::take(&mut a.main));
                if !new {
                    let n = self.depot_node(node);
                    self.depots[cache as usize][n].empty -= 1;
                }
            }
            Event::SheafFilled { cache, cpu, node, objects, from_spare } => {
                let n = self.depot_node(*node);
                let a = &mut self.arrays[*cache as usize][usize::from(*cpu)];
                if *from_spare {
                    a.spare = None;
                } else if self.depots[*cache as usize][n].empty > 0 {
                    self.depots[*cache as usize][n].empty -= 1; // refilled a barn empty sheaf
                }
                let a = &mut self.arrays[*cache as usize][usize::from(*cpu)];
                let old = std::mem::replace(&mut a.main, objects.clone());
                debug_assert!(old.is_empty());
                // The old (empty) main goes to the barn.
                self.depots[*cache as usize][n].empty += 1;
            }
            &Event::SheafSpareFlushed { cache, cpu } => {
                // Objects already went back to the slabs: spare is empty; it becomes main.
                let a = &mut self.arrays[cache as usize][usize::from(cpu)];
                let old_main = std::mem::take(&mut a.main);
                a.spare = Some(old_main);
            }
            &Event::ArrFlush { cache, .. } => {
                for a in &mut self.arrays[cache as usize] {
                    a.main.clear();
                    if let Some(s) = &mut a.spare {
                        s.clear();
                    }
                }
                for d in &mut self.depots[cache as usize] {
                    d.empty += d.full.len() as u32;
                    d.full.clear();
                    Self::note_depot(d);
                }
            }
            &Event::DepotReap { cache, node, full, empty } => {
                let n = self.depot_node(node);
                let d = &mut self.depots[cache as usize][n];
                for _ in 0..full {
                    d.full.remove(0);
                }
                d.empty -= empty;
                d.full_min = d.full.len() as u32;
                d.empty_min = d.empty;
            }
            _ => {}
        }
    }

    fn emit(&mut self, out: &mut dyn EventSink, ev: Event) {
        self.apply(&ev);
        out.emit(ev);
    }

    /// Give a cache its arrays on first use.
    fn init_cache(&mut self, back: &dyn SlabAllocator, cache: u32, out: &mut dyn EventSink) {
        if self.capacity.get(cache as usize).is_none_or(|&c| c == 0) {
            let size = back.slot_size(cache);
            self.emit(out, Event::ArrInit { cache, size });
        }
    }

    /// Add this layer's arrays and counters to the rows of the allocator behind it (see
    /// [`crate::slab::rows`]): the loaded and previous magazines, or the main and spare sheaves.
    pub fn extend_rows(&self, rows: &mut [crate::slab::rows::CpuRow]) {
        use crate::slab::rows::{ArrayKind, CounterKind, ObjectArray};
        let (main, spare) = match self.design {
            Design::Magazine => (ArrayKind::MagazineLoaded, ArrayKind::MagazinePrevious),
            Design::Sheaves => (ArrayKind::SheafMain, ArrayKind::SheafSpare),
        };
        for r in rows {
            let Some(a) = self.cpu(r.cache, r.cpu) else { continue };
            r.arrays.push(ObjectArray { kind: main, objects: Some(a.main.clone()), limit: None });
            r.arrays.push(ObjectArray { kind: spare, objects: a.spare.clone(), limit: None });
            r.outer = r.counters.len();
            r.counters.extend([(CounterKind::Hits, a.hits), (CounterKind::Misses, a.misses)]);
        }
    }

    /// Node rows of the caches in `live`: the depot (magazines, one for the machine) or each
    /// node's barn (sheaves).
    pub fn node_rows(&self, live: impl Iterator<Item = u32>) -> Vec<crate::slab::rows::NodeRow> {
        use crate::slab::rows::{NodeKind, NodeRow};
        let mut out = Vec::new();
        for cache in live {
            for (node, d) in self.depots.get(cache as usize).into_iter().flatten().enumerate() {
                let kind = match self.design {
                    Design::Magazine if node > 0 => break,
                    Design::Magazine => NodeKind::Depot,
                    Design::Sheaves => NodeKind::Barn,
                };
                out.push(NodeRow {
                    cache,
                    node: node as u8,
                    kind,
                    objects: d.full.iter().flatten().copied().collect(),
                    full: d.full.len() as u32,
                    empty: d.empty,
                    limit: None,
                });
            }
        }
        out
    }

    /// The arrays of a cache on a CPU.
    pub fn cpu(&self, cache: u32, cpu: u16) -> Option<&CpuArrays> {
        self.arrays.get(cache as usize).and_then(|v| v.get(usize::from(cpu)))
    }

    /// True when an allocation will go to the slab layer (which may need a new slab).
    pub fn will_miss(&self, cache: u32, cpu: u16, node: u8) -> bool {
        let Some(a) = self.cpu(cache, cpu) else { return true };
        let d = &self.depots[cache as usize][self.depot_node(node)];
        a.main.is_empty() && a.spare.as_ref().is_none_or(Vec::is_empty) && d.full.is_empty()
    }

    /// Allocate through the arrays.
    #[allow(clippy::too_many_arguments)]
    pub fn alloc(
        &mut self,
        back: &mut dyn SlabAllocator,
        pages: &mut PageCtx<'_>,
        cache: u32,
        cpu: u16,
        at: Site,
        out: &mut dyn EventSink,
    ) -> Result<u64, OpError> {
        if self.design == Design::Sheaves && back.debug_flags(cache) {
            // calculate_sheaf_capacity: "if (... s->flags & SLAB_DEBUG_FLAGS) return 0;": no
            // sheaves, every allocation takes the slow path.
            return back.alloc(pages, cache, cpu, None, at, out);
        }
        self.init_cache(back, cache, out);
        let node = pages.machine.config().node_of_cpu(cpu);
        let cap = self.capacity[cache as usize] as usize;
        let a = &self.arrays[cache as usize][usize::from(cpu)];
        if let Some(&addr) = a.main.last() {
            self.emit(out, Event::ArrAlloc { cache, cpu, addr, hit: ArrHit::Main });
            return Ok(addr);
        }
        let spare_ok = match self.design {
            Design::Magazine => a.spare.as_ref().is_some_and(|s| s.len() == cap),
            Design::Sheaves => a.spare.as_ref().is_some_and(|s| !s.is_empty()),
        };
        if spare_ok {
            self.emit(out, Event::ArrSwap { cache, cpu });
            let addr = *self.arrays[cache as usize][usize::from(cpu)].main.last().expect("swapped in");
            self.emit(out, Event::ArrAlloc { cache, cpu, addr, hit: ArrHit::Spare });
            return Ok(addr);
        }
        if !self.depots[cache as usize][self.depot_node(node)].full.is_empty() {
            self.emit(out, Event::DepotFull { cache, cpu, node });
            let addr = *self.arrays[cache as usize][usize::from(cpu)].main.last().expect("full array");
            self.emit(out, Event::ArrAlloc { cache, cpu, addr, hit: ArrHit::Depot });
            return Ok(addr);
        }
        match self.design {
            Design::Magazine => {
                let addr = back.alloc(pages, cache, cpu, None, at, out)?;
                self.emit(out, Event::ArrAlloc { cache, cpu, addr, hit: ArrHit::Miss });
                Ok(addr)
            }
            Design::Sheaves => {
                // __pcs_replace_empty_main -> refill_sheaf -> refill_objects: fill a sheaf to
                // capacity in bulk straight from the node's partial slabs (then new slabs), then
                // allocate from it.
                let from_spare = self.arrays[cache as usize][usize::from(cpu)].spare.is_some();
                let mut objects = back.alloc_bulk(pages, cache, cpu, cap, at, out)?;
                objects.reverse(); // the first object obtained is handed out first
                self.emit(out, Event::SheafFilled { cache, cpu, node, objects, from_spare });
                let addr = *self.arrays[cache as usize][usize::from(cpu)].main.last().expect("filled");
                self.emit(out, Event::ArrAlloc { cache, cpu, addr, hit: ArrHit::Refill });
                Ok(addr)
            }
        }
    }

    /// Free through the arrays.
    #[allow(clippy::too_many_arguments)]
    pub fn free(
        &mut self,
        back: &mut dyn SlabAllocator,
        pages: &mut PageCtx<'_>,
        cache: u32,
        cpu: u16,
        addr: u64,
        site: u32,
        out: &mut dyn EventSink,
    ) {
        let node = pages.machine.config().node_of_cpu(cpu);
        if self.design == Design::Sheaves {
            // slab_free: "if (likely(!IS_ENABLED(CONFIG_NUMA) || slab_nid(slab) == numa_mem_id())
            // && likely(!slab_test_pfmemalloc(slab))) { if (likely(free_to_pcs(s, object, true)))
            // return; } __slab_free(...)": objects of another node, and caches without sheaves
            // (debug flags), go straight to their slab.
            let remote = back.object_node(pages.machine, addr).is_some_and(|n| n != node);
            if remote || back.debug_flags(cache) {
                back.free(pages, cache, cpu, addr, site, out);
                return;
            }
        }
        self.init_cache(back, cache, out);
        let cap = self.capacity[cache as usize] as usize;
        let dn = self.depot_node(node);
        let a = &self.arrays[cache as usize][usize::from(cpu)];
        if a.main.len() < cap {
            self.emit(out, Event::ArrFree { cache, cpu, addr });
            return;
        }
        match self.design {
            Design::Magazine => {
                if a.spare.as_ref().is_some_and(Vec::is_empty) {
                    self.emit(out, Event::ArrSwap { cache, cpu });
                } else {
                    let new = self.depots[cache as usize][dn].empty == 0;
                    self.emit(out, Event::DepotEmpty { cache, cpu, node, new });
                }
            }
            Design::Sheaves => match &a.spare {
                None => {
                    let new = self.depots[cache as usize][dn].empty == 0;
                    self.emit(out, Event::SheafSpareNew { cache, cpu, node, new });
                }
                Some(s) if s.len() < cap => {
                    debug_assert!(s.is_empty(), "a spare sheaf is full or empty");
                    self.emit(out, Event::ArrSwap { cache, cpu });
                }
                Some(_) => {
                    if self.depots[cache as usize][dn].full.len() >= MAX_FULL_SHEAVES {
                        // The barn is full: flush the spare to the slabs; it becomes main.
                        let spare = self.arrays[cache as usize][usize::from(cpu)].spare.clone().unwrap_or_default();
                        for obj in spare {
                            back.free(pages, cache, cpu, obj, site, out);
                        }
                        // main becomes the (now empty) spare's place; the full main becomes spare.
                        self.emit(out, Event::SheafSpareFlushed { cache, cpu });
                    } else {
                        let new = self.depots[cache as usize][dn].empty == 0;
                        self.emit(out, Event::DepotEmpty { cache, cpu, node, new });
                    }
                }
            },
        }
        self.emit(out, Event::ArrFree { cache, cpu, addr });
    }

    /// Magazine depot reaping: give back the full and empty magazines unused since the last reap.
    pub fn reap(&mut self, back: &mut dyn SlabAllocator, pages: &mut PageCtx<'_>, out: &mut dyn EventSink) {
        for cache in 0..self.depots.len() as u32 {
            for node in 0..self.depots[cache as usize].len() as u8 {
                let d = &self.depots[cache as usize][usize::from(node)];
                let (full, empty) = (d.full_min, d.empty_min);
                let objs: Vec<u64> = d.full.iter().take(full as usize).flatten().copied().collect();
                let cpu = pages.machine.config().cpus_of_node(node).next().unwrap_or(0);
                for obj in objs {
                    back.free(pages, cache, cpu, obj, 0, out);
                }
                if full > 0 || empty > 0 || d.full_min != d.full.len() as u32 || d.empty_min != d.empty {
                    self.emit(out, Event::DepotReap { cache, node, full, empty });
                }
            }
        }
    }

    /// `kmem_cache_destroy`'s flush of the front end (Linux 7.0 flushes the cache's sheaves
    /// and barns before `__kmem_cache_shutdown`): free every object the arrays and the depot /
    /// barn of `cache` hold to SLUB, then empty them. Returns the objects flushed.
    pub fn flush(
        &mut self,
        back: &mut dyn SlabAllocator,
        pages: &mut PageCtx<'_>,
        cache: u32,
        out: &mut dyn EventSink,
    ) -> u32 {
        let mut objs: Vec<(u16, u64)> = Vec::new();
        for (cpu, a) in self.arrays.get(cache as usize).into_iter().flatten().enumerate() {
            objs.extend(a.main.iter().chain(a.spare.iter().flatten()).map(|&o| (cpu as u16, o)));
        }
        for (node, d) in self.depots.get(cache as usize).into_iter().flatten().enumerate() {
            let cpu = pages.machine.config().cpus_of_node(node as u8).next().unwrap_or(0);
            objs.extend(d.full.iter().flatten().map(|&o| (cpu, o)));
        }
        if objs.is_empty() {
            return 0;
        }
        for &(cpu, obj) in &objs {
            back.free(pages, cache, cpu, obj, 0, out);
        }
        self.emit(out, Event::ArrFlush { cache, objects: objs.len() as u32 });
        objs.len() as u32
    }

    /// Objects of `cache` the arrays and the depot / barn hold.
    pub fn held(&self, cache: u32) -> usize {
        let arrays = self.arrays.get(cache as usize).into_iter().flatten();
        let depots = self.depots.get(cache as usize).into_iter().flatten();
        arrays.map(|a| a.main.len() + a.spare.as_ref().map_or(0, Vec::len)).sum::<usize>()
            + depots.flat_map(|d| d.full.iter()).map(Vec::len).sum::<usize>()
    }

    /// Does any array hold `addr`?
    pub fn holds(&self, cache: u32, addr: u64) -> bool {
        self.arrays.get(cache as usize).is_some_and(|v| {
            v.iter().any(|a| a.main.contains(&addr) || a.spare.as_ref().is_some_and(|s| s.contains(&addr)))
        }) || self
            .depots
            .get(cache as usize)
            .is_some_and(|v| v.iter().any(|d| d.full.iter().any(|f| f.contains(&addr))))
    }

    /// Check the invariants (see the module docs).
    pub fn check(&self, _m: &Machine) -> Result<(), String> {
        for (cache, per_cpu) in self.arrays.iter().enumerate() {
            let cap = self.capacity[cache] as usize;
            let mut all: Vec<u64> = Vec::new();
            for (cpu, a) in per_cpu.iter().enumerate() {
                if cap == 0 {
                    continue;
                }
                if a.main.len() > cap || a.spare.as_ref().is_some_and(|s| s.len() > cap) {
                    return Err(format!("cache {cache} cpu {cpu}: array over capacity {cap}"));
                }
                if let Some(s) = &a.spare {
                    if !s.is_empty() && s.len() != cap {
                        return Err(format!("cache {cache} cpu {cpu}: previous/spare is neither full nor empty"));
                    }
                    all.extend(s);
                }
                all.extend(&a.main);
            }
            for d in &self.depots[cache] {
                for f in &d.full {
                    if f.len() != cap {
                        return Err(format!("cache {cache}: a depot/barn 'full' array holds {} of {cap}", f.len()));
                    }
                    all.extend(f);
                }
            }
            let n = all.len();
            crate::sort::sort(&mut all);
            all.dedup();
            if all.len() != n {
                return Err(format!("cache {cache}: an object is in two arrays"));
            }
        }
        Ok(())
    }
}
