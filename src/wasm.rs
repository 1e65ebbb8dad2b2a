//! The browser binding: the library's `inspect` and `convert` for JavaScript.
//!
//! In: file names and bytes (`Uint8Array`), options as a plain object. Out:
//! plain JS objects (serde-wasm-bindgen, JSON-compatible: maps become objects,
//! `None` becomes `null`) and the package as a `Blob`. Errors become JS
//! `Error`s carrying the same message the CLI prints. No conversion logic
//! lives here: everything below the boundary is covered by native tests.
//!
//! Call archives (and earlier import packages, for a cutover run) are not
//! copied into wasm memory: `inspectFile` and `convertArchives` read a
//! `Blob`/`File` through `blob::BlobReader` (Web Workers only) and write
//! the package through `blob::ChunkSink`, chunk by chunk, to a JS callback. `progress` reports how far a conversion is.
//! Helper workers take part through `EntryReader` (ranges of an archive's
//! entries in the first pass, handed over step by step as plain bytes), `TranscriptPreparer`
//! (transcript entries, likewise) and `checkTranscripts` (shares of the
//! package check); the converter's worker hashes the archives meanwhile
//! (`ArchiveDigest`), decides (`convertArchives` with the reads), puts the
//! package together in order (`beginPackage`, `addTranscript`,
//! `finishPackage`) and checks it (`verifyPackage`).

pub mod blob;
pub mod progress;

use crate::decide::replay::{Replay, ReplayTrigger};
use crate::detect::{detect, FileKind};
use crate::format::FileRecord;
use crate::model::calls::{EntryRef, TranscriptForm, TranscriptSource};
use crate::model::Location;
use crate::read::archive::{entry_ranges, ArchiveHasher, ArchiveRead, ZipSource};
use crate::write::calls::{prepare_transcript, PreparedTranscript, TranscriptJob};
use crate::write::package::{
    NextRecording, PackageOutput, PackageSession, Placing, PreparedEntry, WrittenPart,
};
use crate::{ArchiveSource, Conversion, FileSummary, InputFile, Limits, Options};
use blob::{BlobReader, ChunkSink, PackageReader};
use js_sys::Function;
use js_sys::{Array, Object, Reflect, Uint8Array};
use progress::{Meter, SharedMeter, WatchedSource};
use serde::Serialize;
use wasm_bindgen::prelude::*;

/// Runs once when the module is instantiated: panics are logged to the
/// console with their message and location instead of a bare `unreachable`.
#[wasm_bindgen(start)]
pub fn start() {
    console_error_panic_hook::set_once();
}

/// The library version, so the page can show what it runs.
#[wasm_bindgen]
pub fn version() -> String {
    crate::GENERATOR.to_string()
}

fn to_js<T: Serialize + ?Sized>(value: &T) -> Result<JsValue, JsError> {
    value
        .serialize(&serde_wasm_bindgen::Serializer::json_compatible())
        .map_err(|e| JsError::new(&format!("cannot pass the result to the page: {e}")))
}

fn set(target: &Object, key: &str, value: &JsValue) -> Result<(), JsError> {
    Reflect::set(target, &JsValue::from_str(key), value)
        .map(|_| ())
        .map_err(|_| JsError::new(&format!("cannot set {key} on the result")))
}

/// Reads `[{name, bytes: Uint8Array}]` into input files.
fn input_files(files: &JsValue) -> Result<Vec<InputFile>, JsError> {
    if !Array::is_array(files) {
        return Err(JsError::new("files must be an array of {name, bytes}"));
    }
    Array::from(files)
        .iter()
        .enumerate()
        .map(|(index, file)| {
            let name = Reflect::get(&file, &JsValue::from_str("name"))
                .ok()
                .and_then(|n| n.as_string())
                .ok_or_else(|| JsError::new(&format!("files[{index}].name must be a string")))?;
            let bytes = Reflect::get(&file, &JsValue::from_str("bytes"))
                .ok()
                .filter(|b| b.is_instance_of::<Uint8Array>())
                .ok_or_else(|| {
                    JsError::new(&format!(
                        "files[{index}].bytes must be a Uint8Array ({name})"
                    ))
                })?;
            Ok(InputFile {
                name,
                bytes: Uint8Array::from(bytes).to_vec(),
            })
        })
        .collect()
}

/// Options from a plain object; `undefined` or `null` means the defaults.
fn options(options: &JsValue) -> Result<Options, JsError> {
    if options.is_undefined() || options.is_null() {
        return Ok(Options::default());
    }
    // Through a JSON value: serde-wasm-bindgen reads only the fields a struct
    // names, so a misspelt option would pass silently; serde_json rejects it.
    let value: serde_json::Value = serde_wasm_bindgen::from_value(options.clone())
        .map_err(|e| JsError::new(&format!("options: {e}")))?;
    serde_json::from_value(value).map_err(|e| JsError::new(&format!("options: {e}")))
}

/// `outdoo-import-YYYY-MM-DD.zip`, with today's date in the browser's time zone.
fn package_name() -> String {
    let now = js_sys::Date::new_0();
    format!(
        "outdoo-import-{:04}-{:02}-{:02}.zip",
        now.get_full_year(),
        now.get_month() + 1,
        now.get_date()
    )
}

/// What one file was detected as and what it holds:
/// `{name, kind, kind_label, trackers, phrases, problems, error}`.
#[wasm_bindgen]
pub fn inspect(name: String, bytes: &[u8]) -> Result<JsValue, JsError> {
    let summary = crate::inspect(&InputFile {
        name,
        bytes: bytes.to_vec(),
    });
    to_js(&summary)
}

/// Converts `files` (`[{name, bytes: Uint8Array}]`) with `options`
/// (`{default_language}`; missing fields take their defaults) into
/// `{preview, package: Blob, package_name}`. Throws an `Error` whose message
/// names the file and record that stopped the conversion.
#[wasm_bindgen]
pub fn convert(files: JsValue, options: JsValue) -> Result<JsValue, JsError> {
    let files = input_files(&files)?;
    let options = self::options(&options)?;
    let conversion = crate::convert(&files, &options).map_err(|e| JsError::new(&e.to_string()))?;
    let bytes = conversion
        .write_package(Vec::new())
        .map_err(|e| JsError::new(&e.to_string()))?;

    let parts = Array::of1(&Uint8Array::from(bytes.as_slice()));
    let properties = web_sys::BlobPropertyBag::new();
    properties.set_type("application/zip");
    let package = web_sys::Blob::new_with_u8_array_sequence_and_options(&parts, &properties)
        .map_err(|_| JsError::new("cannot create the package Blob"))?;

    let result = Object::new();
    set(&result, "preview", &to_js(&conversion.preview())?)?;
    set(&result, "package", &package)?;
    set(&result, "package_name", &JsValue::from_str(&package_name()))?;
    Ok(result.into())
}

fn blob_reader(blob: &web_sys::Blob) -> Result<BlobReader, JsError> {
    BlobReader::new(blob.clone()).map_err(|e| JsError::new(&e))
}

/// A package to check: a `Blob`, or its file's `FileSystemSyncAccessHandle`
/// (read straight into wasm memory: no garbage left in JavaScript).
fn package_reader(package: &JsValue) -> Result<PackageReader, JsError> {
    PackageReader::new(package).map_err(|e| JsError::new(&e))
}

fn is_workbook(source: &dyn ArchiveSource) -> bool {
    crate::entries_of(source).any(|e| e.name == "xl/workbook.xml")
}

/// What a `Blob`/`File` was detected as and what it holds, like `inspect`;
/// an earlier Outdoo import package (a zip ending with its `manifest.json`)
/// is `{..., kind: "outdoo_package", package: {name, calls, users}}` (only
/// its manifest, calls list and users are read); another zip that is not a
/// workbook is a call archive, read entry by entry from the Blob (`{...,
/// kind: "call_archive", archive: {engagements, ...}}`). With `listOnly`,
/// a call archive's entries are listed but not read (`archive: {name,
/// entries}`, the other counts 0): the conversion reads them anyway, so the
/// page reads a big archive once, not twice. Only in a Web Worker.
#[wasm_bindgen(js_name = inspectFile)]
pub fn inspect_file(
    name: String,
    blob: web_sys::Blob,
    list_only: Option<bool>,
) -> Result<JsValue, JsError> {
    use std::io::Read;
    let mut head = [0u8; 4];
    let mut reader = BlobReader::with_read_ahead(blob.clone(), 4).map_err(|e| JsError::new(&e))?;
    let n = reader.read(&mut head).unwrap_or(0);
    if n == 4 && &head == b"PK\x03\x04" {
        // Listed, not hashed: what the file holds needs no checksum.
        match ZipSource::unhashed(name.clone(), blob_reader(&blob)?) {
            Ok(mut source) => {
                if let Some(package) = crate::read::earlier::earlier_package_in(&mut source) {
                    return to_js(&crate::inspect_package(&name, &package));
                }
                if !is_workbook(&source) {
                    if list_only != Some(true) {
                        return to_js(&crate::inspect_archive(&mut source));
                    }
                    let listing = crate::read::archive::ArchiveSummary {
                        name: name.clone(),
                        entries: source.entry_count(),
                        ..Default::default()
                    };
                    return to_js(&FileSummary {
                        archive: Some(listing),
                        ..FileSummary::new(name, FileKind::CallArchive)
                    });
                }
            }
            Err(e) => {
                return to_js(&FileSummary::failed(name, FileKind::Zip, e.to_string()));
            }
        }
    }
    let limits = Limits::default();
    let read = match InputFile::check_size(&name, blob.size() as u64, &limits) {
        Ok(()) => InputFile::read(name.clone(), blob_reader(&blob)?, &limits),
        Err(e) => Err(e),
    };
    match read {
        Ok(file) => to_js(&crate::inspect(&file)),
        Err(e) => {
            let mut head = vec![0u8; 4096];
            let mut reader =
                BlobReader::with_read_ahead(blob, 4096).map_err(|e| JsError::new(&e))?;
            let n = reader.read(&mut head).unwrap_or(0);
            to_js(&FileSummary::failed(
                name,
                detect(&head[..n]),
                e.to_string(),
            ))
        }
    }
}

/// Reads `[{name, blob, sha256?}]`; `hashed`: each archive's SHA-256, as
/// the package's manifest needs, is taken from `sha256` (an `ArchiveDigest`
/// of the Blob) or else computed (one read through it).
fn archive_sources(
    archives: &JsValue,
    hashed: bool,
) -> Result<Vec<ZipSource<BlobReader>>, JsError> {
    if archives.is_undefined() || archives.is_null() {
        return Ok(Vec::new());
    }
    if !Array::is_array(archives) {
        return Err(JsError::new("archives must be an array of {name, blob}"));
    }
    Array::from(archives)
        .iter()
        .enumerate()
        .map(|(index, archive)| archive_source(&archive, index, hashed))
        .collect()
}

/// `{name, blob}` of `list[index]`, or an error naming the field.
fn named_blob(
    item: &JsValue,
    list: &str,
    index: usize,
) -> Result<(String, web_sys::Blob), JsError> {
    let name = Reflect::get(item, &JsValue::from_str("name"))
        .ok()
        .and_then(|n| n.as_string())
        .ok_or_else(|| JsError::new(&format!("{list}[{index}].name must be a string")))?;
    let blob: web_sys::Blob = Reflect::get(item, &JsValue::from_str("blob"))
        .ok()
        .and_then(|b| b.dyn_into().ok())
        .ok_or_else(|| {
            JsError::new(&format!(
                "{list}[{index}].blob must be a Blob or File ({name})"
            ))
        })?;
    Ok((name, blob))
}

/// `archives[index]` (`{name, blob, sha256?}`) listed, as `archive_sources` does.
fn archive_source(
    archive: &JsValue,
    index: usize,
    hashed: bool,
) -> Result<ZipSource<BlobReader>, JsError> {
    let (name, blob) = named_blob(archive, "archives", index)?;
    let reader = blob_reader(&blob)?;
    let digest = Reflect::get(archive, &JsValue::from_str("sha256"))
        .ok()
        .and_then(|d| d.as_string());
    let source = match (hashed, digest) {
        (true, Some(digest)) => ZipSource::with_digest(name, reader, blob.size() as u64, digest),
        (true, None) => ZipSource::new(name, reader),
        (false, _) => ZipSource::unhashed(name, reader),
    };
    source.map_err(|e| JsError::new(&e.to_string()))
}

/// Reads `earlier` (`[{name, blob}]`, or null): each earlier import
/// package's calls and users, from the Blob in slices (only its manifest,
/// `calls.jsonl` and `users.json`), as `--after-package` reads a file.
fn earlier_packages(
    earlier: &JsValue,
) -> Result<Vec<crate::read::earlier::EarlierPackage>, JsError> {
    if earlier.is_undefined() || earlier.is_null() {
        return Ok(Vec::new());
    }
    named_blobs(earlier, "earlier")?
        .into_iter()
        .map(|(name, blob)| {
            crate::read::earlier::read_earlier_package(
                &name,
                blob_reader(&blob)?,
                blob.size() as u64,
            )
            .map_err(|e| JsError::new(&e.to_string()))
        })
        .collect()
}

/// `list` (`[{name, blob}]`, called `field`) as names and Blobs.
fn named_blobs(list: &JsValue, field: &str) -> Result<Vec<(String, web_sys::Blob)>, JsError> {
    if !Array::is_array(list) {
        return Err(JsError::new(&format!(
            "{field} must be an array of {{name, blob}}"
        )));
    }
    Array::from(list)
        .iter()
        .enumerate()
        .map(|(index, item)| named_blob(&item, field, index))
        .collect()
}

/// The entries a first pass reads (not folders, not junk) and their bytes.
fn readable_totals(entries: impl Iterator<Item = crate::ArchiveEntry>) -> (usize, u64) {
    entries
        .filter(|e| !e.is_dir && !crate::read::archive::is_junk(&e.name))
        .fold((0, 0), |(n, b), e| (n + 1, b + e.size))
}

/// How a first pass is spread over helper workers (`firstPassRanges`).
#[derive(Serialize)]
struct FirstPassPlan {
    /// Per archive, `[start, end]` ranges of its entries, in entry order.
    ranges: Vec<Vec<[usize; 2]>>,
    /// The entries all the ranges read and their bytes, for progress.
    entries_total: usize,
    bytes_total: u64,
}

/// Each archive's entries split into at most `shares` ranges of about the
/// same bytes, for `EntryReader`s in helper workers: `{ranges: [[[start,
/// end], ...] per archive], entries_total, bytes_total}`. Lists the
/// archives (their central directories) without hashing them. Only in a
/// Web Worker.
#[wasm_bindgen(js_name = firstPassRanges)]
pub fn first_pass_ranges(archives: JsValue, shares: u32) -> Result<JsValue, JsError> {
    let sources = archive_sources(&archives, false)?;
    let (entries_total, bytes_total) = readable_totals(sources.iter().flat_map(crate::entries_of));
    let ranges = sources
        .iter()
        .map(|source| {
            entry_ranges(source, shares as usize)
                .into_iter()
                .map(|range| [range.start, range.end])
                .collect()
        })
        .collect();
    to_js(&FirstPassPlan {
        ranges,
        entries_total,
        bytes_total,
    })
}

/// The first pass over entries `start..end` of archive `archive` of
/// `archives` (`[{name, blob}]`, as given to `convertArchives`), in a helper
/// worker, in steps: each `read(maxBytes)` reads on until about `maxBytes`
/// of entries have been read and answers what it found, as bytes for
/// `convertArchives`' `firstPass` (the steps of a range, in order, are the
/// range's read), or undefined once the range is read. A worker's memory
/// keeps whatever it once grew to, so a step holds a few MB of records
/// where the range would hold tens. `onProgress` hears `{phase: 'read',
/// entries_done, entries_total, bytes_done, bytes_total}` of the range.
/// Only in a Web Worker.
#[wasm_bindgen]
pub struct EntryReader {
    source: WatchedSource<ZipSource<BlobReader>>,
    archive: usize,
    next: usize,
    end: usize,
    meter: SharedMeter,
    /// True once the last step has been answered.
    done: bool,
}

#[wasm_bindgen]
impl EntryReader {
    #[wasm_bindgen(constructor)]
    pub fn new(
        archives: JsValue,
        archive: u32,
        start: u32,
        end: u32,
        on_progress: Option<Function>,
    ) -> Result<EntryReader, JsError> {
        let archive = archive as usize;
        // Only the archive read here is listed.
        let list = if Array::is_array(&archives) {
            Array::from(&archives)
        } else {
            Array::new()
        };
        if archive >= list.length() as usize {
            return Err(JsError::new(&format!(
                "there is no archive {archive} among {} archives",
                list.length()
            )));
        }
        let source = archive_source(&list.get(archive as u32), archive, false)?;
        // Within the entries, and never backwards (`start` past `end` reads nothing).
        let end = (end as usize).min(source.entry_count());
        let start = (start as usize).min(end);
        let meter = Meter::new(on_progress);
        let (entries, bytes) = readable_totals((start..end).filter_map(|i| source.entry(i)));
        meter.borrow_mut().start("read", entries, bytes);
        Ok(EntryReader {
            source: WatchedSource::new(source, meter.clone()),
            archive,
            next: start,
            end,
            meter,
            done: false,
        })
    }

    /// The next step's read as bytes (at least one entry, until about
    /// `maxBytes` of entries are read), or undefined once the range is
    /// read. A range without entries answers one empty read.
    pub fn read(&mut self, max_bytes: f64) -> Option<Uint8Array> {
        if self.done {
            return None;
        }
        let (read, next) = crate::read::archive::read_entries_within(
            self.archive,
            &mut self.source,
            self.next..self.end,
            max_bytes.max(1.0) as u64,
        );
        self.next = next;
        if self.next >= self.end {
            self.done = true;
            self.meter.borrow_mut().finish();
        }
        Some(Uint8Array::from(read.to_bytes().as_slice()))
    }

    /// True once the last step has been read: the one `read` answered last.
    #[wasm_bindgen(getter)]
    pub fn done(&self) -> bool {
        self.done
    }
}

/// The SHA-256 of an archive's Blob, read a step at a time, so the
/// converter's worker can hash while helper workers read the entries and
/// still hear from them between steps. Only in a Web Worker.
#[wasm_bindgen]
pub struct ArchiveDigest {
    hasher: ArchiveHasher<BlobReader>,
}

#[wasm_bindgen]
impl ArchiveDigest {
    #[wasm_bindgen(constructor)]
    pub fn new(blob: web_sys::Blob) -> Result<ArchiveDigest, JsError> {
        Ok(ArchiveDigest {
            hasher: ArchiveHasher::new(blob_reader(&blob)?),
        })
    }

    /// Hashes about `maxBytes` more of the Blob; true once all of it is.
    pub fn step(&mut self, max_bytes: f64) -> Result<bool, JsError> {
        self.hasher
            .step(max_bytes as u64)
            .map_err(|e| JsError::new(&format!("cannot read the archive: {e}")))
    }

    /// Hashes the next `bytes` of the Blob, read by the page itself (a
    /// stream read into one buffer, which leaves no garbage behind, unlike
    /// `step`'s `FileReaderSync` reads); one way or the other per digest.
    pub fn update(&mut self, bytes: &[u8]) {
        self.hasher.update(bytes);
    }

    /// Bytes hashed so far.
    #[wasm_bindgen(getter)]
    pub fn bytes(&self) -> f64 {
        self.hasher.bytes() as f64
    }

    /// The SHA-256 in hex (once `step` has said true), for `convertArchives`'
    /// `archives[i].sha256`.
    pub fn hex(self) -> String {
        self.hasher.finish().2
    }
}

/// Reads `firstPass`: per archive, the `EntryReader` steps of its ranges in order.
/// Each is copied into wasm memory only when it is used.
fn first_pass_reads(first_pass: &JsValue) -> Result<Option<Vec<Vec<Uint8Array>>>, JsError> {
    if first_pass.is_undefined() || first_pass.is_null() {
        return Ok(None);
    }
    let bad = || JsError::new("firstPass must be an array (per archive) of arrays of Uint8Array");
    if !Array::is_array(first_pass) {
        return Err(bad());
    }
    Array::from(first_pass)
        .iter()
        .map(|reads| {
            if !Array::is_array(&reads) {
                return Err(bad());
            }
            Array::from(&reads)
                .iter()
                .map(|read| read.dyn_into::<Uint8Array>().map_err(|_| bad()))
                .collect()
        })
        .collect::<Result<Vec<_>, _>>()
        .map(Some)
}

/// A conversion with call archives, between its two passes: the preview is
/// ready; `writePackage` streams the package out.
#[wasm_bindgen]
pub struct ArchiveConversion {
    conversion: Conversion,
    archives: Vec<WatchedSource<ZipSource<BlobReader>>>,
    meter: SharedMeter,
    /// A package written in steps (`beginPackage` .. `finishPackage`).
    session: Option<SteppedPackage>,
}

/// A package being written in steps: its session, its name (fixed when it
/// begins, so its parts and index agree) and the part size, if split.
struct SteppedPackage {
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

/// What `finishPackage` answers (with `index` added for a package split
/// into parts).
#[derive(Serialize)]
struct FinishedPackage {
    /// The package's name (its parts and index are named after it).
    name: String,
    bytes: u64,
    parts: Vec<FinishedPart>,
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

/// The sources as the library takes them.
fn as_sources<S: ArchiveSource>(sources: &mut [S]) -> Vec<&mut dyn ArchiveSource> {
    sources
        .iter_mut()
        .map(|s| s as &mut dyn ArchiveSource)
        .collect()
}

/// The size of the package's chunks: `chunk_bytes`, by default 1 MiB.
fn chunk_size(chunk_bytes: Option<u32>) -> usize {
    chunk_bytes.map(|n| n as usize).unwrap_or(blob::CHUNK)
}

/// The package's sink: chunks of `chunk_size(chunk_bytes)` to `on_chunk`.
fn chunk_sink(on_chunk: Function, chunk_bytes: Option<u32>) -> ChunkSink {
    ChunkSink::new(on_chunk, chunk_size(chunk_bytes))
}

/// The session of a package begun with `beginPackage`.
fn stepped_session(
    stepped: &mut Option<SteppedPackage>,
) -> Result<&mut PackageSession<ChunkParts>, JsError> {
    stepped
        .as_mut()
        .map(|stepped| &mut stepped.session)
        .ok_or_else(|| JsError::new("beginPackage first"))
}

/// Reads `{path, bytes, sha256, zip: Uint8Array, hits}` (a
/// `TranscriptPreparer` result) back into a prepared transcript.
fn prepared_entry(part: &JsValue) -> Result<PreparedTranscript, JsError> {
    let field =
        |name: &str| Reflect::get(part, &JsValue::from_str(name)).unwrap_or(JsValue::UNDEFINED);
    let bad = || {
        JsError::new(
            "a prepared transcript must be {path, bytes, sha256, zip: Uint8Array, hits: [[topic, count]]}",
        )
    };
    let record = FileRecord {
        path: field("path").as_string().ok_or_else(bad)?,
        bytes: field("bytes").as_f64().ok_or_else(bad)? as u64,
        sha256: field("sha256").as_string().ok_or_else(bad)?,
    };
    let zip = field("zip")
        .dyn_into::<Uint8Array>()
        .map_err(|_| bad())?
        .to_vec();
    let hits = serde_wasm_bindgen::from_value(field("hits")).map_err(|_| bad())?;
    let entry = PreparedEntry::from_parts(record, zip).map_err(|e| JsError::new(&e.to_string()))?;
    Ok(PreparedTranscript { entry, hits })
}

/// A prepared transcript as `{path, bytes, sha256, zip: Uint8Array, hits}`
/// (`hits`: the replay's `[topic, count]` pairs), for `postMessage` (the
/// zip's buffer can be transferred). The zip's bytes go into a new array,
/// or into the one `buffers(length)` answers (a `Uint8Array` of exactly
/// that length, a buffer used again: every fresh array is garbage once the
/// converter has copied it, tens of MB held until the next collection).
fn prepared_part(
    prepared: PreparedTranscript,
    buffers: Option<&Function>,
) -> Result<JsValue, JsError> {
    let hits = to_js(&prepared.hits)?;
    let (record, zip) = prepared.entry.into_parts();
    let array = match buffers {
        None => Uint8Array::from(zip.as_slice()),
        Some(buffers) => {
            let array = buffers
                .call1(&JsValue::NULL, &JsValue::from(zip.len() as f64))
                .ok()
                .and_then(|array| array.dyn_into::<Uint8Array>().ok())
                .filter(|array| array.length() as usize == zip.len())
                .ok_or_else(|| {
                    JsError::new("buffers(length) must answer a Uint8Array of that length")
                })?;
            array.copy_from(&zip);
            array
        }
    };
    let part = Object::new();
    set(&part, "path", &JsValue::from_str(&record.path))?;
    set(&part, "bytes", &JsValue::from(record.bytes as f64))?;
    set(&part, "sha256", &JsValue::from_str(&record.sha256))?;
    set(&part, "zip", &array)?;
    set(&part, "hits", &hits)?;
    Ok(part.into())
}

/// Prepares transcript entries in a Web Worker of its own, from the same
/// archives as the conversion (the same Files, in the same order): the
/// other half of `ArchiveConversion::beginPackage`.
#[wasm_bindgen]
pub struct TranscriptPreparer {
    archives: Vec<ZipSource<BlobReader>>,
    replay: Option<Replay>,
}

#[wasm_bindgen]
impl TranscriptPreparer {
    /// `archives`: `[{name, blob}]` as given to `convertArchives`;
    /// `triggers`: the conversion's `replayTriggers()` (null without topics).
    #[wasm_bindgen(constructor)]
    pub fn new(archives: JsValue, triggers: JsValue) -> Result<TranscriptPreparer, JsError> {
        let replay = if triggers.is_undefined() || triggers.is_null() {
            None
        } else {
            let triggers: Vec<ReplayTrigger> = serde_wasm_bindgen::from_value(triggers)
                .map_err(|e| JsError::new(&format!("the triggers to replay: {e}")))?;
            Some(Replay::new(triggers))
        };
        Ok(TranscriptPreparer {
            archives: archive_sources(&archives, false)?,
            replay,
        })
    }

    /// Re-reads, builds and compresses one transcript entry (a job of
    /// `transcriptJobs`) and replays the triggers over it: `{path, bytes,
    /// sha256, zip: Uint8Array, hits}`, the zip in a new array or, with
    /// `buffers`, in the array `buffers(length)` answers.
    pub fn prepare(&mut self, job: JsValue, buffers: Option<Function>) -> Result<JsValue, JsError> {
        let job: JobJs = serde_wasm_bindgen::from_value(job)
            .map_err(|e| JsError::new(&format!("a transcript job: {e}")))?;
        let job = TranscriptJob {
            source_id: job.source_id,
            path: job.path,
            source: TranscriptSource {
                entry: EntryRef {
                    archive: job.archive,
                    entry: job.entry,
                },
                pointer: job.pointer,
                form: job.form,
            },
            language: job.language,
            duration_seconds: job.duration_seconds,
        };
        let mut archives = as_sources(&mut self.archives);
        let prepared = prepare_transcript(&job, &mut archives, self.replay.as_ref())
            .map_err(|e| JsError::new(&e.to_string()))?;
        prepared_part(prepared, buffers.as_ref())
    }
}

/// A transcript job as JavaScript sees it.
#[derive(serde::Serialize, serde::Deserialize)]
struct JobJs {
    source_id: String,
    path: String,
    archive: usize,
    entry: usize,
    /// Where in the entry the transcript is (a JSON pointer), and its form.
    pointer: String,
    form: TranscriptForm,
    /// The call's length, to place a flattened text's utterances.
    duration_seconds: u64,
    /// The call's language, for the replay of the triggers.
    #[serde(default)]
    language: Option<String>,
    /// The conversation document's size (for progress).
    #[serde(default)]
    bytes: u64,
}

#[wasm_bindgen]
impl ArchiveConversion {
    /// The preview object (`counts`, `themes`, `report`, `inputs`, `calls`).
    pub fn preview(&self) -> Result<JsValue, JsError> {
        to_js(&self.conversion.preview())
    }

    /// The first `limit` utterances of one imported call's transcript, as
    /// the package holds it: `{source_id, speakers, utterances,
    /// utterance_count}`, or null for a call without a transcript.
    pub fn transcript(&mut self, source_id: String, limit: u32) -> Result<JsValue, JsError> {
        let mut archives: Vec<&mut dyn ArchiveSource> = self
            .archives
            .iter_mut()
            .map(|a| &mut a.inner as &mut dyn ArchiveSource)
            .collect();
        let transcript = self
            .conversion
            .transcript(&source_id, &mut archives)
            .map_err(|e| JsError::new(&e.to_string()))?;
        let Some(mut transcript) = transcript else {
            return Ok(JsValue::NULL);
        };
        let count = transcript.utterances.len();
        transcript.utterances.truncate(limit as usize);
        let result = to_js(&transcript)?;
        set(
            result.unchecked_ref(),
            "utterance_count",
            &JsValue::from(count as f64),
        )?;
        Ok(result)
    }

    /// The transcript entries the package holds, in package order, for
    /// `TranscriptPreparer`s in other workers: `[{source_id, path, archive,
    /// entry, bytes}]`.
    #[wasm_bindgen(js_name = transcriptJobs)]
    pub fn transcript_jobs(&self) -> Result<JsValue, JsError> {
        let jobs: Vec<JobJs> = self
            .conversion
            .transcript_jobs()
            .iter()
            .map(|job| JobJs {
                bytes: self.entry_size(job.source.entry),
                source_id: job.source_id,
                path: job.path,
                archive: job.source.entry.archive,
                entry: job.source.entry.entry,
                pointer: job.source.pointer,
                form: job.source.form,
                duration_seconds: job.duration_seconds,
                language: job.language,
            })
            .collect();
        to_js(&jobs)
    }

    /// The triggers every `TranscriptPreparer` replays over the
    /// transcripts (`[{topic, phrase, said_by, language, match}]`), or null
    /// when the package has no topics to replay.
    #[wasm_bindgen(js_name = replayTriggers)]
    pub fn replay_triggers(&self) -> Result<JsValue, JsError> {
        match self.conversion.replay() {
            Some(replay) => to_js(replay.triggers()),
            None => Ok(JsValue::NULL),
        }
    }

    fn entry_size(&self, at: EntryRef) -> u64 {
        self.archives
            .get(at.archive)
            .and_then(|a| a.entry(at.entry))
            .map_or(0, |e| e.size)
    }

    fn start_write_progress(&self) {
        let reread = self.conversion.reread_entries();
        let bytes_total = reread.iter().map(|at| self.entry_size(*at)).sum();
        self.meter
            .borrow_mut()
            .start("write", reread.len(), bytes_total);
    }

    /// Starts writing the package in steps: the entries before the
    /// transcripts go to `onChunk(chunk, part)` now; `addTranscript` takes
    /// the transcripts in `transcriptJobs` order, `placeRest` the calls
    /// left, `finishPackage` the rest. The recordings are handed over
    /// (`nextRecording`, or copied by `addRecordings`) whenever
    /// `addTranscript`, `placeRest` or `resumePackage` answers true, then
    /// `resumePackage` goes on: split into parts, a part that is full
    /// waits for its recordings; written whole, they come after the
    /// transcripts.
    /// Whole, the bytes are those of `writePackage`, all of part 1. With
    /// `partSize` (`"2GB"`, `"500MB"`, bytes; as `convert --part-size`),
    /// the package is split into parts of at most that size, numbered from
    /// 1, each chunk naming its part, the parts one after another.
    #[wasm_bindgen(js_name = beginPackage)]
    pub fn begin_package(
        &mut self,
        on_chunk: Function,
        chunk_bytes: Option<u32>,
        part_size: Option<String>,
    ) -> Result<(), JsError> {
        let part_size = part_size
            .map(|text| {
                crate::write::parts::parse_part_size(&text)
                    .map_err(|e| JsError::new(&format!("part size: {e}")))
            })
            .transpose()?;
        let output = ChunkParts {
            on_chunk,
            chunk: chunk_size(chunk_bytes),
        };
        self.start_write_progress();
        let mut session = PackageSession::begin_parts(&self.conversion, output, part_size)
            .map_err(|e| JsError::new(&e.to_string()))?;
        session.let_recordings_wait();
        self.session = Some(SteppedPackage {
            session,
            name: package_name(),
            part_size,
        });
        Ok(())
    }

    /// Appends the next transcript entry, as a `TranscriptPreparer` made
    /// it; answers true when the part before its call is full and waits
    /// for its recordings: the transcript is held until `resumePackage`.
    #[wasm_bindgen(js_name = addTranscript)]
    pub fn add_transcript(&mut self, part: JsValue) -> Result<bool, JsError> {
        let entry = prepared_entry(&part)?;
        self.placing(|session, conversion, archives| {
            session.add_transcript(entry, conversion, archives)
        })
    }

    /// Once every transcript is in: places the calls left; answers true
    /// while recordings are due (see `beginPackage`).
    #[wasm_bindgen(js_name = placeRest)]
    pub fn place_rest(&mut self) -> Result<bool, JsError> {
        self.placing(PackageSession::place_rest)
    }

    /// Once the recordings due are in: closes the part that waited for
    /// them and places what waited (the transcript held, or the calls
    /// left); answers true when recordings are due again.
    #[wasm_bindgen(js_name = resumePackage)]
    pub fn resume_package(&mut self) -> Result<bool, JsError> {
        self.placing(PackageSession::resume)
    }

    /// One step of placing the package's calls; counts the transcript that
    /// went in, if one did (its conversation document's bytes: the write
    /// phase's progress); true while recordings are due.
    fn placing(
        &mut self,
        step: impl FnOnce(
            &mut PackageSession<ChunkParts>,
            &Conversion,
            &mut [&mut dyn ArchiveSource],
        ) -> crate::Result<Placing>,
    ) -> Result<bool, JsError> {
        let session = stepped_session(&mut self.session)?;
        let (job, before) = (
            session.next_job().map(|job| job.source.entry),
            session.transcripts_in(),
        );
        let mut archives = as_sources(&mut self.archives);
        let placing = step(session, &self.conversion, &mut archives)
            .map_err(|e| JsError::new(&e.to_string()))?;
        if session.transcripts_in() > before {
            if let Some(at) = job {
                let bytes = self.entry_size(at);
                self.meter.borrow_mut().counted(bytes);
            }
        }
        Ok(placing == Placing::RecordingsDue)
    }

    /// Copies the recordings of the next calls, at most `max` and, past the
    /// first, at most `max_bytes` of them, once every transcript is in (a
    /// package written whole; split into parts they go with their part),
    /// so the worker can give its event loop a turn between steps; answers
    /// whether calls are left. `finishPackage` copies what is left.
    #[wasm_bindgen(js_name = addRecordings)]
    pub fn add_recordings(&mut self, max: u32, max_bytes: f64) -> Result<bool, JsError> {
        let session = stepped_session(&mut self.session)?;
        let mut archives = as_sources(&mut self.archives);
        session
            .add_recordings(
                &self.conversion,
                &mut archives,
                max as usize,
                max_bytes as u64,
            )
            .map_err(|e| JsError::new(&e.to_string()))
    }

    /// The next call's recording, once every transcript is in (a package
    /// written whole): `undefined` when none is left; `null` when it was
    /// copied here (compressed in its archive, or smaller than
    /// `read_from` bytes); else `{archive, entry,
    /// start, end}`: the recording, the zip entry `entry`, lies as it is
    /// in bytes `start..end` of archive `archive` (in `convertArchives`
    /// order), and the worker reads them
    /// (through the File's byte stream, into one buffer used again: no
    /// garbage) into `recordingBytes`, then calls `endRecording`, which
    /// checks them against the archive's CRC-32.
    #[wasm_bindgen(js_name = nextRecording)]
    pub fn next_recording(&mut self, read_from: f64) -> Result<JsValue, JsError> {
        let session = stepped_session(&mut self.session)?;
        let mut archives = as_sources(&mut self.archives);
        let next = session
            .next_recording(&self.conversion, &mut archives, read_from as u64)
            .map_err(|e| JsError::new(&e.to_string()))?;
        match next {
            None => Ok(JsValue::UNDEFINED),
            Some(NextRecording::Copied) => Ok(JsValue::NULL),
            Some(NextRecording::Read {
                archive,
                entry,
                range,
            }) => {
                let name = self
                    .archives
                    .get(archive)
                    .and_then(|a| a.entry(entry))
                    .map(|e| e.name)
                    .unwrap_or_default();
                let at = Object::new();
                set(&at, "archive", &JsValue::from(archive as u32))?;
                set(&at, "entry", &JsValue::from_str(&name))?;
                set(&at, "start", &JsValue::from(range.start as f64))?;
                set(
                    &at,
                    "end",
                    &JsValue::from((range.start + range.bytes) as f64),
                )?;
                Ok(at.into())
            }
        }
    }

    /// The next bytes of the recording `nextRecording` began.
    #[wasm_bindgen(js_name = recordingBytes)]
    pub fn recording_bytes(&mut self, bytes: &[u8]) -> Result<(), JsError> {
        stepped_session(&mut self.session)?
            .recording_bytes(bytes)
            .map_err(|e| JsError::new(&e.to_string()))
    }

    /// Ends the recording `nextRecording` began, once all its bytes came
    /// and only if they are those the archive's CRC-32 names.
    #[wasm_bindgen(js_name = endRecording)]
    pub fn end_recording(&mut self) -> Result<(), JsError> {
        let bytes = stepped_session(&mut self.session)?
            .end_recording()
            .map_err(|e| JsError::new(&e.to_string()))?;
        self.meter.borrow_mut().counted(bytes);
        Ok(())
    }

    /// Writes the rest of the package (recordings, users, report,
    /// manifest); answers `{name, bytes, parts: [{number, name, bytes, sha256,
    /// calls}]}` (one part, without a checksum, for a package written
    /// whole), and for a package split into parts `index: {name, bytes:
    /// Uint8Array}`, the index naming every part (`<name>-index.json`), and
    /// `fidelity`, the run's over all parts (with topics to replay).
    #[wasm_bindgen(js_name = finishPackage)]
    pub fn finish_package(&mut self) -> Result<JsValue, JsError> {
        let SteppedPackage {
            session,
            name,
            part_size,
        } = self
            .session
            .take()
            .ok_or_else(|| JsError::new("beginPackage first"))?;
        let mut archives = as_sources(&mut self.archives);
        let written = session
            .finish_parts(&self.conversion, &mut archives)
            .map_err(|e| JsError::new(&e.to_string()))?;
        self.meter.borrow_mut().finish();
        let finished = FinishedPackage {
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
            fidelity: part_size.and(written.fidelity.clone()),
        };
        let result = to_js(&finished)?;
        if let Some(part_size) = part_size {
            let bytes = crate::write::parts::index_bytes(
                &name,
                part_size,
                &self.conversion.inputs,
                &written.counts,
                &written.parts,
            )
            .map_err(|e| JsError::new(&e.to_string()))?;
            let index = Object::new();
            set(
                &index,
                "name",
                &JsValue::from_str(&crate::write::parts::index_name(&name)),
            )?;
            set(&index, "bytes", &Uint8Array::from(bytes.as_slice()))?;
            set(result.unchecked_ref(), "index", &index)?;
        }
        Ok(result)
    }

    /// `outdoo-import-YYYY-MM-DD.zip`, today's local date.
    #[wasm_bindgen(js_name = packageName)]
    pub fn package_name(&self) -> String {
        package_name()
    }

    /// Writes the package, re-reading transcripts and recordings from the
    /// archives, and hands it to `onChunk(Uint8Array)` in chunks of
    /// `chunkBytes` (default 1 MiB; the last one smaller). Returns the
    /// package size in bytes.
    #[wasm_bindgen(js_name = writePackage)]
    pub fn write_package(
        &mut self,
        on_chunk: Function,
        chunk_bytes: Option<u32>,
    ) -> Result<f64, JsError> {
        let sink = chunk_sink(on_chunk, chunk_bytes);
        self.start_write_progress();
        let mut archives = as_sources(&mut self.archives);
        let sink = self
            .conversion
            .write_package_with(&mut archives, sink)
            .map_err(|e| JsError::new(&e.to_string()))?;
        let (bytes, _) = sink.finish().map_err(|e| JsError::new(&e.to_string()))?;
        self.meter.borrow_mut().finish();
        Ok(bytes as f64)
    }
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
    files: JsValue,
    archives: JsValue,
    roster: JsValue,
    options: JsValue,
    on_progress: Option<Function>,
    first_pass: JsValue,
    earlier: JsValue,
) -> Result<ArchiveConversion, JsError> {
    let files = if files.is_undefined() || files.is_null() {
        Vec::new()
    } else {
        input_files(&files)?
    };
    let roster = if roster.is_undefined() || roster.is_null() {
        None
    } else {
        input_files(&Array::of1(&roster).into())?.pop()
    };
    let mut options = self::options(&options)?;
    options.after_packages = earlier_packages(&earlier)?;
    let meter = Meter::new(on_progress);
    let mut sources: Vec<_> = archive_sources(&archives, true)?
        .into_iter()
        .map(|source| WatchedSource::new(source, meter.clone()))
        .collect();
    let mut reads = first_pass_reads(&first_pass)?;
    if reads.is_none() {
        let (entries_total, bytes_total) =
            readable_totals(sources.iter().flat_map(crate::entries_of));
        meter.borrow_mut().start("read", entries_total, bytes_total);
    }
    let mut first_pass = |index: usize, source: &mut dyn ArchiveSource| {
        let Some(reads) = reads.as_mut() else {
            return Ok(crate::read::archive::read_archive(index, source));
        };
        let unusable =
            |message: String| crate::Error::input(Location::file(source.name()), message);
        let ranges = reads
            .get_mut(index)
            .ok_or_else(|| unusable(format!("firstPass holds no reads of archive {index}")))?;
        let mut read = ArchiveRead::default();
        for bytes in ranges.drain(..) {
            read.append(ArchiveRead::from_bytes(&bytes.to_vec()).map_err(unusable)?);
        }
        Ok(read)
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
        .map_err(|e| JsError::new(&e.to_string()))?
    };
    meter.borrow_mut().finish();
    Ok(ArchiveConversion {
        conversion,
        archives: sources,
        meter,
        session: None,
    })
}

/// Checks a package the way `chorus2outdoo verify` does (manifest sizes and
/// checksums, schemas, paths, counts), reading the Blob in slices, or the
/// package's file through a `FileSystemSyncAccessHandle` passed instead
/// (into wasm memory, no garbage in JavaScript): `{entries, problems: [{entry, message}]}`, no problems meaning it is
/// sound. `checked`, when given, holds the results of `checkTranscripts` on
/// the same Blob in helper workers: those entries are not read again, and
/// the result is the same. Only in a Web Worker.
#[wasm_bindgen(js_name = verifyPackage)]
pub fn verify_package(package: JsValue, checked: JsValue) -> Result<JsValue, JsError> {
    let checked = entry_checks(checked)?;
    to_js(&crate::verify::verify_package_sharing(
        package_reader(&package)?,
        &Limits::default(),
        &checked,
    ))
}

/// Checks a package split into parts as a set, as `chorus2outdoo verify
/// <index>` does: `index` (`{name, bytes: Uint8Array}`, as `finishPackage`
/// answers it) and `parts` (`[{name, blob: Blob|File}]`); every part the
/// index names must be among them. Answers what `verifyPackage` answers,
/// problems naming the part. Only in a Web Worker.
#[wasm_bindgen(js_name = verifyParts)]
pub fn verify_parts(index: JsValue, parts: JsValue) -> Result<JsValue, JsError> {
    /// A part: a Blob, or a range of a file read through its sync access handle.
    enum Part {
        Blob(web_sys::Blob),
        Handle(blob::SyncAccessHandle, u64, u64),
    }
    struct Parts(Vec<(String, Part)>);
    impl crate::verify::PartFiles for Parts {
        type Part = PackageReader;
        fn open(&mut self, name: &str) -> std::io::Result<PackageReader> {
            let (_, part) = self.0.iter().find(|(n, _)| n == name).ok_or_else(|| {
                std::io::Error::new(std::io::ErrorKind::NotFound, "not among the parts given")
            })?;
            match part {
                Part::Blob(blob) => BlobReader::new(blob.clone())
                    .map(PackageReader::Blob)
                    .map_err(std::io::Error::other),
                Part::Handle(handle, start, end) => {
                    blob::HandleReader::within(JsValue::from(handle).unchecked_into(), *start, *end)
                        .map(PackageReader::Handle)
                }
            }
        }
    }
    let part = |(index, item): (usize, JsValue)| -> Result<(String, Part), JsError> {
        let handle = Reflect::get(&item, &JsValue::from_str("handle")).unwrap_or_default();
        if handle.is_undefined() {
            return named_blob(&item, "parts", index).map(|(name, blob)| (name, Part::Blob(blob)));
        }
        let field = |key: &str| Reflect::get(&item, &JsValue::from_str(key)).ok();
        let name = field("name").and_then(|n| n.as_string());
        let range = (
            field("start").and_then(|n| n.as_f64()),
            field("end").and_then(|n| n.as_f64()),
        );
        match (name, range) {
            (Some(name), (Some(start), Some(end))) => Ok((
                name,
                Part::Handle(handle.unchecked_into(), start as u64, end as u64),
            )),
            _ => Err(JsError::new(&format!(
                "parts[{index}] must be {{name, blob}} or {{name, handle, start, end}}"
            ))),
        }
    };
    if !Array::is_array(&parts) {
        return Err(JsError::new(
            "parts must be an array of {name, blob} or {name, handle, start, end}",
        ));
    }
    let bad_index = || JsError::new("the index must be {name, bytes: Uint8Array}");
    let name = Reflect::get(&index, &JsValue::from_str("name"))
        .ok()
        .and_then(|name| name.as_string())
        .ok_or_else(bad_index)?;
    let bytes = Reflect::get(&index, &JsValue::from_str("bytes"))
        .ok()
        .and_then(|bytes| bytes.dyn_into::<Uint8Array>().ok())
        .ok_or_else(bad_index)?
        .to_vec();
    let mut parts = Parts(
        Array::from(&parts)
            .iter()
            .enumerate()
            .map(part)
            .collect::<Result<_, _>>()?,
    );
    to_js(&crate::verify::verify_parts(&name, &bytes, &mut parts))
}

/// Reads `checked` (`checkTranscripts` results, concatenated).
fn entry_checks(checked: JsValue) -> Result<Vec<crate::verify::EntryCheck>, JsError> {
    if checked.is_undefined() || checked.is_null() {
        return Ok(Vec::new());
    }
    serde_wasm_bindgen::from_value(checked)
        .map_err(|e| JsError::new(&format!("checked transcripts: {e}")))
}

/// `verifyPackage` in two halves, for the converter's worker while helper
/// workers run `checkTranscripts` on the same package (a Blob or a sync
/// access handle, as for `verifyPackage`): the constructor reads
/// and checks every entry but the transcripts; `finish(checked)` takes the
/// helpers' results (a transcript missing from them is read then) and
/// answers as `verifyPackage` does. Only in a Web Worker.
#[wasm_bindgen(js_name = PackageCheck)]
pub struct PackageCheckJs {
    check: crate::verify::PackageCheck<PackageReader>,
}

#[wasm_bindgen(js_class = PackageCheck)]
impl PackageCheckJs {
    #[wasm_bindgen(constructor)]
    pub fn new(package: JsValue) -> Result<PackageCheckJs, JsError> {
        Ok(PackageCheckJs {
            check: crate::verify::PackageCheck::start(
                package_reader(&package)?,
                &Limits::default(),
                true,
            ),
        })
    }

    pub fn finish(self, checked: JsValue) -> Result<JsValue, JsError> {
        to_js(&self.check.finish(&entry_checks(checked)?))
    }
}

/// Share `share` of `shares` of a package's transcript entries, read from
/// the Blob and checked (size, SHA-256, schema), for `verifyPackage` in the
/// converter's worker: `[{index, name, bytes, sha256, problems}]`.
#[wasm_bindgen(js_name = checkTranscripts)]
pub fn check_transcripts(package: JsValue, share: u32, shares: u32) -> Result<JsValue, JsError> {
    to_js(&crate::verify::check_transcripts(
        package_reader(&package)?,
        &Limits::default(),
        share as usize,
        shares as usize,
    ))
}

/// `fidelity.json` of a written package (`{summary, topics}`), or null when
/// it has none. Only in a Web Worker.
#[wasm_bindgen(js_name = packageFidelity)]
pub fn package_fidelity(package: web_sys::Blob) -> Result<JsValue, JsError> {
    let fidelity = crate::decide::fidelity::package_fidelity(blob_reader(&package)?)
        .map_err(|e| JsError::new(&format!("the package: {e}")))?;
    match fidelity {
        Some(fidelity) => to_js(&fidelity),
        None => Ok(JsValue::NULL),
    }
}

/// The sample's tracker export (`chorus2outdoo sample --trackers-out`):
/// `{name, bytes: Uint8Array}`, as `convert` takes a file.
#[wasm_bindgen(js_name = sampleTrackers)]
pub fn sample_trackers() -> Result<JsValue, JsError> {
    let file = Object::new();
    set(&file, "name", &JsValue::from_str("sample-trackers.csv"))?;
    let bytes = crate::sample::sample_trackers_csv();
    set(&file, "bytes", &Uint8Array::from(bytes.as_slice()))?;
    Ok(file.into())
}

/// The sample archive (`chorus2outdoo sample --calls N --seed S`), the same
/// bytes, as a `Blob` of type application/zip.
#[wasm_bindgen(js_name = sampleArchive)]
pub fn sample_archive(calls: u32, seed: u32) -> Result<web_sys::Blob, JsError> {
    let options = crate::sample::SampleOptions {
        calls: calls as usize,
        seed: seed as u64,
        media: false,
        media_bytes: None,
    };
    let (cursor, _) = crate::sample::write_sample(std::io::Cursor::new(Vec::new()), &options)
        .map_err(|e| JsError::new(&format!("cannot write the sample archive: {e}")))?;
    let bytes = cursor.into_inner();
    let parts = Array::of1(&Uint8Array::from(bytes.as_slice()));
    let properties = web_sys::BlobPropertyBag::new();
    properties.set_type("application/zip");
    web_sys::Blob::new_with_u8_array_sequence_and_options(&parts, &properties)
        .map_err(|_| JsError::new("cannot create the sample Blob"))
}
