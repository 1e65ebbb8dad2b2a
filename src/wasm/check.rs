//! The package checked before the page offers it, as `chorus2outdoo
//! verify` checks it. In: the package (a `Blob`, or its file's
//! `FileSystemSyncAccessHandle`, read straight into wasm memory), or a
//! package in parts with its index; helper workers' checks of shares of
//! its transcripts. Out: `{entries, problems: [{entry, message}]}`, no
//! problems meaning it is sound; a written package's `fidelity.json`.

use super::blob::{BlobReader, HandleReader, PackageReader, SyncAccessHandle};
use super::error::js_error;
use super::inputs::{blob_reader, FileArg};
use super::values::{from_js, named_list, to_js, Js};
use crate::verify::{EntryCheck, PackageCheck, PartFiles};
use crate::Limits;
use serde::Deserialize;
use wasm_bindgen::prelude::*;

/// A package to check: a `Blob`, or its file's `FileSystemSyncAccessHandle`.
fn package_reader(package: &JsValue) -> Result<PackageReader, JsError> {
    PackageReader::new(package).map_err(js_error)
}

/// `checked` (`checkTranscripts` results, concatenated), or nothing.
fn entry_checks(checked: JsValue) -> Result<Vec<EntryCheck>, JsError> {
    let checked: Option<Vec<EntryCheck>> = from_js(checked, "checked transcripts")?;
    Ok(checked.unwrap_or_default())
}

/// Checks a package the way `chorus2outdoo verify` does (manifest sizes and
/// checksums, schemas, paths, counts), reading the Blob in slices, or the
/// package's file through a `FileSystemSyncAccessHandle` passed instead
/// (into wasm memory, no garbage in JavaScript): `{entries, problems:
/// [{entry, message}]}`, no problems meaning it is sound. `checked`, when
/// given, holds the results of `checkTranscripts` on the same package in
/// helper workers: those entries are not read again, and the result is
/// the same. Only in a Web Worker.
#[wasm_bindgen(js_name = verifyPackage, unchecked_return_type = "Verification")]
pub fn verify_package(
    #[wasm_bindgen(unchecked_param_type = "Blob | SyncAccessHandle")] package: JsValue,
    #[wasm_bindgen(unchecked_param_type = "EntryCheck[] | null | undefined")] checked: JsValue,
) -> Result<JsValue, JsError> {
    let checked = entry_checks(checked)?;
    to_js(&crate::verify::verify_package_sharing(
        package_reader(&package)?,
        &Limits::default(),
        &checked,
    ))
}

/// `verifyPackage` in two halves, for the converter's worker while helper
/// workers run `checkTranscripts` on the same package (a Blob or a sync
/// access handle, as for `verifyPackage`): the constructor reads and
/// checks every entry but the transcripts; `finish(checked)` takes the
/// helpers' results (a transcript missing from them is read then) and
/// answers as `verifyPackage` does. Only in a Web Worker.
#[wasm_bindgen(js_name = PackageCheck)]
pub struct PackageCheckJs {
    check: PackageCheck<PackageReader>,
}

#[wasm_bindgen(js_class = PackageCheck)]
impl PackageCheckJs {
    #[wasm_bindgen(constructor)]
    pub fn new(
        #[wasm_bindgen(unchecked_param_type = "Blob | SyncAccessHandle")] package: JsValue,
    ) -> Result<PackageCheckJs, JsError> {
        Ok(PackageCheckJs {
            check: PackageCheck::start(package_reader(&package)?, &Limits::default(), true),
        })
    }

    #[wasm_bindgen(unchecked_return_type = "Verification")]
    pub fn finish(
        self,
        #[wasm_bindgen(unchecked_param_type = "EntryCheck[] | null | undefined")] checked: JsValue,
    ) -> Result<JsValue, JsError> {
        to_js(&self.check.finish(&entry_checks(checked)?))
    }
}

/// Share `share` of `shares` of a package's transcript entries, read from
/// the package and checked (size, SHA-256, schema), for `verifyPackage` in
/// the converter's worker: `[{index, name, bytes, sha256, problems}]`.
#[wasm_bindgen(js_name = checkTranscripts, unchecked_return_type = "EntryCheck[]")]
pub fn check_transcripts(
    #[wasm_bindgen(unchecked_param_type = "Blob | SyncAccessHandle")] package: JsValue,
    share: u32,
    shares: u32,
) -> Result<JsValue, JsError> {
    to_js(&crate::verify::check_transcripts(
        package_reader(&package)?,
        &Limits::default(),
        share as usize,
        shares as usize,
    ))
}

/// A part as JavaScript names it: `{name, blob}`, or `{name, handle,
/// start, end}`, a range of a file read through its sync access handle.
#[derive(Deserialize)]
struct PartArg {
    name: String,
    #[serde(default)]
    blob: Option<Js<web_sys::Blob>>,
    #[serde(default)]
    handle: Option<Js<SyncAccessHandle>>,
    #[serde(default)]
    start: Option<f64>,
    #[serde(default)]
    end: Option<f64>,
}

/// A part, ready to be read.
enum Part {
    Blob(web_sys::Blob),
    Handle(SyncAccessHandle, u64, u64),
}

/// The parts given to `verifyParts`, by name.
struct Parts(Vec<(String, Part)>);

impl PartFiles for Parts {
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
                HandleReader::within(handle.clone(), *start, *end).map(PackageReader::Handle)
            }
        }
    }
}

/// Checks a package split into parts as a set, as `chorus2outdoo verify
/// <index>` does: `index` (`{name, bytes: Uint8Array}`, as `finishPackage`
/// answers it) and `parts` (`[{name, blob: Blob|File}]`, or `[{name, handle,
/// start, end}]`); every part the index names must be among them. Answers
/// what `verifyPackage` answers, problems naming the part. Only in a Web
/// Worker.
#[wasm_bindgen(js_name = verifyParts, unchecked_return_type = "Verification")]
pub fn verify_parts(
    #[wasm_bindgen(unchecked_param_type = "FileInput")] index: JsValue,
    #[wasm_bindgen(unchecked_param_type = "PartInput[]")] parts: JsValue,
) -> Result<JsValue, JsError> {
    const SHAPES: &str = "{name, blob} or {name, handle, start, end}";
    let index: FileArg = from_js(index, "the index")
        .map_err(|_| js_error("the index must be {name, bytes: Uint8Array}"))?;
    if !js_sys::Array::is_array(&parts) {
        return Err(js_error(format!("parts must be an array of {SHAPES}")));
    }
    let parts: Vec<PartArg> = named_list(parts, "parts", ("blob", "a Blob or File"), false)?;
    let parts = parts
        .into_iter()
        .enumerate()
        .map(|(at, part)| match part {
            PartArg {
                name,
                handle: Some(handle),
                start: Some(start),
                end: Some(end),
                ..
            } => Ok((name, Part::Handle(handle.0, start as u64, end as u64))),
            PartArg {
                name,
                handle: None,
                blob: Some(blob),
                ..
            } => Ok((name, Part::Blob(blob.0))),
            _ => Err(js_error(format!("parts[{at}] must be {SHAPES}"))),
        })
        .collect::<Result<_, _>>()?;
    let bytes = index.bytes.0.to_vec();
    to_js(&crate::verify::verify_parts(
        &index.name,
        &bytes,
        &mut Parts(parts),
    ))
}

/// `fidelity.json` of a written package (`{summary, topics}`), or null when
/// it has none. Only in a Web Worker.
#[wasm_bindgen(js_name = packageFidelity, unchecked_return_type = "Fidelity | null")]
pub fn package_fidelity(package: web_sys::Blob) -> Result<JsValue, JsError> {
    let fidelity = crate::decide::fidelity::package_fidelity(blob_reader(&package)?)
        .map_err(|e| js_error(format!("the package: {e}")))?;
    match fidelity {
        Some(fidelity) => to_js(&fidelity),
        None => Ok(JsValue::NULL),
    }
}
