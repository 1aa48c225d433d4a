//! Serializable views of the state at one step, for the UI, lessons and tests.
//! Sections for later layers are added as new optional fields, never by reshaping these.
//! The slab layer appears only in the policy-neutral rows of the slab contract
//! ([`crate::slab::rows`]); SLUB's own caches and slabs, once snapshotted in SLUB's terms, are
//! read from the engine by what is about SLUB (issue #15).

use serde::{Deserialize, Serialize};

use crate::machine::{FrameKind, MachineConfig, Owner};
use crate::names::{Binding, Names, Value};
use crate::sim::{Sim, Stats};

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

/// Which costly parts of a [`Snapshot`] to take; a part not taken is left empty. A view that
/// shows only some of them (Compare mode's columns, issue #19) skips the others: at 200,000 ops
/// the bindings alone (one formatted label per bound name, ~7,000) cost more than the rest.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Parts {
    /// `bindings`: every bound name with its label.
    pub bindings: bool,
    /// `buddyinfo` and `slabinfo`: the `/proc` texts.
    pub procfs: bool,
    /// `pcp`, `cpu_rows` and `node_rows`: what the CPUs and nodes hold in front of the slabs.
    pub percpu: bool,
    /// `superslabs` and `superslab_threads`.
    pub superslab: bool,
}

impl Parts {
    /// Everything ([`Snapshot::of`]).
    pub const ALL: Parts = Parts { bindings: true, procfs: true, percpu: true, superslab: true };
    /// Only what is always taken: configuration, stats, zones, blocks, slab and cache rows, SLOB's
    /// block rows and the SuperSlabs' resident bytes.
    pub const NONE: Parts = Parts { bindings: false, procfs: false, percpu: false, superslab: false };
}

impl Snapshot {
    /// Build from a state.
    pub fn of(sim: &Sim, names: &Names) -> Snapshot {
        Snapshot::of_parts(sim, names, Parts::ALL)
    }

    /// Build from a state, taking only `parts` of the costly sections (the others empty); every
    /// section taken is what [`Snapshot::of`] gives.
    pub fn of_parts(sim: &Sim, names: &Names, parts: Parts) -> Snapshot {
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
            _ if !parts.percpu => Vec::new(),
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
        for (sym, b) in sim.bindings.iter().filter(|_| parts.bindings) {
            match b {
                Binding::One(v) => bindings.push(BindingSnap { label: names.name(sym).to_string(), value: *v }),
                Binding::List(vs) => {
                    for (i, v) in vs.iter().enumerate() {
                        bindings.push(BindingSnap { label: format!("{}[{i}]", names.name(sym)), value: *v });
                    }
                }
            }
        }
        let slab_rows = crate::layers::slab_rows(sim);
        let cache_rows = crate::layers::cache_rows(sim, &slab_rows);
        Snapshot {
            slab_rows,
            cache_rows,
            slabinfo: if parts.procfs { sim.show(crate::event::ShowWhat::Slabinfo) } else { String::new() },
            superslabs: if parts.superslab { sim.superslab.superslabs.values().cloned().collect() } else { Vec::new() },
            superslab_threads: if parts.superslab {
                sim.superslab.threads.iter().map(|(t, s)| (*t, s.clone())).collect()
            } else {
                Vec::new()
            },
            superslab_resident: sim.superslab.resident_bytes(),
            cpu_rows: if parts.percpu { sim.slab.cpu_rows(m) } else { Vec::new() },
            node_rows: if parts.percpu { sim.slab.node_rows(m) } else { Vec::new() },
            block_rows: sim.slab.block_rows(m),
            config: sim.config().clone(),
            zones,
            blocks,
            pcp,
            bindings,
            buddyinfo: if parts.procfs { sim.buddy.buddyinfo() } else { String::new() },
            stats: sim.stats(),
        }
    }
}
