//! The package written in steps in the converter's Web Worker: the second
//! pass's session (`second_pass::SecondPass`, with the page's plan) over a
//! package handed out in chunks. In: the conversion and its archives, the
//! entries as the page's workers prepared them, the recordings' bytes as
//! the worker reads them from the Files. Out: what to do next (`next`, a
//! plain object per `second_pass::Step`), the package's chunks to
//! `onChunk(chunk, part)`, part by part, and what was written
//! (`FinishedPackage`). `ArchiveConversion`'s methods of the same names
//! delegate here.

use super::blob::{ChunkSink, CHUNK};
use super::error::js_error;
use super::inputs::{as_sources, FileArg};
use super::preparer::{prepared_entry, JobJs};
use super::progress::SharedMeter;
use crate::model::calls::EntryRef;
use crate::second_pass::{Arrival, Plan, SecondPass, Step};
use crate::write::package::{PackageOutput, WrittenPart};
use crate::{ArchiveSource, Conversion};
use js_sys::Function;
use serde::{Deserialize, Serialize};
use wasm_bindgen::prelude::*;

/// `outdoo-import-YYYY-MM-DD.zip`, with today's date in the browser's time zone.
pub fn package_name() -> String {
    let now = js_sys::Date::new_0();
    format!(
        "outdoo-import-{:04}-{:02}-{:02}.zip",
        now.get_full_year(),
        now.get_month() + 1,
        now.get_date()
    )
}

/// The size of the package's chunks: `chunk_bytes`, by default 1 MiB.
pub fn chunk_size(chunk_bytes: Option<u32>) -> usize {
    chunk_bytes.map(|n| n as usize).unwrap_or(CHUNK)
}

/// The size of the entry `at` as its archive (of `archives`) lists it.
pub fn entry_size<S: ArchiveSource>(archives: &[S], at: EntryRef) -> u64 {
    archives
        .get(at.archive)
        .and_then(|a| a.entry(at.entry))
        .map_or(0, |e| e.size)
}

/// What the package writer works with: the conversion, its archives (in
/// `convertArchives` order) and the progress meter.
pub struct Sources<'a, S: ArchiveSource> {
    pub conversion: &'a Conversion,
    pub archives: &'a mut [S],
    pub meter: &'a SharedMeter,
}

impl<S: ArchiveSource> Sources<'_, S> {
    /// Starts the write phase's progress: the entries read again.
    pub fn start_write_progress(&self) {
        let reread = self.conversion.reread_entries();
        let bytes_total = reread.iter().map(|at| entry_size(self.archives, *at)).sum();
        self.meter
            .borrow_mut()
            .start("write", reread.len(), bytes_total);
    }
}

/// The page's workers, as `beginPackage` takes them: how many helper
/// `workers` it may start, whether early entries can be `store`d on disk,
/// and whether the browser `streams` Files (BYOB readers), so that big
/// recordings are read by the page. Missing fields: 0 and false.
#[derive(Deserialize, Default)]
#[serde(default, deny_unknown_fields)]
pub struct PlanArg {
    workers: usize,
    store: bool,
    streams: bool,
}

/// What `beginPackage` answers: the helper workers the second pass uses
/// (0: the converter's worker prepares the entries itself).
#[derive(Serialize)]
pub struct Begun {
    pub helpers: usize,
}

/// A step of the second pass as JavaScript sees it (`second_pass::Step`).
#[derive(Serialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum StepJs {
    /// Prepare `job` on worker `worker` (a helper, or the converter's own
    /// with no helpers), then `arrived(job.index, bytes)`.
    Prepare { worker: usize, job: JobJs },
    /// Entry `job`'s turn: `append(job, prepared)`.
    Append { job: usize },
    /// Read bytes `start..end` of archive `archive` (its zip entry `entry`,
    /// a recording stored as it is) into `recordingBytes`, then `endRecording`.
    Read {
        archive: usize,
        entry: String,
        start: u64,
        end: u64,
    },
    /// The writer did a step of its own (`copied`: it copied recordings).
    Again { copied: bool },
    /// Nothing to do until an entry arrives.
    Wait,
    /// Every call is placed: `finishPackage`.
    Finish,
}

/// A package being written in steps: its second pass, its name (fixed
/// when it begins, so its parts and index agree), the part size and the
/// helper workers it uses.
pub struct Packaging {
    pass: SecondPass<ChunkParts>,
    name: String,
    part_size: Option<u64>,
    pub helpers: usize,
}

/// A package handed to `on_chunk(chunk, part)` part by part (one part, 1,
/// for a package written whole), in chunks of `chunk` bytes.
struct ChunkParts {
    on_chunk: Function,
    chunk: usize,
}

impl PackageOutput for ChunkParts {
    type Sink = ChunkSink;

    fn open(&mut self, number: usize) -> crate::Result<ChunkSink> {
        Ok(ChunkSink::new(self.on_chunk.clone(), self.chunk).of_part(number))
    }

    fn close(&mut self, _: &WrittenPart, sink: ChunkSink) -> crate::Result<()> {
        sink.finish()
            .map(drop)
            .map_err(|e| crate::Error::Write(e.to_string()))
    }
}

/// What `finishPackage` and `writePackage` answer.
#[derive(Serialize)]
pub struct FinishedPackage {
    /// The package's name (its parts and index are named after it).
    name: String,
    bytes: u64,
    parts: Vec<FinishedPart>,
    /// Split into parts, the index naming every part (`<name>-index.json`).
    #[serde(skip_serializing_if = "Option::is_none")]
    index: Option<FileArg>,
    /// Split into parts, the run's fidelity over every part (each part's
    /// fidelity.json holds its own calls').
    #[serde(skip_serializing_if = "Option::is_none")]
    fidelity: Option<crate::decide::fidelity::Fidelity>,
}

#[derive(Serialize)]
struct FinishedPart {
    number: usize,
    name: String,
    bytes: u64,
    sha256: Option<String>,
    calls: usize,
}

/// A package written whole: one part, without a checksum.
pub fn finished_package(name: String, bytes: u64, calls: usize) -> FinishedPackage {
    FinishedPackage {
        parts: vec![FinishedPart {
            number: 1,
            name: name.clone(),
            bytes,
            sha256: None,
            calls,
        }],
        name,
        bytes,
        index: None,
        fidelity: None,
    }
}

impl Packaging {
    /// Begins the package: the entries before the transcripts go to
    /// `on_chunk` now; `part_size` (`"2GB"`, `"500MB"`, bytes) splits it.
    pub fn begin<S: ArchiveSource>(
        sources: Sources<S>,
        on_chunk: Function,
        chunk_bytes: Option<u32>,
        part_size: Option<String>,
        plan: PlanArg,
    ) -> Result<Self, JsError> {
        let part_size = part_size
            .map(|text| {
                crate::write::parts::parse_part_size(&text)
                    .map_err(|e| js_error(format!("part size: {e}")))
            })
            .transpose()?;
        let output = ChunkParts {
            on_chunk,
            chunk: chunk_size(chunk_bytes),
        };
        sources.start_write_progress();
        let jobs = sources.conversion.transcript_jobs();
        let helpers = Plan::page_helpers(plan.workers, jobs.len());
        let plan = Plan::page(helpers, plan.store, plan.streams);
        let pass = SecondPass::begin_with_jobs(output, part_size, plan, jobs).map_err(js_error)?;
        Ok(Packaging {
            pass,
            name: package_name(),
            part_size,
            helpers,
        })
    }

    /// `next`: what to do next.
    pub fn next<S: ArchiveSource>(&mut self, sources: Sources<S>) -> Result<StepJs, JsError> {
        let step = self
            .pass
            .next(sources.conversion, &mut as_sources(sources.archives))
            .map_err(js_error)?;
        Ok(match step {
            Step::Prepare { worker, job } => {
                let transcript = self
                    .pass
                    .job(job)
                    .ok_or_else(|| js_error(format!("there is no transcript job {job}")))?;
                let bytes = entry_size(sources.archives, transcript.source.entry);
                StepJs::Prepare {
                    worker,
                    job: JobJs::new(job, transcript, bytes),
                }
            }
            Step::Append { job } => StepJs::Append { job },
            Step::Read {
                archive,
                entry,
                range,
            } => StepJs::Read {
                archive,
                entry: sources
                    .archives
                    .get(archive)
                    .and_then(|a| a.entry(entry))
                    .map(|e| e.name)
                    .unwrap_or_default(),
                start: range.start,
                end: range.start + range.bytes,
            },
            Step::Again { copied } => StepJs::Again { copied },
            Step::Wait => StepJs::Wait,
            Step::Finish => StepJs::Finish,
        })
    }

    /// `arrived`: entry `job` came, holding `bytes`; `"keep"` it in memory
    /// or `"store"` it on disk until its turn.
    pub fn arrived(&mut self, job: usize, bytes: u64) -> Result<&'static str, JsError> {
        Ok(match self.pass.arrived(job, bytes).map_err(js_error)? {
            Arrival::Keep => "keep",
            Arrival::Store => "store",
        })
    }

    /// `append`: entry `job`, its turn; counts its conversation document
    /// (the write phase's progress).
    pub fn append<S: ArchiveSource>(
        &mut self,
        sources: Sources<S>,
        job: usize,
        part: JsValue,
    ) -> Result<(), JsError> {
        let entry = prepared_entry(part)?;
        let at = self.pass.job(job).map(|job| job.source.entry);
        self.pass
            .append(
                job,
                entry,
                sources.conversion,
                &mut as_sources(sources.archives),
            )
            .map_err(js_error)?;
        if let Some(at) = at {
            let bytes = entry_size(sources.archives, at);
            sources.meter.borrow_mut().counted(bytes);
        }
        Ok(())
    }

    /// `recordingBytes`: the next bytes of the recording being read.
    pub fn recording_bytes(&mut self, bytes: &[u8]) -> Result<(), JsError> {
        self.pass.recording_bytes(bytes).map_err(js_error)
    }

    /// `endRecording`: the recording read is complete; its size.
    pub fn end_recording(&mut self) -> Result<u64, JsError> {
        self.pass.end_recording().map_err(js_error)
    }

    /// `finishPackage`: writes the rest; what was written.
    pub fn finish<S: ArchiveSource>(self, sources: Sources<S>) -> Result<FinishedPackage, JsError> {
        let Packaging {
            pass,
            name,
            part_size,
            ..
        } = self;
        let written = pass
            .finish(sources.conversion, &mut as_sources(sources.archives))
            .map_err(js_error)?;
        sources.meter.borrow_mut().finish();
        let index = match part_size {
            None => None,
            Some(part_size) => Some(FileArg::new(
                crate::write::parts::index_name(&name),
                &crate::write::parts::index_bytes(
                    &name,
                    part_size,
                    &sources.conversion.inputs,
                    &written.counts,
                    &written.parts,
                )
                .map_err(js_error)?,
            )),
        };
        Ok(FinishedPackage {
            name: name.clone(),
            bytes: written.parts.iter().map(|part| part.bytes).sum(),
            parts: written
                .parts
                .iter()
                .map(|part| FinishedPart {
                    number: part.number,
                    name: match part_size {
                        Some(_) => crate::write::parts::part_name(&name, part.number),
                        None => name.clone(),
                    },
                    bytes: part.bytes,
                    sha256: part.sha256.clone(),
                    calls: part.calls,
                })
                .collect(),
            index,
            fidelity: part_size.and(written.fidelity.clone()),
        })
    }
}
