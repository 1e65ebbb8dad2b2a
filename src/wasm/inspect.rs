//! What a file is, for the page's file list. In: a file's name and bytes
//! (`inspect`), or its `Blob`/`File` (`inspectFile`, in a Web Worker: a
//! call archive is listed from its central directory, never read whole).
//! Out: `{name, kind, kind_label, trackers, phrases, problems, error}`,
//! with `archive` for a call archive and `package` for an earlier import
//! package.

use super::blob::BlobReader;
use super::error::js_error;
use super::inputs::blob_reader;
use super::values::to_js;
use crate::detect::{detect, FileKind};
use crate::read::archive::ArchiveSummary;
use crate::{ArchiveSource, FileSummary, InputFile, Limits, ZipSource};
use std::io::Read;
use wasm_bindgen::prelude::*;

/// What one file was detected as and what it holds:
/// `{name, kind, kind_label, trackers, phrases, problems, error}`.
#[wasm_bindgen(unchecked_return_type = "FileSummary")]
pub fn inspect(name: String, bytes: &[u8]) -> Result<JsValue, JsError> {
    let summary = crate::inspect(&InputFile {
        name,
        bytes: bytes.to_vec(),
    });
    to_js(&summary)
}

fn is_workbook(source: &dyn ArchiveSource) -> bool {
    crate::entries_of(source).any(|e| e.name == "xl/workbook.xml")
}

/// The first `n` bytes of `blob` (fewer if it is shorter).
fn head(blob: &web_sys::Blob, n: usize) -> Result<Vec<u8>, JsError> {
    let mut head = vec![0u8; n];
    let mut reader = BlobReader::with_read_ahead(blob.clone(), n).map_err(js_error)?;
    let read = reader.read(&mut head).unwrap_or(0);
    head.truncate(read);
    Ok(head)
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
#[wasm_bindgen(js_name = inspectFile, unchecked_return_type = "FileSummary")]
pub fn inspect_file(
    name: String,
    blob: web_sys::Blob,
    #[wasm_bindgen(js_name = listOnly)] list_only: Option<bool>,
) -> Result<JsValue, JsError> {
    if head(&blob, 4)? == b"PK\x03\x04" {
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
                    let listing = ArchiveSummary {
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
        Err(e) => to_js(&FileSummary::failed(
            name,
            detect(&head(&blob, 4096)?),
            e.to_string(),
        )),
    }
}
