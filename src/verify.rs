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
//!   users.json.
//!
//! Entries are read one at a time and hashed as they stream, so recordings
//! are never held in memory, transcripts are checked as they are read and
//! dropped, and documents larger than the limit are refused. The transcript
//! checks can be shared out (`check_transcripts` on shares of them, in other
//! threads or Web Workers; `verify_package_sharing` does the rest with
//! their results) with the same outcome as one check of everything.

use crate::digest::{hex, HashingWriter};
use crate::limits::Limits;
use serde::Serialize;
use serde_json::Value;
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::io::{Read, Seek};

/// One thing wrong with a package: the entry it concerns (or none for the
/// zip as a whole) and what is wrong.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Problem {
    pub entry: Option<String>,
    pub message: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        match &self.entry {
            Some(entry) => write!(
                f,
                "{}: {}",
                crate::model::printable(entry, false),
                self.message
            ),
            None => f.write_str(&self.message),
        }
    }
}

/// What `verify_package` found.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Verification {
    /// Entries in the zip (all of them, manifest included).
    pub entries: usize,
    pub problems: Vec<Problem>,
}

impl Verification {
    pub fn is_ok(&self) -> bool {
        self.problems.is_empty()
    }

    fn problem(&mut self, entry: Option<&str>, message: impl Into<String>) {
        self.problems.push(Problem {
            entry: entry.map(str::to_string),
            message: message.into(),
        });
    }
}

/// The schema each JSON file of format v1 must match, by path.
const SCHEMAS: [(&str, &str); 8] = [
    (
        "manifest.json",
        include_str!("../schemas/manifest.schema.json"),
    ),
    ("themes.json", include_str!("../schemas/themes.schema.json")),
    ("report.json", include_str!("../schemas/report.schema.json")),
    ("users.json", include_str!("../schemas/users.schema.json")),
    (
        "fidelity.json",
        include_str!("../schemas/fidelity.schema.json"),
    ),
    ("calls.jsonl", include_str!("../schemas/calls.schema.json")),
    (
        "transcripts/",
        include_str!("../schemas/transcript.schema.json"),
    ),
    (
        "parts-index",
        include_str!("../schemas/parts-index.schema.json"),
    ),
];

/// The compiled schemas, by the key used in `SCHEMAS`, and the problems
/// compiling them (none: they are tested).
struct Schemas {
    validators: BTreeMap<&'static str, jsonschema::Validator>,
    broken: Vec<String>,
}

impl Schemas {
    /// Compiled once per process, then shared by every verification.
    fn get() -> &'static Schemas {
        static SCHEMAS_COMPILED: std::sync::OnceLock<Schemas> = std::sync::OnceLock::new();
        SCHEMAS_COMPILED.get_or_init(Schemas::compile)
    }

    fn compile() -> Schemas {
        let mut schemas = Schemas {
            validators: BTreeMap::new(),
            broken: Vec::new(),
        };
        for (key, text) in SCHEMAS {
            let validator = serde_json::from_str::<Value>(text)
                .map_err(|e| e.to_string())
                .and_then(|schema| jsonschema::validator_for(&schema).map_err(|e| e.to_string()));
            match validator {
                Ok(validator) => {
                    schemas.validators.insert(key, validator);
                }
                Err(e) => schemas
                    .broken
                    .push(format!("the schema for {key} is broken: {e}")),
            }
        }
        schemas
    }

    /// Checks `instance` against the schema for `key`; `what` names it in problems.
    fn check(&self, key: &str, instance: &Value, what: &str, verification: &mut Verification) {
        let Some(validator) = self.validators.get(key) else {
            return;
        };
        for error in validator.iter_errors(instance).take(20) {
            let at = error.instance_path().to_string();
            let at = if at.is_empty() {
                String::new()
            } else {
                format!(" at {at}")
            };
            verification.problem(
                Some(what),
                format!("does not match its schema{at}: {error}"),
            );
        }
    }
}

/// One entry as read back: name, size and SHA-256 of the uncompressed
/// bytes, the manifest's bytes, and for the other documents what the
/// checks across files need of them (not their bytes: `calls.jsonl` and
/// `report.json` of a big archive run to tens of megabytes).
struct ReadEntry {
    name: String,
    bytes: u64,
    sha256: String,
    content: Option<Vec<u8>>,
    document: Option<CheckedDocument>,
}

impl ReadEntry {
    /// An entry with nothing kept of its content.
    fn new(name: String, bytes: u64, sha256: String) -> Self {
        ReadEntry {
            name,
            bytes,
            sha256,
            content: None,
            document: None,
        }
    }
}

/// The buffers reused from entry to entry while reading a package: the
/// content of a document, and a block for recordings.
struct Scratch {
    content: Vec<u8>,
    block: Vec<u8>,
}

impl Scratch {
    fn new() -> Self {
        Scratch {
            content: Vec::new(),
            block: vec![0u8; 64 * 1024],
        }
    }
}

/// A document checked alone as it was read: the problems found (reported
/// later, in the place a check of all documents gives them) and its facts.
struct CheckedDocument {
    problems: Vec<Problem>,
    facts: Facts,
}

enum Facts {
    Themes(Value),
    Fidelity(Value),
    Users(Value),
    Report(ReportFacts),
    Calls(Vec<CallFacts>),
    /// A CSV file, read.
    Csv,
    /// JSON that could not be parsed.
    Unreadable,
}

/// What the counts need of `report.json`.
#[derive(Default)]
struct ReportFacts {
    /// Entries per severity: info, warning, review, error.
    entries: [usize; 4],
    /// Its own `counts`, per severity.
    own: [Option<u64>; 4],
    /// Length of `skipped`.
    skipped: usize,
    own_skipped: Option<u64>,
}

const SEVERITIES: [&str; 4] = ["info", "warning", "review", "error"];

/// What the checks across files need of one line of `calls.jsonl`.
struct CallFacts {
    source_id: String,
    /// `transcript` and `media`: present and not null; the path when a string.
    transcript: (bool, Option<String>),
    media: (bool, Option<String>),
}

/// Entries whose content is checked beyond its checksum (and so kept).
fn is_document(name: &str) -> bool {
    !name.starts_with("media/")
}

/// Reads entry `index`: its name, size and SHA-256, and for a document its
/// bytes into `content` (cleared first; reused from entry to entry, so
/// thousands of transcripts do not each cost fresh memory). `buffer` is the
/// reused block for recordings, which are hashed and not kept.
fn read_entry(
    archive: &mut zip::ZipArchive<impl Read + Seek>,
    index: usize,
    limits: &Limits,
    content: &mut Vec<u8>,
    buffer: &mut [u8],
) -> Result<ReadEntry, (String, String)> {
    let mut entry = archive.by_index(index).map_err(|e| {
        (
            format!("entry {}", index + 1),
            format!("cannot be read: {e}"),
        )
    })?;
    let name = String::from_utf8_lossy(entry.name_raw()).into_owned();
    let keep = is_document(&name);
    if keep && entry.size() > limits.max_json_entry_bytes {
        return Err((
            name,
            format!(
                "declares {} bytes; documents over {} bytes are not read",
                entry.size(),
                limits.max_json_entry_bytes
            ),
        ));
    }
    let mut hasher = Sha256::new();
    content.clear();
    let bytes = if keep {
        content.reserve(entry.size() as usize);
        (&mut entry)
            .take(limits.max_json_entry_bytes + 1)
            .read_to_end(content)
            .map_err(|e| (name.clone(), format!("cannot be read: {e}")))?;
        hasher.update(&content[..]);
        content.len() as u64
    } else {
        let mut bytes = 0u64;
        loop {
            let n = match entry.read(buffer) {
                Ok(0) => break,
                Ok(n) => n,
                Err(e) => return Err((name, format!("cannot be read: {e}"))),
            };
            hasher.update(&buffer[..n]);
            bytes += n as u64;
        }
        bytes
    };
    Ok(ReadEntry::new(name, bytes, hex(&hasher.finalize())))
}

/// Reads entry `index` and checks what can be checked of it alone.
/// Transcripts are checked against their schema as they are read and not
/// kept (a package may hold thousands); the manifest keeps its content, the
/// other documents what the checks across files need (`check_document`).
/// An entry that cannot be read is a problem, and keeps its name (with no
/// checksum) so the manifest comparison does not also call it missing.
fn read_and_check(
    archive: &mut zip::ZipArchive<impl Read + Seek>,
    index: usize,
    limits: &Limits,
    scratch: &mut Scratch,
    schemas: &Schemas,
    verification: &mut Verification,
) -> ReadEntry {
    let content = &mut scratch.content;
    match read_entry(archive, index, limits, content, &mut scratch.block) {
        Ok(entry) if entry.name.starts_with("transcripts/") => {
            check_transcript(&entry.name, content, schemas, verification);
            entry
        }
        Ok(mut entry) => {
            if entry.name == "manifest.json" {
                entry.content = Some(std::mem::take(content));
            } else if is_document(&entry.name) {
                entry.document = check_document(&entry.name, content, schemas);
            }
            entry
        }
        Err((name, message)) => {
            verification.problem(Some(&name), message);
            ReadEntry::new(name, 0, String::new())
        }
    }
}

fn parse_json(bytes: &[u8], what: &str, verification: &mut Verification) -> Option<Value> {
    match serde_json::from_slice(bytes) {
        Ok(value) => Some(value),
        Err(e) => {
            verification.problem(Some(what), format!("is not valid JSON: {e}"));
            None
        }
    }
}

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

/// The indices of a package's transcript entries, in zip order.
fn transcript_indices<R: Read + Seek>(archive: &zip::ZipArchive<R>) -> Vec<usize> {
    archive
        .file_names_raw()
        .enumerate()
        .filter(|(_, name)| name.starts_with(b"transcripts/"))
        .map(|(index, _)| index)
        .collect()
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
        verification
    }
}

/// `fidelity.json` against the manifest's `counts.fidelity`, the topics of
/// `themes.json` (every one, in order) and its own figures.
fn check_fidelity(manifest: &Value, documents: &Documents, verification: &mut Verification) {
    let stated = manifest.get("counts").and_then(|c| c.get("fidelity"));
    let Some(fidelity) = &documents.fidelity else {
        if stated.is_some() {
            verification.problem(
                Some("manifest.json"),
                "counts fidelity, but the package has no fidelity.json",
            );
        }
        return;
    };
    let problem = |verification: &mut Verification, message: String| {
        verification.problem(Some("fidelity.json"), message)
    };
    if documents.calls.is_none() {
        problem(
            verification,
            "is in a package without calls.jsonl: the replay needs calls".to_string(),
        );
    }
    let summary = fidelity.get("summary");
    if stated != summary {
        verification.problem(
            Some("manifest.json"),
            "counts.fidelity is not the summary of fidelity.json",
        );
    }
    let number = |value: Option<&Value>, key: &str| {
        value
            .and_then(|v| v.get(key))
            .and_then(Value::as_u64)
            .unwrap_or(0)
    };
    let topics: Vec<&Value> = fidelity
        .get("topics")
        .and_then(Value::as_array)
        .map(|t| t.iter().collect())
        .unwrap_or_default();
    let named: Vec<(&str, &str)> = documents
        .themes
        .as_ref()
        .and_then(|t| t.get("themes"))
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .flat_map(|theme| {
            let name = theme
                .get("name")
                .and_then(Value::as_str)
                .unwrap_or_default();
            theme
                .get("topics")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .map(move |t| {
                    (
                        name,
                        t.get("name").and_then(Value::as_str).unwrap_or_default(),
                    )
                })
        })
        .collect();
    let listed: Vec<(&str, &str)> = topics
        .iter()
        .map(|t| {
            (
                t.get("theme").and_then(Value::as_str).unwrap_or_default(),
                t.get("topic").and_then(Value::as_str).unwrap_or_default(),
            )
        })
        .collect();
    if listed != named {
        problem(
            verification,
            format!(
                "lists {} topics that are not the {} topics of themes.json in their order",
                listed.len(),
                named.len()
            ),
        );
    }
    let compared = number(summary, "calls_compared");
    let (mut matched, mut at_100, mut below_90, mut not_seen) = (0, 0, 0, 0);
    for (i, topic) in topics.iter().enumerate() {
        let calls = topic.get("calls");
        let side = |key: &str| number(calls, key);
        let what = format!("topics/{i}");
        if side("both") + side("only_chorus") != side("chorus")
            || side("both") + side("only_triggers") != side("triggers")
        {
            problem(
                verification,
                format!("{what}: calls.both and calls.only_* do not add up to calls.chorus and calls.triggers"),
            );
        }
        if side("chorus").max(side("triggers")) > compared {
            problem(
                verification,
                format!("{what}: more calls than the {compared} compared"),
            );
        }
        let either = side("both") + side("only_chorus") + side("only_triggers");
        let expected = (either > 0).then(|| (side("both") * 1000 / either) as f64 / 10.0);
        let agreement = topic.get("agreement_percent").and_then(Value::as_f64);
        if agreement != expected {
            problem(
                verification,
                format!("{what}: agreement_percent is not calls.both out of the calls either side found"),
            );
        }
        matched += u64::from(topic.get("chorus_tracker").is_some_and(Value::is_string));
        match expected {
            None => not_seen += 1,
            Some(percent) => {
                at_100 += u64::from(percent >= 100.0);
                below_90 += u64::from(percent < 90.0);
            }
        }
    }
    for (key, actual) in [
        ("topics", topics.len() as u64),
        ("topics_matched", matched),
        ("topics_at_100", at_100),
        ("topics_below_90", below_90),
        ("topics_not_seen", not_seen),
    ] {
        if number(summary, key) != actual {
            problem(
                verification,
                format!(
                    "summary.{key} is {}, but its topics give {actual}",
                    number(summary, key)
                ),
            );
        }
    }
}

/// Entry names: no repeats, and every one a path format v1 can hold.
fn check_names(entries: &[ReadEntry], verification: &mut Verification) {
    let mut seen = BTreeSet::new();
    for entry in entries {
        if !seen.insert(entry.name.as_str()) {
            verification.problem(Some(&entry.name), "appears more than once in the zip");
        }
        let name = entry.name.as_str();
        let known = matches!(
            name,
            "manifest.json"
                | "themes.json"
                | "report.json"
                | "report.csv"
                | "calls.jsonl"
                | "users.json"
                | "users.csv"
                | "fidelity.json"
        ) || name
            .strip_prefix("transcripts/")
            .and_then(|rest| rest.strip_suffix(".json"))
            .is_some_and(is_lower_hex_id)
            || name
                .strip_prefix("media/")
                .and_then(|rest| rest.split_once('.'))
                .is_some_and(|(id, ext)| {
                    is_lower_hex_id(id) && matches!(ext, "mp4" | "m4a" | "mp3" | "wav" | "webm")
                });
        if !known {
            verification.problem(
                Some(name),
                "is not a file of an Outdoo import package (format v1)",
            );
        }
    }
}

fn is_lower_hex_id(id: &str) -> bool {
    id.len() == 32 && id.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

/// The manifest: last, valid, and listing every other entry exactly.
/// Returns it when it could be read.
fn check_manifest(
    entries: &[ReadEntry],
    schemas: &Schemas,
    verification: &mut Verification,
) -> Option<Value> {
    let Some(position) = entries.iter().rposition(|e| e.name == "manifest.json") else {
        verification.problem(None, "manifest.json is missing");
        return None;
    };
    if position + 1 != entries.len() {
        verification.problem(Some("manifest.json"), "is not the last entry of the zip");
    }
    let manifest = parse_json(
        entries[position].content.as_deref().unwrap_or_default(),
        "manifest.json",
        verification,
    )?;
    schemas.check("manifest.json", &manifest, "manifest.json", verification);
    let listed: Vec<(&str, Option<u64>, &str)> = manifest
        .get("files")
        .and_then(Value::as_array)
        .map(|files| {
            files
                .iter()
                .map(|f| {
                    (
                        f.get("path").and_then(Value::as_str).unwrap_or_default(),
                        f.get("bytes").and_then(Value::as_u64),
                        f.get("sha256").and_then(Value::as_str).unwrap_or_default(),
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    let others: Vec<&ReadEntry> = entries
        .iter()
        .enumerate()
        .filter(|(i, _)| *i != position)
        .map(|(_, e)| e)
        .collect();
    let mut listed_names = BTreeSet::new();
    for (path, _, _) in &listed {
        if !listed_names.insert(*path) {
            verification.problem(Some(path), "is listed twice in manifest.json");
        }
    }
    let present: BTreeSet<&str> = others.iter().map(|e| e.name.as_str()).collect();
    // The first entry of each name (a repeated name is reported by check_names).
    let mut by_name: BTreeMap<&str, &ReadEntry> = BTreeMap::new();
    for entry in &others {
        by_name.entry(entry.name.as_str()).or_insert(entry);
    }
    for (path, bytes, sha256) in &listed {
        let Some(entry) = by_name.get(path) else {
            verification.problem(
                Some(path),
                "is listed in manifest.json but missing from the zip",
            );
            continue;
        };
        if entry.sha256.is_empty() {
            continue; // unreadable, already reported
        }
        if *bytes != Some(entry.bytes) {
            verification.problem(
                Some(path),
                format!(
                    "holds {} bytes; manifest.json says {}",
                    entry.bytes,
                    bytes.map_or("nothing".to_string(), |b| b.to_string())
                ),
            );
        }
        if entry.sha256 != *sha256 {
            verification.problem(
                Some(path),
                format!("SHA-256 is {}; manifest.json says {sha256}", entry.sha256),
            );
        }
    }
    for entry in &others {
        if !listed_names.contains(entry.name.as_str()) {
            verification.problem(
                Some(&entry.name),
                "is in the zip but not listed in manifest.json",
            );
        }
    }
    let in_both = |name: &&str| listed_names.contains(name) && present.contains(name);
    let listed_order: Vec<&str> = listed.iter().map(|(p, _, _)| *p).filter(in_both).collect();
    let zip_order: Vec<&str> = others
        .iter()
        .map(|e| e.name.as_str())
        .filter(in_both)
        .collect();
    if listed_order != zip_order {
        verification.problem(
            Some("manifest.json"),
            "lists the files in another order than the zip holds them",
        );
    }
    Some(manifest)
}

/// What the documents hold, for the counts.
#[derive(Default)]
struct Documents {
    themes: Option<Value>,
    fidelity: Option<Value>,
    report: Option<ReportFacts>,
    users: Option<Value>,
    /// Lines of calls.jsonl, when present.
    calls: Option<Vec<CallFacts>>,
    has_users_csv: bool,
}

/// Checks a document other than the manifest and the transcripts against
/// its schema, alone, and keeps what the checks across files need of it.
fn check_document(name: &str, content: &[u8], schemas: &Schemas) -> Option<CheckedDocument> {
    let mut verification = Verification::default();
    let facts = match name {
        "themes.json" | "report.json" | "users.json" | "fidelity.json" => {
            match parse_json(content, name, &mut verification) {
                None => Facts::Unreadable,
                Some(value) => {
                    schemas.check(name, &value, name, &mut verification);
                    match name {
                        "themes.json" => Facts::Themes(value),
                        "report.json" => Facts::Report(report_facts(&value)),
                        "fidelity.json" => Facts::Fidelity(value),
                        _ => Facts::Users(value),
                    }
                }
            }
        }
        "calls.jsonl" => {
            let mut calls = Vec::new();
            let text = String::from_utf8_lossy(content);
            if !text.is_empty() && !text.ends_with('\n') {
                verification.problem(Some(name), "does not end with a newline");
            }
            for (i, line) in text.lines().enumerate() {
                let what = format!("calls.jsonl line {}", i + 1);
                if let Some(call) = parse_json(line.as_bytes(), &what, &mut verification) {
                    schemas.check("calls.jsonl", &call, &what, &mut verification);
                    let field = |key: &str| {
                        let value = call.get(key).filter(|v| !v.is_null());
                        (
                            value.is_some(),
                            value.and_then(Value::as_str).map(str::to_string),
                        )
                    };
                    calls.push(CallFacts {
                        source_id: call
                            .get("source_id")
                            .and_then(Value::as_str)
                            .unwrap_or_default()
                            .to_string(),
                        transcript: field("transcript"),
                        media: field("media"),
                    });
                }
            }
            Facts::Calls(calls)
        }
        "report.csv" | "users.csv" => Facts::Csv,
        _ => return None,
    };
    Some(CheckedDocument {
        problems: verification.problems,
        facts,
    })
}

fn report_facts(report: &Value) -> ReportFacts {
    let mut facts = ReportFacts::default();
    let entries = report.get("entries").and_then(Value::as_array);
    for entry in entries.into_iter().flatten() {
        let severity = entry.get("severity").and_then(Value::as_str);
        if let Some(i) = SEVERITIES.iter().position(|s| Some(*s) == severity) {
            facts.entries[i] += 1;
        }
    }
    let own = |key: &str| count(report.get("counts").and_then(|c| c.get(key)));
    for (i, severity) in SEVERITIES.iter().enumerate() {
        facts.own[i] = own(severity);
    }
    facts.skipped = report
        .get("skipped")
        .and_then(Value::as_array)
        .map_or(0, Vec::len);
    facts.own_skipped = own("skipped");
    facts
}

/// A transcript against its schema and its own name.
fn check_transcript(
    name: &str,
    content: &[u8],
    schemas: &Schemas,
    verification: &mut Verification,
) {
    if let Some(value) = parse_json(content, name, verification) {
        schemas.check("transcripts/", &value, name, verification);
        let expected = name
            .strip_prefix("transcripts/")
            .and_then(|n| n.strip_suffix(".json"));
        if value.get("source_id").and_then(Value::as_str) != expected {
            verification.problem(Some(name), "its source_id is not the id in its name");
        }
    }
}

/// Every other JSON file against its schema; calls.jsonl's paths against the zip.
fn check_documents(entries: &mut [ReadEntry], verification: &mut Verification) -> Documents {
    let mut documents = Documents::default();
    for entry in entries.iter_mut() {
        let Some(document) = entry.document.take() else {
            continue;
        };
        verification.problems.extend(document.problems);
        match document.facts {
            Facts::Themes(value) => documents.themes = Some(value),
            Facts::Fidelity(value) => documents.fidelity = Some(value),
            Facts::Users(value) => documents.users = Some(value),
            Facts::Report(facts) => documents.report = Some(facts),
            Facts::Calls(calls) => documents.calls = Some(calls),
            Facts::Csv if entry.name == "users.csv" => documents.has_users_csv = true,
            Facts::Csv | Facts::Unreadable => {}
        }
    }
    let entries = &*entries;
    let names: BTreeSet<&str> = entries.iter().map(|e| e.name.as_str()).collect();
    for required in ["themes.json", "report.json", "report.csv"] {
        if !names.contains(required) {
            verification.problem(Some(required), "is missing from the package");
        }
    }
    // Paths named by calls.jsonl exist; every transcript and recording has its call.
    let mut named = BTreeSet::new();
    for (i, call) in documents.calls.iter().flatten().enumerate() {
        let id = &call.source_id;
        for (field, (_, path)) in [("transcript", &call.transcript), ("media", &call.media)] {
            let Some(path) = path.as_deref() else {
                continue;
            };
            let what = format!("calls.jsonl line {}", i + 1);
            let expected_prefix = if field == "transcript" {
                format!("transcripts/{id}.")
            } else {
                format!("media/{id}.")
            };
            if !path.starts_with(&expected_prefix) {
                verification.problem(
                    Some(&what),
                    format!("{field} {path} is not named by the call's id"),
                );
            }
            if !names.contains(path) {
                verification.problem(Some(&what), format!("{field} {path} is not in the zip"));
            }
            named.insert(path);
        }
    }
    for entry in entries {
        let name = entry.name.as_str();
        if (name.starts_with("transcripts/") || name.starts_with("media/")) && !named.contains(name)
        {
            verification.problem(Some(name), "belongs to no call in calls.jsonl");
        }
    }
    let call_files = [
        documents.calls.is_some(),
        documents.users.is_some() || names.contains("users.json"),
        documents.has_users_csv,
    ];
    if call_files.iter().any(|x| *x) && !call_files.iter().all(|x| *x) {
        verification.problem(
            None,
            "a package with calls holds calls.jsonl, users.json and users.csv together; some are missing",
        );
    }
    documents
}

fn count(value: Option<&Value>) -> Option<u64> {
    value.and_then(Value::as_u64)
}

fn expect_count(
    what: &str,
    stated: Option<u64>,
    actual: usize,
    source: &str,
    verification: &mut Verification,
) {
    if let Some(stated) = stated {
        if stated != actual as u64 {
            verification.problem(
                Some("manifest.json"),
                format!("counts.{what} is {stated}, but {source} holds {actual}"),
            );
        }
    }
}

/// The manifest's counts against the documents.
fn check_counts(manifest: &Value, documents: &Documents, verification: &mut Verification) {
    let counts = manifest.get("counts");
    let field = |name: &str| count(counts.and_then(|c| c.get(name)));
    if let Some(themes) = documents
        .themes
        .as_ref()
        .and_then(|t| t.get("themes"))
        .and_then(Value::as_array)
    {
        let topics: Vec<&Value> = themes
            .iter()
            .filter_map(|t| t.get("topics").and_then(Value::as_array))
            .flatten()
            .collect();
        let needs_review = topics
            .iter()
            .filter(|t| t.get("status").and_then(Value::as_str) == Some("needs_review"))
            .count();
        let triggers: usize = topics
            .iter()
            .filter_map(|t| t.get("triggers").and_then(Value::as_array))
            .map(Vec::len)
            .sum();
        expect_count(
            "themes",
            field("themes"),
            themes.len(),
            "themes.json",
            verification,
        );
        expect_count(
            "topics",
            field("topics"),
            topics.len(),
            "themes.json",
            verification,
        );
        expect_count(
            "needs_review",
            field("needs_review"),
            needs_review,
            "themes.json",
            verification,
        );
        expect_count(
            "triggers",
            field("triggers"),
            triggers,
            "themes.json",
            verification,
        );
    }
    if let Some(report) = &documents.report {
        for (i, severity) in SEVERITIES.iter().enumerate() {
            let actual = report.entries[i];
            let stated = count(
                counts
                    .and_then(|c| c.get("report"))
                    .and_then(|r| r.get(severity)),
            );
            expect_count(
                &format!("report.{severity}"),
                stated,
                actual,
                "report.json",
                verification,
            );
            if report.own[i].is_some_and(|own| own != actual as u64) {
                verification.problem(
                    Some("report.json"),
                    format!("counts.{severity} does not match its {actual} {severity} entries"),
                );
            }
        }
    }
    let has_call_counts = field("calls").is_some();
    if has_call_counts != documents.calls.is_some() {
        verification.problem(
            Some("manifest.json"),
            if has_call_counts {
                "counts calls, but the package has no calls.jsonl"
            } else {
                "has no call counts, but the package holds calls.jsonl"
            },
        );
    }
    if let Some(calls) = &documents.calls {
        let transcripts = calls.iter().filter(|c| c.transcript.0).count();
        let media = calls.iter().filter(|c| c.media.0).count();
        expect_count(
            "calls",
            field("calls"),
            calls.len(),
            "calls.jsonl",
            verification,
        );
        expect_count(
            "transcripts",
            field("transcripts"),
            transcripts,
            "calls.jsonl",
            verification,
        );
        expect_count("media", field("media"), media, "calls.jsonl", verification);
        let skipped = documents.report.as_ref().map_or(0, |r| r.skipped);
        let own = documents.report.as_ref().and_then(|r| r.own_skipped);
        if own.is_some_and(|own| own != skipped as u64) {
            verification.problem(
                Some("report.json"),
                format!("counts.skipped does not match its {skipped} skipped calls"),
            );
        }
        expect_count(
            "skipped_calls",
            field("skipped_calls"),
            skipped,
            "report.json",
            verification,
        );
        if let Some(users) = documents
            .users
            .as_ref()
            .and_then(|u| u.get("users"))
            .and_then(Value::as_array)
        {
            let to_create = users
                .iter()
                .filter(|u| u.get("action").and_then(Value::as_str) == Some("create"))
                .count();
            expect_count(
                "users",
                field("users"),
                users.len(),
                "users.json",
                verification,
            );
            expect_count(
                "users_to_create",
                field("users_to_create"),
                to_create,
                "users.json",
                verification,
            );
        }
    }
}

/// What the checks across parts need of one part: its manifest's number,
/// inputs and counts, its calls' ids and its users' emails and actions.
struct PartFacts {
    number: Option<u64>,
    inputs: Value,
    counts: Value,
    calls: Vec<String>,
    users: Vec<(String, String)>,
}

/// Reads a part's manifest, `calls.jsonl` and `users.json` (the rest was
/// checked by `verify_package`).
fn part_facts<R: Read + Seek>(reader: R, limits: &Limits) -> Result<PartFacts, String> {
    let mut zip = zip::ZipArchive::new(reader).map_err(|e| format!("is not a zip: {e}"))?;
    let mut read = |name: &str| -> Result<Option<Vec<u8>>, String> {
        let Ok(entry) = zip.by_name(name) else {
            return Ok(None);
        };
        let mut bytes = Vec::new();
        entry
            .take(limits.max_json_entry_bytes)
            .read_to_end(&mut bytes)
            .map_err(|e| format!("{name}: cannot be read: {e}"))?;
        Ok(Some(bytes))
    };
    let manifest: Value = read("manifest.json")?
        .and_then(|bytes| serde_json::from_slice(&bytes).ok())
        .ok_or("has no readable manifest.json")?;
    let calls = read("calls.jsonl")?
        .map(|bytes| {
            bytes
                .split(|b| *b == b'\n')
                .filter(|line| !line.is_empty())
                .filter_map(|line| serde_json::from_slice::<Value>(line).ok())
                .filter_map(|call| call.get("source_id")?.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default();
    let users = read("users.json")?
        .and_then(|bytes| serde_json::from_slice::<Value>(&bytes).ok())
        .and_then(|users| users.get("users").and_then(Value::as_array).cloned())
        .unwrap_or_default()
        .iter()
        .filter_map(|user| {
            let text = |key: &str| user.get(key).and_then(Value::as_str).map(str::to_string);
            Some((text("email")?, text("action")?))
        })
        .collect();
    Ok(PartFacts {
        number: manifest.get("part").and_then(Value::as_u64),
        inputs: manifest.get("inputs").cloned().unwrap_or(Value::Null),
        counts: manifest.get("counts").cloned().unwrap_or(Value::Null),
        calls,
        users,
    })
}

/// A part file, opened by the name the index gives it.
pub trait PartFiles {
    type Part: Read + Seek;
    fn open(&mut self, name: &str) -> std::io::Result<Self::Part>;
}

/// Checks a package split into parts, as a set, from its index (the JSON
/// `index`, named `index_name`): the index against its schema; every part
/// it names there (`parts.open`), of its size and SHA-256, sound on its
/// own (`verify_package`), numbered in order; and across them: no call in
/// two parts, each user created by one part only, the same inputs and
/// themes, and the calls, transcripts, recordings, skipped calls, users
/// and users to create adding up to the index's counts. Problems name the
/// part (`outdoo-import-part-002.zip: calls.jsonl ...`).
pub fn verify_parts(
    index_name: &str,
    index: &[u8],
    parts: &mut dyn PartFiles<Part = impl Read + Seek>,
) -> Verification {
    verify_parts_with(index_name, index, parts, &Limits::default())
}

fn verify_parts_with<R: Read + Seek>(
    index_name: &str,
    index: &[u8],
    parts: &mut dyn PartFiles<Part = R>,
    limits: &Limits,
) -> Verification {
    let mut verification = Verification::default();
    let Some(index) = parse_json(index, index_name, &mut verification) else {
        return verification;
    };
    let schemas = Schemas::get();
    schemas.check("parts-index", &index, index_name, &mut verification);
    if !verification.is_ok() {
        return verification;
    }
    let listed = index["parts"].as_array().cloned().unwrap_or_default();
    let mut facts = Vec::new();
    for (position, listed) in listed.iter().enumerate() {
        let name = listed["name"].as_str().unwrap_or_default().to_string();
        let problem = |verification: &mut Verification, message: String| {
            verification.problem(Some(&name), message)
        };
        let mut file = match parts.open(&name) {
            Ok(file) => file,
            Err(e) => {
                problem(
                    &mut verification,
                    format!(
                        "cannot be read ({e}); the index names it as part {}",
                        position + 1
                    ),
                );
                continue;
            }
        };
        let mut hashing = HashingWriter::new(std::io::sink());
        if let Err(e) = std::io::copy(&mut file, &mut hashing) {
            problem(&mut verification, format!("cannot be read: {e}"));
            continue;
        }
        let (_, bytes, sha256) = hashing.finish();
        let sha256 = sha256.unwrap_or_default();
        if Some(bytes) != listed["bytes"].as_u64()
            || Some(sha256.as_str()) != listed["sha256"].as_str()
        {
            problem(
                &mut verification,
                format!("is {bytes} bytes with SHA-256 {sha256}, not the part the index names ({} bytes, {})", listed["bytes"], listed["sha256"]),
            );
            continue;
        }
        // The same file, read again from its start by each check.
        let alone = verify_package_with(&mut file, limits);
        verification.entries += alone.entries;
        for found in alone.problems {
            let entry = match &found.entry {
                Some(entry) => format!("{name}: {entry}"),
                None => name.clone(),
            };
            verification.problem(Some(&entry), found.message);
        }
        let part = match part_facts(&mut file, limits) {
            Ok(part) => part,
            Err(message) => {
                problem(&mut verification, message);
                continue;
            }
        };
        if part.number != Some(position as u64 + 1) {
            problem(
                &mut verification,
                format!(
                    "is part {} by its manifest, but the index lists it as part {}",
                    part.number.map_or("(none)".to_string(), |n| n.to_string()),
                    position + 1
                ),
            );
        }
        if part.inputs != index["inputs"] {
            problem(
                &mut verification,
                "lists other inputs than the index: it is a part of another run".to_string(),
            );
        }
        if listed["calls"].as_u64() != Some(part.calls.len() as u64) {
            problem(
                &mut verification,
                format!(
                    "holds {} calls, the index says {}",
                    part.calls.len(),
                    listed["calls"]
                ),
            );
        }
        for key in ["themes", "topics", "needs_review", "triggers"] {
            if part.counts[key] != index["counts"][key] {
                problem(
                    &mut verification,
                    format!(
                        "counts {} {key}, the index {}",
                        part.counts[key], index["counts"][key]
                    ),
                );
            }
        }
        facts.push((name, part));
    }
    if !verification.is_ok() {
        return verification;
    }
    let mut seen: BTreeMap<&str, &str> = BTreeMap::new();
    let mut created: BTreeMap<&str, &str> = BTreeMap::new();
    let mut users = BTreeSet::new();
    for (name, part) in &facts {
        for call in &part.calls {
            if let Some(first) = seen.insert(call, name) {
                verification.problem(
                    Some(name),
                    format!("holds the call {call}, which {first} holds too"),
                );
            }
        }
        for (email, action) in &part.users {
            users.insert(email.as_str());
            if action == "create" {
                if let Some(first) = created.insert(email, name) {
                    verification.problem(
                        Some(name),
                        format!("creates the user {email}, whom {first} creates already"),
                    );
                }
            }
        }
    }
    let counts = &index["counts"];
    let sum = |key: &str| {
        facts
            .iter()
            .filter_map(|(_, part)| part.counts[key].as_u64())
            .sum::<u64>()
    };
    let totals = [
        ("calls", sum("calls")),
        ("transcripts", sum("transcripts")),
        ("media", sum("media")),
        ("skipped_calls", sum("skipped_calls")),
        ("users", users.len() as u64),
        ("users_to_create", sum("users_to_create")),
    ];
    for (key, total) in totals {
        if let Some(stated) = counts[key].as_u64() {
            if stated != total {
                verification.problem(
                    Some(index_name),
                    format!("counts.{key} is {stated}, but the parts hold {total}"),
                );
            }
        }
    }
    verification
}
