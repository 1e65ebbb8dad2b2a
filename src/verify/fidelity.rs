//! `fidelity.json` checked: in, the manifest and the documents; out, a
//! problem for each figure that does not agree with the manifest's
//! `counts.fidelity`, with the topics of `themes.json` or with itself.

use super::contents::Documents;
use super::verification::Verification;
use serde_json::Value;

/// `fidelity.json` against the manifest's `counts.fidelity`, the topics of
/// `themes.json` (every one, in order) and its own figures.
pub(super) fn check_fidelity(
    manifest: &Value,
    documents: &Documents,
    verification: &mut Verification,
) {
    let stated = manifest.get("counts").and_then(|c| c.get("fidelity"));
    let Some(fidelity) = &documents.fidelity else {
        if stated.is_some() {
            verification.problem(
                Some("manifest.json"),
                "counts fidelity, but the package has no fidelity.json",
            );
        }
        return;
    };
    let problem = |verification: &mut Verification, message: String| {
        verification.problem(Some("fidelity.json"), message)
    };
    if documents.calls.is_none() {
        problem(
            verification,
            "is in a package without calls.jsonl: the replay needs calls".to_string(),
        );
    }
    let summary = fidelity.get("summary");
    if stated != summary {
        verification.problem(
            Some("manifest.json"),
            "counts.fidelity is not the summary of fidelity.json",
        );
    }
    let number = |value: Option<&Value>, key: &str| {
        value
            .and_then(|v| v.get(key))
            .and_then(Value::as_u64)
            .unwrap_or(0)
    };
    let topics: Vec<&Value> = fidelity
        .get("topics")
        .and_then(Value::as_array)
        .map(|t| t.iter().collect())
        .unwrap_or_default();
    let named: Vec<(&str, &str, &str)> = documents
        .themes
        .as_ref()
        .and_then(|t| t.get("themes"))
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .flat_map(|theme| {
            let name = theme
                .get("name")
                .and_then(Value::as_str)
                .unwrap_or_default();
            theme
                .get("topics")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .map(move |t| {
                    (
                        name,
                        t.get("name").and_then(Value::as_str).unwrap_or_default(),
                        t.get("id").and_then(Value::as_str).unwrap_or_default(),
                    )
                })
        })
        .collect();
    let listed: Vec<(&str, &str, &str)> = topics
        .iter()
        .map(|t| {
            (
                t.get("theme").and_then(Value::as_str).unwrap_or_default(),
                t.get("topic").and_then(Value::as_str).unwrap_or_default(),
                t.get("topic_id")
                    .and_then(Value::as_str)
                    .unwrap_or_default(),
            )
        })
        .collect();
    if listed != named {
        problem(
            verification,
            format!(
                "lists {} topics that are not the {} topics of themes.json (names and ids) in their order",
                listed.len(),
                named.len()
            ),
        );
    }
    let compared = number(summary, "calls_compared");
    let (mut matched, mut at_100, mut below_90, mut not_seen) = (0, 0, 0, 0);
    for (i, topic) in topics.iter().enumerate() {
        let calls = topic.get("calls");
        let side = |key: &str| number(calls, key);
        let what = format!("topics/{i}");
        if side("both") + side("only_chorus") != side("chorus")
            || side("both") + side("only_triggers") != side("triggers")
        {
            problem(
                verification,
                format!("{what}: calls.both and calls.only_* do not add up to calls.chorus and calls.triggers"),
            );
        }
        if side("chorus").max(side("triggers")) > compared {
            problem(
                verification,
                format!("{what}: more calls than the {compared} compared"),
            );
        }
        let either = side("both") + side("only_chorus") + side("only_triggers");
        let expected = (either > 0).then(|| (side("both") * 1000 / either) as f64 / 10.0);
        let agreement = topic.get("agreement_percent").and_then(Value::as_f64);
        if agreement != expected {
            problem(
                verification,
                format!("{what}: agreement_percent is not calls.both out of the calls either side found"),
            );
        }
        matched += u64::from(topic.get("chorus_tracker").is_some_and(Value::is_string));
        match expected {
            None => not_seen += 1,
            Some(percent) => {
                at_100 += u64::from(percent >= 100.0);
                below_90 += u64::from(percent < 90.0);
            }
        }
    }
    for (key, actual) in [
        ("topics", topics.len() as u64),
        ("topics_matched", matched),
        ("topics_at_100", at_100),
        ("topics_below_90", below_90),
        ("topics_not_seen", not_seen),
    ] {
        if number(summary, key) != actual {
            problem(
                verification,
                format!(
                    "summary.{key} is {}, but its topics give {actual}",
                    number(summary, key)
                ),
            );
        }
    }
}
