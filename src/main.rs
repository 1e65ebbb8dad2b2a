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
    },
    /// Check an import package: checksums and sizes against its manifest,
    /// every JSON file against its schema, paths, counts, missing or extra entries.
    Verify {
        #[arg(value_name = "PACKAGE")]
        package: PathBuf,
    },
    /// Show what a file was detected as, and what it holds.
    Inspect {
        #[arg(value_name = "FILE", required = true)]
        files: Vec<PathBuf>,
    },
    /// Download engagements, transcripts and users from the Chorus API into an
    /// archive that `convert --archive` reads. The token comes from the
    /// CHORUS_API_TOKEN environment variable, never from a flag.
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
        /// Download the recordings too.
        #[arg(long)]
        media: bool,
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
            // Write to a temporary name first so a failed run leaves no half package.
            let partial = out.with_extension("zip.partial");
            let sink = std::io::BufWriter::new(
                std::fs::File::create(&partial)
                    .map_err(|e| Failure(format!("{}: cannot create: {e}", partial.display())))?,
            );
            let sink =
                match parallel::write_package(&conversion, &mut sources, &reopen, workers, sink) {
                    Ok(sink) => sink,
                    Err(e) => {
                        let _ = std::fs::remove_file(&partial);
                        return Err(e.into());
                    }
                };
            sink.into_inner()
                .map_err(|e| Failure(e.to_string()))?
                .sync_all()?;
            std::fs::rename(&partial, &out)?;
            let c = &preview.counts;
            say(format!(
                "wrote {}: {} themes, {} topics ({} need review), {} triggers; report: {} warnings, {} review items, {} errors",
                out.display(),
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
            if !cli.quiet {
                let package = std::fs::File::open(&out)
                    .map_err(|e| Failure(format!("{}: cannot read back: {e}", out.display())))?;
                let fidelity = chorus2outdoo::decide::fidelity::package_fidelity(
                    std::io::BufReader::new(package),
                )
                .map_err(|e| Failure(format!("{}: {e}", out.display())))?;
                for line in fidelity.iter().flat_map(|f| f.summary_lines(10)) {
                    say(line);
                }
            }
            Ok(())
        }
        Command::Verify { package } => {
            let file = std::fs::File::open(&package).map_err(|e| {
                Failure(format!(
                    "{}: cannot read the package: {e}",
                    package.display()
                ))
            })?;
            let verification = chorus2outdoo::verify_package(std::io::BufReader::new(file));
            if verification.is_ok() {
                say(format!("ok: {} entries verified", verification.entries));
                return Ok(());
            }
            let problems: Vec<String> = verification
                .problems
                .iter()
                .map(|p| p.to_string())
                .collect();
            Err(Failure(format!(
                "{}: {} problems\n{}",
                package.display(),
                problems.len(),
                problems.join("\n")
            )))
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
            fetch_native::run(fetch_native::FetchRun {
                base_url,
                token,
                scope,
                out,
                concurrency: concurrency.into(),
                quiet: cli.quiet,
            })
            .map_err(Failure)
        }
        Command::Sample {
            calls,
            seed,
            media,
            out,
            trackers_out,
        } => {
            if let Some(path) = &trackers_out {
                std::fs::write(path, chorus2outdoo::sample::sample_trackers_csv())
                    .map_err(|e| Failure(format!("{}: cannot write: {e}", path.display())))?;
                say(format!("wrote {}: the sample's tracker export", path.display()));
            }
            let file = std::fs::File::create(&out)
                .map_err(|e| Failure(format!("{}: cannot create: {e}", out.display())))?;
            let options = chorus2outdoo::sample::SampleOptions { calls, seed, media };
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
