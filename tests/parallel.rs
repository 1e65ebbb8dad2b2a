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

#[test]
fn threads_do_not_change_the_package() {
    let dir = std::env::temp_dir().join(format!("chorus2outdoo-parallel-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let options = SampleOptions {
        calls: 60,
        seed: 7,
        media: true,
    };
    let (sample, summary) = write_sample(Cursor::new(Vec::new()), &options).unwrap();
    let sample = sample.into_inner();
    assert!(summary.conversations > 20, "{summary:?}");
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
