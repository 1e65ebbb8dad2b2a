//! The report: every decision the converter made that a person may want to
//! check (a warning, a merge, a drop, an item to review), with a reason code,
//! a message a person can act on, and the input location it concerns.
//!
//! In: entries pushed by the readers and the decide stage. Out: the entries in
//! input order, written as `report.json` and `report.csv` by the writer.
//! The entries are packed (`model::packed`): an archive without recordings
//! has one per call, and in the CLI all but the first few MiB wait on disk.

use crate::model::packed::Packed;
use crate::model::Location;
use bitcode::{Decode, Encode};
use serde::{Deserialize, Serialize};

#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, Encode, Decode,
)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// A decision made as expected, listed so nothing happens unseen.
    Info,
    /// Something was changed or dropped; the result is still usable.
    Warning,
    /// A person must look at it before importing.
    Review,
    /// A record or file could not be used at all.
    Error,
}

/// Why an entry is in the report. Serialised as snake_case; part of the
/// package contract (docs/import-package.md lists every code).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, Encode, Decode,
)]
#[serde(rename_all = "snake_case")]
pub enum ReasonCode {
    /// A row or object had no tracker name; it was not imported.
    MissingName,
    /// A tracker had no category; it was put under the theme "Other".
    MissingCategory,
    /// A phrase was empty after trimming; dropped.
    EmptyPhraseDropped,
    /// A phrase repeated one already in the topic (ignoring case); dropped.
    DuplicatePhraseDropped,
    /// Whitespace inside a phrase was collapsed or trimmed.
    PhraseWhitespaceNormalised,
    /// Two trackers with the same name and category became one topic.
    TrackersMerged,
    /// Merged trackers disagreed on the description; the first was kept.
    DescriptionConflict,
    /// An advanced expression could not be expressed as plain triggers.
    ExpressionNeedsReview,
    /// An advanced expression could not be parsed at all.
    ExpressionSyntaxError,
    /// A smart (AI) tracker: Outdoo needs example sentences instead.
    SmartTracker,
    /// A tracker with no phrases and no expression.
    NoPhrases,
    /// A "said by" value that was not understood; `anyone` was used.
    UnknownSaidBy,
    /// A language that was not understood; the default language was used.
    UnknownLanguage,
    /// A column the converter does not use; its values were ignored.
    IgnoredColumn,
    /// The file's text was not UTF-8 and was decoded as another encoding.
    EncodingFallback,
    /// A record could not be read (wrong type, malformed value).
    UnreadableRecord,
    /// An archive entry that is not Chorus data; it was ignored.
    UnrecognisedEntry,
    /// The same engagement, conversation or recording appeared more than once; kept once.
    DuplicateRecord,
    /// An imported call has no transcript in the archive.
    MissingTranscript,
    /// An imported call has no recording in the archive.
    MissingMedia,
    /// Utterances without text or start time were left out of a transcript.
    UtterancesDropped,
    /// A recording or conversation document whose call is not in the archive.
    OrphanRecord,
    /// An internal participant without an email: they cannot become a user.
    UserWithoutEmail,
    /// `chorus2outdoo fetch` could not download part of a call (listed in its `fetch-report.json`).
    DownloadFailed,
    /// Chorus found a tracker on imported calls that no tracker export
    /// holds (with `recover_trackers`: recovered as a topic to review).
    TrackerNotExported,
    /// A keywords cell that reads as a boolean expression: converted as one,
    /// or, for a tracker typed basic, read as phrases.
    KeywordsExpression,
    // Call archives in the shapes customers' tools saved them.
    /// A call's value came from a field Chorus fills when the usual one is
    /// empty (a `generated_subject` title, a scheduled or utterance start).
    FallbackUsed,
    /// A call's transcript is a connector's flattened text, not Chorus's
    /// utterances: speakers by name, times from the text or estimated.
    TranscriptFromText,
    // Tracker settings that change what a tracker means.
    /// A disabled tracker, imported switched off; or a status that was not
    /// understood, or that merged trackers disagree on (review).
    TrackerStatus,
    /// A tracker's excluded phrases (negative keywords), which triggers
    /// cannot express: kept on the topic, which needs review.
    TrackerExclusions,
    /// A tracker counts only under a condition triggers cannot express
    /// (Gong's part of a question, said at, said in topics, filter).
    TrackerCondition,
    // Edits (an edits document applied after the conversion), one code per op.
    /// A theme renamed by an edit.
    EditRenameTheme,
    /// A topic renamed by an edit.
    EditRenameTopic,
    /// A topic moved to another theme by an edit.
    EditMoveTopic,
    /// A topic merged into another by an edit.
    EditMergeTopics,
    /// A trigger added by an edit.
    EditAddTrigger,
    /// A trigger changed by an edit.
    EditChangeTrigger,
    /// A trigger removed by an edit.
    EditRemoveTrigger,
    /// A topic marked ready by an edit.
    EditMarkReady,
    /// A topic left out of the package by an edit.
    EditLeaveOut,
    /// An edit whose theme, topic or trigger is not in the conversion (any
    /// more): not applied.
    EditTargetMissing,
    /// An edit that cannot apply as it stands (a name already taken, a
    /// trigger already there, a topic without triggers marked ready): not
    /// applied.
    EditNotApplicable,
}

impl ReasonCode {
    pub fn as_str(self) -> &'static str {
        match self {
            ReasonCode::MissingName => "missing_name",
            ReasonCode::MissingCategory => "missing_category",
            ReasonCode::EmptyPhraseDropped => "empty_phrase_dropped",
            ReasonCode::DuplicatePhraseDropped => "duplicate_phrase_dropped",
            ReasonCode::PhraseWhitespaceNormalised => "phrase_whitespace_normalised",
            ReasonCode::TrackersMerged => "trackers_merged",
            ReasonCode::DescriptionConflict => "description_conflict",
            ReasonCode::ExpressionNeedsReview => "expression_needs_review",
            ReasonCode::ExpressionSyntaxError => "expression_syntax_error",
            ReasonCode::SmartTracker => "smart_tracker",
            ReasonCode::NoPhrases => "no_phrases",
            ReasonCode::UnknownSaidBy => "unknown_said_by",
            ReasonCode::UnknownLanguage => "unknown_language",
            ReasonCode::IgnoredColumn => "ignored_column",
            ReasonCode::EncodingFallback => "encoding_fallback",
            ReasonCode::UnreadableRecord => "unreadable_record",
            ReasonCode::UnrecognisedEntry => "unrecognised_entry",
            ReasonCode::DuplicateRecord => "duplicate_record",
            ReasonCode::MissingTranscript => "missing_transcript",
            ReasonCode::MissingMedia => "missing_media",
            ReasonCode::UtterancesDropped => "utterances_dropped",
            ReasonCode::OrphanRecord => "orphan_record",
            ReasonCode::UserWithoutEmail => "user_without_email",
            ReasonCode::DownloadFailed => "download_failed",
            ReasonCode::TrackerNotExported => "tracker_not_exported",
            ReasonCode::KeywordsExpression => "keywords_expression",
            ReasonCode::FallbackUsed => "fallback_used",
            ReasonCode::TranscriptFromText => "transcript_from_text",
            ReasonCode::TrackerStatus => "tracker_status",
            ReasonCode::TrackerExclusions => "tracker_exclusions",
            ReasonCode::TrackerCondition => "tracker_condition",
            ReasonCode::EditRenameTheme => "edit_rename_theme",
            ReasonCode::EditRenameTopic => "edit_rename_topic",
            ReasonCode::EditMoveTopic => "edit_move_topic",
            ReasonCode::EditMergeTopics => "edit_merge_topics",
            ReasonCode::EditAddTrigger => "edit_add_trigger",
            ReasonCode::EditChangeTrigger => "edit_change_trigger",
            ReasonCode::EditRemoveTrigger => "edit_remove_trigger",
            ReasonCode::EditMarkReady => "edit_mark_ready",
            ReasonCode::EditLeaveOut => "edit_leave_out",
            ReasonCode::EditTargetMissing => "edit_target_missing",
            ReasonCode::EditNotApplicable => "edit_not_applicable",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Encode, Decode)]
pub struct ReportEntry {
    pub severity: Severity,
    pub code: ReasonCode,
    pub message: String,
    pub location: Location,
}

/// The entries in the order pushed, and how many there are of each severity.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Report {
    entries: Packed<ReportEntry>,
    counts: [usize; 4],
}

impl Report {
    pub fn push(
        &mut self,
        severity: Severity,
        code: ReasonCode,
        location: Location,
        message: impl Into<String>,
    ) {
        self.entries.push(&ReportEntry {
            severity,
            code,
            message: message.into(),
            location,
        });
        self.counts[severity as usize] += 1;
    }
    pub fn info(&mut self, code: ReasonCode, location: Location, message: impl Into<String>) {
        self.push(Severity::Info, code, location, message)
    }
    pub fn warning(&mut self, code: ReasonCode, location: Location, message: impl Into<String>) {
        self.push(Severity::Warning, code, location, message)
    }
    pub fn review(&mut self, code: ReasonCode, location: Location, message: impl Into<String>) {
        self.push(Severity::Review, code, location, message)
    }
    pub fn error(&mut self, code: ReasonCode, location: Location, message: impl Into<String>) {
        self.push(Severity::Error, code, location, message)
    }
    /// Moves `other`'s entries after these.
    pub fn extend(&mut self, other: Report) {
        self.entries.append(other.entries);
        for (count, other) in self.counts.iter_mut().zip(other.counts) {
            *count += other;
        }
    }
    pub fn count(&self, severity: Severity) -> usize {
        self.counts[severity as usize]
    }
    pub fn len(&self) -> usize {
        self.entries.len()
    }
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
    /// The entry at `index`.
    pub fn get(&self, index: usize) -> Option<ReportEntry> {
        self.entries.get(index)
    }
    /// Every entry, in order.
    pub fn iter(&self) -> impl Iterator<Item = ReportEntry> + '_ {
        self.entries.iter()
    }
    /// Changes every entry's location with `f` (entries are packed, so
    /// they are decoded and encoded again).
    pub fn relocate(&mut self, mut f: impl FnMut(&mut Location)) {
        self.entries = self
            .entries
            .iter()
            .map(|mut entry| {
                f(&mut entry.location);
                entry
            })
            .collect();
    }
}

/// `report.json`'s `entries`: the list of entries.
impl Serialize for Report {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.entries.serialize(serializer)
    }
}

/// A first pass's report crossing between Web Workers: its entries (the
/// counts are counted again when it is read, so they always agree).
impl Report {
    /// Writes the entries after `out`'s bytes (`Packed::write_to`).
    pub fn write_to(&self, out: &mut Vec<u8>) {
        self.entries.write_to(out);
    }

    /// Reads a report `write_to` wrote from the front of `input`, every
    /// entry checked (`Packed::read_from`).
    pub fn read_from(input: &mut &[u8]) -> std::result::Result<Report, String> {
        let entries = Packed::<ReportEntry>::read_from(input)?;
        let mut counts = [0; 4];
        for entry in entries.iter() {
            counts[entry.severity as usize] += 1;
        }
        Ok(Report { entries, counts })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reason_codes_read_back_as_written() {
        let codes = [
            ReasonCode::MissingName,
            ReasonCode::MissingMedia,
            ReasonCode::DownloadFailed,
            ReasonCode::TrackerNotExported,
            ReasonCode::KeywordsExpression,
            ReasonCode::FallbackUsed,
            ReasonCode::TranscriptFromText,
            ReasonCode::TrackerStatus,
            ReasonCode::TrackerExclusions,
            ReasonCode::TrackerCondition,
        ];
        let mut report = Report::default();
        for code in codes {
            report.review(code, Location::file("a.csv"), code.as_str());
        }
        let mut bytes = Vec::new();
        report.write_to(&mut bytes);
        let read = Report::read_from(&mut &bytes[..]).unwrap();
        assert!(read.iter().map(|e| e.code).eq(codes));
        assert_eq!(read.count(Severity::Review), codes.len());
    }

    #[test]
    fn a_report_counts_moves_packs_and_relocates_its_entries() {
        let mut first = Report::default();
        first.warning(ReasonCode::MissingMedia, Location::row("a.csv", 2), "one");
        first.error(ReasonCode::MissingName, Location::row("a.csv", 3), "two");
        let mut second = Report::default();
        second.warning(
            ReasonCode::UnknownSaidBy,
            Location::row("b.csv", 4),
            "three",
        );
        first.extend(second);
        assert_eq!(
            [
                Severity::Info,
                Severity::Warning,
                Severity::Review,
                Severity::Error
            ]
            .map(|s| first.count(s)),
            [0, 2, 0, 1]
        );
        assert_eq!(
            serde_json::to_string(&first).unwrap(),
            r#"[{"severity":"warning","code":"missing_media","message":"one","location":{"file":"a.csv","row":2}},"#.to_string()
                + r#"{"severity":"error","code":"missing_name","message":"two","location":{"file":"a.csv","row":3}},"#
                + r#"{"severity":"warning","code":"unknown_said_by","message":"three","location":{"file":"b.csv","row":4}}]"#
        );
        let mut bytes = Vec::new();
        first.write_to(&mut bytes);
        let unpacked = Report::read_from(&mut &bytes[..]).unwrap();
        assert_eq!(unpacked, first);
        assert_eq!(unpacked.count(Severity::Warning), 2);
        first.relocate(|location| {
            if location.file == "b.csv" {
                location.file = "c.xlsx".into();
            }
        });
        let files: Vec<String> = first.iter().map(|e| e.location.file).collect();
        assert_eq!(files, ["a.csv", "a.csv", "c.xlsx"]);
        assert_eq!(first.len(), 3);
        assert_eq!(first.get(2).unwrap().message, "three");
    }
}
