//! Tabular tracker exports (CSV and XLSX rows, JSON object keys): header
//! aliases, header-row detection, and rows into `TrackerRecord`s.
//!
//! In: rows of cells with their 1-based row numbers. Out: one record per row
//! that names a tracker; rows without a name are either added to the tracker
//! above (a spreadsheet with merged name cells) or reported. A keywords cell
//! is split into phrases, unless it holds a boolean expression (see
//! [`place_keywords`]): then it is kept whole, as the expression column is.

use crate::error::{Error, Result};
use crate::model::{Location, TrackerCondition, TrackerRecord};
use crate::read::expression::expression_signal;
use crate::read::phrases::{split_phrases, split_sentences};
use crate::read::table_dump::table_dump;
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
    /// Phrases that must not be said (exclusions, negative keywords).
    Exclusions,
    /// Whether the tracker is live (status, enabled, active).
    Status,
    Teams,
    /// A smart tracker's example sentences (Zoom's guiding sentences).
    Sentences,
    /// Keywords grouped by language (Gong's `languageKeywords`).
    LanguageKeywords,
    /// A Gong setting limiting where the keywords count.
    Condition(TrackerCondition),
}

/// Header aliases, compared after lower-casing and removing everything that
/// is not a letter or digit ("Track when said by" -> "trackwhensaidby").
const ALIASES: &[(Field, &[&str])] = &[
    (
        Field::Name,
        &[
            "name",
            "tracker",
            "trackername",
            "title",
            "trackertitle",
            "indicatorname",
        ],
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
            "affiliation",
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
    (
        Field::Exclusions,
        &[
            "exclude",
            "excludes",
            "excluded",
            "exclusion",
            "exclusions",
            "excludedkeywords",
            "excludedphrases",
            "excludedterms",
            "excludekeywords",
            "excludephrases",
            "keywordstoexclude",
            "phrasestoexclude",
            "negativekeywords",
            "negativekeyword",
            "negativephrases",
            "negativeterms",
            "negatives",
        ],
    ),
    (
        Field::Status,
        &[
            "status",
            "trackerstatus",
            "state",
            "enabled",
            "isenabled",
            "active",
            "isactive",
        ],
    ),
    (
        Field::Teams,
        &["teams", "team", "teamnames", "teamname", "appliestoteams"],
    ),
    (
        Field::Sentences,
        &[
            "examplesentences",
            "examplesentence",
            "sentences",
            "guidingsentences",
            "guidingsentence",
            "trainingsentences",
            "samplesentences",
        ],
    ),
    (Field::LanguageKeywords, &["languagekeywords"]),
    (
        Field::Condition(TrackerCondition::PartOfQuestion),
        &["partofquestion"],
    ),
    (Field::Condition(TrackerCondition::SaidAt), &["saidat"]),
    (
        Field::Condition(TrackerCondition::SaidAtInterval),
        &["saidatinterval"],
    ),
    (
        Field::Condition(TrackerCondition::SaidAtUnit),
        &["saidatunit"],
    ),
    (
        Field::Condition(TrackerCondition::SaidInTopics),
        &["saidintopics"],
    ),
    (
        Field::Condition(TrackerCondition::FilterQuery),
        &["filterquery"],
    ),
];

/// The accepted header names, for error messages.
pub const ACCEPTED_HEADERS: &str = "name / tracker / tracker name / title; keywords / phrases / terms / words / phrase; \
category / group; type / tracker type; said by / speaker / mentioned by / track when said by; language; description; \
expression / query / boolean; exclude / negative keywords; status / enabled / active; teams; example sentences / \
guiding sentences";

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
        if let Some(dump) = table_dump(cells.iter().map(String::as_str)) {
            return Err(Error::input(
                Location::file(file),
                format!("{dump}, not a tracker export; table dumps are not converted yet"),
            ));
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
        let mut expression = None;
        let mut keywords = Vec::new();
        for ((cell, field), header) in cells.iter().zip(&columns.fields).zip(&header_cells) {
            match field {
                Some(Field::Name) => set_once(&mut name, cell),
                Some(Field::Phrases | Field::LanguageKeywords) => {
                    keywords.push(Keywords::Cell(cell.clone()))
                }
                Some(Field::Category) => set_once(&mut record.category, cell),
                Some(Field::Kind) => set_once(&mut record.kind, cell),
                Some(Field::SaidBy) => set_once(&mut record.said_by, cell),
                Some(Field::Language) => set_once(&mut record.language, cell),
                Some(Field::Description) => set_once(&mut record.description, cell),
                Some(Field::Expression) => set_once(&mut expression, cell),
                Some(Field::Exclusions) => record.exclusions.extend(split_phrases(cell)),
                Some(Field::Status) if record.status.is_none() => {
                    record.status = non_blank(cell).map(|value| (header.trim().to_string(), value));
                }
                Some(Field::Status) => {}
                Some(Field::Teams) => record.teams.extend(split_phrases(cell)),
                Some(Field::Sentences) => record.example_sentences.extend(split_sentences(cell)),
                Some(Field::Condition(condition)) => record
                    .conditions
                    .extend(non_blank(cell).map(|value| (*condition, value))),
                None => {}
            }
        }
        record.expressions.extend(expression);
        match name {
            Some(name) => {
                record.name = name;
                place_keywords(&mut record, keywords, report);
                records.push(record);
            }
            None => {
                // A row without a name keeps its cells as phrases, as it
                // can only continue the tracker above with phrases.
                for cell in keywords {
                    if let Keywords::Cell(cell) = cell {
                        record.phrases.extend(split_phrases(&cell));
                    }
                }
                attach_nameless_row(record, &mut records, report)
            }
        }
    }
    Ok(records)
}

/// What a keywords column (or JSON key) held, before the tracker's other
/// columns say how to read it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Keywords {
    /// A cell (or JSON string) listing phrases, or holding an expression.
    Cell(String),
    /// One item of a JSON list: `text` as written, `phrase` the phrase it
    /// gives (quotes removed, or taken from an object's phrase key).
    Item { text: String, phrase: String },
}

/// Whether a tracker type as written says `word` ("Advanced", "advanced
/// tracker", "ADVANCED" all say "advanced").
fn kind_says(kind: Option<&str>, word: &str) -> bool {
    kind.is_some_and(|kind| kind.to_lowercase().contains(word))
}

/// Whether a tracker type as written names a smart (AI) tracker: `Smart`,
/// `smart tracker`, `AI`, `AI Tracker`, `ai_tracker`, or Zoom's
/// `guiding_sentences` indicators.
pub fn smart_kind(kind: Option<&str>) -> bool {
    let Some(kind) = kind else {
        return false;
    };
    let lower = kind.to_lowercase();
    lower
        .split(|c: char| !c.is_alphanumeric())
        .any(|word| word == "ai" || word.starts_with("aitracker") || word.contains("smart"))
        || lower.contains("guiding")
}

fn same_expression(a: &str, b: &str) -> bool {
    a.split_whitespace().eq(b.split_whitespace())
}

/// Reads a named tracker's keywords once its other columns are known. A
/// cell is split into phrases (`price, "10,000 seats"`), except that it is
/// kept whole, verbatim but trimmed, as one of the tracker's expressions
/// (which the decide stage parses as it parses the expression column) when
/// it reads as a boolean expression (upper-case OR, AND, NOT, NEAR, `&&`,
/// `||`, `!`, parentheses outside quotes: see [`expression_signal`]), or
/// when the tracker's type says advanced and it has no expression column of
/// its own. A tracker typed basic always has its cells split into phrases,
/// as Chorus reads a basic tracker's keywords literally; one that reads as
/// an expression gets a warning. A JSON list's items are phrases, unless
/// one reads as an expression. Report entries (`keywords_expression`): an
/// expression found by its content alone (info), one beside a different
/// expression in the expression column (info: both are kept), one kept as
/// phrases because the type says basic (warning).
///
/// A smart tracker's keywords are its example sentences (split on lines,
/// pipes and semicolons, never commas), unless it has an example sentences
/// column of its own: then they are phrases as any tracker's.
pub fn place_keywords(record: &mut TrackerRecord, keywords: Vec<Keywords>, report: &mut Report) {
    let kind = record.kind.as_deref();
    if smart_kind(kind) && record.example_sentences.is_empty() {
        for keywords in keywords {
            match keywords {
                Keywords::Cell(cell) => record.example_sentences.extend(split_sentences(&cell)),
                Keywords::Item { phrase, .. } => record.example_sentences.push(phrase),
            }
        }
        return;
    }
    let basic = kind_says(kind, "basic");
    let advanced = kind_says(kind, "advanced");
    let expression_column = !record.expressions.is_empty();
    for keywords in keywords {
        let (text, phrase) = match keywords {
            Keywords::Cell(cell) => (cell, None),
            Keywords::Item { text, phrase } => (text, Some(phrase)),
        };
        let signal = expression_signal(&text);
        let advanced_cell = advanced && !expression_column && phrase.is_none();
        let whole = !basic && (signal.is_some() || advanced_cell) && !text.trim().is_empty();
        if !whole {
            if let (true, Some(signal)) = (basic, &signal) {
                report.warning(
                    ReasonCode::KeywordsExpression,
                    record.location.clone(),
                    format!(
                        "the keywords of \"{}\" read like a boolean expression ({signal}), but the tracker's type is \
                         \"{}\", so they were read as phrases, literally; if they are an expression, change the type \
                         to Advanced and convert again",
                        record.name,
                        kind.unwrap_or_default()
                    ),
                );
            }
            match phrase {
                Some(phrase) => record.phrases.push(phrase),
                None => record.phrases.extend(split_phrases(&text)),
            }
            continue;
        }
        let expression = text.trim();
        if record
            .expressions
            .iter()
            .any(|e| same_expression(e, expression))
        {
            continue;
        }
        if expression_column {
            report.info(
                ReasonCode::KeywordsExpression,
                record.location.clone(),
                format!(
                    "\"{}\" has an expression in its keywords ({expression}) and another in its expression column \
                     ({}); both were converted, as alternatives",
                    record.name, record.expressions[0]
                ),
            );
        } else if let (false, Some(signal)) = (advanced, &signal) {
            report.info(
                ReasonCode::KeywordsExpression,
                record.location.clone(),
                format!(
                    "the keywords of \"{}\" read as a boolean expression ({signal}), so they were converted as \
                     the tracker's expression instead of being split into phrases",
                    record.name
                ),
            );
        }
        record.expressions.push(expression.to_string());
    }
}

/// A row without a tracker name: in a sheet with merged name cells it
/// continues the tracker above with its phrases, exclusions, teams and
/// example sentences; otherwise it cannot be placed.
fn attach_nameless_row(row: TrackerRecord, records: &mut [TrackerRecord], report: &mut Report) {
    let lists = [
        (row.phrases.len(), "phrase(s)"),
        (row.exclusions.len(), "exclusion(s)"),
        (row.teams.len(), "team(s)"),
        (row.example_sentences.len(), "example sentence(s)"),
    ];
    let continues = row.category.is_none()
        && row.kind.is_none()
        && row.expressions.is_empty()
        && row.status.is_none()
        && row.conditions.is_empty()
        && lists.iter().any(|(count, _)| *count > 0);
    match records.last_mut() {
        Some(above) if continues && above.location.file == row.location.file => {
            let added: Vec<String> = lists
                .iter()
                .filter(|(count, _)| *count > 0)
                .map(|(count, what)| format!("{count} {what}"))
                .collect();
            let added = match added.split_last() {
                Some((last, rest)) if !rest.is_empty() => format!("{} and {last}", rest.join(", ")),
                _ => added.join(""),
            };
            report.info(
                ReasonCode::MissingName,
                row.location.clone(),
                format!(
                    "row has no tracker name; its {} were added to \"{}\" from the row above",
                    added,
                    above.name
                ),
            );
            if smart_kind(above.kind.as_deref()) {
                above.example_sentences.extend(row.phrases);
            } else {
                above.phrases.extend(row.phrases);
            }
            above.exclusions.extend(row.exclusions);
            above.teams.extend(row.teams);
            above.example_sentences.extend(row.example_sentences);
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
    use crate::report::Severity;

    #[test]
    fn header_aliases_ignore_case_space_and_punctuation() {
        assert_eq!(field_for("Tracker Name"), Some(Field::Name));
        assert_eq!(field_for(" KEYWORDS "), Some(Field::Phrases));
        assert_eq!(field_for("Track when said by"), Some(Field::SaidBy));
        assert_eq!(field_for("tracker_type"), Some(Field::Kind));
        assert_eq!(field_for("Boolean"), Some(Field::Expression));
        assert_eq!(field_for("Owner"), None);
        assert_eq!(field_for("Negative Keywords"), Some(Field::Exclusions));
        assert_eq!(field_for("Exclude"), Some(Field::Exclusions));
        assert_eq!(field_for("Enabled"), Some(Field::Status));
        assert_eq!(field_for("is_active"), Some(Field::Status));
        assert_eq!(field_for("Teams"), Some(Field::Teams));
        assert_eq!(field_for("guiding_sentences"), Some(Field::Sentences));
        assert_eq!(field_for("trackerName"), Some(Field::Name));
        assert_eq!(field_for("affiliation"), Some(Field::SaidBy));
        assert_eq!(field_for("languageKeywords"), Some(Field::LanguageKeywords));
        assert_eq!(
            field_for("saidAtUnit"),
            Some(Field::Condition(TrackerCondition::SaidAtUnit))
        );
        assert_eq!(
            field_for("filterQuery"),
            Some(Field::Condition(TrackerCondition::FilterQuery))
        );
    }

    #[test]
    fn smart_kinds_under_any_name() {
        for kind in [
            "Smart",
            "smart tracker",
            "AI",
            "AI Tracker",
            "ai_tracker",
            "guiding_sentences",
        ] {
            assert!(smart_kind(Some(kind)), "{kind}");
        }
        for kind in ["Basic", "Advanced", "chorus", "Keyword", "detail"] {
            assert!(!smart_kind(Some(kind)), "{kind}");
        }
        assert!(!smart_kind(None));
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

    /// A record as the tests compare it: name, phrases, expressions.
    type Read = (String, Vec<String>, Vec<String>);

    /// Each record's (name, phrases, expressions), and the report's (code, severity, row).
    fn read(data: &[&[&str]]) -> (Vec<Read>, Vec<(ReasonCode, Severity, u64)>) {
        let mut report = Report::default();
        let records = records_from_rows("t.csv", rows(data), &mut report).unwrap();
        let records = records
            .into_iter()
            .map(|r| (r.name, r.phrases, r.expressions))
            .collect();
        let entries = report
            .iter()
            .map(|e| (e.code, e.severity, e.location.row.unwrap()))
            .collect();
        (records, entries)
    }

    fn record(name: &str, phrases: &[&str], expressions: &[&str]) -> Read {
        let owned = |items: &[&str]| items.iter().map(|s| s.to_string()).collect();
        (name.to_string(), owned(phrases), owned(expressions))
    }

    #[test]
    fn an_advanced_trackers_keywords_cell_is_its_expression() {
        let (records, entries) = read(&[
            &["Tracker name", "Tracker type", "Keywords"],
            &["A", "Advanced", "\"next step\" OR \"follow up\""],
            &["B", "advanced tracker", " budget AND NOT \"no budget\" "],
            &["C", "ADVANCED", "Gong, Clari"],
            &["D", "Advanced", ""],
        ]);
        assert_eq!(
            records,
            [
                record("A", &[], &["\"next step\" OR \"follow up\""]),
                record("B", &[], &["budget AND NOT \"no budget\""]),
                record("C", &[], &["Gong, Clari"]),
                record("D", &[], &[]),
            ]
        );
        assert_eq!(entries, []);
    }

    #[test]
    fn a_keywords_cell_that_reads_as_an_expression_is_one_whatever_the_type() {
        let (records, entries) = read(&[
            &["Name", "Type", "Keywords"],
            &["A", "", "(Gong OR Clari) AND NOT Outreach"],
            &["B", "chorus", "price, cost"],
            &["C", "", "either or, not now"],
        ]);
        assert_eq!(
            records,
            [
                record("A", &[], &["(Gong OR Clari) AND NOT Outreach"]),
                record("B", &["price", "cost"], &[]),
                record("C", &["either or", "not now"], &[]),
            ]
        );
        assert_eq!(
            entries,
            [(ReasonCode::KeywordsExpression, Severity::Info, 2)]
        );
    }

    #[test]
    fn a_basic_trackers_keywords_are_phrases_even_when_they_read_as_an_expression() {
        let (records, entries) = read(&[
            &["Name", "Type", "Keywords"],
            &["A", "Basic", "price, \"10,000 seats\""],
            &["B", "basic", "either or, not now"],
            &["C", "Basic", "demo OR trial"],
        ]);
        assert_eq!(
            records,
            [
                record("A", &["price", "10,000 seats"], &[]),
                record("B", &["either or", "not now"], &[]),
                record("C", &["demo OR trial"], &[]),
            ]
        );
        assert_eq!(
            entries,
            [(ReasonCode::KeywordsExpression, Severity::Warning, 4)]
        );
    }

    #[test]
    fn keywords_beside_an_expression_column() {
        let (records, entries) = read(&[
            &["Name", "Type", "Keywords", "Expression"],
            // A plain list beside the expression: phrases, as before.
            &["A", "Advanced", "budget, approve", "budget AND approve"],
            // The same expression twice (spacing aside): kept once.
            &["B", "Advanced", "a  OR b", "a OR b"],
            // Two different expressions: both kept, reported.
            &["C", "", "x OR y", "z AND w"],
        ]);
        assert_eq!(
            records,
            [
                record("A", &["budget", "approve"], &["budget AND approve"]),
                record("B", &[], &["a OR b"]),
                record("C", &[], &["z AND w", "x OR y"]),
            ]
        );
        assert_eq!(
            entries,
            [(ReasonCode::KeywordsExpression, Severity::Info, 4)]
        );
    }

    #[test]
    fn a_nameless_rows_keywords_stay_phrases() {
        let (records, entries) = read(&[
            &["Name", "Keywords"],
            &["Next steps", "next step OR follow up"],
            &["", "send over"],
        ]);
        assert_eq!(
            records,
            [record(
                "Next steps",
                &["send over"],
                &["next step OR follow up"]
            )]
        );
        assert_eq!(
            entries,
            [
                (ReasonCode::KeywordsExpression, Severity::Info, 2),
                (ReasonCode::MissingName, Severity::Info, 3)
            ]
        );
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
