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

// ---- Message keys (s6-contract): a UI translates an error by its key, as events carry keys.

/// An error as a message key and its arguments, for a translated UI (the CLI prints
/// `Display`, whose English the web catalogue's English entries repeat word for word).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ErrorMessage {
    /// The catalogue key (`operr.*`, `cfgerr.*`).
    pub key: &'static str,
    /// Named arguments, substituted for `{name}`.
    pub args: Vec<(&'static str, ErrorArg)>,
}

/// One argument of an [`ErrorMessage`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ErrorArg {
    /// Shown as is (names, numbers, addresses).
    Text(String),
    /// An English phrase of the core (what a policy lacks, the kind a name should hold): a UI
    /// translates it by the key `phrase.<text>` and falls back to the text.
    Phrase(&'static str),
}

fn text(v: impl ToString) -> ErrorArg {
    ErrorArg::Text(v.to_string())
}

impl ErrorMessage {
    fn new(key: &'static str, args: Vec<(&'static str, ErrorArg)>) -> ErrorMessage {
        ErrorMessage { key, args }
    }
}

impl OpError {
    /// The message key and arguments of this error.
    pub fn message(&self) -> ErrorMessage {
        use ErrorMessage as M;
        let hex = |a: &u64| text(format!("{a:#x}"));
        match self {
            OpError::OutOfMemory { order } => {
                M::new("operr.out_of_memory", vec![("order", text(order)), ("pages", text(1u64 << order))])
            }
            OpError::BadOrder { order } => {
                M::new("operr.bad_order", vec![("order", text(order)), ("max", text(MAX_PAGE_ORDER))])
            }
            OpError::BadNode { node, nodes } => {
                M::new("operr.bad_node", vec![("node", text(node)), ("nodes", text(nodes))])
            }
            OpError::BadCpu { cpu, cpus } => M::new("operr.bad_cpu", vec![("cpu", text(cpu)), ("cpus", text(cpus))]),
            OpError::UnknownName { name, suggestion: None } => M::new("operr.unknown_name", vec![("name", text(name))]),
            OpError::UnknownName { name, suggestion: Some(s) } => {
                M::new("operr.unknown_name_sug", vec![("name", text(name)), ("s", text(s))])
            }
            OpError::NameInUse { name } => M::new("operr.name_in_use", vec![("name", text(name))]),
            OpError::NotAList { name } => M::new("operr.not_a_list", vec![("name", text(name))]),
            OpError::IsAList { name } => M::new("operr.is_a_list", vec![("name", text(name))]),
            OpError::IndexOutOfRange { name, index, len } => M::new(
                "operr.index_out_of_range",
                vec![("name", text(name)), ("index", text(index)), ("len", text(len))],
            ),
            OpError::WrongKind { name, expected } => {
                M::new("operr.wrong_kind", vec![("name", text(name)), ("expected", ErrorArg::Phrase(expected))])
            }
            OpError::BadSize { size, max } => M::new("operr.bad_size", vec![("size", text(size)), ("max", text(max))]),
            OpError::BadAlign { align } => M::new("operr.bad_align", vec![("align", text(align))]),
            OpError::CacheExists { name } => M::new("operr.cache_exists", vec![("name", text(name))]),
            OpError::UnknownCache { name, suggestion: None } => {
                M::new("operr.unknown_cache", vec![("name", text(name))])
            }
            OpError::UnknownCache { name, suggestion: Some(s) } => {
                M::new("operr.unknown_cache_sug", vec![("name", text(name)), ("s", text(s))])
            }
            OpError::KmallocCache { name } => M::new("operr.kmalloc_cache", vec![("name", text(name))]),
            OpError::CacheBusy { name, live } => {
                M::new("operr.cache_busy", vec![("name", text(name)), ("live", text(live))])
            }
            OpError::OutsideMemory { addr } => M::new("operr.outside_memory", vec![("addr", hex(addr))]),
            OpError::NotForPolicy { what, policy } => {
                M::new("operr.not_for_policy", vec![("what", ErrorArg::Phrase(what)), ("policy", text(policy))])
            }
            OpError::DoubleFree { name, addr, debug } => M::new(
                if *debug { "operr.double_free_checked" } else { "operr.double_free" },
                vec![("name", text(name)), ("addr", hex(addr))],
            ),
            OpError::DoubleFreeIn { name, addr, check } => M::new(
                match check {
                    FreeCheck::SlabArrayCache => "operr.double_free_in.slab",
                    FreeCheck::AetherRefuses => "operr.double_free_in.aether",
                    FreeCheck::SlobUnchecked => "operr.double_free_in.slob",
                    FreeCheck::Magazine => "operr.double_free_in.magazine",
                    FreeCheck::Sheaf => "operr.double_free_in.sheaf",
                },
                vec![("name", text(name)), ("addr", hex(addr))],
            ),
            OpError::DoublePageFree { name, pfn } => {
                M::new("operr.double_page_free", vec![("name", text(name)), ("pfn", text(pfn))])
            }
        }
    }

    /// One error of every variant (and every message key), for catalogue tests: a new variant
    /// needs a key in [`OpError::message`], and a test checks every key there is listed here.
    pub fn examples() -> Vec<OpError> {
        let name = || "x".to_string();
        let mut out = vec![
            OpError::OutOfMemory { order: 3 },
            OpError::BadOrder { order: 11 },
            OpError::BadNode { node: 2, nodes: 1 },
            OpError::BadCpu { cpu: 9, cpus: 2 },
            OpError::UnknownName { name: name(), suggestion: None },
            OpError::UnknownName { name: name(), suggestion: Some("y".into()) },
            OpError::NameInUse { name: name() },
            OpError::NotAList { name: name() },
            OpError::IsAList { name: name() },
            OpError::IndexOutOfRange { name: name(), index: 4, len: 2 },
            OpError::WrongKind { name: name(), expected: "a slab object" },
            OpError::BadSize { size: 0, max: 8192 },
            OpError::BadAlign { align: 3 },
            OpError::CacheExists { name: name() },
            OpError::UnknownCache { name: name(), suggestion: None },
            OpError::UnknownCache { name: name(), suggestion: Some("y".into()) },
            OpError::KmallocCache { name: "kmalloc-64".into() },
            OpError::CacheBusy { name: name(), live: 2 },
            OpError::OutsideMemory { addr: 0xffff_8880_1000_0000 },
            OpError::NotForPolicy { what: "reap", policy: "slub" },
            OpError::DoubleFree { name: name(), addr: 0xffff_8880_0000_1000, debug: false },
            OpError::DoubleFree { name: name(), addr: 0xffff_8880_0000_1000, debug: true },
            OpError::DoublePageFree { name: name(), pfn: 7 },
        ];
        for check in [
            FreeCheck::SlabArrayCache,
            FreeCheck::AetherRefuses,
            FreeCheck::SlobUnchecked,
            FreeCheck::Magazine,
            FreeCheck::Sheaf,
        ] {
            out.push(OpError::DoubleFreeIn { name: name(), addr: 0xffff_8880_0000_1000, check });
        }
        out
    }

    /// The phrases the core puts in `WrongKind` and `NotForPolicy` (see [`ErrorArg::Phrase`]).
    pub const PHRASES: &'static [&'static str] = &[
        "a block from `pages alloc`",
        "a block from `malloc`",
        "a kmalloc allocation",
        "a kmalloc object",
        "a slab object",
        "krealloc",
        "reap",
        "slub_debug validation",
        "sysfs",
        "bulk allocation",
        "cache geometry",
        "freelist",
        "fast/slow",
        "depot",
        "freeptr",
        "fp_offset",
    ];
}

impl crate::page::machine::ConfigError {
    /// The message key and arguments of this error.
    pub fn message(&self) -> ErrorMessage {
        use crate::page::machine::ConfigError as C;
        use ErrorMessage as M;
        match self {
            C::BadMemory { mem_bytes, nodes } => {
                M::new("cfgerr.bad_memory", vec![("mem_bytes", text(mem_bytes)), ("nodes", text(nodes))])
            }
            C::BadNodes(n) => M::new("cfgerr.bad_nodes", vec![("n", text(n))]),
            C::BadCpus { cpus, nodes } => M::new("cfgerr.bad_cpus", vec![("cpus", text(cpus)), ("nodes", text(nodes))]),
            C::FrontEndConflict { percpu, slab } => {
                M::new("cfgerr.front_end_conflict", vec![("percpu", text(percpu)), ("slab", text(slab))])
            }
        }
    }

    /// One error of every variant, for catalogue tests (see [`OpError::examples`]).
    pub fn examples() -> Vec<crate::page::machine::ConfigError> {
        use crate::page::machine::ConfigError as C;
        vec![
            C::BadMemory { mem_bytes: 5000, nodes: 1 },
            C::BadNodes(5),
            C::BadCpus { cpus: 0, nodes: 1 },
            C::FrontEndConflict { percpu: "magazine", slab: "sheaves" },
        ]
    }
}
