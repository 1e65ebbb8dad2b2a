//! Trackers seen in the calls but missing from the exports.
//!
//! In: the imported calls (Chorus's tracker hits on each) and the topics
//! the tracker exports became. Out: a `tracker_not_exported` report entry
//! for every Chorus tracker with hits and no topic of its name (compared as
//! `mentions::tracker_key`), and, when the customer asks for it, a
//! `needs_review` topic for each under the theme `RECOVERED_THEME`, whose
//! triggers are read from Chorus's mentions: the words at each mention's
//! offset, keeping the phrases that recur across mentions
//! (`mentions::recover_phrases`), each with how many mentions support it. Nothing
//! recovered is `ready`: Chorus's mentions show where a tracker matched,
//! not what it was told to look for.

use crate::decide::mentions::{recover_phrases, tracker_key};
use crate::decide::trackers::collapse_whitespace;
use crate::model::calls::PlannedCall;
use crate::model::packed::Packed;
use crate::model::{Location, MatchMode, SaidBy, Theme, Topic, TopicSource, TopicStatus, Trigger};
use crate::report::{ReasonCode, Report};
use std::collections::{BTreeMap, HashSet};

/// The theme recovered topics go under.
pub const RECOVERED_THEME: &str = "Recovered from Chorus calls";

/// How many mentions of one tracker are read for its triggers.
const MENTIONS_READ: usize = 1000;

/// A Chorus tracker as the imported calls show it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SeenTracker {
    /// As Chorus wrote it on the first call it was seen on.
    pub name: String,
    pub kind: Option<String>,
    /// Calls with at least one hit, and the hits.
    pub calls: u64,
    pub hits: u64,
    /// The first call it was seen on.
    pub first_call: String,
    pub location: Location,
    /// Mention texts, at most `MENTIONS_READ`, in call order.
    pub mentions: Vec<String>,
}

/// How many distinct Chorus tracker names are followed (a customer has
/// hundreds); the hits of names past them are counted, not listed.
const TRACKERS_FOLLOWED: usize = 10_000;

/// Every Chorus tracker with hits on the imported calls, by `tracker_key`,
/// with its mention texts when `mentions` (for recovery), and the hits of
/// names past `TRACKERS_FOLLOWED`.
pub fn trackers_seen(
    calls: &Packed<PlannedCall>,
    mentions: bool,
) -> (BTreeMap<String, SeenTracker>, u64) {
    let mut unfollowed = 0;
    let mut seen: BTreeMap<String, SeenTracker> = BTreeMap::new();
    for planned in calls.iter() {
        let mut counted: HashSet<String> = HashSet::new();
        for hit in planned.chorus_trackers.iter().flatten() {
            if hit.count == 0 {
                continue;
            }
            let key = tracker_key(&hit.name);
            if key.is_empty() {
                continue;
            }
            if seen.len() >= TRACKERS_FOLLOWED && !seen.contains_key(&key) {
                unfollowed += hit.count;
                continue;
            }
            let tracker = seen.entry(key.clone()).or_insert_with(|| SeenTracker {
                name: collapse_whitespace(&hit.name),
                kind: hit.kind.clone(),
                first_call: planned.call.source_id.clone(),
                location: planned.location.clone(),
                ..SeenTracker::default()
            });
            tracker.hits += hit.count;
            if counted.insert(key) {
                tracker.calls += 1;
            }
            for text in hit.mentions.iter().filter_map(|m| m.text.as_ref()) {
                if mentions && tracker.mentions.len() < MENTIONS_READ {
                    tracker.mentions.push(text.clone());
                }
            }
        }
    }
    (seen, unfollowed)
}

/// Reports every tracker seen in the calls that no topic holds and, with
/// `recover`, turns each into a topic to review (appended under
/// `RECOVERED_THEME`). Gives how many topics were recovered.
pub fn unexported_trackers(
    themes: &mut Vec<Theme>,
    calls: &Packed<PlannedCall>,
    recover: bool,
    language: &str,
    report: &mut Report,
) -> usize {
    let exported: HashSet<String> = themes
        .iter()
        .flat_map(|theme| &theme.topics)
        .map(|topic| tracker_key(&topic.name))
        .collect();
    let mut recovered = Vec::new();
    let (seen, unfollowed) = trackers_seen(calls, recover);
    if unfollowed > 0 {
        report.warning(
            ReasonCode::TrackerNotExported,
            Location::file("archives"),
            format!("the calls name more than {TRACKERS_FOLLOWED} Chorus trackers; {unfollowed} hit(s) of the others were not compared or recovered"),
        );
    }
    for (key, tracker) in seen {
        if exported.contains(&key) {
            continue;
        }
        let counts = format!(
            "{} hit(s) in {} imported call(s), first on call {}",
            tracker.hits, tracker.calls, tracker.first_call
        );
        if !recover {
            report.review(
                ReasonCode::TrackerNotExported,
                tracker.location.clone(),
                format!(
                    "Chorus tracker \"{}\" has {counts}, but no tracker export holds it, so no topic detects it; add it to the export, or convert with --recover-trackers (the page's \"recover trackers from the calls\") to get a topic to review",
                    tracker.name
                ),
            );
            continue;
        }
        let phrases = recover_phrases(&tracker.mentions);
        report.review(
            ReasonCode::TrackerNotExported,
            tracker.location.clone(),
            format!(
                "Chorus tracker \"{}\" has {counts}, but no tracker export holds it; it was recovered as a topic to review with {} trigger(s) read from {} mention(s)",
                tracker.name,
                phrases.len(),
                tracker.mentions.len()
            ),
        );
        let reason = if phrases.is_empty() {
            format!(
                "recovered from the calls: Chorus found this tracker {} time(s) in {} call(s) but no mention with words to read; add its phrases",
                tracker.hits, tracker.calls
            )
        } else {
            format!(
                "recovered from the calls: Chorus found this tracker {} time(s) in {} call(s); the triggers are the words at {} of its mentions, not its definition; compare them with the tracker in Chorus",
                tracker.hits,
                tracker.calls,
                tracker.mentions.len()
            )
        };
        recovered.push(Topic {
            id: String::new(),
            name: tracker.name,
            description: String::new(),
            status: TopicStatus::NeedsReview,
            review_reasons: vec![reason],
            enabled: true,
            teams: Vec::new(),
            exclusions: Vec::new(),
            example_sentences: Vec::new(),
            source: TopicSource {
                locations: vec![tracker.location],
                chorus_type: tracker.kind,
                expression: None,
            },
            triggers: phrases
                .into_iter()
                .map(|(phrase, support)| Trigger {
                    id: String::new(),
                    phrase,
                    said_by: SaidBy::Anyone,
                    language: language.to_string(),
                    match_mode: MatchMode::Exact,
                    related_forms: false,
                    mentions: Some(support),
                })
                .collect(),
            converted_name: None,
        });
    }
    let count = recovered.len();
    if count > 0 {
        themes.push(Theme {
            id: String::new(),
            name: RECOVERED_THEME.to_string(),
            topics: recovered,
        });
    }
    count
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(items: &[&str]) -> Vec<String> {
        items.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn recurring_words_become_phrases() {
        assert_eq!(
            recover_phrases(&texts(&[
                "Next steps are simple",
                "next steps: a demo",
                "Next Steps.",
                "follow up with legal",
                "follow up tomorrow",
                "pricing",
            ])),
            [
                ("next steps".to_string(), 3),
                ("follow up".to_string(), 2),
                ("pricing".to_string(), 1),
            ]
        );
        // One word offered by every mention wins over longer, rarer ones.
        assert_eq!(
            recover_phrases(&texts(&["budget is", "budget is", "budget for"])),
            [("budget".to_string(), 3)]
        );
        assert_eq!(
            recover_phrases(&texts(&["a lone mention here", "?!"])),
            [("a lone".to_string(), 1)]
        );
        assert!(recover_phrases(&[]).is_empty());
    }
}
