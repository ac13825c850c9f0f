//! A stable sort for sequences that are a few sorted runs with local disorder: the findings
//! handed on per step are the step's findings (sorted) followed by those decided before the
//! per-object pass (sorted), where merging concerns put a few findings a place or two from
//! theirs. A general sort finds no long runs in such a sequence and sorts it all again; this
//! one costs about two comparisons per item. The result is that of any stable sort.

use std::cmp::Ordering;

/// How far back an item may be inserted into the current run before it starts a new one.
const NEAR: usize = 16;

/// The stable sorted order of items `0..n` under `cmp`, as the list of their indices.
pub(crate) fn stable_order(n: usize, cmp: impl Fn(u32, u32) -> Ordering) -> Vec<u32> {
    let less = |a: u32, b: u32| cmp(a, b) == Ordering::Less;
    let mut order: Vec<u32> = Vec::with_capacity(n);
    // Where each run starts in `order`.
    let mut runs: Vec<usize> = vec![0];
    for i in 0..n as u32 {
        let run = runs[runs.len() - 1];
        let len = order.len();
        // Past every item of the run that is greater (an equal one stays before: stable).
        let mut j = len;
        while j > run && len - j < NEAR && less(i, order[j - 1]) {
            j -= 1;
        }
        if j > run && less(i, order[j - 1]) {
            runs.push(len);
            order.push(i);
        } else {
            order.insert(j, i);
        }
    }
    // Adjacent runs merge pairwise (the left one first on ties) until one is left.
    let mut buf: Vec<u32> = Vec::with_capacity(if runs.len() > 1 { n } else { 0 });
    while runs.len() > 1 {
        buf.clear();
        let mut merged = Vec::with_capacity(runs.len().div_ceil(2));
        let mut k = 0;
        while k < runs.len() {
            let a = runs[k];
            let b = runs.get(k + 1).copied().unwrap_or(n);
            let c = runs.get(k + 2).copied().unwrap_or(n);
            merged.push(buf.len());
            let (left, right) = (&order[a..b], &order[b..c]);
            if right.is_empty() || !less(right[0], left[left.len() - 1]) {
                // Already in order.
                buf.extend_from_slice(&order[a..c]);
            } else {
                let (mut x, mut y) = (0, 0);
                while x < left.len() && y < right.len() {
                    if less(right[y], left[x]) {
                        buf.push(right[y]);
                        y += 1;
                    } else {
                        buf.push(left[x]);
                        x += 1;
                    }
                }
                buf.extend_from_slice(&left[x..]);
                buf.extend_from_slice(&right[y..]);
            }
            k += 2;
        }
        std::mem::swap(&mut order, &mut buf);
        runs = merged;
    }
    order
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Checks `stable_order` against the standard library's stable sort on `keys`.
    fn check(keys: &[u32]) {
        let mut expected: Vec<u32> = (0..keys.len() as u32).collect();
        expected.sort_by_key(|&i| keys[i as usize]);
        let got = stable_order(keys.len(), |a, b| keys[a as usize].cmp(&keys[b as usize]));
        assert_eq!(got, expected, "{keys:?}");
    }

    #[test]
    fn agrees_with_a_stable_sort() {
        check(&[]);
        check(&[1]);
        check(&[2, 1]);
        check(&[1, 1, 1]);
        // Sorted runs, runs with local disorder, a second run interleaving the first, ties.
        let sorted: Vec<u32> = (0..200).collect();
        check(&sorted);
        let mut near = sorted.clone();
        for k in (5..190).step_by(7) {
            near.swap(k, k + 2);
        }
        check(&near);
        let mut two: Vec<u32> = (0..300).map(|x| x * 2).collect();
        two.extend((0..100).map(|x| x * 6 + 1));
        check(&two);
        let mut ties: Vec<u32> = (0..300).map(|x| x / 5).collect();
        ties.extend((0..60).map(|x| x / 2));
        ties.swap(10, 40);
        check(&ties);
        // Pseudo-random keys with many ties: the general case still sorts, stably.
        let mut x = 12345u32;
        for len in [3, 17, 100, 1000] {
            let keys: Vec<u32> = (0..len)
                .map(|_| {
                    x = x.wrapping_mul(1_103_515_245).wrapping_add(12345);
                    (x >> 16) % 50
                })
                .collect();
            check(&keys);
            let rev: Vec<u32> = keys.iter().rev().copied().collect();
            check(&rev);
            let mut s = keys.clone();
            s.sort();
            s.reverse();
            check(&s);
        }
    }
}
