//! The simulated machine: configuration, page frames and physical memory with real bytes.
//!
//! Invariants (checked by [`Machine::check`]):
//! - the frame table has exactly `total_pages` entries; node `n` owns pfns
//!   `[n * pages_per_node, (n + 1) * pages_per_node)`;
//! - materialised pages are inside memory (bytes of pages never written read as zero).
//!
//! The frame table and the byte store are copy-on-write in chunks (grouped, `page/cow.rs`), so
//! cloning a machine (for a session checkpoint) costs a few pointer copies (one per 64 chunks),
//! and memory is only duplicated for the chunks (and groups) a later operation changes.

use std::fmt;
use std::rc::Rc;

use serde::{Deserialize, Serialize};

use crate::event::{Arg, Sym};
use crate::page::cow::CowVec;

/// Bytes in a page (4 KiB, as on x86-64).
pub const PAGE_SIZE: u64 = 4096;
/// log2 of [`PAGE_SIZE`].
pub const PAGE_SHIFT: u32 = 12;
/// Largest buddy order (inclusive), as Linux's `MAX_PAGE_ORDER`.
pub const MAX_PAGE_ORDER: u8 = 10;
/// Number of orders, as Linux's `NR_PAGE_ORDERS`.
pub const NR_PAGE_ORDERS: usize = MAX_PAGE_ORDER as usize + 1;
/// Largest supported node count.
pub const MAX_NODES: u8 = 4;
/// Largest supported CPU count.
pub const MAX_CPUS: u16 = 64;
/// Largest supported memory (4 GiB).
pub const MAX_MEM: u64 = 4 << 30;

/// Machine configuration. Built from `config key=value` lines or CLI flags.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MachineConfig {
    /// Total memory in bytes (a multiple of `nodes * PAGE_SIZE`).
    pub mem_bytes: u64,
    /// NUMA nodes (1..=4); memory is split evenly.
    pub nodes: u8,
    /// CPUs (1..=64), spread evenly over nodes in contiguous groups.
    pub cpus: u16,
    /// Seed for any randomness (freelist randomisation, hardening, workloads).
    pub seed: u64,
    /// Per-CPU page lists for orders 0..=3 in front of the buddy allocator.
    pub pcp: bool,
    /// The slab allocator policy.
    #[serde(default)]
    pub slab: SlabPolicy,
    /// `CONFIG_SLAB_FREELIST_HARDENED`: free pointers stored as `ptr ^ random ^ swab(addr)`.
    #[serde(default)]
    pub hardened: bool,
    /// `CONFIG_SLAB_FREELIST_RANDOM`: new slabs chain their objects in a random order.
    #[serde(default)]
    pub freelist_random: bool,
    /// `slub_debug=` flags applied to every cache (kmalloc caches included).
    #[serde(default)]
    pub slub_debug: crate::slab_layout::CacheFlags,
    /// Settings of the AetherOS allocator (`slab=aether`).
    #[serde(default)]
    pub aether: AetherConfig,
    /// SuperSlab allocator: return empty SuperSlabs to the page allocator (the seed's Phase 7.6).
    #[serde(default = "default_true")]
    pub superslab_release: bool,
    /// Bonwick magazines in front of SLUB's caches (`percpu=magazine`).
    #[serde(default)]
    pub magazines: bool,
}

fn default_true() -> bool {
    true
}

/// The seed's `SlubConfig`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct AetherConfig {
    /// Objects a per-CPU cache holds before it spills to the global lists.
    pub per_cpu_cache_size: u32,
    /// Percentage (0–100) of a cache's slabs that may stay empty before empty slabs are released
    /// to the page allocator.
    pub slab_release_threshold: u32,
    /// Objects moved at once between a per-CPU cache and the global lists.
    pub bulk_transfer_size: u32,
    /// Largest colour offset in bytes (colours step by the 64-byte cache line).
    pub max_color_offset: u32,
    /// Percentage (0–100) of each per-CPU cache that `emergency_shrink` returns.
    pub emergency_shrink_ratio: u32,
}

impl Default for AetherConfig {
    fn default() -> Self {
        AetherConfig {
            per_cpu_cache_size: 32,
            slab_release_threshold: 25,
            bulk_transfer_size: 8,
            max_color_offset: 256,
            emergency_shrink_ratio: 50,
        }
    }
}

/// Which slab allocator the machine runs.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SlabPolicy {
    /// Linux SLUB (6.x before sheaves).
    #[default]
    Slub,
    /// The AetherOS SLUB design (the seed's API).
    Aether,
    /// Classic SLAB (Linux mm/slab.c up to 6.7).
    Slab,
    /// SLUB with Linux 7.0 per-CPU sheaves and per-node barns in front of it.
    Sheaves,
    /// Linux SLOB (mm/slob.c up to 6.3): first fit over pages.
    Slob,
}

impl Default for MachineConfig {
    fn default() -> Self {
        MachineConfig {
            mem_bytes: 64 << 20,
            nodes: 1,
            cpus: 4,
            seed: 0,
            pcp: false,
            slab: SlabPolicy::Slub,
            hardened: false,
            freelist_random: false,
            slub_debug: crate::slab_layout::CacheFlags(0),
            aether: AetherConfig::default(),
            superslab_release: true,
            magazines: false,
        }
    }
}

/// Why a configuration is invalid.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ConfigError {
    /// Memory is zero, too large, or not a multiple of `nodes * 4 KiB`.
    BadMemory { mem_bytes: u64, nodes: u8 },
    /// Node count outside 1..=4.
    BadNodes(u64),
    /// CPU count outside 1..=64 or fewer CPUs than nodes.
    BadCpus { cpus: u64, nodes: u8 },
    /// A per-CPU front end that does not exist over this slab policy: `percpu=magazine` with
    /// `slab=sheaves` (sheaves already are SLUB's per-CPU layer, Linux 7.0 mm/slub.c
    /// `alloc_from_pcs` / `free_to_pcs`; there is no magazine layer in front of them).
    FrontEndConflict { percpu: &'static str, slab: &'static str },
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ConfigError::BadMemory { mem_bytes, nodes } => write!(
                f,
                "memory {mem_bytes} bytes is not a non-zero multiple of {nodes} node(s) x 4 KiB, at most 4 GiB"
            ),
            ConfigError::BadNodes(n) => write!(f, "nodes={n} is outside 1..=4"),
            ConfigError::BadCpus { cpus, nodes } => {
                write!(f, "cpus={cpus} must be in 1..=64 and at least nodes={nodes}")
            }
            ConfigError::FrontEndConflict { percpu, slab } => {
                write!(f, "percpu={percpu} cannot run in front of slab={slab}: it already has its own per-CPU layer")
            }
        }
    }
}

impl std::error::Error for ConfigError {}

impl MachineConfig {
    /// Check the configuration.
    pub fn validate(&self) -> Result<(), ConfigError> {
        if self.nodes == 0 || self.nodes > MAX_NODES {
            return Err(ConfigError::BadNodes(u64::from(self.nodes)));
        }
        let unit = u64::from(self.nodes) * PAGE_SIZE;
        if self.mem_bytes == 0 || self.mem_bytes > MAX_MEM || !self.mem_bytes.is_multiple_of(unit) {
            return Err(ConfigError::BadMemory { mem_bytes: self.mem_bytes, nodes: self.nodes });
        }
        if self.cpus == 0 || self.cpus > MAX_CPUS || self.cpus < u16::from(self.nodes) {
            return Err(ConfigError::BadCpus { cpus: u64::from(self.cpus), nodes: self.nodes });
        }
        if self.magazines && self.slab == SlabPolicy::Sheaves {
            return Err(ConfigError::FrontEndConflict { percpu: "magazine", slab: "sheaves" });
        }
        Ok(())
    }
    /// Total page frames.
    pub fn total_pages(&self) -> u32 {
        (self.mem_bytes / PAGE_SIZE) as u32
    }
    /// Page frames per node.
    pub fn pages_per_node(&self) -> u32 {
        self.total_pages() / u32::from(self.nodes)
    }
    /// The node a pfn belongs to.
    pub fn node_of_pfn(&self, pfn: u32) -> u8 {
        (pfn / self.pages_per_node()) as u8
    }
    /// The node a CPU belongs to (CPUs are split into contiguous groups per node).
    pub fn node_of_cpu(&self, cpu: u16) -> u8 {
        ((u32::from(cpu) * u32::from(self.nodes)) / u32::from(self.cpus)) as u8
    }
    /// The CPUs of a node.
    pub fn cpus_of_node(&self, node: u8) -> impl Iterator<Item = u16> + '_ {
        (0..self.cpus).filter(move |&c| self.node_of_cpu(c) == node)
    }
}

/// Who owns an allocated block of pages. Covers every layer so frames never need a new shape.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Owner {
    /// `pages alloc ... as=NAME` from a script (or a traced page allocation).
    Pages { name: Sym },
    /// A slab of the cache with this id.
    Slab { cache: u32 },
    /// A SuperSlab with this id.
    SuperSlab { id: u32 },
    /// A large kmalloc that bypassed the slab caches.
    Large { name: Sym },
    /// A slab of an AetherOS cache.
    AetherSlab { cache: u32 },
    /// A slab of a classic SLAB cache.
    ClassicSlab { cache: u32 },
}

impl Owner {
    pub(crate) fn message_args(&self) -> Vec<(&'static str, Arg)> {
        match *self {
            Owner::Pages { name } | Owner::Large { name } => vec![("owner", Arg::Name(name))],
            Owner::Slab { cache } | Owner::AetherSlab { cache } | Owner::ClassicSlab { cache } => {
                vec![("owner", Arg::Cache(cache))]
            }
            Owner::SuperSlab { id } => vec![("owner", Arg::Num(u64::from(id)))],
        }
    }
}

/// What a page frame is. Only the head frame of a block carries state; the other frames of a
/// block are [`FrameKind::Tail`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum FrameKind {
    /// Inside a block whose head is elsewhere.
    Tail,
    /// Head of a free block on the buddy free list of its order.
    Free,
    /// Head of a block that is between lists during one operation (taken, being merged).
    Transit,
    /// Head of an allocated block.
    Used { owner: Owner },
    /// Head of a free block parked on a CPU's pcp list.
    Pcp { cpu: u16 },
}

/// One page frame (`struct page`, reduced to what the simulation needs).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Frame {
    /// State of the block headed here.
    pub kind: FrameKind,
    /// Order of the block headed here.
    pub order: u8,
    /// Previous block on the same list (`NIL` if none).
    pub prev: u32,
    /// Next block on the same list (`NIL` if none).
    pub next: u32,
}

/// "No frame" in list links.
pub const NIL: u32 = u32::MAX;

impl Frame {
    const TAIL: Frame = Frame { kind: FrameKind::Tail, order: 0, prev: NIL, next: NIL };
}

/// Frames per copy-on-write chunk of the frame table.
const CHUNK: usize = 64;

/// Bytes per copy-on-write block of a page (s8-trace): a page is 32 blocks, each shared
/// between clones until written, so writing a freelist pointer after a checkpoint copies a
/// 128-byte block and the page's block table (256 bytes), not the whole 4 KiB page (s12-seek:
/// 128 instead of 256 bytes, ~15 % less copied by 4096 ops of the 1M-op mixed workload).
const BLOCK: usize = 128;
const BLOCKS: usize = PAGE_SIZE as usize / BLOCK;

/// One materialised page: its blocks, `None` where nothing was written (reads as zero).
type Page = [Option<Rc<[u8; BLOCK]>>; BLOCKS];

/// Pages per copy-on-write chunk of the page table of [`PhysMem`] (s11-seek; 32 since s12-seek).
const PAGE_CHUNK: usize = 32;

/// Physical memory with real bytes, materialised lazily page by page (block by block).
///
/// The pages live in a table indexed by pfn (s11-seek: was an ordered map), split into
/// copy-on-write chunks of [`PAGE_CHUNK`] page pointers: a clone (a checkpoint, a seek's
/// restore) copies the group table of that (one pointer per 64 chunks), not one map entry per materialised page, and a read or a
/// write finds its page by index. The table grows to the highest pfn written.
#[derive(Clone, Debug, Default)]
pub struct PhysMem {
    pages: CowVec<Option<Rc<Page>>, PAGE_CHUNK>,
    /// Pages that hold written bytes.
    materialised: usize,
}

impl PhysMem {
    fn page_at(&self, pfn: u32) -> Option<&Page> {
        self.pages.get(pfn as usize).and_then(Option::as_deref)
    }
    /// Read `buf.len()` bytes at physical address `addr` (unwritten memory reads as zero).
    pub fn read(&self, addr: u64, buf: &mut [u8]) {
        let mut done = 0;
        while done < buf.len() {
            let a = addr + done as u64;
            let (pfn, off) = ((a >> PAGE_SHIFT) as u32, (a % PAGE_SIZE) as usize);
            let (blk, off) = (off / BLOCK, off % BLOCK);
            let n = (BLOCK - off).min(buf.len() - done);
            match self.page_at(pfn).and_then(|p| p[blk].as_ref()) {
                Some(b) => buf[done..done + n].copy_from_slice(&b[off..off + n]),
                None => buf[done..done + n].fill(0),
            }
            done += n;
        }
    }
    /// Write bytes at physical address `addr`.
    pub fn write(&mut self, addr: u64, bytes: &[u8]) {
        let mut done = 0;
        while done < bytes.len() {
            let a = addr + done as u64;
            let (pfn, off) = ((a >> PAGE_SHIFT) as usize, (a % PAGE_SIZE) as usize);
            let (blk, off) = (off / BLOCK, off % BLOCK);
            let n = (BLOCK - off).min(bytes.len() - done);
            self.pages.grow_to(pfn + 1, None);
            let entry = self.pages.get_mut(pfn).expect("grown to hold the pfn");
            if entry.is_none() {
                self.materialised += 1;
            }
            let page = Rc::make_mut(entry.get_or_insert_with(|| Rc::new(Default::default())));
            let block = page[blk].get_or_insert_with(|| Rc::new([0u8; BLOCK]));
            Rc::make_mut(block)[off..off + n].copy_from_slice(&bytes[done..done + n]);
            done += n;
        }
    }
    /// The bytes of page `pfn`, if any were ever written (`None`: the page reads as zero). For
    /// a layer that decodes many fields of one page (SLOB's free chain) without a lookup per read.
    pub fn page(&self, pfn: u32) -> Option<PageView<'_>> {
        self.page_at(pfn).map(PageView)
    }
    /// Number of pages that hold written bytes.
    pub fn materialised_pages(&self) -> usize {
        self.materialised
    }
    /// Highest materialised pfn, if any.
    pub fn max_pfn(&self) -> Option<u32> {
        let mut i = self.pages.len();
        while i > 0 {
            i -= 1;
            if self.pages.get(i).is_some_and(Option::is_some) {
                return Some(i as u32);
            }
        }
        None
    }
    /// Heap bytes not shared with `base` (an earlier clone): the page table's group table and
    /// groups and chunks written since, the block tables of the pages written since and the
    /// blocks written since, each with its `Rc` header.
    fn unshared_bytes(&self, base: &PhysMem) -> usize {
        let chunk = CowVec::<Option<Rc<Page>>, PAGE_CHUNK>::CHUNK_BYTES;
        let mut bytes = self.pages.unshared_table_bytes(&base.pages);
        for (ci, c) in self.pages.unshared_chunks_at(&base.pages) {
            bytes += chunk;
            for (j, p) in c.iter().enumerate() {
                let Some(p) = p else { continue };
                let b = base.pages.get(ci * PAGE_CHUNK + j).and_then(Option::as_ref);
                if b.is_some_and(|b| Rc::ptr_eq(b, p)) {
                    continue;
                }
                bytes += std::mem::size_of::<Page>() + 16;
                for (i, blk) in p.iter().enumerate() {
                    let Some(blk) = blk else { continue };
                    let shared = b.and_then(|b| b[i].as_ref()).is_some_and(|o| Rc::ptr_eq(o, blk));
                    if !shared {
                        bytes += BLOCK + 16;
                    }
                }
            }
        }
        bytes
    }
}

/// One materialised page's bytes, read in place (its copy-on-write blocks; unwritten blocks read
/// as zero).
#[derive(Clone, Copy, Debug)]
pub struct PageView<'a>(&'a Page);

impl PageView<'_> {
    /// Read `buf.len()` bytes at offset `off` of the page (`off + buf.len()` ≤ the page size).
    pub fn read(&self, off: usize, buf: &mut [u8]) {
        let mut done = 0;
        while done < buf.len() {
            let (blk, o) = ((off + done) / BLOCK, (off + done) % BLOCK);
            let n = (BLOCK - o).min(buf.len() - done);
            match &self.0[blk] {
                Some(b) => buf[done..done + n].copy_from_slice(&b[o..o + n]),
                None => buf[done..done + n].fill(0),
            }
            done += n;
        }
    }
}

/// A classic 16-bytes-per-line hex dump of `len` bytes at `addr`:
/// `00001000: 6b 6b ... |kkkk............|`.
pub fn hexdump(mem: &PhysMem, addr: u64, len: usize) -> String {
    let mut buf = vec![0u8; len];
    mem.read(addr, &mut buf);
    let mut out = String::new();
    for (i, line) in buf.chunks(16).enumerate() {
        out.push_str(&format!("{:08x}: ", addr + (i * 16) as u64));
        for j in 0..16 {
            match line.get(j) {
                Some(b) => out.push_str(&format!("{b:02x} ")),
                None => out.push_str("   "),
            }
        }
        out.push('|');
        for &b in line {
            out.push(if b.is_ascii_graphic() || b == b' ' { b as char } else { '.' });
        }
        out.push_str("|\n");
    }
    out
}

/// The machine: configuration, frame table, bytes.
#[derive(Clone, Debug)]
pub struct Machine {
    config: MachineConfig,
    frames: CowVec<Frame, CHUNK>,
    /// Physical memory contents.
    pub mem: PhysMem,
    /// A `write` op overwrote memory (the kernel would be tainted): layers that read their
    /// metadata from memory cannot vouch for it any more.
    tainted: bool,
}

impl Machine {
    /// A machine with every frame a tail frame (the buddy allocator frees memory at boot).
    pub fn new(config: MachineConfig) -> Result<Self, ConfigError> {
        config.validate()?;
        let frames = CowVec::filled(config.total_pages() as usize, Frame::TAIL);
        Ok(Machine { config, frames, mem: PhysMem::default(), tainted: false })
    }
    /// Apply the machine's own events: the bytes of a `write` op (which taint the machine).
    pub fn apply(&mut self, ev: &crate::event::Event) {
        if let crate::event::Event::BytesWritten { addr, len, byte } = *ev {
            self.mem.write(crate::page::addr::phys(addr), &vec![byte; len as usize]);
            self.tainted = true;
        }
    }
    /// True after a `write` op overwrote memory.
    pub fn tainted(&self) -> bool {
        self.tainted
    }
    /// Heap bytes of this machine's frame table and memory that are not shared with `base`
    /// (copy-on-write chunks and pages written since `base` was cloned): what keeping both
    /// costs beyond keeping `base` (s6-tracew: session checkpoints are spaced by it).
    pub fn unshared_bytes(&self, base: &Machine) -> usize {
        let chunk = CowVec::<Frame, CHUNK>::CHUNK_BYTES;
        let frames = self.frames.unshared_chunks(&base.frames).count() * chunk;
        // The frame table's group table is copied either way, its groups when written
        // (s12-seek); pages cost the blocks written since (s8-trace).
        frames + self.frames.unshared_table_bytes(&base.frames) + self.mem.unshared_bytes(&base.mem)
    }
    /// The configuration.
    pub fn config(&self) -> &MachineConfig {
        &self.config
    }
    /// Frame `pfn`.
    pub fn frame(&self, pfn: u32) -> &Frame {
        self.frames.get(pfn as usize).expect("pfn within memory: callers validate it first")
    }
    /// Mutable frame `pfn`.
    pub fn frame_mut(&mut self, pfn: u32) -> &mut Frame {
        self.frames.get_mut(pfn as usize).expect("pfn within memory: callers validate it first")
    }
    /// Total frames.
    pub fn total_pages(&self) -> u32 {
        self.frames.len() as u32
    }
    /// Check the machine's invariants.
    pub fn check(&self) -> Result<(), String> {
        if self.frames.len() as u32 != self.config.total_pages() {
            return Err("frame table size differs from configured memory".into());
        }
        if let Some(max) = self.mem.max_pfn() {
            if max >= self.total_pages() {
                return Err(format!("bytes materialised at pfn {max} beyond memory"));
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bytes_are_real_and_cow() {
        let mut m = Machine::new(MachineConfig::default()).unwrap();
        m.mem.write(0x1ffe, &[0xde, 0xad, 0xbe, 0xef]);
        let snapshot = m.clone();
        m.mem.write(0x1fff, &[0x00]);
        let mut buf = [0u8; 4];
        snapshot.mem.read(0x1ffe, &mut buf);
        assert_eq!(buf, [0xde, 0xad, 0xbe, 0xef]);
        m.mem.read(0x1ffe, &mut buf);
        assert_eq!(buf, [0xde, 0x00, 0xbe, 0xef]);
        assert_eq!(m.mem.materialised_pages(), 2);
        let dump = hexdump(&m.mem, 0x1ff0, 32);
        assert!(dump.starts_with("00001ff0: "), "{dump}");
        assert!(dump.contains("de 00"), "{dump}");
    }

    #[test]
    fn a_write_after_a_clone_copies_one_block_of_the_page() {
        let mut m = Machine::new(MachineConfig::default()).unwrap();
        // Two pages written across a block edge and a page edge, read back across them.
        let bytes: Vec<u8> = (0..600u32).map(|i| (i % 251) as u8).collect();
        m.mem.write(0x3000 - 300, &bytes);
        let mut back = vec![0u8; 700];
        m.mem.read(0x3000 - 350, &mut back);
        assert_eq!(&back[..50], &[0u8; 50]);
        assert_eq!(&back[50..650], &bytes[..]);
        assert_eq!(&back[650..], &[0u8; 50]);
        assert_eq!(m.mem.materialised_pages(), 2);
        let base = m.clone();
        // A clone copies the group tables only: one pointer per 64 chunks (s12-seek).
        let table = (m.frames.group_count() + m.mem.pages.group_count()) * 8;
        assert_eq!(table, (16384 / CHUNK / crate::page::cow::GROUP + 1) * 8);
        assert_eq!(m.unshared_bytes(&base), table, "a clone shares every block");
        m.mem.write(0x2000 + 8, &[1, 2, 3, 4, 5, 6, 7, 8]);
        // The page table's group (one chunk pointer), its chunk, the page's block table, the block.
        let one = (8 + 40) + (PAGE_CHUNK * 8 + 40) + std::mem::size_of::<Page>() + 16 + BLOCK + 16;
        assert_eq!(m.unshared_bytes(&base), table + one, "one block, its page's table and the page table's chunk");
        // A frame write copies its group (64 chunk pointers) and its chunk of the frame table.
        m.frame_mut(100).order = 3;
        let frame = (crate::page::cow::GROUP * 8 + 40) + (CHUNK * std::mem::size_of::<Frame>() + 40);
        assert_eq!(m.unshared_bytes(&base), table + one + frame);
        assert_eq!(base.frame(100).order, 0, "the clone keeps its frame");
        let mut b = [0u8; 8];
        base.mem.read(0x2000 + 8, &mut b);
        assert_eq!(b, [0; 8], "the clone keeps its bytes");
        m.mem.read(0x2000 + 8, &mut b);
        assert_eq!(b, [1, 2, 3, 4, 5, 6, 7, 8]);
        // Against an empty machine every written block counts.
        let fresh = Machine::new(MachineConfig::default()).unwrap();
        assert!(m.unshared_bytes(&fresh) >= 4 * BLOCK);
    }

    #[test]
    fn config_validation() {
        let mut c = MachineConfig::default();
        assert!(c.validate().is_ok());
        c.nodes = 5;
        assert_eq!(c.validate(), Err(ConfigError::BadNodes(5)));
        c.nodes = 3;
        c.mem_bytes = 4096 * 4;
        assert!(matches!(c.validate(), Err(ConfigError::BadMemory { .. })));
        c.mem_bytes = 4096 * 6;
        c.cpus = 2;
        assert!(matches!(c.validate(), Err(ConfigError::BadCpus { .. })));
    }

    #[test]
    fn cpus_spread_over_nodes() {
        let c = MachineConfig { nodes: 2, cpus: 4, ..Default::default() };
        assert_eq!((0..4).map(|c2| c.node_of_cpu(c2)).collect::<Vec<_>>(), vec![0, 0, 1, 1]);
        assert_eq!(c.node_of_pfn(c.pages_per_node()), 1);
    }
}
