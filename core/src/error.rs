//! The one error type of operations: why an op failed (nothing changed).

use std::fmt;

use crate::page::buddy::BuddyError;
use crate::page::machine::MAX_PAGE_ORDER;

/// Why an operation failed. Nothing changed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum OpError {
    /// No free block of this order on any node.
    OutOfMemory { order: u8 },
    /// Order above `MAX_PAGE_ORDER`.
    BadOrder { order: u64 },
    /// Node id not on this machine.
    BadNode { node: u64, nodes: u8 },
    /// CPU id not on this machine.
    BadCpu { cpu: u64, cpus: u16 },
    /// The name is not bound.
    UnknownName { name: String, suggestion: Option<String> },
    /// `as=NAME` where NAME still holds a live value.
    NameInUse { name: String },
    /// `NAME[i]` / `NAME[*]` / `as=NAME[]` on a name bound to a single value.
    NotAList { name: String },
    /// `NAME` on a list.
    IsAList { name: String },
    /// `NAME[i]` past the end of the list.
    IndexOutOfRange { name: String, index: u32, len: usize },
    /// The name holds another kind of value than the op frees.
    WrongKind { name: String, expected: &'static str },
    /// A size of zero or above the maximum.
    BadSize { size: u64, max: u64 },
    /// An alignment that is not a power of two.
    BadAlign { align: u32 },
    /// `cache create` with a name already in use.
    CacheExists { name: String },
    /// No cache of that name.
    UnknownCache { name: String, suggestion: Option<String> },
    /// kmalloc caches cannot be destroyed.
    KmallocCache { name: String },
    /// `cache destroy` while objects are still allocated.
    CacheBusy { name: String, live: u64 },
    /// A write outside simulated memory.
    OutsideMemory { addr: u64 },
    /// The operation does not exist for the active slab policy.
    NotForPolicy { what: &'static str, policy: &'static str },
    /// The name's value was already freed.
    DoubleFree { name: String, addr: u64, debug: bool },
    /// A block of pages (`pages alloc`, large kmalloc) was already freed.
    DoublePageFree { name: String, pfn: u32 },
    /// The name's object was already freed, under a slab policy other than plain SLUB: what
    /// that policy (would) check.
    DoubleFreeIn { name: String, addr: u64, check: FreeCheck },
}

/// What a slab policy other than plain SLUB does with a second free of an object.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FreeCheck {
    /// Classic SLAB (`mm/slab.c`, up to 6.7): `___cache_free` stores the object in the CPU's
    /// `array_cache` again; only `CONFIG_DEBUG_SLAB`'s `verify_redzone_free` notices.
    SlabArrayCache,
    /// The AetherOS design: `free` checks the address is a live object of its cache.
    AetherRefuses,
    /// SLOB (`mm/slob.c`, up to 6.3): `slob_free` checks nothing.
    SlobUnchecked,
    /// Magazines in front of SLUB: a magazine takes any object.
    Magazine,
    /// Sheaves in front of SLUB (Linux 7.0): a sheaf takes any object.
    Sheaf,
}

impl fmt::Display for OpError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            OpError::OutOfMemory { order } => {
                write!(f, "out of memory: no free block of order {order} ({} pages) on any node", 1u64 << order)
            }
            OpError::BadOrder { order } => write!(f, "order {order} is above MAX_PAGE_ORDER ({MAX_PAGE_ORDER})"),
            OpError::BadNode { node, nodes } => {
                write!(f, "node {node} does not exist (this machine has {nodes})")
            }
            OpError::BadCpu { cpu, cpus } => {
                write!(f, "cpu {cpu} does not exist (this machine has {cpus})")
            }
            OpError::UnknownName { name, suggestion } => {
                write!(f, "`{name}` is not bound to anything")?;
                if let Some(s) = suggestion {
                    write!(f, "; did you mean `{s}`?")?;
                }
                Ok(())
            }
            OpError::NameInUse { name } => {
                write!(f, "`{name}` still holds a live allocation; free it first or use another name")
            }
            OpError::NotAList { name } => write!(f, "`{name}` is a single value, not a list"),
            OpError::IsAList { name } => {
                write!(f, "`{name}` is a list; use `{name}[i]` or `{name}[*]`")
            }
            OpError::IndexOutOfRange { name, index, len } => {
                write!(f, "`{name}[{index}]` is out of range: the list has {len} element(s)")
            }
            OpError::WrongKind { name, expected } => write!(f, "`{name}` is not {expected}"),
            OpError::BadSize { size, max } => write!(f, "size {size} is not in 1..={max}"),
            OpError::BadAlign { align } => write!(f, "align={align} is not a power of two"),
            OpError::CacheExists { name } => write!(f, "a cache named `{name}` already exists"),
            OpError::UnknownCache { name, suggestion } => {
                write!(f, "no cache named `{name}`")?;
                if let Some(s) = suggestion {
                    write!(f, "; did you mean `{s}`?")?;
                }
                Ok(())
            }
            OpError::KmallocCache { name } => write!(f, "`{name}` is a kmalloc cache and cannot be destroyed"),
            OpError::NotForPolicy { what, policy } => write!(f, "{what} is not available with slab={policy}"),
            OpError::OutsideMemory { addr } => write!(f, "address {addr:#x} is outside simulated memory"),
            OpError::DoubleFree { name, addr, debug } => {
                write!(f, "double free: `{name}` ({addr:#x}) was already freed")?;
                if *debug {
                    write!(f, "; SLUB's consistency checks report \"Object already free\" and refuse it")
                } else {
                    write!(f, "; without slub_debug=F Linux would corrupt the freelist (a hardened kernel BUG()s only if it is the freelist head)")
                }
            }
            OpError::DoubleFreeIn { name, addr, check } => {
                write!(f, "double free: `{name}` ({addr:#x}) was already freed; ")?;
                match check {
                    FreeCheck::SlabArrayCache => write!(f, "classic SLAB (slab=slab) would put it in the CPU's array_cache a second time and hand it out twice (only CONFIG_DEBUG_SLAB's red-zone check, `verify_redzone_free`, reports \"double free detected\")"),
                    FreeCheck::AetherRefuses => write!(f, "the AetherOS allocator (slab=aether) checks that the address is a live object of its cache and refuses it (invalid free)"),
                    FreeCheck::SlobUnchecked => write!(f, "SLOB (slab=slob) checks nothing: `slob_free` would link the block into its page's free chain a second time (kfree would first read a size header the first free overwrote)"),
                    FreeCheck::Magazine => write!(f, "a magazine takes any object without a check: it would be in a magazine twice and handed out twice (SLUB's checks see only objects that reach their slab)"),
                    FreeCheck::Sheaf => write!(f, "a sheaf takes any object without a check: it would be in a sheaf twice and handed out twice (SLUB's checks see only objects that reach their slab)"),
                }
            }
            OpError::DoublePageFree { name, pfn } => write!(
                f,
                "double free: `{name}` (pfn {pfn}) was already freed; in Linux `__free_pages` would find the page's reference count already zero (`put_page_testzero`: VM_BUG_ON_PAGE with CONFIG_DEBUG_VM, otherwise the count underflows)"
            ),
            OpError::CacheBusy { name, live } => {
                write!(f, "cache `{name}` still has {live} allocated object(s): free them before destroying it")
            }
        }
    }
}

impl std::error::Error for OpError {}

impl From<BuddyError> for OpError {
    fn from(e: BuddyError) -> Self {
        match e {
            BuddyError::OutOfMemory { order } => OpError::OutOfMemory { order },
            BuddyError::BadOrder { order } => OpError::BadOrder { order },
        }
    }
}
