//! SLUB's invariant checker ([`Slub::check`]; see the module docs of [`super`]).

use super::*;

impl Slub {
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
            crate::sort::sort(&mut uniq);
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
}
