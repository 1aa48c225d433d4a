//! Slab policies over the page layer: SLUB, classic SLAB, AetherOS, SLOB, the per-CPU front
//! ends (magazines, sheaves) and the Linux formulas they share (`layout`).
//!
//! Every policy implements one contract, [`SlabAllocator`]; the simulation holds exactly one
//! `Box<dyn SlabAllocator>` built from the policy table [`POLICIES`] and calls nothing else.
//! A per-CPU front end ([`policies::FrontEnd`]) wraps an allocator behind the same contract.
//! Policies depend only on the page layer, the event vocabulary and [`crate::error`]
//! (enforced by `core/tests/architecture.rs`).

pub mod aether;
pub mod classic;
pub mod layout;
pub mod percpu;
pub mod policies;
pub mod rows;
pub mod slob;
pub mod slub;
pub mod views;

/// The contract methods every engine implements alike (`as_any`, `as_any_mut`, `clone_box`):
/// `crate::slab::engine_any!();` inside an `impl SlabAllocator for T` with `T: Clone`.
macro_rules! engine_any {
    () => {
        fn as_any(&self) -> &dyn std::any::Any {
            self
        }
        fn as_any_mut(&mut self) -> &mut dyn std::any::Any {
            self
        }
        fn clone_box(&self) -> Box<dyn $crate::slab::SlabAllocator> {
            Box::new(self.clone())
        }
    };
}
pub(crate) use engine_any;

/// The two header lines of `/proc/slabinfo` (`print_slabinfo_header`, without SLAB debug stats).
pub fn slabinfo_header() -> String {
    "slabinfo - version: 2.1\n# name            <active_objs> <num_objs> <objsize> <objperslab> <pagesperslab> : tunables <limit> <batchcount> <sharedfactor> : slabdata <active_slabs> <num_slabs> <sharedavail>\n".to_string()
}

use std::any::Any;
use std::fmt;

use crate::error::OpError;
use crate::page::ctx::PageCtx;
use crate::page::machine::{Machine, MachineConfig, SlabPolicy};
use crate::slab::layout::CacheFlags;
use crate::slab::slub::Site;
use crate::timeline::event::{Event, EventSink, Sym};

/// One row of the policy table: everything the parser, the suggestions, the docs and the UI
/// menus know about a slab policy.
pub struct PolicyInfo {
    /// The value of `config slab=`.
    pub policy: SlabPolicy,
    /// Its name in the op language (`config slab=NAME`).
    pub name: &'static str,
    /// One line for docs and menus (English; the UI translates by `name`).
    pub summary: &'static str,
    /// What its per-CPU fast path is, as [`SlabAllocator::fast_path_counts`] counts it (English,
    /// for reports; the UI translates by `name`); empty for a policy without one (SLOB).
    pub fast_path: &'static str,
    /// Build the allocator for a machine.
    pub build: fn(&MachineConfig) -> Box<dyn SlabAllocator>,
}

/// The slab policies, in menu order. Adding a policy is one module plus one row here.
pub const POLICIES: &[PolicyInfo] = &[
    PolicyInfo {
        policy: SlabPolicy::Slub,
        name: "slub",
        summary: "Linux SLUB (6.x): cpu slab with a lockless freelist, cpu and node partial lists",
        fast_path: "the lockless cpu freelist",
        build: policies::build_slub,
    },
    PolicyInfo {
        policy: SlabPolicy::Sheaves,
        name: "sheaves",
        summary: "SLUB with Linux 7.0 per-CPU sheaves and per-node barns in front of it",
        fast_path: "the main and spare sheaves, then the barn",
        build: policies::build_sheaves,
    },
    PolicyInfo {
        policy: SlabPolicy::Slab,
        name: "slab",
        summary: "classic Linux SLAB (up to 6.7): three slab lists, array caches, colouring",
        fast_path: "the per-CPU array cache",
        build: policies::build_classic,
    },
    PolicyInfo {
        policy: SlabPolicy::Aether,
        name: "aether",
        summary: "the AetherOS SLUB design: hot lists, per-CPU caches, bulk refill",
        fast_path: "the hot list and the per-CPU object cache",
        build: policies::build_aether,
    },
    PolicyInfo {
        policy: SlabPolicy::Slob,
        name: "slob",
        summary: "Linux SLOB (up to 6.3): first fit over pages on three lists, for tiny machines",
        fast_path: "",
        build: slob::build,
    },
];

/// The table row of a policy. Total, checked by the compiler: the match names every
/// [`SlabPolicy`] (a new policy does not compile until it has an arm here) and each arm's row is
/// found in [`POLICIES`] at compile time (`const`: a policy without its row, or with two, fails
/// the build, see [`row_of`]). No fallback to another policy's row.
pub fn policy_info(policy: SlabPolicy) -> &'static PolicyInfo {
    macro_rules! rows {
        ($($p:ident),* $(,)?) => {
            match policy {
                $(SlabPolicy::$p => const { row_of(SlabPolicy::$p) },)*
            }
        };
    }
    rows!(Slub, Sheaves, Slab, Aether, Slob)
}

/// The one row of `policy` in [`POLICIES`], evaluated at compile time by [`policy_info`]
/// (a missing or a second row is a compile error).
const fn row_of(policy: SlabPolicy) -> &'static PolicyInfo {
    let mut found: Option<&'static PolicyInfo> = None;
    let mut i = 0;
    while i < POLICIES.len() {
        if POLICIES[i].policy as u8 == policy as u8 {
            assert!(found.is_none(), "a slab policy with two rows in POLICIES");
            found = Some(&POLICIES[i]);
        }
        i += 1;
    }
    match found {
        Some(row) => row,
        None => panic!("a slab policy without its row in POLICIES"),
    }
}

/// What the fast-path counts of a machine configured with `config` count, for reports
/// (English): the policy, the magazines in front of it if any, and its fast path
/// ([`PolicyInfo::fast_path`]).
pub fn fast_path_text(config: &MachineConfig) -> String {
    let p = policy_info(config.slab);
    match (config.magazines, p.fast_path) {
        (false, "") => format!("slab={}: none, {} has no per-CPU fast path", p.name, p.name.to_uppercase()),
        (false, what) => format!("slab={}: {what}", p.name),
        (true, "") => format!(
            "slab={} percpu=magazine: the magazines ({} behind them has no fast path)",
            p.name,
            p.name.to_uppercase()
        ),
        (true, what) => format!("slab={} percpu=magazine: the magazines, then {what}", p.name),
    }
}

/// The policy named `name` in the op language.
pub fn policy_by_name(name: &str) -> Option<SlabPolicy> {
    POLICIES.iter().find(|p| p.name == name).map(|p| p.policy)
}

/// The contract between the simulated system and a slab policy: what every slab allocator
/// does. Operations a policy does not have return [`OpError::NotForPolicy`] (the defaults).
/// Every method that changes state does so only through events it emits and applies
/// ([`SlabAllocator::apply`]); a method returning an error has emitted nothing.
///
/// Not `Send`/`Sync` (s14-replay): the engines' copy-on-write tables share chunks by `Rc`
/// (see `page/cow.rs`), the simulation running on one thread.
pub trait SlabAllocator: fmt::Debug {
    /// The policy this allocator implements (`config slab=`).
    fn policy(&self) -> SlabPolicy;
    /// Apply one event (each allocator ignores the events of others).
    fn apply(&mut self, m: &mut Machine, ev: &Event);
    /// Check the allocator's invariants against memory.
    fn check(&self, m: &Machine) -> Result<(), String>;

    /// The id of the live cache named `label`.
    fn cache_by_name(&self, label: &str) -> Option<u32>;
    /// Names of the live caches (for suggestions).
    fn cache_labels(&self) -> Vec<String>;
    /// The name of cache `id` (empty for an unknown id).
    fn cache_name(&self, id: u32) -> String;
    /// The object size of cache `id` (what `ksize` reports; 0 for an unknown id).
    fn object_size(&self, id: u32) -> u32;
    /// An unknown-cache error with a suggestion.
    fn unknown_cache(&self, label: &str) -> OpError {
        let labels = self.cache_labels();
        OpError::UnknownCache {
            name: label.to_string(),
            suggestion: crate::lang::suggest::suggest(label, labels.iter().map(String::as_str)),
        }
    }
    /// The kmalloc cache serving `size` bytes (`size` <= `KMALLOC_MAX_CACHE_SIZE`).
    fn kmalloc_cache(&self, size: u32) -> Option<u32>;

    /// `kmem_cache_create`.
    #[allow(clippy::too_many_arguments)]
    fn create_cache(
        &mut self,
        m: &mut Machine,
        name: Sym,
        label: &str,
        size: u32,
        align: u32,
        flags: CacheFlags,
        out: &mut dyn EventSink,
    ) -> Result<u32, OpError>;
    /// `kmem_cache_destroy` of the cache named `label`.
    fn destroy_cache(
        &mut self,
        pages: &mut PageCtx<'_>,
        name: Sym,
        label: &str,
        out: &mut dyn EventSink,
    ) -> Result<(), OpError>;

    /// The page order an allocation from `cache` on `cpu` (optionally pinned to `node`) would
    /// take from the page allocator, if it needs a new slab (`orig_size`: the bytes asked for,
    /// for kmalloc).
    fn needs_pages(&self, m: &Machine, cache: u32, cpu: u16, node: Option<u8>, _orig_size: u32) -> Option<u8>;
    /// Allocate an object. The caller has checked [`SlabAllocator::needs_pages`] against the
    /// page allocator.
    fn alloc(
        &mut self,
        pages: &mut PageCtx<'_>,
        cache: u32,
        cpu: u16,
        node: Option<u8>,
        site: Site,
        out: &mut dyn EventSink,
    ) -> Result<u64, OpError>;
    /// Free a live object (validated by the caller with [`SlabAllocator::is_live`]-level
    /// bindings).
    #[allow(clippy::too_many_arguments)]
    fn free(&mut self, pages: &mut PageCtx<'_>, cache: u32, cpu: u16, addr: u64, site: u32, out: &mut dyn EventSink);
    /// True when `addr` is an allocated object of `cache`.
    fn is_live(&self, m: &Machine, cache: u32, addr: u64) -> bool;
    /// True when `cache` runs consistency checks (a double free is then refused by the check,
    /// not silently corrupting).
    fn debug_checks(&self, _cache: u32) -> bool {
        false
    }
    /// What this policy checks on a second free of an object of `cache` (`None`: plain SLUB,
    /// whose message depends on `slub_debug`, see [`SlabAllocator::debug_checks`]).
    fn free_check(&self, _cache: u32) -> Option<crate::error::FreeCheck> {
        None
    }
    /// `(ksize, requested size)` of a live object, for `krealloc`.
    fn krealloc_sizes(&self, _m: &Machine, _cache: u32, _addr: u64) -> Result<(u32, u32), OpError> {
        Err(self.not_for("krealloc"))
    }

    /// Give every empty slab back to the page allocator; returns the bytes freed.
    fn shrink(&mut self, pages: &mut PageCtx<'_>, out: &mut dyn EventSink) -> u64;
    /// The periodic reaper (`cache_reap`, magazine depot trimming).
    fn reap(&mut self, _pages: &mut PageCtx<'_>, _out: &mut dyn EventSink) -> Result<ShownAfter, OpError> {
        Err(self.not_for("reap"))
    }
    /// `slub_debug` validation of one cache.
    fn validate(&mut self, _pages: &mut PageCtx<'_>, _cache: u32, _out: &mut dyn EventSink) -> Result<(), OpError> {
        Err(self.not_for("slub_debug validation"))
    }
    /// The sysfs files of one cache.
    fn sysfs(&self, _cache: u32) -> Result<String, OpError> {
        Err(self.not_for("sysfs"))
    }

    /// `/proc/slabinfo` (or the policy's report).
    fn slabinfo(&self) -> String;
    /// The `slabinfo` tool's per-slab report (`show slabs`).
    fn slabinfo_tool(&self) -> String {
        format!("show slabs is not available with slab={}\n", policy_info(self.policy()).name)
    }
    /// The leak report (`show leaks`).
    fn leak_report(&self) -> String {
        format!("show leaks is not available with slab={}\n", policy_info(self.policy()).name)
    }

    /// What each CPU holds of each live cache in front of the slabs, cache by cache, CPU by CPU
    /// (policy-neutral rows for the views; none for a policy without per-CPU state).
    fn cpu_rows(&self, _m: &Machine) -> Vec<rows::CpuRow> {
        Vec::new()
    }
    /// What each node holds of each live cache in front of the slabs (depot, barn, shared
    /// arrays), cache by cache.
    fn node_rows(&self, _m: &Machine) -> Vec<rows::NodeRow> {
        Vec::new()
    }
    /// Pages of variable-size blocks (SLOB), by pfn; none for a policy with fixed slots.
    fn block_rows(&self, _m: &Machine) -> Vec<rows::BlockRow> {
        Vec::new()
    }

    /// The slab lists this policy's slab rows use, in row order (empty: no slabs of fixed-size
    /// slots, as SLOB's pages of variable-size blocks).
    fn row_lists(&self) -> &'static [rows::RowList] {
        &[]
    }
    /// One row per slab of every live cache, cache by cache, in list order; `held` are the
    /// objects the outermost allocator holds in front of the slabs ([`rows::held`]), shown as
    /// [`rows::Cell::Cached`].
    fn slab_rows(&self, _m: &Machine, _held: &rows::Held) -> Vec<rows::SlabRow> {
        Vec::new()
    }
    /// True when slabs are coloured (their rows' `colour` is the policy's colour offset).
    fn colouring(&self) -> bool {
        false
    }
    /// The live caches as `slabtop` names them.
    fn cache_summaries(&self) -> Vec<rows::CacheSummary>;
    /// How many live caches there are (the lesson query `caches`).
    fn cache_count(&self) -> usize {
        self.cache_labels().len()
    }
    /// The bytes asked for by the live object `addr` of `cache` where the policy records them
    /// (SLUB's `slub_debug=U` kmalloc caches), else the object size.
    fn orig_size(&self, _m: &Machine, cache: u32, _addr: u64) -> u32 {
        self.object_size(cache)
    }
    /// The object slot at `addr`, byte by byte, for the memory inspector (`None`: `addr` starts
    /// no object of a live slab).
    fn object_bytes(&self, _m: &Machine, _addr: u64, _held: &rows::Held) -> Option<rows::ObjectBytes> {
        None
    }
    /// Live objects and slab geometry of cache `id`.
    fn geometry(&self, _id: u32) -> Result<rows::CacheGeometry, OpError> {
        Err(self.not_for("cache geometry"))
    }
    /// Objects the first per-CPU layer of `cpu` holds for cache `id` (SLUB's lockless freelist,
    /// SLAB's array cache, AetherOS's hot list + object cache, a loaded magazine or main sheaf).
    fn cpu_free_count(&self, _m: &Machine, _id: u32, _cpu: u16) -> Result<usize, OpError> {
        Err(self.not_for("freelist"))
    }
    /// `(fast, slow)` allocations of cache `id` on `cpu`, as the outermost layer counts them.
    fn alloc_counts(&self, _id: u32, _cpu: u16) -> Result<(u64, u64), OpError> {
        Err(self.not_for("fast/slow"))
    }
    /// `(fast, slow)` slab allocations on `cpu`, every cache summed (destroyed ones too): what
    /// the policy's per-CPU fast path served and what went further in. SLUB: the lockless cpu
    /// freelist (`alloc_fast`, `alloc_slow`); classic SLAB: the array cache (`hits`, `misses`);
    /// AetherOS: the hot list and object cache (`hot_hits + local_hits`, `misses`); sheaves: the
    /// main/spare sheaf or the barn (a refill from the slabs is a miss); magazines: their hits
    /// plus the fast path of the allocator behind them, which serves each miss one object at a
    /// time. `(0, 0)` for a policy without a per-CPU fast path (SLOB).
    fn fast_path_counts(&self, _cpu: u16) -> (u64, u64) {
        (0, 0)
    }
    /// How many objects one per-CPU array of cache `id` holds (a magazine's rounds, a sheaf's
    /// capacity, SLAB's array-cache `limit`).
    fn array_capacity(&self, _id: u32) -> Result<u32, OpError> {
        Err(self.not_for("array capacity"))
    }
    /// Full arrays in the depot or barn of cache `id` on `node`.
    fn depot_full(&self, _id: u32, _node: u8) -> Result<u64, OpError> {
        Err(self.not_for("depot"))
    }
    /// The free pointer stored in object `addr` of `cache`.
    fn free_pointer(&self, _m: &Machine, _cache: u32, _addr: u64) -> Result<u64, OpError> {
        Err(self.not_for("freeptr"))
    }
    /// The free pointer's offset in the objects of cache `id`.
    fn fp_offset(&self, _id: u32) -> Result<u32, OpError> {
        Err(self.not_for("fp_offset"))
    }

    /// The kernel log text an event prints (SLUB's `slub_debug` reports), if any.
    fn debug_text(&self, _ev: &Event) -> Option<String> {
        None
    }

    /// The typed "not for this policy" error.
    fn not_for(&self, what: &'static str) -> OpError {
        OpError::NotForPolicy { what, policy: policy_info(self.policy()).name }
    }

    /// The slot size of cache `id` (`s->size`: the object with its metadata; what a per-CPU
    /// front end sizes its arrays by). The object size unless a policy keeps metadata per slot.
    fn slot_size(&self, id: u32) -> u32 {
        self.object_size(id)
    }
    /// True when cache `id` runs slab debugging (`SLAB_DEBUG_FLAGS`): Linux 7.0 gives such a
    /// cache no sheaves (`calculate_sheaf_capacity` returns 0).
    fn debug_flags(&self, _cache: u32) -> bool {
        false
    }
    /// True when all objects of cache `id` have one size, so a per-CPU array may hand any of
    /// them to any allocation from it (not SLOB's kmalloc, whose blocks are sized per request).
    fn fixed_size(&self, _cache: u32) -> bool {
        true
    }
    /// The node of the memory holding object `addr` (`slab_nid`), when the policy tracks it.
    fn object_node(&self, _m: &Machine, _addr: u64) -> Option<u8> {
        None
    }
    /// `kmem_cache_alloc_bulk`-style refill of `n` objects of `cache` for a sheaf (SLUB's
    /// `refill_objects`); the typed "not for this policy" error elsewhere.
    fn alloc_bulk(
        &mut self,
        _pages: &mut PageCtx<'_>,
        _cache: u32,
        _cpu: u16,
        _n: usize,
        _site: Site,
        _out: &mut dyn EventSink,
    ) -> Result<Vec<u64>, OpError> {
        Err(self.not_for("bulk allocation"))
    }
    /// The allocated objects of cache `id` when destroying it would shut it down (its last
    /// reference, not a kmalloc cache); `None` when a destroy would keep it (a merged alias) or
    /// refuse it anyway. A front end flushes its arrays first only in the first case.
    fn shutdown_live(&self, _id: u32) -> Option<u64> {
        None
    }

    /// The allocator a front end wraps (for typed access to the engine behind it).
    fn back(&self) -> Option<&dyn SlabAllocator> {
        None
    }
    /// Heap bytes this state holds that `base` (an earlier clone of it, the checkpoint before)
    /// does not share: what keeping a clone costs (s8-trace, issue #18). `None` when the engine
    /// does not count them (the session then estimates them from the bindings).
    fn clone_bytes(&self, _base: &dyn SlabAllocator) -> Option<usize> {
        None
    }
    /// The concrete engine, for engine-specific views and tests.
    fn as_any(&self) -> &dyn Any;
    /// The concrete engine, mutably (for the seed's library API over the simulation).
    fn as_any_mut(&mut self) -> &mut dyn Any;
    /// A boxed clone (states are cloned for checkpoints).
    fn clone_box(&self) -> Box<dyn SlabAllocator>;
}

/// What a `reap` shows when it is done.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ShownAfter {
    /// `/proc/slabinfo`.
    Slabinfo,
    /// The summary statistics.
    Stats,
}

impl Clone for Box<dyn SlabAllocator> {
    fn clone(&self) -> Self {
        self.clone_box()
    }
}

/// The engine of type `T` behind `a` (itself or what its front ends wrap).
pub fn engine<T: 'static>(a: &dyn SlabAllocator) -> Option<&T> {
    let mut a = a;
    loop {
        if let Some(t) = a.as_any().downcast_ref::<T>() {
            return Some(t);
        }
        a = a.back()?;
    }
}

/// One `slub_debug` letter (the boot option's syntax, `Documentation/mm/slub.rst`).
pub struct DebugLetter {
    /// The letter.
    pub letter: char,
    /// The cache flag it sets.
    pub flag: CacheFlags,
    /// What it does (English; for docs and menus).
    pub summary: &'static str,
}

/// The `slub_debug` letters the simulation implements, in the order they are printed.
pub const SLUB_DEBUG_LETTERS: &[DebugLetter] = &[
    DebugLetter { letter: 'F', flag: CacheFlags::CHECKS, summary: "consistency checks" },
    DebugLetter { letter: 'Z', flag: CacheFlags::REDZONE, summary: "red zones" },
    DebugLetter { letter: 'P', flag: CacheFlags::POISON, summary: "poison" },
    DebugLetter { letter: 'U', flag: CacheFlags::USER, summary: "store user (alloc/free sites)" },
];
