//! Trackers become Themes, Topics and Triggers.
//!
//! In: `TrackerRecord`s from every tracker export, in input order. Out: the
//! themes (category -> Theme, tracker -> Topic, phrase -> Trigger) in order of
//! first appearance, with every normalisation, merge, drop and review item in
//! the report. Advanced expressions go through `read::expression`.

use crate::decide::language::{language_code, language_codes, said_by};
use crate::model::{
    Location, MatchMode, SaidBy, Theme, Topic, TopicSource, TopicStatus, TrackerRecord, Trigger,
};
use crate::read::expression::{analyse, parse};
use crate::report::{ReasonCode, Report};
use std::collections::HashMap;

/// The theme for trackers without a category.
pub const DEFAULT_THEME: &str = "Other";

pub struct TrackerDecisions {
    /// ISO 639-1 code for trackers that name no language.
    pub default_language: String,
}

/// Trims and collapses runs of whitespace to one space. U+FEFF (a stray
/// byte order mark inside the text) counts as whitespace, as it does for
/// JavaScript and for the schema's `\s`.
pub fn collapse_whitespace(text: &str) -> String {
    text.split(|c: char| c.is_whitespace() || c == '\u{feff}')
        .filter(|part| !part.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

/// A topic being built from one or more records.
struct TopicDraft {
    topic: Topic,
    /// Lower-cased (phrase, language, match) already present, for dropping duplicates.
    seen: Vec<(String, String, MatchMode)>,
    expressions: Vec<String>,
    /// Records so far, and whether each held one phrase and no expression
    /// (the "one row per phrase" layout, merged without a report entry).
    single_phrase_rows: bool,
}

pub fn themes_from_records(
    records: Vec<TrackerRecord>,
    decisions: &TrackerDecisions,
    report: &mut Report,
) -> Vec<Theme> {
    let default_language = language_code(&decisions.default_language).unwrap_or("en");
    let mut theme_order: Vec<(String, Vec<usize>)> = Vec::new();
    let mut theme_index: HashMap<String, usize> = HashMap::new();
    let mut drafts: Vec<TopicDraft> = Vec::new();
    let mut topic_index: HashMap<(String, String), usize> = HashMap::new();

    for record in records {
        let theme_name = record
            .category
            .as_deref()
            .map(collapse_whitespace)
            .filter(|c| !c.is_empty());
        let theme_name = theme_name.unwrap_or_else(|| DEFAULT_THEME.to_string());
        let topic_name = collapse_whitespace(&record.name);
        let key = (theme_name.to_lowercase(), topic_name.to_lowercase());
        let single = record.phrases.len() <= 1 && record.expressions.is_empty();

        let index = match topic_index.get(&key) {
            Some(&index) => {
                let draft = &mut drafts[index];
                let first = &draft.topic.source.locations[0];
                let same_file = first.file == record.location.file;
                if !(same_file && draft.single_phrase_rows && single) {
                    report.info(
                        ReasonCode::TrackersMerged,
                        record.location.clone(),
                        format!(
                            "tracker \"{topic_name}\" in theme \"{theme_name}\" also appears at {first}; both were merged into one topic"
                        ),
                    );
                }
                draft.single_phrase_rows &= single;
                index
            }
            None => {
                if record
                    .category
                    .as_deref()
                    .is_none_or(|c| c.trim().is_empty())
                {
                    report.info(
                        ReasonCode::MissingCategory,
                        record.location.clone(),
                        format!("tracker \"{topic_name}\" has no category; it was put under the theme \"{DEFAULT_THEME}\""),
                    );
                }
                let index = drafts.len();
                drafts.push(TopicDraft {
                    topic: Topic {
                        name: topic_name.clone(),
                        description: String::new(),
                        status: TopicStatus::Ready,
                        review_reasons: Vec::new(),
                        source: TopicSource {
                            locations: Vec::new(),
                            chorus_type: record.kind.as_deref().map(collapse_whitespace),
                            expression: None,
                        },
                        triggers: Vec::new(),
                    },
                    seen: Vec::new(),
                    expressions: Vec::new(),
                    single_phrase_rows: single,
                });
                topic_index.insert(key.clone(), index);
                let theme = *theme_index.entry(key.0.clone()).or_insert_with(|| {
                    theme_order.push((theme_name.clone(), Vec::new()));
                    theme_order.len() - 1
                });
                theme_order[theme].1.push(index);
                index
            }
        };
        apply_record(&mut drafts[index], record, default_language, report);
    }

    theme_order
        .into_iter()
        .map(|(name, indexes)| Theme {
            name,
            topics: indexes
                .into_iter()
                .map(|i| finish_topic(&mut drafts[i], report))
                .collect(),
        })
        .collect()
}

fn mark_review(topic: &mut Topic, reason: String) {
    topic.status = TopicStatus::NeedsReview;
    if !topic.review_reasons.contains(&reason) {
        topic.review_reasons.push(reason);
    }
}

/// Adds one record's description, phrases and expression to its topic.
fn apply_record(
    draft: &mut TopicDraft,
    record: TrackerRecord,
    default_language: &'static str,
    report: &mut Report,
) {
    let location = record.location.clone();
    let topic_name = draft.topic.name.clone();
    draft.topic.source.locations.push(location.clone());

    if let Some(description) = record
        .description
        .as_deref()
        .map(str::trim)
        .filter(|d| !d.is_empty())
    {
        if draft.topic.description.is_empty() {
            draft.topic.description = description.to_string();
        } else if draft.topic.description != description {
            report.warning(
                ReasonCode::DescriptionConflict,
                location.clone(),
                format!("tracker \"{topic_name}\" has another description here; the first one was kept, this one was dropped: \"{description}\""),
            );
        }
    }

    let speaker = match record.said_by.as_deref() {
        None => SaidBy::Anyone,
        Some(raw) => said_by(raw).unwrap_or_else(|| {
            report.warning(
                ReasonCode::UnknownSaidBy,
                location.clone(),
                format!("\"said by\" value \"{raw}\" was not understood (expected rep, prospect, customer or anyone); triggers of \"{topic_name}\" use anyone"),
            );
            SaidBy::Anyone
        }),
    };

    let mut languages = Vec::new();
    if let Some(raw) = record.language.as_deref() {
        let (codes, unknown) = language_codes(raw);
        languages = codes;
        if !unknown.is_empty() {
            report.warning(
                ReasonCode::UnknownLanguage,
                location.clone(),
                format!(
                    "language \"{}\" was not understood; {}",
                    unknown.join("\", \""),
                    if languages.is_empty() {
                        format!("the default language \"{default_language}\" was used")
                    } else {
                        "it was left out".to_string()
                    }
                ),
            );
        }
    }
    if languages.is_empty() {
        languages.push(default_language);
    }

    let kind = record
        .kind
        .as_deref()
        .map(|k| k.trim().to_lowercase())
        .unwrap_or_default();
    if kind.contains("smart") || kind == "ai" {
        let reason = "smart (AI) tracker: Outdoo builds smart trackers from 10-100 example sentences; add them in Outdoo".to_string();
        report.review(
            ReasonCode::SmartTracker,
            location.clone(),
            format!("\"{topic_name}\" is a {reason}"),
        );
        mark_review(&mut draft.topic, reason);
    }

    // Phrases from the keywords cell: a trailing `*` is a prefix match.
    let mut candidates: Vec<(String, MatchMode)> = record
        .phrases
        .iter()
        .map(|p| match p.trim().strip_suffix('*') {
            Some(stem) if !stem.trim().is_empty() && !stem.contains('*') => {
                (stem.to_string(), MatchMode::Prefix)
            }
            _ => (p.clone(), MatchMode::Exact),
        })
        .collect();

    for expression in record
        .expressions
        .iter()
        .map(|e| e.trim())
        .filter(|e| !e.is_empty())
    {
        if !draft.expressions.iter().any(|e| e == expression) {
            draft.expressions.push(expression.to_string());
        }
        match parse(expression) {
            Ok(tree) => {
                let analysis = analyse(&tree);
                candidates.extend(analysis.phrases.into_iter().map(|p| {
                    (
                        p.text,
                        if p.prefix {
                            MatchMode::Prefix
                        } else {
                            MatchMode::Exact
                        },
                    )
                }));
                if !analysis.exact {
                    for reason in &analysis.reasons {
                        report.review(
                            ReasonCode::ExpressionNeedsReview,
                            location.clone(),
                            format!("\"{topic_name}\": {reason}"),
                        );
                    }
                    mark_review(
                        &mut draft.topic,
                        format!(
                            "advanced expression not fully convertible: {}",
                            analysis.reasons.join("; ")
                        ),
                    );
                }
            }
            Err(error) => {
                report.error(
                    ReasonCode::ExpressionSyntaxError,
                    location.clone().with_column(error.column as u64),
                    format!("the expression of \"{topic_name}\" could not be read: {}; no triggers were made from it", error.message),
                );
                mark_review(
                    &mut draft.topic,
                    format!(
                        "expression syntax error at column {}: {}",
                        error.column, error.message
                    ),
                );
            }
        }
    }

    for (raw, match_mode) in candidates {
        let phrase = collapse_whitespace(&raw);
        if phrase.is_empty() {
            report.info(
                ReasonCode::EmptyPhraseDropped,
                location.clone(),
                format!("an empty phrase in \"{topic_name}\" was dropped"),
            );
            continue;
        }
        if phrase != raw.trim() {
            report.info(
                ReasonCode::PhraseWhitespaceNormalised,
                location.clone(),
                format!(
                    "phrase \"{}\" in \"{topic_name}\" became \"{phrase}\" (extra spaces removed)",
                    raw.trim()
                ),
            );
        }
        for language in &languages {
            let key = (phrase.to_lowercase(), language.to_string(), match_mode);
            if draft.seen.contains(&key) {
                report.info(
                    ReasonCode::DuplicatePhraseDropped,
                    location.clone(),
                    format!("phrase \"{phrase}\" ({language}) repeats one already in \"{topic_name}\" (ignoring case); dropped"),
                );
                continue;
            }
            draft.seen.push(key);
            draft.topic.triggers.push(Trigger {
                phrase: phrase.clone(),
                said_by: speaker,
                language: language.to_string(),
                match_mode,
                mentions: None,
            });
        }
    }
}

fn finish_topic(draft: &mut TopicDraft, report: &mut Report) -> Topic {
    let mut topic = draft.topic.clone();
    topic.source.expression = match draft.expressions.len() {
        0 => None,
        1 => Some(draft.expressions[0].clone()),
        _ => Some(
            draft
                .expressions
                .iter()
                .map(|e| format!("({e})"))
                .collect::<Vec<_>>()
                .join(" OR "),
        ),
    };
    if topic.triggers.is_empty() && topic.status == TopicStatus::Ready {
        let location = topic
            .source
            .locations
            .first()
            .cloned()
            .unwrap_or_else(|| Location::file(""));
        report.review(
            ReasonCode::NoPhrases,
            location,
            format!("tracker \"{}\" has no phrases, so no triggers; add phrases in Outdoo or in the export", topic.name),
        );
        mark_review(
            &mut topic,
            "no phrases: the topic has no triggers".to_string(),
        );
    }
    topic
}

#[cfg(test)]
mod whitespace_tests {
    use super::collapse_whitespace;

    #[test]
    fn collapses_every_kind_of_space() {
        assert_eq!(collapse_whitespace("  a \t\u{a0} b\r\n"), "a b");
        assert_eq!(collapse_whitespace("SOSOC \u{feff}"), "SOSOC");
        assert_eq!(collapse_whitespace("\u{feff}a\u{feff}b"), "a b");
    }
}
