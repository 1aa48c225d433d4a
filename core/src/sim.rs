//! The whole simulated system: machine + buddy allocator + optional pcp lists + name bindings.
//! [`Sim::exec`] runs one [`Op`], emitting micro-events that are applied as they are emitted;
//! [`Sim::apply`] applies one event, so any prefix of an op's events gives a valid intermediate
//! state. Ops validate everything before their first event: a failing op changes nothing.

use serde::{Deserialize, Serialize};

pub use crate::error::OpError;
pub use crate::page::ctx::PageCtx;
pub use crate::slab::slabinfo_header;

use crate::aether::AetherEngine;
use crate::buddy::Buddy;
use crate::event::{Event, EventSink, ShowWhat, Sym};
use crate::machine::{ConfigError, FrameKind, Machine, MachineConfig, Owner, MAX_PAGE_ORDER, NR_PAGE_ORDERS};
use crate::names::{Binding, Bindings, Names, Value};
use crate::op::{Op, Ref, Target};
use crate::pcp::Pcp;
use crate::percpu::PerCpu;
use crate::slab::classic::ClassicSlab;
use crate::slab::{ShownAfter, SlabAllocator};
use crate::slab_layout::{get_order, KMALLOC_MAX_CACHE_SIZE, KMALLOC_MAX_SIZE};
use crate::slub::Slub;
use crate::suggest::suggest;
use crate::superslab::SuperSlabs;

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

/// The values a reference denotes, each with its list index (`None` for a single binding): one
/// value without a heap allocation (a name, `NAME[i]`: every free of a replayed trace), or a
/// whole list (`NAME[*]`).
enum Values {
    One((Option<u32>, Value)),
    Many(Vec<(Option<u32>, Value)>),
}

impl Values {
    fn as_slice(&self) -> &[(Option<u32>, Value)] {
        match self {
            Values::One(v) => std::slice::from_ref(v),
            Values::Many(v) => v,
        }
    }
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
    /// The slab allocator of the configured policy (built from [`crate::slab::POLICIES`]):
    /// the one dispatch point for kmalloc and the cache ops.
    pub slab: Box<dyn SlabAllocator>,
    /// The SuperSlab allocator (`malloc`/`free`).
    pub superslab: SuperSlabs,
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
        let slab = crate::slab::policies::build(machine.config());
        let superslab = SuperSlabs::new(machine.config().superslab_release);
        Ok(Sim { machine, buddy, pcp, bindings: Bindings::default(), slab, superslab })
    }

    /// The configuration.
    pub fn config(&self) -> &MachineConfig {
        self.machine.config()
    }

    /// Apply one event (routes to every layer; each ignores the others' events).
    pub fn apply(&mut self, ev: &Event) {
        // Binding events (one or two per op of a replayed trace) concern the bindings alone: no
        // other layer's `apply` matches them, so they skip the fan-out.
        if let Event::Bound { .. } | Event::Unbound { .. } = ev {
            self.bindings.apply(ev);
            return;
        }
        self.machine.apply(ev);
        self.buddy.apply(&mut self.machine, ev);
        if let Some(p) = &mut self.pcp {
            p.apply(&mut self.machine, ev);
        }
        self.slab.apply(&mut self.machine, ev);
        self.superslab.apply(&mut self.machine, ev);
        self.bindings.apply(ev);
    }

    /// The name of slab cache `id` in the active slab policy.
    pub fn cache_name(&self, id: u32) -> String {
        self.slab.cache_name(id)
    }

    /// The engine of type `T` behind the slab policy (e.g. [`Slub`], [`ClassicSlab`],
    /// [`AetherEngine`], [`crate::slab::policies::FrontEnd`]), if that is what runs.
    pub fn engine<T: 'static>(&self) -> Option<&T> {
        crate::slab::engine(&*self.slab)
    }

    /// SLUB, when the policy is SLUB (possibly behind magazines or sheaves).
    pub fn slub(&self) -> Option<&Slub> {
        self.engine()
    }

    /// Classic SLAB, when `slab=slab`.
    pub fn classic(&self) -> Option<&ClassicSlab> {
        self.engine()
    }

    /// AetherOS, when `slab=aether`.
    pub fn aether(&self) -> Option<&AetherEngine> {
        self.engine()
    }

    /// The per-CPU front end (magazines or sheaves), when one runs.
    pub fn percpu(&self) -> Option<&PerCpu> {
        self.engine::<crate::slab::policies::FrontEnd>().map(|f| &f.front)
    }

    /// The slab allocator and the page layer, borrowed together.
    fn slab_parts(&mut self) -> (&mut dyn SlabAllocator, PageCtx<'_>) {
        let Sim { machine, buddy, pcp, slab, .. } = self;
        (&mut **slab, PageCtx { machine, buddy, pcp })
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
    ) -> Result<Values, OpError> {
        let values = self.resolve(what, names)?;
        if values.as_slice().iter().any(|(_, v)| !ok(v)) {
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
        let (ks, old) = self.slab.krealloc_sizes(&self.machine, cache, addr)?;
        if size <= ks {
            let ev = Event::KreallocInPlace { cache, addr, old_size: old, new_size: size, zero };
            self.emit(out, ev);
            return Ok(());
        }
        let new_cache = self.kmalloc_cache(size)?;
        let new = self.slab_alloc(new_cache, cpu, None, size, site, out)?;
        if zero {
            self.emit(
                out,
                Event::KreallocInPlace { cache: new_cache, addr: new, old_size: 0, new_size: size, zero: true },
            );
        }
        self.emit(out, Event::ObjectCopied { from: addr, to: new, len: old.min(size) });
        let (slab, mut pages) = self.slab_parts();
        slab.free(&mut pages, cache, cpu, addr, site, out);
        self.emit(out, Event::Unbound { name: what, index: None });
        self.emit(out, Event::Bound { name: what, list: false, value: Value::Object { cache: new_cache, addr: new } });
        Ok(())
    }

    /// The kmalloc cache of `size` bytes (<= `KMALLOC_MAX_CACHE_SIZE`).
    fn kmalloc_cache(&self, size: u32) -> Result<u32, OpError> {
        self.slab
            .kmalloc_cache(size)
            .ok_or(OpError::BadSize { size: u64::from(size), max: u64::from(KMALLOC_MAX_CACHE_SIZE) })
    }

    /// Free validated values and unbind them.
    fn free_values(&mut self, what: Ref, cpu: u16, values: Values, site: u32, out: &mut dyn EventSink) {
        if values.as_slice().is_empty() {
            self.emit(out, Event::ListEmpty { name: what.name() });
        }
        for &(index, value) in values.as_slice() {
            match value {
                Value::Pages { pfn, .. } | Value::Large { pfn, .. } => self.free_pages(cpu, pfn, out),
                Value::Tiny { .. } => unreachable!("kinds are checked before freeing"),
                Value::Object { cache, addr } => {
                    let (slab, mut pages) = self.slab_parts();
                    slab.free(&mut pages, cache, cpu, addr, site, out);
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
        if let Some(order) = self.slab.needs_pages(&self.machine, cache, cpu, node, orig_size) {
            if !self.pages().can_alloc(pref, cpu, order) {
                return Err(OpError::OutOfMemory { order });
            }
        }
        let (slab, mut pages) = self.slab_parts();
        slab.alloc(&mut pages, cache, cpu, node, crate::slub::Site { line: site, orig_size }, out)
    }

    /// Values (with their list index, `None` for a single binding) a reference denotes.
    fn resolve(&self, what: Ref, names: &Names) -> Result<Values, OpError> {
        let name = what.name();
        let text = || names.name(name).to_string();
        let b = match self.bindings.get(name) {
            Some(b) => b,
            None => {
                return Err(match (what, self.bindings.dangling(name)) {
                    (Ref::Name { .. }, Some(Value::Object { cache, addr })) => match self.slab.free_check(cache) {
                        Some(check) => OpError::DoubleFreeIn { name: text(), addr, check },
                        None => OpError::DoubleFree { name: text(), addr, debug: self.slab.debug_checks(cache) },
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
            (Ref::Name { .. }, Binding::One(v)) => Ok(Values::One((None, *v))),
            (Ref::Name { .. }, Binding::List(_)) => Err(OpError::IsAList { name: text() }),
            (_, Binding::One(_)) => Err(OpError::NotAList { name: text() }),
            (Ref::Index { index, .. }, Binding::List(v)) => match v.get(index as usize) {
                Some(val) => Ok(Values::One((Some(index), *val))),
                None => Err(OpError::IndexOutOfRange { name: text(), index, len: v.len() }),
            },
            // Freed from the front, each element is index 0 when it goes.
            (Ref::All { .. }, Binding::List(v)) => Ok(Values::Many(v.iter().map(|val| (Some(0), *val)).collect())),
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
                let value = if size <= KMALLOC_MAX_CACHE_SIZE {
                    let cache = self.kmalloc_cache(size)?;
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
                if values.as_slice().is_empty() {
                    self.emit(out, Event::ListEmpty { name: what.name() });
                }
                for &(index, value) in values.as_slice() {
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
            Op::CacheCreate { name, size, align, flags } => {
                let label = names.name(name).to_string();
                let Sim { machine, slab, .. } = self;
                slab.create_cache(machine, name, &label, size, align, flags, out)?;
                Ok(())
            }
            Op::CacheAlloc { cache, cpu, node, target } => {
                let cpu = self.check_cpu(cpu)?;
                let node = self.check_node(node)?;
                let label = names.name(cache);
                let id = self.slab.cache_by_name(label).ok_or_else(|| self.slab.unknown_cache(label))?;
                let (name, list) = self.check_target(target, names)?;
                let orig = self.slab.object_size(id);
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
                let id = self.slab.cache_by_name(label).ok_or_else(|| self.slab.unknown_cache(label))?;
                self.slab.sysfs(id)?;
                self.emit(out, Event::Shown { what: ShowWhat::Sysfs });
                Ok(())
            }
            Op::Shrink => {
                let (slab, mut pages) = self.slab_parts();
                let bytes = slab.shrink(&mut pages, out);
                self.emit(out, Event::Shrunk { bytes });
                Ok(())
            }
            Op::Reap => {
                let (slab, mut pages) = self.slab_parts();
                let shown = slab.reap(&mut pages, out)?;
                let what = match shown {
                    ShownAfter::Slabinfo => ShowWhat::Slabinfo,
                    ShownAfter::Stats => ShowWhat::Stats,
                };
                self.emit(out, Event::Shown { what });
                Ok(())
            }
            Op::CacheValidate { name } => {
                let label = names.name(name);
                let id = self.slab.cache_by_name(label).ok_or_else(|| self.slab.unknown_cache(label))?;
                let (slab, mut pages) = self.slab_parts();
                slab.validate(&mut pages, id, out)
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
                let (slab, mut pages) = self.slab_parts();
                slab.destroy_cache(&mut pages, name, &label, out)
            }
            Op::Show { what } => {
                self.emit(out, Event::Shown { what: what.into() });
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
        self.slab.check(&self.machine)?;
        self.superslab.check(&self.machine)?;
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
                        if !self.machine.tainted() && !self.superslab.is_live(&self.machine, addr) {
                            return Err(format!("binding {sym} -> tiny block {addr:#x} which is not allocated"));
                        }
                        continue;
                    }
                    Value::Object { cache, addr } => {
                        let live = self.slab.is_live(&self.machine, cache, addr);
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
            ShowWhat::Slabinfo => self.slab.slabinfo(),
            ShowWhat::Leaks => self.slab.leak_report(),
            ShowWhat::Slabs => self.slab.slabinfo_tool(),
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
