//! Where a package goes and what was written there: the caller's output
//! in (`PackageOutput`: a sink per part, opened as the part begins and
//! handed back once it is written; `Whole` for a package in one sink),
//! each part's size and checksum (`WrittenPart`) and the run's counts and
//! fidelity (`Written`) out.

use crate::decide::fidelity::Fidelity;
use crate::error::{Error, Result};
use crate::model::conversion::Counts;
use serde::Serialize;
use std::io::Write;

/// Where a package goes: a sink per part, opened as the part begins and
/// handed back, with what the part holds, once the part is written. A
/// package without parts is one part (`Whole`).
pub trait PackageOutput {
    type Sink: Write;
    /// The sink of part `number` (1, 2, ...).
    fn open(&mut self, number: usize) -> Result<Self::Sink>;
    /// Takes the sink of a part written whole back.
    fn close(&mut self, part: &WrittenPart, sink: Self::Sink) -> Result<()>;
}

/// One written part: its number, size, SHA-256 (hex; only for packages
/// split into parts) and how many calls it holds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct WrittenPart {
    pub number: usize,
    pub bytes: u64,
    pub sha256: Option<String>,
    pub calls: usize,
}

/// A package written whole into one sink.
pub struct Whole<W>(Option<W>);

impl<W: Write> Whole<W> {
    pub fn new(sink: W) -> Self {
        Whole(Some(sink))
    }

    /// The sink, once the package is written.
    pub(crate) fn into_inner(self) -> Result<W> {
        self.0
            .ok_or_else(|| Error::Write("the package was not written".to_string()))
    }
}

impl<W: Write> PackageOutput for Whole<W> {
    type Sink = W;
    fn open(&mut self, _: usize) -> Result<W> {
        self.0
            .take()
            .ok_or_else(|| Error::Write("a package written whole has one part".to_string()))
    }
    fn close(&mut self, _: &WrittenPart, sink: W) -> Result<()> {
        self.0 = Some(sink);
        Ok(())
    }
}

/// What a finished session wrote: the output back, every part, and the
/// run's counts and fidelity (over all parts).
pub struct Written<O> {
    pub output: O,
    pub parts: Vec<WrittenPart>,
    pub counts: Counts,
    pub fidelity: Option<Fidelity>,
}
