//! The rules the fetcher applies to what it is given: which engagements of
//! a page it asks a conversation for (ids, kinds, durations, no-shows), the
//! scope's dates and how a query value is written, how long it waits
//! before trying again (and how many times), and how an error answer reads
//! in a message.

use super::protocol::FetchScope;
use serde_json::Value;

/// Retries of one request before it counts as failed.
pub const MAX_ATTEMPTS: u32 = 6;
/// The longest wait between two tries, whatever `Retry-After` says.
pub const MAX_DELAY_MS: u64 = 120_000;

pub(super) fn is_engagement_id(id: &str) -> bool {
    id.len() == 32 && id.bytes().all(|b| b.is_ascii_hexdigit())
}

pub(super) fn valid_date(date: &str) -> bool {
    chrono::NaiveDate::parse_from_str(date, "%Y-%m-%d").is_ok()
}

/// Minimal percent-encoding for query values.
pub(super) fn encode(value: &str) -> String {
    value
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// The id of an engagement as the API gives it (string or number).
pub(super) fn id_text(value: Option<&Value>) -> Option<String> {
    match value? {
        Value::String(s) => Some(s.trim().to_string()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

pub(super) fn number(value: Option<&Value>) -> Option<f64> {
    match value? {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

pub(super) fn flag(value: Option<&Value>) -> bool {
    match value {
        Some(Value::Bool(b)) => *b,
        Some(Value::String(s)) => s.trim().eq_ignore_ascii_case("true"),
        _ => false,
    }
}

/// Whether an engagement has a recording worth downloading, in scope.
pub(super) fn wants_conversation(engagement: &Value, scope: &FetchScope) -> bool {
    let kind = engagement
        .get("engagement_type")
        .and_then(Value::as_str)
        .unwrap_or("meeting");
    let kind_ok = kind == "meeting" || (kind == "dialer" && !scope.meetings_only);
    let done = engagement
        .get("processing_state")
        .and_then(Value::as_str)
        .is_none_or(|s| s.eq_ignore_ascii_case("done"));
    let duration = number(engagement.get("duration")).unwrap_or(0.0);
    let long_enough = scope
        .min_duration_seconds
        .is_none_or(|min| duration >= min as f64);
    kind_ok && done && duration > 0.0 && long_enough && !flag(engagement.get("no_show"))
}

/// A `Retry-After` value in milliseconds: delta-seconds only (an HTTP date
/// falls back to the exponential delay).
pub(super) fn retry_after_ms(value: Option<&str>) -> Option<u64> {
    value?
        .trim()
        .parse::<u64>()
        .ok()
        .map(|s| s.saturating_mul(1000))
}

/// 1 s, 2 s, 4 s, ... capped.
pub(super) fn backoff_ms(attempt: u32) -> u64 {
    1000u64
        .saturating_mul(1 << attempt.min(16))
        .min(MAX_DELAY_MS)
}

/// Whether a JSON body is a v1 error document (`{"errors": [...]}`).
pub(super) fn is_error_document(body: &[u8]) -> bool {
    serde_json::from_slice::<Value>(body)
        .map(|d| d.get("errors").is_some_and(Value::is_array))
        .unwrap_or(false)
}

/// The first error title or detail of a v1 error document, else the body's
/// start, for messages.
pub(super) fn short_error(body: &[u8]) -> String {
    if let Ok(document) = serde_json::from_slice::<Value>(body) {
        if let Some(first) = document
            .get("errors")
            .and_then(Value::as_array)
            .and_then(|e| e.first())
        {
            let title = first.get("title").and_then(Value::as_str).unwrap_or("");
            let detail = first.get("detail").and_then(Value::as_str).unwrap_or("");
            return [title, detail]
                .iter()
                .filter(|s| !s.is_empty())
                .cloned()
                .collect::<Vec<_>>()
                .join(": ");
        }
    }
    String::from_utf8_lossy(&body[..body.len().min(200)])
        .trim()
        .to_string()
}
