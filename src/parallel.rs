//! The conversion on all cores (CLI only; the library never starts threads).
//!
//! The first pass: an archive's entries are split into one range per worker
//! (`entry_ranges`); worker `w` reads range `w` on a handle of its own on the
//! archive, and the reads are appended in entry order, which gives exactly
//! what one read of the archive gives.
//!
//! The package: in, a finished first pass (`Conversion`), the archives it
//! read, a way to open each archive again for a worker, the number of
//! workers and the sink; out, the package, byte-identical to the
//! single-threaded one. The transcript entries are the expensive part
//! (re-read, parse, build, serialise, deflate, replay the triggers). The
//! second pass's session (`chorus2outdoo::second_pass`, the one the
//! page's workers drive too) says which thread prepares which entry (thread
//! `w` of `n`: jobs `w`, `w + n`, ... in package order, at most a few ahead
//! of the package) and when each goes in; here, each thread prepares the
//! jobs it is sent on its own archive handles and sends each entry back,
//! and the calling thread appends them as the session says.

use chorus2outdoo::read::archive::{entry_ranges, read_entries, ArchiveRead};
use chorus2outdoo::second_pass::{Plan, SecondPass, Step};
use chorus2outdoo::write::calls::{prepare_transcript, PreparedTranscript, TranscriptJob};
use chorus2outdoo::write::package::{PackageOutput, Written};
use chorus2outdoo::{ArchiveSource, Conversion, Result};
use std::collections::HashMap;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::mpsc::channel;

/// Another handle on archive `i` of the conversion, for one worker thread.
pub type Reopen<'a> = dyn Fn(usize) -> Result<Box<dyn ArchiveSource + Send>> + Sync + 'a;

/// The first pass over archive `index` (`source`) with `workers` threads:
/// the first range of its entries read here, the others on archives
/// opened again.
pub fn read_archive(
    index: usize,
    source: &mut dyn ArchiveSource,
    reopen: &Reopen,
    workers: usize,
) -> Result<ArchiveRead> {
    let mut ranges = entry_ranges(source, workers).into_iter();
    let first = ranges.next().unwrap_or(0..0);
    std::thread::scope(|scope| {
        let others: Vec<_> = ranges
            .map(|range| {
                scope.spawn(move || {
                    let mut own = reopen(index)?;
                    Ok(read_entries(index, &mut *own, range))
                })
            })
            .collect();
        let mut read = read_entries(index, source, first);
        for other in others {
            let later: Result<ArchiveRead> = other.join().unwrap_or_else(|_| {
                Err(chorus2outdoo::Error::Write(format!(
                    "a thread reading {} stopped",
                    source.name()
                )))
            });
            read.append(later?);
        }
        Ok(read)
    })
}

/// Writes the package into `output` (in parts of at most `part_size`
/// bytes when given) with `workers` threads preparing transcripts (1: on
/// the calling thread, as the library does alone): the second pass's
/// session (`SecondPass`, `Plan::threads`) says which thread prepares
/// which entry and when each goes in; the threads only prepare.
pub fn write_package<O: PackageOutput>(
    conversion: &Conversion,
    archives: &mut [&mut dyn ArchiveSource],
    reopen: &Reopen,
    workers: usize,
    output: O,
    part_size: Option<u64>,
) -> Result<Written<O>> {
    if workers <= 1 {
        return conversion.write_parts(archives, None, output, part_size);
    }
    let jobs = conversion.transcript_jobs();
    if jobs.len() < 2 {
        return conversion.write_parts(archives, None, output, part_size);
    }
    let replay = conversion.replay();
    let replay = replay.as_ref();
    let archives_count = archives.len();
    let mut pass = SecondPass::begin_with_jobs(output, part_size, Plan::threads(workers), jobs)?;
    std::thread::scope(|scope| {
        let (results_to, results) = channel::<(usize, Result<PreparedTranscript>)>();
        let mut threads = Vec::new();
        for _ in 0..workers {
            let (jobs_to, jobs_in) = channel::<(usize, TranscriptJob)>();
            threads.push(jobs_to);
            let results_to = results_to.clone();
            scope.spawn(move || {
                let mut own = match (0..archives_count).map(reopen).collect::<Result<Vec<_>>>() {
                    Ok(own) => own,
                    Err(e) => {
                        // The first job given says why none will be prepared.
                        if let Ok((job, _)) = jobs_in.recv() {
                            let _ = results_to.send((job, Err(e)));
                        }
                        return;
                    }
                };
                let mut own: Vec<&mut dyn ArchiveSource> = own
                    .iter_mut()
                    .map(|source| &mut **source as &mut dyn ArchiveSource)
                    .collect();
                // Until the writer stops giving jobs, or stops taking entries.
                for (index, job) in jobs_in {
                    let prepared = catch_unwind(AssertUnwindSafe(|| {
                        prepare_transcript(&job, &mut own, replay)
                    }))
                    .unwrap_or_else(|_| {
                        Err(chorus2outdoo::Error::Write(format!(
                            "the thread preparing {} stopped",
                            job.path
                        )))
                    });
                    if results_to.send((index, prepared)).is_err() {
                        return;
                    }
                }
            });
        }
        drop(results_to);
        let stopped =
            || chorus2outdoo::Error::Write("the threads preparing transcripts stopped".to_string());
        // Entries that arrived before their turn.
        let mut early: HashMap<usize, PreparedTranscript> = HashMap::new();
        let mut drive = || -> Result<()> {
            loop {
                match pass.next(conversion, archives)? {
                    Step::Prepare { worker, job } => {
                        let given = pass.job(job).ok_or_else(stopped)?;
                        threads[worker].send((job, given)).map_err(|_| stopped())?
                    }
                    Step::Wait => {
                        let (job, prepared) = results.recv().map_err(|_| stopped())?;
                        // The plan keeps every early entry in memory (its
                        // credit bounds them): their size does not matter.
                        pass.arrived(job, 0)?;
                        early.insert(job, prepared?);
                    }
                    Step::Append { job } => {
                        let prepared = early.remove(&job).ok_or_else(stopped)?;
                        pass.append(job, prepared, conversion, archives)?;
                    }
                    // The threads' plan has the writer copy every recording.
                    Step::Read { .. } => {
                        return Err(chorus2outdoo::Error::Write(
                            "the CLI's writer copies the recordings itself".to_string(),
                        ))
                    }
                    Step::Again { .. } => {}
                    Step::Finish => return Ok(()),
                }
            }
        };
        let driven = drive();
        // Dropping the job senders ends the threads once their job is done.
        drop(threads);
        driven?;
        pass.finish(conversion, archives)
    })
}
