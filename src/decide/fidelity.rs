//! Fidelity: whether the imported Topics detect what the customer's Chorus
//! trackers detected, on their own calls.
//!
//! In: the topics (package order), and for each imported call with a
//! transcript, Chorus's tracker hits on it (`PlannedCall::chorus_trackers`)
//! and the replay's counts (`decide::replay`), one call at a time. Out:
//! `Fidelity`, the package's `fidelity.json`: per topic, the calls where
//! Chorus found its tracker, where its triggers found it, both, only one
//! side, the hits on each side, the agreement, and the phrases of the
//! mentions the triggers missed (Chorus's mentions on calls where the
//! triggers found nothing, read as `mentions::recover_phrases` reads them),
//! each with the words at Chorus's offset of one example. A topic meets its
//! Chorus tracker by name, compared ignoring case and spaces (`tracker_key`);
//! a topic an edit renamed, by the name it was converted with.

use crate::decide::mentions::{recover_phrases, tracker_key};
use crate::decide::replay::{words, TopicHits};
use crate::model::calls::TrackerHitRecord;
pub use crate::model::fidelity::{
    agreement, CallAgreement, Fidelity, FidelitySummary, HitTotals, MentionExample, MissedMention,
    TopicFidelity, MISSED_MENTIONS_LISTED,
};
use crate::model::Theme;
use std::collections::{BTreeMap, HashMap};

/// How many missed mentions are kept per topic to read phrases from (the
/// rest are counted in `missed_mentions_other`), so memory stays bounded.
const MISSED_MENTIONS_KEPT: usize = 100;

#[derive(Debug, Clone, Default)]
struct TopicTally {
    chorus_tracker: Option<String>,
    calls: CallAgreement,
    hits: HitTotals,
    /// The first `MISSED_MENTIONS_KEPT` missed mentions, in call order.
    missed: Vec<MentionExample>,
    missed_other: u64,
}

/// The tally, one call at a time.
#[derive(Debug, Clone)]
pub struct FidelityTally {
    names: Vec<(String, String, String)>,
    topics: Vec<TopicTally>,
    by_key: HashMap<String, Vec<u32>>,
    calls_compared: u64,
    calls_without_chorus_trackers: u64,
}

impl FidelityTally {
    pub fn new(themes: &[Theme]) -> FidelityTally {
        let names: Vec<(String, String, String)> = themes
            .iter()
            .flat_map(|theme| {
                theme
                    .topics
                    .iter()
                    .map(|t| (theme.name.clone(), t.name.clone(), t.id.clone()))
            })
            .collect();
        // A topic an edit renamed meets its tracker by the name it was
        // converted with.
        let mut by_key: HashMap<String, Vec<u32>> = HashMap::new();
        let converted = themes.iter().flat_map(|theme| &theme.topics);
        for (index, topic) in converted.enumerate() {
            let name = topic.converted_name.as_deref().unwrap_or(&topic.name);
            by_key
                .entry(tracker_key(name))
                .or_default()
                .push(index as u32);
        }
        FidelityTally {
            topics: vec![TopicTally::default(); names.len()],
            names,
            by_key,
            calls_compared: 0,
            calls_without_chorus_trackers: 0,
        }
    }

    /// Adds one imported call with a transcript: Chorus's hits on it
    /// (`None` when the archive had none for it) and the replay's.
    pub fn add_call(
        &mut self,
        source_id: &str,
        chorus: Option<&[TrackerHitRecord]>,
        triggers: &TopicHits,
    ) {
        let Some(chorus) = chorus else {
            self.calls_without_chorus_trackers += 1;
            return;
        };
        self.calls_compared += 1;
        // Chorus's count per topic on this call, with its hits.
        let mut found: BTreeMap<u32, (u64, Vec<&TrackerHitRecord>)> = BTreeMap::new();
        for hit in chorus {
            let Some(topics) = self.by_key.get(&tracker_key(&hit.name)) else {
                continue;
            };
            for &topic in topics {
                let tally = &mut self.topics[topic as usize];
                if tally.chorus_tracker.is_none() {
                    tally.chorus_tracker = Some(hit.name.clone());
                }
                if hit.count > 0 {
                    let entry = found.entry(topic).or_default();
                    entry.0 += hit.count;
                    entry.1.push(hit);
                }
            }
        }
        let triggered: BTreeMap<u32, u32> = triggers.iter().copied().collect();
        let mut topics: Vec<u32> = found.keys().chain(triggered.keys()).copied().collect();
        topics.sort_unstable();
        topics.dedup();
        for topic in topics {
            let tally = &mut self.topics[topic as usize];
            let by_chorus = found.get(&topic);
            let by_triggers = triggered.get(&topic).copied().unwrap_or(0);
            tally.hits.chorus += by_chorus.map_or(0, |(count, _)| *count);
            tally.hits.triggers += u64::from(by_triggers);
            match (by_chorus.is_some(), by_triggers > 0) {
                (true, true) => {
                    tally.calls.chorus += 1;
                    tally.calls.triggers += 1;
                    tally.calls.both += 1;
                }
                (true, false) => {
                    tally.calls.chorus += 1;
                    tally.calls.only_chorus += 1;
                    let hits = by_chorus.map(|(_, hits)| hits.as_slice()).unwrap_or(&[]);
                    tally.add_missed(source_id, hits);
                }
                (false, true) => {
                    tally.calls.triggers += 1;
                    tally.calls.only_triggers += 1;
                }
                (false, false) => {}
            }
        }
    }

    /// The figures so far.
    pub fn summary(&self) -> FidelitySummary {
        let mut summary = FidelitySummary {
            calls_compared: self.calls_compared,
            calls_without_chorus_trackers: self.calls_without_chorus_trackers,
            topics: self.topics.len() as u64,
            ..FidelitySummary::default()
        };
        for tally in &self.topics {
            summary.topics_matched += u64::from(tally.chorus_tracker.is_some());
            match agreement(&tally.calls) {
                None => summary.topics_not_seen += 1,
                Some(percent) => {
                    summary.topics_at_100 += u64::from(percent >= 100.0);
                    summary.topics_below_90 += u64::from(percent < 90.0);
                }
            }
        }
        summary
    }

    pub fn finish(self) -> Fidelity {
        let summary = self.summary();
        let topics = self
            .names
            .into_iter()
            .zip(self.topics)
            .map(|((theme, topic, topic_id), tally)| {
                let missed = missed_phrases(&tally.missed);
                let listed: u64 = missed.iter().map(|m| m.mentions).sum();
                TopicFidelity {
                    agreement_percent: agreement(&tally.calls),
                    theme,
                    topic,
                    topic_id,
                    chorus_tracker: tally.chorus_tracker,
                    calls: tally.calls,
                    hits: tally.hits,
                    missed_mentions: missed,
                    missed_mentions_other: tally.missed_other
                        + (tally.missed.len() as u64).saturating_sub(listed),
                }
            })
            .collect();
        Fidelity { summary, topics }
    }
}

impl TopicTally {
    fn add_missed(&mut self, source_id: &str, hits: &[&TrackerHitRecord]) {
        for hit in hits {
            // Mentions Chorus counted but did not list (or that were not kept).
            self.missed_other += hit.count.saturating_sub(hit.mentions.len() as u64);
            for mention in &hit.mentions {
                match mention.text.as_deref() {
                    Some(text)
                        if self.missed.len() < MISSED_MENTIONS_KEPT && !words(text).is_empty() =>
                    {
                        self.missed.push(MentionExample {
                            source_id: source_id.to_string(),
                            utterance: mention.utterance,
                            offset: mention.offset,
                            text: text.to_string(),
                        })
                    }
                    _ => self.missed_other += 1,
                }
            }
        }
    }
}

/// The phrases the missed mentions share (`recover_phrases`), the most
/// frequent first, at most `MISSED_MENTIONS_LISTED`, each with its calls
/// and its first mention.
fn missed_phrases(missed: &[MentionExample]) -> Vec<MissedMention> {
    let texts: Vec<String> = missed.iter().map(|m| m.text.clone()).collect();
    let mut taken = vec![false; missed.len()];
    recover_phrases(&texts)
        .into_iter()
        .take(MISSED_MENTIONS_LISTED)
        .filter_map(|(phrase, _)| {
            let starts = |text: &str| {
                let words = words(text);
                let phrase: Vec<&str> = phrase.split(' ').collect();
                words.len() >= phrase.len() && words.iter().zip(&phrase).all(|(w, p)| w == p)
            };
            let mut mentions = Vec::new();
            for (mention, taken) in missed.iter().zip(taken.iter_mut()) {
                if !*taken && starts(&mention.text) {
                    *taken = true;
                    mentions.push(mention);
                }
            }
            let first = (*mentions.first()?).clone();
            let mut calls: Vec<&str> = mentions.iter().map(|m| m.source_id.as_str()).collect();
            calls.sort_unstable();
            calls.dedup();
            Some(MissedMention {
                phrase,
                mentions: mentions.len() as u64,
                calls: calls.len() as u64,
                example: first,
            })
        })
        .collect()
}

/// Reads `fidelity.json` from an import package; `None` when the package
/// has none (no topics, or no call archives).
pub fn package_fidelity<R: std::io::Read + std::io::Seek>(
    package: R,
) -> std::result::Result<Option<Fidelity>, String> {
    let mut zip = zip::ZipArchive::new(package).map_err(|e| format!("not a zip: {e}"))?;
    let entry = match zip.by_name("fidelity.json") {
        Ok(entry) => entry,
        Err(zip::result::ZipError::FileNotFound) => return Ok(None),
        Err(e) => return Err(format!("fidelity.json: {e}")),
    };
    serde_json::from_reader(std::io::BufReader::new(entry))
        .map(Some)
        .map_err(|e| format!("fidelity.json: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::calls::MentionRecord;
    use crate::model::{Topic, TopicSource, TopicStatus};

    fn theme(name: &str, topics: &[&str]) -> Theme {
        Theme {
            id: String::new(),
            name: name.to_string(),
            topics: topics
                .iter()
                .map(|t| Topic {
                    id: String::new(),
                    name: t.to_string(),
                    description: String::new(),
                    status: TopicStatus::Ready,
                    review_reasons: Vec::new(),
                    enabled: true,
                    teams: Vec::new(),
                    exclusions: Vec::new(),
                    example_sentences: Vec::new(),
                    source: TopicSource {
                        locations: Vec::new(),
                        chorus_type: None,
                        expression: None,
                    },
                    triggers: Vec::new(),
                    converted_name: None,
                })
                .collect(),
        }
    }

    fn hit(name: &str, count: u64, mentions: &[&str]) -> TrackerHitRecord {
        TrackerHitRecord {
            name: name.to_string(),
            kind: None,
            count,
            mentions: mentions
                .iter()
                .enumerate()
                .map(|(i, text)| MentionRecord {
                    utterance: Some(i as u64),
                    offset: Some(0),
                    text: Some(text.to_string()),
                })
                .collect(),
        }
    }

    #[test]
    fn names_meet_ignoring_case_and_spaces() {
        assert_eq!(tracker_key(" Next  Steps "), "nextsteps");
        assert_eq!(tracker_key("NextSteps"), tracker_key("next steps"));
    }

    #[test]
    fn tallies_calls_hits_and_missed_mentions() {
        let themes = [theme("Deal", &["Pricing", "Next steps", "Unused"])];
        let mut tally = FidelityTally::new(&themes);
        // Both sides found Pricing; only Chorus found Next Steps.
        tally.add_call(
            "c1",
            Some(&[
                hit("pricing", 2, &[]),
                hit(
                    "Next Steps",
                    2,
                    &["follow up on that", "Follow-up tomorrow"],
                ),
            ]),
            &vec![(0, 3)],
        );
        // Only the triggers found Pricing; Chorus's Next Steps again missed.
        tally.add_call(
            "c2",
            Some(&[hit("NEXT STEPS", 1, &["follow up later"])]),
            &vec![(0, 1)],
        );
        // No Chorus data: not compared.
        tally.add_call("c3", None, &vec![(0, 5)]);
        // Both found Next steps.
        tally.add_call(
            "c4",
            Some(&[hit("Next Steps", 1, &["next steps"])]),
            &vec![(1, 1)],
        );
        let fidelity = tally.finish();
        assert_eq!(
            fidelity.summary,
            FidelitySummary {
                calls_compared: 3,
                calls_without_chorus_trackers: 1,
                topics: 3,
                topics_matched: 2,
                topics_at_100: 0,
                topics_below_90: 2,
                topics_not_seen: 1,
            }
        );
        let pricing = &fidelity.topics[0];
        assert_eq!(pricing.chorus_tracker.as_deref(), Some("pricing"));
        assert_eq!(
            pricing.calls,
            CallAgreement {
                chorus: 1,
                triggers: 2,
                both: 1,
                only_chorus: 0,
                only_triggers: 1
            }
        );
        assert_eq!(
            pricing.hits,
            HitTotals {
                chorus: 2,
                triggers: 4
            }
        );
        assert_eq!(pricing.agreement_percent, Some(50.0));
        let next = &fidelity.topics[1];
        assert_eq!(next.chorus_tracker.as_deref(), Some("Next Steps"));
        assert_eq!(next.agreement_percent, Some(33.3));
        assert_eq!(
            next.hits,
            HitTotals {
                chorus: 4,
                triggers: 1
            }
        );
        assert_eq!(
            next.missed_mentions,
            [MissedMention {
                phrase: "follow up".to_string(),
                mentions: 3,
                calls: 2,
                example: MentionExample {
                    source_id: "c1".to_string(),
                    utterance: Some(0),
                    offset: Some(0),
                    text: "follow up on that".to_string(),
                }
            }]
        );
        assert_eq!(next.missed_mentions_other, 0);
        let unused = &fidelity.topics[2];
        assert_eq!(unused.agreement_percent, None);
        assert_eq!(unused.chorus_tracker, None);
    }
}
