//! The Outdoo import package (format v1) for a conversion. In: the
//! conversion and the sources it read (transcripts and recordings are
//! re-read from them), optionally the transcript entries prepared
//! elsewhere. Out: the package, whole into one sink (`write_package`) or
//! split into parts within a size (`write_package_parts`). The names a
//! caller of the writer uses are here, wherever they live.
//!
//! The package is a zip written front to back (`write::zip_stream`), so
//! any `Write` works as the sink (a file, a buffer, a browser stream).
//! Entries in a fixed order, every timestamp fixed at 1980-01-01 and
//! permissions at 0644, so the same inputs give the same bytes.
//! `manifest.json` comes last (`write::manifest`): it lists every other
//! entry with its size and SHA-256. docs/import-package.md is the format's
//! contract.
//!
//! Entry order: `themes.json`; with call archives `calls.jsonl`,
//! `transcripts/<id>.json` and `media/<id>.<ext>` (in `calls.jsonl` order),
//! `users.json`, `users.csv`, and with topics too `fidelity.json` (the
//! replay of the triggers against Chorus's tracker hits, tallied as the
//! transcripts are added); then `report.json`, `report.csv`, and
//! `manifest.json`. Split into parts, each part is such a package of its
//! own, its `calls.jsonl` after its transcripts and recordings.
//!
//! Transcripts may be compressed apart from the package, on any thread or
//! in another Web Worker (`PreparedEntry::compress`: the entry as a zip of
//! its own, plain bytes that can cross to another worker), and appended in
//! order (`add_prepared`, which copies that zip's entry as it is): the
//! bytes are the same as when the writer compresses them itself. The
//! writer that takes them as they come is `write::session`
//! (`PackageSession`); `write::split` bounds the parts.

use crate::error::Result;
use crate::model::conversion::Conversion;
use crate::read::archive::ArchiveSource;
use crate::write::calls::{prepare_transcript, TranscriptSupply};
pub use crate::write::entries::{to_json_bytes, PackageWriter, PreparedEntry, DEFLATE_LEVEL};
pub use crate::write::output::{PackageOutput, Whole, Written, WrittenPart};
pub use crate::write::session::{NextRecording, PackageSession, Placing};
use std::io::Write;

/// Writes the whole package for a conversion; transcripts and recordings
/// are re-read from `archives` (the sources the conversion read, in order).
/// `transcripts`, when given, supplies the transcript entries (else they
/// are prepared here, one at a time).
pub fn write_package<W: Write>(
    conversion: &Conversion,
    archives: &mut [&mut dyn ArchiveSource],
    transcripts: Option<&mut TranscriptSupply>,
    sink: W,
) -> Result<W> {
    write_package_parts(conversion, archives, transcripts, Whole::new(sink), None)?
        .output
        .into_inner()
}

/// `write_package` into `output`, split into parts of at most `part_size`
/// bytes when given.
pub fn write_package_parts<O: PackageOutput>(
    conversion: &Conversion,
    archives: &mut [&mut dyn ArchiveSource],
    mut transcripts: Option<&mut TranscriptSupply>,
    output: O,
    part_size: Option<u64>,
) -> Result<Written<O>> {
    let mut session = PackageSession::begin_parts(conversion, output, part_size)?;
    while let Some(job) = session.next_job() {
        let entry = match transcripts.as_deref_mut() {
            Some(supply) => supply(&job)?,
            None => prepare_transcript(&job, archives, session.replay())?,
        };
        session.add_transcript(entry, conversion, archives)?;
    }
    session.finish_parts(conversion, archives)
}
