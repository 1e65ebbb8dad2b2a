//! Which calls go into the package: the archive's records in (engagements,
//! conversation documents, recordings), the customer's scope applied, and
//! out come the calls to import (`PlannedCall`, with where their transcript
//! and recording are) and every other call as a `SkippedCall` with its
//! reason. Every engagement id ends up in exactly one of the two.
//!
//! The join: an engagement and the conversation document with the same id
//! are one call (the engagement's fields first, the document's where the
//! engagement has none); a conversation document alone is a call too. The
//! same engagement in two pages is kept once.
//!
//! The skip rules, first match wins: `unreadable` (no usable id or start
//! time), `private`, `host_did_not_join` (no-show), `not_recorded` (not a
//! meeting or dialer call, not done processing, not recordable, no
//! duration), then the customer's scope: `excluded_kind` (dialer calls when
//! only meetings are wanted), `out_of_period` (start date in UTC outside the
//! inclusive period), `too_short`. A call an earlier package holds
//! (`Scope::already_migrated`, a cutover run) is `already_migrated` before
//! any rule but an unreadable id.

use crate::decide::language::language_code;
use crate::model::calls::{
    Call, CallKind, ConversationRecord, EngagementRecord, MediaRecord, Participant,
    ParticipantRecord, Reference, Side, SkipReason, SkippedCall, TranscriptForm, TranscriptSource,
};
pub use crate::model::calls::{InternalPerson, PlannedCall};
use crate::model::packed::Packed;
use crate::model::sorted::Sorter;
use crate::model::Location;
use crate::read::archive::{is_call_id, ArchiveContents, UnreadableEntry};
use crate::read::earlier::AlreadyMigrated;
use crate::report::{ReasonCode, Report};
use bitcode::{Decode, Encode};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

/// Which calls the customer wants.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CallScope {
    /// Meetings only: dialer calls are skipped as `excluded_kind`.
    Meetings,
    /// Meetings and dialer calls.
    #[default]
    All,
}

/// The customer's migration scope, validated.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Scope {
    /// First day included (UTC).
    pub from: Option<NaiveDate>,
    /// Last day included (UTC).
    pub to: Option<NaiveDate>,
    pub min_duration_seconds: u64,
    pub calls: CallScope,
    /// The calls of earlier packages: not imported again.
    pub already_migrated: AlreadyMigrated,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct CallDecisions {
    /// Sorted by start time, then id; packed, as there may be tens of thousands.
    pub calls: Packed<PlannedCall>,
    /// In id order; packed, as a big archive may skip tens of thousands.
    pub skipped: Packed<SkippedCall>,
}

/// The key that joins records: a call id (32 hex digits, in any case) as
/// its 16 bytes, any other id as written. It orders and shows as its text
/// (a call id in lower case); an index of tens of thousands of calls keeps
/// 16 bytes per call id instead of a string.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Encode, Decode)]
enum JoinKey {
    Call([u8; 16]),
    Other(Box<str>),
}

impl JoinKey {
    fn of(id: &str) -> JoinKey {
        if !is_call_id(id) {
            return JoinKey::Other(id.into());
        }
        let digit = |b: u8| (b as char).to_digit(16).unwrap_or(0) as u8;
        let mut bytes = [0u8; 16];
        for (byte, pair) in bytes.iter_mut().zip(id.as_bytes().chunks_exact(2)) {
            *byte = digit(pair[0]) << 4 | digit(pair[1]);
        }
        JoinKey::Call(bytes)
    }
}

impl std::fmt::Display for JoinKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            JoinKey::Call(bytes) => bytes.iter().try_for_each(|b| write!(f, "{b:02x}")),
            JoinKey::Other(id) => f.write_str(id),
        }
    }
}

impl Ord for JoinKey {
    /// The order of the keys' text: for two call ids that is the order of
    /// their bytes, as hex digits in lower case sort as their values.
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        match (self, other) {
            (JoinKey::Call(a), JoinKey::Call(b)) => a.cmp(b),
            (JoinKey::Other(a), JoinKey::Other(b)) => a.cmp(b),
            _ => self.to_string().cmp(&other.to_string()),
        }
    }
}

impl PartialOrd for JoinKey {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

/// A record's id and its position among the records of its kind.
type IdAt = (JoinKey, usize);

/// The first record of each id (its position), in id order, from the ids
/// of one kind of record sorted; every later record of an id is reported
/// as a repeat, in the records' order. `location_of` finds a record's
/// location again (only a repeated one needs it).
fn first_by_id(
    ids: Sorter<IdAt>,
    location_of: impl Fn(usize) -> Location,
    what: &str,
    report: &mut Report,
) -> Packed<IdAt> {
    let mut firsts: Packed<IdAt> = Packed::default();
    // (the repeat's position, the first's position), its id.
    let mut repeats: Sorter<((usize, usize), JoinKey)> = Sorter::default();
    for (key, first, later) in by_id(ids.sorted()) {
        for index in later {
            repeats.push(((index, first), key.clone()));
        }
        firsts.push(&(key, first));
    }
    for ((index, first), key) in repeats.sorted() {
        report.info(
            ReasonCode::DuplicateRecord,
            location_of(index),
            format!(
                "{what} {key} appears again (first at {}); kept once",
                location_of(first)
            ),
        );
    }
    firsts
}

/// Sorted ids grouped: each id once, with the position of its first
/// record and those of the later ones, in the records' order.
fn by_id(sorted: impl Iterator<Item = IdAt>) -> impl Iterator<Item = (JoinKey, usize, Vec<usize>)> {
    let mut sorted = sorted.peekable();
    std::iter::from_fn(move || {
        let (key, first) = sorted.next()?;
        let mut later = Vec::new();
        while let Some((_, index)) = sorted.next_if(|(next, _)| *next == key) {
            later.push(index);
        }
        Some((key, first, later))
    })
}

/// The ids of several kinds of record merged, in id order: each id with
/// its position in each kind it is found in (from `first_by_id`).
fn joined<const N: usize>(
    kinds: [&Packed<IdAt>; N],
) -> impl Iterator<Item = (JoinKey, [Option<usize>; N])> + '_ {
    let mut heads = kinds.map(|kind| kind.iter().peekable());
    std::iter::from_fn(move || {
        let key = heads
            .iter_mut()
            .filter_map(|head| head.peek().map(|(key, _)| key))
            .min()?
            .clone();
        let found = std::array::from_fn(|kind| {
            heads[kind]
                .next_if(|(next, _)| *next == key)
                .map(|(_, index)| index)
        });
        Some((key, found))
    })
}

fn side_of(kind: Option<&str>, is_my_team: Option<bool>) -> Side {
    match kind.map(|k| k.to_ascii_lowercase()).as_deref() {
        Some("rep" | "internal" | "user" | "employee") => Side::Internal,
        Some("prospect" | "customer" | "cust" | "external" | "client") => Side::External,
        _ => match is_my_team {
            Some(true) => Side::Internal,
            Some(false) => Side::External,
            None => Side::Unknown,
        },
    }
}

fn lower(email: &Option<String>) -> Option<String> {
    email.as_ref().map(|e| e.to_ascii_lowercase())
}

fn is_no_show(state: Option<&str>) -> bool {
    state.is_some_and(|s| matches!(s.replace(['_', '-'], " ").as_str(), "no show" | "noshow"))
}

/// Everything known about one call id.
struct Sources<'a> {
    id: &'a str,
    engagement: Option<&'a EngagementRecord>,
    conversation: Option<&'a ConversationRecord>,
    unreadable: Option<&'a UnreadableEntry>,
}

impl Sources<'_> {
    fn location(&self) -> Location {
        self.engagement
            .map(|e| e.location.clone())
            .or_else(|| self.conversation.map(|c| c.location.clone()))
            .or_else(|| self.unreadable.map(|u| u.location.clone()))
            .unwrap_or_default()
    }
    fn started_at(&self) -> Option<DateTime<Utc>> {
        self.start().map(|(at, _)| at)
    }
    /// The call's start: the engagement's `date_time`, else the
    /// recording's `start_time`; failing both, the scheduled start, then
    /// the start by the utterances' own times, each said (the field it came from).
    fn start(&self) -> Option<(DateTime<Utc>, Option<&'static str>)> {
        let usual = self
            .engagement
            .and_then(|e| e.started_at)
            .or_else(|| self.conversation.and_then(|c| c.started_at));
        if let Some(at) = usual {
            return Some((at.time(), None));
        }
        let conversation = self.conversation?;
        conversation
            .scheduled_start
            .map(|at| (at.time(), Some("the scheduled start (schedule_start_time)")))
            .or_else(|| {
                conversation.utterance_start.map(|at| {
                    (
                        at.time(),
                        Some("the first utterance's time (its date_time less its snippet_time)"),
                    )
                })
            })
    }
    fn duration(&self) -> Option<f64> {
        self.engagement
            .and_then(|e| e.duration_seconds)
            .or_else(|| self.conversation.and_then(|c| c.duration_seconds))
    }
}

/// The first rule that leaves the call out, if any.
fn skip_reason(sources: &Sources, scope: &Scope) -> Option<(SkipReason, String)> {
    let (engagement, conversation) = (sources.engagement, sources.conversation);
    if !is_call_id(sources.id) {
        return Some((
            SkipReason::Unreadable,
            format!(
                "the engagement id \"{}\" is not 32 hex digits, so it cannot be joined to a transcript or recording",
                sources.id
            ),
        ));
    }
    if let Some(package) = scope.already_migrated.package_of(sources.id) {
        return Some((
            SkipReason::AlreadyMigrated,
            format!("already migrated: the earlier package {package} holds this call"),
        ));
    }
    if engagement.is_none() && conversation.is_none() {
        let message = sources
            .unreadable
            .map(|u| u.message.as_str())
            .unwrap_or("no data");
        return Some((
            SkipReason::Unreadable,
            format!("the conversation document cannot be read: {message}"),
        ));
    }
    if conversation.and_then(|c| c.private) == Some(true) {
        return Some((
            SkipReason::Private,
            "the recording is private in Chorus".to_string(),
        ));
    }
    let engagement_state = engagement.and_then(|e| e.processing_state.as_deref());
    let conversation_state = conversation.and_then(|c| c.status.as_deref());
    if engagement.and_then(|e| e.no_show) == Some(true)
        || is_no_show(engagement_state)
        || is_no_show(conversation_state)
    {
        return Some((
            SkipReason::NoShow,
            "a no-show: the host did not join, so nothing was recorded".to_string(),
        ));
    }
    match engagement.and_then(|e| e.kind.as_deref()) {
        None | Some("meeting" | "dialer" | "call") => {}
        Some("unrecorded_meeting") => {
            return Some((
                SkipReason::NotRecorded,
                "an unrecorded meeting (engagement type unrecorded_meeting)".to_string(),
            ))
        }
        Some(other) => {
            return Some((
                SkipReason::NotRecorded,
                format!("engagement type \"{other}\" is not a recorded meeting or call"),
            ))
        }
    }
    let states: Vec<&str> = [engagement_state, conversation_state]
        .into_iter()
        .flatten()
        .collect();
    if !states.is_empty() && !states.contains(&"done") {
        return Some((
            SkipReason::NotRecorded,
            format!(
                "processing state \"{}\", not done: there is no finished recording",
                states[0]
            ),
        ));
    }
    if let Some(c) = conversation {
        if c.recordable == Some(false) || c.unrecorded_reason.is_some() {
            let reason = c
                .unrecorded_reason
                .as_deref()
                .map(|r| format!(" ({r})"))
                .unwrap_or_default();
            return Some((
                SkipReason::NotRecorded,
                format!("the meeting was not recordable{reason}"),
            ));
        }
    }
    let duration = match sources.duration() {
        Some(d) if d.round() >= 1.0 => d,
        Some(_) => {
            return Some((
                SkipReason::NotRecorded,
                "zero duration: nothing was recorded".to_string(),
            ))
        }
        None => {
            return Some((
                SkipReason::NotRecorded,
                "no duration: nothing was recorded".to_string(),
            ))
        }
    };
    let Some(started_at) = sources.started_at() else {
        return Some((
            SkipReason::Unreadable,
            "no readable start time (date_time, recording.start_time, schedule_start_time or the utterances' date_time)".to_string(),
        ));
    };
    if scope.calls == CallScope::Meetings && call_kind(engagement) == CallKind::Call {
        return Some((
            SkipReason::ExcludedKind,
            "a dialer call; only meetings were chosen".to_string(),
        ));
    }
    let day = started_at.date_naive();
    if let Some(from) = scope.from.filter(|from| day < *from) {
        return Some((
            SkipReason::OutOfPeriod,
            format!("started {day}, before the period's first day {from}"),
        ));
    }
    if let Some(to) = scope.to.filter(|to| day > *to) {
        return Some((
            SkipReason::OutOfPeriod,
            format!("started {day}, after the period's last day {to}"),
        ));
    }
    let seconds = duration.round() as u64;
    if seconds < scope.min_duration_seconds {
        return Some((
            SkipReason::TooShort,
            format!(
                "lasted {seconds} s, shorter than the minimum of {} s",
                scope.min_duration_seconds
            ),
        ));
    }
    None
}

fn call_kind(engagement: Option<&EngagementRecord>) -> CallKind {
    match engagement.and_then(|e| e.kind.as_deref()) {
        Some("dialer" | "call") => CallKind::Call,
        _ => CallKind::Meeting,
    }
}

fn reference(id: Option<&String>, name: Option<&String>) -> Option<Reference> {
    (id.is_some() || name.is_some()).then(|| Reference {
        id: id.cloned(),
        name: name.cloned(),
    })
}

fn participants(records: &[ParticipantRecord], host_email: Option<&str>) -> Vec<Participant> {
    let mut seen: Vec<String> = Vec::new();
    let mut out = Vec::new();
    for p in records {
        let email = lower(&p.email);
        let key = email.clone().or_else(|| {
            p.name
                .as_ref()
                .map(|n| format!("name:{}", n.to_lowercase()))
        });
        if let Some(key) = &key {
            if seen.contains(key) {
                continue;
            }
            seen.push(key.clone());
        }
        let mut side = side_of(p.kind.as_deref(), p.is_my_team);
        if side == Side::Unknown && email.is_some() && email.as_deref() == host_email {
            side = Side::Internal;
        }
        out.push(Participant {
            name: p.name.clone(),
            email,
            title: p.title.clone(),
            company: p.company.clone(),
            side,
        });
    }
    out
}

fn plan(sources: &Sources, media: Option<&MediaRecord>, report: &mut Report) -> PlannedCall {
    let (engagement, conversation) = (sources.engagement, sources.conversation);
    let id = sources.id.to_ascii_lowercase();
    let location = sources.location();
    let host_email = lower(&engagement.and_then(|e| e.user_email.clone()))
        .or_else(|| lower(&conversation.and_then(|c| c.owner_email.clone())));
    let people: &[ParticipantRecord] = match conversation {
        Some(c) if !c.participants.is_empty() => &c.participants,
        _ => engagement.map(|e| e.participants.as_slice()).unwrap_or(&[]),
    };
    let participant_list = participants(people, host_email.as_deref());

    let mut internal_people = vec![InternalPerson {
        email: host_email.clone(),
        name: engagement
            .and_then(|e| e.user_name.clone())
            .or_else(|| conversation.and_then(|c| c.owner_name.clone())),
        chorus_user_id: engagement
            .and_then(|e| e.user_id.clone())
            .or_else(|| conversation.and_then(|c| c.owner_user_id.clone())),
    }];
    for (record, participant) in people.iter().zip(&participant_list) {
        if participant.side == Side::Internal {
            internal_people.push(InternalPerson {
                email: participant.email.clone(),
                name: participant.name.clone(),
                chorus_user_id: record.user_id.clone(),
            });
        }
    }
    internal_people.retain(|p| p.email.is_some() || p.name.is_some());

    if let Some(c) = conversation.filter(|c| c.utterances_dropped > 0) {
        report.info(
            ReasonCode::UtterancesDropped,
            c.location.clone(),
            format!(
                "call {id}: {} utterance(s) without text or start time are left out of the transcript",
                c.utterances_dropped
            ),
        );
    }
    let text_transcript = engagement.filter(|e| e.text_transcript_lines > 0);
    let transcript = match (conversation, sources.unreadable) {
        (Some(c), _) if c.utterances > 0 => Some(TranscriptSource {
            entry: c.source,
            pointer: c.location.pointer.clone().unwrap_or_default(),
            form: TranscriptForm::Utterances,
        }),
        _ if text_transcript.is_some() => text_transcript.map(|e| {
            let times = if e.text_transcript_timed {
                "times as the text gives them"
            } else {
                "times estimated by spreading the words over the call's length"
            };
            report.warning(
                ReasonCode::TranscriptFromText,
                e.location.clone(),
                format!(
                    "call {id}: no utterances from Chorus; the transcript is the flattened transcript text \
({} utterance(s), speakers by name, {times})",
                    e.text_transcript_lines
                ),
            );
            TranscriptSource {
                entry: e.source,
                pointer: e.location.pointer.clone().unwrap_or_default(),
                form: TranscriptForm::Text,
            }
        }),
        (Some(c), _) => {
            report.warning(
                ReasonCode::MissingTranscript,
                c.location.clone(),
                format!("call {id}: the conversation document has no utterances; imported without a transcript"),
            );
            None
        }
        (None, Some(u)) => {
            report.warning(
                ReasonCode::MissingTranscript,
                u.location.clone(),
                format!(
                    "call {id}: its conversation document cannot be read ({}); imported without a transcript",
                    u.message
                ),
            );
            None
        }
        (None, None) => {
            report.warning(
                ReasonCode::MissingTranscript,
                location.clone(),
                format!("call {id}: no conversation document in the archive; imported without a transcript"),
            );
            None
        }
    };
    if media.is_none() {
        report.warning(
            ReasonCode::MissingMedia,
            location.clone(),
            format!("call {id}: no recording in the archive; imported without one"),
        );
    }
    let (started_at, start_from) = sources.start().unwrap_or_default();
    if let Some(field) = start_from {
        report.info(
            ReasonCode::FallbackUsed,
            location.clone(),
            format!(
                "call {id}: no start time (date_time, recording.start_time); it starts at {field}, {}",
                started_at.format("%Y-%m-%dT%H:%M:%SZ")
            ),
        );
    }
    let title = engagement
        .and_then(|e| e.subject.clone())
        .or_else(|| conversation.and_then(|c| c.title.clone()));
    let generated = conversation.and_then(|c| c.generated_subject.clone());
    if let (None, Some(generated)) = (&title, &generated) {
        report.info(
            ReasonCode::FallbackUsed,
            location.clone(),
            format!(
                "call {id}: no title (subject, name); its title is Chorus's generated subject \"{generated}\""
            ),
        );
    }
    let call = Call {
        source_id: id.clone(),
        title: title.or(generated),
        started_at: started_at.format("%Y-%m-%dT%H:%M:%SZ").to_string(),
        duration_seconds: sources.duration().unwrap_or(0.0).round() as u64,
        kind: call_kind(engagement),
        host_email,
        participants: participant_list,
        // An engagement without an account id often names a placeholder
        // ("<host> Meetings"): the conversation's account is better then.
        account: engagement
            .filter(|e| e.account_id.is_some())
            .and_then(|e| reference(e.account_id.as_ref(), e.account_name.as_ref()))
            .or_else(|| {
                conversation.and_then(|c| reference(c.account_id.as_ref(), c.account_name.as_ref()))
            })
            .or_else(|| engagement.and_then(|e| reference(None, e.account_name.as_ref()))),
        opportunity: engagement
            .and_then(|e| reference(e.opportunity_id.as_ref(), e.opportunity_name.as_ref()))
            .or_else(|| {
                conversation.and_then(|c| reference(c.deal_id.as_ref(), c.deal_name.as_ref()))
            }),
        language: engagement
            .and_then(|e| e.language.clone())
            .or_else(|| conversation.and_then(|c| c.language.clone()))
            .map(|raw| language_code(&raw).map(str::to_string).unwrap_or(raw)),
        chorus_url: Some(
            engagement
                .and_then(|e| e.url.clone())
                .unwrap_or_else(|| format!("https://chorus.ai/meeting/{id}")),
        ),
        transcript: transcript
            .as_ref()
            .map(|_| format!("transcripts/{id}.json")),
        media: media.map(|m| format!("media/{id}.{}", m.format.extension())),
        chorus_summary: conversation
            .and_then(|c| c.summary.clone())
            .or_else(|| engagement.and_then(|e| e.summary.clone())),
        chorus_action_items: [
            conversation.map(|c| &c.action_items),
            engagement.map(|e| &e.action_items),
        ]
        .into_iter()
        .flatten()
        .find(|items| !items.is_empty())
        .cloned()
        .unwrap_or_default(),
    };
    PlannedCall {
        call,
        transcript,
        media: media.map(|m| m.source),
        media_bytes: media.map(|m| m.bytes).unwrap_or(0),
        internal_people,
        chorus_trackers: conversation
            .and_then(|c| c.trackers.clone())
            .or_else(|| engagement.and_then(|e| e.tracker_matches.clone())),
        location,
    }
}

fn missing_id(location: &Location, what: &str, report: &mut Report) {
    report.error(
        ReasonCode::UnreadableRecord,
        location.clone(),
        format!("{what} without an id; it cannot be imported"),
    );
}

/// Joins the records by id, applies the skip rules and the scope.
///
/// The ids of each kind of record are sorted (`Sorter`, in the CLI on disk
/// past a few megabytes) and merged, so the decision holds no index of
/// every call: the records are looked up by position, one call at a time.
pub fn decide_calls(
    contents: &ArchiveContents,
    scope: &Scope,
    report: &mut Report,
) -> CallDecisions {
    // The records are decoded twice: here for their ids, and one call at a
    // time below.
    let mut engagement_ids = Sorter::default();
    for (index, engagement) in contents.engagements.iter().enumerate() {
        if engagement.id.is_empty() {
            missing_id(&engagement.location, "an engagement", report);
        } else {
            engagement_ids.push((JoinKey::of(&engagement.id), index));
        }
    }
    let mut conversation_ids = Sorter::default();
    for (index, conversation) in contents.conversations.iter().enumerate() {
        match conversation_id(&conversation) {
            Some(id) => conversation_ids.push((JoinKey::of(&id), index)),
            None => missing_id(&conversation.location, "a conversation document", report),
        }
    }
    let engagements = first_by_id(
        engagement_ids,
        |i| {
            contents
                .engagements
                .get(i)
                .map(|e| e.location)
                .unwrap_or_default()
        },
        "engagement",
        report,
    );
    let conversations = first_by_id(
        conversation_ids,
        |i| {
            contents
                .conversations
                .get(i)
                .map(|c| c.location)
                .unwrap_or_default()
        },
        "conversation document",
        report,
    );
    let mut unreadable_ids = Sorter::default();
    for (index, unreadable) in contents.unreadable.iter().enumerate() {
        unreadable_ids.push((JoinKey::of(&unreadable.id), index));
    }
    let unreadable = first_by_id(
        unreadable_ids,
        |i| {
            contents
                .unreadable
                .get(i)
                .map(|u| u.location)
                .unwrap_or_default()
        },
        "unreadable entry for",
        report,
    );
    let media = recordings_by_id(contents, report);

    // A recording whose id is no call's, in the recordings' order.
    let mut orphans = Sorter::default();
    for (_, [engagement, conversation, unreadable, media]) in
        joined([&engagements, &conversations, &unreadable, &media])
    {
        if let (None, None, None, Some(media)) = (engagement, conversation, unreadable, media) {
            orphans.push(media);
        }
    }
    for media in orphans
        .sorted()
        .filter_map(|index| contents.media.get(index))
    {
        report.warning(
            ReasonCode::OrphanRecord,
            media.location.clone(),
            format!(
                "a recording for {} but no engagement or conversation document with that id; not imported",
                media.id
            ),
        );
    }

    // Calls are decided in id order, not archive order, so the report reads
    // the same however the archive's entries were arranged.
    let mut decisions = CallDecisions::default();
    // (start time in whole seconds, position) of each planned call: the
    // calls are planned in id order, so this is the package's order of
    // start time, then id.
    let mut order = Sorter::default();
    for (key, [engagement, conversation, unreadable, media]) in
        joined([&engagements, &conversations, &unreadable, &media])
    {
        if engagement.is_none() && conversation.is_none() && unreadable.is_none() {
            continue;
        }
        let id = key.to_string();
        let engagement = engagement.and_then(|i| contents.engagements.get(i));
        let conversation = conversation.and_then(|i| contents.conversations.get(i));
        let unreadable = unreadable.and_then(|i| contents.unreadable.get(i));
        let media = media.and_then(|i| contents.media.get(i));
        let sources = Sources {
            id: &id,
            engagement: engagement.as_ref(),
            conversation: conversation.as_ref(),
            unreadable: unreadable.as_ref(),
        };
        match skip_reason(&sources, scope) {
            Some((reason, message)) => decisions.skipped.push(&SkippedCall {
                location: sources.location(),
                source_id: id,
                reason,
                message,
            }),
            None => {
                let started_at = sources.started_at().unwrap_or_default().timestamp();
                let planned = plan(&sources, media.as_ref(), report);
                order.push((started_at, decisions.calls.len()));
                decisions.calls.push(&planned);
            }
        }
    }
    decisions
        .calls
        .reorder(order.sorted().map(|(_, position)| position));
    decisions
}

/// One recording per call: a video before an audio file, else the first.
/// The others are reported, in the recordings' order; out come the kept
/// recordings' positions by id.
fn recordings_by_id(contents: &ArchiveContents, report: &mut Report) -> Packed<IdAt> {
    let mut ids = Sorter::default();
    for (index, media) in contents.media.iter().enumerate() {
        ids.push((JoinKey::of(&media.id), index));
    }
    let mut kept_by_id: Packed<IdAt> = Packed::default();
    // (the position of the recording that made the choice, (the one left
    // out, the one kept)).
    let mut left_out: Sorter<(usize, (usize, usize))> = Sorter::default();
    let is_video = |index| {
        contents
            .media
            .get(index)
            .is_some_and(|m| m.format.is_video())
    };
    for (key, first, later) in by_id(ids.sorted()) {
        let (mut kept, mut kept_is_video) = (first, is_video(first));
        for index in later {
            if !kept_is_video && is_video(index) {
                left_out.push((index, (kept, index)));
                (kept, kept_is_video) = (index, true);
            } else {
                left_out.push((index, (index, kept)));
            }
        }
        kept_by_id.push(&(key, kept));
    }
    for (index, (dropped, kept)) in left_out.sorted() {
        let (Some(media), Some(dropped), Some(kept)) = (
            contents.media.get(index),
            contents.media.get(dropped),
            contents.media.get(kept),
        ) else {
            continue;
        };
        report.info(
            ReasonCode::DuplicateRecord,
            dropped.location.clone(),
            format!(
                "call {} has more than one recording; {} is used, this one is not",
                media.id, kept.location
            ),
        );
    }
    kept_by_id
}

/// A conversation document's id, else the call id its entry's name starts
/// with.
fn conversation_id(conversation: &ConversationRecord) -> Option<String> {
    if !conversation.id.is_empty() {
        return Some(conversation.id.clone());
    }
    conversation
        .location
        .entry
        .as_deref()
        .and_then(crate::read::archive::id_from_name)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::calls::{EntryRef, MediaFormat};

    #[test]
    fn join_keys_show_and_order_as_their_text() {
        let texts = [
            "AAAA0000000000000000000000000001",
            "0aaa0000000000000000000000000001",
            "9fff0000000000000000000000000000",
            "a0000000000000000000000000000000",
            "ffffffffffffffffffffffffffffffff",
            "12345",
            "b",
            "zz",
            "",
            "aaaa000000000000000000000000000g",
        ];
        let keys: Vec<JoinKey> = texts.iter().map(|t| JoinKey::of(t)).collect();
        // A call id shows in lower case; anything else as written.
        let mut shown = texts.map(str::to_string);
        shown[0] = shown[0].to_ascii_lowercase();
        assert_eq!(
            keys.iter().map(ToString::to_string).collect::<Vec<_>>(),
            shown
        );
        assert!(matches!(keys[0], JoinKey::Call(_)));
        assert!(matches!(keys[9], JoinKey::Other(_)));
        assert_eq!(keys[0], JoinKey::of("aaaa0000000000000000000000000001"));
        let mut sorted = keys.clone();
        sorted.sort();
        let mut by_text: Vec<String> = keys.iter().map(ToString::to_string).collect();
        by_text.sort();
        assert_eq!(
            sorted.iter().map(ToString::to_string).collect::<Vec<_>>(),
            by_text
        );
    }

    /// Every kind of repeated record, a recording without a call and calls
    /// with and without what they need: each reported once, in the order
    /// of the records (the calls' own entries in id order), the calls
    /// ordered by start time.
    #[test]
    fn repeats_and_orphans_are_reported_in_record_order() {
        let (a, b, c, d) = (
            "a".repeat(32),
            "b".repeat(32),
            "c".repeat(32),
            "d".repeat(32),
        );
        let page =
            |n: usize| Location::pointer("x.zip", format!("/engagements/{n}")).with_entry("p.json");
        let entry = |name: &str| Location::file("x.zip").with_entry(name);
        let engagement = |id: &str, n: usize, hour: u32| EngagementRecord {
            id: id.to_string(),
            kind: Some("meeting".into()),
            started_at: DateTime::from_timestamp(1_700_000_000 + i64::from(hour) * 3600, 0)
                .map(Into::into),
            duration_seconds: Some(600.0),
            location: page(n),
            ..EngagementRecord::default()
        };
        let media = |id: &str, format: MediaFormat, n: usize| MediaRecord {
            id: id.to_string(),
            format,
            bytes: 10,
            source: EntryRef {
                archive: 0,
                entry: n,
            },
            location: entry(&format!("m{n}.{}", format.extension())),
        };
        let unreadable = |name: &str| UnreadableEntry {
            id: b.clone(),
            message: "broken JSON".into(),
            location: entry(name),
        };
        let contents = ArchiveContents {
            engagements: [
                engagement(&a, 0, 5),
                engagement("", 1, 0),
                engagement(&a, 2, 0),
                engagement(&c, 3, 1),
            ]
            .into_iter()
            .collect(),
            media: [
                media(&a, MediaFormat::M4a, 1),
                media(&a, MediaFormat::Mp4, 2),
                media(&a, MediaFormat::Webm, 3),
                media(&d, MediaFormat::Mp3, 4),
            ]
            .into_iter()
            .collect(),
            unreadable: [unreadable("u1.json"), unreadable("u2.json")]
                .into_iter()
                .collect(),
            ..ArchiveContents::default()
        };
        let mut report = Report::default();
        let decisions = decide_calls(&contents, &Scope::default(), &mut report);
        let reported: Vec<String> = report
            .iter()
            .map(|e| format!("{} | {}", e.location, e.message))
            .collect();
        assert_eq!(
            reported,
            [
                "x.zip entry p.json at /engagements/1 | an engagement without an id; it cannot be imported".to_string(),
                format!("x.zip entry p.json at /engagements/2 | engagement {a} appears again (first at x.zip entry p.json at /engagements/0); kept once"),
                format!("x.zip entry u2.json | unreadable entry for {b} appears again (first at x.zip entry u1.json); kept once"),
                format!("x.zip entry m1.m4a | call {a} has more than one recording; x.zip entry m2.mp4 is used, this one is not"),
                format!("x.zip entry m3.webm | call {a} has more than one recording; x.zip entry m2.mp4 is used, this one is not"),
                format!("x.zip entry m4.mp3 | a recording for {d} but no engagement or conversation document with that id; not imported"),
                format!("x.zip entry p.json at /engagements/0 | call {a}: no conversation document in the archive; imported without a transcript"),
                format!("x.zip entry p.json at /engagements/3 | call {c}: no conversation document in the archive; imported without a transcript"),
                format!("x.zip entry p.json at /engagements/3 | call {c}: no recording in the archive; imported without one"),
            ]
        );
        let calls: Vec<(String, Option<String>)> = decisions
            .calls
            .iter()
            .map(|p| (p.call.source_id, p.call.media))
            .collect();
        assert_eq!(
            calls,
            [
                (c.clone(), None),
                (a.clone(), Some(format!("media/{a}.mp4")))
            ]
        );
        let skipped: Vec<(String, SkipReason, String)> = decisions
            .skipped
            .iter()
            .map(|s| (s.source_id.clone(), s.reason, s.message.clone()))
            .collect();
        assert_eq!(
            skipped,
            [(
                b.clone(),
                SkipReason::Unreadable,
                "the conversation document cannot be read: broken JSON".to_string()
            )]
        );
    }
}
