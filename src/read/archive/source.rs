//! What an archive is to the readers: entries listed once (`ArchiveEntry`),
//! each opened as often as needed, and where a stored entry's bytes lie in
//! the file (`StoredRange`). `ZipSource` is one; the CLI adds a folder.

use crate::limits::Limits;
use std::io::Read;

/// One entry of an archive, as listed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ArchiveEntry {
    /// The name as stored (folders separated by `/` or `\`).
    pub name: String,
    pub size: u64,
    pub is_dir: bool,
}

/// A zip or a folder: entries listed once, opened one at a time, in any
/// order, as often as needed (the transcript and media pass re-opens them).
pub trait ArchiveSource {
    /// The archive's name, without folders, as reports and the manifest show it.
    fn name(&self) -> &str;
    /// Its size in bytes (a folder: the sum of its files).
    fn bytes(&self) -> u64;
    /// SHA-256 of a zip's bytes; for a folder, of its listing (path and size per file).
    fn sha256(&self) -> &str;
    /// How many entries it lists.
    fn entry_count(&self) -> usize;
    /// Entry `index` as listed (`None` past the last).
    fn entry(&self, index: usize) -> Option<ArchiveEntry>;
    fn open(&mut self, index: usize) -> std::io::Result<Box<dyn Read + '_>>;
    /// The limits its entries are read within (entry count, sizes, ratios).
    fn limits(&self) -> Limits {
        Limits::default()
    }
    /// Where entry `index`'s bytes lie in the archive's file, when they lie
    /// there as they are (a zip entry stored without compression), for a
    /// reader that copies them straight from the file (a Web Worker,
    /// through the File's byte stream); `None` when they do not (a
    /// compressed entry, a folder's file).
    fn stored_range(&mut self, _index: usize) -> std::io::Result<Option<StoredRange>> {
        Ok(None)
    }
}

/// An entry's bytes as they lie in its zip: from `start`, `bytes` long,
/// with the CRC-32 its central record gives them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StoredRange {
    pub start: u64,
    pub bytes: u64,
    pub crc32: u32,
}

/// Every entry of an archive as listed, in order, one at a time.
pub fn entries_of<S: ArchiveSource + ?Sized>(
    source: &S,
) -> impl Iterator<Item = ArchiveEntry> + '_ {
    (0..source.entry_count()).filter_map(|index| source.entry(index))
}
