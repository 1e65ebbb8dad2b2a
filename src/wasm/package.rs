//! The package written in steps, in the converter's Web Worker, while
//! helper workers prepare the transcripts. In: the conversion and its
//! archives, the transcripts as the helpers made them (in package order),
//! the recordings' bytes as the worker reads them from the archives'
//! Files. Out: the package's chunks to `onChunk(chunk, part)`, part by
//! part, and what was written (`FinishedPackage`). `ArchiveConversion`'s
//! methods of the same names delegate here.

use super::blob::{ChunkSink, CHUNK};
use super::error::js_error;
use super::inputs::{as_sources, FileArg};
use super::preparer::prepared_entry;
use super::progress::SharedMeter;
use crate::model::calls::EntryRef;
use crate::write::package::{NextRecording, PackageOutput, PackageSession, Placing, WrittenPart};
use crate::{ArchiveSource, Conversion};
use js_sys::Function;
use serde::Serialize;
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

/// What the package writer works with: the conversion, its archives (in
/// `convertArchives` order) and the progress meter.
pub struct Sources<'a, S: ArchiveSource> {
    pub conversion: &'a Conversion,
    pub archives: &'a mut [S],
    pub meter: &'a SharedMeter,
}

/// The size of the entry `at` as its archive (of `archives`) lists it.
pub fn entry_size<S: ArchiveSource>(archives: &[S], at: EntryRef) -> u64 {
    archives
        .get(at.archive)
        .and_then(|a| a.entry(at.entry))
        .map_or(0, |e| e.size)
}

impl<S: ArchiveSource> Sources<'_, S> {
    /// The size of the entry `at` as its archive lists it.
    pub fn entry_size(&self, at: EntryRef) -> u64 {
        entry_size(self.archives, at)
    }

    /// Starts the write phase's progress: the entries read again.
    pub fn start_write_progress(&self) {
        let reread = self.conversion.reread_entries();
        let bytes_total = reread.iter().map(|at| self.entry_size(*at)).sum();
        self.meter
            .borrow_mut()
            .start("write", reread.len(), bytes_total);
    }
}

/// A package being written in steps: its session, its name (fixed when it
/// begins, so its parts and index agree) and the part size, if split.
pub struct SteppedPackage {
    session: PackageSession<ChunkParts>,
    name: String,
    part_size: Option<u64>,
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

/// Where a recording lies as it is in its archive, for the worker to read.
#[derive(Serialize)]
pub struct RecordingRange {
    /// The archive, in `convertArchives` order, and the entry's name.
    archive: usize,
    entry: String,
    start: u64,
    end: u64,
}

impl SteppedPackage {
    /// Begins the package: the entries before the transcripts go to
    /// `on_chunk` now; `part_size` (`"2GB"`, `"500MB"`, bytes) splits it.
    pub fn begin<S: ArchiveSource>(
        sources: Sources<S>,
        on_chunk: Function,
        chunk_bytes: Option<u32>,
        part_size: Option<String>,
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
        let mut session =
            PackageSession::begin_parts(sources.conversion, output, part_size).map_err(js_error)?;
        session.let_recordings_wait();
        Ok(SteppedPackage {
            session,
            name: package_name(),
            part_size,
        })
    }

    /// One step of placing the package's calls; counts the transcript that
    /// went in, if one did (its conversation document's bytes: the write
    /// phase's progress); true while recordings are due.
    fn placing<S: ArchiveSource>(
        &mut self,
        sources: Sources<S>,
        step: impl FnOnce(
            &mut PackageSession<ChunkParts>,
            &Conversion,
            &mut [&mut dyn ArchiveSource],
        ) -> crate::Result<Placing>,
    ) -> Result<bool, JsError> {
        let session = &mut self.session;
        let (job, before) = (
            session.next_job().map(|job| job.source.entry),
            session.transcripts_in(),
        );
        let placing = step(
            session,
            sources.conversion,
            &mut as_sources(&mut *sources.archives),
        )
        .map_err(js_error)?;
        if let (true, Some(at)) = (session.transcripts_in() > before, job) {
            let bytes = sources.entry_size(at);
            sources.meter.borrow_mut().counted(bytes);
        }
        Ok(placing == Placing::RecordingsDue)
    }

    /// `addTranscript`: the next transcript entry, as a helper prepared it.
    pub fn add_transcript<S: ArchiveSource>(
        &mut self,
        sources: Sources<S>,
        part: JsValue,
    ) -> Result<bool, JsError> {
        let entry = prepared_entry(part)?;
        self.placing(sources, |session, conversion, archives| {
            session.add_transcript(entry, conversion, archives)
        })
    }

    /// `placeRest`: the calls left, once every transcript is in.
    pub fn place_rest<S: ArchiveSource>(&mut self, sources: Sources<S>) -> Result<bool, JsError> {
        self.placing(sources, PackageSession::place_rest)
    }

    /// `resumePackage`: the part that waited closes, what waited is placed.
    pub fn resume<S: ArchiveSource>(&mut self, sources: Sources<S>) -> Result<bool, JsError> {
        self.placing(sources, PackageSession::resume)
    }

    /// `addRecordings`: copies the recordings of the next calls.
    pub fn add_recordings<S: ArchiveSource>(
        &mut self,
        sources: Sources<S>,
        max: u32,
        max_bytes: f64,
    ) -> Result<bool, JsError> {
        self.session
            .add_recordings(
                sources.conversion,
                &mut as_sources(&mut *sources.archives),
                max as usize,
                max_bytes as u64,
            )
            .map_err(js_error)
    }

    /// `nextRecording`: where the next recording lies, if it is to be read.
    pub fn next_recording<S: ArchiveSource>(
        &mut self,
        sources: Sources<S>,
        read_from: f64,
    ) -> Result<Option<Option<RecordingRange>>, JsError> {
        let next = self
            .session
            .next_recording(
                sources.conversion,
                &mut as_sources(&mut *sources.archives),
                read_from as u64,
            )
            .map_err(js_error)?;
        Ok(next.map(|next| match next {
            NextRecording::Copied => None,
            NextRecording::Read {
                archive,
                entry,
                range,
            } => Some(RecordingRange {
                archive,
                entry: sources
                    .archives
                    .get(archive)
                    .and_then(|a| a.entry(entry))
                    .map(|e| e.name)
                    .unwrap_or_default(),
                start: range.start,
                end: range.start + range.bytes,
            }),
        }))
    }

    /// `recordingBytes`: the next bytes of the recording begun.
    pub fn recording_bytes(&mut self, bytes: &[u8]) -> Result<(), JsError> {
        self.session.recording_bytes(bytes).map_err(js_error)
    }

    /// `endRecording`: the recording begun is complete; its size.
    pub fn end_recording(&mut self) -> Result<u64, JsError> {
        self.session.end_recording().map_err(js_error)
    }

    /// `finishPackage`: writes the rest; what was written.
    pub fn finish<S: ArchiveSource>(self, sources: Sources<S>) -> Result<FinishedPackage, JsError> {
        let SteppedPackage {
            session,
            name,
            part_size,
        } = self;
        let written = session
            .finish_parts(sources.conversion, &mut as_sources(&mut *sources.archives))
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
