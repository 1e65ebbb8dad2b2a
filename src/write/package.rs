//! The Outdoo import package (format v1): a zip written front to back, each
//! entry by `ZipWriter::new_stream` (assembled by `write::central`, which
//! keeps the central directory packed), so any `Write` works as the sink (a
//! file, a buffer, a browser stream). Entries in a fixed order, every timestamp fixed
//! at 1980-01-01 and permissions at 0644, so the same inputs give the same
//! bytes. `manifest.json` comes last: it lists every other entry with its
//! size and SHA-256. docs/import-package.md is the format's contract.
//!
//! Entry order: `themes.json`; with call archives `calls.jsonl`,
//! `transcripts/<id>.json` and `media/<id>.<ext>` (in `calls.jsonl` order),
//! `users.json`, `users.csv`, and with topics too `fidelity.json` (the
//! replay of the triggers against Chorus's tracker hits, tallied as the
//! transcripts are added); then `report.json`, `report.csv`, and
//! `manifest.json`.
//!
//! Transcripts may be compressed apart from the package, on any thread or in
//! another Web Worker (`PreparedEntry::compress`: the entry as a one-entry
//! streamed zip, plain bytes that can cross to another worker), and
//! appended in order (`add_prepared`, which copies that zip's entry as it
//! is): the bytes are the same as when the writer compresses them itself.

use crate::convert::{Conversion, InputRecord};
use crate::decide::fidelity::FidelityTally;
use crate::decide::replay::Replay;
use crate::error::{Error, Result};
use crate::model::calls::TrackerHitRecord;
use crate::model::packed::{packed_struct, Packed};
use crate::model::{Location, Theme};
use crate::read::archive::ArchiveSource;
use crate::write::calls::{
    prepare_transcript, write_calls_head, write_calls_tail, PreparedTranscript, TranscriptJob,
    TranscriptSupply,
};
use crate::write::central::ZipAssembly;
use crate::write::report::{write_report_csv, write_report_json};
use serde::Serialize;
use sha2::{Digest, Sha256};
use std::io::{Cursor, Read, Write};
use zip::write::SimpleFileOptions;
use zip::{CompressionMethod, DateTime, ZipArchive, ZipWriter};

pub const FORMAT_NAME: &str = "outdoo-import-package";
pub const FORMAT_VERSION: u32 = 1;

pub fn sha256_hex(bytes: &[u8]) -> String {
    hex(&Sha256::digest(bytes))
}

/// Bytes (a digest) as lower-case hex.
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Pretty JSON with a final newline: readable, diffable, stable.
pub fn to_json_bytes<T: Serialize + ?Sized>(value: &T) -> Vec<u8> {
    let mut bytes = serde_json::to_vec_pretty(value).expect("model types always serialise");
    bytes.push(b'\n');
    bytes
}

/// One entry as the manifest lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FileRecord {
    pub path: String,
    pub bytes: u64,
    pub sha256: String,
}
packed_struct!(FileRecord {
    path,
    bytes,
    sha256
});

#[derive(Serialize)]
struct ThemesFile<'a> {
    themes: &'a [Theme],
}

#[derive(Serialize)]
struct Manifest<'a> {
    format: &'static str,
    format_version: u32,
    generator: &'static str,
    inputs: &'a [InputRecord],
    counts: crate::convert::Counts,
    files: &'a Packed<FileRecord>,
}

/// The deflate level of compressed entries. Measured on sample transcripts
/// (docs/performance.md): level 2 spends a fifth of the CPU time of the
/// default level 6 on deflating, for a package 16% larger; level 1 saves
/// little more time for a package about 30% larger.
pub const DEFLATE_LEVEL: i64 = 2;

fn entry_options(method: CompressionMethod) -> SimpleFileOptions {
    let options = SimpleFileOptions::default()
        .compression_method(method)
        .last_modified_time(DateTime::default())
        .unix_permissions(0o644);
    match method {
        CompressionMethod::Deflated => options.compression_level(Some(DEFLATE_LEVEL)),
        _ => options,
    }
}

/// Writes one entry, `path` with `options`, whose content `write` writes,
/// as a one-entry streamed zip into `sink`: how every entry of the package
/// is written, in the package (`PackageWriter`) or apart from it
/// (`PreparedEntry::compress`), so that both give the same bytes.
fn one_entry_zip<O: Write, T>(
    sink: O,
    path: &str,
    options: SimpleFileOptions,
    write: impl FnOnce(&mut dyn Write) -> Result<T>,
) -> Result<(O, T)> {
    let mut zip = ZipWriter::new_stream(sink);
    zip.start_file(path, options)?;
    let made = write(&mut zip)?;
    Ok((zip.finish()?.into_inner(), made))
}

/// An entry compressed apart from the package (on any thread, or in another
/// Web Worker), with its manifest record, ready for
/// `PackageWriter::add_prepared`: the entry is held as a one-entry zip
/// written exactly as the package writes entries, so appending it copies
/// its local header, data and data descriptor as they are.
pub struct PreparedEntry {
    record: FileRecord,
    zip: Vec<u8>,
}

impl PreparedEntry {
    /// Deflates `content` as the entry `path`, as `PackageWriter::add` would.
    pub fn compress(path: &str, content: &[u8]) -> Result<PreparedEntry> {
        let (zip, ()) = one_entry_zip(
            Vec::with_capacity(content.len() / 4 + 256),
            path,
            entry_options(CompressionMethod::Deflated),
            |zip| Ok(zip.write_all(content)?),
        )?;
        Ok(PreparedEntry {
            record: FileRecord {
                path: path.to_string(),
                bytes: content.len() as u64,
                sha256: sha256_hex(content),
            },
            zip,
        })
    }

    pub fn path(&self) -> &str {
        &self.record.path
    }

    /// The manifest record and the one-entry zip, to hand to another worker.
    pub fn into_parts(self) -> (FileRecord, Vec<u8>) {
        (self.record, self.zip)
    }

    /// An entry from `into_parts`, checked: the zip must hold exactly the
    /// one entry the record names, of the size it names.
    pub fn from_parts(record: FileRecord, zip: Vec<u8>) -> Result<PreparedEntry> {
        let bad = |why: &str| Error::Write(format!("{}: a prepared entry that {why}", record.path));
        let mut archive =
            ZipArchive::new(Cursor::new(&zip[..])).map_err(|_| bad("is not a zip"))?;
        if archive.len() != 1 {
            return Err(bad("does not hold exactly one entry"));
        }
        let entry = archive.by_index_raw(0).map_err(|_| bad("cannot be read"))?;
        if entry.name_raw() != record.path.as_bytes() || entry.size() != record.bytes {
            return Err(bad("holds another entry than its record names"));
        }
        drop(entry);
        Ok(PreparedEntry { record, zip })
    }
}

/// Passes bytes on to `inner`, hashing and counting them.
struct HashingWriter<W: Write> {
    inner: W,
    hasher: Sha256,
    bytes: u64,
}

impl<W: Write> HashingWriter<W> {
    fn new(inner: W) -> Self {
        HashingWriter {
            inner,
            hasher: Sha256::new(),
            bytes: 0,
        }
    }

    /// What the manifest says of the entry written through it.
    fn record(self, path: &str) -> FileRecord {
        FileRecord {
            path: path.to_string(),
            bytes: self.bytes,
            sha256: hex(&self.hasher.finalize()),
        }
    }
}

impl<W: Write> Write for HashingWriter<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.hasher.update(&buf[..n]);
        self.bytes += n as u64;
        Ok(n)
    }
    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}

/// `write` writing into `out` through a 64 KiB buffer; gives `out` back.
/// The buffer is emptied with `into_inner`, not `flush`: a flush would end
/// a deflate block early and change the entry's bytes.
fn written_through<O: Write>(
    out: O,
    write: impl FnOnce(&mut dyn Write) -> std::io::Result<()>,
) -> std::io::Result<O> {
    let mut buffered = std::io::BufWriter::with_capacity(64 * 1024, out);
    write(&mut buffered)?;
    buffered.into_inner().map_err(|e| e.into_error())
}

/// Writes entries one after another and remembers what it wrote for the
/// manifest and the central directory (both packed: a package has an entry
/// per transcript). Each entry is written by the zip crate as a one-entry
/// zip whose own bytes go on to the sink (`write::central`).
pub struct PackageWriter<W: Write> {
    zip: ZipAssembly<W>,
    files: Packed<FileRecord>,
}

impl<W: Write> PackageWriter<W> {
    pub fn new(sink: W) -> Self {
        PackageWriter {
            zip: ZipAssembly::new(sink),
            files: Packed::default(),
        }
    }

    /// Appends an entry compressed by `PreparedEntry::compress` and records
    /// it for the manifest: the same bytes as `add` with the same content.
    pub fn add_prepared(&mut self, entry: PreparedEntry) -> Result<()> {
        let PreparedEntry { record, zip } = entry;
        self.zip.append(&zip, &record.path)?;
        self.files.push(&record);
        Ok(())
    }

    /// Adds a compressed entry and records it for the manifest.
    pub fn add(&mut self, path: &str, content: &[u8]) -> Result<()> {
        self.add_written(path, |out| out.write_all(content))
    }

    /// Writes the entry `path` with `options`, whose content `write`
    /// writes (giving what the manifest records of it).
    fn entry<T>(
        &mut self,
        path: &str,
        options: SimpleFileOptions,
        write: impl FnOnce(&mut dyn Write) -> Result<T>,
    ) -> Result<T> {
        self.zip
            .entry(path, |sink| one_entry_zip(sink, path, options, write))
    }

    /// `entry`, recorded for the manifest.
    fn add_entry(
        &mut self,
        path: &str,
        options: SimpleFileOptions,
        write: impl FnOnce(&mut dyn Write) -> Result<FileRecord>,
    ) -> Result<()> {
        let record = self.entry(path, options, write)?;
        self.files.push(&record);
        Ok(())
    }

    /// Adds a compressed entry whose content `write` writes into it piece by
    /// piece (a long `calls.jsonl`, the report), hashed and counted on the
    /// way for the manifest: the same bytes as `add` with the whole content,
    /// without holding it.
    pub fn add_written(
        &mut self,
        path: &str,
        write: impl FnOnce(&mut dyn Write) -> std::io::Result<()>,
    ) -> Result<()> {
        self.add_entry(path, entry_options(CompressionMethod::Deflated), |zip| {
            Ok(written_through(HashingWriter::new(zip), write)?.record(path))
        })
    }

    /// Adds an entry stored as is (no compression), copied from `content`
    /// in blocks and hashed on the way: for recordings, which are already
    /// compressed. `size` is the expected length (it decides whether the
    /// entry needs zip64); `location` names the source for read errors.
    pub fn add_stored(
        &mut self,
        path: &str,
        content: &mut dyn Read,
        size: u64,
        location: &Location,
    ) -> Result<()> {
        let options =
            entry_options(CompressionMethod::Stored).large_file(size >= u64::from(u32::MAX));
        self.add_entry(path, options, |zip| {
            let mut entry = HashingWriter::new(zip);
            let mut buffer = vec![0u8; 64 * 1024];
            loop {
                let n = content.read(&mut buffer).map_err(|e| {
                    Error::input(location.clone(), format!("cannot read the recording: {e}"))
                })?;
                if n == 0 {
                    break;
                }
                entry.write_all(&buffer[..n])?;
            }
            Ok(entry.record(path))
        })
    }

    pub fn files(&self) -> &Packed<FileRecord> {
        &self.files
    }

    /// Writes `manifest.json` (not listed in itself), which `write` writes
    /// into the entry piece by piece from the records of every other
    /// entry, and closes the zip.
    fn finish(
        mut self,
        write: impl FnOnce(&mut dyn Write, &Packed<FileRecord>) -> std::io::Result<()>,
    ) -> Result<W> {
        let files = std::mem::take(&mut self.files);
        self.entry(
            "manifest.json",
            entry_options(CompressionMethod::Deflated),
            |zip| Ok(written_through(zip, |out| write(out, &files)).map(drop)?),
        )?;
        self.zip.finish()
    }
}

/// A package being written in steps, for a writer that gets its transcript
/// entries from elsewhere (other threads, other Web Workers) as they come:
/// `begin` writes what precedes the transcripts, `add_transcript` takes
/// them in `transcript_jobs` order, `finish` writes the rest.
pub struct PackageSession<W: Write> {
    package: PackageWriter<W>,
    jobs: Packed<TranscriptJob>,
    next: usize,
    fidelity: Option<FidelityRun>,
}

/// The replay of a package's triggers and its tally, while the transcripts
/// are added: Chorus's hits of each transcript job's call, in job order.
struct FidelityRun {
    replay: Replay,
    tally: FidelityTally,
    chorus: Packed<Option<Vec<TrackerHitRecord>>>,
}

impl<W: Write> PackageSession<W> {
    /// Writes `themes.json` and, with call archives, `calls.jsonl`.
    pub fn begin(conversion: &Conversion, sink: W) -> Result<Self> {
        let mut package = PackageWriter::new(sink);
        package.add(
            "themes.json",
            &to_json_bytes(&ThemesFile {
                themes: &conversion.themes,
            }),
        )?;
        if let Some(calls) = &conversion.calls {
            write_calls_head(&mut package, calls)?;
        }
        let fidelity = conversion.replay().map(|replay| FidelityRun {
            replay,
            tally: FidelityTally::new(&conversion.themes),
            chorus: conversion
                .calls
                .iter()
                .flat_map(|calls| calls.calls.iter())
                .filter(|planned| planned.transcript.is_some() && planned.call.transcript.is_some())
                .map(|planned| planned.chorus_trackers)
                .collect(),
        });
        Ok(PackageSession {
            package,
            jobs: conversion.transcript_jobs(),
            next: 0,
            fidelity,
        })
    }

    /// The transcript entry the package takes next, if any is left.
    pub fn next_job(&self) -> Option<TranscriptJob> {
        self.jobs.get(self.next)
    }

    /// The replay every transcript entry must be prepared with, if the
    /// package has topics to replay.
    pub fn replay(&self) -> Option<&Replay> {
        self.fidelity.as_ref().map(|run| &run.replay)
    }

    /// Appends the next transcript entry, prepared with `replay()`; one for
    /// another path is refused.
    pub fn add_transcript(&mut self, prepared: PreparedTranscript) -> Result<()> {
        let PreparedTranscript { entry, hits } = prepared;
        match self.next_job() {
            Some(job) if job.path == entry.path() => {}
            expected => {
                return Err(Error::Write(format!(
                    "{}: a transcript out of order (the package takes {} next)",
                    entry.path(),
                    expected.map_or("no more transcripts".to_string(), |j| j.path)
                )))
            }
        }
        if let (Some(run), Some(job)) = (self.fidelity.as_mut(), self.jobs.get(self.next)) {
            let chorus = run.chorus.get(self.next).flatten();
            run.tally.add_call(&job.source_id, chorus.as_deref(), &hits);
        }
        self.package.add_prepared(entry)?;
        self.next += 1;
        Ok(())
    }

    /// Writes the recordings (re-read from `archives`), the users, the
    /// report and the manifest, and hands the sink back. Every transcript
    /// must have been added.
    pub fn finish(
        mut self,
        conversion: &Conversion,
        archives: &mut [&mut dyn ArchiveSource],
    ) -> Result<W> {
        if let Some(job) = self.next_job() {
            return Err(Error::Write(format!(
                "{}: the package was finished without this transcript",
                job.path
            )));
        }
        let package = &mut self.package;
        if let Some(calls) = &conversion.calls {
            write_calls_tail(package, calls, archives)?;
        }
        let mut counts = conversion.counts();
        if let Some(run) = self.fidelity.take() {
            let fidelity = run.tally.finish();
            counts.fidelity = Some(fidelity.summary.clone());
            package.add("fidelity.json", &to_json_bytes(&fidelity))?;
        }
        let skipped = conversion.calls.as_ref().map(|calls| &calls.skipped);
        package.add_written("report.json", |out| {
            write_report_json(&conversion.report, skipped, out)
        })?;
        package.add_written("report.csv", |out| {
            write_report_csv(&conversion.report, skipped, out)
        })?;
        // Streamed (the bytes `to_json_bytes` would give): at tens of
        // thousands of entries the manifest is megabytes.
        self.package.finish(|out, files| {
            let manifest = Manifest {
                format: FORMAT_NAME,
                format_version: FORMAT_VERSION,
                generator: crate::GENERATOR,
                inputs: &conversion.inputs,
                counts,
                files,
            };
            serde_json::to_writer_pretty(&mut *out, &manifest)?;
            out.write_all(b"\n")
        })
    }
}

/// Writes the whole package for a conversion; transcripts and recordings
/// are re-read from `archives` (the sources the conversion read, in order).
/// `transcripts`, when given, supplies the transcript entries (else they
/// are prepared here, one at a time).
pub fn write_package<W: Write>(
    conversion: &Conversion,
    archives: &mut [&mut dyn ArchiveSource],
    mut transcripts: Option<&mut TranscriptSupply>,
    sink: W,
) -> Result<W> {
    let mut session = PackageSession::begin(conversion, sink)?;
    while let Some(job) = session.next_job() {
        let entry = match transcripts.as_deref_mut() {
            Some(supply) => supply(&job)?,
            None => prepare_transcript(&job, archives, session.replay())?,
        };
        session.add_transcript(entry)?;
    }
    session.finish(conversion, archives)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(seed: u32, lines: u32) -> Vec<u8> {
        (0..lines)
            .flat_map(|i| {
                format!(
                    "{{\"line\": {i}, \"seed\": {seed}, \"x\": {}}}\n",
                    i * seed % 97
                )
                .into_bytes()
            })
            .collect()
    }

    /// Entries added directly and the same entries prepared apart give the
    /// same package: prepared entries in a row, after and before direct
    /// ones, an empty one, and a stored one between them.
    #[test]
    fn prepared_entries_are_byte_identical() {
        let contents: Vec<(String, Vec<u8>)> = (0..6)
            .map(|i| (format!("transcripts/{i}.json"), text(i + 1, 500 * i)))
            .collect();
        let write = |prepared: bool| {
            let mut package = PackageWriter::new(Vec::new());
            package.add("calls.jsonl", &text(9, 3000)).unwrap();
            for (path, content) in &contents {
                if prepared {
                    package
                        .add_prepared(PreparedEntry::compress(path, content).unwrap())
                        .unwrap();
                } else {
                    package.add(path, content).unwrap();
                }
            }
            let recording = b"\0\0\0\x20ftypisom recording";
            package
                .add_stored(
                    "media/a.mp4",
                    &mut &recording[..],
                    recording.len() as u64,
                    &Location::file("a.zip"),
                )
                .unwrap();
            if prepared {
                let last = PreparedEntry::compress("last.json", b"{}\n").unwrap();
                package.add_prepared(last).unwrap();
            } else {
                package.add("last.json", b"{}\n").unwrap();
            }
            let files: Vec<FileRecord> = package.files().iter().collect();
            (
                package.finish(|out, _| out.write_all(b"{}\n")).unwrap(),
                files,
            )
        };
        let (direct, direct_files) = write(false);
        let (prepared, prepared_files) = write(true);
        assert_eq!(direct_files, prepared_files);
        assert!(direct == prepared, "the packages differ");
        let mut zip = zip::ZipArchive::new(std::io::Cursor::new(prepared)).unwrap();
        let mut transcript = String::new();
        zip.by_name("transcripts/3.json")
            .unwrap()
            .read_to_string(&mut transcript)
            .unwrap();
        assert_eq!(transcript.as_bytes(), &contents[3].1[..]);
    }
}
