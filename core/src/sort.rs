//! One sort for the whole program (#14: the browser bundle's size).
//!
//! The standard library's sorts are generic over the element and the comparator: every
//! `sort_by` call site with its own closure type is its own 3–5 KB copy of driftsort or ipnsort
//! in the wasm (session 12 counted 162 functions, 77 KB). These helpers sort the positions
//! `0..n` as `u32`s inside one non-generic function ([`order`]), comparing the elements through
//! a `&dyn Fn`, then move the elements into that order; what is generic per call site is only the
//! comparator shim and the permutation (a swap loop).
//!
//! Every helper is a stable sort (equal elements keep their order), so it replaces `sort_by`,
//! `sort_by_key` and also `sort_unstable` of a type whose equal values are indistinguishable
//! (integers, tuples of them, derived `Ord`). Same results as the standard library's, a dynamic
//! call per comparison slower: for sorts off the hot paths (checkers, rows of a view, reports).

use std::cmp::Ordering;

/// Sort `v` stably by `cmp` (as [`slice::sort_by`]).
pub fn sort_by<T>(v: &mut [T], cmp: impl Fn(&T, &T) -> Ordering) {
    let order = order(v.len(), &|a, b| cmp(&v[a], &v[b]));
    permute(v, order);
}

/// Sort `v` stably by `key` (as [`slice::sort_by_key`]).
pub fn sort_by_key<T, K: Ord>(v: &mut [T], key: impl Fn(&T) -> K) {
    sort_by(v, |a, b| key(a).cmp(&key(b)));
}

/// Sort `v` ascending (as [`slice::sort`]; for a type whose equal values are indistinguishable,
/// as [`slice::sort_unstable`]).
pub fn sort<T: Ord>(v: &mut [T]) {
    sort_by(v, T::cmp);
}

/// The positions `0..n` in the stable order `cmp` gives them: the program's one instantiation of
/// the standard library's stable sort (for `u32` and this closure).
fn order(n: usize, cmp: &dyn Fn(usize, usize) -> Ordering) -> Vec<u32> {
    let n = u32::try_from(n).expect("fewer than 2^32 elements to sort");
    let mut order: Vec<u32> = (0..n).collect();
    order.sort_by(|&a, &b| cmp(a as usize, b as usize));
    order
}

/// Move the elements of `v` so that position `i` holds what was at `order[i]` (`order` a
/// permutation of the positions), following each cycle once; `order` is used up as the marks.
fn permute<T>(v: &mut [T], mut order: Vec<u32>) {
    for start in 0..order.len() {
        let mut at = start;
        loop {
            let from = order[at] as usize;
            order[at] = at as u32;
            if from == start {
                break;
            }
            v.swap(at, from);
            at = from;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::Rng;

    #[test]
    fn sorts_as_the_standard_library_does() {
        let mut rng = Rng::new(7);
        for n in [0usize, 1, 2, 3, 5, 20, 21, 64, 65, 500] {
            // Few distinct keys, so stability is exercised; the second field tells equal keys apart.
            let v: Vec<(u64, usize)> = (0..n).map(|i| (rng.below(8), i)).collect();
            let mut want = v.clone();
            want.sort_by_key(|x| x.0);
            let mut got = v.clone();
            sort_by_key(&mut got, |x| x.0);
            assert_eq!(got, want, "n = {n}");
            let mut want = v.clone();
            let cmp = |a: &(u64, usize), b: &(u64, usize)| b.0.cmp(&a.0).then((a.1 % 2).cmp(&(b.1 % 2)));
            want.sort_by(cmp);
            let mut got = v.clone();
            sort_by(&mut got, cmp);
            assert_eq!(got, want, "descending, odd after even, n = {n}");
            let mut want = v.clone();
            want.sort_unstable();
            let mut got = v;
            sort(&mut got);
            assert_eq!(got, want, "n = {n}");
        }
    }

    #[test]
    fn moves_elements_that_are_not_copy() {
        let mut v: Vec<String> = ["pear", "apple", "fig", "apple", "kiwi"].iter().map(|s| s.to_string()).collect();
        sort_by_key(&mut v, |s| s.len());
        assert_eq!(v, ["fig", "pear", "kiwi", "apple", "apple"]);
        sort(&mut v);
        assert_eq!(v, ["apple", "apple", "fig", "kiwi", "pear"]);
    }
}
