//! The order a periodic run reads its resources in. A run cut short by the Lambda deadline judges
//! only the first part of its list; starting each run at a different place means the rest is
//! judged by a later run, instead of the same resources being left every time.

use std::collections::hash_map::RandomState;
use std::hash::BuildHasher;

/// `items` sorted, then rotated to start at a place drawn afresh for each run.
pub fn for_this_run<T: Ord>(mut items: Vec<T>) -> Vec<T> {
    items.sort_unstable();
    let start = random_below(items.len());
    items.rotate_left(start);
    items
}

/// A number below `bound` (0 when `bound` is 0). `RandomState` is seeded at random per process
/// and differs with each instance, which is all the spread this needs without another crate.
fn random_below(bound: usize) -> usize {
    let Ok(bound64) = u64::try_from(bound) else {
        return 0;
    };
    if bound64 == 0 {
        return 0;
    }
    usize::try_from(RandomState::new().hash_one(bound) % bound64).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    #[test]
    fn every_item_is_read_once_in_sorted_order_from_some_start() {
        let order = for_this_run(vec![5, 3, 9, 1, 7]);
        let mut expected = vec![1, 3, 5, 7, 9];
        let start = expected.iter().position(|item| *item == order[0]).unwrap();
        expected.rotate_left(start);
        assert_eq!(order, expected);
    }

    #[test]
    fn runs_start_at_different_places_so_none_is_always_left_last() {
        let items: Vec<u32> = (0..100).collect();
        let starts: BTreeSet<u32> = (0..50).map(|_| for_this_run(items.clone())[0]).collect();
        assert!(starts.len() > 10, "50 runs started at only {starts:?}");
        assert!(for_this_run(Vec::<u32>::new()).is_empty());
    }
}
