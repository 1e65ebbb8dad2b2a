//! Transcript entries prepared in a helper Web Worker: the second pass's
//! costly half. In: the archives (the same Files as the conversion's),
//! the triggers to replay and one job at a time (as the second pass's
//! steps hand them out).
//! Out: each entry re-read, built and compressed, as plain bytes that
//! cross workers (`{path, bytes, sha256, zip: Uint8Array, hits}`), which
//! the converter's worker appends (`append`, `prepared_entry`).

use super::blob::BlobReader;
use super::error::js_error;
use super::inputs::{archive_sources, as_sources};
use super::values::{from_js, to_js, Js};
use crate::decide::replay::{Replay, ReplayTrigger, TopicHits};
use crate::format::FileRecord;
use crate::model::calls::{EntryRef, TranscriptForm, TranscriptSource};
use crate::write::calls::{prepare_transcript, PreparedTranscript, TranscriptJob};
use crate::write::package::PreparedEntry;
use crate::ZipSource;
use js_sys::{Function, Uint8Array};
use serde::{Deserialize, Serialize};
use wasm_bindgen::prelude::*;

/// A transcript job as JavaScript sees it.
#[derive(Serialize, Deserialize)]
pub struct JobJs {
    /// Its place in package order (the second pass's job number).
    #[serde(default)]
    index: usize,
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

impl JobJs {
    /// `job`, number `index`, whose conversation document is `bytes` long.
    pub fn new(index: usize, job: TranscriptJob, bytes: u64) -> Self {
        JobJs {
            index,
            bytes,
            source_id: job.source_id,
            path: job.path,
            archive: job.source.entry.archive,
            entry: job.source.entry.entry,
            pointer: job.source.pointer,
            form: job.source.form,
            duration_seconds: job.duration_seconds,
            language: job.language,
        }
    }

    fn into_job(self) -> TranscriptJob {
        TranscriptJob {
            source_id: self.source_id,
            path: self.path,
            source: TranscriptSource {
                entry: EntryRef {
                    archive: self.archive,
                    entry: self.entry,
                },
                pointer: self.pointer,
                form: self.form,
            },
            language: self.language,
            duration_seconds: self.duration_seconds,
        }
    }
}

/// A prepared transcript as it crosses workers (`postMessage`: the zip's
/// buffer can be transferred): the entry's record, the entry as a
/// one-entry zip, and the replay's `[topic, count]` hits.
#[derive(Serialize, Deserialize)]
struct PreparedJs {
    path: String,
    bytes: u64,
    sha256: String,
    zip: Js<Uint8Array>,
    hits: TopicHits,
}

/// Reads `{path, bytes, sha256, zip: Uint8Array, hits}` (a
/// `TranscriptPreparer` result) back into a prepared transcript.
pub fn prepared_entry(part: JsValue) -> Result<PreparedTranscript, JsError> {
    let part: PreparedJs = from_js(part, "a prepared transcript").map_err(|_| {
        js_error("a prepared transcript must be {path, bytes, sha256, zip: Uint8Array, hits: [[topic, count]]}")
    })?;
    let record = FileRecord {
        path: part.path,
        bytes: part.bytes,
        sha256: part.sha256,
    };
    let entry = PreparedEntry::from_parts(record, part.zip.0.to_vec()).map_err(js_error)?;
    Ok(PreparedTranscript {
        entry,
        hits: part.hits,
    })
}

/// `prepared` as it crosses workers. The zip's bytes go into a new array,
/// or into the one `buffers(length)` answers (a `Uint8Array` of exactly
/// that length, a buffer used again: every fresh array is garbage once the
/// converter has copied it, tens of MB held until the next collection).
fn prepared_part(
    prepared: PreparedTranscript,
    buffers: Option<&Function>,
) -> Result<JsValue, JsError> {
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
                    js_error("buffers(length) must answer a Uint8Array of that length")
                })?;
            array.copy_from(&zip);
            array
        }
    };
    to_js(&PreparedJs {
        path: record.path,
        bytes: record.bytes,
        sha256: record.sha256,
        zip: Js(array),
        hits: prepared.hits,
    })
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
    /// `triggers`: the conversion's `replayTriggers()` (null without
    /// topics).
    #[wasm_bindgen(constructor)]
    pub fn new(
        #[wasm_bindgen(unchecked_param_type = "ArchiveInput[]")] archives: JsValue,
        #[wasm_bindgen(unchecked_param_type = "ReplayTrigger[] | null")] triggers: JsValue,
    ) -> Result<TranscriptPreparer, JsError> {
        let triggers: Option<Vec<ReplayTrigger>> = from_js(triggers, "the triggers to replay")?;
        Ok(TranscriptPreparer {
            archives: archive_sources(archives, false)?,
            replay: triggers.map(Replay::new),
        })
    }

    /// Re-reads, builds and compresses one transcript entry (the job of a
    /// second pass's `prepare` step) and replays the triggers over it: `{path,
    /// bytes, sha256, zip: Uint8Array, hits}`, the zip in a new array or,
    /// with `buffers`, in the array `buffers(length)` answers.
    #[wasm_bindgen(unchecked_return_type = "PreparedTranscript")]
    pub fn prepare(
        &mut self,
        #[wasm_bindgen(unchecked_param_type = "TranscriptJob")] job: JsValue,
        #[wasm_bindgen(unchecked_param_type = "((length: number) => Uint8Array) | null")]
        buffers: Option<Function>,
    ) -> Result<JsValue, JsError> {
        let job = from_js::<JobJs>(job, "a transcript job")?.into_job();
        let mut archives = as_sources(&mut self.archives);
        let prepared =
            prepare_transcript(&job, &mut archives, self.replay.as_ref()).map_err(js_error)?;
        prepared_part(prepared, buffers.as_ref())
    }
}
