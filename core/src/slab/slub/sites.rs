//! The allocation site (script line) of every live SLUB object, for the leak report, kept in
//! copy-on-write shards (s8-trace, issue #18): a session checkpoint clones the state, and a
//! map cloned whole cost ~0.6 MB per checkpoint at the end of the fixture ×16 trace (19k live
//! objects). Here a clone copies the shard table's group table (s12-seek: the table is a
//! [`CowVec`] of shard pointers, one group pointer per 1,024 shards; a flat table of 8,192
//! `Arc`s was 64 KB and 8,192 reference-count increments per clone) and a write copies only
//! its shard (and the table's chunk and group holding it), so a checkpoint costs the shards
//! written since the one before ([`Sites::unshared_bytes`]).
//!
//! Invariants: `shards.len()` is a power of two (or 0 when empty); an address is in the shard
//! its hash picks, at most once; `len` is the number of entries.

use std::rc::Rc;

use crate::page::cow::CowVec;

/// Shard pointers per copy-on-write chunk of the shard table.
const TABLE_CHUNK: usize = 16;

type Shard = Rc<Vec<(u64, u32)>>;

/// See the module docs.
#[derive(Clone, Debug, Default)]
pub struct Sites {
    shards: CowVec<Shard, TABLE_CHUNK>,
    len: usize,
}

/// Entries per shard on average before the table doubles.
const LOAD: usize = 4;

impl Sites {
    fn shard_of(&self, addr: u64) -> usize {
        // Fibonacci hashing of the address (object addresses share their low bits).
        let bits = self.shards.len().trailing_zeros();
        if bits == 0 {
            return 0;
        }
        ((addr >> 3).wrapping_mul(0x9e37_79b9_7f4a_7c15) >> (64 - bits)) as usize
    }

    /// Record `site` for `addr` (replacing an earlier one).
    pub fn insert(&mut self, addr: u64, site: u32) {
        if self.len + 1 > self.shards.len() * LOAD {
            self.grow();
        }
        let i = self.shard_of(addr);
        let shard = Rc::make_mut(self.shards.get_mut(i).expect("the hash picks a shard"));
        match shard.iter_mut().find(|e| e.0 == addr) {
            Some(e) => e.1 = site,
            None => {
                shard.push((addr, site));
                self.len += 1;
            }
        }
    }

    /// Forget `addr`; its site, if it had one.
    pub fn remove(&mut self, addr: &u64) -> Option<u32> {
        if self.shards.is_empty() {
            return None;
        }
        let i = self.shard_of(*addr);
        // Look before writing: a shard shared with a checkpoint is copied only when it changes.
        let at = self.shards.get(i)?.iter().position(|e| e.0 == *addr)?;
        self.len -= 1;
        Some(Rc::make_mut(self.shards.get_mut(i).expect("found in it")).swap_remove(at).1)
    }

    /// The site of `addr`.
    pub fn get(&self, addr: u64) -> Option<u32> {
        self.shards.get(self.shard_of(addr))?.iter().find(|e| e.0 == addr).map(|e| e.1)
    }

    /// Number of live objects recorded.
    pub fn len(&self) -> usize {
        self.len
    }

    /// True when none is recorded.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Every (address, site), in no particular order (callers group them into ordered maps).
    pub fn iter(&self) -> impl Iterator<Item = (&u64, &u32)> {
        self.shards.iter().flat_map(|s| s.iter().map(|(a, b)| (a, b)))
    }

    /// Twice the shards (at least 16), every entry moved to the shard its hash now picks.
    fn grow(&mut self) {
        let n = (self.shards.len() * 2).max(16);
        // One empty shard shared by every slot: the first insert into a slot copies it.
        let old = std::mem::replace(&mut self.shards, CowVec::filled(n, Rc::new(Vec::new())));
        for s in old.iter() {
            for &(addr, site) in s.iter() {
                let i = self.shard_of(addr);
                Rc::make_mut(self.shards.get_mut(i).expect("the hash picks a shard")).push((addr, site));
            }
        }
    }

    /// Heap bytes of this map that `base` (an earlier clone of it) does not share: its shard
    /// table's group table, groups and chunks written since, and the shards written since (each:
    /// its entries by capacity, the vector's and the `Rc`'s headers; the empty shard a growth
    /// shares between all slots, once allocated, is not counted).
    pub fn unshared_bytes(&self, base: &Sites) -> usize {
        let shard = |s: &Shard| 40 + s.capacity() * std::mem::size_of::<(u64, u32)>();
        let mut bytes = self.shards.unshared_table_bytes(&base.shards);
        for (ci, c) in self.shards.unshared_chunks_at(&base.shards) {
            bytes += CowVec::<Shard, TABLE_CHUNK>::CHUNK_BYTES;
            for (j, s) in c.iter().enumerate() {
                // Shards without a buffer are the one empty shard a growth shares: not counted.
                if s.capacity() > 0 && base.shards.get(ci * TABLE_CHUNK + j).is_none_or(|b| !Rc::ptr_eq(b, s)) {
                    bytes += shard(s);
                }
            }
        }
        bytes
    }
}

impl<'a> IntoIterator for &'a Sites {
    type Item = (&'a u64, &'a u32);
    type IntoIter = Box<dyn Iterator<Item = (&'a u64, &'a u32)> + 'a>;
    fn into_iter(self) -> Self::IntoIter {
        Box::new(self.iter())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    #[test]
    fn behaves_as_a_map_and_a_clone_shares_all_but_the_written_shards() {
        let mut s = Sites::default();
        let mut m = HashMap::new();
        let mut x = 0x2545_f491_u64;
        for k in 0..20_000u32 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let addr = 0xffff_8881_0000_0000 + (x % 4096) * 64;
            if k % 3 == 2 {
                assert_eq!(s.remove(&addr), m.remove(&addr), "remove {addr:x}");
            } else {
                s.insert(addr, k);
                m.insert(addr, k);
            }
            assert_eq!(s.len(), m.len());
        }
        let mut got: Vec<(u64, u32)> = s.iter().map(|(&a, &b)| (a, b)).collect();
        let mut want: Vec<(u64, u32)> = m.iter().map(|(&a, &b)| (a, b)).collect();
        got.sort_unstable();
        want.sort_unstable();
        assert_eq!(got, want);
        assert!(m.keys().all(|&a| s.get(a) == m.get(&a).copied()));
        // A clone shares every shard; one write copies one shard.
        let base = s.clone();
        let table = s.shards.group_count() * 8;
        assert_eq!(s.unshared_bytes(&base), table);
        let (&a, _) = m.iter().next().unwrap();
        s.insert(a, 7);
        let copied = s.unshared_bytes(&base) - table;
        // The shard, its chunk of 16 shard pointers and their group of 64 chunk pointers.
        let chunk = 16 * 8 + 40;
        let group = 64 * 8 + 40;
        assert!(copied > chunk + group && copied < chunk + group + 40 + 32 * 16, "{copied}");
        assert_eq!(base.get(a), m.get(&a).copied(), "the clone keeps its value");
        assert_eq!(s.get(a), Some(7));
        // Removing an address that is not there copies nothing.
        let before = s.unshared_bytes(&base);
        assert_eq!(s.remove(&1), None);
        assert_eq!(s.unshared_bytes(&base), before);
        assert!(s.unshared_bytes(&Sites::default()) > m.len() * 12);
    }
}
