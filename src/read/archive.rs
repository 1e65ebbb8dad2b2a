//! Call archives: a zip or a folder of pre-downloaded Chorus data in, the
//! records it holds out (`ArchiveContents`), each located by archive, entry
//! and JSON pointer, plus an `ArchiveSummary` of what was found. The first
//! pass reads every entry (`read_archive`) or a range of them
//! (`read_entries`, for threads and Web Workers): ranges read apart and
//! appended in order (`ArchiveRead`) give what one read gives.
//!
//! An archive is anything that lists entries and opens one at a time
//! (`ArchiveSource`): `ZipSource` reads a zip through `Read + Seek`; the CLI
//! adds a folder source. Entries are detected by content, never by name:
//! JSON documents (engagement pages, conversation documents, users lists),
//! a users CSV, or a recording (by magic bytes, matched to its call by the
//! 32-hex engagement id its file name starts with). Junk (`__MACOSX/`,
//! `.DS_Store`, `Thumbs.db`, `._*`) and folders are ignored; anything else
//! is listed in the report as unrecognised. Entry names are only ever used
//! to locate a record, never as an output path.

use crate::error::{Error, Result};
use crate::limits::Limits;
use crate::model::calls::{
    ConversationRecord, EngagementRecord, EntryRef, MediaRecord, PersonRecord,
};
pub use crate::model::conversion::ArchiveSummary;
use crate::model::packed::{packed_struct, Pack, Packed};
use crate::model::Location;
use crate::read::chorus::{read_document, ChorusDocument};
use crate::read::text::looks_like_text;
use crate::read::users::read_people_csv;
use crate::report::{ReasonCode, Report};
use sha2::{Digest, Sha256};
use std::io::{BufReader, Cursor, Read, Seek, SeekFrom};
use std::ops::Range;
use std::sync::Arc;
use zip::unstable::read::ZipIterable;

/// One entry of an archive, as listed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ArchiveEntry {
    /// The name as stored (folders separated by `/` or `\`).
    pub name: String,
    pub size: u64,
    pub is_dir: bool,
}

/// A zip or a folder: entries listed once, opened one at a time, in any
/// order, as often as needed (the transcript and media pass re-opens them).
pub trait ArchiveSource {
    /// The archive's name, without folders, as reports and the manifest show it.
    fn name(&self) -> &str;
    /// Its size in bytes (a folder: the sum of its files).
    fn bytes(&self) -> u64;
    /// SHA-256 of a zip's bytes; for a folder, of its listing (path and size per file).
    fn sha256(&self) -> &str;
    /// How many entries it lists.
    fn entry_count(&self) -> usize;
    /// Entry `index` as listed (`None` past the last).
    fn entry(&self, index: usize) -> Option<ArchiveEntry>;
    fn open(&mut self, index: usize) -> std::io::Result<Box<dyn Read + '_>>;
    /// The limits its entries are read within (entry count, sizes, ratios).
    fn limits(&self) -> Limits {
        Limits::default()
    }
    /// Where entry `index`'s bytes lie in the archive's file, when they lie
    /// there as they are (a zip entry stored without compression), for a
    /// reader that copies them straight from the file (a Web Worker,
    /// through the File's byte stream); `None` when they do not (a
    /// compressed entry, a folder's file).
    fn stored_range(&mut self, _index: usize) -> std::io::Result<Option<StoredRange>> {
        Ok(None)
    }
}

/// An entry's bytes as they lie in its zip: from `start`, `bytes` long,
/// with the CRC-32 its central record gives them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StoredRange {
    pub start: u64,
    pub bytes: u64,
    pub crc32: u32,
}

/// Every entry of an archive as listed, in order, one at a time.
pub fn entries_of<S: ArchiveSource + ?Sized>(
    source: &S,
) -> impl Iterator<Item = ArchiveEntry> + '_ {
    (0..source.entry_count()).filter_map(|index| source.entry(index))
}

/// A zip archive read through any `Read + Seek` (a file, a buffer, a browser
/// Blob). Over a reader that can be cloned it can be cloned too, cheaply:
/// the clones share one listing (threads reading one archive). The central
/// directory is read one record at a time; each entry is kept packed with
/// where it lies (`ZipEntry`), so the listing costs some bytes per entry
/// (natively, beyond a few MiB, on disk), and an entry is opened from there.
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
#[derive(Debug, Clone, PartialEq, Eq)]
struct ZipEntry {
    header_start: u64,
    compressed: u64,
    crc32: u32,
    size: u64,
    is_dir: bool,
    name: String,
}

packed_struct!(ZipEntry {
    header_start,
    compressed,
    crc32,
    size,
    is_dir,
    name
});

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

/// A JSON entry that could not be parsed, whose name carries a call id: it
/// is probably that call's conversation document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnreadableEntry {
    pub id: String,
    pub message: String,
    pub location: Location,
}

/// Every record found in the archives, in entry order. Engagements and
/// conversation documents, one or more per call, are packed.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ArchiveContents {
    pub engagements: Packed<EngagementRecord>,
    pub conversations: Packed<ConversationRecord>,
    pub media: Packed<MediaRecord>,
    /// Chorus users lists (names and Chorus user ids by email).
    pub people: Vec<PersonRecord>,
    pub unreadable: Packed<UnreadableEntry>,
}

impl ArchiveContents {
    /// Moves `later`'s records after these.
    pub fn append(&mut self, later: ArchiveContents) {
        self.engagements.append(later.engagements);
        self.conversations.append(later.conversations);
        self.media.append(later.media);
        self.people.extend(later.people);
        self.unreadable.append(later.unreadable);
    }
}

/// What the first pass found in one archive, or in one range of its
/// entries: ranges read apart (by threads, or by Web Workers) and appended
/// in entry order give exactly what one read of the whole archive gives.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ArchiveRead {
    pub contents: ArchiveContents,
    /// Problems with the entries, in entry order.
    pub report: Report,
    pub summary: ArchiveSummary,
}

/// Marks the bytes of an `ArchiveRead` (format 1).
const READ_MAGIC: &[u8] = b"chorus2outdoo first pass 1\n";

impl ArchiveRead {
    /// Appends the read of the range of entries that follows this one's.
    pub fn append(&mut self, later: ArchiveRead) {
        self.contents.append(later.contents);
        self.report.extend(later.report);
        self.summary.add(&later.summary);
    }

    /// The read as bytes, to hand from one Web Worker to another: a
    /// marker, the length of what follows (8 bytes, little-endian), the
    /// packed read.
    pub fn to_bytes(&self) -> Vec<u8> {
        // Sized up front (the records, their lengths and some room for the
        // rest): a Web Worker's memory keeps whatever it once grew to.
        let records = self.contents.engagements.byte_len() + self.contents.conversations.byte_len();
        let records_count = self.contents.engagements.len() + self.contents.conversations.len();
        let mut bytes =
            Vec::with_capacity(READ_MAGIC.len() + 8 + records + 3 * records_count + 64 * 1024);
        bytes.extend_from_slice(READ_MAGIC);
        bytes.extend_from_slice(&[0; 8]);
        self.pack(&mut bytes);
        let length = (bytes.len() - READ_MAGIC.len() - 8) as u64;
        bytes[READ_MAGIC.len()..READ_MAGIC.len() + 8].copy_from_slice(&length.to_le_bytes());
        bytes
    }

    /// A read from `to_bytes`; other bytes (another format, a truncated or
    /// extended copy) are refused.
    pub fn from_bytes(bytes: &[u8]) -> std::result::Result<ArchiveRead, String> {
        let not_a_read =
            || "these bytes are not a first pass of this version of chorus2outdoo".to_string();
        let framed = bytes.strip_prefix(READ_MAGIC).ok_or_else(not_a_read)?;
        let (length, mut input) = framed.split_first_chunk::<8>().ok_or_else(not_a_read)?;
        if u64::from_le_bytes(*length) != input.len() as u64 {
            return Err(not_a_read());
        }
        let read = ArchiveRead::unpack(&mut input);
        if !input.is_empty() {
            return Err(not_a_read());
        }
        Ok(read)
    }
}

/// Splits an archive's entries into at most `shares` ranges of about the
/// same number of bytes (plus a little per entry), in entry order, to be
/// read apart by `read_entries` and appended in order. Never empty: an
/// archive without entries has one empty range.
pub fn entry_ranges(source: &dyn ArchiveSource, shares: usize) -> Vec<Range<usize>> {
    const ENTRY_WEIGHT: u64 = 4096;
    let count = source.entry_count();
    let weight = |index| {
        let size = source.entry(index).map_or(0, |e| e.size);
        size.saturating_add(ENTRY_WEIGHT)
    };
    let total: u64 = (0..count).map(weight).fold(0, u64::saturating_add);
    let shares = shares.clamp(1, count.max(1)) as u64;
    let mut ranges = Vec::new();
    let (mut start, mut done) = (0, 0u64);
    for index in 0..count {
        done = done.saturating_add(weight(index));
        let share = ranges.len() as u64 + 1;
        // This share ends where its part of the total is reached.
        if share < shares
            && u128::from(done) * u128::from(shares) >= u128::from(total) * u128::from(share)
        {
            ranges.push(start..index + 1);
            start = index + 1;
        }
    }
    ranges.push(start..count);
    ranges
}

/// The last part of an entry name, with `\` read as a folder separator.
pub fn base_name(name: &str) -> &str {
    name.rsplit(['/', '\\']).next().unwrap_or(name)
}

pub(crate) fn is_junk(name: &str) -> bool {
    let base = base_name(name);
    name.split(['/', '\\']).any(|part| part == "__MACOSX")
        || base.starts_with("._")
        || matches!(base, ".DS_Store" | "Thumbs.db" | "desktop.ini" | "")
}

/// True for 32 hex digits: the only ids that become output paths.
pub fn is_call_id(id: &str) -> bool {
    id.len() == 32 && id.bytes().all(|b| b.is_ascii_hexdigit())
}

/// The call id an entry's file name starts with (`<id>.mp4`,
/// `<id>_transcript.json`), lower-case.
pub fn id_from_name(name: &str) -> Option<String> {
    let base = base_name(name);
    let head = base.get(..32)?;
    let next = base[32..].chars().next();
    (is_call_id(head) && !next.is_some_and(|c| c.is_ascii_alphanumeric()))
        .then(|| head.to_ascii_lowercase())
}

/// A recording's file type from its first bytes.
pub fn media_extension(head: &[u8]) -> Option<&'static str> {
    if head.len() >= 12 && &head[4..8] == b"ftyp" {
        return Some(if matches!(&head[8..12], b"M4A " | b"M4B ") {
            "m4a"
        } else {
            "mp4"
        });
    }
    if head.starts_with(b"ID3")
        || (head.len() >= 2 && head[0] == 0xFF && head[1] & 0xE0 == 0xE0 && head[1] < 0xFE)
    {
        return Some("mp3");
    }
    if head.len() >= 12 && head.starts_with(b"RIFF") && &head[8..12] == b"WAVE" {
        return Some("wav");
    }
    if head.starts_with(&[0x1A, 0x45, 0xDF, 0xA3]) {
        return Some("webm");
    }
    None
}

fn read_head(reader: &mut dyn Read, size: usize) -> std::io::Result<Vec<u8>> {
    let mut head = Vec::with_capacity(size);
    reader.take(size as u64).read_to_end(&mut head)?;
    Ok(head)
}

/// Users CSVs larger than this are not read (a users list is small).
const MAX_TABLE_BYTES: u64 = 64 * 1024 * 1024;

/// Reads every entry of one archive (the first pass): its records, its
/// problems and what it holds.
pub fn read_archive(archive_index: usize, source: &mut dyn ArchiveSource) -> ArchiveRead {
    let all = 0..source.entry_count();
    read_entries(archive_index, source, all)
}

/// Reads the entries of `range` (one of `entry_ranges`) of one archive.
/// The range that starts at entry 0 carries the archive's entry count and,
/// when the archive has more entries than its limits allow, the error that
/// none were read.
pub fn read_entries(
    archive_index: usize,
    source: &mut dyn ArchiveSource,
    range: Range<usize>,
) -> ArchiveRead {
    read_entries_within(archive_index, source, range, u64::MAX).0
}

/// Reads the entries of `range` from its start until entries of `budget`
/// bytes (their uncompressed sizes) have been gone through, or the range ends:
/// the read, and the entry the next read of the range starts at
/// (`range.end` once nothing is left). Reads in steps like this append to
/// the one read of the whole range, and a worker handing each step over
/// holds one step's records instead of the range's.
pub fn read_entries_within(
    archive_index: usize,
    source: &mut dyn ArchiveSource,
    range: Range<usize>,
    budget: u64,
) -> (ArchiveRead, usize) {
    let archive_name = source.name().to_string();
    let total = source.entry_count();
    let first = range.start == 0;
    let mut read = ArchiveRead {
        summary: ArchiveSummary {
            name: archive_name.clone(),
            entries: if first { total } else { 0 },
            ..Default::default()
        },
        ..Default::default()
    };
    let limits = source.limits();
    if total > limits.max_entries {
        if first {
            read.summary.unreadable += 1;
            read.report.error(
                ReasonCode::UnreadableRecord,
                Location::file(&archive_name),
                format!(
                    "the archive has {total} entries, more than the limit of {}; none of them were read",
                    limits.max_entries
                ),
            );
        }
        return (read, range.end);
    }
    let ArchiveRead {
        contents,
        report,
        summary,
    } = &mut read;
    // One buffer for every JSON entry: allocating one per entry leaves the
    // heap fragmented by the records kept between them.
    let mut buffer = Vec::new();
    let mut read_bytes = 0u64;
    for index in range.start.min(total)..range.end.min(total) {
        if read_bytes >= budget {
            return (read, index);
        }
        let Some(entry) = source.entry(index) else {
            continue;
        };
        read_bytes = read_bytes.saturating_add(entry.size);
        if entry.is_dir || is_junk(&entry.name) {
            summary.ignored += 1;
            continue;
        }
        let location = Location::file(&archive_name).with_entry(&entry.name);
        let source_ref = EntryRef {
            archive: archive_index,
            entry: index,
        };
        let outcome = source.open(index).and_then(|reader| {
            read_entry(
                reader,
                &entry,
                limits.max_json_entry_bytes,
                &location,
                source_ref,
                contents,
                summary,
                report,
                &mut buffer,
            )
        });
        if let Err(e) = outcome {
            summary.unreadable += 1;
            report.error(
                ReasonCode::UnreadableRecord,
                location,
                format!("the entry cannot be read from the archive: {e}"),
            );
        }
    }
    (read, range.end)
}

#[allow(clippy::too_many_arguments)]
fn read_entry(
    mut reader: Box<dyn Read + '_>,
    entry: &ArchiveEntry,
    max_json_bytes: u64,
    location: &Location,
    source: EntryRef,
    contents: &mut ArchiveContents,
    summary: &mut ArchiveSummary,
    report: &mut Report,
    buffer: &mut Vec<u8>,
) -> std::io::Result<()> {
    let head = read_head(&mut reader, 64)?;
    if head.is_empty() {
        summary.unrecognised += 1;
        report.warning(
            ReasonCode::UnrecognisedEntry,
            location.clone(),
            "an empty file; ignored",
        );
        return Ok(());
    }
    if let Some(extension) = media_extension(&head) {
        match id_from_name(&entry.name) {
            Some(id) => {
                summary.media += 1;
                contents.media.push(&MediaRecord {
                    id,
                    extension,
                    bytes: entry.size,
                    source,
                    location: location.clone(),
                });
            }
            None => {
                summary.unrecognised += 1;
                report.warning(
                    ReasonCode::UnrecognisedEntry,
                    location.clone(),
                    format!(
                        "a recording ({extension}) whose file name does not start with a 32-hex engagement id, so it \
cannot be matched to a call; rename it to <engagement id>.{extension} to import it"
                    ),
                );
            }
        }
        return Ok(());
    }
    let text_start = head.strip_prefix(&[0xEF, 0xBB, 0xBF]).unwrap_or(&head);
    let first = text_start
        .iter()
        .find(|b| !b.is_ascii_whitespace())
        .copied();
    let skip_bom = head.len() - text_start.len();
    let rest = Cursor::new(head[skip_bom..].to_vec()).chain(reader);
    if matches!(first, Some(b'{' | b'[')) {
        let document = read_json_bytes(rest, max_json_bytes, buffer)
            .and_then(|()| read_document(buffer, location, source));
        read_json_entry(document, entry, location, contents, summary, report);
        return Ok(());
    }
    if looks_like_text(&head) && entry.size <= MAX_TABLE_BYTES {
        let mut bytes = Vec::new();
        rest.take(MAX_TABLE_BYTES).read_to_end(&mut bytes)?;
        let dump = crate::read::table_dump::archive_entry_notice(&bytes);
        if let Some(people) = dump
            .is_none()
            .then(|| read_people_csv(&bytes, location))
            .flatten()
        {
            summary.users_files += 1;
            summary.users += people.len();
            contents.people.extend(people);
            return Ok(());
        }
        summary.unrecognised += 1;
        report.warning(
            ReasonCode::UnrecognisedEntry,
            location.clone(),
            dump.unwrap_or_else(|| {
                "text that is neither Chorus JSON nor a users list (a users CSV needs an email column); ignored. \
Tracker exports are converted with --trackers"
                    .to_string()
            }),
        );
        return Ok(());
    }
    summary.unrecognised += 1;
    let what = if head.starts_with(b"PK\x03\x04") {
        "a zip inside the archive (unpack it and add it again)"
    } else {
        "a binary file of unknown type"
    };
    report.warning(
        ReasonCode::UnrecognisedEntry,
        location.clone(),
        format!("{what}; ignored"),
    );
    Ok(())
}

/// The whole of a JSON entry into `buffer`, for parsing from a slice
/// (faster than from a reader). A read error reads as unreadable JSON; an
/// entry over `limit` bytes is not read.
fn read_json_bytes(
    reader: impl Read,
    limit: u64,
    buffer: &mut Vec<u8>,
) -> std::result::Result<(), String> {
    buffer.clear();
    reader
        .take(limit + 1)
        .read_to_end(buffer)
        .map_err(|e| format!("not readable JSON: {}", serde_json::Error::io(e)))?;
    if buffer.len() as u64 > limit {
        return Err(format!(
            "a JSON document of more than {limit} bytes; not read"
        ));
    }
    Ok(())
}

fn read_json_entry(
    document: std::result::Result<ChorusDocument, String>,
    entry: &ArchiveEntry,
    location: &Location,
    contents: &mut ArchiveContents,
    summary: &mut ArchiveSummary,
    report: &mut Report,
) {
    match document {
        Ok(ChorusDocument::Records(records)) => {
            summary.engagement_pages += usize::from(records.engagement_document);
            summary.engagements += records.engagements.len();
            for engagement in &records.engagements {
                contents.engagements.push(engagement);
            }
            summary.conversations += records.conversations.len();
            for conversation in &records.conversations {
                contents.conversations.push(conversation);
            }
            if !records.people.is_empty() {
                summary.users_files += 1;
                summary.users += records.people.len();
                contents.people.extend(records.people);
            }
            for (at, what) in records.ignored {
                report.warning(
                    ReasonCode::UnrecognisedEntry,
                    at,
                    format!("{what}; ignored"),
                );
            }
            for (at, message) in records.unreadable {
                summary.unreadable += 1;
                report.error(
                    ReasonCode::UnreadableRecord,
                    at,
                    format!("{message}; the value was not used"),
                );
            }
        }
        Ok(ChorusDocument::FetchReport(missing)) => {
            summary.ignored += 1;
            for item in missing {
                let id = if item.engagement_id.is_empty() {
                    "?".to_string()
                } else {
                    item.engagement_id
                };
                report.warning(
                    ReasonCode::DownloadFailed,
                    item.location,
                    format!(
                        "the download of the {} of call {id} failed: {}",
                        item.what, item.message
                    ),
                );
            }
        }
        Ok(ChorusDocument::ErrorResponse(message)) => {
            summary.unrecognised += 1;
            report.warning(
                ReasonCode::UnrecognisedEntry,
                location.clone(),
                format!("a saved Chorus error response ({message}), not data; ignored"),
            );
        }
        Ok(ChorusDocument::Other(what)) => {
            summary.unrecognised += 1;
            report.warning(
                ReasonCode::UnrecognisedEntry,
                location.clone(),
                format!(
                    "{what}: not an engagement page, conversation document or users list; ignored"
                ),
            );
        }
        Err(message) => {
            summary.unreadable += 1;
            match id_from_name(&entry.name) {
                Some(id) => contents.unreadable.push(&UnreadableEntry {
                    id,
                    message,
                    location: location.clone(),
                }),
                None => report.error(
                    ReasonCode::UnreadableRecord,
                    location.clone(),
                    format!("{message}; the entry was not used"),
                ),
            }
        }
    }
}

// Packed forms (`model::packed`): a first pass crosses between Web Workers as bytes.
packed_struct!(UnreadableEntry {
    id,
    message,
    location
});
packed_struct!(ArchiveContents {
    engagements,
    conversations,
    media,
    people,
    unreadable
});
packed_struct!(ArchiveRead {
    contents,
    report,
    summary
});

/// The file types `media_extension` tells apart.
const MEDIA_EXTENSIONS: [&str; 5] = ["mp4", "m4a", "mp3", "wav", "webm"];

impl Pack for MediaRecord {
    fn pack(&self, out: &mut Vec<u8>) {
        self.id.pack(out);
        let extension = MEDIA_EXTENSIONS.iter().position(|e| *e == self.extension);
        extension.unwrap_or(0).pack(out);
        self.bytes.pack(out);
        self.source.pack(out);
        self.location.pack(out);
    }
    fn unpack(input: &mut &[u8]) -> Self {
        MediaRecord {
            id: String::unpack(input),
            extension: MEDIA_EXTENSIONS[usize::unpack(input).min(MEDIA_EXTENSIONS.len() - 1)],
            bytes: u64::unpack(input),
            source: EntryRef::unpack(input),
            location: Location::unpack(input),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_give_ids_and_junk() {
        let id = "0123456789abcdef0123456789ABCDEF";
        assert_eq!(
            id_from_name(&format!("export/media/{id}.mp4")),
            Some(id.to_ascii_lowercase())
        );
        assert_eq!(
            id_from_name(&format!("..\\..\\{id}_transcript.json")),
            Some(id.to_ascii_lowercase())
        );
        assert_eq!(id_from_name(&format!("{id}0.mp4")), None);
        assert_eq!(id_from_name("call.mp4"), None);
        assert!(is_junk("__MACOSX/export/._a.json"));
        assert!(is_junk("export/.DS_Store"));
        assert!(is_junk("Thumbs.db"));
        assert!(!is_junk("export/page-1.json"));
    }

    #[test]
    fn media_by_magic_bytes() {
        assert_eq!(media_extension(b"\0\0\0\x20ftypisom\0\0\0\0"), Some("mp4"));
        assert_eq!(media_extension(b"\0\0\0\x20ftypM4A \0\0\0\0"), Some("m4a"));
        assert_eq!(media_extension(b"ID3\x04\0"), Some("mp3"));
        assert_eq!(media_extension(b"RIFF\0\0\0\0WAVEfmt "), Some("wav"));
        assert_eq!(media_extension(b"\x1a\x45\xdf\xa3\x01"), Some("webm"));
        assert_eq!(media_extension(b"{\"a\":1}"), None);
        assert_eq!(
            media_extension(b"\xff\xfeE\0m\0"),
            None,
            "a UTF-16 text is not an mp3"
        );
    }

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
