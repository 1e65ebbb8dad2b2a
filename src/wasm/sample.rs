//! The sample for the page's "try it" button. In: how many calls and a
//! seed. Out: `{archive: Blob, trackers: {name, bytes}}`, the bytes of
//! `chorus2outdoo sample --calls N --seed S` and of its `--trackers-out`.

use super::error::js_error;
use super::inputs::FileArg;
use super::values::{to_js, Js};
use js_sys::{Array, Uint8Array};
use serde::Serialize;
use wasm_bindgen::prelude::*;

#[derive(Serialize)]
struct Sample {
    archive: Js<web_sys::Blob>,
    trackers: FileArg,
}

/// `bytes` as a `Blob` of type application/zip.
pub fn zip_blob(bytes: &[u8], what: &str) -> Result<web_sys::Blob, JsError> {
    let parts = Array::of1(&Uint8Array::from(bytes));
    let properties = web_sys::BlobPropertyBag::new();
    properties.set_type("application/zip");
    web_sys::Blob::new_with_u8_array_sequence_and_options(&parts, &properties)
        .map_err(|_| js_error(format!("cannot create the {what} Blob")))
}

/// The sample archive of `calls` calls (`chorus2outdoo sample --calls N
/// --seed S`, the same bytes) as a `Blob` of type application/zip, and the
/// tracker export matching its Chorus trackers (`--trackers-out`), as
/// `convert` takes a file: `{archive, trackers: {name, bytes}}`.
#[wasm_bindgen(unchecked_return_type = "Sample")]
pub fn sample(calls: u32, seed: u32) -> Result<JsValue, JsError> {
    let options = crate::sample::SampleOptions {
        calls: calls as usize,
        seed: seed as u64,
        media: false,
        media_bytes: None,
    };
    let (cursor, _) = crate::sample::write_sample(std::io::Cursor::new(Vec::new()), &options)
        .map_err(|e| js_error(format!("cannot write the sample archive: {e}")))?;
    to_js(&Sample {
        archive: Js(zip_blob(&cursor.into_inner(), "sample")?),
        trackers: FileArg::new("sample-trackers.csv", &crate::sample::sample_trackers_csv()),
    })
}
