//! The package's zip assembled entry by entry, with its central directory
//! packed (natively on disk past a few MiB) instead of held by the zip
//! writer: a package has an entry per transcript, and the writer's record
//! per entry would grow with the archive.
//!
//! In: each entry as a one-entry zip written by the zip crate (streamed
//! through `HeldBack`, which keeps only the last bytes back, whole in
//! memory for an entry prepared elsewhere, or kept open while its content
//! comes in pieces, one call after another). Out: the entry's own bytes
//! (local header, data, data descriptor) passed on to the package, and its
//! central-directory record moved to the entry's offset in the package;
//! at the end, the central directory and its end records. The bytes are
//! those the zip crate writes for the same entries in one `ZipWriter`
//! (tests/package_zip.rs compares them, zip64 included).

use crate::error::{Error, Result};
use crate::model::packed::{pack_bytes, unpack_bytes, Pack, Packed};
use std::io::Write;
use std::sync::{Arc, Mutex};
use zip::write::{SimpleFileOptions, StreamWriter};
use zip::ZipWriter;

const CENTRAL_SIGNATURE: u32 = 0x0201_4b50;
const END_SIGNATURE: u32 = 0x0605_4b50;
const ZIP64_END_SIGNATURE: u32 = 0x0606_4b50;
const ZIP64_LOCATOR_SIGNATURE: u32 = 0x0706_4b50;
/// The zip64 extended information extra field.
const ZIP64_EXTRA: u16 = 0x0001;
/// A 32-bit field's "see the zip64 record" value.
const MARKER32: u64 = u32::MAX as u64;
/// The most entries a zip without zip64 end records lists.
const MAX_ENTRIES16: usize = u16::MAX as usize;
/// The zip crate's least "version needed to extract".
const MIN_VERSION: u16 = 10;

/// How many final bytes `HeldBack` keeps from the sink: enough for a data
/// descriptor, a central record with a path of the package (the longest is
/// well under 200 bytes) and the end records.
const HOLD: usize = 16 * 1024;

/// A one-entry zip not as this module expects the zip crate to write it.
fn unexpected(path: &str) -> Error {
    Error::Write(format!(
        "{path}: an entry the zip writer wrote in an unexpected form"
    ))
}

fn u16_at(bytes: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_le_bytes(bytes.get(at..at + 2)?.try_into().ok()?))
}

fn u32_at(bytes: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_le_bytes(bytes.get(at..at + 4)?.try_into().ok()?))
}

fn u64_at(bytes: &[u8], at: usize) -> Option<u64> {
    Some(u64::from_le_bytes(bytes.get(at..at + 8)?.try_into().ok()?))
}

/// One entry's central-directory record, placed at its offset in the package.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CentralRecord(Vec<u8>);

impl Pack for CentralRecord {
    fn pack(&self, out: &mut Vec<u8>) {
        pack_bytes(&self.0, out);
    }
    fn unpack(input: &mut &[u8]) -> Self {
        CentralRecord(unpack_bytes(input).to_vec())
    }
}

impl CentralRecord {
    /// The record of a one-entry zip (its entry at offset 0) moved to
    /// `offset`: the offset field, or from 4 GiB on the zip64 field, as the
    /// zip crate writes them for an entry there.
    fn placed(mut record: Vec<u8>, offset: u64, path: &str) -> Result<CentralRecord> {
        let bad = || unexpected(path);
        let (name_len, extra_len) = match (
            u32_at(&record, 0),
            u16_at(&record, 28),
            u16_at(&record, 30),
            u16_at(&record, 32),
            u32_at(&record, 42),
        ) {
            (Some(CENTRAL_SIGNATURE), Some(name), Some(extra), Some(0), Some(0)) => {
                (usize::from(name), usize::from(extra))
            }
            _ => return Err(bad()),
        };
        if record.len() != 46 + name_len + extra_len {
            return Err(bad());
        }
        if offset < MARKER32 {
            record[42..46].copy_from_slice(&(offset as u32).to_le_bytes());
            return Ok(CentralRecord(record));
        }
        // The zip64 field holds the sizes first (when they are in it), then
        // the offset.
        let extra_at = 46 + name_len;
        let sizes = match extra_len {
            0 => Vec::new(),
            20 if u16_at(&record, extra_at) == Some(ZIP64_EXTRA)
                && u16_at(&record, extra_at + 2) == Some(16) =>
            {
                record[extra_at + 4..extra_at + 20].to_vec()
            }
            _ => return Err(bad()),
        };
        record.truncate(extra_at);
        record.extend_from_slice(&ZIP64_EXTRA.to_le_bytes());
        record.extend_from_slice(&(sizes.len() as u16 + 8).to_le_bytes());
        record.extend_from_slice(&sizes);
        record.extend_from_slice(&offset.to_le_bytes());
        let extra_len = (record.len() - extra_at) as u16;
        record[30..32].copy_from_slice(&extra_len.to_le_bytes());
        record[42..46].copy_from_slice(&u32::MAX.to_le_bytes());
        Ok(CentralRecord(record))
    }

    /// The "version needed to extract" it names.
    fn version_needed(&self) -> u16 {
        u16_at(&self.0, 6).unwrap_or(MIN_VERSION)
    }

    /// The CRC-32 it gives the entry's content.
    pub fn crc32(&self) -> u32 {
        u32_at(&self.0, 16).unwrap_or_default()
    }
}

/// Where a one-entry zip's central record lies in `tail`, its last bytes
/// (starting `tail_at` bytes into it). What comes before the record is the
/// entry's own: local header, data, data descriptor.
fn one_entry_central(tail: &[u8], tail_at: u64) -> Option<std::ops::Range<usize>> {
    let end = tail.len().checked_sub(22)?;
    if u32_at(tail, end)? != END_SIGNATURE
        || u16_at(tail, end + 10)? != 1
        || u16_at(tail, end + 20)? != 0
    {
        return None;
    }
    let (mut size, mut start) = (
        u64::from(u32_at(tail, end + 12)?),
        u64::from(u32_at(tail, end + 16)?),
    );
    if size == MARKER32 || start == MARKER32 {
        let locator = end.checked_sub(20)?;
        if u32_at(tail, locator)? != ZIP64_LOCATOR_SIGNATURE {
            return None;
        }
        let record = usize::try_from(u64_at(tail, locator + 8)?.checked_sub(tail_at)?).ok()?;
        if u32_at(tail, record)? != ZIP64_END_SIGNATURE {
            return None;
        }
        size = u64_at(tail, record + 40)?;
        start = u64_at(tail, record + 48)?;
    }
    let from = usize::try_from(start.checked_sub(tail_at)?).ok()?;
    let to = from.checked_add(usize::try_from(size).ok()?)?;
    (to <= end).then_some(from..to)
}

/// A sink that passes everything on but its last `HOLD` bytes, so that
/// what a one-entry zip ends with (its central directory and end records)
/// can be taken off before it reaches the package.
pub struct HeldBack<O: Write> {
    out: O,
    held: Vec<u8>,
    /// Bytes written to it so far.
    written: u64,
}

impl<O: Write> HeldBack<O> {
    pub fn new(out: O) -> Self {
        HeldBack {
            out,
            held: Vec::with_capacity(2 * HOLD),
            written: 0,
        }
    }
}

impl<O: Write> Write for HeldBack<O> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.held.extend_from_slice(buf);
        self.written += buf.len() as u64;
        if self.held.len() >= 2 * HOLD {
            let pass = self.held.len() - HOLD;
            self.out.write_all(&self.held[..pass])?;
            self.held.drain(..pass);
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// What a one-entry zip writer kept from one call to the next (`OpenEntry`)
/// passes on, taken off into the package after each piece.
#[derive(Clone, Default)]
struct Outbox(Arc<Mutex<Vec<u8>>>);

impl Outbox {
    /// Moves what it holds to `out`.
    fn empty_into(&self, out: &mut dyn Write) -> std::io::Result<()> {
        let mut held = self.0.lock().unwrap_or_else(|e| e.into_inner());
        out.write_all(&held)?;
        held.clear();
        Ok(())
    }
}

impl Write for Outbox {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let mut held = self.0.lock().unwrap_or_else(|e| e.into_inner());
        held.extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// An entry written from pieces given one call after another
/// (`ZipAssembly::open` .. `close`): the zip crate's one-entry zip kept
/// open between them.
struct OpenEntry {
    zip: ZipWriter<StreamWriter<HeldBack<Outbox>>>,
    outbox: Outbox,
    path: String,
    /// Where it begins in the package.
    start: u64,
}

/// The package's sink, counting what it passed on.
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

    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}

/// The package's zip: entries appended one after another, their central
/// records packed until `finish` writes the central directory.
pub struct ZipAssembly<W: Write> {
    sink: Counted<W>,
    central: Packed<CentralRecord>,
    central_bytes: u64,
    /// The entry being written from pieces, if one is.
    open: Option<OpenEntry>,
}

impl<W: Write> ZipAssembly<W> {
    pub fn new(sink: W) -> Self {
        ZipAssembly {
            sink: Counted {
                inner: sink,
                position: 0,
            },
            central: Packed::default(),
            central_bytes: 0,
            open: None,
        }
    }

    /// Refuses to write anything about `path` while an entry is open.
    fn not_open(&self, path: &str) -> Result<()> {
        match &self.open {
            Some(open) => Err(Error::Write(format!(
                "{path}: cannot be written while {} is not finished",
                open.path
            ))),
            None => Ok(()),
        }
    }

    /// The bytes written so far, and the central directory's so far
    /// (written by `finish`, before its end records).
    pub fn written(&self) -> (u64, u64) {
        (self.sink.position, self.central_bytes)
    }

    fn record(&mut self, record: CentralRecord) {
        self.central_bytes += record.0.len() as u64;
        self.central.push(&record);
    }

    /// Appends the entry `write` writes as a one-entry zip into the sink it
    /// is given, handing that sink back with what else it made.
    pub fn entry<T>(
        &mut self,
        path: &str,
        write: impl FnOnce(HeldBack<&mut dyn Write>) -> Result<(HeldBack<&mut dyn Write>, T)>,
    ) -> Result<T> {
        self.not_open(path)?;
        let start = self.sink.position;
        let (held, made) = write(HeldBack::new(&mut self.sink as &mut dyn Write))?;
        let HeldBack { out, held, written } = held;
        let record = own_bytes_on(out, &held, written - held.len() as u64, path)?;
        self.record(CentralRecord::placed(record, start, path)?);
        Ok(made)
    }

    /// Begins the entry `path`, whose content comes in pieces (`push`)
    /// until `close`: the same bytes as `entry` writing that content.
    pub fn open(&mut self, path: &str, options: SimpleFileOptions) -> Result<()> {
        self.not_open(path)?;
        let outbox = Outbox::default();
        let mut zip = ZipWriter::new_stream(HeldBack::new(outbox.clone()));
        zip.start_file(path, options)?;
        let start = self.sink.position;
        outbox.empty_into(&mut self.sink)?;
        self.open = Some(OpenEntry {
            zip,
            outbox,
            path: path.to_string(),
            start,
        });
        Ok(())
    }

    /// The open entry's next piece of content.
    pub fn push(&mut self, bytes: &[u8]) -> Result<()> {
        let open = self
            .open
            .as_mut()
            .ok_or_else(|| Error::Write("no entry is open for its content".to_string()))?;
        open.zip.write_all(bytes)?;
        open.outbox.empty_into(&mut self.sink)?;
        Ok(())
    }

    /// Ends the open entry; gives its central record.
    pub fn close(&mut self) -> Result<CentralRecord> {
        let OpenEntry {
            zip,
            outbox,
            path,
            start,
        } = self
            .open
            .take()
            .ok_or_else(|| Error::Write("no entry is open to finish".to_string()))?;
        let HeldBack { held, written, .. } = zip.finish()?.into_inner();
        outbox.empty_into(&mut self.sink)?;
        let record = own_bytes_on(&mut self.sink, &held, written - held.len() as u64, &path)?;
        let record = CentralRecord::placed(record, start, &path)?;
        self.record(record.clone());
        Ok(record)
    }

    /// Appends a one-entry zip held whole (an entry prepared elsewhere).
    pub fn append(&mut self, zip: &[u8], path: &str) -> Result<()> {
        self.not_open(path)?;
        let start = self.sink.position;
        let record = own_bytes_on(&mut self.sink, zip, 0, path)?;
        self.record(CentralRecord::placed(record, start, path)?);
        Ok(())
    }

    /// Writes the central directory and its end records (zip64 ones past
    /// 65,535 entries or 4 GiB), and hands the sink back.
    pub fn finish(mut self) -> Result<W> {
        self.not_open("the central directory")?;
        let start = self.sink.position;
        let mut version_needed = MIN_VERSION;
        for record in self.central.iter() {
            self.sink.write_all(&record.0)?;
            version_needed = version_needed.max(record.version_needed());
        }
        let size = self.sink.position - start;
        let entries = self.central.len();
        let zip64 = entries > MAX_ENTRIES16 || size.max(start) > MARKER32;
        let mut end = Vec::with_capacity(98);
        if zip64 {
            end.extend_from_slice(&ZIP64_END_SIGNATURE.to_le_bytes());
            end.extend_from_slice(&44u64.to_le_bytes());
            end.extend_from_slice(&version_needed.to_le_bytes());
            end.extend_from_slice(&version_needed.to_le_bytes());
            end.extend_from_slice(&[0; 8]);
            end.extend_from_slice(&(entries as u64).to_le_bytes());
            end.extend_from_slice(&(entries as u64).to_le_bytes());
            end.extend_from_slice(&size.to_le_bytes());
            end.extend_from_slice(&start.to_le_bytes());
            end.extend_from_slice(&ZIP64_LOCATOR_SIGNATURE.to_le_bytes());
            end.extend_from_slice(&0u32.to_le_bytes());
            end.extend_from_slice(&(start + size).to_le_bytes());
            end.extend_from_slice(&1u32.to_le_bytes());
        }
        let entries16 = entries.min(MAX_ENTRIES16) as u16;
        let size32 = if zip64 { u32::MAX } else { size as u32 };
        end.extend_from_slice(&END_SIGNATURE.to_le_bytes());
        end.extend_from_slice(&[0; 4]);
        end.extend_from_slice(&entries16.to_le_bytes());
        end.extend_from_slice(&entries16.to_le_bytes());
        end.extend_from_slice(&size32.to_le_bytes());
        end.extend_from_slice(&(start.min(MARKER32) as u32).to_le_bytes());
        end.extend_from_slice(&0u16.to_le_bytes());
        self.sink.write_all(&end)?;
        Ok(self.sink.inner)
    }
}

/// Passes on the entry's own bytes among a one-entry zip's last bytes
/// (`tail`, starting `tail_at` bytes into the zip) to `out`, and gives its
/// central record.
fn own_bytes_on(out: &mut dyn Write, tail: &[u8], tail_at: u64, path: &str) -> Result<Vec<u8>> {
    let record = one_entry_central(tail, tail_at).ok_or_else(|| unexpected(path))?;
    out.write_all(&tail[..record.start])?;
    Ok(tail[record].to_vec())
}
