//! Chorus API documents: one JSON entry's bytes in, records out.
//!
//! In: the bytes of one archive entry that starts with `{` or `[`. Out: a
//! `ChorusDocument` saying what it was (an engagement page, a bare array of
//! engagements, a v1 conversation document, a users list, or something
//! else), holding `EngagementRecord`s, a `ConversationRecord` or
//! `PersonRecord`s. Strings are borrowed from the bytes where they can be;
//! utterances are counted and dropped on the first pass (`read_document`,
//! which keeps only their text and start time, unowned) and read in full only
//! when the transcript is written (`read_transcript`).

use crate::model::calls::{
    ClusterRecord, ConversationRecord, EngagementRecord, EntryRef, MentionRecord,
    ParticipantRecord, PersonRecord, TrackerHitRecord, TranscriptRecord, UtteranceRecord,
    MAX_MENTIONS_KEPT,
};
use crate::model::Location;
use crate::read::lenient::{ActionItems, Scalar, SummaryText};
use serde::de::{self, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde::Deserialize;
use std::borrow::Cow;
use std::fmt;
use std::marker::PhantomData;

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct RawParticipant {
    name: Scalar,
    email: Scalar,
    #[serde(rename = "type")]
    kind: Scalar,
    title: Scalar,
    company_name: Scalar,
    person_id: Scalar,
    user_id: Scalar,
    is_my_team: Scalar,
}

impl RawParticipant {
    fn record(self) -> ParticipantRecord {
        ParticipantRecord {
            name: self.name.text(),
            email: self.email.text(),
            kind: self.kind.text(),
            title: self.title.text(),
            company: self.company_name.text(),
            person_id: self.person_id.text(),
            user_id: self.user_id.text(),
            is_my_team: self.is_my_team.flag(),
        }
    }
}

/// A JSON array of objects read as `T`; elements that are not objects are
/// skipped, and `null` or a scalar in place of the array reads as empty.
/// Each object is kept with its index in the array, for JSON pointers.
#[derive(Debug)]
struct List<T>(Vec<(usize, T)>);

impl<T> List<T> {
    fn items(self) -> impl Iterator<Item = T> {
        self.0.into_iter().map(|(_, item)| item)
    }
}

/// An element of a `List`: an object, or nothing.
struct ObjectOnly<T>(Option<T>);

impl<'de, T: Deserialize<'de>> Deserialize<'de> for ObjectOnly<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct ObjectVisitor<T>(PhantomData<T>);
        impl<'de, T: Deserialize<'de>> Visitor<'de> for ObjectVisitor<T> {
            type Value = ObjectOnly<T>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("an object")
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<ObjectOnly<T>, A::Error> {
                T::deserialize(de::value::MapAccessDeserializer::new(map))
                    .map(|t| ObjectOnly(Some(t)))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<ObjectOnly<T>, A::Error> {
                while seq.next_element::<IgnoredAny>()?.is_some() {}
                Ok(ObjectOnly(None))
            }
            fn visit_bool<E: de::Error>(self, _: bool) -> Result<ObjectOnly<T>, E> {
                Ok(ObjectOnly(None))
            }
            fn visit_i64<E: de::Error>(self, _: i64) -> Result<ObjectOnly<T>, E> {
                Ok(ObjectOnly(None))
            }
            fn visit_u64<E: de::Error>(self, _: u64) -> Result<ObjectOnly<T>, E> {
                Ok(ObjectOnly(None))
            }
            fn visit_f64<E: de::Error>(self, _: f64) -> Result<ObjectOnly<T>, E> {
                Ok(ObjectOnly(None))
            }
            fn visit_str<E: de::Error>(self, _: &str) -> Result<ObjectOnly<T>, E> {
                Ok(ObjectOnly(None))
            }
            fn visit_unit<E: de::Error>(self) -> Result<ObjectOnly<T>, E> {
                Ok(ObjectOnly(None))
            }
        }
        deserializer.deserialize_any(ObjectVisitor(PhantomData))
    }
}

impl<T> Default for List<T> {
    fn default() -> Self {
        List(Vec::new())
    }
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for List<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct ListVisitor<T>(PhantomData<T>);
        impl<'de, T: Deserialize<'de>> Visitor<'de> for ListVisitor<T> {
            type Value = List<T>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a list")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<List<T>, A::Error> {
                let mut items = Vec::new();
                let mut index = 0;
                while let Some(ObjectOnly(item)) = seq.next_element::<ObjectOnly<T>>()? {
                    items.extend(item.map(|item| (index, item)));
                    index += 1;
                }
                Ok(List(items))
            }
            fn visit_unit<E: de::Error>(self) -> Result<List<T>, E> {
                Ok(List(Vec::new()))
            }
            fn visit_none<E: de::Error>(self) -> Result<List<T>, E> {
                Ok(List(Vec::new()))
            }
            fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<List<T>, D::Error> {
                List::deserialize(d)
            }
            fn visit_bool<E: de::Error>(self, _: bool) -> Result<List<T>, E> {
                Ok(List(Vec::new()))
            }
            fn visit_i64<E: de::Error>(self, _: i64) -> Result<List<T>, E> {
                Ok(List(Vec::new()))
            }
            fn visit_u64<E: de::Error>(self, _: u64) -> Result<List<T>, E> {
                Ok(List(Vec::new()))
            }
            fn visit_f64<E: de::Error>(self, _: f64) -> Result<List<T>, E> {
                Ok(List(Vec::new()))
            }
            fn visit_str<E: de::Error>(self, _: &str) -> Result<List<T>, E> {
                Ok(List(Vec::new()))
            }
        }
        deserializer.deserialize_any(ListVisitor(PhantomData))
    }
}

/// An engagement, or (in a bare array) a user: the union of both shapes.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct RawListItem {
    engagement_id: Scalar,
    engagement_type: Scalar,
    date_time: Scalar,
    duration: Scalar,
    subject: Scalar,
    user_id: Scalar,
    user_email: Scalar,
    user_name: Scalar,
    participants: List<RawParticipant>,
    account_id: Scalar,
    account_name: Scalar,
    opportunity_id: Scalar,
    opportunity_name: Scalar,
    processing_state: Scalar,
    no_show: Scalar,
    language: Scalar,
    url: Scalar,
    tracker_matches: Option<List<RawTrackerHit>>,
    // Users (`/v3/users`).
    id: Scalar,
    email: Scalar,
    name: Scalar,
    first_name: Scalar,
    last_name: Scalar,
    role: Scalar,
    // Chorus's own summary and action items (seen live, not in the spec).
    meeting_summary: SummaryText,
    action_items: ActionItems,
}

fn full_name(name: &Scalar, first: &Scalar, last: &Scalar) -> Option<String> {
    name.text().or_else(|| {
        let parts: Vec<String> = [first.text(), last.text()].into_iter().flatten().collect();
        (!parts.is_empty()).then(|| parts.join(" "))
    })
}

impl RawListItem {
    fn is_engagement(&self) -> bool {
        !matches!(self.engagement_id, Scalar::Missing)
    }

    fn engagement(self, location: Location) -> EngagementRecord {
        EngagementRecord {
            id: self.engagement_id.text().unwrap_or_default(),
            kind: self.engagement_type.text().map(|k| k.to_ascii_lowercase()),
            started_at: self.date_time.time(),
            duration_seconds: self.duration.number(),
            subject: self.subject.text(),
            user_id: self.user_id.text(),
            user_email: self.user_email.text(),
            user_name: self.user_name.text(),
            participants: self
                .participants
                .items()
                .map(RawParticipant::record)
                .collect(),
            account_id: self.account_id.text(),
            account_name: self.account_name.text(),
            opportunity_id: self.opportunity_id.text(),
            opportunity_name: self.opportunity_name.text(),
            processing_state: self.processing_state.text().map(|s| s.to_ascii_lowercase()),
            no_show: self.no_show.flag(),
            language: self.language.text(),
            url: self.url.text(),
            tracker_matches: self
                .tracker_matches
                .map(|list| list.items().filter_map(|hit| hit.record(&[])).collect()),
            location,
            summary: self.meeting_summary.0,
            action_items: self.action_items.0,
        }
    }

    fn person(self, location: Location) -> Option<PersonRecord> {
        Some(PersonRecord {
            email: self.email.text().or_else(|| self.user_email.text())?,
            name: full_name(&self.name, &self.first_name, &self.last_name),
            role: self.role.text(),
            user_id: self.id.text().or_else(|| self.user_id.text()),
            location,
        })
    }
}

/// A tracker hit: an engagement's `tracker_matches[]` item (`name`,
/// `num_matches`, `type`) or a conversation's `recording.trackers[]` item
/// (`id`, `name`, `count`, `type`, `mentions[]`).
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct RawTrackerHit {
    name: Scalar,
    tracker_name: Scalar,
    count: Scalar,
    num_matches: Scalar,
    #[serde(rename = "type")]
    kind: Scalar,
    mentions: List<RawMention>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct RawMention {
    utterance: Scalar,
    utterance_index: Scalar,
    offset: Scalar,
}

/// A whole number of at least zero, from a number or numeric text.
fn whole(value: &Scalar) -> Option<u64> {
    value
        .number()
        .filter(|n| *n >= 0.0 && *n < 1e15)
        .map(|n| n as u64)
}

/// How much of an utterance's text a mention keeps: a few words.
const MENTION_TEXT_CHARS: usize = 48;

/// The text of `utterances` (index and text, in array order) at a mention:
/// the utterance whose `index` is the mention's, else the one at that
/// position; from the offset (in characters) on, cut after the last whole
/// word within `MENTION_TEXT_CHARS`. An offset past the end reads from the
/// utterance's start.
fn mention_text(utterances: &[(Option<f64>, Cow<'_, str>)], utterance: u64, offset: Option<u64>) -> Option<String> {
    let text = utterances
        .iter()
        .find(|(index, _)| *index == Some(utterance as f64))
        .or_else(|| {
            utterances
                .iter()
                .all(|(index, _)| index.is_none())
                .then(|| utterances.get(utterance as usize))
                .flatten()
        })
        .map(|(_, text)| text.trim())?;
    let offset = offset.unwrap_or(0) as usize;
    let rest: &str = match text.char_indices().nth(offset) {
        Some((at, _)) => &text[at..],
        None => text,
    };
    let rest = rest.trim_start();
    let cut = if rest.chars().count() <= MENTION_TEXT_CHARS {
        rest
    } else {
        let end = rest
            .char_indices()
            .nth(MENTION_TEXT_CHARS)
            .map_or(rest.len(), |(at, _)| at);
        match rest[..end].rfind(char::is_whitespace) {
            Some(space) if space > 0 => &rest[..space],
            _ => &rest[..end],
        }
    };
    let cut = cut.trim_end();
    (!cut.is_empty()).then(|| cut.to_string())
}

impl RawTrackerHit {
    /// The hit as the model keeps it; `utterances` resolve mention texts
    /// (empty for engagements). A hit without a name is not kept.
    fn record(self, utterances: &[(Option<f64>, Cow<'_, str>)]) -> Option<TrackerHitRecord> {
        let name = self.name.text().or_else(|| self.tracker_name.text())?;
        let all = self.mentions.0.len() as u64;
        let mentions: Vec<MentionRecord> = self
            .mentions
            .items()
            .take(MAX_MENTIONS_KEPT)
            .map(|m| {
                let utterance = whole(&m.utterance).or_else(|| whole(&m.utterance_index));
                let offset = whole(&m.offset);
                MentionRecord {
                    utterance,
                    offset,
                    text: utterance.and_then(|u| mention_text(utterances, u, offset)),
                }
            })
            .collect();
        let count = whole(&self.count)
            .or_else(|| whole(&self.num_matches))
            .unwrap_or(all);
        Some(TrackerHitRecord {
            name,
            kind: self.kind.text().map(|k| k.to_ascii_lowercase()),
            count,
            mentions,
        })
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct RawPerson {
    email: Scalar,
    name: Scalar,
    person_id: Scalar,
    user_id: Scalar,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct RawReference {
    id: Scalar,
    name: Scalar,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct RawCluster {
    id: Scalar,
    speaker_name: Scalar,
    #[serde(rename = "type")]
    kind: Scalar,
    participant: Scalar,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct RawUtterance {
    index: Scalar,
    snippet_time: Scalar,
    snippet_length: Scalar,
    snippet: Scalar,
    speaker_id: Scalar,
    participant: Scalar,
    speaker_name: Scalar,
    speaker_type: Scalar,
}

impl RawUtterance {
    fn record(self) -> UtteranceRecord {
        UtteranceRecord {
            index: self.index.number(),
            start_seconds: self.snippet_time.number(),
            length_seconds: self.snippet_length.number(),
            text: match self.snippet {
                Scalar::Text(t) if t.trim().len() == t.len() => t,
                Scalar::Text(t) => t.trim().to_string(),
                other => other.text().unwrap_or_default(),
            },
            speaker_ref: self.speaker_id.text().or_else(|| self.participant.text()),
            speaker_name: self.speaker_name.text(),
            speaker_type: self.speaker_type.text().map(|t| t.to_ascii_lowercase()),
        }
    }
}

/// A leaf value on the first pass, read without copying: only what decides
/// whether an utterance is usable (its text and start time) is looked at.
#[derive(Debug, Default)]
enum Probe<'a> {
    #[default]
    Absent,
    Number(f64),
    Text(Cow<'a, str>),
    /// `null`, a boolean, an object or an array.
    Other,
}

impl<'de: 'a, 'a> Deserialize<'de> for Probe<'a> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct ProbeVisitor<'a>(PhantomData<&'a ()>);
        impl<'de: 'a, 'a> Visitor<'de> for ProbeVisitor<'a> {
            type Value = Probe<'a>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("any JSON value")
            }
            fn visit_bool<E: de::Error>(self, _: bool) -> Result<Probe<'a>, E> {
                Ok(Probe::Other)
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Probe<'a>, E> {
                Ok(Probe::Number(v as f64))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Probe<'a>, E> {
                Ok(Probe::Number(v as f64))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Probe<'a>, E> {
                // As `Scalar`: a number JSON cannot hold reads as null.
                Ok(if v.is_finite() {
                    Probe::Number(v)
                } else {
                    Probe::Other
                })
            }
            fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Probe<'a>, E> {
                Ok(Probe::Text(Cow::Borrowed(v)))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Probe<'a>, E> {
                Ok(Probe::Text(Cow::Owned(v.to_string())))
            }
            fn visit_unit<E: de::Error>(self) -> Result<Probe<'a>, E> {
                Ok(Probe::Other)
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Probe<'a>, A::Error> {
                while seq.next_element::<IgnoredAny>()?.is_some() {}
                Ok(Probe::Other)
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Probe<'a>, A::Error> {
                while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
                Ok(Probe::Other)
            }
        }
        deserializer.deserialize_any(ProbeVisitor(PhantomData))
    }
}

/// An utterance on the first pass: the same fields as `RawUtterance` (so a
/// document fails or passes alike on both passes), but only `snippet` and
/// `snippet_time` are kept, borrowed where the JSON allows.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct UtteranceProbe<'a> {
    #[serde(borrow)]
    index: Probe<'a>,
    #[serde(borrow)]
    snippet_time: Probe<'a>,
    snippet_length: IgnoredAny,
    #[serde(borrow)]
    snippet: Probe<'a>,
    speaker_id: IgnoredAny,
    participant: IgnoredAny,
    speaker_name: IgnoredAny,
    speaker_type: IgnoredAny,
}

impl UtteranceProbe<'_> {
    /// `UtteranceRecord::is_usable` of the record `RawUtterance` would make:
    /// text (a number counts) and a start time (a number, or text holding one).
    fn is_usable(&self) -> bool {
        let has_text = match &self.snippet {
            Probe::Text(t) => !t.trim().is_empty(),
            Probe::Number(_) => true,
            Probe::Absent | Probe::Other => false,
        };
        let has_start = match &self.snippet_time {
            Probe::Number(_) => true,
            Probe::Text(t) => t.trim().parse::<f64>().is_ok_and(f64::is_finite),
            Probe::Absent | Probe::Other => false,
        };
        has_text && has_start
    }
}

/// On the first pass: utterances are parsed one at a time and counted:
/// usable ones (text and a start time), and the others. Their `index` and
/// text are kept, borrowed where the JSON allows, until the document's
/// tracker mentions are placed in them.
#[derive(Debug, Default)]
struct UtteranceCount<'a> {
    usable: usize,
    dropped: usize,
    /// Every utterance object in array order: its `index`, its text.
    texts: Vec<(Option<f64>, Cow<'a, str>)>,
}

impl<'de: 'a, 'a> Deserialize<'de> for UtteranceCount<'a> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct CountVisitor<'a>(PhantomData<&'a ()>);
        impl<'de: 'a, 'a> Visitor<'de> for CountVisitor<'a> {
            type Value = UtteranceCount<'a>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a list of utterances")
            }
            fn visit_seq<A: SeqAccess<'de>>(
                self,
                mut seq: A,
            ) -> Result<UtteranceCount<'a>, A::Error> {
                let mut count = UtteranceCount::default();
                while let Some(ObjectOnly(u)) =
                    seq.next_element::<ObjectOnly<UtteranceProbe<'de>>>()?
                {
                    match u {
                        Some(u) => {
                            if u.is_usable() {
                                count.usable += 1;
                            } else {
                                count.dropped += 1;
                            }
                            let index = match &u.index {
                                Probe::Number(n) => Some(*n),
                                Probe::Text(t) => t.trim().parse::<f64>().ok(),
                                _ => None,
                            };
                            let text = match u.snippet {
                                Probe::Text(t) => t,
                                _ => Cow::Borrowed(""),
                            };
                            count.texts.push((index, text));
                        }
                        None => count.dropped += 1,
                    }
                }
                Ok(count)
            }
            fn visit_unit<E: de::Error>(self) -> Result<UtteranceCount<'a>, E> {
                Ok(UtteranceCount::default())
            }
        }
        deserializer.deserialize_any(CountVisitor(PhantomData))
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, bound(deserialize = "U: Deserialize<'de> + Default"))]
struct RawRecording<U> {
    start_time: Scalar,
    duration: Scalar,
    recordable: Scalar,
    unrecorded_reason: Scalar,
    clusters: List<RawCluster>,
    trackers: Option<List<RawTrackerHit>>,
    utterances: U,
}

/// `data.attributes` of a v1 document: a recording's fields, and a user's.
#[derive(Debug, Default, Deserialize)]
#[serde(default, bound(deserialize = "U: Deserialize<'de> + Default"))]
struct RawAttributes<U> {
    name: Scalar,
    status: Scalar,
    language: Scalar,
    private: Scalar,
    owner: Option<RawPerson>,
    account: Option<RawReference>,
    deal: Option<RawReference>,
    participants: List<RawParticipant>,
    recording: Option<RawRecording<U>>,
    // Users (`/api/v1/users/...`).
    email: Scalar,
    first_name: Scalar,
    last_name: Scalar,
    role: Scalar,
    user_id: Scalar,
    // Chorus's own summary and action items of a recording.
    summary: SummaryText,
    action_items: ActionItems,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, bound(deserialize = "U: Deserialize<'de> + Default"))]
struct RawData<U> {
    id: Scalar,
    #[serde(rename = "type")]
    kind: Scalar,
    attributes: Option<RawAttributes<U>>,
}

/// What one JSON entry turned out to be.
#[derive(Debug)]
pub enum ChorusDocument {
    /// `{"engagements": [...]}` (a `/v3/engagements` page).
    EngagementPage(Vec<EngagementRecord>),
    /// `[{"engagement_id": ...}, ...]`.
    EngagementArray(Vec<EngagementRecord>),
    /// `{"data": {"type": "recording", ...}}`.
    Conversation(Box<ConversationRecord>),
    /// A `/v3/users` array or a v1 user document.
    Users(Vec<PersonRecord>),
    /// A saved Chorus error response (`{"errors": [...]}`).
    ErrorResponse(String),
    /// `fetch-report.json` from `chorus2outdoo fetch`: what could not be downloaded.
    FetchReport(Vec<MissingDownload>),
    /// Valid JSON of another shape: what it looked like.
    Other(String),
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

enum Top<'a> {
    Object {
        engagements: Option<List<RawListItem>>,
        data: Option<Box<RawData<UtteranceCount<'a>>>>,
        errors: Option<Vec<serde_json::Value>>,
        /// `{"users": [...]}`.
        users: Option<List<RawListItem>>,
        /// `fetch-report.json`.
        missing: Option<List<RawMissing>>,
        keys: Vec<String>,
    },
    Array(List<RawListItem>),
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
                List::<RawListItem>::deserialize(de::value::SeqAccessDeserializer::new(seq))
                    .map(Top::Array)
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Top<'a>, A::Error> {
                let (mut engagements, mut data, mut errors, mut keys) =
                    (None, None, None, Vec::new());
                let (mut users, mut missing) = (None, None);
                while let Some(key) = map.next_key::<String>()? {
                    match key.as_str() {
                        "engagements" => engagements = Some(map.next_value::<List<RawListItem>>()?),
                        "data" => {
                            data = map.next_value::<Option<Box<RawData<UtteranceCount<'a>>>>>()?
                        }
                        "errors" => errors = map.next_value::<Option<Vec<serde_json::Value>>>()?,
                        "users" => users = Some(map.next_value::<List<RawListItem>>()?),
                        "missing" => missing = Some(map.next_value::<List<RawMissing>>()?),
                        _ => {
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
                })
            }
        }
        deserializer.deserialize_any(TopVisitor(PhantomData))
    }
}

fn pointer_location(location: &Location, pointer: String) -> Location {
    location.clone().with_pointer(pointer)
}

fn json_error(e: serde_json::Error) -> String {
    format!("not readable JSON: {e}")
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
    deserializer.end().map_err(json_error)?;
    Ok(match top {
        Top::Object {
            engagements: Some(items),
            ..
        } => ChorusDocument::EngagementPage(
            items
                .0
                .into_iter()
                .map(|(i, item)| {
                    item.engagement(pointer_location(location, format!("/engagements/{i}")))
                })
                .collect(),
        ),
        Top::Object {
            data: Some(data), ..
        } => {
            let kind = data.kind.text().unwrap_or_default().to_ascii_lowercase();
            match kind.as_str() {
                "user" | "users" => {
                    let attributes = data.attributes.unwrap_or_default();
                    match attributes.email.text() {
                        Some(email) => ChorusDocument::Users(vec![PersonRecord {
                            email,
                            name: full_name(
                                &attributes.name,
                                &attributes.first_name,
                                &attributes.last_name,
                            ),
                            role: attributes.role.text(),
                            user_id: data.id.text().or_else(|| attributes.user_id.text()),
                            location: pointer_location(location, "/data".to_string()),
                        }]),
                        None => {
                            ChorusDocument::Other("a v1 user document without an email".to_string())
                        }
                    }
                }
                "" | "recording" | "conversation" | "conversations" | "engagement" => {
                    conversation(*data, location, source)
                        .map(|c| ChorusDocument::Conversation(Box::new(c)))
                        .unwrap_or_else(|| {
                            ChorusDocument::Other(format!(
                                "a v1 document of type \"{kind}\" without attributes"
                            ))
                        })
                }
                _ => ChorusDocument::Other(format!("a v1 document of type \"{kind}\"")),
            }
        }
        Top::Object {
            users: Some(items), ..
        } if items.0.iter().any(|(_, i)| i.email.text().is_some()) => ChorusDocument::Users(
            items
                .0
                .into_iter()
                .filter_map(|(i, item)| {
                    item.person(pointer_location(location, format!("/users/{i}")))
                })
                .collect(),
        ),
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
        Top::Object { keys, .. } => ChorusDocument::Other(if keys.is_empty() {
            "an empty JSON object".to_string()
        } else {
            format!("a JSON object with keys {}", keys.join(", "))
        }),
        Top::Array(items) if items.0.iter().any(|(_, item)| item.is_engagement()) => {
            ChorusDocument::EngagementArray(
                items
                    .0
                    .into_iter()
                    .filter(|(_, item)| item.is_engagement())
                    .map(|(i, item)| item.engagement(pointer_location(location, format!("/{i}"))))
                    .collect(),
            )
        }
        Top::Array(items)
            if !items.0.is_empty() && items.0.iter().all(|(_, i)| i.email.text().is_some()) =>
        {
            ChorusDocument::Users(
                items
                    .0
                    .into_iter()
                    .filter_map(|(i, item)| {
                        item.person(pointer_location(location, format!("/{i}")))
                    })
                    .collect(),
            )
        }
        Top::Array(items) if items.0.is_empty() => {
            ChorusDocument::Other("an empty JSON array".to_string())
        }
        Top::Array(_) => ChorusDocument::Other(
            "a JSON array of objects that are neither engagements nor users".to_string(),
        ),
    })
}

fn conversation(
    data: RawData<UtteranceCount<'_>>,
    location: &Location,
    source: EntryRef,
) -> Option<ConversationRecord> {
    let attributes = data.attributes?;
    let owner = attributes.owner.unwrap_or_default();
    let account = attributes.account.unwrap_or_default();
    let deal = attributes.deal.unwrap_or_default();
    let recording = attributes.recording.unwrap_or_default();
    Some(ConversationRecord {
        id: data.id.text().unwrap_or_default(),
        title: attributes.name.text(),
        status: attributes.status.text().map(|s| s.to_ascii_lowercase()),
        language: attributes.language.text(),
        private: attributes.private.flag(),
        owner_email: owner.email.text(),
        owner_name: owner.name.text(),
        owner_user_id: owner.user_id.text().or_else(|| owner.person_id.text()),
        account_id: account.id.text(),
        account_name: account.name.text(),
        deal_id: deal.id.text(),
        deal_name: deal.name.text(),
        participants: attributes
            .participants
            .items()
            .map(RawParticipant::record)
            .collect(),
        started_at: recording.start_time.time(),
        duration_seconds: recording.duration.number(),
        recordable: recording.recordable.flag(),
        unrecorded_reason: recording.unrecorded_reason.text(),
        utterances: recording.utterances.usable,
        utterances_dropped: recording.utterances.dropped,
        trackers: recording.trackers.map(|list| {
            list.items()
                .filter_map(|hit| hit.record(&recording.utterances.texts))
                .collect()
        }),
        source,
        location: pointer_location(location, "/data".to_string()),
        summary: attributes.summary.0,
        action_items: attributes.action_items.0,
    })
}

#[derive(Deserialize)]
struct TranscriptDocument {
    data: RawData<List<RawUtterance>>,
}

/// Second pass: the participants, speakers and utterances of one
/// conversation document (its whole bytes).
pub fn read_transcript(bytes: &[u8]) -> Result<TranscriptRecord, String> {
    let mut deserializer = serde_json::Deserializer::from_slice(bytes);
    let document = TranscriptDocument::deserialize(&mut deserializer).map_err(json_error)?;
    deserializer.end().map_err(json_error)?;
    let attributes = document.data.attributes.unwrap_or_default();
    let recording = attributes.recording.unwrap_or_default();
    Ok(TranscriptRecord {
        participants: attributes
            .participants
            .items()
            .map(RawParticipant::record)
            .collect(),
        clusters: recording
            .clusters
            .items()
            .map(|c| ClusterRecord {
                id: c.id.text(),
                speaker_name: c.speaker_name.text(),
                kind: c.kind.text().map(|k| k.to_ascii_lowercase()),
                participant: c.participant.text(),
            })
            .collect(),
        utterances: recording
            .utterances
            .items()
            .map(RawUtterance::record)
            .collect(),
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

    #[test]
    fn each_shape_is_recognised() {
        match read(
            r#"{"continuation_key":" ","engagements":[null,7,{"engagement_id":123,"no_show":"false","participants":null}]}"#,
        ) {
            ChorusDocument::EngagementPage(e) => {
                assert_eq!(e[0].id, "123");
                assert_eq!(e[0].no_show, Some(false));
                assert_eq!(e.len(), 1);
                assert_eq!(e[0].location.pointer.as_deref(), Some("/engagements/2"));
            }
            other => panic!("{other:?}"),
        }
        match read(
            r#"{"data":{"attributes":{"recording":{"utterances":[{"snippet":"hi"},{"snippet":"","snippet_time":1}]}},"type":"recording","id":"ab"}}"#,
        ) {
            ChorusDocument::Conversation(c) => {
                assert_eq!(
                    (c.id.as_str(), c.utterances, c.utterances_dropped),
                    ("ab", 0, 2)
                )
            }
            other => panic!("{other:?}"),
        }
        match read(r#"[{"id":7,"email":"a@example.com","first_name":"Ann","last_name":"Lee"}]"#) {
            ChorusDocument::Users(u) => {
                assert_eq!(
                    (u[0].name.as_deref(), u[0].user_id.as_deref()),
                    (Some("Ann Lee"), Some("7"))
                )
            }
            other => panic!("{other:?}"),
        }
        assert!(
            matches!(read(r#"{"errors":[{"status":"404","title":"Not Found"}]}"#), ChorusDocument::ErrorResponse(m) if m == "404 Not Found")
        );
        assert!(matches!(read(r#"{"name":"x"}"#), ChorusDocument::Other(_)));
        assert!(
            matches!(read(r#"{"users":[{"email":"a@example.com"}]}"#), ChorusDocument::Users(u) if u.len() == 1)
        );
        match read(
            r#"{"missing":[{"engagement_id":"ab","what":"media","message":"403 Forbidden"}]}"#,
        ) {
            ChorusDocument::FetchReport(m) => {
                assert_eq!(
                    (m[0].what.as_str(), m[0].location.pointer.as_deref()),
                    ("media", Some("/missing/0"))
                )
            }
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
