//! Limits on hostile or broken input: how large, how many, how compressed.
//! A value beyond a limit stops that file or archive entry with a message
//! naming it; the rest of the work goes on. The defaults are far above any
//! real Chorus export and far below what would exhaust memory.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Limits {
    /// Entries in one zip (call archive, workbook or package).
    pub max_entries: usize,
    /// Uncompressed bytes of one JSON entry of an archive or package
    /// (recordings are streamed, never held, and have no such limit).
    pub max_json_entry_bytes: u64,
    /// Uncompressed bytes of all entries of a tracker workbook (XLSX) together.
    pub max_workbook_bytes: u64,
    /// Bytes of one tracker export or roster file as given (CSV, JSON or
    /// XLSX): such a file is read whole, so it is refused beyond this.
    pub max_tracker_file_bytes: u64,
    /// Uncompressed size over compressed size of one zip entry, checked for
    /// entries above `ratio_floor_bytes`: Chorus JSON compresses
    /// about 10:1, a file of zeros (the usual bomb) about 1,000:1.
    pub max_compression_ratio: u64,
    /// Entries smaller than this are never refused for their ratio.
    pub ratio_floor_bytes: u64,
    /// Bytes of one cell of a tracker table (CSV or XLSX) or one JSON string
    /// of a tracker export.
    pub max_cell_bytes: usize,
    /// Bytes of an edits document (`outdoo-edits.json`).
    pub max_edits_bytes: u64,
    /// Edits in one edits document.
    pub max_edits: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_entries: 1_000_000,
            max_json_entry_bytes: 512 * 1024 * 1024,
            max_workbook_bytes: 512 * 1024 * 1024,
            max_tracker_file_bytes: 256 * 1024 * 1024,
            max_compression_ratio: 500,
            ratio_floor_bytes: 1024 * 1024,
            max_cell_bytes: 1024 * 1024,
            max_edits_bytes: 8 * 1024 * 1024,
            max_edits: 100_000,
        }
    }
}

impl Limits {
    /// Why a zip entry of `size` bytes stored in `compressed` bytes is
    /// refused for its compression ratio, if it is.
    pub fn ratio_problem(&self, size: u64, compressed: u64) -> Option<String> {
        if size <= self.ratio_floor_bytes {
            return None;
        }
        let ratio = size / compressed.max(1);
        (ratio > self.max_compression_ratio).then(|| {
            format!(
                "it would inflate {compressed} bytes into {size} ({ratio}:1, more than the limit of {}:1); \
not read, as this looks like a zip bomb",
                self.max_compression_ratio
            )
        })
    }
}
