//! The second pass, as one session that any number of workers drive: the
//! transcript entries prepared elsewhere (re-read, built, replayed,
//! deflated: `prepare_transcript`, on the CLI's threads or the page's
//! helper Web Workers), appended in package order whatever order they come
//! in, and the recordings placed (copied by the writer, or read by the
//! driver where it can stream them), part by part.
//!
//! The session does no scheduling I/O of its own (sans-IO, as a protocol
//! state machine): `next` says what to do next (`Step`: prepare job J on
//! worker W, append entry K, read a recording's bytes, wait for an entry,
//! go on, finish), and the driver does it and hands the result back
//! (`arrived`, `append`, `recording_bytes`, `end_recording`, `finish`).
//! What the driver owns: its threads or workers, its messages, where
//! early entries wait (memory, or a file when `arrived` says `Store`),
//! how recordings are read. What the session owns: which worker prepares
//! which job and how far ahead it may run (`Plan`), the order, and the
//! package (`PackageSession`, into the driver's `PackageOutput`). The bytes
//! are those of `write::package::write_package_parts` whatever the plan.

use crate::error::{Error, Result};
use crate::model::packed::Packed;
use crate::read::archive::{ArchiveSource, StoredRange};
use crate::write::calls::{PreparedTranscript, TranscriptJob};
use crate::write::package::{NextRecording, PackageOutput, PackageSession, Placing, Written};
use crate::Conversion;
use std::collections::{BTreeMap, BTreeSet};

/// In what order a worker prepares its share of the jobs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Order {
    /// Package order: entries come roughly in turn, few wait.
    Package,
    /// The order their conversation documents lie in the archives: reading
    /// on beats jumping around a File read in slices; early entries wait.
    Archive,
}

/// When a job stops counting against its worker's credit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Release {
    /// When its entry arrives: the driver keeps early entries (in memory,
    /// or stored when `arrived` says so), and the workers run on.
    Arrival,
    /// When its entry is appended: a worker is at most `credit` entries
    /// ahead of the package, which bounds what waits in memory.
    Append,
}

/// How the second pass is spread over workers and how far each may run
/// ahead; and how the recordings reach the package.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plan {
    /// Workers preparing transcript entries; worker `w` of `n` prepares
    /// jobs `w`, `w + n`, `w + 2n`, ...
    pub workers: usize,
    /// The one worker is the writer itself: it prepares only when nothing
    /// else is due (an entry to append, recordings to copy).
    pub inline: bool,
    pub order: Order,
    /// Jobs a worker may hold at once (at least 1).
    pub credit: usize,
    pub release: Release,
    /// With `Release::Arrival`, the bytes of arrived entries kept in memory
    /// while they wait; past them, `arrived` answers `Store` (the driver
    /// keeps the entry on disk until its turn). `None`: all in memory.
    pub waiting_bytes: Option<u64>,
    /// Recordings of at least this many bytes, stored as they are in their
    /// archive, are read by the driver (`Step::Read`); the writer copies
    /// the others. `None`: the writer copies every recording.
    pub read_recordings_from: Option<u64>,
    /// How many recordings the writer copies in one `Step::Again` at most,
    /// and how many bytes of them past the first.
    pub copy_step: (usize, u64),
}

/// Finished entries a CLI thread may hold ahead of the package.
const THREAD_AHEAD: usize = 4;
/// Entries a page's helper worker may prepare ahead of what the converter
/// has received.
const HELPER_CREDIT: usize = 16;
/// The most bytes of prepared transcripts the page keeps in memory while
/// they wait for their turn; the rest go to a file on disk.
const PAGE_WAITING_BYTES: u64 = 8 * 1024 * 1024;
/// The smallest recording the page reads through the File's byte stream:
/// below it, a `FileReaderSync` read makes little garbage, and one read
/// costs less than a stream's two (41,984 recordings of 280 bytes took 17 s
/// to copy through `FileReaderSync` and longer through streams).
const PAGE_STREAMED_RECORDING: u64 = 1024 * 1024;
/// How many recordings the page's converter copies between two turns of
/// its event loop, and how many bytes of them past the first: every read of
/// the File leaves its bytes behind as garbage that is collected only once
/// the event loop turns (recordings of 20 MB in steps of 64 took the page
/// to 4.7 GB).
const PAGE_COPY_STEP: (usize, u64) = (64, 32 * 1024 * 1024);

impl Plan {
    /// The CLI's: `workers` threads, each preparing its share in package
    /// order, at most `THREAD_AHEAD` finished entries ahead of the writer;
    /// the writer copies the recordings.
    pub fn threads(workers: usize) -> Plan {
        Plan {
            workers: workers.max(1),
            inline: false,
            order: Order::Package,
            credit: THREAD_AHEAD + 1,
            release: Release::Append,
            waiting_bytes: None,
            read_recordings_from: None,
            copy_step: (usize::MAX, u64::MAX),
        }
    }

    /// How many helper Web Workers the page uses for `jobs` entries when it
    /// may start `workers`: one per entry at most, and none (the
    /// converter's worker prepares them itself) for a single worker or
    /// fewer than two entries.
    pub fn page_helpers(workers: usize, jobs: usize) -> usize {
        if workers > 1 && jobs >= 2 {
            workers.min(jobs)
        } else {
            0
        }
    }

    /// The page's: `helpers` helper Web Workers (none: the converter's
    /// worker prepares the entries itself), each preparing its share in
    /// archive order at most `HELPER_CREDIT` entries ahead of what has
    /// arrived; early entries past `PAGE_WAITING_BYTES` stored on disk
    /// when the page `can_store`; the recordings of a MiB and more read
    /// through the File's byte stream when the browser `streams` Files.
    pub fn page(helpers: usize, can_store: bool, streams: bool) -> Plan {
        Plan {
            workers: helpers.max(1),
            inline: helpers == 0,
            order: Order::Archive,
            credit: if helpers == 0 { 1 } else { HELPER_CREDIT },
            release: Release::Arrival,
            waiting_bytes: can_store.then_some(PAGE_WAITING_BYTES),
            read_recordings_from: streams.then_some(PAGE_STREAMED_RECORDING),
            copy_step: PAGE_COPY_STEP,
        }
    }
}

/// What the driver does next.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    /// Prepare job `job` (of `job`) on worker `worker`, then hand its entry
    /// over with `arrived`.
    Prepare { worker: usize, job: usize },
    /// Entry `job`'s turn: `append` it.
    Append { job: usize },
    /// Read bytes `range` of archive `archive` (the recording in its entry
    /// `entry`) and hand them over: `recording_bytes`, then `end_recording`.
    Read {
        archive: usize,
        entry: usize,
        range: StoredRange,
    },
    /// The writer did a step of its own (a part closed, the calls left
    /// placed; `copied`: recordings copied, which a driver reading Files
    /// in slices counts as garbage to let go): `next` again (a driver with
    /// an event loop may give it a turn first).
    Again { copied: bool },
    /// Nothing to do until an entry arrives.
    Wait,
    /// Everything is placed: `finish`.
    Finish,
}

/// Where an arrived entry waits for its turn.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Arrival {
    /// In memory.
    Keep,
    /// Outside memory (on disk): the driver reads it back at its turn.
    Store,
}

/// Where the session stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    /// Transcript entries are appended as their turns come.
    Transcripts,
    /// Recordings are due (a part that is full waits for them; written
    /// whole, every call's once the transcripts are in); then the package
    /// goes on.
    Recordings,
    /// The driver reads a recording's bytes.
    Reading,
    /// Every call is placed.
    Finished,
}

/// The package: begun once the workers have their first jobs (they work
/// while the writer writes what precedes the transcripts).
enum Package<O: PackageOutput> {
    NotBegun {
        output: O,
        part_size: Option<u64>,
    },
    Begun(Box<PackageSession<O>>),
    /// Its beginning failed: the error was said.
    Failed,
}

/// The second pass in progress.
pub struct SecondPass<O: PackageOutput> {
    package: Package<O>,
    plan: Plan,
    jobs: Packed<TranscriptJob>,
    /// Per worker, its jobs in the order it prepares them, and how many
    /// it was given.
    shares: Vec<Vec<usize>>,
    given: Vec<usize>,
    /// Per worker, the jobs it holds against its credit.
    held: Vec<usize>,
    /// Jobs handed out whose entries have not arrived.
    out: BTreeSet<usize>,
    /// Arrived entries waiting for their turn: kept in memory (with the
    /// bytes they hold) or stored.
    kept: BTreeMap<usize, u64>,
    stored: BTreeSet<usize>,
    memory_bytes: u64,
    /// The job whose entry goes in next.
    next_append: usize,
    /// The calls left are placed (once every entry is in).
    rest_placed: bool,
    /// The writer copied recordings since the last step said so.
    copied: bool,
    phase: Phase,
}

impl<O: PackageOutput> SecondPass<O> {
    /// A second pass writing the package into `output` (in parts of at
    /// most `part_size` bytes when given) as `plan` says. Nothing is
    /// written before the first `next`, which hands the workers their
    /// first jobs before the writer writes what precedes the transcripts.
    pub fn begin(
        conversion: &Conversion,
        output: O,
        part_size: Option<u64>,
        plan: Plan,
    ) -> Result<Self> {
        Self::begin_with_jobs(output, part_size, plan, conversion.transcript_jobs())
    }

    /// `begin` with the conversion's transcript jobs already made
    /// (`Conversion::transcript_jobs`, which a driver may have counted to
    /// make its plan), not made again.
    pub fn begin_with_jobs(
        output: O,
        part_size: Option<u64>,
        plan: Plan,
        jobs: Packed<TranscriptJob>,
    ) -> Result<Self> {
        if plan.order == Order::Archive && plan.release == Release::Append {
            // A worker could hold its credit with jobs after the one whose
            // turn it is, which it has not been given yet.
            return Err(Error::Write(
                "a second pass in archive order releases its jobs as they arrive".to_string(),
            ));
        }
        let workers = plan.workers.max(1);
        let mut shares: Vec<Vec<usize>> = vec![Vec::new(); workers];
        for job in 0..jobs.len() {
            shares[job % workers].push(job);
        }
        if plan.order == Order::Archive {
            let place: Vec<(usize, usize)> = jobs
                .iter()
                .map(|job| (job.source.entry.archive, job.source.entry.entry))
                .collect();
            for share in &mut shares {
                share.sort_by_key(|&job| place[job]);
            }
        }
        Ok(SecondPass {
            package: Package::NotBegun { output, part_size },
            plan: Plan {
                workers,
                credit: plan.credit.max(1),
                ..plan
            },
            jobs,
            given: vec![0; workers],
            held: vec![0; workers],
            shares,
            out: BTreeSet::new(),
            kept: BTreeMap::new(),
            stored: BTreeSet::new(),
            memory_bytes: 0,
            next_append: 0,
            rest_placed: false,
            copied: false,
            phase: Phase::Transcripts,
        })
    }

    /// Transcript job `index`, for the worker that prepares it.
    pub fn job(&self, index: usize) -> Option<TranscriptJob> {
        self.jobs.get(index)
    }

    /// How many transcript entries the package holds.
    pub fn jobs(&self) -> usize {
        self.jobs.len()
    }

    /// The next job a worker with credit left may prepare (the lowest such
    /// worker first), handed out.
    fn hand_out(&mut self) -> Option<Step> {
        let worker = (0..self.plan.workers)
            .find(|&w| self.held[w] < self.plan.credit && self.given[w] < self.shares[w].len())?;
        let job = self.shares[worker][self.given[worker]];
        self.given[worker] += 1;
        self.held[worker] += 1;
        self.out.insert(job);
        Some(Step::Prepare { worker, job })
    }

    /// The worker that prepares `job`.
    fn worker_of(&self, job: usize) -> usize {
        job % self.plan.workers
    }

    /// The package, begun now if it is not yet (what precedes the
    /// transcripts written).
    fn session(&mut self, conversion: &Conversion) -> Result<&mut PackageSession<O>> {
        if let Package::NotBegun { .. } = self.package {
            let Package::NotBegun { output, part_size } =
                std::mem::replace(&mut self.package, Package::Failed)
            else {
                unreachable!("the package was just seen not begun");
            };
            let mut session =
                PackageSession::begin_with_jobs(conversion, output, part_size, self.jobs.clone())?;
            session.let_recordings_wait();
            self.package = Package::Begun(Box::new(session));
        }
        match &mut self.package {
            Package::Begun(session) => Ok(session),
            _ => Err(Error::Write(
                "the package could not be begun (its error was said)".to_string(),
            )),
        }
    }

    /// The package once begun.
    fn begun(&mut self) -> Result<&mut PackageSession<O>> {
        match &mut self.package {
            Package::Begun(session) => Ok(session),
            _ => Err(Error::Write("the package is not begun".to_string())),
        }
    }

    /// What to do next (see `Step`). The writer's own work (recordings
    /// copied, parts closed, the calls left placed) happens here, reading
    /// `archives` (the sources the conversion read, in order).
    pub fn next(
        &mut self,
        conversion: &Conversion,
        archives: &mut [&mut dyn ArchiveSource],
    ) -> Result<Step> {
        loop {
            match self.phase {
                Phase::Finished => return Ok(Step::Finish),
                Phase::Reading => {
                    return Err(Error::Write(
                        "a recording is being read: hand its bytes over, then end it".to_string(),
                    ))
                }
                Phase::Recordings => {
                    // Helpers keep preparing while the writer places recordings.
                    if !self.plan.inline {
                        if let Some(step) = self.hand_out() {
                            return Ok(step);
                        }
                    }
                    if let Some(step) = self.recording_step(conversion, archives)? {
                        return Ok(step);
                    }
                    if self.begun()?.resume(conversion, archives)? == Placing::Done {
                        self.phase = Phase::Transcripts;
                    }
                    return Ok(Step::Again {
                        copied: std::mem::take(&mut self.copied),
                    });
                }
                Phase::Transcripts => {
                    let turn = self.next_append;
                    if self.kept.contains_key(&turn) || self.stored.contains(&turn) {
                        self.session(conversion)?;
                        return Ok(Step::Append { job: turn });
                    }
                    if !self.plan.inline {
                        if let Some(step) = self.hand_out() {
                            return Ok(step);
                        }
                    }
                    // The workers have their jobs: the writer writes what
                    // precedes the transcripts meanwhile.
                    self.session(conversion)?;
                    if turn == self.jobs.len() {
                        if self.rest_placed {
                            self.phase = Phase::Finished;
                            continue;
                        }
                        self.rest_placed = true;
                        self.phase = match self.begun()?.place_rest(conversion, archives)? {
                            Placing::RecordingsDue => Phase::Recordings,
                            Placing::Done => Phase::Finished,
                        };
                        continue;
                    }
                    if let Some(step) = self.hand_out() {
                        return Ok(step);
                    }
                    return Ok(Step::Wait);
                }
            }
        }
    }

    /// The next step of the recordings due: one to read, or `Again` once
    /// the writer copied some; `None` once none is left.
    fn recording_step(
        &mut self,
        conversion: &Conversion,
        archives: &mut [&mut dyn ArchiveSource],
    ) -> Result<Option<Step>> {
        let Some(read_from) = self.plan.read_recordings_from else {
            let (max, max_bytes) = self.plan.copy_step;
            self.copied = true;
            let left = self
                .begun()?
                .add_recordings(conversion, archives, max, max_bytes)?;
            return Ok(left.then(|| Step::Again {
                copied: std::mem::take(&mut self.copied),
            }));
        };
        Ok(
            match self
                .begun()?
                .next_recording(conversion, archives, read_from)?
            {
                None => None,
                Some(NextRecording::Copied) => Some(Step::Again { copied: true }),
                Some(NextRecording::Read {
                    archive,
                    entry,
                    range,
                }) => {
                    self.phase = Phase::Reading;
                    Some(Step::Read {
                        archive,
                        entry,
                        range,
                    })
                }
            },
        )
    }

    /// Entry `job` arrived, holding `bytes` (what it keeps in memory);
    /// answers where it waits for its turn.
    pub fn arrived(&mut self, job: usize, bytes: u64) -> Result<Arrival> {
        if !self.out.remove(&job) {
            return Err(Error::Write(format!(
                "transcript job {job} arrived, but it was not being prepared"
            )));
        }
        if self.plan.release == Release::Arrival {
            let worker = self.worker_of(job);
            self.held[worker] -= 1;
        }
        match self.plan.waiting_bytes {
            Some(limit) if self.memory_bytes.saturating_add(bytes) > limit => {
                self.stored.insert(job);
                Ok(Arrival::Store)
            }
            _ => {
                self.memory_bytes += bytes;
                self.kept.insert(job, bytes);
                Ok(Arrival::Keep)
            }
        }
    }

    /// Appends entry `job` (its turn, `Step::Append`), as `prepare_transcript`
    /// made it for `job(job)`; a full part may make the recordings due.
    pub fn append(
        &mut self,
        job: usize,
        prepared: PreparedTranscript,
        conversion: &Conversion,
        archives: &mut [&mut dyn ArchiveSource],
    ) -> Result<()> {
        if self.phase != Phase::Transcripts || job != self.next_append {
            return Err(Error::Write(format!(
                "{}: transcript job {job} appended out of turn (the package takes job {} next)",
                prepared.entry.path(),
                self.next_append
            )));
        }
        if let Some(bytes) = self.kept.remove(&job) {
            self.memory_bytes -= bytes;
        } else if !self.stored.remove(&job) {
            return Err(Error::Write(format!(
                "{}: transcript job {job} appended before it arrived",
                prepared.entry.path()
            )));
        }
        if self.plan.release == Release::Append {
            let worker = self.worker_of(job);
            self.held[worker] -= 1;
        }
        let placing = self
            .session(conversion)?
            .add_transcript(prepared, conversion, archives)?;
        self.next_append += 1;
        if placing == Placing::RecordingsDue {
            self.phase = Phase::Recordings;
        }
        Ok(())
    }

    /// The next bytes of the recording `Step::Read` named.
    pub fn recording_bytes(&mut self, bytes: &[u8]) -> Result<()> {
        self.reading()?;
        self.begun()?.recording_bytes(bytes)
    }

    /// Ends the recording `Step::Read` named, once all its bytes came and
    /// only if they are those its archive's CRC-32 names; gives its size.
    pub fn end_recording(&mut self) -> Result<u64> {
        self.reading()?;
        let bytes = self.begun()?.end_recording()?;
        self.phase = Phase::Recordings;
        Ok(bytes)
    }

    fn reading(&self) -> Result<()> {
        match self.phase {
            Phase::Reading => Ok(()),
            _ => Err(Error::Write(
                "no recording is being read (Step::Read names one)".to_string(),
            )),
        }
    }

    /// Writes the rest of the package once `next` said `Finish`.
    pub fn finish(
        self,
        conversion: &Conversion,
        archives: &mut [&mut dyn ArchiveSource],
    ) -> Result<Written<O>> {
        if self.phase != Phase::Finished {
            return Err(Error::Write(
                "the second pass was finished before every call was placed".to_string(),
            ));
        }
        match self.package {
            Package::Begun(session) => session.finish_parts(conversion, archives),
            _ => Err(Error::Write("the package is not begun".to_string())),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sample::{sample_trackers_csv, write_sample, SampleOptions};
    use crate::write::calls::prepare_transcript;
    use crate::write::package::{write_package_parts, WrittenPart};
    use crate::{convert_with_archives, InputFile, Options, ZipSource};
    use std::collections::VecDeque;
    use std::io::Cursor;

    /// Each part's bytes.
    #[derive(Default)]
    struct Parts(Vec<Vec<u8>>);

    impl PackageOutput for Parts {
        type Sink = Vec<u8>;
        fn open(&mut self, _: usize) -> Result<Vec<u8>> {
            Ok(Vec::new())
        }
        fn close(&mut self, _: &WrittenPart, sink: Vec<u8>) -> Result<()> {
            self.0.push(sink);
            Ok(())
        }
    }

    /// A sample archive of `calls` calls with recordings of `media_bytes`,
    /// converted with its tracker export (so every entry carries the
    /// replay's hits).
    fn sample(calls: usize, media_bytes: u64) -> (Vec<u8>, Conversion) {
        let options = SampleOptions {
            calls,
            seed: 11,
            media: true,
            media_bytes: Some(media_bytes),
        };
        let (zip, _) = write_sample(Cursor::new(Vec::new()), &options).unwrap();
        let zip = zip.into_inner();
        let trackers = InputFile {
            name: "sample-trackers.csv".to_string(),
            bytes: sample_trackers_csv(),
        };
        let mut source = ZipSource::new("sample.zip", Cursor::new(zip.clone())).unwrap();
        let conversion =
            convert_with_archives(&[trackers], &mut [&mut source], None, &Options::default())
                .unwrap();
        assert!(conversion.transcript_jobs().len() > 10);
        assert!(conversion.replay().is_some());
        (zip, conversion)
    }

    fn source(zip: &[u8]) -> ZipSource<Cursor<Vec<u8>>> {
        ZipSource::new("sample.zip", Cursor::new(zip.to_vec())).unwrap()
    }

    /// The library's parts of `conversion`, written on its own.
    fn library(zip: &[u8], conversion: &Conversion, part_size: Option<u64>) -> Vec<Vec<u8>> {
        let mut source = source(zip);
        write_package_parts(
            conversion,
            &mut [&mut source],
            None,
            Parts::default(),
            part_size,
        )
        .unwrap()
        .output
        .0
    }

    /// What a drive saw: the steps by kind, the answers to `arrived`, and
    /// each worker's jobs in the order it was given them.
    #[derive(Default, Debug)]
    struct Seen {
        prepared: usize,
        stored: usize,
        reads: usize,
        copied: usize,
        waits: usize,
        most_held: Vec<usize>,
        given: Vec<Vec<usize>>,
    }

    /// Drives `plan` over `conversion` as a driver with `plan.workers`
    /// workers would, each finishing its jobs in order, the workers taking
    /// turns as `pick` (a seed) says; recordings the session asks to read
    /// are read from `zip` in two pieces, their first byte changed when
    /// `alter`. The parts, and what it saw.
    fn drive(
        zip: &[u8],
        conversion: &Conversion,
        part_size: Option<u64>,
        plan: Plan,
        mut pick: u64,
        alter: bool,
    ) -> Result<(Vec<Vec<u8>>, Seen)> {
        let mut source = source(zip);
        let mut worker_source = self::source(zip);
        let replay = conversion.replay();
        let workers = plan.workers;
        let mut pass = SecondPass::begin(conversion, Parts::default(), part_size, plan)?;
        let mut queues: Vec<VecDeque<usize>> = vec![VecDeque::new(); workers];
        let mut ready: BTreeMap<usize, PreparedTranscript> = BTreeMap::new();
        let mut seen = Seen {
            most_held: vec![0; workers],
            given: vec![Vec::new(); workers],
            ..Seen::default()
        };
        // One worker finishes its next job, chosen by a small LCG.
        let mut deliver = |pass: &mut SecondPass<Parts>,
                           queues: &mut Vec<VecDeque<usize>>,
                           ready: &mut BTreeMap<usize, PreparedTranscript>,
                           seen: &mut Seen|
         -> Result<bool> {
            let busy: Vec<usize> = (0..queues.len())
                .filter(|&w| !queues[w].is_empty())
                .collect();
            if busy.is_empty() {
                return Ok(false);
            }
            pick = pick
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            let worker = busy[(pick >> 33) as usize % busy.len()];
            let job = queues[worker].pop_front().expect("a busy worker has a job");
            let prepared = prepare_transcript(
                &pass.job(job).expect("a job of the pass"),
                &mut [&mut worker_source],
                replay.as_ref(),
            )?;
            let bytes = prepared.entry.zip_len();
            if pass.arrived(job, bytes)? == Arrival::Store {
                seen.stored += 1;
            }
            ready.insert(job, prepared);
            Ok(true)
        };
        loop {
            match pass.next(conversion, &mut [&mut source])? {
                Step::Prepare { worker, job } => {
                    seen.prepared += 1;
                    seen.given[worker].push(job);
                    queues[worker].push_back(job);
                    let held = queues[worker].len();
                    seen.most_held[worker] = seen.most_held[worker].max(held);
                    if pass.plan.inline {
                        deliver(&mut pass, &mut queues, &mut ready, &mut seen)?;
                    }
                }
                Step::Append { job } => {
                    let prepared = ready.remove(&job).expect("an arrived entry");
                    pass.append(job, prepared, conversion, &mut [&mut source])?;
                }
                Step::Read { range, .. } => {
                    seen.reads += 1;
                    let mut bytes =
                        zip[range.start as usize..(range.start + range.bytes) as usize].to_vec();
                    bytes[0] ^= u8::from(alter);
                    let middle = bytes.len() / 2;
                    pass.recording_bytes(&bytes[..middle])?;
                    pass.recording_bytes(&bytes[middle..])?;
                    assert_eq!(pass.end_recording()?, range.bytes);
                }
                Step::Again { copied } => seen.copied += usize::from(copied),
                Step::Wait => {
                    seen.waits += 1;
                    assert!(
                        deliver(&mut pass, &mut queues, &mut ready, &mut seen)?,
                        "the session waits with no job out"
                    );
                }
                Step::Finish => break,
            }
        }
        assert!(ready.is_empty(), "entries left over: {:?}", ready.keys());
        let written = pass.finish(conversion, &mut [&mut source])?;
        Ok((written.output.0, seen))
    }

    #[test]
    fn every_plan_gives_the_librarys_package_whole_and_in_parts() {
        let (zip, conversion) = sample(30, 70_000);
        for part_size in [None, Some(200_000)] {
            let expected = library(&zip, &conversion, part_size);
            assert_eq!(expected.len() > 2, part_size.is_some(), "{part_size:?}");
            let plans = [
                ("threads 1", Plan::threads(1)),
                ("threads 3", Plan::threads(3)),
                ("page alone", Plan::page(0, true, true)),
                ("page, 3 helpers", Plan::page(3, true, true)),
                (
                    "page, 2 helpers, no disk, no streams",
                    Plan::page(2, false, false),
                ),
                (
                    "page, 2 helpers, recordings read from 64 KiB",
                    Plan {
                        read_recordings_from: Some(65_536),
                        ..Plan::page(2, true, true)
                    },
                ),
            ];
            for (name, plan) in plans {
                for seed in [1, 7] {
                    let (parts, seen) =
                        drive(&zip, &conversion, part_size, plan.clone(), seed, false)
                            .unwrap_or_else(|e| panic!("{name}, {part_size:?}: {e}"));
                    assert!(
                        parts == expected,
                        "{name}, {part_size:?}, seed {seed}: the parts differ"
                    );
                    assert_eq!(seen.prepared, conversion.transcript_jobs().len(), "{name}");
                    // Recordings of 70,000 bytes: read by a driver that streams
                    // them from 65,536 bytes on, copied by the writer otherwise.
                    let streams = plan.read_recordings_from.is_some_and(|from| from <= 70_000);
                    assert_eq!(seen.reads > 0, streams, "{name}: {seen:?}");
                    assert_eq!(seen.copied > 0, !streams, "{name}: {seen:?}");
                }
            }
        }
    }

    #[test]
    fn each_worker_prepares_its_share_in_the_plans_order_within_its_credit() {
        let (zip, conversion) = sample(40, 1_000);
        let jobs = conversion.transcript_jobs();
        let place = |job: usize| {
            let entry = jobs.get(job).unwrap().source.entry;
            (entry.archive, entry.entry)
        };
        let (_, threads) = drive(&zip, &conversion, None, Plan::threads(3), 5, false).unwrap();
        let (_, page) =
            drive(&zip, &conversion, None, Plan::page(3, true, true), 5, false).unwrap();
        for (w, given) in threads.given.iter().enumerate() {
            let share: Vec<usize> = (w..jobs.len()).step_by(3).collect();
            assert_eq!(given, &share, "thread {w} works in package order");
        }
        for (w, given) in page.given.iter().enumerate() {
            let mut share: Vec<usize> = (w..jobs.len()).step_by(3).collect();
            share.sort_by_key(|&job| place(job));
            assert_eq!(given, &share, "helper {w} works in archive order");
        }
        assert_ne!(
            page.given, threads.given,
            "the sample's documents lie out of package order"
        );
        assert!(
            threads
                .most_held
                .iter()
                .all(|&held| held <= THREAD_AHEAD + 1),
            "{threads:?}"
        );
        assert!(
            page.most_held.iter().all(|&held| held <= HELPER_CREDIT),
            "{page:?}"
        );
    }

    #[test]
    fn a_worker_with_no_credit_left_waits_for_the_package_or_its_arrivals() {
        let (zip, conversion) = sample(40, 1_000);
        let mut source = source(&zip);
        let mut prepares = |plan: Plan| {
            let mut pass = SecondPass::begin(&conversion, Parts::default(), None, plan).unwrap();
            let mut given = Vec::new();
            loop {
                match pass.next(&conversion, &mut [&mut source]).unwrap() {
                    Step::Prepare { worker, job } => given.push((worker, job)),
                    Step::Wait => return given,
                    step => panic!("{step:?} before any entry arrived"),
                }
            }
        };
        // Two threads hold five jobs each until their entries are appended.
        let given = prepares(Plan::threads(2));
        assert_eq!(given.len(), 10);
        assert_eq!(given.iter().filter(|(w, _)| *w == 1).count(), 5);
        // Two helpers, sixteen each until their entries arrive.
        assert_eq!(prepares(Plan::page(2, true, true)).len(), 32);
    }

    #[test]
    fn early_entries_past_the_waiting_bytes_are_stored_and_the_bytes_stay() {
        let (zip, conversion) = sample(30, 1_000);
        let expected = library(&zip, &conversion, None);
        let plan = Plan {
            waiting_bytes: Some(2_000),
            ..Plan::page(3, true, false)
        };
        let (parts, seen) = drive(&zip, &conversion, None, plan, 3, false).unwrap();
        assert!(seen.stored > 0, "{seen:?}");
        assert!(parts == expected, "the parts differ");
        let (_, kept) = drive(
            &zip,
            &conversion,
            None,
            Plan::page(3, false, false),
            3,
            false,
        )
        .unwrap();
        assert_eq!(kept.stored, 0, "without a disk every entry stays in memory");
    }

    #[test]
    fn steps_out_of_turn_are_refused_by_name() {
        let (zip, conversion) = sample(20, 1_000);
        let mut source = source(&zip);
        let replay = conversion.replay();
        let mut pass = SecondPass::begin(
            &conversion,
            Parts::default(),
            None,
            Plan::page(2, true, true),
        )
        .unwrap();
        let message = |e: Error| {
            e.to_string()
                .strip_prefix("writing the package failed: ")
                .map(str::to_string)
                .unwrap_or_else(|| e.to_string())
        };
        assert_eq!(
            pass.arrived(0, 10).map_err(message),
            Err("transcript job 0 arrived, but it was not being prepared".to_string())
        );
        let mut given = Vec::new();
        while let Step::Prepare { job, .. } = pass.next(&conversion, &mut [&mut source]).unwrap() {
            given.push(job);
        }
        let second = *given.iter().find(|&&job| job != 0).unwrap();
        let prepare = |job: usize, source: &mut ZipSource<Cursor<Vec<u8>>>| {
            prepare_transcript(
                &conversion.transcript_jobs().get(job).unwrap(),
                &mut [source],
                replay.as_ref(),
            )
            .unwrap()
        };
        assert_eq!(pass.arrived(second, 10).unwrap(), Arrival::Keep);
        assert_eq!(
            pass.arrived(second, 10).map_err(message),
            Err(format!(
                "transcript job {second} arrived, but it was not being prepared"
            ))
        );
        let entry = prepare(second, &mut source);
        let path = entry.entry.path().to_string();
        assert_eq!(
            pass.append(second, entry, &conversion, &mut [&mut source]).map_err(message),
            Err(format!("{path}: transcript job {second} appended out of turn (the package takes job 0 next)"))
        );
        let first = prepare(0, &mut source);
        let path = first.entry.path().to_string();
        assert_eq!(
            pass.append(0, first, &conversion, &mut [&mut source])
                .map_err(message),
            Err(format!(
                "{path}: transcript job 0 appended before it arrived"
            ))
        );
        assert_eq!(
            pass.recording_bytes(b"x").map_err(message),
            Err("no recording is being read (Step::Read names one)".to_string())
        );
        assert_eq!(
            pass.finish(&conversion, &mut [&mut source])
                .err()
                .map(message),
            Some("the second pass was finished before every call was placed".to_string())
        );
        let refused = SecondPass::begin(
            &conversion,
            Parts::default(),
            None,
            Plan {
                release: Release::Append,
                ..Plan::page(2, true, true)
            },
        );
        assert_eq!(
            refused.err().map(message),
            Some("a second pass in archive order releases its jobs as they arrive".to_string())
        );
    }

    #[test]
    fn a_recordings_bytes_that_do_not_match_its_crc_are_refused() {
        let (zip, conversion) = sample(12, 70_000);
        let plan = Plan {
            read_recordings_from: Some(65_536),
            ..Plan::page(0, false, true)
        };
        let refused = drive(&zip, &conversion, None, plan, 1, true)
            .err()
            .map(|e| e.to_string())
            .expect("an altered recording is refused");
        assert!(refused.starts_with("sample.zip entry media/"), "{refused}");
        assert!(
            refused.contains("the recording's bytes do not match its CRC-32"),
            "{refused}"
        );
    }
}
