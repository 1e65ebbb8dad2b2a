//! `manifest.json`, the package's last entry: the run's inputs, the
//! part's counts, its number in a package split into parts, and the record
//! (path, size, SHA-256) of every other entry in; the manifest's JSON out,
//! streamed (at tens of thousands of entries it is megabytes).

use crate::format::{FileRecord, FORMAT_NAME, FORMAT_VERSION};
use crate::model::conversion::{Counts, InputRecord};
use crate::model::packed::Packed;
use serde::Serialize;
use std::io::Write;

#[derive(Serialize)]
struct Manifest<'a> {
    format: &'static str,
    format_version: u32,
    generator: &'static str,
    /// The part's number, in a package split into parts.
    #[serde(skip_serializing_if = "Option::is_none")]
    part: Option<usize>,
    inputs: &'a [InputRecord],
    counts: Counts,
    files: &'a Packed<FileRecord>,
}

/// Writes `manifest.json`: the run's inputs, the part's counts, its number
/// when the package is split into parts, and every other entry's record.
pub(crate) fn write_manifest(
    out: &mut dyn Write,
    inputs: &[InputRecord],
    counts: &Counts,
    part: Option<usize>,
    files: &Packed<FileRecord>,
) -> std::io::Result<()> {
    let manifest = Manifest {
        format: FORMAT_NAME,
        format_version: FORMAT_VERSION,
        generator: crate::GENERATOR,
        part,
        inputs,
        counts: counts.clone(),
        files,
    };
    serde_json::to_writer_pretty(&mut *out, &manifest)?;
    out.write_all(b"\n")
}
