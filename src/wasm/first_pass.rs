//! The first pass spread over helper Web Workers, and the archives'
//! checksums. In: the archives (`[{name, blob}]`). Out: a plan of entry
//! ranges (`firstPassRanges`), each range read in steps as bytes
//! (`EntryReader`, in a helper) for `convertArchives`' `firstPass`, and
//! each archive's SHA-256 a step at a time (`ArchiveDigest`, in the
//! converter's worker meanwhile).

use super::blob::BlobReader;
use super::error::js_error;
use super::inputs::{archive_args, archive_sources, blob_reader, readable_totals};
use super::progress::{Meter, SharedMeter, WatchedSource};
use super::values::{from_js, to_js, Js};
use crate::read::archive::{entry_ranges, ArchiveHasher, ArchiveRead};
use crate::{ArchiveSource, ZipSource};
use js_sys::{Function, Uint8Array};
use serde::Serialize;
use wasm_bindgen::prelude::*;

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
#[wasm_bindgen(js_name = firstPassRanges, unchecked_return_type = "FirstPassPlan")]
pub fn first_pass_ranges(
    #[wasm_bindgen(unchecked_param_type = "ArchiveInput[]")] archives: JsValue,
    shares: u32,
) -> Result<JsValue, JsError> {
    let sources = archive_sources(archives, false)?;
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
        #[wasm_bindgen(unchecked_param_type = "ArchiveInput[]")] archives: JsValue,
        archive: u32,
        start: u32,
        end: u32,
        #[wasm_bindgen(js_name = onProgress, unchecked_param_type = "((progress: Progress) => void) | null")]
        on_progress: Option<Function>,
    ) -> Result<EntryReader, JsError> {
        let archive = archive as usize;
        let mut list = archive_args(archives)?;
        if archive >= list.len() {
            return Err(js_error(format!(
                "there is no archive {archive} among {} archives",
                list.len()
            )));
        }
        // Only the archive read here is listed.
        let source = list.swap_remove(archive).open(false)?;
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
    pub fn read(
        &mut self,
        #[wasm_bindgen(js_name = maxBytes)] max_bytes: f64,
    ) -> Option<Uint8Array> {
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
    pub fn step(
        &mut self,
        #[wasm_bindgen(js_name = maxBytes)] max_bytes: f64,
    ) -> Result<bool, JsError> {
        self.hasher
            .step(max_bytes as u64)
            .map_err(|e| js_error(format!("cannot read the archive: {e}")))
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

/// `firstPass` as `convertArchives` takes it: per archive, the
/// `EntryReader` steps of its ranges in order (each copied into wasm
/// memory only when it is used), or nothing (the archives are read here).
pub fn first_pass_reads(first_pass: JsValue) -> Result<Option<Vec<Vec<Js<Uint8Array>>>>, JsError> {
    from_js(first_pass, "firstPass")
        .map_err(|_| js_error("firstPass must be an array (per archive) of arrays of Uint8Array"))
}

/// The first pass over archive `index`: its steps in `reads`, appended in order.
pub fn first_pass_of(
    reads: &mut [Vec<Js<Uint8Array>>],
    index: usize,
    source: &dyn ArchiveSource,
) -> crate::Result<ArchiveRead> {
    let unusable =
        |message: String| crate::Error::input(crate::model::Location::file(source.name()), message);
    let ranges = reads
        .get_mut(index)
        .ok_or_else(|| unusable(format!("firstPass holds no reads of archive {index}")))?;
    let mut read = ArchiveRead::default();
    for bytes in ranges.drain(..) {
        read.append(ArchiveRead::from_bytes(&bytes.0.to_vec()).map_err(unusable)?);
    }
    Ok(read)
}
