//! The conversion in the browser, between its two passes. In: tracker
//! exports, call archives (read from their Blobs, or from the helpers'
//! first pass), a roster, earlier packages and the options. Out: the
//! preview, a call's transcript excerpt, the triggers the helpers replay,
//! and the package written whole (`writePackage`) or in the second pass's
//! steps (`beginPackage`, `next`, ...: `package.rs` does each).

use super::blob::{BlobReader, ChunkSink};
use super::error::js_error;
use super::first_pass::{first_pass_of, first_pass_reads};
use super::inputs::{
    archive_sources, as_sources, earlier_packages, input_files, readable_totals, roster,
};
use super::package::{
    chunk_size, finished_package, package_name, Begun, Packaging, PlanArg, Sources,
};
use super::progress::{Meter, SharedMeter, WatchedSource};
use super::sample::zip_blob;
use super::values::{from_js, from_js_strict, to_js, Js};
use crate::model::calls::Transcript;
use crate::{ArchiveSource, Conversion, Limits, Options, Preview, ZipSource};
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

/// Converts `files` (`[{name, bytes: Uint8Array}]`; an edits document
/// among them is told by its content and applied) with `options`
/// (`{default_language, edits}`; missing fields take their defaults) into
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
/// (`{default_language, from, to, min_duration_seconds, calls, edits}`), exactly as
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
    let limits = options.limits.clone();
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
        packaging: None,
        limits,
    })
}

/// An archive as the conversion reads it: from its Blob, its entries counted for progress.
type Archive = WatchedSource<ZipSource<BlobReader>>;

/// A conversion with call archives, between its two passes: the preview is
/// ready; `writePackage` streams the package out, or the second pass's
/// steps do (`beginPackage`, then `next` until it says `finish`), its
/// transcripts prepared by helper workers.
#[wasm_bindgen]
pub struct ArchiveConversion {
    conversion: Conversion,
    archives: Vec<Archive>,
    meter: SharedMeter,
    /// A package written in steps (`beginPackage` .. `finishPackage`).
    packaging: Option<Packaging>,
    /// The options' limits, for the edits `setEdits` reads.
    limits: Limits,
}

/// A call's transcript excerpt: its first utterances and how many it has.
#[derive(Serialize)]
struct Excerpt {
    #[serde(flatten)]
    transcript: Transcript,
    utterance_count: usize,
}

#[wasm_bindgen]
impl ArchiveConversion {
    /// The preview object (`counts`, `themes`, `report`, `inputs`, `calls`).
    #[wasm_bindgen(unchecked_return_type = "Preview")]
    pub fn preview(&self) -> Result<JsValue, JsError> {
        to_js(&self.conversion.preview())
    }

    /// Applies `edits` (an edits document as an object, or null for none)
    /// instead of the options' edits, to the themes as converted (the
    /// edits documents among the files still apply first), and answers the
    /// new preview. The package written afterwards, and `replayTriggers`,
    /// use the edited themes. Refused while a package is being written; a
    /// malformed document is refused with its place and changes nothing.
    #[wasm_bindgen(js_name = setEdits, unchecked_return_type = "Preview")]
    pub fn set_edits(
        &mut self,
        #[wasm_bindgen(unchecked_param_type = "EditsDocument | null | undefined")] edits: JsValue,
    ) -> Result<JsValue, JsError> {
        if self.packaging.is_some() {
            return Err(js_error(
                "a package is being written; set the edits after finishPackage",
            ));
        }
        let edits: Option<serde_json::Value> = from_js(edits, "edits")?;
        self.conversion
            .set_edits(edits.as_ref(), &self.limits)
            .map_err(js_error)?;
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

    /// The triggers every `TranscriptPreparer` replays over the
    /// transcripts (`[{topic, phrase, said_by, language, match}]`), or null
    /// when the package has no topics to replay.
    #[wasm_bindgen(js_name = replayTriggers, unchecked_return_type = "ReplayTrigger[] | null")]
    pub fn replay_triggers(&self) -> Result<JsValue, JsError> {
        match self.conversion.replay() {
            Some(replay) => to_js(replay.triggers()),
            None => Ok(JsValue::NULL),
        }
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
    fn packaging(&mut self) -> Result<(&mut Packaging, Sources<'_, Archive>), JsError> {
        let packaging = self
            .packaging
            .as_mut()
            .ok_or_else(|| js_error("beginPackage first"))?;
        let sources = Sources {
            conversion: &self.conversion,
            archives: &mut self.archives,
            meter: &self.meter,
        };
        Ok((packaging, sources))
    }
}

/// The package in the second pass's steps (`package.rs` does each).
#[wasm_bindgen]
impl ArchiveConversion {
    /// Begins the package, written to `onChunk(chunk, part)` as the second
    /// pass's session says (`next`), with `plan`'s workers (`{workers,
    /// store, streams}`: how many helper workers the page may start,
    /// whether early entries can be stored on disk, whether the browser
    /// reads Files through BYOB streams); answers `{helpers}`, how many
    /// helpers it uses (0: this worker prepares the entries). Whole, the
    /// bytes are those of `writePackage`, all of part 1; with `partSize`
    /// (`"2GB"`, `"500MB"`, bytes; as `convert --part-size`), parts of at
    /// most that size, numbered from 1, each chunk naming its part, the
    /// parts one after another.
    #[wasm_bindgen(js_name = beginPackage, unchecked_return_type = "{ helpers: number }")]
    pub fn begin_package(
        &mut self,
        #[wasm_bindgen(js_name = onChunk, unchecked_param_type = "(chunk: Uint8Array, part: number) => void")]
        on_chunk: Function,
        #[wasm_bindgen(js_name = chunkBytes)] chunk_bytes: Option<u32>,
        #[wasm_bindgen(js_name = partSize)] part_size: Option<String>,
        #[wasm_bindgen(unchecked_param_type = "PackagePlan | null | undefined")] plan: JsValue,
    ) -> Result<JsValue, JsError> {
        let plan: PlanArg = from_js_strict(plan, "plan")?;
        let packaging = Packaging::begin(self.sources(), on_chunk, chunk_bytes, part_size, plan)?;
        let begun = Begun {
            helpers: packaging.helpers,
        };
        self.packaging = Some(packaging);
        to_js(&begun)
    }

    /// What to do next: `{kind: 'prepare', worker, job}` (prepare `job` on
    /// that worker, then `arrived`), `{kind: 'append', job}` (its turn:
    /// `append`), `{kind: 'read', archive, entry, start, end}` (read those
    /// bytes of the archive's File into `recordingBytes`, then
    /// `endRecording`), `{kind: 'again', copied}`, `{kind: 'wait'}` (until
    /// an entry arrives) or `{kind: 'finish'}` (`finishPackage`).
    #[wasm_bindgen(js_name = next, unchecked_return_type = "PackageStep")]
    pub fn next_step(&mut self) -> Result<JsValue, JsError> {
        let (packaging, sources) = self.packaging()?;
        to_js(&packaging.next(sources)?)
    }

    /// Entry `job` (a `prepare` step's `job.index`) arrived, holding `bytes`
    /// (its zip's buffer): `'keep'` it in memory or `'store'` it on disk
    /// until its `append` step.
    pub fn arrived(&mut self, job: u32, bytes: f64) -> Result<String, JsError> {
        let (packaging, _) = self.packaging()?;
        packaging
            .arrived(job as usize, bytes as u64)
            .map(str::to_string)
    }

    /// Appends entry `job`, as a `TranscriptPreparer` made it, at its turn.
    pub fn append(
        &mut self,
        job: u32,
        #[wasm_bindgen(unchecked_param_type = "PreparedTranscript")] prepared: JsValue,
    ) -> Result<(), JsError> {
        let (packaging, sources) = self.packaging()?;
        packaging.append(sources, job as usize, prepared)
    }

    /// The next bytes of the recording a `read` step named.
    #[wasm_bindgen(js_name = recordingBytes)]
    pub fn recording_bytes(&mut self, bytes: &[u8]) -> Result<(), JsError> {
        self.packaging()?.0.recording_bytes(bytes)
    }

    /// Ends the recording a `read` step named, once all its bytes came and
    /// only if they are those the archive's CRC-32 names.
    #[wasm_bindgen(js_name = endRecording)]
    pub fn end_recording(&mut self) -> Result<(), JsError> {
        let bytes = self.packaging()?.0.end_recording()?;
        self.meter.borrow_mut().counted(bytes);
        Ok(())
    }

    /// Once `next` said `finish`, writes the rest of the package (users,
    /// report, manifest); answers `{name, bytes, parts: [{number, name,
    /// bytes, sha256, calls}]}` (one part, without a checksum, for a
    /// package written whole), and for a package split into parts `index:
    /// {name, bytes: Uint8Array}`, the index naming every part
    /// (`<name>-index.json`), and `fidelity`, the run's over all parts
    /// (with topics to replay).
    #[wasm_bindgen(js_name = finishPackage, unchecked_return_type = "FinishedPackage")]
    pub fn finish_package(&mut self) -> Result<JsValue, JsError> {
        let packaging = self
            .packaging
            .take()
            .ok_or_else(|| js_error("beginPackage first"))?;
        to_js(&packaging.finish(self.sources())?)
    }
}
