//! Detection: a file's bytes in, what kind of input it is out. By content,
//! never by file name: a zip holding `xl/workbook.xml` is an XLSX workbook,
//! text starting with `[` or `{` is JSON, a table whose first line names a
//! warehouse table's columns is a table dump, other text is CSV-like.

pub use crate::model::conversion::FileKind;
use crate::read::edits::is_edits_document;
use crate::read::table_dump::table_dump_in_text;
use crate::read::text::{decode, looks_like_text};
use std::io::Cursor;

fn is_zip(bytes: &[u8]) -> bool {
    bytes.starts_with(b"PK\x03\x04") || bytes.starts_with(b"PK\x05\x06")
}

fn is_workbook(bytes: &[u8]) -> bool {
    zip::ZipArchive::new(Cursor::new(bytes))
        .map(|archive| {
            archive
                .file_names_raw()
                .any(|name| name == b"xl/workbook.xml")
        })
        .unwrap_or(false)
}

pub fn detect(bytes: &[u8]) -> FileKind {
    if bytes.iter().all(|b| b.is_ascii_whitespace()) {
        return FileKind::Empty;
    }
    if is_zip(bytes) {
        return if is_workbook(bytes) {
            FileKind::TrackerXlsx
        } else {
            FileKind::Zip
        };
    }
    if !looks_like_text(bytes) {
        return FileKind::Binary;
    }
    let head = &bytes[..bytes.len().min(1024)];
    let (text, _) = decode(head);
    match text
        .trim_start_matches('\u{feff}')
        .trim_start()
        .chars()
        .next()
    {
        Some('{') if is_edits_document(bytes) => FileKind::Edits,
        Some('[') | Some('{') => FileKind::TrackerJson,
        Some(_) if table_dump_in_text(head).is_some() => FileKind::TableDump,
        Some(_) => FileKind::TrackerCsv,
        None => FileKind::Empty,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn detects_by_content() {
        assert_eq!(detect(b""), FileKind::Empty);
        assert_eq!(detect(b" \r\n"), FileKind::Empty);
        assert_eq!(detect(b"Name,Keywords\n"), FileKind::TrackerCsv);
        assert_eq!(
            detect(b"\xEF\xBB\xBF [{\"name\":1}]"),
            FileKind::TrackerJson
        );
        assert_eq!(detect(b"\xFF\xFE{\0}\0"), FileKind::TrackerJson);
        assert_eq!(
            detect(b"engagement_id,person_id,email,name\n"),
            FileKind::TableDump
        );
        assert_eq!(detect(b"PK\x03\x04garbage"), FileKind::Zip);
        assert_eq!(
            detect(b"{\"version\": 1, \"format\" :\n \"chorus2outdoo-edits\", \"edits\": []}"),
            FileKind::Edits
        );
        assert_eq!(
            detect(b"{\"format\": \"chorus2outdoo-editsx\"}"),
            FileKind::TrackerJson
        );
        assert_eq!(detect(b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR"), FileKind::Binary);
    }
}
