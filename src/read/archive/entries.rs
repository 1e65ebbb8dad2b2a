//! The first pass over an archive's entries: in, an `ArchiveSource` and a
//! range of its entries (all of them, or one share by `entry_ranges`);
//! out, an `ArchiveRead`. Each entry is detected by its content, never its
//! name: a recording (by magic bytes, matched to its call by the id its
//! name starts with), a JSON document (engagement pages, conversation
//! documents, users lists, a fetch report), a users CSV; junk and folders
//! are ignored, and anything else is reported as unrecognised.

use super::contents::{ArchiveContents, ArchiveRead, UnreadableEntry};
use super::names::{id_from_name, is_junk, media_format};
use super::source::{ArchiveEntry, ArchiveSource};
use crate::model::calls::{EntryRef, MediaRecord};
use crate::model::conversion::ArchiveSummary;
use crate::model::Location;
use crate::read::chorus::{read_document, ChorusDocument};
use crate::read::text::looks_like_text;
use crate::read::users::read_people_csv;
use crate::report::{ReasonCode, Report};
use std::io::{Cursor, Read};
use std::ops::Range;

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
    if let Some(format) = media_format(&head) {
        match id_from_name(&entry.name) {
            Some(id) => {
                summary.media += 1;
                contents.media.push(&MediaRecord {
                    id,
                    format,
                    bytes: entry.size,
                    source,
                    location: location.clone(),
                });
            }
            None => {
                summary.unrecognised += 1;
                let extension = format.extension();
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
