//! The report: every decision the converter made that a person may want to
//! check (a warning, a merge, a drop, an item to review), with a reason code,
//! a message a person can act on, and the input location it concerns.
//!
//! In: entries pushed by the readers and the decide stage. Out: the entries in
//! input order, written as `report.json` and `report.csv` by the writer.

use crate::model::packed::{pack_str, packed_enum, packed_struct, Pack};
use crate::model::Location;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
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
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
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
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReportEntry {
    pub severity: Severity,
    pub code: ReasonCode,
    pub message: String,
    pub location: Location,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Report {
    pub entries: Vec<ReportEntry>,
}

impl Report {
    pub fn push(
        &mut self,
        severity: Severity,
        code: ReasonCode,
        location: Location,
        message: impl Into<String>,
    ) {
        self.entries.push(ReportEntry {
            severity,
            code,
            message: message.into(),
            location,
        });
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
    pub fn extend(&mut self, other: Report) {
        self.entries.extend(other.entries);
    }
    pub fn count(&self, severity: Severity) -> usize {
        self.entries
            .iter()
            .filter(|e| e.severity == severity)
            .count()
    }
}

// Packed forms (`model::packed`): a first pass's report crosses between Web Workers.
packed_enum!(Severity {
    Info,
    Warning,
    Review,
    Error
});
/// A reason code packs as its code (`as_str`), read back through serde, so
/// no second list of the codes is kept here.
impl Pack for ReasonCode {
    fn pack(&self, out: &mut Vec<u8>) {
        pack_str(self.as_str(), out);
    }
    fn unpack(input: &mut &[u8]) -> Self {
        use serde::de::IntoDeserializer;
        let code = String::unpack(input);
        let code: serde::de::value::StrDeserializer<serde::de::value::Error> =
            code.as_str().into_deserializer();
        // Only bytes no packer wrote lack a known code.
        ReasonCode::deserialize(code).unwrap_or(ReasonCode::UnreadableRecord)
    }
}
packed_struct!(ReportEntry {
    severity,
    code,
    message,
    location
});
packed_struct!(Report { entries });

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reason_codes_pack_as_their_codes() {
        for code in [
            ReasonCode::MissingName,
            ReasonCode::MissingMedia,
            ReasonCode::DownloadFailed,
        ] {
            let mut bytes = Vec::new();
            code.pack(&mut bytes);
            assert_eq!(bytes[1..], *code.as_str().as_bytes());
            assert_eq!(ReasonCode::unpack(&mut &bytes[..]), code);
        }
        let mut bytes = Vec::new();
        pack_str("no_such_code", &mut bytes);
        assert_eq!(
            ReasonCode::unpack(&mut &bytes[..]),
            ReasonCode::UnreadableRecord
        );
    }
}
