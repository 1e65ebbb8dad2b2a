//! Engagements (`GET /v3/engagements` items) and the users that share their
//! arrays: one JSON object in, an `EngagementRecord` (or a `PersonRecord`)
//! out.
//!
//! An engagement's id is `engagement_id`, or `id` where a tool renamed it.
//! A connector's merged record is an engagement too: the v1 conversation
//! under `_conversation` becomes a `ConversationRecord` of the same call,
//! and a flattened `transcript` text is counted here (its lines) and read
//! in full on the second pass (`read_transcript_text`).

use crate::model::calls::{
    ConversationRecord, EngagementRecord, EntryRef, PersonRecord, TranscriptRecord, UtteranceRecord,
};
use crate::model::Location;
use crate::read::call_fields::{
    full_name, List, Nested, ObjectOnly, RawParticipant, RawTrackerHit,
};
use crate::read::conversation::{RawConversation, UtteranceCount};
use crate::read::lenient::{ActionItems, Scalar, SummaryText};
use crate::read::pointer::read_at;
use crate::read::transcript_text::text_lines;
use serde::de::Deserializer;
use serde::Deserialize;

/// An engagement, or (in a bare array) a user: the union of both shapes.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct RawEngagement<'a> {
    engagement_id: Scalar,
    engagement_type: Scalar,
    date_time: Scalar,
    duration: Scalar,
    subject: Scalar,
    user_id: Scalar,
    user_email: Scalar,
    user_name: Scalar,
    participants: Option<List<RawParticipant>>,
    account_id: Scalar,
    account_name: Scalar,
    opportunity_id: Scalar,
    opportunity_name: Scalar,
    processing_state: Scalar,
    no_show: Scalar,
    language: Scalar,
    url: Scalar,
    tracker_matches: Option<List<RawTrackerHit>>,
    // Users (`/v3/users`), and engagements whose id is `id`.
    id: Scalar,
    email: Scalar,
    name: Scalar,
    first_name: Scalar,
    last_name: Scalar,
    role: Scalar,
    // Chorus's own summary and action items (seen live, not in the spec).
    meeting_summary: SummaryText,
    action_items: ActionItems,
    // A connector's merged record: the v1 conversation, a flattened transcript.
    #[serde(borrow, rename = "_conversation")]
    conversation: Nested<Box<RawConversation<UtteranceCount<'a>>>>,
    transcript: TranscriptText,
    // A conversation resource or document saved in an array of them.
    #[serde(rename = "type")]
    kind: Scalar,
    #[serde(borrow)]
    attributes: ObjectOnly<Box<RawConversation<UtteranceCount<'a>>>>,
    #[serde(borrow)]
    data: ObjectOnly<Box<RawConversation<UtteranceCount<'a>>>>,
}

/// The keys only an engagement has (beside its id), by which an object
/// whose id is `id` is told from a user.
pub(crate) const ENGAGEMENT_KEYS: &[&str] = &[
    "engagement_id",
    "engagement_type",
    "date_time",
    "duration",
    "subject",
    "processing_state",
    "no_show",
    "participants",
    "url",
    "_conversation",
    "transcript",
];

/// A JSON pointer one key below `location`'s.
pub(crate) fn child(location: &Location, key: &str) -> Location {
    let pointer = format!("{}/{key}", location.pointer.as_deref().unwrap_or(""));
    location.clone().with_pointer(pointer)
}

impl RawEngagement<'_> {
    /// An engagement by its fields: `engagement_id`, or `id` beside a field
    /// only engagements have.
    pub(crate) fn is_engagement(&self) -> bool {
        let given = |value: &Scalar| !matches!(value, Scalar::Missing);
        given(&self.engagement_id)
            || given(&self.id)
                && ([
                    &self.engagement_type,
                    &self.date_time,
                    &self.duration,
                    &self.subject,
                    &self.processing_state,
                    &self.no_show,
                    &self.url,
                ]
                .into_iter()
                .any(given)
                    || self.participants.is_some()
                    || !matches!(self.conversation, Nested::Absent)
                    || self.transcript.given)
    }

    /// The engagement, and the conversation a merged record holds (or why
    /// the JSON text it holds for one could not be read).
    pub(crate) fn engagement(
        self,
        location: Location,
        source: EntryRef,
    ) -> (
        EngagementRecord,
        Result<Option<ConversationRecord>, (Location, String)>,
    ) {
        let id = self
            .engagement_id
            .text()
            .or_else(|| self.id.text())
            .unwrap_or_default();
        let at = child(&location, "_conversation");
        let record = |raw: RawConversation<UtteranceCount<'_>>, at: Location| {
            let resolved = raw.resolve();
            resolved
                .attributes
                .record(&resolved.id, Some(&id), at, source)
        };
        let conversation = match self.conversation {
            Nested::Object(raw) => Ok(Some(record(*raw, at))),
            Nested::Text(text) => match serde_json::from_str(&text) {
                Ok(raw) => Ok(Some(record(raw, at))),
                Err(e) => Err((
                    at,
                    format!("`_conversation` holds text that is not a JSON object ({e})"),
                )),
            },
            Nested::Absent => Ok(None),
        };
        let engagement = EngagementRecord {
            id,
            kind: self.engagement_type.text().map(|k| k.to_ascii_lowercase()),
            started_at: self.date_time.time().map(Into::into),
            duration_seconds: self.duration.number(),
            subject: self.subject.text(),
            user_id: self.user_id.text(),
            user_email: self.user_email.text(),
            user_name: self.user_name.text(),
            participants: self
                .participants
                .unwrap_or_default()
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
            text_transcript_lines: self.transcript.lines,
            text_transcript_timed: self.transcript.timed,
            source,
            location,
            summary: self.meeting_summary.0,
            action_items: self.action_items.0,
        };
        (engagement, conversation)
    }

    pub(crate) fn person(self, location: Location) -> Option<PersonRecord> {
        Some(PersonRecord {
            email: self.email.text().or_else(|| self.user_email.text())?,
            name: full_name(&self.name, &self.first_name, &self.last_name),
            role: self.role.text(),
            user_id: self.id.text().or_else(|| self.user_id.text()),
            location,
        })
    }

    /// A JSON:API resource or document: it has `attributes` or `data`.
    pub(crate) fn is_resource(&self) -> bool {
        self.attributes.0.is_some() || self.data.0.is_some()
    }

    /// Has an email: a user, in a list of users.
    pub(crate) fn has_email(&self) -> bool {
        self.email.text().is_some()
    }
}

impl<'a> RawEngagement<'a> {
    /// A JSON:API resource or document saved among others (it has
    /// `attributes` or `data`): the conversation (or user) it holds, to be
    /// read as one; `None` for anything else.
    pub(crate) fn into_resource(self) -> Option<RawConversation<UtteranceCount<'a>>> {
        self.is_resource()
            .then(|| RawConversation::wrapping(self.id, self.kind, self.attributes, self.data))
    }
}

/// A flattened `transcript` on the first pass: whether it is there, how
/// many utterances its text holds and whether each gives its time (the
/// text itself is not kept).
#[derive(Debug, Default)]
struct TranscriptText {
    given: bool,
    lines: usize,
    timed: bool,
}

impl<'de> Deserialize<'de> for TranscriptText {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let value = Scalar::deserialize(deserializer)?;
        let lines = match &value {
            Scalar::Text(text) => text_lines(text),
            _ => Vec::new(),
        };
        Ok(TranscriptText {
            given: !matches!(value, Scalar::Missing | Scalar::Null),
            lines: lines.len(),
            timed: !lines.is_empty() && lines.iter().all(|line| line.seconds.is_some()),
        })
    }
}

/// What the second pass reads of an engagement with a flattened transcript.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct RawTranscriptText {
    participants: List<RawParticipant>,
    transcript: Scalar,
}

/// Second pass: the flattened transcript of the engagement at `pointer`
/// in a JSON entry (its whole bytes), with its participants: an utterance
/// a line, its speaker by name, its time where the line gives one.
pub fn read_transcript_text(bytes: &[u8], pointer: &str) -> Result<TranscriptRecord, String> {
    let engagement: RawTranscriptText = read_at(bytes, pointer)?;
    let lines = match engagement.transcript {
        Scalar::Text(text) => text_lines(&text),
        _ => Vec::new(),
    };
    Ok(TranscriptRecord {
        participants: engagement
            .participants
            .items()
            .map(RawParticipant::record)
            .collect(),
        clusters: Vec::new(),
        utterances: lines
            .into_iter()
            .enumerate()
            .map(|(index, line)| UtteranceRecord {
                index: Some(index as f64),
                start_seconds: line.seconds,
                length_seconds: None,
                text: line.text,
                speaker_ref: None,
                speaker_name: line.speaker,
                speaker_type: None,
            })
            .collect(),
    })
}
