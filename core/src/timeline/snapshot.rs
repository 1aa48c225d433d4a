//! Serializable views of the state at one step, for the UI, lessons and tests.
//! Sections for later layers are added as new optional fields, never by reshaping these.

use serde::{Deserialize, Serialize};

use crate::machine::{FrameKind, MachineConfig, Owner};
use crate::names::{Binding, Names, Value};
use crate::sim::{Sim, Stats};
use crate::slab_layout::Layout;
use crate::slub::SlabPlace;

/// One zone's free lists.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ZoneSnap {
    /// Node id.
    pub node: u8,
    /// First pfn.
    pub start_pfn: u32,
    /// Pages spanned.
    pub pages: u32,
    /// `free_area[order]` lists, head first.
    pub free_area: Vec<Vec<u32>>,
}

/// State of a block in the memory map.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum BlockState {
    /// On a buddy free list.
    Free,
    /// On a CPU's pcp list.
    Pcp { cpu: u16 },
    /// Allocated.
    Used { owner: Owner },
    /// Between lists mid-operation (seen only at intermediate steps).
    Transit,
}

/// A block covering `1 << order` pages from `pfn`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BlockSnap {
    /// First page.
    pub pfn: u32,
    /// Order.
    pub order: u8,
    /// State.
    pub state: BlockState,
}

/// One CPU's pcp lists for one zone.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PcpSnap {
    /// CPU.
    pub cpu: u16,
    /// Node of the zone.
    pub node: u8,
    /// `lists[order]`, head first.
    pub lists: Vec<Vec<u32>>,
    /// Pages on the lists.
    pub count: u32,
    /// Recently freed pages (sizes the next drain).
    pub free_count: u32,
    /// Zone batch.
    pub batch: u32,
    /// Zone high.
    pub high: u32,
}

/// A bound name.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct BindingSnap {
    /// `p` or `p[3]`.
    pub label: String,
    /// The value.
    pub value: Value,
}

/// One CPU's view of a cache.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CpuCacheSnap {
    /// CPU.
    pub cpu: u16,
    /// The cpu slab's first pfn.
    pub slab: Option<u32>,
    /// The lockless freelist, in order (read from memory).
    pub freelist: Vec<u64>,
    /// cpu partial slabs, head first.
    pub partial: Vec<u32>,
    /// Fast-path allocations.
    pub alloc_fast: u64,
    /// Slow-path allocations.
    pub alloc_slow: u64,
    /// Fast-path frees.
    pub free_fast: u64,
    /// Slow-path frees.
    pub free_slow: u64,
}

/// A slab cache.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CacheSnap {
    /// Id.
    pub id: u32,
    /// Name.
    pub name: String,
    /// Other names (aliases) of this cache.
    pub aliases: Vec<String>,
    /// Slot layout.
    pub layout: Layout,
    /// Flags, op-language spelling.
    pub flags: String,
    /// Objects per slab.
    pub objects: u32,
    /// Slab order.
    pub order: u8,
    /// `min_partial`.
    pub min_partial: u32,
    /// `cpu_partial_slabs`.
    pub cpu_partial_slabs: u32,
    /// Allocated objects.
    pub live: u64,
    /// Per CPU.
    pub cpus: Vec<CpuCacheSnap>,
    /// Node partial lists, head first.
    pub node_partial: Vec<Vec<u32>>,
}

/// A slab.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SlabSnap {
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
    /// `inuse` counter.
    pub inuse: u32,
    /// Where it is.
    pub place: SlabPlace,
    /// The slab's own freelist, in order (read from memory).
    pub freelist: Vec<u64>,
}

/// The state at one step.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Snapshot {
    /// Machine configuration.
    pub config: MachineConfig,
    /// Buddy zones.
    pub zones: Vec<ZoneSnap>,
    /// Every block covering memory, ascending by pfn (free, pcp, used, in transit).
    pub blocks: Vec<BlockSnap>,
    /// pcp lists (empty when pcp is off).
    pub pcp: Vec<PcpSnap>,
    /// Bound names.
    pub bindings: Vec<BindingSnap>,
    /// `/proc/buddyinfo`.
    pub buddyinfo: String,
    /// Summary numbers.
    pub stats: Stats,
    /// Slab caches (destroyed ones left out).
    pub caches: Vec<CacheSnap>,
    /// Every slab, by pfn.
    pub slabs: Vec<SlabSnap>,
    /// `/proc/slabinfo` (of the active slab policy).
    pub slabinfo: String,
    /// Live SuperSlabs.
    pub superslabs: Vec<crate::superslab::SuperSlab>,
    /// SuperSlab allocator threads (TLS slabs and magazines), by thread id.
    pub superslab_threads: Vec<(u16, crate::superslab::ThreadState)>,
    /// Bytes the SuperSlab allocator holds from the page allocator.
    pub superslab_resident: u64,
    /// What each CPU holds of each cache in front of the slabs (policy-neutral rows from the
    /// slab contract: SLUB's cpu slab and freelist, SLAB's array cache, AetherOS's hot list and
    /// object cache, magazines, sheaves), cache by cache.
    pub cpu_rows: Vec<crate::slab::rows::CpuRow>,
    /// What each node holds of each cache (depot, barn, SLAB's shared array).
    pub node_rows: Vec<crate::slab::rows::NodeRow>,
    /// SLOB's heap pages as rows of variable-size blocks.
    pub block_rows: Vec<crate::slab::rows::BlockRow>,
    /// Every slab of the active slab policy as a row of object cells, in list order.
    pub slab_rows: Vec<crate::layers::SlabRow>,
    /// `slabtop` rows of the active policy's caches.
    pub cache_rows: Vec<crate::layers::CacheRow>,
}

impl Snapshot {
    /// Build from a state.
    pub fn of(sim: &Sim, names: &Names) -> Snapshot {
        let m = &sim.machine;
        let zones = sim
            .buddy
            .zones()
            .iter()
            .map(|z| ZoneSnap {
                node: z.node,
                start_pfn: z.start_pfn,
                pages: z.pages,
                free_area: (0..z.free_area.len() as u8).map(|o| sim.buddy.list(m, z.node, o)).collect(),
            })
            .collect();
        let mut blocks = Vec::new();
        let mut pfn = 0;
        while pfn < m.total_pages() {
            let f = m.frame(pfn);
            let state = match f.kind {
                FrameKind::Free => BlockState::Free,
                FrameKind::Pcp { cpu } => BlockState::Pcp { cpu },
                FrameKind::Used { owner } => BlockState::Used { owner },
                FrameKind::Transit => BlockState::Transit,
                FrameKind::Tail => {
                    // Only reachable mid-merge, where the merged head is elsewhere: skip a page.
                    pfn += 1;
                    continue;
                }
            };
            blocks.push(BlockSnap { pfn, order: f.order, state });
            pfn += 1 << f.order;
        }
        let pcp = match &sim.pcp {
            None => Vec::new(),
            Some(p) => (0..sim.config().cpus)
                .flat_map(|cpu| (0..sim.config().nodes).map(move |node| (cpu, node)))
                .map(|(cpu, node)| {
                    let l = p.lists(cpu, node);
                    PcpSnap {
                        cpu,
                        node,
                        lists: l.lists.iter().map(|v| v.iter().copied().collect()).collect(),
                        count: l.count,
                        free_count: l.free_count,
                        batch: p.batch(node),
                        high: p.high(node),
                    }
                })
                .collect(),
        };
        let mut bindings = Vec::new();
        for (sym, b) in sim.bindings.iter() {
            match b {
                Binding::One(v) => bindings.push(BindingSnap { label: names.name(sym).to_string(), value: *v }),
                Binding::List(vs) => {
                    for (i, v) in vs.iter().enumerate() {
                        bindings.push(BindingSnap { label: format!("{}[{i}]", names.name(sym)), value: *v });
                    }
                }
            }
        }
        // SLUB's caches and slabs in SLUB's own terms (empty under the other policies).
        let (caches, slabs) = match sim.slub() {
            None => (Vec::new(), Vec::new()),
            Some(slub) => {
                let caches: Vec<CacheSnap> = slub
                    .caches()
                    .iter()
                    .filter(|c| !c.destroyed)
                    .map(|c| CacheSnap {
                        id: c.id,
                        name: c.name.clone(),
                        aliases: slub
                            .names()
                            .filter(|&(n, id)| id == c.id && n != c.name)
                            .map(|(n, _)| n.to_string())
                            .collect(),
                        layout: c.layout,
                        flags: c.flags.names(),
                        objects: c.objects,
                        order: c.order,
                        min_partial: c.min_partial,
                        cpu_partial_slabs: c.cpu_partial_slabs,
                        live: c.live,
                        cpus: c
                            .cpus
                            .iter()
                            .enumerate()
                            .map(|(i, cs)| CpuCacheSnap {
                                cpu: i as u16,
                                slab: cs.slab,
                                freelist: cs.slab.map_or(Vec::new(), |p| slub.walk_freelist(m, c.id, p, cs.freelist)),
                                partial: cs.partial.clone(),
                                alloc_fast: cs.alloc_fast,
                                alloc_slow: cs.alloc_slow,
                                free_fast: cs.free_fast,
                                free_slow: cs.free_slow,
                            })
                            .collect(),
                        node_partial: c.nodes.iter().map(|n| n.partial.iter().copied().collect()).collect(),
                    })
                    .collect();
                let slabs: Vec<SlabSnap> = slub
                    .slabs()
                    .values()
                    .map(|sl| SlabSnap {
                        cache: sl.cache,
                        pfn: sl.pfn,
                        order: sl.order,
                        node: sl.node,
                        objects: sl.objects,
                        inuse: sl.inuse,
                        place: sl.place,
                        freelist: slub.walk_freelist(m, sl.cache, sl.pfn, sl.freelist),
                    })
                    .collect();
                (caches, slabs)
            }
        };
        let slab_rows = crate::layers::slab_rows(sim);
        let cache_rows = crate::layers::cache_rows(sim, &slab_rows);
        Snapshot {
            slab_rows,
            cache_rows,
            caches,
            slabs,
            slabinfo: sim.show(crate::event::ShowWhat::Slabinfo),
            superslabs: sim.superslab.superslabs.values().cloned().collect(),
            superslab_threads: sim.superslab.threads.iter().map(|(t, s)| (*t, s.clone())).collect(),
            superslab_resident: sim.superslab.resident_bytes(),
            cpu_rows: sim.slab.cpu_rows(m),
            node_rows: sim.slab.node_rows(m),
            block_rows: sim.slab.block_rows(m),
            config: sim.config().clone(),
            zones,
            blocks,
            pcp,
            bindings,
            buddyinfo: sim.buddy.buddyinfo(),
            stats: sim.stats(),
        }
    }
}
