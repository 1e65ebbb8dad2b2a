//! What parsing an expression gives: the `Expr` tree of `Phrase`s joined
//! by AND, OR, NOT and NEAR, or a `SyntaxError` with its column; and the
//! limits and whitespace rule the parser and the analysis share.

use std::fmt;

/// Deepest nesting of parentheses, NOTs and mixed-distance NEAR chains that [`parse`] accepts.
pub(super) const MAX_DEPTH: usize = 64;

/// A parsed tracker expression.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Expr {
    Phrase(Phrase),
    /// Every operand must be said. Flattened: `(a AND b) AND c` is `And([a, b, c])`.
    And(Vec<Expr>),
    /// Any operand may be said. Flattened like `And`.
    Or(Vec<Expr>),
    /// The operand must not be said.
    Not(Box<Expr>),
    /// The terms must be said close together; `distance` in words when given.
    Near {
        terms: Vec<Expr>,
        distance: Option<u32>,
    },
}

/// A phrase as written in the expression, whitespace collapsed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Phrase {
    pub text: String,
    /// Written in double quotes (straight or typographic).
    pub quoted: bool,
    /// 1-based column, in characters, where the phrase starts (its opening quote if quoted).
    pub column: usize,
}

impl Phrase {
    /// True when the phrase contains a `*` or `?` wildcard.
    pub fn has_wildcard(&self) -> bool {
        self.text.contains(['*', '?'])
    }
}

/// Why an expression could not be parsed, and where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyntaxError {
    /// 1-based column, in characters; one past the end when the input ended too early.
    pub column: usize,
    pub message: String,
}

impl fmt::Display for SyntaxError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "column {}: {}", self.column, self.message)
    }
}

impl std::error::Error for SyntaxError {}

pub(super) fn syntax_error(column: usize, message: impl Into<String>) -> SyntaxError {
    SyntaxError {
        column,
        message: message.into(),
    }
}

/// Collapses runs of whitespace to single spaces and trims.
pub(super) fn normalize(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}
