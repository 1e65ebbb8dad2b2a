//! A package split into parts, checked as a set: in, its index and a way
//! to open each part it names; out, one `Verification` with every part's
//! own problems (named `<part>: <entry>`) and those across parts (sizes and
//! checksums against the index, numbering, inputs, a call in two parts, a
//! user created twice, counts that do not add up).

use super::package::verify_package_with;
use super::schemas::{parse_json, Schemas};
use super::verification::Verification;
use crate::digest::HashingWriter;
use crate::limits::Limits;
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::io::{Read, Seek};

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
