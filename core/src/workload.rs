//! A seeded workload generator: many page allocations and frees of mixed orders across CPUs.
//! Deterministic for a given seed; used by the sandbox, benchmarks and tests.

use crate::machine::MachineConfig;
use crate::names::Names;
use crate::op::{Op, Ref, Target};

pub use crate::rng::Rng;

/// Relative weights of the kinds of operation a workload draws.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Mix {
    /// `pages alloc`/`pages free` of orders 0..=3.
    pub pages: u32,
    /// `kmalloc`/`kfree` of 8..=1024 bytes.
    pub kmalloc: u32,
    /// `malloc`/`free` of 16 or 32 bytes (the SuperSlab allocator).
    pub malloc: u32,
}

impl Mix {
    /// Page allocations only (what [`pages_workload`] generates).
    pub const PAGES: Mix = Mix { pages: 1, kmalloc: 0, malloc: 0 };
    /// kmalloc/kfree only.
    pub const SLAB: Mix = Mix { pages: 0, kmalloc: 1, malloc: 0 };
    /// malloc/free only.
    pub const SUPERSLAB: Mix = Mix { pages: 0, kmalloc: 0, malloc: 1 };
    /// Half pages, a third kmalloc, the rest malloc.
    pub const MIXED: Mix = Mix { pages: 3, kmalloc: 2, malloc: 1 };
    /// The presets by name: `pages`, `slab`, `superslab`, `mixed`.
    pub const PRESETS: [(&'static str, Mix); 4] =
        [("pages", Mix::PAGES), ("slab", Mix::SLAB), ("superslab", Mix::SUPERSLAB), ("mixed", Mix::MIXED)];
    /// A preset by name.
    pub fn by_name(name: &str) -> Option<Mix> {
        Mix::PRESETS.iter().find(|p| p.0 == name).map(|p| p.1)
    }
}

/// Generate `n` page ops that never run out of memory on `config`: allocations of orders 0..=3
/// (mostly 0) on random CPUs into lists `o0`..`o3`, and frees of random live elements, keeping
/// at most half of memory in use.
pub fn pages_workload(config: &MachineConfig, seed: u64, n: usize, names: &mut Names) -> Vec<Op> {
    workload(config, seed, n, Mix::PAGES, names)
}

/// kmalloc sizes a workload draws from (small ones more often).
const KMALLOC_SIZES: [u32; 10] = [8, 16, 32, 64, 64, 96, 128, 192, 256, 1024];

/// Generate `n` ops of the kinds `mix` weighs: page allocations as [`pages_workload`] (into
/// `o0`..`o3`, within a quarter of memory when mixed), kmalloc objects of 8..=1024 bytes (list `k`,
/// at most 1/16 of memory live), and SuperSlab blocks of 16 or 32 bytes (lists `m16`, `m32`;
/// one block of each class stays live so its SuperSlab is not released and re-mapped). Frees pick
/// random live elements. Machines under 8 MiB get no `malloc` (a SuperSlab maps 2 MiB).
/// Deterministic for a seed. The same ops, a chunk at a time: [`Generator`].
pub fn workload(config: &MachineConfig, seed: u64, n: usize, mix: Mix, names: &mut Names) -> Vec<Op> {
    let mut ops = Vec::with_capacity(n);
    Generator::new(config, seed, mix, names).fill(n, &mut ops);
    ops
}

/// The workload of [`workload`] made incrementally (#14): [`Generator::fill`] appends the next
/// `n` ops, so a 1,000,000-op session is generated (and run) in bounded pieces while a page stays
/// responsive. The first `n` ops are those `workload(config, seed, n, mix, names)` returns,
/// whatever the pieces. The lists' names are interned by [`Generator::new`]; the generator is
/// also an endless [`Iterator`] of ops.
#[derive(Clone, Debug)]
pub struct Generator {
    rng: Rng,
    cpus: u16,
    weights: [u32; 3],
    total_weight: u32,
    single: bool,
    /// Page lists `o0`..`o3`, the kmalloc list `k`, the SuperSlab lists `m16`, `m32`.
    lists: [u32; 4],
    objects: u32,
    blocks: [u32; 2],
    /// Live page allocations per order, and the pages they hold (within `budget`).
    live: [u32; 4],
    used_pages: u64,
    budget: u64,
    /// The sizes of the live kmalloc objects in list order, their bytes (within `byte_budget`).
    live_objects: Vec<u32>,
    live_bytes: u64,
    byte_budget: u64,
    live_blocks: [u32; 2],
    /// Ops generated so far.
    made: u64,
}

/// Most SuperSlab blocks of one class live at once.
const BLOCK_BUDGET: u32 = 4096;

impl Generator {
    /// A generator for `config` (its CPUs and memory set the budgets), interning its lists'
    /// names in `names` (the session that runs the ops needs them).
    pub fn new(config: &MachineConfig, seed: u64, mix: Mix, names: &mut Names) -> Generator {
        let malloc_weight = if config.total_pages() >= 2048 { mix.malloc } else { 0 };
        let weights = [mix.pages, mix.kmalloc, malloc_weight];
        let weights = if weights.iter().sum::<u32>() == 0 { [1, 0, 0] } else { weights };
        let total_weight: u32 = weights.iter().sum();
        let lists = [0, 1, 2, 3].map(|o| names.intern(&format!("o{o}")));
        let objects = names.intern("k");
        let blocks = [names.intern("m16"), names.intern("m32")];
        Generator {
            rng: Rng::new(seed),
            cpus: config.cpus.max(1),
            weights,
            total_weight,
            single: weights.iter().filter(|&&w| w > 0).count() == 1,
            lists,
            objects,
            blocks,
            live: [0; 4],
            used_pages: 0,
            budget: u64::from(config.total_pages()) / if weights[0] == total_weight { 2 } else { 4 },
            live_objects: Vec::new(),
            live_bytes: 0,
            byte_budget: config.mem_bytes / 16,
            live_blocks: [0; 2],
            made: 0,
        }
    }

    /// Ops generated so far.
    pub fn made(&self) -> u64 {
        self.made
    }

    /// Append the next `n` ops to `out`.
    pub fn fill(&mut self, n: usize, out: &mut Vec<Op>) {
        out.reserve(n);
        out.extend(self.by_ref().take(n));
    }

    /// The next op.
    pub fn next_op(&mut self) -> Op {
        self.made += 1;
        let rng = &mut self.rng;
        let kind = if self.single {
            self.weights.iter().position(|&w| w > 0).unwrap_or(0)
        } else {
            let mut pick = rng.below(u64::from(self.total_weight)) as u32;
            let mut k = 0;
            while pick >= self.weights[k] {
                pick -= self.weights[k];
                k += 1;
            }
            k
        };
        let cpu = Some(rng.below(u64::from(self.cpus)) as u16);
        match kind {
            0 => {
                let order = match rng.below(10) {
                    0..=5 => 0,
                    6..=7 => 1,
                    8 => 2,
                    _ => 3,
                };
                let total_live: u32 = self.live.iter().sum();
                let alloc = total_live == 0 || (self.used_pages + (1 << order) <= self.budget && rng.below(100) < 55);
                if alloc {
                    let target = Target::Append { name: self.lists[order as usize] };
                    self.live[order as usize] += 1;
                    self.used_pages += 1 << order;
                    Op::PagesAlloc { order, node: None, cpu, target }
                } else {
                    // Pick a non-empty list, weighted by its length.
                    let mut pick = rng.below(u64::from(total_live)) as u32;
                    let mut o = 0;
                    while pick >= self.live[o] {
                        pick -= self.live[o];
                        o += 1;
                    }
                    let index = rng.below(u64::from(self.live[o])) as u32;
                    self.live[o] -= 1;
                    self.used_pages -= 1 << o;
                    Op::PagesFree { what: Ref::Index { name: self.lists[o], index }, cpu }
                }
            }
            1 => {
                let size = KMALLOC_SIZES[rng.below(KMALLOC_SIZES.len() as u64) as usize];
                let alloc = self.live_objects.is_empty()
                    || (self.live_bytes + u64::from(size) <= self.byte_budget && rng.below(100) < 55);
                if alloc {
                    self.live_objects.push(size);
                    self.live_bytes += u64::from(size);
                    Op::Kmalloc { size, cpu, node: None, target: Target::Append { name: self.objects } }
                } else {
                    let index = rng.below(self.live_objects.len() as u64) as usize;
                    self.live_bytes -= u64::from(self.live_objects.remove(index));
                    Op::Kfree { what: Ref::Index { name: self.objects, index: index as u32 }, cpu }
                }
            }
            _ => {
                let class = rng.below(2) as usize;
                let thread = rng.below(u64::from(self.cpus)) as u16;
                let live = &mut self.live_blocks[class];
                let alloc = *live <= 1 || (*live < BLOCK_BUDGET && rng.below(100) < 55);
                if alloc {
                    *live += 1;
                    Op::Malloc { size: 16 << class, thread, target: Target::Append { name: self.blocks[class] } }
                } else {
                    // Never the first block: it keeps the SuperSlab of its class alive.
                    let index = 1 + rng.below(u64::from(*live - 1)) as u32;
                    *live -= 1;
                    Op::Free { what: Ref::Index { name: self.blocks[class], index }, thread }
                }
            }
        }
    }
}

impl Iterator for Generator {
    type Item = Op;
    /// Never `None`: a workload is as long as it is asked to be.
    fn next(&mut self) -> Option<Op> {
        Some(self.next_op())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::session::Session;

    #[test]
    fn workload_runs_without_errors_and_is_deterministic() {
        let config = MachineConfig { mem_bytes: 2 << 20, pcp: true, ..Default::default() };
        let mut names = Names::default();
        let ops = pages_workload(&config, 7, 3000, &mut names);
        assert_eq!(ops, pages_workload(&config, 7, 3000, &mut names.clone()));
        assert_ne!(ops, pages_workload(&config, 8, 3000, &mut names.clone()));
        let mut s = Session::with_names(config, names).unwrap();
        for op in ops {
            s.push(op, 0).unwrap();
        }
        s.head().check().unwrap();
    }

    #[test]
    fn every_mix_runs_without_errors_on_the_default_machine_and_small_ones() {
        for mem in [64u64 << 20, 1 << 20] {
            for (name, mix) in Mix::PRESETS {
                let config = MachineConfig { mem_bytes: mem, pcp: true, ..Default::default() };
                let mut names = Names::default();
                let ops = workload(&config, 3, 6000, mix, &mut names);
                assert_eq!(ops.len(), 6000);
                let mut s = Session::with_names(config, names).unwrap();
                for (i, op) in ops.into_iter().enumerate() {
                    s.push(op, 0).unwrap_or_else(|e| panic!("{name} {mem}: op {i}: {e}"));
                }
                s.head().check().unwrap();
                let last = s.series(4).pop().unwrap();
                assert_eq!(last.nr_free.len(), 11);
                assert_eq!(last.unusable_index.len(), 11);
                if mem > 1 << 20 && mix.kmalloc > 0 {
                    assert!(last.slab_pages > 0, "{name}: slabs in use");
                }
            }
        }
        assert_eq!(Mix::by_name("mixed"), Some(Mix::MIXED));
        assert_eq!(Mix::by_name("nope"), None);
    }
}
