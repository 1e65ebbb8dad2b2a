//! Edits applied to the converted themes. In: the themes (with their ids,
//! after recovered topics), an edits document, the name of the file it came
//! from, the report. Out: the themes as edited (a topic left out or merged
//! away is gone, a theme left without topics too) and one report entry per
//! edit, located at the file and `/edits/N`: the op's own code (info) when
//! it applied, `edit_target_missing` (warning) when its theme, topic or
//! trigger is not there (never was, or an earlier edit merged it away or
//! left it out), `edit_not_applicable` (warning) when it cannot apply as it
//! stands (a name another theme or topic of the theme has, ignoring case; a
//! trigger the topic has already; a topic without triggers marked ready; a
//! language this tool does not know; a topic moved to its own theme or
//! merged into itself). Ids never change: a trigger an edit adds gets the
//! id of its content and its topic (`decide::ids`), made unique if taken.

use crate::decide::ids::{match_name, said_by_name, trigger_id};
use crate::decide::language::language_code;
use crate::decide::trackers::collapse_whitespace;
use crate::model::edits::{Edit, EditsDocument, TriggerContent};
use crate::model::{Location, Theme, Topic, TopicStatus, Trigger};
use crate::report::{ReasonCode, Report};
use std::collections::{HashMap, HashSet};

/// The themes while edits apply: topics in slots that keep their place,
/// so that ids find them whatever moved.
struct Working {
    themes: Vec<(Theme, Vec<usize>)>,
    topics: Vec<Option<Topic>>,
    /// Slot -> its theme's index.
    theme_of: Vec<usize>,
    topic_at: HashMap<String, usize>,
    theme_at: HashMap<String, usize>,
    trigger_ids: HashSet<String>,
    /// Topics an earlier edit took away, and which edit.
    gone: HashMap<String, String>,
}

/// What became of one edit.
enum Outcome {
    Applied(String),
    Missing(String),
    NotApplicable(String),
}

/// Applies `document`'s edits in order to `themes`, reporting each.
pub fn apply_edits(
    themes: &mut Vec<Theme>,
    document: &EditsDocument,
    file: &str,
    report: &mut Report,
) {
    let mut working = Working::new(std::mem::take(themes));
    for (index, edit) in document.edits.iter().enumerate() {
        let pointer = format!("/edits/{index}");
        let location = Location::pointer(file, &pointer);
        match working.apply(edit, &pointer) {
            Outcome::Applied(message) => report.info(edit.code(), location, message),
            Outcome::Missing(message) => report.warning(
                ReasonCode::EditTargetMissing,
                location,
                format!("{}: {message}; not applied", edit.op()),
            ),
            Outcome::NotApplicable(message) => report.warning(
                ReasonCode::EditNotApplicable,
                location,
                format!("{}: {message}; not applied", edit.op()),
            ),
        }
    }
    *themes = working.finish();
}

fn same(a: &str, b: &str) -> bool {
    a.to_lowercase() == b.to_lowercase()
}

/// How a trigger reads in a message: `"phrase" (said_by, language, match)`.
fn described(trigger: &Trigger) -> String {
    format!(
        "\"{}\" ({}, {}, {})",
        trigger.phrase,
        said_by_name(trigger.said_by),
        trigger.language,
        match_name(trigger.match_mode)
    )
}

/// Whether two triggers are the same to the converter (phrase ignoring
/// case, language and match).
fn duplicates(a: &Trigger, b: &Trigger) -> bool {
    same(&a.phrase, &b.phrase) && a.language == b.language && a.match_mode == b.match_mode
}

/// Adds items not already listed (ignoring case).
fn add_listed(list: &mut Vec<String>, items: Vec<String>) {
    for item in items {
        if !list.iter().any(|i| same(i, &item)) {
            list.push(item);
        }
    }
}

impl Working {
    fn new(themes: Vec<Theme>) -> Working {
        let mut working = Working {
            themes: Vec::new(),
            topics: Vec::new(),
            theme_of: Vec::new(),
            topic_at: HashMap::new(),
            theme_at: HashMap::new(),
            trigger_ids: HashSet::new(),
            gone: HashMap::new(),
        };
        for (t, mut theme) in themes.into_iter().enumerate() {
            let mut slots = Vec::new();
            for topic in std::mem::take(&mut theme.topics) {
                let slot = working.topics.len();
                working.topic_at.insert(topic.id.clone(), slot);
                working
                    .trigger_ids
                    .extend(topic.triggers.iter().map(|g| g.id.clone()));
                working.topics.push(Some(topic));
                working.theme_of.push(t);
                slots.push(slot);
            }
            working.theme_at.insert(theme.id.clone(), t);
            working.themes.push((theme, slots));
        }
        working
    }

    fn finish(self) -> Vec<Theme> {
        let mut topics = self.topics;
        self.themes
            .into_iter()
            .filter_map(|(mut theme, slots)| {
                theme.topics = slots.iter().filter_map(|&s| topics[s].take()).collect();
                (!theme.topics.is_empty()).then_some(theme)
            })
            .collect()
    }

    /// The slot of a topic, or why there is none.
    fn topic(&self, id: &str) -> Result<usize, Outcome> {
        match self.topic_at.get(id) {
            Some(&slot) if self.topics[slot].is_some() => Ok(slot),
            _ => Err(Outcome::Missing(match self.gone.get(id) {
                Some(how) => format!("the topic {id} {how}"),
                None => format!("the topic {id} is not in this conversion"),
            })),
        }
    }

    fn theme(&self, id: &str) -> Result<usize, Outcome> {
        self.theme_at
            .get(id)
            .copied()
            .ok_or_else(|| Outcome::Missing(format!("the theme {id} is not in this conversion")))
    }

    fn get(&mut self, slot: usize) -> &mut Topic {
        self.topics[slot].as_mut().expect("a live slot")
    }

    /// Another topic of theme `theme` named `name` (ignoring case), but `except`.
    fn named_in(&self, theme: usize, name: &str, except: usize) -> Option<&Topic> {
        self.themes[theme]
            .1
            .iter()
            .filter(|&&s| s != except)
            .filter_map(|&s| self.topics[s].as_ref())
            .find(|t| same(&t.name, name))
    }

    fn take_out(&mut self, slot: usize, how: String) -> Topic {
        let theme = self.theme_of[slot];
        self.themes[theme].1.retain(|&s| s != slot);
        let topic = self.topics[slot].take().expect("a live slot");
        self.gone.insert(topic.id.clone(), how);
        for trigger in &topic.triggers {
            self.trigger_ids.remove(&trigger.id);
        }
        topic
    }

    fn apply(&mut self, edit: &Edit, pointer: &str) -> Outcome {
        let result = match edit {
            Edit::RenameTheme { theme, name } => self.rename_theme(theme, name),
            Edit::RenameTopic { topic, name } => self.rename_topic(topic, name),
            Edit::MoveTopic { topic, theme } => self.move_topic(topic, theme),
            Edit::MergeTopics { topic, into } => self.merge_topics(topic, into, pointer),
            Edit::AddTrigger { topic, trigger } => self.add_trigger(topic, trigger),
            Edit::ChangeTrigger { topic, trigger, to } => self.change_trigger(topic, trigger, to),
            Edit::RemoveTrigger { topic, trigger } => self.remove_trigger(topic, trigger),
            Edit::MarkReady { topic } => self.mark_ready(topic),
            Edit::LeaveOut { topic } => self.leave_out(topic, pointer),
        };
        result.unwrap_or_else(|outcome| outcome)
    }

    fn rename_theme(&mut self, id: &str, name: &str) -> Result<Outcome, Outcome> {
        let t = self.theme(id)?;
        let name = collapse_whitespace(name);
        if let Some((other, _)) = self
            .themes
            .iter()
            .enumerate()
            .find(|(i, (theme, slots))| *i != t && !slots.is_empty() && same(&theme.name, &name))
            .map(|(_, theme)| theme)
        {
            return Err(Outcome::NotApplicable(format!(
                "another theme is named \"{}\" ({}); move its topics instead",
                other.name, other.id
            )));
        }
        let theme = &mut self.themes[t].0;
        let old = std::mem::replace(&mut theme.name, name.clone());
        Ok(Outcome::Applied(format!(
            "theme \"{old}\" ({id}) is now named \"{name}\""
        )))
    }

    fn rename_topic(&mut self, id: &str, name: &str) -> Result<Outcome, Outcome> {
        let slot = self.topic(id)?;
        let name = collapse_whitespace(name);
        let theme = self.theme_of[slot];
        if let Some(other) = self.named_in(theme, &name, slot) {
            return Err(Outcome::NotApplicable(format!(
                "the theme \"{}\" has a topic named \"{}\" ({}) already; merge them instead",
                self.themes[theme].0.name, other.name, other.id
            )));
        }
        let topic = self.get(slot);
        let old = std::mem::replace(&mut topic.name, name.clone());
        topic.converted_name.get_or_insert(old.clone());
        Ok(Outcome::Applied(format!(
            "topic \"{old}\" ({id}) is now named \"{name}\""
        )))
    }

    fn move_topic(&mut self, id: &str, theme_id: &str) -> Result<Outcome, Outcome> {
        let slot = self.topic(id)?;
        let to = self.theme(theme_id)?;
        let from = self.theme_of[slot];
        let name = self.get(slot).name.clone();
        if from == to {
            return Err(Outcome::NotApplicable(format!(
                "the topic \"{name}\" ({id}) is in the theme \"{}\" already",
                self.themes[to].0.name
            )));
        }
        if let Some(other) = self.named_in(to, &name, slot) {
            return Err(Outcome::NotApplicable(format!(
                "the theme \"{}\" has a topic named \"{}\" ({}) already; merge them instead",
                self.themes[to].0.name, other.name, other.id
            )));
        }
        self.themes[from].1.retain(|&s| s != slot);
        self.themes[to].1.push(slot);
        self.theme_of[slot] = to;
        Ok(Outcome::Applied(format!(
            "topic \"{name}\" ({id}) moved from the theme \"{}\" to the theme \"{}\"",
            self.themes[from].0.name, self.themes[to].0.name
        )))
    }

    fn merge_topics(&mut self, id: &str, into: &str, pointer: &str) -> Result<Outcome, Outcome> {
        let slot = self.topic(id)?;
        let target = self.topic(into)?;
        if slot == target {
            return Err(Outcome::NotApplicable(format!(
                "the topic {id} cannot be merged into itself"
            )));
        }
        let source = self.take_out(
            slot,
            format!("was merged into {into} by the edit at {pointer}"),
        );
        let topic = self.get(target);
        let mut moved = Vec::new();
        let mut dropped = 0;
        for trigger in source.triggers {
            if topic.triggers.iter().any(|t| duplicates(t, &trigger)) {
                dropped += 1;
            } else {
                moved.push(trigger);
            }
        }
        let moved_count = moved.len();
        let ids: Vec<String> = moved.iter().map(|t| t.id.clone()).collect();
        topic.triggers.extend(moved);
        topic.source.locations.extend(source.source.locations);
        if topic.source.chorus_type.is_none() {
            topic.source.chorus_type = source.source.chorus_type;
        }
        topic.source.expression = match (topic.source.expression.take(), source.source.expression) {
            (Some(a), Some(b)) if a != b => Some(format!("({a}) OR ({b})")),
            (a, b) => a.or(b),
        };
        if topic.description.is_empty() {
            topic.description = source.description;
        }
        add_listed(&mut topic.teams, source.teams);
        add_listed(&mut topic.exclusions, source.exclusions);
        add_listed(&mut topic.example_sentences, source.example_sentences);
        if source.status == TopicStatus::NeedsReview {
            topic.status = TopicStatus::NeedsReview;
            for reason in source.review_reasons {
                if !topic.review_reasons.contains(&reason) {
                    topic.review_reasons.push(reason);
                }
            }
        }
        let target_name = topic.name.clone();
        let needs_review = topic.status == TopicStatus::NeedsReview;
        self.trigger_ids.extend(ids);
        Ok(Outcome::Applied(format!(
            "topic \"{}\" ({id}) was merged into \"{target_name}\" ({into}): {moved_count} trigger(s) moved, \
             {dropped} dropped as the same phrase, language and match were there already{}",
            source.name,
            if needs_review {
                "; the merged topic needs review"
            } else {
                ""
            }
        )))
    }

    /// A trigger from an edit's content, or why it cannot be one.
    fn trigger(content: &TriggerContent) -> Result<Trigger, Outcome> {
        let Some(language) = language_code(&content.language).filter(|c| *c == content.language)
        else {
            return Err(Outcome::NotApplicable(format!(
                "the language \"{}\" is not one this tool knows",
                content.language
            )));
        };
        Ok(Trigger {
            id: String::new(),
            phrase: collapse_whitespace(&content.phrase),
            said_by: content.said_by,
            language: language.to_string(),
            match_mode: content.match_mode,
            related_forms: false,
            mentions: None,
        })
    }

    fn add_trigger(&mut self, id: &str, content: &TriggerContent) -> Result<Outcome, Outcome> {
        let slot = self.topic(id)?;
        let mut trigger = Self::trigger(content)?;
        let topic = self.topics[slot].as_ref().expect("a live slot");
        if let Some(there) = topic.triggers.iter().find(|t| duplicates(t, &trigger)) {
            return Err(Outcome::NotApplicable(format!(
                "the topic \"{}\" has the trigger {} ({}) already",
                topic.name,
                described(there),
                there.id
            )));
        }
        let mut attempt = 1;
        trigger.id = trigger_id(id, &trigger, attempt);
        while self.trigger_ids.contains(&trigger.id) {
            attempt += 1;
            trigger.id = trigger_id(id, &trigger, attempt);
        }
        self.trigger_ids.insert(trigger.id.clone());
        let message = format!(
            "trigger {} added to the topic \"{}\" ({id}) as {}",
            described(&trigger),
            topic.name,
            trigger.id
        );
        self.get(slot).triggers.push(trigger);
        Ok(Outcome::Applied(message))
    }

    /// The index of a topic's trigger, or why there is none.
    fn trigger_in(&self, slot: usize, trigger: &str) -> Result<usize, Outcome> {
        let topic = self.topics[slot].as_ref().expect("a live slot");
        topic
            .triggers
            .iter()
            .position(|t| t.id == trigger)
            .ok_or_else(|| {
                Outcome::Missing(format!(
                    "the topic \"{}\" ({}) has no trigger {trigger}",
                    topic.name, topic.id
                ))
            })
    }

    fn change_trigger(
        &mut self,
        id: &str,
        trigger: &str,
        to: &TriggerContent,
    ) -> Result<Outcome, Outcome> {
        let slot = self.topic(id)?;
        let index = self.trigger_in(slot, trigger)?;
        let mut changed = Self::trigger(to)?;
        let topic = self.get(slot);
        if let Some(there) = topic
            .triggers
            .iter()
            .enumerate()
            .find(|(i, t)| *i != index && duplicates(t, &changed))
            .map(|(_, t)| t)
        {
            return Err(Outcome::NotApplicable(format!(
                "the topic \"{}\" has the trigger {} ({}) already",
                topic.name,
                described(there),
                there.id
            )));
        }
        let old = &mut topic.triggers[index];
        changed.id = old.id.clone();
        changed.related_forms = old.related_forms;
        if changed.phrase == old.phrase {
            changed.mentions = old.mentions;
        }
        let message = format!(
            "trigger {trigger} of the topic \"{}\" ({id}) changed from {} to {}",
            topic.name,
            described(old),
            described(&changed)
        );
        *old = changed;
        Ok(Outcome::Applied(message))
    }

    fn remove_trigger(&mut self, id: &str, trigger: &str) -> Result<Outcome, Outcome> {
        let slot = self.topic(id)?;
        let index = self.trigger_in(slot, trigger)?;
        let topic = self.get(slot);
        let removed = topic.triggers.remove(index);
        let mut message = format!(
            "trigger {} ({trigger}) removed from the topic \"{}\" ({id})",
            described(&removed),
            topic.name
        );
        if topic.triggers.is_empty() {
            topic.status = TopicStatus::NeedsReview;
            let reason = "no triggers: edits removed every one".to_string();
            if !topic.review_reasons.contains(&reason) {
                topic.review_reasons.push(reason);
            }
            message.push_str("; the topic has no triggers left and needs review");
        }
        self.trigger_ids.remove(trigger);
        Ok(Outcome::Applied(message))
    }

    fn mark_ready(&mut self, id: &str) -> Result<Outcome, Outcome> {
        let slot = self.topic(id)?;
        let topic = self.get(slot);
        if topic.triggers.is_empty() {
            return Err(Outcome::NotApplicable(format!(
                "the topic \"{}\" ({id}) has no triggers; add one first",
                topic.name
            )));
        }
        let message = if topic.status == TopicStatus::Ready {
            format!("topic \"{}\" ({id}) was ready already", topic.name)
        } else {
            format!(
                "topic \"{}\" ({id}) marked ready; it needed review: {}",
                topic.name,
                topic.review_reasons.join("; ")
            )
        };
        topic.status = TopicStatus::Ready;
        topic.review_reasons.clear();
        Ok(Outcome::Applied(message))
    }

    fn leave_out(&mut self, id: &str, pointer: &str) -> Result<Outcome, Outcome> {
        let slot = self.topic(id)?;
        let theme = self.themes[self.theme_of[slot]].0.name.clone();
        let topic = self.take_out(slot, format!("was left out by the edit at {pointer}"));
        Ok(Outcome::Applied(format!(
            "topic \"{}\" ({id}) of the theme \"{theme}\" left out of the package, with its {} trigger(s)",
            topic.name,
            topic.triggers.len()
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::decide::ids::{assign_ids, theme_id, topic_id};
    use crate::model::{MatchMode, SaidBy, TopicSource};
    use crate::report::Severity;

    /// A report entry: severity, code, location, message.
    type Entry = (Severity, &'static str, String, String);
    /// A topic: name, status, phrases.
    type TopicShape = (String, TopicStatus, Vec<String>);

    fn trigger(phrase: &str) -> Trigger {
        Trigger {
            id: String::new(),
            phrase: phrase.into(),
            said_by: SaidBy::Anyone,
            language: "en".into(),
            match_mode: MatchMode::Exact,
            related_forms: false,
            mentions: None,
        }
    }

    fn topic(name: &str, phrases: &[&str]) -> Topic {
        Topic {
            id: String::new(),
            name: name.into(),
            description: String::new(),
            status: if phrases.is_empty() {
                TopicStatus::NeedsReview
            } else {
                TopicStatus::Ready
            },
            review_reasons: if phrases.is_empty() {
                vec!["no phrases: the topic has no triggers".into()]
            } else {
                Vec::new()
            },
            enabled: true,
            teams: Vec::new(),
            exclusions: Vec::new(),
            example_sentences: Vec::new(),
            source: TopicSource {
                locations: vec![Location::row("t.csv", 2)],
                chorus_type: None,
                expression: None,
            },
            triggers: phrases.iter().map(|p| trigger(p)).collect(),
            converted_name: None,
        }
    }

    /// Deal: Pricing (price, quote), Budget (no triggers); Competitor: Gong (gong).
    fn themes() -> Vec<Theme> {
        let mut themes = vec![
            Theme {
                id: String::new(),
                name: "Deal".into(),
                topics: vec![topic("Pricing", &["price", "quote"]), topic("Budget", &[])],
            },
            Theme {
                id: String::new(),
                name: "Competitor".into(),
                topics: vec![topic("Gong", &["gong"])],
            },
        ];
        assign_ids(&mut themes);
        themes
    }

    fn content(
        phrase: &str,
        said_by: SaidBy,
        language: &str,
        match_mode: MatchMode,
    ) -> TriggerContent {
        TriggerContent {
            phrase: phrase.into(),
            said_by,
            language: language.into(),
            match_mode,
        }
    }

    /// Applies `edits`; the themes as (theme, [(topic, status, [phrase])])
    /// and the report as (severity, code, pointer, message).
    fn apply(edits: Vec<Edit>) -> (Vec<Theme>, Vec<Entry>) {
        let mut themes = themes();
        let mut report = Report::default();
        apply_edits(
            &mut themes,
            &EditsDocument::new(edits),
            "e.json",
            &mut report,
        );
        let entries = report
            .iter()
            .map(|e| {
                (
                    e.severity,
                    e.code.as_str(),
                    e.location.to_string(),
                    e.message,
                )
            })
            .collect();
        (themes, entries)
    }

    fn shape(themes: &[Theme]) -> Vec<(String, Vec<TopicShape>)> {
        themes
            .iter()
            .map(|theme| {
                (
                    theme.name.clone(),
                    theme
                        .topics
                        .iter()
                        .map(|t| {
                            (
                                t.name.clone(),
                                t.status,
                                t.triggers.iter().map(|g| g.phrase.clone()).collect(),
                            )
                        })
                        .collect(),
                )
            })
            .collect()
    }

    fn pricing() -> String {
        topic_id("Deal", "Pricing")
    }
    fn budget() -> String {
        topic_id("Deal", "Budget")
    }
    fn gong() -> String {
        topic_id("Competitor", "Gong")
    }
    fn trigger_of(themes: &[Theme], topic: usize, trigger: usize) -> String {
        themes[0].topics[topic].triggers[trigger].id.clone()
    }

    #[test]
    fn renames_keep_ids_and_are_reported() {
        let (themes, report) = apply(vec![
            Edit::RenameTheme {
                theme: theme_id("Deal"),
                name: "  Money   talk ".into(),
            },
            Edit::RenameTopic {
                topic: pricing(),
                name: "Price asked".into(),
            },
        ]);
        assert_eq!(themes[0].name, "Money talk");
        assert_eq!(themes[0].id, theme_id("Deal"));
        assert_eq!(themes[0].topics[0].name, "Price asked");
        assert_eq!(themes[0].topics[0].id, pricing());
        assert_eq!(
            themes[0].topics[0].converted_name.as_deref(),
            Some("Pricing")
        );
        assert_eq!(
            report,
            [
                (
                    Severity::Info,
                    "edit_rename_theme",
                    "e.json at /edits/0".to_string(),
                    format!(
                        "theme \"Deal\" ({}) is now named \"Money talk\"",
                        theme_id("Deal")
                    )
                ),
                (
                    Severity::Info,
                    "edit_rename_topic",
                    "e.json at /edits/1".to_string(),
                    format!(
                        "topic \"Pricing\" ({}) is now named \"Price asked\"",
                        pricing()
                    )
                ),
            ]
        );
    }

    #[test]
    fn a_moved_topic_goes_last_and_an_emptied_theme_is_not_written() {
        let (themes, report) = apply(vec![Edit::MoveTopic {
            topic: gong(),
            theme: theme_id("Deal"),
        }]);
        assert_eq!(
            shape(&themes),
            [(
                "Deal".to_string(),
                vec![
                    (
                        "Pricing".to_string(),
                        TopicStatus::Ready,
                        vec!["price".to_string(), "quote".to_string()]
                    ),
                    ("Budget".to_string(), TopicStatus::NeedsReview, vec![]),
                    (
                        "Gong".to_string(),
                        TopicStatus::Ready,
                        vec!["gong".to_string()]
                    ),
                ]
            )]
        );
        assert_eq!(
            report[0].3,
            format!(
                "topic \"Gong\" ({}) moved from the theme \"Competitor\" to the theme \"Deal\"",
                gong()
            )
        );
        assert_eq!(report[0].1, "edit_move_topic");
    }

    #[test]
    fn a_merge_moves_triggers_that_are_not_there_and_keeps_their_ids() {
        let before = themes();
        let gong_trigger = before[1].topics[0].triggers[0].id.clone();
        let (themes, report) = apply(vec![
            Edit::AddTrigger {
                topic: gong(),
                trigger: content("PRICE", SaidBy::Company, "en", MatchMode::Exact),
            },
            Edit::MergeTopics {
                topic: gong(),
                into: pricing(),
            },
            Edit::RenameTopic {
                topic: gong(),
                name: "Gone".into(),
            },
        ]);
        assert_eq!(themes.len(), 1);
        let pricing_topic = &themes[0].topics[0];
        let phrases: Vec<(&str, &str)> = pricing_topic
            .triggers
            .iter()
            .map(|t| (t.phrase.as_str(), t.id.as_str()))
            .collect();
        assert_eq!(
            phrases,
            [
                ("price", before[0].topics[0].triggers[0].id.as_str()),
                ("quote", before[0].topics[0].triggers[1].id.as_str()),
                ("gong", gong_trigger.as_str()),
            ]
        );
        assert_eq!(pricing_topic.source.locations.len(), 2);
        assert_eq!(
            report[1],
            (
                Severity::Info,
                "edit_merge_topics",
                "e.json at /edits/1".to_string(),
                format!(
                    "topic \"Gong\" ({}) was merged into \"Pricing\" ({}): 1 trigger(s) moved, 1 dropped as the same \
                     phrase, language and match were there already",
                    gong(),
                    pricing()
                )
            )
        );
        assert_eq!(
            report[2],
            (
                Severity::Warning,
                "edit_target_missing",
                "e.json at /edits/2".to_string(),
                format!(
                    "rename_topic: the topic {} was merged into {} by the edit at /edits/1; not applied",
                    gong(),
                    pricing()
                )
            )
        );
    }

    #[test]
    fn triggers_are_added_changed_and_removed_by_id() {
        let before = themes();
        let quote = trigger_of(&before, 0, 1);
        let price = trigger_of(&before, 0, 0);
        let (themes, report) = apply(vec![
            Edit::AddTrigger {
                topic: pricing(),
                trigger: content(
                    " discount  rate ",
                    SaidBy::External,
                    "de",
                    MatchMode::Prefix,
                ),
            },
            Edit::ChangeTrigger {
                topic: pricing(),
                trigger: quote.clone(),
                to: content("quotation", SaidBy::Company, "en", MatchMode::Exact),
            },
            Edit::RemoveTrigger {
                topic: pricing(),
                trigger: price.clone(),
            },
            // The changed trigger kept the id "quote" had; adding "quote"
            // again gives the next id of its content.
            Edit::AddTrigger {
                topic: pricing(),
                trigger: content("quote", SaidBy::Anyone, "en", MatchMode::Exact),
            },
        ]);
        let triggers = &themes[0].topics[0].triggers;
        let added = Trigger {
            id: String::new(),
            phrase: "discount rate".into(),
            said_by: SaidBy::External,
            language: "de".into(),
            match_mode: MatchMode::Prefix,
            related_forms: false,
            mentions: None,
        };
        let added_id = trigger_id(&pricing(), &added, 1);
        let again_id = trigger_id(&pricing(), &trigger("quote"), 2);
        assert_eq!(quote, trigger_id(&pricing(), &trigger("quote"), 1));
        let shapes: Vec<(String, String, SaidBy, String, MatchMode)> = triggers
            .iter()
            .map(|t| {
                (
                    t.id.clone(),
                    t.phrase.clone(),
                    t.said_by,
                    t.language.clone(),
                    t.match_mode,
                )
            })
            .collect();
        assert_eq!(
            shapes,
            [
                (
                    quote.clone(),
                    "quotation".into(),
                    SaidBy::Company,
                    "en".into(),
                    MatchMode::Exact
                ),
                (
                    added_id.clone(),
                    "discount rate".into(),
                    SaidBy::External,
                    "de".into(),
                    MatchMode::Prefix
                ),
                (
                    again_id.clone(),
                    "quote".into(),
                    SaidBy::Anyone,
                    "en".into(),
                    MatchMode::Exact
                ),
            ]
        );
        let messages: Vec<(&str, &str)> = report.iter().map(|e| (e.1, e.3.as_str())).collect();
        let p = pricing();
        assert_eq!(
            messages,
            [
                ("edit_add_trigger", format!("trigger \"discount rate\" (external, de, prefix) added to the topic \"Pricing\" ({p}) as {added_id}").as_str()),
                ("edit_change_trigger", format!("trigger {quote} of the topic \"Pricing\" ({p}) changed from \"quote\" (anyone, en, exact) to \"quotation\" (company, en, exact)").as_str()),
                ("edit_remove_trigger", format!("trigger \"price\" (anyone, en, exact) ({price}) removed from the topic \"Pricing\" ({p})").as_str()),
                ("edit_add_trigger", format!("trigger \"quote\" (anyone, en, exact) added to the topic \"Pricing\" ({p}) as {again_id}").as_str()),
            ]
        );
    }

    #[test]
    fn mark_ready_needs_triggers_and_clears_the_reasons() {
        let (themes, report) = apply(vec![
            Edit::MarkReady { topic: budget() },
            Edit::AddTrigger {
                topic: budget(),
                trigger: content("budget", SaidBy::Anyone, "en", MatchMode::Exact),
            },
            Edit::MarkReady { topic: budget() },
        ]);
        let budget_topic = &themes[0].topics[1];
        assert_eq!(budget_topic.status, TopicStatus::Ready);
        assert!(budget_topic.review_reasons.is_empty());
        let b = budget();
        assert_eq!(
            (report[0].0, report[0].1, report[0].3.as_str()),
            (
                Severity::Warning,
                "edit_not_applicable",
                format!("mark_ready: the topic \"Budget\" ({b}) has no triggers; add one first; not applied").as_str()
            )
        );
        assert_eq!(
            (report[2].1, report[2].3.as_str()),
            (
                "edit_mark_ready",
                format!("topic \"Budget\" ({b}) marked ready; it needed review: no phrases: the topic has no triggers").as_str()
            )
        );
    }

    #[test]
    fn removing_the_last_trigger_makes_the_topic_need_review() {
        let before = themes();
        let gong_trigger = before[1].topics[0].triggers[0].id.clone();
        let (themes, report) = apply(vec![Edit::RemoveTrigger {
            topic: gong(),
            trigger: gong_trigger,
        }]);
        assert_eq!(themes[1].topics[0].status, TopicStatus::NeedsReview);
        assert_eq!(
            themes[1].topics[0].review_reasons,
            ["no triggers: edits removed every one"]
        );
        assert!(report[0]
            .3
            .ends_with("; the topic has no triggers left and needs review"));
    }

    #[test]
    fn leave_out_removes_the_topic_and_later_edits_of_it_are_missing() {
        let (themes, report) = apply(vec![
            Edit::LeaveOut { topic: gong() },
            Edit::MarkReady { topic: gong() },
            Edit::MoveTopic {
                topic: pricing(),
                theme: theme_id("Competitor"),
            },
        ]);
        // Competitor is empty: not written; Pricing could still move there
        // (it is written again, with Pricing in it).
        assert_eq!(
            shape(&themes),
            [
                (
                    "Deal".to_string(),
                    vec![("Budget".to_string(), TopicStatus::NeedsReview, vec![])]
                ),
                (
                    "Competitor".to_string(),
                    vec![(
                        "Pricing".to_string(),
                        TopicStatus::Ready,
                        vec!["price".to_string(), "quote".to_string()]
                    )]
                ),
            ]
        );
        let g = gong();
        assert_eq!(
            report[0].3,
            format!("topic \"Gong\" ({g}) of the theme \"Competitor\" left out of the package, with its 1 trigger(s)")
        );
        assert_eq!(
            (report[1].0, report[1].1, report[1].3.as_str()),
            (
                Severity::Warning,
                "edit_target_missing",
                format!(
                    "mark_ready: the topic {g} was left out by the edit at /edits/0; not applied"
                )
                .as_str()
            )
        );
    }

    #[test]
    fn edits_of_targets_that_never_were_or_that_clash_are_reported_not_applied() {
        let (themes, report) = apply(vec![
            Edit::RenameTopic {
                topic: "tp_000000000000".into(),
                name: "X".into(),
            },
            Edit::MoveTopic {
                topic: pricing(),
                theme: "th_000000000000".into(),
            },
            Edit::RemoveTrigger {
                topic: pricing(),
                trigger: "tg_000000000000".into(),
            },
            Edit::RenameTopic {
                topic: budget(),
                name: "PRICING".into(),
            },
            Edit::RenameTheme {
                theme: theme_id("Deal"),
                name: "competitor".into(),
            },
            Edit::MergeTopics {
                topic: pricing(),
                into: pricing(),
            },
            Edit::MoveTopic {
                topic: pricing(),
                theme: theme_id("Deal"),
            },
            Edit::AddTrigger {
                topic: pricing(),
                trigger: content("Price", SaidBy::Company, "en", MatchMode::Exact),
            },
            Edit::AddTrigger {
                topic: pricing(),
                trigger: content("preis", SaidBy::Anyone, "xx", MatchMode::Exact),
            },
        ]);
        assert_eq!(shape(&themes), shape(&self::themes()));
        let (p, b) = (pricing(), budget());
        let price = trigger_of(&themes, 0, 0);
        let expected = [
            ("edit_target_missing", "rename_topic: the topic tp_000000000000 is not in this conversion; not applied".to_string()),
            ("edit_target_missing", "move_topic: the theme th_000000000000 is not in this conversion; not applied".to_string()),
            ("edit_target_missing", format!("remove_trigger: the topic \"Pricing\" ({p}) has no trigger tg_000000000000; not applied")),
            ("edit_not_applicable", format!("rename_topic: the theme \"Deal\" has a topic named \"Pricing\" ({p}) already; merge them instead; not applied")),
            ("edit_not_applicable", format!("rename_theme: another theme is named \"Competitor\" ({}); move its topics instead; not applied", theme_id("Competitor"))),
            ("edit_not_applicable", format!("merge_topics: the topic {p} cannot be merged into itself; not applied")),
            ("edit_not_applicable", format!("move_topic: the topic \"Pricing\" ({p}) is in the theme \"Deal\" already; not applied")),
            ("edit_not_applicable", format!("add_trigger: the topic \"Pricing\" has the trigger \"price\" (anyone, en, exact) ({price}) already; not applied")),
            ("edit_not_applicable", "add_trigger: the language \"xx\" is not one this tool knows; not applied".to_string()),
        ];
        let _ = b;
        assert_eq!(
            report
                .iter()
                .map(|e| (e.1, e.3.clone()))
                .collect::<Vec<_>>(),
            expected
                .iter()
                .map(|(c, m)| (*c, m.clone()))
                .collect::<Vec<_>>()
        );
        assert!(report.iter().all(|e| e.0 == Severity::Warning));
    }
}
