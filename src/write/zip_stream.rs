//! The package's zip, written front to back into any `Write` sink.
//!
//! In: entries one after another, each a path, how its content is kept
//! (`Method`: deflated at `DEFLATE_LEVEL`, or stored as is), whether it is
//! declared large (zip64 sizes, needed from 4 GiB on) and its content,
//! written in one go (`ZipStream::entry`), handed over in pieces from one
//! call to the next (`open_stored`, `push`, `close`), or written apart as
//! a one-entry zip and appended as is (`OneEntryZip`, `append`). Out: per
//! entry its local header, data and data descriptor (bit 3: the sizes and
//! CRC-32 follow the data, so nothing is written twice and the sink needs
//! no seek); at the end the central directory and its end records, with
//! zip64 fields and records where an entry is large, an entry starts past
//! 4 GiB, the directory does, or there are more than 65,535 entries.
//!
//! Every entry has the same fixed metadata, so the same content gives the
//! same bytes: timestamps 1980-01-01 00:00, Unix permissions 0644 (a
//! regular file), bit 11 (UTF-8) for a non-ASCII path. The fields are
//! those the `zip` crate's `ZipWriter` writes for the same entries
//! streamed (tests/package_zip.rs compares the two, zip64 included). The
//! central directory's records are packed (`Packed<ZipEntry>`, in the CLI
//! on disk past a few MiB): a package has an entry per transcript.

use crate::error::{Error, Result};
use crate::model::packed::Packed;
use bitcode::{Decode, Encode};
use flate2::write::DeflateEncoder;
use flate2::{Compression, Crc};
use std::cell::RefCell;
use std::io::Write;

/// The deflate level of compressed entries. Measured on sample transcripts
/// (docs/performance.md): level 2 spends a fifth of the CPU time of the
/// default level 6 on deflating, for a package 16% larger; level 1 saves
/// little more time for a package about 30% larger.
pub const DEFLATE_LEVEL: i64 = 2;

const LOCAL_SIGNATURE: u32 = 0x0403_4b50;
const DESCRIPTOR_SIGNATURE: u32 = 0x0807_4b50;
const CENTRAL_SIGNATURE: u32 = 0x0201_4b50;
const END_SIGNATURE: u32 = 0x0605_4b50;
const ZIP64_END_SIGNATURE: u32 = 0x0606_4b50;
const ZIP64_LOCATOR_SIGNATURE: u32 = 0x0706_4b50;
/// The zip64 extended information extra field.
const ZIP64_EXTRA: u16 = 0x0001;
/// A 32-bit field's "see the zip64 field" value, and the size from which
/// an entry must be declared large.
const MARKER32: u64 = u32::MAX as u64;
/// The most entries a zip without zip64 end records lists.
const MAX_ENTRIES16: u64 = u16::MAX as u64;
/// "Version needed to extract": stored, deflated, zip64.
const VERSION_STORED: u16 = 10;
const VERSION_DEFLATED: u16 = 20;
const VERSION_ZIP64: u16 = 45;
/// "Version made by": Unix, so that readers take the permissions.
const MADE_ON_UNIX: u16 = 3 << 8;
/// General purpose flags: sizes and CRC-32 in a data descriptor; the path
/// in UTF-8.
const FLAG_DESCRIPTOR: u16 = 1 << 3;
const FLAG_UTF8: u16 = 1 << 11;
const COMPRESSION_STORED: u16 = 0;
const COMPRESSION_DEFLATED: u16 = 8;
/// MS-DOS date of 1980-01-01 (its time is 00:00:00, zero).
const DOS_DATE_1980: u16 = (1 << 5) | 1;
/// External attributes: a regular file with permissions 0644.
const REGULAR_0644: u32 = 0o100_644 << 16;
/// A local header with its path and extra field is less than 64 KiB.
const MAX_HEADER: usize = u16::MAX as usize;

/// How an entry's content is kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    /// Deflated at `DEFLATE_LEVEL` (JSON, CSV).
    Deflated,
    /// As it is (recordings, already compressed).
    Stored,
}

/// One entry as the central directory records it: its path, how its
/// content is kept, whether it is declared large (zip64 sizes), the
/// content's CRC-32 and sizes, and where its local header starts.
#[derive(Debug, Clone, PartialEq, Eq, Encode, Decode)]
pub struct ZipEntry {
    pub path: String,
    pub deflated: bool,
    pub large: bool,
    pub crc32: u32,
    pub compressed: u64,
    pub size: u64,
    pub offset: u64,
}

fn put16(out: &mut Vec<u8>, value: u16) {
    out.extend_from_slice(&value.to_le_bytes());
}

fn put32(out: &mut Vec<u8>, value: u32) {
    out.extend_from_slice(&value.to_le_bytes());
}

fn put64(out: &mut Vec<u8>, value: u64) {
    out.extend_from_slice(&value.to_le_bytes());
}

/// A 64-bit value in a 32-bit field: itself, or the zip64 marker.
fn field32(value: u64) -> u32 {
    value.min(MARKER32) as u32
}

impl ZipEntry {
    /// An entry about to be written at `offset`, its content still to come.
    fn begin(path: &str, method: Method, large: bool, offset: u64) -> Result<ZipEntry> {
        let entry = ZipEntry {
            path: path.to_string(),
            deflated: method == Method::Deflated,
            large,
            crc32: 0,
            compressed: 0,
            size: 0,
            offset,
        };
        if entry.local_header_len() >= MAX_HEADER {
            return Err(Error::Write(format!(
                "{path}: a path too long for a zip entry"
            )));
        }
        Ok(entry)
    }

    fn version_needed(&self) -> u16 {
        match (self.large, self.deflated) {
            (true, _) => VERSION_ZIP64,
            (false, true) => VERSION_DEFLATED,
            (false, false) => VERSION_STORED,
        }
    }

    fn flags(&self) -> u16 {
        if self.path.is_ascii() {
            FLAG_DESCRIPTOR
        } else {
            FLAG_DESCRIPTOR | FLAG_UTF8
        }
    }

    fn compression(&self) -> u16 {
        if self.deflated {
            COMPRESSION_DEFLATED
        } else {
            COMPRESSION_STORED
        }
    }

    /// The sizes go into the zip64 field: declared large, or too large for
    /// 32 bits.
    fn sizes_in_zip64(&self) -> bool {
        self.large || self.size >= MARKER32 || self.compressed >= MARKER32
    }

    /// The offset goes into the zip64 field.
    fn offset_in_zip64(&self) -> bool {
        self.offset >= MARKER32
    }

    fn local_header_len(&self) -> usize {
        30 + self.path.len() + if self.large { 20 } else { 0 }
    }

    fn descriptor_len(&self) -> u64 {
        if self.large {
            24
        } else {
            16
        }
    }

    /// Its bytes in the zip before the central directory: local header,
    /// data, data descriptor.
    pub fn local_len(&self) -> u64 {
        self.local_header_len() as u64 + self.compressed + self.descriptor_len()
    }

    fn central_extra_len(&self) -> u16 {
        let sizes = if self.sizes_in_zip64() { 16 } else { 0 };
        let offset = if self.offset_in_zip64() { 8 } else { 0 };
        match sizes + offset {
            0 => 0,
            fields => 4 + fields,
        }
    }

    /// The length of its central directory record.
    pub fn central_len(&self) -> u64 {
        46 + self.path.len() as u64 + u64::from(self.central_extra_len())
    }

    /// The local header, written before the content: the CRC-32 and sizes
    /// come after it (in the data descriptor), so they are zero here, as
    /// are a large entry's sizes in its zip64 field.
    fn local_header(&self, out: &mut Vec<u8>) {
        put32(out, LOCAL_SIGNATURE);
        put16(out, self.version_needed());
        put16(out, self.flags());
        put16(out, self.compression());
        put16(out, 0);
        put16(out, DOS_DATE_1980);
        put32(out, 0);
        put32(out, 0);
        put32(out, 0);
        put16(out, self.path.len() as u16);
        put16(out, if self.large { 20 } else { 0 });
        out.extend_from_slice(self.path.as_bytes());
        if self.large {
            put16(out, ZIP64_EXTRA);
            put16(out, 16);
            put64(out, 0);
            put64(out, 0);
        }
    }

    /// The data descriptor, after the content: CRC-32 and sizes, 64-bit
    /// for a large entry.
    fn descriptor(&self, out: &mut Vec<u8>) {
        put32(out, DESCRIPTOR_SIGNATURE);
        put32(out, self.crc32);
        if self.large {
            put64(out, self.compressed);
            put64(out, self.size);
        } else {
            put32(out, self.compressed as u32);
            put32(out, self.size as u32);
        }
    }

    /// The central directory record: sizes and offset, or where they do
    /// not fit in 32 bits (sizes: or the entry is declared large) their
    /// markers and a zip64 field holding them.
    fn central_record(&self, out: &mut Vec<u8>) {
        let version = self.version_needed();
        let sizes64 = self.sizes_in_zip64();
        put32(out, CENTRAL_SIGNATURE);
        put16(out, MADE_ON_UNIX | version);
        put16(out, version);
        put16(out, self.flags());
        put16(out, self.compression());
        put16(out, 0);
        put16(out, DOS_DATE_1980);
        put32(out, self.crc32);
        if sizes64 {
            put32(out, u32::MAX);
            put32(out, u32::MAX);
        } else {
            put32(out, self.compressed as u32);
            put32(out, self.size as u32);
        }
        put16(out, self.path.len() as u16);
        put16(out, self.central_extra_len());
        put16(out, 0); // comment
        put16(out, 0); // disk
        put16(out, 0); // internal attributes
        put32(out, REGULAR_0644);
        put32(out, field32(self.offset));
        out.extend_from_slice(self.path.as_bytes());
        if self.central_extra_len() > 0 {
            put16(out, ZIP64_EXTRA);
            put16(out, self.central_extra_len() - 4);
            if sizes64 {
                put64(out, self.size);
                put64(out, self.compressed);
            }
            if self.offset_in_zip64() {
                put64(out, self.offset);
            }
        }
    }
}

/// The end of central directory record, after the zip64 end record and its
/// locator when the directory needs them (more than 65,535 entries, or it
/// or its end past 4 GiB).
fn end_records(entries: u64, start: u64, size: u64, version_needed: u16, out: &mut Vec<u8>) {
    let zip64 = entries > MAX_ENTRIES16 || size.max(start) > MARKER32;
    if zip64 {
        put32(out, ZIP64_END_SIGNATURE);
        put64(out, 44);
        put16(out, version_needed);
        put16(out, version_needed);
        put32(out, 0);
        put32(out, 0);
        put64(out, entries);
        put64(out, entries);
        put64(out, size);
        put64(out, start);
        put32(out, ZIP64_LOCATOR_SIGNATURE);
        put32(out, 0);
        put64(out, start + size);
        put32(out, 1);
    }
    let entries16 = entries.min(MAX_ENTRIES16) as u16;
    put32(out, END_SIGNATURE);
    put32(out, 0);
    put16(out, entries16);
    put16(out, entries16);
    put32(out, if zip64 { u32::MAX } else { size as u32 });
    put32(out, field32(start));
    put16(out, 0);
}

/// The CRC-32 and size of an entry's content so far, refusing a content
/// of 4 GiB or more for an entry not declared large.
struct Tally {
    crc: Crc,
    size: u64,
    large: bool,
}

impl Tally {
    fn new(large: bool) -> Tally {
        Tally {
            crc: Crc::new(),
            size: 0,
            large,
        }
    }

    fn add(&mut self, bytes: &[u8]) -> std::io::Result<()> {
        self.crc.update(bytes);
        self.size += bytes.len() as u64;
        if !self.large && self.size >= MARKER32 {
            return Err(std::io::Error::other(
                "an entry of 4 GiB or more not declared large (zip64)",
            ));
        }
        Ok(())
    }
}

/// An entry's content on its way into `inner` (the sink, or a deflate
/// encoder writing into it), tallied.
struct Data<'t, O: Write> {
    inner: O,
    tally: &'t mut Tally,
}

impl<O: Write> Write for Data<'_, O> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        if buf.is_empty() {
            return Ok(0);
        }
        let n = self.inner.write(buf)?;
        self.tally.add(&buf[..n])?;
        Ok(n)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}

thread_local! {
    /// The deflate encoder, kept from one entry to the next on each thread
    /// (reset between them, as a new one): setting one up costs about as
    /// much as deflating a small transcript.
    static DEFLATER: RefCell<Option<DeflateEncoder<Vec<u8>>>> = const { RefCell::new(None) };
}

/// Deflates what is written into `sink`, through the thread's encoder.
struct Deflating<'s, W: Write> {
    encoder: DeflateEncoder<Vec<u8>>,
    sink: &'s mut Counted<W>,
}

impl<'s, W: Write> Deflating<'s, W> {
    fn new(sink: &'s mut Counted<W>) -> Self {
        let encoder = DEFLATER
            .with(|cell| cell.borrow_mut().take())
            .unwrap_or_else(|| {
                DeflateEncoder::new(Vec::new(), Compression::new(DEFLATE_LEVEL as u32))
            });
        Deflating { encoder, sink }
    }

    /// Passes on what the encoder wrote.
    fn pass_on(&mut self) -> std::io::Result<()> {
        let out = self.encoder.get_mut();
        self.sink.write_all(out)?;
        out.clear();
        Ok(())
    }

    /// Ends the deflated stream and keeps the encoder, reset, for the next
    /// entry.
    fn finish(mut self) -> std::io::Result<()> {
        let mut rest = self.encoder.reset(Vec::new())?;
        self.sink.write_all(&rest)?;
        rest.clear();
        *self.encoder.get_mut() = rest;
        DEFLATER.with(|cell| *cell.borrow_mut() = Some(self.encoder));
        Ok(())
    }
}

impl<W: Write> Write for Deflating<'_, W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = self.encoder.write(buf)?;
        self.pass_on()?;
        Ok(n)
    }

    /// Ends the deflate block early (a sync flush), as a deflate writer
    /// does (`report.csv`'s writer flushes once, at its end).
    fn flush(&mut self) -> std::io::Result<()> {
        self.encoder.flush()?;
        self.pass_on()
    }
}

/// The sink, counting what it passed on.
struct Counted<W: Write> {
    inner: W,
    position: u64,
}

impl<W: Write> Write for Counted<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.position += n as u64;
        Ok(n)
    }

    /// An entry's writer flushing does not reach the sink, which its owner
    /// flushes (a browser sink hands over a chunk when it flushes).
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// A stored entry whose content comes in pieces (`open_stored` ..
/// `close`).
struct OpenEntry {
    entry: ZipEntry,
    tally: Tally,
}

/// A zip being written: entries appended one after another, their central
/// records packed until `finish` writes the central directory.
pub struct ZipStream<W: Write> {
    sink: Counted<W>,
    central: Packed<ZipEntry>,
    central_bytes: u64,
    open: Option<OpenEntry>,
    /// Where a record is put together before it goes to the sink.
    record: Vec<u8>,
}

impl<W: Write> ZipStream<W> {
    pub fn new(sink: W) -> Self {
        ZipStream {
            sink: Counted {
                inner: sink,
                position: 0,
            },
            central: Packed::default(),
            central_bytes: 0,
            open: None,
            record: Vec::with_capacity(256),
        }
    }

    /// The bytes written so far, and the central directory's so far
    /// (written by `finish`, before its end records).
    pub fn written(&self) -> (u64, u64) {
        (self.sink.position, self.central_bytes)
    }

    /// Refuses to write anything about `path` while an entry is open.
    fn not_open(&self, path: &str) -> Result<()> {
        match &self.open {
            Some(open) => Err(Error::Write(format!(
                "{path}: cannot be written while {} is not finished",
                open.entry.path
            ))),
            None => Ok(()),
        }
    }

    /// Writes `write` into the record buffer, then the buffer to the sink.
    fn put(&mut self, write: impl FnOnce(&mut Vec<u8>)) -> Result<()> {
        self.record.clear();
        write(&mut self.record);
        self.sink.write_all(&self.record)?;
        Ok(())
    }

    /// Begins `path` at the current position with its local header.
    fn begin(&mut self, path: &str, method: Method, large: bool) -> Result<ZipEntry> {
        self.not_open(path)?;
        let entry = ZipEntry::begin(path, method, large, self.sink.position)?;
        self.put(|out| entry.local_header(out))?;
        Ok(entry)
    }

    /// Ends `entry`, its content written up to here with `tally`: writes
    /// its data descriptor and records it for the central directory.
    fn end(&mut self, mut entry: ZipEntry, tally: Tally) -> Result<ZipEntry> {
        entry.crc32 = tally.crc.sum();
        entry.size = tally.size;
        entry.compressed = self.sink.position - entry.offset - entry.local_header_len() as u64;
        if !entry.large && entry.compressed >= MARKER32 {
            return Err(Error::Write(format!(
                "{}: an entry of 4 GiB or more not declared large (zip64)",
                entry.path
            )));
        }
        self.put(|out| entry.descriptor(out))?;
        self.record(&entry);
        Ok(entry)
    }

    fn record(&mut self, entry: &ZipEntry) {
        self.central_bytes += entry.central_len();
        self.central.push(entry);
    }

    /// Writes the entry `path`, whose content `write` writes; gives the
    /// entry as recorded and what `write` made.
    pub fn entry<T>(
        &mut self,
        path: &str,
        method: Method,
        large: bool,
        write: impl FnOnce(&mut dyn Write) -> Result<T>,
    ) -> Result<(ZipEntry, T)> {
        let entry = self.begin(path, method, large)?;
        let mut tally = Tally::new(large);
        let failed = |e: std::io::Error| Error::Write(format!("{path}: {e}"));
        let made = match method {
            Method::Stored => write(&mut Data {
                inner: &mut self.sink,
                tally: &mut tally,
            })?,
            Method::Deflated => {
                let mut data = Data {
                    inner: Deflating::new(&mut self.sink),
                    tally: &mut tally,
                };
                let made = write(&mut data)?;
                data.inner.finish().map_err(failed)?;
                made
            }
        };
        Ok((self.end(entry, tally)?, made))
    }

    /// Begins the stored entry `path`, whose content comes in pieces
    /// (`push`) until `close`: the same bytes as `entry` writing that
    /// content.
    pub fn open_stored(&mut self, path: &str, large: bool) -> Result<()> {
        let entry = self.begin(path, Method::Stored, large)?;
        self.open = Some(OpenEntry {
            entry,
            tally: Tally::new(large),
        });
        Ok(())
    }

    /// The open entry's next piece of content.
    pub fn push(&mut self, bytes: &[u8]) -> Result<()> {
        let open = self
            .open
            .as_mut()
            .ok_or_else(|| Error::Write("no entry is open for its content".to_string()))?;
        open.tally
            .add(bytes)
            .map_err(|e| Error::Write(format!("{}: {e}", open.entry.path)))?;
        self.sink.write_all(bytes)?;
        Ok(())
    }

    /// Ends the open entry; gives it as recorded.
    pub fn close(&mut self) -> Result<ZipEntry> {
        let OpenEntry { entry, tally } = self
            .open
            .take()
            .ok_or_else(|| Error::Write("no entry is open to finish".to_string()))?;
        self.end(entry, tally)
    }

    /// Appends an entry written apart, as it is.
    pub fn append(&mut self, zip: &OneEntryZip) -> Result<()> {
        self.not_open(&zip.entry.path)?;
        let entry = ZipEntry {
            offset: self.sink.position,
            ..zip.entry.clone()
        };
        self.sink.write_all(zip.local_bytes())?;
        self.record(&entry);
        Ok(())
    }

    /// Writes the central directory and its end records, and hands the
    /// sink back.
    pub fn finish(mut self) -> Result<W> {
        self.not_open("the central directory")?;
        let start = self.sink.position;
        let mut version_needed = VERSION_STORED;
        let central = std::mem::take(&mut self.central);
        for entry in central.iter() {
            self.put(|out| entry.central_record(out))?;
            version_needed = version_needed.max(entry.version_needed());
        }
        let size = self.sink.position - start;
        let entries = central.len() as u64;
        self.put(|out| end_records(entries, start, size, version_needed, out))?;
        Ok(self.sink.inner)
    }
}

/// An entry written apart from the zip it goes into (on another thread,
/// or in another Web Worker) as a zip of its own, which `ZipStream::append`
/// copies from: its local header, data and data descriptor go in as they
/// are.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OneEntryZip {
    bytes: Vec<u8>,
    entry: ZipEntry,
}

impl OneEntryZip {
    /// Writes the entry `path` as `ZipStream::entry` would, into a zip of
    /// its own; gives it and what `write` made.
    pub fn write<T>(
        path: &str,
        method: Method,
        large: bool,
        capacity: usize,
        write: impl FnOnce(&mut dyn Write) -> Result<T>,
    ) -> Result<(OneEntryZip, T)> {
        let mut zip = ZipStream::new(Vec::with_capacity(capacity));
        let (entry, made) = zip.entry(path, method, large, write)?;
        let bytes = zip.finish()?;
        Ok((OneEntryZip { bytes, entry }, made))
    }

    /// The zip `write` wrote, given back as bytes (from another Web
    /// Worker), if it is one: a zip of one entry framed exactly as `write`
    /// frames it (local header, data descriptor, central record, end
    /// record). Only its data is taken as it comes.
    pub fn from_bytes(bytes: Vec<u8>) -> Option<OneEntryZip> {
        let entry = Self::entry_in(&bytes)?;
        let mut framing = Vec::new();
        entry.local_header(&mut framing);
        let header = framing.len();
        entry.descriptor(&mut framing);
        entry.central_record(&mut framing);
        end_records(
            1,
            entry.local_len(),
            entry.central_len(),
            entry.version_needed(),
            &mut framing,
        );
        let tail = framing.len() - header;
        if Some(bytes.len() as u64) != entry.compressed.checked_add(framing.len() as u64)
            || bytes[..header] != framing[..header]
            || bytes[bytes.len() - tail..] != framing[header..]
        {
            return None;
        }
        Some(OneEntryZip { bytes, entry })
    }

    /// The entry its central record describes, read as `write` writes it.
    fn entry_in(bytes: &[u8]) -> Option<ZipEntry> {
        let u16_at = |at: usize| Some(u16::from_le_bytes(bytes.get(at..at + 2)?.try_into().ok()?));
        let u32_at = |at: usize| Some(u32::from_le_bytes(bytes.get(at..at + 4)?.try_into().ok()?));
        let u64_at = |at: usize| Some(u64::from_le_bytes(bytes.get(at..at + 8)?.try_into().ok()?));
        let end = bytes.len().checked_sub(22)?;
        let central = usize::try_from(u32_at(end + 16)?).ok()?;
        if u32_at(central)? != CENTRAL_SIGNATURE {
            return None;
        }
        let name = central.checked_add(46)?;
        let name_end = name + usize::from(u16_at(central + 28)?);
        let path = std::str::from_utf8(bytes.get(name..name_end)?).ok()?;
        let large = u16_at(central + 6)? == VERSION_ZIP64;
        let (size, compressed) = if large {
            let field = name_end + 4;
            (u64_at(field)?, u64_at(field + 8)?)
        } else {
            (
                u64::from(u32_at(central + 24)?),
                u64::from(u32_at(central + 20)?),
            )
        };
        if compressed > bytes.len() as u64 {
            return None;
        }
        Some(ZipEntry {
            path: path.to_string(),
            deflated: u16_at(central + 10)? == COMPRESSION_DEFLATED,
            large,
            crc32: u32_at(central + 16)?,
            compressed,
            size,
            offset: 0,
        })
    }

    /// The entry as its zip's central directory records it (at offset 0).
    pub fn entry(&self) -> &ZipEntry {
        &self.entry
    }

    /// The zip's bytes.
    pub fn bytes(&self) -> &[u8] {
        &self.bytes
    }

    pub fn into_bytes(self) -> Vec<u8> {
        self.bytes
    }

    /// Its local header, data and data descriptor: what goes into another
    /// zip.
    fn local_bytes(&self) -> &[u8] {
        &self.bytes[..self.entry.local_len() as usize]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn one(path: &str, method: Method, content: &[u8]) -> OneEntryZip {
        OneEntryZip::write(path, method, false, 0, |out| Ok(out.write_all(content)?))
            .unwrap()
            .0
    }

    /// A one-entry zip given back as bytes is taken only as written here:
    /// the same bytes give the same entry; a byte changed in its framing,
    /// or bytes cut off or added are refused.
    #[test]
    fn a_one_entry_zip_comes_back_only_as_written() {
        let zip = one("transcripts/a.json", Method::Deflated, b"{\"a\": 1}\n");
        let again = OneEntryZip::from_bytes(zip.bytes().to_vec()).unwrap();
        assert_eq!(again, zip);
        assert_eq!(zip.entry().path, "transcripts/a.json");
        assert_eq!(zip.entry().size, 9);
        assert_eq!(zip.entry().crc32, flate2_crc(b"{\"a\": 1}\n"));

        let header = zip.entry().local_header_len();
        let data_end = header + zip.entry().compressed as usize;
        for at in [0, 8, 26, 30, header, data_end + 4, zip.bytes().len() - 10] {
            let mut changed = zip.bytes().to_vec();
            changed[at] ^= 1;
            // A byte of the data itself is taken as it comes.
            assert_eq!(
                OneEntryZip::from_bytes(changed).is_some(),
                at == header,
                "byte {at} changed"
            );
        }
        let mut longer = zip.bytes().to_vec();
        longer.push(0);
        assert!(OneEntryZip::from_bytes(longer).is_none());
        assert!(OneEntryZip::from_bytes(zip.bytes()[1..].to_vec()).is_none());
        assert!(OneEntryZip::from_bytes(Vec::new()).is_none());
        assert!(OneEntryZip::from_bytes(b"not a zip".to_vec()).is_none());
    }

    fn flate2_crc(bytes: &[u8]) -> u32 {
        let mut crc = Crc::new();
        crc.update(bytes);
        crc.sum()
    }

    /// An entry of 4 GiB or more must be declared large: counted as its
    /// content comes, without writing it.
    #[test]
    fn past_4_gib_an_entry_must_be_declared_large() {
        let mut tally = Tally::new(false);
        tally.size = MARKER32 - 2;
        assert!(tally.add(b"x").is_ok());
        assert_eq!(
            tally.add(b"x").unwrap_err().to_string(),
            "an entry of 4 GiB or more not declared large (zip64)"
        );
        let mut large = Tally::new(true);
        large.size = MARKER32 - 1;
        assert!(large.add(b"xyz").is_ok());
    }

    /// The records an entry gets where sizes and offsets need zip64, field
    /// by field.
    #[test]
    fn central_records_carry_zip64_fields_only_where_needed() {
        let entry = |large, offset| ZipEntry {
            path: "media/a.mp4".to_string(),
            deflated: false,
            large,
            crc32: 7,
            compressed: 5,
            size: 5,
            offset,
        };
        let record = |entry: &ZipEntry| {
            let mut out = Vec::new();
            entry.central_record(&mut out);
            assert_eq!(out.len() as u64, entry.central_len());
            out
        };
        // Small, near the start: no extra field.
        let small = record(&entry(false, 100));
        assert_eq!(small[30..32], [0, 0]);
        assert_eq!(small[42..46], 100u32.to_le_bytes());
        assert_eq!(small[4..8], [10, 3, 10, 0]);
        // Declared large: sizes in the zip64 field, markers in the record.
        let large = record(&entry(true, 100));
        assert_eq!(large[4..8], [45, 3, 45, 0]);
        assert_eq!(large[20..28], [0xff; 8]);
        assert_eq!(
            large[57..77],
            {
                let mut field = vec![1, 0, 16, 0];
                field.extend_from_slice(&5u64.to_le_bytes());
                field.extend_from_slice(&5u64.to_le_bytes());
                field
            }[..]
        );
        // Past 4 GiB: the offset alone in the zip64 field.
        let far = record(&entry(false, 5 << 30));
        assert_eq!(far[20..28], [5, 0, 0, 0, 5, 0, 0, 0]);
        assert_eq!(far[42..46], [0xff; 4]);
        assert_eq!(
            far[57..69],
            {
                let mut field = vec![1, 0, 8, 0];
                field.extend_from_slice(&(5u64 << 30).to_le_bytes());
                field
            }[..]
        );
    }
}
