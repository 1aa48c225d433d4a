//! What each engine shows the views and the lesson queries through the contract
//! ([`crate::slab::SlabAllocator::slab_rows`], `object_bytes`, `geometry`, …): the engines' own
//! types stay here, the callers above (`timeline/layers.rs`, `lesson/query.rs`) see only the
//! policy-neutral rows of [`crate::slab::rows`] and never name a policy (s6-contract).

use crate::error::OpError;
use crate::event::Event;
use crate::machine::Machine;
use crate::slab::aether::AetherEngine;
use crate::slab::classic::{ClassicSlab, SlabList};
use crate::slab::layout::{CacheFlags, TRACK_SIZE, WORD};
use crate::slab::rows::{
    cells, plain_object_bytes, slot_index, ByteKind, CacheGeometry, CacheSummary, Held, ObjectBytes, PlainSlot,
    RowList, SlabRow,
};
use crate::slab::slub::{phys, SlabPlace, Slub};

/// The lists SLUB's slab rows use.
pub const SLUB_LISTS: &[RowList] = &[RowList::CpuSlab, RowList::CpuPartial, RowList::NodePartial, RowList::Full];
/// The lists classic SLAB's slab rows use.
pub const CLASSIC_LISTS: &[RowList] = &[RowList::SlabsFull, RowList::SlabsPartial, RowList::SlabsFree];
/// The lists AetherOS's slab rows use.
pub const AETHER_LISTS: &[RowList] = &[RowList::GlobalFull, RowList::GlobalPartial, RowList::GlobalEmpty];

impl Slub {
    /// Slab rows, cache by cache: per CPU the cpu slab then the cpu partials, node partials, full.
    pub fn slab_rows(&self, m: &Machine, held: &Held) -> Vec<SlabRow> {
        let none = std::collections::BTreeSet::new();
        let mut out = Vec::new();
        for c in self.caches().iter().filter(|c| !c.destroyed) {
            // Objects held by magazines / sheaves and their depot / barn.
            let held = held.get(&c.id).unwrap_or(&none);
            let mut order: Vec<(u32, RowList, Option<u16>)> = Vec::new();
            for (cpu, cs) in c.cpus.iter().enumerate() {
                let cpu = cpu as u16;
                order.extend(cs.slab.map(|p| (p, RowList::CpuSlab, Some(cpu))));
                order.extend(cs.partial.iter().map(|&p| (p, RowList::CpuPartial, Some(cpu))));
            }
            for n in &c.nodes {
                order.extend(n.partial.iter().map(|&p| (p, RowList::NodePartial, None)));
            }
            order.extend(
                self.slabs()
                    .values()
                    .filter(|s| s.cache == c.id && s.place == SlabPlace::Full)
                    .map(|s| (s.pfn, RowList::Full, None)),
            );
            for (pfn, list, cpu) in order {
                let Some(s) = self.slabs().get(&pfn) else { continue };
                let first = c.object_addr(s.pfn, 0);
                let idx = |v: Vec<u64>| -> Vec<u32> {
                    v.iter().filter_map(|&a| c.object_index(s.pfn, s.objects, a)).collect()
                };
                let free = idx(self.walk_freelist(m, c.id, s.pfn, s.freelist));
                let cpu_free = match (list, cpu) {
                    (RowList::CpuSlab, Some(cpu)) => {
                        idx(self.walk_freelist(m, c.id, s.pfn, c.cpus[usize::from(cpu)].freelist))
                    }
                    _ => Vec::new(),
                };
                let cells = cells(s.objects, &free, &cpu_free, |i| held.contains(&c.object_addr(s.pfn, i)));
                out.push(SlabRow {
                    cache: c.id,
                    pfn: s.pfn,
                    order: s.order,
                    node: s.node,
                    list,
                    cpu,
                    first,
                    stride: c.layout.size,
                    colour: 0,
                    cells,
                    freelist: free,
                    cpu_freelist: cpu_free,
                });
            }
        }
        out
    }

    /// `slabtop` names: live caches with their merged aliases.
    pub fn cache_summaries(&self) -> Vec<CacheSummary> {
        self.caches()
            .iter()
            .filter(|c| !c.destroyed)
            .map(|c| CacheSummary {
                id: c.id,
                name: c.name.clone(),
                aliases: self
                    .names()
                    .filter(|&(n, id)| id == c.id && n != c.name)
                    .map(|(n, _)| n.to_string())
                    .collect(),
                object_size: c.layout.object_size,
                size: c.layout.size,
            })
            .collect()
    }

    /// A SLUB object slot byte by byte: the full slub_debug layout and the bytes a check flags.
    pub fn object_bytes(&self, m: &Machine, addr: u64) -> Option<ObjectBytes> {
        let s = self.slab_of(addr)?;
        let c = self.caches().get(s.cache as usize)?;
        c.object_index(s.pfn, s.objects, addr)?;
        let active = self.is_live(m, s.cache, addr);
        let l = c.layout;
        let start = addr - u64::from(l.red_left_pad);
        let mut bytes = vec![0u8; l.size as usize];
        m.mem.read(phys(start), &mut bytes);
        let redzone = c.flags.has(CacheFlags::REDZONE);
        let poison = c.flags.has(CacheFlags::POISON);
        let info_end = Slub::info_end(&l);
        let track_end = if c.flags.has(CacheFlags::USER) {
            info_end + 2 * TRACK_SIZE + if c.flags.has(CacheFlags::KMALLOC) { 4 } else { 0 }
        } else {
            info_end
        };
        let kinds = (0..l.size)
            .map(|b| {
                if b < l.red_left_pad {
                    return ByteKind::RedLeft;
                }
                let off = b - l.red_left_pad; // offset from the object start
                let fp = off >= l.offset && off < l.offset + WORD && (l.freeptr_outside() || !active);
                if fp {
                    ByteKind::FreePointer
                } else if off < l.object_size {
                    if poison && !active {
                        ByteKind::Poison
                    } else {
                        ByteKind::Payload
                    }
                } else if off < l.inuse {
                    if redzone {
                        ByteKind::RedRight
                    } else {
                        ByteKind::Padding
                    }
                } else if off >= info_end && off < track_end {
                    ByteKind::Track
                } else {
                    ByteKind::Padding
                }
            })
            .collect();
        let mut corrupt = vec![false; l.size as usize];
        for ev in self.check_object(m, s.cache, addr, active) {
            if let Event::CorruptBytes { start: at, len, .. } = ev {
                for a in at..at + u64::from(len) {
                    if let Some(flag) = a.checked_sub(start).and_then(|i| corrupt.get_mut(i as usize)) {
                        *flag = true;
                    }
                }
            }
        }
        Some(ObjectBytes { cache: s.cache, addr, start, active, bytes, kinds, corrupt })
    }

    /// Geometry of cache `id`.
    pub fn geometry(&self, id: u32) -> Option<CacheGeometry> {
        let c = self.caches().get(id as usize)?;
        Some(CacheGeometry {
            live: c.live,
            per_slab: c.objects,
            order: c.order,
            size: c.layout.size,
            colours: 1,
            colour_step: 0,
            batch: None,
        })
    }

    /// Objects on the lockless freelist of `cpu`'s cpu slab.
    pub fn cpu_free_count(&self, m: &Machine, id: u32, cpu: u16) -> Option<usize> {
        let cs = self.caches().get(id as usize)?.cpus.get(usize::from(cpu))?;
        Some(cs.slab.map_or(0, |p| self.walk_freelist(m, id, p, cs.freelist).len()))
    }
}

impl ClassicSlab {
    /// Slab rows, cache by cache: per node `slabs_full`, `slabs_partial`, `slabs_free`.
    pub fn slab_rows(&self, m: &Machine, held: &Held) -> Vec<SlabRow> {
        let order = [
            (SlabList::Full as usize, RowList::SlabsFull),
            (SlabList::Partial as usize, RowList::SlabsPartial),
            (SlabList::Free as usize, RowList::SlabsFree),
        ];
        let caches = self.caches().iter().filter(|c| !c.destroyed).map(|c| (c, c.id, c.nodes.iter().map(|n| &n.lists)));
        node_list_rows(caches, order, held, |c, at, cached| {
            let s = self.slabs().get(&at.pfn)?;
            let (first, free) = (c.object_addr(s, 0), self.free_objects(m, s.pfn));
            Some(plain_row(RowAt { order: c.order, ..at }, first, c.size, s.colour_offset, c.num, &free, cached))
        })
    }

    /// `slabtop` names of the live caches.
    pub fn cache_summaries(&self) -> Vec<CacheSummary> {
        let live = self.caches().iter().filter(|c| !c.destroyed);
        live.map(|c| CacheSummary::unaliased(c.id, &c.name, c.object_size, c.size)).collect()
    }

    /// A slot: payload, padding and the free-index array when this free object hosts it.
    pub fn object_bytes(&self, m: &Machine, addr: u64, held: &Held) -> Option<ObjectBytes> {
        plain_object_bytes(m, &self.slab_rows(m, held), addr, |r| {
            let c = self.caches().get(r.cache as usize)?;
            let s = self.slabs().get(&r.pfn)?;
            Some(PlainSlot {
                object_size: c.object_size,
                free_index: Some((s.freelist_at, c.num)),
                freeptr_first_word: false,
            })
        })
    }

    /// Geometry of cache `id`.
    pub fn geometry(&self, id: u32) -> Option<CacheGeometry> {
        let c = self.caches().get(id as usize)?;
        Some(CacheGeometry {
            live: c.live,
            per_slab: c.num,
            order: c.order,
            size: c.size,
            colours: c.colour,
            colour_step: c.colour_off,
            batch: Some(c.batchcount),
        })
    }
}

impl AetherEngine {
    /// Slab rows, cache by cache: per node the global full, partial and empty lists.
    pub fn slab_rows(&self, m: &Machine, held: &Held) -> Vec<SlabRow> {
        let order = [(2, RowList::GlobalFull), (1, RowList::GlobalPartial), (0, RowList::GlobalEmpty)];
        let caches = self.caches().iter().filter(|c| !c.destroyed).map(|c| (c, c.id, c.lists.iter()));
        node_list_rows(caches, order, held, |c, at, cached| {
            let s = self.slabs().get(&at.pfn)?;
            let (first, free) = (c.object_addr(s.pfn, s.colour, 0), self.walk_freelist(m, s.pfn));
            Some(plain_row(RowAt { order: s.order, ..at }, first, c.size, s.colour, s.objects, &free, cached))
        })
    }

    /// `slabtop` names of the live caches.
    pub fn cache_summaries(&self) -> Vec<CacheSummary> {
        let live = self.caches().iter().filter(|c| !c.destroyed);
        live.map(|c| CacheSummary::unaliased(c.id, &c.name, c.object_size, c.size)).collect()
    }

    /// A slot: payload, padding and the free pointer in a free object's first word.
    pub fn object_bytes(&self, m: &Machine, addr: u64, held: &Held) -> Option<ObjectBytes> {
        plain_object_bytes(m, &self.slab_rows(m, held), addr, |r| {
            let c = self.caches().get(r.cache as usize)?;
            Some(PlainSlot { object_size: c.object_size, free_index: None, freeptr_first_word: true })
        })
    }

    /// Geometry of cache `id`.
    pub fn geometry(&self, id: u32) -> Option<CacheGeometry> {
        let c = self.caches().get(id as usize)?;
        Some(CacheGeometry {
            live: c.live,
            per_slab: c.objects,
            order: c.order,
            size: c.size,
            colours: c.colours,
            colour_step: c.colour_step,
            batch: None,
        })
    }
}

/// Where a slab of a policy without CPU slabs sits.
struct RowAt {
    cache: u32,
    pfn: u32,
    order: u8,
    node: u8,
    list: RowList,
}

/// The slab rows of a policy whose slabs sit on three lists per node (classic SLAB, AetherOS):
/// for each live cache `(cache, id, its nodes' lists)`, node by node, the lists in `order`
/// (index into a node's lists, the row list it shows as), each slab's row made by `row` from its
/// place (`order` 0 until `row` sets it) and the objects held in front of the slabs.
fn node_list_rows<'a, C: 'a, N: Iterator<Item = &'a [Vec<u32>; 3]>>(
    caches: impl Iterator<Item = (&'a C, u32, N)>,
    order: [(usize, RowList); 3],
    held: &Held,
    row: impl Fn(&C, RowAt, &std::collections::BTreeSet<u64>) -> Option<SlabRow>,
) -> Vec<SlabRow> {
    let none = std::collections::BTreeSet::new();
    let mut out = Vec::new();
    for (c, cache, nodes) in caches {
        let cached = held.get(&cache).unwrap_or(&none);
        for (node, lists) in nodes.enumerate() {
            for (li, list) in order {
                out.extend(
                    lists[li]
                        .iter()
                        .filter_map(|&pfn| row(c, RowAt { cache, pfn, order: 0, node: node as u8, list }, cached)),
                );
            }
        }
    }
    out
}

/// The row of a slab on a node list (classic SLAB, AetherOS): `objects` slots of `stride` bytes
/// from `first`, `free` its free objects in list order (read from memory), `cached` the objects
/// held in front of the slabs.
fn plain_row(
    at: RowAt,
    first: u64,
    stride: u32,
    colour: u32,
    objects: u32,
    free: &[u64],
    cached: &std::collections::BTreeSet<u64>,
) -> SlabRow {
    let free: Vec<u32> = free.iter().filter_map(|&a| slot_index(first, stride, objects, a)).collect();
    let addr = |i: u32| first + u64::from(i) * u64::from(stride);
    let cells = cells(objects, &free, &[], |i| cached.contains(&addr(i)));
    let RowAt { cache, pfn, order, node, list } = at;
    SlabRow {
        cache,
        pfn,
        order,
        node,
        list,
        cpu: None,
        first,
        stride,
        colour,
        cells,
        freelist: free,
        cpu_freelist: Vec::new(),
    }
}

/// `Ok` of `v`, or the typed "not for this policy" error of `a` for `what`.
pub(crate) fn or_not_for<T>(
    a: &(impl crate::slab::SlabAllocator + ?Sized),
    v: Option<T>,
    what: &'static str,
) -> Result<T, OpError> {
    v.ok_or_else(|| a.not_for(what))
}
