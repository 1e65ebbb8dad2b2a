//! The Outdoo import package (format v1): a zip written front to back
//! (`write::zip_stream`, which keeps the central directory packed), so any
//! `Write` works as the sink (a file, a buffer, a browser stream). Entries
//! in a fixed order, every timestamp fixed
//! at 1980-01-01 and permissions at 0644, so the same inputs give the same
//! bytes. `manifest.json` comes last: it lists every other entry with its
//! size and SHA-256. docs/import-package.md is the format's contract.
//!
//! Entry order: `themes.json`; with call archives `calls.jsonl`,
//! `transcripts/<id>.json` and `media/<id>.<ext>` (in `calls.jsonl` order),
//! `users.json`, `users.csv`, and with topics too `fidelity.json` (the
//! replay of the triggers against Chorus's tracker hits, tallied as the
//! transcripts are added); then `report.json`, `report.csv`, and
//! `manifest.json`.
//!
//! Transcripts may be compressed apart from the package, on any thread or in
//! another Web Worker (`PreparedEntry::compress`: the entry as a one-entry
//! streamed zip, plain bytes that can cross to another worker), and
//! appended in order (`add_prepared`, which copies that zip's entry as it
//! is): the bytes are the same as when the writer compresses them itself.

use crate::decide::fidelity::FidelityTally;
use crate::decide::replay::Replay;
use crate::digest::HashingWriter;
use crate::error::{Error, Result};
use crate::model::calls::PlannedCall;
use crate::model::calls::TrackerHitRecord;
use crate::model::conversion::{CallsOutcome, Conversion, InputRecord};
use crate::model::packed::Packed;

use crate::format::{FileRecord, FORMAT_NAME, FORMAT_VERSION};
use crate::model::Theme;
use crate::read::archive::{ArchiveSource, StoredRange};
use crate::write::calls::{
    prepare_transcript, recording_job, source, transcript_job, write_call_lines, write_calls_head,
    write_recordings, write_users, PreparedTranscript, TranscriptJob, TranscriptSupply,
};
pub use crate::write::entries::{to_json_bytes, PackageWriter, PreparedEntry, DEFLATE_LEVEL};
use crate::write::report::{write_report_csv, write_report_json};
use serde::Serialize;
use std::io::Write;

#[derive(Serialize)]
struct ThemesFile<'a> {
    themes: &'a [Theme],
}

#[derive(Serialize)]
struct Manifest<'a> {
    format: &'static str,
    format_version: u32,
    generator: &'static str,
    /// The part's number, in a package split into parts.
    #[serde(skip_serializing_if = "Option::is_none")]
    part: Option<usize>,
    inputs: &'a [InputRecord],
    counts: crate::model::conversion::Counts,
    files: &'a Packed<FileRecord>,
}

/// Where a package goes: a sink per part, opened as the part begins and
/// handed back, with what the part holds, once the part is written. A
/// package without parts is one part (`Whole`).
pub trait PackageOutput {
    type Sink: Write;
    /// The sink of part `number` (1, 2, ...).
    fn open(&mut self, number: usize) -> Result<Self::Sink>;
    /// Takes the sink of a part written whole back.
    fn close(&mut self, part: &WrittenPart, sink: Self::Sink) -> Result<()>;
}

/// One written part: its number, size, SHA-256 (hex; only for packages
/// split into parts) and how many calls it holds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct WrittenPart {
    pub number: usize,
    pub bytes: u64,
    pub sha256: Option<String>,
    pub calls: usize,
}

/// A package written whole into one sink.
pub struct Whole<W>(Option<W>);

impl<W: Write> Whole<W> {
    pub fn new(sink: W) -> Self {
        Whole(Some(sink))
    }

    /// The sink, once the package is written.
    fn into_inner(self) -> Result<W> {
        self.0
            .ok_or_else(|| Error::Write("the package was not written".to_string()))
    }
}

impl<W: Write> PackageOutput for Whole<W> {
    type Sink = W;
    fn open(&mut self, _: usize) -> Result<W> {
        self.0
            .take()
            .ok_or_else(|| Error::Write("a package written whole has one part".to_string()))
    }
    fn close(&mut self, _: &WrittenPart, sink: W) -> Result<()> {
        self.0 = Some(sink);
        Ok(())
    }
}

/// What a finished session wrote: the output back, every part, and the
/// run's counts and fidelity (over all parts).
pub struct Written<O> {
    pub output: O,
    pub parts: Vec<WrittenPart>,
    pub counts: crate::model::conversion::Counts,
    pub fidelity: Option<crate::decide::fidelity::Fidelity>,
}

/// A package being written in steps, for a writer that gets its transcript
/// entries from elsewhere (other threads, other Web Workers) as they come:
/// `begin` writes what precedes the transcripts, `add_transcript` takes
/// them in `transcript_jobs` order, `finish` writes the rest.
///
/// Split into parts (`begin_parts`), each part holds a run of calls in
/// `calls.jsonl` order: a call goes into the current part while the part,
/// with everything its closing still writes counted at its largest (see
/// `OpenPart::projected`), stays within the part size; else the part is
/// closed and the call begins the next one. A part's `calls.jsonl` comes
/// after its transcripts and recordings: where it ends is known only then.
/// With `let_recordings_wait`, a part that is full waits (answering
/// `Placing::RecordingsDue`) for its recordings to be handed over
/// (`next_recording`) before it closes at `resume`.
pub struct PackageSession<O: PackageOutput> {
    output: O,
    part: Option<OpenPart<O::Sink>>,
    written: Vec<WrittenPart>,
    jobs: Packed<TranscriptJob>,
    next: usize,
    fidelity: Option<FidelityRun>,
    /// The run's fidelity, once its tally is finished.
    finished: Option<crate::decide::fidelity::Fidelity>,
    split: Option<Split>,
    /// The calls (in `calls.jsonl` order) before this one have their
    /// recordings in: written whole, once every transcript is in; split
    /// into parts, those of the parts closed and of the part closing.
    recordings_from: usize,
    /// Whether a part that is full waits for its recordings to be handed
    /// over (`let_recordings_wait`) instead of copying them as it closes.
    recordings_wait: bool,
    /// The open part is full: it takes no more calls, only its recordings,
    /// and closes at `resume`.
    closing: bool,
    /// The transcript whose call begins the next part, held while the
    /// part before it waits for its recordings.
    held: Option<PreparedTranscript>,
}

/// Where the package stands after a transcript or the calls left were
/// placed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Placing {
    /// Placed; the package takes what comes next.
    Done,
    /// A part is full and waits for its recordings (`next_recording` or
    /// `add_recordings` until they answer none is left), then `resume`;
    /// written whole, the recordings are due once every transcript is in.
    RecordingsDue,
}

/// What `PackageSession::next_recording` did with the next recording.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NextRecording {
    /// Copied into the package whole (compressed in its archive, or a
    /// folder's file).
    Copied,
    /// Begun: its bytes lie in `range` of the archive `archive` (in the
    /// order the conversion read them), whose entry `entry` it is.
    Read {
        archive: usize,
        entry: usize,
        range: StoredRange,
    },
}

/// The replay of a package's triggers and its tally, while the transcripts
/// are added: Chorus's hits of each transcript job's call, in job order.
struct FidelityRun {
    replay: Replay,
    tally: FidelityTally,
    chorus: Packed<Option<Vec<TrackerHitRecord>>>,
}

/// A package split into parts of at most `size` bytes.
struct Split {
    size: u64,
    /// Calls placed in a part so far (the next call's index).
    placed: usize,
    /// Per user of the run (in `users.json` order): the first part whose
    /// calls need it; a later part lists it as `existing`.
    first_part: Vec<Option<usize>>,
    /// Bounds of what every part's closing writes whatever its calls: the
    /// manifest's head and its fixed records, `fidelity.json` without
    /// missed mentions, the entries' headers and the end records.
    fixed: u64,
    /// The run's report (in part 1) and an empty report (in the others).
    report: u64,
    empty_report: u64,
    /// Topics, which bound the missed mentions `fidelity.json` lists.
    topics: u64,
}

/// Bounds the bytes deflate writes for `bytes` bytes (zlib's
/// `compressBound`: stored blocks when nothing compresses).
fn compress_bound(bytes: u64) -> u64 {
    bytes + (bytes >> 12) + (bytes >> 14) + (bytes >> 25) + 13
}

/// The most a listed missed mention adds to `fidelity.json`: its phrase
/// and text (48 characters each, escaped), the call's id and its figures.
const MISSED_MENTION_BOUND: u64 = 1024;
/// How many missed mentions `fidelity.json` lists per topic at most.
const MISSED_LISTED: u64 = crate::decide::fidelity::MISSED_MENTIONS_LISTED as u64;

/// The most an entry adds around its content: local header, zip64 extra
/// and data descriptor, central record, and its manifest record.
fn entry_bound(path: &str) -> u64 {
    let path = path.len() as u64;
    (30 + path + 20 + 24) + (46 + path + 28) + (path + 128)
}

/// The entries every part ends with, after its transcripts and recordings.
const CLOSING_ENTRIES: [&str; 8] = [
    "themes.json",
    "calls.jsonl",
    "users.json",
    "users.csv",
    "fidelity.json",
    "report.json",
    "report.csv",
    "manifest.json",
];

/// Counts what `write` writes.
fn written_bytes(write: impl FnOnce(&mut dyn Write) -> std::io::Result<()>) -> u64 {
    let mut counted = HashingWriter::counting(std::io::sink());
    write(&mut counted).expect("writing to a sink cannot fail");
    counted.finish().1
}

/// The part being written.
struct OpenPart<S: Write> {
    number: usize,
    package: PackageWriter<HashingWriter<S>>,
    /// Its calls, by index in `calls.jsonl` order.
    calls: std::ops::Range<usize>,
    transcripts: usize,
    media: usize,
    /// The recordings its closing copies, with their entries' bounds.
    media_bytes: u64,
    /// `calls.jsonl`, `users.json` and `users.csv` as they stand, the
    /// missed mentions of Chorus's hits on its calls (which bound those
    /// `fidelity.json` lists) and the manifest records of its entries.
    lines: u64,
    users_json: u64,
    users_csv: u64,
    mentions: u64,
    records: u64,
    /// Its users, by index in the run's `users.json`.
    users: std::collections::BTreeSet<usize>,
    tally: Option<FidelityTally>,
}

impl<S: Write> OpenPart<S> {
    /// The part's size if closed now (with `growth`, the next call, added),
    /// at its largest.
    fn projected(&self, split: &Split, growth: Option<&CallGrowth>) -> u64 {
        let (written, central) = self.package.zip.written();
        let add = |field: fn(&CallGrowth) -> u64| growth.map_or(0, field);
        let report = if self.number == 1 {
            split.report
        } else {
            split.empty_report
        };
        let mentions = self.mentions + add(|g| g.mentions);
        let missed = mentions.min(split.topics * MISSED_LISTED) * MISSED_MENTION_BOUND;
        written
            + central
            + add(|g| g.entries)
            + self.media_bytes
            + add(|g| g.media_bytes)
            + compress_bound(self.lines + add(|g| g.line))
            + compress_bound(self.users_json + add(|g| g.users_json))
            + compress_bound(self.users_csv + add(|g| g.users_csv))
            + compress_bound(report)
            + split.fixed
            + compress_bound(missed)
            + compress_bound(self.records + add(|g| g.records))
    }
}

/// What one call adds to a part: its entries (the transcript as
/// prepared, the recording at its largest), its line, its users new to the
/// part, Chorus's mentions on it.
struct CallGrowth {
    entries: u64,
    media_bytes: u64,
    line: u64,
    users: Vec<usize>,
    users_json: u64,
    users_csv: u64,
    mentions: u64,
    records: u64,
}

/// The users (of the run's, sorted by email) that `planned` needs.
fn users_of(planned: &PlannedCall, users: &[crate::model::calls::User]) -> Vec<usize> {
    let mut found: Vec<usize> = planned
        .internal_people
        .iter()
        .filter_map(|person| person.email.as_deref())
        .filter_map(|email| {
            let email = email.to_ascii_lowercase();
            users
                .binary_search_by(|u| u.email.as_str().cmp(&email))
                .ok()
        })
        .collect();
    found.sort_unstable();
    found.dedup();
    found
}

impl<W: Write> PackageSession<Whole<W>> {
    /// Writes `themes.json` and, with call archives, `calls.jsonl`: a
    /// package written whole.
    pub fn begin(conversion: &Conversion, sink: W) -> Result<Self> {
        Self::begin_parts(conversion, Whole::new(sink), None)
    }

    /// `finish_parts` for a package written whole: the sink back.
    pub fn finish(
        self,
        conversion: &Conversion,
        archives: &mut [&mut dyn ArchiveSource],
    ) -> Result<W> {
        self.finish_parts(conversion, archives)?.output.into_inner()
    }
}

impl<O: PackageOutput> PackageSession<O> {
    /// Begins the package into `output`, split into parts of at most
    /// `part_size` bytes when given (else written whole, as `begin`).
    pub fn begin_parts(conversion: &Conversion, output: O, part_size: Option<u64>) -> Result<Self> {
        let outcome = conversion.calls.as_ref();
        let fidelity = conversion.replay().map(|replay| FidelityRun {
            replay,
            tally: FidelityTally::new(&conversion.themes),
            chorus: outcome
                .iter()
                .flat_map(|calls| calls.calls.iter())
                .filter(|planned| transcript_job(planned).is_some())
                .map(|planned| planned.chorus_trackers)
                .collect(),
        });
        let split = part_size.map(|size| Split::new(conversion, size));
        let mut session = PackageSession {
            output,
            part: None,
            written: Vec::new(),
            jobs: conversion.transcript_jobs(),
            next: 0,
            fidelity,
            finished: None,
            split,
            recordings_from: 0,
            recordings_wait: false,
            closing: false,
            held: None,
        };
        session.open_part(conversion)?;
        if session.split.is_none() {
            if let (Some(calls), Some(part)) = (outcome, session.part.as_mut()) {
                write_calls_head(&mut part.package, calls)?;
            }
        }
        Ok(session)
    }

    /// Opens the next part and writes its `themes.json`.
    fn open_part(&mut self, conversion: &Conversion) -> Result<()> {
        let number = self.written.len() + 1;
        let sink = self.output.open(number)?;
        let hashing = if self.split.is_some() {
            HashingWriter::new(sink)
        } else {
            HashingWriter::counting(sink)
        };
        let mut package = PackageWriter::new(hashing);
        package.add(
            "themes.json",
            &to_json_bytes(&ThemesFile {
                themes: &conversion.themes,
            }),
        )?;
        let first = self.split.as_ref().map_or(0, |split| split.placed);
        self.part = Some(OpenPart {
            number,
            package,
            calls: first..first,
            transcripts: 0,
            media: 0,
            media_bytes: 0,
            lines: 0,
            users_json: 0,
            users_csv: 0,
            mentions: 0,
            records: 0,
            users: Default::default(),
            tally: self
                .split
                .as_ref()
                .and(self.fidelity.as_ref())
                .map(|_| FidelityTally::new(&conversion.themes)),
        });
        Ok(())
    }

    /// How many transcript entries are in.
    pub fn transcripts_in(&self) -> usize {
        self.next
    }

    /// The transcript entry the package takes next, if any is left.
    pub fn next_job(&self) -> Option<TranscriptJob> {
        self.jobs.get(self.next)
    }

    /// The replay every transcript entry must be prepared with, if the
    /// package has topics to replay.
    pub fn replay(&self) -> Option<&Replay> {
        self.fidelity.as_ref().map(|run| &run.replay)
    }

    /// From now on, a part that is full waits for its recordings, as a
    /// package written whole does once its transcripts are in: the caller
    /// reads them where `next_recording` says (a Web Worker, through the
    /// File's byte stream) or lets `add_recordings` copy them in steps.
    /// Without this, a part copies its recordings as it closes.
    pub fn let_recordings_wait(&mut self) {
        self.recordings_wait = true;
    }

    /// Appends the next transcript entry, prepared with `replay()`; one for
    /// another path is refused. Split into parts, the calls before it
    /// without a transcript are placed first, and a part that is full is
    /// closed (its recordings re-read from `archives`), or, with
    /// `let_recordings_wait`, waits for them: the transcript is held until
    /// `resume`.
    pub fn add_transcript(
        &mut self,
        prepared: PreparedTranscript,
        conversion: &Conversion,
        archives: &mut [&mut dyn ArchiveSource],
    ) -> Result<Placing> {
        self.refuse_while_closing(prepared.entry.path())?;
        self.place_transcript(prepared, conversion, archives)
    }

    /// Once the recordings of the part that waits for them are in (any
    /// left are copied here), closes it and places what waited: the
    /// transcript held, or the calls left (`place_rest`).
    pub fn resume(
        &mut self,
        conversion: &Conversion,
        archives: &mut [&mut dyn ArchiveSource],
    ) -> Result<Placing> {
        match self.held.take() {
            Some(prepared) => self.place_transcript(prepared, conversion, archives),
            None => self.place_rest(conversion, archives),
        }
    }

    /// Once every transcript is in, places the calls left (split into
    /// parts) and, with `let_recordings_wait`, answers `RecordingsDue`
    /// while recordings are still to come: those of a part that is full,
    /// of the last part, or written whole, of every call. `finish_parts`
    /// then writes the rest.
    pub fn place_rest(
        &mut self,
        conversion: &Conversion,
        archives: &mut [&mut dyn ArchiveSource],
    ) -> Result<Placing> {
        if let Some(job) = self.next_job() {
            return Err(Error::Write(format!(
                "{}: the calls left are placed once every transcript is in",
                job.path
            )));
        }
        let Some(outcome) = conversion.calls.as_ref() else {
            return Ok(Placing::Done);
        };
        if !self.recordings_wait {
            return Ok(Placing::Done);
        }
        if self.split.is_none() {
            let due = (self.recordings_from..outcome.calls.len())
                .filter_map(|index| outcome.calls.get(index))
                .any(|planned| recording_job(&planned).is_some());
            return Ok(if due {
                Placing::RecordingsDue
            } else {
                Placing::Done
            });
        }
        if self.place_calls(conversion, archives, None)? {
            return Ok(Placing::RecordingsDue);
        }
        // The last part.
        if self.closing || self.part.as_ref().is_some_and(|part| part.media == 0) {
            return Ok(Placing::Done);
        }
        self.closing = true;
        Ok(Placing::RecordingsDue)
    }

    /// Refuses a transcript while a part waits for its recordings (a
    /// transcript held waits only while its part is `closing`).
    fn refuse_while_closing(&self, path: &str) -> Result<()> {
        match &self.part {
            Some(part) if self.closing => Err(Error::Write(format!(
                "{path}: a transcript while part {} waits for its recordings",
                part.number
            ))),
            _ => Ok(()),
        }
    }

    fn place_transcript(
        &mut self,
        prepared: PreparedTranscript,
        conversion: &Conversion,
        archives: &mut [&mut dyn ArchiveSource],
    ) -> Result<Placing> {
        let job = match self.next_job() {
            Some(job) if job.path == prepared.entry.path() => job,
            expected => {
                return Err(Error::Write(format!(
                    "{}: a transcript out of order (the package takes {} next)",
                    prepared.entry.path(),
                    expected.map_or("no more transcripts".to_string(), |j| j.path)
                )))
            }
        };
        let chorus = self
            .fidelity
            .as_ref()
            .and_then(|run| run.chorus.get(self.next).flatten());
        if self.split.is_some()
            && self.place_calls(
                conversion,
                archives,
                Some((&prepared.entry, chorus.as_deref())),
            )?
        {
            self.held = Some(prepared);
            return Ok(Placing::RecordingsDue);
        }
        let PreparedTranscript { entry, hits } = prepared;
        if let Some(run) = self.fidelity.as_mut() {
            run.tally.add_call(&job.source_id, chorus.as_deref(), &hits);
        }
        let part = self.part.as_mut().expect("a part is open until finish");
        if let Some(tally) = part.tally.as_mut() {
            tally.add_call(&job.source_id, chorus.as_deref(), &hits);
        }
        part.package.add_prepared(entry)?;
        self.next += 1;
        Ok(Placing::Done)
    }

    /// Copies the recordings of the next calls, at most `max` recordings
    /// and, past the first, no more than `max_bytes` of them: written
    /// whole, once every transcript is in; split into parts, those of the
    /// part that waits for them (`Placing::RecordingsDue`), and none while
    /// a part takes calls. A writer that must give its event loop a turn
    /// now and then (a Web Worker) copies them in steps; `finish_parts`
    /// and `resume` copy what is left. Answers whether calls are left to
    /// look at.
    pub fn add_recordings(
        &mut self,
        conversion: &Conversion,
        archives: &mut [&mut dyn ArchiveSource],
        max: usize,
        max_bytes: u64,
    ) -> Result<bool> {
        let Some((outcome, end)) = self.recordings_due(conversion)? else {
            return Ok(false);
        };
        let part = self.part.as_mut().expect("a part is open until finish");
        let mut jobs = Vec::new();
        let mut bytes = 0u64;
        while jobs.len() < max && self.recordings_from < end {
            if let Some(job) = outcome
                .calls
                .get(self.recordings_from)
                .and_then(|p| recording_job(&p))
            {
                if !jobs.is_empty() && bytes.saturating_add(job.bytes) > max_bytes {
                    break;
                }
                bytes = bytes.saturating_add(job.bytes);
                jobs.push(job);
            }
            self.recordings_from += 1;
        }
        write_recordings(&mut part.package, jobs.into_iter(), archives)?;
        Ok(self.recordings_from < end)
    }

    /// Takes the next call's recording, where `add_recordings` would copy
    /// it: one of at least `read_from` bytes stored as it is in a zip is
    /// begun, its bytes to come from the caller, who reads them from the
    /// archive's file where `NextRecording::Read` says (`recording_bytes`,
    /// then `end_recording`); any other is copied here. `None` once no
    /// recording is due.
    pub fn next_recording(
        &mut self,
        conversion: &Conversion,
        archives: &mut [&mut dyn ArchiveSource],
        read_from: u64,
    ) -> Result<Option<NextRecording>> {
        let Some((outcome, end)) = self.recordings_due(conversion)? else {
            return Ok(None);
        };
        let job = loop {
            let Some(planned) = outcome
                .calls
                .get(self.recordings_from)
                .filter(|_| self.recordings_from < end)
            else {
                return Ok(None);
            };
            self.recordings_from += 1;
            if let Some(job) = recording_job(&planned) {
                break job;
            }
        };
        let part = self.part.as_mut().expect("a part is open until finish");
        let (archive, location, _) = source(archives, job.source)?;
        // Smaller ones are copied here, without a read of their local header.
        let range = if job.bytes < read_from {
            None
        } else {
            archive.stored_range(job.source.entry).map_err(|e| {
                Error::input(
                    location.clone(),
                    format!("cannot re-read the recording: {e}"),
                )
            })?
        };
        match range {
            Some(range) if range.bytes == job.bytes => {
                part.package
                    .begin_stored(&job.path, range.bytes, range.crc32, &location)?;
                Ok(Some(NextRecording::Read {
                    archive: job.source.archive,
                    entry: job.source.entry,
                    range,
                }))
            }
            _ => {
                write_recordings(&mut part.package, std::iter::once(job), archives)?;
                Ok(Some(NextRecording::Copied))
            }
        }
    }

    /// The next bytes of the recording `next_recording` began.
    pub fn recording_bytes(&mut self, bytes: &[u8]) -> Result<()> {
        self.current_part()?.package.stored_bytes(bytes)
    }

    /// Ends the recording `next_recording` began, once all its bytes
    /// came; gives its size.
    pub fn end_recording(&mut self) -> Result<u64> {
        self.current_part()?.package.end_stored()
    }

    /// The calls and where those whose recordings are due end: written
    /// whole, every call, refused while transcripts are still to come;
    /// split into parts, the calls of the part that waits for its
    /// recordings, and none while a part takes calls.
    fn recordings_due<'c>(
        &self,
        conversion: &'c Conversion,
    ) -> Result<Option<(&'c CallsOutcome, usize)>> {
        let Some(outcome) = conversion.calls.as_ref() else {
            return Ok(None);
        };
        if self.split.is_some() {
            return Ok(self
                .part
                .as_ref()
                .filter(|_| self.closing)
                .map(|part| (outcome, part.calls.end)));
        }
        if let Some(job) = self.next_job() {
            return Err(Error::Write(format!(
                "{}: recordings come after every transcript",
                job.path
            )));
        }
        Ok(Some((outcome, outcome.calls.len())))
    }

    fn current_part(&mut self) -> Result<&mut OpenPart<O::Sink>> {
        self.part
            .as_mut()
            .ok_or_else(|| Error::Write("the package is finished".to_string()))
    }

    /// Split into parts: places the calls without a transcript up to the
    /// next transcript's call, then that call (with `transcript`, its entry
    /// and Chorus's hits), or with none all calls left. Answers whether it
    /// stopped at a part that waits for its recordings (`place`); called
    /// again, it goes on from the call it stopped at.
    fn place_calls(
        &mut self,
        conversion: &Conversion,
        archives: &mut [&mut dyn ArchiveSource],
        transcript: Option<(&PreparedEntry, Option<&[TrackerHitRecord]>)>,
    ) -> Result<bool> {
        let Some(outcome) = conversion.calls.as_ref() else {
            return Ok(false);
        };
        loop {
            let index = self.split.as_ref().map_or(usize::MAX, |split| split.placed);
            let Some(planned) = outcome.calls.get(index) else {
                return Ok(false);
            };
            let with_transcript = transcript_job(&planned).is_some();
            let entry = match (with_transcript, transcript) {
                (false, _) => None,
                (true, Some(entry)) => Some(entry),
                (true, None) => return Ok(false),
            };
            if self.place(conversion, archives, &planned, entry)? {
                return Ok(true);
            }
            if with_transcript {
                return Ok(false);
            }
        }
    }

    /// Places one call in the current part, or, when it would not fit in a
    /// part that holds a call already, closes that part and begins the
    /// next. With `let_recordings_wait`, a part with recordings is not
    /// closed at once: it waits for them (`closing`) and the call is not
    /// placed (answers true); placed again, the call closes it.
    fn place(
        &mut self,
        conversion: &Conversion,
        archives: &mut [&mut dyn ArchiveSource],
        planned: &PlannedCall,
        transcript: Option<(&PreparedEntry, Option<&[TrackerHitRecord]>)>,
    ) -> Result<bool> {
        let outcome = conversion
            .calls
            .as_ref()
            .expect("calls are placed with call archives");
        let growth = |part: &OpenPart<O::Sink>| {
            let mut growth = CallGrowth {
                entries: 0,
                media_bytes: 0,
                line: serde_json::to_vec(&planned.call).map_or(0, |line| line.len() as u64 + 1),
                users: Vec::new(),
                users_json: 0,
                users_csv: 0,
                mentions: 0,
                records: 0,
            };
            if let Some((entry, chorus)) = transcript {
                growth.entries += entry.zip_len() + 46 + 28 + entry.path().len() as u64;
                growth.records += entry.path().len() as u64 + 128;
                growth.mentions = chorus
                    .iter()
                    .flat_map(|hits| hits.iter())
                    .map(|hit| hit.mentions.len() as u64)
                    .sum();
            }
            if let Some(recording) = recording_job(planned) {
                growth.media_bytes += recording.bytes + entry_bound(&recording.path);
            }
            for user in users_of(planned, &outcome.users) {
                if part.users.contains(&user) {
                    continue;
                }
                let row =
                    serde_json::to_vec(&outcome.users[user]).map_or(0, |row| row.len() as u64);
                growth.users_json += row + 128;
                growth.users_csv += 2 * row + 16;
                growth.users.push(user);
            }
            growth
        };
        let (part, split) = (
            self.part.as_ref().expect("a part is open until finish"),
            self.split.as_ref().expect("calls are placed in parts"),
        );
        let mut grow = growth(part);
        if self.closing || !part.calls.is_empty() && part.projected(split, Some(&grow)) > split.size
        {
            if self.recordings_wait && !self.closing && part.media > 0 {
                self.closing = true;
                return Ok(true);
            }
            self.close_part(conversion, archives)?;
            self.open_part(conversion)?;
            grow = growth(self.part.as_ref().expect("a part was just opened"));
        }
        let split = self.split.as_mut().expect("calls are placed in parts");
        let part = self.part.as_mut().expect("a part is open until finish");
        part.calls.end += 1;
        split.placed = part.calls.end;
        part.transcripts += usize::from(transcript.is_some());
        part.media += usize::from(recording_job(planned).is_some());
        part.media_bytes += grow.media_bytes;
        part.lines += grow.line;
        part.users_json += grow.users_json;
        part.users_csv += grow.users_csv;
        part.mentions += grow.mentions;
        part.records += grow.records;
        for user in grow.users {
            split.first_part[user].get_or_insert(part.number);
            part.users.insert(user);
        }
        Ok(false)
    }

    /// Writes the rest of the current part (recordings, `calls.jsonl` when
    /// split, users, `fidelity.json`, report, manifest) and hands it to
    /// the output.
    fn close_part(
        &mut self,
        conversion: &Conversion,
        archives: &mut [&mut dyn ArchiveSource],
    ) -> Result<()> {
        let OpenPart {
            number,
            mut package,
            calls,
            transcripts,
            media,
            users,
            tally,
            ..
        } = self.part.take().expect("a part is open until finish");
        let mut counts = conversion.counts();
        let empty_report = crate::report::Report::default();
        let no_calls_skipped = Packed::default();
        let (report, skipped) = match (&self.split, &conversion.calls) {
            (None, Some(outcome)) => {
                // After the recordings (`add_recordings`), the users.
                write_users(&mut package, &outcome.users)?;
                (&conversion.report, Some(&outcome.skipped))
            }
            (None, None) | (Some(_), None) => (&conversion.report, None),
            (Some(split), Some(outcome)) => {
                let in_part = || calls.clone().filter_map(|index| outcome.calls.get(index));
                // Those not handed over while the part waited for them.
                write_recordings(
                    &mut package,
                    (self.recordings_from.max(calls.start)..calls.end)
                        .filter_map(|index| outcome.calls.get(index))
                        .filter_map(|p| recording_job(&p)),
                    archives,
                )?;
                self.recordings_from = calls.end;
                self.closing = false;
                write_call_lines(&mut package, in_part())?;
                let part_users: Vec<crate::model::calls::User> = users
                    .iter()
                    .map(|&index| {
                        let mut user = outcome.users[index].clone();
                        if split.first_part[index] != Some(number) {
                            user.action = crate::model::calls::UserAction::Existing;
                        }
                        user
                    })
                    .collect();
                write_users(&mut package, &part_users)?;
                let first = number == 1;
                counts.calls = Some(crate::model::conversion::CallCounts {
                    calls: calls.len(),
                    skipped_calls: if first { outcome.skipped.len() } else { 0 },
                    transcripts,
                    media,
                    users: part_users.len(),
                    users_to_create: part_users
                        .iter()
                        .filter(|u| u.action == crate::model::calls::UserAction::Create)
                        .count(),
                });
                if first {
                    (&conversion.report, Some(&outcome.skipped))
                } else {
                    counts.report = Default::default();
                    (&empty_report, Some(&no_calls_skipped))
                }
            }
        };
        // Whole, the package's fidelity is the run's; split, each part's
        // is that of its calls.
        let fidelity = match tally {
            Some(tally) => Some(tally.finish()),
            None if self.split.is_none() => {
                self.finished = self.fidelity.take().map(|run| run.tally.finish());
                self.finished.clone()
            }
            None => None,
        };
        if let Some(fidelity) = fidelity {
            counts.fidelity = Some(fidelity.summary.clone());
            package.add("fidelity.json", &to_json_bytes(&fidelity))?;
        }
        package.add_written("report.json", |out| write_report_json(report, skipped, out))?;
        package.add_written("report.csv", |out| write_report_csv(report, skipped, out))?;
        let part = self.split.as_ref().map(|_| number);
        // Streamed (the bytes `to_json_bytes` would give): at tens of
        // thousands of entries the manifest is megabytes.
        let hashing = package
            .finish(|out, files| write_manifest(out, &conversion.inputs, &counts, part, files))?;
        let (sink, bytes, sha256) = hashing.finish();
        let written = WrittenPart {
            number,
            bytes,
            sha256,
            // Whole, the part holds every call.
            calls: match (&self.split, &conversion.calls) {
                (None, Some(outcome)) => outcome.calls.len(),
                _ => calls.len(),
            },
        };
        self.output.close(&written, sink)?;
        self.written.push(written);
        Ok(())
    }

    /// Writes the rest: the calls left (split into parts), the recordings
    /// (re-read from `archives`), the users, the report and the manifest;
    /// gives the output back with what was written. Every transcript must
    /// have been added.
    pub fn finish_parts(
        mut self,
        conversion: &Conversion,
        archives: &mut [&mut dyn ArchiveSource],
    ) -> Result<Written<O>> {
        if let Some(job) = self.next_job() {
            return Err(Error::Write(format!(
                "{}: the package was finished without this transcript",
                job.path
            )));
        }
        if self.split.is_some() {
            // A part that waits for its recordings copies them here.
            while self.place_calls(conversion, archives, None)? {}
        } else {
            // The recordings `add_recordings` has not copied yet.
            self.add_recordings(conversion, archives, usize::MAX, u64::MAX)?;
        }
        self.close_part(conversion, archives)?;
        let mut counts = conversion.counts();
        let fidelity = match self.finished.take() {
            Some(fidelity) => Some(fidelity),
            None => self.fidelity.take().map(|run| run.tally.finish()),
        };
        counts.fidelity = fidelity.as_ref().map(|f| f.summary.clone());
        Ok(Written {
            output: self.output,
            parts: self.written,
            counts,
            fidelity,
        })
    }
}

impl Split {
    fn new(conversion: &Conversion, size: u64) -> Split {
        let topics: u64 = conversion
            .themes
            .iter()
            .map(|t| t.topics.len() as u64)
            .sum();
        let skipped = conversion.calls.as_ref().map(|calls| &calls.skipped);
        let no_skipped = Packed::default();
        let empty = crate::report::Report::default();
        let report =
            |report: &crate::report::Report,
             skipped: Option<&Packed<crate::model::calls::SkippedCall>>| {
                written_bytes(|out| write_report_json(report, skipped, out))
                    + written_bytes(|out| write_report_csv(report, skipped, out))
            };
        let mut counts = conversion.counts();
        counts.fidelity = Some(crate::decide::fidelity::FidelitySummary {
            calls_compared: u64::MAX,
            calls_without_chorus_trackers: u64::MAX,
            topics: u64::MAX,
            topics_matched: u64::MAX,
            topics_at_100: u64::MAX,
            topics_below_90: u64::MAX,
            topics_not_seen: u64::MAX,
        });
        let manifest_head = written_bytes(|out| {
            write_manifest(
                out,
                &conversion.inputs,
                &counts,
                Some(usize::MAX),
                &Packed::default(),
            )
        });
        // fidelity.json's topics with every figure at its widest and the
        // tracker's name (Chorus's spelling, the topic's up to case and
        // spaces) escaped at its longest.
        let fidelity = if conversion.replay().is_some() {
            let skeleton = written_bytes(|out| {
                serde_json::to_writer_pretty(
                    &mut *out,
                    &FidelityTally::new(&conversion.themes).finish(),
                )?;
                out.write_all(b"\n")
            });
            let names: u64 = conversion
                .themes
                .iter()
                .flat_map(|t| t.topics.iter())
                .map(|topic| 6 * topic.name.len() as u64 + 64 + 12 * 20)
                .sum();
            compress_bound(skeleton + names)
        } else {
            0
        };
        let closing: u64 = CLOSING_ENTRIES.iter().map(|path| entry_bound(path)).sum();
        Split {
            size,
            placed: 0,
            first_part: vec![None; conversion.calls.as_ref().map_or(0, |c| c.users.len())],
            fixed: compress_bound(manifest_head) + fidelity + closing + 98 + 22,
            report: report(&conversion.report, skipped),
            empty_report: report(&empty, skipped.map(|_| &no_skipped)),
            topics,
        }
    }
}

/// Writes `manifest.json`: the run's inputs, the part's counts, its number
/// when the package is split into parts, and every other entry's record.
fn write_manifest(
    out: &mut dyn Write,
    inputs: &[InputRecord],
    counts: &crate::model::conversion::Counts,
    part: Option<usize>,
    files: &Packed<FileRecord>,
) -> std::io::Result<()> {
    let manifest = Manifest {
        format: FORMAT_NAME,
        format_version: FORMAT_VERSION,
        generator: crate::GENERATOR,
        part,
        inputs,
        counts: counts.clone(),
        files,
    };
    serde_json::to_writer_pretty(&mut *out, &manifest)?;
    out.write_all(b"\n")
}

/// Writes the whole package for a conversion; transcripts and recordings
/// are re-read from `archives` (the sources the conversion read, in order).
/// `transcripts`, when given, supplies the transcript entries (else they
/// are prepared here, one at a time).
pub fn write_package<W: Write>(
    conversion: &Conversion,
    archives: &mut [&mut dyn ArchiveSource],
    transcripts: Option<&mut TranscriptSupply>,
    sink: W,
) -> Result<W> {
    write_package_parts(conversion, archives, transcripts, Whole::new(sink), None)?
        .output
        .into_inner()
}

/// `write_package` into `output`, split into parts of at most `part_size`
/// bytes when given.
pub fn write_package_parts<O: PackageOutput>(
    conversion: &Conversion,
    archives: &mut [&mut dyn ArchiveSource],
    mut transcripts: Option<&mut TranscriptSupply>,
    output: O,
    part_size: Option<u64>,
) -> Result<Written<O>> {
    let mut session = PackageSession::begin_parts(conversion, output, part_size)?;
    while let Some(job) = session.next_job() {
        let entry = match transcripts.as_deref_mut() {
            Some(supply) => supply(&job)?,
            None => prepare_transcript(&job, archives, session.replay())?,
        };
        session.add_transcript(entry, conversion, archives)?;
    }
    session.finish_parts(conversion, archives)
}
