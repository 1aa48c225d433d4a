//! SLUB free: the fast path, `__slab_free`, cpu partial lists, deactivation, discarding slabs and `kmem_cache_shrink`.

use super::*;

impl Slub {
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
    pub(super) fn put_cpu_partial(
        &mut self,
        pages: &mut PageCtx<'_>,
        cache: u32,
        cpu: u16,
        pfn: u32,
        out: &mut dyn EventSink,
    ) {
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
    pub(super) fn put_partials(&mut self, pages: &mut PageCtx<'_>, cache: u32, cpu: u16, out: &mut dyn EventSink) {
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
    pub(super) fn deactivate(
        &mut self,
        pages: &mut PageCtx<'_>,
        cache: u32,
        cpu: u16,
        pfn: u32,
        out: &mut dyn EventSink,
    ) {
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
    pub(super) fn discard(&mut self, pages: &mut PageCtx<'_>, cpu: Option<u16>, pfn: u32, out: &mut dyn EventSink) {
        let s = self.slabs[&pfn].clone();
        self.emit(pages.machine, out, Event::SlabDiscard { cache: s.cache, node: s.node, pfn, objects: s.objects });
        let cpu = cpu.unwrap_or_else(|| pages.machine.config().cpus_of_node(s.node).next().unwrap_or(0));
        pages.free(cpu, pfn, out);
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
}
