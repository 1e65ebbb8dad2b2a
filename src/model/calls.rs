//! The call side of the neutral model.
//!
//! In: nothing (plain data types). Out: what the archive readers found, still
//! in Chorus terms (`EngagementRecord`, `ConversationRecord`,
//! `TranscriptRecord`, `MediaRecord`, `PersonRecord`), and the Outdoo side the
//! writers consume (`Call`, `Participant`, `Transcript`, `User`), plus
//! `SkippedCall` for every call left out with its `SkipReason`, and
//! `TrackerHitRecord` for what Chorus's own trackers found on a call.

use crate::model::{Location, Timestamp};
use bitcode::{Decode, Encode};
use serde::{Deserialize, Serialize};

/// Where an entry lives: the archive (its position among the archives given)
/// and the entry inside it. Pass 2 re-opens transcripts and media from here.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Encode, Decode)]
pub struct EntryRef {
    pub archive: usize,
    pub entry: usize,
}

/// How a call's transcript is written in its entry.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Default,
    Serialize,
    Deserialize,
    Encode,
    Decode,
)]
#[serde(rename_all = "snake_case")]
pub enum TranscriptForm {
    /// A conversation object's `recording.utterances`.
    #[default]
    Utterances,
    /// An engagement's flattened `transcript` text ("Name: words" lines).
    Text,
}

/// Where a call's transcript is read from on the second pass: the entry,
/// the JSON pointer of the object holding it (a conversation, or for
/// `Text` the engagement), and its form.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Encode, Decode)]
pub struct TranscriptSource {
    pub entry: EntryRef,
    pub pointer: String,
    pub form: TranscriptForm,
}

/// A person on a call as Chorus lists them (engagement or conversation).
#[derive(Debug, Clone, PartialEq, Default, Encode, Decode)]
pub struct ParticipantRecord {
    pub name: Option<String>,
    pub email: Option<String>,
    /// Chorus participant type as written (`rep`, `prospect`, `customer`, ...).
    pub kind: Option<String>,
    pub title: Option<String>,
    pub company: Option<String>,
    pub person_id: Option<String>,
    pub user_id: Option<String>,
    pub is_my_team: Option<bool>,
}

/// One engagement from a `/v3/engagements` page (or a bare array of them).
#[derive(Debug, Clone, PartialEq, Default, Encode, Decode)]
pub struct EngagementRecord {
    /// The id as written (numbers become their decimal text).
    pub id: String,
    pub kind: Option<String>,
    pub started_at: Option<Timestamp>,
    pub duration_seconds: Option<f64>,
    pub subject: Option<String>,
    pub user_id: Option<String>,
    pub user_email: Option<String>,
    pub user_name: Option<String>,
    pub participants: Vec<ParticipantRecord>,
    pub account_id: Option<String>,
    pub account_name: Option<String>,
    pub opportunity_id: Option<String>,
    pub opportunity_name: Option<String>,
    pub processing_state: Option<String>,
    pub no_show: Option<bool>,
    pub language: Option<String>,
    pub url: Option<String>,
    /// `tracker_matches[]` (fetched `with_trackers=true`): Chorus's own
    /// tracker hits, without mentions; `None` when the field is missing.
    pub tracker_matches: Option<Vec<TrackerHitRecord>>,
    /// Utterances in a connector's flattened `transcript` text (0: none),
    /// and whether every one of them gives its time.
    pub text_transcript_lines: usize,
    pub text_transcript_timed: bool,
    /// The entry it was read from (a flattened transcript is read again there).
    pub source: EntryRef,
    pub location: Location,
    /// Chorus's AI summary (`meeting_summary`), as text.
    pub summary: Option<String>,
    /// Chorus's action items (`action_items`), one text each.
    pub action_items: Vec<String>,
}

/// What one Chorus tracker found on one call, as Chorus counted it
/// (`recording.trackers[]` of a conversation document, or an engagement's
/// `tracker_matches[]`).
#[derive(Debug, Clone, PartialEq, Eq, Default, Encode, Decode)]
pub struct TrackerHitRecord {
    /// The tracker's name as Chorus wrote it.
    pub name: String,
    /// Chorus's tracker type (`chorus` for its default trackers, ...).
    pub kind: Option<String>,
    /// How often it matched: `count` or `num_matches`, else the mentions.
    pub count: u64,
    /// Where (conversation documents only), at most `MAX_MENTIONS_KEPT`.
    pub mentions: Vec<MentionRecord>,
}

/// How many mentions of one tracker on one call are kept (the count
/// covers them all): enough to name the words Chorus matched.
pub const MAX_MENTIONS_KEPT: usize = 8;

/// One place Chorus found a tracker: the utterance (its `index`, else its
/// position) and the character offset in its text; `text` is the
/// utterance's text from that offset on (a few words), when it was found.
#[derive(Debug, Clone, PartialEq, Eq, Default, Encode, Decode)]
pub struct MentionRecord {
    pub utterance: Option<u64>,
    pub offset: Option<u64>,
    pub text: Option<String>,
}

/// A `/api/v1/conversations/{id}` document, without its utterances (they are
/// counted on the first pass and read again when the package is written).
#[derive(Debug, Clone, PartialEq, Default, Encode, Decode)]
pub struct ConversationRecord {
    pub id: String,
    pub title: Option<String>,
    /// Chorus's own title (`generated_subject`), for a call without a name.
    pub generated_subject: Option<String>,
    pub status: Option<String>,
    pub language: Option<String>,
    pub private: Option<bool>,
    pub owner_email: Option<String>,
    pub owner_name: Option<String>,
    pub owner_user_id: Option<String>,
    pub account_id: Option<String>,
    pub account_name: Option<String>,
    pub deal_id: Option<String>,
    pub deal_name: Option<String>,
    pub participants: Vec<ParticipantRecord>,
    pub started_at: Option<Timestamp>,
    /// When the call was scheduled to start (`schedule_start_time`).
    pub scheduled_start: Option<Timestamp>,
    /// When the recording began by its utterances' absolute times
    /// (`date_time` less `snippet_time`).
    pub utterance_start: Option<Timestamp>,
    pub duration_seconds: Option<f64>,
    pub recordable: Option<bool>,
    pub unrecorded_reason: Option<String>,
    /// Utterances with text and a start time.
    pub utterances: usize,
    /// Utterances without text or start time (left out of the transcript).
    pub utterances_dropped: usize,
    /// `recording.trackers[]`: Chorus's own tracker hits with their
    /// mentions; `None` when the document has no such field.
    pub trackers: Option<Vec<TrackerHitRecord>>,
    pub source: EntryRef,
    pub location: Location,
    /// Chorus's summary (`summary`), as text.
    pub summary: Option<String>,
    /// Chorus's action items (`action_items`), one text each.
    pub action_items: Vec<String>,
}

/// A diarized speaker (`recording.clusters[]`).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ClusterRecord {
    pub id: Option<String>,
    pub speaker_name: Option<String>,
    pub kind: Option<String>,
    pub participant: Option<String>,
}

/// One utterance as Chorus wrote it.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct UtteranceRecord {
    pub index: Option<f64>,
    pub start_seconds: Option<f64>,
    pub length_seconds: Option<f64>,
    pub text: String,
    /// `speaker_id`, else `participant`.
    pub speaker_ref: Option<String>,
    pub speaker_name: Option<String>,
    pub speaker_type: Option<String>,
}

impl UtteranceRecord {
    /// Has text and a start time, so it can be placed in the transcript.
    pub fn is_usable(&self) -> bool {
        !self.text.is_empty() && self.start_seconds.is_some()
    }
}

/// Everything needed to build one transcript (second pass, one at a time).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct TranscriptRecord {
    pub participants: Vec<ParticipantRecord>,
    pub clusters: Vec<ClusterRecord>,
    pub utterances: Vec<UtteranceRecord>,
}

/// A recording file in the archive, named by its engagement id.
#[derive(Debug, Clone, PartialEq, Eq, Encode, Decode)]
pub struct MediaRecord {
    pub id: String,
    /// From the file's magic bytes.
    pub format: MediaFormat,
    pub bytes: u64,
    pub source: EntryRef,
    pub location: Location,
}

/// A recording's file type, told from its first bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Encode, Decode)]
pub enum MediaFormat {
    Mp4,
    M4a,
    Mp3,
    Wav,
    Webm,
}

impl MediaFormat {
    /// The extension its file gets in the package.
    pub fn extension(self) -> &'static str {
        match self {
            MediaFormat::Mp4 => "mp4",
            MediaFormat::M4a => "m4a",
            MediaFormat::Mp3 => "mp3",
            MediaFormat::Wav => "wav",
            MediaFormat::Webm => "webm",
        }
    }

    pub fn is_video(self) -> bool {
        matches!(self, MediaFormat::Mp4 | MediaFormat::Webm)
    }
}

/// A person from a users list: Chorus's (v3 array, v1 user document, users
/// CSV) or the customer's Outdoo roster.
#[derive(Debug, Clone, PartialEq, Eq, Default, Encode, Decode)]
pub struct PersonRecord {
    pub email: String,
    pub name: Option<String>,
    pub role: Option<String>,
    pub user_id: Option<String>,
    pub location: Location,
}

/// A meeting (video or phone meeting) or a dialer call.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, Encode, Decode,
)]
#[serde(rename_all = "snake_case")]
pub enum CallKind {
    Meeting,
    Call,
}

/// Which side of the conversation a person is on.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, Encode, Decode,
)]
#[serde(rename_all = "snake_case")]
pub enum Side {
    /// The customer's own company (Chorus `rep`, `is_my_team`).
    Internal,
    /// Prospects, customers, anyone outside.
    External,
    Unknown,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Encode, Decode)]
pub struct Participant {
    pub name: Option<String>,
    pub email: Option<String>,
    pub title: Option<String>,
    pub company: Option<String>,
    pub side: Side,
}

/// An account or an opportunity: the Chorus id and its name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Encode, Decode)]
pub struct Reference {
    pub id: Option<String>,
    pub name: Option<String>,
}

/// One imported call: a line of `calls.jsonl`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Encode, Decode)]
pub struct Call {
    /// The Chorus engagement id: 32 lower-case hex digits.
    pub source_id: String,
    pub title: Option<String>,
    /// RFC 3339, UTC, whole seconds.
    pub started_at: String,
    pub duration_seconds: u64,
    pub kind: CallKind,
    pub host_email: Option<String>,
    pub participants: Vec<Participant>,
    pub account: Option<Reference>,
    pub opportunity: Option<Reference>,
    pub language: Option<String>,
    pub chorus_url: Option<String>,
    /// Path of the transcript in the package, or null.
    pub transcript: Option<String>,
    /// Path of the recording in the package, or null.
    pub media: Option<String>,
    /// The summary Chorus made of the call (the conversation document's,
    /// else the engagement's), or null.
    pub chorus_summary: Option<String>,
    /// The action items Chorus found in the call (the conversation
    /// document's, else the engagement's); empty when none.
    pub chorus_action_items: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Speaker {
    /// 1, 2, ... in order of first utterance.
    pub id: u32,
    pub name: Option<String>,
    pub email: Option<String>,
    pub side: Side,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Utterance {
    pub speaker: u32,
    pub start_ms: u64,
    pub end_ms: u64,
    pub text: String,
}

/// `transcripts/<source_id>.json`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Transcript {
    pub source_id: String,
    pub speakers: Vec<Speaker>,
    pub utterances: Vec<Utterance>,
    /// Absent when every time is Chorus's; `estimated` when the source
    /// gave no times (a flattened transcript text) and they were estimated.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timing: Option<Timing>,
}

/// How the times of a transcript's utterances were found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Timing {
    /// Not in the source: spread over the call in proportion to the words.
    Estimated,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum UserAction {
    /// Already in Outdoo (found in the roster by email).
    Existing,
    /// To be created in Outdoo with the Analyst role.
    Create,
}

/// A person who becomes (or already is) an Outdoo user: a host or an
/// internal participant of an imported call.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct User {
    /// Lower-case.
    pub email: String,
    pub name: Option<String>,
    pub action: UserAction,
    /// `Analyst` for users to create; the roster's role (if any) for existing ones.
    pub role: Option<String>,
    pub chorus_user_id: Option<String>,
}

/// Why a call is not in `calls.jsonl`. Serialised as snake_case; part of the
/// package contract.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, Encode, Decode,
)]
#[serde(rename_all = "snake_case")]
pub enum SkipReason {
    /// Not done processing, zero duration, an unrecorded meeting, not
    /// recordable, or not a call at all (email, content viewed).
    NotRecorded,
    /// A no-show: the host never joined.
    #[serde(rename = "host_did_not_join")]
    NoShow,
    /// Marked private in Chorus.
    Private,
    /// Started outside the chosen period.
    OutOfPeriod,
    /// Shorter than the chosen minimum duration.
    TooShort,
    /// A dialer call when only meetings were chosen.
    ExcludedKind,
    /// The id or the start time could not be read.
    Unreadable,
    /// In an earlier import package (a cutover run after the bulk run).
    AlreadyMigrated,
}

impl SkipReason {
    pub fn as_str(self) -> &'static str {
        match self {
            SkipReason::NotRecorded => "not_recorded",
            SkipReason::NoShow => "host_did_not_join",
            SkipReason::Private => "private",
            SkipReason::OutOfPeriod => "out_of_period",
            SkipReason::TooShort => "too_short",
            SkipReason::ExcludedKind => "excluded_kind",
            SkipReason::Unreadable => "unreadable",
            SkipReason::AlreadyMigrated => "already_migrated",
        }
    }
}

/// A call left out of the package, under `skipped` in `report.json`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Encode, Decode)]
pub struct SkippedCall {
    pub source_id: String,
    pub reason: SkipReason,
    pub message: String,
    pub location: Location,
}

/// A person of an imported call who may become a user: the host or an
/// internal participant.
#[derive(Debug, Clone, PartialEq, Eq, Default, Encode, Decode)]
pub struct InternalPerson {
    pub email: Option<String>,
    pub name: Option<String>,
    pub chorus_user_id: Option<String>,
}

/// A call to import, with where its transcript and recording are.
#[derive(Debug, Clone, PartialEq, Eq, Encode, Decode)]
pub struct PlannedCall {
    pub call: Call,
    pub transcript: Option<TranscriptSource>,
    pub media: Option<EntryRef>,
    pub media_bytes: u64,
    pub internal_people: Vec<InternalPerson>,
    /// What Chorus's own trackers found on the call: the conversation
    /// document's `recording.trackers[]`, else the engagement's
    /// `tracker_matches[]`; `None` when neither was in the archive.
    pub chorus_trackers: Option<Vec<TrackerHitRecord>>,
    pub location: Location,
}
