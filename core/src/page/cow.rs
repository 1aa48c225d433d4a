//! [`CowVec`]: a vector split into copy-on-write chunks of `N` elements, the chunks themselves
//! in copy-on-write groups of [`GROUP`] chunk pointers (s12-seek, issues #14 and #18). A clone (a
//! session checkpoint) shares every group and copies only the group table (one pointer per
//! `N * GROUP` elements); a write copies only the group and the chunk it lands in, so keeping a
//! clone costs the chunks and groups written since ([`CowVec::unshared_chunks`],
//! [`CowVec::unshared_table_bytes`]).
//!
//! Before s12-seek the chunk table was one flat vector, copied whole by every clone: with 1.7M
//! name slots (a 1M-op session) that was ~430 KB per checkpoint whatever was written since, and
//! it kept checkpoints at least ~13k ops apart.
//!
//! Used by the frame table and the page table (`page/machine.rs`, chunks of 64), by the
//! bindings of names (`timeline/names.rs`, chunks of 32 slots) and by SLUB's table of sites
//! shards (`slab/slub/sites.rs`).
//!
//! Invariants: every chunk but the last holds exactly `N` elements, the last 1..=`N`; every
//! group but the last holds exactly [`GROUP`] chunks, the last 1..=[`GROUP`]; `len` is the sum
//! of the chunks' lengths.
//!
//! Shared by `Rc`, not `Arc` (s14-replay, issues #14 and #18): a replay after a restore copies
//! every chunk it first writes and checks uniqueness (`make_mut`) on every write, and with
//! `Arc` each of those reference-count reads, increments and decrements was an atomic
//! instruction (a group copy alone: 64 locked increments, and as many decrements when it is
//! dropped). The simulation is single-threaded (the web app runs it on the page's thread, the
//! CLI and the benches on one thread), so nothing needs the states to be `Send`. An `Rc`'s
//! header is as large as an `Arc`'s (two counts), so the byte estimates that space checkpoints
//! (`ARC_VEC`, [`CowVec::CHUNK_BYTES`]) and with them every seek's result are unchanged; the
//! sharing itself (`ptr_eq`, `make_mut` copying only when shared) is the same.

use std::rc::Rc;

/// Chunks per copy-on-write group.
pub const GROUP: usize = 64;

/// Heap bytes of an `Rc`'s counts plus a `Vec`'s header: what one shared vector costs besides
/// its elements.
const ARC_VEC: usize = 16 + 24;

type Chunk<T> = Rc<Vec<T>>;

/// See the module docs.
#[derive(Clone, Debug)]
pub struct CowVec<T: Clone, const N: usize> {
    groups: Vec<Rc<Vec<Chunk<T>>>>,
    len: usize,
}

impl<T: Clone, const N: usize> Default for CowVec<T, N> {
    fn default() -> Self {
        CowVec { groups: Vec::new(), len: 0 }
    }
}

impl<T: Clone, const N: usize> CowVec<T, N> {
    /// Elements per chunk.
    pub const CHUNK: usize = N;
    /// Heap bytes of one chunk of `N` elements (its elements, the vector's and the `Rc`'s
    /// headers; not what the elements own).
    pub const CHUNK_BYTES: usize = N * std::mem::size_of::<T>() + ARC_VEC;

    /// `len` copies of `value`.
    pub fn filled(len: usize, value: T) -> Self {
        let mut v = CowVec::default();
        v.grow_to(len, value);
        v
    }
    /// Number of elements.
    pub fn len(&self) -> usize {
        self.len
    }
    /// True when empty.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }
    /// Element `i`, if in range.
    pub fn get(&self, i: usize) -> Option<&T> {
        if i >= self.len {
            return None;
        }
        let c = i / N;
        Some(&self.groups[c / GROUP][c % GROUP][i % N])
    }
    /// Mutable element `i`, if in range; copies its group and its chunk first when a clone
    /// shares them.
    pub fn get_mut(&mut self, i: usize) -> Option<&mut T> {
        if i >= self.len {
            return None;
        }
        let c = i / N;
        let group = Rc::make_mut(&mut self.groups[c / GROUP]);
        Some(&mut Rc::make_mut(&mut group[c % GROUP])[i % N])
    }
    /// Grow to at least `len` elements, the new ones copies of `value` (a shorter `len` does
    /// nothing). A partial last chunk is filled first (copied if shared, with its group); the
    /// chunks and groups before stay shared.
    pub fn grow_to(&mut self, len: usize, value: T) {
        if len <= self.len {
            return;
        }
        if !self.len.is_multiple_of(N) {
            let group = Rc::make_mut(self.groups.last_mut().expect("a partial chunk is in a group"));
            let last = Rc::make_mut(group.last_mut().expect("groups are never empty"));
            let n = (N - last.len()).min(len - self.len);
            last.extend(std::iter::repeat_n(value.clone(), n));
            self.len += n;
        }
        while self.len < len {
            let n = (len - self.len).min(N);
            let chunk = Rc::new(vec![value.clone(); n]);
            match self.groups.last_mut() {
                Some(g) if g.len() < GROUP => Rc::make_mut(g).push(chunk),
                _ => self.groups.push(Rc::new(vec![chunk])),
            }
            self.len += n;
        }
    }
    /// All elements in order.
    pub fn iter(&self) -> impl Iterator<Item = &T> {
        self.groups.iter().flat_map(|g| g.iter()).flat_map(|c| c.iter())
    }
    /// Number of chunks.
    pub fn chunk_count(&self) -> usize {
        self.len.div_ceil(N)
    }
    /// Number of groups (the group table's length: what a clone copies).
    pub fn group_count(&self) -> usize {
        self.groups.len()
    }
    /// The chunks of `self` not shared with the chunk at the same place in `base` (an earlier
    /// clone): what keeping both costs beyond keeping `base`, besides the groups
    /// ([`CowVec::unshared_table_bytes`]).
    pub fn unshared_chunks<'a>(&'a self, base: &'a CowVec<T, N>) -> impl Iterator<Item = &'a [T]> + 'a {
        self.unshared_chunks_at(base).map(|(_, c)| c)
    }
    /// Like [`CowVec::unshared_chunks`], each chunk with its index (its first element is
    /// `index * N`). Groups shared with `base` are skipped whole.
    pub fn unshared_chunks_at<'a>(&'a self, base: &'a CowVec<T, N>) -> impl Iterator<Item = (usize, &'a [T])> + 'a {
        self.unshared_groups(base).flat_map(move |(gi, g)| {
            let bg = base.groups.get(gi);
            g.iter()
                .enumerate()
                .filter(move |(j, c)| bg.and_then(|b| b.get(*j)).is_none_or(|b| !Rc::ptr_eq(b, c)))
                .map(move |(j, c)| (gi * GROUP + j, c.as_slice()))
        })
    }
    /// The groups of `self` not shared with the group at the same place in `base`.
    fn unshared_groups<'a>(&'a self, base: &'a CowVec<T, N>) -> impl Iterator<Item = (usize, &'a Vec<Chunk<T>>)> + 'a {
        self.groups
            .iter()
            .enumerate()
            .filter(move |(i, g)| base.groups.get(*i).is_none_or(|b| !Rc::ptr_eq(b, g)))
            .map(|(i, g)| (i, g.as_ref()))
    }
    /// Heap bytes of the tables a clone of `self` holds that `base` (an earlier clone) does
    /// not share: the group table (a clone copies it whole, one pointer per group) and the
    /// groups written since (their chunk pointers, by capacity, with their headers). With
    /// [`CowVec::unshared_chunks`] (the chunks written since, [`CowVec::CHUNK_BYTES`] each plus
    /// what their elements own) it is what keeping both costs beyond keeping `base`.
    pub fn unshared_table_bytes(&self, base: &CowVec<T, N>) -> usize {
        let ptr = std::mem::size_of::<Chunk<T>>();
        let groups: usize = self.unshared_groups(base).map(|(_, g)| g.capacity() * ptr + ARC_VEC).sum();
        self.groups.len() * ptr + groups
    }
    /// Number of chunks shared with `other` at the same place.
    pub fn shared_chunks(&self, other: &CowVec<T, N>) -> usize {
        self.groups
            .iter()
            .zip(&other.groups)
            .map(|(a, b)| {
                if Rc::ptr_eq(a, b) {
                    a.len()
                } else {
                    a.iter().zip(b.iter()).filter(|(x, y)| Rc::ptr_eq(x, y)).count()
                }
            })
            .sum()
    }
}

/// Most elements per chunk of a [`CowList`] (32: a random removal copies ~0.5 KB; 64 copied
/// ~16 % more by 4096 ops of the 1M-op mixed workload).
pub const LIST_CHUNK: usize = 32;

/// A list (appended at the back, removed from anywhere) in copy-on-write chunks of at most
/// [`LIST_CHUNK`] elements, behind a shared chunk table (s12-seek, issues #14 and #18): the
/// value of a list binding (`as=p[]`, `timeline/names.rs`). A clone shares the table; a write
/// copies the table (12 bytes per chunk) and the chunk it lands in, so a checkpoint taken after
/// a few writes to a list of 20k values costs a few KB ([`CowList::unshared_bytes`]), not the
/// whole list (a `VecDeque` before: ~430 KB per checkpoint in the 1M-op mixed workload, whose
/// lists are written by nearly every op). Element `i` is found by a binary search of the
/// chunks' running ends, without touching the chunks.
///
/// Invariants: no chunk is empty; `ends[c]` is the number of elements in chunks `0..=c` (so
/// the last is `len`); a chunk of fewer than `LIST_CHUNK / 4` elements has no neighbour it
/// would fit with in `LIST_CHUNK` right after a removal from it (removals merge it), so chunks
/// stay about a quarter full or more.
#[derive(Clone, Debug)]
pub struct CowList<T: Clone> {
    table: Rc<ListTable<T>>,
}

#[derive(Clone, Debug)]
struct ListTable<T> {
    chunks: Vec<Chunk<T>>,
    ends: Vec<u32>,
}

impl<T: Clone> Default for CowList<T> {
    fn default() -> Self {
        CowList { table: Rc::new(ListTable { chunks: Vec::new(), ends: Vec::new() }) }
    }
}

impl<T: Clone + PartialEq> PartialEq for CowList<T> {
    fn eq(&self, other: &Self) -> bool {
        self.len() == other.len() && self.iter().eq(other.iter())
    }
}

impl<T: Clone + Eq> Eq for CowList<T> {}

impl<T: Clone> FromIterator<T> for CowList<T> {
    fn from_iter<I: IntoIterator<Item = T>>(iter: I) -> Self {
        let mut l = CowList::default();
        for v in iter {
            l.push_back(v);
        }
        l
    }
}

impl<T: Clone> CowList<T> {
    /// Number of elements.
    pub fn len(&self) -> usize {
        self.table.ends.last().map_or(0, |&e| e as usize)
    }
    /// True when empty.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
    /// The chunk holding element `i` and the index within it.
    fn locate(&self, i: usize) -> Option<(usize, usize)> {
        if i >= self.len() {
            return None;
        }
        let ends = &self.table.ends;
        let c = ends.partition_point(|&e| e as usize <= i);
        Some((c, i - c.checked_sub(1).map_or(0, |p| ends[p] as usize)))
    }
    /// Element `i`, if in range.
    pub fn get(&self, i: usize) -> Option<&T> {
        let (c, j) = self.locate(i)?;
        Some(&self.table.chunks[c][j])
    }
    /// All elements in order.
    pub fn iter(&self) -> impl Iterator<Item = &T> {
        self.table.chunks.iter().flat_map(|c| c.iter())
    }
    /// Append `value` (to the last chunk while it has room, else to a new one).
    pub fn push_back(&mut self, value: T) {
        let len = self.len() as u32;
        let t = Rc::make_mut(&mut self.table);
        match t.chunks.last_mut() {
            Some(last) if last.len() < LIST_CHUNK => Rc::make_mut(last).push(value),
            _ => {
                let mut chunk = Vec::with_capacity(LIST_CHUNK);
                chunk.push(value);
                t.chunks.push(Rc::new(chunk));
                t.ends.push(len);
            }
        }
        *t.ends.last_mut().expect("a chunk") = len + 1;
    }
    /// Remove and return element `i` (`None` past the end), as `VecDeque::remove`. A chunk left
    /// empty is dropped; one left under a quarter full merges with a neighbour it fits with.
    pub fn remove(&mut self, i: usize) -> Option<T> {
        let (c, j) = self.locate(i)?;
        let t = Rc::make_mut(&mut self.table);
        let v = Rc::make_mut(&mut t.chunks[c]).remove(j);
        t.ends[c..].iter_mut().for_each(|e| *e -= 1);
        let n = t.chunks[c].len();
        if n == 0 {
            t.chunks.remove(c);
            t.ends.remove(c);
        } else if n < LIST_CHUNK / 4 {
            let fits = |k: usize| t.chunks.get(k).is_some_and(|o| o.len() + n <= LIST_CHUNK);
            let into = if fits(c + 1) {
                Some(c)
            } else if c > 0 && fits(c - 1) {
                Some(c - 1)
            } else {
                None
            };
            if let Some(k) = into {
                let next = t.chunks.remove(k + 1);
                Rc::make_mut(&mut t.chunks[k]).extend(next.iter().cloned());
                t.ends.remove(k);
            }
        }
        Some(v)
    }
    /// Heap bytes a clone of this list holds that `base` (an earlier clone of it; `None`: no
    /// earlier clone) does not share: its chunk table (pointers and ends, by capacity, with the
    /// headers) unless shared, and its chunks not in `base` (by capacity, with their headers).
    /// Chunks keep their order, so one walk along both tables finds the shared ones.
    pub fn unshared_bytes(&self, base: Option<&CowList<T>>) -> usize {
        if base.is_some_and(|b| Rc::ptr_eq(&b.table, &self.table)) {
            return 0;
        }
        let t = &self.table;
        let chunk = |c: &Chunk<T>| c.capacity() * std::mem::size_of::<T>() + ARC_VEC;
        let table = t.chunks.capacity() * std::mem::size_of::<Chunk<T>>() + t.ends.capacity() * 4 + ARC_VEC + 24;
        let theirs: &[Chunk<T>] = base.map_or(&[], |b| &b.table.chunks);
        let mut at = 0;
        let mut bytes = table;
        for c in &t.chunks {
            match theirs[at..].iter().position(|b| Rc::ptr_eq(b, c)) {
                Some(k) => at += k + 1,
                None => bytes += chunk(c),
            }
        }
        bytes
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filled_get_and_iter() {
        let v: CowVec<u32, 4> = CowVec::filled(10, 7);
        assert_eq!(v.len(), 10);
        assert_eq!(v.chunk_count(), 3);
        assert_eq!(v.get(9), Some(&7));
        assert_eq!(v.get(10), None);
        assert_eq!(v.iter().count(), 10);
        let e: CowVec<u8, 4> = CowVec::default();
        assert!(e.is_empty() && e.get(0).is_none() && e.chunk_count() == 0);
        assert!(CowVec::<u8, 4>::filled(0, 1).is_empty());
    }

    #[test]
    fn a_write_after_a_clone_copies_one_chunk() {
        let mut v: CowVec<u32, 4> = CowVec::filled(10, 0);
        let base = v.clone();
        assert_eq!(v.unshared_chunks(&base).count(), 0);
        assert_eq!(v.shared_chunks(&base), 3);
        *v.get_mut(5).unwrap() = 55;
        assert_eq!(v.get(5), Some(&55));
        assert_eq!(base.get(5), Some(&0), "the clone keeps its value");
        let unshared: Vec<&[u32]> = v.unshared_chunks(&base).collect();
        assert_eq!(unshared, vec![&[0, 55, 0, 0][..]]);
        assert_eq!(v.shared_chunks(&base), 2);
        assert!(v.get_mut(10).is_none());
        // Against an empty vector every chunk is unshared.
        assert_eq!(v.unshared_chunks(&CowVec::default()).count(), 3);
    }

    #[test]
    fn grow_fills_the_last_chunk_then_adds_chunks() {
        let mut v: CowVec<u32, 4> = CowVec::filled(6, 1);
        let base = v.clone();
        v.grow_to(3, 9);
        assert_eq!(v.len(), 6, "a shorter length does nothing");
        v.grow_to(13, 2);
        assert_eq!(v.len(), 13);
        assert_eq!(v.chunk_count(), 4);
        let all: Vec<u32> = v.iter().copied().collect();
        assert_eq!(all, [1, 1, 1, 1, 1, 1, 2, 2, 2, 2, 2, 2, 2]);
        // The full first chunk stays shared; the partial one was copied, the new ones are new.
        assert_eq!(v.shared_chunks(&base), 1);
        assert_eq!(v.unshared_chunks(&base).count(), 3);
        assert_eq!(base.iter().count(), 6);
    }

    #[test]
    fn a_clone_copies_the_group_table_and_a_write_one_group_and_one_chunk() {
        // 3 groups: 64 + 64 + 2 chunks of 4.
        let mut v: CowVec<u32, 4> = CowVec::filled(4 * (2 * GROUP + 2), 1);
        assert_eq!((v.chunk_count(), v.group_count()), (2 * GROUP + 2, 3));
        let base = v.clone();
        let ptr = std::mem::size_of::<Rc<Vec<u32>>>();
        assert_eq!(v.unshared_table_bytes(&base), 3 * ptr, "a clone copies the group table only");
        assert_eq!(v.shared_chunks(&base), 2 * GROUP + 2);
        // A write in the second group copies that group (64 chunk pointers) and one chunk.
        let i = 4 * (GROUP + 5) + 2;
        *v.get_mut(i).unwrap() = 9;
        assert_eq!(v.unshared_table_bytes(&base), 3 * ptr + GROUP * ptr + ARC_VEC);
        let unshared: Vec<(usize, &[u32])> = v.unshared_chunks_at(&base).collect();
        assert_eq!(unshared, vec![(GROUP + 5, &[1, 1, 9, 1][..])]);
        assert_eq!(v.shared_chunks(&base), 2 * GROUP + 1);
        assert_eq!((v.get(i), base.get(i)), (Some(&9), Some(&1)), "the clone keeps its value");
        // A second write in the same group and chunk copies nothing more; in another chunk of
        // the group, that chunk only.
        *v.get_mut(i + 1).unwrap() = 8;
        assert_eq!(v.unshared_table_bytes(&base), 3 * ptr + GROUP * ptr + ARC_VEC);
        *v.get_mut(4 * (GROUP + 6)).unwrap() = 7;
        assert_eq!(v.unshared_chunks(&base).count(), 2);
        assert_eq!(v.unshared_table_bytes(&base), 3 * ptr + GROUP * ptr + ARC_VEC);
        // Growing copies the last group (2 chunk pointers) and adds chunks to it, then groups.
        v.grow_to(4 * (3 * GROUP + 1) - 1, 5);
        assert_eq!((v.chunk_count(), v.group_count(), v.len()), (3 * GROUP + 1, 4, 4 * (3 * GROUP + 1) - 1));
        assert_eq!(v.get(v.len() - 1), Some(&5));
        assert_eq!(v.shared_chunks(&base), 2 * GROUP + 2 - 2);
        assert_eq!(v.unshared_chunks(&base).count(), 2 + GROUP - 2 + 1);
        let last = v.groups[2].capacity() * ptr + ARC_VEC;
        let new = v.groups[3].capacity() * ptr + ARC_VEC;
        assert_eq!(v.unshared_table_bytes(&base), 4 * ptr + GROUP * ptr + ARC_VEC + last + new);
        assert_eq!(v.iter().filter(|&&x| x != 1 && x != 5).count(), 3, "the three writes");
        assert!(base.iter().all(|&x| x == 1) && base.len() == 4 * (2 * GROUP + 2));
        // The partial last chunk is filled in place.
        v.grow_to(v.len() + 1, 6);
        assert_eq!((v.chunk_count(), v.get(v.len() - 1)), (3 * GROUP + 1, Some(&6)));
        // Against an empty vector every chunk and group is unshared.
        let empty = CowVec::default();
        assert_eq!(v.unshared_chunks(&empty).count(), v.chunk_count());
        assert!(v.unshared_table_bytes(&empty) >= 4 * ARC_VEC + v.chunk_count() * ptr);
    }

    #[test]
    fn matches_a_plain_vector_under_random_writes_and_clones() {
        let mut rng = crate::rng::Rng::new(11);
        let mut v: CowVec<u64, 8> = CowVec::default();
        let mut plain: Vec<u64> = Vec::new();
        let mut kept: Vec<(CowVec<u64, 8>, Vec<u64>)> = Vec::new();
        for round in 0..2000u64 {
            match rng.below(10) {
                0 => {
                    let len = plain.len() + rng.below(if round < 1000 { 20 } else { 400 }) as usize;
                    v.grow_to(len, round);
                    plain.resize(len, round);
                }
                1 => kept.push((v.clone(), plain.clone())),
                _ if !plain.is_empty() => {
                    let i = rng.below(plain.len() as u64) as usize;
                    *v.get_mut(i).unwrap() = round;
                    plain[i] = round;
                }
                _ => {}
            }
            assert_eq!(v.len(), plain.len());
        }
        assert!(v.iter().eq(plain.iter()));
        assert!(v.group_count() > 2, "{}", v.group_count());
        for (c, p) in &kept {
            assert!(c.iter().eq(p.iter()), "a clone is never changed by later writes");
        }
    }

    #[test]
    fn a_list_matches_a_deque_and_a_clone_shares_all_but_the_written_chunks() {
        let mut rng = crate::rng::Rng::new(5);
        let mut l: CowList<u64> = CowList::default();
        let mut plain = std::collections::VecDeque::new();
        let mut kept: Vec<(CowList<u64>, Vec<u64>)> = Vec::new();
        for round in 0..20_000u64 {
            // Mostly appends early, then a steady state of random removals (the workload's).
            if rng.below(100) < if round < 5000 { 80 } else { 50 } || plain.is_empty() {
                l.push_back(round);
                plain.push_back(round);
            } else {
                let i = rng.below(plain.len() as u64 + 2) as usize;
                assert_eq!(l.remove(i), plain.remove(i), "remove {i}");
            }
            if round % 997 == 0 {
                kept.push((l.clone(), plain.iter().copied().collect()));
            }
            assert_eq!(l.len(), plain.len());
        }
        assert!(l.iter().eq(plain.iter()));
        assert!((0..plain.len()).all(|i| l.get(i) == plain.get(i)) && l.get(plain.len()).is_none());
        for (c, p) in &kept {
            assert!(c.iter().eq(p.iter()), "a clone is never changed by later writes");
        }
        // Chunks stay about a quarter full or more: no two neighbours fit in one chunk by much.
        let t = &l.table;
        assert!(t.chunks.iter().all(|c| !c.is_empty()));
        assert!(t.chunks.len() <= 8 * l.len() / LIST_CHUNK + 2, "{} chunks for {}", t.chunks.len(), l.len());
        let mut end = 0;
        for (c, &e) in t.chunks.iter().zip(&t.ends) {
            end += c.len() as u32;
            assert_eq!(e, end, "ends are the running lengths");
        }
        assert_eq!(t.ends.len(), t.chunks.len());
        // A clone shares everything; a removal copies the table and one chunk; an append to a
        // full last chunk adds one.
        let base = l.clone();
        assert_eq!(l.unshared_bytes(Some(&base)), 0);
        assert_eq!(l, base);
        let ptr = std::mem::size_of::<Chunk<u64>>();
        let table = l.table.chunks.len() * ptr + l.table.ends.len() * 4 + ARC_VEC + 24;
        l.remove(l.len() / 2);
        assert_ne!(l, base);
        let one = l.unshared_bytes(Some(&base)) - table;
        assert!((ARC_VEC + 8..=2 * (LIST_CHUNK * 8 + ARC_VEC)).contains(&one), "{one}");
        let whole = l.unshared_bytes(None);
        assert!(whole >= table + l.len() * 8, "{whole}");
        assert_eq!(base.len(), l.len() + 1);
    }
}
