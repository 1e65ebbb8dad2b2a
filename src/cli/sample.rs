//! `sample`: in, a number of calls and a seed; out, a synthetic Chorus
//! archive (and its tracker export, when asked) and a summary on stderr.

use super::Failure;
use std::path::PathBuf;

// The arguments of `sample`; its help is on its variant of `Command` in main.rs.
#[derive(clap::Args)]
pub struct SampleArgs {
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
}

/// Writes the sample archive, saying what it holds.
pub fn run(args: SampleArgs, say: &dyn Fn(String)) -> Result<(), Failure> {
    let SampleArgs {
        calls,
        seed,
        media,
        media_bytes,
        out,
        trackers_out,
    } = args;
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
