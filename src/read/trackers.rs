//! Tracker exports: a file's bytes in (CSV/text, JSON or XLSX, as detected),
//! `TrackerRecord`s out, each with its row or JSON pointer. Problems with one
//! record go into the report; a file that cannot be read at all is an error,
//! and so is one beyond the `Limits` (a gigantic cell, a workbook that would
//! inflate too far).

use crate::detect::FileKind;
use crate::error::{Error, Result};
use crate::limits::Limits;
use crate::model::{KeywordGroup, Location, TrackerRecord};
use crate::read::phrases::{split_phrases, split_sentences};
use crate::read::table::{
    field_for, place_keywords, records_from_rows, Field, Keywords, ACCEPTED_HEADERS,
};
use crate::read::table_dump::table_dump_in_text;
use crate::read::text::{decode, TextEncoding};
use crate::report::{ReasonCode, Report};
use serde_json::Value;
use std::io::Cursor;

/// Reads one tracker export of a known kind, with the default limits.
pub fn read_trackers(
    file: &str,
    bytes: &[u8],
    kind: FileKind,
    report: &mut Report,
) -> Result<Vec<TrackerRecord>> {
    read_trackers_with(file, bytes, kind, &Limits::default(), report)
}

/// Reads one tracker export of a known kind within `limits`.
pub fn read_trackers_with(
    file: &str,
    bytes: &[u8],
    kind: FileKind,
    limits: &Limits,
    report: &mut Report,
) -> Result<Vec<TrackerRecord>> {
    match kind {
        FileKind::TrackerCsv => read_csv(file, bytes, limits, report),
        FileKind::TrackerJson => read_json(file, bytes, limits, report),
        FileKind::TrackerXlsx => read_xlsx(file, bytes, limits, report),
        FileKind::Empty => Err(Error::input(Location::file(file), "the file is empty")),
        FileKind::TableDump => Err(Error::input(
            Location::file(file),
            match table_dump_in_text(bytes) {
                Some(dump) => {
                    format!("{dump}, not a tracker export; table dumps are not converted yet")
                }
                None => "a Chorus warehouse table dump, not a tracker export; table dumps are not converted yet"
                    .to_string(),
            },
        )),
        FileKind::Edits => Err(Error::input(
            Location::file(file),
            "this is an edits document, not a tracker export; it is applied after the conversion (--edits)",
        )),
        FileKind::Zip => Err(Error::input(
            Location::file(file),
            "this is a zip archive, not a tracker export (CSV, JSON or XLSX); call archives are read with --archive",
        )),
        FileKind::Binary
        | FileKind::CallArchive
        | FileKind::UserRoster
        | FileKind::OutdooPackage => Err(Error::input(
            Location::file(file),
            "this is not a tracker export: expected CSV or text, JSON, or an XLSX workbook",
        )),
    }
}

fn decode_reporting(file: &str, bytes: &[u8], report: &mut Report) -> String {
    let (text, encoding) = decode(bytes);
    if encoding == TextEncoding::Windows1252 {
        report.warning(
            ReasonCode::EncodingFallback,
            Location::file(file),
            "the file is not valid UTF-8; it was read as Windows-1252 (check accented letters in the preview)",
        );
    }
    text
}

/// The delimiter used in the first line: the most frequent of tab,
/// semicolon and comma outside quotes (comma when none occurs).
fn sniff_delimiter(text: &str) -> u8 {
    let mut counts = [(b'\t', 0usize), (b';', 0), (b',', 0)];
    let mut in_quotes = false;
    for c in text.chars() {
        match c {
            '"' => in_quotes = !in_quotes,
            '\n' if !in_quotes => break,
            _ if !in_quotes => {
                for (delimiter, count) in counts.iter_mut() {
                    if c as u32 == *delimiter as u32 {
                        *count += 1;
                    }
                }
            }
            _ => {}
        }
    }
    counts
        .iter()
        .rev()
        .max_by_key(|(_, n)| *n)
        .filter(|(_, n)| *n > 0)
        .map(|(d, _)| *d)
        .unwrap_or(b',')
}

/// A cell beyond the limit stops the file: no tracker holds a megabyte of
/// phrases, so such a file is not a tracker export.
fn check_cells(location: impl Fn() -> Location, cells: &[String], limits: &Limits) -> Result<()> {
    match cells
        .iter()
        .enumerate()
        .find(|(_, cell)| cell.len() > limits.max_cell_bytes)
    {
        Some((column, cell)) => Err(Error::input(
            location(),
            format!(
                "column {} holds {} bytes, more than the limit of {} for one cell; this is not a tracker export",
                column + 1,
                cell.len(),
                limits.max_cell_bytes
            ),
        )),
        None => Ok(()),
    }
}

pub fn read_csv(
    file: &str,
    bytes: &[u8],
    limits: &Limits,
    report: &mut Report,
) -> Result<Vec<TrackerRecord>> {
    let text = decode_reporting(file, bytes, report);
    // Skip blank lines before the header when sniffing, so a leading empty
    // line does not hide the delimiter.
    let delimiter = sniff_delimiter(text.trim_start_matches(['\r', '\n']));
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes());
    let mut rows = Vec::new();
    for (index, record) in reader.records().enumerate() {
        let row = index as u64 + 1;
        let record = record.map_err(|e| {
            Error::input(
                Location::row(file, row),
                format!("the CSV could not be read: {e}"),
            )
        })?;
        let cells = record.iter().map(str::to_string).collect::<Vec<_>>();
        check_cells(|| Location::row(file, row), &cells, limits)?;
        rows.push((row, cells));
    }
    records_from_rows(file, rows, report)
}

fn cell_text(cell: &calamine::Data) -> String {
    use calamine::Data;
    match cell {
        Data::Empty => String::new(),
        Data::String(s) => s.clone(),
        Data::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{}", *f as i64),
        Data::Float(f) => f.to_string(),
        Data::Int(i) => i.to_string(),
        Data::Bool(b) => b.to_string(),
        Data::DateTime(d) => d.to_string(),
        Data::DateTimeIso(s) | Data::DurationIso(s) => s.clone(),
        Data::Error(e) => format!("#{e:?}"),
    }
}

/// Refuses a workbook whose parts would inflate beyond the limits before
/// the XLSX reader unpacks any of them (the zip reader itself stops an entry
/// that inflates beyond its declared size).
fn check_workbook_sizes(file: &str, bytes: &[u8], limits: &Limits) -> Result<()> {
    let mut archive = zip::ZipArchive::new(Cursor::new(bytes)).map_err(|e| {
        Error::input(
            Location::file(file),
            format!("the XLSX workbook could not be opened: {e}"),
        )
    })?;
    if archive.len() > limits.max_entries {
        return Err(Error::input(
            Location::file(file),
            format!(
                "the workbook has {} parts, more than the limit of {}",
                archive.len(),
                limits.max_entries
            ),
        ));
    }
    let mut total = 0u64;
    for index in 0..archive.len() {
        let Ok(entry) = archive.by_index_raw(index) else {
            continue;
        };
        if let Some(problem) = limits.ratio_problem(entry.size(), entry.compressed_size()) {
            return Err(Error::input(
                Location::file(file).with_entry(String::from_utf8_lossy(entry.name_raw())),
                problem,
            ));
        }
        total = total.saturating_add(entry.size());
    }
    if total > limits.max_workbook_bytes {
        return Err(Error::input(
            Location::file(file),
            format!(
                "the workbook would inflate to {total} bytes, more than the limit of {}; not read",
                limits.max_workbook_bytes
            ),
        ));
    }
    Ok(())
}

pub fn read_xlsx(
    file: &str,
    bytes: &[u8],
    limits: &Limits,
    report: &mut Report,
) -> Result<Vec<TrackerRecord>> {
    use calamine::Reader;
    check_workbook_sizes(file, bytes, limits)?;
    let mut workbook = calamine::Xlsx::new(Cursor::new(bytes)).map_err(|e| {
        Error::input(
            Location::file(file),
            format!("the XLSX workbook could not be opened: {e}"),
        )
    })?;
    let names = workbook.sheet_names();
    let sheet = names
        .iter()
        .find(|n| n.to_lowercase().contains("tracker"))
        .or_else(|| names.first())
        .cloned()
        .ok_or_else(|| Error::input(Location::file(file), "the workbook has no sheets"))?;
    let range = workbook.worksheet_range(&sheet).map_err(|e| {
        Error::input(
            Location::file(file).with_entry(&sheet),
            format!("the sheet could not be read: {e}"),
        )
    })?;
    let first_row = range.start().map(|(row, _)| row as u64).unwrap_or(0);
    let first_col = range.start().map(|(_, col)| col as usize).unwrap_or(0);
    let mut rows = Vec::new();
    for (i, cells) in range.rows().enumerate() {
        // Keep column positions stable when the used range starts right of A.
        let mut row = vec![String::new(); first_col];
        row.extend(cells.iter().map(cell_text));
        let number = first_row + i as u64 + 1;
        check_cells(
            || Location::row(file, number).with_entry(&sheet),
            &row,
            limits,
        )?;
        rows.push((number, row));
    }
    let label = format!("{file} [{sheet}]");
    let mut records = records_from_rows(&label, rows, report)?;
    for record in &mut records {
        record.location.file = file.to_string();
        record.location.entry = Some(sheet.clone());
    }
    report.relocate(|location| {
        if location.file == label {
            location.file = file.to_string();
            location.entry = Some(sheet.clone());
        }
    });
    Ok(records)
}

/// Keys under which a JSON export may hold its tracker list (Gong's
/// settings response holds it under `keywordTrackers`).
const LIST_KEYS: [&str; 8] = [
    "trackers",
    "keywordtrackers",
    "data",
    "items",
    "results",
    "records",
    "tracker",
    "indicators",
];

fn escape_pointer(key: &str) -> String {
    key.replace('~', "~0").replace('/', "~1")
}

/// Finds the array of tracker objects: the document itself, an array under a
/// list-like key, or the first array of objects in the top-level object.
fn tracker_list<'a>(file: &str, document: &'a Value) -> Result<(String, &'a Vec<Value>)> {
    match document {
        Value::Array(items) => Ok((String::new(), items)),
        Value::Object(map) => {
            let by_name = map
                .iter()
                .find(|(k, v)| LIST_KEYS.contains(&k.to_lowercase().as_str()) && v.is_array());
            let any = map
                .iter()
                .find(|(_, v)| v.as_array().is_some_and(|a| a.iter().any(Value::is_object)));
            match by_name.or(any) {
                Some((key, Value::Array(items))) => Ok((format!("/{}", escape_pointer(key)), items)),
                _ => Err(Error::input(
                    Location::pointer(file, ""),
                    "no tracker list found: expected a JSON array of tracker objects, or an object holding one (for example under \"trackers\")",
                )),
            }
        }
        _ => Err(Error::input(
            Location::pointer(file, ""),
            "expected a JSON array of tracker objects",
        )),
    }
}

/// A JSON value as text: strings as they are, numbers and booleans printed,
/// arrays joined with ", ".
fn value_text(value: &Value) -> Option<String> {
    match value {
        Value::Null => None,
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        Value::Array(items) => {
            let parts: Vec<String> = items.iter().filter_map(value_text).collect();
            (!parts.is_empty()).then(|| parts.join(", "))
        }
        Value::Object(map) => ["name", "value", "text", "label"]
            .iter()
            .find_map(|k| map.get(*k))
            .and_then(value_text),
    }
}

/// A phrase written with its own quotes (`"\"10,000 seats\""`) loses them.
fn unquote(phrase: &str) -> &str {
    phrase
        .strip_prefix(['"', '\u{201C}'])
        .and_then(|p| p.strip_suffix(['"', '\u{201D}']))
        .map(str::trim)
        .unwrap_or(phrase)
}

/// The phrase one item of a JSON keywords list gives: a string (its own
/// quotes removed), an object's phrase-like key, or any other value as text.
fn item_phrase(item: &Value) -> Option<String> {
    match item {
        Value::String(s) => Some(unquote(s.trim()).to_string()),
        Value::Object(map) => ["phrase", "keyword", "text", "term", "value", "name"]
            .iter()
            .find_map(|k| map.get(*k))
            .and_then(value_text)
            .map(|s| s.trim().to_string()),
        other => value_text(other),
    }
}

/// Keywords from a JSON value: an array of strings (or of objects with a
/// phrase-like key), each one phrase, or one string listing phrases (or
/// holding an expression), read as a CSV cell is ([`place_keywords`]).
fn value_keywords(value: &Value) -> Vec<Keywords> {
    match value {
        Value::Array(items) => items
            .iter()
            .filter_map(|item| {
                let phrase = item_phrase(item)?;
                let text = match item {
                    Value::String(s) => s.trim().to_string(),
                    _ => phrase.clone(),
                };
                Some(Keywords::Item { text, phrase })
            })
            .collect(),
        other => value_text(other).map(Keywords::Cell).into_iter().collect(),
    }
}

/// A list from a JSON value: an array's items (strings with their own
/// quotes removed, objects by a phrase- or name-like key), or one string
/// split by `split`.
fn value_list(value: &Value, split: fn(&str) -> Vec<String>) -> Vec<String> {
    match value {
        Value::Array(items) => items.iter().filter_map(item_phrase).collect(),
        other => value_text(other).map(|s| split(&s)).unwrap_or_default(),
    }
}

/// A JSON flag: a boolean, or a string or number that says one.
fn value_flag(value: &Value) -> Option<bool> {
    match value {
        Value::Bool(b) => Some(*b),
        Value::Null => Some(false),
        other => match value_text(other)?.trim().to_lowercase().as_str() {
            "true" | "yes" | "y" | "1" => Some(true),
            "false" | "no" | "n" | "0" | "" => Some(false),
            _ => None,
        },
    }
}

/// Gong's `languageKeywords`: a list of `{language, keywords,
/// includeRelatedForms}`, each a group of phrases. A string item is a
/// phrase of the tracker's own; any other item is reported and left out.
fn keyword_groups(
    value: &Value,
    pointer: &str,
    location: &Location,
    keywords: &mut Vec<Keywords>,
    report: &mut Report,
) -> Vec<KeywordGroup> {
    let Value::Array(items) = value else {
        keywords.extend(value_keywords(value));
        return Vec::new();
    };
    let mut groups = Vec::new();
    for (index, item) in items.iter().enumerate() {
        let item_location = || location.clone().with_pointer(format!("{pointer}/{index}"));
        match item {
            Value::Object(map) => {
                let key = |wanted: &[&str]| {
                    map.iter()
                        .find(|(k, _)| {
                            let k = k.to_lowercase().replace('_', "");
                            wanted.contains(&k.as_str())
                        })
                        .map(|(_, v)| v)
                };
                let related = key(&["includerelatedforms", "relatedforms"]);
                let related_forms = match related.map(|v| (v, value_flag(v))) {
                    None => false,
                    Some((_, Some(flag))) => flag,
                    Some((v, None)) => {
                        report.warning(
                            ReasonCode::UnreadableRecord,
                            item_location(),
                            format!(
                                "includeRelatedForms {v} is not true or false; the keywords were read without related forms"
                            ),
                        );
                        false
                    }
                };
                groups.push(KeywordGroup {
                    language: key(&["language", "lang"])
                        .and_then(value_text)
                        .map(|s| s.trim().to_string())
                        .filter(|s| !s.is_empty()),
                    phrases: key(&["keywords", "phrases", "keyword"])
                        .map(|v| value_list(v, split_phrases))
                        .unwrap_or_default(),
                    related_forms,
                });
            }
            Value::String(_) => keywords.extend(value_keywords(&Value::Array(vec![item.clone()]))),
            _ => report.error(
                ReasonCode::UnreadableRecord,
                item_location(),
                "expected a {language, keywords} object here; this value was not imported",
            ),
        }
    }
    groups
}

/// The JSON pointer of the first string (or key) longer than `limit` bytes.
fn oversized_string(value: &Value, limit: usize, pointer: &mut String) -> bool {
    match value {
        Value::String(s) => s.len() > limit,
        Value::Array(items) => items.iter().enumerate().any(|(i, item)| {
            let len = pointer.len();
            pointer.push_str(&format!("/{i}"));
            let found = oversized_string(item, limit, pointer);
            if !found {
                pointer.truncate(len);
            }
            found
        }),
        Value::Object(map) => map.iter().any(|(key, item)| {
            let len = pointer.len();
            pointer.push('/');
            pointer.push_str(&escape_pointer(key));
            let found = key.len() > limit || oversized_string(item, limit, pointer);
            if !found {
                pointer.truncate(len);
            }
            found
        }),
        _ => false,
    }
}

pub fn read_json(
    file: &str,
    bytes: &[u8],
    limits: &Limits,
    report: &mut Report,
) -> Result<Vec<TrackerRecord>> {
    let text = decode_reporting(file, bytes, report);
    let document: Value =
        serde_json::from_str(text.trim_start_matches('\u{feff}')).map_err(|e| {
            let what = e.to_string();
            let what = what
                .rsplit_once(" at line ")
                .map_or(what.as_str(), |(head, _)| head)
                .to_string();
            Error::input(
                Location::file(file),
                format!(
                    "the JSON is not valid at line {} column {}: {what}",
                    e.line(),
                    e.column()
                ),
            )
        })?;
    let mut pointer = String::new();
    if oversized_string(&document, limits.max_cell_bytes, &mut pointer) {
        return Err(Error::input(
            Location::pointer(file, pointer),
            format!(
                "a string of more than {} bytes, the limit for one value; this is not a tracker export",
                limits.max_cell_bytes
            ),
        ));
    }
    let (base, items) = tracker_list(file, &document)?;
    let mut records = Vec::new();
    for (index, item) in items.iter().enumerate() {
        let location = Location::pointer(file, format!("{base}/{index}"));
        let Value::Object(map) = item else {
            report.error(
                ReasonCode::UnreadableRecord,
                location,
                "expected a tracker object here; this value was not imported",
            );
            continue;
        };
        let mut record = TrackerRecord {
            location: location.clone(),
            ..Default::default()
        };
        let mut name = None;
        let mut expression = None;
        let mut keywords = Vec::new();
        let mut known_key = false;
        let mut groups = Vec::new();
        for (key, value) in map {
            let Some(field) = field_for(key) else {
                continue;
            };
            known_key = true;
            let text = || {
                value_text(value)
                    .map(|s| s.trim().to_string())
                    .filter(|s| !s.is_empty())
            };
            match field {
                Field::Name => name = name.or_else(text),
                Field::Phrases => keywords.extend(value_keywords(value)),
                Field::Category => record.category = record.category.take().or_else(text),
                Field::Kind => record.kind = record.kind.take().or_else(text),
                Field::SaidBy => record.said_by = record.said_by.take().or_else(text),
                Field::Language => record.language = record.language.take().or_else(text),
                Field::Description => record.description = record.description.take().or_else(text),
                Field::Expression => expression = expression.or_else(text),
                Field::Exclusions => record.exclusions.extend(value_list(value, split_phrases)),
                Field::Status if record.status.is_none() => {
                    record.status = text().map(|value| (key.clone(), value));
                }
                Field::Status => {}
                Field::Teams => record.teams.extend(value_list(value, split_phrases)),
                Field::Sentences => record
                    .example_sentences
                    .extend(value_list(value, split_sentences)),
                Field::LanguageKeywords => groups.extend(keyword_groups(
                    value,
                    &format!("{base}/{index}/{}", escape_pointer(key)),
                    &location,
                    &mut keywords,
                    report,
                )),
                Field::Condition(condition) => record
                    .conditions
                    .extend(text().map(|value| (condition, value))),
            }
        }
        record.expressions.extend(expression);
        record.keyword_groups = groups;
        match name {
            Some(name) => {
                record.name = name;
                place_keywords(&mut record, keywords, report);
                records.push(record);
            }
            None if !known_key => report.error(
                ReasonCode::UnreadableRecord,
                location,
                format!("this object has none of the accepted keys ({ACCEPTED_HEADERS}); it was not imported"),
            ),
            None => report.error(
                ReasonCode::MissingName,
                location,
                "tracker has no name, so it cannot become a topic; it was not imported",
            ),
        }
    }
    Ok(records)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sniffs_delimiters_outside_quotes() {
        assert_eq!(sniff_delimiter("Name;Keywords;Category\n"), b';');
        assert_eq!(sniff_delimiter("Name\tKeywords\n"), b'\t');
        assert_eq!(sniff_delimiter("\"a;b;c\",Keywords\n"), b',');
        assert_eq!(sniff_delimiter("Name\n"), b',');
    }

    #[test]
    fn a_json_keywords_string_holding_an_expression_is_read_as_one() {
        let mut report = Report::default();
        let json = br#"[
            {"name": "Next steps", "type": "Advanced", "keywords": "\"next step\" OR \"follow up\""},
            {"name": "Listed", "keywords": ["price", "\"10,000 seats\"", "price OR cost"]},
            {"name": "Basic list", "type": "basic", "keywords": ["demo OR trial"]},
            {"name": "Plain", "type": "Advanced", "keywords": ["a", {"phrase": "b"}]},
            {"name": "Commas", "keywords": "price, \"10,000 seats\""}
        ]"#;
        let records = read_json("t.json", json, &Limits::default(), &mut report).unwrap();
        let read: Vec<(&str, Vec<&str>, Vec<&str>)> = records
            .iter()
            .map(|r| {
                (
                    r.name.as_str(),
                    r.phrases.iter().map(String::as_str).collect(),
                    r.expressions.iter().map(String::as_str).collect(),
                )
            })
            .collect();
        assert_eq!(
            read,
            [
                ("Next steps", vec![], vec!["\"next step\" OR \"follow up\""]),
                (
                    "Listed",
                    vec!["price", "10,000 seats"],
                    vec!["price OR cost"]
                ),
                ("Basic list", vec!["demo OR trial"], vec![]),
                ("Plain", vec!["a", "b"], vec![]),
                ("Commas", vec!["price", "10,000 seats"], vec![]),
            ]
        );
        let located: Vec<_> = report
            .iter()
            .map(|e| (e.code, e.severity, e.location.to_string()))
            .collect();
        assert_eq!(
            located,
            [
                (
                    ReasonCode::KeywordsExpression,
                    crate::report::Severity::Info,
                    "t.json at /1".to_string()
                ),
                (
                    ReasonCode::KeywordsExpression,
                    crate::report::Severity::Warning,
                    "t.json at /2".to_string()
                )
            ]
        );
    }

    #[test]
    fn json_keys_use_the_same_aliases() {
        let mut report = Report::default();
        let json = br#"{"trackers": [{"Tracker Name": "Pricing", "Keywords": ["price", "cost"], "Group": "Deal"}, 7, {"note": 1}]}"#;
        let records = read_json("t.json", json, &Limits::default(), &mut report).unwrap();
        assert_eq!(records.len(), 1);
        assert_eq!(records[0].name, "Pricing");
        assert_eq!(records[0].phrases, ["price", "cost"]);
        assert_eq!(records[0].category.as_deref(), Some("Deal"));
        assert_eq!(records[0].location.to_string(), "t.json at /trackers/0");
        let located: Vec<_> = report
            .iter()
            .map(|e| (e.code, e.location.to_string()))
            .collect();
        assert_eq!(
            located,
            [
                (
                    ReasonCode::UnreadableRecord,
                    "t.json at /trackers/1".to_string()
                ),
                (
                    ReasonCode::UnreadableRecord,
                    "t.json at /trackers/2".to_string()
                )
            ]
        );
    }
}
