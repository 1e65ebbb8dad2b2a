//! Chorus's tracker names and mentions, read the same way wherever they
//! are used: a tracker or topic name as names are compared
//! (`tracker_key`: the fidelity check meets a topic with its Chorus
//! tracker by it, the recovery groups hits by it), and the phrases at a
//! tracker's mentions (`recover_phrases`: the triggers of a recovered
//! topic, and the phrases a topic's triggers missed).

use crate::decide::replay::words;
use std::collections::HashMap;

/// A tracker or topic name as names are compared: lower case, without
/// whitespace ("Next Steps" and "next steps" meet).
pub fn tracker_key(name: &str) -> String {
    name.chars()
        .filter(|c| !c.is_whitespace())
        .flat_map(char::to_lowercase)
        .collect()
}

/// The longest phrase read from a mention, in words.
const PHRASE_WORDS: usize = 3;

/// The phrases a tracker's mentions recover, each with the number of
/// mentions that support it, most supported first. Each mention offers the
/// phrases of one to `PHRASE_WORDS` words starting at its offset; the
/// phrase offered by the most mentions not yet covered is taken (the longer
/// one when two are offered equally often), until every mention is covered
/// by a phrase at least two mentions offer. A mention whose words recur in
/// no other gives its first two words, supported by itself.
pub fn recover_phrases(mentions: &[String]) -> Vec<(String, u32)> {
    let offers: Vec<Vec<String>> = mentions
        .iter()
        .map(|text| {
            let words = words(text);
            (1..=words.len().min(PHRASE_WORDS))
                .map(|n| words[..n].join(" "))
                .collect::<Vec<_>>()
        })
        .filter(|offer| !offer.is_empty())
        .collect();
    let mut covered = vec![false; offers.len()];
    let mut phrases: Vec<(String, u32)> = Vec::new();
    loop {
        let mut support: HashMap<&str, u32> = HashMap::new();
        for (offer, _) in offers.iter().zip(&covered).filter(|(_, c)| !**c) {
            for phrase in offer {
                *support.entry(phrase.as_str()).or_default() += 1;
            }
        }
        let best = support.into_iter().filter(|(_, n)| *n >= 2).max_by(|a, b| {
            a.1.cmp(&b.1)
                .then(a.0.split(' ').count().cmp(&b.0.split(' ').count()))
                .then(b.0.cmp(a.0))
        });
        let Some((phrase, _)) = best else { break };
        let phrase = phrase.to_string();
        let mut supported = 0;
        for (offer, covered) in offers.iter().zip(covered.iter_mut()) {
            if offer.contains(&phrase) {
                supported += 1;
                *covered = true;
            }
        }
        phrases.push((phrase, supported));
    }
    for (offer, _) in offers.iter().zip(&covered).filter(|(_, c)| !**c) {
        let phrase = offer[offer.len().min(2) - 1].clone();
        match phrases.iter_mut().find(|(p, _)| *p == phrase) {
            Some((_, support)) => *support += 1,
            None => phrases.push((phrase, 1)),
        }
    }
    phrases.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    phrases
}
