//! SLOB ("simple list of blocks"), as in Linux 6.3 `mm/slob.c` (removed in 6.4): a K&R-style
//! first-fit heap over whole pages, for tiny machines.
//!
//! Pages with free space sit on one of three lists by the size of the request that put them
//! there: small (< `SLOB_BREAK1` = 256 bytes), medium (< `SLOB_BREAK2` = 1024) and large.
//! Inside a page, free blocks form an address-ordered singly linked list stored in the free
//! blocks' own bytes, in units of `SLOB_UNIT` (2 bytes, `slobidx_t` = `s16` with 4 KiB pages):
//! a free block of more than one unit holds its size then the offset of the next free block; a
//! one-unit block holds the negated offset (`set_slob`). `kmalloc` prepends a `minalign`-byte
//! header holding the requested size (`__do_kmalloc_node`); requests of `PAGE_SIZE - minalign`
//! bytes or more, and cache objects of `PAGE_SIZE` or more, go straight to the page allocator.
//!
//! Invariants ([`Slob::check`]): per page, the free blocks read from memory lie inside the page in
//! increasing address order, the last one links to the page end, their units sum to the page's
//! free `units`, and free units plus the units of the page's live blocks are `SLOB_UNITS(PAGE_SIZE)`;
//! a page is on exactly one list iff it has free units; live blocks do not overlap free blocks;
//! every page and large allocation is owned by SLOB in the frame table.

use std::collections::BTreeMap;

use crate::error::OpError;
use crate::page::addr::{phys, virt};
use crate::page::ctx::PageCtx;
use crate::page::machine::{FrameKind, Machine, MachineConfig, Owner, PageView, SlabPolicy, PAGE_SHIFT, PAGE_SIZE};
use crate::slab::layout::{get_order, CacheFlags, KMALLOC_MAX_CACHE_SIZE};
use crate::slab::slub::Site;
use crate::slab::SlabAllocator;
use crate::timeline::event::{Event, EventSink, Sym};

/// `SLOB_UNIT`: `sizeof(slob_t)` with 4 KiB pages.
pub const SLOB_UNIT: u64 = 2;
/// `SLOB_UNITS(PAGE_SIZE)`.
pub const PAGE_UNITS: u64 = PAGE_SIZE / SLOB_UNIT;
/// `SLOB_BREAK1`: requests below it use the small list.
pub const SLOB_BREAK1: u32 = 256;
/// `SLOB_BREAK2`: requests below it (and at least `SLOB_BREAK1`) use the medium list.
pub const SLOB_BREAK2: u32 = 1024;
/// `ARCH_KMALLOC_MINALIGN` on x86-64: the kmalloc size header and the minimum alignment.
pub const MINALIGN: u32 = 8;
/// The pseudo-cache of kmalloc (SLOB has no kmalloc caches; its heap pages carry this id).
pub const KMALLOC: u32 = 0;

/// `SLOB_UNITS(size)`.
fn units(size: u32) -> u64 {
    u64::from(size).div_ceil(SLOB_UNIT)
}

/// The list for a request of `size` bytes (`slob_alloc`, `slob_free`): 0 small, 1 medium, 2 large.
pub fn list_for(size: u32) -> u8 {
    if size < SLOB_BREAK1 {
        0
    } else if size < SLOB_BREAK2 {
        1
    } else {
        2
    }
}

/// One SLOB cache (`kmem_cache` with SLOB: only a size, an alignment and a name).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SlobCache {
    /// Id.
    pub id: u32,
    /// Name.
    pub name: String,
    /// Object size (`c->size`).
    pub size: u32,
    /// Alignment (`c->align`, at least `MINALIGN`).
    pub align: u32,
    /// Live objects.
    pub live: u64,
    /// Destroyed.
    pub destroyed: bool,
}

/// One SLOB page (the `struct slab` fields SLOB uses).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SlobPage {
    /// Page frame.
    pub pfn: u32,
    /// Free units (`sp->units`).
    pub units: u64,
    /// First free block (`sp->freelist`), meaningful while `units > 0`.
    pub freelist: u64,
    /// The list it is on (`PageSlobFree`), if any.
    pub list: Option<u8>,
}

/// A live block: where it starts (the kmalloc header, if any), its units, its cache.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SlobBlock {
    /// Cache id ([`KMALLOC`] for kmalloc).
    pub cache: u32,
    /// Address of the block (the header for kmalloc).
    pub block: u64,
    /// Units the block takes.
    pub units: u64,
    /// The bytes asked of `slob_alloc` (picks the list when the block frees a full page).
    pub size: u32,
}

/// A `set_slob` to perform: block `s` gets `size` units and links to `next`.
type SetSlob = (u64, u64, u64);

/// What `slob_page_alloc` does on a page: the block handed out, the writes, the new head.
#[derive(Clone, Debug)]
struct AllocPlan {
    block: u64,
    sets: Vec<SetSlob>,
    head: Option<u64>,
}

/// Where SLOB reads the 16-bit words of its free blocks: memory ([`Machine`]), or one page's
/// bytes looked up once ([`PageWords`], for the read-only walks over a page's free chain).
trait Words {
    /// The `slobidx_t` at virtual address `addr`.
    fn i16_at(&self, addr: u64) -> i64;
}

impl Words for Machine {
    fn i16_at(&self, addr: u64) -> i64 {
        let mut b = [0u8; 2];
        self.mem.read(phys(addr), &mut b);
        i64::from(i16::from_le_bytes(b))
    }
}

/// The words of one page, read from its bytes without a memory lookup per word (the same values
/// as [`Machine`]'s reads; a word outside the page is read from memory).
struct PageWords<'a> {
    m: &'a Machine,
    pfn: u32,
    bytes: Option<PageView<'a>>,
}

impl<'a> PageWords<'a> {
    fn new(m: &'a Machine, pfn: u32) -> PageWords<'a> {
        PageWords { m, pfn, bytes: m.mem.page(pfn) }
    }
}

impl Words for PageWords<'_> {
    fn i16_at(&self, addr: u64) -> i64 {
        let a = phys(addr);
        let off = (a % PAGE_SIZE) as usize;
        if (a >> PAGE_SHIFT) as u32 != self.pfn || off + 2 > PAGE_SIZE as usize {
            return self.m.i16_at(addr);
        }
        self.bytes.map_or(0, |b| {
            let mut w = [0u8; 2];
            b.read(off, &mut w);
            i64::from(i16::from_le_bytes(w))
        })
    }
}

/// The SLOB allocator state.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Slob {
    caches: Vec<SlobCache>,
    pages: BTreeMap<u32, SlobPage>,
    /// `free_slob_small`, `free_slob_medium`, `free_slob_large`, front first.
    lists: [Vec<u32>; 3],
    /// Live objects by object address.
    live: BTreeMap<u64, SlobBlock>,
    /// Objects served straight by the page allocator: object address → (pfn, order, cache).
    large: BTreeMap<u64, (u32, u8, u32)>,
}

impl Slob {
    /// SLOB with only the kmalloc pseudo-cache.
    pub fn new(_config: &MachineConfig) -> Slob {
        let k = SlobCache { id: KMALLOC, name: "kmalloc".into(), size: 0, align: MINALIGN, live: 0, destroyed: false };
        Slob {
            caches: vec![k],
            pages: BTreeMap::new(),
            lists: Default::default(),
            live: BTreeMap::new(),
            large: BTreeMap::new(),
        }
    }

    /// The caches (index = id).
    pub fn caches(&self) -> &[SlobCache] {
        &self.caches
    }
    /// The heap pages.
    pub fn pages(&self) -> &BTreeMap<u32, SlobPage> {
        &self.pages
    }
    /// The three free lists (pfns, front first).
    pub fn lists(&self) -> &[Vec<u32>; 3] {
        &self.lists
    }
    /// Live heap blocks by object address.
    pub fn live(&self) -> &BTreeMap<u64, SlobBlock> {
        &self.live
    }

    fn page_base(addr: u64) -> u64 {
        virt((phys(addr) >> PAGE_SHIFT) << PAGE_SHIFT)
    }

    /// `slob_units` and `slob_next` of the free block at `s` in one read of its words: its units
    /// and the next free block (the page end after the last one).
    fn slob_decode(m: &impl Words, s: u64) -> (u64, u64) {
        let u = m.i16_at(s);
        let units = if u > 0 { u as u64 } else { 1 };
        let next = if u < 0 { -u } else { m.i16_at(s + SLOB_UNIT) };
        (units, Self::page_base(s) + (next.max(0) as u64) * SLOB_UNIT)
    }

    /// `slob_units`.
    fn slob_units(m: &impl Words, s: u64) -> u64 {
        let u = m.i16_at(s);
        if u > 0 {
            u as u64
        } else {
            1
        }
    }

    /// `slob_next`: the next free block (the page end after the last one).
    fn slob_next(m: &impl Words, s: u64) -> u64 {
        Self::slob_decode(m, s).1
    }

    /// `slob_last`: the block links to the page end.
    fn slob_last(m: &impl Words, s: u64) -> bool {
        phys(Self::slob_next(m, s)).is_multiple_of(PAGE_SIZE)
    }

    /// `set_slob`: encode a free block's size and next offset in its bytes.
    fn set_slob(m: &mut Machine, (s, size, next): SetSlob) {
        let base = Self::page_base(s);
        let offset = ((next - base) / SLOB_UNIT) as i16;
        if size > 1 {
            m.mem.write(phys(s), &(size as i16).to_le_bytes());
            m.mem.write(phys(s + SLOB_UNIT), &offset.to_le_bytes());
        } else {
            m.mem.write(phys(s), &(-offset).to_le_bytes());
        }
    }

    /// The free blocks of a page, read from memory: (address, units).
    pub fn free_blocks(&self, m: &Machine, pfn: u32) -> Vec<(u64, u64)> {
        let Some(sp) = self.pages.get(&pfn) else { return Vec::new() };
        let mut out = Vec::new();
        if sp.units == 0 {
            return out;
        }
        let end = virt(u64::from(pfn) << PAGE_SHIFT) + PAGE_SIZE;
        let m = &PageWords::new(m, pfn);
        let mut cur = sp.freelist;
        while cur < end && out.len() <= PAGE_UNITS as usize {
            let (units, next) = Self::slob_decode(m, cur);
            out.push((cur, units));
            // `slob_last`, or a link that does not go forward.
            if phys(next).is_multiple_of(PAGE_SIZE) || next <= cur {
                break;
            }
            cur = next;
        }
        out
    }

    /// The heap pages as rows of blocks (see [`crate::slab::rows`]): the free units read from
    /// memory and the allocated blocks with their caches and sizes, by address.
    pub fn block_rows(&self, m: &Machine) -> Vec<crate::slab::rows::BlockRow> {
        use crate::slab::rows::{Block, BlockRow};
        let mut used: BTreeMap<u32, Vec<Block>> = BTreeMap::new();
        for b in self.live.values() {
            let pfn = (phys(b.block) >> PAGE_SHIFT) as u32;
            let bytes = (b.units * SLOB_UNIT) as u32;
            used.entry(pfn).or_default().push(Block { addr: b.block, bytes, cache: Some(b.cache), size: b.size });
        }
        self.pages
            .values()
            .map(|sp| {
                let free = self.free_blocks(m, sp.pfn);
                let mut blocks: Vec<Block> = free
                    .iter()
                    .map(|&(addr, units)| Block { addr, bytes: (units * SLOB_UNIT) as u32, cache: None, size: 0 })
                    .chain(used.remove(&sp.pfn).unwrap_or_default())
                    .collect();
                crate::sort::sort_by_key(&mut blocks, |b| b.addr);
                BlockRow { pfn: sp.pfn, list: sp.list, free: (sp.units * SLOB_UNIT) as u32, blocks }
            })
            .collect()
    }

    /// `slob_page_alloc` without writing: the first free block of the page with room for `size`
    /// bytes at `align` (after `align_offset` bytes), and what allocating it writes.
    fn plan_page_alloc(
        &self,
        m: &Machine,
        sp: &SlobPage,
        size: u32,
        align: u32,
        align_offset: u32,
    ) -> Option<AllocPlan> {
        let want = units(size);
        let m = &PageWords::new(m, sp.pfn);
        let mut prev: Option<u64> = None;
        let mut cur = sp.freelist;
        loop {
            let mut avail = Self::slob_units(m, cur);
            let mut delta = 0;
            let mut aligned = cur;
            if align > 0 {
                let a = u64::from(align);
                aligned = (cur + u64::from(align_offset)).next_multiple_of(a) - u64::from(align_offset);
                delta = (aligned - cur) / SLOB_UNIT;
            }
            if avail >= want + delta {
                let mut sets = Vec::new();
                let mut c = cur;
                let mut p = prev;
                if delta > 0 {
                    // Fragment the head to align.
                    let next = Self::slob_next(m, cur);
                    sets.push((aligned, avail - delta, next));
                    sets.push((cur, delta, aligned));
                    p = Some(cur);
                    c = aligned;
                    avail -= delta;
                }
                let next = if delta > 0 { Self::slob_next(m, cur) } else { Self::slob_next(m, c) };
                let mut head = None;
                if avail == want {
                    // Exact fit: unlink.
                    match p {
                        Some(p) => {
                            sets.push((p, if p == cur && delta > 0 { delta } else { Self::slob_units(m, p) }, next))
                        }
                        None => head = Some(next),
                    }
                } else {
                    // Fragment.
                    let rest = c + want * SLOB_UNIT;
                    match p {
                        Some(p) => {
                            sets.push((p, if p == cur && delta > 0 { delta } else { Self::slob_units(m, p) }, rest))
                        }
                        None => head = Some(rest),
                    }
                    sets.push((rest, avail - want, next));
                }
                return Some(AllocPlan { block: c, sets, head });
            }
            if Self::slob_last(m, cur) {
                return None;
            }
            prev = Some(cur);
            cur = Self::slob_next(m, cur);
        }
    }

    /// `slob_alloc`'s search: the first page on the list with room (and whether it must rotate
    /// to the front), or `None` when a new page is needed.
    fn find(&self, m: &Machine, size: u32, align: u32, off: u32) -> Option<(u32, AllocPlan, bool)> {
        let list = &self.lists[usize::from(list_for(size))];
        for (i, pfn) in list.iter().enumerate() {
            let sp = &self.pages[pfn];
            if sp.units < units(size) {
                continue;
            }
            if let Some(plan) = self.plan_page_alloc(m, sp, size, align, off) {
                let removed = sp.units == units(size);
                return Some((*pfn, plan, i > 0 && !removed));
            }
        }
        None
    }

    /// Request size, alignment and align offset of an allocation from `cache` of `orig` bytes;
    /// `None` when it goes straight to the page allocator (with that order).
    fn request(&self, cache: u32, orig: u32) -> Result<(u32, u32, u32), u8> {
        if cache == KMALLOC {
            // __do_kmalloc_node
            if u64::from(orig) < PAGE_SIZE - u64::from(MINALIGN) {
                let align = if orig.is_power_of_two() { orig.max(MINALIGN) } else { MINALIGN };
                return Ok((orig + MINALIGN, align, MINALIGN));
            }
            return Err(get_order(u64::from(orig)));
        }
        // slob_alloc_node
        let c = &self.caches[cache as usize];
        if u64::from(c.size) < PAGE_SIZE {
            Ok((c.size, c.align, 0))
        } else {
            Err(get_order(u64::from(c.size)))
        }
    }

    fn emit(&mut self, m: &mut Machine, out: &mut dyn EventSink, ev: Event) {
        self.apply(m, &ev);
        out.emit(ev);
    }

    /// Apply one event.
    pub fn apply(&mut self, m: &mut Machine, ev: &Event) {
        match *ev {
            Event::SlobCacheCreated { cache, ref label, size, align } => {
                self.caches.push(SlobCache { id: cache, name: label.clone(), size, align, live: 0, destroyed: false });
            }
            Event::SlobCacheDestroyed { cache } => self.caches[cache as usize].destroyed = true,
            Event::SlobPageNew { pfn, list } => {
                let b = virt(u64::from(pfn) << PAGE_SHIFT);
                Self::set_slob(m, (b, PAGE_UNITS, b + PAGE_SIZE));
                self.pages.insert(pfn, SlobPage { pfn, units: PAGE_UNITS, freelist: b, list: Some(list) });
                self.lists[usize::from(list)].insert(0, pfn);
            }
            Event::SlobAlloc { cache, pfn, addr, size, align, align_offset, rotate } => {
                let sp = self.pages[&pfn].clone();
                let Some(plan) = self.plan_page_alloc(m, &sp, size, align, align_offset) else { return };
                for s in &plan.sets {
                    Self::set_slob(m, *s);
                }
                let want = units(size);
                let sp = self.pages.get_mut(&pfn).expect("the page exists");
                if let Some(h) = plan.head {
                    sp.freelist = h;
                }
                sp.units -= want;
                let list = sp.list;
                if sp.units == 0 {
                    sp.list = None;
                    if let Some(l) = list {
                        self.lists[usize::from(l)].retain(|&p| p != pfn);
                    }
                } else if rotate {
                    if let Some(l) = list {
                        let l = &mut self.lists[usize::from(l)];
                        if let Some(i) = l.iter().position(|&p| p == pfn) {
                            l.rotate_left(i);
                        }
                    }
                }
                if cache == KMALLOC {
                    m.mem.write(phys(plan.block), &(size - MINALIGN).to_le_bytes());
                }
                self.live.insert(addr, SlobBlock { cache, block: plan.block, units: want, size });
                self.caches[cache as usize].live += 1;
            }
            Event::SlobFree { cache, pfn, addr } => {
                let Some(b) = self.live.remove(&addr) else { return };
                self.caches[cache as usize].live -= 1;
                self.free_block(m, pfn, b);
            }
            Event::SlobPageFreed { pfn } => {
                if let Some(sp) = self.pages.remove(&pfn) {
                    if let Some(l) = sp.list {
                        self.lists[usize::from(l)].retain(|&p| p != pfn);
                    }
                }
            }
            Event::SlobLarge { cache, addr, pfn, order } => {
                self.large.insert(addr, (pfn, order, cache));
                self.caches[cache as usize].live += 1;
            }
            Event::SlobLargeFree { cache, addr } if self.large.remove(&addr).is_some() => {
                self.caches[cache as usize].live -= 1;
            }
            _ => {}
        }
    }

    /// `slob_free` of a block that does not empty its page.
    fn free_block(&mut self, m: &mut Machine, pfn: u32, blk: SlobBlock) {
        let b = blk.block;
        let mut u = blk.units;
        let sp = self.pages[&pfn].clone();
        if sp.list.is_none() {
            // The page is about to become partially free.
            let end = Self::page_base(b) + PAGE_SIZE;
            Self::set_slob(m, (b, u, end));
            let list = list_for(blk.size);
            let p = self.pages.get_mut(&pfn).expect("the page exists");
            p.units = u;
            p.freelist = b;
            p.list = Some(list);
            self.lists[usize::from(list)].insert(0, pfn);
            return;
        }
        let head = sp.freelist;
        if b < head {
            let mut next = head;
            if b + u * SLOB_UNIT == head {
                u += Self::slob_units(m, head);
                next = Self::slob_next(m, head);
            }
            Self::set_slob(m, (b, u, next));
            let p = self.pages.get_mut(&pfn).expect("the page exists");
            p.freelist = b;
            p.units += blk.units;
            return;
        }
        let mut prev = head;
        let mut next = Self::slob_next(m, prev);
        while b > next {
            prev = next;
            next = Self::slob_next(m, prev);
        }
        if !Self::slob_last(m, prev) && b + u * SLOB_UNIT == next {
            u += Self::slob_units(m, next);
            let nn = Self::slob_next(m, next);
            Self::set_slob(m, (b, u, nn));
        } else {
            Self::set_slob(m, (b, u, next));
        }
        let pu = Self::slob_units(m, prev);
        if prev + pu * SLOB_UNIT == b {
            let nb = Self::slob_next(m, b);
            Self::set_slob(m, (prev, Self::slob_units(m, b) + pu, nb));
        } else {
            Self::set_slob(m, (prev, pu, b));
        }
        self.pages.get_mut(&pfn).expect("the page exists").units += blk.units;
    }

    /// Check the invariants (see the module docs).
    pub fn check(&self, m: &Machine) -> Result<(), String> {
        let mut on_list = BTreeMap::new();
        for (l, list) in self.lists.iter().enumerate() {
            for pfn in list {
                if on_list.insert(*pfn, l).is_some() {
                    return Err(format!("slob: page {pfn} on two lists"));
                }
            }
        }
        // Live units per page, in one pass: `live` is in address order, so a page's blocks are
        // consecutive (one page lookup per run, not per block).
        let mut used: BTreeMap<u32, u64> = BTreeMap::new();
        let mut run: Option<(u32, u64)> = None;
        for (addr, b) in &self.live {
            let pfn = (phys(b.block) >> PAGE_SHIFT) as u32;
            let known = run.is_some_and(|(p, _)| p == pfn) || self.pages.contains_key(&pfn);
            if !known || *addr < b.block || *addr >= b.block + b.units * SLOB_UNIT {
                return Err(format!("slob: live object {addr:#x} outside its block or page"));
            }
            match &mut run {
                Some((p, u)) if *p == pfn => *u += b.units,
                _ => {
                    if let Some((p, u)) = run.replace((pfn, b.units)) {
                        *used.entry(p).or_default() += u;
                    }
                }
            }
        }
        if let Some((p, u)) = run {
            *used.entry(p).or_default() += u;
        }
        for (pfn, sp) in &self.pages {
            if (sp.units > 0) != on_list.contains_key(pfn) || sp.list.map(usize::from) != on_list.get(pfn).copied() {
                return Err(format!("slob: page {pfn} with {} free units is on list {:?}", sp.units, sp.list));
            }
            let f = m.frame(*pfn);
            if f.kind != (FrameKind::Used { owner: Owner::Slab { cache: KMALLOC } }) || f.order != 0 {
                return Err(format!("slob: page {pfn} is not a SLOB page in the frame table: {f:?}"));
            }
            if m.tainted() {
                // A `write` overwrote memory: the free chain is read from the page's bytes, which may
                // be garbage now (the slab checkers' taint rule, as SLUB's and SLAB's checks).
                continue;
            }
            let blocks = self.free_blocks(m, *pfn);
            let free: u64 = blocks.iter().map(|b| b.1).sum();
            if free != sp.units {
                return Err(format!(
                    "slob: page {pfn}: free blocks in memory hold {free} units, the page counts {}",
                    sp.units
                ));
            }
            if free + used.get(pfn).copied().unwrap_or(0) != PAGE_UNITS {
                return Err(format!("slob: page {pfn}: free + live units != {PAGE_UNITS}"));
            }
            if let Some(&(last, _)) = blocks.last() {
                if !Self::slob_last(m, last) {
                    return Err(format!("slob: page {pfn}: the free list does not end at the page end"));
                }
            }
            for w in blocks.windows(2) {
                if w[0].0 + w[0].1 * SLOB_UNIT > w[1].0 {
                    return Err(format!("slob: page {pfn}: free blocks out of order or overlapping"));
                }
            }
            // The page's live blocks against its free blocks, both in address order (the free
            // ones checked disjoint above): one merge pass instead of every pair. Live blocks
            // must be disjoint and in order too.
            let mut free = blocks.iter().peekable();
            let mut live_end = 0;
            for (addr, b) in self.live.range(virt(u64::from(*pfn) << PAGE_SHIFT)..) {
                if (phys(b.block) >> PAGE_SHIFT) as u32 != *pfn {
                    break;
                }
                let end = b.block + b.units * SLOB_UNIT;
                if b.block < live_end {
                    return Err(format!("slob: live object {addr:#x} overlaps the live block before it"));
                }
                live_end = end;
                while free.next_if(|&&(s, u)| s + u * SLOB_UNIT <= b.block).is_some() {}
                if free.peek().is_some_and(|&&(s, _)| s < end) {
                    return Err(format!("slob: live object {addr:#x} overlaps a free block"));
                }
            }
        }
        for (addr, &(pfn, order, cache)) in &self.large {
            let f = m.frame(pfn);
            if f.kind != (FrameKind::Used { owner: Owner::Slab { cache } })
                || f.order != order
                || virt(u64::from(pfn) << PAGE_SHIFT) != *addr
            {
                return Err(format!("slob: large object {addr:#x} is not its pages: {f:?}"));
            }
        }
        Ok(())
    }
}

/// `config slab=slob`.
pub fn build(c: &MachineConfig) -> Box<dyn SlabAllocator> {
    Box::new(Slob::new(c))
}

impl SlabAllocator for Slob {
    fn policy(&self) -> SlabPolicy {
        SlabPolicy::Slob
    }
    fn apply(&mut self, m: &mut Machine, ev: &Event) {
        Slob::apply(self, m, ev)
    }
    fn check(&self, m: &Machine) -> Result<(), String> {
        Slob::check(self, m)
    }
    fn cache_by_name(&self, label: &str) -> Option<u32> {
        self.caches.iter().find(|c| !c.destroyed && c.id != KMALLOC && c.name == label).map(|c| c.id)
    }
    fn cache_labels(&self) -> Vec<String> {
        self.caches.iter().filter(|c| !c.destroyed && c.id != KMALLOC).map(|c| c.name.clone()).collect()
    }
    fn cache_name(&self, id: u32) -> String {
        self.caches.get(id as usize).map_or_else(String::new, |c| c.name.clone())
    }
    fn object_size(&self, id: u32) -> u32 {
        self.caches.get(id as usize).map_or(0, |c| c.size)
    }
    fn kmalloc_cache(&self, _size: u32) -> Option<u32> {
        Some(KMALLOC)
    }
    fn cache_summaries(&self) -> Vec<crate::slab::rows::CacheSummary> {
        let live = self.caches.iter().filter(|c| !c.destroyed);
        live.map(|c| crate::slab::rows::CacheSummary::unaliased(c.id, &c.name, c.size, c.size)).collect()
    }
    fn fixed_size(&self, cache: u32) -> bool {
        // kmalloc's blocks are sized per request (`__do_kmalloc_node`), a cache's are not.
        cache != KMALLOC
    }
    fn shutdown_live(&self, id: u32) -> Option<u64> {
        let c = self.caches.get(id as usize)?;
        (!c.destroyed && id != KMALLOC).then_some(c.live)
    }
    fn create_cache(
        &mut self,
        m: &mut Machine,
        _name: Sym,
        label: &str,
        size: u32,
        align: u32,
        _flags: CacheFlags,
        out: &mut dyn EventSink,
    ) -> Result<u32, OpError> {
        if self.cache_by_name(label).is_some() || label == "kmalloc" {
            return Err(OpError::CacheExists { name: label.to_string() });
        }
        if size == 0 || size > KMALLOC_MAX_CACHE_SIZE * 4 {
            return Err(OpError::BadSize { size: u64::from(size), max: u64::from(KMALLOC_MAX_CACHE_SIZE * 4) });
        }
        if align != 0 && !align.is_power_of_two() {
            return Err(OpError::BadAlign { align });
        }
        let cache = self.caches.len() as u32;
        let align = align.max(MINALIGN);
        self.emit(m, out, Event::SlobCacheCreated { cache, label: label.to_string(), size, align });
        Ok(cache)
    }
    fn destroy_cache(
        &mut self,
        pages: &mut PageCtx<'_>,
        _name: Sym,
        label: &str,
        out: &mut dyn EventSink,
    ) -> Result<(), OpError> {
        let id = self.cache_by_name(label).ok_or_else(|| self.unknown_cache(label))?;
        let live = self.caches[id as usize].live;
        if live > 0 {
            return Err(OpError::CacheBusy { name: label.to_string(), live });
        }
        self.emit(pages.machine, out, Event::SlobCacheDestroyed { cache: id });
        Ok(())
    }
    fn needs_pages(&self, m: &Machine, cache: u32, _cpu: u16, _node: Option<u8>, orig_size: u32) -> Option<u8> {
        match self.request(cache, orig_size) {
            Err(order) => Some(order),
            Ok((size, align, off)) => self.find(m, size, align, off).is_none().then_some(0),
        }
    }
    fn alloc(
        &mut self,
        pages: &mut PageCtx<'_>,
        cache: u32,
        cpu: u16,
        node: Option<u8>,
        site: Site,
        out: &mut dyn EventSink,
    ) -> Result<u64, OpError> {
        let node = node.unwrap_or_else(|| pages.machine.config().node_of_cpu(cpu));
        let (size, align, off) = match self.request(cache, site.orig_size) {
            Ok(r) => r,
            Err(order) => {
                let pfn = pages.alloc(node, cpu, order, Owner::Slab { cache }, out)?;
                let addr = virt(u64::from(pfn) << PAGE_SHIFT);
                self.emit(pages.machine, out, Event::SlobLarge { cache, addr, pfn, order });
                return Ok(addr);
            }
        };
        let (pfn, plan, rotate) = match self.find(pages.machine, size, align, off) {
            Some(found) => found,
            None => {
                let pfn = pages.alloc(node, cpu, 0, Owner::Slab { cache: KMALLOC }, out)?;
                self.emit(pages.machine, out, Event::SlobPageNew { pfn, list: list_for(size) });
                let sp = self.pages[&pfn].clone();
                let plan = self
                    .plan_page_alloc(pages.machine, &sp, size, align, off)
                    .ok_or(OpError::OutOfMemory { order: 0 })?;
                (pfn, plan, false)
            }
        };
        let addr = plan.block + u64::from(off);
        self.emit(pages.machine, out, Event::SlobAlloc { cache, pfn, addr, size, align, align_offset: off, rotate });
        Ok(addr)
    }
    fn free(&mut self, pages: &mut PageCtx<'_>, cache: u32, cpu: u16, addr: u64, _site: u32, out: &mut dyn EventSink) {
        if let Some(&(pfn, _, _)) = self.large.get(&addr) {
            self.emit(pages.machine, out, Event::SlobLargeFree { cache, addr });
            pages.free(cpu, pfn, out);
            return;
        }
        let Some(b) = self.live.get(&addr).copied() else { return };
        let pfn = (phys(b.block) >> PAGE_SHIFT) as u32;
        let empties = self.pages.get(&pfn).is_some_and(|sp| sp.units + b.units == PAGE_UNITS);
        self.emit(pages.machine, out, Event::SlobFree { cache, pfn, addr });
        if empties {
            // slob_free: "Go directly to page allocator. Do not pass slob allocator".
            self.emit(pages.machine, out, Event::SlobPageFreed { pfn });
            pages.free(cpu, pfn, out);
        }
    }
    fn is_live(&self, _m: &Machine, cache: u32, addr: u64) -> bool {
        self.live.get(&addr).is_some_and(|b| b.cache == cache) || self.large.get(&addr).is_some_and(|l| l.2 == cache)
    }
    fn shrink(&mut self, _pages: &mut PageCtx<'_>, _out: &mut dyn EventSink) -> u64 {
        // SLOB keeps no empty pages: a page goes back the moment it is empty.
        0
    }
    fn slabinfo(&self) -> String {
        let mut s = String::from("# SLOB: no /proc/slabinfo; heap pages by list\n");
        for (name, l) in ["small (<256)", "medium (<1024)", "large"].iter().zip(&self.lists) {
            let free: u64 = l.iter().map(|p| self.pages[p].units * SLOB_UNIT).sum();
            s.push_str(&format!("{name:<15} pages {:>4} free bytes {free:>7}\n", l.len()));
        }
        let full = self.pages.values().filter(|p| p.list.is_none()).count();
        s.push_str(&format!("{:<15} pages {full:>4}\n", "full"));
        s
    }
    fn free_check(&self, _cache: u32) -> Option<crate::error::FreeCheck> {
        Some(crate::error::FreeCheck::SlobUnchecked)
    }
    fn block_rows(&self, m: &Machine) -> Vec<crate::slab::rows::BlockRow> {
        Slob::block_rows(self, m)
    }
    crate::slab::engine_any!();
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::page::buddy::Buddy;
    use crate::timeline::event::CountSink;

    /// A booted machine with SLOB holding `sizes` kmalloc blocks on one page.
    fn heap(sizes: &[u32]) -> (Machine, Slob, Vec<u64>) {
        let config = MachineConfig { mem_bytes: 1 << 20, slab: SlabPolicy::Slob, ..MachineConfig::default() };
        let mut machine = Machine::new(config.clone()).unwrap();
        let mut buddy = Buddy::boot(&mut machine, &mut CountSink::default());
        let mut pcp = None;
        let mut slob = Slob::new(&config);
        let mut pages = PageCtx { machine: &mut machine, buddy: &mut buddy, pcp: &mut pcp };
        let addrs = sizes
            .iter()
            .map(|&n| {
                let site = Site { line: 1, orig_size: n };
                SlabAllocator::alloc(&mut slob, &mut pages, KMALLOC, 0, None, site, &mut Vec::new()).unwrap()
            })
            .collect();
        slob.check(&machine).unwrap();
        (machine, slob, addrs)
    }

    #[test]
    fn check_sees_a_live_block_over_a_free_one() {
        let (m, mut slob, addrs) = heap(&[24, 24]);
        // The second block grows over the free space after it.
        let b = slob.live.get_mut(&addrs[1]).unwrap();
        b.units += 4;
        let err = slob.check(&m).unwrap_err();
        assert!(err.contains("overlaps a free block") || err.contains("free + live units"), "{err}");
        // Same units, but shifted onto the first block: only the overlap check can see it.
        let (m, mut slob, addrs) = heap(&[24, 24]);
        let first = slob.live[&addrs[0]];
        let b = slob.live.remove(&addrs[1]).unwrap();
        slob.live.insert(first.block + 2 + u64::from(MINALIGN), SlobBlock { block: first.block + 2, ..b });
        let err = slob.check(&m).unwrap_err();
        assert!(err.contains("overlaps the live block before it"), "{err}");
    }

    #[test]
    fn check_sees_a_live_block_inside_the_free_space() {
        let (m, mut slob, addrs) = heap(&[24, 24]);
        // Move the second block into the free space past it (units unchanged: the page's sums
        // still add up, only the merge of live and free blocks sees it).
        let b = slob.live.remove(&addrs[1]).unwrap();
        let block = b.block + 64 * SLOB_UNIT;
        slob.live.insert(block + u64::from(MINALIGN), SlobBlock { block, ..b });
        let err = slob.check(&m).unwrap_err();
        assert!(err.contains("overlaps a free block"), "{err}");
    }
}
