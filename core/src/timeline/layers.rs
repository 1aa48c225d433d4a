//! Policy-independent views of the slab layer for the visualizer: one row per slab (its list,
//! its object cells, its freelists as object indices read from memory), one `slabtop` row per
//! cache, and a per-byte annotation of a SLUB object slot for the memory inspector.

use serde::{Deserialize, Serialize};

use crate::event::Event;
use crate::machine::{SlabPolicy, PAGE_SHIFT};
use crate::sim::Sim;
use crate::slab::classic::SlabList;
use crate::slab_layout::{CacheFlags, TRACK_SIZE, WORD};
use crate::slub::{phys, SlabPlace};

/// The list a slab is on, in its policy's terms.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RowList {
    /// SLUB: a CPU's slab.
    CpuSlab,
    /// SLUB: a CPU's partial list.
    CpuPartial,
    /// SLUB: a node's partial list.
    NodePartial,
    /// SLUB: full (on no list).
    Full,
    /// SLAB: `slabs_full`.
    SlabsFull,
    /// SLAB: `slabs_partial`.
    SlabsPartial,
    /// SLAB: `slabs_free`.
    SlabsFree,
    /// AetherOS: the global full list.
    GlobalFull,
    /// AetherOS: the global partial list.
    GlobalPartial,
    /// AetherOS: the global empty list.
    GlobalEmpty,
}

/// One object slot as the slab layer sees it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Cell {
    /// Handed to a user.
    Used,
    /// On the slab's own freelist.
    Free,
    /// On a CPU's lockless freelist (SLUB cpu slab).
    CpuFree,
    /// Held by a per-CPU array: SLAB array_cache / shared array, magazine, sheaf, AetherOS
    /// object cache or hot list.
    Cached,
}

/// One slab.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SlabRow {
    /// Cache id (of the active policy).
    pub cache: u32,
    /// First page.
    pub pfn: u32,
    /// Page order.
    pub order: u8,
    /// Node.
    pub node: u8,
    /// Its list.
    pub list: RowList,
    /// The CPU owning the list (cpu slab, cpu partial).
    pub cpu: Option<u16>,
    /// Address of object 0.
    pub first: u64,
    /// Bytes between objects.
    pub stride: u32,
    /// Colour offset in bytes (SLAB, AetherOS; 0 for SLUB).
    pub colour: u32,
    /// One cell per object.
    pub cells: Vec<Cell>,
    /// The slab's freelist as object indices, in list order (read from memory).
    pub freelist: Vec<u32>,
    /// The owning CPU's lockless freelist as object indices, in order (SLUB cpu slab).
    pub cpu_freelist: Vec<u32>,
}

impl SlabRow {
    /// Address of object `i`.
    pub fn addr(&self, i: u32) -> u64 {
        self.first + u64::from(i) * u64::from(self.stride)
    }
    /// Index of the object at `addr`, if it starts an object of this slab.
    pub fn index_of(&self, addr: u64) -> Option<u32> {
        let off = addr.checked_sub(self.first)?;
        let i = off / u64::from(self.stride.max(1));
        (off % u64::from(self.stride.max(1)) == 0 && i < self.cells.len() as u64).then_some(i as u32)
    }
}

/// One `slabtop` row.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CacheRow {
    /// Cache id.
    pub id: u32,
    /// Name.
    pub name: String,
    /// Other names (merged caches).
    pub aliases: Vec<String>,
    /// Requested object size.
    pub object_size: u32,
    /// Slot size.
    pub size: u32,
    /// Object slots in all slabs (`OBJS`).
    pub objects: u64,
    /// Objects not free in their slab (`ACTIVE`, as slabinfo counts).
    pub active: u64,
    /// Slabs.
    pub slabs: u64,
    /// Pages per slab.
    pub pages_per_slab: u32,
    /// `active × object_size / slab bytes`, in per mille (0 with no slab).
    pub efficiency_permille: u32,
    /// Internal fragmentation, bytes inside the slots of objects in use that the request does
    /// not use: the slot size minus the requested size (the kmalloc request where the kernel
    /// records it, `slub_debug=U` kmalloc caches, else the object size; so alignment, red
    /// zones, free pointer and tracks).
    #[serde(default)]
    pub waste_in_objects: u64,
    /// Internal fragmentation, bytes of every slab after its last slot (plus SLAB's colour and
    /// on-slab management): slab bytes − objects × slot stride.
    #[serde(default)]
    pub waste_leftover: u64,
    /// `(waste_in_objects + waste_leftover) / slab bytes`, in per mille (0 with no slab). Free
    /// slots are free capacity, not internal fragmentation.
    #[serde(default)]
    pub internal_frag_permille: u32,
}

/// Slab rows of every cache of the active policy, cache by cache, each cache's rows in list
/// order (SLUB: per CPU the cpu slab then the cpu partials, node partials, full; SLAB: full,
/// partial, free per node; AetherOS: full, partial, empty per node).
pub fn slab_rows(sim: &Sim) -> Vec<SlabRow> {
    let m = &sim.machine;
    let mut out = Vec::new();
    let held = held(sim);
    let none = std::collections::BTreeSet::new();
    match sim.config().slab {
        // SLOB pages hold variable-size blocks of every cache: no per-cache slab rows.
        SlabPolicy::Slob => {}
        SlabPolicy::Slab => {
            let Some(cl) = sim.classic() else { return out };
            for c in cl.caches().iter().filter(|c| !c.destroyed) {
                let cached = held.get(&c.id).unwrap_or(&none);
                for (node, n) in c.nodes.iter().enumerate() {
                    for (list, kind) in [
                        (SlabList::Full, RowList::SlabsFull),
                        (SlabList::Partial, RowList::SlabsPartial),
                        (SlabList::Free, RowList::SlabsFree),
                    ] {
                        for pfn in &n.lists[list as usize] {
                            let Some(s) = cl.slabs().get(pfn) else { continue };
                            let first = c.object_addr(s, 0);
                            let free: Vec<u32> = cl
                                .free_objects(m, s.pfn)
                                .iter()
                                .filter_map(|&a| index(first, c.size, c.num, a))
                                .collect();
                            let cells = cells(c.num, &free, &[], |i| cached.contains(&c.object_addr(s, i)));
                            out.push(SlabRow {
                                cache: c.id,
                                pfn: s.pfn,
                                order: c.order,
                                node: node as u8,
                                list: kind,
                                cpu: None,
                                first,
                                stride: c.size,
                                colour: s.colour_offset,
                                cells,
                                freelist: free,
                                cpu_freelist: Vec::new(),
                            });
                        }
                    }
                }
            }
        }
        SlabPolicy::Aether => {
            let Some(ae) = sim.aether() else { return out };
            for c in ae.caches().iter().filter(|c| !c.destroyed) {
                let cached = held.get(&c.id).unwrap_or(&none);
                for (node, lists) in c.lists.iter().enumerate() {
                    for (li, kind) in [(2, RowList::GlobalFull), (1, RowList::GlobalPartial), (0, RowList::GlobalEmpty)]
                    {
                        for pfn in &lists[li] {
                            let Some(s) = ae.slabs().get(pfn) else { continue };
                            let first = c.object_addr(s.pfn, s.colour, 0);
                            let free: Vec<u32> = ae
                                .walk_freelist(m, s.pfn)
                                .iter()
                                .filter_map(|&a| index(first, c.size, s.objects, a))
                                .collect();
                            let cells =
                                cells(s.objects, &free, &[], |i| cached.contains(&c.object_addr(s.pfn, s.colour, i)));
                            out.push(SlabRow {
                                cache: c.id,
                                pfn: s.pfn,
                                order: s.order,
                                node: node as u8,
                                list: kind,
                                cpu: None,
                                first,
                                stride: c.size,
                                colour: s.colour,
                                cells,
                                freelist: free,
                                cpu_freelist: Vec::new(),
                            });
                        }
                    }
                }
            }
        }
        SlabPolicy::Slub | SlabPolicy::Sheaves => {
            let Some(slub) = sim.slub() else { return out };
            for c in slub.caches().iter().filter(|c| !c.destroyed) {
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
                    slub.slabs()
                        .values()
                        .filter(|s| s.cache == c.id && s.place == SlabPlace::Full)
                        .map(|s| (s.pfn, RowList::Full, None)),
                );
                for (pfn, list, cpu) in order {
                    let Some(s) = slub.slabs().get(&pfn) else { continue };
                    let first = c.object_addr(s.pfn, 0);
                    let idx = |v: Vec<u64>| -> Vec<u32> {
                        v.iter().filter_map(|&a| c.object_index(s.pfn, s.objects, a)).collect()
                    };
                    let free = idx(slub.walk_freelist(m, c.id, s.pfn, s.freelist));
                    let cpu_free = match (list, cpu) {
                        (RowList::CpuSlab, Some(cpu)) => {
                            idx(slub.walk_freelist(m, c.id, s.pfn, c.cpus[usize::from(cpu)].freelist))
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
        }
    }
    out
}

/// Objects held in front of the slabs (per-CPU arrays and node stores), by cache, from the
/// contract's policy-neutral rows.
fn held(sim: &Sim) -> std::collections::BTreeMap<u32, std::collections::BTreeSet<u64>> {
    let mut out: std::collections::BTreeMap<u32, std::collections::BTreeSet<u64>> = Default::default();
    for r in sim.slab.cpu_rows(&sim.machine) {
        out.entry(r.cache).or_default().extend(r.held());
    }
    for r in sim.slab.node_rows(&sim.machine) {
        out.entry(r.cache).or_default().extend(r.objects.iter().copied());
    }
    out
}

fn index(first: u64, size: u32, objects: u32, addr: u64) -> Option<u32> {
    let off = addr.checked_sub(first)?;
    (off % u64::from(size) == 0 && off / u64::from(size) < u64::from(objects)).then(|| (off / u64::from(size)) as u32)
}

/// Cells of a slab: on a freelist (the CPU's wins), else held by a per-CPU array, else in use.
fn cells(objects: u32, free: &[u32], cpu_free: &[u32], cached: impl Fn(u32) -> bool) -> Vec<Cell> {
    let mut out: Vec<Cell> = (0..objects).map(|i| if cached(i) { Cell::Cached } else { Cell::Used }).collect();
    for &i in free {
        out[i as usize] = Cell::Free;
    }
    for &i in cpu_free {
        out[i as usize] = Cell::CpuFree;
    }
    out
}

/// `slabtop` rows for the active policy's caches, from the slab rows.
pub fn cache_rows(sim: &Sim, rows: &[SlabRow]) -> Vec<CacheRow> {
    let caches: Vec<(u32, String, Vec<String>, u32, u32)> = match sim.config().slab {
        SlabPolicy::Slob => sim.engine::<crate::slab::slob::Slob>().map_or(Vec::new(), |s| {
            s.caches()
                .iter()
                .filter(|c| !c.destroyed)
                .map(|c| (c.id, c.name.clone(), Vec::new(), c.size, c.size))
                .collect()
        }),
        SlabPolicy::Slab => sim.classic().map_or(Vec::new(), |cl| {
            cl.caches()
                .iter()
                .filter(|c| !c.destroyed)
                .map(|c| (c.id, c.name.clone(), Vec::new(), c.object_size, c.size))
                .collect()
        }),
        SlabPolicy::Aether => sim.aether().map_or(Vec::new(), |ae| {
            ae.caches()
                .iter()
                .filter(|c| !c.destroyed)
                .map(|c| (c.id, c.name.clone(), Vec::new(), c.object_size, c.size))
                .collect()
        }),
        SlabPolicy::Slub | SlabPolicy::Sheaves => sim.slub().map_or(Vec::new(), |slub| {
            slub.caches()
                .iter()
                .filter(|c| !c.destroyed)
                .map(|c| {
                    let aliases =
                        slub.names().filter(|&(n, id)| id == c.id && n != c.name).map(|(n, _)| n.to_string()).collect();
                    (c.id, c.name.clone(), aliases, c.layout.object_size, c.layout.size)
                })
                .collect()
        }),
    };
    caches
        .into_iter()
        .map(|(id, name, aliases, object_size, size)| {
            let mine = rows.iter().filter(|r| r.cache == id);
            let (mut objects, mut active, mut slabs, mut bytes, mut order) = (0u64, 0u64, 0u64, 0u64, None);
            let (mut waste_in_objects, mut waste_leftover) = (0u64, 0u64);
            let slub = sim.slub();
            for r in mine {
                let slab_bytes = 1u64 << (PAGE_SHIFT + u32::from(r.order));
                waste_leftover += slab_bytes.saturating_sub(r.cells.len() as u64 * u64::from(r.stride));
                for (i, _) in r.cells.iter().enumerate().filter(|(_, c)| **c == Cell::Used) {
                    let requested = slub.map_or(object_size, |s| s.orig_size(&sim.machine, id, r.addr(i as u32)));
                    waste_in_objects += u64::from(size.saturating_sub(requested.min(object_size)));
                }
                objects += r.cells.len() as u64;
                active += r.cells.iter().filter(|c| !matches!(c, Cell::Free | Cell::CpuFree)).count() as u64;
                slabs += 1;
                bytes += 1u64 << (PAGE_SHIFT + u32::from(r.order));
                order.get_or_insert(r.order);
            }
            let efficiency_permille = (active * u64::from(object_size) * 1000).checked_div(bytes).unwrap_or(0) as u32;
            let internal_frag_permille =
                ((waste_in_objects + waste_leftover) * 1000).checked_div(bytes).unwrap_or(0).min(1000) as u32;
            CacheRow {
                id,
                name,
                aliases,
                object_size,
                size,
                objects,
                active,
                slabs,
                pages_per_slab: 1 << order.unwrap_or(0),
                efficiency_permille,
                waste_in_objects,
                waste_leftover,
                internal_frag_permille,
            }
        })
        .collect()
}

/// What a byte of an object slot holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ByteKind {
    /// Left red zone.
    RedLeft,
    /// The object's bytes (user data while allocated).
    Payload,
    /// Poison of a free object (0x6b…0xa5).
    Poison,
    /// The free pointer (while free, or always when it lies outside the object).
    FreePointer,
    /// Right red zone (after the object, up to `inuse`).
    RedRight,
    /// Store-user tracks (alloc/free callers) and the kmalloc request size.
    Track,
    /// Alignment or slot padding.
    Padding,
    /// SLAB: the slab's free-index array, kept inside this free object (`OBJFREELIST_SLAB`).
    FreeIndex,
}

/// A SLUB object slot, byte by byte, for the memory inspector.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ObjectBytes {
    /// Cache id.
    pub cache: u32,
    /// The object's address.
    pub addr: u64,
    /// Address of the first byte shown (the left red zone).
    pub start: u64,
    /// Allocated (not on a freelist).
    pub active: bool,
    /// The bytes of the slot.
    pub bytes: Vec<u8>,
    /// What each byte is.
    pub kinds: Vec<ByteKind>,
    /// Bytes a slub_debug check reports as wrong.
    pub corrupt: Vec<bool>,
}

/// Annotate the object at `addr`; `None` when `addr` does not start an object of a live slab.
/// SLUB (and sheaves): the full slub_debug layout and the bytes a check flags. SLAB and AetherOS
/// (no debug layout): payload and padding, the free pointer of a free AetherOS object (its first
/// word), and SLAB's free-index array when this free object hosts it.
pub fn object_bytes(sim: &Sim, addr: u64) -> Option<ObjectBytes> {
    if !matches!(sim.config().slab, SlabPolicy::Slub | SlabPolicy::Sheaves) {
        return plain_object_bytes(sim, addr);
    }
    let slub = sim.slub()?;
    let s = slub.slab_of(addr)?;
    let c = &slub.caches()[s.cache as usize];
    c.object_index(s.pfn, s.objects, addr)?;
    let m = &sim.machine;
    let active = slub.is_live(m, s.cache, addr);
    let l = c.layout;
    let start = addr - u64::from(l.red_left_pad);
    let mut bytes = vec![0u8; l.size as usize];
    m.mem.read(phys(start), &mut bytes);
    let redzone = c.flags.has(CacheFlags::REDZONE);
    let poison = c.flags.has(CacheFlags::POISON);
    let info_end = crate::slub::Slub::info_end(&l);
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
    for ev in slub.check_object(m, s.cache, addr, active) {
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

/// SLAB and AetherOS objects (see [`object_bytes`]).
fn plain_object_bytes(sim: &Sim, addr: u64) -> Option<ObjectBytes> {
    let rows = slab_rows(sim);
    let r = rows.iter().find(|r| r.index_of(addr).is_some())?;
    let cell = r.cells[r.index_of(addr)? as usize];
    let free = matches!(cell, Cell::Free | Cell::CpuFree);
    let (object_size, index_at, index_len) = match sim.config().slab {
        SlabPolicy::Slab => {
            let cl = sim.classic()?;
            let c = &cl.caches()[r.cache as usize];
            let s = cl.slabs().get(&r.pfn)?;
            (c.object_size, s.freelist_at, c.num)
        }
        _ => (sim.aether()?.caches()[r.cache as usize].object_size, 0, 0),
    };
    let aether = sim.config().slab == SlabPolicy::Aether;
    let mut bytes = vec![0u8; r.stride as usize];
    sim.machine.mem.read(phys(addr), &mut bytes);
    let kinds = (0..r.stride)
        .map(|b| {
            let at = addr + u64::from(b);
            if index_at != 0 && at >= index_at && at < index_at + u64::from(index_len) {
                ByteKind::FreeIndex
            } else if aether && free && b < WORD {
                ByteKind::FreePointer
            } else if b < object_size {
                ByteKind::Payload
            } else {
                ByteKind::Padding
            }
        })
        .collect();
    Some(ObjectBytes {
        cache: r.cache,
        addr,
        start: addr,
        active: !free,
        bytes,
        kinds,
        corrupt: vec![false; r.stride as usize],
    })
}
