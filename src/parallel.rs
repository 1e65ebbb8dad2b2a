//! The package on all cores (CLI only; the library never starts threads).
//!
//! In: a finished first pass (`Conversion`), the archives it read, a way to
//! open each archive again for a worker, the number of workers and the
//! sink. Out: the package, byte-identical to the single-threaded one.
//!
//! The transcript entries are the expensive part (re-read, parse, build,
//! serialise, deflate). Worker `w` of `n` prepares jobs `w`, `w + n`,
//! `w + 2n`, ... in order on its own archive handles and passes each
//! finished entry through its own bounded channel; the writer, on the
//! calling thread, takes job `j` from channel `j % n`, so the entries arrive
//! in package order and at most a few per worker are held at once.

use chorus2outdoo::write::calls::{prepare_transcript, TranscriptJob};
use chorus2outdoo::write::package::PreparedEntry;
use chorus2outdoo::{ArchiveSource, Conversion, Result};
use std::io::Write;
use std::sync::mpsc::{sync_channel, Receiver};

/// Finished entries a worker may hold ahead of the writer.
const AHEAD: usize = 4;

/// Opens every archive of the conversion again, in the same order, for one worker.
pub type Reopen<'a> = dyn Fn() -> Result<Vec<Box<dyn ArchiveSource + Send>>> + Sync + 'a;

/// Writes the package with `workers` threads preparing transcripts (1: on
/// the calling thread, as the library does alone).
pub fn write_package<W: Write>(
    conversion: &Conversion,
    archives: &mut [&mut dyn ArchiveSource],
    reopen: &Reopen,
    workers: usize,
    sink: W,
) -> Result<W> {
    let jobs = conversion.transcript_jobs();
    if workers <= 1 || jobs.len() < 2 {
        return conversion.write_package_with(archives, sink);
    }
    let jobs = &jobs;
    std::thread::scope(|scope| {
        let mut channels: Vec<Receiver<Result<PreparedEntry>>> = Vec::new();
        for worker in 0..workers {
            let (sender, receiver) = sync_channel(AHEAD);
            channels.push(receiver);
            scope.spawn(move || {
                let mut own = match reopen() {
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
                for job in jobs.iter().skip(worker).step_by(workers) {
                    // A closed channel: the writer stopped; so does the worker.
                    if sender.send(prepare_transcript(job, &mut own)).is_err() {
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
        let written = conversion.write_package_with_transcripts(archives, &mut supply, sink);
        // Dropping the receivers releases workers still waiting to send.
        drop(channels);
        written
    })
}
