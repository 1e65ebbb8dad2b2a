//! What a conversion is, between its two passes: the result types the
//! stages share (read, decide and write, the CLI and the page). In:
//! nothing (plain data types). Out: `Conversion` (the topics, the report,
//! the inputs and the decided calls), `CallsOutcome`, the `Counts` the
//! manifest and the preview show, each input as the manifest records it
//! (`InputRecord`, of a `FileKind`), and what an archive holds
//! (`ArchiveSummary`), the edits applied to it (`ConversionEdits`,
//! `EditsSource`). The orchestration (`convert`) adds the methods that
//! preview and write a conversion.

use crate::model::calls::{PlannedCall, SkippedCall, User, UserAction};
use crate::model::edits::EditsDocument;
use crate::model::fidelity::FidelitySummary;
use crate::model::packed::Packed;
use crate::model::{Theme, TopicStatus};
use crate::report::{Report, Severity};
use bitcode::{Decode, Encode};
use serde::{Deserialize, Serialize};

/// What kind of input a file is (`detect` tells it by content).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FileKind {
    TrackerCsv,
    TrackerJson,
    TrackerXlsx,
    /// A zip that is not a workbook.
    Zip,
    Empty,
    Binary,
    /// A zip or folder of Chorus call data (given with `--archive`).
    CallArchive,
    /// A CSV of existing Outdoo users (given with `--roster`).
    UserRoster,
    /// An earlier Outdoo import package (given with `--after-package`).
    OutdooPackage,
    /// A CSV dump of a Chorus warehouse table (Fivetran's `engagement`,
    /// `engagement_participant`, ...): not converted yet.
    TableDump,
    /// An edits document (`outdoo-edits.json`): applied after the conversion.
    Edits,
}

impl FileKind {
    pub fn label(self) -> &'static str {
        match self {
            FileKind::TrackerCsv => "tracker table (CSV/text)",
            FileKind::TrackerJson => "tracker list (JSON)",
            FileKind::TrackerXlsx => "tracker workbook (XLSX)",
            FileKind::Zip => "zip archive",
            FileKind::Empty => "empty file",
            FileKind::Binary => "binary file",
            FileKind::CallArchive => "Chorus call archive",
            FileKind::UserRoster => "Outdoo users roster (CSV)",
            FileKind::OutdooPackage => "earlier Outdoo import package",
            FileKind::TableDump => "Chorus warehouse table dump (CSV)",
            FileKind::Edits => "edits document (JSON)",
        }
    }
}

/// An input as the manifest records it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InputRecord {
    pub name: String,
    pub bytes: u64,
    pub sha256: String,
    pub kind: FileKind,
    /// For an edits document: how many edits it holds.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub edits: Option<usize>,
}

/// What an archive holds, for `inspect` and the page.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Encode, Decode)]
pub struct ArchiveSummary {
    pub name: String,
    pub entries: usize,
    /// `/v3/engagements` pages and bare arrays of engagements.
    pub engagement_pages: usize,
    pub engagements: usize,
    pub conversations: usize,
    pub users_files: usize,
    pub users: usize,
    pub media: usize,
    /// Folders and junk (`__MACOSX/`, `.DS_Store`, `Thumbs.db`).
    pub ignored: usize,
    pub unrecognised: usize,
    /// Entries whose content could not be read (broken JSON, bad zip data).
    pub unreadable: usize,
}

impl ArchiveSummary {
    /// Adds the counts of another range of the same archive's entries.
    pub fn add(&mut self, later: &ArchiveSummary) {
        if self.name.is_empty() {
            self.name.clone_from(&later.name);
        }
        self.entries += later.entries;
        self.engagement_pages += later.engagement_pages;
        self.engagements += later.engagements;
        self.conversations += later.conversations;
        self.users_files += later.users_files;
        self.users += later.users;
        self.media += later.media;
        self.ignored += later.ignored;
        self.unrecognised += later.unrecognised;
        self.unreadable += later.unreadable;
    }
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
    /// Present when call archives were converted.
    #[serde(flatten, skip_serializing_if = "Option::is_none")]
    pub calls: Option<CallCounts>,
    /// In the manifest of a package with topics and call archives: the
    /// summary of `fidelity.json` (the preview, made before the package,
    /// has none).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub fidelity: Option<FidelitySummary>,
}

/// What a conversion with call archives holds.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CallCounts {
    /// Calls imported (lines of `calls.jsonl`).
    pub calls: usize,
    pub skipped_calls: usize,
    pub transcripts: usize,
    pub media: usize,
    pub users: usize,
    pub users_to_create: usize,
}

/// The calls side of a conversion: what the first pass decided.
#[derive(Debug, Clone, Default)]
pub struct CallsOutcome {
    /// In `calls.jsonl` order; packed, as there may be tens of thousands.
    pub calls: Packed<PlannedCall>,
    /// In id order; packed.
    pub skipped: Packed<SkippedCall>,
    /// Sorted by email.
    pub users: Vec<User>,
    /// One per archive, in the order given.
    pub archives: Vec<ArchiveSummary>,
}

/// A finished conversion, ready to preview and to write.
#[derive(Debug, Clone)]
pub struct Conversion {
    /// As the package writes them: edited, when edits were applied.
    pub themes: Vec<Theme>,
    pub report: Report,
    pub inputs: Vec<InputRecord>,
    /// Present when call archives were given (even if they held no calls).
    pub calls: Option<CallsOutcome>,
    /// The edits documents among the inputs, and the conversion before edits.
    pub edits: ConversionEdits,
}

/// An edits document and the input it came from (kind `edits`, with its
/// number of edits), as the manifest records it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EditsSource {
    pub input: InputRecord,
    pub document: EditsDocument,
}

/// What edits a conversion has, and what it was before them.
#[derive(Debug, Clone, Default)]
pub struct ConversionEdits {
    /// Edits documents found among the input files, in the order given:
    /// applied first, whatever other edits are set.
    pub from_files: Vec<EditsSource>,
    /// The conversion as converted, before any edit; kept once edits were
    /// applied, so that others can be applied instead.
    pub unedited: Option<Box<Unedited>>,
}

/// The parts of a conversion edits change, as they were before.
#[derive(Debug, Clone)]
pub struct Unedited {
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
            needs_review: topics
                .clone()
                .filter(|t| t.status == TopicStatus::NeedsReview)
                .count(),
            triggers: topics.map(|t| t.triggers.len()).sum(),
            report: SeverityCounts {
                info: self.report.count(Severity::Info),
                warning: self.report.count(Severity::Warning),
                review: self.report.count(Severity::Review),
                error: self.report.count(Severity::Error),
            },
            calls: self.calls.as_ref().map(|outcome| {
                let (transcripts, media) = outcome.calls.iter().fold((0, 0), |(t, m), c| {
                    (
                        t + usize::from(c.transcript.is_some()),
                        m + usize::from(c.media.is_some()),
                    )
                });
                CallCounts {
                    calls: outcome.calls.len(),
                    skipped_calls: outcome.skipped.len(),
                    transcripts,
                    media,
                    users: outcome.users.len(),
                    users_to_create: outcome
                        .users
                        .iter()
                        .filter(|u| u.action == UserAction::Create)
                        .count(),
                }
            }),
            fidelity: None,
        }
    }
}
