//! `convert`: in, the tracker exports, call archives, roster and earlier
//! packages named on the command line; out, the import package on disk
//! (whole, or in parts beside their index, each written under a
//! `.partial` name and renamed once whole) and its summary on stderr.

use super::inputs::{load, Archive};
use super::{file_name, parse_day, CallKinds, Failure};
use crate::parallel;
use chorus2outdoo::detect::{detect, FileKind};
use chorus2outdoo::report::Severity;
use chorus2outdoo::{convert_with_first_pass, ArchiveSource, CallScope, Options};
use std::path::PathBuf;

// The arguments of `convert`; its help is on its variant of `Command` in main.rs.
#[derive(clap::Args)]
pub struct ConvertArgs {
    /// A tracker export: CSV/text, JSON or XLSX (repeat for several files).
    #[arg(
        long = "trackers",
        value_name = "FILE",
        required_unless_present = "archives"
    )]
    trackers: Vec<PathBuf>,
    /// A Chorus call archive: a zip or a folder of engagement pages,
    /// conversation documents, users lists and recordings (repeat for several).
    #[arg(
        long = "archive",
        value_name = "FILE_OR_DIR",
        required_unless_present = "trackers"
    )]
    archives: Vec<PathBuf>,
    /// Existing Outdoo users (a CSV with an email column): they are
    /// matched instead of created.
    #[arg(long, value_name = "FILE", requires = "archives")]
    roster: Option<PathBuf>,
    /// First day of calls to migrate (inclusive, UTC).
    #[arg(long, value_name = "YYYY-MM-DD", value_parser = parse_day)]
    from: Option<String>,
    /// Last day of calls to migrate (inclusive, UTC).
    #[arg(long, value_name = "YYYY-MM-DD", value_parser = parse_day)]
    to: Option<String>,
    /// Skip calls shorter than this many seconds.
    #[arg(long = "min-duration", value_name = "SECONDS", default_value_t = 0)]
    min_duration: u64,
    /// Meetings only, or dialer calls and meetings.
    #[arg(long = "calls", value_enum, default_value_t = CallKinds::All)]
    calls: CallKinds,
    /// Language for triggers whose tracker names none (ISO 639-1 code).
    #[arg(long, default_value = "en", value_name = "CODE")]
    default_language: String,
    /// Where to write the package.
    #[arg(long, value_name = "FILE")]
    out: PathBuf,
    /// Threads preparing transcripts (default: one per core). The
    /// package is the same whatever the number.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..=256))]
    jobs: Option<u16>,
    /// Chorus trackers with hits in the calls that no tracker export
    /// holds become topics to review, their triggers read from Chorus's
    /// mentions (without it they are only reported).
    #[arg(long = "recover-trackers", requires = "archives")]
    recover_trackers: bool,
    /// An import package an earlier run wrote (repeat for several): its
    /// calls are left out as already migrated and its users are
    /// existing, so a cutover run packages only what is new.
    #[arg(long = "after-package", value_name = "PACKAGE", requires = "archives")]
    after_packages: Vec<PathBuf>,
    /// Split the package into parts of at most this size (2GB, 500MB,
    /// 1.5GiB): `<out>-part-001.zip`, ... (each a package of its own, no
    /// call split between two) and `<out>-index.json` naming them all.
    #[arg(long = "part-size", value_name = "SIZE", value_parser = chorus2outdoo::write::parts::parse_part_size)]
    part_size: Option<u64>,
    /// An edits document (the page's `outdoo-edits.json`): its edits are
    /// applied to the converted themes before the package is written
    /// (repeat for several, applied in the order given).
    #[arg(long = "edits", value_name = "FILE")]
    edits: Vec<PathBuf>,
}

/// The CLI's package output: the package at `out`, or split, its parts
/// beside it (`<out>-part-001.zip`, ...) and their index; each written
/// under a `.partial` name and renamed once whole, so a failed run leaves
/// no half package (`remove` takes away the parts it wrote).
struct PackageFiles {
    out: PathBuf,
    split: bool,
    done: Vec<PathBuf>,
    partial: Option<PathBuf>,
}

impl PackageFiles {
    fn name(&self) -> String {
        file_name(&self.out)
    }

    fn path(&self, number: usize) -> PathBuf {
        if self.split {
            self.out
                .with_file_name(chorus2outdoo::write::parts::part_name(&self.name(), number))
        } else {
            self.out.clone()
        }
    }

    fn index(&self) -> PathBuf {
        self.out
            .with_file_name(chorus2outdoo::write::parts::index_name(&self.name()))
    }

    fn write_index(
        &mut self,
        part_size: u64,
        conversion: &chorus2outdoo::Conversion,
        counts: &chorus2outdoo::convert::Counts,
        parts: &[chorus2outdoo::write::package::WrittenPart],
    ) -> Result<(), Failure> {
        let bytes = chorus2outdoo::write::parts::index_bytes(
            &self.name(),
            part_size,
            &conversion.inputs,
            counts,
            parts,
        )?;
        let index = self.index();
        let partial = index.with_extension("json.partial");
        std::fs::write(&partial, bytes)
            .map_err(|e| Failure(format!("{}: cannot write: {e}", partial.display())))?;
        std::fs::rename(&partial, &index)?;
        self.done.push(index);
        Ok(())
    }

    /// Removes what a failed run wrote.
    fn remove(&mut self) {
        for path in self.partial.take().into_iter().chain(self.done.drain(..)) {
            let _ = std::fs::remove_file(path);
        }
    }
}

impl chorus2outdoo::write::package::PackageOutput for &mut PackageFiles {
    type Sink = std::io::BufWriter<std::fs::File>;

    fn open(&mut self, number: usize) -> chorus2outdoo::Result<Self::Sink> {
        let partial = self.path(number).with_extension("zip.partial");
        let file = std::fs::File::create(&partial).map_err(|e| {
            chorus2outdoo::Error::Write(format!("{}: cannot create: {e}", partial.display()))
        })?;
        self.partial = Some(partial);
        Ok(std::io::BufWriter::new(file))
    }

    fn close(
        &mut self,
        part: &chorus2outdoo::write::package::WrittenPart,
        sink: Self::Sink,
    ) -> chorus2outdoo::Result<()> {
        let path = self.path(part.number);
        let failed = |e: std::io::Error| {
            chorus2outdoo::Error::Write(format!("{}: cannot write: {e}", path.display()))
        };
        sink.into_inner()
            .map_err(|e| failed(e.into_error()))?
            .sync_all()
            .map_err(failed)?;
        if let Some(partial) = self.partial.take() {
            std::fs::rename(&partial, &path).map_err(failed)?;
        }
        self.done.push(path);
        Ok(())
    }
}

/// Converts the inputs into a package at `out` (or its parts), saying
/// what it wrote.
pub fn run(args: ConvertArgs, say: &dyn Fn(String)) -> Result<(), Failure> {
    let ConvertArgs {
        trackers,
        archives,
        roster,
        from,
        to,
        min_duration,
        calls,
        default_language,
        out,
        jobs,
        recover_trackers,
        after_packages,
        part_size,
        edits,
    } = args;
    let after_packages = after_packages
        .iter()
        .map(|path| {
            let file = std::fs::File::open(path).map_err(|e| {
                Failure(format!("{}: cannot read the package: {e}", path.display()))
            })?;
            let bytes = file.metadata().map_or(0, |m| m.len());
            Ok(chorus2outdoo::read::earlier::read_earlier_package(
                &file_name(path),
                std::io::BufReader::new(file),
                bytes,
            )?)
        })
        .collect::<Result<Vec<_>, Failure>>()?;
    let mut files = trackers
        .iter()
        .map(|p| load(p))
        .collect::<Result<Vec<_>, _>>()?;
    // Edits documents go with the files (the conversion tells them by
    // content) after the tracker exports.
    for path in &edits {
        let file = load(path)?;
        if detect(&file.bytes) != FileKind::Edits {
            return Err(Failure(format!(
                "{}: not an edits document (a JSON object whose format is \"chorus2outdoo-edits\")",
                path.display()
            )));
        }
        files.push(file);
    }
    let mut opened = archives
        .iter()
        .map(|p| Archive::open(p))
        .collect::<Result<Vec<_>, _>>()?;
    // Worker threads take clones of these: the same files and listings.
    let spare = opened.clone();
    let reopen = |index: usize| Ok(spare[index].clone().boxed());
    let roster = roster.as_deref().map(load).transpose()?;
    let options = Options {
        default_language,
        from,
        to,
        min_duration_seconds: min_duration,
        calls: if calls == CallKinds::Meetings {
            CallScope::Meetings
        } else {
            CallScope::All
        },
        recover_trackers,
        after_packages,
        ..Options::default()
    };
    let mut sources: Vec<&mut dyn ArchiveSource> = opened.iter_mut().map(Archive::source).collect();
    let workers = jobs
        .map(usize::from)
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()));
    let mut first_pass = |index, source: &mut dyn ArchiveSource| {
        parallel::read_archive(index, source, &reopen, workers)
    };
    let conversion = convert_with_first_pass(
        &files,
        &mut sources,
        roster.as_ref(),
        &options,
        &mut first_pass,
    )?;
    let preview = conversion.preview();
    let mut files = PackageFiles {
        out: out.clone(),
        split: part_size.is_some(),
        done: Vec::new(),
        partial: None,
    };
    let written = parallel::write_package(
        &conversion,
        &mut sources,
        &reopen,
        workers,
        &mut files,
        part_size,
    )
    .map(|written| (written.parts, written.counts, written.fidelity))
    .map_err(Failure::from);
    let (parts, fidelity) = match written.and_then(|(parts, counts, fidelity)| {
        if let Some(size) = part_size {
            files.write_index(size, &conversion, &counts, &parts)?;
        }
        Ok((parts, fidelity))
    }) {
        Ok(written) => written,
        Err(e) => {
            files.remove();
            return Err(e);
        }
    };
    if let Some(size) = part_size {
        say(format!(
            "wrote {} parts and their index {}",
            parts.len(),
            files.index().display()
        ));
        for part in &parts {
            let path = files.path(part.number);
            let over = if part.bytes > size {
                " - larger than the part size: its one call does not fit in a part"
            } else {
                ""
            };
            say(format!(
                "  {}: {} calls, {} bytes{over}",
                path.display(),
                part.calls,
                part.bytes
            ));
        }
    }
    let c = &preview.counts;
    say(format!(
        "wrote {}: {} themes, {} topics ({} need review), {} triggers; report: {} warnings, {} review items, {} errors",
        if part_size.is_some() { files.index() } else { out.clone() }.display(),
        c.themes,
        c.topics,
        c.needs_review,
        c.triggers,
        c.report.warning,
        c.report.review,
        c.report.error
    ));
    if let Some(calls) = &c.calls {
        say(format!(
            "calls: {} imported ({} with transcripts, {} with recordings), {} skipped; users: {} ({} to create)",
            calls.calls, calls.transcripts, calls.media, calls.skipped_calls, calls.users, calls.users_to_create
        ));
    }
    let migrated = preview
        .calls
        .as_ref()
        .and_then(|calls| calls.skipped_by_reason.get("already_migrated").copied());
    if let Some(migrated) = migrated {
        say(format!(
            "{migrated} calls of the archives are in the earlier packages already and were left out (already_migrated)"
        ));
    }
    let edit_entries = conversion
        .report
        .iter()
        .filter(|e| e.code.as_str().starts_with("edit_"));
    let (applied, not_applied) = edit_entries.fold((0, 0), |(a, n), entry| {
        if entry.severity == Severity::Info {
            (a + 1, n)
        } else {
            (a, n + 1)
        }
    });
    if applied + not_applied > 0 {
        say(format!(
            "edits: {applied} applied, {not_applied} not applied (edit_target_missing, edit_not_applicable in the report)"
        ));
    }
    for line in fidelity.iter().flat_map(|f| f.summary_lines(10)) {
        say(line);
    }
    Ok(())
}
