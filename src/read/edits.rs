//! Reading an edits document. In: a file's name and bytes (or a JSON value
//! the page built) and the `Limits`. Out: an `EditsDocument`, or an error
//! naming the file and the JSON pointer of the fault: a document larger
//! than `max_edits_bytes`, not UTF-8 or not JSON, nested deeper than any
//! edits document is, a key twice in one object, a member of the wrong
//! type, a missing or unknown field, an unknown op, an id of the wrong
//! form, an empty name or phrase, more than `max_edits` edits. Nothing is
//! half-read: one fault refuses the whole document. Also: whether bytes
//! are an edits document at all (`is_edits_document`, for `detect`).

use crate::error::{Error, Result};
use crate::limits::Limits;
use crate::model::edits::{Edit, EditsDocument, TriggerContent, EDITS_FORMAT, EDITS_VERSION, OPS};
use crate::model::{Location, MatchMode, SaidBy};
use serde::de::{DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Value};
use std::cell::RefCell;
use std::collections::HashSet;
use std::fmt;

/// How deep an edits document may nest (it needs four levels: the
/// document, `edits`, an edit, its trigger).
const MAX_DEPTH: usize = 16;

/// Whether `bytes` hold an edits document: JSON text whose `format` member
/// is `"chorus2outdoo-edits"` (found anywhere in the text; the reader then
/// checks that it is the top-level one).
pub fn is_edits_document(bytes: &[u8]) -> bool {
    let needle = b"\"format\"";
    let mut rest = bytes;
    while let Some(at) = find(rest, needle) {
        rest = &rest[at + needle.len()..];
        let after = trim_start(rest);
        if let Some(after) = after.strip_prefix(b":") {
            let value = trim_start(after);
            if value.starts_with(format!("\"{EDITS_FORMAT}\"").as_bytes()) {
                return true;
            }
        }
    }
    false
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

fn trim_start(bytes: &[u8]) -> &[u8] {
    let start = bytes
        .iter()
        .position(|b| !b.is_ascii_whitespace())
        .unwrap_or(bytes.len());
    &bytes[start..]
}

/// Reads the edits document `name` holds.
pub fn read_edits(name: &str, bytes: &[u8], limits: &Limits) -> Result<EditsDocument> {
    let fault =
        |pointer: &str, message: String| Error::input(Location::pointer(name, pointer), message);
    if bytes.len() as u64 > limits.max_edits_bytes {
        return Err(Error::input(
            Location::file(name),
            format!(
                "the edits document has {} bytes, more than the limit of {}; not read",
                bytes.len(),
                limits.max_edits_bytes
            ),
        ));
    }
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let text = std::str::from_utf8(bytes).map_err(|e| {
        Error::input(
            Location::file(name),
            format!(
                "the edits document is not UTF-8 text (byte {} is not); save it as UTF-8",
                e.valid_up_to()
            ),
        )
    })?;
    let state = Walk::default();
    let mut deserializer = serde_json::Deserializer::from_str(text);
    let parsed = Strict {
        pointer: String::new(),
        depth: 0,
        state: &state,
    }
    .deserialize(&mut deserializer)
    .and_then(|value| deserializer.end().map(|()| value));
    match parsed {
        Ok(value) => edits_from_value(name, &value, limits),
        Err(error) => {
            let (pointer, message) = match state.fault.into_inner() {
                Some(fault) => fault,
                None => (
                    state.at.into_inner(),
                    format!("this is not JSON an edits document can be: {error}"),
                ),
            };
            Err(fault(&pointer, message))
        }
    }
}

/// Where the walk is, and the fault it found (with its pointer), if any.
#[derive(Default)]
struct Walk {
    at: RefCell<String>,
    fault: RefCell<Option<(String, String)>>,
}

/// A JSON value read with its pointer known: refuses a key twice in one
/// object and nesting deeper than `MAX_DEPTH`, saying where.
struct Strict<'a> {
    pointer: String,
    depth: usize,
    state: &'a Walk,
}

impl Strict<'_> {
    fn child(&self, key: &str) -> Strict<'_> {
        let pointer = format!("{}/{}", self.pointer, escape(key));
        self.state.at.replace(pointer.clone());
        Strict {
            pointer,
            depth: self.depth + 1,
            state: self.state,
        }
    }

    fn refuse<E: serde::de::Error>(&self, pointer: String, message: String) -> E {
        self.state.fault.replace(Some((pointer, message.clone())));
        E::custom(message)
    }

    fn nest<E: serde::de::Error>(&self) -> Result<(), E> {
        if self.depth >= MAX_DEPTH {
            return Err(self.refuse(
                self.pointer.clone(),
                format!("nested deeper than {MAX_DEPTH} levels; an edits document is not"),
            ));
        }
        Ok(())
    }
}

/// A key as a JSON pointer writes it (`~` as `~0`, `/` as `~1`).
fn escape(key: &str) -> String {
    key.replace('~', "~0").replace('/', "~1")
}

impl<'de> DeserializeSeed<'de> for Strict<'_> {
    type Value = Value;
    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Value, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Strict<'_> {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JSON value")
    }
    fn visit_bool<E>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }
    fn visit_i64<E>(self, v: i64) -> Result<Value, E> {
        Ok(v.into())
    }
    fn visit_u64<E>(self, v: u64) -> Result<Value, E> {
        Ok(v.into())
    }
    fn visit_f64<E>(self, v: f64) -> Result<Value, E> {
        Ok(serde_json::Number::from_f64(v).map_or(Value::Null, Value::Number))
    }
    fn visit_str<E>(self, v: &str) -> Result<Value, E> {
        Ok(Value::String(v.to_string()))
    }
    fn visit_string<E>(self, v: String) -> Result<Value, E> {
        Ok(Value::String(v))
    }
    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        self.nest()?;
        let mut items = Vec::new();
        loop {
            let child = self.child(&items.len().to_string());
            let item = seq.next_element_seed(child)?;
            self.state.at.replace(self.pointer.clone());
            match item {
                Some(item) => items.push(item),
                None => break,
            }
        }
        Ok(Value::Array(items))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        self.nest()?;
        let mut object = Map::new();
        let mut keys = HashSet::new();
        while let Some(key) = map.next_key::<String>()? {
            let child = self.child(&key);
            if !keys.insert(key.clone()) {
                return Err(self.refuse(
                    child.pointer,
                    format!("the key \"{key}\" appears twice in one object"),
                ));
            }
            let value = map.next_value_seed(child)?;
            self.state.at.replace(self.pointer.clone());
            object.insert(key, value);
        }
        Ok(Value::Object(object))
    }
}

/// Reads an edits document from a JSON value (the page's `options.edits`,
/// or a file's parsed text), `name` being the file it is recorded under.
pub fn edits_from_value(name: &str, value: &Value, limits: &Limits) -> Result<EditsDocument> {
    let read = Reader { name, limits };
    let top = read.object(value, "", &["format", "version", "edits"])?;
    let format = read.string(&top["format"], "/format")?;
    if format != EDITS_FORMAT {
        return Err(read.fault(
            "/format",
            format!(
                "the format is \"{format}\", not \"{EDITS_FORMAT}\": this is not an edits document"
            ),
        ));
    }
    if top["version"].as_u64() != Some(EDITS_VERSION) {
        return Err(read.fault(
            "/version",
            format!(
                "version {} is not one this tool reads (it reads version {EDITS_VERSION})",
                top["version"]
            ),
        ));
    }
    let Some(list) = top["edits"].as_array() else {
        return Err(read.fault(
            "/edits",
            format!("expected a list of edits, found {}", kind(&top["edits"])),
        ));
    };
    if list.len() > limits.max_edits {
        return Err(read.fault(
            "/edits",
            format!(
                "{} edits, more than the limit of {}; not read",
                list.len(),
                limits.max_edits
            ),
        ));
    }
    let edits = list
        .iter()
        .enumerate()
        .map(|(i, edit)| read.edit(edit, &format!("/edits/{i}")))
        .collect::<Result<Vec<_>>>()?;
    Ok(EditsDocument::new(edits))
}

struct Reader<'a> {
    name: &'a str,
    limits: &'a Limits,
}

/// What kind of JSON value this is, for a message.
fn kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "an object",
    }
}

impl Reader<'_> {
    fn fault(&self, pointer: &str, message: String) -> Error {
        Error::input(Location::pointer(self.name, pointer), message)
    }

    /// An object with exactly `fields` (every one required, no other).
    fn object<'v>(
        &self,
        value: &'v Value,
        pointer: &str,
        fields: &[&str],
    ) -> Result<&'v Map<String, Value>> {
        let Some(object) = value.as_object() else {
            return Err(self.fault(
                pointer,
                format!("expected an object, found {}", kind(value)),
            ));
        };
        if let Some(unknown) = object.keys().find(|k| !fields.contains(&k.as_str())) {
            return Err(self.fault(
                &format!("{pointer}/{}", escape(unknown)),
                format!(
                    "unknown field \"{unknown}\"; expected only {}",
                    fields.join(", ")
                ),
            ));
        }
        if let Some(missing) = fields.iter().find(|f| !object.contains_key(**f)) {
            return Err(self.fault(pointer, format!("the field \"{missing}\" is missing")));
        }
        Ok(object)
    }

    fn string<'v>(&self, value: &'v Value, pointer: &str) -> Result<&'v str> {
        let Some(text) = value.as_str() else {
            return Err(self.fault(pointer, format!("expected a string, found {}", kind(value))));
        };
        if text.len() > self.limits.max_cell_bytes {
            return Err(self.fault(
                pointer,
                format!(
                    "the text has {} bytes, more than the limit of {}",
                    text.len(),
                    self.limits.max_cell_bytes
                ),
            ));
        }
        Ok(text)
    }

    /// A name or phrase: a string with more than whitespace in it.
    fn text(&self, value: &Value, pointer: &str, what: &str) -> Result<String> {
        let text = self.string(value, pointer)?;
        if text.chars().all(|c| c.is_whitespace() || c == '\u{feff}') {
            return Err(self.fault(pointer, format!("the {what} is empty")));
        }
        Ok(text.to_string())
    }

    /// An id of the form `prefix` and 12 lower-case hex digits.
    fn id(&self, value: &Value, pointer: &str, prefix: &str, what: &str) -> Result<String> {
        let id = self.string(value, pointer)?;
        let hex = id.strip_prefix(prefix).unwrap_or("");
        if hex.len() != 12 || !hex.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')) {
            return Err(self.fault(
                pointer,
                format!(
                    "expected a {what} id ({prefix} and 12 hex digits), found \"{}\"",
                    crate::model::printable(id, false)
                ),
            ));
        }
        Ok(id.to_string())
    }

    fn edit(&self, value: &Value, pointer: &str) -> Result<Edit> {
        let Some(object) = value.as_object() else {
            return Err(self.fault(
                pointer,
                format!("expected an edit object, found {}", kind(value)),
            ));
        };
        let Some(op) = object.get("op") else {
            return Err(self.fault(pointer, "the field \"op\" is missing".to_string()));
        };
        let op_pointer = format!("{pointer}/op");
        let op = self.string(op, &op_pointer)?;
        let Some((op, fields)) = OPS.iter().find(|(name, _)| *name == op) else {
            return Err(self.fault(
                &op_pointer,
                format!(
                    "unknown op \"{}\"; expected one of {}",
                    crate::model::printable(op, false),
                    OPS.map(|(name, _)| name).join(", ")
                ),
            ));
        };
        let mut all = vec!["op"];
        all.extend_from_slice(fields);
        let edit = self.object(value, pointer, &all)?;
        let at = |field: &str| format!("{pointer}/{field}");
        let topic = |field: &str| self.id(&edit[field], &at(field), "tp_", "topic");
        let theme = |field: &str| self.id(&edit[field], &at(field), "th_", "theme");
        let trigger_id = |field: &str| self.id(&edit[field], &at(field), "tg_", "trigger");
        let name = || self.text(&edit["name"], &at("name"), "name");
        Ok(match *op {
            "rename_theme" => Edit::RenameTheme {
                theme: theme("theme")?,
                name: name()?,
            },
            "rename_topic" => Edit::RenameTopic {
                topic: topic("topic")?,
                name: name()?,
            },
            "move_topic" => Edit::MoveTopic {
                topic: topic("topic")?,
                theme: theme("theme")?,
            },
            "merge_topics" => Edit::MergeTopics {
                topic: topic("topic")?,
                into: topic("into")?,
            },
            "add_trigger" => Edit::AddTrigger {
                topic: topic("topic")?,
                trigger: self.content(&edit["trigger"], &at("trigger"))?,
            },
            "change_trigger" => Edit::ChangeTrigger {
                topic: topic("topic")?,
                trigger: trigger_id("trigger")?,
                to: self.content(&edit["to"], &at("to"))?,
            },
            "remove_trigger" => Edit::RemoveTrigger {
                topic: topic("topic")?,
                trigger: trigger_id("trigger")?,
            },
            "mark_ready" => Edit::MarkReady {
                topic: topic("topic")?,
            },
            _ => Edit::LeaveOut {
                topic: topic("topic")?,
            },
        })
    }

    fn content(&self, value: &Value, pointer: &str) -> Result<TriggerContent> {
        let trigger = self.object(value, pointer, &["phrase", "said_by", "language", "match"])?;
        let at = |field: &str| format!("{pointer}/{field}");
        let phrase = self.text(&trigger["phrase"], &at("phrase"), "phrase")?;
        let said_by = match self.string(&trigger["said_by"], &at("said_by"))? {
            "anyone" => SaidBy::Anyone,
            "company" => SaidBy::Company,
            "external" => SaidBy::External,
            other => {
                return Err(self.fault(
                    &at("said_by"),
                    format!(
                        "said_by \"{}\" is not anyone, company or external",
                        crate::model::printable(other, false)
                    ),
                ))
            }
        };
        let language = self.string(&trigger["language"], &at("language"))?;
        if language.len() != 2 || !language.bytes().all(|b| b.is_ascii_lowercase()) {
            return Err(self.fault(
                &at("language"),
                format!(
                    "language \"{}\" is not an ISO 639-1 code (two lower-case letters, such as en)",
                    crate::model::printable(language, false)
                ),
            ));
        }
        let match_mode = match self.string(&trigger["match"], &at("match"))? {
            "exact" => MatchMode::Exact,
            "prefix" => MatchMode::Prefix,
            other => {
                return Err(self.fault(
                    &at("match"),
                    format!(
                        "match \"{}\" is not exact or prefix",
                        crate::model::printable(other, false)
                    ),
                ))
            }
        };
        Ok(TriggerContent {
            phrase,
            said_by,
            language: language.to_string(),
            match_mode,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = r#"{"format": "chorus2outdoo-edits", "version": 1, "edits": [
        {"op": "rename_theme", "theme": "th_0123456789ab", "name": "Pricing"},
        {"op": "rename_topic", "topic": "tp_0123456789ab", "name": "Discount asked"},
        {"op": "move_topic", "topic": "tp_0123456789ab", "theme": "th_0123456789ab"},
        {"op": "merge_topics", "topic": "tp_0123456789ab", "into": "tp_ba9876543210"},
        {"op": "add_trigger", "topic": "tp_0123456789ab",
         "trigger": {"phrase": "discount", "said_by": "external", "language": "en", "match": "prefix"}},
        {"op": "change_trigger", "topic": "tp_0123456789ab", "trigger": "tg_0123456789ab",
         "to": {"phrase": "rebate", "said_by": "company", "language": "de", "match": "exact"}},
        {"op": "remove_trigger", "topic": "tp_0123456789ab", "trigger": "tg_0123456789ab"},
        {"op": "mark_ready", "topic": "tp_0123456789ab"},
        {"op": "leave_out", "topic": "tp_0123456789ab"}
    ]}"#;

    fn error(text: &str) -> String {
        read_edits("e.json", text.as_bytes(), &Limits::default())
            .unwrap_err()
            .to_string()
    }

    /// `GOOD` with its text `from` replaced by `to`.
    fn good_with(from: &str, to: &str) -> String {
        assert!(GOOD.contains(from), "{from}");
        GOOD.replacen(from, to, 1)
    }

    #[test]
    fn every_op_reads_and_writes_back_as_its_canonical_text() {
        let document = read_edits("e.json", GOOD.as_bytes(), &Limits::default()).unwrap();
        assert_eq!(document.edits.len(), 9);
        assert_eq!(
            document.edits[4],
            Edit::AddTrigger {
                topic: "tp_0123456789ab".into(),
                trigger: TriggerContent {
                    phrase: "discount".into(),
                    said_by: SaidBy::External,
                    language: "en".into(),
                    match_mode: MatchMode::Prefix,
                }
            }
        );
        let ops: Vec<&str> = document.edits.iter().map(Edit::op).collect();
        assert_eq!(ops, OPS.map(|(op, _)| op));
        // The canonical text reads back as the same document, and is itself
        // canonical; a BOM is allowed.
        let canonical = document.to_bytes();
        assert!(canonical.starts_with(b"{\n  \"format\": \"chorus2outdoo-edits\",\n  \"version\": 1,\n  \"edits\": [\n    {\n      \"op\": \"rename_theme\",\n      \"theme\": \"th_0123456789ab\",\n      \"name\": \"Pricing\"\n    },"));
        assert!(canonical.ends_with(b"}\n"));
        let mut with_bom = b"\xEF\xBB\xBF".to_vec();
        with_bom.extend_from_slice(&canonical);
        let again = read_edits("e.json", &with_bom, &Limits::default()).unwrap();
        assert_eq!(again, document);
        assert_eq!(again.to_bytes(), canonical);
        assert!(is_edits_document(&canonical));
        assert!(!is_edits_document(b"[{\"name\": \"format\"}]"));
    }

    #[test]
    fn wrong_types_missing_and_unknown_fields_are_refused_where_they_are() {
        let cases = [
            (good_with(r#""theme": "th_0123456789ab", "name": "Pricing""#, r#""theme": "th_0123456789ab", "name": 7"#),
             "e.json at /edits/0/name: expected a string, found a number"),
            (good_with(r#""op": "rename_topic", "topic": "tp_0123456789ab","#, r#""op": "rename_topic", "topic": "tp_0123456789ab", "colour": "red","#),
             "e.json at /edits/1/colour: unknown field \"colour\"; expected only op, topic, name"),
            (good_with(r#"{"op": "mark_ready", "topic": "tp_0123456789ab"}"#, r#"{"op": "mark_ready"}"#),
             "e.json at /edits/7: the field \"topic\" is missing"),
            (good_with(r#""op": "leave_out""#, r#""op": "delete_everything""#),
             "e.json at /edits/8/op: unknown op \"delete_everything\"; expected one of rename_theme, rename_topic, \
              move_topic, merge_topics, add_trigger, change_trigger, remove_trigger, mark_ready, leave_out"),
            (good_with(r#""into": "tp_ba9876543210""#, r#""into": "tp_BA9876543210""#),
             "e.json at /edits/3/into: expected a topic id (tp_ and 12 hex digits), found \"tp_BA9876543210\""),
            (good_with(r#""trigger": "tg_0123456789ab",
         "to""#, r#""trigger": "th_0123456789ab",
         "to""#),
             "e.json at /edits/5/trigger: expected a trigger id (tg_ and 12 hex digits), found \"th_0123456789ab\""),
            (good_with(r#""said_by": "external""#, r#""said_by": "non_company""#),
             "e.json at /edits/4/trigger/said_by: said_by \"non_company\" is not anyone, company or external"),
            (good_with(r#""match": "prefix""#, r#""match": "regex""#),
             "e.json at /edits/4/trigger/match: match \"regex\" is not exact or prefix"),
            (good_with(r#""language": "de""#, r#""language": "German""#),
             "e.json at /edits/5/to/language: language \"German\" is not an ISO 639-1 code (two lower-case letters, such as en)"),
            (good_with(r#""phrase": "rebate""#, r#""phrase": " \t ""#),
             "e.json at /edits/5/to/phrase: the phrase is empty"),
            (good_with(r#""edits": ["#, r#""extra": true, "edits": ["#),
             "e.json at /extra: unknown field \"extra\"; expected only format, version, edits"),
            (good_with(r#""version": 1"#, r#""version": 2"#),
             "e.json at /version: version 2 is not one this tool reads (it reads version 1)"),
            (r#"{"format": "chorus2outdoo-edits", "version": 1, "edits": {}}"#.to_string(),
             "e.json at /edits: expected a list of edits, found an object"),
            (r#"{"format": "chorus2outdoo-edits", "version": 1, "edits": [3]}"#.to_string(),
             "e.json at /edits/0: expected an edit object, found a number"),
            (r#"{"format": "something-else", "version": 1, "edits": []}"#.to_string(),
             "e.json at /format: the format is \"something-else\", not \"chorus2outdoo-edits\": this is not an edits document"),
            (r#"["format"]"#.to_string(), "e.json at /: expected an object, found a list"),
        ];
        for (text, expected) in cases {
            assert_eq!(error(&text), expected, "{text}");
        }
    }

    #[test]
    fn duplicate_keys_deep_nesting_and_broken_json_are_refused_where_they_are() {
        assert_eq!(
            error(&good_with(
                r#"{"op": "leave_out", "topic": "tp_0123456789ab"}"#,
                r#"{"op": "leave_out", "topic": "tp_0123456789ab", "topic": "tp_ba9876543210"}"#
            )),
            "e.json at /edits/8/topic: the key \"topic\" appears twice in one object"
        );
        assert_eq!(
            error(
                r#"{"format": "chorus2outdoo-edits", "format": "chorus2outdoo-edits", "version": 1, "edits": []}"#
            ),
            "e.json at /format: the key \"format\" appears twice in one object"
        );
        let deep = format!(
            r#"{{"format": "chorus2outdoo-edits", "version": 1, "edits": [{{"op": "leave_out", "topic": {}1{}}}]}}"#,
            "[".repeat(100_000),
            "]".repeat(100_000)
        );
        assert_eq!(
            error(&deep),
            format!(
                "e.json at /edits/0/topic{}: nested deeper than 16 levels; an edits document is not",
                "/0".repeat(13)
            )
        );
        assert_eq!(
            error(&good_with(r#""name": "Pricing"}"#, r#""name": "Pricing""#)),
            "e.json at /edits/0: this is not JSON an edits document can be: key must be a string at line 3 column 9"
        );
        assert_eq!(
            error(&format!("{GOOD} trailing")),
            "e.json at /: this is not JSON an edits document can be: trailing characters at line 13 column 8"
        );
        assert_eq!(
            read_edits(
                "e.json",
                b"{\"format\": \"chorus2outdoo-edits\xff\"}",
                &Limits::default()
            )
            .unwrap_err()
            .to_string(),
            "e.json: the edits document is not UTF-8 text (byte 31 is not); save it as UTF-8"
        );
    }

    #[test]
    fn sizes_and_counts_beyond_the_limits_are_refused() {
        let limits = Limits {
            max_edits_bytes: 100,
            ..Limits::default()
        };
        assert_eq!(
            read_edits("e.json", GOOD.as_bytes(), &limits)
                .unwrap_err()
                .to_string(),
            format!(
                "e.json: the edits document has {} bytes, more than the limit of 100; not read",
                GOOD.len()
            )
        );
        let limits = Limits {
            max_edits: 8,
            ..Limits::default()
        };
        assert_eq!(
            read_edits("e.json", GOOD.as_bytes(), &limits)
                .unwrap_err()
                .to_string(),
            "e.json at /edits: 9 edits, more than the limit of 8; not read"
        );
        let limits = Limits {
            max_cell_bytes: 5,
            ..Limits::default()
        };
        assert_eq!(
            read_edits("e.json", GOOD.as_bytes(), &limits)
                .unwrap_err()
                .to_string(),
            "e.json at /format: the text has 19 bytes, more than the limit of 5"
        );
        // The default limits: 8 MiB, 100,000 edits.
        let huge = vec![b' '; 8 * 1024 * 1024 + 1];
        assert_eq!(
            read_edits("e.json", &huge, &Limits::default()).unwrap_err().to_string(),
            "e.json: the edits document has 8388609 bytes, more than the limit of 8388608; not read"
        );
        let many = format!(
            r#"{{"format": "chorus2outdoo-edits", "version": 1, "edits": [{}]}}"#,
            vec![r#"{"op":"leave_out","topic":"tp_0123456789ab"}"#; 100_001].join(",")
        );
        assert!(many.len() < 8 * 1024 * 1024);
        assert_eq!(
            error(&many),
            "e.json at /edits: 100001 edits, more than the limit of 100000; not read"
        );
    }
}
