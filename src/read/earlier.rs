//! Earlier import packages, for a cutover run after the bulk run: an Outdoo
//! import package (the zip an earlier conversion wrote) in; what it already
//! migrated out (`EarlierPackage`): the Chorus ids of its calls
//! (`calls.jsonl`) and its users (`users.json`). Only those two entries and
//! the manifest are read, never the transcripts or recordings, so a package
//! of hundreds of gigabytes is read in the time of its calls list.

use crate::digest::hex;
use crate::error::{Error, Result};
use crate::format::FORMAT_NAME;
use crate::limits::Limits;
use crate::model::calls::PersonRecord;
use crate::model::Location;
use crate::read::archive::{is_call_id, ArchiveSource, ZipSource};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::io::{BufRead, BufReader, Read, Seek};
use zip::ZipArchive;

/// What an earlier package holds that a later run must not import again.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EarlierPackage {
    /// The file name, without folders.
    pub name: String,
    pub bytes: u64,
    /// SHA-256 of its `manifest.json`, which names every other entry's
    /// checksum: it stands for the package (hashing the recordings of a
    /// big package would take as long as copying them).
    pub manifest_sha256: String,
    /// The Chorus ids of its calls, sorted, as 128-bit numbers.
    pub calls: Vec<u128>,
    /// Its users (created or existing then), with their role.
    pub users: Vec<PersonRecord>,
}

/// What `inspect` says of an earlier package: the calls a cutover run
/// leaves out and the users it keeps.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct PackageSummary {
    pub name: String,
    pub calls: usize,
    pub users: usize,
}

impl EarlierPackage {
    pub fn summary(&self) -> PackageSummary {
        PackageSummary {
            name: self.name.clone(),
            calls: self.calls.len(),
            users: self.users.len(),
        }
    }
}

/// A call id (32 hex digits) as a number.
pub fn call_number(id: &str) -> Option<u128> {
    is_call_id(id)
        .then(|| u128::from_str_radix(id, 16).ok())
        .flatten()
}

#[derive(Deserialize)]
struct CallLine {
    source_id: String,
}

#[derive(Deserialize)]
struct UsersFile {
    users: Vec<UserLine>,
}

#[derive(Deserialize)]
struct UserLine {
    email: String,
    name: Option<String>,
    role: Option<String>,
    chorus_user_id: Option<String>,
}

#[derive(Deserialize)]
struct ManifestHead {
    format: String,
}

/// Reads an earlier package's calls and users; `bytes` is its size.
pub fn read_earlier_package<R: Read + Seek>(
    name: &str,
    reader: R,
    bytes: u64,
) -> Result<EarlierPackage> {
    let (zip, manifest) = open_package(name, reader)?;
    read_package(name, zip, &manifest, bytes)
}

/// The earlier import package a listed zip is, as `inspect` tells it (the
/// CLI's and the page's): `None` for any other zip (its last entry is not
/// `manifest.json`, as a package's always is, or the manifest is not of the
/// format `outdoo-import`), else the package as `read_earlier_package`
/// reads it, or why it cannot be (a damaged line, named). Only the listing
/// is looked at before that, so a call archive costs nothing more.
pub fn earlier_package_in<R: Read + Seek>(
    source: &mut ZipSource<R>,
) -> Option<Result<EarlierPackage>> {
    let last = source.entry_count().checked_sub(1)?;
    if source.entry(last)?.name != "manifest.json" {
        return None;
    }
    let (name, bytes) = (source.name().to_string(), source.bytes());
    let (zip, manifest) = open_package(&name, source.reader_mut()).ok()?;
    Some(read_package(&name, zip, &manifest, bytes))
}

/// The package as a zip and its `manifest.json`, or why it is none.
fn open_package<R: Read + Seek>(name: &str, reader: R) -> Result<(ZipArchive<R>, Vec<u8>)> {
    let not_a_package = |why: String| {
        Error::input(
            Location::file(name),
            format!("this is not an Outdoo import package written by chorus2outdoo ({why}); give the package an earlier conversion wrote"),
        )
    };
    let mut zip = ZipArchive::new(reader).map_err(|e| not_a_package(format!("not a zip: {e}")))?;
    let mut manifest = Vec::new();
    zip.by_name("manifest.json")
        .map_err(|_| not_a_package("no manifest.json".to_string()))?
        .take(Limits::default().max_json_entry_bytes)
        .read_to_end(&mut manifest)
        .map_err(|e| not_a_package(format!("manifest.json cannot be read: {e}")))?;
    match serde_json::from_slice::<ManifestHead>(&manifest) {
        Ok(head) if head.format == FORMAT_NAME => Ok((zip, manifest)),
        _ => Err(not_a_package(format!(
            "manifest.json is not of the format {FORMAT_NAME}"
        ))),
    }
}

/// The calls and users of a package opened with `open_package`.
fn read_package<R: Read + Seek>(
    name: &str,
    mut zip: ZipArchive<R>,
    manifest: &[u8],
    bytes: u64,
) -> Result<EarlierPackage> {
    let limit = Limits::default().max_json_entry_bytes;
    let at = |entry: &str, row: Option<u64>| {
        let location = Location::file(name).with_entry(entry);
        Location { row, ..location }
    };

    let mut calls = Vec::new();
    if let Ok(entry) = zip.by_name("calls.jsonl") {
        for (line, row) in BufReader::new(entry).lines().zip(1..) {
            let line = line.map_err(|e| {
                Error::input(at("calls.jsonl", Some(row)), format!("cannot be read: {e}"))
            })?;
            let id = serde_json::from_str::<CallLine>(&line)
                .ok()
                .and_then(|call| call_number(&call.source_id))
                .ok_or_else(|| {
                    Error::input(
                        at("calls.jsonl", Some(row)),
                        "not a call line with a 32-hex source_id; the package is damaged (check it with chorus2outdoo verify)",
                    )
                })?;
            calls.push(id);
        }
    }
    calls.sort_unstable();
    calls.dedup();

    let mut users = Vec::new();
    if let Ok(entry) = zip.by_name("users.json") {
        let mut content = Vec::new();
        entry
            .take(limit)
            .read_to_end(&mut content)
            .map_err(|e| Error::input(at("users.json", None), format!("cannot be read: {e}")))?;
        let file: UsersFile = serde_json::from_slice(&content).map_err(|e| {
            Error::input(
                at("users.json", None),
                format!("not a users list ({e}); the package is damaged (check it with chorus2outdoo verify)"),
            )
        })?;
        users = file
            .users
            .into_iter()
            .enumerate()
            .map(|(i, user)| PersonRecord {
                email: user.email,
                name: user.name,
                role: user.role,
                user_id: user.chorus_user_id,
                location: Location::file(name)
                    .with_entry("users.json")
                    .with_pointer(format!("/users/{i}")),
            })
            .collect();
    }
    Ok(EarlierPackage {
        name: name.to_string(),
        bytes,
        manifest_sha256: hex(&Sha256::digest(manifest)),
        calls,
        users,
    })
}

/// The calls of every earlier package, for the decision: which package
/// (the first given) already holds a call.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AlreadyMigrated {
    /// (call id, package), sorted.
    calls: Vec<(u128, u32)>,
    packages: Vec<String>,
}

impl AlreadyMigrated {
    pub fn new(packages: &[EarlierPackage]) -> AlreadyMigrated {
        let mut calls: Vec<(u128, u32)> = packages
            .iter()
            .enumerate()
            .flat_map(|(i, p)| p.calls.iter().map(move |id| (*id, i as u32)))
            .collect();
        calls.sort_unstable();
        calls.dedup_by_key(|(id, _)| *id);
        AlreadyMigrated {
            calls,
            packages: packages.iter().map(|p| p.name.clone()).collect(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.calls.is_empty()
    }

    /// The earlier package that holds call `id`, if any.
    pub fn package_of(&self, id: &str) -> Option<&str> {
        let id = call_number(id)?;
        let at = self.calls.partition_point(|(call, _)| *call < id);
        self.calls
            .get(at)
            .filter(|(call, _)| *call == id)
            .and_then(|(_, package)| self.packages.get(*package as usize))
            .map(String::as_str)
    }
}
