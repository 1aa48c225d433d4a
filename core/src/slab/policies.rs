//! The contract ([`SlabAllocator`]) implemented for the existing engines — SLUB, classic SLAB,
//! AetherOS — and for the per-CPU front ends (magazines over any policy, sheaves over SLUB). Kept apart
//! from the engines so the engines' files stay about their algorithms.

use crate::error::{FreeCheck, OpError};
use crate::page::ctx::PageCtx;
use crate::page::machine::{Machine, MachineConfig, SlabPolicy};
use crate::slab::aether::{AetherEngine, AetherError};
use crate::slab::classic::ClassicSlab;
use crate::slab::layout::{kmalloc_name, CacheFlags};
use crate::slab::percpu::{Design, PerCpu};
use crate::slab::rows::{CacheGeometry, CacheSummary, CpuRow, Held, NodeRow, ObjectBytes, RowList, SlabRow};
use crate::slab::slub::{Site, Slub};
use crate::slab::views::or_not_for;
use crate::slab::{ShownAfter, SlabAllocator};
use crate::timeline::event::{Event, EventSink, Sym};

/// `config slab=slub`.
pub fn build_slub(c: &MachineConfig) -> Box<dyn SlabAllocator> {
    Box::new(Slub::new(c))
}

/// `config slab=sheaves`: SLUB behind sheaves and barns (Linux 7.0 mm/slub.c: sheaves exist
/// only in SLUB; `percpu=magazine` in front of them is refused by `MachineConfig::validate`).
pub fn build_sheaves(c: &MachineConfig) -> Box<dyn SlabAllocator> {
    Box::new(FrontEnd::new(Design::Sheaves, c, Box::new(Slub::new(c))))
}

/// The allocator of a machine: the policy's from the table, behind magazines when
/// `percpu=magazine` (Bonwick's magazine layer is policy-agnostic: over every policy).
pub fn build(c: &MachineConfig) -> Box<dyn SlabAllocator> {
    let back = (crate::slab::policy_info(c.slab).build)(c);
    if c.magazines {
        return Box::new(FrontEnd::new(Design::Magazine, c, back));
    }
    back
}

/// `config slab=slab`.
pub fn build_classic(c: &MachineConfig) -> Box<dyn SlabAllocator> {
    Box::new(ClassicSlab::new(c))
}

/// `config slab=aether`.
pub fn build_aether(c: &MachineConfig) -> Box<dyn SlabAllocator> {
    Box::new(AetherEngine::new(c, c.aether))
}

/// `a`'s [`SlabAllocator::alloc_counts`] on `cpu` summed over the caches with ids `0..caches`
/// (destroyed caches keep their counts).
fn summed_counts(a: &dyn SlabAllocator, caches: usize, cpu: u16) -> (u64, u64) {
    (0..caches as u32).filter_map(|id| a.alloc_counts(id, cpu).ok()).fold((0, 0), |(f, s), (cf, cs)| (f + cf, s + cs))
}

impl SlabAllocator for Slub {
    fn policy(&self) -> SlabPolicy {
        SlabPolicy::Slub
    }
    fn apply(&mut self, m: &mut Machine, ev: &Event) {
        Slub::apply(self, m, ev)
    }
    fn check(&self, m: &Machine) -> Result<(), String> {
        Slub::check(self, m)
    }
    fn cache_by_name(&self, label: &str) -> Option<u32> {
        Slub::cache_by_name(self, label)
    }
    fn cache_labels(&self) -> Vec<String> {
        self.names().map(|(n, _)| n.to_string()).collect()
    }
    fn cache_name(&self, id: u32) -> String {
        self.caches().get(id as usize).map_or_else(String::new, |c| c.name.clone())
    }
    fn object_size(&self, id: u32) -> u32 {
        self.caches().get(id as usize).map_or(0, |c| c.layout.object_size)
    }
    fn unknown_cache(&self, label: &str) -> OpError {
        Slub::unknown_cache(self, label)
    }
    fn slot_size(&self, id: u32) -> u32 {
        self.caches().get(id as usize).map_or(0, |c| c.layout.size)
    }
    fn debug_flags(&self, cache: u32) -> bool {
        self.caches().get(cache as usize).is_some_and(|c| c.flags.debug())
    }
    fn object_node(&self, _m: &Machine, addr: u64) -> Option<u8> {
        self.slab_of(addr).map(|s| s.node)
    }
    fn alloc_bulk(
        &mut self,
        pages: &mut PageCtx<'_>,
        cache: u32,
        cpu: u16,
        n: usize,
        site: Site,
        out: &mut dyn EventSink,
    ) -> Result<Vec<u64>, OpError> {
        Slub::alloc_bulk(self, pages, cache, cpu, n, site, out)
    }
    fn shutdown_live(&self, id: u32) -> Option<u64> {
        let c = self.caches().get(id as usize)?;
        (c.refcount == 1 && !c.flags.has(CacheFlags::KMALLOC)).then_some(c.live)
    }
    fn kmalloc_cache(&self, size: u32) -> Option<u32> {
        Slub::cache_by_name(self, kmalloc_name(size))
    }
    fn create_cache(
        &mut self,
        m: &mut Machine,
        name: Sym,
        label: &str,
        size: u32,
        align: u32,
        flags: CacheFlags,
        out: &mut dyn EventSink,
    ) -> Result<u32, OpError> {
        Slub::create_cache(self, m, name, label, size, align, flags, out)
    }
    fn destroy_cache(
        &mut self,
        pages: &mut PageCtx<'_>,
        name: Sym,
        label: &str,
        out: &mut dyn EventSink,
    ) -> Result<(), OpError> {
        Slub::destroy_cache(self, pages, label, name, out)
    }
    fn needs_pages(&self, m: &Machine, cache: u32, cpu: u16, node: Option<u8>, _orig_size: u32) -> Option<u8> {
        self.needs_new_slab(m, cache, cpu, node).then(|| self.cache(cache).min_order)
    }
    fn alloc(
        &mut self,
        pages: &mut PageCtx<'_>,
        cache: u32,
        cpu: u16,
        node: Option<u8>,
        site: Site,
        out: &mut dyn EventSink,
    ) -> Result<u64, OpError> {
        Slub::alloc(self, pages, cache, cpu, node, site, out)
    }
    fn free(&mut self, pages: &mut PageCtx<'_>, cache: u32, cpu: u16, addr: u64, site: u32, out: &mut dyn EventSink) {
        Slub::free(self, pages, cache, cpu, addr, site, out)
    }
    fn is_live(&self, m: &Machine, cache: u32, addr: u64) -> bool {
        self.tainted || Slub::is_live(self, m, cache, addr)
    }
    fn debug_checks(&self, cache: u32) -> bool {
        self.caches().get(cache as usize).is_some_and(|c| c.flags.has(CacheFlags::CHECKS))
    }
    fn krealloc_sizes(&self, m: &Machine, cache: u32, addr: u64) -> Result<(u32, u32), OpError> {
        Ok((self.cache(cache).layout.object_size, self.orig_size(m, cache, addr)))
    }
    fn shrink(&mut self, pages: &mut PageCtx<'_>, out: &mut dyn EventSink) -> u64 {
        self.shrink_all(pages, out)
    }
    fn validate(&mut self, pages: &mut PageCtx<'_>, cache: u32, out: &mut dyn EventSink) -> Result<(), OpError> {
        Slub::validate(self, pages, cache, out);
        Ok(())
    }
    fn sysfs(&self, cache: u32) -> Result<String, OpError> {
        Ok(Slub::sysfs(self, cache))
    }
    fn slabinfo(&self) -> String {
        Slub::slabinfo(self)
    }
    fn slabinfo_tool(&self) -> String {
        Slub::slabinfo_tool(self)
    }
    fn leak_report(&self) -> String {
        Slub::leak_report(self)
    }
    fn clone_bytes(&self, base: &dyn SlabAllocator) -> Option<usize> {
        Some(Slub::clone_bytes(self, base.as_any().downcast_ref::<Slub>()))
    }
    fn debug_text(&self, ev: &Event) -> Option<String> {
        Slub::debug_text(self, ev)
    }
    fn row_lists(&self) -> &'static [RowList] {
        crate::slab::views::SLUB_LISTS
    }
    fn slab_rows(&self, m: &Machine, held: &Held) -> Vec<SlabRow> {
        Slub::slab_rows(self, m, held)
    }
    fn cache_summaries(&self) -> Vec<CacheSummary> {
        Slub::cache_summaries(self)
    }
    fn cache_count(&self) -> usize {
        self.caches().iter().filter(|c| !c.destroyed).count()
    }
    fn orig_size(&self, m: &Machine, cache: u32, addr: u64) -> u32 {
        Slub::orig_size(self, m, cache, addr)
    }
    fn object_bytes(&self, m: &Machine, addr: u64, _held: &Held) -> Option<ObjectBytes> {
        Slub::object_bytes(self, m, addr)
    }
    fn geometry(&self, id: u32) -> Result<CacheGeometry, OpError> {
        or_not_for(self, Slub::geometry(self, id), "cache geometry")
    }
    fn cpu_free_count(&self, m: &Machine, id: u32, cpu: u16) -> Result<usize, OpError> {
        or_not_for(self, Slub::cpu_free_count(self, m, id, cpu), "freelist")
    }
    fn alloc_counts(&self, id: u32, cpu: u16) -> Result<(u64, u64), OpError> {
        let cs = self.caches().get(id as usize).and_then(|c| c.cpus.get(usize::from(cpu)));
        or_not_for(self, cs.map(|cs| (cs.alloc_fast, cs.alloc_slow)), "fast/slow")
    }
    fn fast_path_counts(&self, cpu: u16) -> (u64, u64) {
        summed_counts(self, self.caches().len(), cpu)
    }
    fn free_pointer(&self, m: &Machine, cache: u32, addr: u64) -> Result<u64, OpError> {
        Ok(self.get_freepointer(m, cache, addr))
    }
    fn fp_offset(&self, id: u32) -> Result<u32, OpError> {
        or_not_for(self, self.caches().get(id as usize).map(|c| c.layout.offset), "fp_offset")
    }
    fn cpu_rows(&self, m: &Machine) -> Vec<CpuRow> {
        Slub::cpu_rows(self, m)
    }
    crate::slab::engine_any!();
}

/// A per-CPU front end (Bonwick magazines + depot, or Linux sheaves + barn) over any slab
/// allocator, behind the same contract and reaching it only through [`SlabAllocator`]: object
/// arrays are tried first, the allocator behind serves misses, node-pinned allocations and
/// caches whose objects differ in size (SLOB's kmalloc).
#[derive(Clone, Debug)]
pub struct FrontEnd {
    /// The per-CPU arrays.
    pub front: PerCpu,
    /// The allocator behind them.
    pub back: Box<dyn SlabAllocator>,
}

impl FrontEnd {
    /// `design` in front of `back`.
    pub fn new(design: Design, c: &MachineConfig, back: Box<dyn SlabAllocator>) -> FrontEnd {
        FrontEnd { front: PerCpu::new(design, c.cpus, c.nodes), back }
    }

    /// True when an allocation or free of `cache` (on no requested node) goes through the arrays.
    fn arrays_for(&self, cache: u32, node: Option<u8>) -> bool {
        node.is_none() && self.back.fixed_size(cache)
    }
}

impl SlabAllocator for FrontEnd {
    fn policy(&self) -> SlabPolicy {
        match self.front.design {
            Design::Magazine => self.back.policy(),
            Design::Sheaves => SlabPolicy::Sheaves,
        }
    }
    fn apply(&mut self, m: &mut Machine, ev: &Event) {
        self.back.apply(m, ev);
        self.front.apply(ev);
    }
    fn check(&self, m: &Machine) -> Result<(), String> {
        self.back.check(m)?;
        self.front.check(m)
    }
    fn cache_by_name(&self, label: &str) -> Option<u32> {
        self.back.cache_by_name(label)
    }
    fn cache_labels(&self) -> Vec<String> {
        self.back.cache_labels()
    }
    fn cache_name(&self, id: u32) -> String {
        self.back.cache_name(id)
    }
    fn object_size(&self, id: u32) -> u32 {
        self.back.object_size(id)
    }
    fn slot_size(&self, id: u32) -> u32 {
        self.back.slot_size(id)
    }
    fn fixed_size(&self, cache: u32) -> bool {
        self.back.fixed_size(cache)
    }
    fn debug_flags(&self, cache: u32) -> bool {
        self.back.debug_flags(cache)
    }
    fn object_node(&self, m: &Machine, addr: u64) -> Option<u8> {
        self.back.object_node(m, addr)
    }
    fn shutdown_live(&self, id: u32) -> Option<u64> {
        self.back.shutdown_live(id)
    }
    fn unknown_cache(&self, label: &str) -> OpError {
        self.back.unknown_cache(label)
    }
    fn kmalloc_cache(&self, size: u32) -> Option<u32> {
        self.back.kmalloc_cache(size)
    }
    fn create_cache(
        &mut self,
        m: &mut Machine,
        name: Sym,
        label: &str,
        size: u32,
        align: u32,
        flags: CacheFlags,
        out: &mut dyn EventSink,
    ) -> Result<u32, OpError> {
        self.back.create_cache(m, name, label, size, align, flags, out)
    }
    fn destroy_cache(
        &mut self,
        pages: &mut PageCtx<'_>,
        name: Sym,
        label: &str,
        out: &mut dyn EventSink,
    ) -> Result<(), OpError> {
        let id = self.back.cache_by_name(label).ok_or_else(|| self.back.unknown_cache(label))?;
        let held = self.front.held(id) as u64;
        if let (true, Some(live)) = (held > 0, self.back.shutdown_live(id)) {
            // Objects parked in the arrays are not the users': only the rest keep it busy.
            let users = live.saturating_sub(held);
            if users > 0 {
                return Err(OpError::CacheBusy { name: label.to_string(), live: users });
            }
            self.front.flush(&mut *self.back, pages, id, out);
        }
        self.back.destroy_cache(pages, name, label, out)
    }
    fn needs_pages(&self, m: &Machine, cache: u32, cpu: u16, node: Option<u8>, orig_size: u32) -> Option<u8> {
        let pref = node.unwrap_or_else(|| m.config().node_of_cpu(cpu));
        if !self.arrays_for(cache, node) || self.front.will_miss(cache, cpu, pref) {
            self.back.needs_pages(m, cache, cpu, node, orig_size)
        } else {
            None
        }
    }
    fn alloc(
        &mut self,
        pages: &mut PageCtx<'_>,
        cache: u32,
        cpu: u16,
        node: Option<u8>,
        site: Site,
        out: &mut dyn EventSink,
    ) -> Result<u64, OpError> {
        if self.arrays_for(cache, node) {
            self.front.alloc(&mut *self.back, pages, cache, cpu, site, out)
        } else {
            self.back.alloc(pages, cache, cpu, node, site, out)
        }
    }
    fn free(&mut self, pages: &mut PageCtx<'_>, cache: u32, cpu: u16, addr: u64, site: u32, out: &mut dyn EventSink) {
        if self.arrays_for(cache, None) {
            self.front.free(&mut *self.back, pages, cache, cpu, addr, site, out)
        } else {
            self.back.free(pages, cache, cpu, addr, site, out)
        }
    }
    fn is_live(&self, m: &Machine, cache: u32, addr: u64) -> bool {
        // After a `write` (tainted machine) SLUB's answer is "live" without looking; keep it.
        self.back.is_live(m, cache, addr) && (m.tainted() || !self.front.holds(cache, addr))
    }
    fn debug_checks(&self, cache: u32) -> bool {
        self.back.debug_checks(cache)
    }
    fn free_check(&self, cache: u32) -> Option<FreeCheck> {
        if !self.back.fixed_size(cache) {
            return self.back.free_check(cache);
        }
        Some(match self.front.design {
            Design::Magazine => FreeCheck::Magazine,
            Design::Sheaves => FreeCheck::Sheaf,
        })
    }
    fn krealloc_sizes(&self, m: &Machine, cache: u32, addr: u64) -> Result<(u32, u32), OpError> {
        self.back.krealloc_sizes(m, cache, addr)
    }
    fn shrink(&mut self, pages: &mut PageCtx<'_>, out: &mut dyn EventSink) -> u64 {
        self.back.shrink(pages, out)
    }
    fn reap(&mut self, pages: &mut PageCtx<'_>, out: &mut dyn EventSink) -> Result<ShownAfter, OpError> {
        match self.front.design {
            Design::Magazine => {
                self.front.reap(&mut *self.back, pages, out);
                Ok(ShownAfter::Stats)
            }
            Design::Sheaves => Err(self.not_for("reap")),
        }
    }
    fn validate(&mut self, pages: &mut PageCtx<'_>, cache: u32, out: &mut dyn EventSink) -> Result<(), OpError> {
        self.back.validate(pages, cache, out)
    }
    fn sysfs(&self, cache: u32) -> Result<String, OpError> {
        self.back.sysfs(cache)
    }
    fn slabinfo(&self) -> String {
        self.back.slabinfo()
    }
    fn slabinfo_tool(&self) -> String {
        self.back.slabinfo_tool()
    }
    fn leak_report(&self) -> String {
        self.back.leak_report()
    }
    fn debug_text(&self, ev: &Event) -> Option<String> {
        self.back.debug_text(ev)
    }
    fn cpu_rows(&self, m: &Machine) -> Vec<CpuRow> {
        let mut rows = self.back.cpu_rows(m);
        self.front.extend_rows(&mut rows);
        rows
    }
    fn node_rows(&self, m: &Machine) -> Vec<NodeRow> {
        let mut rows = self.back.node_rows(m);
        let mut live: Vec<u32> = self.back.cache_labels().iter().filter_map(|l| self.back.cache_by_name(l)).collect();
        crate::sort::sort(&mut live);
        live.dedup();
        rows.extend(self.front.node_rows(live.into_iter()));
        rows
    }
    fn block_rows(&self, m: &Machine) -> Vec<crate::slab::rows::BlockRow> {
        self.back.block_rows(m)
    }
    fn row_lists(&self) -> &'static [RowList] {
        self.back.row_lists()
    }
    fn slab_rows(&self, m: &Machine, held: &Held) -> Vec<SlabRow> {
        self.back.slab_rows(m, held)
    }
    fn colouring(&self) -> bool {
        self.back.colouring()
    }
    fn cache_summaries(&self) -> Vec<CacheSummary> {
        self.back.cache_summaries()
    }
    fn cache_count(&self) -> usize {
        self.back.cache_count()
    }
    fn orig_size(&self, m: &Machine, cache: u32, addr: u64) -> u32 {
        self.back.orig_size(m, cache, addr)
    }
    fn object_bytes(&self, m: &Machine, addr: u64, held: &Held) -> Option<ObjectBytes> {
        self.back.object_bytes(m, addr, held)
    }
    fn geometry(&self, id: u32) -> Result<CacheGeometry, OpError> {
        self.back.geometry(id)
    }
    fn cpu_free_count(&self, _m: &Machine, id: u32, cpu: u16) -> Result<usize, OpError> {
        Ok(self.front.cpu(id, cpu).map_or(0, |a| a.main.len()))
    }
    fn alloc_counts(&self, id: u32, cpu: u16) -> Result<(u64, u64), OpError> {
        Ok(self.front.cpu(id, cpu).map_or((0, 0), |a| (a.hits, a.misses)))
    }
    fn fast_path_counts(&self, cpu: u16) -> (u64, u64) {
        let (hits, misses) = summed_counts(self, self.front.arrays.len(), cpu);
        match self.front.design {
            // A magazine miss goes to the allocator behind one object at a time, where its own
            // fast path may serve it (and node-pinned allocations bypass the magazines).
            Design::Magazine => {
                let (fast, slow) = self.back.fast_path_counts(cpu);
                (hits + fast, slow)
            }
            // A sheaf miss refills the sheaf from the slabs in bulk: a slow path.
            Design::Sheaves => (hits, misses),
        }
    }
    fn array_capacity(&self, id: u32) -> Result<u32, OpError> {
        Ok(self.front.capacity.get(id as usize).copied().unwrap_or(0))
    }
    fn depot_full(&self, id: u32, node: u8) -> Result<u64, OpError> {
        let depot = self.front.depots.get(id as usize).and_then(|d| d.get(usize::from(node)));
        Ok(depot.map_or(0, |d| d.full.len() as u64))
    }
    fn free_pointer(&self, m: &Machine, cache: u32, addr: u64) -> Result<u64, OpError> {
        self.back.free_pointer(m, cache, addr)
    }
    fn fp_offset(&self, id: u32) -> Result<u32, OpError> {
        self.back.fp_offset(id)
    }
    fn back(&self) -> Option<&dyn SlabAllocator> {
        Some(&*self.back)
    }
    crate::slab::engine_any!();
}

impl SlabAllocator for ClassicSlab {
    fn policy(&self) -> SlabPolicy {
        SlabPolicy::Slab
    }
    fn apply(&mut self, m: &mut Machine, ev: &Event) {
        ClassicSlab::apply(self, m, ev)
    }
    fn check(&self, m: &Machine) -> Result<(), String> {
        ClassicSlab::check(self, m)
    }
    fn cache_by_name(&self, label: &str) -> Option<u32> {
        ClassicSlab::cache_by_name(self, label)
    }
    fn cache_labels(&self) -> Vec<String> {
        self.caches().iter().filter(|c| !c.destroyed).map(|c| c.name.clone()).collect()
    }
    fn cache_name(&self, id: u32) -> String {
        self.caches().get(id as usize).map_or_else(String::new, |c| c.name.clone())
    }
    fn object_size(&self, id: u32) -> u32 {
        self.caches().get(id as usize).map_or(0, |c| c.object_size)
    }
    fn kmalloc_cache(&self, size: u32) -> Option<u32> {
        ClassicSlab::kmalloc_cache(self, size)
    }
    fn shutdown_live(&self, id: u32) -> Option<u64> {
        let c = self.caches().get(id as usize)?;
        (!c.destroyed && !c.flags.has(CacheFlags::KMALLOC)).then_some(c.live)
    }
    fn create_cache(
        &mut self,
        m: &mut Machine,
        _name: Sym,
        label: &str,
        size: u32,
        align: u32,
        flags: CacheFlags,
        out: &mut dyn EventSink,
    ) -> Result<u32, OpError> {
        ClassicSlab::create_cache(self, m, label, size, align, flags, out)
    }
    fn destroy_cache(
        &mut self,
        pages: &mut PageCtx<'_>,
        _name: Sym,
        label: &str,
        out: &mut dyn EventSink,
    ) -> Result<(), OpError> {
        let id = ClassicSlab::cache_by_name(self, label).ok_or_else(|| self.unknown_cache(label))?;
        ClassicSlab::destroy_cache(self, pages, id, label, out)
    }
    fn needs_pages(&self, m: &Machine, cache: u32, cpu: u16, _node: Option<u8>, _orig_size: u32) -> Option<u8> {
        self.needs_grow(m, cache, cpu).then(|| self.caches()[cache as usize].order)
    }
    fn alloc(
        &mut self,
        pages: &mut PageCtx<'_>,
        cache: u32,
        cpu: u16,
        _node: Option<u8>,
        _site: Site,
        out: &mut dyn EventSink,
    ) -> Result<u64, OpError> {
        ClassicSlab::alloc(self, pages, cache, cpu, out)
    }
    fn free(&mut self, pages: &mut PageCtx<'_>, cache: u32, cpu: u16, addr: u64, _site: u32, out: &mut dyn EventSink) {
        ClassicSlab::free(self, pages, cache, cpu, addr, out)
    }
    fn is_live(&self, m: &Machine, cache: u32, addr: u64) -> bool {
        ClassicSlab::is_live(self, m, cache, addr)
    }
    fn free_check(&self, _cache: u32) -> Option<FreeCheck> {
        Some(FreeCheck::SlabArrayCache)
    }
    fn shrink(&mut self, pages: &mut PageCtx<'_>, out: &mut dyn EventSink) -> u64 {
        self.shrink_all(pages, out)
    }
    fn reap(&mut self, pages: &mut PageCtx<'_>, out: &mut dyn EventSink) -> Result<ShownAfter, OpError> {
        ClassicSlab::reap(self, pages, out);
        Ok(ShownAfter::Slabinfo)
    }
    fn slabinfo(&self) -> String {
        ClassicSlab::slabinfo(self)
    }
    fn row_lists(&self) -> &'static [RowList] {
        crate::slab::views::CLASSIC_LISTS
    }
    fn slab_rows(&self, m: &Machine, held: &Held) -> Vec<SlabRow> {
        ClassicSlab::slab_rows(self, m, held)
    }
    fn colouring(&self) -> bool {
        true
    }
    fn cache_summaries(&self) -> Vec<CacheSummary> {
        ClassicSlab::cache_summaries(self)
    }
    fn object_bytes(&self, m: &Machine, addr: u64, held: &Held) -> Option<ObjectBytes> {
        ClassicSlab::object_bytes(self, m, addr, held)
    }
    fn geometry(&self, id: u32) -> Result<CacheGeometry, OpError> {
        or_not_for(self, ClassicSlab::geometry(self, id), "cache geometry")
    }
    fn cpu_free_count(&self, _m: &Machine, id: u32, cpu: u16) -> Result<usize, OpError> {
        let a = self.caches().get(id as usize).and_then(|c| c.cpus.get(usize::from(cpu)));
        or_not_for(self, a.map(|a| a.entry.len()), "freelist")
    }
    fn alloc_counts(&self, id: u32, cpu: u16) -> Result<(u64, u64), OpError> {
        let a = self.caches().get(id as usize).and_then(|c| c.cpus.get(usize::from(cpu)));
        or_not_for(self, a.map(|a| (a.hits, a.misses)), "fast/slow")
    }
    fn array_capacity(&self, id: u32) -> Result<u32, OpError> {
        or_not_for(self, self.caches().get(id as usize).map(|c| c.limit), "array capacity")
    }
    fn fast_path_counts(&self, cpu: u16) -> (u64, u64) {
        summed_counts(self, self.caches().len(), cpu)
    }
    fn cpu_rows(&self, _m: &Machine) -> Vec<CpuRow> {
        ClassicSlab::cpu_rows(self)
    }
    fn node_rows(&self, _m: &Machine) -> Vec<NodeRow> {
        ClassicSlab::node_rows(self)
    }
    crate::slab::engine_any!();
}

impl AetherEngine {
    /// The op error for an engine error, field for field (the engine error leaves only the
    /// cache's name to the caller; the order of an out-of-memory is the one the page allocator
    /// refused, the size limit the engine's `MAX_SIZE`).
    fn op_error(&self, e: AetherError, label: &str) -> OpError {
        match e {
            AetherError::InvalidSize { size } => {
                OpError::BadSize { size: size as u64, max: u64::from(crate::slab::aether::MAX_SIZE) }
            }
            AetherError::InvalidAlign { align } => OpError::BadAlign { align: align as u32 },
            AetherError::OutOfMemory { order } => OpError::OutOfMemory { order },
            AetherError::UnknownCache => SlabAllocator::unknown_cache(self, label),
            AetherError::DuplicateName => OpError::CacheExists { name: label.to_string() },
            AetherError::CacheBusy { live } => OpError::CacheBusy { name: label.to_string(), live },
            AetherError::InvalidFree { addr } => {
                OpError::DoubleFreeIn { name: label.to_string(), addr: addr as u64, check: FreeCheck::AetherRefuses }
            }
        }
    }
}

impl SlabAllocator for AetherEngine {
    fn policy(&self) -> SlabPolicy {
        SlabPolicy::Aether
    }
    fn apply(&mut self, m: &mut Machine, ev: &Event) {
        AetherEngine::apply(self, m, ev)
    }
    fn check(&self, m: &Machine) -> Result<(), String> {
        AetherEngine::check(self, m)
    }
    fn cache_by_name(&self, label: &str) -> Option<u32> {
        AetherEngine::cache_by_name(self, label)
    }
    fn cache_labels(&self) -> Vec<String> {
        self.caches().iter().filter(|c| !c.destroyed).map(|c| c.name.clone()).collect()
    }
    fn cache_name(&self, id: u32) -> String {
        self.caches().get(id as usize).map_or_else(String::new, |c| c.name.clone())
    }
    fn object_size(&self, id: u32) -> u32 {
        self.caches().get(id as usize).map_or(0, |c| c.object_size)
    }
    fn kmalloc_cache(&self, size: u32) -> Option<u32> {
        self.class_for(size)
    }
    fn shutdown_live(&self, id: u32) -> Option<u64> {
        let c = self.caches().get(id as usize)?;
        (!c.destroyed).then_some(c.live)
    }
    fn create_cache(
        &mut self,
        m: &mut Machine,
        _name: Sym,
        label: &str,
        size: u32,
        align: u32,
        flags: CacheFlags,
        out: &mut dyn EventSink,
    ) -> Result<u32, OpError> {
        AetherEngine::create_cache(self, m, label, size, align, flags, out).map_err(|e| self.op_error(e, label))
    }
    fn destroy_cache(
        &mut self,
        pages: &mut PageCtx<'_>,
        _name: Sym,
        label: &str,
        out: &mut dyn EventSink,
    ) -> Result<(), OpError> {
        let id = AetherEngine::cache_by_name(self, label).ok_or_else(|| self.unknown_cache(label))?;
        AetherEngine::destroy_cache(self, pages, id, out).map_err(|e| self.op_error(e, label))
    }
    fn needs_pages(&self, _m: &Machine, cache: u32, cpu: u16, _node: Option<u8>, _orig_size: u32) -> Option<u8> {
        self.needs_new_slab(cache, cpu).then(|| self.caches()[cache as usize].order)
    }
    fn alloc(
        &mut self,
        pages: &mut PageCtx<'_>,
        cache: u32,
        cpu: u16,
        _node: Option<u8>,
        _site: Site,
        out: &mut dyn EventSink,
    ) -> Result<u64, OpError> {
        AetherEngine::alloc(self, pages, cache, cpu, out).map_err(|e| {
            let label = SlabAllocator::cache_name(self, cache);
            self.op_error(e, &label)
        })
    }
    fn free(&mut self, pages: &mut PageCtx<'_>, cache: u32, cpu: u16, addr: u64, _site: u32, out: &mut dyn EventSink) {
        AetherEngine::free(self, pages, cache, cpu, addr, out)
    }
    fn is_live(&self, m: &Machine, cache: u32, addr: u64) -> bool {
        AetherEngine::is_live(self, m, cache, addr)
    }
    fn free_check(&self, _cache: u32) -> Option<FreeCheck> {
        Some(FreeCheck::AetherRefuses)
    }
    fn shrink(&mut self, pages: &mut PageCtx<'_>, out: &mut dyn EventSink) -> u64 {
        self.emergency_shrink(pages, out)
    }
    fn slabinfo(&self) -> String {
        self.report()
    }
    fn row_lists(&self) -> &'static [RowList] {
        crate::slab::views::AETHER_LISTS
    }
    fn slab_rows(&self, m: &Machine, held: &Held) -> Vec<SlabRow> {
        AetherEngine::slab_rows(self, m, held)
    }
    fn colouring(&self) -> bool {
        true
    }
    fn cache_summaries(&self) -> Vec<CacheSummary> {
        AetherEngine::cache_summaries(self)
    }
    fn object_bytes(&self, m: &Machine, addr: u64, held: &Held) -> Option<ObjectBytes> {
        AetherEngine::object_bytes(self, m, addr, held)
    }
    fn geometry(&self, id: u32) -> Result<CacheGeometry, OpError> {
        or_not_for(self, AetherEngine::geometry(self, id), "cache geometry")
    }
    fn cpu_free_count(&self, _m: &Machine, id: u32, cpu: u16) -> Result<usize, OpError> {
        let a = self.caches().get(id as usize).and_then(|c| c.cpus.get(usize::from(cpu)));
        or_not_for(self, a.map(|a| a.local.len() + a.hot.len()), "freelist")
    }
    fn alloc_counts(&self, id: u32, cpu: u16) -> Result<(u64, u64), OpError> {
        let a = self.caches().get(id as usize).and_then(|c| c.cpus.get(usize::from(cpu)));
        or_not_for(self, a.map(|a| (a.hot_hits + a.local_hits, a.misses)), "fast/slow")
    }
    fn fast_path_counts(&self, cpu: u16) -> (u64, u64) {
        summed_counts(self, self.caches().len(), cpu)
    }
    fn cpu_rows(&self, _m: &Machine) -> Vec<CpuRow> {
        AetherEngine::cpu_rows(self)
    }
    crate::slab::engine_any!();
}
