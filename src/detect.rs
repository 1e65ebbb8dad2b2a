//! Detection: a file's bytes in, what kind of input it is out. By content,
//! never by file name: a zip holding `xl/workbook.xml` is an XLSX workbook,
//! text starting with `[` or `{` is JSON, a table whose first line names a
//! warehouse table's columns is a table dump, other text is CSV-like.

use crate::read::table_dump::table_dump_in_text;
use crate::read::text::{decode, looks_like_text};
use serde::{Deserialize, Serialize};
use std::io::Cursor;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FileKind {
    TrackerCsv,
    TrackerJson,
    TrackerXlsx,
    /// A zip that is not a workbook.
    Zip,
    Empty,
    Binary,
    /// A zip or folder of Chorus call data (given with `--archive`).
    CallArchive,
    /// A CSV of existing Outdoo users (given with `--roster`).
    UserRoster,
    /// An earlier Outdoo import package (given with `--after-package`).
    OutdooPackage,
    /// A CSV dump of a Chorus warehouse table (Fivetran's `engagement`,
    /// `engagement_participant`, ...): not converted yet.
    TableDump,
}

impl FileKind {
    pub fn label(self) -> &'static str {
        match self {
            FileKind::TrackerCsv => "tracker table (CSV/text)",
            FileKind::TrackerJson => "tracker list (JSON)",
            FileKind::TrackerXlsx => "tracker workbook (XLSX)",
            FileKind::Zip => "zip archive",
            FileKind::Empty => "empty file",
            FileKind::Binary => "binary file",
            FileKind::CallArchive => "Chorus call archive",
            FileKind::UserRoster => "Outdoo users roster (CSV)",
            FileKind::OutdooPackage => "earlier Outdoo import package",
            FileKind::TableDump => "Chorus warehouse table dump (CSV)",
        }
    }
}

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
        assert_eq!(detect(b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR"), FileKind::Binary);
    }
}
