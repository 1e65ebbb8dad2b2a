//! What a verification found: in, the problems the checks raise one by
//! one (`Verification::problem`); out, the entries counted and the list of
//! `Problem`s, each naming the entry it concerns (or the zip as a whole).

use serde::Serialize;
use std::fmt;

/// One thing wrong with a package: the entry it concerns (or none for the
/// zip as a whole) and what is wrong.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Problem {
    pub entry: Option<String>,
    pub message: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        match &self.entry {
            Some(entry) => write!(
                f,
                "{}: {}",
                crate::model::printable(entry, false),
                self.message
            ),
            None => f.write_str(&self.message),
        }
    }
}

/// What `verify_package` found.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Verification {
    /// Entries in the zip (all of them, manifest included).
    pub entries: usize,
    pub problems: Vec<Problem>,
}

impl Verification {
    pub fn is_ok(&self) -> bool {
        self.problems.is_empty()
    }

    pub(super) fn problem(&mut self, entry: Option<&str>, message: impl Into<String>) {
        self.problems.push(Problem {
            entry: entry.map(str::to_string),
            message: message.into(),
        });
    }
}
