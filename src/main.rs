//! The command-line tool: arguments in, the library's pipeline run on files,
//! the package written to disk, summaries on stderr. Exit codes: 0 done,
//! 1 bad input (one clear message), 2 usage.

mod fetch_native;
mod folder;
mod parallel;

/// Peak memory stays near what is live: glibc's allocator keeps the heap
/// fragmented by per-entry buffers between long-lived records.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;
mod serve;
mod shared_file;

use chorus2outdoo::{
    convert_with_first_pass, inspect, inspect_archive, printable, ArchiveSource, CallScope,
    InputFile, Options, ZipSource,
};
use clap::{Parser, Subcommand};
use shared_file::SharedFile;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

#[derive(Parser)]
#[command(
    name = "chorus2outdoo",
    version,
    about = "Convert Chorus trackers and call archives into an Outdoo import package"
)]
struct Cli {
    /// Print nothing on stderr but errors.
    #[arg(long, short, global = true)]
    quiet: bool,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Convert Chorus exports into one Outdoo import package (a zip).
    Convert {
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
    },
    /// Check an import package: checksums and sizes against its manifest,
    /// every JSON file against its schema, paths, counts, missing or extra entries.
    /// A package split into parts is checked as a set from its index
    /// (`<package>-index.json`): every part present, of its checksum, and
    /// no call in two.
    Verify {
        #[arg(value_name = "PACKAGE|INDEX", required = true)]
        packages: Vec<PathBuf>,
    },
    /// Show what a file was detected as, and what it holds.
    Inspect {
        #[arg(value_name = "FILE", required = true)]
        files: Vec<PathBuf>,
    },
    /// Download engagements, transcripts and users from the Chorus API into an
    /// archive that `convert --archive` reads. The token comes from the
    /// CHORUS_API_TOKEN environment variable, never from a flag; recordings
    /// download through the migration user's session, from CHORUS_SESSION
    /// (the Cookie header of a logged-in chorus.ai page) and, when that
    /// lacks it, CHORUS_XSRF (the _xsrf cookie's value), or asked for on a
    /// terminal. A download missing most of what was asked for exits 1.
    Fetch {
        #[arg(long, default_value = "https://chorus.ai", value_name = "URL")]
        base_url: String,
        /// First day, inclusive (YYYY-MM-DD, UTC).
        #[arg(long, value_name = "DATE")]
        from: Option<String>,
        /// Last day, inclusive (YYYY-MM-DD, UTC).
        #[arg(long, value_name = "DATE")]
        to: Option<String>,
        /// Shortest call to download, in seconds.
        #[arg(long, value_name = "SECONDS")]
        min_duration: Option<u64>,
        /// Meetings only, or calls (dialer) and meetings.
        #[arg(long, value_enum, default_value_t = CallKinds::All)]
        calls: CallKinds,
        /// Download the recordings too (through the migration user's
        /// session: see CHORUS_SESSION above).
        #[arg(long)]
        media: bool,
        /// Exit 0 even when most conversations or recordings could not be
        /// downloaded (or recordings stopped on a refused session).
        #[arg(long)]
        accept_partial: bool,
        /// Requests in flight at once (kept low so Chorus is not flooded).
        #[arg(long, default_value_t = chorus2outdoo::fetch::DEFAULT_CONCURRENCY as u16, value_parser = clap::value_parser!(u16).range(1..=16))]
        concurrency: u16,
        /// Where to write the archive (a zip).
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
    },
    /// Write a synthetic Chorus archive (deterministic from the seed), to try
    /// the tool or measure it without real data.
    Sample {
        /// How many engagements.
        #[arg(long, default_value_t = 200)]
        calls: usize,
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// Add a tiny media file per recorded call.
        #[arg(long)]
        media: bool,
        /// Make each media file this many bytes (pseudo-random, like a real
        /// recording's size; implies --media).
        #[arg(long = "media-bytes", value_name = "BYTES")]
        media_bytes: Option<u64>,
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
        /// Also write the tracker export for the sample's Chorus trackers
        /// (a CSV, with a few deliberate differences from what Chorus tracked).
        #[arg(long = "trackers-out", value_name = "FILE")]
        trackers_out: Option<PathBuf>,
    },
    /// Serve the web page (www/) on 127.0.0.1.
    Serve {
        /// The folder to serve.
        #[arg(long, default_value = "www", value_name = "DIR")]
        dir: PathBuf,
        #[arg(long, env = "PORT", default_value_t = 8080)]
        port: u16,
        /// The Chorus API origin the page's download form may call (the
        /// only origin besides its own that its Content-Security-Policy allows).
        #[arg(long, env = "CHORUS_ORIGIN", default_value = serve::DEFAULT_CHORUS_ORIGIN, value_name = "URL")]
        chorus_origin: String,
    },
}

#[derive(Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum CallKinds {
    Meetings,
    All,
}

/// A failure the user can act on: printed as one line, exit code 1.
struct Failure(String);

impl<E: std::fmt::Display> From<E> for Failure {
    fn from(e: E) -> Self {
        Failure(e.to_string())
    }
}

fn file_name(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| path.display().to_string())
}

/// Checks a `--from` / `--to` value (clap exits with 2 when it is not a date).
fn parse_day(value: &str) -> Result<String, String> {
    chrono::NaiveDate::parse_from_str(value, "%Y-%m-%d")
        .map(|_| value.to_string())
        .map_err(|_| "expected a date written as YYYY-MM-DD".to_string())
}

/// A call archive as the CLI opens it: a zip, read from disk as needed
/// (never loaded whole), or a folder. Clones share the zip's open file and
/// listing: one per worker thread.
#[derive(Clone)]
enum Archive {
    Zip(ZipSource<SharedFile>),
    Folder(folder::FolderSource),
}

impl Archive {
    fn open(path: &Path) -> Result<Archive, Failure> {
        if path.is_dir() {
            return Ok(Archive::Folder(
                folder::FolderSource::open(path).map_err(Failure)?,
            ));
        }
        let file = std::fs::File::open(path)
            .and_then(SharedFile::open)
            .map_err(|e| Failure(format!("{}: cannot read the archive: {e}", path.display())))?;
        Ok(Archive::Zip(ZipSource::new(file_name(path), file)?))
    }

    fn source(&mut self) -> &mut dyn ArchiveSource {
        match self {
            Archive::Zip(zip) => zip,
            Archive::Folder(folder) => folder,
        }
    }

    fn boxed(self) -> Box<dyn ArchiveSource + Send> {
        match self {
            Archive::Zip(zip) => Box::new(zip),
            Archive::Folder(folder) => Box::new(folder),
        }
    }
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

/// A tracker export or roster, read whole within the limits.
fn load(path: &Path) -> Result<InputFile, Failure> {
    let file = std::fs::File::open(path)
        .map_err(|e| Failure(format!("{}: cannot read the file: {e}", path.display())))?;
    let limits = chorus2outdoo::Limits::default();
    if let Ok(metadata) = file.metadata() {
        InputFile::check_size(&file_name(path), metadata.len(), &limits)?;
    }
    Ok(InputFile::read(file_name(path), file, &limits)?)
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

/// The index a part's name says it belongs to (`x-part-002.zip` gives `x-index.json`).
fn index_beside(part: &Path) -> PathBuf {
    let name = file_name(part);
    let stem = name
        .rsplit_once("-part-")
        .map_or(name.as_str(), |(stem, _)| stem);
    part.with_file_name(chorus2outdoo::write::parts::index_name(stem))
}

/// The part number a package's manifest gives it, if it is a part.
fn part_number(path: &Path) -> Option<u64> {
    let file = std::fs::File::open(path).ok()?;
    let mut zip = zip::ZipArchive::new(std::io::BufReader::new(file)).ok()?;
    let manifest: serde_json::Value =
        serde_json::from_reader(zip.by_name("manifest.json").ok()?).ok()?;
    manifest.get("part")?.as_u64()
}

/// Verifies a package, or from its index (a `.json` file) a package split
/// into parts, whose parts lie beside it.
fn verify_path(path: &Path) -> Result<chorus2outdoo::verify::Verification, Failure> {
    let unreadable =
        |e: std::io::Error| Failure(format!("{}: cannot read the package: {e}", path.display()));
    if path
        .extension()
        .is_some_and(|ext| ext.eq_ignore_ascii_case("json"))
    {
        let index = std::fs::read(path).map_err(unreadable)?;
        struct Beside<'a>(&'a Path);
        impl chorus2outdoo::verify::PartFiles for Beside<'_> {
            type Part = std::io::BufReader<std::fs::File>;
            fn open(&mut self, name: &str) -> std::io::Result<Self::Part> {
                std::fs::File::open(self.0.with_file_name(name)).map(std::io::BufReader::new)
            }
        }
        return Ok(chorus2outdoo::verify::verify_parts(
            &file_name(path),
            &index,
            &mut Beside(path),
        ));
    }
    let file = std::fs::File::open(path).map_err(unreadable)?;
    Ok(chorus2outdoo::verify_package(std::io::BufReader::new(file)))
}

fn run(cli: Cli) -> Result<(), Failure> {
    let say = |text: String| {
        if !cli.quiet {
            eprintln!("{}", printable(&text, true));
        }
    };
    match cli.command {
        Command::Convert {
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
        } => {
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
            let files = trackers
                .iter()
                .map(|p| load(p))
                .collect::<Result<Vec<_>, _>>()?;
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
            let mut sources: Vec<&mut dyn ArchiveSource> =
                opened.iter_mut().map(Archive::source).collect();
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
            for line in fidelity.iter().flat_map(|f| f.summary_lines(10)) {
                say(line);
            }
            Ok(())
        }
        Command::Verify { packages } => {
            let mut failures = Vec::new();
            for path in &packages {
                let verification = verify_path(path)?;
                if verification.is_ok() {
                    // Several packages: each line names its own.
                    let which = if packages.len() > 1 {
                        format!("{}: ", path.display())
                    } else {
                        String::new()
                    };
                    say(format!(
                        "{which}ok: {} entries verified",
                        verification.entries
                    ));
                    if let Some(part) = part_number(path) {
                        say(format!(
                            "{}: part {part} of a package split into parts; verify its index ({}) to check the set is complete",
                            path.display(),
                            index_beside(path).display()
                        ));
                    }
                    continue;
                }
                let problems: Vec<String> = verification
                    .problems
                    .iter()
                    .map(|p| p.to_string())
                    .collect();
                failures.push(format!(
                    "{}: {} problems\n{}",
                    path.display(),
                    problems.len(),
                    problems.join("\n")
                ));
            }
            if failures.is_empty() {
                Ok(())
            } else {
                Err(Failure(failures.join("\n")))
            }
        }
        Command::Inspect { files } => {
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
        Command::Fetch {
            base_url,
            from,
            to,
            min_duration,
            calls,
            media,
            accept_partial,
            concurrency,
            out,
        } => {
            let token = std::env::var("CHORUS_API_TOKEN")
                .ok()
                .map(|t| t.trim().to_string())
                .filter(|t| !t.is_empty())
                .ok_or_else(|| {
                    Failure(
                        "set the Chorus API token in the CHORUS_API_TOKEN environment variable"
                            .to_string(),
                    )
                })?;
            let scope = chorus2outdoo::fetch::FetchScope {
                from,
                to,
                min_duration_seconds: min_duration,
                meetings_only: calls == CallKinds::Meetings,
                media,
            };
            let session = if media {
                fetch_native::media_session(cli.quiet).map_err(Failure)?
            } else {
                None
            };
            fetch_native::run(fetch_native::FetchRun {
                base_url,
                token,
                session,
                scope,
                out,
                concurrency: concurrency.into(),
                accept_partial,
                quiet: cli.quiet,
            })
            .map_err(Failure)
        }
        Command::Sample {
            calls,
            seed,
            media,
            media_bytes,
            out,
            trackers_out,
        } => {
            if let Some(path) = &trackers_out {
                std::fs::write(path, chorus2outdoo::sample::sample_trackers_csv())
                    .map_err(|e| Failure(format!("{}: cannot write: {e}", path.display())))?;
                say(format!(
                    "wrote {}: the sample's tracker export",
                    path.display()
                ));
            }
            let file = std::fs::File::create(&out)
                .map_err(|e| Failure(format!("{}: cannot create: {e}", out.display())))?;
            let options = chorus2outdoo::sample::SampleOptions {
                calls,
                seed,
                media: media || media_bytes.is_some(),
                media_bytes,
            };
            let (file, summary) =
                chorus2outdoo::sample::write_sample(std::io::BufWriter::new(file), &options)?;
            file.into_inner()
                .map_err(|e| Failure(e.to_string()))?
                .sync_all()?;
            say(format!(
                "wrote {}: {} engagements in {} pages, {} conversations ({:.1} MB of JSON), {} media files",
                out.display(),
                summary.calls,
                summary.pages,
                summary.conversations,
                summary.json_bytes as f64 / 1e6,
                summary.media_files
            ));
            Ok(())
        }
        Command::Serve {
            dir,
            port,
            chorus_origin,
        } => serve::serve(&dir, port, &chorus_origin).map_err(Failure),
    }
}

fn main() -> ExitCode {
    // clap exits with 2 on usage errors and 0 for --help/--version.
    let cli = Cli::parse();
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(Failure(message)) => {
            // Messages quote names from the input: no escape sequence of a
            // hostile file name reaches the terminal.
            eprintln!("error: {}", printable(&message, true));
            ExitCode::from(1)
        }
    }
}
