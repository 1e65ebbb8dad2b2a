//! A zip as an `ArchiveSource`: in, any `Read + Seek` (a file, a buffer, a
//! browser Blob); out, its listing read from the central directory alone
//! (`ListingReader` reads it in large pieces), each entry opened from where
//! it lies, and a stored entry's `StoredRange`. `ArchiveHasher` gives the
//! zip's SHA-256, in one go or in steps.

use super::source::{ArchiveEntry, ArchiveSource, StoredRange};
use crate::error::{Error, Result};
use crate::limits::Limits;
use crate::model::packed::Packed;
use crate::model::Location;
use bitcode::{Decode, Encode};
use sha2::{Digest, Sha256};
use std::io::{BufReader, Read, Seek, SeekFrom};
use std::sync::Arc;
use zip::unstable::read::ZipIterable;

/// A zip archive read through any `Read + Seek` (a file, a buffer, a browser
/// Blob). Over a reader that can be cloned it can be cloned too, cheaply:
/// the clones share one listing (threads reading one archive). The central
/// directory is read one record at a time; each entry is kept packed with
/// where it lies (`ZipEntry`), so the listing costs some bytes per entry
/// (in the CLI, beyond a few MiB, on disk), and an entry is opened from there.
#[derive(Clone)]
pub struct ZipSource<R: Read + Seek> {
    name: String,
    bytes: u64,
    sha256: String,
    listing: Arc<Packed<ZipEntry>>,
    reader: R,
    limits: Limits,
}

/// One entry as the zip's central directory lists it: where it lies and
/// what its central record says of its data, then the entry itself.
#[derive(Debug, Clone, PartialEq, Eq, Encode, Decode)]
struct ZipEntry {
    header_start: u64,
    compressed: u64,
    crc32: u32,
    size: u64,
    is_dir: bool,
    name: String,
}

impl<R: Read + Seek> ZipSource<R> {
    /// Hashes the zip (one streaming read) and lists its entries.
    pub fn new(name: impl Into<String>, mut reader: R) -> Result<Self> {
        let name = name.into();
        let io_error = |e: std::io::Error| {
            Error::input(
                Location::file(&name),
                format!("cannot read the archive: {e}"),
            )
        };
        reader.seek(SeekFrom::Start(0)).map_err(io_error)?;
        let mut hasher = ArchiveHasher::new(reader);
        while !hasher.step(u64::MAX).map_err(io_error)? {}
        let (reader, bytes, sha256) = hasher.finish();
        Self::with_digest(name, reader, bytes, sha256)
    }

    /// Lists a zip without hashing it: for a listing, or for another
    /// reader of an archive whose digest is known elsewhere (a helper Web
    /// Worker preparing transcripts). Its `sha256` is empty.
    pub fn unhashed(name: impl Into<String>, mut reader: R) -> Result<Self> {
        let name = name.into();
        let bytes = reader.seek(SeekFrom::End(0)).map_err(|e| {
            Error::input(
                Location::file(&name),
                format!("cannot read the archive: {e}"),
            )
        })?;
        Self::with_digest(name, reader, bytes, String::new())
    }

    /// Lists a zip whose size and SHA-256 are already known, without
    /// reading it through: another reader of an archive already opened
    /// with `new` (a worker thread's own file handle on it).
    pub fn with_digest(
        name: impl Into<String>,
        mut reader: R,
        bytes: u64,
        sha256: impl Into<String>,
    ) -> Result<Self> {
        let name = name.into();
        reader.seek(SeekFrom::Start(0)).map_err(|e| {
            Error::input(
                Location::file(&name),
                format!("cannot read the archive: {e}"),
            )
        })?;
        let listing = list_zip(&mut reader).map_err(|e| {
            Error::input(
                Location::file(&name),
                format!("this is not a readable zip archive ({e}); pass a zip or a folder"),
            )
        })?;
        Ok(ZipSource {
            name,
            bytes,
            sha256: sha256.into(),
            listing: Arc::new(listing),
            reader,
            limits: Limits::default(),
        })
    }

    /// Its reader, for another reading of the same zip (an earlier
    /// package's calls list: `read::earlier::earlier_package_in`).
    pub(crate) fn reader_mut(&mut self) -> &mut R {
        &mut self.reader
    }
}

/// A zip's entries (`reader` at its start) from its central directory
/// alone, one record at a time: no entry's own header is read (in the
/// browser, each would cost a read of the file). Entries that share a name
/// are all listed, each opened from its own place.
fn list_zip<R: Read + Seek>(reader: &mut R) -> zip::result::ZipResult<Packed<ZipEntry>> {
    let reader = ListingReader::new(reader, 0);
    let mut archive = ZipIterable::try_new(reader, zip::read::Config::default())?;
    let mut listing = Packed::default();
    for (index, entry) in archive.files()?.enumerate() {
        let entry = entry?;
        listing.push(&ZipEntry {
            header_start: entry.header_start(),
            compressed: entry.compressed_size(),
            crc32: entry.crc32(),
            size: entry.size(),
            is_dir: entry.is_dir(),
            name: entry
                .name()
                .map(|n| n.into_owned())
                .unwrap_or_else(|_| format!("entry {}", index + 1)),
        });
    }
    Ok(listing)
}

/// What `ListingReader` reads at once.
const LISTING_BUFFER_BYTES: usize = 64 * 1024;

/// A buffered reader for listing a zip: the zip crate seeks to each
/// central record before reading it, and a seek that lands within the
/// buffer keeps it, so the central directory is read in large pieces, not
/// one read of the file (a system call, or in the browser a read of the
/// Blob) per entry.
struct ListingReader<R: Read + Seek> {
    inner: BufReader<R>,
    /// Where the next read starts.
    position: u64,
}

impl<R: Read + Seek> ListingReader<R> {
    /// Over `reader`, which stands at `position`.
    fn new(reader: R, position: u64) -> Self {
        ListingReader {
            inner: BufReader::with_capacity(LISTING_BUFFER_BYTES, reader),
            position,
        }
    }
}

impl<R: Read + Seek> Read for ListingReader<R> {
    fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(out)?;
        self.position += n as u64;
        Ok(n)
    }
}

impl<R: Read + Seek> Seek for ListingReader<R> {
    fn seek(&mut self, to: SeekFrom) -> std::io::Result<u64> {
        let target = match to {
            SeekFrom::Start(at) => Some(at),
            SeekFrom::Current(delta) => self.position.checked_add_signed(delta),
            SeekFrom::End(_) => None,
        };
        let delta =
            target.and_then(|at| i64::try_from(i128::from(at) - i128::from(self.position)).ok());
        match (target, delta) {
            // Within the buffer, it is kept; beyond, the reader seeks.
            (Some(at), Some(delta)) => {
                self.inner.seek_relative(delta)?;
                self.position = at;
            }
            _ => self.position = self.inner.seek(to)?,
        }
        Ok(self.position)
    }

    fn stream_position(&mut self) -> std::io::Result<u64> {
        Ok(self.position)
    }
}

/// The SHA-256 of an archive, read in steps: `ZipSource::new` reads it in
/// one go; the page hashes an archive a step at a time while other Web
/// Workers read its entries.
pub struct ArchiveHasher<R> {
    reader: R,
    hasher: Sha256,
    bytes: u64,
    buffer: Vec<u8>,
}

impl<R: Read> ArchiveHasher<R> {
    /// Hashes what `reader` gives from where it stands.
    pub fn new(reader: R) -> Self {
        ArchiveHasher {
            reader,
            hasher: Sha256::new(),
            bytes: 0,
            buffer: vec![0u8; 64 * 1024],
        }
    }

    /// Reads and hashes about `max_bytes` more (at least one read); true
    /// once the end is reached.
    pub fn step(&mut self, max_bytes: u64) -> std::io::Result<bool> {
        let until = self.bytes.saturating_add(max_bytes.max(1));
        while self.bytes < until {
            let n = self.reader.read(&mut self.buffer)?;
            if n == 0 {
                return Ok(true);
            }
            self.hasher.update(&self.buffer[..n]);
            self.bytes += n as u64;
        }
        Ok(false)
    }

    /// Hashes `bytes` read from the same input elsewhere (the next ones in
    /// order), the reader left where it stands: a Web Worker reading the
    /// Blob through a stream into one buffer instead of `step`.
    pub fn update(&mut self, bytes: &[u8]) {
        self.hasher.update(bytes);
        self.bytes += bytes.len() as u64;
    }

    /// Bytes hashed so far.
    pub fn bytes(&self) -> u64 {
        self.bytes
    }

    /// The reader back, the bytes read and their SHA-256 in hex.
    pub fn finish(self) -> (R, u64, String) {
        (
            self.reader,
            self.bytes,
            crate::digest::hex(&self.hasher.finalize()),
        )
    }
}

impl<R: Read + Seek> ZipSource<R> {
    /// The same archive read within other limits than the defaults.
    pub fn with_limits(mut self, limits: Limits) -> Self {
        self.limits = limits;
        self
    }
}

impl<R: Read + Seek> ArchiveSource for ZipSource<R> {
    fn name(&self) -> &str {
        &self.name
    }
    fn bytes(&self) -> u64 {
        self.bytes
    }
    fn sha256(&self) -> &str {
        &self.sha256
    }
    fn entry_count(&self) -> usize {
        self.listing.len()
    }
    fn entry(&self, index: usize) -> Option<ArchiveEntry> {
        let entry = self.listing.get(index)?;
        Some(ArchiveEntry {
            name: entry.name,
            size: entry.size,
            is_dir: entry.is_dir,
        })
    }
    fn limits(&self) -> Limits {
        self.limits.clone()
    }
    /// Opens an entry; one that would inflate at a ratio beyond the limits is
    /// refused, and one that inflates beyond its declared size fails while
    /// read (the zip reader stops it).
    fn open(&mut self, index: usize) -> std::io::Result<Box<dyn Read + '_>> {
        let Some(entry) = self.listing.get(index) else {
            return Err(std::io::Error::other(format!(
                "the zip has no entry {}",
                index + 1
            )));
        };
        if let Some(problem) = self.limits.ratio_problem(entry.size, entry.compressed) {
            return Err(std::io::Error::other(problem));
        }
        // Sizes and checksum from the central record, as the zip reader
        // takes them: an entry whose local header defers them to a data
        // descriptor is read all the same.
        let options = zip::read::ZipReadOptions::new()
            .override_compressed_size(entry.compressed)
            .override_uncompressed_size(entry.size)
            .override_crc(entry.crc32);
        self.reader.seek(SeekFrom::Start(entry.header_start))?;
        match zip::read::read_zipfile_from_stream_with_options(&mut self.reader, options) {
            Ok(Some(file)) => Ok(Box::new(file)),
            Ok(None) => Err(std::io::Error::other(
                "invalid Zip archive: no local file header where the central directory puts the entry",
            )),
            Err(e) => Err(std::io::Error::other(e)),
        }
    }
    /// Read from the entry's local header: an entry stored without
    /// compression or encryption, its sizes agreeing, within the file.
    fn stored_range(&mut self, index: usize) -> std::io::Result<Option<StoredRange>> {
        let Some(entry) = self.listing.get(index) else {
            return Err(std::io::Error::other(format!(
                "the zip has no entry {}",
                index + 1
            )));
        };
        if entry.is_dir || entry.compressed != entry.size {
            return Ok(None);
        }
        let mut header = [0u8; 30];
        self.reader.seek(SeekFrom::Start(entry.header_start))?;
        self.reader.read_exact(&mut header)?;
        let field = |at: usize| u16::from_le_bytes([header[at], header[at + 1]]);
        if header[..4] != LOCAL_HEADER_SIGNATURE {
            return Err(std::io::Error::other(
                "invalid Zip archive: no local file header where the central directory puts the entry",
            ));
        }
        let (flags, method) = (field(6), field(8));
        if flags & 1 != 0 || method != 0 {
            return Ok(None);
        }
        let start = entry.header_start + 30 + u64::from(field(26)) + u64::from(field(28));
        if start.saturating_add(entry.size) > self.bytes {
            return Err(std::io::Error::other(
                "invalid Zip archive: the entry runs past the end of the file",
            ));
        }
        Ok(Some(StoredRange {
            start,
            bytes: entry.size,
            crc32: entry.crc32,
        }))
    }
}

/// What begins a zip entry's local header.
const LOCAL_HEADER_SIGNATURE: [u8; 4] = [0x50, 0x4b, 0x03, 0x04];

#[cfg(test)]
mod tests {
    use super::super::source::entries_of;
    use super::*;
    use std::io::Cursor;

    /// A reader that counts what reaches it.
    struct Counted<R> {
        inner: R,
        reads: usize,
        seeks: usize,
    }

    impl<R: Read> Read for Counted<R> {
        fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
            self.reads += 1;
            self.inner.read(out)
        }
    }

    impl<R: Seek> Seek for Counted<R> {
        fn seek(&mut self, to: SeekFrom) -> std::io::Result<u64> {
            self.seeks += 1;
            self.inner.seek(to)
        }
    }

    #[test]
    fn a_listing_reader_reads_as_its_reader_and_seeks_within_its_buffer() {
        let bytes: Vec<u8> = (0..200_000u32).map(|n| (n % 251) as u8).collect();
        let mut counted = Counted {
            inner: Cursor::new(&bytes[..]),
            reads: 0,
            seeks: 0,
        };
        let mut reader = ListingReader::new(&mut counted, 0);
        let mut piece = [0u8; 100];
        // Forwards and backwards within the first buffer: one read, no seek.
        for at in [0u64, 5_000, 300, 60_000, 10] {
            assert_eq!(reader.seek(SeekFrom::Start(at)).unwrap(), at);
            reader.read_exact(&mut piece).unwrap();
            assert_eq!(piece[..], bytes[at as usize..at as usize + 100]);
        }
        assert_eq!(reader.seek(SeekFrom::Current(-50)).unwrap(), 60);
        reader.read_exact(&mut piece).unwrap();
        assert_eq!(piece[..], bytes[60..160]);
        assert_eq!(reader.stream_position().unwrap(), 160);
        assert_eq!(
            (reader.inner.get_ref().reads, reader.inner.get_ref().seeks),
            (1, 0)
        );
        // Beyond it, and from the end.
        assert_eq!(reader.seek(SeekFrom::Start(150_000)).unwrap(), 150_000);
        reader.read_exact(&mut piece).unwrap();
        assert_eq!(piece[..], bytes[150_000..150_100]);
        assert_eq!(reader.seek(SeekFrom::End(-10)).unwrap(), 199_990);
        let mut tail = Vec::new();
        reader.read_to_end(&mut tail).unwrap();
        assert_eq!(tail, bytes[199_990..]);
        assert!(reader.seek(SeekFrom::Current(-300_000)).is_err());
        assert_eq!(reader.stream_position().unwrap(), 200_000);
    }

    /// A zip of many entries is listed in order, without a read of the file
    /// per entry, and its clones share the listing.
    #[test]
    fn a_zip_is_listed_in_order_in_few_reads() {
        use std::io::Write;
        let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
        let stored = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Stored);
        let count = 3_000;
        for n in 0..count {
            if n % 500 == 0 {
                zip.add_directory(format!("part-{n}/"), stored).unwrap();
            }
            zip.start_file(format!("part-{}/{n:05}.json", n - n % 500), stored)
                .unwrap();
            zip.write_all("x".repeat(n % 7).as_bytes()).unwrap();
        }
        let bytes = zip.finish().unwrap().into_inner();
        let mut counted = Counted {
            inner: Cursor::new(&bytes[..]),
            reads: 0,
            seeks: 0,
        };
        let source = ZipSource::unhashed("many.zip", &mut counted).unwrap();
        let listed: Vec<ArchiveEntry> = entries_of(&source).collect();
        drop(source);
        assert!(counted.reads < 20, "{} reads", counted.reads);
        assert_eq!(listed.len(), count + count / 500);
        let files: Vec<&ArchiveEntry> = listed.iter().filter(|e| !e.is_dir).collect();
        assert_eq!(files.len(), count);
        for (n, entry) in files.iter().enumerate() {
            assert_eq!(entry.name, format!("part-{}/{n:05}.json", n - n % 500));
            assert_eq!(entry.size, (n % 7) as u64);
        }
        assert_eq!(listed[0].name, "part-0/");
        let source = ZipSource::unhashed("many.zip", Cursor::new(&bytes[..])).unwrap();
        let clone = source.clone();
        assert!(Arc::ptr_eq(&source.listing, &clone.listing));
    }
}
