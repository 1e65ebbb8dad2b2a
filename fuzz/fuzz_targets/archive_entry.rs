//! Any bytes as one entry of a call archive (an engagement page, a
//! conversation document, a users list or CSV, a recording; the first byte
//! picks the entry's name), next to a valid engagement page: converted, the
//! package written and verified.
#![no_main]

use chorus2outdoo::{convert_with_archives, ArchiveSource, Options, ZipSource};
use libfuzzer_sys::fuzz_target;
use std::io::{Cursor, Write};

const PAGE: &[u8] = br#"{"engagements": [{"engagement_id": "aaaa0000000000000000000000000001",
 "engagement_type": "meeting", "date_time": 1780000000, "duration": 600,
 "processing_state": "done", "user_email": "host@example.com"}]}"#;

const NAMES: [&str; 4] = [
    "aaaa0000000000000000000000000001_transcript.json",
    "aaaa0000000000000000000000000001.mp4",
    "export/users.csv",
    "page-2.json",
];

fuzz_target!(|data: &[u8]| {
    let Some((choice, content)) = data.split_first() else {
        return;
    };
    let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let options =
        zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    zip.start_file("page-1.json", options).unwrap();
    zip.write_all(PAGE).unwrap();
    zip.start_file(NAMES[*choice as usize % NAMES.len()], options)
        .unwrap();
    zip.write_all(content).unwrap();
    let zip = zip.finish().unwrap().into_inner();

    let mut source = ZipSource::new("archive.zip", Cursor::new(&zip[..])).unwrap();
    let mut sources: Vec<&mut dyn ArchiveSource> = vec![&mut source];
    let conversion = convert_with_archives(&[], &mut sources, None, &Options::default()).unwrap();
    if let Ok(package) = conversion.write_package_with(&mut sources, Vec::new()) {
        let verification = chorus2outdoo::verify_package_bytes(&package);
        assert!(verification.is_ok(), "{:?}", verification.problems);
    }
});
