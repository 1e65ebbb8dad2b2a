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

use crate::convert::{Conversion, InputRecord};
use crate::error::{Error, Result};
use crate::model::{Location, Theme};
use crate::read::archive::ArchiveSource;
use crate::write::calls::write_calls;
use crate::write::report::{
    report_csv, report_csv_with_skipped, report_json, report_json_with_skipped,
};
use serde::Serialize;
use sha2::{Digest, Sha256};
use std::io::{Read, Write};
use zip::write::{SimpleFileOptions, StreamWriter};
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

/// Writes entries one after another and remembers what it wrote for the
/// manifest.
pub struct PackageWriter<W: Write> {
    zip: ZipWriter<StreamWriter<W>>,
    files: Vec<FileRecord>,
}

impl<W: Write> PackageWriter<W> {
    pub fn new(sink: W) -> Self {
        PackageWriter {
            zip: ZipWriter::new_stream(sink),
            files: Vec::new(),
        }
    }

    fn options(method: CompressionMethod) -> SimpleFileOptions {
        SimpleFileOptions::default()
            .compression_method(method)
            .last_modified_time(DateTime::default())
            .unix_permissions(0o644)
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
        Ok(self.zip.finish()?.into_inner())
    }
}

/// Writes the whole package for a conversion; transcripts and recordings
/// are re-read from `archives` (the sources the conversion read, in order).
pub fn write_package<W: Write>(
    conversion: &Conversion,
    archives: &mut [&mut dyn ArchiveSource],
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
            write_calls(&mut package, calls, archives)?;
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
