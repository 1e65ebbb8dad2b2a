//! Test helpers shared by the package tests: unpack a package, validate it
//! against the JSON Schemas in schemas/ and against its own manifest, and
//! compare it with a golden copy under tests/golden/.
#![allow(dead_code)]

use std::collections::BTreeSet;
use std::io::{Cursor, Read};
use std::path::{Path, PathBuf};

pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

pub fn fixture(name: &str) -> chorus2outdoo::InputFile {
    let path = repo().join("tests/fixtures").join(name);
    let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    chorus2outdoo::InputFile {
        name: name.to_string(),
        bytes,
    }
}

/// The entries of a zip, in archive order, with their contents.
pub fn unzip(package: &[u8]) -> Vec<(String, Vec<u8>)> {
    let mut archive = zip::ZipArchive::new(Cursor::new(package)).expect("the package is a zip");
    (0..archive.len())
        .map(|i| {
            let mut entry = archive.by_index(i).unwrap();
            let mut bytes = Vec::new();
            entry.read_to_end(&mut bytes).unwrap();
            (
                entry.name().expect("entry names are UTF-8").to_string(),
                bytes,
            )
        })
        .collect()
}

fn json(bytes: &[u8], what: &str) -> serde_json::Value {
    serde_json::from_slice(bytes).unwrap_or_else(|e| panic!("{what} is not JSON: {e}"))
}

/// Checks `instance` against schemas/<schema>; panics listing every problem.
pub fn assert_schema(schema: &str, instance: &serde_json::Value, what: &str) {
    let schema_path = repo().join("schemas").join(schema);
    let schema_json = json(&std::fs::read(&schema_path).unwrap(), schema);
    let validator = jsonschema::validator_for(&schema_json)
        .unwrap_or_else(|e| panic!("{schema} is not a valid schema: {e}"));
    let problems: Vec<String> = validator
        .iter_errors(instance)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(
        problems.is_empty(),
        "{what} does not match {schema}:\n{}",
        problems.join("\n")
    );
}

fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::Digest;
    sha2::Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Validates a whole package: every JSON file against its schema, the
/// manifest's sizes and checksums against the entries, no entry missing or
/// extra, manifest last. Returns the unpacked entries.
pub fn validate_package(package: &[u8]) -> Vec<(String, Vec<u8>)> {
    let entries = unzip(package);
    let (last, _) = entries.last().expect("the package has entries");
    assert_eq!(last, "manifest.json", "manifest.json is the last entry");
    let manifest = json(&entries.last().unwrap().1, "manifest.json");
    assert_schema("manifest.schema.json", &manifest, "manifest.json");
    let listed: Vec<(String, u64, String)> = manifest["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["path"].as_str().unwrap().to_string(),
                f["bytes"].as_u64().unwrap(),
                f["sha256"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let actual: Vec<(String, u64, String)> = entries[..entries.len() - 1]
        .iter()
        .map(|(name, bytes)| (name.clone(), bytes.len() as u64, sha256_hex(bytes)))
        .collect();
    assert_eq!(
        listed, actual,
        "manifest files list every other entry, in order, with size and sha256"
    );
    let names: BTreeSet<&str> = entries.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(names.len(), entries.len(), "no entry appears twice");
    for (name, bytes) in &entries {
        let schema = match name.as_str() {
            "themes.json" => Some("themes.schema.json"),
            "report.json" => Some("report.schema.json"),
            "users.json" => Some("users.schema.json"),
            n if n.starts_with("transcripts/") => Some("transcript.schema.json"),
            _ => None,
        };
        if let Some(schema) = schema {
            assert_schema(schema, &json(bytes, name), name);
        }
        if name == "calls.jsonl" {
            for (i, line) in String::from_utf8(bytes.clone())
                .unwrap()
                .lines()
                .enumerate()
            {
                assert_schema(
                    "calls.schema.json",
                    &json(line.as_bytes(), "calls.jsonl line"),
                    &format!("calls.jsonl line {}", i + 1),
                );
            }
        }
    }
    entries
}

/// Compares a package with tests/golden/<case>/ entry by entry (names in
/// order in `entries.txt`). With UPDATE_GOLDEN=1 it rewrites the golden copy.
pub fn assert_golden(case: &str, package: &[u8]) {
    let dir = repo().join("tests/golden").join(case);
    let entries = unzip(package);
    let order: String = entries.iter().map(|(n, _)| format!("{n}\n")).collect();
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("entries.txt"), &order).unwrap();
        for (name, bytes) in &entries {
            let path = dir.join(name);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, bytes).unwrap();
        }
        return;
    }
    let expected_order = read(&dir.join("entries.txt"));
    assert_eq!(
        String::from_utf8_lossy(&expected_order),
        order,
        "{case}: entry list differs from the golden copy"
    );
    for (name, bytes) in &entries {
        let expected = read(&dir.join(name));
        if expected != *bytes {
            panic!(
                "{case}: {name} differs from tests/golden/{case}/{name}\n--- expected\n{}\n--- actual\n{}",
                String::from_utf8_lossy(&expected),
                String::from_utf8_lossy(bytes)
            );
        }
    }
}

fn read(path: &Path) -> Vec<u8> {
    std::fs::read(path).unwrap_or_else(|e| {
        panic!(
            "{}: {e} (run with UPDATE_GOLDEN=1 to create it)",
            path.display()
        )
    })
}
