//! `inspect`: in, any files; out, one line each on stdout saying what it
//! was detected as (an earlier package, a call archive, a tracker export)
//! and what it holds, and the last error as the failure.

use super::inputs::{load, Archive};
use super::{file_name, Failure};
use crate::shared_file::SharedFile;
use chorus2outdoo::{inspect, inspect_archive, printable, ArchiveSource, ZipSource};
use std::path::{Path, PathBuf};

// The arguments of `inspect`; its help is on its variant of `Command` in main.rs.
#[derive(clap::Args)]
pub struct InspectArgs {
    #[arg(value_name = "FILE", required = true)]
    files: Vec<PathBuf>,
}

fn is_workbook(source: &dyn ArchiveSource) -> bool {
    chorus2outdoo::entries_of(source).any(|e| e.name == "xl/workbook.xml")
}

/// What `inspect` says about a folder or a zip archive, or `None` for
/// other files (read whole, as tracker exports).
fn inspect_path(path: &Path) -> Result<Option<chorus2outdoo::FileSummary>, Failure> {
    if !path.is_dir() {
        let mut magic = [0u8; 4];
        let mut file = std::fs::File::open(path)
            .map_err(|e| Failure(format!("{}: cannot read the file: {e}", path.display())))?;
        let n = std::io::Read::read(&mut file, &mut magic).unwrap_or(0);
        if n < 4 || &magic != b"PK\x03\x04" {
            return Ok(None);
        }
    }
    let mut archive = Archive::open(path)?;
    let source = archive.source();
    if is_workbook(source) {
        return Ok(None);
    }
    Ok(Some(inspect_archive(source)))
}

/// An earlier import package (a zip whose last entry is `manifest.json`,
/// as a package's is), read as `--after-package` reads it and summarised
/// as the page does (`read::earlier::earlier_package_in`); `None` for any
/// other file or folder.
fn inspect_earlier(path: &Path) -> Option<chorus2outdoo::FileSummary> {
    if path.is_dir() {
        return None;
    }
    let file = std::fs::File::open(path).and_then(SharedFile::open).ok()?;
    let mut source = ZipSource::unhashed(file_name(path), file).ok()?;
    let package = chorus2outdoo::read::earlier::earlier_package_in(&mut source)?;
    Some(chorus2outdoo::inspect_package(source.name(), &package))
}

/// Says what each file is and holds.
pub fn run(args: InspectArgs) -> Result<(), Failure> {
    let InspectArgs { files } = args;
    let mut failed = None;
    for path in &files {
        if let Some(summary) = inspect_earlier(path) {
            match (&summary.package, &summary.error) {
                (Some(package), _) => println!(
                    "{}: {} - {} calls, {} users (convert --after-package leaves these calls out and keeps these users)",
                    printable(&summary.name, false),
                    summary.kind_label,
                    package.calls,
                    package.users
                ),
                (None, error) => {
                    let error = error.clone().unwrap_or_default();
                    println!(
                        "{}: {} - error: {}",
                        printable(&summary.name, false),
                        summary.kind_label,
                        printable(&error, true)
                    );
                    failed = Some(error);
                }
            }
            continue;
        }
        if let Some(summary) = inspect_path(path)? {
            let a = summary.archive.clone().unwrap_or_default();
            println!(
                "{}: {} - {} entries: {} engagement pages ({} engagements), {} conversations, {} users files ({} users), \
{} recordings, {} ignored, {} unrecognised, {} unreadable; {} problems",
                printable(&summary.name, false),
                summary.kind_label,
                a.entries,
                a.engagement_pages,
                a.engagements,
                a.conversations,
                a.users_files,
                a.users,
                a.media,
                a.ignored,
                a.unrecognised,
                a.unreadable,
                summary.problems
            );
            continue;
        }
        let summary = inspect(&load(path)?);
        match &summary.error {
            None => println!(
                "{}: {} - {} trackers, {} phrases, {} problems",
                printable(&summary.name, false),
                summary.kind_label,
                summary.trackers,
                summary.phrases,
                summary.problems
            ),
            Some(error) => {
                println!(
                    "{}: {} - error: {}",
                    printable(&summary.name, false),
                    summary.kind_label,
                    printable(error, true)
                );
                failed = Some(error.clone());
            }
        }
    }
    match failed {
        Some(error) => Err(Failure(error)),
        None => Ok(()),
    }
}
