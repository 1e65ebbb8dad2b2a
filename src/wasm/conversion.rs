//! The conversion in the browser, between its two passes. In: tracker
//! exports, call archives (read from their Blobs, or from the helpers'
//! first pass), a roster, earlier packages and the options. Out: the
//! preview, a call's transcript excerpt, the second pass's transcript
//! jobs and triggers for the helpers, and the package written whole
//! (`writePackage`) or in steps (`package.rs`).

use super::blob::{BlobReader, ChunkSink};
use super::error::js_error;
use super::first_pass::{first_pass_of, first_pass_reads};
use super::inputs::{
    archive_sources, as_sources, earlier_packages, input_files, readable_totals, roster,
};
use super::package::{
    chunk_size, entry_size, finished_package, package_name, Sources, SteppedPackage,
};
use super::preparer::JobJs;
use super::progress::{Meter, SharedMeter, WatchedSource};
use super::sample::zip_blob;
use super::values::{from_js_strict, to_js, Js};
use crate::model::calls::Transcript;
use crate::{ArchiveSource, Conversion, Options, Preview, ZipSource};
use js_sys::Function;
use serde::Serialize;
use wasm_bindgen::prelude::*;

/// Options from a plain object; `undefined` or `null` means the defaults.
fn options(options: JsValue) -> Result<Options, JsError> {
    from_js_strict(options, "options")
}

/// What `convert` answers.
#[derive(Serialize)]
struct Converted<'a> {
    preview: Preview<'a>,
    package: Js<web_sys::Blob>,
    package_name: String,
}

/// Converts `files` (`[{name, bytes: Uint8Array}]`) with `options`
/// (`{default_language}`; missing fields take their defaults) into
/// `{preview, package: Blob, package_name}`. Throws an `Error` whose message
/// names the file and record that stopped the conversion.
#[wasm_bindgen(unchecked_return_type = "Converted")]
pub fn convert(
    #[wasm_bindgen(unchecked_param_type = "FileInput[]")] files: JsValue,
    #[wasm_bindgen(unchecked_param_type = "Options | null | undefined")] options: JsValue,
) -> Result<JsValue, JsError> {
    let files = input_files(files, false)?;
    let options = self::options(options)?;
    let conversion = crate::convert(&files, &options).map_err(js_error)?;
    let bytes = conversion.write_package(Vec::new()).map_err(js_error)?;
    to_js(&Converted {
        preview: conversion.preview(),
        package: Js(zip_blob(&bytes, "package")?),
        package_name: package_name(),
    })
}

/// Converts tracker exports (`files`: `[{name, bytes: Uint8Array}]`), call
/// archives (`archives`: `[{name, blob: Blob|File}]`, read from the Blob as
/// needed) and an optional roster (`{name, bytes}` or null) with `options`
/// (`{default_language, from, to, min_duration_seconds, calls}`), exactly as
/// `chorus2outdoo convert --archive ...` does. `onProgress`, when given,
/// hears `{phase, entries_done, entries_total, bytes_done, bytes_total}`
/// while the archives are read here and read again by `writePackage`.
/// `firstPass`, when given, holds per archive the `EntryReader` steps of
/// its `firstPassRanges`, in order: the archives are then not read here
/// (give each its `sha256` from an `ArchiveDigest`, or it is hashed here),
/// and the conversion is the same. `earlier`, when given, holds earlier
/// import packages of the same migration (`[{name, blob}]`, as
/// `--after-package`): every call they hold is left out as
/// `already_migrated`, their users are `existing`. Only in a Web Worker.
#[wasm_bindgen(js_name = convertArchives)]
pub fn convert_archives(
    #[wasm_bindgen(unchecked_param_type = "FileInput[] | null | undefined")] files: JsValue,
    #[wasm_bindgen(unchecked_param_type = "ArchiveInput[] | null | undefined")] archives: JsValue,
    #[wasm_bindgen(unchecked_param_type = "FileInput | null | undefined")] roster: JsValue,
    #[wasm_bindgen(unchecked_param_type = "Options | null | undefined")] options: JsValue,
    #[wasm_bindgen(js_name = onProgress, unchecked_param_type = "((progress: Progress) => void) | null")]
    on_progress: Option<Function>,
    #[wasm_bindgen(js_name = firstPass, unchecked_param_type = "Uint8Array[][] | null | undefined")]
    first_pass: JsValue,
    #[wasm_bindgen(unchecked_param_type = "NamedBlob[] | null | undefined")] earlier: JsValue,
) -> Result<ArchiveConversion, JsError> {
    let files = input_files(files, true)?;
    let roster = self::roster(roster)?;
    let mut options = self::options(options)?;
    options.after_packages = earlier_packages(earlier)?;
    let meter = Meter::new(on_progress);
    let mut sources: Vec<_> = archive_sources(archives, true)?
        .into_iter()
        .map(|source| WatchedSource::new(source, meter.clone()))
        .collect();
    let mut reads = first_pass_reads(first_pass)?;
    if reads.is_none() {
        let (entries_total, bytes_total) =
            readable_totals(sources.iter().flat_map(crate::entries_of));
        meter.borrow_mut().start("read", entries_total, bytes_total);
    }
    let mut first_pass = |index: usize, source: &mut dyn ArchiveSource| match reads.as_mut() {
        None => Ok(crate::read::archive::read_archive(index, source)),
        Some(reads) => first_pass_of(reads, index, source),
    };
    let conversion = {
        let mut archives = as_sources(&mut sources);
        crate::convert_with_first_pass(
            &files,
            &mut archives,
            roster.as_ref(),
            &options,
            &mut first_pass,
        )
        .map_err(js_error)?
    };
    meter.borrow_mut().finish();
    Ok(ArchiveConversion {
        conversion,
        archives: sources,
        meter,
        stepped: None,
    })
}

/// An archive as the conversion reads it: from its Blob, its entries counted for progress.
type Archive = WatchedSource<ZipSource<BlobReader>>;

/// A conversion with call archives, between its two passes: the preview is
/// ready; `writePackage` streams the package out, or the steps of
/// `beginPackage` .. `finishPackage` do, with helpers' transcripts.
#[wasm_bindgen]
pub struct ArchiveConversion {
    pub(super) conversion: Conversion,
    pub(super) archives: Vec<Archive>,
    pub(super) meter: SharedMeter,
    /// A package written in steps (`beginPackage` .. `finishPackage`).
    pub(super) stepped: Option<SteppedPackage>,
}

/// A call's transcript excerpt: its first utterances and how many it has.
#[derive(Serialize)]
struct Excerpt {
    #[serde(flatten)]
    transcript: Transcript,
    utterance_count: usize,
}

/// The transcript jobs and the triggers the helpers replay over them.
#[derive(Serialize)]
struct SecondPassWork<'a> {
    jobs: Vec<JobJs>,
    triggers: Option<&'a [crate::decide::replay::ReplayTrigger]>,
}

#[wasm_bindgen]
impl ArchiveConversion {
    /// The preview object (`counts`, `themes`, `report`, `inputs`, `calls`).
    #[wasm_bindgen(unchecked_return_type = "Preview")]
    pub fn preview(&self) -> Result<JsValue, JsError> {
        to_js(&self.conversion.preview())
    }

    /// The first `limit` utterances of one imported call's transcript, as
    /// the package holds it: `{source_id, speakers, utterances,
    /// utterance_count}`, or null for a call without a transcript.
    #[wasm_bindgen(unchecked_return_type = "Excerpt | null")]
    pub fn transcript(
        &mut self,
        #[wasm_bindgen(js_name = sourceId)] source_id: String,
        limit: u32,
    ) -> Result<JsValue, JsError> {
        let mut archives: Vec<&mut dyn ArchiveSource> = self
            .archives
            .iter_mut()
            .map(|a| &mut a.inner as &mut dyn ArchiveSource)
            .collect();
        let transcript = self
            .conversion
            .transcript(&source_id, &mut archives)
            .map_err(js_error)?;
        let Some(mut transcript) = transcript else {
            return Ok(JsValue::NULL);
        };
        let utterance_count = transcript.utterances.len();
        transcript.utterances.truncate(limit as usize);
        to_js(&Excerpt {
            transcript,
            utterance_count,
        })
    }

    /// The second pass's work for `TranscriptPreparer`s in other workers:
    /// `jobs`, the transcript entries the package holds, in package order
    /// (`[{source_id, path, archive, entry, pointer, form, duration_seconds,
    /// language, bytes}]`), and `triggers`, those every preparer replays
    /// over them (`[{topic, phrase, said_by, language, match}]`, or null
    /// when the package has no topics to replay).
    #[wasm_bindgen(js_name = secondPassWork, unchecked_return_type = "SecondPassWork")]
    pub fn second_pass_work(&self) -> Result<JsValue, JsError> {
        let jobs = self
            .conversion
            .transcript_jobs()
            .iter()
            .map(|job| {
                let bytes = entry_size(&self.archives, job.source.entry);
                JobJs::new(job, bytes)
            })
            .collect();
        let replay = self.conversion.replay();
        to_js(&SecondPassWork {
            jobs,
            triggers: replay.as_ref().map(|replay| replay.triggers()),
        })
    }

    /// Writes the package, re-reading transcripts and recordings from the
    /// archives, and hands it to `onChunk(Uint8Array, part)` in chunks of
    /// `chunkBytes` (default 1 MiB; the last one smaller). Answers as
    /// `finishPackage` does for a package written whole.
    #[wasm_bindgen(js_name = writePackage, unchecked_return_type = "FinishedPackage")]
    pub fn write_package(
        &mut self,
        #[wasm_bindgen(js_name = onChunk, unchecked_param_type = "(chunk: Uint8Array, part: number) => void")]
        on_chunk: Function,
        #[wasm_bindgen(js_name = chunkBytes)] chunk_bytes: Option<u32>,
    ) -> Result<JsValue, JsError> {
        let sink = ChunkSink::new(on_chunk, chunk_size(chunk_bytes));
        self.sources().start_write_progress();
        let mut archives = as_sources(&mut self.archives);
        let sink = self
            .conversion
            .write_package_with(&mut archives, sink)
            .map_err(js_error)?;
        let (bytes, _) = sink.finish().map_err(js_error)?;
        self.meter.borrow_mut().finish();
        let calls = self.conversion.calls.as_ref().map_or(0, |c| c.calls.len());
        to_js(&finished_package(package_name(), bytes, calls))
    }
}

impl ArchiveConversion {
    /// What the package writer works with.
    fn sources(&mut self) -> Sources<'_, Archive> {
        Sources {
            conversion: &self.conversion,
            archives: &mut self.archives,
            meter: &self.meter,
        }
    }

    /// The package begun with `beginPackage`, and what it works with.
    fn stepped(&mut self) -> Result<(&mut SteppedPackage, Sources<'_, Archive>), JsError> {
        let stepped = self
            .stepped
            .as_mut()
            .ok_or_else(|| js_error("beginPackage first"))?;
        let sources = Sources {
            conversion: &self.conversion,
            archives: &mut self.archives,
            meter: &self.meter,
        };
        Ok((stepped, sources))
    }
}

/// The package in steps, while helper workers prepare the transcripts
/// (`package.rs` does each step).
#[wasm_bindgen]
impl ArchiveConversion {
    /// Starts writing the package in steps: the entries before the
    /// transcripts go to `onChunk(chunk, part)` now; `addTranscript` takes
    /// the transcripts in `secondPassWork().jobs` order, `placeRest` the
    /// calls left, `finishPackage` the rest. The recordings are handed over
    /// (`nextRecording`, or copied by `addRecordings`) whenever
    /// `addTranscript`, `placeRest` or `resumePackage` answers true, then
    /// `resumePackage` goes on: split into parts, a part that is full
    /// waits for its recordings; written whole, they come after the
    /// transcripts. Whole, the bytes are those of `writePackage`, all of
    /// part 1. With `partSize` (`"2GB"`, `"500MB"`, bytes; as `convert
    /// --part-size`), the package is split into parts of at most that
    /// size, numbered from 1, each chunk naming its part, the parts one
    /// after another.
    #[wasm_bindgen(js_name = beginPackage)]
    pub fn begin_package(
        &mut self,
        #[wasm_bindgen(js_name = onChunk, unchecked_param_type = "(chunk: Uint8Array, part: number) => void")]
        on_chunk: Function,
        #[wasm_bindgen(js_name = chunkBytes)] chunk_bytes: Option<u32>,
        #[wasm_bindgen(js_name = partSize)] part_size: Option<String>,
    ) -> Result<(), JsError> {
        let stepped = SteppedPackage::begin(self.sources(), on_chunk, chunk_bytes, part_size)?;
        self.stepped = Some(stepped);
        Ok(())
    }

    /// Appends the next transcript entry, as a `TranscriptPreparer` made
    /// it; answers true when the part before its call is full and waits
    /// for its recordings: the transcript is held until `resumePackage`.
    #[wasm_bindgen(js_name = addTranscript)]
    pub fn add_transcript(
        &mut self,
        #[wasm_bindgen(unchecked_param_type = "PreparedTranscript")] part: JsValue,
    ) -> Result<bool, JsError> {
        let (stepped, sources) = self.stepped()?;
        stepped.add_transcript(sources, part)
    }

    /// Once every transcript is in: places the calls left; answers true
    /// while recordings are due (see `beginPackage`).
    #[wasm_bindgen(js_name = placeRest)]
    pub fn place_rest(&mut self) -> Result<bool, JsError> {
        let (stepped, sources) = self.stepped()?;
        stepped.place_rest(sources)
    }

    /// Once the recordings due are in: closes the part that waited for
    /// them and places what waited (the transcript held, or the calls
    /// left); answers true when recordings are due again.
    #[wasm_bindgen(js_name = resumePackage)]
    pub fn resume_package(&mut self) -> Result<bool, JsError> {
        let (stepped, sources) = self.stepped()?;
        stepped.resume(sources)
    }

    /// Copies the recordings of the next calls, at most `max` and, past the
    /// first, at most `maxBytes` of them, once every transcript is in (a
    /// package written whole; split into parts they go with their part),
    /// so the worker can give its event loop a turn between steps; answers
    /// whether calls are left. `finishPackage` copies what is left.
    #[wasm_bindgen(js_name = addRecordings)]
    pub fn add_recordings(
        &mut self,
        max: u32,
        #[wasm_bindgen(js_name = maxBytes)] max_bytes: f64,
    ) -> Result<bool, JsError> {
        let (stepped, sources) = self.stepped()?;
        stepped.add_recordings(sources, max, max_bytes)
    }

    /// The next call's recording, once every transcript is in (a package
    /// written whole): `undefined` when none is left; `null` when it was
    /// copied here (compressed in its archive, or smaller than `readFrom`
    /// bytes); else `{archive, entry, start, end}`: the recording, the zip
    /// entry `entry`, lies as it is in bytes `start..end` of archive
    /// `archive` (in `convertArchives` order), and the worker reads them
    /// (through the File's byte stream, into one buffer used again: no
    /// garbage) into `recordingBytes`, then calls `endRecording`, which
    /// checks them against the archive's CRC-32.
    #[wasm_bindgen(js_name = nextRecording, unchecked_return_type = "RecordingRange | null | undefined")]
    pub fn next_recording(
        &mut self,
        #[wasm_bindgen(js_name = readFrom)] read_from: f64,
    ) -> Result<JsValue, JsError> {
        let (stepped, sources) = self.stepped()?;
        match stepped.next_recording(sources, read_from)? {
            None => Ok(JsValue::UNDEFINED),
            Some(None) => Ok(JsValue::NULL),
            Some(Some(range)) => to_js(&range),
        }
    }

    /// The next bytes of the recording `nextRecording` began.
    #[wasm_bindgen(js_name = recordingBytes)]
    pub fn recording_bytes(&mut self, bytes: &[u8]) -> Result<(), JsError> {
        self.stepped()?.0.recording_bytes(bytes)
    }

    /// Ends the recording `nextRecording` began, once all its bytes came
    /// and only if they are those the archive's CRC-32 names.
    #[wasm_bindgen(js_name = endRecording)]
    pub fn end_recording(&mut self) -> Result<(), JsError> {
        let bytes = self.stepped()?.0.end_recording()?;
        self.meter.borrow_mut().counted(bytes);
        Ok(())
    }

    /// Writes the rest of the package (recordings, users, report,
    /// manifest); answers `{name, bytes, parts: [{number, name, bytes,
    /// sha256, calls}]}` (one part, without a checksum, for a package
    /// written whole), and for a package split into parts `index: {name,
    /// bytes: Uint8Array}`, the index naming every part
    /// (`<name>-index.json`), and `fidelity`, the run's over all parts
    /// (with topics to replay).
    #[wasm_bindgen(js_name = finishPackage, unchecked_return_type = "FinishedPackage")]
    pub fn finish_package(&mut self) -> Result<JsValue, JsError> {
        let stepped = self
            .stepped
            .take()
            .ok_or_else(|| js_error("beginPackage first"))?;
        to_js(&stepped.finish(self.sources())?)
    }
}
