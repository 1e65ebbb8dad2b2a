//! What the first pass found: in, the records and problems of entries read
//! one after another; out, `ArchiveContents` (the records, packed) and
//! `ArchiveRead` (with the report and the summary), appended range after
//! range, and as bytes to hand from one Web Worker to another.

use super::names::MEDIA_EXTENSIONS;
use crate::model::calls::{
    ConversationRecord, EngagementRecord, EntryRef, MediaRecord, PersonRecord,
};
use crate::model::conversion::ArchiveSummary;
use crate::model::packed::{packed_struct, Pack, Packed};
use crate::model::Location;
use crate::report::Report;

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
