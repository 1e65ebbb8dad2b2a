//! The Outdoo import package (format v1): a zip written front to back with
//! `ZipWriter::new_stream`, so any `Write` works as the sink (a file, a
//! buffer, a browser stream). Entries in a fixed order, every timestamp fixed
//! at 1980-01-01 and permissions at 0644, so the same inputs give the same
//! bytes. `manifest.json` comes last: it lists every other entry with its
//! size and SHA-256. docs/import-package.md is the format's contract.
//!
//! Entry order: `themes.json`; with call archives `calls.jsonl`,
//! `transcripts/<id>.json` and `media/<id>.<ext>` (in `calls.jsonl` order),
//! `users.json`, `users.csv`; then `report.json`, `report.csv`, and
//! `manifest.json`.
//!
//! Transcripts may be compressed apart from the package, on any thread
//! (`PreparedEntry::compress`), and appended in order (`add_prepared`): the
//! bytes are the same as when the writer compresses them itself.

use crate::convert::{Conversion, InputRecord};
use crate::error::{Error, Result};
use crate::model::{Location, Theme};
use crate::read::archive::ArchiveSource;
use crate::write::calls::{write_calls, TranscriptSupply};
use crate::write::report::{
    report_csv, report_csv_with_skipped, report_json, report_json_with_skipped,
};
use serde::Serialize;
use sha2::{Digest, Sha256};
use std::cell::RefCell;
use std::io::{Read, Write};
use zip::write::{PreparedZipFile, SimpleFileOptions, StreamWriter, ZipFileBuilder};
use zip::{CompressionMethod, DateTime, ZipWriter};

pub const FORMAT_NAME: &str = "outdoo-import-package";
pub const FORMAT_VERSION: u32 = 1;

pub fn sha256_hex(bytes: &[u8]) -> String {
    hex(&Sha256::digest(bytes))
}

fn hex(bytes: &[u8]) -> String {
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
    files: &'a [FileRecord],
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

/// An entry compressed apart from the package (on any thread), with its
/// manifest record, ready for `PackageWriter::add_prepared`.
pub struct PreparedEntry {
    record: FileRecord,
    zip: PreparedZipFile,
}

impl PreparedEntry {
    /// Deflates `content` as the entry `path`, as `PackageWriter::add` would.
    pub fn compress(path: &str, content: &[u8]) -> Result<PreparedEntry> {
        let mut builder = ZipFileBuilder::new(path, entry_options(CompressionMethod::Deflated))?;
        builder.write_all(content)?;
        Ok(PreparedEntry {
            record: FileRecord {
                path: path.to_string(),
                bytes: content.len() as u64,
                sha256: sha256_hex(content),
            },
            zip: builder.finish()?,
        })
    }

    pub fn path(&self) -> &str {
        &self.record.path
    }
}

/// The package's sink. While a prepared entry is appended it holds the
/// bytes back, to clear the CRC-32 that the zip writer puts into that
/// entry's local header: a streamed entry's header carries zeros there (the
/// real value follows in its data descriptor), and so must this one, for
/// the package to be byte-identical however it was compressed. The cells
/// let the package writer reach the sink through the zip writer's shared
/// reference.
struct Sink<W: Write> {
    inner: RefCell<W>,
    held: RefCell<Held>,
}

/// The bytes the sink holds back; the buffer is kept for the next entry.
enum Held {
    Nothing(Vec<u8>),
    /// Bytes written while a prepared entry is appended.
    Holding(Vec<u8>),
    /// Patched bytes, written out before anything else.
    Ready(Vec<u8>),
}

impl<W: Write> Sink<W> {
    fn new(inner: W) -> Self {
        Sink {
            inner: RefCell::new(inner),
            held: RefCell::new(Held::Nothing(Vec::new())),
        }
    }

    /// Writes out the patched bytes of the last prepared entry, if any.
    fn write_ready(&self) -> std::io::Result<()> {
        let mut held = self.held.borrow_mut();
        if let Held::Ready(bytes) = &mut *held {
            let mut bytes = std::mem::take(bytes);
            let written = self.inner.borrow_mut().write_all(&bytes);
            bytes.clear();
            *held = Held::Nothing(bytes);
            written?;
        }
        Ok(())
    }

    fn hold(&self) {
        let mut held = self.held.borrow_mut();
        let buffer = match &mut *held {
            Held::Nothing(bytes) | Held::Holding(bytes) | Held::Ready(bytes) => {
                std::mem::take(bytes)
            }
        };
        *held = Held::Holding(buffer);
    }

    fn take_held(&self) -> Vec<u8> {
        let mut held = self.held.borrow_mut();
        match std::mem::replace(&mut *held, Held::Nothing(Vec::new())) {
            Held::Nothing(bytes) | Held::Holding(bytes) | Held::Ready(bytes) => bytes,
        }
    }
}

impl<W: Write> Write for Sink<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        if let Held::Holding(bytes) = self.held.get_mut() {
            bytes.extend_from_slice(buf);
            return Ok(buf.len());
        }
        self.write_ready()?;
        self.inner.get_mut().write(buf)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        if matches!(self.held.get_mut(), Held::Holding(_)) {
            return Ok(());
        }
        self.write_ready()?;
        self.inner.get_mut().flush()
    }
}

/// Bytes of a local file header before the file name, and of a data
/// descriptor (with its signature) for an entry under 4 GiB.
const LOCAL_HEADER_BYTES: usize = 30;
const DATA_DESCRIPTOR_BYTES: usize = 16;
/// Where the CRC-32 sits in a local file header.
const LOCAL_HEADER_CRC: std::ops::Range<usize> = 14..18;

/// Clears the CRC-32 in the local header of the entry `name` that ends
/// `held` (header, `compressed` bytes of data, data descriptor).
fn clear_local_crc(held: &mut [u8], name: &[u8], compressed: usize) -> Option<()> {
    let start = held
        .len()
        .checked_sub(DATA_DESCRIPTOR_BYTES + compressed + LOCAL_HEADER_BYTES + name.len())?;
    let header = &mut held[start..];
    let name_at = LOCAL_HEADER_BYTES..LOCAL_HEADER_BYTES + name.len();
    if !header.starts_with(b"PK\x03\x04") || &header[name_at] != name {
        return None;
    }
    header[LOCAL_HEADER_CRC].fill(0);
    Some(())
}

/// Writes entries one after another and remembers what it wrote for the
/// manifest.
pub struct PackageWriter<W: Write> {
    zip: ZipWriter<StreamWriter<Sink<W>>>,
    files: Vec<FileRecord>,
}

impl<W: Write> PackageWriter<W> {
    pub fn new(sink: W) -> Self {
        PackageWriter {
            zip: ZipWriter::new_stream(Sink::new(sink)),
            files: Vec::new(),
        }
    }

    fn options(method: CompressionMethod) -> SimpleFileOptions {
        entry_options(method)
    }

    fn sink(&self) -> &Sink<W> {
        self.zip
            .get_ref()
            .expect("the package is open until finished")
            .get_ref()
    }

    /// Appends an entry compressed by `PreparedEntry::compress` and records
    /// it for the manifest: the same bytes as `add` with the same content.
    pub fn add_prepared(&mut self, entry: PreparedEntry) -> Result<()> {
        let PreparedEntry { record, zip } = entry;
        let compressed = zip.compressed_size();
        if compressed >= u64::from(u32::MAX) || zip.uncompressed_size() >= u64::from(u32::MAX) {
            return Err(Error::Write(format!(
                "{}: a prepared entry of 4 GiB or more",
                record.path
            )));
        }
        self.sink().write_ready()?;
        self.sink().hold();
        let appended = self.zip.add_prepared_file(zip);
        let mut held = self.sink().take_held();
        appended?;
        clear_local_crc(&mut held, record.path.as_bytes(), compressed as usize).ok_or_else(
            || {
                Error::Write(format!(
                    "{}: the local header of a prepared entry is not where it belongs",
                    record.path
                ))
            },
        )?;
        *self.sink().held.borrow_mut() = Held::Ready(held);
        self.files.push(record);
        Ok(())
    }

    fn write_entry(&mut self, path: &str, content: &[u8], method: CompressionMethod) -> Result<()> {
        self.zip.start_file(path, Self::options(method))?;
        self.zip.write_all(content)?;
        Ok(())
    }

    /// Adds a compressed entry and records it for the manifest.
    pub fn add(&mut self, path: &str, content: &[u8]) -> Result<()> {
        self.write_entry(path, content, CompressionMethod::Deflated)?;
        self.files.push(FileRecord {
            path: path.to_string(),
            bytes: content.len() as u64,
            sha256: sha256_hex(content),
        });
        Ok(())
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
            Self::options(CompressionMethod::Stored).large_file(size >= u64::from(u32::MAX));
        self.zip.start_file(path, options)?;
        let mut hasher = Sha256::new();
        let mut buffer = vec![0u8; 64 * 1024];
        let mut bytes = 0u64;
        loop {
            let n = content.read(&mut buffer).map_err(|e| {
                Error::input(location.clone(), format!("cannot read the recording: {e}"))
            })?;
            if n == 0 {
                break;
            }
            hasher.update(&buffer[..n]);
            self.zip.write_all(&buffer[..n])?;
            bytes += n as u64;
        }
        self.files.push(FileRecord {
            path: path.to_string(),
            bytes,
            sha256: hex(&hasher.finalize()),
        });
        Ok(())
    }

    pub fn files(&self) -> &[FileRecord] {
        &self.files
    }

    /// Writes `manifest.json` (not listed in itself) and closes the zip.
    fn finish(mut self, manifest: &[u8]) -> Result<W> {
        self.write_entry("manifest.json", manifest, CompressionMethod::Deflated)?;
        let sink = self.zip.finish()?.into_inner();
        sink.write_ready()?;
        Ok(sink.inner.into_inner())
    }
}

/// Writes the whole package for a conversion; transcripts and recordings
/// are re-read from `archives` (the sources the conversion read, in order).
/// `transcripts`, when given, supplies the transcript entries (see
/// `write::calls::write_calls`).
pub fn write_package<W: Write>(
    conversion: &Conversion,
    archives: &mut [&mut dyn ArchiveSource],
    transcripts: Option<&mut TranscriptSupply>,
    sink: W,
) -> Result<W> {
    let mut package = PackageWriter::new(sink);
    package.add(
        "themes.json",
        &to_json_bytes(&ThemesFile {
            themes: &conversion.themes,
        }),
    )?;
    match &conversion.calls {
        Some(calls) => {
            write_calls(&mut package, calls, archives, transcripts)?;
            package.add(
                "report.json",
                &report_json_with_skipped(&conversion.report, &calls.skipped),
            )?;
            package.add(
                "report.csv",
                &report_csv_with_skipped(&conversion.report, &calls.skipped),
            )?;
        }
        None => {
            package.add("report.json", &report_json(&conversion.report))?;
            package.add("report.csv", &report_csv(&conversion.report))?;
        }
    }
    let manifest = Manifest {
        format: FORMAT_NAME,
        format_version: FORMAT_VERSION,
        generator: crate::GENERATOR,
        inputs: &conversion.inputs,
        counts: conversion.counts(),
        files: package.files(),
    };
    let manifest = to_json_bytes(&manifest);
    package.finish(&manifest)
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
            let files = package.files().to_vec();
            (package.finish(b"{}\n").unwrap(), files)
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
