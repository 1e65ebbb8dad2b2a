//! The package's entries, written one after another into any `Write`
//! sink, each with what the manifest says of it (`FileRecord`): an entry
//! written here (`PackageWriter::add`, `add_written`), one compressed
//! elsewhere and appended as it is (`PreparedEntry`: on another thread or
//! in another Web Worker, with the same bytes), or a recording stored as
//! it is, whole or in pieces. Every entry is written the same way
//! (`write::zip_stream`: deflated at level `DEFLATE_LEVEL` or stored,
//! timestamps 1980-01-01, permissions 0644, a data descriptor after the
//! data, the central directory at the end).

use crate::digest::{hex, sha256_hex, HashingWriter};
use crate::error::{Error, Result};
use crate::format::FileRecord;
use crate::model::packed::Packed;
use crate::model::Location;
pub use crate::write::zip_stream::DEFLATE_LEVEL;
use crate::write::zip_stream::{Method, OneEntryZip, ZipStream};
use serde::Serialize;
use sha2::{Digest, Sha256};
use std::io::{Read, Write};

/// Pretty JSON with a final newline: readable, diffable, stable.
pub fn to_json_bytes<T: Serialize + ?Sized>(value: &T) -> Vec<u8> {
    let mut bytes = serde_json::to_vec_pretty(value).expect("model types always serialise");
    bytes.push(b'\n');
    bytes
}

/// Whether a stored entry of `size` bytes (a recording) is declared large
/// (zip64): from 4 GiB on.
fn large(size: u64) -> bool {
    size >= u64::from(u32::MAX)
}

/// An entry compressed apart from the package (on any thread, or in another
/// Web Worker), with its manifest record, ready for
/// `PackageWriter::add_prepared`: the entry is held as a zip of its own,
/// written exactly as the package writes entries, so appending it copies
/// its local header, data and data descriptor as they are.
pub struct PreparedEntry {
    record: FileRecord,
    zip: OneEntryZip,
}

impl PreparedEntry {
    /// Deflates `content` as the entry `path`, as `PackageWriter::add` would.
    pub fn compress(path: &str, content: &[u8]) -> Result<PreparedEntry> {
        let (zip, ()) = OneEntryZip::write(
            path,
            Method::Deflated,
            false,
            content.len() / 4 + 256,
            |out| Ok(out.write_all(content)?),
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

    /// The length of its zip.
    pub fn zip_len(&self) -> u64 {
        self.zip.bytes().len() as u64
    }

    /// The manifest record and the zip, to hand to another worker.
    pub fn into_parts(self) -> (FileRecord, Vec<u8>) {
        (self.record, self.zip.into_bytes())
    }

    /// An entry from `into_parts`, checked: the zip must hold exactly the
    /// one entry the record names, framed as `compress` frames it, of the
    /// size the record names.
    pub fn from_parts(record: FileRecord, zip: Vec<u8>) -> Result<PreparedEntry> {
        let bad = |why: &str| Error::Write(format!("{}: a prepared entry that {why}", record.path));
        let zip = OneEntryZip::from_bytes(zip)
            .ok_or_else(|| bad("is not a zip of one entry as `compress` writes it"))?;
        let entry = zip.entry();
        if entry.path != record.path || entry.size != record.bytes || !entry.deflated {
            return Err(bad("holds another entry than its record names"));
        }
        Ok(PreparedEntry { record, zip })
    }
}

/// What the manifest says of the entry written through `writer`.
fn record_of<W: Write>(writer: HashingWriter<W>, path: &str) -> FileRecord {
    let (_, bytes, sha256) = writer.finish();
    FileRecord {
        path: path.to_string(),
        bytes,
        sha256: sha256.unwrap_or_default(),
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
/// per transcript).
pub struct PackageWriter<W: Write> {
    pub(crate) zip: ZipStream<W>,
    files: Packed<FileRecord>,
    /// The stored entry being written from pieces, if one is.
    stored: Option<OpenStored>,
}

/// A stored entry being written from pieces (`begin_stored` ..
/// `end_stored`): what it must come to, and what it has so far.
struct OpenStored {
    path: String,
    location: Location,
    bytes: u64,
    crc32: u32,
    hasher: Sha256,
    written: u64,
}

impl OpenStored {
    /// The refusal of `came` bytes for it, more or fewer than it holds.
    fn came_to_copy(&self, came: u64) -> Error {
        Error::input(
            self.location.clone(),
            format!(
                "the recording has {} bytes, and {came} came to copy (was the archive changed?)",
                self.bytes
            ),
        )
    }
}

impl<W: Write> PackageWriter<W> {
    pub fn new(sink: W) -> Self {
        PackageWriter {
            zip: ZipStream::new(sink),
            files: Packed::default(),
            stored: None,
        }
    }

    /// Begins an entry stored as is, whose `bytes` bytes come in pieces
    /// (`stored_bytes`) read elsewhere from the source `location` names,
    /// where they have the CRC-32 `crc32`: the same bytes as `add_stored`
    /// with the same content, for a reader that must give its event loop
    /// a turn between pieces (a Web Worker reading a File's stream).
    pub fn begin_stored(
        &mut self,
        path: &str,
        bytes: u64,
        crc32: u32,
        location: &Location,
    ) -> Result<()> {
        self.zip.open_stored(path, large(bytes))?;
        self.stored = Some(OpenStored {
            path: path.to_string(),
            location: location.clone(),
            bytes,
            crc32,
            hasher: Sha256::new(),
            written: 0,
        });
        Ok(())
    }

    /// The next piece of the stored entry begun: more than it holds is
    /// refused.
    pub fn stored_bytes(&mut self, bytes: &[u8]) -> Result<()> {
        let stored = self
            .stored
            .as_mut()
            .ok_or_else(|| Error::Write("no recording is being copied".to_string()))?;
        let written = stored.written + bytes.len() as u64;
        if written > stored.bytes {
            return Err(stored.came_to_copy(written));
        }
        self.zip.push(bytes)?;
        stored.hasher.update(bytes);
        stored.written = written;
        Ok(())
    }

    /// Ends the stored entry begun once all its bytes came, and only if
    /// they are the bytes its source's CRC-32 names; records it for the
    /// manifest. Gives its size.
    pub fn end_stored(&mut self) -> Result<u64> {
        let stored = self
            .stored
            .take()
            .ok_or_else(|| Error::Write("no recording is being copied".to_string()))?;
        if stored.written != stored.bytes {
            return Err(stored.came_to_copy(stored.written));
        }
        let entry = self.zip.close()?;
        if entry.crc32 != stored.crc32 {
            return Err(Error::input(
                stored.location,
                format!(
                    "the recording's bytes do not match its CRC-32 (the archive says {:08x}, they give {:08x}): the archive is damaged or was changed",
                    stored.crc32,
                    entry.crc32
                ),
            ));
        }
        self.files.push(&FileRecord {
            path: stored.path,
            bytes: stored.bytes,
            sha256: hex(&stored.hasher.finalize()),
        });
        Ok(stored.bytes)
    }

    /// Appends an entry compressed by `PreparedEntry::compress` and records
    /// it for the manifest: the same bytes as `add` with the same content.
    pub fn add_prepared(&mut self, entry: PreparedEntry) -> Result<()> {
        let PreparedEntry { record, zip } = entry;
        self.zip.append(&zip)?;
        self.files.push(&record);
        Ok(())
    }

    /// Adds a compressed entry and records it for the manifest.
    pub fn add(&mut self, path: &str, content: &[u8]) -> Result<()> {
        self.add_written(path, |out| out.write_all(content))
    }

    /// Writes the entry `path` kept as `method` (`large`: declared zip64),
    /// whose content `write` writes (giving what the manifest records of
    /// it).
    fn entry<T>(
        &mut self,
        path: &str,
        method: Method,
        large: bool,
        write: impl FnOnce(&mut dyn Write) -> Result<T>,
    ) -> Result<T> {
        Ok(self.zip.entry(path, method, large, write)?.1)
    }

    /// `entry`, recorded for the manifest.
    fn add_entry(
        &mut self,
        path: &str,
        method: Method,
        large: bool,
        write: impl FnOnce(&mut dyn Write) -> Result<FileRecord>,
    ) -> Result<()> {
        let record = self.entry(path, method, large, write)?;
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
        self.add_entry(path, Method::Deflated, false, |zip| {
            Ok(record_of(
                written_through(HashingWriter::new(zip), write)?,
                path,
            ))
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
        self.add_entry(path, Method::Stored, large(size), |zip| {
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
            Ok(record_of(entry, path))
        })
    }

    pub fn files(&self) -> &Packed<FileRecord> {
        &self.files
    }

    /// Writes `manifest.json` (not listed in itself), which `write` writes
    /// into the entry piece by piece from the records of every other
    /// entry, and closes the zip.
    pub(crate) fn finish(
        mut self,
        write: impl FnOnce(&mut dyn Write, &Packed<FileRecord>) -> std::io::Result<()>,
    ) -> Result<W> {
        let files = std::mem::take(&mut self.files);
        self.entry("manifest.json", Method::Deflated, false, |zip| {
            Ok(written_through(zip, |out| write(out, &files)).map(drop)?)
        })?;
        self.zip.finish()
    }
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
