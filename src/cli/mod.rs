//! The subcommands, one file each (`convert`, `verify`, `inspect`,
//! `fetch`, `sample`, `serve`): in, their parsed arguments; out, what they
//! write, lines on stderr or stdout, and a `Failure` (exit code 1). Here
//! what they share: the failure, the kinds of calls, file names and dates.

pub mod convert;
pub mod fetch;
mod inputs;
pub mod inspect;
pub mod sample;
pub mod serve;
pub mod verify;

use std::path::Path;

#[derive(Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum CallKinds {
    Meetings,
    All,
}

/// A failure the user can act on: printed as one line, exit code 1.
pub struct Failure(pub String);

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
