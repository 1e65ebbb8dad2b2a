//! The package is the same bytes however many threads prepare its
//! transcripts: the CLI with one thread, with several, and the library on
//! its own, on a generated sample archive (with media, so transcripts and
//! stored recordings follow each other) and on a folder.

use chorus2outdoo::sample::{write_sample, SampleOptions};
use chorus2outdoo::{convert_with_archives, ArchiveSource, Options, ZipSource};
use std::io::Cursor;
use std::path::Path;
use std::process::Command;

fn convert_cli(archive: &Path, jobs: u16, out: &Path) -> Vec<u8> {
    let status = Command::new(env!("CARGO_BIN_EXE_chorus2outdoo"))
        .args(["--quiet", "convert", "--archive"])
        .arg(archive)
        .args(["--jobs", &jobs.to_string(), "--out"])
        .arg(out)
        .status()
        .unwrap();
    assert!(status.success());
    std::fs::read(out).unwrap()
}

/// A generated archive with recordings (so transcripts and stored
/// recordings follow each other in the package).
fn sample_with_media(calls: usize, seed: u64) -> Vec<u8> {
    let options = SampleOptions {
        calls,
        seed,
        media: true,
        media_bytes: None,
    };
    let (sample, summary) = write_sample(Cursor::new(Vec::new()), &options).unwrap();
    assert!(summary.conversations > calls / 3, "{summary:?}");
    sample.into_inner()
}

#[test]
fn threads_do_not_change_the_package() {
    let dir = std::env::temp_dir().join(format!("chorus2outdoo-parallel-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let sample = sample_with_media(60, 7);
    let archive = dir.join("sample.zip");
    std::fs::write(&archive, &sample).unwrap();

    let mut source = ZipSource::new("sample.zip", Cursor::new(&sample[..])).unwrap();
    let mut sources: Vec<&mut dyn ArchiveSource> = vec![&mut source];
    let conversion = convert_with_archives(&[], &mut sources, None, &Options::default()).unwrap();
    assert!(conversion.transcript_jobs().len() > 20);
    let library = conversion
        .write_package_with(&mut sources, Vec::new())
        .unwrap();

    let one = convert_cli(&archive, 1, &dir.join("one.zip"));
    let three = convert_cli(&archive, 3, &dir.join("three.zip"));
    assert!(one == library, "one thread differs from the library");
    assert!(three == one, "three threads differ from one");

    // A folder of the same entries, read by every worker on its own.
    let folder = dir.join("folder");
    let mut zip = zip::ZipArchive::new(Cursor::new(&sample[..])).unwrap();
    zip.extract(&folder).unwrap();
    let one = convert_cli(&folder, 1, &dir.join("folder-one.zip"));
    let two = convert_cli(&folder, 2, &dir.join("folder-two.zip"));
    assert!(two == one, "two threads differ from one on a folder");
    std::fs::remove_dir_all(&dir).unwrap();
}

/// The way Web Workers build the package: entries prepared elsewhere and
/// handed over as plain parts (a manifest record, a one-entry zip and the
/// replay's counts), in any order of preparation, appended in package order.
#[test]
fn a_session_fed_with_handed_over_entries_gives_the_same_package() {
    use chorus2outdoo::decide::replay::Replay;
    use chorus2outdoo::write::calls::{prepare_transcript, PreparedTranscript};
    use chorus2outdoo::write::package::{PackageSession, PreparedEntry};

    let sample = sample_with_media(30, 11);
    let mut source = ZipSource::new("sample.zip", Cursor::new(&sample[..])).unwrap();
    let mut sources: Vec<&mut dyn ArchiveSource> = vec![&mut source];
    let trackers = chorus2outdoo::InputFile {
        name: "sample-trackers.csv".to_string(),
        bytes: chorus2outdoo::sample::sample_trackers_csv(),
    };
    let conversion =
        convert_with_archives(&[trackers], &mut sources, None, &Options::default()).unwrap();
    // The replay crosses to other workers as its list of triggers.
    let replay = Replay::new(conversion.replay().unwrap().triggers().to_vec());
    let expected = conversion
        .write_package_with(&mut sources, Vec::new())
        .unwrap();

    // Prepared last to first, as parts.
    let jobs = conversion.transcript_jobs();
    let mut parts: Vec<_> = jobs
        .iter()
        .rev()
        .map(|job| {
            let prepared = prepare_transcript(&job, &mut sources, Some(&replay)).unwrap();
            let (record, zip) = prepared.entry.into_parts();
            (record, zip, prepared.hits)
        })
        .collect();
    parts.reverse();
    let part = |(record, zip, hits): (_, Vec<u8>, _)| PreparedTranscript {
        entry: PreparedEntry::from_parts(record, zip).unwrap(),
        hits,
    };

    let mut session = PackageSession::begin(&conversion, Vec::new()).unwrap();
    let (first_record, first_zip, _) = parts[0].clone();
    // Out of order, and a record that does not match its zip, are refused.
    let (second_record, _, _) = parts[1].clone();
    let message = session
        .add_transcript(part(parts[1].clone()), &conversion, &mut sources)
        .unwrap_err()
        .to_string();
    assert_eq!(
        message,
        format!(
            "writing the package failed: {}: a transcript out of order (the package takes {} next)",
            second_record.path, first_record.path
        )
    );
    let mismatched = PreparedEntry::from_parts(second_record.clone(), first_zip.clone())
        .err()
        .unwrap()
        .to_string();
    assert!(
        mismatched.ends_with("a prepared entry that holds another entry than its record names"),
        "{mismatched}"
    );
    assert!(PreparedEntry::from_parts(first_record.clone(), b"not a zip".to_vec()).is_err());

    for handed_over in parts {
        session
            .add_transcript(part(handed_over), &conversion, &mut sources)
            .unwrap();
    }
    // The recordings in steps of at most 4 calls' (as the page copies
    // them), then of one recording each (past the first, no more than 0
    // bytes), the rest by `finish`: the same bytes.
    let recordings = conversion
        .calls
        .as_ref()
        .unwrap()
        .calls
        .iter()
        .filter(|planned| planned.media.is_some())
        .count();
    assert!(recordings > 12, "{recordings} recordings");
    let mut steps = 1;
    while session
        .add_recordings(&conversion, &mut sources, 4, u64::MAX)
        .unwrap()
    {
        steps += 1;
        if steps == 3 {
            break;
        }
    }
    assert_eq!(steps, 3, "left for finish");
    let mut one_each = 1;
    while session
        .add_recordings(&conversion, &mut sources, usize::MAX, 0)
        .unwrap()
    {
        one_each += 1;
        if one_each == recordings - 8 - 2 {
            break;
        }
    }
    assert_eq!(one_each, recordings - 8 - 2, "two left for finish");
    let package = session.finish(&conversion, &mut sources).unwrap();
    assert!(package == expected, "the session's package differs");

    // Recordings before every transcript is in are refused, as is finishing.
    let mut before = PackageSession::begin(&conversion, Vec::new()).unwrap();
    let refused = before
        .add_recordings(&conversion, &mut sources, 4, u64::MAX)
        .unwrap_err()
        .to_string();
    assert_eq!(
        refused,
        format!(
            "writing the package failed: {}: recordings come after every transcript",
            jobs.get(0).unwrap().path
        )
    );
    let early = before
        .finish(&conversion, &mut sources)
        .err()
        .unwrap()
        .to_string();
    assert_eq!(
        early,
        format!(
            "writing the package failed: {}: the package was finished without this transcript",
            jobs.get(0).unwrap().path
        )
    );
}
