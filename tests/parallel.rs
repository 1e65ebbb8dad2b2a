//! The package is the same bytes however many threads prepare its
//! transcripts: the CLI with one thread, with several, and the library on
//! its own, on a generated sample archive (with media, so transcripts and
//! stored recordings follow each other) and on a folder.

use chorus2outdoo::sample::{write_sample, SampleOptions};
use chorus2outdoo::{convert_with_archives, ArchiveSource, Options, ZipSource};
use std::io::Cursor;
use std::path::Path;
use std::process::Command;

#[path = "support/package_checks.rs"]
mod package_checks;
use package_checks::{assert_crc_refused, Parts};

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
    let recordings = recordings_of(&conversion).len();
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

/// The same sample with every entry deflated, recordings too: they lie
/// compressed in the archive, so no reader can copy them as they lie.
fn deflated_everywhere(sample: &[u8]) -> Vec<u8> {
    use std::io::{Read, Write};
    let mut zip = zip::ZipArchive::new(Cursor::new(sample)).unwrap();
    let mut out = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .last_modified_time(zip::DateTime::default());
    for index in 0..zip.len() {
        let mut entry = zip.by_index(index).unwrap();
        let name = entry.name().unwrap().to_string();
        if entry.is_dir() {
            out.add_directory(name, options).unwrap();
            continue;
        }
        let mut bytes = Vec::new();
        entry.read_to_end(&mut bytes).unwrap();
        out.start_file(name, options).unwrap();
        out.write_all(&bytes).unwrap();
    }
    out.finish().unwrap().into_inner()
}

/// The recordings a conversion's package holds: path and size, in order.
fn recordings_of(conversion: &chorus2outdoo::Conversion) -> Vec<(String, u64)> {
    let calls = &conversion.calls.as_ref().unwrap().calls;
    calls
        .iter()
        .filter(|planned| planned.media.is_some())
        .map(|planned| (planned.call.media.clone().unwrap(), planned.media_bytes))
        .collect()
}

/// The conversion of the archive `sample.zip` holding `archive`, and the
/// library's package of it.
fn converted(archive: &[u8]) -> (chorus2outdoo::Conversion, Vec<u8>) {
    let mut source = ZipSource::new("sample.zip", Cursor::new(archive)).unwrap();
    let mut sources: Vec<&mut dyn ArchiveSource> = vec![&mut source];
    let conversion = convert_with_archives(&[], &mut sources, None, &Options::default()).unwrap();
    let package = conversion
        .write_package_with(&mut sources, Vec::new())
        .unwrap();
    (conversion, package)
}

/// A session of the package written whole with every transcript in,
/// recordings still to come.
fn with_transcripts(
    conversion: &chorus2outdoo::Conversion,
    sources: &mut [&mut dyn ArchiveSource],
) -> chorus2outdoo::write::package::PackageSession<chorus2outdoo::write::package::Whole<Vec<u8>>> {
    use chorus2outdoo::write::calls::prepare_transcript;
    let mut session =
        chorus2outdoo::write::package::PackageSession::begin(conversion, Vec::new()).unwrap();
    for job in conversion.transcript_jobs().iter() {
        let prepared = prepare_transcript(&job, sources, None).unwrap();
        session
            .add_transcript(prepared, conversion, sources)
            .unwrap();
    }
    session
}

/// The package of `session` with every recording left copied by the
/// session itself (none of at least `read_from` bytes is left to read),
/// and how many it copied.
fn copied_by_the_session(
    mut session: chorus2outdoo::write::package::PackageSession<
        chorus2outdoo::write::package::Whole<Vec<u8>>,
    >,
    conversion: &chorus2outdoo::Conversion,
    sources: &mut [&mut dyn ArchiveSource],
    read_from: u64,
) -> (Vec<u8>, usize) {
    use chorus2outdoo::write::package::NextRecording;
    let mut copied = 0;
    while let Some(next) = session
        .next_recording(conversion, sources, read_from)
        .unwrap()
    {
        assert_eq!(next, NextRecording::Copied);
        copied += 1;
    }
    (session.finish(conversion, sources).unwrap(), copied)
}

/// The way the page copies recordings: each one stored as it is in its
/// archive is begun by the session, which says where its bytes lie, and
/// the caller reads them and hands them over in pieces; the package is the
/// same bytes as the library's. Bytes that do not match the archive's
/// CRC-32, or too many or too few of them, are refused by name.
#[test]
fn recordings_handed_over_in_pieces_give_the_same_package() {
    use chorus2outdoo::write::package::{NextRecording, PackageSession};

    let sample = sample_with_media(30, 11);
    let (conversion, expected) = converted(&sample);
    let mut source = ZipSource::new("sample.zip", Cursor::new(&sample[..])).unwrap();
    let mut sources: Vec<&mut dyn ArchiveSource> = vec![&mut source];
    let recordings = recordings_of(&conversion);
    assert!(recordings.len() > 12, "{} recordings", recordings.len());

    // Every recording read from the archive's bytes, in pieces of 1,000.
    let mut session = with_transcripts(&conversion, &mut sources);
    let mut read = Vec::new();
    while let Some(next) = session
        .next_recording(&conversion, &mut sources, 0)
        .unwrap()
    {
        let NextRecording::Read {
            archive,
            entry,
            range,
        } = next
        else {
            panic!("a stored recording was copied by the session: {next:?}");
        };
        assert_eq!(archive, 0);
        let name = sources[0].entry(entry).unwrap().name;
        let bytes = &sample[range.start as usize..(range.start + range.bytes) as usize];
        for piece in bytes.chunks(1000) {
            session.recording_bytes(piece).unwrap();
        }
        assert_eq!(session.end_recording().unwrap(), range.bytes);
        read.push((name, range.bytes));
    }
    assert_eq!(read.len(), recordings.len());
    assert!(
        read.iter()
            .zip(&recordings)
            .all(|((name, a), (_, b))| name.starts_with("media/") && a == b),
        "{read:?} against {recordings:?}"
    );
    let package = session.finish(&conversion, &mut sources).unwrap();
    assert!(
        package == expected,
        "the package differs from the library's"
    );

    // Recordings smaller than asked for are copied by the session.
    let smallest = recordings.iter().map(|(_, bytes)| *bytes).min().unwrap();
    let session = with_transcripts(&conversion, &mut sources);
    let (package, copied) = copied_by_the_session(session, &conversion, &mut sources, smallest + 1);
    assert_eq!(copied, recordings.len());
    assert!(
        package == expected,
        "the package differs from the library's"
    );

    // The first recording's bytes, altered, too many, too few; and
    // another entry begun before it is finished.
    let first = |session: &mut PackageSession<_>, sources: &mut Vec<&mut dyn ArchiveSource>| {
        let Some(NextRecording::Read { entry, range, .. }) =
            session.next_recording(&conversion, sources, 0).unwrap()
        else {
            panic!("the first recording is stored");
        };
        let name = sources[0].entry(entry).unwrap().name;
        let bytes = sample[range.start as usize..(range.start + range.bytes) as usize].to_vec();
        (name, bytes)
    };
    let mut session = with_transcripts(&conversion, &mut sources);
    let (name, mut bytes) = first(&mut session, &mut sources);
    let size = bytes.len();
    bytes[size / 2] ^= 0x55;
    session.recording_bytes(&bytes).unwrap();
    let altered = session.end_recording().unwrap_err().to_string();
    assert_crc_refused(&altered, &name);

    let mut session = with_transcripts(&conversion, &mut sources);
    let (name, mut bytes) = first(&mut session, &mut sources);
    bytes.push(0);
    let too_many = session.recording_bytes(&bytes).unwrap_err().to_string();
    assert_eq!(
        too_many,
        format!(
            "sample.zip entry {name}: the recording has {size} bytes, and {} came to copy (was the archive changed?)",
            size + 1
        )
    );

    let mut session = with_transcripts(&conversion, &mut sources);
    let (name, bytes) = first(&mut session, &mut sources);
    session.recording_bytes(&bytes[..size - 1]).unwrap();
    let too_few = session.end_recording().unwrap_err().to_string();
    assert_eq!(
        too_few,
        format!(
            "sample.zip entry {name}: the recording has {size} bytes, and {} came to copy (was the archive changed?)",
            size - 1
        )
    );

    let not_finished = format!(
        "writing the package failed: {}: cannot be written while {} is not finished",
        recordings[1].0, recordings[0].0
    );
    let mut session = with_transcripts(&conversion, &mut sources);
    first(&mut session, &mut sources);
    let second = session
        .next_recording(&conversion, &mut sources, 0)
        .unwrap_err()
        .to_string();
    assert_eq!(second, not_finished);
    let mut session = with_transcripts(&conversion, &mut sources);
    first(&mut session, &mut sources);
    let finished = session
        .finish(&conversion, &mut sources)
        .err()
        .unwrap()
        .to_string();
    assert_eq!(finished, not_finished);
    drop(sources);

    // Recordings compressed in their archive are copied by the session.
    let deflated = deflated_everywhere(&sample);
    let (conversion, expected) = converted(&deflated);
    let mut source = ZipSource::new("sample.zip", Cursor::new(&deflated[..])).unwrap();
    let mut sources: Vec<&mut dyn ArchiveSource> = vec![&mut source];
    let session = with_transcripts(&conversion, &mut sources);
    let (package, copied) = copied_by_the_session(session, &conversion, &mut sources, 0);
    assert_eq!(copied, recordings.len());
    assert!(
        package == expected,
        "the package differs from the library's"
    );
}

/// Hands over the recordings due, each read from the archive's bytes in
/// pieces of 1,000; how many it handed over.
fn hand_over<O: chorus2outdoo::write::package::PackageOutput>(
    session: &mut chorus2outdoo::write::package::PackageSession<O>,
    conversion: &chorus2outdoo::Conversion,
    sources: &mut [&mut dyn ArchiveSource],
    archive: &[u8],
) -> usize {
    use chorus2outdoo::write::package::NextRecording;
    let mut handed = 0;
    while let Some(next) = session.next_recording(conversion, sources, 0).unwrap() {
        let NextRecording::Read { range, .. } = next else {
            panic!("a stored recording was copied by the session: {next:?}");
        };
        let bytes = &archive[range.start as usize..(range.start + range.bytes) as usize];
        for piece in bytes.chunks(1000) {
            session.recording_bytes(piece).unwrap();
        }
        session.end_recording().unwrap();
        handed += 1;
    }
    handed
}

/// The way the page writes parts: a part that is full waits for its
/// recordings (handed over as the page reads them from the File) before
/// it closes, holding the transcript that begins the next part; the parts
/// are the library's, byte for byte. Left waiting without them, the part
/// copies them itself as it closes, with the same bytes; a transcript
/// while a part waits is refused by name.
#[test]
fn parts_that_wait_for_their_recordings_give_the_same_parts() {
    use chorus2outdoo::write::calls::prepare_transcript;
    use chorus2outdoo::write::package::{PackageSession, Placing};

    let options = SampleOptions {
        calls: 40,
        seed: 5,
        media: true,
        media_bytes: Some(20_000),
    };
    let (sample, _) = write_sample(Cursor::new(Vec::new()), &options).unwrap();
    let sample = sample.into_inner();
    let (conversion, whole) = converted(&sample);
    let recordings = recordings_of(&conversion);
    assert!(recordings.len() > 12, "{} recordings", recordings.len());
    let size = whole.len() as u64 / 4;
    let mut source = ZipSource::new("sample.zip", Cursor::new(&sample[..])).unwrap();
    let mut sources: Vec<&mut dyn ArchiveSource> = vec![&mut source];
    let expected = conversion
        .write_parts(&mut sources, None, Parts::default(), Some(size))
        .unwrap();
    assert!(expected.parts.len() >= 4, "{} parts", expected.parts.len());

    // Each `hand_over` returns the recordings of one part.
    let write = |sources: &mut Vec<&mut dyn ArchiveSource>, hand: bool| {
        let mut session =
            PackageSession::begin_parts(&conversion, Parts::default(), Some(size)).unwrap();
        session.let_recordings_wait();
        let mut handed = Vec::new();
        let mut go_on = |session: &mut PackageSession<Parts>,
                         sources: &mut Vec<&mut dyn ArchiveSource>,
                         mut placing: Placing| {
            while placing == Placing::RecordingsDue {
                if hand {
                    handed.push(hand_over(session, &conversion, sources, &sample));
                }
                placing = session.resume(&conversion, sources).unwrap();
            }
        };
        for job in conversion.transcript_jobs().iter() {
            let prepared = prepare_transcript(&job, sources, None).unwrap();
            let placing = session
                .add_transcript(prepared, &conversion, sources)
                .unwrap();
            go_on(&mut session, sources, placing);
        }
        let placing = session.place_rest(&conversion, sources).unwrap();
        go_on(&mut session, sources, placing);
        (session.finish_parts(&conversion, sources).unwrap(), handed)
    };
    let (written, handed) = write(&mut sources, true);
    assert_eq!(written.parts, expected.parts);
    assert!(
        written.output.0 == expected.output.0,
        "the parts differ from the library's"
    );
    // One hand-over per part, each with that part's recordings.
    assert_eq!(handed.len(), expected.parts.len());
    assert_eq!(handed.iter().sum::<usize>(), recordings.len());
    assert!(handed.iter().all(|&n| n > 0), "{handed:?}");

    let (written, handed) = write(&mut sources, false);
    assert!(handed.is_empty());
    assert!(
        written.output.0 == expected.output.0,
        "the parts differ from the library's"
    );

    // While part 1 waits, it takes no transcript, and none of its
    // recordings is due before it is full.
    let mut session =
        PackageSession::begin_parts(&conversion, Parts::default(), Some(size)).unwrap();
    session.let_recordings_wait();
    let jobs = conversion.transcript_jobs();
    let mut jobs = jobs.iter();
    let held = loop {
        let job = jobs.next().expect("part 1 fills up");
        assert!(session
            .next_recording(&conversion, &mut sources, 0)
            .unwrap()
            .is_none());
        let prepared = prepare_transcript(&job, &mut sources, None).unwrap();
        if session
            .add_transcript(prepared, &conversion, &mut sources)
            .unwrap()
            == Placing::RecordingsDue
        {
            break job;
        }
    };
    let after = jobs.next().unwrap();
    let prepared = prepare_transcript(&after, &mut sources, None).unwrap();
    let refused = session
        .add_transcript(prepared, &conversion, &mut sources)
        .unwrap_err()
        .to_string();
    assert_eq!(
        refused,
        format!(
            "writing the package failed: {}: a transcript while part 1 waits for its recordings",
            after.path
        )
    );
    // Finished while the held transcript waits: refused, naming it.
    let finished = session
        .finish_parts(&conversion, &mut sources)
        .err()
        .unwrap()
        .to_string();
    assert_eq!(
        finished,
        format!(
            "writing the package failed: {}: the package was finished without this transcript",
            held.path
        )
    );
}
