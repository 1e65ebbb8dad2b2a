//! Replay: the package's Topics and their Triggers in, a matcher out that
//! counts how often each Topic is said in one transcript, as Outdoo would
//! detect it. `decide::fidelity` sets these counts against Chorus's own
//! tracker hits on the same calls.
//!
//! A trigger matches as the format document says (docs/import-package.md,
//! "How triggers match"): case-insensitive, on whole words (text is
//! compared as words of letters and digits; an apostrophe inside a word
//! belongs to it; everything else separates words), an `exact` trigger on
//! its words in a row, a `prefix` trigger on its words with the last one
//! only the start of a word; `said_by` against the speaker's side of the
//! utterance (`company`: internal speakers, `external`: external ones,
//! `anyone`: every utterance); and only on calls in the trigger's language
//! (on every call whose language is unknown). An occurrence is a place
//! where one of a topic's triggers starts: two triggers of one topic that
//! match at the same word count once.

use crate::decide::language::language_code;
use crate::model::calls::{Side, Transcript};
use crate::model::{MatchMode, SaidBy, Theme};
use aho_corasick::{AhoCorasick, AhoCorasickBuilder, AhoCorasickKind, MatchKind};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

/// One trigger as the replay needs it: its topic's position among all
/// topics (themes in order, their topics in order), what to say, who, in
/// which language, and how it matches. The list crosses to other workers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReplayTrigger {
    pub topic: u32,
    pub phrase: String,
    pub said_by: SaidBy,
    pub language: String,
    #[serde(rename = "match")]
    pub match_mode: MatchMode,
}

/// Every trigger of every topic, in package order.
pub fn replay_triggers(themes: &[Theme]) -> Vec<ReplayTrigger> {
    themes
        .iter()
        .flat_map(|theme| &theme.topics)
        .enumerate()
        .flat_map(|(topic, t)| {
            t.triggers.iter().map(move |trigger| ReplayTrigger {
                topic: topic as u32,
                phrase: trigger.phrase.clone(),
                said_by: trigger.said_by,
                language: trigger.language.clone(),
                match_mode: trigger.match_mode,
            })
        })
        .collect()
}

/// How often each topic was said on one call: `(topic, occurrences)`, by
/// topic, only topics said at least once.
pub type TopicHits = Vec<(u32, u32)>;

/// Appends `text` as the replay compares it: its words in lower case, each
/// followed by one space, the whole preceded by one space, so that a
/// pattern ` word ` only matches whole words. ASCII (most transcripts) is
/// handled a byte at a time; other characters as characters.
pub fn push_words(text: &str, out: &mut Vec<u8>) {
    if out.last() != Some(&b' ') {
        out.push(b' ');
    }
    out.reserve(text.len() + 1);
    let bytes = text.as_bytes();
    let mut in_word = false;
    let mut at = 0;
    while at < bytes.len() {
        // A run of ASCII letters and digits, copied in lower case at once.
        let run = bytes[at..]
            .iter()
            .position(|b| !b.is_ascii_alphanumeric())
            .unwrap_or(bytes.len() - at);
        if run > 0 {
            out.extend(bytes[at..at + run].iter().map(u8::to_ascii_lowercase));
            at += run;
            in_word = true;
            continue;
        }
        let byte = bytes[at];
        if byte.is_ascii() {
            at += 1;
            if in_word && byte == b'\'' && starts_word(&text[at..]) {
                out.push(b'\'');
            } else if in_word {
                out.push(b' ');
                in_word = false;
            }
            continue;
        }
        let c = text[at..].chars().next().unwrap_or(' ');
        at += c.len_utf8();
        if c.is_alphanumeric() {
            let mut buffer = [0u8; 4];
            for lower in c.to_lowercase() {
                out.extend_from_slice(lower.encode_utf8(&mut buffer).as_bytes());
            }
            in_word = true;
        } else if in_word && c == '\u{2019}' && starts_word(&text[at..]) {
            out.push(b'\'');
        } else if in_word {
            out.push(b' ');
            in_word = false;
        }
    }
    if in_word {
        out.push(b' ');
    }
}

/// Whether `rest` starts with a letter or digit.
fn starts_word(rest: &str) -> bool {
    rest.chars().next().is_some_and(char::is_alphanumeric)
}

/// The words of `text`, as the replay compares them.
pub fn words(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    push_words(text, &mut out);
    String::from_utf8_lossy(&out)
        .split(' ')
        .filter(|w| !w.is_empty())
        .map(str::to_string)
        .collect()
}

/// Up to how many distinct phrases the automaton is a DFA.
const DFA_PATTERNS: usize = 500;

/// The compiled triggers.
#[derive(Debug, Clone)]
pub struct Replay {
    triggers: Vec<ReplayTrigger>,
    /// One pattern per distinct (words, match); `None` when no trigger has words.
    automaton: Option<AhoCorasick>,
    /// For each pattern, the triggers that share it.
    pattern_triggers: Vec<Vec<u32>>,
    /// The longest word of each pattern (lower case), looked for in an
    /// ASCII utterance lower-cased: one without any of them holds no
    /// trigger, so it is not compared word by word (most utterances hold
    /// none).
    key_words: Option<AhoCorasick>,
}

impl Replay {
    pub fn new(triggers: Vec<ReplayTrigger>) -> Replay {
        let mut patterns: Vec<Vec<u8>> = Vec::new();
        let mut pattern_triggers: Vec<Vec<u32>> = Vec::new();
        let mut by_pattern: HashMap<Vec<u8>, usize> = HashMap::new();
        for (index, trigger) in triggers.iter().enumerate() {
            let mut pattern = Vec::new();
            push_words(&trigger.phrase, &mut pattern);
            if pattern.iter().all(|b| *b == b' ') {
                continue;
            }
            // Without the leading space (so the automaton can skip ahead to
            // a pattern's first letter); a match must follow a space.
            pattern.remove(0);
            if trigger.match_mode == MatchMode::Prefix {
                pattern.pop();
            }
            let slot = *by_pattern.entry(pattern.clone()).or_insert_with(|| {
                patterns.push(pattern);
                pattern_triggers.push(Vec::new());
                patterns.len() - 1
            });
            pattern_triggers[slot].push(index as u32);
        }
        let mut key_words: Vec<&[u8]> = patterns
            .iter()
            .filter_map(|p| p.split(|b| *b == b' ').max_by_key(|w| w.len()))
            .filter(|w| !w.is_empty())
            .collect();
        key_words.sort_unstable();
        key_words.dedup();
        let key_words = (!key_words.is_empty()).then(|| {
            // Exact bytes and leftmost-first let the crate search with SIMD
            // where the machine has it; any match will do.
            AhoCorasickBuilder::new()
                .match_kind(MatchKind::LeftmostFirst)
                .build(&key_words)
                .expect("trigger words are plain text")
        });
        let automaton = (!patterns.is_empty()).then(|| {
            AhoCorasickBuilder::new()
                .match_kind(MatchKind::Standard)
                // A DFA is fastest, and small for a few hundred phrases;
                // for more the crate picks a smaller automaton.
                .kind((patterns.len() <= DFA_PATTERNS).then_some(AhoCorasickKind::DFA))
                .build(&patterns)
                .expect("trigger patterns are plain text")
        });
        Replay {
            triggers,
            automaton,
            pattern_triggers,
            key_words,
        }
    }

    pub fn from_themes(themes: &[Theme]) -> Replay {
        Replay::new(replay_triggers(themes))
    }

    pub fn triggers(&self) -> &[ReplayTrigger] {
        &self.triggers
    }

    /// How often each topic is said in `transcript`, a call in `language`
    /// (as `calls.jsonl` writes it; `None` when unknown).
    pub fn count(&self, language: Option<&str>, transcript: &Transcript) -> TopicHits {
        let Some(automaton) = &self.automaton else {
            return Vec::new();
        };
        let language = language.and_then(language_code);
        let side_of = |speaker: u32| {
            transcript
                .speakers
                .get(speaker.wrapping_sub(1) as usize)
                .filter(|s| s.id == speaker)
                .or_else(|| transcript.speakers.iter().find(|s| s.id == speaker))
                .map_or(Side::Unknown, |s| s.side)
        };
        let mut text = Vec::new();
        let mut lower = Vec::new();
        // (topic, utterance, word start) of every match, deduplicated below.
        let mut places: Vec<(u32, u32, u32)> = Vec::new();
        for (position, utterance) in transcript.utterances.iter().enumerate() {
            if let (Some(keys), true) = (&self.key_words, utterance.text.is_ascii()) {
                lower.clear();
                lower.extend_from_slice(utterance.text.as_bytes());
                lower.make_ascii_lowercase();
                if !keys.is_match(&lower) {
                    continue;
                }
            }
            text.clear();
            push_words(&utterance.text, &mut text);
            let side = side_of(utterance.speaker);
            for found in automaton.find_overlapping_iter(text.as_slice()) {
                if found.start() == 0 || text[found.start() - 1] != b' ' {
                    continue;
                }
                for &index in &self.pattern_triggers[found.pattern().as_usize()] {
                    let trigger = &self.triggers[index as usize];
                    let heard = match trigger.said_by {
                        SaidBy::Anyone => true,
                        SaidBy::Company => side == Side::Internal,
                        SaidBy::External => side == Side::External,
                    };
                    if heard && language.is_none_or(|l| l == trigger.language) {
                        places.push((trigger.topic, position as u32, found.start() as u32));
                    }
                }
            }
        }
        places.sort_unstable();
        places.dedup();
        let mut hits: TopicHits = Vec::new();
        for (topic, _, _) in places {
            match hits.last_mut() {
                Some((last, count)) if *last == topic => *count += 1,
                _ => hits.push((topic, 1)),
            }
        }
        hits
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::calls::{Speaker, Utterance};

    fn trigger(
        topic: u32,
        phrase: &str,
        said_by: SaidBy,
        language: &str,
        prefix: bool,
    ) -> ReplayTrigger {
        ReplayTrigger {
            topic,
            phrase: phrase.to_string(),
            said_by,
            language: language.to_string(),
            match_mode: if prefix {
                MatchMode::Prefix
            } else {
                MatchMode::Exact
            },
        }
    }

    fn transcript(lines: &[(u32, &str)]) -> Transcript {
        Transcript {
            source_id: "a".repeat(32),
            speakers: [Side::Internal, Side::External, Side::Unknown]
                .into_iter()
                .zip(1..)
                .map(|(side, id)| Speaker {
                    id,
                    name: None,
                    email: None,
                    side,
                })
                .collect(),
            utterances: lines
                .iter()
                .map(|(speaker, text)| Utterance {
                    speaker: *speaker,
                    start_ms: 0,
                    end_ms: 0,
                    text: text.to_string(),
                })
                .collect(),
            timing: None,
        }
    }

    #[test]
    fn words_are_letters_and_digits_in_lower_case() {
        assert_eq!(words("Follow-up, ASAP!"), ["follow", "up", "asap"]);
        assert_eq!(
            words("We don’t  need 10,000 SEATS."),
            ["we", "don't", "need", "10", "000", "seats"]
        );
        assert_eq!(words("Zoë's Ünïcode"), ["zoë's", "ünïcode"]);
        assert_eq!(words("'quoted' -- "), ["quoted"]);
        assert!(words("?!").is_empty());
    }

    #[test]
    fn counts_whole_words_prefixes_sides_and_languages() {
        let replay = Replay::new(vec![
            trigger(0, "next step", SaidBy::Anyone, "en", false),
            trigger(0, "next steps", SaidBy::Anyone, "en", false),
            trigger(1, "pric", SaidBy::Anyone, "en", true),
            trigger(2, "budget", SaidBy::External, "en", false),
            trigger(3, "Preis", SaidBy::Anyone, "de", false),
            trigger(4, "?!", SaidBy::Anyone, "en", false),
        ]);
        let call = transcript(&[
            (1, "Next steps: pricing, then the next step."),
            (2, "What is the price? Our BUDGET is set."),
            (1, "Budget aside, the unpriced option; nextsteps."),
            (3, "budget budget"),
            (2, "Der Preis"),
        ]);
        // "next steps" and "next step" start at the same word: one occurrence.
        assert_eq!(
            replay.count(Some("en"), &call),
            vec![(0, 2), (1, 2), (2, 1)]
        );
        assert_eq!(replay.count(Some("German"), &call), vec![(3, 1)]);
        assert_eq!(
            replay.count(None, &call),
            vec![(0, 2), (1, 2), (2, 1), (3, 1)]
        );
    }

    /// Utterances are skipped only when plain ASCII and without any
    /// trigger's longest word, ignoring case: upper-case and non-ASCII
    /// text still match.
    #[test]
    fn the_skip_before_comparing_loses_no_match() {
        let replay = Replay::new(vec![
            trigger(0, "café au lait", SaidBy::Anyone, "fr", false),
            trigger(1, "Signed off", SaidBy::Anyone, "fr", false),
            trigger(2, "don't", SaidBy::Anyone, "fr", true),
        ]);
        let call = transcript(&[
            (1, "CAFÉ AU LAIT, s'il vous plaît."),
            (2, "It was SIGNED-OFF yesterday"),
            (2, "signed offline; signed"),
            (1, "We don’t, we DON'T."),
            (1, "nothing to see here"),
        ]);
        assert_eq!(
            replay.count(Some("fr"), &call),
            vec![(0, 1), (1, 1), (2, 2)]
        );
    }

    #[test]
    fn no_triggers_count_nothing() {
        let replay = Replay::new(Vec::new());
        assert!(replay
            .count(None, &transcript(&[(1, "anything")]))
            .is_empty());
    }
}
