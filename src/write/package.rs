//! The Outdoo import package (format v1): a zip written front to back with
//! `ZipWriter::new_stream`, so any `Write` works as the sink (a file, a
//! buffer, a browser stream). Entries in a fixed order, every timestamp fixed
//! at 1980-01-01 and permissions at 0644, so the same inputs give the same
//! bytes. `manifest.json` comes last: it lists every other entry with its
//! size and SHA-256. docs/import-package.md is the format's contract.

use crate::convert::{Conversion, InputRecord};
use crate::error::Result;
use crate::model::Theme;
use crate::write::report::{report_csv, report_json};
use serde::Serialize;
use sha2::{Digest, Sha256};
use std::io::Write;
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
        PackageWriter { zip: ZipWriter::new_stream(sink), files: Vec::new() }
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
        self.files.push(FileRecord { path: path.to_string(), bytes: content.len() as u64, sha256: sha256_hex(content) });
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

/// Writes the whole package for a conversion.
pub fn write_package<W: Write>(conversion: &Conversion, sink: W) -> Result<W> {
    let mut package = PackageWriter::new(sink);
    package.add("themes.json", &to_json_bytes(&ThemesFile { themes: &conversion.themes }))?;
    package.add("report.json", &report_json(&conversion.report))?;
    package.add("report.csv", &report_csv(&conversion.report))?;
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
