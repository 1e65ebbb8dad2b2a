//! `fetch`: in, the scope on the command line and the token (and the
//! session, for recordings) from the environment; out, the archive the
//! native transport downloads (`fetch_native`).

use super::{CallKinds, Failure};
use crate::fetch_native;
use std::path::PathBuf;

// The arguments of `fetch`; its help is on its variant of `Command` in main.rs.
#[derive(clap::Args)]
pub struct FetchArgs {
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
}

/// Downloads the archive; `quiet` keeps progress off stderr.
pub fn run(args: FetchArgs, quiet: bool) -> Result<(), Failure> {
    let FetchArgs {
        base_url,
        from,
        to,
        min_duration,
        calls,
        media,
        accept_partial,
        concurrency,
        out,
    } = args;
    let token = std::env::var("CHORUS_API_TOKEN")
        .ok()
        .map(|t| t.trim().to_string())
        .filter(|t| !t.is_empty())
        .ok_or_else(|| {
            Failure(
                "set the Chorus API token in the CHORUS_API_TOKEN environment variable".to_string(),
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
        fetch_native::media_session(quiet).map_err(Failure)?
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
        quiet,
    })
    .map_err(Failure)
}
