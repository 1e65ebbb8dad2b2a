//! The neutral model: what every reader produces and every writer consumes.
//!
//! In: nothing (plain data types). Out: `TrackerRecord` (what a reader found in
//! a tracker export, still in Chorus terms) and the Outdoo side: `Theme`,
//! `Topic`, `Trigger`. Leniency lives in the readers; these types are strict.
//! The call side (engagements, conversations, calls, users) is in [`calls`];
//! [`packed`] keeps tens of thousands of such records compactly.

pub mod calls;
pub mod conversion;
pub mod edits;
pub mod fidelity;
pub mod packed;
pub mod sorted;
pub mod spill;

use bitcode::{Decode, Encode};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::fmt;

/// Where a record came from: the file, and inside it the zip entry, the row
/// (1-based, as a spreadsheet shows it), the JSON pointer, or the column of an
/// expression. Every report entry and every topic carries one.
#[derive(
    Debug,
    Clone,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Serialize,
    Deserialize,
    Default,
    Encode,
    Decode,
)]
pub struct Location {
    pub file: String,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub entry: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub row: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub pointer: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub column: Option<u64>,
}

impl Location {
    pub fn file(file: impl Into<String>) -> Self {
        Location {
            file: file.into(),
            ..Default::default()
        }
    }
    pub fn row(file: impl Into<String>, row: u64) -> Self {
        Location {
            file: file.into(),
            row: Some(row),
            ..Default::default()
        }
    }
    pub fn pointer(file: impl Into<String>, pointer: impl Into<String>) -> Self {
        Location {
            file: file.into(),
            pointer: Some(pointer.into()),
            ..Default::default()
        }
    }
    pub fn with_entry(mut self, entry: impl Into<String>) -> Self {
        self.entry = Some(entry.into());
        self
    }
    pub fn with_pointer(mut self, pointer: impl Into<String>) -> Self {
        self.pointer = Some(pointer.into());
        self
    }
    pub fn with_column(mut self, column: u64) -> Self {
        self.column = Some(column);
        self
    }
}

/// A moment as the call records keep it (`DateTime<Utc>` has no codec of
/// its own): whole seconds since 1970 and the nanoseconds after them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Encode, Decode)]
pub struct Timestamp {
    seconds: i64,
    nanos: u32,
}

impl From<DateTime<Utc>> for Timestamp {
    fn from(time: DateTime<Utc>) -> Self {
        Timestamp {
            seconds: time.timestamp(),
            nanos: time.timestamp_subsec_nanos(),
        }
    }
}

impl Timestamp {
    /// The moment (every `Timestamp` is made from one; the epoch for
    /// fields no `DateTime` could hold).
    pub fn time(self) -> DateTime<Utc> {
        DateTime::from_timestamp(self.seconds, self.nanos).unwrap_or_default()
    }
}

/// A name or message from an input, safe to print on a terminal or in one
/// line of a log: control characters (escape sequences, carriage returns,
/// bells) and the Unicode controls that reorder text on screen become
/// `\u{..}` escapes. With `keep_newlines`, `\n` and `\t` stay (a message of
/// several lines); a name never keeps them.
pub fn printable(text: &str, keep_newlines: bool) -> std::borrow::Cow<'_, str> {
    let unsafe_char = |c: char| {
        (c.is_control() && !(keep_newlines && (c == '\n' || c == '\t')))
            || matches!(c, '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
    };
    if !text.chars().any(unsafe_char) {
        return std::borrow::Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if unsafe_char(c) {
            out.push_str(&format!("\\u{{{:x}}}", c as u32));
        } else {
            out.push(c);
        }
    }
    std::borrow::Cow::Owned(out)
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&printable(&self.file, false))?;
        if let Some(entry) = &self.entry {
            write!(f, " entry {}", printable(entry, false))?;
        }
        if let Some(row) = self.row {
            write!(f, " row {row}")?;
        }
        if let Some(pointer) = &self.pointer {
            let pointer = if pointer.is_empty() { "/" } else { pointer };
            write!(f, " at {}", printable(pointer, false))?;
        }
        if let Some(column) = self.column {
            write!(f, " column {column}")?;
        }
        Ok(())
    }
}

/// One tracker as a reader found it, before any decision: raw strings, phrases
/// already split out of their cell (unless the cell holds an expression),
/// nothing normalised yet.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct TrackerRecord {
    pub name: String,
    pub category: Option<String>,
    /// Chorus tracker type as written ("basic", "Advanced", "smart", "chorus", ...).
    pub kind: Option<String>,
    pub phrases: Vec<String>,
    /// Chorus boolean expressions (advanced trackers), each read on its own:
    /// the expression column's, then a keywords cell that holds one.
    pub expressions: Vec<String>,
    /// "Said by" as written ("Rep", "Prospect", "Anyone", ...).
    pub said_by: Option<String>,
    /// Language as written ("English", "de", "en-US", ...).
    pub language: Option<String>,
    pub description: Option<String>,
    /// Keywords grouped by language, each group with its own language and
    /// related-forms setting (Gong-shaped `languageKeywords`).
    pub keyword_groups: Vec<KeywordGroup>,
    /// Phrases that must not be said for the tracker to count (an
    /// exclusions or negative keywords column), split as phrases are.
    pub exclusions: Vec<String>,
    /// Whether the tracker is live: the status, enabled or active column
    /// (or key) and its value, both as written (`Status`, `Disabled`;
    /// `enabled`, `false`).
    pub status: Option<(String, String)>,
    /// The teams the tracker is limited to, as written.
    pub teams: Vec<String>,
    /// Example sentences of a smart (AI) tracker (Zoom's guiding sentences).
    pub example_sentences: Vec<String>,
    /// Conditions of Gong-shaped trackers beyond who says what, as written.
    pub conditions: Vec<(TrackerCondition, String)>,
    pub location: Location,
}

/// One language's keywords of a tracker (Gong's `languageKeywords` item).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct KeywordGroup {
    /// The language as written (`eng`, `ger`, `mul`, `English`, ...).
    pub language: Option<String>,
    pub phrases: Vec<String>,
    /// Other forms of each word count too ("organize": "organized", "organizes").
    pub related_forms: bool,
}

/// A Gong tracker setting that limits where its keywords count.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TrackerCondition {
    /// `partOfQuestion`: only when the keywords are part of a question.
    PartOfQuestion,
    /// `saidAt`: `Anytime`, or `First` / `Last` part of the call.
    SaidAt,
    /// `saidAtInterval`: how long the first or last part is.
    SaidAtInterval,
    /// `saidAtUnit`: minutes, or percent of the call.
    SaidAtUnit,
    /// `saidInTopics`: only in these call topics.
    SaidInTopics,
    /// `filterQuery`: only on calls that match a filter.
    FilterQuery,
}

/// Who must say a trigger phrase for it to count.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SaidBy {
    Anyone,
    /// Company employees (Chorus "rep").
    Company,
    /// External participants (Chorus "prospect" / "customer").
    External,
}

/// How a trigger phrase matches the transcript.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MatchMode {
    /// The phrase as written (case-insensitive, whole words).
    Exact,
    /// The phrase is a prefix: Chorus `pric*` matches "price", "pricing".
    Prefix,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Trigger {
    /// `tg_` and 12 hex digits, from the trigger's content and its topic's
    /// id as converted (`decide::ids`); kept through edits.
    #[serde(default)]
    pub id: String,
    pub phrase: String,
    pub said_by: SaidBy,
    /// ISO 639-1 code.
    pub language: String,
    #[serde(rename = "match")]
    pub match_mode: MatchMode,
    /// Other forms of the phrase's words count too (Gong's
    /// `includeRelatedForms`; Outdoo's "related word forms").
    #[serde(skip_serializing_if = "std::ops::Not::not", default)]
    pub related_forms: bool,
    /// For a trigger recovered from the calls (`decide::recover`): how many
    /// of Chorus's mentions its words were read from.
    #[serde(
        rename = "recovered_from_mentions",
        skip_serializing_if = "Option::is_none",
        default
    )]
    pub mentions: Option<u32>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TopicStatus {
    Ready,
    NeedsReview,
}

/// What a topic came from, so a person can find it in their export.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TopicSource {
    /// Every record merged into this topic, in input order.
    pub locations: Vec<Location>,
    /// The Chorus tracker type as written, if the export had one.
    pub chorus_type: Option<String>,
    /// The original advanced-tracker expression, kept verbatim.
    pub expression: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Topic {
    /// `tp_` and 12 hex digits, from the key its trackers were merged by
    /// (`decide::ids`); kept through edits (a renamed topic keeps it).
    #[serde(default)]
    pub id: String,
    pub name: String,
    pub description: String,
    pub status: TopicStatus,
    /// Why the topic needs review (empty when ready).
    #[serde(default)]
    pub review_reasons: Vec<String>,
    /// False for a tracker that was disabled: imported switched off.
    #[serde(skip_serializing_if = "is_true", default = "always_true")]
    pub enabled: bool,
    /// The teams the tracker was limited to.
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub teams: Vec<String>,
    /// Phrases the tracker excluded (negative keywords), which triggers
    /// cannot express.
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub exclusions: Vec<String>,
    /// A smart (AI) tracker's example sentences, from which Outdoo builds
    /// smart trackers; never made into triggers.
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub example_sentences: Vec<String>,
    pub source: TopicSource,
    pub triggers: Vec<Trigger>,
    /// The name the topic was converted with, once an edit renamed it: the
    /// name its Chorus tracker is met by in `fidelity.json`. Not written.
    #[serde(skip)]
    pub converted_name: Option<String>,
}

fn is_true(value: &bool) -> bool {
    *value
}

fn always_true() -> bool {
    true
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Theme {
    /// `th_` and 12 hex digits, from its name as themes are merged by
    /// (`decide::ids`); kept through edits.
    #[serde(default)]
    pub id: String,
    pub name: String,
    pub topics: Vec<Topic>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn printable_escapes_what_would_rewrite_a_terminal() {
        assert_eq!(printable("plain name.json", false), "plain name.json");
        assert!(matches!(
            printable("plain", false),
            std::borrow::Cow::Borrowed(_)
        ));
        assert_eq!(
            printable("\u{1b}[31mred\u{7}\r\u{202e}fdp.exe\u{9b}", false),
            "\\u{1b}[31mred\\u{7}\\u{d}\\u{202e}fdp.exe\\u{9b}"
        );
        assert_eq!(printable("a\nb\tc", false), "a\\u{a}b\\u{9}c");
        assert_eq!(printable("a\nb\tc\u{1b}", true), "a\nb\tc\\u{1b}");
        assert_eq!(printable("Zoë — 日本語", false), "Zoë — 日本語");
        let location = Location::file("a\u{1b}.zip").with_entry("x\ny.json");
        assert_eq!(location.to_string(), "a\\u{1b}.zip entry x\\u{a}y.json");
    }
}
