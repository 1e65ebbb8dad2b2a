//! One package verified: in, its zip through `Read + Seek` (and the
//! limits); out, its `Verification`. In one go (`verify_package`), or in
//! two halves (`PackageCheck`, which the page drives) with the transcripts
//! checked elsewhere at the same time (`check_transcripts` on shares of
//! them, in other threads or Web Workers) and their `EntryCheck`s taken
//! back: the same problems, in the same order, as one check of everything.

use super::contents::check_documents;
use super::counts::check_counts;
use super::edits::{check_edits, check_ids};
use super::entries::{read_and_check, transcript_indices, ReadEntry, Scratch};
use super::fidelity::check_fidelity;
use super::manifest::{check_manifest, check_names};
use super::schemas::Schemas;
use super::verification::{Problem, Verification};
use crate::limits::Limits;
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};
use std::io::{Read, Seek};

/// Verifies a package read from `reader` with the default limits.
pub fn verify_package<R: Read + Seek>(reader: R) -> Verification {
    verify_package_with(reader, &Limits::default())
}

/// Verifies a package held in memory (for the browser).
pub fn verify_package_bytes(bytes: &[u8]) -> Verification {
    verify_package(std::io::Cursor::new(bytes))
}

/// Verifies a package read from `reader`; `limits` bounds the entry count
/// and the size of the documents read into memory.
pub fn verify_package_with<R: Read + Seek>(reader: R, limits: &Limits) -> Verification {
    verify_package_sharing(reader, limits, &[])
}

/// One transcript entry checked apart (by `check_transcripts`, in another
/// thread or Web Worker): its place in the zip, name, size, SHA-256 and
/// what is wrong with its content.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct EntryCheck {
    pub index: usize,
    pub name: String,
    pub bytes: u64,
    pub sha256: String,
    pub problems: Vec<EntryProblem>,
}

/// A problem of an `EntryCheck` (always about that entry).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct EntryProblem {
    pub message: String,
}

/// Share `share` of `shares` of a package's transcript entries (the k-th
/// transcript entry of the zip belongs to share k % shares), read, hashed
/// and checked against the transcript schema, for
/// `verify_package_sharing`. An unreadable zip gives no checks (the
/// verification that uses them reports it).
pub fn check_transcripts<R: Read + Seek>(
    reader: R,
    limits: &Limits,
    share: usize,
    shares: usize,
) -> Vec<EntryCheck> {
    let Ok(mut archive) = zip::ZipArchive::new(reader) else {
        return Vec::new();
    };
    if archive.len() > limits.max_entries || shares == 0 {
        return Vec::new();
    }
    let schemas = Schemas::get();
    let transcripts = transcript_indices(&archive);
    let mut scratch = Scratch::new();
    let mut checks = Vec::new();
    for index in transcripts.into_iter().skip(share).step_by(shares) {
        let mut verification = Verification::default();
        let entry = read_and_check(
            &mut archive,
            index,
            limits,
            &mut scratch,
            schemas,
            &mut verification,
        );
        checks.push(EntryCheck {
            index,
            name: entry.name,
            bytes: entry.bytes,
            sha256: entry.sha256,
            problems: verification
                .problems
                .into_iter()
                .map(|p| EntryProblem { message: p.message })
                .collect(),
        });
    }
    checks
}

/// Verifies a package like `verify_package_with`, taking the entries in
/// `checked` (from `check_transcripts`, the same package) as they were
/// checked instead of reading them again. The result is the same as
/// checking everything here: same problems, in the same order.
pub fn verify_package_sharing<R: Read + Seek>(
    reader: R,
    limits: &Limits,
    checked: &[EntryCheck],
) -> Verification {
    PackageCheck::start(reader, limits, !checked.is_empty()).finish(checked)
}

/// A package check in two halves, so that the transcripts can be checked
/// elsewhere at the same time (`check_transcripts` in other threads or
/// Web Workers): `start` reads and checks every entry but those, `finish`
/// takes their checks (reading any transcript not among them) and checks
/// across entries. The result is `verify_package_with`'s.
pub struct PackageCheck<R> {
    /// `None` once the package proved unreadable as a whole.
    archive: Option<zip::ZipArchive<R>>,
    limits: Limits,
    /// The problems before any entry's (the zip, the schemas).
    verification: Verification,
    /// Per entry in zip order: read here, with its problems, or left to
    /// the transcript checks.
    entries: Vec<Option<(ReadEntry, Vec<Problem>)>>,
}

impl<R: Read + Seek> PackageCheck<R> {
    /// Reads and checks every entry, except the transcripts when they are
    /// shared out.
    pub fn start(reader: R, limits: &Limits, share_transcripts: bool) -> Self {
        let mut check = PackageCheck {
            archive: None,
            limits: limits.clone(),
            verification: Verification::default(),
            entries: Vec::new(),
        };
        let mut archive = match zip::ZipArchive::new(reader) {
            Ok(archive) => archive,
            Err(e) => {
                check
                    .verification
                    .problem(None, format!("not a readable zip archive: {e}"));
                return check;
            }
        };
        check.verification.entries = archive.len();
        if archive.len() > limits.max_entries {
            check.verification.problem(
                None,
                format!(
                    "{} entries, more than the limit of {}; not read",
                    archive.len(),
                    limits.max_entries
                ),
            );
            return check;
        }
        let schemas = Schemas::get();
        for broken in &schemas.broken {
            check.verification.problem(None, broken.clone());
        }
        let shared: BTreeSet<usize> = if share_transcripts {
            transcript_indices(&archive).into_iter().collect()
        } else {
            BTreeSet::new()
        };
        let mut scratch = Scratch::new();
        check.entries = (0..archive.len())
            .map(|index| {
                if shared.contains(&index) {
                    return None;
                }
                let mut own = Verification::default();
                let entry =
                    read_and_check(&mut archive, index, limits, &mut scratch, schemas, &mut own);
                Some((entry, own.problems))
            })
            .collect();
        check.archive = Some(archive);
        check
    }

    /// Completes the check with `checked` (from `check_transcripts`, the
    /// same package); a transcript left to them and not among them is read
    /// here.
    pub fn finish(self, checked: &[EntryCheck]) -> Verification {
        let PackageCheck {
            archive,
            limits,
            mut verification,
            entries: slots,
        } = self;
        let Some(mut archive) = archive else {
            return verification;
        };
        let checked: BTreeMap<usize, &EntryCheck> = checked.iter().map(|c| (c.index, c)).collect();
        let schemas = Schemas::get();
        let mut scratch = Scratch::new();
        let mut entries = Vec::with_capacity(slots.len());
        for (index, slot) in slots.into_iter().enumerate() {
            match (slot, checked.get(&index)) {
                (Some((entry, problems)), _) => {
                    verification.problems.extend(problems);
                    entries.push(entry);
                }
                (None, Some(check)) => {
                    for problem in &check.problems {
                        verification.problem(Some(&check.name), problem.message.clone());
                    }
                    entries.push(ReadEntry::new(
                        check.name.clone(),
                        check.bytes,
                        check.sha256.clone(),
                    ));
                }
                (None, None) => entries.push(read_and_check(
                    &mut archive,
                    index,
                    &limits,
                    &mut scratch,
                    schemas,
                    &mut verification,
                )),
            }
        }
        check_names(&entries, &mut verification);
        let Some(manifest) = check_manifest(&entries, schemas, &mut verification) else {
            return verification;
        };
        let documents = check_documents(&mut entries, &mut verification);
        check_counts(&manifest, &documents, &mut verification);
        check_fidelity(&manifest, &documents, &mut verification);
        check_ids(&documents, &mut verification);
        check_edits(&manifest, &documents, &mut verification);
        verification
    }
}
