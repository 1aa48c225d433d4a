//! The whole simulated system: machine + buddy allocator + optional pcp lists + name bindings.
//! [`Sim::exec`] runs one [`Op`], emitting micro-events that are applied as they are emitted;
//! [`Sim::apply`] applies one event, so any prefix of an op's events gives a valid intermediate
//! state. Ops validate everything before their first event: a failing op changes nothing.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::aether::{AetherEngine, AetherError};
use crate::buddy::{Buddy, BuddyError};
use crate::event::{Event, EventSink, ShowWhat, Sym};
use crate::machine::SlabPolicy;
use crate::machine::{ConfigError, FrameKind, Machine, MachineConfig, Owner, MAX_PAGE_ORDER, NR_PAGE_ORDERS};
use crate::names::{Binding, Bindings, Names, Value};
use crate::op::{Op, Ref, Target};
use crate::pcp::{Pcp, PCP_MAX_ORDER};
use crate::percpu::{Design, PerCpu};
use crate::slab::ClassicSlab;
use crate::slab_layout::{get_order, kmalloc_name, KMALLOC_MAX_CACHE_SIZE, KMALLOC_MAX_SIZE};
use crate::slub::Slub;
use crate::suggest::suggest;
use crate::superslab::SuperSlabs;

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

/// Summary numbers of a state (cheap to compute; used by `show stats`, snapshots and charts).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Stats {
    /// All page frames.
    pub total_pages: u64,
    /// Pages in buddy free lists.
    pub free_pages: u64,
    /// Pages parked on pcp lists.
    pub pcp_pages: u64,
    /// Pages in use.
    pub used_pages: u64,
    /// `nr_free` per order, summed over nodes.
    pub nr_free: Vec<u64>,
    /// Unusable free space index per order (as debugfs `extfrag/unusable_index`): the fraction of
    /// free memory in blocks too small for an allocation of that order. 0 = none, 1 = all.
    pub unusable_index: Vec<f64>,
}

/// The simulated system. Cheap to clone (copy-on-write frames and bytes).
#[derive(Clone, Debug)]
pub struct Sim {
    /// Machine: config, frames, bytes.
    pub machine: Machine,
    /// Buddy allocator.
    pub buddy: Buddy,
    /// Per-CPU page lists, when `config pcp=on`.
    pub pcp: Option<Pcp>,
    /// Names bound by the script.
    pub bindings: Bindings,
    /// The SLUB slab allocator.
    pub slub: Slub,
    /// The AetherOS allocator, when `slab=aether` (then it serves kmalloc and the cache ops).
    pub aether: Option<AetherEngine>,
    /// Classic SLAB, when `slab=slab` (then it serves kmalloc and the cache ops).
    pub classic: Option<ClassicSlab>,
    /// The SuperSlab allocator (`malloc`/`free`).
    pub superslab: SuperSlabs,
    /// Magazines (`percpu=magazine`) or sheaves (`slab=sheaves`) in front of SLUB.
    pub percpu: Option<PerCpu>,
}

impl Sim {
    /// Boot a machine: all memory free in the buddy allocator.
    pub fn boot(config: MachineConfig) -> Result<Sim, ConfigError> {
        Self::boot_with(config, None)
    }

    /// Boot with the buddy free lists of a `/proc/buddyinfo` picture (`free[node][order]`):
    /// memory and node count are sized to hold exactly those free blocks (the rest of memory is
    /// in use by `reserved`). See [`Buddy::boot_with_free`].
    pub fn boot_with_free(
        config: MachineConfig,
        free: &[[u64; NR_PAGE_ORDERS]],
        reserved: Sym,
    ) -> Result<Sim, ConfigError> {
        let nodes = free.len().clamp(1, usize::from(crate::machine::MAX_NODES)) as u8;
        let ppn = free.iter().map(Buddy::pages_for).max().unwrap_or(0).max(1).next_multiple_of(1024);
        let config = MachineConfig { nodes, mem_bytes: ppn * u64::from(nodes) * crate::machine::PAGE_SIZE, ..config };
        let config = MachineConfig { cpus: config.cpus.max(u16::from(nodes)), ..config };
        Self::boot_with(config, Some((free, Owner::Pages { name: reserved })))
    }

    fn boot_with(config: MachineConfig, free: Option<(&[[u64; NR_PAGE_ORDERS]], Owner)>) -> Result<Sim, ConfigError> {
        let mut machine = Machine::new(config)?;
        let buddy = match free {
            None => Buddy::boot(&mut machine, &mut crate::event::CountSink::default()),
            Some((free, owner)) => Buddy::boot_with_free(&mut machine, free, owner),
        };
        let pcp = machine.config().pcp.then(|| Pcp::new(machine.config()));
        let slub = Slub::new(machine.config());
        let aether = (machine.config().slab == SlabPolicy::Aether)
            .then(|| AetherEngine::new(machine.config(), machine.config().aether));
        let classic = (machine.config().slab == SlabPolicy::Slab).then(|| ClassicSlab::new(machine.config()));
        let superslab = SuperSlabs::new(machine.config().superslab_release);
        let c = machine.config();
        let percpu = match c.slab {
            SlabPolicy::Sheaves => Some(PerCpu::new(Design::Sheaves, c.cpus, c.nodes)),
            SlabPolicy::Slub if c.magazines => Some(PerCpu::new(Design::Magazine, c.cpus, c.nodes)),
            _ => None,
        };
        Ok(Sim { machine, buddy, pcp, bindings: Bindings::default(), slub, aether, classic, superslab, percpu })
    }

    /// The configuration.
    pub fn config(&self) -> &MachineConfig {
        self.machine.config()
    }

    /// Apply one event (routes to every layer; each ignores the others' events).
    pub fn apply(&mut self, ev: &Event) {
        self.buddy.apply(&mut self.machine, ev);
        if let Some(p) = &mut self.pcp {
            p.apply(&mut self.machine, ev);
        }
        self.slub.apply(&mut self.machine, ev);
        if let Some(a) = &mut self.aether {
            a.apply(&mut self.machine, ev);
        }
        if let Some(c) = &mut self.classic {
            c.apply(&mut self.machine, ev);
        }
        self.superslab.apply(&mut self.machine, ev);
        if let Some(p) = &mut self.percpu {
            p.apply(ev);
        }
        self.bindings.apply(ev);
    }

    /// The name of slab cache `id` in the active slab policy.
    pub fn cache_name(&self, id: u32) -> String {
        match (&self.aether, &self.classic) {
            (Some(a), _) => a.cache_name(id).to_string(),
            (_, Some(c)) => c.cache_name(id).to_string(),
            _ => self.slub.cache_name(id).to_string(),
        }
    }

    fn slub_parts(&mut self) -> (&mut Slub, PageCtx<'_>) {
        let Sim { machine, buddy, pcp, slub, .. } = self;
        (slub, PageCtx { machine, buddy, pcp })
    }

    fn classic_parts(&mut self) -> (&mut ClassicSlab, PageCtx<'_>) {
        let Sim { machine, buddy, pcp, classic, .. } = self;
        (classic.as_mut().expect("classic policy"), PageCtx { machine, buddy, pcp })
    }

    fn classic_alloc(&mut self, cache: u32, cpu: u16, out: &mut dyn EventSink) -> Result<u64, OpError> {
        let node = self.config().node_of_cpu(cpu);
        let c = self.classic.as_ref().expect("classic policy");
        if c.needs_grow(&self.machine, cache, cpu) {
            let order = c.caches()[cache as usize].order;
            if !self.pages().can_alloc(node, cpu, order) {
                return Err(OpError::OutOfMemory { order });
            }
        }
        let (c, mut pages) = self.classic_parts();
        c.alloc(&mut pages, cache, cpu, out)
    }

    fn aether_parts(&mut self) -> (&mut AetherEngine, PageCtx<'_>) {
        let Sim { machine, buddy, pcp, aether, .. } = self;
        (aether.as_mut().expect("aether policy"), PageCtx { machine, buddy, pcp })
    }

    fn aether_alloc(&mut self, cache: u32, cpu: u16, out: &mut dyn EventSink) -> Result<u64, OpError> {
        let node = self.config().node_of_cpu(cpu);
        let a = self.aether.as_ref().expect("aether policy");
        if a.needs_new_slab(cache, cpu) {
            let order = a.caches()[cache as usize].order;
            if !self.pages().can_alloc(node, cpu, order) {
                return Err(OpError::OutOfMemory { order });
            }
        }
        let (a, mut pages) = self.aether_parts();
        a.alloc(&mut pages, cache, cpu, out).map_err(|e| aether_error(e, ""))
    }

    fn emit(&mut self, out: &mut dyn EventSink, ev: Event) {
        self.apply(&ev);
        out.emit(ev);
    }

    fn unknown(&self, name: Sym, names: &Names) -> OpError {
        let bound: Vec<&str> = self.bindings.syms().map(|s| names.name(s)).collect();
        let text = names.name(name);
        OpError::UnknownName { name: text.to_string(), suggestion: suggest(text, bound) }
    }

    fn check_cpu(&self, cpu: Option<u16>) -> Result<u16, OpError> {
        let cpu = cpu.unwrap_or(0);
        if cpu >= self.config().cpus {
            return Err(OpError::BadCpu { cpu: u64::from(cpu), cpus: self.config().cpus });
        }
        Ok(cpu)
    }

    fn check_node(&self, node: Option<u8>) -> Result<Option<u8>, OpError> {
        let nodes = self.config().nodes;
        match node {
            Some(n) if n >= nodes => Err(OpError::BadNode { node: u64::from(n), nodes }),
            n => Ok(n),
        }
    }

    /// Check that `target` can take a new value: (name, append to list).
    fn check_target(&self, target: Target, names: &Names) -> Result<(Sym, bool), OpError> {
        let (name, list) = match target {
            Target::Name { name } => (name, false),
            Target::Append { name } => (name, true),
        };
        let text = || names.name(name).to_string();
        match (self.bindings.get(name), list) {
            (Some(Binding::One(_)), false) => Err(OpError::NameInUse { name: text() }),
            (Some(Binding::One(_)), true) => Err(OpError::NotAList { name: text() }),
            (Some(Binding::List(_)), false) => Err(OpError::IsAList { name: text() }),
            _ => Ok((name, list)),
        }
    }

    /// Like `resolve`, also checking every value's kind.
    fn resolve_kind(
        &self,
        what: Ref,
        names: &Names,
        expected: &'static str,
        ok: impl Fn(&Value) -> bool,
    ) -> Result<Vec<(Option<u32>, Value)>, OpError> {
        let values = self.resolve(what, names)?;
        if values.iter().any(|(_, v)| !ok(v)) {
            return Err(OpError::WrongKind { name: names.name(what.name()).to_string(), expected });
        }
        Ok(values)
    }

    /// `krealloc`: in place when the new size fits the object (`ksize`), else a new kmalloc
    /// object, a copy, and a free of the old one; the name follows the object.
    #[allow(clippy::too_many_arguments)]
    fn krealloc(
        &mut self,
        what: Sym,
        size: u32,
        cpu: Option<u16>,
        zero: bool,
        names: &Names,
        site: u32,
        out: &mut dyn EventSink,
    ) -> Result<(), OpError> {
        let cpu = self.check_cpu(cpu)?;
        let text = || names.name(what).to_string();
        let (cache, addr) = match self.bindings.get(what) {
            Some(Binding::One(Value::Object { cache, addr })) => (*cache, *addr),
            Some(Binding::List(_)) => return Err(OpError::IsAList { name: text() }),
            Some(_) => return Err(OpError::WrongKind { name: text(), expected: "a kmalloc object" }),
            None => return Err(self.unknown(what, names)),
        };
        if size == 0 || size > KMALLOC_MAX_CACHE_SIZE {
            return Err(OpError::BadSize { size: u64::from(size), max: u64::from(KMALLOC_MAX_CACHE_SIZE) });
        }
        if self.aether.is_some() || self.classic.is_some() {
            return Err(OpError::NotForPolicy { what: "krealloc", policy: "slab or aether" });
        }
        let ks = self.slub.cache(cache).layout.object_size;
        let old = self.slub.orig_size(&self.machine, cache, addr);
        if size <= ks {
            let ev = Event::KreallocInPlace { cache, addr, old_size: old, new_size: size, zero };
            self.emit(out, ev);
            return Ok(());
        }
        let new_cache = self.slub.cache_by_name(kmalloc_name(size)).expect("kmalloc caches exist from boot");
        let new = self.slab_alloc(new_cache, cpu, None, size, site, out)?;
        if zero {
            self.emit(
                out,
                Event::KreallocInPlace { cache: new_cache, addr: new, old_size: 0, new_size: size, zero: true },
            );
        }
        self.emit(out, Event::ObjectCopied { from: addr, to: new, len: old.min(size) });
        let (slub, mut pages) = self.slub_parts();
        slub.free(&mut pages, cache, cpu, addr, site, out);
        self.emit(out, Event::Unbound { name: what, index: None });
        self.emit(out, Event::Bound { name: what, list: false, value: Value::Object { cache: new_cache, addr: new } });
        Ok(())
    }

    /// Free validated values and unbind them.
    fn free_values(
        &mut self,
        what: Ref,
        cpu: u16,
        values: Vec<(Option<u32>, Value)>,
        site: u32,
        out: &mut dyn EventSink,
    ) {
        if values.is_empty() {
            self.emit(out, Event::ListEmpty { name: what.name() });
        }
        for (index, value) in values {
            match value {
                Value::Pages { pfn, .. } | Value::Large { pfn, .. } => self.free_pages(cpu, pfn, out),
                Value::Tiny { .. } => unreachable!("kinds are checked before freeing"),
                Value::Object { cache, addr } if self.classic.is_some() => {
                    let (c, mut pages) = self.classic_parts();
                    c.free(&mut pages, cache, cpu, addr, out);
                }
                Value::Object { cache, addr } if self.aether.is_some() => {
                    let (a, mut pages) = self.aether_parts();
                    a.free(&mut pages, cache, cpu, addr, out);
                }
                Value::Object { cache, addr } => {
                    let Sim { machine, buddy, pcp, slub, percpu, .. } = self;
                    let mut pages = PageCtx { machine, buddy, pcp };
                    match percpu.as_mut() {
                        Some(p) => p.free(slub, &mut pages, cache, cpu, addr, site, out),
                        None => slub.free(&mut pages, cache, cpu, addr, site, out),
                    }
                }
            }
            self.emit(out, Event::Unbound { name: what.name(), index });
        }
    }

    /// Allocate an object from a SLUB cache; fails without change when a new slab is needed and
    /// the page allocator cannot provide one.
    fn slab_alloc(
        &mut self,
        cache: u32,
        cpu: u16,
        node: Option<u8>,
        orig_size: u32,
        site: u32,
        out: &mut dyn EventSink,
    ) -> Result<u64, OpError> {
        let pref = node.unwrap_or_else(|| self.config().node_of_cpu(cpu));
        let misses = self.percpu.as_ref().is_none_or(|p| node.is_some() || p.will_miss(cache, cpu, pref));
        if misses && self.slub.needs_new_slab(&self.machine, cache, cpu, node) {
            let min_order = self.slub.cache(cache).min_order;
            if !self.pages().can_alloc(pref, cpu, min_order) {
                return Err(OpError::OutOfMemory { order: min_order });
            }
        }
        let Sim { machine, buddy, pcp, slub, percpu, .. } = self;
        let mut pages = PageCtx { machine, buddy, pcp };
        if let (Some(p), None) = (percpu.as_mut(), node) {
            return p.alloc(slub, &mut pages, cache, cpu, crate::slub::Site { line: site, orig_size }, out);
        }
        slub.alloc(&mut pages, cache, cpu, node, crate::slub::Site { line: site, orig_size }, out)
    }

    /// Values (with their list index, `None` for a single binding) a reference denotes.
    fn resolve(&self, what: Ref, names: &Names) -> Result<Vec<(Option<u32>, Value)>, OpError> {
        let name = what.name();
        let text = || names.name(name).to_string();
        let b = match self.bindings.get(name) {
            Some(b) => b,
            None => {
                return Err(match (what, self.bindings.dangling(name)) {
                    (Ref::Name { .. }, Some(Value::Object { cache, addr })) => OpError::DoubleFree {
                        name: text(),
                        addr,
                        debug: self.slub.cache(cache).flags.has(crate::slab_layout::CacheFlags::CHECKS),
                    },
                    (Ref::Name { .. }, Some(Value::Tiny { addr })) => {
                        OpError::DoubleFree { name: text(), addr, debug: false }
                    }
                    (Ref::Name { .. }, Some(Value::Pages { pfn, .. } | Value::Large { pfn, .. })) => {
                        OpError::DoublePageFree { name: text(), pfn }
                    }
                    _ => self.unknown(name, names),
                })
            }
        };
        match (what, b) {
            (Ref::Name { .. }, Binding::One(v)) => Ok(vec![(None, *v)]),
            (Ref::Name { .. }, Binding::List(_)) => Err(OpError::IsAList { name: text() }),
            (_, Binding::One(_)) => Err(OpError::NotAList { name: text() }),
            (Ref::Index { index, .. }, Binding::List(v)) => match v.get(index as usize) {
                Some(val) => Ok(vec![(Some(index), *val)]),
                None => Err(OpError::IndexOutOfRange { name: text(), index, len: v.len() }),
            },
            // Freed from the front, each element is index 0 when it goes.
            (Ref::All { .. }, Binding::List(v)) => Ok(v.iter().map(|val| (Some(0), *val)).collect()),
        }
    }

    /// Execute one op. On error nothing has changed and no event was emitted.
    pub fn exec(&mut self, op: &Op, names: &Names, out: &mut dyn EventSink) -> Result<(), OpError> {
        self.exec_at(op, names, 0, out)
    }

    /// Execute one op from script line `site` (recorded as the allocation/free site, as the
    /// kernel records a caller address). On error nothing has changed.
    pub fn exec_at(&mut self, op: &Op, names: &Names, site: u32, out: &mut dyn EventSink) -> Result<(), OpError> {
        match *op {
            Op::PagesAlloc { order, node, cpu, target } => {
                if order > MAX_PAGE_ORDER {
                    return Err(OpError::BadOrder { order: u64::from(order) });
                }
                let cpu = self.check_cpu(cpu)?;
                let nodes = self.config().nodes;
                let node = match node {
                    Some(n) if n >= nodes => return Err(OpError::BadNode { node: u64::from(n), nodes }),
                    Some(n) => n,
                    None => self.config().node_of_cpu(cpu),
                };
                let (name, list) = match target {
                    Target::Name { name } => (name, false),
                    Target::Append { name } => (name, true),
                };
                match (self.bindings.get(name), list) {
                    (Some(Binding::One(_)), false) => return Err(OpError::NameInUse { name: names.name(name).into() }),
                    (Some(Binding::One(_)), true) => return Err(OpError::NotAList { name: names.name(name).into() }),
                    (Some(Binding::List(_)), false) => return Err(OpError::IsAList { name: names.name(name).into() }),
                    _ => {}
                }
                let owner = Owner::Pages { name };
                let pfn = self.alloc_pages(node, cpu, order, owner, out)?;
                self.emit(out, Event::Bound { name, list, value: Value::Pages { pfn, order } });
                Ok(())
            }
            Op::PagesFree { what, cpu } => {
                let cpu = self.check_cpu(cpu)?;
                let values =
                    self.resolve_kind(what, names, "a block from `pages alloc`", |v| matches!(v, Value::Pages { .. }))?;
                self.free_values(what, cpu, values, site, out);
                Ok(())
            }
            Op::Kmalloc { size, cpu, node, target } => {
                let cpu = self.check_cpu(cpu)?;
                let node = self.check_node(node)?;
                if size == 0 || u64::from(size) > KMALLOC_MAX_SIZE {
                    return Err(OpError::BadSize { size: u64::from(size), max: KMALLOC_MAX_SIZE });
                }
                let (name, list) = self.check_target(target, names)?;
                let value = if size <= KMALLOC_MAX_CACHE_SIZE && self.classic.is_some() {
                    let cache =
                        self.classic.as_ref().expect("classic").kmalloc_cache(size).expect("kmalloc caches exist");
                    let addr = self.classic_alloc(cache, cpu, out)?;
                    Value::Object { cache, addr }
                } else if size <= KMALLOC_MAX_CACHE_SIZE && self.aether.is_some() {
                    let cache = self.aether.as_ref().expect("aether").class_for(size).expect("size classes exist");
                    let addr = self.aether_alloc(cache, cpu, out)?;
                    Value::Object { cache, addr }
                } else if size <= KMALLOC_MAX_CACHE_SIZE {
                    let cache = self.slub.cache_by_name(kmalloc_name(size)).expect("kmalloc caches exist from boot");
                    let addr = self.slab_alloc(cache, cpu, node, size, site, out)?;
                    Value::Object { cache, addr }
                } else {
                    let order = get_order(u64::from(size));
                    let pref = node.unwrap_or_else(|| self.config().node_of_cpu(cpu));
                    let pfn = self.pages().alloc(pref, cpu, order, Owner::Large { name }, out)?;
                    Value::Large { pfn, order }
                };
                self.emit(out, Event::Bound { name, list, value });
                Ok(())
            }
            Op::Krealloc { what, size, cpu, zero } => self.krealloc(what, size, cpu, zero, names, site, out),
            Op::Malloc { size, thread, target } => {
                let class =
                    crate::superslab::class_of(size).ok_or(OpError::BadSize { size: u64::from(size), max: 64 })?;
                let (name, list) = self.check_target(target, names)?;
                if self.superslab.needs_birth(class, thread) {
                    let cpu = thread % self.config().cpus;
                    let node = self.config().node_of_cpu(cpu);
                    if !self.pages().can_alloc(node, cpu, crate::superslab::SUPERSLAB_ORDER) {
                        return Err(OpError::OutOfMemory { order: crate::superslab::SUPERSLAB_ORDER });
                    }
                }
                let Sim { machine, buddy, pcp, superslab, .. } = self;
                let mut pages = PageCtx { machine, buddy, pcp };
                let addr = superslab.malloc(&mut pages, size, thread, out)?;
                self.emit(out, Event::Bound { name, list, value: Value::Tiny { addr } });
                Ok(())
            }
            Op::Free { what, thread } => {
                let values =
                    self.resolve_kind(what, names, "a block from `malloc`", |v| matches!(v, Value::Tiny { .. }))?;
                if values.is_empty() {
                    self.emit(out, Event::ListEmpty { name: what.name() });
                }
                for (index, value) in values {
                    if let Value::Tiny { addr } = value {
                        let Sim { machine, buddy, pcp, superslab, .. } = self;
                        let mut pages = PageCtx { machine, buddy, pcp };
                        superslab.free(&mut pages, addr, thread, out);
                    }
                    self.emit(out, Event::Unbound { name: what.name(), index });
                }
                Ok(())
            }
            Op::Kfree { what, cpu } => {
                let cpu = self.check_cpu(cpu)?;
                let values = self.resolve_kind(what, names, "a kmalloc allocation", |v| {
                    matches!(v, Value::Object { .. } | Value::Large { .. })
                })?;
                self.free_values(what, cpu, values, site, out);
                Ok(())
            }
            Op::CacheCreate { name, size, align, flags } if self.classic.is_some() => {
                let label = names.name(name).to_string();
                let (c, pages) = self.classic_parts();
                c.create_cache(pages.machine, &label, size, align, flags, out)?;
                Ok(())
            }
            Op::CacheAlloc { cache, cpu, target, .. } if self.classic.is_some() => {
                let cpu = self.check_cpu(cpu)?;
                let label = names.name(cache);
                let id = self
                    .classic
                    .as_ref()
                    .expect("classic")
                    .cache_by_name(label)
                    .ok_or_else(|| OpError::UnknownCache { name: label.to_string(), suggestion: None })?;
                let (name, list) = self.check_target(target, names)?;
                let addr = self.classic_alloc(id, cpu, out)?;
                self.emit(out, Event::Bound { name, list, value: Value::Object { cache: id, addr } });
                Ok(())
            }
            Op::CacheDestroy { name } if self.classic.is_some() => {
                let label = names.name(name).to_string();
                let (c, mut pages) = self.classic_parts();
                let id = c
                    .cache_by_name(&label)
                    .ok_or_else(|| OpError::UnknownCache { name: label.clone(), suggestion: None })?;
                c.destroy_cache(&mut pages, id, &label, out)
            }
            Op::Shrink if self.classic.is_some() => {
                let (c, mut pages) = self.classic_parts();
                let bytes = c.shrink_all(&mut pages, out);
                self.emit(out, Event::Shrunk { bytes });
                Ok(())
            }
            Op::Reap if self.classic.is_some() => {
                let (c, mut pages) = self.classic_parts();
                c.reap(&mut pages, out);
                self.emit(out, Event::Shown { what: ShowWhat::Slabinfo });
                Ok(())
            }
            Op::Reap if self.percpu.as_ref().is_some_and(|p| p.design == Design::Magazine) => {
                let Sim { machine, buddy, pcp, slub, percpu, .. } = self;
                let mut pages = PageCtx { machine, buddy, pcp };
                percpu.as_mut().expect("magazines").reap(slub, &mut pages, out);
                self.emit(out, Event::Shown { what: ShowWhat::Stats });
                Ok(())
            }
            Op::Reap => {
                let policy = match self.config().slab {
                    SlabPolicy::Aether => "aether",
                    SlabPolicy::Sheaves => "sheaves",
                    SlabPolicy::Slab => "slab",
                    SlabPolicy::Slub => "slub (without percpu=magazine)",
                };
                Err(OpError::NotForPolicy { what: "reap (classic SLAB and magazines only)", policy })
            }
            Op::CacheValidate { .. } | Op::ShowSysfs { .. } if self.classic.is_some() => {
                Err(OpError::NotForPolicy { what: "slub_debug validation and sysfs", policy: "slab" })
            }
            Op::CacheCreate { name, size, align, flags } if self.aether.is_some() => {
                let label = names.name(name).to_string();
                let (a, pages) = self.aether_parts();
                a.create_cache(pages.machine, &label, size, align, flags, out).map_err(|e| aether_error(e, &label))?;
                Ok(())
            }
            Op::CacheAlloc { cache, cpu, target, .. } if self.aether.is_some() => {
                let cpu = self.check_cpu(cpu)?;
                let label = names.name(cache);
                let a = self.aether.as_ref().expect("aether");
                let id = a.cache_by_name(label).ok_or_else(|| aether_error(AetherError::UnknownCache, label))?;
                let (name, list) = self.check_target(target, names)?;
                let addr = self.aether_alloc(id, cpu, out)?;
                self.emit(out, Event::Bound { name, list, value: Value::Object { cache: id, addr } });
                Ok(())
            }
            Op::CacheDestroy { name } if self.aether.is_some() => {
                let label = names.name(name).to_string();
                let (a, mut pages) = self.aether_parts();
                let id = a.cache_by_name(&label).ok_or_else(|| aether_error(AetherError::UnknownCache, &label))?;
                a.destroy_cache(&mut pages, id, out).map_err(|e| aether_error(e, &label))
            }
            Op::Shrink if self.aether.is_some() => {
                let (a, mut pages) = self.aether_parts();
                let bytes = a.emergency_shrink(&mut pages, out);
                self.emit(out, Event::Shrunk { bytes });
                Ok(())
            }
            Op::CacheValidate { .. } | Op::ShowSysfs { .. } if self.aether.is_some() => {
                Err(OpError::NotForPolicy { what: "slub_debug validation and sysfs", policy: "aether" })
            }
            Op::CacheCreate { name, size, align, flags } => {
                let label = names.name(name).to_string();
                let Sim { machine, slub, .. } = self;
                slub.create_cache(machine, name, &label, size, align, flags, out)?;
                Ok(())
            }
            Op::CacheAlloc { cache, cpu, node, target } => {
                let cpu = self.check_cpu(cpu)?;
                let node = self.check_node(node)?;
                let label = names.name(cache);
                let id = self.slub.cache_by_name(label).ok_or_else(|| self.slub.unknown_cache(label))?;
                let (name, list) = self.check_target(target, names)?;
                let orig = self.slub.cache(id).layout.object_size;
                let addr = self.slab_alloc(id, cpu, node, orig, site, out)?;
                self.emit(out, Event::Bound { name, list, value: Value::Object { cache: id, addr } });
                Ok(())
            }
            Op::CacheFree { what, cpu } => {
                let cpu = self.check_cpu(cpu)?;
                let values = self.resolve_kind(what, names, "a slab object", |v| matches!(v, Value::Object { .. }))?;
                self.free_values(what, cpu, values, site, out);
                Ok(())
            }
            Op::ShowSysfs { cache } => {
                let label = names.name(cache);
                self.slub.cache_by_name(label).ok_or_else(|| self.slub.unknown_cache(label))?;
                self.emit(out, Event::Shown { what: ShowWhat::Sysfs });
                Ok(())
            }
            Op::Shrink => {
                let (slub, mut pages) = self.slub_parts();
                let bytes = slub.shrink_all(&mut pages, out);
                self.emit(out, Event::Shrunk { bytes });
                Ok(())
            }
            Op::CacheValidate { name } => {
                let label = names.name(name);
                let id = self.slub.cache_by_name(label).ok_or_else(|| self.slub.unknown_cache(label))?;
                let (slub, mut pages) = self.slub_parts();
                slub.validate(&mut pages, id, out);
                Ok(())
            }
            Op::Write { what, offset, len, byte } => {
                let value = match self.bindings.get(what) {
                    Some(Binding::One(v)) => *v,
                    Some(Binding::List(_)) => return Err(OpError::IsAList { name: names.name(what).into() }),
                    None => self.bindings.dangling(what).ok_or_else(|| self.unknown(what, names))?,
                };
                let base = match value {
                    Value::Object { addr, .. } => addr,
                    Value::Pages { pfn, .. } | Value::Large { pfn, .. } => crate::slub::virt(u64::from(pfn) << 12),
                    Value::Tiny { addr } => addr,
                };
                let addr = base.wrapping_add_signed(i64::from(offset));
                let end = crate::slub::phys(addr).checked_add(u64::from(len));
                if end.is_none_or(|e| e > self.config().mem_bytes) {
                    return Err(OpError::OutsideMemory { addr });
                }
                self.emit(out, Event::BytesWritten { addr, len, byte });
                Ok(())
            }
            Op::CacheDestroy { name } => {
                let label = names.name(name).to_string();
                let (slub, mut pages) = self.slub_parts();
                slub.destroy_cache(&mut pages, &label, name, out)
            }
            Op::Show { what } => {
                self.emit(out, Event::Shown { what });
                Ok(())
            }
        }
    }

    /// The page layer (machine, buddy, pcp) as one borrow, for layers above it.
    pub fn pages(&mut self) -> PageCtx<'_> {
        PageCtx { machine: &mut self.machine, buddy: &mut self.buddy, pcp: &mut self.pcp }
    }

    /// See [`PageCtx::alloc`].
    pub fn alloc_pages(
        &mut self,
        node: u8,
        cpu: u16,
        order: u8,
        owner: Owner,
        out: &mut dyn EventSink,
    ) -> Result<u32, OpError> {
        self.pages().alloc(node, cpu, order, owner, out)
    }

    /// See [`PageCtx::free`].
    pub fn free_pages(&mut self, cpu: u16, pfn: u32, out: &mut dyn EventSink) {
        self.pages().free(cpu, pfn, out)
    }

    /// Check every layer's invariants, plus the bindings.
    pub fn check(&self) -> Result<(), String> {
        self.machine.check()?;
        self.buddy.check(&self.machine)?;
        if let Some(p) = &self.pcp {
            p.check(&self.machine)?;
        }
        self.slub.check(&self.machine)?;
        if let Some(a) = &self.aether {
            a.check(&self.machine)?;
        }
        if let Some(c) = &self.classic {
            c.check(&self.machine)?;
        }
        self.superslab.check(&self.machine)?;
        if let Some(p) = &self.percpu {
            p.check(&self.machine)?;
        }
        for (sym, b) in self.bindings.iter() {
            let vals: Vec<Value> = match b {
                Binding::One(v) => vec![*v],
                Binding::List(v) => v.iter().copied().collect(),
            };
            for v in vals {
                let (pfn, order, owner) = match v {
                    Value::Pages { pfn, order } => (pfn, order, Owner::Pages { name: sym }),
                    Value::Large { pfn, order } => (pfn, order, Owner::Large { name: sym }),
                    Value::Tiny { addr } => {
                        if !self.slub.tainted && !self.superslab.is_live(&self.machine, addr) {
                            return Err(format!("binding {sym} -> tiny block {addr:#x} which is not allocated"));
                        }
                        continue;
                    }
                    Value::Object { cache, addr } => {
                        let live = match (&self.aether, &self.classic) {
                            (Some(a), _) => a.is_live(&self.machine, cache, addr),
                            (_, Some(c)) => c.is_live(&self.machine, cache, addr),
                            _ => {
                                self.slub.tainted
                                    || (self.slub.is_live(&self.machine, cache, addr)
                                        && !self.percpu.as_ref().is_some_and(|p| p.holds(cache, addr)))
                            }
                        };
                        if !live {
                            return Err(format!("binding {sym} -> object {addr:#x} which is not allocated"));
                        }
                        continue;
                    }
                };
                let f = self.machine.frame(pfn);
                if f.kind != (FrameKind::Used { owner }) || f.order != order {
                    return Err(format!("binding {sym} -> pfn {pfn} order {order}, but the frame is {f:?}"));
                }
            }
        }
        Ok(())
    }

    /// Summary statistics.
    pub fn stats(&self) -> Stats {
        let mut nr_free = vec![0u64; NR_PAGE_ORDERS];
        for z in self.buddy.zones() {
            for (o, a) in z.free_area.iter().enumerate() {
                nr_free[o] += a.nr_free;
            }
        }
        let free_pages: u64 = nr_free.iter().enumerate().map(|(o, n)| n << o).sum();
        let pcp_pages: u64 =
            self.pcp.as_ref().map_or(0, |p| (0..self.config().nodes).map(|n| p.pages_on_node(n)).sum());
        let total = u64::from(self.machine.total_pages());
        let unusable_index = (0..NR_PAGE_ORDERS)
            .map(|j| {
                if free_pages == 0 {
                    return 0.0;
                }
                let suitable: u64 = nr_free[j..].iter().enumerate().map(|(i, n)| n << (i + j)).sum();
                (free_pages - suitable) as f64 / free_pages as f64
            })
            .collect();
        Stats {
            total_pages: total,
            free_pages,
            pcp_pages,
            used_pages: total - free_pages - pcp_pages,
            nr_free,
            unusable_index,
        }
    }

    /// The text a `show` op prints, in kernel formats where there is one.
    pub fn show(&self, what: ShowWhat) -> String {
        match what {
            ShowWhat::Buddyinfo => self.buddy.buddyinfo(),
            ShowWhat::Slabinfo => match (&self.aether, &self.classic) {
                (Some(a), _) => a.report(),
                (_, Some(c)) => c.slabinfo(),
                _ => self.slub.slabinfo(),
            },
            ShowWhat::Leaks => self.slub.leak_report(),
            ShowWhat::Slabs => self.slub.slabinfo_tool(),
            ShowWhat::Superslabs => self.superslab.report(),
            ShowWhat::Sysfs => String::new(),
            ShowWhat::Stats => {
                let s = self.stats();
                let mut t = format!(
                    "pages: total {} free {} pcp {} used {}\n",
                    s.total_pages, s.free_pages, s.pcp_pages, s.used_pages
                );
                t.push_str("unusable_index:");
                for u in &s.unusable_index {
                    t.push_str(&format!(" {u:.3}"));
                }
                t.push('\n');
                t
            }
        }
    }
}

/// The two header lines of `/proc/slabinfo` (`print_slabinfo_header`, without SLAB debug stats).
pub fn slabinfo_header() -> String {
    "slabinfo - version: 2.1\n# name            <active_objs> <num_objs> <objsize> <objperslab> <pagesperslab> : tunables <limit> <batchcount> <sharedfactor> : slabdata <active_slabs> <num_slabs> <sharedavail>\n".to_string()
}

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

/// Map an AetherOS error to an op error (`label`: the cache name involved, if any).
fn aether_error(e: AetherError, label: &str) -> OpError {
    match e {
        AetherError::InvalidSize { size } => OpError::BadSize { size: size as u64, max: 8192 },
        AetherError::InvalidAlign { align } => OpError::BadAlign { align: align as u32 },
        AetherError::OutOfMemory => OpError::OutOfMemory { order: 0 },
        AetherError::UnknownCache => OpError::UnknownCache { name: label.to_string(), suggestion: None },
        AetherError::DuplicateName => OpError::CacheExists { name: label.to_string() },
        AetherError::CacheBusy { live } => OpError::CacheBusy { name: label.to_string(), live },
        AetherError::InvalidFree { addr } => {
            OpError::DoubleFree { name: label.to_string(), addr: addr as u64, debug: false }
        }
    }
}
