//! Names from the op language: the interner ([`Names`]) and the bindings of names to allocated
//! values ([`Bindings`]), which are part of the simulated state (they travel in time with it).
//!
//! Invariants ([`Bindings::check`] in [`crate::sim::Sim::check`]): every bound page value is the
//! head of a used block of that order owned by that name.

use std::collections::{BTreeMap, HashMap};

use serde::{Deserialize, Serialize};

use crate::event::{Event, Sym};
use crate::page::cow::{CowList, CowVec};

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
    /// `as=NAME[]`, appended in order (`NAME[*]` frees from the front), in copy-on-write
    /// chunks (s12-seek: a checkpoint copies the chunks written since, not the list).
    List(CowList<Value>),
}

/// All live bindings.
///
/// Names are interned densely (`Names` hands out 0, 1, 2, …), so bindings live in a table
/// indexed by the name id (one slot per name: its binding and its dangling value); an id far
/// past the table (possible only from a hand-made op) goes to a sparse map instead, so no input
/// can make the table huge. Replaying a trace binds and unbinds a name per op: a table index
/// instead of two ordered-map updates (s6-tracec, issue #18). Invariant: every sparse key is at
/// or above `dense.len()`.
///
/// The table is split into copy-on-write chunks of [`CHUNK_SLOTS`] slots (s8-trace, issue #18):
/// a clone (a session checkpoint) shares every chunk and copies only the group table (one
/// pointer per 64 chunks, s12-seek: the flat chunk table cost ~430 KB per checkpoint at 1.7M
/// names), and a write copies only its chunk and its group, so a checkpoint costs the chunks
/// written since the one before ([`Bindings::unshared_bytes`]), not the whole table (1.3–2 MB at
/// the end of a long trace).
#[derive(Clone, Debug, Default)]
pub struct Bindings {
    dense: Dense,
    sparse: BTreeMap<Sym, Slot>,
}

/// Slots per copy-on-write chunk of the dense table.
const CHUNK_SLOTS: usize = 32;

/// The dense table: copy-on-write chunks of [`CHUNK_SLOTS`] slots, always a whole number of
/// chunks long.
type Dense = CowVec<Slot, CHUNK_SLOTS>;

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
            let grown = (i + 1).max(self.dense.len() * 3 / 2).next_multiple_of(CHUNK_SLOTS);
            let mut moved = self.sparse.split_off(&u32::try_from(grown).unwrap_or(u32::MAX));
            std::mem::swap(&mut moved, &mut self.sparse);
            self.dense.grow_to(grown, Slot::default());
            for (k, v) in moved {
                if let Some(slot) = self.dense.get_mut(k as usize) {
                    *slot = v;
                }
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
                match self.slot_mut(name).bound.get_or_insert_with(|| Binding::List(CowList::default())) {
                    Binding::List(v) => v.push_back(value),
                    b @ Binding::One(_) => *b = Binding::List(CowList::from_iter([value])),
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
    /// Heap bytes this table holds that `base` (an earlier clone of it) does not share: the
    /// chunks written since that clone, its group table and the groups written since
    /// (s12-seek), the sparse map, which is cloned whole (s8-trace: what a checkpoint of the
    /// bindings costs), and in those the list bindings' chunk tables and chunks not shared with
    /// the same name's list in `base` (s12-seek: [`CowList::unshared_bytes`]).
    pub fn unshared_bytes(&self, base: &Bindings) -> usize {
        let slot = std::mem::size_of::<Slot>();
        let list = |s: &Slot, b: Option<&Slot>| match (&s.bound, b.and_then(|b| b.bound.as_ref())) {
            (Some(Binding::List(v)), Some(Binding::List(w))) => v.unshared_bytes(Some(w)),
            (Some(Binding::List(v)), _) => v.unshared_bytes(None),
            _ => 0,
        };
        let chunks: usize = self
            .dense
            .unshared_chunks_at(&base.dense)
            // A chunk: its slots, the vector's and the Arc's headers, the lists it holds.
            .map(|(ci, c)| {
                let at = ci * CHUNK_SLOTS;
                Dense::CHUNK_BYTES + c.iter().enumerate().map(|(j, s)| list(s, base.dense.get(at + j))).sum::<usize>()
            })
            .sum();
        let sparse: usize = self.sparse.iter().map(|(k, s)| slot + 16 + list(s, base.sparse.get(k))).sum();
        chunks + self.dense.unshared_table_bytes(&base.dense) + sparse
    }
    /// Approximate heap bytes (for checkpoint spacing).
    pub fn approx_bytes(&self) -> usize {
        self.iter()
            .map(|(_, b)| 48 + if let Binding::List(v) = b { v.len() * std::mem::size_of::<Value>() } else { 0 })
            .sum::<usize>()
            + self.slots().filter(|(_, s)| s.dangling.is_some()).count() * 48
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bind(b: &mut Bindings, name: Sym, addr: u64) {
        b.apply(&Event::Bound { name, list: false, value: Value::Object { cache: 0, addr } });
    }

    #[test]
    fn a_clone_shares_the_table_and_a_write_copies_one_chunk() {
        let mut b = Bindings::default();
        for n in 0..1000 {
            bind(&mut b, n, 0x1000 + u64::from(n) * 64);
        }
        b.apply(&Event::Unbound { name: 7, index: None });
        let base = b.clone();
        // A clone copies the group table: one pointer per 64 chunks (s12-seek).
        let table = base.dense.group_count() * 8;
        assert_eq!(base.dense.group_count(), base.dense.chunk_count().div_ceil(crate::page::cow::GROUP));
        assert_eq!(b.unshared_bytes(&base), table, "a clone shares every chunk");
        let whole = b.unshared_bytes(&Bindings::default());
        assert!(whole > 1000 * std::mem::size_of::<Slot>(), "{whole}");
        // One write copies its chunk only; the original keeps its value.
        bind(&mut b, 500, 0xdead_0000);
        // Its chunk, and its group's chunk pointers (by capacity) with their headers.
        let group = b.dense.unshared_table_bytes(&base.dense) - table;
        assert!((8 + 40..=crate::page::cow::GROUP * 8 + 40).contains(&group), "{group}");
        let one = CHUNK_SLOTS * std::mem::size_of::<Slot>() + 40 + group;
        assert_eq!(b.unshared_bytes(&base), table + one);
        assert_eq!(base.get(500), Some(&Binding::One(Value::Object { cache: 0, addr: 0x1000 + 500 * 64 })));
        assert_eq!(b.get(500), Some(&Binding::One(Value::Object { cache: 0, addr: 0xdead_0000 })));
        assert_eq!(b.dangling(7), base.dangling(7));
        assert!(b.dangling(7).is_some());
        assert_ne!(b, base);
        // Growing past the table (and a far id, kept sparse) leaves the shared chunks shared.
        let past = base.dense.len() as Sym + 10;
        bind(&mut b, past, 1);
        bind(&mut b, 1_000_000, 2);
        assert_eq!(b.get(past), Some(&Binding::One(Value::Object { cache: 0, addr: 1 })));
        assert_eq!(b.get(1_000_000), Some(&Binding::One(Value::Object { cache: 0, addr: 2 })));
        assert_eq!(b.dense.shared_chunks(&base.dense), base.dense.chunk_count() - 1);
        assert_eq!(b.iter().count(), 1000 - 1 + 2);
    }
}
