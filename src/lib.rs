//! chorus2outdoo: Chorus trackers and call archives in, one Outdoo import
//! package out. The pipeline, one module per stage:
//!
//! input bytes -> [`detect`] -> [`read`] -> [`decide`] -> [`write`], with
//! [`report`] collecting every decision on the way.
//!
//! The library never touches the file system, the clock or threads: inputs
//! are bytes or `Read + Seek`, the package goes to a `Write` sink. The CLI
//! (`src/main.rs`) and the browser binding (`src/wasm/`) are thin shells.

pub mod convert;
pub mod decide;
pub mod detect;
pub mod digest;
pub mod error;
pub mod fetch;
pub mod format;
pub mod limits;
pub mod model;
pub mod read;
pub mod report;
pub mod sample;
pub mod second_pass;
pub mod verify;
pub mod write;

#[cfg(target_arch = "wasm32")]
pub mod wasm;

pub use convert::{
    convert, convert_with_archives, convert_with_first_pass, inspect, inspect_archive,
    inspect_package, Conversion, FileSummary, FirstPass, InputFile, Options, Preview,
};
pub use decide::calls::CallScope;
pub use error::{Error, Result};
pub use limits::Limits;
pub use model::printable;
pub use read::archive::{entries_of, ArchiveEntry, ArchiveSource, ZipSource};
pub use verify::{verify_package, verify_package_bytes, Problem, Verification};

pub use format::GENERATOR;
