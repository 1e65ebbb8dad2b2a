//! The command-line tool: arguments in, the library's pipeline run on files,
//! the package written to disk, summaries on stderr. Exit codes: 0 done,
//! 1 bad input (one clear message), 2 usage. Each subcommand runs from its
//! own file under `cli/`.

mod cli;
mod fetch_native;
mod folder;
mod parallel;
mod positioned;

/// Peak memory stays near what is live: glibc's allocator keeps the heap
/// fragmented by per-entry buffers between long-lived records.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;
mod serve;
mod shared_file;
mod spill_file;

use chorus2outdoo::printable;
use clap::{Parser, Subcommand};
use cli::Failure;
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
    Convert(cli::convert::ConvertArgs),
    /// Check an import package: checksums and sizes against its manifest,
    /// every JSON file against its schema, paths, counts, missing or extra entries.
    /// A package split into parts is checked as a set from its index
    /// (`<package>-index.json`): every part present, of its checksum, and
    /// no call in two.
    Verify(cli::verify::VerifyArgs),
    /// Show what a file was detected as, and what it holds.
    Inspect(cli::inspect::InspectArgs),
    /// Download engagements, transcripts and users from the Chorus API into an
    /// archive that `convert --archive` reads. The token comes from the
    /// CHORUS_API_TOKEN environment variable, never from a flag; recordings
    /// download through the migration user's session, from CHORUS_SESSION
    /// (the Cookie header of a logged-in chorus.ai page) and, when that
    /// lacks it, CHORUS_XSRF (the _xsrf cookie's value), or asked for on a
    /// terminal. A download missing most of what was asked for exits 1.
    Fetch(cli::fetch::FetchArgs),
    /// Write a synthetic Chorus archive (deterministic from the seed), to try
    /// the tool or measure it without real data.
    Sample(cli::sample::SampleArgs),
    /// Serve the web page (www/) on 127.0.0.1.
    Serve(cli::serve::ServeArgs),
}

fn run(cli: Cli) -> Result<(), Failure> {
    let say = |text: String| {
        if !cli.quiet {
            eprintln!("{}", printable(&text, true));
        }
    };
    match cli.command {
        Command::Convert(args) => cli::convert::run(args, &say),
        Command::Verify(args) => cli::verify::run(args, &say),
        Command::Inspect(args) => cli::inspect::run(args),
        Command::Fetch(args) => cli::fetch::run(args, cli.quiet),
        Command::Sample(args) => cli::sample::run(args, &say),
        Command::Serve(args) => cli::serve::run(args),
    }
}

fn main() -> ExitCode {
    // Records kept packed beyond a few MiB per store wait in temporary files.
    chorus2outdoo::model::spill::spill_with(spill_file::temporary_file);
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
