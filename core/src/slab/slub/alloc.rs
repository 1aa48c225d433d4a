//! SLUB allocation: the fast path, the slow path in Linux's order (`___slab_alloc`), new slabs, bulk refills and debug allocations.

use super::*;

impl Slub {
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
    pub(super) fn load(
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
    pub(super) fn get_partial_node(
        &mut self,
        m: &mut Machine,
        cache: u32,
        cpu: u16,
        node: u8,
        out: &mut dyn EventSink,
    ) -> bool {
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
    pub(super) fn new_slab(
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
    pub(super) fn alloc_debug(
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
}
