//! Tracker expressions as tokens: in, the text of an expression (or of a
//! keywords cell); out, its words, quoted phrases (with a proximity `~n`),
//! parentheses and operators (`AND`, `OR`, `NOT`, `NEAR/n`, `W/n`, `&&`,
//! `||`, `!`, commas), each with its column, or the `SyntaxError` of the
//! first that cannot be read. `expression_signal` says from them whether a
//! text reads as an expression at all.

use super::tree::{syntax_error, SyntaxError};
use std::fmt;

/// What makes a text read as a boolean expression rather than a list of
/// phrases: the first operator [`parse`](super::parse) would act on, as
/// written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExpressionSignal {
    /// `OR`, `AND`, `NOT`, `NEAR/5`, `W/3`, `&&`, `||`, `!`, `(`, `)`, or `~5`
    /// after a quoted phrase.
    pub operator: String,
    /// 1-based column, in characters (for `~n`, the column of its phrase).
    pub column: usize,
}

impl fmt::Display for ExpressionSignal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "\"{}\" at column {}", self.operator, self.column)
    }
}

/// Whether `text` (a keywords cell, say) reads as a boolean expression, and
/// the first sign of it. Tokens are read as [`parse`](super::parse) reads
/// them, so quoted text never counts and operators are upper-case only. A
/// sign is: AND, OR, NEAR, NEAR/n, W/n, `&&` or `||` between two terms; NOT
/// or `!` before a term; a parenthesis; a quoted phrase with a proximity
/// `~n`. Lower-case words (`either or`, `not now`, `pros and cons`), a lone
/// operator word without terms on both sides (`OR, operating room`) and
/// commas are not signs: a list of phrases reads the same either way. A
/// text whose tokens cannot all be read (an unclosed quote) is judged by
/// the tokens before the problem, the unreadable part counting as a term.
pub fn expression_signal(text: &str) -> Option<ExpressionSignal> {
    let mut lexer = Lexer::new(text);
    let failed = lexer.run().is_err();
    let tokens = &lexer.tokens;
    let ends_term = |i: usize| {
        tokens.get(i).is_some_and(|t| {
            matches!(
                t.kind,
                TokenKind::Word(_) | TokenKind::Quoted { .. } | TokenKind::Close
            )
        })
    };
    let starts_term = |i: usize| match tokens.get(i) {
        Some(t) => matches!(
            t.kind,
            TokenKind::Word(_) | TokenKind::Quoted { .. } | TokenKind::Open | TokenKind::Not
        ),
        None => failed,
    };
    tokens.iter().enumerate().find_map(|(i, token)| {
        let operator = match &token.kind {
            TokenKind::Open | TokenKind::Close => token.spelling.clone(),
            TokenKind::And | TokenKind::Or | TokenKind::Near(_)
                if i > 0 && ends_term(i - 1) && starts_term(i + 1) =>
            {
                token.spelling.clone()
            }
            TokenKind::Not if starts_term(i + 1) => token.spelling.clone(),
            TokenKind::Quoted {
                proximity: Some(distance),
                ..
            } => format!("~{distance}"),
            _ => return None,
        };
        Some(ExpressionSignal {
            operator,
            column: token.column,
        })
    })
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum TokenKind {
    Word(String),
    Quoted {
        text: String,
        content_column: usize,
        proximity: Option<u32>,
    },
    Open,
    Close,
    And,
    Or,
    Comma,
    Not,
    Near(Option<u32>),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Token {
    pub(super) kind: TokenKind,
    pub(super) column: usize,
    /// The operator as written (`AND`, `&&`, `NEAR/5`, `!`), for messages.
    spelling: String,
}

impl Token {
    /// How a message refers to this token.
    pub(super) fn name(&self) -> String {
        match &self.kind {
            TokenKind::Word(word) => format!("\"{word}\""),
            TokenKind::Quoted { .. } => "quoted phrase".to_string(),
            TokenKind::Open => "\"(\"".to_string(),
            TokenKind::Close => "\")\"".to_string(),
            TokenKind::Comma => "a comma".to_string(),
            TokenKind::And | TokenKind::Or | TokenKind::Not | TokenKind::Near(_) => {
                self.spelling.clone()
            }
        }
    }

    pub(super) fn is_operator(&self) -> bool {
        matches!(
            self.kind,
            TokenKind::And | TokenKind::Or | TokenKind::Comma | TokenKind::Not | TokenKind::Near(_)
        )
    }
}

fn is_opening_quote(c: char) -> bool {
    matches!(c, '"' | '\u{201C}' | '\u{201D}' | '\u{201E}')
}

fn is_closing_quote(c: char) -> bool {
    matches!(c, '"' | '\u{201C}' | '\u{201D}')
}

pub(super) struct Lexer {
    chars: Vec<char>,
    pos: usize,
    tokens: Vec<Token>,
}

impl Lexer {
    pub(super) fn new(input: &str) -> Self {
        Lexer {
            chars: input.chars().collect(),
            pos: 0,
            tokens: Vec::new(),
        }
    }

    fn at(&self, i: usize) -> Option<char> {
        self.chars.get(i).copied()
    }

    fn is_pair(&self, i: usize, c: char) -> bool {
        self.at(i) == Some(c) && self.at(i + 1) == Some(c)
    }

    fn is_digit_at(&self, i: usize) -> bool {
        self.at(i).is_some_and(|c| c.is_ascii_digit())
    }

    fn text(&self, start: usize, end: usize) -> String {
        self.chars
            .get(start..end)
            .map(|chars| chars.iter().collect())
            .unwrap_or_default()
    }

    /// A bare word stops at whitespace, parentheses, quotes, `&&`, `||` and commas,
    /// except a comma between digits (`10,000`).
    fn ends_word(&self, i: usize) -> bool {
        match self.at(i) {
            None => true,
            Some(c) if c.is_whitespace() || c == '(' || c == ')' => true,
            Some(c) if is_opening_quote(c) || is_closing_quote(c) => true,
            Some(',') => !(i > 0 && self.is_digit_at(i - 1) && self.is_digit_at(i + 1)),
            Some('&') => self.is_pair(i, '&'),
            Some('|') => self.is_pair(i, '|'),
            Some(_) => false,
        }
    }

    /// Whether a term (word, quote, group, or another `!`) starts right at `i`.
    fn starts_term(&self, i: usize) -> bool {
        match self.at(i) {
            None => false,
            Some(c) if c.is_whitespace() || c == ')' || c == ',' => false,
            Some('&') => !self.is_pair(i, '&'),
            Some('|') => !self.is_pair(i, '|'),
            Some(_) => true,
        }
    }

    fn push(&mut self, kind: TokenKind, column: usize, spelling: &str) {
        self.tokens.push(Token {
            kind,
            column,
            spelling: spelling.to_string(),
        });
    }

    pub(super) fn tokens(mut self) -> Result<Vec<Token>, SyntaxError> {
        self.run()?;
        Ok(self.tokens)
    }

    /// Reads tokens until the end or the first error; the tokens before an
    /// error stay in `self.tokens`.
    fn run(&mut self) -> Result<(), SyntaxError> {
        while let Some(c) = self.at(self.pos) {
            let column = self.pos + 1;
            if c.is_whitespace() {
                self.pos += 1;
            } else if c == '(' {
                self.push(TokenKind::Open, column, "(");
                self.pos += 1;
            } else if c == ')' {
                self.push(TokenKind::Close, column, ")");
                self.pos += 1;
            } else if c == ',' {
                self.push(TokenKind::Comma, column, ",");
                self.pos += 1;
            } else if self.is_pair(self.pos, '&') {
                self.push(TokenKind::And, column, "&&");
                self.pos += 2;
            } else if self.is_pair(self.pos, '|') {
                self.push(TokenKind::Or, column, "||");
                self.pos += 2;
            } else if c == '!' && self.starts_term(self.pos + 1) {
                self.push(TokenKind::Not, column, "!");
                self.pos += 1;
            } else if is_opening_quote(c) {
                self.quoted()?;
            } else {
                self.word()?;
            }
        }
        Ok(())
    }

    /// A quoted phrase, optionally followed by Lucene-style proximity `~n`.
    fn quoted(&mut self) -> Result<(), SyntaxError> {
        let column = self.pos + 1;
        let start = self.pos + 1;
        let mut end = start;
        loop {
            match self.at(end) {
                None => return Err(syntax_error(column, "this quote is never closed")),
                Some(c) if is_closing_quote(c) => break,
                Some(_) => end += 1,
            }
        }
        let text = self.text(start, end);
        if text.trim().is_empty() {
            return Err(syntax_error(column, "empty quoted phrase"));
        }
        self.pos = end + 1;

        let mut proximity = None;
        if self.at(self.pos) == Some('~') {
            let digits_start = self.pos + 1;
            let mut digits_end = digits_start;
            while self.is_digit_at(digits_end) {
                digits_end += 1;
            }
            if digits_end == digits_start || !self.ends_word(digits_end) {
                return Err(syntax_error(
                    digits_end + 1,
                    "expected a whole number after ~, like \"budget approved\"~5",
                ));
            }
            let digits = self.text(digits_start, digits_end);
            let distance = digits
                .parse::<u32>()
                .map_err(|_| syntax_error(digits_start + 1, "the distance after ~ is too large"))?;
            proximity = Some(distance);
            self.pos = digits_end;
        }
        self.tokens.push(Token {
            kind: TokenKind::Quoted {
                text,
                content_column: start + 1,
                proximity,
            },
            column,
            spelling: String::new(),
        });
        Ok(())
    }

    /// A bare word, or an operator spelled as a word (`AND`, `NEAR/5`, `W/3`).
    fn word(&mut self) -> Result<(), SyntaxError> {
        let column = self.pos + 1;
        let start = self.pos;
        let mut end = start + 1;
        while !self.ends_word(end) {
            end += 1;
        }
        let word = self.text(start, end);
        self.pos = end;
        let kind = match word.as_str() {
            "AND" => TokenKind::And,
            "OR" => TokenKind::Or,
            "NOT" => TokenKind::Not,
            "NEAR" => TokenKind::Near(None),
            _ => {
                if let Some(rest) = word.strip_prefix("NEAR/") {
                    TokenKind::Near(Some(distance(rest, column + 5, "NEAR/")?))
                } else if let Some(rest) = word.strip_prefix("W/") {
                    TokenKind::Near(Some(distance(rest, column + 2, "W/")?))
                } else {
                    TokenKind::Word(word.clone())
                }
            }
        };
        self.tokens.push(Token {
            kind,
            column,
            spelling: word,
        });
        Ok(())
    }
}

/// The number after `NEAR/` or `W/`; `column` is where `digits` starts.
fn distance(digits: &str, column: usize, operator: &str) -> Result<u32, SyntaxError> {
    let not_a_number = |offset: usize| {
        syntax_error(
            column + offset,
            format!("expected a whole number after {operator}, like {operator}5"),
        )
    };
    match digits.chars().position(|c| !c.is_ascii_digit()) {
        Some(offset) => Err(not_a_number(offset)),
        None if digits.is_empty() => Err(not_a_number(0)),
        None => digits.parse::<u32>().map_err(|_| {
            syntax_error(
                column,
                format!("the distance after {operator} is too large"),
            )
        }),
    }
}
