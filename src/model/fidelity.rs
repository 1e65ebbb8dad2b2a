//! `fidelity.json`, the package's comparison of the topics with the
//! customer's Chorus trackers on their calls (docs/import-package.md,
//! "fidelity.json"): plain data types, with the agreement figure and the
//! lines the CLI prints. `decide::fidelity` fills them in.

use serde::{Deserialize, Serialize};

/// How many missed phrases `fidelity.json` lists per topic.
pub const MISSED_MENTIONS_LISTED: usize = 10;

/// In how many calls each side found a topic.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CallAgreement {
    pub chorus: u64,
    pub triggers: u64,
    pub both: u64,
    pub only_chorus: u64,
    pub only_triggers: u64,
}

/// How often each side found a topic, over all compared calls.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct HitTotals {
    pub chorus: u64,
    pub triggers: u64,
}

/// One missed mention: the call, the utterance (its index), Chorus's
/// offset and the utterance's text from there.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MentionExample {
    pub source_id: String,
    pub utterance: Option<u64>,
    pub offset: Option<u64>,
    pub text: String,
}

/// A phrase the missed mentions share: how many mentions start with it, on
/// how many calls, and the first of them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MissedMention {
    pub phrase: String,
    pub mentions: u64,
    pub calls: u64,
    pub example: MentionExample,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TopicFidelity {
    pub theme: String,
    pub topic: String,
    /// The topic's id in themes.json.
    pub topic_id: String,
    /// The Chorus tracker the topic met by name, as Chorus wrote it; null
    /// when no compared call had a tracker of that name.
    pub chorus_tracker: Option<String>,
    pub calls: CallAgreement,
    pub hits: HitTotals,
    /// `both` out of the calls where either side found the topic, in
    /// percent with one decimal; null when neither side found it.
    pub agreement_percent: Option<f64>,
    /// The most frequent first, at most `MISSED_MENTIONS_LISTED`.
    pub missed_mentions: Vec<MissedMention>,
    /// Missed mentions in no listed phrase: without text, past the first
    /// `MISSED_MENTIONS_KEPT`, or of phrases not listed.
    pub missed_mentions_other: u64,
}

/// The figures over all topics; the manifest's `counts.fidelity` too.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FidelitySummary {
    /// Imported calls with a transcript and Chorus tracker data.
    pub calls_compared: u64,
    /// Imported calls with a transcript but no Chorus tracker data
    /// (archives fetched without `with_trackers` and documents without
    /// `recording.trackers`): not compared.
    pub calls_without_chorus_trackers: u64,
    pub topics: u64,
    /// Topics that met a Chorus tracker by name.
    pub topics_matched: u64,
    pub topics_at_100: u64,
    pub topics_below_90: u64,
    /// Topics that neither side found in any compared call.
    pub topics_not_seen: u64,
}

/// `fidelity.json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Fidelity {
    pub summary: FidelitySummary,
    /// In package order (themes, then their topics, as in `themes.json`).
    pub topics: Vec<TopicFidelity>,
}

impl Fidelity {
    /// The topics worst first: lowest agreement, then most calls either
    /// side found, then package order; topics neither side found last.
    pub fn worst_first(&self) -> Vec<&TopicFidelity> {
        let mut topics: Vec<&TopicFidelity> = self.topics.iter().collect();
        topics.sort_by(|a, b| {
            let rank = |t: &TopicFidelity| t.agreement_percent.unwrap_or(f64::INFINITY);
            let either =
                |t: &TopicFidelity| t.calls.both + t.calls.only_chorus + t.calls.only_triggers;
            rank(a).total_cmp(&rank(b)).then(either(b).cmp(&either(a)))
        });
        topics
    }

    /// What the CLI prints: the summary, then up to `worst` topics below
    /// 100% agreement, worst first, each with its most missed mention.
    pub fn summary_lines(&self, worst: usize) -> Vec<String> {
        let s = &self.summary;
        let mut lines = vec![format!(
            "fidelity: {} replayed over {} with Chorus tracker hits ({} had none to compare): {} at 100%, {} below 90%, {} not seen in any call; {} met a Chorus tracker by name",
            counted(s.topics, "topic"),
            counted(s.calls_compared, "call"),
            counted(s.calls_without_chorus_trackers, "call"),
            s.topics_at_100,
            s.topics_below_90,
            s.topics_not_seen,
            s.topics_matched
        )];
        for topic in self
            .worst_first()
            .into_iter()
            .filter(|t| t.agreement_percent.is_some_and(|p| p < 100.0))
            .take(worst)
        {
            let c = &topic.calls;
            let mut line = format!(
                "  {:5.1}%  {} / {}: both {}, only Chorus {}, only the triggers {} (hits: Chorus {}, triggers {})",
                topic.agreement_percent.unwrap_or(0.0),
                topic.theme,
                topic.topic,
                c.both,
                c.only_chorus,
                c.only_triggers,
                topic.hits.chorus,
                topic.hits.triggers
            );
            if let Some(missed) = topic.missed_mentions.first() {
                line.push_str(&format!(
                    "; most missed: \"{}\" ({})",
                    missed.phrase,
                    counted(missed.mentions, "mention")
                ));
            }
            lines.push(line);
        }
        lines
    }
}

/// `1 call`, `2 calls`.
fn counted(n: u64, thing: &str) -> String {
    format!("{n} {thing}{}", if n == 1 { "" } else { "s" })
}

/// `both` out of the calls where either side found the topic, in percent
/// with one decimal; `None` when neither did.
pub fn agreement(calls: &CallAgreement) -> Option<f64> {
    let either = calls.both + calls.only_chorus + calls.only_triggers;
    (either > 0).then(|| (calls.both * 1000 / either) as f64 / 10.0)
}
