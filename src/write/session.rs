//! The package written in steps (`PackageSession`), for a writer that gets
//! its transcript entries from elsewhere (other threads, other Web
//! Workers) as they come, and for a page that hands recordings over in
//! pieces. In: the conversion, the output, and in order the prepared
//! transcripts (`add_transcript`) and the recordings (`add_recordings`,
//! or `next_recording` .. `end_recording`). Out: each part's entries in
//! package order into its sink, where the package stands after each step
//! (`Placing`), and what was written (`Written`). Whole, or split into
//! parts within a size (`write::split` bounds them); the fidelity tally of
//! the replay runs over the transcripts as they come, for the run and per
//! part.

use crate::decide::fidelity::{Fidelity, FidelityTally};
use crate::decide::replay::Replay;
use crate::digest::HashingWriter;
use crate::error::{Error, Result};
use crate::model::calls::{PlannedCall, TrackerHitRecord, User, UserAction};
use crate::model::conversion::{CallCounts, CallsOutcome, Conversion};
use crate::model::packed::Packed;
use crate::model::Theme;
use crate::read::archive::{ArchiveSource, StoredRange};
use crate::report::Report;
use crate::write::calls::{
    recording_job, source, transcript_job, write_call_lines, write_calls_head, write_recordings,
    write_users, PreparedTranscript, TranscriptJob,
};
use crate::write::entries::{to_json_bytes, PackageWriter, PreparedEntry};
use crate::write::manifest::write_manifest;
use crate::write::output::{PackageOutput, Whole, Written, WrittenPart};
use crate::write::report::{write_report_csv, write_report_json};
use crate::write::split::{CallGrowth, OpenPart, Split};
use serde::Serialize;
use std::io::Write;

#[derive(Serialize)]
struct ThemesFile<'a> {
    themes: &'a [Theme],
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
    finished: Option<Fidelity>,
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
        Self::begin_with_jobs(conversion, output, part_size, conversion.transcript_jobs())
    }

    /// `begin_parts` with the conversion's transcript jobs already made
    /// (`Conversion::transcript_jobs`), shared rather than made again.
    pub fn begin_with_jobs(
        conversion: &Conversion,
        output: O,
        part_size: Option<u64>,
        jobs: Packed<TranscriptJob>,
    ) -> Result<Self> {
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
            jobs,
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
        let tally = self
            .split
            .as_ref()
            .and(self.fidelity.as_ref())
            .map(|_| FidelityTally::new(&conversion.themes));
        self.part = Some(OpenPart::new(number, package, first, tally));
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
        let growth = |part: &OpenPart<O::Sink>| CallGrowth::of(planned, transcript, outcome, part);
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
        part.place(
            split,
            grow,
            transcript.is_some(),
            recording_job(planned).is_some(),
        );
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
        let empty_report = Report::default();
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
                let part_users: Vec<User> = users
                    .iter()
                    .map(|&index| {
                        let mut user = outcome.users[index].clone();
                        if split.first_part[index] != Some(number) {
                            user.action = UserAction::Existing;
                        }
                        user
                    })
                    .collect();
                write_users(&mut package, &part_users)?;
                let first = number == 1;
                counts.calls = Some(CallCounts {
                    calls: calls.len(),
                    skipped_calls: if first { outcome.skipped.len() } else { 0 },
                    transcripts,
                    media,
                    users: part_users.len(),
                    users_to_create: part_users
                        .iter()
                        .filter(|u| u.action == UserAction::Create)
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
