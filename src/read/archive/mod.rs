//! Call archives: a zip or a folder of pre-downloaded Chorus data in, the
//! records it holds out (`ArchiveContents`), each located by archive, entry
//! and JSON pointer, plus an `ArchiveSummary` of what was found. The first
//! pass reads every entry (`read_archive`) or a range of them
//! (`read_entries`, for threads and Web Workers): ranges read apart and
//! appended in order (`ArchiveRead`) give what one read gives.
//!
//! An archive is anything that lists entries and opens one at a time
//! (`ArchiveSource`): `ZipSource` reads a zip through `Read + Seek`; the CLI
//! adds a folder source. Entries are detected by content, never by name:
//! JSON documents (engagement pages, conversation documents, users lists),
//! a users CSV, or a recording (by magic bytes, matched to its call by the
//! 32-hex engagement id its file name starts with). Junk (`__MACOSX/`,
//! `.DS_Store`, `Thumbs.db`, `._*`) and folders are ignored; anything else
//! is listed in the report as unrecognised. Entry names are only ever used
//! to locate a record, never as an output path.
//!
//! One file a job: `source` (what an archive is), `zip_source` (a zip, its
//! listing and its digest), `entries` (the first pass over the entries),
//! `contents` (what it found, appended and as bytes) and `names` (ids, junk
//! and recordings' magic bytes).

mod contents;
mod entries;
mod names;
mod source;
mod zip_source;

pub use crate::model::conversion::ArchiveSummary;
pub use contents::{ArchiveContents, ArchiveRead, UnreadableEntry};
pub use entries::{entry_ranges, read_archive, read_entries, read_entries_within};
// For the wasm binding, its only user outside this module.
#[cfg_attr(not(target_arch = "wasm32"), allow(unused_imports))]
pub(crate) use names::is_junk;
pub use names::{base_name, id_from_name, is_call_id, media_format};
pub use source::{entries_of, ArchiveEntry, ArchiveSource, StoredRange};
pub use zip_source::{ArchiveHasher, ZipSource};
