//! The packed stores' spill in the CLI: in, the blocks of records a store
//! moves out of memory (`chorus2outdoo::model::spill`); out, an unnamed
//! temporary file per store (in `TMPDIR`, removed by the system when the
//! store is gone), written and read at offsets from any thread.

use crate::positioned::{read_exact_at, write_all_at};
use chorus2outdoo::model::spill::Spill;
use std::fs::File;
use std::io;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

struct TemporaryFile {
    file: File,
    /// The bytes written or being written: where the next piece goes.
    written: AtomicU64,
}

impl Spill for TemporaryFile {
    fn write(&self, bytes: &[u8]) -> io::Result<u64> {
        let offset = self
            .written
            .fetch_add(bytes.len() as u64, Ordering::Relaxed);
        write_all_at(&self.file, bytes, offset)?;
        Ok(offset)
    }

    fn read_at(&self, offset: u64, buffer: &mut [u8]) -> io::Result<()> {
        read_exact_at(&self.file, buffer, offset)
    }
}

/// A spill of its own for one store (`model::spill::NewSpill`).
pub fn temporary_file() -> io::Result<Arc<dyn Spill>> {
    Ok(Arc::new(TemporaryFile {
        file: tempfile::tempfile()?,
        written: AtomicU64::new(0),
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chorus2outdoo::model::packed::Packed;
    use chorus2outdoo::model::spill::spill_with;
    use std::sync::atomic::AtomicUsize;

    #[test]
    fn pieces_read_back_at_their_offsets() {
        let spill = temporary_file().unwrap();
        assert_eq!(spill.write(b"hello ").unwrap(), 0);
        assert_eq!(spill.write(b"world").unwrap(), 6);
        let mut buffer = [0; 5];
        spill.read_at(6, &mut buffer).unwrap();
        assert_eq!(&buffer, b"world");
        let mut past_the_end = [0; 4];
        assert_eq!(
            spill.read_at(9, &mut past_the_end).map_err(|e| e.kind()),
            Err(io::ErrorKind::UnexpectedEof)
        );
    }

    /// Once the CLI says so, a store too big to keep in memory makes a
    /// temporary file (one) and reads its records back from it.
    #[test]
    fn a_big_store_spills_to_a_temporary_file() {
        static MADE: AtomicUsize = AtomicUsize::new(0);
        fn counted() -> io::Result<Arc<dyn Spill>> {
            MADE.fetch_add(1, Ordering::Relaxed);
            temporary_file()
        }
        assert!(spill_with(counted));
        assert!(!spill_with(temporary_file), "said once");
        let record = |n: usize| format!("record {n} {}", "s".repeat(n % 300));
        let small: Packed<String> = (0..1_000).map(record).collect();
        assert_eq!(
            MADE.load(Ordering::Relaxed),
            0,
            "a small store stays in memory"
        );
        let big: Packed<String> = (0..80_000).map(record).collect();
        assert_eq!(MADE.load(Ordering::Relaxed), 1);
        assert!(big.iter().eq((0..80_000).map(record)));
        assert!(small.iter().eq((0..1_000).map(record)));
    }
}
