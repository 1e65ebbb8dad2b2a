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
//! single-threaded one. The transcript entries are the expensive part (re-read, parse, build,
//! serialise, deflate). Worker `w` of `n` prepares jobs `w`, `w + n`,
//! `w + 2n`, ... in order on its own archive handles and passes each
//! finished entry (with the replay's counts of the package's triggers in it)
//! through its own bounded channel; the writer, on the
//! calling thread, takes job `j` from channel `j % n`, so the entries arrive
//! in package order and at most a few per worker are held at once.

use chorus2outdoo::read::archive::{entry_ranges, read_entries, ArchiveRead};
use chorus2outdoo::write::calls::{prepare_transcript, PreparedTranscript, TranscriptJob};
use chorus2outdoo::write::package::{PackageOutput, Written};
use chorus2outdoo::{ArchiveSource, Conversion, Result};
use std::sync::mpsc::{sync_channel, Receiver};

/// Finished entries a worker may hold ahead of the writer.
const AHEAD: usize = 4;

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
/// the calling thread, as the library does alone).
pub fn write_package<O: PackageOutput>(
    conversion: &Conversion,
    archives: &mut [&mut dyn ArchiveSource],
    reopen: &Reopen,
    workers: usize,
    output: O,
    part_size: Option<u64>,
) -> Result<Written<O>> {
    let jobs = conversion.transcript_jobs();
    if workers <= 1 || jobs.len() < 2 {
        return conversion.write_parts(archives, None, output, part_size);
    }
    let jobs = &jobs;
    let replay = conversion.replay();
    let replay = replay.as_ref();
    let archives_count = archives.len();
    std::thread::scope(|scope| {
        let mut channels: Vec<Receiver<Result<PreparedTranscript>>> = Vec::new();
        for worker in 0..workers {
            let (sender, receiver) = sync_channel(AHEAD);
            channels.push(receiver);
            scope.spawn(move || {
                let mut own = match (0..archives_count).map(reopen).collect::<Result<Vec<_>>>() {
                    Ok(own) => own,
                    Err(e) => {
                        let _ = sender.send(Err(e));
                        return;
                    }
                };
                let mut own: Vec<&mut dyn ArchiveSource> = own
                    .iter_mut()
                    .map(|source| &mut **source as &mut dyn ArchiveSource)
                    .collect();
                for job in (worker..jobs.len())
                    .step_by(workers)
                    .filter_map(|j| jobs.get(j))
                {
                    // A closed channel: the writer stopped; so does the worker.
                    if sender
                        .send(prepare_transcript(&job, &mut own, replay))
                        .is_err()
                    {
                        return;
                    }
                }
            });
        }
        let mut next = 0;
        let mut supply = |job: &TranscriptJob| {
            let entry = channels[next % workers].recv().map_err(|_| {
                chorus2outdoo::Error::Write(format!("the worker preparing {} stopped", job.path))
            })?;
            next += 1;
            entry
        };
        let written = conversion.write_parts(archives, Some(&mut supply), output, part_size);
        // Dropping the receivers releases workers still waiting to send.
        drop(channels);
        written
    })
}
