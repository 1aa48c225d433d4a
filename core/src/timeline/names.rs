//! Names from the op language: the interner ([`Names`]) and the bindings of names to allocated
//! values ([`Bindings`]), which are part of the simulated state (they travel in time with it).
//!
//! Invariants ([`Bindings::check`] in [`crate::sim::Sim::check`]): every bound page value is the
//! head of a used block of that order owned by that name.

use std::collections::{BTreeMap, HashMap, VecDeque};

use serde::{Deserialize, Serialize};

use crate::event::{Event, Sym};

/// Interns names so that ops and events carry small ids.
#[derive(Clone, Debug, Default)]
pub struct Names {
    names: Vec<String>,
    index: HashMap<String, Sym>,
}

impl Names {
    /// The id of `name`, adding it if new.
    pub fn intern(&mut self, name: &str) -> Sym {
        if let Some(&s) = self.index.get(name) {
            return s;
        }
        let s = self.names.len() as Sym;
        self.names.push(name.to_string());
        self.index.insert(name.to_string(), s);
        s
    }
    /// The id of `name` if known.
    pub fn get(&self, name: &str) -> Option<Sym> {
        self.index.get(name).copied()
    }
    /// The text of `sym` (`?` for an unknown id).
    pub fn name(&self, sym: Sym) -> &str {
        self.names.get(sym as usize).map_or("?", String::as_str)
    }
    /// Number of names.
    pub fn len(&self) -> usize {
        self.names.len()
    }
    /// True when empty.
    pub fn is_empty(&self) -> bool {
        self.names.is_empty()
    }
}

/// What a name can be bound to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Value {
    /// A block of pages from `pages alloc`.
    Pages { pfn: u32, order: u8 },
    /// A slab object (`kmalloc`, `cache alloc`), by direct-map address.
    Object { cache: u32, addr: u64 },
    /// A large kmalloc (above 8 KiB): pages straight from the page allocator.
    Large { pfn: u32, order: u8 },
    /// A tiny block from the SuperSlab allocator (`malloc`).
    Tiny { addr: u64 },
}

/// A name's binding: one value, or a list (`as=p[]`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Binding {
    /// `as=NAME`.
    One(Value),
    /// `as=NAME[]`, appended in order (a deque: `NAME[*]` frees from the front).
    List(VecDeque<Value>),
}

/// All live bindings.
///
/// Names are interned densely (`Names` hands out 0, 1, 2, …), so bindings live in a table
/// indexed by the name id (one slot per name: its binding and its dangling value); an id far
/// past the table (possible only from a hand-made op) goes to a sparse map instead, so no input
/// can make the table huge. Replaying a trace binds and unbinds a name per op: a table index
/// instead of two ordered-map updates (s6-tracec, issue #18). Invariant: every sparse key is at
/// or above `dense.len()`.
#[derive(Clone, Debug, Default)]
pub struct Bindings {
    dense: Vec<Slot>,
    sparse: BTreeMap<Sym, Slot>,
}

/// One name's state: bound (`bound`), and/or the freed value it last held (a dangling
/// pointer, kept so scripts can demonstrate use-after-free writes and double frees).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
struct Slot {
    bound: Option<Binding>,
    dangling: Option<Value>,
}

/// Slots the dense table may grow by beyond twice its length for one new name.
const DENSE_SLACK: usize = 4096;

impl PartialEq for Bindings {
    fn eq(&self, other: &Bindings) -> bool {
        let slots = |b: &Bindings| -> Vec<(Sym, Slot)> {
            b.slots().filter(|(_, s)| s.bound.is_some() || s.dangling.is_some()).map(|(k, s)| (k, s.clone())).collect()
        };
        slots(self) == slots(other)
    }
}

impl Eq for Bindings {}

impl Bindings {
    fn slot(&self, sym: Sym) -> Option<&Slot> {
        match self.dense.get(sym as usize) {
            Some(s) => Some(s),
            None => self.sparse.get(&sym),
        }
    }
    fn slot_mut(&mut self, sym: Sym) -> &mut Slot {
        let i = sym as usize;
        if i >= self.dense.len() && i < 2 * self.dense.len() + DENSE_SLACK {
            let grown = (i + 1).max(self.dense.len() * 3 / 2);
            let mut moved = self.sparse.split_off(&u32::try_from(grown).unwrap_or(u32::MAX));
            std::mem::swap(&mut moved, &mut self.sparse);
            self.dense.resize_with(grown, Slot::default);
            for (k, v) in moved {
                self.dense[k as usize] = v;
            }
        }
        match self.dense.get_mut(i) {
            Some(s) => s,
            None => self.sparse.entry(sym).or_default(),
        }
    }
    /// Every slot, in name-id order.
    fn slots(&self) -> impl Iterator<Item = (Sym, &Slot)> {
        self.dense.iter().enumerate().map(|(k, s)| (k as Sym, s)).chain(self.sparse.iter().map(|(&k, s)| (k, s)))
    }
    /// The binding of `sym`.
    pub fn get(&self, sym: Sym) -> Option<&Binding> {
        self.slot(sym)?.bound.as_ref()
    }
    /// The freed value a name last held (a dangling pointer), if it is not bound now.
    pub fn dangling(&self, sym: Sym) -> Option<Value> {
        self.slot(sym)?.dangling
    }
    /// All bindings in name-id order.
    pub fn iter(&self) -> impl Iterator<Item = (Sym, &Binding)> {
        self.slots().filter_map(|(s, slot)| Some((s, slot.bound.as_ref()?)))
    }
    /// Names that are bound (for suggestions).
    pub fn syms(&self) -> impl Iterator<Item = Sym> + '_ {
        self.iter().map(|(s, _)| s)
    }
    /// Apply a script-layer event.
    pub fn apply(&mut self, ev: &Event) {
        match *ev {
            Event::Bound { name, list: false, value } => {
                let slot = self.slot_mut(name);
                slot.dangling = None;
                slot.bound = Some(Binding::One(value));
            }
            Event::Bound { name, list: true, value } => {
                match self.slot_mut(name).bound.get_or_insert_with(|| Binding::List(VecDeque::new())) {
                    Binding::List(v) => v.push_back(value),
                    b @ Binding::One(_) => *b = Binding::List(VecDeque::from([value])),
                }
            }
            Event::Unbound { name, index: None } => {
                let slot = self.slot_mut(name);
                match slot.bound.take() {
                    Some(Binding::One(v)) => slot.dangling = Some(v),
                    // As a map removal would: the list binding is gone, nothing dangles.
                    Some(Binding::List(_)) | None => {}
                }
            }
            Event::Unbound { name, index: Some(i) } => {
                if let Some(Binding::List(v)) = self.slot_mut(name).bound.as_mut() {
                    if (i as usize) < v.len() {
                        v.remove(i as usize);
                    }
                }
            }
            _ => {}
        }
    }
    /// Approximate heap bytes (for checkpoint spacing).
    pub fn approx_bytes(&self) -> usize {
        self.iter()
            .map(|(_, b)| 48 + if let Binding::List(v) = b { v.len() * std::mem::size_of::<Value>() } else { 0 })
            .sum::<usize>()
            + self.slots().filter(|(_, s)| s.dangling.is_some()).count() * 48
    }
}
