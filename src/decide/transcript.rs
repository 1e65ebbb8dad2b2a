//! One transcript: a conversation document's utterances, participants and
//! diarized speakers in (`TranscriptRecord`), the package's `Transcript`
//! out: speakers numbered in order of first utterance, utterances sorted by
//! start time (then Chorus's `index`), times in milliseconds.
//!
//! A speaker is who the utterance points to (`speaker_id` / `participant`,
//! joined to `participants[].person_id` or `user_id`, or to
//! `clusters[].id`), else the speaker name it gives. Their side comes from
//! the utterance's `speaker_type`, then the participant's or cluster's type,
//! then the participant's `is_my_team`. Utterances without text or start
//! time are left out (the first pass counted them for the report).
//!
//! A flattened transcript text gives speakers by name only, and times on
//! some lines or none: `place_text_utterances` gives each utterance its
//! length from the next one's start, or, where the text lacks times,
//! estimates them by spreading the words over the call
//! (`Timing::Estimated`).

use crate::model::calls::{
    ClusterRecord, ParticipantRecord, Side, Speaker, Timing, Transcript, TranscriptRecord,
    Utterance, UtteranceRecord,
};

fn side_from_type(kind: Option<&str>) -> Option<Side> {
    match kind? {
        "rep" | "internal" => Some(Side::Internal),
        "customer" | "cust" | "prospect" | "external" => Some(Side::External),
        _ => None,
    }
}

fn find_participant<'a>(record: &'a TranscriptRecord, key: &str) -> Option<&'a ParticipantRecord> {
    record
        .participants
        .iter()
        .find(|p| p.person_id.as_deref() == Some(key))
        .or_else(|| {
            record
                .participants
                .iter()
                .find(|p| p.user_id.as_deref() == Some(key))
        })
}

/// The participant of a speaker known only by name (compared ignoring case).
fn participant_named<'a>(
    record: &'a TranscriptRecord,
    name: &str,
) -> Option<&'a ParticipantRecord> {
    record.participants.iter().find(|p| {
        p.name
            .as_deref()
            .is_some_and(|n| n.trim().to_lowercase() == name.trim().to_lowercase())
    })
}

fn find_cluster<'a>(record: &'a TranscriptRecord, key: &str) -> Option<&'a ClusterRecord> {
    record
        .clusters
        .iter()
        .find(|c| c.id.as_deref() == Some(key))
}

fn resolve(
    record: &TranscriptRecord,
    utterance: &UtteranceRecord,
) -> (String, Option<String>, Option<String>, Side) {
    let key = utterance.speaker_ref.as_deref();
    let cluster = key.and_then(|k| find_cluster(record, k));
    let participant = key
        .and_then(|k| find_participant(record, k))
        .or_else(|| {
            cluster
                .and_then(|c| c.participant.as_deref())
                .and_then(|k| find_participant(record, k))
        })
        .or_else(|| {
            let name = utterance
                .speaker_name
                .as_deref()
                .filter(|_| key.is_none())?;
            participant_named(record, name)
        });
    let name = utterance
        .speaker_name
        .clone()
        .or_else(|| participant.and_then(|p| p.name.clone()))
        .or_else(|| cluster.and_then(|c| c.speaker_name.clone()));
    let email = participant
        .and_then(|p| p.email.as_ref())
        .map(|e| e.to_ascii_lowercase());
    let side = side_from_type(utterance.speaker_type.as_deref())
        .or_else(|| {
            side_from_type(
                participant
                    .and_then(|p| p.kind.as_deref().map(str::to_ascii_lowercase))
                    .as_deref(),
            )
        })
        .or_else(|| side_from_type(cluster.and_then(|c| c.kind.as_deref())))
        .or_else(|| {
            participant.and_then(|p| p.is_my_team).map(|mine| {
                if mine {
                    Side::Internal
                } else {
                    Side::External
                }
            })
        })
        .unwrap_or(Side::Unknown);
    let identity = match (key, &name) {
        (Some(k), _) => format!("ref:{k}"),
        (None, Some(n)) => format!("name:{}", n.to_lowercase()),
        (None, None) => "unknown".to_string(),
    };
    (identity, name, email, side)
}

fn millis(seconds: f64) -> u64 {
    if seconds.is_finite() && seconds > 0.0 {
        (seconds * 1000.0).round() as u64
    } else {
        0
    }
}

/// Builds the transcript of call `source_id`.
pub fn build_transcript(source_id: &str, record: TranscriptRecord) -> Transcript {
    let mut usable: Vec<(u64, f64, usize, &UtteranceRecord)> = Vec::new();
    for (position, utterance) in record.utterances.iter().enumerate() {
        if let (Some(start), true) = (utterance.start_seconds, utterance.is_usable()) {
            usable.push((
                millis(start),
                utterance.index.unwrap_or(f64::MAX),
                position,
                utterance,
            ));
        }
    }
    usable.sort_by(|a, b| a.0.cmp(&b.0).then(a.1.total_cmp(&b.1)).then(a.2.cmp(&b.2)));

    let mut identities: Vec<String> = Vec::new();
    let mut speakers: Vec<Speaker> = Vec::new();
    let mut utterances = Vec::with_capacity(usable.len());
    for (start_ms, _, _, utterance) in usable {
        let (identity, name, email, side) = resolve(&record, utterance);
        let index = match identities.iter().position(|i| *i == identity) {
            Some(index) => {
                let speaker = &mut speakers[index];
                speaker.name = speaker.name.take().or(name);
                speaker.email = speaker.email.take().or(email);
                if speaker.side == Side::Unknown {
                    speaker.side = side;
                }
                index
            }
            None => {
                identities.push(identity);
                speakers.push(Speaker {
                    id: speakers.len() as u32 + 1,
                    name,
                    email,
                    side,
                });
                speakers.len() - 1
            }
        };
        let end_ms = start_ms.saturating_add(millis(utterance.length_seconds.unwrap_or(0.0)));
        utterances.push(Utterance {
            speaker: speakers[index].id,
            start_ms,
            end_ms,
            text: utterance.text.clone(),
        });
    }
    Transcript {
        source_id: source_id.to_string(),
        speakers,
        utterances,
        timing: None,
    }
}

/// Places the utterances of a flattened transcript text in time, over a
/// call of `duration_seconds`: where every line gave its time, each lasts
/// until the next one starts (the last until the call ends); otherwise
/// every time is estimated, the call's length shared out in proportion to
/// the characters of each utterance. Returns how the times were found.
pub fn place_text_utterances(
    record: &mut TranscriptRecord,
    duration_seconds: u64,
) -> Option<Timing> {
    let duration = duration_seconds as f64;
    let utterances = &mut record.utterances;
    if utterances.iter().all(|u| u.start_seconds.is_some()) {
        let starts: Vec<f64> = utterances.iter().filter_map(|u| u.start_seconds).collect();
        for (position, utterance) in utterances.iter_mut().enumerate() {
            let start = starts[position];
            let next = starts
                .get(position + 1)
                .copied()
                .unwrap_or(duration.max(start));
            utterance.length_seconds = Some((next - start).max(0.0));
        }
        return None;
    }
    let characters: Vec<f64> = utterances
        .iter()
        .map(|u| u.text.chars().count().max(1) as f64)
        .collect();
    let total: f64 = characters.iter().sum();
    let mut start = 0.0;
    for (utterance, share) in utterances.iter_mut().zip(&characters) {
        let length = duration * share / total;
        utterance.start_seconds = Some(start);
        utterance.length_seconds = Some(length);
        start += length;
    }
    Some(Timing::Estimated)
}
