//! Errors that stop a whole input file (or the run). Each names the file and,
//! where there is one, the record: row, JSON pointer, zip entry or column.
//! Problems with a single record are not errors: they go into the report.

use crate::model::Location;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The input cannot be used; the message says why and what would work.
    #[error("{location}: {message}")]
    Input {
        location: Box<Location>,
        message: String,
    },
    /// Writing the package failed (disk full, closed sink, ...).
    #[error("writing the package failed: {0}")]
    Write(String),
}

impl Error {
    pub fn input(location: Location, message: impl Into<String>) -> Self {
        Error::Input {
            location: Box::new(location),
            message: message.into(),
        }
    }
}

impl From<std::io::Error> for Error {
    fn from(e: std::io::Error) -> Self {
        Error::Write(e.to_string())
    }
}

impl From<zip::result::ZipError> for Error {
    fn from(e: zip::result::ZipError) -> Self {
        Error::Write(e.to_string())
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;
