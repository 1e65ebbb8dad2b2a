//! Ids and edits: in, `themes.json` (and, for edits, the manifest's inputs
//! and report.json's edit entries); out, a problem for an id used twice in
//! `themes.json`, and for edits the manifest lists that the report does not
//! account for exactly once each (or report entries of edits it does not
//! list).

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
