//! [`CowVec`]: a vector split into copy-on-write chunks of `N` elements. A clone (a session
//! checkpoint) shares every chunk and copies only the chunk table; a write copies only the chunk
//! it lands in, so keeping a clone costs the chunks written since ([`CowVec::unshared_chunks`]).
//!
//! Used by the frame table (`page/machine.rs`, chunks of 512 frames) and by the bindings of
//! names (`timeline/names.rs`, chunks of 32 slots).
//!
//! Invariants: every chunk but the last holds exactly `N` elements, the last 1..=`N`; `len` is
//! the sum of their lengths.

use std::sync::Arc;

/// See the module docs.
#[derive(Clone, Debug)]
pub struct CowVec<T: Clone, const N: usize> {
    chunks: Vec<Arc<Vec<T>>>,
    len: usize,
}

impl<T: Clone, const N: usize> Default for CowVec<T, N> {
    fn default() -> Self {
        CowVec { chunks: Vec::new(), len: 0 }
    }
}

impl<T: Clone, const N: usize> CowVec<T, N> {
    /// Elements per chunk.
    pub const CHUNK: usize = N;

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
        Some(&self.chunks[i / N][i % N])
    }
    /// Mutable element `i`, if in range; copies its chunk first when a clone shares it.
    pub fn get_mut(&mut self, i: usize) -> Option<&mut T> {
        if i >= self.len {
            return None;
        }
        Some(&mut Arc::make_mut(&mut self.chunks[i / N])[i % N])
    }
    /// Grow to at least `len` elements, the new ones copies of `value` (a shorter `len` does
    /// nothing). A partial last chunk is filled first (copied if shared); the chunks before
    /// stay shared.
    pub fn grow_to(&mut self, len: usize, value: T) {
        if len <= self.len {
            return;
        }
        if let Some(last) = self.chunks.last_mut() {
            if last.len() < N {
                let n = (N - last.len()).min(len - self.len);
                Arc::make_mut(last).extend(std::iter::repeat_n(value.clone(), n));
                self.len += n;
            }
        }
        while self.len < len {
            let n = (len - self.len).min(N);
            self.chunks.push(Arc::new(vec![value.clone(); n]));
            self.len += n;
        }
    }
    /// All elements in order.
    pub fn iter(&self) -> impl Iterator<Item = &T> {
        self.chunks.iter().flat_map(|c| c.iter())
    }
    /// Number of chunks (the chunk table's length).
    pub fn chunk_count(&self) -> usize {
        self.chunks.len()
    }
    /// The chunks of `self` not shared with the chunk at the same place in `base` (an earlier
    /// clone): what keeping both costs beyond keeping `base`.
    pub fn unshared_chunks<'a>(&'a self, base: &'a CowVec<T, N>) -> impl Iterator<Item = &'a [T]> + 'a {
        self.unshared_chunks_at(base).map(|(_, c)| c)
    }
    /// Like [`CowVec::unshared_chunks`], each chunk with its index (its first element is
    /// `index * N`).
    pub fn unshared_chunks_at<'a>(&'a self, base: &'a CowVec<T, N>) -> impl Iterator<Item = (usize, &'a [T])> + 'a {
        self.chunks
            .iter()
            .enumerate()
            .filter(move |(i, c)| base.chunks.get(*i).is_none_or(|b| !Arc::ptr_eq(b, c)))
            .map(|(i, c)| (i, c.as_slice()))
    }
    /// Number of chunks shared with `other` at the same place.
    pub fn shared_chunks(&self, other: &CowVec<T, N>) -> usize {
        self.chunks.iter().zip(&other.chunks).filter(|(a, b)| Arc::ptr_eq(a, b)).count()
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
    fn matches_a_plain_vector_under_random_writes_and_clones() {
        let mut rng = crate::rng::Rng::new(11);
        let mut v: CowVec<u64, 8> = CowVec::default();
        let mut plain: Vec<u64> = Vec::new();
        let mut kept: Vec<(CowVec<u64, 8>, Vec<u64>)> = Vec::new();
        for round in 0..2000u64 {
            match rng.below(10) {
                0 => {
                    let len = plain.len() + rng.below(20) as usize;
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
        for (c, p) in &kept {
            assert!(c.iter().eq(p.iter()), "a clone is never changed by later writes");
        }
    }
}
