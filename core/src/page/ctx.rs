//! The page layer borrowed as a unit: what slab layers allocate their slabs from.

use crate::error::OpError;
use crate::page::buddy::Buddy;
use crate::page::machine::{Machine, Owner, MAX_PAGE_ORDER};
use crate::page::pcp::{Pcp, PCP_MAX_ORDER};
use crate::timeline::event::{Event, EventSink};

/// The page layer borrowed as a unit: what slab layers allocate their slabs from.
pub struct PageCtx<'a> {
    /// Frames and bytes.
    pub machine: &'a mut Machine,
    /// Buddy allocator.
    pub buddy: &'a mut Buddy,
    /// Per-CPU page lists.
    pub pcp: &'a mut Option<Pcp>,
}

impl PageCtx<'_> {
    /// Allocate a block: through the pcp lists for orders <= 3 when enabled, else the buddy
    /// allocator; falls back over nodes in zonelist order. When nothing fits but pcp lists hold
    /// pages, they are drained first (`drain_all_pages`), but only if that makes the allocation
    /// succeed: a failing allocation changes nothing.
    pub fn alloc(
        &mut self,
        node: u8,
        cpu: u16,
        order: u8,
        owner: Owner,
        out: &mut dyn EventSink,
    ) -> Result<u32, OpError> {
        if order > MAX_PAGE_ORDER {
            return Err(OpError::BadOrder { order: u64::from(order) });
        }
        if !self.can_alloc(node, cpu, order) {
            return Err(OpError::OutOfMemory { order });
        }
        if self.target(node, cpu, order).is_none() {
            if let Some(pcp) = self.pcp.as_mut() {
                out.emit(Event::PcpDrainAll { order });
                pcp.drain_all(self.machine, self.buddy, out);
            }
        }
        let target = self.target(node, cpu, order).ok_or(OpError::OutOfMemory { order })?;
        match self.pcp.as_mut() {
            Some(pcp) if order <= PCP_MAX_ORDER => {
                if target != node {
                    out.emit(Event::NodeFallback { from: node, to: target, order });
                }
                Ok(pcp.alloc(self.machine, self.buddy, cpu, target, order, owner, out))
            }
            _ => Ok(self.buddy.alloc(self.machine, node, order, owner, out)?),
        }
    }

    /// True when [`PageCtx::alloc`] would succeed (possibly after draining the pcp lists).
    pub fn can_alloc(&self, node: u8, cpu: u16, order: u8) -> bool {
        if order > MAX_PAGE_ORDER {
            return false;
        }
        if self.target(node, cpu, order).is_some() {
            return true;
        }
        match self.pcp.as_ref() {
            Some(pcp) if pcp.total_pages() > 0 => {
                let (mut m, mut b, mut p) = (self.machine.clone(), self.buddy.clone(), pcp.clone());
                p.drain_all(&mut m, &mut b, &mut crate::event::CountSink::default());
                let ctx = PageCtx { machine: &mut m, buddy: &mut b, pcp: &mut Some(p) };
                ctx.target(node, cpu, order).is_some()
            }
            _ => false,
        }
    }

    /// The node an allocation would be served from without draining, if any.
    fn target(&self, node: u8, cpu: u16, order: u8) -> Option<u8> {
        let zonelist = self.buddy.zonelist(node);
        match self.pcp.as_ref() {
            Some(pcp) if order <= PCP_MAX_ORDER => {
                zonelist.into_iter().find(|&n| pcp.can_alloc(self.buddy, cpu, n, order))
            }
            _ => zonelist.into_iter().find(|&n| self.buddy.can_alloc(n, order)),
        }
    }

    /// Free the used block at `pfn` (validated by the caller).
    pub fn free(&mut self, cpu: u16, pfn: u32, out: &mut dyn EventSink) {
        let order = self.machine.frame(pfn).order;
        match self.pcp.as_mut() {
            Some(pcp) if order <= PCP_MAX_ORDER => pcp.free(self.machine, self.buddy, cpu, pfn, out),
            _ => self.buddy.free(self.machine, pfn, out),
        }
    }
}
