//! Phrase splitting: one spreadsheet cell (or JSON string) in, the phrases it
//! lists out. Separators are commas, semicolons, newlines and pipes; a phrase
//! in double quotes (straight or typographic) is kept whole, separators and
//! all, and its quotes are removed: `"10,000 seats", pricing` gives
//! `10,000 seats` and `pricing`. Pieces are trimmed but not otherwise
//! normalised, and empty pieces are kept so the decide stage can report them.
//! Example sentences (a smart tracker's) split the same way, but never on
//! commas. A cell that holds a boolean expression never comes here: the
//! readers keep it whole for the expression parser
//! (`read::table::place_keywords`).

const SEPARATORS: [char; 5] = [',', ';', '\n', '\r', '|'];

fn is_open_quote(c: char) -> bool {
    matches!(c, '"' | '\u{201C}' | '\u{201E}')
}

fn is_close_quote(c: char) -> bool {
    matches!(c, '"' | '\u{201D}' | '\u{201C}')
}

/// What separates example sentences in one cell: line breaks, pipes and
/// semicolons, never commas, which sentences hold.
const SENTENCE_SEPARATORS: [char; 4] = [';', '\n', '\r', '|'];

/// Splits a cell into its phrases. A cell that is empty or only whitespace
/// gives no phrases at all; `a,,b` gives an empty middle phrase.
pub fn split_phrases(cell: &str) -> Vec<String> {
    split_on(cell, &SEPARATORS, true)
}

/// Splits a cell of example sentences (a smart tracker's) into sentences,
/// as phrases are split but never on commas, and with quotes only around a
/// whole sentence (`He said "fine" twice.` keeps its quotes).
pub fn split_sentences(cell: &str) -> Vec<String> {
    split_on(cell, &SENTENCE_SEPARATORS, false)
}

/// Splits on `separators` outside quotes; a quote opens anywhere, or with
/// `quotes_inside` false only at the start of a piece.
fn split_on(cell: &str, separators: &[char], quotes_inside: bool) -> Vec<String> {
    if cell.trim().is_empty() {
        return Vec::new();
    }
    let mut phrases = Vec::new();
    let mut current = String::new();
    let mut in_quotes = false;
    let mut chars = cell.chars().peekable();
    while let Some(c) = chars.next() {
        if in_quotes {
            if is_close_quote(c) {
                in_quotes = false;
            } else {
                current.push(c);
            }
        } else if is_open_quote(c) && (quotes_inside || current.trim().is_empty()) {
            in_quotes = true;
        } else if separators.contains(&c) {
            // "\r\n" is one separator, not two with an empty phrase between.
            if c == '\r' && chars.peek() == Some(&'\n') {
                chars.next();
            }
            phrases.push(current.trim().to_string());
            current.clear();
        } else {
            current.push(c);
        }
    }
    phrases.push(current.trim().to_string());
    // A trailing separator ("a, b,") is a habit, not an empty phrase.
    if phrases.len() > 1 && phrases.last().is_some_and(|p| p.is_empty()) {
        phrases.pop();
    }
    phrases
}

#[cfg(test)]
mod tests {
    use super::split_phrases;

    fn split(cell: &str) -> Vec<&str> {
        // Leak-free helper for comparisons in tests.
        let owned = split_phrases(cell);
        owned
            .into_iter()
            .map(|s| &*Box::leak(s.into_boxed_str()))
            .collect()
    }

    #[test]
    fn splits_on_every_separator() {
        assert_eq!(
            split("price, pricing;cost|budget\nquote\r\nfee"),
            ["price", "pricing", "cost", "budget", "quote", "fee"]
        );
    }

    #[test]
    fn keeps_quoted_phrases_whole() {
        assert_eq!(
            split("\"10,000 seats\", pricing"),
            ["10,000 seats", "pricing"]
        );
        assert_eq!(split("\u{201C}a; b\u{201D} | c"), ["a; b", "c"]);
    }

    #[test]
    fn keeps_empty_middle_pieces_but_not_a_trailing_separator() {
        assert_eq!(split("a,,b,"), ["a", "", "b"]);
        assert!(split_phrases("  ").is_empty());
        assert_eq!(split("single phrase"), ["single phrase"]);
    }

    #[test]
    fn sentences_split_on_lines_pipes_and_semicolons_not_commas() {
        assert_eq!(
            super::split_sentences(
                "Yes, we can start in May.\r\nHe said \"fine\", twice? | \"Fine; go\""
            ),
            [
                "Yes, we can start in May.",
                "He said \"fine\", twice?",
                "Fine; go"
            ]
        );
    }

    #[test]
    fn unterminated_quote_keeps_the_rest_literally() {
        assert_eq!(split("\"open, still open"), ["open, still open"]);
    }
}
