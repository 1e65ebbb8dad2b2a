//! The edits document: what a person changed in the preview, keyed by the
//! stable ids of the converted themes, topics and triggers. In: nothing
//! (plain data types; `read::edits` reads them, `decide::edits` applies
//! them). Out: `EditsDocument` (its `edits` in order, each an `Edit`),
//! and `TriggerContent`. The serde form is the document's canonical text (the page's
//! `outdoo-edits.json`): `format`, `version`, `edits`, each edit's `op`
//! first, written as `serde_json`'s pretty form plus a newline.

use crate::model::{MatchMode, SaidBy};
use crate::report::ReasonCode;
use serde::Serialize;

/// The `format` of every edits document.
pub const EDITS_FORMAT: &str = "chorus2outdoo-edits";
/// The only `version` so far.
pub const EDITS_VERSION: u64 = 1;
/// The name an edits document given as an object (the page's
/// `options.edits`) is recorded under, and the page's download name.
pub const EDITS_FILE_NAME: &str = "outdoo-edits.json";

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EditsDocument {
    pub format: &'static str,
    pub version: u64,
    pub edits: Vec<Edit>,
}

impl EditsDocument {
    pub fn new(edits: Vec<Edit>) -> Self {
        EditsDocument {
            format: EDITS_FORMAT,
            version: EDITS_VERSION,
            edits,
        }
    }

    /// The canonical text: pretty JSON and a newline.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut bytes = serde_json::to_vec_pretty(self).unwrap_or_default();
        bytes.push(b'\n');
        bytes
    }
}

/// A trigger's content as an edit gives it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TriggerContent {
    pub phrase: String,
    pub said_by: SaidBy,
    /// ISO 639-1 code.
    pub language: String,
    #[serde(rename = "match")]
    pub match_mode: MatchMode,
}

/// One edit. Ids are `th_…` (themes), `tp_…` (topics), `tg_…` (triggers).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum Edit {
    RenameTheme {
        theme: String,
        name: String,
    },
    RenameTopic {
        topic: String,
        name: String,
    },
    /// To the end of another theme.
    MoveTopic {
        topic: String,
        theme: String,
    },
    /// `topic` goes into `into`, and is no more.
    MergeTopics {
        topic: String,
        into: String,
    },
    AddTrigger {
        topic: String,
        trigger: TriggerContent,
    },
    ChangeTrigger {
        topic: String,
        trigger: String,
        to: TriggerContent,
    },
    RemoveTrigger {
        topic: String,
        trigger: String,
    },
    MarkReady {
        topic: String,
    },
    LeaveOut {
        topic: String,
    },
}

/// Every op, as the document spells it, with the fields it takes (all
/// required) besides `op`.
pub const OPS: [(&str, &[&str]); 9] = [
    ("rename_theme", &["theme", "name"]),
    ("rename_topic", &["topic", "name"]),
    ("move_topic", &["topic", "theme"]),
    ("merge_topics", &["topic", "into"]),
    ("add_trigger", &["topic", "trigger"]),
    ("change_trigger", &["topic", "trigger", "to"]),
    ("remove_trigger", &["topic", "trigger"]),
    ("mark_ready", &["topic"]),
    ("leave_out", &["topic"]),
];

impl Edit {
    /// The op as the document spells it.
    pub fn op(&self) -> &'static str {
        match self {
            Edit::RenameTheme { .. } => "rename_theme",
            Edit::RenameTopic { .. } => "rename_topic",
            Edit::MoveTopic { .. } => "move_topic",
            Edit::MergeTopics { .. } => "merge_topics",
            Edit::AddTrigger { .. } => "add_trigger",
            Edit::ChangeTrigger { .. } => "change_trigger",
            Edit::RemoveTrigger { .. } => "remove_trigger",
            Edit::MarkReady { .. } => "mark_ready",
            Edit::LeaveOut { .. } => "leave_out",
        }
    }

    /// The report's code for the edit once applied.
    pub fn code(&self) -> ReasonCode {
        match self {
            Edit::RenameTheme { .. } => ReasonCode::EditRenameTheme,
            Edit::RenameTopic { .. } => ReasonCode::EditRenameTopic,
            Edit::MoveTopic { .. } => ReasonCode::EditMoveTopic,
            Edit::MergeTopics { .. } => ReasonCode::EditMergeTopics,
            Edit::AddTrigger { .. } => ReasonCode::EditAddTrigger,
            Edit::ChangeTrigger { .. } => ReasonCode::EditChangeTrigger,
            Edit::RemoveTrigger { .. } => ReasonCode::EditRemoveTrigger,
            Edit::MarkReady { .. } => ReasonCode::EditMarkReady,
            Edit::LeaveOut { .. } => ReasonCode::EditLeaveOut,
        }
    }
}
