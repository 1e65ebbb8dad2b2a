//! Trackers become Themes, Topics and Triggers.
//!
//! In: `TrackerRecord`s from every tracker export, in input order. Out: the
//! themes (category -> Theme, tracker -> Topic, phrase -> Trigger) in order of
//! first appearance, with every normalisation, merge, drop and review item in
//! the report. Advanced expressions go through `read::expression`.
//!
//! Settings beyond phrases end on the topic or in its review: a disabled
//! tracker is imported switched off (`enabled: false`), teams are kept,
//! excluded phrases are kept but make the topic `needs_review` (triggers
//! cannot exclude), a smart tracker keeps its example sentences (never made
//! into triggers) and needs review, and a Gong condition triggers cannot
//! express (part of a question, said at the start or end, in call topics,
//! on filtered calls) makes the topic `needs_review`.

use crate::decide::language::{every_language, language_code, language_codes, said_by};
use crate::model::{
    KeywordGroup, Location, MatchMode, SaidBy, Theme, Topic, TopicSource, TopicStatus,
    TrackerCondition, TrackerRecord, Trigger,
};
use crate::read::expression::{analyse, parse};
use crate::read::table::smart_kind;
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
    /// The first status a record of the topic gave: live or not, as
    /// written (`Status: Disabled`), and where.
    status: Option<(bool, String, Location)>,
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
        let single = record.phrases.len() <= 1
            && record.expressions.is_empty()
            && record.keyword_groups.is_empty();

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
                        id: String::new(),
                        name: topic_name.clone(),
                        description: String::new(),
                        status: TopicStatus::Ready,
                        review_reasons: Vec::new(),
                        enabled: true,
                        teams: Vec::new(),
                        exclusions: Vec::new(),
                        example_sentences: Vec::new(),
                        source: TopicSource {
                            locations: Vec::new(),
                            chorus_type: record.kind.as_deref().map(collapse_whitespace),
                            expression: None,
                        },
                        triggers: Vec::new(),
                        converted_name: None,
                    },
                    seen: Vec::new(),
                    expressions: Vec::new(),
                    single_phrase_rows: single,
                    status: None,
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
            id: String::new(),
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

/// Adds one record's description, settings, phrases and expression to its
/// topic.
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

    apply_status(draft, record.status.as_ref(), &location, report);
    add_listed(&mut draft.topic.teams, &record.teams);
    apply_exclusions(draft, &record.exclusions, &location, report);
    apply_conditions(draft, &record.conditions, &location, report);

    // A smart tracker's example sentences (the reader took a smart
    // tracker's keywords as such when it had no column of them) are
    // examples, never triggers.
    if smart_kind(record.kind.as_deref()) || !record.example_sentences.is_empty() {
        apply_smart(draft, &record.example_sentences, &location, report);
    }

    // Phrases from the keywords cell: a trailing `*` is a prefix match.
    let mut candidates: Vec<(String, MatchMode)> =
        record.phrases.iter().map(|p| match_mode(p)).collect();

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

    let settings = TriggerSettings {
        said_by: speaker,
        languages: &languages,
        related_forms: false,
        location: &location,
    };
    add_triggers(draft, candidates, &settings, report);

    // Gong's keywords per language: "mul" (every language) means the
    // tracker's other languages, else its own or the default one.
    let named: Vec<&'static str> = record
        .keyword_groups
        .iter()
        .filter_map(|group| group.language.as_deref())
        .filter(|raw| !every_language(raw))
        .flat_map(|raw| language_codes(raw).0)
        .fold(Vec::new(), |mut all, code| {
            if !all.contains(&code) {
                all.push(code);
            }
            all
        });
    for group in &record.keyword_groups {
        let group_languages = group_languages(group, &named, &languages, &location, report);
        let settings = TriggerSettings {
            said_by: speaker,
            languages: &group_languages,
            related_forms: group.related_forms,
            location: &location,
        };
        let candidates = group.phrases.iter().map(|p| match_mode(p)).collect();
        add_triggers(draft, candidates, &settings, report);
    }
}

/// A phrase as written: a trailing `*` (Chorus `pric*`) is a prefix match.
fn match_mode(phrase: &str) -> (String, MatchMode) {
    match phrase.trim().strip_suffix('*') {
        Some(stem) if !stem.trim().is_empty() && !stem.contains('*') => {
            (stem.to_string(), MatchMode::Prefix)
        }
        _ => (phrase.to_string(), MatchMode::Exact),
    }
}

/// The languages of one group of Gong keywords: its own, the tracker's
/// other languages for `mul`, or the tracker's (else the default) when it
/// names none or one that is not understood.
fn group_languages(
    group: &KeywordGroup,
    named: &[&'static str],
    tracker: &[&'static str],
    location: &Location,
    report: &mut Report,
) -> Vec<&'static str> {
    let Some(raw) = group.language.as_deref() else {
        return tracker.to_vec();
    };
    if every_language(raw) {
        return if named.is_empty() {
            tracker.to_vec()
        } else {
            named.to_vec()
        };
    }
    let (codes, unknown) = language_codes(raw);
    if !unknown.is_empty() {
        report.warning(
            ReasonCode::UnknownLanguage,
            location.clone(),
            format!(
                "language \"{}\" was not understood; {}",
                unknown.join("\", \""),
                if codes.is_empty() {
                    format!("its keywords use \"{}\"", tracker.join("\", \""))
                } else {
                    "it was left out".to_string()
                }
            ),
        );
    }
    if codes.is_empty() {
        tracker.to_vec()
    } else {
        codes
    }
}

/// How one list of phrases becomes triggers.
struct TriggerSettings<'a> {
    said_by: SaidBy,
    languages: &'a [&'static str],
    related_forms: bool,
    location: &'a Location,
}

/// Adds a trigger per phrase and language, dropping (and reporting) empty
/// phrases and ones the topic already has.
fn add_triggers(
    draft: &mut TopicDraft,
    candidates: Vec<(String, MatchMode)>,
    settings: &TriggerSettings,
    report: &mut Report,
) {
    let topic_name = draft.topic.name.clone();
    let location = settings.location;
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
        for language in settings.languages {
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
                id: String::new(),
                phrase: phrase.clone(),
                said_by: settings.said_by,
                language: language.to_string(),
                match_mode,
                related_forms: settings.related_forms,
                mentions: None,
            });
        }
    }
}

/// Adds items to a list, trimmed and with whitespace collapsed, leaving out
/// empty ones and ones already there (ignoring case).
fn add_listed(list: &mut Vec<String>, items: &[String]) -> Vec<String> {
    let mut added = Vec::new();
    for item in items.iter().map(|i| collapse_whitespace(i)) {
        if !item.is_empty() && !list.iter().any(|i| i.to_lowercase() == item.to_lowercase()) {
            list.push(item.clone());
            added.push(item);
        }
    }
    added
}

fn quoted(items: &[String]) -> String {
    items
        .iter()
        .map(|i| format!("\"{i}\""))
        .collect::<Vec<_>>()
        .join(", ")
}

/// A smart tracker: needs review, its example sentences on the topic.
fn apply_smart(
    draft: &mut TopicDraft,
    sentences: &[String],
    location: &Location,
    report: &mut Report,
) {
    let topic_name = draft.topic.name.clone();
    let added = add_listed(&mut draft.topic.example_sentences, sentences);
    let reason = if draft.topic.example_sentences.is_empty() {
        "smart (AI) tracker: Outdoo builds smart trackers from 10-100 example sentences; add them in Outdoo"
    } else {
        "smart (AI) tracker: Outdoo builds smart trackers from 10-100 example sentences; the tracker's example \
         sentences are in example_sentences, not made into triggers; check them and add them in Outdoo"
    };
    let message = if added.is_empty() {
        format!("\"{topic_name}\" is a {reason}")
    } else {
        format!(
            "\"{topic_name}\" is a smart (AI) tracker: Outdoo builds smart trackers from 10-100 example sentences; \
             its {} example sentence(s) were kept in example_sentences, and no triggers were made from them",
            added.len()
        )
    };
    report.review(ReasonCode::SmartTracker, location.clone(), message);
    mark_review(&mut draft.topic, reason.to_string());
}

/// What a status as written says: live (`Some(true)`), not live, or not
/// understood (`None`).
fn status_live(raw: &str) -> Option<bool> {
    let key: String = raw
        .chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect();
    match key.as_str() {
        "active" | "enabled" | "enable" | "on" | "live" | "true" | "yes" | "y" | "1"
        | "published" | "running" => Some(true),
        "disabled" | "disable" | "inactive" | "off" | "paused" | "false" | "no" | "n" | "0"
        | "archived" | "deleted" | "draft" | "deactivated" | "notactive" | "stopped"
        | "suspended" => Some(false),
        _ => None,
    }
}

/// A record's status: the first one given decides whether the topic is
/// live; a disabled tracker is imported switched off (info), a status not
/// understood or one that differs from an earlier record's makes the topic
/// need review (it stays live).
fn apply_status(
    draft: &mut TopicDraft,
    status: Option<&(String, String)>,
    location: &Location,
    report: &mut Report,
) {
    let Some((column, value)) = status else {
        return;
    };
    let raw = format!("{column}: {value}");
    let topic_name = draft.topic.name.clone();
    let Some(live) = status_live(value) else {
        report.review(
            ReasonCode::TrackerStatus,
            location.clone(),
            format!(
                "the status of \"{topic_name}\" ({raw}) was not understood (expected active, enabled, true or \
                 disabled, inactive, false); the topic was imported live"
            ),
        );
        mark_review(
            &mut draft.topic,
            format!("status not understood ({raw}): imported live; switch it off in Outdoo if it was disabled"),
        );
        return;
    };
    match &draft.status {
        None => {
            draft.status = Some((live, raw.clone(), location.clone()));
            if !live {
                draft.topic.enabled = false;
                report.info(
                    ReasonCode::TrackerStatus,
                    location.clone(),
                    format!(
                        "\"{topic_name}\" is disabled ({raw}); it was imported switched off \
                         (enabled: false), not as a live topic"
                    ),
                );
            }
        }
        Some((first, first_raw, first_at)) if *first != live => {
            let (first_raw, first_at) = (first_raw.clone(), first_at.clone());
            draft.topic.enabled = true;
            report.review(
                ReasonCode::TrackerStatus,
                location.clone(),
                format!(
                    "\"{topic_name}\" has {raw} here but {first_raw} at {first_at}; the merged \
                     topic was imported live"
                ),
            );
            mark_review(
                &mut draft.topic,
                "merged trackers disagree on the status: imported live; switch it off in Outdoo if it was disabled"
                    .to_string(),
            );
        }
        Some(_) => {}
    }
}

/// Excluded phrases (negative keywords) are kept on the topic; triggers
/// cannot exclude, so the topic needs review.
fn apply_exclusions(
    draft: &mut TopicDraft,
    exclusions: &[String],
    location: &Location,
    report: &mut Report,
) {
    let added = add_listed(&mut draft.topic.exclusions, exclusions);
    if added.is_empty() {
        return;
    }
    report.review(
        ReasonCode::TrackerExclusions,
        location.clone(),
        format!(
            "\"{}\" excludes {} (negative keywords); Outdoo triggers cannot exclude phrases, so the topic also \
             counts where they are said; they were kept in exclusions",
            draft.topic.name,
            quoted(&added)
        ),
    );
    mark_review(
        &mut draft.topic,
        "excludes phrases (negative keywords), which triggers cannot: they are in exclusions; the topic also \
         counts where they are said"
            .to_string(),
    );
}

/// Gong conditions on where keywords count, each as a person reads it;
/// `saidAtInterval` and `saidAtUnit` only qualify a `saidAt` of first or
/// last, and a condition that is off (false, `Anytime`, empty) says nothing.
fn conditions_read(conditions: &[(TrackerCondition, String)]) -> Vec<String> {
    let value = |wanted: TrackerCondition| {
        conditions
            .iter()
            .find(|(c, _)| *c == wanted)
            .map(|(_, v)| v.trim())
            .filter(|v| !v.is_empty())
    };
    let mut read = Vec::new();
    for (condition, raw) in conditions {
        let raw = raw.trim();
        let lower = raw.to_lowercase();
        match condition {
            TrackerCondition::PartOfQuestion
                if !matches!(lower.as_str(), "" | "false" | "no" | "n" | "0") =>
            {
                read.push(format!(
                    "only when part of a question (partOfQuestion: {raw})"
                ));
            }
            TrackerCondition::SaidAt
                if !matches!(lower.replace(' ', "").as_str(), "" | "anytime" | "any") =>
            {
                let span = [
                    value(TrackerCondition::SaidAtInterval),
                    value(TrackerCondition::SaidAtUnit),
                ]
                .into_iter()
                .flatten()
                .collect::<Vec<_>>()
                .join(" ");
                read.push(if span.is_empty() {
                    format!("only when said at the {lower} part of the call (saidAt: {raw})")
                } else {
                    format!("only when said in the {lower} {span} of the call (saidAt: {raw})")
                });
            }
            TrackerCondition::SaidInTopics if !lower.is_empty() && lower != "[]" => {
                read.push(format!(
                    "only when said in the call topics {raw} (saidInTopics)"
                ));
            }
            TrackerCondition::FilterQuery if !matches!(lower.as_str(), "" | "{}" | "null") => {
                read.push(format!(
                    "only on calls that match the filter {raw} (filterQuery)"
                ));
            }
            _ => {}
        }
    }
    read
}

/// Conditions triggers cannot express make the topic need review.
fn apply_conditions(
    draft: &mut TopicDraft,
    conditions: &[(TrackerCondition, String)],
    location: &Location,
    report: &mut Report,
) {
    for condition in conditions_read(conditions) {
        report.review(
            ReasonCode::TrackerCondition,
            location.clone(),
            format!(
                "\"{}\" counts {condition}; Outdoo triggers cannot express this, so the topic counts its phrases \
                 without it",
                draft.topic.name
            ),
        );
        mark_review(
            &mut draft.topic,
            format!("a condition triggers cannot express: {condition}"),
        );
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
