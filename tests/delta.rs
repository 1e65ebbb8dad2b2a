//! Delta runs: a cutover run after the bulk run (`--after-package`) leaves
//! out every call an earlier package holds (`already_migrated`), makes its
//! users `existing`, and still accounts for every engagement once; earlier
//! packages that are not packages, or damaged ones, are refused by name.

mod common;

use common::{cli, sample_archive, scratch, unzip, validate_package};
use serde_json::Value;
use std::collections::BTreeSet;
use std::path::Path;

fn entry(package: &[u8], name: &str) -> Vec<u8> {
    unzip(package)
        .into_iter()
        .find(|(n, _)| n == name)
        .unwrap_or_else(|| panic!("{name} is not in the package"))
        .1
}

/// The Chorus ids of a package's calls.
fn call_ids(package: &[u8]) -> BTreeSet<String> {
    String::from_utf8(entry(package, "calls.jsonl"))
        .unwrap()
        .lines()
        .map(|line| {
            serde_json::from_str::<Value>(line).unwrap()["source_id"]
                .as_str()
                .unwrap()
                .to_string()
        })
        .collect()
}

/// The skipped calls of a package: (id, reason, message).
fn skipped(package: &[u8]) -> Vec<(String, String, String)> {
    let report: Value = serde_json::from_slice(&entry(package, "report.json")).unwrap();
    report["skipped"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            let field = |k: &str| s[k].as_str().unwrap().to_string();
            (field("source_id"), field("reason"), field("message"))
        })
        .collect()
}

fn convert(dir: &Path, out: &str, args: &[&str]) -> (Vec<u8>, String) {
    let out = dir.join(out);
    let mut all = vec!["convert"];
    all.extend_from_slice(args);
    all.extend(["--out", out.to_str().unwrap()]);
    let (code, _, err) = cli(&all);
    assert_eq!(code, 0, "{err}");
    (std::fs::read(out).unwrap(), err)
}

#[test]
fn a_cutover_run_packages_only_what_the_earlier_packages_do_not_hold() {
    let dir = scratch("delta");
    let archive = dir.join("sample.zip");
    sample_archive(&archive, 200, 1);
    let archive = archive.to_str().unwrap();
    let (full, _) = convert(&dir, "full.zip", &["--archive", archive]);
    // Two earlier runs over two periods, then the cutover over everything.
    let (first, _) = convert(
        &dir,
        "first.zip",
        &["--archive", archive, "--to", "2026-10-27"],
    );
    let (second, _) = convert(
        &dir,
        "second.zip",
        &[
            "--archive",
            archive,
            "--from",
            "2026-10-28",
            "--to",
            "2026-10-28",
        ],
    );
    let first_path = dir.join("first.zip");
    let second_path = dir.join("second.zip");
    let (code, out, err) = cli(&["inspect", first_path.to_str().unwrap()]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        out,
        "first.zip: earlier Outdoo import package - 55 calls, 12 users (convert --after-package leaves these calls out and keeps these users)\n"
    );
    let after = |jobs: &str, out: &str| {
        convert(
            &dir,
            out,
            &[
                "--archive",
                archive,
                "--after-package",
                first_path.to_str().unwrap(),
                "--after-package",
                second_path.to_str().unwrap(),
                "--jobs",
                jobs,
            ],
        )
    };
    let (cutover, said) = after("1", "cutover.zip");
    let (again, _) = after("2", "cutover-2.zip");
    assert!(
        cutover == again,
        "the cutover package differs with the number of threads"
    );
    validate_package(&cutover);

    let (full_ids, first_ids, second_ids, new_ids) = (
        call_ids(&full),
        call_ids(&first),
        call_ids(&second),
        call_ids(&cutover),
    );
    assert_eq!(
        (
            full_ids.len(),
            first_ids.len(),
            second_ids.len(),
            new_ids.len()
        ),
        (175, 55, 31, 89)
    );
    assert!(
        first_ids.is_disjoint(&second_ids)
            && new_ids.is_disjoint(&first_ids)
            && new_ids.is_disjoint(&second_ids)
    );
    let union: BTreeSet<String> = first_ids
        .iter()
        .chain(&second_ids)
        .chain(&new_ids)
        .cloned()
        .collect();
    assert_eq!(
        union, full_ids,
        "the three runs together import what one run does"
    );
    assert!(said.contains("86 calls of the archives are in the earlier packages already and were left out (already_migrated)"), "{said}");

    // Every engagement once: imported, or skipped with one reason; the
    // calls of the earlier packages as already_migrated, naming the package.
    let skips = skipped(&cutover);
    assert_eq!(new_ids.len() + skips.len(), 200);
    let migrated: Vec<&(String, String, String)> =
        skips.iter().filter(|s| s.1 == "already_migrated").collect();
    assert_eq!(migrated.len(), 86);
    for (id, _, message) in &migrated {
        let package = if first_ids.contains(id) {
            "first.zip"
        } else {
            "second.zip"
        };
        assert!(second_ids.contains(id) || first_ids.contains(id));
        assert_eq!(
            message,
            &format!("already migrated: the earlier package {package} holds this call")
        );
    }
    let others: Vec<_> = skips
        .iter()
        .filter(|s| s.1 != "already_migrated")
        .cloned()
        .collect();
    assert_eq!(
        others,
        skipped(&full),
        "the other calls are left out as in one run"
    );

    // The users the earlier runs created are existing now, with their role.
    let users: Value = serde_json::from_slice(&entry(&cutover, "users.json")).unwrap();
    let earlier: Value = serde_json::from_slice(&entry(&first, "users.json")).unwrap();
    let created: BTreeSet<&str> = earlier["users"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["email"].as_str().unwrap())
        .collect();
    for user in users["users"].as_array().unwrap() {
        let email = user["email"].as_str().unwrap();
        assert_eq!(
            user["action"],
            if created.contains(email) {
                "existing"
            } else {
                "create"
            },
            "{email}"
        );
        assert_eq!(user["role"], "Analyst");
    }
    assert_eq!(users["users"].as_array().unwrap().len(), 12);
    assert!(users["users"]
        .as_array()
        .unwrap()
        .iter()
        .all(|u| u["action"] == "existing"));

    // The manifest names the earlier packages as inputs.
    let manifest: Value = serde_json::from_slice(&entry(&cutover, "manifest.json")).unwrap();
    let kinds: Vec<(&str, &str)> = manifest["inputs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| (i["name"].as_str().unwrap(), i["kind"].as_str().unwrap()))
        .collect();
    assert_eq!(
        kinds,
        [
            ("sample.zip", "call_archive"),
            ("first.zip", "outdoo_package"),
            ("second.zip", "outdoo_package")
        ]
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn an_earlier_package_that_is_not_one_is_refused_by_name() {
    let dir = scratch("delta-refused");
    let archive = dir.join("sample.zip");
    sample_archive(&archive, 20, 3);
    let archive = archive.to_str().unwrap();
    let refused = |package: &Path| {
        let out = dir.join("out.zip");
        let (code, _, err) = cli(&[
            "convert",
            "--archive",
            archive,
            "--after-package",
            package.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
        ]);
        assert_eq!(code, 1, "{err}");
        assert!(!out.exists());
        err.trim().to_string()
    };
    let csv = dir.join("trackers.csv");
    std::fs::write(&csv, "Name,Keywords\nPricing,price\n").unwrap();
    assert!(refused(&csv).starts_with("error: trackers.csv: this is not an Outdoo import package written by chorus2outdoo (not a zip"), "{}", refused(&csv));
    // The archive itself is a zip, but no package.
    assert_eq!(
        refused(Path::new(archive)),
        "error: sample.zip: this is not an Outdoo import package written by chorus2outdoo (no manifest.json); give the package an earlier conversion wrote"
    );
    // A package whose calls.jsonl is damaged: the line is named.
    let (package, _) = convert(&dir, "earlier.zip", &["--archive", archive]);
    let mut entries = unzip(&package);
    for (name, bytes) in &mut entries {
        if name == "calls.jsonl" {
            let mut lines: Vec<String> = String::from_utf8(bytes.clone())
                .unwrap()
                .lines()
                .map(str::to_string)
                .collect();
            lines[2] = "{\"source_id\": \"12345\"}".to_string();
            *bytes = format!("{}\n", lines.join("\n")).into_bytes();
        }
    }
    let damaged = dir.join("damaged.zip");
    let sources = entries.iter().map(|(n, b)| (n.clone(), &b[..]));
    let zip = chorus2outdoo::fetch::write_archive(std::io::Cursor::new(Vec::new()), sources)
        .unwrap()
        .into_inner();
    std::fs::write(&damaged, zip).unwrap();
    assert_eq!(
        refused(&damaged),
        "error: damaged.zip entry calls.jsonl row 3: not a call line with a 32-hex source_id; the package is damaged (check it with chorus2outdoo verify)"
    );
    // `inspect` tells it from an archive all the same, and names the line.
    let (code, out, err) = cli(&["inspect", damaged.to_str().unwrap()]);
    assert_eq!(code, 1, "{err}");
    assert_eq!(
        out,
        "damaged.zip: earlier Outdoo import package - error: damaged.zip entry calls.jsonl row 3: not a call line with a 32-hex source_id; the package is damaged (check it with chorus2outdoo verify)\n"
    );
    // Without an archive there is nothing to leave out.
    let (code, _, err) = cli(&[
        "convert",
        "--trackers",
        csv.to_str().unwrap(),
        "--after-package",
        damaged.to_str().unwrap(),
        "--out",
        dir.join("x.zip").to_str().unwrap(),
    ]);
    assert_eq!(code, 2, "{err}");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn an_earlier_package_is_told_from_other_zips_by_its_listing() {
    use chorus2outdoo::read::earlier::earlier_package_in;
    use chorus2outdoo::ZipSource;
    use std::io::Cursor;
    let dir = scratch("delta-told");
    let archive = dir.join("sample.zip");
    sample_archive(&archive, 20, 3);
    let (package, _) = convert(
        &dir,
        "meetings.zip",
        &[
            "--archive",
            archive.to_str().unwrap(),
            "--calls",
            "meetings",
        ],
    );
    let zip = |name: &str, bytes: Vec<u8>| ZipSource::unhashed(name, Cursor::new(bytes)).unwrap();

    let read = earlier_package_in(&mut zip("meetings.zip", package.clone()))
        .unwrap()
        .unwrap();
    assert_eq!(
        read.summary(),
        chorus2outdoo::read::earlier::PackageSummary {
            name: "meetings.zip".into(),
            calls: 15,
            users: 8
        }
    );
    assert_eq!(
        read,
        chorus2outdoo::read::earlier::read_earlier_package(
            "meetings.zip",
            Cursor::new(&package),
            package.len() as u64
        )
        .unwrap()
    );
    assert_eq!(
        serde_json::to_value(chorus2outdoo::inspect_package("meetings.zip", &Ok(read))).unwrap(),
        serde_json::json!({
            "name": "meetings.zip", "kind": "outdoo_package", "kind_label": "earlier Outdoo import package",
            "trackers": 0, "phrases": 0, "problems": 0, "error": null,
            "package": {"name": "meetings.zip", "calls": 15, "users": 8},
        })
    );
    // A call archive, and zips ending with a manifest.json of another format or none readable: no package.
    assert!(earlier_package_in(&mut zip("sample.zip", std::fs::read(&archive).unwrap())).is_none());
    let write = |entries: Vec<(&str, &[u8])>| {
        let entries = entries.into_iter().map(|(n, b)| (n.to_string(), b));
        chorus2outdoo::fetch::write_archive(Cursor::new(Vec::new()), entries)
            .unwrap()
            .into_inner()
    };
    let other = write(vec![
        ("calls.jsonl", b""),
        ("manifest.json", br#"{"format": "something-else"}"#),
    ]);
    assert!(earlier_package_in(&mut zip("other.zip", other)).is_none());
    let broken = write(vec![("manifest.json", b"not json")]);
    assert!(earlier_package_in(&mut zip("broken.zip", broken)).is_none());
    // The package's manifest not last: not told as one.
    let mut entries = unzip(&package);
    entries.rotate_right(1);
    let shuffled = write(entries.iter().map(|(n, b)| (n.as_str(), &b[..])).collect());
    assert!(earlier_package_in(&mut zip("shuffled.zip", shuffled)).is_none());
    std::fs::remove_dir_all(&dir).unwrap();
}
