//! Conversation documents (`GET /api/v1/conversations/{id}`, JSON:API):
//! one conversation object in, a `ConversationRecord` out on the first pass
//! (utterances counted, not kept) and a `TranscriptRecord` on the second
//! (`read_transcript`, the utterances in full).
//!
//! The same object is read wherever it stands: a document's `data`, an
//! element of a collection's `data` array, or the `_conversation` of a
//! connector's merged engagement record, which may hold the attributes
//! themselves, a resource (`{"id", "type", "attributes"}`) or a whole
//! document (`{"data": ...}`). `RawConversation` follows `data`, then
//! `attributes`, to the attributes; both passes read one object the same
//! way, the second finding it again by its JSON pointer.

use crate::model::calls::{
    ClusterRecord, ConversationRecord, EntryRef, PersonRecord, TranscriptRecord, UtteranceRecord,
};
use crate::model::Location;
use crate::read::call_fields::{
    full_name, List, Nested, ObjectOnly, RawParticipant, RawTrackerHit,
};
use crate::read::lenient::{ActionItems, Scalar, SummaryText};
use crate::read::pointer::read_at;
use chrono::{DateTime, Utc};
use serde::de::{self, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde::Deserialize;
use std::borrow::Cow;
use std::fmt;
use std::marker::PhantomData;

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct RawPerson {
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
/// document fails or passes alike on both passes), but only `snippet`,
/// `snippet_time` and `date_time` are kept, borrowed where the JSON allows.
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
    #[serde(borrow)]
    date_time: Probe<'a>,
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
        has_text && self.start_seconds().is_some()
    }

    /// The start time: a number, or text holding one.
    fn start_seconds(&self) -> Option<f64> {
        match &self.snippet_time {
            Probe::Number(n) => Some(*n),
            Probe::Text(t) => t.trim().parse::<f64>().ok().filter(|n| n.is_finite()),
            Probe::Absent | Probe::Other => None,
        }
    }
}

/// On the first pass: utterances are parsed one at a time and counted:
/// usable ones (text and a start time), and the others. Their `index` and
/// text are kept, borrowed where the JSON allows, until the document's
/// tracker mentions are placed in them.
#[derive(Debug, Default)]
pub(crate) struct UtteranceCount<'a> {
    usable: usize,
    dropped: usize,
    /// Every utterance object in array order: its `index`, its text.
    texts: Vec<(Option<f64>, Cow<'a, str>)>,
    /// The earliest usable utterance that gives its absolute time
    /// (`date_time`): its `snippet_time` and that time, as written.
    earliest_dated: Option<(f64, Cow<'a, str>)>,
}

impl UtteranceCount<'_> {
    /// When the recording began by its utterances: the earliest dated
    /// one's `date_time` less its `snippet_time`.
    fn recording_start(&self) -> Option<DateTime<Utc>> {
        let (offset, date_time) = self.earliest_dated.as_ref()?;
        let at = Scalar::Text(date_time.to_string()).time()?;
        at.checked_sub_signed(chrono::TimeDelta::milliseconds(
            (offset * 1000.0).round() as i64
        ))
    }
}

impl<'a> UtteranceCount<'a> {
    /// Keeps `utterance`'s absolute time if it is the earliest so far.
    fn note_dated(&mut self, utterance: &UtteranceProbe<'a>) {
        let Some(offset) = utterance.start_seconds() else {
            return;
        };
        let date_time = match &utterance.date_time {
            Probe::Text(text) => text.clone(),
            Probe::Number(number) => Cow::Owned(number.to_string()),
            Probe::Absent | Probe::Other => return,
        };
        if self
            .earliest_dated
            .as_ref()
            .is_none_or(|(earliest, _)| offset < *earliest)
        {
            self.earliest_dated = Some((offset, date_time));
        }
    }
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
                                count.note_dated(&u);
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
    schedule_start_time: Scalar,
    duration: Scalar,
    recordable: Scalar,
    unrecorded_reason: Scalar,
    clusters: List<RawCluster>,
    trackers: Option<List<RawTrackerHit>>,
    utterances: U,
}

/// A conversation object wherever it stands: a document (`data`), a
/// resource (`id`, `type`, `attributes`) or the attributes themselves (a
/// recording's fields, or a user's). `U` reads the utterances: counted on
/// the first pass, in full on the second.
#[derive(Debug, Default, Deserialize)]
#[serde(default, bound(deserialize = "U: Deserialize<'de> + Default"))]
pub(crate) struct RawConversation<U> {
    data: ObjectOnly<Box<RawConversation<U>>>,
    id: Scalar,
    #[serde(rename = "type")]
    kind: Scalar,
    attributes: ObjectOnly<Box<RawConversation<U>>>,
    name: Scalar,
    /// Chorus's own title for a call whose `name` is null.
    generated_subject: Scalar,
    status: Scalar,
    language: Scalar,
    private: Scalar,
    owner: ObjectOnly<RawPerson>,
    account: ObjectOnly<RawReference>,
    deal: ObjectOnly<RawReference>,
    participants: List<RawParticipant>,
    recording: ObjectOnly<RawRecording<U>>,
    schedule_start_time: Scalar,
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

/// A conversation object followed to its attributes: the first id and
/// type on the way, the attributes.
pub(crate) struct Resolved<U> {
    pub id: Scalar,
    pub kind: Scalar,
    pub attributes: RawConversation<U>,
    /// The object had `attributes` or `data` to follow, or fields of a
    /// conversation of its own.
    pub has_attributes: bool,
}

impl<U: Default> RawConversation<U> {
    /// A resource of these parts, read elsewhere (an element of an array
    /// read as engagements).
    pub(crate) fn wrapping(
        id: Scalar,
        kind: Scalar,
        attributes: ObjectOnly<Box<RawConversation<U>>>,
        data: ObjectOnly<Box<RawConversation<U>>>,
    ) -> Self {
        RawConversation {
            id,
            kind,
            attributes,
            data,
            ..RawConversation::default()
        }
    }

    /// Follows `data`, then `attributes`, to the attributes.
    pub(crate) fn resolve(self) -> Resolved<U> {
        let mut level = self;
        let (mut id, mut kind, mut followed) = (Scalar::Missing, Scalar::Missing, false);
        loop {
            if matches!(id, Scalar::Missing) {
                id = std::mem::take(&mut level.id);
            }
            if matches!(kind, Scalar::Missing) {
                kind = std::mem::take(&mut level.kind);
            }
            let next = level.data.0.take().or_else(|| level.attributes.0.take());
            match next {
                Some(inner) => {
                    level = *inner;
                    followed = true;
                }
                None => break,
            }
        }
        let has_attributes = followed || level.holds_a_conversation();
        Resolved {
            id,
            kind,
            attributes: level,
            has_attributes,
        }
    }

    /// Fields only a conversation has.
    fn holds_a_conversation(&self) -> bool {
        self.recording.0.is_some()
            || !matches!(self.name, Scalar::Missing)
            || !matches!(self.status, Scalar::Missing)
            || self.owner.0.is_some()
            || !self.participants.0.is_empty()
    }

    /// The user these attributes describe (`/api/v1/users/...`), if they
    /// give an email; `id` is the resource's.
    pub(crate) fn person(&self, id: &Scalar, location: Location) -> Option<PersonRecord> {
        Some(PersonRecord {
            email: self.email.text()?,
            name: full_name(&self.name, &self.first_name, &self.last_name),
            role: self.role.text(),
            user_id: id.text().or_else(|| self.user_id.text()),
            location,
        })
    }
}

impl RawConversation<UtteranceCount<'_>> {
    /// The first pass's record of a resolved conversation: `id` is the
    /// one found on the way (else `fallback_id`, the engagement that holds
    /// it), `location` names the object.
    pub(crate) fn record(
        self,
        id: &Scalar,
        fallback_id: Option<&str>,
        location: Location,
        source: EntryRef,
    ) -> ConversationRecord {
        let owner = self.owner.0.unwrap_or_default();
        let account = self.account.0.unwrap_or_default();
        let deal = self.deal.0.unwrap_or_default();
        let recording = self.recording.0.unwrap_or_default();
        let utterances = &recording.utterances;
        ConversationRecord {
            id: id
                .text()
                .or_else(|| fallback_id.map(str::to_string))
                .unwrap_or_default(),
            title: self.name.text(),
            generated_subject: self.generated_subject.text(),
            status: self.status.text().map(|s| s.to_ascii_lowercase()),
            language: self.language.text(),
            private: self.private.flag(),
            owner_email: owner.email.text(),
            owner_name: owner.name.text(),
            owner_user_id: owner.user_id.text().or_else(|| owner.person_id.text()),
            account_id: account.id.text(),
            account_name: account.name.text(),
            deal_id: deal.id.text(),
            deal_name: deal.name.text(),
            participants: self
                .participants
                .items()
                .map(RawParticipant::record)
                .collect(),
            started_at: recording.start_time.time().map(Into::into),
            scheduled_start: recording
                .schedule_start_time
                .time()
                .or_else(|| self.schedule_start_time.time())
                .map(Into::into),
            utterance_start: utterances.recording_start().map(Into::into),
            duration_seconds: recording.duration.number(),
            recordable: recording.recordable.flag(),
            unrecorded_reason: recording.unrecorded_reason.text(),
            utterances: utterances.usable,
            utterances_dropped: utterances.dropped,
            trackers: recording.trackers.map(|list| {
                list.items()
                    .filter_map(|hit| hit.record(&utterances.texts))
                    .collect()
            }),
            source,
            location,
            summary: self.summary.0,
            action_items: self.action_items.0,
        }
    }
}

/// Second pass: the participants, speakers and utterances of the
/// conversation at `pointer` in a JSON entry (its whole bytes).
pub fn read_transcript(bytes: &[u8], pointer: &str) -> Result<TranscriptRecord, String> {
    let conversation: RawConversation<List<RawUtterance>> = match read_at(bytes, pointer)? {
        Nested::Object(conversation) => conversation,
        Nested::Text(text) => serde_json::from_str(&text)
            .map_err(|e| format!("the conversation's JSON text is not readable: {e}"))?,
        Nested::Absent => return Err(format!("no conversation at {pointer}")),
    };
    let attributes = conversation.resolve().attributes;
    let recording = attributes.recording.0.unwrap_or_default();
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
