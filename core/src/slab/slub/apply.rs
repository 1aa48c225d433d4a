//! SLUB's event application: every state change arrives as an [`Event`] applied here.

use super::*;

impl Slub {
    // ---- event application ---------------------------------------------------------------

    pub(super) fn slab_mut(&mut self, pfn: u32) -> &mut SlabRec {
        self.slabs.get_mut(&pfn).expect("event names a known slab")
    }

    pub(super) fn set_place(&mut self, pfn: u32, place: SlabPlace) {
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
}
