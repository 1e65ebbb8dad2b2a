//! Readers: Chorus formats in, the neutral model out (`model::TrackerRecord`;
//! for call archives the records in `model::calls`), lenient about layout and
//! types, and naming the location of every record.

pub mod archive;
pub mod call_fields;
pub mod chorus;
pub mod conversation;
pub mod earlier;
pub mod edits;
pub mod engagement;
pub mod expression;
pub mod html_text;
pub mod json_lines;
pub mod lenient;
pub mod phrases;
pub mod pointer;
pub mod table;
pub mod table_dump;
pub mod text;
pub mod trackers;
pub mod transcript_text;
pub mod users;

/// Where a seek lands in a source of `len` bytes read at `position` (for
/// readers over random-access sources: a browser Blob, a shared file);
/// before the start is an error.
pub fn seek_position(position: u64, len: u64, to: std::io::SeekFrom) -> std::io::Result<u64> {
    let target = match to {
        std::io::SeekFrom::Start(offset) => Some(offset),
        std::io::SeekFrom::End(delta) => len.checked_add_signed(delta),
        std::io::SeekFrom::Current(delta) => position.checked_add_signed(delta),
    };
    target.ok_or_else(|| {
        std::io::Error::new(
            std::io::ErrorKind::InvalidInput,
            "seek before the start of the file",
        )
    })
}
