//! A seeded workload generator: many page allocations and frees of mixed orders across CPUs.
//! Deterministic for a given seed; used by the sandbox, benchmarks and tests.

use crate::machine::MachineConfig;
use crate::names::Names;
use crate::op::{Op, Ref, Target};

/// SplitMix64: a tiny, good-enough deterministic PRNG.
#[derive(Clone, Debug)]
pub struct Rng(u64);

impl Rng {
    /// Seeded generator.
    pub fn new(seed: u64) -> Rng {
        Rng(seed)
    }
    /// Next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
    /// Uniform in `0..n` (`n > 0`).
    pub fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n
    }
}

/// Generate `n` page ops that never run out of memory on `config`: allocations of orders 0..=3
/// (mostly 0) on random CPUs into lists `o0`..`o3`, and frees of random live elements, keeping
/// at most half of memory in use.
pub fn pages_workload(config: &MachineConfig, seed: u64, n: usize, names: &mut Names) -> Vec<Op> {
    let mut rng = Rng::new(seed);
    let lists: Vec<u32> = (0..4).map(|o| names.intern(&format!("o{o}"))).collect();
    let mut live = [0u32; 4];
    let mut used_pages = 0u64;
    let budget = u64::from(config.total_pages()) / 2;
    let mut ops = Vec::with_capacity(n);
    while ops.len() < n {
        let order = match rng.below(10) {
            0..=5 => 0,
            6..=7 => 1,
            8 => 2,
            _ => 3,
        };
        let total_live: u32 = live.iter().sum();
        let alloc = total_live == 0 || (used_pages + (1 << order) <= budget && rng.below(100) < 55);
        let cpu = Some(rng.below(u64::from(config.cpus)) as u16);
        if alloc {
            ops.push(Op::PagesAlloc { order, node: None, cpu, target: Target::Append { name: lists[order as usize] } });
            live[order as usize] += 1;
            used_pages += 1 << order;
        } else {
            // Pick a non-empty list, weighted by its length.
            let mut pick = rng.below(u64::from(total_live)) as u32;
            let mut o = 0;
            while pick >= live[o] {
                pick -= live[o];
                o += 1;
            }
            let index = rng.below(u64::from(live[o])) as u32;
            ops.push(Op::PagesFree { what: Ref::Index { name: lists[o], index }, cpu });
            live[o] -= 1;
            used_pages -= 1 << o;
        }
    }
    ops
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
}
