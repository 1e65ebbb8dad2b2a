//! Lenient leaf values for Chorus JSON: whatever a field holds in, one typed
//! reading out. Ids as numbers or strings, flags as bools or strings, times
//! as epoch seconds, epoch milliseconds or ISO 8601, numbers as numbers or
//! numeric strings. A value of the wrong shape reads as absent, never as an
//! error, so one odd field does not lose a whole page. Chorus's own texts,
//! whose shape is not documented, read the same way: a summary
//! ([`SummaryText`]) and action items ([`ActionItems`]), their HTML read as
//! plain text with line breaks (`html_text`).

use crate::read::html_text::plain_text;
use chrono::{DateTime, NaiveDate, NaiveDateTime, TimeZone, Utc};
use serde::de::{self, Deserialize, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use std::fmt;

/// Any JSON value, kept only when it is a scalar.
#[derive(Debug, Clone, Default, PartialEq)]
pub enum Scalar {
    #[default]
    Missing,
    Null,
    Bool(bool),
    Number(serde_json::Number),
    Text(String),
    /// An object or array where a scalar was expected.
    Structured,
}

impl<'de> Deserialize<'de> for Scalar {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct ScalarVisitor;
        impl<'de> Visitor<'de> for ScalarVisitor {
            type Value = Scalar;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("any JSON value")
            }
            fn visit_bool<E: de::Error>(self, v: bool) -> Result<Scalar, E> {
                Ok(Scalar::Bool(v))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Scalar, E> {
                Ok(Scalar::Number(v.into()))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Scalar, E> {
                Ok(Scalar::Number(v.into()))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Scalar, E> {
                Ok(serde_json::Number::from_f64(v)
                    .map(Scalar::Number)
                    .unwrap_or(Scalar::Null))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Scalar, E> {
                Ok(Scalar::Text(v.to_string()))
            }
            fn visit_string<E: de::Error>(self, v: String) -> Result<Scalar, E> {
                Ok(Scalar::Text(v))
            }
            fn visit_unit<E: de::Error>(self) -> Result<Scalar, E> {
                Ok(Scalar::Null)
            }
            fn visit_none<E: de::Error>(self) -> Result<Scalar, E> {
                Ok(Scalar::Null)
            }
            fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Scalar, D::Error> {
                Scalar::deserialize(d)
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Scalar, A::Error> {
                while seq.next_element::<IgnoredAny>()?.is_some() {}
                Ok(Scalar::Structured)
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Scalar, A::Error> {
                while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
                Ok(Scalar::Structured)
            }
        }
        deserializer.deserialize_any(ScalarVisitor)
    }
}

impl Scalar {
    /// Trimmed non-empty text; numbers as their decimal text.
    pub fn text(&self) -> Option<String> {
        match self {
            Scalar::Text(t) => {
                let t = t.trim();
                (!t.is_empty()).then(|| t.to_string())
            }
            Scalar::Number(n) => Some(n.to_string()),
            _ => None,
        }
    }

    /// A number, or a string holding one.
    pub fn number(&self) -> Option<f64> {
        match self {
            Scalar::Number(n) => n.as_f64(),
            Scalar::Text(t) => t.trim().parse::<f64>().ok().filter(|n| n.is_finite()),
            _ => None,
        }
    }

    /// `true`/`false`, `"true"`/`"false"`, `"yes"`/`"no"`, `1`/`0`.
    pub fn flag(&self) -> Option<bool> {
        match self {
            Scalar::Bool(b) => Some(*b),
            Scalar::Number(n) => match n.as_f64() {
                Some(0.0) => Some(false),
                Some(1.0) => Some(true),
                _ => None,
            },
            Scalar::Text(t) => match t.trim().to_ascii_lowercase().as_str() {
                "true" | "yes" | "y" | "1" => Some(true),
                "false" | "no" | "n" | "0" => Some(false),
                _ => None,
            },
            _ => None,
        }
    }

    /// A point in time: epoch seconds (numbers below 10^11), epoch
    /// milliseconds (larger numbers), or ISO 8601 text (with an offset, or
    /// without one meaning UTC; a bare date means midnight UTC).
    pub fn time(&self) -> Option<DateTime<Utc>> {
        match self {
            Scalar::Number(_) => self.number().and_then(epoch),
            Scalar::Text(t) => {
                let t = t.trim();
                if let Ok(n) = t.parse::<f64>() {
                    return epoch(n);
                }
                parse_iso(t)
            }
            _ => None,
        }
    }
}

fn epoch(value: f64) -> Option<DateTime<Utc>> {
    if !value.is_finite() || value < 0.0 {
        return None;
    }
    let millis = if value >= 1e11 { value } else { value * 1000.0 };
    if millis > 1e15 {
        return None;
    }
    Utc.timestamp_millis_opt(millis.round() as i64).single()
}

fn parse_iso(text: &str) -> Option<DateTime<Utc>> {
    if let Ok(t) = DateTime::parse_from_rfc3339(text) {
        return Some(t.with_timezone(&Utc));
    }
    for format in [
        "%Y-%m-%dT%H:%M:%S%.f%z",
        "%Y-%m-%d %H:%M:%S%.f%z",
        "%Y-%m-%dT%H:%M:%S%.f%:z",
    ] {
        if let Ok(t) = DateTime::parse_from_str(text, format) {
            return Some(t.with_timezone(&Utc));
        }
    }
    let naive = text.trim_end_matches('Z');
    for format in [
        "%Y-%m-%dT%H:%M:%S%.f",
        "%Y-%m-%d %H:%M:%S%.f",
        "%Y-%m-%dT%H:%M",
    ] {
        if let Ok(t) = NaiveDateTime::parse_from_str(naive, format) {
            return Some(t.and_utc());
        }
    }
    NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .ok()
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .map(|t| t.and_utc())
}

/// Implements a visitor's methods for the values that hold no text
/// (`null`, booleans, numbers): each reads as `$empty`, never as an error.
macro_rules! no_text_in_scalars {
    ($value:ty, $empty:expr) => {
        fn visit_bool<E: de::Error>(self, _: bool) -> Result<$value, E> {
            Ok($empty)
        }
        fn visit_i64<E: de::Error>(self, _: i64) -> Result<$value, E> {
            Ok($empty)
        }
        fn visit_u64<E: de::Error>(self, _: u64) -> Result<$value, E> {
            Ok($empty)
        }
        fn visit_f64<E: de::Error>(self, _: f64) -> Result<$value, E> {
            Ok($empty)
        }
        fn visit_unit<E: de::Error>(self) -> Result<$value, E> {
            Ok($empty)
        }
        fn visit_none<E: de::Error>(self) -> Result<$value, E> {
            Ok($empty)
        }
    };
}

/// An object key compared lower-case, letters and digits only
/// (`action_item`, `actionItem` and `Action Item` are all `actionitem`).
fn key_name(key: &str) -> String {
    key.chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect()
}

fn trimmed(text: &str) -> Option<String> {
    let text = text.trim();
    (!text.is_empty()).then(|| text.to_string())
}

/// Keeps `found` when it came from a key earlier in the order of
/// preference (`rank`) than what `best` holds.
fn prefer<T>(best: &mut Option<(usize, T)>, rank: usize, found: Option<T>) {
    if let Some(found) = found {
        if best.as_ref().is_none_or(|(held, _)| rank < *held) {
            *best = Some((rank, found));
        }
    }
}

/// Keys of a summary object that hold its text, in order of preference.
const SUMMARY_KEYS: &[&str] = &[
    "text",
    "summary",
    "meetingsummary",
    "content",
    "body",
    "value",
    "description",
    "overview",
];

/// Chorus's summary of a call, whatever its shape: a string (trimmed), an
/// object with a text-like key (`text`, `summary`, `meeting_summary`,
/// `content`, `body`, `value`, `description`, `overview`, in that order of
/// preference), or a list of those, joined with newlines. `null`, an empty
/// text or any other value reads as none. Read as it streams by: nothing
/// but the texts is kept.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SummaryText(pub Option<String>);

impl<'de> Deserialize<'de> for SummaryText {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct SummaryVisitor;
        impl<'de> Visitor<'de> for SummaryVisitor {
            type Value = SummaryText;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("any JSON value")
            }
            no_text_in_scalars!(SummaryText, SummaryText(None));
            fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<SummaryText, D::Error> {
                SummaryText::deserialize(d)
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<SummaryText, E> {
                Ok(SummaryText(trimmed(&plain_text(v))))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<SummaryText, A::Error> {
                let mut parts = Vec::new();
                while let Some(SummaryText(part)) = seq.next_element()? {
                    parts.extend(part);
                }
                Ok(SummaryText((!parts.is_empty()).then(|| parts.join("\n"))))
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<SummaryText, A::Error> {
                let mut best = None;
                while let Some(key) = map.next_key::<String>()? {
                    match SUMMARY_KEYS.iter().position(|k| *k == key_name(&key)) {
                        Some(rank) => prefer(&mut best, rank, map.next_value::<SummaryText>()?.0),
                        None => {
                            map.next_value::<IgnoredAny>()?;
                        }
                    }
                }
                Ok(SummaryText(best.map(|(_, text)| text)))
            }
        }
        deserializer.deserialize_any(SummaryVisitor)
    }
}

/// Keys of an action item object that hold its text, in order of preference.
const ACTION_ITEM_KEYS: &[&str] = &[
    "text",
    "actionitem",
    "action",
    "description",
    "title",
    "value",
    "content",
    "body",
    "summary",
    "name",
    "item",
    "task",
];

/// Keys of an object that wraps the list of action items, in order of preference.
const ACTION_LIST_KEYS: &[&str] = &["actionitems", "items", "list", "data", "results"];

/// Chorus's action items of a call, whatever their shape, as one text per
/// item, trimmed, empty ones left out, in Chorus's order:
/// - a list, whose elements are strings (one item each), objects (the
///   item under their first text-like key: `text`, `action_item`,
///   `action`, `description`, `title`, `value`, `content`, `body`,
///   `summary`, `name`, `item`, `task`; without one, the items they wrap,
///   as an object below does) or lists (their items);
/// - an object wrapping the items, in any of these shapes, under a
///   list-like key (`action_items`, `items`, `list`, `data`, `results`),
///   else under a text-like key;
/// - one string with one item a line, where a leading bullet (`-`, `*`,
///   `•`, `1.`, `2)`) is removed.
///
/// `null` or any other value reads as none. Read as it streams by: nothing
/// but the texts is kept.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ActionItems(pub Vec<String>);

/// The items of one string, a line each.
fn lines_as_items(text: &str) -> Vec<String> {
    text.lines()
        .map(without_bullet)
        .filter_map(trimmed)
        .collect()
}

impl<'de> Deserialize<'de> for ActionItems {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct ItemsVisitor;
        impl<'de> Visitor<'de> for ItemsVisitor {
            type Value = ActionItems;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("any JSON value")
            }
            no_text_in_scalars!(ActionItems, ActionItems(Vec::new()));
            fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<ActionItems, D::Error> {
                ActionItems::deserialize(d)
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<ActionItems, E> {
                Ok(ActionItems(lines_as_items(&plain_text(v))))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<ActionItems, A::Error> {
                let mut items = Vec::new();
                while let Some(ListElement(element)) = seq.next_element()? {
                    items.extend(element);
                }
                Ok(ActionItems(items))
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<ActionItems, A::Error> {
                let object = ItemObject::read(map)?;
                Ok(ActionItems(
                    object
                        .list
                        .or(object.items)
                        .map(|(_, items)| items)
                        .unwrap_or_default(),
                ))
            }
        }
        deserializer.deserialize_any(ItemsVisitor)
    }
}

/// One element of a list of action items: the items it gives.
struct ListElement(Vec<String>);

impl<'de> Deserialize<'de> for ListElement {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct ElementVisitor;
        impl<'de> Visitor<'de> for ElementVisitor {
            type Value = ListElement;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("any JSON value")
            }
            no_text_in_scalars!(ListElement, ListElement(Vec::new()));
            fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<ListElement, D::Error> {
                ListElement::deserialize(d)
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<ListElement, E> {
                Ok(ListElement(trimmed(&plain_text(v)).into_iter().collect()))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<ListElement, A::Error> {
                let ActionItems(items) =
                    ActionItems::deserialize(de::value::SeqAccessDeserializer::new(seq))?;
                Ok(ListElement(items))
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<ListElement, A::Error> {
                let object = ItemObject::read(map)?;
                Ok(ListElement(match object.text {
                    Some((_, text)) => vec![text],
                    None => object
                        .list
                        .or(object.items)
                        .map(|(_, items)| items)
                        .unwrap_or_default(),
                }))
            }
        }
        deserializer.deserialize_any(ElementVisitor)
    }
}

/// What an object among action items holds, each with the rank of its key.
#[derive(Default)]
struct ItemObject {
    /// One item's text: a string (or an object holding one) under a text-like key.
    text: Option<(usize, String)>,
    /// Items under a text-like key: a string's lines, or a list's items.
    items: Option<(usize, Vec<String>)>,
    /// Items under a list-like key, in any shape.
    list: Option<(usize, Vec<String>)>,
}

/// A value under a text-like key of an object among action items.
enum KeyValue {
    Text(String),
    List(Vec<String>),
    /// An object: the item text it holds, if any.
    Object(Option<String>),
    Nothing,
}

impl<'de> Deserialize<'de> for KeyValue {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct KeyValueVisitor;
        impl<'de> Visitor<'de> for KeyValueVisitor {
            type Value = KeyValue;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("any JSON value")
            }
            no_text_in_scalars!(KeyValue, KeyValue::Nothing);
            fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<KeyValue, D::Error> {
                KeyValue::deserialize(d)
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<KeyValue, E> {
                Ok(KeyValue::Text(plain_text(v).into_owned()))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<KeyValue, A::Error> {
                let ActionItems(items) =
                    ActionItems::deserialize(de::value::SeqAccessDeserializer::new(seq))?;
                Ok(KeyValue::List(items))
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<KeyValue, A::Error> {
                Ok(KeyValue::Object(
                    ItemObject::read(map)?.text.map(|(_, text)| text),
                ))
            }
        }
        deserializer.deserialize_any(KeyValueVisitor)
    }
}

impl ItemObject {
    fn read<'de, A: MapAccess<'de>>(mut map: A) -> Result<ItemObject, A::Error> {
        let mut object = ItemObject::default();
        while let Some(key) = map.next_key::<String>()? {
            let key = key_name(&key);
            if let Some(rank) = ACTION_ITEM_KEYS.iter().position(|k| *k == key) {
                match map.next_value::<KeyValue>()? {
                    KeyValue::Text(text) => {
                        prefer(
                            &mut object.items,
                            rank,
                            Some(lines_as_items(&text)).filter(|i| !i.is_empty()),
                        );
                        prefer(&mut object.text, rank, trimmed(&text));
                    }
                    KeyValue::List(items) => prefer(
                        &mut object.items,
                        rank,
                        Some(items).filter(|i| !i.is_empty()),
                    ),
                    KeyValue::Object(text) => prefer(&mut object.text, rank, text),
                    KeyValue::Nothing => {}
                }
            } else if let Some(rank) = ACTION_LIST_KEYS.iter().position(|k| *k == key) {
                let ActionItems(items) = map.next_value()?;
                prefer(
                    &mut object.list,
                    rank,
                    Some(items).filter(|i| !i.is_empty()),
                );
            } else {
                map.next_value::<IgnoredAny>()?;
            }
        }
        Ok(object)
    }
}

/// A line of a list without its bullet: `- a`, `* a`, `• a`, `1. a`, `2) a`.
fn without_bullet(line: &str) -> &str {
    let line = line.trim_start();
    for bullet in ['-', '*', '•', '‣', '◦', '–', '—'] {
        if let Some(rest) = line.strip_prefix(bullet) {
            if rest.starts_with(char::is_whitespace) {
                return rest;
            }
        }
    }
    let digits = line.len() - line.trim_start_matches(|c: char| c.is_ascii_digit()).len();
    if (1..=3).contains(&digits) {
        if let Some(rest) = line[digits..].strip_prefix(['.', ')']) {
            if rest.starts_with(char::is_whitespace) {
                return rest;
            }
        }
    }
    line
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scalar(json: &str) -> Scalar {
        serde_json::from_str(json).unwrap()
    }

    #[test]
    fn ids_flags_numbers_and_times_read_leniently() {
        assert_eq!(scalar("12345").text().as_deref(), Some("12345"));
        assert_eq!(scalar("\" abc \"").text().as_deref(), Some("abc"));
        assert_eq!(scalar("\"\"").text(), None);
        assert_eq!(scalar("{\"a\":1}"), Scalar::Structured);
        assert_eq!(scalar("\"false\"").flag(), Some(false));
        assert_eq!(scalar("true").flag(), Some(true));
        assert_eq!(scalar("\"12.5\"").number(), Some(12.5));
        let expected = Utc.with_ymd_and_hms(2026, 5, 1, 9, 30, 0).unwrap();
        assert_eq!(scalar("1777627800").time(), Some(expected));
        assert_eq!(scalar("1777627800.0").time(), Some(expected));
        assert_eq!(scalar("1777627800000").time(), Some(expected));
        assert_eq!(scalar("\"1777627800\"").time(), Some(expected));
        assert_eq!(scalar("\"2026-05-01T09:30:00Z\"").time(), Some(expected));
        assert_eq!(
            scalar("\"2026-05-01T11:30:00+02:00\"").time(),
            Some(expected)
        );
        assert_eq!(scalar("\"2026-05-01T09:30:00.000\"").time(), Some(expected));
        assert_eq!(scalar("\"2026-05-01 09:30:00\"").time(), Some(expected));
        assert_eq!(scalar("\"yesterday\"").time(), None);
        assert_eq!(scalar("null").time(), None);
    }

    fn summary(json: &str) -> Option<String> {
        serde_json::from_str::<SummaryText>(json).unwrap().0
    }

    fn items(json: &str) -> Vec<String> {
        serde_json::from_str::<ActionItems>(json).unwrap().0
    }

    #[test]
    fn a_summary_reads_from_any_shape() {
        assert_eq!(
            summary("\" Pat wants 50 seats. \"").as_deref(),
            Some("Pat wants 50 seats.")
        );
        assert_eq!(summary("\"  \""), None);
        assert_eq!(summary("null"), None);
        assert_eq!(summary("42"), None);
        assert_eq!(
            summary("{\"text\": \"In an object.\"}").as_deref(),
            Some("In an object.")
        );
        assert_eq!(
            summary("{\"title\": \"Recap\", \"Content\": \"By content.\"}").as_deref(),
            Some("By content.")
        );
        assert_eq!(
            summary("{\"summary\": {\"text\": \"Nested.\"}, \"text\": null}").as_deref(),
            Some("Nested.")
        );
        assert_eq!(summary("{\"title\": \"Recap\"}"), None);
        assert_eq!(
            summary("[\"First.\", {\"text\": \"Second.\"}, 3]").as_deref(),
            Some("First.\nSecond.")
        );
        assert_eq!(
            summary("\"Line one.\\nLine two.\"").as_deref(),
            Some("Line one.\nLine two.")
        );
    }

    #[test]
    fn action_items_read_from_any_shape() {
        assert_eq!(
            items("[\" Send the proposal \", \"\", \"Book a demo\", 7, null]"),
            ["Send the proposal", "Book a demo"]
        );
        assert_eq!(
            items(
                r#"[{"text": "a"}, {"action_item": "b"}, {"actionItem": "c"}, {"description": "d"},
                    {"title": "e", "owner": "x"}, {"value": "f"}, {"owner": "nobody"}, {"text": {"value": "g"}}]"#
            ),
            ["a", "b", "c", "d", "e", "f", "g"]
        );
        assert_eq!(
            items(
                "\"- Send the proposal\\r\\n* Book a demo\\n\\n• Call back\\n2) Share slides\\n10. Plan\\n-not a bullet\""
            ),
            ["Send the proposal", "Book a demo", "Call back", "Share slides", "Plan", "-not a bullet"]
        );
        assert_eq!(items("{\"items\": [\"a\", {\"task\": \"b\"}]}"), ["a", "b"]);
        assert_eq!(items("{\"text\": \"one\\ntwo\"}"), ["one", "two"]);
        assert_eq!(items("[[\"nested\"]]"), ["nested"]);
        assert!(items("null").is_empty());
        assert!(items("\"\"").is_empty());
        assert!(items("true").is_empty());
        assert!(items("{}").is_empty());
    }

    #[test]
    fn nesting_reads_through_and_odd_values_are_ignored() {
        let deep = "[".repeat(40) + "\"x\"" + &"]".repeat(40);
        assert_eq!(items(&deep), ["x"]);
        assert_eq!(summary(&deep).as_deref(), Some("x"));
        let empties = format!("[{}\"kept\"]", "[], {}, null, 1, true, ".repeat(1000));
        assert_eq!(items(&empties), ["kept"]);
        assert_eq!(summary(&empties).as_deref(), Some("kept"));
        // At the top a list-like key wins over a text-like one, whatever it
        // holds; in a list's element, the text-like key does.
        assert_eq!(items("{\"text\": \"z\", \"items\": \"x\\ny\"}"), ["x", "y"]);
        assert_eq!(items("[{\"items\": [\"x\"], \"text\": \"z\"}]"), ["z"]);
        assert_eq!(items("{\"items\": [], \"text\": \"z\"}"), ["z"]);
        // Within an object, a better key after a worse one still wins.
        assert_eq!(
            items("[{\"task\": \"worse\", \"text\": \"better\"}]"),
            ["better"]
        );
    }
}
