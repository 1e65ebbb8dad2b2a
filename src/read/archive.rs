//! Call archives: a zip or a folder of pre-downloaded Chorus data in, the
//! records it holds out (`ArchiveContents`), each located by archive, entry
//! and JSON pointer, plus an `ArchiveSummary` of what was found.
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
use crate::model::packed::Packed;
use crate::model::Location;
use crate::read::chorus::{read_document, ChorusDocument};
use crate::read::text::looks_like_text;
use crate::read::users::read_people_csv;
use crate::report::{ReasonCode, Report};
use serde::Serialize;
use sha2::{Digest, Sha256};
use std::io::{Cursor, Read, Seek, SeekFrom};

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
    fn entries(&self) -> &[ArchiveEntry];
    fn open(&mut self, index: usize) -> std::io::Result<Box<dyn Read + '_>>;
    /// The limits its entries are read within (entry count, sizes, ratios).
    fn limits(&self) -> Limits {
        Limits::default()
    }
}

/// A zip archive read through any `Read + Seek` (a file, a buffer, a browser Blob).
pub struct ZipSource<R: Read + Seek> {
    name: String,
    bytes: u64,
    sha256: String,
    entries: Vec<ArchiveEntry>,
    archive: zip::ZipArchive<R>,
    limits: Limits,
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
        let mut hasher = Sha256::new();
        let mut buffer = vec![0u8; 64 * 1024];
        let mut bytes = 0u64;
        loop {
            let n = reader.read(&mut buffer).map_err(io_error)?;
            if n == 0 {
                break;
            }
            hasher.update(&buffer[..n]);
            bytes += n as u64;
        }
        let sha256: String = hasher
            .finalize()
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
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
        let archive = zip::ZipArchive::new(reader).map_err(|e| {
            Error::input(
                Location::file(&name),
                format!("this is not a readable zip archive ({e}); pass a zip or a folder"),
            )
        })?;
        let mut entries = Vec::with_capacity(archive.len());
        for index in 0..archive.len() {
            // From the central directory alone: no entry's own header is read
            // (in the browser, each would cost a read of the file).
            let entry = archive.by_index_data(index).map_err(|e| {
                Error::input(
                    Location::file(&name),
                    format!("entry {} of the zip cannot be read: {e}", index + 1),
                )
            })?;
            let entry_name = entry
                .name()
                .map(|n| n.into_owned())
                .unwrap_or_else(|_| format!("entry {}", index + 1));
            entries.push(ArchiveEntry {
                name: entry_name,
                size: entry.size(),
                is_dir: entry.is_dir(),
            });
        }
        Ok(ZipSource {
            name,
            bytes,
            sha256: sha256.into(),
            entries,
            archive,
            limits: Limits::default(),
        })
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
    fn entries(&self) -> &[ArchiveEntry] {
        &self.entries
    }
    fn limits(&self) -> Limits {
        self.limits.clone()
    }
    /// Opens an entry; one that would inflate at a ratio beyond the limits is
    /// refused, and one that inflates beyond its declared size fails while
    /// read (the zip reader stops it).
    fn open(&mut self, index: usize) -> std::io::Result<Box<dyn Read + '_>> {
        let (size, compressed) = {
            let raw = self
                .archive
                .by_index_raw(index)
                .map_err(std::io::Error::other)?;
            (raw.size(), raw.compressed_size())
        };
        if let Some(problem) = self.limits.ratio_problem(size, compressed) {
            return Err(std::io::Error::other(problem));
        }
        let entry = self
            .archive
            .by_index(index)
            .map_err(std::io::Error::other)?;
        Ok(Box::new(entry))
    }
}

/// What an archive holds, for `inspect` and the page.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ArchiveSummary {
    pub name: String,
    pub entries: usize,
    /// `/v3/engagements` pages and bare arrays of engagements.
    pub engagement_pages: usize,
    pub engagements: usize,
    pub conversations: usize,
    pub users_files: usize,
    pub users: usize,
    pub media: usize,
    /// Folders and junk (`__MACOSX/`, `.DS_Store`, `Thumbs.db`).
    pub ignored: usize,
    pub unrecognised: usize,
    /// Entries whose content could not be read (broken JSON, bad zip data).
    pub unreadable: usize,
}

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
#[derive(Debug, Clone, Default)]
pub struct ArchiveContents {
    pub engagements: Packed<EngagementRecord>,
    pub conversations: Packed<ConversationRecord>,
    pub media: Vec<MediaRecord>,
    /// Chorus users lists (names and Chorus user ids by email).
    pub people: Vec<PersonRecord>,
    pub unreadable: Vec<UnreadableEntry>,
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

/// Reads every entry of one archive (the first pass): records go into
/// `contents`, counts into the returned summary, problems into `report`.
pub fn read_archive(
    archive_index: usize,
    source: &mut dyn ArchiveSource,
    contents: &mut ArchiveContents,
    report: &mut Report,
) -> ArchiveSummary {
    let archive_name = source.name().to_string();
    let entries = source.entries().to_vec();
    let mut summary = ArchiveSummary {
        name: archive_name.clone(),
        entries: entries.len(),
        ..Default::default()
    };
    let limits = source.limits();
    if entries.len() > limits.max_entries {
        summary.unreadable += 1;
        report.error(
            ReasonCode::UnreadableRecord,
            Location::file(&archive_name),
            format!(
                "the archive has {} entries, more than the limit of {}; none of them were read",
                entries.len(),
                limits.max_entries
            ),
        );
        return summary;
    }
    // One buffer for every JSON entry: allocating one per entry leaves the
    // heap fragmented by the records kept between them.
    let mut buffer = Vec::new();
    for (index, entry) in entries.iter().enumerate() {
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
                entry,
                limits.max_json_entry_bytes,
                &location,
                source_ref,
                contents,
                &mut summary,
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
    summary
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
                contents.media.push(MediaRecord {
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
        if let Some(people) = read_people_csv(&bytes, location) {
            summary.users_files += 1;
            summary.users += people.len();
            contents.people.extend(people);
            return Ok(());
        }
        summary.unrecognised += 1;
        report.warning(
            ReasonCode::UnrecognisedEntry,
            location.clone(),
            "text that is neither Chorus JSON nor a users list (a users CSV needs an email column); ignored. \
Tracker exports are converted with --trackers",
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
        Ok(ChorusDocument::EngagementPage(engagements))
        | Ok(ChorusDocument::EngagementArray(engagements)) => {
            summary.engagement_pages += 1;
            summary.engagements += engagements.len();
            for engagement in &engagements {
                contents.engagements.push(engagement);
            }
        }
        Ok(ChorusDocument::Conversation(conversation)) => {
            summary.conversations += 1;
            contents.conversations.push(&conversation);
        }
        Ok(ChorusDocument::Users(people)) => {
            summary.users_files += 1;
            summary.users += people.len();
            contents.people.extend(people);
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
                Some(id) => contents.unreadable.push(UnreadableEntry {
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
}
