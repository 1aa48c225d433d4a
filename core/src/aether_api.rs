//! The seed's AetherOS allocator as a library (`Slub::init`, `allocate`, `cache_alloc`, ...),
//! over its own small simulated machine. It sits above [`crate::sim`]: the engine it drives is
//! [`crate::slab::aether::AetherEngine`], reached through the simulation.

use crate::machine::MachineConfig;
use crate::page::addr::phys;
use crate::page::ctx::PageCtx;
use crate::sim::Sim;
use crate::slab::aether::{AetherConfig, AetherEngine, AetherError, SlubStats};
use crate::slab_layout::CacheFlags;

/// An opaque cache handle.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct CacheId(pub u32);

/// Allocation flags (`AllocFlags`): `zero` clears the object.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct AllocFlags {
    /// Zero the object's bytes.
    pub zero: bool,
}

/// The seed's allocator as a library, over its own small simulated machine.
///
/// ```
/// use slabscope_core::aether::{AllocFlags, AetherConfig, Slub};
/// use slabscope_core::slab_layout::CacheFlags;
///
/// let mut slub = Slub::init(AetherConfig::default()).unwrap();
/// let p = slub.allocate(128, AllocFlags::default()).unwrap();
/// slub.write_u32(p, 0xdeadbeef);
/// assert_eq!(slub.read_u32(p), 0xdeadbeef);
/// slub.free(p, 128).unwrap();
///
/// let cache = slub.create_cache("my_struct_cache", 48, 8, CacheFlags::ZERO).unwrap();
/// let obj = slub.cache_alloc(cache).unwrap();
/// assert!(slub.destroy_cache(cache).is_err(), "refused while objects are live");
/// slub.cache_free(cache, obj).unwrap();
/// slub.destroy_cache(cache).unwrap();
/// assert!(slub.get_stats().hit_rate >= 0.0);
/// ```
#[derive(Clone, Debug)]
pub struct Slub {
    sim: Sim,
    cpu: u16,
}

impl Slub {
    /// The seed's `init`: a 16 MiB, 4-CPU machine running the allocator with `config`.
    ///
    /// ```
    /// use slabscope_core::aether::{AetherConfig, Slub};
    /// let slub = Slub::init(AetherConfig { per_cpu_cache_size: 64, ..AetherConfig::default() }).unwrap();
    /// assert_eq!(slub.get_stats().slab_bytes, 0, "slabs are taken only on demand");
    /// ```
    pub fn init(config: AetherConfig) -> Result<Slub, AetherError> {
        let machine = MachineConfig {
            mem_bytes: 16 << 20,
            slab: crate::machine::SlabPolicy::Aether,
            aether: config,
            ..Default::default()
        };
        // A fixed machine (16 MiB, one node, four CPUs, no front end) that
        // `MachineConfig::validate` always accepts: booting it cannot fail, and no allocator
        // error is invented for it (it was mapped to `OutOfMemory`).
        let sim = Sim::boot(machine).expect("the seed API's fixed machine is a valid configuration");
        Ok(Slub { sim, cpu: 0 })
    }

    /// Run the following calls on `cpu` (0..4).
    pub fn set_cpu(&mut self, cpu: u16) {
        self.cpu = cpu.min(3);
    }

    fn parts(&mut self) -> Result<(&mut AetherEngine, PageCtx<'_>), AetherError> {
        let Sim { machine, buddy, pcp, slab, .. } = &mut self.sim;
        let e = slab.as_any_mut().downcast_mut::<AetherEngine>().ok_or(AetherError::UnknownCache)?;
        Ok((e, PageCtx { machine, buddy, pcp }))
    }

    fn engine(&self) -> Result<&AetherEngine, AetherError> {
        self.sim.aether().ok_or(AetherError::UnknownCache)
    }

    fn alloc_in(&mut self, cache: u32, flags: AllocFlags) -> Result<usize, AetherError> {
        let cpu = self.cpu;
        let (e, mut pages) = self.parts()?;
        let addr = e.alloc(&mut pages, cache, cpu, &mut crate::event::CountSink::default())?;
        if flags.zero {
            let size = e.caches()[cache as usize].object_size;
            pages.machine.mem.write(phys(addr), &vec![0; size as usize]);
        }
        Ok(addr as usize)
    }

    fn free_in(&mut self, cache: u32, addr: usize) -> Result<(), AetherError> {
        let cpu = self.cpu;
        let (e, mut pages) = self.parts()?;
        if !e.is_live(pages.machine, cache, addr as u64) {
            return Err(AetherError::InvalidFree { addr });
        }
        e.free(&mut pages, cache, cpu, addr as u64, &mut crate::event::CountSink::default());
        Ok(())
    }

    fn class(&self, size: usize) -> Result<u32, AetherError> {
        if size == 0 || size > 8192 {
            return Err(AetherError::InvalidSize { size });
        }
        Ok(self.engine()?.class_for(size as u32).expect("size classes exist"))
    }

    /// Allocate `size` bytes from its size class.
    ///
    /// ```
    /// use slabscope_core::aether::{AetherConfig, AetherError, AllocFlags, Slub};
    /// let mut slub = Slub::init(AetherConfig::default()).unwrap();
    /// let a = slub.allocate(100, AllocFlags { zero: true }).unwrap();
    /// assert_eq!(slub.read_u32(a), 0);
    /// assert_eq!(slub.allocate(10_000, AllocFlags::default()), Err(AetherError::InvalidSize { size: 10_000 }));
    /// ```
    pub fn allocate(&mut self, size: usize, flags: AllocFlags) -> Result<usize, AetherError> {
        let c = self.class(size)?;
        self.alloc_in(c, flags)
    }

    /// Free an object of `size` bytes (the size picks the class; a wrong size is an invalid free).
    ///
    /// ```
    /// use slabscope_core::aether::{AetherConfig, AetherError, AllocFlags, Slub};
    /// let mut slub = Slub::init(AetherConfig::default()).unwrap();
    /// let a = slub.allocate(24, AllocFlags::default()).unwrap();
    /// slub.free(a, 24).unwrap();
    /// assert_eq!(slub.free(a, 24), Err(AetherError::InvalidFree { addr: a }), "double free is refused");
    /// ```
    pub fn free(&mut self, addr: usize, size: usize) -> Result<(), AetherError> {
        let c = self.class(size)?;
        self.free_in(c, addr)
    }

    /// Allocate `size` bytes aligned to `align` (a power of two up to 4096), from a class at
    /// least as large as the alignment, or a dedicated cache when colouring could break it.
    ///
    /// ```
    /// use slabscope_core::aether::{AetherConfig, AllocFlags, Slub};
    /// let mut slub = Slub::init(AetherConfig::default()).unwrap();
    /// let a = slub.allocate_aligned(40, 512, AllocFlags::default()).unwrap();
    /// assert_eq!(a % 512, 0);
    /// ```
    pub fn allocate_aligned(&mut self, size: usize, align: usize, flags: AllocFlags) -> Result<usize, AetherError> {
        if align == 0 || !align.is_power_of_two() || align > 4096 {
            return Err(AetherError::InvalidAlign { align });
        }
        if align <= 64 {
            return self.allocate(size.max(align), flags);
        }
        if size == 0 || size > 8192 {
            return Err(AetherError::InvalidSize { size });
        }
        let name = format!("aligned-{}-{align}", size.next_multiple_of(align));
        let id = match self.engine()?.cache_by_name(&name) {
            Some(id) => id,
            None => self.create_cache(&name, size.next_multiple_of(align), align, CacheFlags::default())?.0,
        };
        self.alloc_in(id, flags)
    }

    /// `create_cache`: a dedicated cache for objects of `size` bytes.
    ///
    /// ```
    /// use slabscope_core::aether::{AetherConfig, Slub};
    /// use slabscope_core::slab_layout::CacheFlags;
    /// let mut slub = Slub::init(AetherConfig::default()).unwrap();
    /// let id = slub.create_cache("inode", 600, 8, CacheFlags::default()).unwrap();
    /// assert!(slub.create_cache("inode", 600, 8, CacheFlags::default()).is_err());
    /// # let _ = id;
    /// ```
    pub fn create_cache(
        &mut self,
        name: &str,
        size: usize,
        align: usize,
        flags: CacheFlags,
    ) -> Result<CacheId, AetherError> {
        let size = u32::try_from(size).map_err(|_| AetherError::InvalidSize { size })?;
        let align = u32::try_from(align).map_err(|_| AetherError::InvalidAlign { align })?;
        let (e, pages) = self.parts()?;
        e.create_cache(pages.machine, name, size, align, flags, &mut crate::event::CountSink::default()).map(CacheId)
    }

    /// `cache_alloc`: one object from a cache (zeroed for `CacheFlags::ZERO` caches).
    ///
    /// ```
    /// use slabscope_core::aether::{AetherConfig, Slub};
    /// use slabscope_core::slab_layout::CacheFlags;
    /// let mut slub = Slub::init(AetherConfig::default()).unwrap();
    /// let id = slub.create_cache("zeroed", 64, 8, CacheFlags::ZERO).unwrap();
    /// let o = slub.cache_alloc(id).unwrap();
    /// assert_eq!(slub.read_u32(o), 0);
    /// ```
    pub fn cache_alloc(&mut self, cache: CacheId) -> Result<usize, AetherError> {
        let zero =
            self.engine()?.caches().get(cache.0 as usize).ok_or(AetherError::UnknownCache)?.flags.has(CacheFlags::ZERO);
        self.alloc_in(cache.0, AllocFlags { zero })
    }

    /// `cache_free`: give an object back to its cache.
    ///
    /// ```
    /// use slabscope_core::aether::{AetherConfig, Slub};
    /// use slabscope_core::slab_layout::CacheFlags;
    /// let mut slub = Slub::init(AetherConfig::default()).unwrap();
    /// let id = slub.create_cache("obj", 64, 8, CacheFlags::default()).unwrap();
    /// let o = slub.cache_alloc(id).unwrap();
    /// slub.cache_free(id, o).unwrap();
    /// assert!(slub.cache_free(id, o).is_err());
    /// ```
    pub fn cache_free(&mut self, cache: CacheId, addr: usize) -> Result<(), AetherError> {
        if self.engine()?.caches().get(cache.0 as usize).is_none() {
            return Err(AetherError::UnknownCache);
        }
        self.free_in(cache.0, addr)
    }

    /// `destroy_cache` (refused while objects are live).
    ///
    /// ```
    /// use slabscope_core::aether::{AetherConfig, AetherError, Slub};
    /// use slabscope_core::slab_layout::CacheFlags;
    /// let mut slub = Slub::init(AetherConfig::default()).unwrap();
    /// let id = slub.create_cache("obj", 64, 8, CacheFlags::default()).unwrap();
    /// let o = slub.cache_alloc(id).unwrap();
    /// assert_eq!(slub.destroy_cache(id), Err(AetherError::CacheBusy { live: 1 }));
    /// slub.cache_free(id, o).unwrap();
    /// slub.destroy_cache(id).unwrap();
    /// ```
    pub fn destroy_cache(&mut self, cache: CacheId) -> Result<(), AetherError> {
        let (e, mut pages) = self.parts()?;
        if e.caches().get(cache.0 as usize).is_none() {
            return Err(AetherError::UnknownCache);
        }
        e.destroy_cache(&mut pages, cache.0, &mut crate::event::CountSink::default())
    }

    /// `emergency_shrink`: bytes returned to the page allocator.
    ///
    /// ```
    /// use slabscope_core::aether::{AetherConfig, AllocFlags, Slub};
    /// let mut slub = Slub::init(AetherConfig { emergency_shrink_ratio: 100, ..AetherConfig::default() }).unwrap();
    /// let a = slub.allocate(64, AllocFlags::default()).unwrap();
    /// slub.free(a, 64).unwrap();
    /// assert_eq!(slub.emergency_shrink().unwrap(), 4096, "the only slab, now empty, is released");
    /// ```
    pub fn emergency_shrink(&mut self) -> Result<usize, AetherError> {
        let (e, mut pages) = self.parts()?;
        Ok(e.emergency_shrink(&mut pages, &mut crate::event::CountSink::default()) as usize)
    }

    /// `get_stats`: hit rate, memory overhead and per-class numbers.
    ///
    /// ```
    /// use slabscope_core::aether::{AetherConfig, AllocFlags, Slub};
    /// let mut slub = Slub::init(AetherConfig::default()).unwrap();
    /// for _ in 0..16 { slub.allocate(32, AllocFlags::default()).unwrap(); }
    /// let st = slub.get_stats();
    /// assert!(st.hit_rate > 0.8 && st.memory_overhead < 1.0);
    /// ```
    pub fn get_stats(&self) -> SlubStats {
        // `init` always builds an AetherOS machine; an empty engine's figures otherwise.
        match self.sim.aether() {
            Some(e) => e.stats(),
            None => AetherEngine::new(self.sim.config(), AetherConfig::default()).stats(),
        }
    }

    /// Read 4 bytes of simulated memory (the seed's `*(ptr as *mut u32)`).
    pub fn read_u32(&self, addr: usize) -> u32 {
        let mut b = [0u8; 4];
        self.sim.machine.mem.read(phys(addr as u64), &mut b);
        u32::from_le_bytes(b)
    }

    /// Write 4 bytes of simulated memory.
    pub fn write_u32(&mut self, addr: usize, v: u32) {
        self.sim.machine.mem.write(phys(addr as u64), &v.to_le_bytes());
    }

    /// The simulated system underneath (for inspection).
    pub fn sim(&self) -> &Sim {
        &self.sim
    }
}
