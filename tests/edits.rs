//! Edits applied to a conversion: the tracker export replayed on the
//! tracker-hits archive, with `edits_tracker_hits.json` (a trigger added
//! where the triggers missed Chorus's tracker, renames, a changed trigger, a
//! topic left out, edits whose target vanished or that clash). States the
//! exact themes.json, report entries, manifest inputs and fidelity change;
//! the CLI's `--edits` and the library's `options.edits` give the same
//! bytes; a package whose report lost an edit's entry fails `verify`.

mod common;

use chorus2outdoo::read::edits::read_edits;
use chorus2outdoo::{ArchiveSource, Conversion, InputFile, Limits, Options, ZipSource};
use common::{
    cli, convert_with_tracker_hits, fixture, package_entry, repo, scratch, tracker_hits_zip, unzip,
    validate_package,
};
use serde_json::{json, Value};
use std::io::Cursor;

const EDITS: &str = "edits_tracker_hits.json";

fn trackers() -> InputFile {
    fixture("trackers_replayed_on_tracker_hits.csv")
}

/// What the edits of `edits_tracker_hits.json` did: in order, one report
/// entry each.
fn edit_entries(file: &str) -> Value {
    let at = |n: u32| json!({"file": file, "pointer": format!("/edits/{n}")});
    json!([
        {"severity": "info", "code": "edit_add_trigger", "location": at(0),
         "message": "trigger \"gong\" (anyone, en, exact) added to the topic \"Competitor\" (tp_86fdfe74fe87) as tg_fbd117a4f592"},
        {"severity": "info", "code": "edit_rename_topic", "location": at(1),
         "message": "topic \"Competitor\" (tp_86fdfe74fe87) is now named \"Competitors\""},
        {"severity": "info", "code": "edit_rename_theme", "location": at(2),
         "message": "theme \"Competitor\" (th_0ab1f019fa38) is now named \"Competition\""},
        {"severity": "info", "code": "edit_change_trigger", "location": at(3),
         "message": "trigger tg_6a7bb69ad206 of the topic \"Next steps\" (tp_138e2e89b2f5) changed from \"follow up\" (company, en, exact) to \"follow up\" (anyone, en, exact)"},
        {"severity": "info", "code": "edit_leave_out", "location": at(4),
         "message": "topic \"Security\" (tp_7c320bb0ce42) of the theme \"Feature\" left out of the package, with its 1 trigger(s)"},
        {"severity": "warning", "code": "edit_target_missing", "location": at(5),
         "message": "remove_trigger: the topic tp_7c320bb0ce42 was left out by the edit at /edits/4; not applied"},
        {"severity": "warning", "code": "edit_not_applicable", "location": at(6),
         "message": "add_trigger: the topic \"Competitors\" has the trigger \"gong\" (anyone, en, exact) (tg_fbd117a4f592) already; not applied"},
        {"severity": "warning", "code": "edit_target_missing", "location": at(7),
         "message": "mark_ready: the topic tp_000000000000 is not in this conversion; not applied"},
    ])
}

fn report_edits(package: &[u8]) -> Value {
    package_entry(package, "report.json")["entries"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["code"].as_str().unwrap().starts_with("edit_"))
        .cloned()
        .collect()
}

/// The fixture's topics, as converted: Competitor's triggers (clari)
/// missed Chorus's tracker on both its calls, where "Gong" was said.
#[test]
fn edits_change_themes_report_manifest_and_fidelity() {
    let (_, unedited) = convert_with_tracker_hits(&[trackers()], &Options::default());
    let before = package_entry(&unedited, "fidelity.json");
    assert_eq!(before["topics"][2]["topic"], "Competitor");
    assert_eq!(before["topics"][2]["agreement_percent"], 0.0);
    assert_eq!(before["topics"][2]["missed_mentions"][0]["phrase"], "gong");
    assert_eq!(
        before["topics"][0]["hits"],
        json!({"chorus": 2, "triggers": 3})
    );

    let (conversion, package) =
        convert_with_tracker_hits(&[trackers(), fixture(EDITS)], &Options::default());
    validate_package(&package);
    let source = |row: u32| json!({"locations": [{"file": "trackers_replayed_on_tracker_hits.csv", "row": row}], "chorus_type": null, "expression": null});
    let trigger = |id: &str, phrase: &str, said_by: &str, mode: &str| json!({"id": id, "phrase": phrase, "said_by": said_by, "language": "en", "match": mode});
    let topic = |id: &str, name: &str, row: u32, triggers: Value| json!({"id": id, "name": name, "description": "", "status": "ready", "review_reasons": [], "source": source(row), "triggers": triggers});
    // Security is left out, so its theme Feature is not written; the ids
    // stay what the conversion gave (the renamed topic and theme keep
    // theirs, the changed trigger too).
    assert_eq!(
        package_entry(&package, "themes.json"),
        json!({"themes": [
            {"id": "th_6a3bcd6f5d15", "name": "Playbook", "topics": [
                topic("tp_138e2e89b2f5", "Next steps", 2, json!([
                    trigger("tg_92ec4f1d7e9f", "next steps", "company", "exact"),
                    trigger("tg_6a7bb69ad206", "follow up", "anyone", "exact")]))]},
            {"id": "th_11ba5e96988c", "name": "Deal", "topics": [
                topic("tp_d9f8e0360725", "Pricing", 3, json!([trigger("tg_37c7ee92a6f1", "pric", "anyone", "prefix")]))]},
            {"id": "th_0ab1f019fa38", "name": "Competition", "topics": [
                topic("tp_86fdfe74fe87", "Competitors", 4, json!([
                    trigger("tg_bb3bc462a6f7", "clari", "anyone", "exact"),
                    trigger("tg_fbd117a4f592", "gong", "anyone", "exact")]))]}
        ]})
    );
    assert_eq!(report_edits(&package), edit_entries(EDITS));
    // The report's counts take the edits in: 5 more infos, 3 more warnings.
    let counts = |p: &[u8]| package_entry(p, "manifest.json")["counts"]["report"].clone();
    let (was, now) = (counts(&unedited), counts(&package));
    assert_eq!(now["info"].as_u64(), was["info"].as_u64().map(|n| n + 5));
    assert_eq!(
        now["warning"].as_u64(),
        was["warning"].as_u64().map(|n| n + 3)
    );
    let bytes = std::fs::read(repo().join("tests/fixtures").join(EDITS)).unwrap();
    assert_eq!(
        package_entry(&package, "manifest.json")["inputs"][2],
        json!({"name": EDITS, "bytes": bytes.len(), "sha256": chorus2outdoo::digest::sha256_hex(&bytes),
               "kind": "edits", "edits": 8})
    );
    // The added trigger finds "Gong" where Chorus's tracker did: the
    // renamed topic still meets its tracker ("Competitor") and agrees
    // fully; "follow up" said by anyone also counts the prospect's one.
    let fidelity = package_entry(&package, "fidelity.json");
    assert_eq!(
        fidelity["summary"],
        json!({"calls_compared": 4, "calls_without_chorus_trackers": 1, "topics": 3, "topics_matched": 3,
               "topics_at_100": 1, "topics_below_90": 2, "topics_not_seen": 0})
    );
    assert_eq!(
        fidelity["topics"][2],
        json!({"theme": "Competition", "topic": "Competitors", "topic_id": "tp_86fdfe74fe87",
               "chorus_tracker": "Competitor",
               "calls": {"chorus": 2, "triggers": 2, "both": 2, "only_chorus": 0, "only_triggers": 0},
               "hits": {"chorus": 2, "triggers": 2}, "agreement_percent": 100.0,
               "missed_mentions": [], "missed_mentions_other": 0})
    );
    assert_eq!(
        fidelity["topics"][0]["hits"],
        json!({"chorus": 2, "triggers": 4})
    );
    assert_eq!(fidelity["topics"][1], before["topics"][1]);

    // The conversion keeps what it was before the edits: edits set again
    // give the same package; none give the unedited one.
    let mut again = conversion.clone();
    again.set_edits(None, &Limits::default()).unwrap();
    assert_eq!(again.themes, conversion.themes);
    let zip = tracker_hits_zip();
    let write = |c: &Conversion| {
        let mut source = ZipSource::new("tracker-hits.zip", Cursor::new(&zip[..])).unwrap();
        let mut sources: Vec<&mut dyn ArchiveSource> = vec![&mut source];
        c.write_package_with(&mut sources, Vec::new()).unwrap()
    };
    assert!(write(&again) == package);
    let (plain, _) = convert_with_tracker_hits(&[trackers()], &Options::default());
    let mut cleared = plain.clone();
    let edits: Value = serde_json::from_slice(&bytes).unwrap();
    cleared.set_edits(Some(&edits), &Limits::default()).unwrap();
    cleared.set_edits(None, &Limits::default()).unwrap();
    assert!(write(&cleared) == unedited);
}

/// The page's `options.edits` (a JSON value) is recorded as
/// `outdoo-edits.json` with the bytes of its canonical text; the CLI given
/// that text with `--edits` writes the same package, byte for byte.
#[test]
fn the_cli_with_edits_writes_what_options_edits_write() {
    let bytes = std::fs::read(repo().join("tests/fixtures").join(EDITS)).unwrap();
    let value: Value = serde_json::from_slice(&bytes).unwrap();
    let options = Options {
        edits: Some(value),
        ..Options::default()
    };
    let (_, package) = convert_with_tracker_hits(&[trackers()], &options);
    validate_package(&package);
    assert_eq!(report_edits(&package), edit_entries("outdoo-edits.json"));
    let canonical = read_edits(EDITS, &bytes, &Limits::default())
        .unwrap()
        .to_bytes();
    assert_eq!(
        package_entry(&package, "manifest.json")["inputs"][2],
        json!({"name": "outdoo-edits.json", "bytes": canonical.len(),
               "sha256": chorus2outdoo::digest::sha256_hex(&canonical), "kind": "edits", "edits": 8})
    );

    let dir = scratch("edits-cli");
    let (archive, edits, out) = (
        dir.join("tracker-hits.zip"),
        dir.join("outdoo-edits.json"),
        dir.join("package.zip"),
    );
    std::fs::write(&archive, tracker_hits_zip()).unwrap();
    std::fs::write(&edits, &canonical).unwrap();
    let trackers_path = repo().join("tests/fixtures/trackers_replayed_on_tracker_hits.csv");
    let (code, _, stderr) = cli(&[
        "convert",
        "--trackers",
        trackers_path.to_str().unwrap(),
        "--archive",
        archive.to_str().unwrap(),
        "--edits",
        edits.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stderr.contains("edits: 5 applied, 3 not applied (edit_target_missing, edit_not_applicable in the report)\n"),
        "{stderr}"
    );
    assert!(std::fs::read(&out).unwrap() == package);

    // A file that is not an edits document is refused by name.
    let (code, _, stderr) = cli(&[
        "convert",
        "--trackers",
        trackers_path.to_str().unwrap(),
        "--edits",
        trackers_path.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(code, 1);
    assert!(
        stderr.contains(&format!(
            "{}: not an edits document (a JSON object whose format is \"chorus2outdoo-edits\")",
            trackers_path.display()
        )),
        "{stderr}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// A malformed edits document stops the conversion with its place; two
/// documents of one name are refused.
#[test]
fn a_malformed_edits_document_stops_the_conversion_with_its_place() {
    let bad = InputFile {
        name: "outdoo-edits.json".into(),
        bytes: br#"{"format": "chorus2outdoo-edits", "version": 1, "edits": [{"op": "leave_out", "topic": 3}]}"#.to_vec(),
    };
    let error = chorus2outdoo::convert(&[trackers(), bad], &Options::default()).unwrap_err();
    assert_eq!(
        error.to_string(),
        "outdoo-edits.json at /edits/0/topic: expected a string, found a number"
    );
    let options = Options {
        edits: Some(
            json!({"format": "chorus2outdoo-edits", "version": 1, "edits": [{"op": "mark_ready"}]}),
        ),
        ..Options::default()
    };
    let error = chorus2outdoo::convert(&[trackers()], &options).unwrap_err();
    assert_eq!(
        error.to_string(),
        "outdoo-edits.json at /edits/0: the field \"topic\" is missing"
    );
    let file = InputFile {
        name: "outdoo-edits.json".into(),
        bytes: br#"{"format": "chorus2outdoo-edits", "version": 1, "edits": []}"#.to_vec(),
    };
    let options = Options {
        edits: Some(json!({"format": "chorus2outdoo-edits", "version": 1, "edits": []})),
        ..Options::default()
    };
    let error = chorus2outdoo::convert(&[trackers(), file], &options).unwrap_err();
    assert_eq!(
        error.to_string(),
        "outdoo-edits.json: two edits documents have this name, so the report could not tell their edits apart; rename one or join them"
    );
}

/// `verify` holds the report to one entry per edit the manifest lists.
#[test]
fn verify_finds_an_edit_without_its_entry_and_an_entry_without_its_edit() {
    let (_, package) =
        convert_with_tracker_hits(&[trackers(), fixture(EDITS)], &Options::default());
    let mut entries = unzip(&package);
    let report = entries
        .iter_mut()
        .find(|(n, _)| n == "report.json")
        .unwrap();
    let mut value: Value = serde_json::from_slice(&report.1).unwrap();
    let list = value["entries"].as_array_mut().unwrap();
    let at = list
        .iter()
        .position(|e| e["location"]["pointer"] == "/edits/3")
        .unwrap();
    list[at]["location"]["pointer"] = "/edits/9".into();
    let dropped = list
        .iter()
        .position(|e| e["location"]["pointer"] == "/edits/7")
        .unwrap();
    let severity = list[dropped]["severity"].clone();
    list.remove(dropped);
    assert_eq!(severity, "warning");
    let warnings = value["counts"]["warning"].as_u64().unwrap();
    value["counts"]["warning"] = (warnings - 1).into();
    report.1 = serde_json::to_vec_pretty(&value).unwrap();
    let (bytes, sha256) = (report.1.len(), chorus2outdoo::digest::sha256_hex(&report.1));
    let manifest = entries
        .iter_mut()
        .find(|(n, _)| n == "manifest.json")
        .unwrap();
    let mut value: Value = serde_json::from_slice(&manifest.1).unwrap();
    for file in value["files"].as_array_mut().unwrap() {
        if file["path"] == "report.json" {
            file["bytes"] = bytes.into();
            file["sha256"] = sha256.clone().into();
        }
    }
    value["counts"]["report"]["warning"] =
        (value["counts"]["report"]["warning"].as_u64().unwrap() - 1).into();
    manifest.1 = serde_json::to_vec_pretty(&value).unwrap();
    let zipped = chorus2outdoo::fetch::write_archive(
        Cursor::new(Vec::new()),
        entries.iter().map(|(n, b)| (n.clone(), &b[..])),
    )
    .unwrap()
    .into_inner();
    let problems: Vec<String> = chorus2outdoo::verify_package_bytes(&zipped)
        .problems
        .iter()
        .map(|p| p.to_string())
        .collect();
    assert_eq!(
        problems,
        [
            format!("report.json: entry {at} is about an edit at {EDITS} /edits/9, which no edits document the manifest lists holds"),
            format!("report.json: the edit at {EDITS} /edits/3 has no entry (every edit has one)"),
            format!("report.json: the edit at {EDITS} /edits/7 has no entry (every edit has one)"),
        ]
    );
}

/// schemas/edits.schema.json says what the reader reads: the fixture and
/// its canonical text match it; documents the reader refuses do not.
#[test]
fn the_edits_schema_accepts_what_the_reader_reads_and_refuses_what_it_refuses() {
    let schema: Value =
        serde_json::from_slice(&std::fs::read(repo().join("schemas/edits.schema.json")).unwrap())
            .unwrap();
    let validator = jsonschema::validator_for(&schema).unwrap();
    let bytes = std::fs::read(repo().join("tests/fixtures").join(EDITS)).unwrap();
    let canonical = read_edits(EDITS, &bytes, &Limits::default())
        .unwrap()
        .to_bytes();
    for text in [&bytes, &canonical] {
        let value: Value = serde_json::from_slice(text).unwrap();
        assert!(validator.is_valid(&value));
    }
    let refused = [
        json!({"format": "chorus2outdoo-edits", "version": 1, "edits": [{"op": "leave_out", "topic": 3}]}),
        json!({"format": "chorus2outdoo-edits", "version": 1, "edits": [{"op": "mark_ready"}]}),
        json!({"format": "chorus2outdoo-edits", "version": 1, "edits": [{"op": "leave_out", "topic": "tp_0123456789ab", "x": 1}]}),
        json!({"format": "chorus2outdoo-edits", "version": 1, "edits": [{"op": "drop", "topic": "tp_0123456789ab"}]}),
        json!({"format": "chorus2outdoo-edits", "version": 1, "edits": [{"op": "rename_topic", "topic": "tp_0123456789ab", "name": "  "}]}),
        json!({"format": "chorus2outdoo-edits", "version": 1, "edits": [{"op": "add_trigger", "topic": "tp_0123456789ab",
               "trigger": {"phrase": "a", "said_by": "non_company", "language": "en", "match": "exact"}}]}),
        json!({"format": "chorus2outdoo-edits", "version": 2, "edits": []}),
        json!({"format": "chorus2outdoo-edits", "version": 1, "edits": [], "extra": 1}),
    ];
    for document in refused {
        assert!(!validator.is_valid(&document), "{document}");
        let text = serde_json::to_vec(&document).unwrap();
        assert!(
            read_edits("e.json", &text, &Limits::default()).is_err(),
            "{document}"
        );
    }
}

/// In a package in parts the run's report, with the edits' entries, is in
/// part 1; every part lists the edits document and the set verifies.
#[test]
fn a_package_in_parts_with_edits_verifies() {
    let dir = scratch("edits-parts");
    let path = |name: &str| dir.join(name).to_str().unwrap().to_string();
    let (code, _, err) = cli(&[
        "--quiet",
        "sample",
        "--calls",
        "40",
        "--seed",
        "1",
        "--media-bytes",
        "30000",
        "--out",
        &path("sample.zip"),
        "--trackers-out",
        &path("trackers.csv"),
    ]);
    assert_eq!(code, 0, "{err}");
    std::fs::write(
        dir.join("outdoo-edits.json"),
        r#"{"format": "chorus2outdoo-edits", "version": 1, "edits": [{"op": "mark_ready", "topic": "tp_000000000000"}]}"#,
    )
    .unwrap();
    let (code, _, err) = cli(&[
        "convert",
        "--trackers",
        &path("trackers.csv"),
        "--archive",
        &path("sample.zip"),
        "--edits",
        &path("outdoo-edits.json"),
        "--part-size",
        "400KB",
        "--out",
        &path("pkg.zip"),
    ]);
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("wrote 5 parts and their index"), "{err}");
    assert!(err.contains("edits: 0 applied, 1 not applied"), "{err}");
    let (code, out, err) = cli(&["verify", &path("pkg-index.json")]);
    assert_eq!(code, 0, "{out}{err}");
    let first = std::fs::read(dir.join("pkg-part-001.zip")).unwrap();
    validate_package(&first);
    assert_eq!(
        report_edits(&first),
        json!([{"severity": "warning", "code": "edit_target_missing",
                "location": {"file": "outdoo-edits.json", "pointer": "/edits/0"},
                "message": "mark_ready: the topic tp_000000000000 is not in this conversion; not applied"}])
    );
    let second = std::fs::read(dir.join("pkg-part-002.zip")).unwrap();
    validate_package(&second);
    assert_eq!(
        package_entry(&second, "manifest.json")["inputs"][2]["kind"],
        "edits"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// `inspect` tells an edits document by its content, and names the place
/// of a fault in a broken one.
#[test]
fn inspect_tells_an_edits_document_and_its_fault() {
    let summary = chorus2outdoo::inspect(&fixture(EDITS));
    assert_eq!(
        (summary.kind, summary.kind_label, summary.error),
        (
            chorus2outdoo::detect::FileKind::Edits,
            "edits document (JSON)",
            None
        )
    );
    let broken = InputFile {
        name: "outdoo-edits.json".into(),
        bytes:
            br#"{"format": "chorus2outdoo-edits", "version": 1, "edits": [{"op": "split_topic"}]}"#
                .to_vec(),
    };
    assert_eq!(
        chorus2outdoo::inspect(&broken).error.as_deref(),
        Some(
            "outdoo-edits.json at /edits/0/op: unknown op \"split_topic\"; expected one of rename_theme, \
             rename_topic, move_topic, merge_topics, add_trigger, change_trigger, remove_trigger, mark_ready, leave_out"
        )
    );
}
