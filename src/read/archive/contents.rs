//! What the first pass found: in, the records and problems of entries read
//! one after another; out, `ArchiveContents` (the records, packed) and
//! `ArchiveRead` (with the report and the summary), appended range after
//! range, and as bytes to hand from one Web Worker to another.

use crate::model::calls::{ConversationRecord, EngagementRecord, MediaRecord, PersonRecord};
use crate::model::conversion::ArchiveSummary;
use crate::model::packed::{read_value, write_value, Packed};
use crate::model::{printable, Location};
use crate::report::Report;
use bitcode::{Decode, Encode};
use flate2::Crc;

/// A JSON entry that could not be parsed, whose name carries a call id: it
/// is probably that call's conversation document.
#[derive(Debug, Clone, PartialEq, Eq, Encode, Decode)]
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

/// Starts the bytes of an `ArchiveRead` in every format (`to_bytes`),
/// followed by the format's number and a newline.
const READ_MAGIC: &[u8] = b"chorus2outdoo first pass ";
/// The format this version writes and reads.
const READ_FORMAT: &[u8] = b"2\n";
/// After the format: the length of the records' bytes (8 bytes,
/// little-endian) and their CRC-32 (4 bytes).
const READ_HEADER: usize = READ_MAGIC.len() + READ_FORMAT.len() + 8 + 4;

impl ArchiveRead {
    /// Appends the read of the range of entries that follows this one's.
    pub fn append(&mut self, later: ArchiveRead) {
        self.contents.append(later.contents);
        self.report.extend(later.report);
        self.summary.add(&later.summary);
    }

    /// The read as bytes, to hand from one Web Worker to another: a
    /// marker and the format, the length and CRC-32 of what follows, then
    /// each kind of record (`Packed::write_to`), the report, and the users
    /// lists' people with the summary.
    pub fn to_bytes(&self) -> Vec<u8> {
        let contents = &self.contents;
        // Sized up front (the records, their lengths and some room for the
        // rest): a Web Worker's memory keeps whatever it once grew to.
        let records = contents.engagements.byte_len() + contents.conversations.byte_len();
        let records_count = contents.engagements.len() + contents.conversations.len();
        let mut bytes = Vec::with_capacity(READ_HEADER + records + 4 * records_count + 64 * 1024);
        bytes.extend_from_slice(READ_MAGIC);
        bytes.extend_from_slice(READ_FORMAT);
        bytes.extend_from_slice(&[0; 12]);
        contents.engagements.write_to(&mut bytes);
        contents.conversations.write_to(&mut bytes);
        contents.media.write_to(&mut bytes);
        contents.unreadable.write_to(&mut bytes);
        self.report.write_to(&mut bytes);
        write_value(&contents.people, &mut bytes);
        write_value(&self.summary, &mut bytes);
        let body = &bytes[READ_HEADER..];
        let mut crc = Crc::new();
        crc.update(body);
        let (length, crc) = ((body.len() as u64).to_le_bytes(), crc.sum().to_le_bytes());
        let header = READ_MAGIC.len() + READ_FORMAT.len();
        bytes[header..header + 8].copy_from_slice(&length);
        bytes[header + 8..READ_HEADER].copy_from_slice(&crc);
        bytes
    }

    /// A read from `to_bytes`. Other bytes are refused, saying why: not a
    /// first pass, one of another format, cut short or extended, altered
    /// (its CRC-32 differs), or a record that does not decode.
    pub fn from_bytes(bytes: &[u8]) -> std::result::Result<ArchiveRead, String> {
        let format = bytes
            .strip_prefix(READ_MAGIC)
            .ok_or("these bytes are not a first pass of chorus2outdoo")?;
        let cut_short = || "these bytes are a first pass cut short, before its length".to_string();
        let framed = match format.strip_prefix(READ_FORMAT) {
            Some(framed) => framed,
            None if READ_FORMAT.starts_with(format) => return Err(cut_short()),
            None => {
                let number = format.split(|b| *b == b'\n').next().unwrap_or_default();
                return Err(format!(
                    "these bytes are a first pass of another version of chorus2outdoo (format {}), not of this one (format {})",
                    printable(&String::from_utf8_lossy(&number[..number.len().min(20)]), false),
                    String::from_utf8_lossy(READ_FORMAT.trim_ascii_end()),
                ));
            }
        };
        let (length, framed) = framed.split_first_chunk::<8>().ok_or_else(cut_short)?;
        let (crc, body) = framed.split_first_chunk::<4>().ok_or_else(cut_short)?;
        let length = u64::from_le_bytes(*length);
        if body.len() as u64 != length {
            return Err(format!(
                "these bytes are a first pass of {length} bytes with {} bytes instead (cut short or extended)",
                body.len()
            ));
        }
        let mut actual = Crc::new();
        actual.update(body);
        if actual.sum() != u32::from_le_bytes(*crc) {
            return Err(
                "these bytes are a first pass altered since it was written (its CRC-32 differs)"
                    .to_string(),
            );
        }
        let unreadable = |what: &'static str| {
            move |problem: String| {
                format!("these bytes are a first pass whose {what} cannot be read: {problem}")
            }
        };
        let mut input = body;
        let engagements = Packed::read_from(&mut input).map_err(unreadable("engagements"))?;
        let conversations =
            Packed::read_from(&mut input).map_err(unreadable("conversation documents"))?;
        let media = Packed::read_from(&mut input).map_err(unreadable("recordings"))?;
        let unreadable_entries =
            Packed::read_from(&mut input).map_err(unreadable("unreadable entries"))?;
        let report = Report::read_from(&mut input).map_err(unreadable("report"))?;
        let people = read_value(&mut input).map_err(unreadable("users lists' people"))?;
        let summary = read_value(&mut input).map_err(unreadable("summary"))?;
        if !input.is_empty() {
            return Err(format!(
                "these bytes are a first pass with {} bytes after its summary",
                input.len()
            ));
        }
        Ok(ArchiveRead {
            contents: ArchiveContents {
                engagements,
                conversations,
                media,
                people,
                unreadable: unreadable_entries,
            },
            report,
            summary,
        })
    }
}
