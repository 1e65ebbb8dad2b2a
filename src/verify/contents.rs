//! The documents of a package together: in, every entry with the facts
//! its document gave when checked alone; out, their problems in zip order,
//! the required documents present, the paths `calls.jsonl` names in the
//! zip, every transcript and recording belonging to a call, the call files
//! together, and the `Documents` the counts are checked against.

use super::document::{CallFacts, Facts, ReportFacts};
use super::entries::ReadEntry;
use super::verification::Verification;
use serde_json::Value;
use std::collections::BTreeSet;

/// What the documents hold, for the counts.
#[derive(Default)]
pub(super) struct Documents {
    pub(super) themes: Option<Value>,
    pub(super) fidelity: Option<Value>,
    pub(super) report: Option<ReportFacts>,
    pub(super) users: Option<Value>,
    /// Lines of calls.jsonl, when present.
    pub(super) calls: Option<Vec<CallFacts>>,
    pub(super) has_users_csv: bool,
}

/// Every other JSON file against its schema; calls.jsonl's paths against the zip.
pub(super) fn check_documents(
    entries: &mut [ReadEntry],
    verification: &mut Verification,
) -> Documents {
    let mut documents = Documents::default();
    for entry in entries.iter_mut() {
        let Some(document) = entry.document.take() else {
            continue;
        };
        verification.problems.extend(document.problems);
        match document.facts {
            Facts::Themes(value) => documents.themes = Some(value),
            Facts::Fidelity(value) => documents.fidelity = Some(value),
            Facts::Users(value) => documents.users = Some(value),
            Facts::Report(facts) => documents.report = Some(facts),
            Facts::Calls(calls) => documents.calls = Some(calls),
            Facts::Csv if entry.name == "users.csv" => documents.has_users_csv = true,
            Facts::Csv | Facts::Unreadable => {}
        }
    }
    let entries = &*entries;
    let names: BTreeSet<&str> = entries.iter().map(|e| e.name.as_str()).collect();
    for required in ["themes.json", "report.json", "report.csv"] {
        if !names.contains(required) {
            verification.problem(Some(required), "is missing from the package");
        }
    }
    // Paths named by calls.jsonl exist; every transcript and recording has its call.
    let mut named = BTreeSet::new();
    for (i, call) in documents.calls.iter().flatten().enumerate() {
        let id = &call.source_id;
        for (field, (_, path)) in [("transcript", &call.transcript), ("media", &call.media)] {
            let Some(path) = path.as_deref() else {
                continue;
            };
            let what = format!("calls.jsonl line {}", i + 1);
            let expected_prefix = if field == "transcript" {
                format!("transcripts/{id}.")
            } else {
                format!("media/{id}.")
            };
            if !path.starts_with(&expected_prefix) {
                verification.problem(
                    Some(&what),
                    format!("{field} {path} is not named by the call's id"),
                );
            }
            if !names.contains(path) {
                verification.problem(Some(&what), format!("{field} {path} is not in the zip"));
            }
            named.insert(path);
        }
    }
    for entry in entries {
        let name = entry.name.as_str();
        if (name.starts_with("transcripts/") || name.starts_with("media/")) && !named.contains(name)
        {
            verification.problem(Some(name), "belongs to no call in calls.jsonl");
        }
    }
    let call_files = [
        documents.calls.is_some(),
        documents.users.is_some() || names.contains("users.json"),
        documents.has_users_csv,
    ];
    if call_files.iter().any(|x| *x) && !call_files.iter().all(|x| *x) {
        verification.problem(
            None,
            "a package with calls holds calls.jsonl, users.json and users.csv together; some are missing",
        );
    }
    documents
}
