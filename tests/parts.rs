//! Packages split into parts (`--part-size`): each part a package of its
//! own within the size, no call split, the calls of all parts those of the
//! package written whole in the same order, users created once, the run's
//! report in part 1; the index names every part and its checksum, and
//! `verify` of the index finds a missing, altered or misplaced part.
//! Byte-identical across runs and thread counts.

mod common;

use common::{cli, scratch, unzip, validate_package};
use serde_json::Value;
use std::path::Path;

fn entry(package: &[u8], name: &str) -> Option<Vec<u8>> {
    unzip(package)
        .into_iter()
        .find(|(n, _)| n == name)
        .map(|(_, bytes)| bytes)
}

/// Converts the sample with recordings, split at `size`, with `jobs` threads.
fn convert(dir: &Path, out: &str, jobs: &str, size: Option<&str>) -> String {
    let out = dir.join(out);
    let mut args = vec![
        "convert",
        "--trackers",
        dir.join("trackers.csv")
            .to_str()
            .unwrap()
            .to_string()
            .leak(),
        "--archive",
        dir.join("sample.zip").to_str().unwrap().to_string().leak(),
        "--jobs",
        jobs,
        "--out",
        out.to_str().unwrap().to_string().leak(),
    ];
    if let Some(size) = size {
        args.extend(["--part-size", size]);
    }
    let (code, _, err) = cli(&args);
    assert_eq!(code, 0, "{err}");
    err
}

fn sample(name: &str) -> std::path::PathBuf {
    let dir = scratch(name);
    let (code, _, err) = cli(&[
        "--quiet",
        "sample",
        "--calls",
        "300",
        "--seed",
        "1",
        "--media",
        "--out",
        dir.join("sample.zip").to_str().unwrap(),
        "--trackers-out",
        dir.join("trackers.csv").to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{err}");
    dir
}

#[test]
fn parts_hold_the_whole_package_s_calls_within_the_size() {
    let dir = sample("parts");
    convert(&dir, "whole.zip", "1", None);
    let err = convert(&dir, "pkg.zip", "1", Some("400KB"));
    let whole = std::fs::read(dir.join("whole.zip")).unwrap();
    let index: Value =
        serde_json::from_slice(&std::fs::read(dir.join("pkg-index.json")).unwrap()).unwrap();
    let listed = index["parts"].as_array().unwrap();
    assert_eq!(listed.len(), 9, "{err}");
    assert!(err.contains("wrote 9 parts and their index"), "{err}");
    assert_eq!(index["format"], "outdoo-import-package-parts");
    assert_eq!(index["part_size"], 400_000);

    let whole_manifest: Value =
        serde_json::from_slice(&entry(&whole, "manifest.json").unwrap()).unwrap();
    // The index's counts are the whole package's.
    assert_eq!(index["counts"], whole_manifest["counts"]);
    assert_eq!(index["inputs"], whole_manifest["inputs"]);

    let mut lines = Vec::new();
    let mut created = Vec::new();
    let mut emails = std::collections::BTreeSet::new();
    for (i, part) in listed.iter().enumerate() {
        let name = part["name"].as_str().unwrap();
        assert_eq!(name, format!("pkg-part-{:03}.zip", i + 1));
        let bytes = std::fs::read(dir.join(name)).unwrap();
        assert!(
            bytes.len() as u64 <= 400_000,
            "{name} is {} bytes",
            bytes.len()
        );
        assert_eq!(part["bytes"], bytes.len() as u64);
        assert_eq!(part["sha256"], chorus2outdoo::digest::sha256_hex(&bytes));
        // A package of its own: every file against its schema, every checksum.
        validate_package(&bytes);
        assert!(chorus2outdoo::verify_package(std::io::Cursor::new(&bytes)).is_ok());
        let manifest: Value =
            serde_json::from_slice(&entry(&bytes, "manifest.json").unwrap()).unwrap();
        assert_eq!(manifest["part"], i as u64 + 1);
        assert_eq!(entry(&bytes, "themes.json"), entry(&whole, "themes.json"));
        let calls = String::from_utf8(entry(&bytes, "calls.jsonl").unwrap()).unwrap();
        assert_eq!(
            calls.lines().count() as u64,
            part["calls"].as_u64().unwrap()
        );
        for line in calls.lines() {
            let call: Value = serde_json::from_str(line).unwrap();
            let id = call["source_id"].as_str().unwrap();
            // Its transcript and recording are in the same part, the same bytes.
            for path in [&call["transcript"], &call["media"]] {
                let path = path.as_str().unwrap();
                assert_eq!(
                    entry(&bytes, path),
                    entry(&whole, path),
                    "{name}: {path} of {id}"
                );
            }
            lines.push(line.to_string());
        }
        let users: Value = serde_json::from_slice(&entry(&bytes, "users.json").unwrap()).unwrap();
        for user in users["users"].as_array().unwrap() {
            emails.insert(user["email"].as_str().unwrap().to_string());
            if user["action"] == "create" {
                created.push(user["email"].as_str().unwrap().to_string());
            }
            assert_eq!(user["role"], "Analyst");
        }
        let report: Value = serde_json::from_slice(&entry(&bytes, "report.json").unwrap()).unwrap();
        if i == 0 {
            assert_eq!(entry(&bytes, "report.json"), entry(&whole, "report.json"));
            assert_eq!(entry(&bytes, "report.csv"), entry(&whole, "report.csv"));
        } else {
            assert_eq!(report["entries"], serde_json::json!([]));
            assert_eq!(report["skipped"], serde_json::json!([]));
        }
        assert!(
            entry(&bytes, "fidelity.json").is_some(),
            "{name}: its calls' fidelity"
        );
    }
    // Together the parts hold the whole package's calls, in its order.
    let whole_lines: Vec<String> = String::from_utf8(entry(&whole, "calls.jsonl").unwrap())
        .unwrap()
        .lines()
        .map(str::to_string)
        .collect();
    assert_eq!(lines, whole_lines);
    // Every user is created once, by the first part that needs them.
    let whole_users: Value = serde_json::from_slice(&entry(&whole, "users.json").unwrap()).unwrap();
    let all: Vec<String> = whole_users["users"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["email"].as_str().unwrap().to_string())
        .collect();
    created.sort();
    assert_eq!(created, all);
    assert_eq!(emails.into_iter().collect::<Vec<_>>(), all);

    let (code, out, err) = cli(&["verify", dir.join("pkg-index.json").to_str().unwrap()]);
    assert_eq!(code, 0, "{out}{err}");
    assert_eq!(err, "ok: 598 entries verified\n");

    // The parts, given as earlier packages, hold every call of the run.
    let mut args: Vec<String> = [
        "convert",
        "--archive",
        dir.join("sample.zip").to_str().unwrap(),
        "--out",
        dir.join("cutover.zip").to_str().unwrap(),
    ]
    .map(str::to_string)
    .to_vec();
    for part in listed {
        args.extend([
            "--after-package".to_string(),
            dir.join(part["name"].as_str().unwrap())
                .to_str()
                .unwrap()
                .to_string(),
        ]);
    }
    let (code, _, err) = cli(&args.iter().map(String::as_str).collect::<Vec<_>>());
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("263 calls of the archives are in the earlier packages already and were left out (already_migrated)"), "{err}");
}

#[test]
fn parts_are_byte_identical_across_runs_and_threads() {
    let dir = sample("parts-identical");
    convert(&dir, "a.zip", "1", Some("1MB"));
    convert(&dir, "b.zip", "2", Some("1MB"));
    let read = |name: &str| std::fs::read(dir.join(name)).unwrap();
    let index = |name: &str| String::from_utf8(read(name)).unwrap();
    assert_eq!(
        index("a-index.json").replace("a-part-", "b-part-"),
        index("b-index.json")
    );
    let parts = serde_json::from_str::<Value>(&index("a-index.json")).unwrap()["parts"]
        .as_array()
        .unwrap()
        .len();
    assert_eq!(parts, 3);
    for n in 1..=parts {
        assert!(
            read(&format!("a-part-{n:03}.zip")) == read(&format!("b-part-{n:03}.zip")),
            "part {n} differs"
        );
    }
}

#[test]
fn verify_finds_a_missing_altered_or_misplaced_part() {
    let dir = sample("parts-verify");
    convert(&dir, "pkg.zip", "1", Some("1MB"));
    let index = dir.join("pkg-index.json");
    let verify = || {
        let (code, _, err) = cli(&["verify", index.to_str().unwrap()]);
        (code, err)
    };
    let part = |n: u32| dir.join(format!("pkg-part-{n:03}.zip"));
    let second = std::fs::read(part(2)).unwrap();
    let third = std::fs::read(part(3)).unwrap();

    std::fs::remove_file(part(2)).unwrap();
    let (code, err) = verify();
    assert_eq!(code, 1);
    assert!(err.contains("pkg-part-002.zip: cannot be read (No such file or directory (os error 2)); the index names it as part 2"), "{err}");

    // Part 3's bytes under part 2's name: not the part the index names.
    std::fs::write(part(2), &third).unwrap();
    let (code, err) = verify();
    assert_eq!(code, 1);
    assert!(
        err.contains(&format!(
            "pkg-part-002.zip: is {} bytes with SHA-256 {}, not the part the index names",
            third.len(),
            chorus2outdoo::digest::sha256_hex(&third)
        )),
        "{err}"
    );

    // An index that lists a part twice: the calls are in two parts.
    std::fs::write(part(2), &second).unwrap();
    let mut listed: Value = serde_json::from_slice(&std::fs::read(&index).unwrap()).unwrap();
    let first = listed["parts"][0].clone();
    listed["parts"][1] = first;
    std::fs::write(&index, serde_json::to_vec(&listed).unwrap()).unwrap();
    let (code, err) = verify();
    assert_eq!(code, 1);
    assert!(
        err.contains(
            "pkg-part-001.zip: is part 1 by its manifest, but the index lists it as part 2"
        ),
        "{err}"
    );
}
