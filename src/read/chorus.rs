//! Chorus API documents: one JSON entry's bytes in, what it is and the
//! records it holds out (`ChorusDocument`).
//!
//! The shapes taken, each record located by a JSON pointer:
//! - engagements: a `/v3/engagements` page (`{"engagements": [...]}`), a
//!   bare array of them, or one engagement object; an engagement's id is
//!   `engagement_id` or `id`; a connector's merged record carries its
//!   conversation (`_conversation`) and a flattened `transcript`
//!   ([`engagement`](crate::read::engagement));
//! - conversations: a v1 document (`{"data": {...}}`) or a JSON:API
//!   collection of them (`{"data": [...]}`)
//!   ([`conversation`](crate::read::conversation));
//! - users: a bare array, `{"users": [...]}`, a v1 user document or a
//!   collection of them;
//! - a saved error response, and `fetch-report.json` from `fetch`.
//!
//! Strings are borrowed from the bytes where they can be; utterances are
//! counted and dropped on the first pass and read in full only when the
//! transcript is written.

use crate::model::calls::{ConversationRecord, EngagementRecord, EntryRef, PersonRecord};
use crate::model::Location;
use crate::read::call_fields::List;
use crate::read::conversation::{RawConversation, UtteranceCount};
use crate::read::engagement::{RawEngagement, ENGAGEMENT_KEYS};
use crate::read::json_lines::{json_values, more_values_follow};
use crate::read::lenient::Scalar;
use serde::de::{self, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde::Deserialize;
use std::fmt;
use std::marker::PhantomData;

/// What one JSON entry turned out to be.
#[derive(Debug)]
pub enum ChorusDocument {
    /// Calls and people.
    Records(DocumentRecords),
    /// A saved Chorus error response (`{"errors": [...]}`).
    ErrorResponse(String),
    /// `fetch-report.json` from `chorus2outdoo fetch`: what could not be downloaded.
    FetchReport(Vec<MissingDownload>),
    /// Valid JSON of another shape: what it looked like.
    Other(String),
}

/// The records of one JSON entry.
#[derive(Debug, Default)]
pub struct DocumentRecords {
    /// An engagement page, array or object (counted as one in the summary).
    pub engagement_document: bool,
    pub engagements: Vec<EngagementRecord>,
    pub conversations: Vec<ConversationRecord>,
    pub people: Vec<PersonRecord>,
    /// Objects among the records that are none of these: where, and what
    /// they were.
    pub ignored: Vec<(Location, String)>,
    /// Values of a file of several that are not readable JSON: where, and why.
    pub unreadable: Vec<(Location, String)>,
}

/// One item of `fetch-report.json`: a download that failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MissingDownload {
    pub engagement_id: String,
    /// What was missing (`conversation`, `media`, ...).
    pub what: String,
    pub message: String,
    pub location: Location,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct RawMissing {
    engagement_id: Scalar,
    what: Scalar,
    message: Scalar,
}

/// A document's `data`: one resource, or a JSON:API collection.
enum Data<'a> {
    One(Box<RawConversation<UtteranceCount<'a>>>),
    Many(List<RawConversation<UtteranceCount<'a>>>),
    /// `null` or a scalar.
    Neither,
}

impl<'de: 'a, 'a> Deserialize<'de> for Data<'a> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct DataVisitor<'a>(PhantomData<&'a ()>);
        impl<'de: 'a, 'a> Visitor<'de> for DataVisitor<'a> {
            type Value = Data<'a>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("an object or an array")
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Data<'a>, A::Error> {
                Deserialize::deserialize(de::value::MapAccessDeserializer::new(map)).map(Data::One)
            }
            fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Data<'a>, A::Error> {
                Deserialize::deserialize(de::value::SeqAccessDeserializer::new(seq)).map(Data::Many)
            }
            fn visit_bool<E: de::Error>(self, _: bool) -> Result<Data<'a>, E> {
                Ok(Data::Neither)
            }
            fn visit_i64<E: de::Error>(self, _: i64) -> Result<Data<'a>, E> {
                Ok(Data::Neither)
            }
            fn visit_u64<E: de::Error>(self, _: u64) -> Result<Data<'a>, E> {
                Ok(Data::Neither)
            }
            fn visit_f64<E: de::Error>(self, _: f64) -> Result<Data<'a>, E> {
                Ok(Data::Neither)
            }
            fn visit_str<E: de::Error>(self, _: &str) -> Result<Data<'a>, E> {
                Ok(Data::Neither)
            }
            fn visit_unit<E: de::Error>(self) -> Result<Data<'a>, E> {
                Ok(Data::Neither)
            }
        }
        deserializer.deserialize_any(DataVisitor(PhantomData))
    }
}

enum Top<'a> {
    Object {
        engagements: Option<List<RawEngagement<'a>>>,
        data: Option<Data<'a>>,
        errors: Option<Vec<serde_json::Value>>,
        /// `{"users": [...]}`.
        users: Option<List<RawEngagement<'a>>>,
        /// `fetch-report.json`.
        missing: Option<List<RawMissing>>,
        keys: Vec<String>,
        /// `engagement_id`, or `id` with a key only engagements have: the
        /// object is one engagement (read again as one).
        one_engagement: bool,
    },
    Array(List<RawEngagement<'a>>),
}

impl<'de: 'a, 'a> Deserialize<'de> for Top<'a> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct TopVisitor<'a>(PhantomData<&'a ()>);
        impl<'de: 'a, 'a> Visitor<'de> for TopVisitor<'a> {
            type Value = Top<'a>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a JSON object or array")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Top<'a>, A::Error> {
                List::<RawEngagement<'a>>::deserialize(de::value::SeqAccessDeserializer::new(seq))
                    .map(Top::Array)
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Top<'a>, A::Error> {
                let (mut engagements, mut data, mut errors, mut keys) =
                    (None, None, None, Vec::new());
                let (mut users, mut missing) = (None, None);
                let (mut has_id, mut engagement_id, mut engagement_key) = (false, false, false);
                while let Some(key) = map.next_key::<String>()? {
                    match key.as_str() {
                        "engagements" => {
                            engagements = Some(map.next_value::<List<RawEngagement<'a>>>()?)
                        }
                        "data" => data = Some(map.next_value::<Data<'a>>()?),
                        "errors" => errors = map.next_value::<Option<Vec<serde_json::Value>>>()?,
                        "users" => users = Some(map.next_value::<List<RawEngagement<'a>>>()?),
                        "missing" => missing = Some(map.next_value::<List<RawMissing>>()?),
                        other => {
                            has_id |= other == "id";
                            engagement_id |= other == "engagement_id";
                            engagement_key |= ENGAGEMENT_KEYS.contains(&other);
                            map.next_value::<IgnoredAny>()?;
                        }
                    }
                    if keys.len() < 8 {
                        keys.push(key);
                    }
                }
                Ok(Top::Object {
                    engagements,
                    data,
                    errors,
                    users,
                    missing,
                    keys,
                    one_engagement: engagement_id || has_id && engagement_key,
                })
            }
        }
        deserializer.deserialize_any(TopVisitor(PhantomData))
    }
}

/// `location` with `pointer` after its own pointer (a value of a file of
/// several has one: `/3`).
fn pointer_location(location: &Location, pointer: String) -> Location {
    let base = location.pointer.as_deref().unwrap_or("");
    location.clone().with_pointer(format!("{base}{pointer}"))
}

fn json_error(e: serde_json::Error) -> String {
    format!("not readable JSON: {e}")
}

/// Conversations are resources of these types (or of none).
fn is_conversation_type(kind: &str) -> bool {
    matches!(
        kind,
        "" | "recording"
            | "recordings"
            | "conversation"
            | "conversations"
            | "engagement"
            | "meeting"
            | "call"
    )
}

impl DocumentRecords {
    /// Engagements of a page or array, each at `pointer(i)`: an object that
    /// is not one is kept aside (`ignored`) unless `all` are taken as
    /// engagements (a page's).
    fn engagements<'a>(
        items: List<RawEngagement<'a>>,
        all: bool,
        pointer: impl Fn(usize) -> String,
        location: &Location,
        source: EntryRef,
    ) -> DocumentRecords {
        let mut records = DocumentRecords {
            engagement_document: true,
            ..DocumentRecords::default()
        };
        for (i, item) in items.0 {
            let at = pointer_location(location, pointer(i));
            if all || item.is_engagement() {
                records.add_engagement(item, at, source);
                continue;
            }
            match item.into_resource() {
                Some(resource) => {
                    if let Err(what) = records.add_resource(resource, at.clone(), source) {
                        records.ignored.push((at, what));
                    }
                }
                None => records.ignored.push((
                    at,
                    "an object among engagements that is not one (it has no engagement_id, and no id beside an engagement's fields)"
                        .to_string(),
                )),
            }
        }
        records.engagement_document = all || !records.engagements.is_empty();
        records
    }

    /// The users of a list, each at `pointer(i)`; one without an email is
    /// kept aside (`ignored`).
    fn people<'a>(
        items: List<RawEngagement<'a>>,
        pointer: impl Fn(usize) -> String,
        location: &Location,
    ) -> DocumentRecords {
        let mut records = DocumentRecords::default();
        for (i, item) in items.0 {
            let at = pointer_location(location, pointer(i));
            match item.person(at.clone()) {
                Some(person) => records.people.push(person),
                None => records.ignored.push((
                    at,
                    "a user without an email, who cannot be matched to an Outdoo user".to_string(),
                )),
            }
        }
        records
    }

    fn add_engagement(&mut self, item: RawEngagement<'_>, at: Location, source: EntryRef) {
        let (engagement, conversation) = item.engagement(at, source);
        self.engagements.push(engagement);
        match conversation {
            Ok(conversation) => self.conversations.extend(conversation),
            Err(problem) => self.ignored.push(problem),
        }
    }

    /// One JSON:API resource at `at`: a user, a conversation, or neither.
    fn add_resource(
        &mut self,
        raw: RawConversation<UtteranceCount<'_>>,
        at: Location,
        source: EntryRef,
    ) -> Result<(), String> {
        let resolved = raw.resolve();
        let kind = resolved
            .kind
            .text()
            .unwrap_or_default()
            .to_ascii_lowercase();
        if matches!(kind.as_str(), "user" | "users") {
            return match resolved.attributes.person(&resolved.id, at) {
                Some(person) => {
                    self.people.push(person);
                    Ok(())
                }
                None => Err("a v1 user document without an email".to_string()),
            };
        }
        if !is_conversation_type(&kind) {
            return Err(format!("a v1 document of type \"{kind}\""));
        }
        if !resolved.has_attributes {
            // A resource of no type with an email is a user.
            if let Some(person) = resolved.attributes.person(&resolved.id, at) {
                self.people.push(person);
                return Ok(());
            }
            return Err(format!(
                "a v1 document of type \"{kind}\" without attributes"
            ));
        }
        self.conversations
            .push(resolved.attributes.record(&resolved.id, None, at, source));
        Ok(())
    }

    fn into_document(self) -> ChorusDocument {
        ChorusDocument::Records(self)
    }

    /// Adds `other`'s records after these.
    fn merge(&mut self, other: DocumentRecords) {
        self.engagement_document |= other.engagement_document;
        self.engagements.extend(other.engagements);
        self.conversations.extend(other.conversations);
        self.people.extend(other.people);
        self.ignored.extend(other.ignored);
        self.unreadable.extend(other.unreadable);
    }
}

/// Reads one JSON entry (its whole bytes, UTF-8 without a BOM) and says
/// what it is. `location` names the archive and entry; records get a JSON
/// pointer added. An error is a message for the report (the JSON could not
/// be parsed).
pub fn read_document(
    bytes: &[u8],
    location: &Location,
    source: EntryRef,
) -> Result<ChorusDocument, String> {
    let mut deserializer = serde_json::Deserializer::from_slice(bytes);
    let top = Top::deserialize(&mut deserializer).map_err(json_error)?;
    match deserializer.end() {
        Ok(()) => read_top(top, bytes, location, source),
        Err(e) if more_values_follow(&e) => Ok(read_values(bytes, location, source)),
        Err(e) => Err(json_error(e)),
    }
}

/// A file of several JSON values (JSON Lines): each value read as a
/// document of its own, at `/<its number>` (and its line as the row), and
/// their records together.
fn read_values(bytes: &[u8], location: &Location, source: EntryRef) -> ChorusDocument {
    let mut records = DocumentRecords::default();
    for (index, value) in json_values(bytes).into_iter().enumerate() {
        let mut at = pointer_location(location, format!("/{index}"));
        at.row = Some(value.line);
        let document = value.bytes.and_then(|bytes| {
            let mut deserializer = serde_json::Deserializer::from_slice(bytes);
            let top = Top::deserialize(&mut deserializer).map_err(json_error)?;
            read_top(top, bytes, &at, source)
        });
        match document {
            Ok(ChorusDocument::Records(value)) => records.merge(value),
            Ok(ChorusDocument::Other(what)) => records.ignored.push((at, what)),
            Ok(ChorusDocument::ErrorResponse(message)) => records.ignored.push((
                at,
                format!("a saved Chorus error response ({message}), not data"),
            )),
            Ok(ChorusDocument::FetchReport(_)) => records
                .ignored
                .push((at, "a fetch report among other values".to_string())),
            Err(message) => records.unreadable.push((at, message)),
        }
    }
    ChorusDocument::Records(records)
}

/// What one JSON value (`top`, read from `bytes`) is, its records at
/// pointers under `location`'s.
fn read_top(
    top: Top<'_>,
    bytes: &[u8],
    location: &Location,
    source: EntryRef,
) -> Result<ChorusDocument, String> {
    Ok(match top {
        Top::Object {
            engagements: Some(items),
            ..
        } => DocumentRecords::engagements(
            items,
            true,
            |i| format!("/engagements/{i}"),
            location,
            source,
        )
        .into_document(),
        Top::Object {
            data: Some(Data::One(raw)),
            ..
        } => {
            let mut records = DocumentRecords::default();
            match records.add_resource(*raw, pointer_location(location, "/data".into()), source) {
                Ok(()) => records.into_document(),
                Err(what) => ChorusDocument::Other(what),
            }
        }
        Top::Object {
            data: Some(Data::Many(items)),
            ..
        } if !items.0.is_empty() => {
            let mut records = DocumentRecords::default();
            for (i, raw) in items.0 {
                let at = pointer_location(location, format!("/data/{i}"));
                if let Err(what) = records.add_resource(raw, at.clone(), source) {
                    records.ignored.push((at, what));
                }
            }
            records.into_document()
        }
        Top::Object {
            users: Some(items), ..
        } if items.0.iter().any(|(_, i)| i.has_email()) => {
            DocumentRecords::people(items, |i| format!("/users/{i}"), location).into_document()
        }
        Top::Object {
            missing: Some(items),
            ..
        } => ChorusDocument::FetchReport(
            items
                .0
                .into_iter()
                .map(|(i, item)| MissingDownload {
                    engagement_id: item.engagement_id.text().unwrap_or_default(),
                    what: item.what.text().unwrap_or_else(|| "data".to_string()),
                    message: item.message.text().unwrap_or_default(),
                    location: pointer_location(location, format!("/missing/{i}")),
                })
                .collect(),
        ),
        Top::Object {
            errors: Some(errors),
            ..
        } => {
            let first = errors.first();
            let field = |name: &str| {
                first
                    .and_then(|e| e.get(name))
                    .map(|v| v.to_string().trim_matches('"').to_string())
            };
            ChorusDocument::ErrorResponse(
                [field("status"), field("title"), field("detail")]
                    .into_iter()
                    .flatten()
                    .collect::<Vec<_>>()
                    .join(" "),
            )
        }
        Top::Object {
            one_engagement: true,
            ..
        } => {
            // Read again, as the one engagement it is.
            let item: RawEngagement = serde_json::from_slice(bytes).map_err(json_error)?;
            let mut records = DocumentRecords {
                engagement_document: true,
                ..DocumentRecords::default()
            };
            records.add_engagement(item, location.clone(), source);
            records.into_document()
        }
        Top::Object {
            data: Some(Data::Many(_)),
            ..
        } => ChorusDocument::Other("an empty JSON:API collection".to_string()),
        Top::Object { keys, .. } => ChorusDocument::Other(if keys.is_empty() {
            "an empty JSON object".to_string()
        } else {
            format!("a JSON object with keys {}", keys.join(", "))
        }),
        Top::Array(items)
            if items
                .0
                .iter()
                .any(|(_, item)| item.is_engagement() || item.is_resource()) =>
        {
            DocumentRecords::engagements(items, false, |i| format!("/{i}"), location, source)
                .into_document()
        }
        Top::Array(items) if !items.0.is_empty() && items.0.iter().all(|(_, i)| i.has_email()) => {
            DocumentRecords::people(items, |i| format!("/{i}"), location).into_document()
        }
        Top::Array(items) if items.0.is_empty() => {
            ChorusDocument::Other("an empty JSON array".to_string())
        }
        Top::Array(_) => ChorusDocument::Other(
            "a JSON array of objects that are neither engagements nor users".to_string(),
        ),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(json: &str) -> ChorusDocument {
        read_document(
            json.as_bytes(),
            &Location::file("a.zip").with_entry("x.json"),
            EntryRef {
                archive: 0,
                entry: 0,
            },
        )
        .unwrap()
    }

    fn records(json: &str) -> DocumentRecords {
        match read(json) {
            ChorusDocument::Records(records) => records,
            other => panic!("{other:?}"),
        }
    }

    fn pointers<'a>(locations: impl Iterator<Item = &'a Location>) -> Vec<String> {
        locations
            .map(|l| l.pointer.clone().unwrap_or_default())
            .collect()
    }

    #[test]
    fn engagements_in_a_page_an_array_or_alone() {
        let page = records(
            r#"{"continuation_key":" ","engagements":[null,7,{"engagement_id":123,"no_show":"false","participants":null},{"id":"AB"}]}"#,
        );
        let ids: Vec<&str> = page.engagements.iter().map(|e| e.id.as_str()).collect();
        assert_eq!(ids, ["123", "AB"]);
        assert_eq!(page.engagements[0].no_show, Some(false));
        assert_eq!(
            pointers(page.engagements.iter().map(|e| &e.location)),
            ["/engagements/2", "/engagements/3"]
        );
        assert!(page.engagement_document);

        let array = records(r#"[{"id":"c1","date_time":1},{"id":"u1","email":"u@example.com"}]"#);
        assert_eq!(array.engagements.len(), 1);
        assert_eq!(pointers(array.ignored.iter().map(|(l, _)| l)), ["/1"]);

        let alone = records(
            r#"{"id":"C2","engagement_type":"meeting","_conversation":{"recording":{"utterances":[{"snippet":"hi","snippet_time":0}]}}}"#,
        );
        assert_eq!(alone.engagements[0].id, "C2");
        assert_eq!(alone.engagements[0].location.pointer, None);
        assert_eq!(alone.conversations[0].id, "C2");
        assert_eq!(alone.conversations[0].utterances, 1);
        assert_eq!(
            alone.conversations[0].location.pointer.as_deref(),
            Some("/_conversation")
        );
        // An object with an id and nothing only engagements have is not one.
        assert!(
            matches!(read(r#"{"id":"x","name":"y"}"#), ChorusDocument::Other(m) if m == "a JSON object with keys id, name")
        );
    }

    #[test]
    fn conversations_alone_or_in_a_collection() {
        let one = records(
            r#"{"data":{"attributes":{"recording":{"utterances":[{"snippet":"hi"},{"snippet":"","snippet_time":1}]}},"type":"recording","id":"ab"}}"#,
        );
        let c = &one.conversations[0];
        assert_eq!(
            (c.id.as_str(), c.utterances, c.utterances_dropped),
            ("ab", 0, 2)
        );
        assert_eq!(c.location.pointer.as_deref(), Some("/data"));

        let many = records(
            r#"{"data":[{"id":"c1","type":"recording","attributes":{"name":"A"}},{"id":"7","type":"user","attributes":{"email":"u@example.com"}},{"id":"x","type":"note","attributes":{}},{"id":"c2","attributes":{"name":null,"generated_subject":"B","recording":{"start_time":null,"schedule_start_time":"2026-01-02T03:04:05Z"}}}]}"#,
        );
        let ids: Vec<&str> = many.conversations.iter().map(|c| c.id.as_str()).collect();
        assert_eq!(ids, ["c1", "c2"]);
        assert_eq!(
            many.conversations[1].generated_subject.as_deref(),
            Some("B")
        );
        assert_eq!(
            many.conversations[1]
                .scheduled_start
                .map(|t| t.time().to_rfc3339()),
            Some("2026-01-02T03:04:05+00:00".to_string())
        );
        assert_eq!(many.people[0].user_id.as_deref(), Some("7"));
        assert_eq!(
            many.ignored
                .iter()
                .map(|(l, m)| format!("{l} {m}"))
                .collect::<Vec<_>>(),
            ["a.zip entry x.json at /data/2 a v1 document of type \"note\""]
        );
        assert!(
            matches!(read(r#"{"data":[]}"#), ChorusDocument::Other(m) if m == "an empty JSON:API collection")
        );
        // Documents and resources saved in one array.
        let array = records(
            r#"[{"data":{"id":"c3","type":"recording","attributes":{"name":"C"}}},{"id":"c4","type":"recording","attributes":{"name":"D"}},{"id":"n","type":"note","attributes":{}}]"#,
        );
        let ids: Vec<&str> = array.conversations.iter().map(|c| c.id.as_str()).collect();
        assert_eq!(ids, ["c3", "c4"]);
        assert_eq!(
            pointers(array.conversations.iter().map(|c| &c.location)),
            ["/0", "/1"]
        );
        assert_eq!(pointers(array.ignored.iter().map(|(l, _)| l)), ["/2"]);
        assert!(!array.engagement_document);
    }

    #[test]
    fn users_errors_and_fetch_reports() {
        let users =
            records(r#"[{"id":7,"email":"a@example.com","first_name":"Ann","last_name":"Lee"}]"#);
        assert_eq!(
            (
                users.people[0].name.as_deref(),
                users.people[0].user_id.as_deref()
            ),
            (Some("Ann Lee"), Some("7"))
        );
        let wrapped = records(r#"{"users":[{"email":"a@example.com"},{"name":"No Email"}]}"#);
        assert_eq!(wrapped.people.len(), 1);
        assert_eq!(
            pointers(wrapped.ignored.iter().map(|(l, _)| l)),
            ["/users/1"]
        );
        assert!(
            matches!(read(r#"{"errors":[{"status":"404","title":"Not Found"}]}"#), ChorusDocument::ErrorResponse(m) if m == "404 Not Found")
        );
        match read(
            r#"{"missing":[{"engagement_id":"ab","what":"media","message":"403 Forbidden"}]}"#,
        ) {
            ChorusDocument::FetchReport(m) => assert_eq!(
                (m[0].what.as_str(), m[0].location.pointer.as_deref()),
                ("media", Some("/missing/0"))
            ),
            other => panic!("{other:?}"),
        }
        let error = read_document(
            &b"{\"engagements\": [1,"[..],
            &Location::file("a"),
            EntryRef {
                archive: 0,
                entry: 0,
            },
        )
        .unwrap_err();
        assert!(
            error.starts_with("not readable JSON: ") && error.ends_with("at line 1 column 19"),
            "{error}"
        );
    }
}
