//! The manifest's counts against the documents: in, `manifest.json` and
//! what `themes.json`, `report.json`, `calls.jsonl` and `users.json` hold;
//! out, a problem for each count that differs (and for `report.json`'s own
//! counts that do not match its entries).

use super::contents::Documents;
use super::document::{count, SEVERITIES};
use super::verification::Verification;
use serde_json::Value;

fn expect_count(
    what: &str,
    stated: Option<u64>,
    actual: usize,
    source: &str,
    verification: &mut Verification,
) {
    if let Some(stated) = stated {
        if stated != actual as u64 {
            verification.problem(
                Some("manifest.json"),
                format!("counts.{what} is {stated}, but {source} holds {actual}"),
            );
        }
    }
}

/// The manifest's counts against the documents.
pub(super) fn check_counts(
    manifest: &Value,
    documents: &Documents,
    verification: &mut Verification,
) {
    let counts = manifest.get("counts");
    let field = |name: &str| count(counts.and_then(|c| c.get(name)));
    if let Some(themes) = documents
        .themes
        .as_ref()
        .and_then(|t| t.get("themes"))
        .and_then(Value::as_array)
    {
        let topics: Vec<&Value> = themes
            .iter()
            .filter_map(|t| t.get("topics").and_then(Value::as_array))
            .flatten()
            .collect();
        let needs_review = topics
            .iter()
            .filter(|t| t.get("status").and_then(Value::as_str) == Some("needs_review"))
            .count();
        let triggers: usize = topics
            .iter()
            .filter_map(|t| t.get("triggers").and_then(Value::as_array))
            .map(Vec::len)
            .sum();
        expect_count(
            "themes",
            field("themes"),
            themes.len(),
            "themes.json",
            verification,
        );
        expect_count(
            "topics",
            field("topics"),
            topics.len(),
            "themes.json",
            verification,
        );
        expect_count(
            "needs_review",
            field("needs_review"),
            needs_review,
            "themes.json",
            verification,
        );
        expect_count(
            "triggers",
            field("triggers"),
            triggers,
            "themes.json",
            verification,
        );
    }
    if let Some(report) = &documents.report {
        for (i, severity) in SEVERITIES.iter().enumerate() {
            let actual = report.entries[i];
            let stated = count(
                counts
                    .and_then(|c| c.get("report"))
                    .and_then(|r| r.get(severity)),
            );
            expect_count(
                &format!("report.{severity}"),
                stated,
                actual,
                "report.json",
                verification,
            );
            if report.own[i].is_some_and(|own| own != actual as u64) {
                verification.problem(
                    Some("report.json"),
                    format!("counts.{severity} does not match its {actual} {severity} entries"),
                );
            }
        }
    }
    let has_call_counts = field("calls").is_some();
    if has_call_counts != documents.calls.is_some() {
        verification.problem(
            Some("manifest.json"),
            if has_call_counts {
                "counts calls, but the package has no calls.jsonl"
            } else {
                "has no call counts, but the package holds calls.jsonl"
            },
        );
    }
    if let Some(calls) = &documents.calls {
        let transcripts = calls.iter().filter(|c| c.transcript.0).count();
        let media = calls.iter().filter(|c| c.media.0).count();
        expect_count(
            "calls",
            field("calls"),
            calls.len(),
            "calls.jsonl",
            verification,
        );
        expect_count(
            "transcripts",
            field("transcripts"),
            transcripts,
            "calls.jsonl",
            verification,
        );
        expect_count("media", field("media"), media, "calls.jsonl", verification);
        let skipped = documents.report.as_ref().map_or(0, |r| r.skipped);
        let own = documents.report.as_ref().and_then(|r| r.own_skipped);
        if own.is_some_and(|own| own != skipped as u64) {
            verification.problem(
                Some("report.json"),
                format!("counts.skipped does not match its {skipped} skipped calls"),
            );
        }
        expect_count(
            "skipped_calls",
            field("skipped_calls"),
            skipped,
            "report.json",
            verification,
        );
        if let Some(users) = documents
            .users
            .as_ref()
            .and_then(|u| u.get("users"))
            .and_then(Value::as_array)
        {
            let to_create = users
                .iter()
                .filter(|u| u.get("action").and_then(Value::as_str) == Some("create"))
                .count();
            expect_count(
                "users",
                field("users"),
                users.len(),
                "users.json",
                verification,
            );
            expect_count(
                "users_to_create",
                field("users_to_create"),
                to_create,
                "users.json",
                verification,
            );
        }
    }
}
