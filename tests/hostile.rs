//! Hostile and broken input, built here in the test code: zip bombs, entries
//! that inflate beyond their declared size, absurd entry counts, gigantic
//! cells, deep JSON nesting, truncated and fake zips, empty files, entry
//! names and ids that try to reach other paths, and spreadsheet formulas in
//! names. Each stops only the file or entry concerned, with a message naming
//! it; the rest converts.

mod common;

use chorus2outdoo::model::calls::SkipReason;
use chorus2outdoo::report::{ReasonCode, ReportEntry, Severity};
use chorus2outdoo::{
    convert, convert_with_archives, ArchiveSource, Conversion, InputFile, Limits, Options,
    ZipSource,
};
use common::validate_package;
use std::io::{Cursor, Write};
use zip::write::SimpleFileOptions;

const A: &str = "aaaa0000000000000000000000000001";
const B: &str = "bbbb0000000000000000000000000002";

fn zip_of(entries: &[(&str, &[u8])]) -> Vec<u8> {
    let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let options = SimpleFileOptions::default().last_modified_time(zip::DateTime::default());
    for (name, bytes) in entries {
        zip.start_file(*name, options).unwrap();
        zip.write_all(bytes).unwrap();
    }
    zip.finish().unwrap().into_inner()
}

/// An engagement page holding one recorded meeting per id, with a host.
fn engagement_page(ids: &[&str]) -> Vec<u8> {
    let engagements: Vec<_> = ids
        .iter()
        .map(|id| {
            serde_json::json!({
                "engagement_id": id, "engagement_type": "meeting", "date_time": 1780000000,
                "duration": 600, "processing_state": "done", "subject": "Discovery",
                "user_email": "host@example.com", "user_name": "Hana Host"
            })
        })
        .collect();
    serde_json::to_vec(&serde_json::json!({ "engagements": engagements })).unwrap()
}

fn convert_archive(zip: &[u8], limits: Option<Limits>) -> (Conversion, Vec<u8>) {
    let mut source = ZipSource::new("hostile.zip", Cursor::new(zip)).unwrap();
    if let Some(limits) = limits {
        source = source.with_limits(limits);
    }
    let mut sources: Vec<&mut dyn ArchiveSource> = vec![&mut source];
    let conversion = convert_with_archives(&[], &mut sources, None, &Options::default()).unwrap();
    let package = conversion
        .write_package_with(&mut sources, Vec::new())
        .unwrap();
    validate_package(&package);
    (conversion, package)
}

fn imported_ids(conversion: &Conversion) -> Vec<String> {
    conversion
        .calls
        .as_ref()
        .unwrap()
        .calls
        .iter()
        .map(|c| c.call.source_id.clone())
        .collect()
}

/// The report entries `keep` keeps, as "location: message".
fn report_lines(conversion: &Conversion, keep: impl Fn(&ReportEntry) -> bool) -> Vec<String> {
    conversion
        .report
        .iter()
        .filter(|e| keep(e))
        .map(|e| format!("{}: {}", e.location, e.message))
        .collect()
}

/// The unreadable-record errors of the report.
fn errors(conversion: &Conversion) -> Vec<String> {
    report_lines(conversion, |e| {
        e.severity == Severity::Error && e.code == ReasonCode::UnreadableRecord
    })
}

fn tracker_error(name: &str, bytes: Vec<u8>, options: &Options) -> String {
    let file = InputFile {
        name: name.to_string(),
        bytes,
    };
    convert(&[file], options)
        .err()
        .unwrap_or_else(|| panic!("{name} should not convert"))
        .to_string()
}

#[test]
fn a_zip_bomb_entry_is_refused_and_the_rest_converts() {
    // 4 MB of spaces after a bracket deflate about 1,000:1.
    let mut bomb = b"[".to_vec();
    bomb.resize(4 * 1024 * 1024, b' ');
    let zip = zip_of(&[
        ("export/page-1.json", &engagement_page(&[A])),
        ("export/bomb.json", &bomb),
    ]);
    let (conversion, _) = convert_archive(&zip, None);
    assert_eq!(imported_ids(&conversion), [A]);
    let errors = errors(&conversion);
    assert_eq!(errors.len(), 1, "{errors:#?}");
    assert!(
        errors[0].starts_with("hostile.zip entry export/bomb.json: the entry cannot be read")
            && errors[0].contains("looks like a zip bomb"),
        "{errors:#?}"
    );
}

/// Rewrites the uncompressed size of every entry of a zip (local headers
/// and central directory) to `size`, as a lying archive would declare it.
fn declare_size(zip: &mut [u8], size: u32) {
    let mut at = 0;
    while at + 46 <= zip.len() {
        match &zip[at..at + 4] {
            b"PK\x03\x04" => zip[at + 22..at + 26].copy_from_slice(&size.to_le_bytes()),
            b"PK\x01\x02" => zip[at + 24..at + 28].copy_from_slice(&size.to_le_bytes()),
            _ => {}
        }
        at += 1;
    }
}

#[test]
fn an_entry_inflating_beyond_its_declared_size_is_stopped() {
    let page = engagement_page(&[A]);
    let mut big = b"{\"engagements\": [".to_vec();
    big.resize(200_000, b' ');
    big.extend_from_slice(b"]}");
    // Only the second entry lies: patch a zip of it alone, then check both.
    let mut lying = zip_of(&[("export/lying.json", &big)]);
    declare_size(&mut lying, 1000);
    let mut archive = zip::ZipArchive::new(Cursor::new(&lying)).unwrap();
    assert_eq!(archive.by_index(0).unwrap().size(), 1000);
    let mut source = ZipSource::new("hostile.zip", Cursor::new(&lying)).unwrap();
    let mut sources: Vec<&mut dyn ArchiveSource> = vec![&mut source];
    let conversion = convert_with_archives(&[], &mut sources, None, &Options::default()).unwrap();
    let found = errors(&conversion);
    assert_eq!(found.len(), 1, "{found:#?}");
    assert!(
        found[0].starts_with("hostile.zip entry export/lying.json: ")
            && found[0].contains("larger than its declared uncompressed size"),
        "{found:#?}"
    );
    // Next to a good entry, the good one still converts.
    let mut zip = zip_of(&[("export/page-1.json", &page), ("export/lying.json", &big)]);
    let page_len = page.len() as u32;
    declare_size(&mut zip, page_len);
    let (conversion, _) = convert_archive(&zip, None);
    assert_eq!(imported_ids(&conversion), [A]);
    assert_eq!(errors(&conversion).len(), 1);
}

#[test]
fn an_absurd_entry_count_stops_the_archive_with_its_name() {
    let names: Vec<String> = (0..50).map(|i| format!("notes/{i}.txt")).collect();
    let page = engagement_page(&[A]);
    let mut entries: Vec<(&str, &[u8])> = names.iter().map(|n| (n.as_str(), &b"x"[..])).collect();
    entries.push(("page.json", &page));
    let zip = zip_of(&entries);
    let limits = Limits {
        max_entries: 40,
        ..Limits::default()
    };
    let (conversion, _) = convert_archive(&zip, Some(limits));
    assert!(imported_ids(&conversion).is_empty());
    assert_eq!(
        errors(&conversion),
        ["hostile.zip: the archive has 51 entries, more than the limit of 40; none of them were read"]
    );
    assert_eq!(Limits::default().max_entries, 1_000_000);
}

#[test]
fn a_gigantic_cell_stops_the_tracker_file_naming_row_and_column() {
    let mut csv = b"Name,Keywords,Category\nPricing,price,Deal\nHuge,".to_vec();
    csv.resize(csv.len() + 1024 * 1024 + 1, b'a');
    csv.extend_from_slice(b",Deal\n");
    let message = tracker_error("huge.csv", csv.clone(), &Options::default());
    assert_eq!(
        message,
        "huge.csv row 3: column 2 holds 1048577 bytes, more than the limit of 1048576 for one cell; this is not a tracker export"
    );
    // The limit is the library's to choose.
    let roomy = Options {
        limits: Limits {
            max_cell_bytes: 2 * 1024 * 1024,
            ..Limits::default()
        },
        ..Options::default()
    };
    assert!(convert(
        &[InputFile {
            name: "huge.csv".into(),
            bytes: csv
        }],
        &roomy
    )
    .is_ok());

    let mut json = br#"[{"name": "Pricing", "keywords": [""#.to_vec();
    json.resize(json.len() + 1024 * 1024 + 1, b'a');
    json.extend_from_slice(br#""]}]"#);
    let message = tracker_error("huge.json", json, &Options::default());
    assert!(
        message.starts_with("huge.json at /0/keywords/0: a string of more than 1048576 bytes"),
        "{message}"
    );
}

#[test]
fn a_workbook_that_would_inflate_too_far_is_refused() {
    let sheet = vec![b' '; 4 * 1024 * 1024];
    let xlsx = zip_of(&[
        ("xl/workbook.xml", b"<workbook/>"),
        ("xl/worksheets/sheet1.xml", &sheet),
    ]);
    let message = tracker_error("bomb.xlsx", xlsx.clone(), &Options::default());
    assert!(
        message.starts_with("bomb.xlsx entry xl/worksheets/sheet1.xml: it would inflate ")
            && message.contains("looks like a zip bomb"),
        "{message}"
    );
    let small = Options {
        limits: Limits {
            max_workbook_bytes: 1000,
            max_compression_ratio: 100_000,
            ..Limits::default()
        },
        ..Options::default()
    };
    let message = tracker_error("bomb.xlsx", xlsx, &small);
    assert!(
        message.starts_with("bomb.xlsx: the workbook would inflate to 4194315 bytes"),
        "{message}"
    );
}

#[test]
fn a_json_entry_over_the_configured_limit_is_refused_in_both_passes() {
    let mut conversation = serde_json::to_vec(&serde_json::json!({"data": {
        "id": A,
        "attributes": {"recording": {"start_time": "2026-07-01T16:30:00.000Z", "duration": 600,
            "utterances": [{"index": 1, "snippet_time": 0.0, "snippet_length": 2.0,
                "snippet": "hello ".repeat(400)}]}}
    }}))
    .unwrap();
    conversation.push(b'\n');
    let page = engagement_page(&[A]);
    let zip = zip_of(&[
        ("page-1.json", &page),
        (&format!("{A}_transcript.json"), &conversation),
    ]);
    let limits = Limits {
        max_json_entry_bytes: 1_000,
        ..Limits::default()
    };
    let (conversation_limited, package) = convert_archive(&zip, Some(limits));
    assert_eq!(imported_ids(&conversation_limited), [A]);
    let transcript_warning = |conversion: &Conversion| {
        report_lines(conversion, |e| e.code == ReasonCode::MissingTranscript)
    };
    assert_eq!(
        transcript_warning(&conversation_limited),
        [format!(
            "hostile.zip entry {A}_transcript.json: call {A}: its conversation document cannot be read \
(a JSON document of more than 1000 bytes; not read); imported without a transcript"
        )]
    );
    let paths: Vec<String> = common::unzip(&package)
        .into_iter()
        .map(|(n, _)| n)
        .collect();
    assert!(
        !paths.iter().any(|p| p.starts_with("transcripts/")),
        "{paths:?}"
    );

    // Within the default limits the same archive keeps its transcript.
    let (unlimited, package) = convert_archive(&zip, None);
    assert!(transcript_warning(&unlimited).is_empty());
    assert!(common::unzip(&package)
        .iter()
        .any(|(n, _)| n == &format!("transcripts/{A}.json")));
}

#[test]
fn a_tracker_file_over_the_size_limit_is_refused_with_its_name() {
    let limits = Limits {
        max_tracker_file_bytes: 20,
        ..Limits::default()
    };
    let csv = b"Name,Keywords\nPricing,price\n";
    let message = InputFile::read("big.csv", &csv[..], &limits)
        .unwrap_err()
        .to_string();
    assert_eq!(
        message,
        "big.csv: the file has more than 20 bytes, the limit for a tracker export or roster; not read"
    );
    let file = InputFile::read("small.csv", &csv[..20], &limits).unwrap();
    assert_eq!(file.bytes, &csv[..20]);
}

#[test]
fn deep_json_nesting_names_the_file_or_entry() {
    let deep = "[".repeat(100_000).into_bytes();
    let message = tracker_error("deep.json", deep.clone(), &Options::default());
    assert!(
        message.starts_with("deep.json: the JSON is not valid at line 1 column ")
            && message.contains("recursion limit exceeded"),
        "{message}"
    );

    // Deep nesting where a value is kept stops at serde_json's recursion limit.
    let mut nested = br#"{"errors": "#.to_vec();
    nested.extend("[".repeat(100_000).bytes());
    nested.extend("]".repeat(100_000).bytes());
    nested.push(b'}');
    // Where values are skipped, it is read without recursion: no error, no overflow.
    let mut skipped = br#"{"engagements": [{"participants": [{"name": "#.to_vec();
    skipped.extend("[".repeat(100_000).bytes());
    skipped.extend("]".repeat(100_000).bytes());
    skipped.extend(format!(r#"}}], "engagement_id": "{B}"}}]}}"#).bytes());
    let zip = zip_of(&[
        ("page-1.json", &engagement_page(&[A])),
        ("deep.json", &nested),
        ("skipped.json", &skipped),
    ]);
    let (conversion, _) = convert_archive(&zip, None);
    assert_eq!(imported_ids(&conversion), [A]);
    let errors = errors(&conversion);
    assert_eq!(errors.len(), 1, "{errors:#?}");
    assert!(
        errors[0].starts_with("hostile.zip entry deep.json: ")
            && errors[0].contains("recursion limit exceeded"),
        "{errors:#?}"
    );
}

#[test]
fn truncated_fake_and_empty_archives_name_the_file() {
    let zip = zip_of(&[("page-1.json", &engagement_page(&[A]))]);
    let cases: [(&str, Vec<u8>); 4] = [
        ("truncated.zip", zip[..zip.len() - 10].to_vec()),
        ("fake.zip", b"PK\x03\x04 this was never a zip".to_vec()),
        ("trackers.csv", b"Name,Keywords\nPricing,price\n".to_vec()),
        ("empty.zip", Vec::new()),
    ];
    for (name, bytes) in cases {
        let message = ZipSource::new(name, Cursor::new(bytes))
            .err()
            .unwrap_or_else(|| panic!("{name} opened"))
            .to_string();
        assert!(
            message.starts_with(&format!("{name}: this is not a readable zip archive")),
            "{message}"
        );
    }
    // Tracker exports: an empty file, a truncated workbook, a zip.
    assert_eq!(
        tracker_error("empty.csv", Vec::new(), &Options::default()),
        "empty.csv: the file is empty"
    );
    let xlsx = zip_of(&[("xl/workbook.xml", b"<workbook/>")]);
    let message = tracker_error(
        "cut.xlsx",
        xlsx[..xlsx.len() - 5].to_vec(),
        &Options::default(),
    );
    assert!(message.starts_with("cut.xlsx: "), "{message}");
    let message = tracker_error("calls.zip", zip, &Options::default());
    assert!(message.starts_with("calls.zip: this is a zip archive, not a tracker export"));
}

#[test]
fn hostile_entry_names_never_reach_output_paths() {
    let page = engagement_page(&[A, B]);
    let names = [
        format!("../../{A}.mp4"),
        format!("/etc/{B}.mp3"),
        format!("C:\\Windows\\{A}_video.webm"),
        format!("..\\..\\{B}\u{0007}\r\n.mp3"),
        format!("dir/\u{0000}{A}.mp4"),
    ];
    let mp4 = b"\0\0\0\x20ftypisom\0\0\0\0 video".to_vec();
    let mp3 = b"ID3\x04\0 audio".to_vec();
    let webm = b"\x1a\x45\xdf\xa3 webm".to_vec();
    let contents = [&mp4, &mp3, &webm, &mp3, &mp4];
    let mut entries: Vec<(&str, &[u8])> = vec![("page.json", &page)];
    for (name, content) in names.iter().zip(contents) {
        entries.push((name.as_str(), content));
    }
    let zip = zip_of(&entries);
    let (conversion, package) = convert_archive(&zip, None);
    assert_eq!(imported_ids(&conversion), [A, B]);
    let paths: Vec<String> = common::unzip(&package)
        .into_iter()
        .map(|(n, _)| n)
        .collect();
    for path in &paths {
        let safe = path
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"/._".contains(&b));
        assert!(
            safe && !path.contains("..") && !path.starts_with('/'),
            "{path}"
        );
    }
    assert!(paths.contains(&format!("media/{A}.mp4")), "{paths:?}");
    assert!(paths.contains(&format!("media/{B}.mp3")), "{paths:?}");
    assert_eq!(paths.iter().filter(|p| p.starts_with("media/")).count(), 2);
}

#[test]
fn engagement_ids_not_in_hex_form_are_rejected_with_a_message() {
    let bad = [
        "../../etc/passwd",
        "C:\\boot.ini",
        "aaaa000000000000000000000000000g",
        "12345",
    ];
    let page = engagement_page(&bad);
    let media = format!("{}.mp4", bad[0]);
    let zip = zip_of(&[
        ("page.json", &page),
        (&media, b"\0\0\0\x20ftypisom\0\0\0\0 video"),
    ]);
    let (conversion, package) = convert_archive(&zip, None);
    assert!(imported_ids(&conversion).is_empty());
    let skipped = &conversion.calls.as_ref().unwrap().skipped;
    assert_eq!(skipped.len(), bad.len());
    let mut bad = bad;
    bad.sort();
    for (skip, id) in skipped.iter().zip(bad) {
        assert_eq!(skip.reason, SkipReason::Unreadable);
        assert_eq!(skip.source_id, id);
        assert!(
            skip.message
                .starts_with(&format!("the engagement id \"{id}\" is not 32 hex digits")),
            "{}",
            skip.message
        );
    }
    let paths: Vec<String> = common::unzip(&package)
        .into_iter()
        .map(|(n, _)| n)
        .collect();
    assert!(paths
        .iter()
        .all(|p| !p.starts_with("media/") && !p.starts_with("transcripts/")));
}

#[test]
fn users_csv_neutralises_formulas_in_names() {
    let page = serde_json::to_vec(&serde_json::json!({"engagements": [{
        "engagement_id": A, "engagement_type": "meeting", "date_time": 1780000000,
        "duration": 600, "processing_state": "done",
        "user_email": "host@example.com", "user_name": "=HYPERLINK(\"http://evil.example\",\"click\")",
        "participants": [
            {"name": "@SUM(1+1)*cmd|' /C calc'!A0", "email": "rep@example.com", "type": "rep"},
            {"name": "+1-2", "email": "-x@example.com", "type": "rep"},
            {"name": "=1+1", "email": "pat@customer.example", "type": "prospect"}
        ]
    }]}))
    .unwrap();
    let zip = zip_of(&[("page.json", &page)]);
    let (_, package) = convert_archive(&zip, None);
    let entries = common::unzip(&package);
    let users_csv = &entries.iter().find(|(n, _)| n == "users.csv").unwrap().1;
    assert_eq!(
        String::from_utf8_lossy(users_csv),
        "email,name,action,role,chorus_user_id\r\n\
'-x@example.com,'+1-2,create,Analyst,\r\n\
host@example.com,\"'=HYPERLINK(\"\"http://evil.example\"\",\"\"click\"\")\",create,Analyst,\r\n\
rep@example.com,'@SUM(1+1)*cmd|' /C calc'!A0,create,Analyst,\r\n"
    );
    // users.json keeps the names as they are: only the CSV is for spreadsheets.
    let users_json = &entries.iter().find(|(n, _)| n == "users.json").unwrap().1;
    assert!(
        String::from_utf8_lossy(users_json).contains("\"name\": \"@SUM(1+1)*cmd|' /C calc'!A0\"")
    );
}

#[test]
fn a_warehouse_table_dump_in_an_archive_is_named_not_read_as_a_users_list() {
    // Fivetran's engagement_participant table has an email column, as a
    // users CSV does; it is named as the dump it is and left out.
    let dump = common::fixture("warehouse_engagement_participant.csv").bytes;
    let zip = zip_of(&[
        ("export/page-1.json", &engagement_page(&[A])),
        ("warehouse/engagement_participant.csv", &dump),
    ]);
    let (conversion, _) = convert_archive(&zip, None);
    assert_eq!(imported_ids(&conversion), [A]);
    let archive = &conversion.calls.as_ref().unwrap().archives[0];
    assert_eq!((archive.users_files, archive.unrecognised), (0, 1));
    assert_eq!(
        report_lines(&conversion, |e| e.code == ReasonCode::UnrecognisedEntry
            && e.severity == Severity::Warning),
        [
            "hostile.zip entry warehouse/engagement_participant.csv: a Chorus warehouse table dump (Fivetran \
             `engagement_participant` table), not Chorus API data; table dumps are not converted yet; ignored"
        ]
    );
}
