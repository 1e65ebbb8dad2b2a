//! The browser binding: the library for the page's Web Workers. Every
//! `#[wasm_bindgen]` item of the crate is in this folder; each file is one
//! part of what JavaScript can call, and holds no conversion logic (what
//! is below the boundary is covered by native tests).
//!
//! - `inspect.rs`: what a file is (`inspect`, `inspectFile`).
//! - `conversion.rs`: the conversion (`convert` in memory; `convertArchives`
//!   and its `ArchiveConversion`: preview, transcript excerpts, the
//!   triggers to replay, `setEdits`, `writePackage`, and the second pass's
//!   steps).
//! - `edits.rs`: an edits document's canonical text (`editsText`).
//! - `package.rs`: the package written as the second pass's session
//!   (`second_pass::SecondPass`) says: `beginPackage`, `next`, `arrived`,
//!   `append`, `recordingBytes`, `endRecording`, `finishPackage`.
//! - `first_pass.rs`: the first pass in helpers (`firstPassRanges`,
//!   `EntryReader`) and the archives' checksums (`ArchiveDigest`).
//! - `preparer.rs`: a helper's transcripts (`TranscriptPreparer`).
//! - `check.rs`: the package's check (`verifyPackage`, `PackageCheck`,
//!   `checkTranscripts`, `verifyParts`, `packageFidelity`).
//! - `fetch.rs`: the download from the Chorus API (`fetchArchive`).
//! - `sample.rs`: the sample archive and its tracker export (`sample`).
//! - `inputs.rs`, `values.rs`, `error.rs`: arguments typed (serde-wasm-
//!   bindgen into Rust structs), results as plain objects, and the one
//!   conversion of errors into JS `Error`s, with the CLI's message.
//! - `blob.rs`, `progress.rs`: Blobs and sync access handles read as
//!   `Read + Seek`, the package handed out in chunks, the progress bar.
//!
//! docs/architecture.md ("The page") lists the JavaScript surface in one page;
//! `types.rs` declares its argument and result shapes for TypeScript.

pub mod blob;
mod check;
mod conversion;
mod edits;
mod error;
mod fetch;
mod first_pass;
mod inputs;
mod inspect;
mod package;
mod preparer;
pub mod progress;
mod sample;
mod types;
mod values;

pub use check::{
    check_transcripts, package_fidelity, verify_package, verify_parts, PackageCheckJs,
};
pub use conversion::{convert, convert_archives, ArchiveConversion};
pub use edits::edits_text;
pub use fetch::fetch_archive;
pub use first_pass::{first_pass_ranges, ArchiveDigest, EntryReader};
pub use inspect::{inspect, inspect_file};
pub use preparer::TranscriptPreparer;
pub use sample::sample;

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
