//! Flattened transcript text: the one string that connectors' merged
//! records keep for a call's transcript in, its lines out (`TextLine`: the
//! time if the line gives one, the speaker's name, the words).
//!
//! Accepted, line by line, leniently:
//! - `Name: words`, `[00:01:23] Name: words`, `00:01:23 Name: words`,
//!   `Name (1:23): words`, `Name [00:01:23]: words`;
//! - a heading line with the speaker and time and nothing said
//!   (`Name  0:03`, `00:03 Name`), the words on the lines after it;
//! - a line without a speaker continues the utterance before it (the first
//!   such line starts an utterance whose speaker is not known).
//!
//! A speaker's name is at most `MAX_NAME_CHARS` characters and six words,
//! without sentence punctuation, so a sentence holding a colon ("Note: we
//! agreed") only reads as a speaker when it looks like a name.

/// One utterance of a flattened transcript.
#[derive(Debug, Clone, PartialEq)]
pub struct TextLine {
    /// Seconds from the start of the call, when the line gives a time.
    pub seconds: Option<f64>,
    pub speaker: Option<String>,
    pub text: String,
}

/// The longest speaker name read before a colon.
const MAX_NAME_CHARS: usize = 60;

/// `h:mm:ss`, `mm:ss` or `m:ss`, with optional fractions of a second, as seconds.
fn clock(text: &str) -> Option<f64> {
    let parts: Vec<&str> = text.split(':').collect();
    if !(2..=3).contains(&parts.len()) {
        return None;
    }
    let whole = |part: &str| {
        (!part.is_empty() && part.len() <= 2 && part.bytes().all(|b| b.is_ascii_digit()))
            .then(|| part.parse::<f64>().ok())
            .flatten()
    };
    let (seconds_text, fraction) = match parts[parts.len() - 1].split_once(['.', ',']) {
        Some((s, f)) if !f.is_empty() && f.bytes().all(|b| b.is_ascii_digit()) => {
            (s, format!("0.{f}").parse::<f64>().ok()?)
        }
        Some(_) => return None,
        None => (parts[parts.len() - 1], 0.0),
    };
    let seconds = whole(seconds_text).filter(|s| *s < 60.0)?;
    let minutes = whole(parts[parts.len() - 2])?;
    let hours = if parts.len() == 3 {
        whole(parts[0])?
    } else {
        0.0
    };
    if parts.len() == 3 && minutes >= 60.0 {
        return None;
    }
    Some(hours * 3600.0 + minutes * 60.0 + seconds + fraction)
}

/// A time at the start of `line` (bare, or in brackets or parentheses)
/// and what follows it, separators trimmed.
fn leading_time(line: &str) -> Option<(f64, &str)> {
    let (inner, rest) = match line.chars().next()? {
        open @ ('[' | '(') => {
            let close = if open == '[' { ']' } else { ')' };
            let end = line.find(close)?;
            (&line[1..end], &line[end + 1..])
        }
        _ => {
            let end = line.find(char::is_whitespace).unwrap_or(line.len());
            (&line[..end], &line[end..])
        }
    };
    let seconds = clock(inner.trim())?;
    Some((seconds, rest.trim_start_matches([' ', '\t', '-', '–', '|'])))
}

/// A time at the end of `name` (in brackets or parentheses, or after a
/// space) and the name without it.
fn trailing_time(name: &str) -> Option<(&str, f64)> {
    let name = name.trim_end();
    let (head, inner) = match name.chars().last()? {
        close @ (']' | ')') => {
            let open = if close == ']' { '[' } else { '(' };
            let start = name.rfind(open)?;
            (&name[..start], &name[start + 1..name.len() - 1])
        }
        _ => {
            let start = name.rfind(char::is_whitespace)?;
            (&name[..start], &name[start + 1..])
        }
    };
    let seconds = clock(inner.trim())?;
    let head = head.trim_end_matches([' ', '\t', '-', '–', '|']);
    Some((head, seconds))
}

/// True when `name` reads as a person's name (or a label such as
/// "Speaker 2"), not as the start of a sentence.
fn is_name(name: &str) -> bool {
    let name = name.trim();
    !name.is_empty()
        && name.chars().count() <= MAX_NAME_CHARS
        && name.split_whitespace().count() <= 6
        && !name.contains(['.', '?', '!', ',', ';', '"', ':'])
        || name.contains('@') && !name.contains(char::is_whitespace)
}

/// A line that names its speaker: (time, speaker, words).
fn speaker_line(line: &str) -> Option<(Option<f64>, String, &str)> {
    let (time, rest) = match leading_time(line) {
        Some((seconds, rest)) => (Some(seconds), rest),
        None => (None, line),
    };
    // The colon that ends the name: the first one not inside a time.
    let mut search = 0;
    let colon = loop {
        let at = search + rest[search..].find(':')?;
        let start = rest[..at]
            .rfind(|c: char| c.is_whitespace() || c == '(' || c == '[')
            .map_or(0, |i| i + 1);
        let end = rest[at..]
            .find(|c: char| c.is_whitespace() || c == ')' || c == ']')
            .map_or(rest.len(), |i| at + i);
        if clock(&rest[start..end]).is_some() {
            search = at + 1;
            continue;
        }
        break at;
    };
    let (name, words) = (&rest[..colon], rest[colon + 1..].trim());
    let (name, time) = match (time, trailing_time(name)) {
        (None, Some((name, seconds))) => (name, Some(seconds)),
        _ => (name, time),
    };
    is_name(name).then(|| (time, name.trim().to_string(), words))
}

/// A heading line: a speaker and a time, nothing said.
fn heading_line(line: &str) -> Option<(f64, String)> {
    if let Some((seconds, name)) = leading_time(line) {
        let capital = name.chars().next().is_some_and(char::is_uppercase);
        return (capital && is_name(name)).then(|| (seconds, name.trim().to_string()));
    }
    // A time after the name stands apart from it: in brackets, or after a
    // tab or two spaces, so "we meet at 10:30" is not a heading.
    let (name, seconds) = trailing_time(line)?;
    let apart = line.ends_with([')', ']'])
        || line[name.len()..].starts_with('\t')
        || line[name.len()..].starts_with("  ");
    (apart && is_name(name)).then(|| (seconds, name.trim().to_string()))
}

/// The utterances of a flattened transcript, in the text's order; empty
/// for text without words.
pub fn text_lines(text: &str) -> Vec<TextLine> {
    let mut lines: Vec<TextLine> = Vec::new();
    // A heading's speaker and time, waiting for the words below it.
    let mut heading: Option<(f64, String)> = None;
    for line in text.lines().map(str::trim).filter(|l| !l.is_empty()) {
        if let Some((seconds, speaker, words)) = speaker_line(line) {
            heading = None;
            if words.is_empty() {
                heading = Some((seconds.unwrap_or(f64::NAN), speaker));
                continue;
            }
            lines.push(TextLine {
                seconds,
                speaker: Some(speaker),
                text: words.to_string(),
            });
            continue;
        }
        if let Some(found) = heading_line(line) {
            heading = Some(found);
            continue;
        }
        match (heading.take(), lines.last_mut()) {
            (Some((seconds, speaker)), _) => lines.push(TextLine {
                seconds: (!seconds.is_nan()).then_some(seconds),
                speaker: Some(speaker),
                text: line.to_string(),
            }),
            (None, Some(last)) => {
                last.text.push(' ');
                last.text.push_str(line);
            }
            (None, None) => lines.push(TextLine {
                seconds: None,
                speaker: None,
                text: line.to_string(),
            }),
        }
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(seconds: Option<f64>, speaker: Option<&str>, text: &str) -> TextLine {
        TextLine {
            seconds,
            speaker: speaker.map(str::to_string),
            text: text.to_string(),
        }
    }

    #[test]
    fn names_and_times_in_every_place() {
        let text = "Ann Lee: Hello, thanks for joining.\r\n\
                    [00:00:05] Bob Stone: Hi Ann: glad to be here.\n\
                    00:01:02 Ann Lee: Let's start.\n\
                    Bob Stone (1:10): Sure.\n\
                    Ann Lee [00:01:15.5]: Pricing first\n\
                    and then the timeline.\n\
                    \n\
                    Note that we agreed on nothing yet.";
        assert_eq!(
            text_lines(text),
            [
                line(None, Some("Ann Lee"), "Hello, thanks for joining."),
                line(Some(5.0), Some("Bob Stone"), "Hi Ann: glad to be here."),
                line(Some(62.0), Some("Ann Lee"), "Let's start."),
                line(Some(70.0), Some("Bob Stone"), "Sure."),
                line(
                    Some(75.5),
                    Some("Ann Lee"),
                    "Pricing first and then the timeline. Note that we agreed on nothing yet."
                ),
            ]
        );
    }

    #[test]
    fn headings_give_the_speaker_of_the_lines_below() {
        let text = "Speaker 1  0:03\nGood morning.\nHow are you?\n00:09 Speaker 2\nFine.";
        assert_eq!(
            text_lines(text),
            [
                line(Some(3.0), Some("Speaker 1"), "Good morning. How are you?"),
                line(Some(9.0), Some("Speaker 2"), "Fine."),
            ]
        );
    }

    #[test]
    fn a_sentence_with_a_colon_is_not_a_speaker() {
        assert_eq!(
            text_lines("Words before anyone.\nAs agreed last week, the plan is: ship it."),
            [line(
                None,
                None,
                "Words before anyone. As agreed last week, the plan is: ship it."
            )]
        );
        assert_eq!(
            text_lines("Ann: the call\nwe meet at 10:30\n12:00 and then lunch"),
            [line(
                None,
                Some("Ann"),
                "the call we meet at 10:30 12:00 and then lunch"
            )]
        );
        assert_eq!(text_lines(" \n\t\n"), []);
    }

    #[test]
    fn clocks() {
        assert_eq!(clock("1:02:03"), Some(3723.0));
        assert_eq!(clock("02:03"), Some(123.0));
        assert_eq!(clock("2:03.25"), Some(123.25));
        assert_eq!(clock("2:60"), None);
        assert_eq!(clock("1:60:00"), None);
        assert_eq!(clock("123:00"), None);
        assert_eq!(clock("10"), None);
        assert_eq!(clock("a:bc"), None);
    }
}
