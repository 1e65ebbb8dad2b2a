//! `verify`: every golden package passes; a package with one byte changed,
//! one file removed, one file added, a count off, a path that points nowhere
//! or the manifest out of place fails with a problem naming the entry; the
//! CLI exits 0 or 1 accordingly.

mod common;

use chorus2outdoo::{verify_package_bytes, Verification};
use common::{fixture, repo, unzip};
use std::io::Cursor;
use std::process::Command;

type Entries = Vec<(String, Vec<u8>)>;

/// Zips entries the way packages are written: deflated, recordings stored,
/// fixed timestamps (the archive writer does exactly that).
fn zip_entries(entries: &[(String, Vec<u8>)]) -> Vec<u8> {
    let sources = entries
        .iter()
        .map(|(name, bytes)| (name.clone(), &bytes[..]));
    chorus2outdoo::fetch::write_archive(Cursor::new(Vec::new()), sources)
        .unwrap()
        .into_inner()
}

/// The golden copy of a case, in its entry order.
fn golden(case: &str) -> Entries {
    let dir = repo().join("tests/golden").join(case);
    std::fs::read_to_string(dir.join("entries.txt"))
        .unwrap()
        .lines()
        .map(|name| (name.to_string(), std::fs::read(dir.join(name)).unwrap()))
        .collect()
}

fn problems(verification: &Verification) -> Vec<String> {
    verification
        .problems
        .iter()
        .map(|p| p.to_string())
        .collect()
}

fn assert_problem(package: &[u8], expected: &str) {
    let found = problems(&verify_package_bytes(package));
    assert!(
        found.iter().any(|p| p.contains(expected)),
        "expected a problem containing {expected:?}, found {found:#?}"
    );
}

fn golden_cases() -> Vec<String> {
    let mut cases: Vec<String> = std::fs::read_dir(repo().join("tests/golden"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    cases.sort();
    cases
}

#[test]
fn every_golden_package_verifies() {
    let cases = golden_cases();
    assert!(cases.len() >= 12, "{cases:?}");
    for case in cases {
        let entries = golden(&case);
        let verification = verify_package_bytes(&zip_entries(&entries));
        assert_eq!(problems(&verification), Vec::<String>::new(), "{case}");
        assert_eq!(verification.entries, entries.len(), "{case}");
    }
}

#[test]
fn a_converted_package_verifies() {
    let conversion = chorus2outdoo::convert(
        &[fixture("trackers_advanced_expressions.csv")],
        &Default::default(),
    )
    .unwrap();
    let package = conversion.write_package(Vec::new()).unwrap();
    assert!(verify_package_bytes(&package).is_ok());
}

#[test]
fn one_changed_content_byte_is_caught() {
    let mut entries = golden("archive_realistic");
    let (name, bytes) = entries
        .iter_mut()
        .find(|(name, _)| name.starts_with("transcripts/"))
        .unwrap();
    // One letter of an utterance's text: still valid JSON, another checksum.
    let at = bytes.windows(9).position(|w| w == b"\"text\": \"").unwrap() + 10;
    assert!(bytes[at].is_ascii_alphabetic());
    bytes[at] ^= 0x20;
    let name = name.clone();
    let found = problems(&verify_package_bytes(&zip_entries(&entries)));
    assert_eq!(found.len(), 1, "{found:#?}");
    assert!(
        found[0].starts_with(&format!("{name}: SHA-256 is ")),
        "{found:#?}"
    );

    // A recording, stored: one byte of the zip itself.
    let mut entries = golden("archive_realistic");
    let media = entries
        .iter()
        .position(|(name, _)| name.starts_with("media/"))
        .unwrap();
    entries[media].1[0] ^= 0x80;
    assert_problem(
        &zip_entries(&entries),
        &format!("{}: SHA-256 is ", entries[media].0),
    );
}

#[test]
fn one_flipped_byte_of_compressed_data_is_caught() {
    let package = zip_entries(&golden("json"));
    // Flip a byte inside themes.json's deflated data: the first entry's data
    // starts after its 30-byte local header, its name and its extra field.
    let length = |at: usize| u16::from_le_bytes([package[at], package[at + 1]]) as usize;
    let data = 30 + length(26) + length(28);
    for at in [data + 10, data + 20, data + 30] {
        let mut broken = package.clone();
        broken[at] ^= 0x55;
        let found = problems(&verify_package_bytes(&broken));
        assert!(
            found.iter().any(|p| p.starts_with("themes.json: ")),
            "byte {at}: {found:#?}"
        );
    }
}

#[test]
fn a_removed_file_is_caught() {
    let mut entries = golden("archive_realistic");
    let removed = entries
        .iter()
        .position(|(n, _)| n.starts_with("transcripts/"))
        .unwrap();
    let (name, _) = entries.remove(removed);
    let found = problems(&verify_package_bytes(&zip_entries(&entries)));
    assert!(found.contains(&format!(
        "{name}: is listed in manifest.json but missing from the zip"
    )));
    assert!(
        found
            .iter()
            .any(|p| p.contains(&format!("transcript {name} is not in the zip"))),
        "{found:#?}"
    );

    let mut entries = golden("json");
    entries.retain(|(n, _)| n != "report.csv");
    assert_problem(
        &zip_entries(&entries),
        "report.csv: is listed in manifest.json but missing from the zip",
    );
}

#[test]
fn an_added_file_is_caught() {
    let mut entries = golden("json");
    entries.insert(1, ("notes.txt".to_string(), b"hello\n".to_vec()));
    let found = problems(&verify_package_bytes(&zip_entries(&entries)));
    assert!(
        found.contains(&"notes.txt: is in the zip but not listed in manifest.json".to_string()),
        "{found:#?}"
    );
    assert!(found
        .contains(&"notes.txt: is not a file of an Outdoo import package (format v1)".to_string()));

    // A recording no call names.
    let mut entries = golden("archive_realistic");
    let media = "media/ffff0000000000000000000000000009.mp3".to_string();
    entries.insert(1, (media.clone(), b"ID3\x04\0".to_vec()));
    assert_problem(
        &zip_entries(&entries),
        &format!("{media}: belongs to no call in calls.jsonl"),
    );
}

fn edit_manifest(entries: &mut Entries, edit: impl Fn(&mut serde_json::Value)) {
    let manifest = entries.last_mut().unwrap();
    assert_eq!(manifest.0, "manifest.json");
    let mut value: serde_json::Value = serde_json::from_slice(&manifest.1).unwrap();
    edit(&mut value);
    manifest.1 = serde_json::to_vec_pretty(&value).unwrap();
}

#[test]
fn a_count_off_is_caught() {
    let mut entries = golden("advanced_expressions");
    edit_manifest(&mut entries, |m| {
        let triggers = m["counts"]["triggers"].as_u64().unwrap();
        m["counts"]["triggers"] = (triggers + 1).into();
    });
    let found = problems(&verify_package_bytes(&zip_entries(&entries)));
    assert_eq!(found.len(), 1, "{found:#?}");
    assert!(found[0].starts_with("manifest.json: counts.triggers is "));

    let mut entries = golden("archive_realistic");
    edit_manifest(&mut entries, |m| {
        m["counts"]["users_to_create"] = 99.into();
        m["counts"]["skipped_calls"] = 0.into();
    });
    let found = problems(&verify_package_bytes(&zip_entries(&entries)));
    assert!(
        found
            .iter()
            .any(|p| p.starts_with("manifest.json: counts.users_to_create is 99, but users.json")),
        "{found:#?}"
    );
    assert!(found
        .iter()
        .any(|p| p.starts_with("manifest.json: counts.skipped_calls is 0, but report.json")));
}

/// Changes entry `name` with `edit` and its record in the manifest with it,
/// so only the checks beyond checksums can catch the change.
fn edit_entry(entries: &mut Entries, name: &str, edit: impl Fn(&mut serde_json::Value)) {
    let entry = entries.iter_mut().find(|(n, _)| n == name).unwrap();
    let mut value: serde_json::Value = serde_json::from_slice(&entry.1).unwrap();
    edit(&mut value);
    entry.1 = serde_json::to_vec_pretty(&value).unwrap();
    let (bytes, sha256) = (entry.1.len(), chorus2outdoo::digest::sha256_hex(&entry.1));
    edit_manifest(entries, |m| {
        for file in m["files"].as_array_mut().unwrap() {
            if file["path"] == name {
                file["bytes"] = bytes.into();
                file["sha256"] = sha256.clone().into();
            }
        }
    });
}

#[test]
fn fidelity_figures_that_do_not_add_up_are_caught() {
    let mut entries = golden("tracker_hits");
    edit_entry(&mut entries, "fidelity.json", |f| {
        f["topics"][0]["agreement_percent"] = 70.0.into();
        f["topics"][1]["calls"]["both"] = 3.into();
    });
    // Topic 1 (3 of 5 calls) is still below 90%, so the summary holds.
    assert_eq!(
        problems(&verify_package_bytes(&zip_entries(&entries))),
        [
            "fidelity.json: topics/0: agreement_percent is not calls.both out of the calls either side found",
            "fidelity.json: topics/1: calls.both and calls.only_* do not add up to calls.chorus and calls.triggers",
            "fidelity.json: topics/1: agreement_percent is not calls.both out of the calls either side found",
        ]
    );

    let mut entries = golden("tracker_hits");
    edit_manifest(&mut entries, |m| {
        m["counts"]["fidelity"]["topics_not_seen"] = 0.into()
    });
    assert_eq!(
        problems(&verify_package_bytes(&zip_entries(&entries))),
        ["manifest.json: counts.fidelity is not the summary of fidelity.json"]
    );

    let mut entries = golden("tracker_hits");
    edit_entry(&mut entries, "fidelity.json", |f| {
        f["topics"].as_array_mut().unwrap().pop();
    });
    assert_problem(
        &zip_entries(&entries),
        "fidelity.json: lists 3 topics that are not the 4 topics of themes.json (names and ids) in their order",
    );

    // A topic of the right names under another topic's id.
    let mut entries = golden("tracker_hits");
    edit_entry(&mut entries, "fidelity.json", |f| {
        f["topics"][1]["topic_id"] = "tp_000000000000".into();
    });
    assert_eq!(
        problems(&verify_package_bytes(&zip_entries(&entries))),
        ["fidelity.json: lists 4 topics that are not the 4 topics of themes.json (names and ids) in their order"]
    );

    let mut entries = golden("tracker_hits");
    entries.retain(|(n, _)| n != "fidelity.json");
    edit_manifest(&mut entries, |m| {
        m["files"]
            .as_array_mut()
            .unwrap()
            .retain(|f| f["path"] != "fidelity.json");
    });
    assert_eq!(
        problems(&verify_package_bytes(&zip_entries(&entries))),
        ["manifest.json: counts fidelity, but the package has no fidelity.json"]
    );
}

#[test]
fn an_id_used_twice_is_caught() {
    let mut entries = golden("json");
    let first = {
        let themes: serde_json::Value =
            serde_json::from_slice(&entries.iter().find(|(n, _)| n == "themes.json").unwrap().1)
                .unwrap();
        themes["themes"][0]["topics"][0]["triggers"][0]["id"].clone()
    };
    edit_entry(&mut entries, "themes.json", |t| {
        t["themes"][0]["topics"][0]["triggers"][1]["id"] = first.clone();
    });
    assert_eq!(
        problems(&verify_package_bytes(&zip_entries(&entries))),
        [format!(
            "themes.json: id {} at /themes/0/topics/0/triggers/1 is also at /themes/0/topics/0/triggers/0; ids are unique",
            first.as_str().unwrap()
        )]
    );
}

#[test]
fn a_schema_violation_and_a_misplaced_manifest_are_caught() {
    let mut entries = golden("json");
    edit_manifest(&mut entries, |m| m["format_version"] = 2.into());
    let manifest = entries.pop().unwrap();
    entries.insert(0, manifest);
    let found = problems(&verify_package_bytes(&zip_entries(&entries)));
    assert!(found.contains(&"manifest.json: is not the last entry of the zip".to_string()));
    assert!(
        found
            .iter()
            .any(|p| p.starts_with("manifest.json: does not match its schema at /format_version")),
        "{found:#?}"
    );
}

#[test]
fn not_a_package_is_one_problem() {
    for bytes in [&b""[..], b"PK\x03\x04trunc", b"name,keywords\n"] {
        let found = problems(&verify_package_bytes(bytes));
        assert_eq!(found.len(), 1, "{found:#?}");
        assert!(found[0].starts_with("not a readable zip archive"));
    }
    // A truncated package.
    let package = zip_entries(&golden("json"));
    let found = problems(&verify_package_bytes(&package[..package.len() - 30]));
    assert!(!found.is_empty());
}

#[test]
fn cli_verify_says_ok_or_lists_problems() {
    let dir = std::env::temp_dir().join(format!("c2o-verify-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let good = dir.join("good.zip");
    let entries = golden("archive_realistic");
    std::fs::write(&good, zip_entries(&entries)).unwrap();
    let run = |path: &std::path::Path| {
        let out = Command::new(env!("CARGO_BIN_EXE_chorus2outdoo"))
            .arg("verify")
            .arg(path)
            .output()
            .unwrap();
        (
            out.status.code().unwrap(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    let (code, stderr) = run(&good);
    assert_eq!(
        (code, stderr),
        (0, format!("ok: {} entries verified\n", entries.len()))
    );

    let mut entries = golden("json");
    entries.retain(|(n, _)| n != "report.csv");
    entries.insert(0, ("extra.json".to_string(), b"{}\n".to_vec()));
    let bad = dir.join("bad.zip");
    std::fs::write(&bad, zip_entries(&entries)).unwrap();
    let (code, stderr) = run(&bad);
    assert_eq!(code, 1);
    let lines: Vec<&str> = stderr.lines().collect();
    assert!(lines[0].starts_with("error: ") && lines[0].ends_with("problems"));
    assert!(lines.contains(&"report.csv: is listed in manifest.json but missing from the zip"));
    assert!(lines.contains(&"extra.json: is in the zip but not listed in manifest.json"));

    // An entry name made to rewrite the terminal (colour, clear line, bell,
    // right-to-left override) is printed escaped, never as control bytes.
    let mut entries = golden("json");
    entries.insert(
        0,
        (
            "\u{1b}[2K\r\u{7}ok\u{202e}.json".to_string(),
            b"{}\n".to_vec(),
        ),
    );
    let hostile = dir.join("hostile.zip");
    std::fs::write(&hostile, zip_entries(&entries)).unwrap();
    let (code, stderr) = run(&hostile);
    assert_eq!(code, 1);
    assert!(
        stderr.contains("\\u{1b}[2K\\u{d}\\u{7}ok\\u{202e}.json: is in the zip but not listed in manifest.json\n"),
        "{stderr}"
    );
    assert!(
        !stderr.contains(['\u{1b}', '\r', '\u{7}', '\u{202e}']),
        "{stderr:?}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn unzip_of_golden_matches_entries() {
    let entries = golden("json");
    assert_eq!(unzip(&zip_entries(&entries)), entries);
}

/// The page's helpers check shares of the transcripts; the converter's
/// worker checks the rest with their results: the same verification,
/// problem for problem, as checking everything in one place.
#[test]
fn shared_checking_finds_exactly_what_one_check_finds() {
    use chorus2outdoo::verify::{check_transcripts, verify_package_sharing, PackageCheck};
    use chorus2outdoo::Limits;

    let shared = |package: &[u8], shares: usize| {
        let limits = Limits::default();
        let checks: Vec<_> = (0..shares)
            .flat_map(|share| check_transcripts(Cursor::new(package), &limits, share, shares))
            .collect();
        (
            checks.len(),
            verify_package_sharing(Cursor::new(package), &limits, &checks),
        )
    };

    let good = golden("archive_realistic");
    let transcripts = good
        .iter()
        .filter(|(n, _)| n.starts_with("transcripts/"))
        .count();
    assert!(transcripts >= 2, "{transcripts}");
    // A transcript changed, one that breaks its schema, one removed.
    let mut changed = good.clone();
    let first = changed
        .iter()
        .position(|(n, _)| n.starts_with("transcripts/"))
        .unwrap();
    let at = changed[first]
        .1
        .windows(9)
        .position(|w| w == b"\"text\": \"")
        .unwrap()
        + 10;
    changed[first].1[at] ^= 0x20;
    let mut invalid = good.clone();
    let last = invalid
        .iter()
        .rposition(|(n, _)| n.starts_with("transcripts/"))
        .unwrap();
    invalid[last].1 = b"{\"source_id\": 7}\n".to_vec();
    let mut removed = good.clone();
    removed.remove(first);

    for (case, entries) in [
        ("good", &good),
        ("changed", &changed),
        ("invalid", &invalid),
        ("removed", &removed),
    ] {
        let package = zip_entries(entries);
        let alone = verify_package_bytes(&package);
        for shares in [1, 2, 3] {
            let (checked, together) = shared(&package, shares);
            assert_eq!(
                checked,
                entries
                    .iter()
                    .filter(|(n, _)| n.starts_with("transcripts/"))
                    .count(),
                "{case}: every transcript checked once"
            );
            assert_eq!(together, alone, "{case}, {shares} shares");
        }
        // In two halves, with only half of the transcripts checked apart:
        // the others are read by `finish`.
        let limits = Limits::default();
        let half = check_transcripts(Cursor::new(&package[..]), &limits, 1, 2);
        let check = PackageCheck::start(Cursor::new(&package[..]), &limits, true);
        assert_eq!(check.finish(&half), alone, "{case}, half checked apart");
        assert_eq!(
            alone.is_ok(),
            case == "good",
            "{case}: {:#?}",
            alone.problems
        );
    }
    // Not a zip: no checks, and the one problem of an unreadable package.
    assert!(check_transcripts(Cursor::new(&b"not a zip"[..]), &Limits::default(), 0, 2).is_empty());
}
