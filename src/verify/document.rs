//! One document of a package checked alone, as it is read: in, its name
//! and bytes; out, the problems found and the facts the checks across
//! files need of it (`themes.json`, `report.json`, `users.json`,
//! `fidelity.json`, each line of `calls.jsonl`), or for a transcript only
//! its problems (its schema, its `source_id` against its name).

use super::schemas::{parse_json, Schemas};
use super::verification::{Problem, Verification};
use serde_json::Value;

/// A document checked alone as it was read: the problems found (reported
/// later, in the place a check of all documents gives them) and its facts.
pub(super) struct CheckedDocument {
    pub(super) problems: Vec<Problem>,
    pub(super) facts: Facts,
}

pub(super) enum Facts {
    Themes(Value),
    Fidelity(Value),
    Users(Value),
    Report(ReportFacts),
    Calls(Vec<CallFacts>),
    /// A CSV file, read.
    Csv,
    /// JSON that could not be parsed.
    Unreadable,
}

/// What the counts need of `report.json`.
#[derive(Default)]
pub(super) struct ReportFacts {
    /// Entries per severity: info, warning, review, error.
    pub(super) entries: [usize; 4],
    /// Its own `counts`, per severity.
    pub(super) own: [Option<u64>; 4],
    /// Length of `skipped`.
    pub(super) skipped: usize,
    pub(super) own_skipped: Option<u64>,
    /// Entries of edits (codes `edit_…`): their index, file and pointer.
    pub(super) edits: Vec<(usize, String, String)>,
}

pub(super) const SEVERITIES: [&str; 4] = ["info", "warning", "review", "error"];

/// What the checks across files need of one line of `calls.jsonl`.
pub(super) struct CallFacts {
    pub(super) source_id: String,
    /// `transcript` and `media`: present and not null; the path when a string.
    pub(super) transcript: (bool, Option<String>),
    pub(super) media: (bool, Option<String>),
}

/// Checks a document other than the manifest and the transcripts against
/// its schema, alone, and keeps what the checks across files need of it.
pub(super) fn check_document(
    name: &str,
    content: &[u8],
    schemas: &Schemas,
) -> Option<CheckedDocument> {
    let mut verification = Verification::default();
    let facts = match name {
        "themes.json" | "report.json" | "users.json" | "fidelity.json" => {
            match parse_json(content, name, &mut verification) {
                None => Facts::Unreadable,
                Some(value) => {
                    schemas.check(name, &value, name, &mut verification);
                    match name {
                        "themes.json" => Facts::Themes(value),
                        "report.json" => Facts::Report(report_facts(&value)),
                        "fidelity.json" => Facts::Fidelity(value),
                        _ => Facts::Users(value),
                    }
                }
            }
        }
        "calls.jsonl" => {
            let mut calls = Vec::new();
            let text = String::from_utf8_lossy(content);
            if !text.is_empty() && !text.ends_with('\n') {
                verification.problem(Some(name), "does not end with a newline");
            }
            for (i, line) in text.lines().enumerate() {
                let what = format!("calls.jsonl line {}", i + 1);
                if let Some(call) = parse_json(line.as_bytes(), &what, &mut verification) {
                    schemas.check("calls.jsonl", &call, &what, &mut verification);
                    let field = |key: &str| {
                        let value = call.get(key).filter(|v| !v.is_null());
                        (
                            value.is_some(),
                            value.and_then(Value::as_str).map(str::to_string),
                        )
                    };
                    calls.push(CallFacts {
                        source_id: call
                            .get("source_id")
                            .and_then(Value::as_str)
                            .unwrap_or_default()
                            .to_string(),
                        transcript: field("transcript"),
                        media: field("media"),
                    });
                }
            }
            Facts::Calls(calls)
        }
        "report.csv" | "users.csv" => Facts::Csv,
        _ => return None,
    };
    Some(CheckedDocument {
        problems: verification.problems,
        facts,
    })
}

fn report_facts(report: &Value) -> ReportFacts {
    let mut facts = ReportFacts::default();
    let entries = report.get("entries").and_then(Value::as_array);
    for (index, entry) in entries.into_iter().flatten().enumerate() {
        let code = entry.get("code").and_then(Value::as_str).unwrap_or("");
        if code.starts_with("edit_") {
            let location = entry.get("location");
            let text = |key: &str| {
                location
                    .and_then(|l| l.get(key))
                    .and_then(Value::as_str)
                    .unwrap_or("")
                    .to_string()
            };
            facts.edits.push((index, text("file"), text("pointer")));
        }
        let severity = entry.get("severity").and_then(Value::as_str);
        if let Some(i) = SEVERITIES.iter().position(|s| Some(*s) == severity) {
            facts.entries[i] += 1;
        }
    }
    let own = |key: &str| count(report.get("counts").and_then(|c| c.get(key)));
    for (i, severity) in SEVERITIES.iter().enumerate() {
        facts.own[i] = own(severity);
    }
    facts.skipped = report
        .get("skipped")
        .and_then(Value::as_array)
        .map_or(0, Vec::len);
    facts.own_skipped = own("skipped");
    facts
}

/// A transcript against its schema and its own name.
pub(super) fn check_transcript(
    name: &str,
    content: &[u8],
    schemas: &Schemas,
    verification: &mut Verification,
) {
    if let Some(value) = parse_json(content, name, verification) {
        schemas.check("transcripts/", &value, name, verification);
        let expected = name
            .strip_prefix("transcripts/")
            .and_then(|n| n.strip_suffix(".json"));
        if value.get("source_id").and_then(Value::as_str) != expected {
            verification.problem(Some(name), "its source_id is not the id in its name");
        }
    }
}

pub(super) fn count(value: Option<&Value>) -> Option<u64> {
    value.and_then(Value::as_u64)
}
