//! Operations: what one line of the op language (after `repeat` expansion) asks the simulation to
//! do. Ops are small (names are interned [`Sym`]s) so a session can hold millions of them.

use serde::{Deserialize, Serialize};

use crate::event::{ShowWhat, Sym};
use crate::names::Names;
use crate::slab_layout::CacheFlags;

/// Where a freshly allocated value goes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Target {
    /// `as=NAME`.
    Name { name: Sym },
    /// `as=NAME[]`: append to a list.
    Append { name: Sym },
}

/// A reference to bound values.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Ref {
    /// `NAME`.
    Name { name: Sym },
    /// `NAME[i]`.
    Index { name: Sym, index: u32 },
    /// `NAME[*]`: every element, in list order.
    All { name: Sym },
}

impl Ref {
    /// The referenced name.
    pub fn name(self) -> Sym {
        match self {
            Ref::Name { name } | Ref::Index { name, .. } | Ref::All { name } => name,
        }
    }
}

/// What a plain `show` prints: every [`ShowWhat`] that takes no argument. A cache's sysfs
/// attributes are [`Op::ShowSysfs`] (it names its cache), so every `Op` value prints as a
/// statement that parses back to it (#15). Serialised as the `ShowWhat` of the same name.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ShowKind {
    /// `/proc/buddyinfo`.
    Buddyinfo,
    /// `/proc/slabinfo`.
    Slabinfo,
    /// Summary statistics.
    Stats,
    /// Live slab objects by allocation site.
    Leaks,
    /// The `tools/mm/slabinfo` summary.
    Slabs,
    /// The SuperSlab allocator.
    Superslabs,
}

impl ShowKind {
    /// Every kind, in the language's order (the parser and its suggestions read this).
    pub const ALL: [ShowKind; 6] = [
        ShowKind::Buddyinfo,
        ShowKind::Slabinfo,
        ShowKind::Stats,
        ShowKind::Leaks,
        ShowKind::Slabs,
        ShowKind::Superslabs,
    ];

    /// The op-language spelling.
    pub fn as_str(self) -> &'static str {
        ShowWhat::from(self).as_str()
    }
}

impl From<ShowKind> for ShowWhat {
    fn from(k: ShowKind) -> ShowWhat {
        match k {
            ShowKind::Buddyinfo => ShowWhat::Buddyinfo,
            ShowKind::Slabinfo => ShowWhat::Slabinfo,
            ShowKind::Stats => ShowWhat::Stats,
            ShowKind::Leaks => ShowWhat::Leaks,
            ShowKind::Slabs => ShowWhat::Slabs,
            ShowKind::Superslabs => ShowWhat::Superslabs,
        }
    }
}

/// One operation.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "snake_case")]
#[non_exhaustive]
pub enum Op {
    /// `pages alloc order=N [node=N] [cpu=N] as=NAME`.
    PagesAlloc { order: u8, node: Option<u8>, cpu: Option<u16>, target: Target },
    /// `pages free REF [cpu=N]`.
    PagesFree { what: Ref, cpu: Option<u16> },
    /// `show buddyinfo|slabinfo|stats|leaks|slabs|superslabs`.
    Show { what: ShowKind },
    /// `kmalloc SIZE [cpu=N] [node=N] as=NAME`.
    Kmalloc { size: u32, cpu: Option<u16>, node: Option<u8>, target: Target },
    /// `krealloc NAME SIZE [cpu=N] [zero]`.
    Krealloc { what: Sym, size: u32, cpu: Option<u16>, zero: bool },
    /// `malloc SIZE [thread=N] as=NAME`: the SuperSlab allocator (1..=64 bytes).
    Malloc { size: u32, thread: u16, target: Target },
    /// `free REF [thread=N]`.
    Free { what: Ref, thread: u16 },
    /// `kfree REF [cpu=N]`.
    Kfree { what: Ref, cpu: Option<u16> },
    /// `cache create NAME size=N [align=N] [flags=a,b,...]`.
    CacheCreate { name: Sym, size: u32, align: u32, flags: CacheFlags },
    /// `cache alloc NAME [cpu=N] [node=N] as=X`.
    CacheAlloc { cache: Sym, cpu: Option<u16>, node: Option<u8>, target: Target },
    /// `cache free REF [cpu=N]`.
    CacheFree { what: Ref, cpu: Option<u16> },
    /// `cache destroy NAME`.
    CacheDestroy { name: Sym },
    /// `cache validate NAME`.
    CacheValidate { name: Sym },
    /// `show sysfs NAME`: the `/sys/kernel/slab/NAME/` attributes.
    ShowSysfs { cache: Sym },
    /// `shrink`: `kmem_cache_shrink` on every cache.
    Shrink,
    /// `reap`: one pass of classic SLAB's periodic `cache_reap`.
    Reap,
    /// `write X offset=N [len=N] byte=0xNN`: overwrite memory relative to X (even freed X).
    Write { what: Sym, offset: i32, len: u32, byte: u8 },
}

fn target_text(t: Target, names: &Names) -> String {
    match t {
        Target::Name { name } => names.name(name).to_string(),
        Target::Append { name } => format!("{}[]", names.name(name)),
    }
}

fn ref_text(r: Ref, names: &Names) -> String {
    match r {
        Ref::Name { name } => names.name(name).to_string(),
        Ref::Index { name, index } => format!("{}[{index}]", names.name(name)),
        Ref::All { name } => format!("{}[*]", names.name(name)),
    }
}

impl Op {
    /// The op in the op language (one line, canonical spelling).
    pub fn to_script(&self, names: &Names) -> String {
        let opt = |k: &str, v: Option<u64>| v.map(|v| format!(" {k}={v}")).unwrap_or_default();
        match *self {
            Op::PagesAlloc { order, node, cpu, target } => format!(
                "pages alloc order={order}{}{} as={}",
                opt("node", node.map(u64::from)),
                opt("cpu", cpu.map(u64::from)),
                target_text(target, names)
            ),
            Op::PagesFree { what, cpu } => {
                format!("pages free {}{}", ref_text(what, names), opt("cpu", cpu.map(u64::from)))
            }
            Op::Show { what } => format!("show {}", what.as_str()),
            Op::Kmalloc { size, cpu, node, target } => format!(
                "kmalloc {size}{}{} as={}",
                opt("cpu", cpu.map(u64::from)),
                opt("node", node.map(u64::from)),
                target_text(target, names)
            ),
            Op::Krealloc { what, size, cpu, zero } => format!(
                "krealloc {} {size}{}{}",
                names.name(what),
                if zero { " zero" } else { "" },
                opt("cpu", cpu.map(u64::from))
            ),
            Op::Malloc { size, thread, target } => {
                format!("malloc {size} thread={thread} as={}", target_text(target, names))
            }
            Op::Free { what, thread } => format!("free {} thread={thread}", ref_text(what, names)),
            Op::Kfree { what, cpu } => format!("kfree {}{}", ref_text(what, names), opt("cpu", cpu.map(u64::from))),
            Op::CacheCreate { name, size, align, flags } => format!(
                "cache create {} size={size}{}{}",
                names.name(name),
                if align > 0 { format!(" align={align}") } else { String::new() },
                if flags == CacheFlags::default() { String::new() } else { format!(" flags={}", flags.names()) }
            ),
            Op::CacheAlloc { cache, cpu, node, target } => format!(
                "cache alloc {}{}{} as={}",
                names.name(cache),
                opt("cpu", cpu.map(u64::from)),
                opt("node", node.map(u64::from)),
                target_text(target, names)
            ),
            Op::CacheFree { what, cpu } => {
                format!("cache free {}{}", ref_text(what, names), opt("cpu", cpu.map(u64::from)))
            }
            Op::CacheDestroy { name } => format!("cache destroy {}", names.name(name)),
            Op::ShowSysfs { cache } => format!("show sysfs {}", names.name(cache)),
            Op::Shrink => "shrink".to_string(),
            Op::Reap => "reap".to_string(),
            Op::CacheValidate { name } => format!("cache validate {}", names.name(name)),
            Op::Write { what, offset, len, byte } => {
                let len = if len == 1 { String::new() } else { format!(" len={len}") };
                format!("write {} offset={offset}{len} byte={byte:#04x}", names.name(what))
            }
        }
    }
}
