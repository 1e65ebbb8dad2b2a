//! Ids and edits: in, `themes.json` (and, for edits, the manifest's inputs
//! and report.json's edit entries); out, a problem for an id used twice in
//! `themes.json`, for an edit the manifest lists (an edits document and its
//! number of edits) that the report does not account for exactly once, and
//! for a report entry of an edit no listed document holds.

use super::contents::Documents;
use super::verification::Verification;
use serde_json::Value;
use std::collections::BTreeMap;

/// Every theme, topic and trigger id in `themes.json` is used once.
pub(super) fn check_ids(documents: &Documents, verification: &mut Verification) {
    let Some(themes) = documents
        .themes
        .as_ref()
        .and_then(|t| t.get("themes"))
        .and_then(Value::as_array)
    else {
        return;
    };
    let mut seen: BTreeMap<String, String> = BTreeMap::new();
    let mut note = |id: Option<&Value>, pointer: String, verification: &mut Verification| {
        let Some(id) = id.and_then(Value::as_str) else {
            return;
        };
        if let Some(first) = seen.get(id) {
            verification.problem(
                Some("themes.json"),
                format!("id {id} at {pointer} is also at {first}; ids are unique"),
            );
        } else {
            seen.insert(id.to_string(), pointer);
        }
    };
    for (i, theme) in themes.iter().enumerate() {
        note(theme.get("id"), format!("/themes/{i}"), verification);
        let topics = theme.get("topics").and_then(Value::as_array);
        for (j, topic) in topics.into_iter().flatten().enumerate() {
            note(
                topic.get("id"),
                format!("/themes/{i}/topics/{j}"),
                verification,
            );
            let triggers = topic.get("triggers").and_then(Value::as_array);
            for (k, trigger) in triggers.into_iter().flatten().enumerate() {
                note(
                    trigger.get("id"),
                    format!("/themes/{i}/topics/{j}/triggers/{k}"),
                    verification,
                );
            }
        }
    }
}

/// Each edit of each edits document the manifest lists (kind `edits`,
/// with its number of `edits`) has exactly one report entry of an
/// `edit_…` code at the document and `/edits/N`; each such entry belongs
/// to one of them. In a package in parts, part 1 holds the run's report,
/// so only it is checked.
pub(super) fn check_edits(
    manifest: &Value,
    documents: &Documents,
    verification: &mut Verification,
) {
    let Some(report) = &documents.report else {
        return;
    };
    // A package in parts has the run's report in part 1 only.
    if manifest
        .get("part")
        .and_then(Value::as_u64)
        .is_some_and(|part| part > 1)
    {
        return;
    }
    let listed: BTreeMap<&str, u64> = manifest
        .get("inputs")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter(|input| input.get("kind").and_then(Value::as_str) == Some("edits"))
        .filter_map(|input| {
            Some((
                input.get("name")?.as_str()?,
                input.get("edits").and_then(Value::as_u64).unwrap_or(0),
            ))
        })
        .collect();
    let mut entries: BTreeMap<(&str, u64), usize> = BTreeMap::new();
    for (index, file, pointer) in &report.edits {
        let edit = pointer
            .strip_prefix("/edits/")
            .and_then(|n| n.parse::<u64>().ok())
            .filter(|n| listed.get(file.as_str()).is_some_and(|count| n < count));
        match edit {
            Some(n) => *entries.entry((file.as_str(), n)).or_default() += 1,
            None => verification.problem(
                Some("report.json"),
                format!(
                    "entry {index} is about an edit at {file} {pointer}, which no edits document the manifest lists holds"
                ),
            ),
        }
    }
    for (file, count) in listed {
        for n in 0..count {
            match entries.get(&(file, n)).copied().unwrap_or(0) {
                1 => {}
                0 => verification.problem(
                    Some("report.json"),
                    format!("the edit at {file} /edits/{n} has no entry (every edit has one)"),
                ),
                more => verification.problem(
                    Some("report.json"),
                    format!("the edit at {file} /edits/{n} has {more} entries, not one"),
                ),
            }
        }
    }
}
