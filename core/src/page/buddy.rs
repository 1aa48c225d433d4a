//! The buddy page allocator, following Linux `mm/page_alloc.c` (6.18).
//!
//! Per node (one zone, `Normal`), `free_area[0..=MAX_PAGE_ORDER]` holds doubly linked lists of
//! free blocks threaded through the head frames, with `nr_free` counting blocks.
//!
//! - Allocation is `__rmqueue_smallest`: the first non-empty order `>=` the request gives its head
//!   block; `expand()` keeps the low half and puts each high half at the *head* of the next lower
//!   order's list.
//! - Freeing is `__free_one_page`: while the buddy `pfn ^ (1 << order)` is a free block of the same
//!   order in the same zone, take it off its list and merge (`combined = pfn & buddy`). The result
//!   goes to the head of its list, or to the tail when `buddy_merge_likely` says the next-order
//!   buddy is free (or at boot, `FPI_TO_TAIL`).
//! - Boot frees each node's memory as maximal aligned blocks (`__free_pages_memory`) to the tail,
//!   so fresh lists are in ascending pfn order.
//!
//! Invariants (checked by [`Buddy::check`]): every page of a node is covered by exactly one block
//! (free, on a pcp list, or used); free blocks are aligned to their order, on exactly the list of
//! their order, and never have a free buddy of the same order (they would have merged);
//! `nr_free` equals each list's length; no block is in transit between operations.
//!
//! Watermarks, migratetypes, compaction and reclaim are not modelled.

use serde::{Deserialize, Serialize};

use crate::event::{Event, EventSink, InsertWhere, MergeStop};
use crate::machine::{FrameKind, Machine, Owner, MAX_NODES, MAX_PAGE_ORDER, NIL, NR_PAGE_ORDERS};

/// One free list: `struct free_area`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FreeArea {
    /// First block (`NIL` when empty).
    pub head: u32,
    /// Last block (`NIL` when empty).
    pub tail: u32,
    /// Number of blocks on the list.
    pub nr_free: u64,
}

impl FreeArea {
    const EMPTY: FreeArea = FreeArea { head: NIL, tail: NIL, nr_free: 0 };
}

/// The buddy state of one node's zone.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Zone {
    /// Node id.
    pub node: u8,
    /// First pfn of the zone.
    pub start_pfn: u32,
    /// Pages spanned.
    pub pages: u32,
    /// `free_area[order]`.
    pub free_area: [FreeArea; NR_PAGE_ORDERS],
}

impl Zone {
    /// True when `pfn` lies in this zone.
    pub fn contains(&self, pfn: u32) -> bool {
        pfn >= self.start_pfn && pfn - self.start_pfn < self.pages
    }
    /// Free pages in the buddy lists.
    pub fn free_pages(&self) -> u64 {
        self.free_area.iter().enumerate().map(|(o, a)| a.nr_free << o).sum()
    }
}

/// Errors of the buddy allocator.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum BuddyError {
    /// No node has a free block of at least this order.
    OutOfMemory { order: u8 },
    /// Order above `MAX_PAGE_ORDER`.
    BadOrder { order: u64 },
}

/// The buddy allocator: one zone per node.
#[derive(Clone, Debug)]
pub struct Buddy {
    zones: Vec<Zone>,
}

impl Buddy {
    /// One zone per node with empty free lists.
    fn empty(m: &Machine) -> Buddy {
        let ppn = m.config().pages_per_node();
        Buddy {
            zones: (0..m.config().nodes)
                .map(|node| Zone {
                    node,
                    start_pfn: u32::from(node) * ppn,
                    pages: ppn,
                    free_area: [FreeArea::EMPTY; NR_PAGE_ORDERS],
                })
                .collect(),
        }
    }

    /// Boot: give every page of every node to the buddy allocator as maximal aligned blocks,
    /// added to the list tails (as `memblock_free_all` does with `FPI_TO_TAIL`).
    pub fn boot(m: &mut Machine, out: &mut dyn EventSink) -> Buddy {
        let ppn = m.config().pages_per_node();
        let mut b = Buddy::empty(m);
        for node in 0..m.config().nodes {
            let (mut start, end) = (u64::from(node) * u64::from(ppn), u64::from(node + 1) * u64::from(ppn));
            while start < end {
                let mut order =
                    if start == 0 { MAX_PAGE_ORDER } else { (start.trailing_zeros() as u8).min(MAX_PAGE_ORDER) };
                while start + (1u64 << order) > end {
                    order -= 1;
                }
                let pfn = start as u32;
                let f = m.frame_mut(pfn);
                f.kind = FrameKind::Transit;
                f.order = order;
                b.emit(m, out, Event::BlockInserted { node, pfn, order, place: InsertWhere::TailBoot });
                start += 1u64 << order;
            }
        }
        b
    }

    /// Boot into a given free-area picture (`free[node][order]` = blocks on `free_area[order]`):
    /// free blocks are laid out from the largest order down, each below `MAX_PAGE_ORDER` paired
    /// with its buddy half allocated to `reserved` so it cannot merge; the rest of each node is
    /// allocated to `reserved` as well. The caller sized the nodes with [`Buddy::pages_for`].
    pub fn boot_with_free(m: &mut Machine, free: &[[u64; NR_PAGE_ORDERS]], reserved: Owner) -> Buddy {
        let ppn = m.config().pages_per_node();
        let mut b = Buddy::empty(m);
        let mut sink = crate::event::CountSink::default();
        for node in 0..m.config().nodes {
            let start = u32::from(node) * ppn;
            let end = start + ppn;
            let mut pfn = start;
            let counts = free.get(usize::from(node)).copied().unwrap_or([0; NR_PAGE_ORDERS]);
            for order in (0..=MAX_PAGE_ORDER).rev() {
                for _ in 0..counts[usize::from(order)] {
                    let f = m.frame_mut(pfn);
                    f.kind = FrameKind::Transit;
                    f.order = order;
                    b.emit(m, &mut sink, Event::BlockInserted { node, pfn, order, place: InsertWhere::TailBoot });
                    pfn += 1 << order;
                    if order < MAX_PAGE_ORDER {
                        let f = m.frame_mut(pfn);
                        f.kind = FrameKind::Used { owner: reserved };
                        f.order = order;
                        pfn += 1 << order;
                    }
                }
            }
            // Whatever is left is in use (maximal aligned blocks).
            while pfn < end {
                let mut order = (pfn.trailing_zeros() as u8).min(MAX_PAGE_ORDER);
                while pfn + (1 << order) > end {
                    order -= 1;
                }
                let f = m.frame_mut(pfn);
                f.kind = FrameKind::Used { owner: reserved };
                f.order = order;
                pfn += 1 << order;
            }
        }
        b
    }

    /// Pages a node needs to hold the free blocks `counts` as [`Buddy::boot_with_free`] lays them out.
    pub fn pages_for(counts: &[u64; NR_PAGE_ORDERS]) -> u64 {
        counts
            .iter()
            .enumerate()
            .map(|(o, &n)| n.saturating_mul(if o == usize::from(MAX_PAGE_ORDER) { 1u64 << o } else { 2u64 << o }))
            .fold(0u64, u64::saturating_add)
    }

    /// The zones, one per node.
    pub fn zones(&self) -> &[Zone] {
        &self.zones
    }

    /// Zone of node `node`.
    pub fn zone(&self, node: u8) -> &Zone {
        &self.zones[usize::from(node)]
    }

    /// Blocks on `free_area[order]` of `node`, head first.
    pub fn list(&self, m: &Machine, node: u8, order: u8) -> Vec<u32> {
        let mut v = Vec::new();
        let mut p = self.zones[usize::from(node)].free_area[usize::from(order)].head;
        while p != NIL {
            v.push(p);
            p = m.frame(p).next;
        }
        v
    }

    /// Nodes in fallback order for an allocation preferring `node`: the local node first, then
    /// the others by distance (|a - b|, lower id first on ties), as a simplified zonelist.
    pub fn zonelist(&self, node: u8) -> Zonelist {
        zonelist(self.zones.len(), node)
    }

    /// True when `node` has a free block of at least `order`.
    pub fn can_alloc(&self, node: u8, order: u8) -> bool {
        self.zones[usize::from(node)].free_area[usize::from(order)..].iter().any(|a| a.nr_free > 0)
    }

    fn emit(&mut self, m: &mut Machine, out: &mut dyn EventSink, ev: Event) {
        self.apply(m, &ev);
        out.emit(ev);
    }

    /// `__rmqueue_smallest` on `node`: take a block of exactly `order`, leaving it in transit.
    /// The caller has checked [`Buddy::can_alloc`].
    pub fn rmqueue_smallest(&mut self, m: &mut Machine, node: u8, order: u8, out: &mut dyn EventSink) -> u32 {
        for current in order..=MAX_PAGE_ORDER {
            let area = self.zones[usize::from(node)].free_area[usize::from(current)];
            if area.nr_free == 0 {
                self.emit(m, out, Event::AreaEmpty { node, order: current });
                continue;
            }
            let pfn = area.head;
            self.emit(m, out, Event::BlockTaken { node, pfn, order: current });
            let mut high = current;
            while high > order {
                high -= 1;
                let buddy_pfn = pfn + (1u32 << high);
                self.emit(m, out, Event::BlockSplit { node, pfn, buddy_pfn, order: high });
            }
            return pfn;
        }
        unreachable!("rmqueue_smallest called without a free block (can_alloc not checked)")
    }

    /// Allocate a block for `owner`, preferring `node` and falling back along the zonelist.
    /// Fails without any change when no node has a block.
    pub fn alloc(
        &mut self,
        m: &mut Machine,
        node: u8,
        order: u8,
        owner: Owner,
        out: &mut dyn EventSink,
    ) -> Result<u32, BuddyError> {
        if order > MAX_PAGE_ORDER {
            return Err(BuddyError::BadOrder { order: u64::from(order) });
        }
        let target = self
            .zonelist(node)
            .into_iter()
            .find(|&n| self.can_alloc(n, order))
            .ok_or(BuddyError::OutOfMemory { order })?;
        if target != node {
            self.emit(m, out, Event::NodeFallback { from: node, to: target, order });
        }
        let pfn = self.rmqueue_smallest(m, target, order, out);
        self.emit(m, out, Event::BlockAllocated { node: target, pfn, order, owner });
        Ok(pfn)
    }

    /// Free the used block headed at `pfn` (validated by the caller): release it, then merge.
    pub fn free(&mut self, m: &mut Machine, pfn: u32, out: &mut dyn EventSink) {
        let f = *m.frame(pfn);
        let FrameKind::Used { owner } = f.kind else {
            unreachable!("buddy free of a block that is not in use (caller validates)")
        };
        let node = m.config().node_of_pfn(pfn);
        self.emit(m, out, Event::BlockReleased { node, pfn, order: f.order, owner });
        self.free_one_page(m, pfn, out);
    }

    /// `__free_one_page`: merge the in-transit block at `pfn` with free buddies, then insert it.
    pub fn free_one_page(&mut self, m: &mut Machine, mut pfn: u32, out: &mut dyn EventSink) {
        let node = m.config().node_of_pfn(pfn);
        let mut order = m.frame(pfn).order;
        let mut buddy_pfn = pfn ^ (1u32 << order);
        loop {
            if order >= MAX_PAGE_ORDER {
                self.emit(m, out, Event::MergeStopped { node, pfn, buddy_pfn, order, reason: MergeStop::MaxOrder });
                break;
            }
            buddy_pfn = pfn ^ (1u32 << order);
            if !self.zones[usize::from(node)].contains(buddy_pfn) {
                let reason = MergeStop::BuddyOutsideZone;
                self.emit(m, out, Event::MergeStopped { node, pfn, buddy_pfn, order, reason });
                break;
            }
            if !self.is_free_block(m, buddy_pfn, order) {
                let reason = MergeStop::BuddyNotFree;
                self.emit(m, out, Event::MergeStopped { node, pfn, buddy_pfn, order, reason });
                break;
            }
            let merged_pfn = pfn & buddy_pfn;
            self.emit(m, out, Event::BuddyMerged { node, pfn, buddy_pfn, order, merged_pfn });
            pfn = merged_pfn;
            order += 1;
        }
        let place = if self.merge_likely(m, node, pfn, buddy_pfn, order) {
            InsertWhere::TailMergeLikely
        } else {
            InsertWhere::Head
        };
        self.emit(m, out, Event::BlockInserted { node, pfn, order, place });
    }

    fn is_free_block(&self, m: &Machine, pfn: u32, order: u8) -> bool {
        let f = m.frame(pfn);
        f.kind == FrameKind::Free && f.order == order
    }

    /// `buddy_merge_likely`: is the buddy of the next-higher block free at `order + 1`?
    fn merge_likely(&self, m: &Machine, node: u8, pfn: u32, buddy_pfn: u32, order: u8) -> bool {
        if order >= MAX_PAGE_ORDER - 1 {
            return false;
        }
        let higher = buddy_pfn & pfn;
        let higher_buddy = higher ^ (1u32 << (order + 1));
        self.zones[usize::from(node)].contains(higher_buddy) && self.is_free_block(m, higher_buddy, order + 1)
    }

    fn push(&mut self, m: &mut Machine, node: u8, pfn: u32, order: u8, tail: bool) {
        let area = &mut self.zones[usize::from(node)].free_area[usize::from(order)];
        let (old_head, old_tail) = (area.head, area.tail);
        area.nr_free += 1;
        if tail {
            area.tail = pfn;
            if old_tail == NIL {
                area.head = pfn;
            }
        } else {
            area.head = pfn;
            if old_head == NIL {
                area.tail = pfn;
            }
        }
        let f = m.frame_mut(pfn);
        f.kind = FrameKind::Free;
        f.order = order;
        if tail {
            f.prev = old_tail;
            f.next = NIL;
            if old_tail != NIL {
                m.frame_mut(old_tail).next = pfn;
            }
        } else {
            f.prev = NIL;
            f.next = old_head;
            if old_head != NIL {
                m.frame_mut(old_head).prev = pfn;
            }
        }
    }

    fn unlink(&mut self, m: &mut Machine, node: u8, pfn: u32, order: u8) {
        let f = *m.frame(pfn);
        let area = &mut self.zones[usize::from(node)].free_area[usize::from(order)];
        area.nr_free -= 1;
        if f.prev == NIL {
            area.head = f.next;
        } else {
            m.frame_mut(f.prev).next = f.next;
        }
        if f.next == NIL {
            area.tail = f.prev;
        } else {
            m.frame_mut(f.next).prev = f.prev;
        }
        let f = m.frame_mut(pfn);
        f.prev = NIL;
        f.next = NIL;
        f.kind = FrameKind::Transit;
    }

    /// Apply a buddy-layer event to the state. Other events are ignored.
    pub fn apply(&mut self, m: &mut Machine, ev: &Event) {
        match *ev {
            Event::BlockTaken { node, pfn, order } => self.unlink(m, node, pfn, order),
            Event::BlockSplit { node, pfn, buddy_pfn, order } => {
                m.frame_mut(pfn).order = order;
                self.push(m, node, buddy_pfn, order, false);
            }
            Event::BlockAllocated { pfn, owner, .. } => m.frame_mut(pfn).kind = FrameKind::Used { owner },
            Event::BlockReleased { pfn, .. } => m.frame_mut(pfn).kind = FrameKind::Transit,
            Event::BuddyMerged { node, pfn, buddy_pfn, order, merged_pfn } => {
                self.unlink(m, node, buddy_pfn, order);
                let other = if merged_pfn == pfn { buddy_pfn } else { pfn };
                *m.frame_mut(other) = crate::machine::Frame { kind: FrameKind::Tail, order: 0, prev: NIL, next: NIL };
                let f = m.frame_mut(merged_pfn);
                f.kind = FrameKind::Transit;
                f.order = order + 1;
            }
            Event::BlockInserted { node, pfn, order, place } => {
                self.push(m, node, pfn, order, place != InsertWhere::Head)
            }
            _ => {}
        }
    }

    /// Check this layer's invariants (see the module docs).
    pub fn check(&self, m: &Machine) -> Result<(), String> {
        for z in &self.zones {
            // Lists: links, counts, alignment, kinds, no unmerged buddies.
            for order in 0..=MAX_PAGE_ORDER {
                let area = z.free_area[usize::from(order)];
                let mut count = 0u64;
                let mut prev = NIL;
                let mut p = area.head;
                while p != NIL {
                    let f = m.frame(p);
                    if !z.contains(p) {
                        return Err(format!("node {}: free block {p} outside the zone", z.node));
                    }
                    if f.kind != FrameKind::Free || f.order != order {
                        return Err(format!("pfn {p} on free_area[{order}] is {:?} order {}", f.kind, f.order));
                    }
                    if p % (1u32 << order) != 0 {
                        return Err(format!("free block {p} of order {order} is misaligned"));
                    }
                    if f.prev != prev {
                        return Err(format!("pfn {p}: broken prev link"));
                    }
                    let buddy = p ^ (1u32 << order);
                    if order < MAX_PAGE_ORDER && z.contains(buddy) && self.is_free_block(m, buddy, order) {
                        return Err(format!("free buddies {p} and {buddy} of order {order} left unmerged"));
                    }
                    count += 1;
                    if count > u64::from(z.pages) {
                        return Err(format!("free_area[{order}] of node {} has a cycle", z.node));
                    }
                    prev = p;
                    p = f.next;
                }
                if prev != area.tail {
                    return Err(format!("node {} free_area[{order}]: tail pointer wrong", z.node));
                }
                if count != area.nr_free {
                    return Err(format!(
                        "node {} free_area[{order}]: nr_free {} but list has {count}",
                        z.node, area.nr_free
                    ));
                }
            }
            // Every page covered by exactly one block.
            let end = z.start_pfn + z.pages;
            let mut pfn = z.start_pfn;
            while pfn < end {
                let f = m.frame(pfn);
                match f.kind {
                    FrameKind::Tail => return Err(format!("page {pfn} belongs to no block")),
                    FrameKind::Transit => return Err(format!("block {pfn} left in transit")),
                    _ => {}
                }
                let size = 1u32 << f.order;
                if pfn % size != 0 || pfn + size > end {
                    return Err(format!("block {pfn} of order {} misaligned or crosses the zone", f.order));
                }
                for t in pfn + 1..pfn + size {
                    if m.frame(t).kind != FrameKind::Tail {
                        return Err(format!("page {t} inside block {pfn} is also a block head"));
                    }
                }
                pfn += size;
            }
        }
        Ok(())
    }

    /// `/proc/buddyinfo`, in the kernel's exact format (`frag_show_print`).
    pub fn buddyinfo(&self) -> String {
        let mut s = String::new();
        for z in &self.zones {
            s.push_str(&format!("Node {}, zone {:>8} ", z.node, "Normal"));
            for a in &z.free_area {
                s.push_str(&format!("{:>6} ", a.nr_free));
            }
            s.push('\n');
        }
        s
    }
}

/// [`Buddy::zonelist`] of `nodes` nodes (at most [`MAX_NODES`]), made in that order (no sort:
/// it runs at every page allocation): at each distance `d`, the lower node `node - d` first,
/// then `node + d`. In a fixed array, not a `Vec` (s14-replay: a heap allocation and a free at
/// every page allocation of a replay; the nodes and their order are the same).
fn zonelist(nodes: usize, node: u8) -> Zonelist {
    let node = usize::from(node);
    let mut v = Zonelist { nodes: [0; MAX_NODES as usize], len: 0 };
    let mut d = 0;
    while v.len < nodes {
        if let Some(lo) = node.checked_sub(d).filter(|&lo| lo < nodes) {
            v.nodes[v.len] = lo as u8;
            v.len += 1;
        }
        if d > 0 && node + d < nodes {
            v.nodes[v.len] = (node + d) as u8;
            v.len += 1;
        }
        d += 1;
    }
    v
}

/// Nodes in fallback order ([`Buddy::zonelist`]): a slice of at most [`MAX_NODES`].
#[derive(Clone, Copy, Debug)]
pub struct Zonelist {
    nodes: [u8; MAX_NODES as usize],
    len: usize,
}

impl std::ops::Deref for Zonelist {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        &self.nodes[..self.len]
    }
}

impl IntoIterator for Zonelist {
    type Item = u8;
    type IntoIter = std::iter::Take<std::array::IntoIter<u8, { MAX_NODES as usize }>>;
    fn into_iter(self) -> Self::IntoIter {
        self.nodes.into_iter().take(self.len)
    }
}

impl<'a> IntoIterator for &'a Zonelist {
    type Item = &'a u8;
    type IntoIter = std::slice::Iter<'a, u8>;
    fn into_iter(self) -> Self::IntoIter {
        self.iter()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::CountSink;
    use crate::machine::MachineConfig;

    fn boot(mem: u64) -> (Machine, Buddy) {
        let mut m = Machine::new(MachineConfig { mem_bytes: mem, ..Default::default() }).unwrap();
        let b = Buddy::boot(&mut m, &mut CountSink::default());
        b.check(&m).unwrap();
        (m, b)
    }

    #[test]
    fn boot_gives_max_order_blocks_in_ascending_order() {
        let (m, b) = boot(64 << 20);
        assert_eq!(b.zone(0).free_area[10].nr_free, 16);
        assert_eq!(b.list(&m, 0, 10), (0..16).map(|i| i * 1024).collect::<Vec<_>>());
        assert_eq!(
            b.buddyinfo(),
            "Node 0, zone   Normal      0      0      0      0      0      0      0      0      0      0     16 \n"
        );
    }

    #[test]
    fn order0_alloc_splits_like_expand() {
        let (mut m, mut b) = boot(64 << 20);
        let mut ev = Vec::new();
        let pfn = b.alloc(&mut m, 0, 0, Owner::Pages { name: 0 }, &mut ev).unwrap();
        assert_eq!(pfn, 0);
        b.check(&m).unwrap();
        // High halves 512, 256, ..., 1 end up on orders 9..0.
        for order in 0..10u8 {
            assert_eq!(b.list(&m, 0, order), vec![1u32 << order], "order {order}");
        }
        assert_eq!(ev.iter().filter(|e| matches!(e, Event::BlockSplit { .. })).count(), 10);
        assert_eq!(ev.iter().filter(|e| matches!(e, Event::AreaEmpty { .. })).count(), 10);
        // Next order-0 allocation takes the head of free_area[0]: pfn 1.
        assert_eq!(b.alloc(&mut m, 0, 0, Owner::Pages { name: 1 }, &mut ev).unwrap(), 1);
        b.check(&m).unwrap();
    }

    #[test]
    fn free_merges_back_to_boot_state() {
        let (mut m, mut b) = boot(64 << 20);
        let fresh = b.buddyinfo();
        let mut ev = Vec::new();
        let p0 = b.alloc(&mut m, 0, 0, Owner::Pages { name: 0 }, &mut ev).unwrap();
        let p1 = b.alloc(&mut m, 0, 0, Owner::Pages { name: 1 }, &mut ev).unwrap();
        ev.clear();
        b.free(&mut m, p0, &mut ev);
        b.check(&m).unwrap();
        // p0's buddy (1) is in use: no merge, inserted at head of order 0.
        assert!(matches!(ev[1], Event::MergeStopped { reason: MergeStop::BuddyNotFree, .. }));
        ev.clear();
        b.free(&mut m, p1, &mut ev);
        b.check(&m).unwrap();
        let merges = ev.iter().filter(|e| matches!(e, Event::BuddyMerged { .. })).count();
        assert_eq!(merges, 10);
        assert_eq!(b.buddyinfo(), fresh);
    }

    #[test]
    fn out_of_memory_changes_nothing() {
        let (mut m, mut b) = boot(16 * 4096);
        let mut ev = Vec::new();
        assert_eq!(b.alloc(&mut m, 0, 5, Owner::Pages { name: 0 }, &mut ev), Err(BuddyError::OutOfMemory { order: 5 }));
        assert!(ev.is_empty());
        b.alloc(&mut m, 0, 4, Owner::Pages { name: 0 }, &mut ev).unwrap();
        let before = b.buddyinfo();
        assert!(b.alloc(&mut m, 0, 0, Owner::Pages { name: 1 }, &mut ev).is_err());
        assert_eq!(b.buddyinfo(), before);
    }

    #[test]
    fn odd_sized_memory_boots_into_aligned_blocks() {
        let (m, b) = boot(13 * 4096);
        assert_eq!(b.list(&m, 0, 3), vec![0]);
        assert_eq!(b.list(&m, 0, 2), vec![8]);
        assert_eq!(b.list(&m, 0, 0), vec![12]);
    }

    #[test]
    fn zonelist_is_by_distance_then_id() {
        for nodes in 0..=usize::from(MAX_NODES) {
            for node in 0..12u8 {
                let mut want: Vec<u8> = (0..nodes as u8).collect();
                want.sort_by_key(|&n| (n.abs_diff(node), n));
                assert_eq!(zonelist(nodes, node).to_vec(), want, "{nodes} nodes, from {node}");
            }
        }
    }
}
