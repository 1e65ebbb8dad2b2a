//! Tabular tracker exports (CSV and XLSX rows, JSON object keys): header
//! aliases, header-row detection, and rows into `TrackerRecord`s.
//!
//! In: rows of cells with their 1-based row numbers. Out: one record per row
//! that names a tracker; rows without a name are either added to the tracker
//! above (a spreadsheet with merged name cells) or reported.

use crate::error::{Error, Result};
use crate::model::{Location, TrackerRecord};
use crate::read::phrases::split_phrases;
use crate::report::{ReasonCode, Report};

/// The tracker attributes a column (or a JSON key) can hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Field {
    Name,
    Phrases,
    Category,
    Kind,
    SaidBy,
    Language,
    Description,
    Expression,
}

/// Header aliases, compared after lower-casing and removing everything that
/// is not a letter or digit ("Track when said by" -> "trackwhensaidby").
const ALIASES: &[(Field, &[&str])] = &[
    (
        Field::Name,
        &["name", "tracker", "trackername", "title", "trackertitle"],
    ),
    (
        Field::Phrases,
        &[
            "keywords",
            "keyword",
            "phrases",
            "phrase",
            "terms",
            "term",
            "words",
            "word",
            "keyphrases",
            "trackerkeywords",
            "trackerphrases",
        ],
    ),
    (
        Field::Category,
        &[
            "category",
            "group",
            "trackercategory",
            "categoryname",
            "trackergroup",
        ],
    ),
    (Field::Kind, &["type", "trackertype", "kind"]),
    (
        Field::SaidBy,
        &[
            "saidby",
            "speaker",
            "mentionedby",
            "trackwhensaidby",
            "whosaidit",
            "spokenby",
        ],
    ),
    (Field::Language, &["language", "languages", "lang"]),
    (Field::Description, &["description", "desc"]),
    (
        Field::Expression,
        &[
            "expression",
            "query",
            "boolean",
            "booleanexpression",
            "booleanquery",
            "advancedquery",
        ],
    ),
];

/// The accepted header names, for error messages.
pub const ACCEPTED_HEADERS: &str = "name / tracker / tracker name / title; keywords / phrases / terms / words / phrase; \
category / group; type / tracker type; said by / speaker / mentioned by / track when said by; language; description; \
expression / query / boolean";

fn normalise_header(header: &str) -> String {
    header
        .chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect()
}

/// The field a header (or JSON key) stands for, if any.
pub fn field_for(header: &str) -> Option<Field> {
    let key = normalise_header(header);
    ALIASES
        .iter()
        .find(|(_, names)| names.contains(&key.as_str()))
        .map(|(field, _)| *field)
}

/// Which column holds which field.
struct Columns {
    fields: Vec<Option<Field>>,
}

impl Columns {
    fn from_header(cells: &[String]) -> Self {
        Columns {
            fields: cells.iter().map(|c| field_for(c)).collect(),
        }
    }
    fn has(&self, field: Field) -> bool {
        self.fields.contains(&Some(field))
    }
    fn usable(&self) -> bool {
        self.has(Field::Name) && (self.has(Field::Phrases) || self.has(Field::Expression))
    }
}

fn non_blank(cell: &str) -> Option<String> {
    let trimmed = cell.trim();
    (!trimmed.is_empty()).then(|| trimmed.to_string())
}

/// Sets a single-valued attribute, keeping the first non-blank value when a
/// file has two columns for the same field.
fn set_once(slot: &mut Option<String>, cell: &str) {
    if slot.is_none() {
        *slot = non_blank(cell);
    }
}

/// Turns rows into tracker records. The header is the first of the first ten
/// non-blank rows that names a tracker column and a phrase or expression
/// column; a file without one is an error listing what it found.
pub fn records_from_rows(
    file: &str,
    rows: impl IntoIterator<Item = (u64, Vec<String>)>,
    report: &mut Report,
) -> Result<Vec<TrackerRecord>> {
    let mut rows = rows.into_iter();
    let mut seen_headers: Vec<(u64, Vec<String>)> = Vec::new();
    let (header_row, columns) = loop {
        let Some((number, cells)) = rows.next() else {
            return Err(no_header_error(file, &seen_headers));
        };
        if cells.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        let columns = Columns::from_header(&cells);
        if columns.usable() {
            break (number, (columns, cells));
        }
        seen_headers.push((number, cells));
        if seen_headers.len() >= 10 {
            return Err(no_header_error(file, &seen_headers));
        }
    };
    let (columns, header_cells) = columns;
    let ignored: Vec<&str> = header_cells
        .iter()
        .zip(&columns.fields)
        .filter(|(cell, field)| field.is_none() && !cell.trim().is_empty())
        .map(|(cell, _)| cell.trim())
        .collect();
    if !ignored.is_empty() {
        report.info(
            ReasonCode::IgnoredColumn,
            Location::row(file, header_row),
            format!("columns not used by the converter: {}", ignored.join(", ")),
        );
    }

    let mut records: Vec<TrackerRecord> = Vec::new();
    for (number, cells) in rows {
        if cells.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        let mut record = TrackerRecord {
            location: Location::row(file, number),
            ..Default::default()
        };
        let mut name = None;
        for (cell, field) in cells.iter().zip(&columns.fields) {
            match field {
                Some(Field::Name) => set_once(&mut name, cell),
                Some(Field::Phrases) => record.phrases.extend(split_phrases(cell)),
                Some(Field::Category) => set_once(&mut record.category, cell),
                Some(Field::Kind) => set_once(&mut record.kind, cell),
                Some(Field::SaidBy) => set_once(&mut record.said_by, cell),
                Some(Field::Language) => set_once(&mut record.language, cell),
                Some(Field::Description) => set_once(&mut record.description, cell),
                Some(Field::Expression) => set_once(&mut record.expression, cell),
                None => {}
            }
        }
        match name {
            Some(name) => {
                record.name = name;
                records.push(record);
            }
            None => attach_nameless_row(record, &mut records, report),
        }
    }
    Ok(records)
}

/// A row without a tracker name: in a sheet with merged name cells it
/// continues the tracker above; otherwise it cannot be placed.
fn attach_nameless_row(row: TrackerRecord, records: &mut [TrackerRecord], report: &mut Report) {
    let continues = row.category.is_none()
        && row.kind.is_none()
        && row.expression.is_none()
        && !row.phrases.is_empty();
    match records.last_mut() {
        Some(above) if continues && above.location.file == row.location.file => {
            report.info(
                ReasonCode::MissingName,
                row.location.clone(),
                format!(
                    "row has no tracker name; its {} phrase(s) were added to \"{}\" from the row above",
                    row.phrases.len(),
                    above.name
                ),
            );
            above.phrases.extend(row.phrases);
        }
        _ => report.error(
            ReasonCode::MissingName,
            row.location,
            "row has no tracker name, so it cannot become a topic; it was not imported (add the name and convert again)",
        ),
    }
}

fn no_header_error(file: &str, seen: &[(u64, Vec<String>)]) -> Error {
    let found = seen
        .first()
        .map(|(_, cells)| {
            cells
                .iter()
                .map(|c| c.trim())
                .filter(|c| !c.is_empty())
                .map(|c| format!("\"{c}\""))
                .collect::<Vec<_>>()
                .join(", ")
        })
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| "none".to_string());
    let location = match seen.first() {
        Some((row, _)) => Location::row(file, *row),
        None => Location::file(file),
    };
    Error::input(
        location,
        format!(
            "no tracker header found: a header row needs a tracker name column and a keywords or expression column. \
Headers found: {found}. Accepted headers: {ACCEPTED_HEADERS}"
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_aliases_ignore_case_space_and_punctuation() {
        assert_eq!(field_for("Tracker Name"), Some(Field::Name));
        assert_eq!(field_for(" KEYWORDS "), Some(Field::Phrases));
        assert_eq!(field_for("Track when said by"), Some(Field::SaidBy));
        assert_eq!(field_for("tracker_type"), Some(Field::Kind));
        assert_eq!(field_for("Boolean"), Some(Field::Expression));
        assert_eq!(field_for("Owner"), None);
    }

    fn rows(data: &[&[&str]]) -> Vec<(u64, Vec<String>)> {
        data.iter()
            .enumerate()
            .map(|(i, r)| (i as u64 + 1, r.iter().map(|c| c.to_string()).collect()))
            .collect()
    }

    #[test]
    fn missing_header_lists_found_and_accepted() {
        let mut report = Report::default();
        let err = records_from_rows(
            "t.csv",
            rows(&[&["Owner", "Notes"], &["a", "b"]]),
            &mut report,
        )
        .unwrap_err();
        let text = err.to_string();
        assert!(
            text.starts_with("t.csv row 1: no tracker header found"),
            "{text}"
        );
        assert!(
            text.contains("Headers found: \"Owner\", \"Notes\""),
            "{text}"
        );
        assert!(text.contains("Accepted headers: name / tracker"), "{text}");
    }

    #[test]
    fn nameless_rows_continue_the_tracker_above_or_are_reported() {
        let mut report = Report::default();
        let records = records_from_rows(
            "t.csv",
            rows(&[
                &["Name", "Keywords", "Category"],
                &["", "orphan", "X"],
                &["Price", "price", "Deal"],
                &["", "cost", ""],
            ]),
            &mut report,
        )
        .unwrap();
        assert_eq!(records.len(), 1);
        assert_eq!(records[0].phrases, ["price", "cost"]);
        let codes: Vec<_> = report.iter().map(|e| (e.code, e.location.row)).collect();
        assert_eq!(
            codes,
            [
                (ReasonCode::MissingName, Some(2)),
                (ReasonCode::MissingName, Some(4))
            ]
        );
    }
}
