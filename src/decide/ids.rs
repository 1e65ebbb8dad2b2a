//! Stable ids of Themes, Topics and Triggers. In: the themes a conversion
//! made (before any edit). Out: the same themes, each theme, topic and
//! trigger given an id derived from its content, never from a counter, so
//! the same exports converted again give the same ids:
//!
//! - theme: `th_` + the first 12 hex digits of SHA-256 of
//!   `"theme\n" + lower(name)` (themes are merged by their name ignoring case);
//! - topic: `tp_` + 12 hex of SHA-256 of `"topic\n" + lower(theme name) +
//!   "\n" + lower(topic name)` (the key its trackers were merged by);
//! - trigger: `tg_` + 12 hex of SHA-256 of `"trigger\n" + topic id + "\n" +
//!   phrase + "\n" + said_by + "\n" + language + "\n" + match`, the values
//!   spelt as themes.json spells them.
//!
//! `lower` is Unicode lower case (Rust's `str::to_lowercase`).

use crate::digest::sha256_hex;
use crate::model::{MatchMode, SaidBy, Theme, Trigger};

fn short(prefix: &str, text: &str) -> String {
    format!("{prefix}{}", &sha256_hex(text.as_bytes())[..12])
}

/// A theme's id from its name.
pub fn theme_id(name: &str) -> String {
    short("th_", &format!("theme\n{}", name.to_lowercase()))
}

/// A topic's id from its theme's name and its own.
pub fn topic_id(theme: &str, topic: &str) -> String {
    short(
        "tp_",
        &format!("topic\n{}\n{}", theme.to_lowercase(), topic.to_lowercase()),
    )
}

/// `said_by` as themes.json spells it.
pub fn said_by_name(said_by: SaidBy) -> &'static str {
    match said_by {
        SaidBy::Anyone => "anyone",
        SaidBy::Company => "company",
        SaidBy::External => "external",
    }
}

/// `match` as themes.json spells it.
pub fn match_name(mode: MatchMode) -> &'static str {
    match mode {
        MatchMode::Exact => "exact",
        MatchMode::Prefix => "prefix",
    }
}

/// A trigger's id from its topic's id and its content; `attempt` above 1
/// (an id already taken, see `decide::edits`) is appended as `"\n" + attempt`.
pub fn trigger_id(topic_id: &str, trigger: &Trigger, attempt: u32) -> String {
    let mut text = format!(
        "trigger\n{topic_id}\n{}\n{}\n{}\n{}",
        trigger.phrase,
        said_by_name(trigger.said_by),
        trigger.language,
        match_name(trigger.match_mode)
    );
    if attempt > 1 {
        text.push_str(&format!("\n{attempt}"));
    }
    short("tg_", &text)
}

/// Gives every theme, topic and trigger its id.
pub fn assign_ids(themes: &mut [Theme]) {
    for theme in themes {
        theme.id = theme_id(&theme.name);
        for topic in &mut theme.topics {
            topic.id = topic_id(&theme.name, &topic.name);
            for trigger in &mut topic.triggers {
                trigger.id = trigger_id(&topic.id, trigger, 1);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::digest::sha256_hex;

    #[test]
    fn ids_are_the_hashes_the_format_names() {
        assert_eq!(
            theme_id("Pricing"),
            format!("th_{}", &sha256_hex(b"theme\npricing")[..12])
        );
        assert_eq!(theme_id("PRICING"), theme_id("pricing"));
        assert_eq!(
            topic_id("Pricing", "Discount Asked"),
            format!(
                "tp_{}",
                &sha256_hex(b"topic\npricing\ndiscount asked")[..12]
            )
        );
        let trigger = Trigger {
            id: String::new(),
            phrase: "Discount".into(),
            said_by: SaidBy::External,
            language: "en".into(),
            match_mode: MatchMode::Prefix,
            related_forms: false,
            mentions: None,
        };
        assert_eq!(
            trigger_id("tp_0123456789ab", &trigger, 1),
            format!(
                "tg_{}",
                &sha256_hex(b"trigger\ntp_0123456789ab\nDiscount\nexternal\nen\nprefix")[..12]
            )
        );
        assert_eq!(
            trigger_id("tp_0123456789ab", &trigger, 2),
            format!(
                "tg_{}",
                &sha256_hex(b"trigger\ntp_0123456789ab\nDiscount\nexternal\nen\nprefix\n2")[..12]
            )
        );
        assert_eq!(theme_id("x").len(), 15);
    }
}
