//! Package verification: an Outdoo import package (a zip, through
//! `Read + Seek`) in, the list of problems found out (empty when the package
//! is sound). It checks what docs/import-package.md promises:
//!
//! - `manifest.json` is the last entry, matches its schema, and lists every
//!   other entry, in zip order, with its size and SHA-256; no entry is
//!   missing, extra or repeated;
//! - every JSON file (and every line of `calls.jsonl`) matches its schema in
//!   `schemas/` (compiled into the library);
//! - every path the package names exists (`calls.jsonl`'s `transcript` and
//!   `media`), and every transcript and recording belongs to a call;
//! - the manifest's counts match themes.json, report.json, calls.jsonl and
//!   users.json;
//! - every id in themes.json is used once, and every edit of the edits
//!   documents the manifest lists has one report entry.
//!
//! Entries are read one at a time and hashed as they stream, so recordings
//! are never held in memory, transcripts are checked as they are read and
//! dropped, and documents larger than the limit are refused. The transcript
//! checks can be shared out (`check_transcripts` on shares of them, in other
//! threads or Web Workers; `verify_package_sharing` does the rest with
//! their results) with the same outcome as one check of everything.
//!
//! The checks, one file each: `package` (one package, in one go or in two
//! halves) reads its entries one at a time (`entries`), each document
//! checked alone as it is read (`document`, against `schemas`); then the
//! entries against the manifest (`manifest`), the documents together
//! (`contents`), the counts (`counts`), `fidelity.json` (`fidelity`) and the ids
//! (`edits`).
//! `parts` checks a package split into parts as a set. What they find is a
//! `Verification` (`verification`).

mod contents;
mod counts;
mod document;
mod edits;
mod entries;
mod fidelity;
mod manifest;
mod package;
mod parts;
mod schemas;
mod verification;

pub use package::{
    check_transcripts, verify_package, verify_package_bytes, verify_package_sharing,
    verify_package_with, EntryCheck, EntryProblem, PackageCheck,
};
pub use parts::{verify_parts, PartFiles};
pub use verification::{Problem, Verification};
