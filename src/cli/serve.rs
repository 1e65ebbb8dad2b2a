//! `serve`: in, a folder, a port and the Chorus origin; out, the web page
//! served on 127.0.0.1 until the process is stopped.

use super::Failure;
use std::path::PathBuf;

// The arguments of `serve`; its help is on its variant of `Command` in main.rs.
#[derive(clap::Args)]
pub struct ServeArgs {
    /// The folder to serve.
    #[arg(long, default_value = "www", value_name = "DIR")]
    dir: PathBuf,
    #[arg(long, env = "PORT", default_value_t = 8080)]
    port: u16,
    /// The Chorus API origin the page's download form may call (the
    /// only origin besides its own that its Content-Security-Policy allows).
    #[arg(long, env = "CHORUS_ORIGIN", default_value = crate::serve::DEFAULT_CHORUS_ORIGIN, value_name = "URL")]
    chorus_origin: String,
}

/// Serves the page.
pub fn run(args: ServeArgs) -> Result<(), Failure> {
    let ServeArgs {
        dir,
        port,
        chorus_origin,
    } = args;
    crate::serve::serve(&dir, port, &chorus_origin).map_err(Failure)
}
