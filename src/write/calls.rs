//! The call side of the package: the decided calls and users in, these
//! entries out: `calls.jsonl` (one call a line), `transcripts/<id>.json`
//! (re-read from the archive and built one call at a time),
//! `media/<id>.<ext>` (copied unchanged, stored), `users.json` and
//! `users.csv`. Paths come only from validated 32-hex ids.
//!
//! A transcript entry is one `TranscriptJob` turned into a `PreparedEntry`
//! (`prepare_transcript`: re-read, built, serialised, compressed). The
//! writer does that itself one call at a time, or takes the entries from a
//! caller that prepares them in parallel (the CLI's worker threads, the
//! page's helper Web Workers) and hands them over in `transcript_jobs`
//! order. `write_calls_head` writes what comes before the transcripts,
//! `write_recordings` and `write_users` what comes after (see
//! `write::session::PackageSession`).

use crate::decide::replay::{Replay, TopicHits};
use crate::decide::transcript::{build_transcript, place_text_utterances};
use crate::error::{Error, Result};
use crate::model::calls::PlannedCall;
use crate::model::calls::{
    EntryRef, Transcript, TranscriptForm, TranscriptSource, User, UserAction,
};
use crate::model::conversion::CallsOutcome;
use crate::model::packed::Packed;
use crate::model::Location;
use crate::read::archive::{is_call_id, ArchiveSource};
use crate::read::conversation::read_transcript;
use crate::read::engagement::read_transcript_text;
use crate::write::entries::{to_json_bytes, PackageWriter, PreparedEntry};
use crate::write::report::spreadsheet_safe;
use bitcode::{Decode, Encode};
use serde::Serialize;
use std::io::{Read, Write};

#[derive(Serialize)]
struct UsersFile<'a> {
    users: &'a [User],
}

fn action_name(action: UserAction) -> &'static str {
    match action {
        UserAction::Existing => "existing",
        UserAction::Create => "create",
    }
}

/// `users.csv`: the same rows as `users.json`, safe to open in a spreadsheet.
pub fn users_csv(users: &[User]) -> Vec<u8> {
    let mut writer = csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .from_writer(Vec::new());
    let mut rows = vec![["email", "name", "action", "role", "chorus_user_id"].map(str::to_string)];
    for user in users {
        rows.push([
            user.email.clone(),
            user.name.clone().unwrap_or_default(),
            action_name(user.action).to_string(),
            user.role.clone().unwrap_or_default(),
            user.chorus_user_id.clone().unwrap_or_default(),
        ]);
    }
    for row in rows {
        writer
            .write_record(row.iter().map(|c| spreadsheet_safe(c)))
            .expect("writing to a Vec cannot fail");
    }
    writer.into_inner().expect("writing to a Vec cannot fail")
}

/// The archive an entry is in, the entry's location and its size as listed.
pub(crate) fn source<'a, 'b>(
    archives: &'a mut [&'b mut dyn ArchiveSource],
    at: EntryRef,
) -> Result<(&'a mut &'b mut dyn ArchiveSource, Location, u64)> {
    let archive = archives.get_mut(at.archive).ok_or_else(|| {
        Error::input(
            Location::file("archives"),
            "the package needs the call archives again to copy transcripts and recordings; pass the same archives",
        )
    })?;
    let (name, size) = archive
        .entry(at.entry)
        .map(|e| (e.name, e.size))
        .unwrap_or_default();
    let location = Location::file(archive.name()).with_entry(name);
    Ok((archive, location, size))
}

/// One transcript entry of the package: the call, the entry's path, where
/// its transcript is read from, the call's language (for the replay of
/// triggers) and its length (to place a flattened text's utterances).
#[derive(Debug, Clone, PartialEq, Eq, Encode, Decode)]
pub struct TranscriptJob {
    pub source_id: String,
    pub path: String,
    pub source: TranscriptSource,
    pub language: Option<String>,
    pub duration_seconds: u64,
}

/// A transcript entry ready for the package, and what the replay of the
/// package's triggers counted in it (empty without a replay).
pub struct PreparedTranscript {
    pub entry: PreparedEntry,
    pub hits: TopicHits,
}

/// The transcript entry of one imported call, if it has one.
pub fn transcript_job(planned: &PlannedCall) -> Option<TranscriptJob> {
    Some(TranscriptJob {
        path: planned.call.transcript.clone()?,
        source: planned.transcript.clone()?,
        source_id: planned.call.source_id.clone(),
        language: planned.call.language.clone(),
        duration_seconds: planned.call.duration_seconds,
    })
}

/// The transcript entries a conversion's package holds, in package order
/// (packed: one per call, in the CLI on disk past a few MiB).
pub fn transcript_jobs(outcome: &CallsOutcome) -> Packed<TranscriptJob> {
    outcome
        .calls
        .iter()
        .filter_map(|planned| transcript_job(&planned))
        .collect()
}

/// One recording entry of the package: where it is read from, its path in
/// the package and its size.
pub struct RecordingJob {
    pub source: EntryRef,
    pub path: String,
    pub bytes: u64,
}

/// The recording entry of one imported call, if it has one.
pub fn recording_job(planned: &PlannedCall) -> Option<RecordingJob> {
    Some(RecordingJob {
        source: planned.media?,
        path: planned.call.media.clone()?,
        bytes: planned.media_bytes,
    })
}

/// The recording entries a conversion's package holds, in package order.
pub fn recording_jobs(outcome: &CallsOutcome) -> impl Iterator<Item = RecordingJob> + '_ {
    outcome
        .calls
        .iter()
        .filter_map(|planned| recording_job(&planned))
}

/// The work of one transcript entry, on any thread: re-reads the call's
/// conversation document from `archives` (the sources the conversion read,
/// in order), builds the transcript, counts the triggers of `replay` in it
/// and compresses it.
pub fn prepare_transcript(
    job: &TranscriptJob,
    archives: &mut [&mut dyn ArchiveSource],
    replay: Option<&Replay>,
) -> Result<PreparedTranscript> {
    let transcript = reread_transcript(job, archives)?;
    let hits = replay
        .map(|replay| replay.count(job.language.as_deref(), &transcript))
        .unwrap_or_default();
    let entry = PreparedEntry::compress(&job.path, &to_json_bytes(&transcript))?;
    Ok(PreparedTranscript { entry, hits })
}

/// Re-reads the call's transcript from `archives` (its conversation, or
/// its flattened text) and builds it, exactly as the package holds it.
pub fn reread_transcript(
    job: &TranscriptJob,
    archives: &mut [&mut dyn ArchiveSource],
) -> Result<Transcript> {
    debug_assert!(is_call_id(&job.source_id));
    let (archive, location, size) = source(archives, job.source.entry)?;
    let reread = |e: std::io::Error| {
        Error::input(
            location.clone(),
            format!("cannot re-read the conversation document: {e}"),
        )
    };
    let limit = archive.limits().max_json_entry_bytes;
    let mut bytes = Vec::with_capacity(size.min(limit) as usize);
    archive
        .open(job.source.entry.entry)
        .map_err(reread)?
        .take(limit)
        .read_to_end(&mut bytes)
        .map_err(reread)?;
    let document = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(&bytes);
    let changed = |message| {
        Error::input(
            location.clone().with_pointer(job.source.pointer.clone()),
            format!("the conversation document changed since it was read: {message}"),
        )
    };
    Ok(match job.source.form {
        TranscriptForm::Utterances => {
            let record = read_transcript(document, &job.source.pointer).map_err(changed)?;
            build_transcript(&job.source_id, record)
        }
        TranscriptForm::Text => {
            let mut record =
                read_transcript_text(document, &job.source.pointer).map_err(changed)?;
            let timing = place_text_utterances(&mut record, job.duration_seconds);
            Transcript {
                timing,
                ..build_transcript(&job.source_id, record)
            }
        }
    })
}

/// Gives the writer each transcript entry, in `transcript_jobs` order.
pub type TranscriptSupply<'a> = dyn FnMut(&TranscriptJob) -> Result<PreparedTranscript> + 'a;

/// Writes the call entries that come before the transcripts: `calls.jsonl`.
pub fn write_calls_head<W: Write>(
    package: &mut PackageWriter<W>,
    outcome: &CallsOutcome,
) -> Result<()> {
    write_call_lines(package, outcome.calls.iter())
}

/// Writes `calls.jsonl` with a line for each of `calls`.
pub fn write_call_lines<W: Write>(
    package: &mut PackageWriter<W>,
    calls: impl Iterator<Item = PlannedCall>,
) -> Result<()> {
    package.add_written("calls.jsonl", |lines| {
        for planned in calls {
            serde_json::to_writer(&mut *lines, &planned.call).map_err(std::io::Error::from)?;
            lines.write_all(b"\n")?;
        }
        Ok(())
    })
}

/// Copies `recordings` from `archives` into the package, stored.
pub fn write_recordings<W: Write>(
    package: &mut PackageWriter<W>,
    recordings: impl Iterator<Item = RecordingJob>,
    archives: &mut [&mut dyn ArchiveSource],
) -> Result<()> {
    for recording in recordings {
        let (archive, location, _) = source(archives, recording.source)?;
        let mut reader = archive.open(recording.source.entry).map_err(|e| {
            Error::input(
                location.clone(),
                format!("cannot re-read the recording: {e}"),
            )
        })?;
        package.add_stored(&recording.path, &mut reader, recording.bytes, &location)?;
    }
    Ok(())
}

/// Writes `users.json` and `users.csv` with `users`.
pub fn write_users<W: Write>(package: &mut PackageWriter<W>, users: &[User]) -> Result<()> {
    package.add("users.json", &to_json_bytes(&UsersFile { users }))?;
    package.add("users.csv", &users_csv(users))
}
