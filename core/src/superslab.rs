//! The SuperSlab allocator of the seed `004_*` (a user-space tiny-object pool) and its dynamic
//! lifecycle: `malloc SIZE [thread=N]` / `free NAME` for 1..=64-byte objects.
//!
//! - 8 size classes (8, 16, …, 64 B). A SuperSlab is 2 MiB, 2 MiB-aligned, taken from the buddy
//!   allocator as one order-9 block (the simulation's `mmap`), for one class, split into 32 slabs
//!   of 64 KiB that are initialised only when first needed. Its first 64 bytes are a header
//!   (`b"SUPERSLB"`, class, `total_active_blocks`, initialised-slab bitmap) in real bytes.
//! - Each thread has, per class, a TLS slab (SuperSlab + slab index) and a magazine (a stack of
//!   freed blocks with a fixed capacity per class).
//! - malloc: magazine pop → the TLS slab (its free list, then never-used blocks) → another slab of
//!   the TLS SuperSlab or of another SuperSlab of the class with room → a new SuperSlab (birth).
//! - free: magazine push (or, when the magazine is full, back to the block's slab).
//!   `total_active_blocks` counts blocks handed to users: every malloc increments it, every free
//!   (magazine push included) decrements it.
//! - `superslab_release=on` (the seed's Phase 7.6): when `total_active_blocks` reaches 0 the
//!   SuperSlab dies: blocks of it still sitting in magazines are dropped, TLS pointers to it are
//!   cleared, and its 2 MiB go back to the page allocator. `off` (before 7.6): it stays resident.
//!
//! Invariants ([`SuperSlabs::check`]): each SuperSlab's `total_active_blocks` equals the blocks
//! handed out of it and not yet freed; a slab's carved blocks = used + on its free list (read from
//! memory) + in magazines; magazines hold distinct blocks within their capacity; TLS pointers name
//! live SuperSlabs of their class; header bytes match.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::error::OpError;
use crate::event::{Event, EventSink, SsFrom};
use crate::machine::{Machine, Owner, PAGE_SHIFT};
use crate::page::addr::{phys, virt};
use crate::page::ctx::PageCtx;

/// Bytes in a SuperSlab (2 MiB).
pub const SUPERSLAB_SIZE: u64 = 2 << 20;
/// Buddy order of a SuperSlab.
pub const SUPERSLAB_ORDER: u8 = 9;
/// Slabs per SuperSlab.
pub const SLABS_PER_SUPERSLAB: u32 = 32;
/// Bytes per slab (64 KiB).
pub const SLAB_SIZE: u32 = 64 << 10;
/// Header bytes at the start of slab 0.
pub const SS_HEADER: u32 = 64;
/// Number of tiny classes.
pub const TINY_CLASSES: u8 = 8;

/// Class index of a tiny size (1..=64 B): 8-byte steps, so 16 B is class 1.
pub fn class_of(size: u32) -> Option<u8> {
    (1..=64).contains(&size).then(|| ((size - 1) / 8) as u8)
}
/// Block size of a class.
pub fn class_size(class: u8) -> u32 {
    (u32::from(class) + 1) * 8
}
/// Magazine capacity of a class (fixed, as in the seed): `max(16, 1024 / size)`.
pub fn magazine_cap(class: u8) -> u32 {
    (1024 / class_size(class)).max(16)
}

/// One 64 KiB slab of a SuperSlab.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SsSlab {
    /// Initialised (first used).
    pub init: bool,
    /// Blocks that fit.
    pub capacity: u32,
    /// Blocks carved so far (never-used blocks follow).
    pub carved: u32,
    /// Blocks handed to users right now.
    pub used: u32,
    /// First block of the slab's free list (0 = none).
    pub freelist: u64,
}

/// A SuperSlab.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SuperSlab {
    /// Id (never reused).
    pub id: u32,
    /// Size class.
    pub class: u8,
    /// First page of the 2 MiB.
    pub pfn: u32,
    /// Blocks handed to users and not freed.
    pub total_active_blocks: u64,
    /// The 32 slabs.
    pub slabs: Vec<SsSlab>,
}

impl SuperSlab {
    /// Address of block `i` of slab `s`.
    pub fn block_addr(&self, s: u32, i: u32) -> u64 {
        let first = if s == 0 { SS_HEADER } else { 0 };
        virt((u64::from(self.pfn) << PAGE_SHIFT) + u64::from(s * SLAB_SIZE + first + i * class_size(self.class)))
    }
    /// (slab, block) of an address inside this SuperSlab.
    pub fn locate(&self, addr: u64) -> Option<(u32, u32)> {
        let off = phys(addr).checked_sub(u64::from(self.pfn) << PAGE_SHIFT)?;
        if off >= SUPERSLAB_SIZE {
            return None;
        }
        let s = (off / u64::from(SLAB_SIZE)) as u32;
        let first = if s == 0 { SS_HEADER } else { 0 };
        let within = (off % u64::from(SLAB_SIZE)).checked_sub(u64::from(first))?;
        let size = u64::from(class_size(self.class));
        (within % size == 0 && within / size < u64::from(self.slabs[s as usize].capacity.max(1)))
            .then(|| (s, (within / size) as u32))
    }
}

/// Per-thread state.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ThreadState {
    /// TLS slab per class: (SuperSlab id, slab index).
    pub tls: Vec<Option<(u32, u32)>>,
    /// Magazine per class (top = last).
    pub magazines: Vec<Vec<u64>>,
}

/// The allocator.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SuperSlabs {
    /// Live SuperSlabs by id.
    pub superslabs: BTreeMap<u32, SuperSlab>,
    /// Threads that have used the allocator.
    pub threads: BTreeMap<u16, ThreadState>,
    next_id: u32,
    /// Phase 7.6: release empty SuperSlabs.
    pub release: bool,
    /// SuperSlabs ever born / died.
    pub births: u64,
    /// Deaths.
    pub deaths: u64,
}

fn read_u64(m: &Machine, addr: u64) -> u64 {
    let mut b = [0u8; 8];
    m.mem.read(phys(addr), &mut b);
    u64::from_le_bytes(b)
}

impl SuperSlabs {
    /// An allocator with no SuperSlab yet.
    pub fn new(release: bool) -> SuperSlabs {
        SuperSlabs { release, ..Default::default() }
    }

    /// Bytes held from the page allocator (resident memory).
    pub fn resident_bytes(&self) -> u64 {
        self.superslabs.len() as u64 * SUPERSLAB_SIZE
    }

    fn thread(&mut self, t: u16) -> &mut ThreadState {
        self.threads.entry(t).or_insert_with(|| ThreadState {
            tls: vec![None; usize::from(TINY_CLASSES)],
            magazines: vec![Vec::new(); usize::from(TINY_CLASSES)],
        })
    }

    /// The SuperSlab holding `addr`.
    pub fn owner_of(&self, addr: u64) -> Option<&SuperSlab> {
        let pfn = (phys(addr) >> PAGE_SHIFT) as u32;
        self.superslabs.values().find(|s| pfn >= s.pfn && pfn - s.pfn < 512)
    }

    fn write_header(&self, m: &mut Machine, id: u32) {
        let s = &self.superslabs[&id];
        let mut h = [0u8; 32];
        h[0..8].copy_from_slice(b"SUPERSLB");
        h[8] = s.class;
        h[16..24].copy_from_slice(&s.total_active_blocks.to_le_bytes());
        let bitmap: u32 = s.slabs.iter().enumerate().filter(|(_, sl)| sl.init).map(|(i, _)| 1u32 << i).sum();
        h[24..28].copy_from_slice(&bitmap.to_le_bytes());
        m.mem.write(u64::from(s.pfn) << PAGE_SHIFT, &h);
    }

    /// Apply a SuperSlab event.
    pub fn apply(&mut self, m: &mut Machine, ev: &Event) {
        match *ev {
            Event::SsBirth { id, class, pfn } => {
                self.superslabs.insert(
                    id,
                    SuperSlab {
                        id,
                        class,
                        pfn,
                        total_active_blocks: 0,
                        slabs: vec![SsSlab::default(); SLABS_PER_SUPERSLAB as usize],
                    },
                );
                self.next_id = id + 1;
                self.births += 1;
                self.write_header(m, id);
            }
            Event::SsSlabInit { id, slab } => {
                let ss = self.superslabs.get_mut(&id).expect("superslab");
                let first = if slab == 0 { SS_HEADER } else { 0 };
                let sl = &mut ss.slabs[slab as usize];
                sl.init = true;
                sl.capacity = (SLAB_SIZE - first) / class_size(ss.class);
                self.write_header(m, id);
            }
            Event::SsTls { thread, class, slab } => {
                self.thread(thread).tls[usize::from(class)] = slab;
            }
            Event::SsAlloc { id, slab, thread, addr, from } => {
                let class = self.superslabs[&id].class;
                match from {
                    SsFrom::Magazine => {
                        self.thread(thread).magazines[usize::from(class)].pop();
                    }
                    SsFrom::SlabFreelist => {
                        let next = read_u64(m, addr);
                        self.superslabs.get_mut(&id).expect("superslab").slabs[slab as usize].freelist = next;
                    }
                    SsFrom::Carve => self.superslabs.get_mut(&id).expect("superslab").slabs[slab as usize].carved += 1,
                }
                let ss = self.superslabs.get_mut(&id).expect("superslab");
                ss.slabs[slab as usize].used += 1;
                ss.total_active_blocks += 1;
                self.write_header(m, id);
            }
            Event::SsFree { id, slab, thread, addr, to_magazine } => {
                let class = self.superslabs[&id].class;
                if to_magazine {
                    self.thread(thread).magazines[usize::from(class)].push(addr);
                } else {
                    let head = self.superslabs[&id].slabs[slab as usize].freelist;
                    m.mem.write(phys(addr), &head.to_le_bytes());
                    self.superslabs.get_mut(&id).expect("superslab").slabs[slab as usize].freelist = addr;
                }
                let ss = self.superslabs.get_mut(&id).expect("superslab");
                ss.slabs[slab as usize].used -= 1;
                ss.total_active_blocks -= 1;
                self.write_header(m, id);
            }
            Event::SsPurge { id, thread, .. } => {
                let ss = &self.superslabs[&id];
                let (start, end) =
                    (virt(u64::from(ss.pfn) << PAGE_SHIFT), virt((u64::from(ss.pfn) << PAGE_SHIFT) + SUPERSLAB_SIZE));
                let class = ss.class;
                self.thread(thread).magazines[usize::from(class)].retain(|&a| a < start || a >= end);
            }
            Event::SsDeath { id } => {
                self.superslabs.remove(&id);
                self.deaths += 1;
            }
            _ => {}
        }
    }

    fn emit(&mut self, m: &mut Machine, out: &mut dyn EventSink, ev: Event) {
        self.apply(m, &ev);
        out.emit(ev);
    }

    /// A slab of the class with a free or never-used block: (id, slab).
    fn find_room(&self, class: u8, prefer: Option<u32>) -> Option<(u32, u32)> {
        let has_room = |ss: &SuperSlab, s: u32| {
            let sl = &ss.slabs[s as usize];
            sl.init && (sl.freelist != 0 || sl.carved < sl.capacity)
        };
        let order = prefer.into_iter().chain(self.superslabs.keys().copied().filter(move |&i| Some(i) != prefer));
        for id in order {
            let Some(ss) = self.superslabs.get(&id) else { continue };
            if ss.class != class {
                continue;
            }
            if let Some(s) = (0..SLABS_PER_SUPERSLAB).find(|&s| has_room(ss, s)) {
                return Some((id, s));
            }
            if let Some(s) = (0..SLABS_PER_SUPERSLAB).find(|&s| !ss.slabs[s as usize].init) {
                return Some((id, s));
            }
        }
        None
    }

    /// True when a malloc of `class` on `thread` needs a new SuperSlab.
    pub fn needs_birth(&self, class: u8, thread: u16) -> bool {
        let mag_empty = self.threads.get(&thread).is_none_or(|t| t.magazines[usize::from(class)].is_empty());
        mag_empty && self.find_room(class, None).is_none()
    }

    /// `malloc(size)` on `thread`.
    pub fn malloc(
        &mut self,
        pages: &mut PageCtx<'_>,
        size: u32,
        thread: u16,
        out: &mut dyn EventSink,
    ) -> Result<u64, OpError> {
        let class = class_of(size).ok_or(OpError::BadSize { size: u64::from(size), max: 64 })?;
        let cpu = thread % pages.machine.config().cpus;
        let st = self.threads.get(&thread);
        if let Some(&addr) = st.and_then(|t| t.magazines[usize::from(class)].last()) {
            let ss = self.owner_of(addr).expect("magazine blocks belong to live superslabs");
            let (id, (slab, _)) = (ss.id, ss.locate(addr).expect("block"));
            self.emit(pages.machine, out, Event::SsAlloc { id, slab, thread, addr, from: SsFrom::Magazine });
            return Ok(addr);
        }
        let tls = self.threads.get(&thread).and_then(|t| t.tls[usize::from(class)]);
        let (id, slab) = match self.find_room(class, tls.map(|t| t.0)) {
            Some(room) => room,
            None => {
                let node = pages.machine.config().node_of_cpu(cpu);
                let id = self.next_id;
                let pfn = pages.alloc(node, cpu, SUPERSLAB_ORDER, Owner::SuperSlab { id }, out)?;
                self.emit(pages.machine, out, Event::SsBirth { id, class, pfn });
                (id, 0)
            }
        };
        if !self.superslabs[&id].slabs[slab as usize].init {
            self.emit(pages.machine, out, Event::SsSlabInit { id, slab });
        }
        if tls != Some((id, slab)) {
            self.emit(pages.machine, out, Event::SsTls { thread, class, slab: Some((id, slab)) });
        }
        let ss = &self.superslabs[&id];
        let sl = &ss.slabs[slab as usize];
        let (addr, from) = if sl.freelist != 0 {
            (sl.freelist, SsFrom::SlabFreelist)
        } else {
            (ss.block_addr(slab, sl.carved), SsFrom::Carve)
        };
        self.emit(pages.machine, out, Event::SsAlloc { id, slab, thread, addr, from });
        Ok(addr)
    }

    /// `free(ptr)` on `thread` (validated by the caller): magazine push, or back to the slab when
    /// the magazine is full; then, with release on, death of a SuperSlab that became empty.
    pub fn free(&mut self, pages: &mut PageCtx<'_>, addr: u64, thread: u16, out: &mut dyn EventSink) {
        let ss = self.owner_of(addr).expect("validated block");
        let (id, class, (slab, _)) = (ss.id, ss.class, ss.locate(addr).expect("block"));
        let held = self.threads.get(&thread).map_or(0, |t| t.magazines[usize::from(class)].len() as u32);
        let to_magazine = held < magazine_cap(class);
        self.emit(pages.machine, out, Event::SsFree { id, slab, thread, addr, to_magazine });
        if self.superslabs[&id].total_active_blocks == 0 {
            self.emit(pages.machine, out, Event::SsEmpty { id });
            if self.release {
                self.kill(pages, id, out);
            }
        }
    }

    fn kill(&mut self, pages: &mut PageCtx<'_>, id: u32, out: &mut dyn EventSink) {
        let ss = &self.superslabs[&id];
        let (class, pfn) = (ss.class, ss.pfn);
        let (start, end) = (virt(u64::from(pfn) << PAGE_SHIFT), virt((u64::from(pfn) << PAGE_SHIFT) + SUPERSLAB_SIZE));
        let threads: Vec<u16> = self.threads.keys().copied().collect();
        for t in threads {
            let st = &self.threads[&t];
            let count = st.magazines[usize::from(class)].iter().filter(|&&a| a >= start && a < end).count() as u32;
            if count > 0 {
                self.emit(pages.machine, out, Event::SsPurge { id, thread: t, count });
            }
            if self.threads[&t].tls[usize::from(class)].is_some_and(|(i, _)| i == id) {
                self.emit(pages.machine, out, Event::SsTls { thread: t, class, slab: None });
            }
        }
        self.emit(pages.machine, out, Event::SsDeath { id });
        pages.free(0, pfn, out);
    }

    /// Is `addr` a block handed to a user?
    pub fn is_live(&self, m: &Machine, addr: u64) -> bool {
        let Some(ss) = self.owner_of(addr) else { return false };
        let Some((slab, i)) = ss.locate(addr) else { return false };
        let sl = &ss.slabs[slab as usize];
        if i >= sl.carved {
            return false;
        }
        if self.threads.values().any(|t| t.magazines.iter().any(|mg| mg.contains(&addr))) {
            return false;
        }
        let mut p = sl.freelist;
        let mut n = 0;
        while p != 0 && n <= sl.capacity {
            if p == addr {
                return false;
            }
            p = read_u64(m, p);
            n += 1;
        }
        true
    }

    /// `show superslabs`: one line per SuperSlab plus resident memory.
    pub fn report(&self) -> String {
        let mut s = format!(
            "superslabs: {} resident {} KiB (born {}, died {}, release {})\n",
            self.superslabs.len(),
            self.resident_bytes() / 1024,
            self.births,
            self.deaths,
            if self.release { "on" } else { "off" }
        );
        for ss in self.superslabs.values() {
            let init = ss.slabs.iter().filter(|s| s.init).count();
            s.push_str(&format!(
                "  #{:<3} class {} ({:>2} B) pfn {:>6}  total_active_blocks {:>6}  slabs initialised {:>2}/32\n",
                ss.id,
                ss.class,
                class_size(ss.class),
                ss.pfn,
                ss.total_active_blocks,
                init
            ));
        }
        s
    }

    /// Check the invariants (see the module docs).
    pub fn check(&self, m: &Machine) -> Result<(), String> {
        let mut in_mags: BTreeMap<u64, ()> = BTreeMap::new();
        for (t, st) in &self.threads {
            for (class, mag) in st.magazines.iter().enumerate() {
                if mag.len() as u32 > magazine_cap(class as u8) {
                    return Err(format!("thread {t} class {class}: magazine over capacity"));
                }
                for &a in mag {
                    let ss = self.owner_of(a).ok_or(format!("thread {t}: magazine block {a:#x} in no superslab"))?;
                    if usize::from(ss.class) != class || in_mags.insert(a, ()).is_some() {
                        return Err(format!("thread {t}: magazine block {a:#x} misfiled or duplicated"));
                    }
                }
            }
            for (class, tls) in st.tls.iter().enumerate() {
                if let Some((id, _)) = tls {
                    let ss = self.superslabs.get(id).ok_or(format!("thread {t}: TLS points at dead superslab {id}"))?;
                    if usize::from(ss.class) != class {
                        return Err(format!("thread {t}: TLS class mismatch"));
                    }
                }
            }
        }
        for ss in self.superslabs.values() {
            let mut used = 0u64;
            for (i, sl) in ss.slabs.iter().enumerate() {
                let mut free = 0u32;
                let mut p = sl.freelist;
                while p != 0 {
                    if ss.locate(p).map(|(s, _)| s) != Some(i as u32) || free > sl.capacity {
                        return Err(format!("superslab {} slab {i}: broken free list", ss.id));
                    }
                    free += 1;
                    p = read_u64(m, p);
                }
                let mags = in_mags.keys().filter(|&&a| ss.locate(a).map(|(s, _)| s) == Some(i as u32)).count() as u32;
                if sl.carved != sl.used + free + mags {
                    return Err(format!(
                        "superslab {} slab {i}: carved {} != used {} + free {free} + in magazines {mags}",
                        ss.id, sl.carved, sl.used
                    ));
                }
                used += u64::from(sl.used);
            }
            if used != ss.total_active_blocks {
                return Err(format!(
                    "superslab {}: total_active_blocks {} but {used} in use",
                    ss.id, ss.total_active_blocks
                ));
            }
            let mut h = [0u8; 8];
            m.mem.read(u64::from(ss.pfn) << PAGE_SHIFT, &mut h);
            if &h != b"SUPERSLB" {
                return Err(format!("superslab {}: header overwritten", ss.id));
            }
        }
        Ok(())
    }
}
