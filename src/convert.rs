//! The whole pipeline behind one call, shared by the CLI and the browser:
//! input files in; a `Conversion` out that previews itself and writes the
//! package to any `Write` sink.

use crate::decide::trackers::{themes_from_records, TrackerDecisions};
use crate::detect::{detect, FileKind};
use crate::error::Result;
use crate::model::{Theme, TopicStatus};
use crate::read::trackers::read_trackers;
use crate::report::{Report, ReportEntry, Severity};
use crate::write::package::{sha256_hex, write_package};
use serde::{Deserialize, Serialize};
use std::io::Write;

/// One input file: its name (without folders) and its bytes.
#[derive(Debug, Clone)]
pub struct InputFile {
    pub name: String,
    pub bytes: Vec<u8>,
}

/// What the customer chooses. Every field has a default, so `{}` is valid.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Options {
    /// Language for triggers whose tracker names none (ISO 639-1).
    pub default_language: String,
}

impl Default for Options {
    fn default() -> Self {
        Options { default_language: "en".to_string() }
    }
}

/// An input as the manifest records it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InputRecord {
    pub name: String,
    pub bytes: u64,
    pub sha256: String,
    pub kind: FileKind,
}

/// What `inspect` says about one file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FileSummary {
    pub name: String,
    pub kind: FileKind,
    pub kind_label: &'static str,
    pub trackers: usize,
    pub phrases: usize,
    /// Report entries of severity warning or worse.
    pub problems: usize,
    /// Why the file cannot be converted, with its location.
    pub error: Option<String>,
}

/// Detects, reads and converts one file on its own, and summarises it:
/// `trackers` counts the topics it becomes, `phrases` their triggers.
pub fn inspect(file: &InputFile) -> FileSummary {
    let kind = detect(&file.bytes);
    let mut summary = FileSummary {
        name: file.name.clone(),
        kind,
        kind_label: kind.label(),
        trackers: 0,
        phrases: 0,
        problems: 0,
        error: None,
    };
    match convert(std::slice::from_ref(file), &Options::default()) {
        Ok(conversion) => {
            let counts = conversion.counts();
            summary.trackers = counts.topics;
            summary.phrases = counts.triggers;
            summary.problems = counts.report.warning + counts.report.review + counts.report.error;
        }
        Err(e) => summary.error = Some(e.to_string()),
    }
    summary
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SeverityCounts {
    pub info: usize,
    pub warning: usize,
    pub review: usize,
    pub error: usize,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Counts {
    pub themes: usize,
    pub topics: usize,
    pub needs_review: usize,
    pub triggers: usize,
    pub report: SeverityCounts,
}

/// What the page shows before download.
#[derive(Debug, Clone, Serialize)]
pub struct Preview<'a> {
    pub counts: Counts,
    pub themes: &'a [Theme],
    pub report: &'a [ReportEntry],
    pub inputs: &'a [InputRecord],
}

/// A finished conversion, ready to preview and to write.
#[derive(Debug, Clone)]
pub struct Conversion {
    pub themes: Vec<Theme>,
    pub report: Report,
    pub inputs: Vec<InputRecord>,
}

impl Conversion {
    pub fn counts(&self) -> Counts {
        let topics = self.themes.iter().flat_map(|t| &t.topics);
        Counts {
            themes: self.themes.len(),
            topics: topics.clone().count(),
            needs_review: topics.clone().filter(|t| t.status == TopicStatus::NeedsReview).count(),
            triggers: topics.map(|t| t.triggers.len()).sum(),
            report: SeverityCounts {
                info: self.report.count(Severity::Info),
                warning: self.report.count(Severity::Warning),
                review: self.report.count(Severity::Review),
                error: self.report.count(Severity::Error),
            },
        }
    }

    pub fn preview(&self) -> Preview<'_> {
        Preview { counts: self.counts(), themes: &self.themes, report: &self.report.entries, inputs: &self.inputs }
    }

    /// Writes the Outdoo import package (a zip) to `sink` and hands it back.
    pub fn write_package<W: Write>(&self, sink: W) -> Result<W> {
        write_package(self, sink)
    }
}

/// Converts tracker exports into Themes, Topics and Triggers. Fails on the
/// first file that cannot be read at all; problems with single records go
/// into the report instead.
pub fn convert(files: &[InputFile], options: &Options) -> Result<Conversion> {
    let mut report = Report::default();
    let mut records = Vec::new();
    let mut inputs = Vec::new();
    for file in files {
        let kind = detect(&file.bytes);
        records.extend(read_trackers(&file.name, &file.bytes, kind, &mut report)?);
        inputs.push(InputRecord {
            name: file.name.clone(),
            bytes: file.bytes.len() as u64,
            sha256: sha256_hex(&file.bytes),
            kind,
        });
    }
    let decisions = TrackerDecisions { default_language: options.default_language.clone() };
    let themes = themes_from_records(records, &decisions, &mut report);
    Ok(Conversion { themes, report, inputs })
}
