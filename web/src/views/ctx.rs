//! What every view of the slab layer shares: the step's snapshot, the shared selection and
//! hover, and what they touch in each layer ([`focus`]). The views import this module, not the
//! component that mounts them.

use std::cell::RefCell;
use std::rc::Rc;

use slabscope_core::event::EntityRef;
use slabscope_core::layers::SlabRow;
use slabscope_core::session::Session;
use slabscope_core::slub::phys;
use slabscope_core::snapshot::Snapshot;
use yew::prelude::*;

/// Pages of a SuperSlab (2 MiB).
const SUPERSLAB_PAGES: u32 = 512;

/// What the selected (or hovered) entity touches in each layer.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Focus {
    pub cache: Option<u32>,
    /// First pfn of the slab.
    pub slab: Option<u32>,
    pub object: Option<u64>,
    /// Pages `[start, end)`.
    pub pages: Option<(u32, u32)>,
    pub superslab: Option<u32>,
    pub cpu: Option<u16>,
}

pub fn row_of_addr(rows: &[SlabRow], addr: u64) -> Option<&SlabRow> {
    rows.iter().find(|r| r.index_of(addr).is_some())
}

pub fn row_of_pfn(rows: &[SlabRow], pfn: u32) -> Option<&SlabRow> {
    rows.iter().find(|r| pfn >= r.pfn && pfn < r.pfn + (1 << r.order))
}

fn slab_focus(r: &SlabRow) -> Focus {
    Focus { cache: Some(r.cache), slab: Some(r.pfn), pages: Some((r.pfn, r.pfn + (1 << r.order))), ..Focus::default() }
}

fn superslab_at(snap: &Snapshot, pfn: u32) -> Option<&slabscope_core::superslab::SuperSlab> {
    snap.superslabs.iter().find(|s| pfn >= s.pfn && pfn < s.pfn + SUPERSLAB_PAGES)
}

/// The layers an entity lives in: an object's slab, pages and cache; a page's slab or SuperSlab.
pub fn focus(snap: &Snapshot, e: Option<EntityRef>) -> Focus {
    let rows = &snap.slab_rows;
    match e {
        None => Focus::default(),
        Some(EntityRef::Object { addr, .. }) => match row_of_addr(rows, addr) {
            Some(r) => Focus { object: Some(addr), ..slab_focus(r) },
            None => Focus { object: Some(addr), ..Focus::default() },
        },
        Some(EntityRef::Slab { pfn, .. }) => row_of_pfn(rows, pfn).map_or_else(Focus::default, slab_focus),
        Some(EntityRef::Cache { cache }) => Focus { cache: Some(cache), ..Focus::default() },
        Some(EntityRef::Cpu { cpu }) => Focus { cpu: Some(cpu), ..Focus::default() },
        Some(EntityRef::Node { .. }) => Focus::default(),
        Some(EntityRef::Page { pfn }) | Some(EntityRef::Block { pfn, .. }) => {
            if let Some(r) = row_of_pfn(rows, pfn) {
                slab_focus(r)
            } else if let Some(ss) = superslab_at(snap, pfn) {
                Focus { superslab: Some(ss.id), pages: Some((ss.pfn, ss.pfn + SUPERSLAB_PAGES)), ..Focus::default() }
            } else {
                let order = match e {
                    Some(EntityRef::Block { order, .. }) => order,
                    _ => 0,
                };
                Focus { pages: Some((pfn, pfn + (1 << order))), ..Focus::default() }
            }
        }
        Some(EntityRef::SuperSlab { id }) => match snap.superslabs.iter().find(|s| s.id == id) {
            Some(ss) => {
                Focus { superslab: Some(id), pages: Some((ss.pfn, ss.pfn + SUPERSLAB_PAGES)), ..Focus::default() }
            }
            None => Focus { superslab: Some(id), ..Focus::default() },
        },
        Some(EntityRef::Tiny { addr }) => {
            let pfn = (phys(addr) >> 12) as u32;
            match superslab_at(snap, pfn) {
                Some(ss) => Focus {
                    object: Some(addr),
                    superslab: Some(ss.id),
                    pages: Some((ss.pfn, ss.pfn + SUPERSLAB_PAGES)),
                    ..Focus::default()
                },
                None => Focus { object: Some(addr), ..Focus::default() },
            }
        }
    }
}

/// A session compared by identity. Memo keys hold it, so a dropped session's address cannot be
/// reused by a new one while a memo still refers to it.
#[derive(Clone)]
pub struct SessionRef(pub Rc<RefCell<Session>>);

impl PartialEq for SessionRef {
    fn eq(&self, other: &Self) -> bool {
        Rc::ptr_eq(&self.0, &other.0)
    }
}

/// The snapshot of one step (compared by identity, not by content).
#[derive(Clone)]
pub struct Snap {
    pub snap: Rc<Snapshot>,
}

impl PartialEq for Snap {
    fn eq(&self, other: &Self) -> bool {
        Rc::ptr_eq(&self.snap, &other.snap)
    }
}

/// What every layer view gets.
#[derive(Clone, PartialEq)]
pub struct Ctx {
    pub snap: Snap,
    pub selection: Option<EntityRef>,
    /// From the hovered entity, else the selected one: what is highlighted.
    pub focus: Focus,
    /// From the selected entity only: which cache the cache and per-CPU views show (hovering
    /// must not swap the view under the pointer).
    pub sel_focus: Focus,
    pub on_select: Callback<Option<EntityRef>>,
    pub on_hover: Callback<Option<EntityRef>>,
}

impl Ctx {
    /// Click / Enter selects `e` (again: clears); pointer or focus hovers it.
    pub fn select(&self, e: EntityRef) -> Callback<MouseEvent> {
        let (cb, sel) = (self.on_select.clone(), self.selection);
        Callback::from(move |_| cb.emit(if sel == Some(e) { None } else { Some(e) }))
    }
    pub fn hover(&self, e: EntityRef) -> Callback<MouseEvent> {
        let cb = self.on_hover.clone();
        Callback::from(move |_| cb.emit(Some(e)))
    }
    pub fn unhover(&self) -> Callback<MouseEvent> {
        let cb = self.on_hover.clone();
        Callback::from(move |_| cb.emit(None))
    }
    /// Keyboard: Enter or Space selects.
    pub fn key_select(&self, e: EntityRef) -> Callback<KeyboardEvent> {
        let (cb, sel) = (self.on_select.clone(), self.selection);
        Callback::from(move |k: KeyboardEvent| {
            if k.key() == "Enter" || k.key() == " " {
                k.prevent_default();
                cb.emit(if sel == Some(e) { None } else { Some(e) });
            }
        })
    }
    /// The cache the cache and per-CPU views show: the selected one's, else the fullest.
    pub fn cache(&self) -> Option<u32> {
        let rows = &self.snap.snap.cache_rows;
        self.sel_focus
            .cache
            .filter(|c| rows.iter().any(|r| r.id == *c))
            .or_else(|| rows.iter().filter(|r| r.slabs > 0).max_by_key(|r| (r.active, r.objects)).map(|r| r.id))
            .or_else(|| rows.first().map(|r| r.id))
    }
    pub fn cache_name(&self, id: u32) -> String {
        self.snap.snap.cache_rows.iter().find(|r| r.id == id).map_or_else(|| format!("#{id}"), |r| r.name.clone())
    }
}
