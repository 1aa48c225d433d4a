//! Per-CPU page lists (`struct per_cpu_pages`) in front of the buddy allocator.
//!
//! One pcp per (CPU, zone), one list per order 0..=`PAGE_ALLOC_COSTLY_ORDER` (3); migratetypes
//! are not modelled. Following Linux 6.18 `mm/page_alloc.c`:
//! - `batch` = `zone_batchsize`: `min(managed >> 10, 256) / 4` (at least 1), then
//!   `rounddown_pow_of_two(b + b/2) - 1`, at least 1;
//! - `high` = `zone_highsize(.., cpu_online, 0)`: the zone's low watermark / (CPUs of the node +
//!   `cpu_online`, 0 once every CPU is up; all online CPUs for a node without CPUs), at least
//!   `4 * batch` (auto-tuning between high_min and high_max is not modelled);
//! - allocation takes the list head; an empty list is refilled by `rmqueue_bulk` with
//!   `max(batch >> order, 2)` blocks (`batch` for order 0), each appended to the tail;
//! - free adds to the head and `count += 1 << order`; at `count >= high` `free_pcppages_bulk`
//!   drains `clamp(free_count, batch, high - batch)` pages from list tails, round-robin over the
//!   lists starting with the one just freed to (each list drained until empty or done).
//!
//! All state, `free_count` included, changes only in [`Pcp::apply`].
//!
//! Invariants ([`Pcp::check`]): `count` equals the pages on the lists; every listed block's head
//! frame is `Pcp { cpu }` of that CPU with that order and lies in that zone.

use std::collections::VecDeque;

use serde::{Deserialize, Serialize};

use crate::buddy::Buddy;
use crate::event::{Event, EventSink};
use crate::machine::{FrameKind, Machine, MachineConfig, Owner};

/// Highest order served by pcp lists (`PAGE_ALLOC_COSTLY_ORDER`).
pub const PCP_MAX_ORDER: u8 = 3;

/// The lists of one CPU for one zone.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PcpLists {
    /// `lists[order]`, head at the front.
    pub lists: [VecDeque<u32>; PCP_MAX_ORDER as usize + 1],
    /// Pages on the lists.
    pub count: u32,
    /// Recently freed pages (decays on allocation), sizing drains.
    pub free_count: u32,
}

/// All pcp lists, with the per-zone `batch` and `high`.
#[derive(Clone, Debug)]
pub struct Pcp {
    nodes: u8,
    batch: Vec<u32>,
    high: Vec<u32>,
    /// Indexed by `cpu * nodes + node`.
    lists: Vec<PcpLists>,
}

fn int_sqrt(x: u64) -> u64 {
    let mut r = (x as f64).sqrt() as u64;
    while r * r > x {
        r -= 1;
    }
    while (r + 1) * (r + 1) <= x {
        r += 1;
    }
    r
}

/// `zone_batchsize` for a zone of `managed` pages (4 KiB pages), after `max(1, ..)`.
pub fn zone_batchsize(managed: u32) -> u32 {
    let mut batch = (managed >> 10).min(256) / 4;
    if batch < 1 {
        batch = 1;
    }
    let b = batch + batch / 2;
    let pow = 1u32 << (31 - b.leading_zeros());
    (pow - 1).max(1)
}

/// The low watermark of a zone, from `min_free_kbytes = clamp(sqrt(lowmem_kb * 16), 128, 262144)`
/// split over zones by size, plus `max(min / 4, managed * watermark_scale_factor(10) / 10000)`.
pub fn low_wmark_pages(config: &MachineConfig) -> u32 {
    let total_kb = config.mem_bytes / 1024;
    let min_free_kb = int_sqrt(total_kb * 16).clamp(128, 262_144);
    let min_pages_total = min_free_kb / 4;
    let managed = u64::from(config.pages_per_node());
    let min = min_pages_total * managed / u64::from(config.total_pages());
    (min + (min / 4).max(managed * 10 / 10_000)) as u32
}

impl Pcp {
    /// Empty lists with batch/high computed from the configuration.
    pub fn new(config: &MachineConfig) -> Pcp {
        let batch = zone_batchsize(config.pages_per_node());
        let low = low_wmark_pages(config);
        let nodes = config.nodes;
        let mut highs = Vec::new();
        for node in 0..nodes {
            // zone_highsize(zone, batch, cpu_online, 0): "nr_split_cpus =
            // cpumask_weight(cpumask_of_node(zone_to_nid(zone))) + cpu_online; if
            // (!nr_split_cpus) nr_split_cpus = num_online_cpus();". cpu_online is 0 or 1 (1 while
            // a CPU comes online and is not yet in the node mask): with every CPU up, the split
            // is the node's CPUs.
            let node_cpus = config.cpus_of_node(node).count() as u32;
            let split = if node_cpus == 0 { u32::from(config.cpus).max(1) } else { node_cpus };
            highs.push((low / split).max(batch << 2));
        }
        let empty = PcpLists { lists: Default::default(), count: 0, free_count: 0 };
        Pcp {
            nodes,
            batch: vec![batch; usize::from(nodes)],
            high: highs,
            lists: vec![empty; usize::from(config.cpus) * usize::from(nodes)],
        }
    }

    /// `batch` of a zone.
    pub fn batch(&self, node: u8) -> u32 {
        self.batch[usize::from(node)]
    }
    /// `high` of a zone.
    pub fn high(&self, node: u8) -> u32 {
        self.high[usize::from(node)]
    }
    /// The lists of `cpu` for `node`.
    pub fn lists(&self, cpu: u16, node: u8) -> &PcpLists {
        &self.lists[self.idx(cpu, node)]
    }

    fn idx(&self, cpu: u16, node: u8) -> usize {
        usize::from(cpu) * usize::from(self.nodes) + usize::from(node)
    }

    fn emit(&mut self, m: &mut Machine, out: &mut dyn EventSink, ev: Event) {
        self.apply(m, &ev);
        out.emit(ev);
    }

    /// True when an allocation of `order` on `cpu` from `node` can be served (list or buddy).
    pub fn can_alloc(&self, buddy: &Buddy, cpu: u16, node: u8, order: u8) -> bool {
        !self.lists(cpu, node).lists[usize::from(order)].is_empty() || buddy.can_alloc(node, order)
    }

    /// `rmqueue_pcplist`: allocate from the pcp of (`cpu`, `node`), refilling it when empty.
    /// The caller has checked [`Pcp::can_alloc`].
    #[allow(clippy::too_many_arguments)]
    pub fn alloc(
        &mut self,
        m: &mut Machine,
        buddy: &mut Buddy,
        cpu: u16,
        node: u8,
        order: u8,
        owner: Owner,
        out: &mut dyn EventSink,
    ) -> u32 {
        let i = self.idx(cpu, node);
        if self.lists[i].lists[usize::from(order)].is_empty() {
            let batch = self.batch(node);
            let count = if batch > 1 { (batch >> order).max(2) } else { 1 };
            self.emit(m, out, Event::PcpRefillStart { cpu, node, order, count });
            for _ in 0..count {
                if !buddy.can_alloc(node, order) {
                    break;
                }
                let pfn = buddy.rmqueue_smallest(m, node, order, out);
                self.emit(m, out, Event::PcpAdded { cpu, node, pfn, order, tail: true });
            }
        }
        let pfn = *self.lists[i].lists[usize::from(order)].front().expect("refilled");
        self.emit(m, out, Event::PcpTaken { cpu, node, pfn, order });
        let ev = Event::BlockAllocated { node, pfn, order, owner };
        buddy.apply(m, &ev);
        out.emit(ev);
        pfn
    }

    /// `free_frozen_page_commit`: put a used block of order <= 3 on the pcp of `cpu`, draining
    /// to the buddy allocator when `count >= high`.
    pub fn free(&mut self, m: &mut Machine, buddy: &mut Buddy, cpu: u16, pfn: u32, out: &mut dyn EventSink) {
        let f = *m.frame(pfn);
        let FrameKind::Used { owner } = f.kind else { unreachable!("caller validates") };
        let node = m.config().node_of_pfn(pfn);
        let order = f.order;
        let ev = Event::BlockReleased { node, pfn, order, owner };
        buddy.apply(m, &ev);
        out.emit(ev);
        self.emit(m, out, Event::PcpAdded { cpu, node, pfn, order, tail: false });
        let i = self.idx(cpu, node);
        let batch = self.batch(node);
        let high = self.high(node);
        if self.lists[i].count >= high {
            let mut left = self.lists[i].free_count.clamp(batch, high.saturating_sub(batch).max(batch));
            self.emit(m, out, Event::PcpDrainStart { cpu, node, count: left, high });
            // free_pcppages_bulk: "Ensure requested pindex is drained first": the round-robin
            // starts at (pindex - 1) + 1, the list just freed to, and drains each list until
            // the count is reached or the list is empty.
            let lists = PCP_MAX_ORDER as usize + 1;
            let mut list = (usize::from(order) + lists - 1) % lists;
            while left > 0 && self.lists[i].count > 0 {
                loop {
                    list = (list + 1) % (PCP_MAX_ORDER as usize + 1);
                    if !self.lists[i].lists[list].is_empty() {
                        break;
                    }
                }
                while left > 0 {
                    let Some(&victim) = self.lists[i].lists[list].back() else {
                        break;
                    };
                    let o = list as u8;
                    self.emit(m, out, Event::PcpRemoved { cpu, node, pfn: victim, order: o });
                    buddy.free_one_page(m, victim, out);
                    left = left.saturating_sub(1 << o);
                }
            }
        }
    }

    /// `drain_all_pages`: empty every list of every CPU into the buddy allocator (tails first).
    pub fn drain_all(&mut self, m: &mut Machine, buddy: &mut Buddy, out: &mut dyn EventSink) {
        for i in 0..self.lists.len() {
            let cpu = (i / usize::from(self.nodes)) as u16;
            let node = (i % usize::from(self.nodes)) as u8;
            for order in 0..=PCP_MAX_ORDER {
                while let Some(&pfn) = self.lists[i].lists[usize::from(order)].back() {
                    self.emit(m, out, Event::PcpRemoved { cpu, node, pfn, order });
                    buddy.free_one_page(m, pfn, out);
                }
            }
        }
    }

    /// Pages on all lists.
    pub fn total_pages(&self) -> u64 {
        self.lists.iter().map(|l| u64::from(l.count)).sum()
    }

    /// Apply a pcp-layer event.
    pub fn apply(&mut self, m: &mut Machine, ev: &Event) {
        match *ev {
            Event::PcpAdded { cpu, node, pfn, order, tail } => {
                let i = self.idx(cpu, node);
                let l = &mut self.lists[i];
                if tail {
                    l.lists[usize::from(order)].push_back(pfn);
                } else {
                    l.lists[usize::from(order)].push_front(pfn);
                }
                l.count += 1 << order;
                if !tail {
                    // A free (refills add to the tail): remember it to size the next drain.
                    l.free_count = (l.free_count + (1 << order)).min(self.batch[usize::from(node)] << 5);
                }
                let f = m.frame_mut(pfn);
                f.kind = FrameKind::Pcp { cpu };
                f.order = order;
            }
            Event::PcpTaken { cpu, node, pfn, order } => {
                let i = self.idx(cpu, node);
                let l = &mut self.lists[i];
                let got = l.lists[usize::from(order)].pop_front();
                debug_assert_eq!(got, Some(pfn));
                l.count -= 1 << order;
                l.free_count >>= 1;
                m.frame_mut(pfn).kind = FrameKind::Transit;
            }
            Event::PcpRemoved { cpu, node, pfn, order } => {
                let i = self.idx(cpu, node);
                let l = &mut self.lists[i];
                let got = l.lists[usize::from(order)].pop_back();
                debug_assert_eq!(got, Some(pfn));
                l.count -= 1 << order;
                m.frame_mut(pfn).kind = FrameKind::Transit;
            }
            _ => {}
        }
    }

    /// Check this layer's invariants.
    pub fn check(&self, m: &Machine) -> Result<(), String> {
        for (i, l) in self.lists.iter().enumerate() {
            let cpu = (i / usize::from(self.nodes)) as u16;
            let node = (i % usize::from(self.nodes)) as u8;
            let mut pages = 0;
            for (order, list) in l.lists.iter().enumerate() {
                for &pfn in list {
                    let f = m.frame(pfn);
                    if f.kind != (FrameKind::Pcp { cpu }) || usize::from(f.order) != order {
                        return Err(format!("pcp cpu {cpu} order {order}: pfn {pfn} is {:?}", f.kind));
                    }
                    if m.config().node_of_pfn(pfn) != node {
                        return Err(format!("pcp cpu {cpu} node {node}: pfn {pfn} from another node"));
                    }
                    pages += 1u32 << order;
                }
            }
            if pages != l.count {
                return Err(format!("pcp cpu {cpu} node {node}: count {} but {pages} pages listed", l.count));
            }
        }
        Ok(())
    }

    /// Pages held on all pcp lists of `node`.
    pub fn pages_on_node(&self, node: u8) -> u64 {
        self.lists
            .iter()
            .enumerate()
            .filter(|(i, _)| i % usize::from(self.nodes) == usize::from(node))
            .map(|(_, l)| u64::from(l.count))
            .sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn batch_and_high_follow_linux_formulas() {
        // A >= 1 GiB zone has batch 63 (the familiar /proc/zoneinfo value).
        assert_eq!(zone_batchsize(262_144), 63);
        // 64 MiB: 16384 >> 10 = 16, / 4 = 4, rounddown_pow_of_two(6) - 1 = 3.
        assert_eq!(zone_batchsize(16_384), 3);
        assert_eq!(zone_batchsize(100), 1);
        let c = MachineConfig::default();
        // min_free_kbytes = sqrt(65536 * 16) = 1024 KiB = 256 pages; low = 256 + 64 = 320.
        assert_eq!(low_wmark_pages(&c), 320);
        // zone_highsize: high = 320 / (4 CPUs of the node + cpu_online 0) = 80.
        assert_eq!(Pcp::new(&c).high(0), 80);
    }
}
