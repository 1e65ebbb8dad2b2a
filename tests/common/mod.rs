//! Test helpers shared by the package tests: unpack a package, validate it
//! (through the library's `verify`: schemas, manifest, paths, counts), and
//! compare it with a golden copy under tests/golden/.
#![allow(dead_code)]

use std::io::{Cursor, Read, Write};
use std::path::{Path, PathBuf};
use zip::write::SimpleFileOptions;

/// Runs the built binary: exit code, stdout, stderr.
pub fn cli(args: &[&str]) -> (i32, String, String) {
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_chorus2outdoo"))
        .args(args)
        .output()
        .unwrap();
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

/// An empty folder of this test run's own under the system's temp folder.
pub fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("chorus2outdoo-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

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

/// Validates a whole package with the library's own check (`verify`): every
/// JSON file against its schema, the manifest's sizes and checksums against
/// the entries, no entry missing or extra, manifest last, counts and paths.
/// Panics listing every problem; returns the unpacked entries.
pub fn validate_package(package: &[u8]) -> Vec<(String, Vec<u8>)> {
    let verification = chorus2outdoo::verify_package_bytes(package);
    let problems: Vec<String> = verification
        .problems
        .iter()
        .map(|p| p.to_string())
        .collect();
    assert!(
        problems.is_empty(),
        "the package does not verify:\n{}",
        problems.join("\n")
    );
    let entries = unzip(package);
    assert_eq!(verification.entries, entries.len());
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

/// The files under `dir`, as (path with `/` relative to `dir`, path), sorted.
pub fn files_under(dir: &Path) -> Vec<(String, PathBuf)> {
    fn walk(root: &Path, dir: &Path, out: &mut Vec<(String, PathBuf)>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                walk(root, &path, out);
            } else {
                let name = path
                    .strip_prefix(root)
                    .unwrap()
                    .components()
                    .map(|c| c.as_os_str().to_string_lossy())
                    .collect::<Vec<_>>()
                    .join("/");
                out.push((name, path));
            }
        }
    }
    let mut out = Vec::new();
    walk(dir, dir, &mut out);
    out.sort();
    out
}

/// Zips a fixture folder (deflated, fixed timestamps) and adds `extra`
/// entries whose names a folder cannot hold.
pub fn zip_folder(dir: &Path, extra: &[(&str, &[u8])]) -> Vec<u8> {
    let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let options = SimpleFileOptions::default().last_modified_time(zip::DateTime::default());
    zip.add_directory("export/", options).unwrap();
    for (name, path) in files_under(dir) {
        zip.start_file(name, options).unwrap();
        zip.write_all(&std::fs::read(path).unwrap()).unwrap();
    }
    for (name, bytes) in extra {
        zip.start_file(*name, options).unwrap();
        zip.write_all(bytes).unwrap();
    }
    zip.finish().unwrap().into_inner()
}

/// Converts a zip of call archives (named `chorus-export.zip`) with an
/// optional roster: the conversion and its package.
pub fn convert_zip(
    zip: &[u8],
    roster: Option<&chorus2outdoo::InputFile>,
    options: &chorus2outdoo::Options,
) -> (chorus2outdoo::Conversion, Vec<u8>) {
    use chorus2outdoo::ArchiveSource;
    let mut source = chorus2outdoo::ZipSource::new("chorus-export.zip", Cursor::new(zip)).unwrap();
    let mut sources: Vec<&mut dyn ArchiveSource> = vec![&mut source];
    let conversion =
        chorus2outdoo::convert_with_archives(&[], &mut sources, roster, options).unwrap();
    let package = conversion
        .write_package_with(&mut sources, Vec::new())
        .unwrap();
    (conversion, package)
}

/// Writes the sample archive of `calls` calls made with `seed` to `path`
/// (`chorus2outdoo sample`).
pub fn sample_archive(path: &Path, calls: u32, seed: u32) {
    let (code, _, err) = cli(&[
        "--quiet",
        "sample",
        "--calls",
        &calls.to_string(),
        "--seed",
        &seed.to_string(),
        "--out",
        path.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{err}");
}

/// The archive tests/fixtures/archive_tracker_hits, zipped: calls whose
/// Chorus tracker hits the fidelity and edits tests compare with.
pub fn tracker_hits_zip() -> Vec<u8> {
    zip_folder(&repo().join("tests/fixtures/archive_tracker_hits"), &[])
}

/// Converts `files` (tracker exports, edits) with the tracker-hits archive
/// (named `tracker-hits.zip`): the conversion and its package.
pub fn convert_with_tracker_hits(
    files: &[chorus2outdoo::InputFile],
    options: &chorus2outdoo::Options,
) -> (chorus2outdoo::Conversion, Vec<u8>) {
    use chorus2outdoo::ArchiveSource;
    let zip = tracker_hits_zip();
    let mut source =
        chorus2outdoo::ZipSource::new("tracker-hits.zip", Cursor::new(&zip[..])).unwrap();
    let mut sources: Vec<&mut dyn ArchiveSource> = vec![&mut source];
    let conversion =
        chorus2outdoo::convert_with_archives(files, &mut sources, None, options).unwrap();
    let package = conversion
        .write_package_with(&mut sources, Vec::new())
        .unwrap();
    (conversion, package)
}

/// A JSON entry of a package's bytes.
pub fn package_entry(package: &[u8], name: &str) -> serde_json::Value {
    let (_, bytes) = unzip(package)
        .into_iter()
        .find(|(n, _)| n == name)
        .unwrap_or_else(|| panic!("{name} is not in the package"));
    serde_json::from_slice(&bytes).unwrap()
}

/// Converts the folder tests/fixtures/<name>, zipped: the conversion and
/// the package's entries, validated.
pub fn convert_fixture_folder(
    name: &str,
    options: &chorus2outdoo::Options,
) -> (chorus2outdoo::Conversion, Vec<(String, Vec<u8>)>) {
    let zip = zip_folder(&repo().join("tests/fixtures").join(name), &[]);
    let (conversion, package) = convert_zip(&zip, None, options);
    let entries = validate_package(&package);
    (conversion, entries)
}

/// A JSON entry of a package.
pub fn json_entry(entries: &[(String, Vec<u8>)], name: &str) -> serde_json::Value {
    let (_, bytes) = entries
        .iter()
        .find(|(n, _)| n == name)
        .unwrap_or_else(|| panic!("{name} is not in the package"));
    serde_json::from_slice(bytes).unwrap()
}

/// The lines of a package's `calls.jsonl`.
pub fn calls_jsonl(entries: &[(String, Vec<u8>)]) -> Vec<serde_json::Value> {
    let (_, bytes) = entries.iter().find(|(n, _)| n == "calls.jsonl").unwrap();
    String::from_utf8(bytes.clone())
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}
