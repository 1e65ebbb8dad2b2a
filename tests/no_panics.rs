//! Property tests: any bytes given to the tracker readers, the call archive
//! readers (whole zips, single entries) and the package verifier, and any
//! text given to the expression parser, end in a result or a typed error,
//! never a panic. (tests/archives.rs adds Chorus-shaped JSON documents.)

use chorus2outdoo::read::expression::{analyse, expression_signal, parse};
use chorus2outdoo::{convert, inspect, InputFile, Options};
use proptest::prelude::*;
use std::io::{Cursor, Write};

fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(format!(
        "{}/tests/fixtures/{name}",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap()
}

/// A small package to mutate.
fn package_bytes() -> Vec<u8> {
    let file = InputFile {
        name: "trackers.json".into(),
        bytes: fixture("trackers_array.json"),
    };
    convert(&[file], &Options::default())
        .unwrap()
        .write_package(Vec::new())
        .unwrap()
}

fn convert_bytes(bytes: Vec<u8>) {
    let file = InputFile {
        name: "fuzz".into(),
        bytes,
    };
    let _ = inspect(&file);
    if let Ok(conversion) = convert(&[file], &Options::default()) {
        conversion
            .write_package(Vec::new())
            .expect("writing to memory cannot fail");
    }
}

/// Any bytes as a call archive: refused, or converted and written.
fn convert_archive_bytes(zip: &[u8]) {
    use chorus2outdoo::{convert_with_archives, ArchiveSource, ZipSource};
    let Ok(mut source) = ZipSource::new("archive.zip", Cursor::new(zip)) else {
        return;
    };
    let _ = chorus2outdoo::inspect_archive(&mut source);
    let mut sources: Vec<&mut dyn ArchiveSource> = vec![&mut source];
    if let Ok(conversion) = convert_with_archives(&[], &mut sources, None, &Options::default()) {
        let _ = conversion.write_package_with(&mut sources, Vec::new());
    }
}

/// A zip of the given entries, deflated.
fn zip_of(entries: &[(&str, &[u8])]) -> Vec<u8> {
    let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
    for (name, bytes) in entries {
        zip.start_file(*name, zip::write::SimpleFileOptions::default())
            .unwrap();
        zip.write_all(bytes).unwrap();
    }
    zip.finish().unwrap().into_inner()
}

const PAGE: &[u8] = br#"{"engagements": [{"engagement_id": "aaaa0000000000000000000000000001",
 "engagement_type": "meeting", "date_time": 1780000000, "duration": 600,
 "processing_state": "done", "user_email": "host@example.com"}]}"#;

/// An archive of one engagement page, one conversation document and a recording.
fn small_archive() -> Vec<u8> {
    zip_of(&[
        ("page-1.json", PAGE),
        (
            "aaaa0000000000000000000000000001.json",
            br#"{"data": {"id": "aaaa0000000000000000000000000001", "type": "recording",
 "attributes": {"recording": {"utterances": [{"snippet": "hi", "snippet_time": 1}]}}}}"#,
        ),
        ("aaaa0000000000000000000000000001.mp3", b"ID3\x04\0 audio"),
    ])
}

/// A fixture with a few bytes overwritten, inserted or cut.
fn mutated(base: Vec<u8>) -> impl Strategy<Value = Vec<u8>> {
    let len = base.len().max(1);
    prop::collection::vec((0..len, any::<u8>(), 0u8..3), 1..8).prop_map(move |edits| {
        let mut bytes = base.clone();
        for (at, byte, how) in edits {
            let at = at.min(bytes.len());
            match how {
                0 if at < bytes.len() => bytes[at] = byte,
                1 => bytes.insert(at, byte),
                _ => bytes.truncate(at.max(1)),
            }
        }
        bytes
    })
}

/// Inputs the fuzz targets in fuzz/ found to fail, kept so they stay fixed.
#[test]
fn fuzz_findings_stay_fixed() {
    // A UTF-16 BE export whose phrase ended in a stray byte order mark
    // (U+FEFF): the phrase broke themes.schema.json's "no outer spaces" rule.
    let file = InputFile {
        name: "fuzz_trackers_utf16be_phrase_ends_in_bom.csv".into(),
        bytes: fixture("fuzz_trackers_utf16be_phrase_ends_in_bom.csv"),
    };
    let package = convert(&[file], &Options::default())
        .unwrap()
        .write_package(Vec::new())
        .unwrap();
    let verification = chorus2outdoo::verify_package_bytes(&package);
    assert!(verification.is_ok(), "{:?}", verification.problems);
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn random_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..512)) {
        convert_bytes(bytes);
    }

    #[test]
    fn csv_like_text_never_panics(text in "[a-zA-Z ,;\t|\"\r\n*()]{0,200}") {
        convert_bytes(format!("Name,Keywords,Category,Expression\n{text}").into_bytes());
    }

    #[test]
    fn mutated_csv_never_panics(bytes in mutated(fixture("trackers_normalisation.csv"))) {
        convert_bytes(bytes);
    }

    #[test]
    fn mutated_utf16_never_panics(bytes in mutated(fixture("trackers_tab_utf16le_bom.txt"))) {
        convert_bytes(bytes);
    }

    #[test]
    fn mutated_json_never_panics(bytes in mutated(fixture("trackers_array.json"))) {
        convert_bytes(bytes);
    }

    #[test]
    fn mutated_edits_never_panic(bytes in mutated(fixture("edits_tracker_hits.json"))) {
        // Beside the trackers it edits: refused with its place, or applied.
        let files = [
            InputFile { name: "trackers.csv".into(), bytes: fixture("trackers_replayed_on_tracker_hits.csv") },
            InputFile { name: "outdoo-edits.json".into(), bytes },
        ];
        if let Ok(conversion) = convert(&files, &Options::default()) {
            conversion.write_package(Vec::new()).expect("writing to memory cannot fail");
        }
    }

    #[test]
    fn mutated_gong_json_never_panics(bytes in mutated(fixture("trackers_gong_language_keywords.json"))) {
        convert_bytes(bytes);
    }

    #[test]
    fn mutated_xlsx_never_panics(bytes in mutated(fixture("trackers_workbook_named_sheet.xlsx"))) {
        convert_bytes(bytes);
    }

    #[test]
    fn random_bytes_as_an_archive_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..512)) {
        let mut zip = b"PK\x03\x04".to_vec();
        zip.extend(bytes);
        convert_archive_bytes(&zip);
    }

    #[test]
    fn mutated_archives_never_panic(bytes in mutated(small_archive())) {
        convert_archive_bytes(&bytes);
    }

    #[test]
    fn any_entry_in_an_archive_never_panics(
        entry in prop::collection::vec(any::<u8>(), 0..512),
        name in prop::sample::select(vec![
            "aaaa0000000000000000000000000001_transcript.json",
            "aaaa0000000000000000000000000001.mp4",
            "users.csv",
            "page-2.json",
        ]),
    ) {
        convert_archive_bytes(&zip_of(&[("page-1.json", PAGE), (name, &entry)]));
    }

    #[test]
    fn mutated_packages_never_panic_the_verifier(bytes in mutated(package_bytes())) {
        let _ = chorus2outdoo::verify_package_bytes(&bytes);
    }

    #[test]
    fn expressions_never_panic(text in "[a-z \"()*?!&|,~/0-9]{0,80}|(AND|OR|NOT|NEAR/3|W/2|\\(|\\)|\"a b\"|x|y\\*| )*") {
        if let Some(signal) = expression_signal(&text) {
            prop_assert!(signal.column >= 1 && signal.column <= text.chars().count(), "{signal}");
        }
        match parse(&text) {
            Ok(tree) => { let _ = analyse(&tree); }
            Err(error) => prop_assert!(error.column >= 1 && error.column <= text.chars().count() + 1, "{error}"),
        }
    }
}
