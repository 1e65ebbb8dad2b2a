//! The command-line tool: arguments in, the library's pipeline run on files,
//! the package written to disk, summaries on stderr. Exit codes: 0 done,
//! 1 bad input (one clear message), 2 usage.

mod serve;

use chorus2outdoo::{convert, inspect, InputFile, Options};
use clap::{Parser, Subcommand};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

#[derive(Parser)]
#[command(name = "chorus2outdoo", version, about = "Convert Chorus trackers and call archives into an Outdoo import package")]
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
        #[arg(long = "trackers", value_name = "FILE", required = true)]
        trackers: Vec<PathBuf>,
        /// Language for triggers whose tracker names none (ISO 639-1 code).
        #[arg(long, default_value = "en", value_name = "CODE")]
        default_language: String,
        /// Where to write the package.
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
    },
    /// Show what a file was detected as, and what it holds.
    Inspect {
        #[arg(value_name = "FILE", required = true)]
        files: Vec<PathBuf>,
    },
    /// Serve the web page (www/) on 127.0.0.1.
    Serve {
        /// The folder to serve.
        #[arg(long, default_value = "www", value_name = "DIR")]
        dir: PathBuf,
        #[arg(long, env = "PORT", default_value_t = 8080)]
        port: u16,
    },
}

/// A failure the user can act on: printed as one line, exit code 1.
struct Failure(String);

impl<E: std::fmt::Display> From<E> for Failure {
    fn from(e: E) -> Self {
        Failure(e.to_string())
    }
}

fn file_name(path: &Path) -> String {
    path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| path.display().to_string())
}

fn load(path: &Path) -> Result<InputFile, Failure> {
    let bytes = std::fs::read(path).map_err(|e| Failure(format!("{}: cannot read the file: {e}", path.display())))?;
    Ok(InputFile { name: file_name(path), bytes })
}

fn run(cli: Cli) -> Result<(), Failure> {
    let say = |text: String| {
        if !cli.quiet {
            eprintln!("{text}");
        }
    };
    match cli.command {
        Command::Convert { trackers, default_language, out } => {
            let files = trackers.iter().map(|p| load(p)).collect::<Result<Vec<_>, _>>()?;
            let options = Options { default_language, ..Options::default() };
            let conversion = convert(&files, &options)?;
            let preview = conversion.preview();
            // Write to a temporary name first so a failed run leaves no half package.
            let partial = out.with_extension("zip.partial");
            let sink = std::io::BufWriter::new(
                std::fs::File::create(&partial).map_err(|e| Failure(format!("{}: cannot create: {e}", partial.display())))?,
            );
            let sink = conversion.write_package(sink)?;
            sink.into_inner().map_err(|e| Failure(e.to_string()))?.sync_all()?;
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
            Ok(())
        }
        Command::Inspect { files } => {
            let mut failed = None;
            for path in &files {
                let summary = inspect(&load(path)?);
                match &summary.error {
                    None => println!(
                        "{}: {} - {} trackers, {} phrases, {} problems",
                        summary.name, summary.kind_label, summary.trackers, summary.phrases, summary.problems
                    ),
                    Some(error) => {
                        println!("{}: {} - error: {error}", summary.name, summary.kind_label);
                        failed = Some(error.clone());
                    }
                }
            }
            match failed {
                Some(error) => Err(Failure(error)),
                None => Ok(()),
            }
        }
        Command::Serve { dir, port } => serve::serve(&dir, port).map_err(Failure),
    }
}

fn main() -> ExitCode {
    // clap exits with 2 on usage errors and 0 for --help/--version.
    let cli = Cli::parse();
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(Failure(message)) => {
            eprintln!("error: {message}");
            ExitCode::from(1)
        }
    }
}
