//! The zip's entries against its manifest: in, every entry as read (name,
//! size, SHA-256); out, the problems with their names (repeats, paths
//! format v1 cannot hold) and with `manifest.json` (not last, not valid,
//! listing an entry missing, extra, repeated, of another size or checksum,
//! or in another order), and the manifest itself when it could be read.

use super::entries::ReadEntry;
use super::schemas::{parse_json, Schemas};
use super::verification::Verification;
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};

/// Entry names: no repeats, and every one a path format v1 can hold.
pub(super) fn check_names(entries: &[ReadEntry], verification: &mut Verification) {
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
pub(super) fn check_manifest(
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
