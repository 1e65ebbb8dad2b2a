//! Call archives converted into whole packages: a realistic archive holding
//! every quirk (tests/fixtures/archive_realistic/, zipped at test time),
//! exact call and skip decisions, conservation of engagement ids, golden
//! packages, schema validation, and the CLI end to end.

mod common;

use chorus2outdoo::model::calls::SkipReason;
use chorus2outdoo::report::ReasonCode;
use chorus2outdoo::{
    convert_with_archives, ArchiveSource, CallScope, Conversion, InputFile, Options, ZipSource,
};
use common::{
    assert_golden, calls_jsonl, cli, convert_fixture_folder, convert_zip, files_under, fixture,
    json_entry, repo, scratch, unzip, validate_package, zip_folder,
};
use std::collections::BTreeMap;
use std::io::{Cursor, Write};
use std::path::Path;
use zip::write::SimpleFileOptions;

const A: &str = "aaaa0000000000000000000000000001";
const B: &str = "bbbb0000000000000000000000000002";
const K: &str = "0000000000000000000000000000000a";

/// The realistic archive as a customer would send it, with hostile names:
/// a recording named through `..\..\` and an absolute path.
fn realistic_zip() -> Vec<u8> {
    zip_folder(
        &repo().join("tests/fixtures/archive_realistic"),
        &[
            (
                "..\\..\\0000000000000000000000000000000A.webm",
                b"\x1a\x45\xdf\xa3fake webm recording\n",
            ),
            ("/tmp/absolute-notes.txt", b"notes, not Chorus data\n"),
        ],
    )
}

fn scope() -> Options {
    Options {
        from: Some("2026-05-01".into()),
        to: Some("2026-10-31".into()),
        min_duration_seconds: 120,
        ..Options::default()
    }
}

fn skipped(conversion: &Conversion) -> Vec<(String, SkipReason)> {
    conversion
        .calls
        .as_ref()
        .unwrap()
        .skipped
        .iter()
        .map(|s| (s.source_id.clone(), s.reason))
        .collect()
}

fn imported(conversion: &Conversion) -> Vec<(String, bool, Option<String>)> {
    conversion
        .calls
        .as_ref()
        .unwrap()
        .calls
        .iter()
        .map(|c| {
            (
                c.call.source_id.clone(),
                c.call.transcript.is_some(),
                c.call.media.clone(),
            )
        })
        .collect()
}

#[test]
fn realistic_archive_imports_what_a_careful_person_would() {
    let (conversion, package) = convert_zip(
        &realistic_zip(),
        Some(&fixture("archive_roster.csv")),
        &scope(),
    );
    let id = |n: &str| n.to_string();
    assert_eq!(
        imported(&conversion),
        [
            (id("00000000000000000000000000000010"), false, None),
            (id(A), true, Some(format!("media/{A}.mp4"))),
            (id(B), false, Some(format!("media/{B}.m4a"))),
            (id(K), true, Some(format!("media/{K}.webm"))),
            (id("0000000000000000000000000000000f"), false, None),
            (id("0000000000000000000000000000000b"), false, None),
        ]
    );
    assert_eq!(
        skipped(&conversion),
        [
            (id("00000000000000000000000000000007"), SkipReason::Private),
            (
                id("00000000000000000000000000000008"),
                SkipReason::OutOfPeriod
            ),
            (id("00000000000000000000000000000009"), SkipReason::TooShort),
            (
                id("0000000000000000000000000000000c"),
                SkipReason::OutOfPeriod
            ),
            (
                id("0000000000000000000000000000000d"),
                SkipReason::NotRecorded
            ),
            (
                id("0000000000000000000000000000000e"),
                SkipReason::Unreadable
            ),
            (id("12345"), SkipReason::Unreadable),
            (id("cccc0000000000000000000000000003"), SkipReason::NoShow),
            (
                id("dddd0000000000000000000000000004"),
                SkipReason::NotRecorded
            ),
            (
                id("eeee0000000000000000000000000005"),
                SkipReason::NotRecorded
            ),
            (
                id("ffff0000000000000000000000000006"),
                SkipReason::NotRecorded
            ),
        ]
    );
    let users: Vec<(String, String, Option<String>)> = conversion
        .calls
        .as_ref()
        .unwrap()
        .users
        .iter()
        .map(|u| (u.email.clone(), format!("{:?}", u.action), u.role.clone()))
        .collect();
    assert_eq!(
        users,
        [
            (
                "ann@example.com".to_string(),
                "Existing".to_string(),
                Some("Manager".to_string())
            ),
            (
                "bob@example.com".to_string(),
                "Create".to_string(),
                Some("Analyst".to_string())
            ),
            (
                "host@example.com".to_string(),
                "Create".to_string(),
                Some("Analyst".to_string())
            ),
            (
                "kim@example.com".to_string(),
                "Create".to_string(),
                Some("Analyst".to_string())
            ),
        ]
    );
    let codes: Vec<ReasonCode> = conversion.report.iter().map(|e| e.code).collect();
    for expected in [
        ReasonCode::UnrecognisedEntry,
        ReasonCode::DuplicateRecord,
        ReasonCode::MissingTranscript,
        ReasonCode::MissingMedia,
        ReasonCode::UtterancesDropped,
        ReasonCode::OrphanRecord,
        ReasonCode::UserWithoutEmail,
    ] {
        assert!(
            codes.contains(&expected),
            "{expected:?} missing from {codes:?}"
        );
    }
    let entries = validate_package(&package);
    for (name, _) in &entries {
        assert!(
            !name.contains("..") && !name.starts_with('/') && !name.contains('\\'),
            "unsafe output path {name}"
        );
    }
    assert_golden("archive_realistic", &package);
}

#[test]
fn only_meetings_skips_dialer_calls_as_excluded_kind() {
    let options = Options {
        calls: CallScope::Meetings,
        ..Options::default()
    };
    let (conversion, package) = convert_zip(&realistic_zip(), None, &options);
    let reasons: BTreeMap<String, SkipReason> = skipped(&conversion).into_iter().collect();
    assert_eq!(reasons.get(B), Some(&SkipReason::ExcludedKind));
    // Without a period or a minimum, the boundary calls are all imported.
    assert_eq!(reasons.get("00000000000000000000000000000008"), None);
    assert_eq!(reasons.get("00000000000000000000000000000009"), None);
    assert!(conversion
        .calls
        .as_ref()
        .unwrap()
        .users
        .iter()
        .all(|u| u.role.as_deref() == Some("Analyst")));
    validate_package(&package);
}

/// Every engagement id in the input (pages, bare arrays, conversation
/// documents) is in calls.jsonl or in skipped, exactly once.
#[test]
fn every_engagement_id_is_imported_or_skipped_exactly_once() {
    let mut input_ids = std::collections::BTreeSet::new();
    for (_, path) in files_under(&repo().join("tests/fixtures/archive_realistic/export")) {
        let Ok(value) = serde_json::from_slice::<serde_json::Value>(&std::fs::read(&path).unwrap())
        else {
            continue;
        };
        let items = match (&value["engagements"], &value) {
            (serde_json::Value::Array(items), _) => items.clone(),
            (_, serde_json::Value::Array(items)) => items.clone(),
            _ => vec![],
        };
        for item in items {
            match &item["engagement_id"] {
                serde_json::Value::String(s) => input_ids.insert(s.to_ascii_lowercase()),
                serde_json::Value::Number(n) => input_ids.insert(n.to_string()),
                _ => false,
            };
        }
        if value["data"]["type"] == "recording" {
            input_ids.insert(value["data"]["id"].as_str().unwrap().to_ascii_lowercase());
        }
    }
    assert_eq!(input_ids.len(), 17);
    for options in [
        scope(),
        Options::default(),
        Options {
            calls: CallScope::Meetings,
            ..scope()
        },
    ] {
        let (_, package) = convert_zip(&realistic_zip(), None, &options);
        let entries = unzip(&package);
        let file = |name: &str| {
            entries
                .iter()
                .find(|(n, _)| n == name)
                .map(|(_, b)| b.clone())
                .unwrap()
        };
        let mut seen: Vec<String> = String::from_utf8(file("calls.jsonl"))
            .unwrap()
            .lines()
            .map(|l| {
                serde_json::from_str::<serde_json::Value>(l).unwrap()["source_id"]
                    .as_str()
                    .unwrap()
                    .to_string()
            })
            .collect();
        let report: serde_json::Value = serde_json::from_slice(&file("report.json")).unwrap();
        seen.extend(
            report["skipped"]
                .as_array()
                .unwrap()
                .iter()
                .map(|s| s["source_id"].as_str().unwrap().to_string()),
        );
        let unique: std::collections::BTreeSet<String> = seen.iter().cloned().collect();
        assert_eq!(unique.len(), seen.len(), "an id appears twice: {seen:?}");
        assert_eq!(unique, input_ids);
    }
}

/// A first pass handed from one Web Worker to another as bytes: read back
/// whole, and any other bytes refused with what is wrong, never read into
/// records that were not written.
#[test]
fn a_first_pass_handed_over_as_bytes_is_checked() {
    use chorus2outdoo::read::archive::{read_archive, ArchiveRead};
    let zip = realistic_zip();
    let whole = read_archive(
        0,
        &mut ZipSource::new("export.zip", Cursor::new(&zip[..])).unwrap(),
    );
    assert_eq!(whole.contents.engagements.len(), 17);
    let bytes = whole.to_bytes();
    assert_eq!(ArchiveRead::from_bytes(&bytes), Ok(whole.clone()));
    // The marker and format, the length and CRC-32 of the rest, the rest.
    let magic = b"chorus2outdoo first pass 2\n";
    let header = magic.len() + 8 + 4;
    assert_eq!(&bytes[..magic.len()], magic);
    let length = bytes.len() - header;
    assert_eq!(
        bytes[magic.len()..magic.len() + 8],
        (length as u64).to_le_bytes()
    );
    let refused = |bytes: &[u8]| ArchiveRead::from_bytes(bytes).map(|_| ()).unwrap_err();

    // Cut anywhere.
    for end in 0..bytes.len() {
        let expected = match end {
            _ if end < magic.len() - 2 => "these bytes are not a first pass of chorus2outdoo".to_string(),
            _ if end < header => "these bytes are a first pass cut short, before its length".to_string(),
            _ => format!(
                "these bytes are a first pass of {length} bytes with {} bytes instead (cut short or extended)",
                end - header
            ),
        };
        assert_eq!(refused(&bytes[..end]), expected, "cut at {end}");
    }
    // Extended.
    let mut extended = bytes.clone();
    extended.extend_from_slice(b"\0");
    assert_eq!(
        refused(&extended),
        format!(
            "these bytes are a first pass of {length} bytes with {} bytes instead (cut short or extended)",
            length + 1
        )
    );
    // Any byte of the records flipped.
    for at in header..bytes.len() {
        let mut altered = bytes.clone();
        altered[at] ^= 0x20;
        assert_eq!(
            refused(&altered),
            "these bytes are a first pass altered since it was written (its CRC-32 differs)",
            "byte {at} flipped"
        );
    }
    // Another version's, and not a first pass at all.
    let mut earlier = bytes.clone();
    earlier[magic.len() - 2] = b'1';
    assert_eq!(
        refused(&earlier),
        "these bytes are a first pass of another version of chorus2outdoo (format 1), not of this one (format 2)"
    );
    assert_eq!(
        refused(b"PK\x03\x04"),
        "these bytes are not a first pass of chorus2outdoo"
    );
    // Altered with a CRC-32 to match (written by a broken copy, say): the
    // first engagement one byte shorter than it is does not decode.
    let mut altered = bytes.clone();
    let first_length = header + 8;
    let first = u32::from_le_bytes(altered[first_length..first_length + 4].try_into().unwrap());
    altered[first_length..first_length + 4].copy_from_slice(&(first - 1).to_le_bytes());
    let mut crc = flate2::Crc::new();
    crc.update(&altered[header..]);
    altered[header - 4..header].copy_from_slice(&crc.sum().to_le_bytes());
    assert_eq!(
        refused(&altered),
        "these bytes are a first pass whose engagements cannot be read: record 1 of 17 is not what was written"
    );
}

#[test]
fn a_first_pass_in_ranges_is_the_first_pass_whole() {
    use chorus2outdoo::read::archive::{
        entry_ranges, read_archive, read_entries, read_entries_within, ArchiveRead,
    };
    let zip = realistic_zip();
    let open = || ZipSource::new("export.zip", Cursor::new(&zip[..])).unwrap();
    let mut source = open();
    let whole = read_archive(0, &mut source);
    let entries = source.entry_count();
    assert_eq!(whole.summary.entries, entries);
    let counts = |read: &ArchiveRead| {
        let c = &read.contents;
        let s = &read.summary;
        [
            c.engagements.len(),
            c.conversations.len(),
            c.media.len(),
            c.people.len(),
            c.unreadable.len(),
            read.report.len(),
            s.entries,
            s.engagement_pages,
            s.users_files,
            s.ignored,
            s.unrecognised,
        ]
    };
    assert_eq!(counts(&whole), [17, 3, 4, 4, 1, 4, 22, 3, 3, 4, 4]);
    for shares in [1, 2, 3, 7, entries, entries + 5] {
        let ranges = entry_ranges(&source, shares);
        assert!(
            ranges.len() <= shares && (ranges.len() == shares || shares > 3),
            "{shares}: {ranges:?}"
        );
        assert_eq!(ranges[0].start, 0);
        assert_eq!(ranges.last().unwrap().end, entries);
        assert!(ranges
            .windows(2)
            .all(|w| w[0].end == w[1].start && w[0].start < w[0].end));
        // Each range on a handle of its own, appended in order; and again
        // through bytes, as between Web Workers.
        let (mut merged, mut through_bytes) = (ArchiveRead::default(), ArchiveRead::default());
        for range in ranges {
            let read = read_entries(0, &mut open(), range);
            through_bytes.append(ArchiveRead::from_bytes(&read.to_bytes()).unwrap());
            merged.append(read);
        }
        assert_eq!(merged, whole, "{shares} shares");
        assert_eq!(through_bytes, whole, "{shares} shares, through bytes");
    }
    // A range read in steps (as a helper worker hands its range over): a
    // budget of 1 byte reads one entry a step; the steps through bytes,
    // appended in order, are the read of the range.
    let ranges = entry_ranges(&source, 2);
    for budget in [1, 4096, u64::MAX] {
        let (mut merged, mut steps) = (ArchiveRead::default(), 0);
        for range in &ranges {
            let mut source = open();
            let mut next = range.start;
            loop {
                let (read, after) = read_entries_within(0, &mut source, next..range.end, budget);
                assert!(
                    after > next || range.is_empty(),
                    "{budget}: stuck at {next}"
                );
                merged.append(ArchiveRead::from_bytes(&read.to_bytes()).unwrap());
                steps += 1;
                next = after;
                if next >= range.end {
                    break;
                }
            }
        }
        assert_eq!(merged, whole, "steps of {budget} bytes");
        // One step per entry, but the folder entry (`export/`, 0 bytes)
        // shares the next entry's step; 4 KB of the fixture's 11 KB of
        // entries take more than a range's half; unbounded, one per range.
        let expected = match budget {
            1 => entries - 1,
            4096 => 3,
            _ => 2,
        };
        assert_eq!(steps, expected, "steps of {budget} bytes");
    }
    // An archive over the entry limit: the range at entry 0 says so, once.
    let limited = || {
        open().with_limits(chorus2outdoo::Limits {
            max_entries: 3,
            ..Default::default()
        })
    };
    let whole = read_archive(0, &mut limited());
    assert_eq!(whole.report.len(), 1);
    let mut merged = ArchiveRead::default();
    for range in entry_ranges(&limited(), 4) {
        merged.append(read_entries(0, &mut limited(), range));
    }
    assert_eq!(merged, whole);
}

#[test]
fn the_same_archive_gives_the_same_bytes() {
    let zip = realistic_zip();
    let (_, first) = convert_zip(&zip, None, &scope());
    let (_, second) = convert_zip(&zip, None, &scope());
    assert_eq!(first, second);
}

#[test]
fn recordings_are_stored_unchanged() {
    let (_, package) = convert_zip(&realistic_zip(), None, &scope());
    let mut archive = zip::ZipArchive::new(Cursor::new(&package)).unwrap();
    let entry = archive.by_name(&format!("media/{A}.mp4")).unwrap();
    assert_eq!(entry.compression(), zip::CompressionMethod::Stored);
    drop(entry);
    let expected = std::fs::read(repo().join(format!(
        "tests/fixtures/archive_realistic/export/media/{A}.mp4"
    )))
    .unwrap();
    let (_, bytes) = unzip(&package)
        .into_iter()
        .find(|(n, _)| *n == format!("media/{A}.mp4"))
        .unwrap();
    assert_eq!(bytes, expected);
}

#[test]
fn trackers_and_archives_go_into_one_package() {
    let mut source = ZipSource::new("chorus-export.zip", Cursor::new(realistic_zip())).unwrap();
    let mut sources: Vec<&mut dyn ArchiveSource> = vec![&mut source];
    let trackers = [fixture("trackers_comma_multi_phrase.csv")];
    let conversion = convert_with_archives(&trackers, &mut sources, None, &scope()).unwrap();
    assert_eq!(conversion.counts().topics, 3);
    let package = conversion
        .write_package_with(&mut sources, Vec::new())
        .unwrap();
    let entries = validate_package(&package);
    assert_eq!(entries[0].0, "themes.json");
    assert_eq!(entries[1].0, "calls.jsonl");
}

#[test]
fn bad_options_and_rosters_name_the_problem() {
    let zip = realistic_zip();
    let mut source = ZipSource::new("chorus-export.zip", Cursor::new(&zip)).unwrap();
    let mut sources: Vec<&mut dyn ArchiveSource> = vec![&mut source];
    let bad_day = Options {
        from: Some("2026-02-30".into()),
        ..Options::default()
    };
    let error = convert_with_archives(&[], &mut sources, None, &bad_day)
        .unwrap_err()
        .to_string();
    assert_eq!(
        error,
        "options: from: \"2026-02-30\" is not a date; write it as YYYY-MM-DD"
    );
    let swapped = Options {
        from: Some("2026-06-01".into()),
        to: Some("2026-05-01".into()),
        ..Options::default()
    };
    let error = convert_with_archives(&[], &mut sources, None, &swapped)
        .unwrap_err()
        .to_string();
    assert!(
        error.contains("starts (2026-06-01) after it ends (2026-05-01)"),
        "{error}"
    );
    let roster = InputFile {
        name: "roster.csv".into(),
        bytes: b"Name,Role\nAnn,Admin\n".to_vec(),
    };
    let error = convert_with_archives(&[], &mut sources, Some(&roster), &Options::default())
        .unwrap_err()
        .to_string();
    assert!(
        error.starts_with("roster.csv: this roster has no email column"),
        "{error}"
    );
    let error = ZipSource::new("notes.zip", Cursor::new(b"not a zip at all".to_vec()))
        .err()
        .unwrap()
        .to_string();
    assert!(
        error.starts_with("notes.zip: this is not a readable zip archive"),
        "{error}"
    );
    let options: Result<Options, _> = serde_json::from_str(r#"{"calls": "dialer"}"#);
    assert!(options.is_err());
    let options: Options = serde_json::from_str(
        r#"{"from": "2026-05-01", "to": null, "min_duration_seconds": 60, "calls": "meetings"}"#,
    )
    .unwrap();
    assert_eq!(options.calls, CallScope::Meetings);
}

#[test]
fn cli_converts_a_zip_and_a_folder() {
    let dir = scratch("cli-archive");
    let zip_path = dir.join("chorus-export.zip");
    std::fs::write(&zip_path, realistic_zip()).unwrap();
    let out = dir.join("package.zip");
    let roster = repo().join("tests/fixtures/archive_roster.csv");
    let (code, _, stderr) = cli(&[
        "convert",
        "--archive",
        zip_path.to_str().unwrap(),
        "--roster",
        roster.to_str().unwrap(),
        "--from",
        "2026-05-01",
        "--to",
        "2026-10-31",
        "--min-duration",
        "120",
        "--calls",
        "all",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stderr
            .contains("calls: 6 imported (2 with transcripts, 3 with recordings), 11 skipped; users: 4 (3 to create)"),
        "{stderr}"
    );
    let package = std::fs::read(&out).unwrap();
    validate_package(&package);
    let (_, library) = convert_zip(
        &realistic_zip(),
        Some(&fixture("archive_roster.csv")),
        &scope(),
    );
    assert_eq!(package, library, "the CLI writes what the library writes");

    let folder = repo().join("tests/fixtures/archive_realistic");
    let out = dir.join("from-folder.zip");
    let (code, _, stderr) = cli(&[
        "convert",
        "--archive",
        folder.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "-q",
    ]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(stderr, "");
    let entries = validate_package(&std::fs::read(&out).unwrap());
    assert!(entries
        .iter()
        .any(|(n, _)| *n == format!("transcripts/{A}.json")));

    let (code, stdout, _) = cli(&[
        "inspect",
        folder.to_str().unwrap(),
        zip_path.to_str().unwrap(),
    ]);
    assert_eq!(code, 0);
    assert!(
        stdout.starts_with(
            "archive_realistic: Chorus call archive - 19 entries: 3 engagement pages (17 engagements), 3 conversations, \
3 users files (4 users), 3 recordings, 3 ignored, 3 unrecognised, 1 unreadable; 4 problems"
        ),
        "{stdout}"
    );
    assert!(
        stdout.contains("chorus-export.zip: Chorus call archive - 22 entries:"),
        "{stdout}"
    );
}

#[test]
fn cli_exit_codes() {
    let dir = scratch("cli-codes");
    let out = dir.join("p.zip");
    let out = out.to_str().unwrap();
    let (code, _, stderr) = cli(&["convert", "--out", out]);
    assert_eq!(code, 2, "{stderr}");
    let (code, _, stderr) = cli(&[
        "convert",
        "--archive",
        "x.zip",
        "--from",
        "May 1",
        "--out",
        out,
    ]);
    assert_eq!(code, 2, "{stderr}");
    let (code, _, stderr) = cli(&[
        "convert",
        "--archive",
        "x.zip",
        "--calls",
        "dialer",
        "--out",
        out,
    ]);
    assert_eq!(code, 2, "{stderr}");
    let missing = dir.join("missing.zip");
    let (code, _, stderr) = cli(&[
        "convert",
        "--archive",
        missing.to_str().unwrap(),
        "--out",
        out,
    ]);
    assert_eq!(code, 1);
    assert!(
        stderr.starts_with(&format!(
            "error: {}: cannot read the archive",
            missing.display()
        )),
        "{stderr}"
    );
    let not_zip = dir.join("notes.zip");
    std::fs::write(&not_zip, "just text").unwrap();
    let (code, _, stderr) = cli(&[
        "convert",
        "--archive",
        not_zip.to_str().unwrap(),
        "--out",
        out,
    ]);
    assert_eq!(code, 1);
    assert!(
        stderr.starts_with("error: notes.zip: this is not a readable zip archive"),
        "{stderr}"
    );
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(!Path::new(out).exists());
}

#[test]
fn a_conversation_document_alone_is_a_call() {
    let (_, entries) = convert_fixture_folder("archive_conversation_only", &Options::default());
    let id = "c0ffee00000000000000000000000001";
    assert_eq!(
        calls_jsonl(&entries),
        [serde_json::json!({
            "source_id": id,
            "title": "Pilot review",
            "started_at": "2026-06-10T08:00:00Z",
            "duration_seconds": 1200,
            "kind": "meeting",
            "host_email": "owner@example.com",
            "participants": [
                {"name": "Olga Owner", "email": "owner@example.com", "title": null, "company": null, "side": "internal"},
                {"name": "Jörg Käufer", "email": "joerg@beispiel.example", "title": null, "company": "Beispiel GmbH", "side": "external"},
                {"name": "Ida Internal", "email": "ida@example.com", "title": null, "company": null, "side": "internal"}
            ],
            "account": {"id": "4242", "name": "Beispiel GmbH"},
            "opportunity": null,
            "language": "de",
            "chorus_url": format!("https://chorus.ai/meeting/{id}"),
            "transcript": format!("transcripts/{id}.json"),
            "media": null,
            "chorus_summary": null,
            "chorus_action_items": []
        })]
    );
    assert_eq!(
        json_entry(&entries, &format!("transcripts/{id}.json")),
        serde_json::json!({
            "source_id": id,
            "speakers": [
                {"id": 1, "name": "Olga Owner", "email": "owner@example.com", "side": "internal"},
                {"id": 2, "name": "Jörg Käufer", "email": "joerg@beispiel.example", "side": "external"},
                {"id": 3, "name": "Ida Internal", "email": "ida@example.com", "side": "internal"}
            ],
            "utterances": [
                {"speaker": 1, "start_ms": 0, "end_ms": 3500, "text": "Willkommen zum Review."},
                {"speaker": 2, "start_ms": 4000, "end_ms": 8000, "text": "Grüß Gott, gerne."},
                {"speaker": 3, "start_ms": 9000, "end_ms": 10500, "text": "Ida here."}
            ]
        })
    );
    assert_eq!(
        json_entry(&entries, "users.json"),
        serde_json::json!({"users": [
            {"email": "ida@example.com", "name": "Ida Internal", "action": "create", "role": "Analyst", "chorus_user_id": null},
            {"email": "owner@example.com", "name": "Olga Owner", "action": "create", "role": "Analyst", "chorus_user_id": "77"}
        ]})
    );
}

#[test]
fn lenient_values_read_into_one_strict_model() {
    let (conversion, entries) =
        convert_fixture_folder("archive_lenient_values", &Options::default());
    let calls = calls_jsonl(&entries);
    let fields: Vec<(&str, &str, u64, &str)> = calls
        .iter()
        .map(|c| {
            (
                c["source_id"].as_str().unwrap(),
                c["started_at"].as_str().unwrap(),
                c["duration_seconds"].as_u64().unwrap(),
                c["kind"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        fields,
        [
            (
                "d0000000000000000000000000000001",
                "2026-06-02T14:00:00Z",
                1834,
                "meeting"
            ),
            (
                "d0000000000000000000000000000002",
                "2026-06-02T14:00:00Z",
                66,
                "call"
            ),
        ]
    );
    assert_eq!(calls[0]["title"], "Epoch milliseconds as a string");
    assert_eq!(calls[0]["language"], "en");
    assert_eq!(
        calls[0]["account"],
        serde_json::json!({"id": null, "name": "Rep Example Meetings"})
    );
    assert_eq!(
        calls[0]["opportunity"],
        serde_json::json!({"id": "9876543210123", "name": "Big deal"})
    );
    let sides: Vec<&str> = calls[0]["participants"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["side"].as_str().unwrap())
        .collect();
    assert_eq!(sides, ["internal", "unknown"]);
    assert_eq!(
        skipped(&conversion),
        [
            (
                "d0000000000000000000000000000003".to_string(),
                SkipReason::NoShow
            ),
            (
                "d0000000000000000000000000000004".to_string(),
                SkipReason::Unreadable
            ),
        ]
    );
}

/// Chorus's own summaries and action items, in every shape seen or
/// plausible, end up in `chorus_summary` and `chorus_action_items`: the
/// conversation document's first, else the engagement's.
#[test]
fn chorus_summaries_and_action_items_are_carried_into_calls() {
    let (_, entries) =
        convert_fixture_folder("archive_summaries_action_items", &Options::default());
    let calls = calls_jsonl(&entries);
    let carried: Vec<(&str, serde_json::Value, serde_json::Value)> = calls
        .iter()
        .map(|c| {
            (
                c["source_id"].as_str().unwrap(),
                c["chorus_summary"].clone(),
                c["chorus_action_items"].clone(),
            )
        })
        .collect();
    use serde_json::json;
    assert_eq!(
        carried,
        [
            // A string and a list of strings in the document win over the engagement's.
            (
                "5a000000000000000000000000000001",
                json!("Pat wants a proposal for 50 seats."),
                json!(["Send the proposal", "Book the security review"])
            ),
            // Only an engagement: a summary object, and items as objects of
            // every text-like key (one without any, and a blank string, left out).
            (
                "5a000000000000000000000000000002",
                json!("Pat wants a proposal for 50 seats."),
                json!([
                    "Send the proposal",
                    "Book the security review",
                    "Share the SOC 2 report",
                    "Plan the pilot",
                    "Follow up on Friday"
                ])
            ),
            // The document's summary is null: the engagement's (a string of
            // two lines) is used; the document's items are one string, a line each.
            (
                "5a000000000000000000000000000003",
                json!("Budget is approved.\nLegal reviews next week."),
                json!(["Send the contract", "Loop in legal", "Schedule the kickoff"])
            ),
            // Missing everywhere.
            ("5a000000000000000000000000000004", json!(null), json!([])),
            // The document's summary as an object; its list is empty, so the
            // engagement's numbered lines are used.
            (
                "5a000000000000000000000000000005",
                json!("Short check-in call."),
                json!(["Call back on Monday", "Email the deck"])
            ),
            // Blank texts, an empty wrapped list and a number: none.
            ("5a000000000000000000000000000006", json!(null), json!([])),
        ]
    );
    // The fields are on every line, after the others, as the writer orders them.
    let (_, bytes) = entries.iter().find(|(n, _)| n == "calls.jsonl").unwrap();
    let text = String::from_utf8(bytes.clone()).unwrap();
    let fourth = text.lines().nth(3).unwrap();
    assert!(
        fourth.ends_with(",\"media\":null,\"chorus_summary\":null,\"chorus_action_items\":[]}"),
        "{fourth}"
    );
}

#[test]
fn a_video_is_preferred_over_audio_recordings_of_the_same_call() {
    let (conversion, entries) =
        convert_fixture_folder("archive_two_recordings_one_call", &Options::default());
    let id = "e0000000000000000000000000000001";
    assert_eq!(calls_jsonl(&entries)[0]["media"], format!("media/{id}.mp4"));
    let (_, video) = entries
        .iter()
        .find(|(n, _)| *n == format!("media/{id}.mp4"))
        .unwrap();
    assert!(video.ends_with(b"video\n"));
    let duplicates: Vec<String> = conversion
        .report
        .iter()
        .filter(|e| e.code == ReasonCode::DuplicateRecord)
        .map(|e| e.location.entry.clone().unwrap())
        .collect();
    assert_eq!(duplicates, [format!("{id}_audio.m4a"), format!("{id}.wav")]);
}

/// A download cut off anywhere gives a report entry, never a panic, and the
/// calls the rest of the archive holds still convert.
#[test]
fn truncated_documents_never_panic() {
    let dir = repo().join("tests/fixtures/archive_realistic/export");
    for name in [
        "conversations/aaaa0000000000000000000000000001.json",
        "engagements/page-1.json",
        "users/users.json",
    ] {
        let bytes = std::fs::read(dir.join(name)).unwrap();
        for cut in (0..bytes.len()).step_by(7) {
            let entry_name = format!("{}", Path::new(name).file_name().unwrap().to_string_lossy());
            let zip = {
                let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
                zip.start_file(entry_name.as_str(), SimpleFileOptions::default())
                    .unwrap();
                zip.write_all(&bytes[..cut]).unwrap();
                zip.finish().unwrap().into_inner()
            };
            let (_, package) = convert_zip(&zip, None, &Options::default());
            assert_eq!(unzip(&package).last().unwrap().0, "manifest.json");
        }
    }
}

/// The archive `chorus2outdoo fetch` writes (its test fixture, served by the
/// mock Chorus API) converts as it is.
#[test]
fn a_fetched_archive_converts() {
    let zip = zip_folder(&repo().join("tests/fixtures/api"), &[]);
    let (conversion, package) = convert_zip(&zip, None, &Options::default());
    validate_package(&package);
    let outcome = conversion.calls.as_ref().unwrap();
    assert_eq!((outcome.calls.len(), outcome.skipped.len()), (4, 1));
    assert_eq!(outcome.archives[0].unrecognised, 0);
}

mod property {
    use super::*;
    use proptest::prelude::*;
    use serde_json::{json, Value};

    const KEYS: &[&str] = &[
        "engagements",
        "engagement_id",
        "engagement_type",
        "date_time",
        "duration",
        "no_show",
        "processing_state",
        "participants",
        "type",
        "email",
        "is_my_team",
        "person_id",
        "data",
        "id",
        "attributes",
        "private",
        "status",
        "recording",
        "utterances",
        "clusters",
        "snippet",
        "snippet_time",
        "snippet_length",
        "speaker_id",
        "participant",
        "speaker_type",
        "users",
        "missing",
        "errors",
    ];

    /// JSON built from the keys Chorus documents use, with values of any shape.
    fn chorus_like() -> impl Strategy<Value = Value> {
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::Bool),
            any::<i64>().prop_map(|n| json!(n)),
            any::<f64>().prop_map(|n| json!(n)),
            "[0-9a-fA-F]{0,33}".prop_map(Value::String),
            prop_oneof![
                Just("meeting"),
                Just("dialer"),
                Just("done"),
                Just("no show"),
                Just("true"),
                Just("rep"),
                Just("2026-06-02T14:00:00Z"),
                Just("recording")
            ]
            .prop_map(|s| json!(s)),
        ];
        leaf.prop_recursive(5, 64, 6, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
                prop::collection::vec((prop::sample::select(KEYS), inner), 0..6).prop_map(
                    |pairs| Value::Object(
                        pairs.into_iter().map(|(k, v)| (k.to_string(), v)).collect()
                    )
                ),
            ]
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

        #[test]
        fn any_chorus_like_entries_convert_without_panicking(
            documents in prop::collection::vec(chorus_like(), 1..4),
            scoped in any::<bool>(),
        ) {
            let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
            for (i, document) in documents.iter().enumerate() {
                zip.start_file(format!("{i:032x}.json"), SimpleFileOptions::default()).unwrap();
                zip.write_all(&serde_json::to_vec(document).unwrap()).unwrap();
            }
            let zip = zip.finish().unwrap().into_inner();
            let mut source = ZipSource::new("fuzz.zip", Cursor::new(zip)).unwrap();
            let mut sources: Vec<&mut dyn ArchiveSource> = vec![&mut source];
            let options = if scoped {
                Options { from: Some("2026-01-01".into()), min_duration_seconds: 1, ..Options::default() }
            } else {
                Options::default()
            };
            let conversion = convert_with_archives(&[], &mut sources, None, &options).unwrap();
            let package = conversion.write_package_with(&mut sources, Vec::new()).unwrap();
            validate_package(&package);
        }
    }
}

#[test]
fn the_preview_lists_the_first_report_entries_of_each_code_and_counts_them_all() {
    let options = chorus2outdoo::sample::SampleOptions {
        calls: 700,
        seed: 5,
        media: false,
        media_bytes: None,
    };
    let (zip, _) = chorus2outdoo::sample::write_sample(Cursor::new(Vec::new()), &options).unwrap();
    let (conversion, _) = convert_zip(&zip.into_inner(), None, &Options::default());
    let entries: Vec<_> = conversion.report.iter().collect();
    let total = entries.len();
    let count = |code: &str| entries.iter().filter(|e| e.code.as_str() == code).count();
    assert!(count("missing_media") > 500, "{total} report entries");
    let preview = serde_json::to_value(conversion.preview()).unwrap();
    assert_eq!(preview["report_entries"], total);
    // Every code with its exact count, in the order each first appears.
    let mut codes: Vec<&str> = Vec::new();
    for entry in &entries {
        if !codes.contains(&entry.code.as_str()) {
            codes.push(entry.code.as_str());
        }
    }
    let expected: Vec<serde_json::Value> = codes
        .iter()
        .map(|&code| {
            let severity = entries
                .iter()
                .filter(|e| e.code.as_str() == code)
                .map(|e| e.severity)
                .max()
                .unwrap();
            serde_json::json!({"code": code, "severity": severity, "entries": count(code)})
        })
        .collect();
    assert_eq!(preview["report_codes"], serde_json::json!(expected));
    // The first 500 entries of each code, in report order: every entry of
    // the codes with fewer, and missing_media's first 500 only.
    let listed: Vec<serde_json::Value> = {
        let mut seen = std::collections::HashMap::new();
        entries
            .iter()
            .filter(|e| {
                let n = seen.entry(e.code.as_str()).or_insert(0);
                *n += 1;
                *n <= 500
            })
            .map(|e| serde_json::to_value(e).unwrap())
            .collect()
    };
    assert_eq!(preview["report"], serde_json::json!(listed));
    assert_eq!(
        preview["report_codes"],
        serde_json::json!([
            {"code": "missing_media", "severity": "warning", "entries": 635},
            {"code": "tracker_not_exported", "severity": "review", "entries": 6},
        ])
    );
    assert_eq!(listed.len(), 506);
}

/// Entries written every way a zip tool writes them: sizes in the local
/// header (a seekable writer), deferred to data descriptors (a streaming
/// writer), zip64 sizes, stored and deflated, and the whole zip after a
/// stub (a self-extractor's): `ZipSource` opens each from where the
/// central directory puts it and reads back exactly what went in.
#[test]
fn zip_entries_open_from_their_place_however_the_zip_was_written() {
    let contents: Vec<(String, Vec<u8>)> = (0..6)
        .map(|i| {
            let text: Vec<u8> = (0..1500 * (i + 1))
                .flat_map(|n| format!("{{\"n\": {n}, \"i\": {i}}}\n").into_bytes())
                .collect();
            (format!("conversations/{i:032x}.json"), text)
        })
        .collect();
    let options = |i: usize| {
        SimpleFileOptions::default()
            .compression_method(if i.is_multiple_of(2) {
                zip::CompressionMethod::Deflated
            } else {
                zip::CompressionMethod::Stored
            })
            .large_file(i == 4)
    };
    fn write_all<W: Write + std::io::Seek>(
        mut zip: zip::ZipWriter<W>,
        contents: &[(String, Vec<u8>)],
        options: impl Fn(usize) -> SimpleFileOptions,
    ) -> W {
        for (i, (name, bytes)) in contents.iter().enumerate() {
            zip.start_file(name.as_str(), options(i)).unwrap();
            zip.write_all(bytes).unwrap();
        }
        zip.finish().unwrap()
    }
    let seekable = write_all(
        zip::ZipWriter::new(Cursor::new(Vec::new())),
        &contents,
        options,
    )
    .into_inner();
    let mut streamed = zip::ZipWriter::new_stream(Vec::new());
    for (i, (name, bytes)) in contents.iter().enumerate() {
        streamed.start_file(name.as_str(), options(i)).unwrap();
        streamed.write_all(bytes).unwrap();
    }
    let streamed = streamed.finish().unwrap().into_inner();
    let mut stubbed = b"#!/bin/sh\necho a self-extracting stub\nexit 0\n".to_vec();
    stubbed.extend_from_slice(&seekable);

    for (how, zip) in [
        ("seekable", seekable),
        ("streamed", streamed),
        ("stubbed", stubbed),
    ] {
        let mut source = ZipSource::unhashed("calls.zip", Cursor::new(zip)).unwrap();
        assert_eq!(source.entry_count(), contents.len(), "{how}");
        // In reverse order: each entry is found from its place alone.
        for index in (0..contents.len()).rev() {
            let (name, bytes) = &contents[index];
            assert_eq!(&source.entry(index).unwrap().name, name, "{how}");
            let mut read = Vec::new();
            std::io::Read::read_to_end(&mut source.open(index).unwrap(), &mut read).unwrap();
            assert!(
                &read == bytes,
                "{how}: entry {index} reads back differently"
            );
        }
    }
}

/// A stored entry whose bytes changed after it was written fails its
/// checksum while read, naming the problem, instead of handing over the
/// changed bytes.
#[test]
fn a_zip_entry_whose_bytes_changed_fails_its_checksum() {
    let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let stored = SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    zip.start_file("users.json", stored).unwrap();
    zip.write_all(b"{\"users\": [\"ALPHA\"]}").unwrap();
    let mut bytes = zip.finish().unwrap().into_inner();
    let at = bytes.windows(5).position(|w| w == b"ALPHA").unwrap();
    bytes[at] = b'B';
    let mut source = ZipSource::unhashed("calls.zip", Cursor::new(bytes)).unwrap();
    let mut read = Vec::new();
    let error = std::io::Read::read_to_end(&mut source.open(0).unwrap(), &mut read).unwrap_err();
    assert_eq!(error.to_string(), "Invalid checksum");
}

/// Two entries under one name (which a zip tool can write, though the zip
/// crate's writer refuses to): both are listed, in central directory
/// order, and each opens to its own bytes.
#[test]
fn entries_that_share_a_name_are_all_listed() {
    let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let stored = SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    for (name, bytes) in [("users-1.csv", "first"), ("users-2.csv", "second")] {
        zip.start_file(name, stored).unwrap();
        zip.write_all(bytes.as_bytes()).unwrap();
    }
    let mut bytes = zip.finish().unwrap().into_inner();
    // The second name, in its local header and its central record.
    let mut renamed = 0;
    while let Some(at) = bytes.windows(11).position(|w| w == b"users-2.csv") {
        bytes[at..at + 11].copy_from_slice(b"users-1.csv");
        renamed += 1;
    }
    assert_eq!(renamed, 2);
    let mut source = ZipSource::unhashed("calls.zip", Cursor::new(bytes)).unwrap();
    assert_eq!(source.entry_count(), 2);
    for (index, expected) in ["first", "second"].into_iter().enumerate() {
        assert_eq!(source.entry(index).unwrap().name, "users-1.csv");
        let mut read = String::new();
        std::io::Read::read_to_string(&mut source.open(index).unwrap(), &mut read).unwrap();
        assert_eq!(read, expected);
    }
    assert_eq!(source.entry(2), None);
}
