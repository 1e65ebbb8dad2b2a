//! Records sorted however many there are: records pushed in any order in,
//! the same records out in their order (`Sorter`), without holding them
//! all as values. A run of up to `RUN_RECORDS` records is sorted in memory
//! and packed into one store (`Packed`, in the CLI on disk past its first
//! blocks); the runs are then merged. The decision sorts the ids of every
//! call this way instead of indexing them in hash maps, which grew with the
//! archive.

use crate::model::packed::Packed;
use bitcode::{DecodeOwned, Encode};
use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::ops::Range;

/// Records per run sorted in memory: some 6 MB of the decision's keys.
const RUN_RECORDS: usize = 1 << 17;

/// Collects records, then gives them back sorted (stable: equal records
/// come out in the order they were pushed).
pub struct Sorter<T> {
    run: Vec<T>,
    runs: Packed<T>,
    bounds: Vec<Range<usize>>,
    run_records: usize,
}

impl<T: Encode + DecodeOwned + Ord> Default for Sorter<T> {
    fn default() -> Self {
        Sorter::with_run_records(RUN_RECORDS)
    }
}

impl<T: Encode + DecodeOwned + Ord> Sorter<T> {
    /// A sorter whose runs hold `run_records` records (at least one).
    pub fn with_run_records(run_records: usize) -> Self {
        Sorter {
            run: Vec::new(),
            runs: Packed::default(),
            bounds: Vec::new(),
            run_records: run_records.max(1),
        }
    }

    pub fn push(&mut self, record: T) {
        self.run.push(record);
        if self.run.len() >= self.run_records {
            self.end_run();
        }
    }

    fn end_run(&mut self) {
        self.run.sort();
        let start = self.runs.len();
        for record in self.run.drain(..) {
            self.runs.push(&record);
        }
        self.bounds.push(start..self.runs.len());
    }

    /// Every record pushed, in order.
    pub fn sorted(mut self) -> Sorted<T> {
        if self.bounds.is_empty() {
            self.run.sort();
            return Sorted::Memory(self.run.into_iter());
        }
        if !self.run.is_empty() {
            self.end_run();
        }
        let mut heap = BinaryHeap::new();
        for (run, bounds) in self.bounds.iter_mut().enumerate() {
            if let Some(record) = self.runs.get(bounds.start) {
                bounds.start += 1;
                heap.push(Reverse((record, run)));
            }
        }
        Sorted::Merge {
            runs: self.runs,
            bounds: self.bounds,
            heap,
        }
    }
}

/// The records of a `Sorter`, in order.
pub enum Sorted<T> {
    /// Fewer records than one run: sorted in memory.
    Memory(std::vec::IntoIter<T>),
    /// Runs merged: the next record of each run waits in the heap, with
    /// its run (the earlier run first among equal records).
    Merge {
        runs: Packed<T>,
        bounds: Vec<Range<usize>>,
        heap: BinaryHeap<Reverse<(T, usize)>>,
    },
}

impl<T: Encode + DecodeOwned + Ord> Iterator for Sorted<T> {
    type Item = T;

    fn next(&mut self) -> Option<T> {
        match self {
            Sorted::Memory(records) => records.next(),
            Sorted::Merge { runs, bounds, heap } => {
                let Reverse((record, run)) = heap.pop()?;
                let bounds = &mut bounds[run];
                if bounds.start < bounds.end {
                    if let Some(next) = runs.get(bounds.start) {
                        heap.push(Reverse((next, run)));
                    }
                    bounds.start += 1;
                }
                Some(record)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A record whose order is its key alone, to see that equal keys keep
    /// the order they were pushed in.
    #[derive(Debug, Clone, PartialEq, Eq, bitcode::Encode, bitcode::Decode)]
    struct Keyed(u64, u64);

    impl Ord for Keyed {
        fn cmp(&self, other: &Self) -> std::cmp::Ordering {
            self.0.cmp(&other.0)
        }
    }

    impl PartialOrd for Keyed {
        fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
            Some(self.cmp(other))
        }
    }

    fn pushed(count: u64) -> Vec<Keyed> {
        // Keys 0-96 in a scrambled order, each many times; the second
        // field counts the pushes.
        (0..count).map(|n| Keyed(n * 37 % 97, n)).collect()
    }

    fn sorted_with(run_records: usize, records: &[Keyed]) -> Vec<Keyed> {
        let mut sorter = Sorter::with_run_records(run_records);
        for record in records {
            sorter.push(record.clone());
        }
        sorter.sorted().collect()
    }

    #[test]
    fn runs_merge_into_one_stable_order() {
        let records = pushed(1_000);
        let mut expected = records.clone();
        expected.sort(); // stable
        for run_records in [1, 7, 100, 999, 1_000, 5_000] {
            assert_eq!(
                sorted_with(run_records, &records),
                expected,
                "runs of {run_records}"
            );
        }
        assert_eq!(sorted_with(3, &[]), []);
        assert_eq!(
            sorted_with(
                2,
                &[
                    Keyed(5, 0),
                    Keyed(1, 1),
                    Keyed(5, 2),
                    Keyed(0, 3),
                    Keyed(1, 4)
                ]
            ),
            [
                Keyed(0, 3),
                Keyed(1, 1),
                Keyed(1, 4),
                Keyed(5, 0),
                Keyed(5, 2)
            ]
        );
    }

    /// Runs of the default size, with the index of where they lie past
    /// what a store keeps in memory.
    #[test]
    fn runs_of_the_default_size_merge() {
        let records = pushed(400_000);
        let mut expected = records.clone();
        expected.sort();
        assert!(sorted_with(RUN_RECORDS, &records) == expected);
    }
}
