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
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Bindings {
    map: BTreeMap<Sym, Binding>,
    /// Names whose value was freed: dangling pointers, kept so scripts can demonstrate
    /// use-after-free writes and double frees.
    dangling: BTreeMap<Sym, Value>,
}

impl Bindings {
    /// The binding of `sym`.
    pub fn get(&self, sym: Sym) -> Option<&Binding> {
        self.map.get(&sym)
    }
    /// The freed value a name last held (a dangling pointer), if it is not bound now.
    pub fn dangling(&self, sym: Sym) -> Option<Value> {
        self.dangling.get(&sym).copied()
    }
    /// All bindings in name-id order.
    pub fn iter(&self) -> impl Iterator<Item = (Sym, &Binding)> {
        self.map.iter().map(|(&s, b)| (s, b))
    }
    /// Names that are bound (for suggestions).
    pub fn syms(&self) -> impl Iterator<Item = Sym> + '_ {
        self.map.keys().copied()
    }
    /// Apply a script-layer event.
    pub fn apply(&mut self, ev: &Event) {
        match *ev {
            Event::Bound { name, list: false, value } => {
                self.dangling.remove(&name);
                self.map.insert(name, Binding::One(value));
            }
            Event::Bound { name, list: true, value } => {
                match self.map.entry(name).or_insert_with(|| Binding::List(VecDeque::new())) {
                    Binding::List(v) => v.push_back(value),
                    b @ Binding::One(_) => *b = Binding::List(VecDeque::from([value])),
                }
            }
            Event::Unbound { name, index: None } => {
                if let Some(Binding::One(v)) = self.map.remove(&name) {
                    self.dangling.insert(name, v);
                }
            }
            Event::Unbound { name, index: Some(i) } => {
                if let Some(Binding::List(v)) = self.map.get_mut(&name) {
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
        self.map
            .values()
            .map(|b| 48 + if let Binding::List(v) = b { v.len() * std::mem::size_of::<Value>() } else { 0 })
            .sum::<usize>()
            + self.dangling.len() * 48
    }
}
