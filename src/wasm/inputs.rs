//! The inputs JavaScript passes, typed and opened. In: tracker exports and
//! a roster (`{name, bytes: Uint8Array}`), call archives (`{name, blob,
//! sha256?}`) and earlier import packages (`{name, blob}`), a `Blob`
//! being a dropped `File`. Out: the library's `InputFile`s, `ZipSource`s
//! over `BlobReader`s (read in slices, never copied whole) and
//! `EarlierPackage`s.

use super::blob::BlobReader;
use super::error::js_error;
use super::values::{named_list, Js};
use crate::read::earlier::{read_earlier_package, EarlierPackage};
use crate::{ArchiveEntry, ArchiveSource, InputFile, ZipSource};
use js_sys::Uint8Array;
use serde::{Deserialize, Serialize};
use wasm_bindgen::{JsError, JsValue};

/// A file in memory: a tracker export, the roster, a package's index.
#[derive(Deserialize, Serialize)]
pub struct FileArg {
    pub name: String,
    pub bytes: Js<Uint8Array>,
}

impl FileArg {
    pub fn new(name: impl Into<String>, bytes: &[u8]) -> Self {
        FileArg {
            name: name.into(),
            bytes: Js(Uint8Array::from(bytes)),
        }
    }

    pub fn into_input(self) -> InputFile {
        InputFile {
            name: self.name,
            bytes: self.bytes.0.to_vec(),
        }
    }
}

/// A call archive: a `Blob`/`File` and, once an `ArchiveDigest` hashed it,
/// its SHA-256.
#[derive(Deserialize)]
pub struct ArchiveArg {
    pub name: String,
    pub blob: Js<web_sys::Blob>,
    #[serde(default)]
    pub sha256: Option<String>,
}

/// A file read from its `Blob`: an earlier import package, a package's part.
#[derive(Deserialize)]
pub struct NamedBlob {
    pub name: String,
    pub blob: Js<web_sys::Blob>,
}

/// `files`: `[{name, bytes: Uint8Array}]` (`optional`: or nothing).
pub fn input_files(files: JsValue, optional: bool) -> Result<Vec<InputFile>, JsError> {
    Ok(
        named_list::<FileArg>(files, "files", ("bytes", "a Uint8Array"), optional)?
            .into_iter()
            .map(FileArg::into_input)
            .collect(),
    )
}

/// The roster, `{name, bytes: Uint8Array}`, or nothing.
pub fn roster(roster: JsValue) -> Result<Option<InputFile>, JsError> {
    if roster.is_undefined() || roster.is_null() {
        return Ok(None);
    }
    let list = js_sys::Array::of1(&roster);
    Ok(input_files(list.into(), false)?.pop())
}

/// `archives`: `[{name, blob}]`, or nothing.
pub fn archive_args(archives: JsValue) -> Result<Vec<ArchiveArg>, JsError> {
    named_list(archives, "archives", ("blob", "a Blob or File"), true)
}

pub fn blob_reader(blob: &web_sys::Blob) -> Result<BlobReader, JsError> {
    BlobReader::new(blob.clone()).map_err(js_error)
}

impl ArchiveArg {
    /// The archive listed (its central directory read); `hashed`: its
    /// SHA-256, as the package's manifest needs it, is `sha256` or else
    /// computed (one read through the Blob).
    pub fn open(self, hashed: bool) -> Result<ZipSource<BlobReader>, JsError> {
        let blob = self.blob.0;
        let reader = blob_reader(&blob)?;
        let source = match (hashed, self.sha256) {
            (true, Some(digest)) => {
                ZipSource::with_digest(self.name, reader, blob.size() as u64, digest)
            }
            (true, None) => ZipSource::new(self.name, reader),
            (false, _) => ZipSource::unhashed(self.name, reader),
        };
        source.map_err(js_error)
    }
}

/// `archives` (`[{name, blob, sha256?}]`, or nothing) listed, as `ArchiveArg::open`.
pub fn archive_sources(
    archives: JsValue,
    hashed: bool,
) -> Result<Vec<ZipSource<BlobReader>>, JsError> {
    archive_args(archives)?
        .into_iter()
        .map(|archive| archive.open(hashed))
        .collect()
}

/// `earlier` (`[{name, blob}]`, or nothing): each earlier import package's
/// calls and users, read from the Blob in slices (only its manifest,
/// `calls.jsonl` and `users.json`), as `--after-package` reads a file.
pub fn earlier_packages(earlier: JsValue) -> Result<Vec<EarlierPackage>, JsError> {
    named_list::<NamedBlob>(earlier, "earlier", ("blob", "a Blob or File"), true)?
        .into_iter()
        .map(|NamedBlob { name, blob }| {
            read_earlier_package(&name, blob_reader(&blob.0)?, blob.0.size() as u64)
                .map_err(js_error)
        })
        .collect()
}

/// The entries a first pass reads (not folders, not junk) and their bytes.
pub fn readable_totals(entries: impl Iterator<Item = ArchiveEntry>) -> (usize, u64) {
    entries
        .filter(|e| !e.is_dir && !crate::read::archive::is_junk(&e.name))
        .fold((0, 0), |(n, b), e| (n + 1, b + e.size))
}

/// The sources as the library takes them.
pub fn as_sources<S: ArchiveSource>(sources: &mut [S]) -> Vec<&mut dyn ArchiveSource> {
    sources
        .iter_mut()
        .map(|s| s as &mut dyn ArchiveSource)
        .collect()
}
