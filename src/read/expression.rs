//! Chorus "advanced tracker" expressions, on their way to Outdoo triggers.
//! In: an expression string such as `("next steps" OR follow up) AND NOT pric*`.
//! Out: an [`Expr`] tree from [`parse`] (or a [`SyntaxError`] with its column), then an
//! [`Analysis`] from [`analyse`]: the phrases that can become triggers, and what is lost.

use std::collections::HashSet;
use std::fmt;

/// Deepest nesting of parentheses, NOTs and mixed-distance NEAR chains that [`parse`] accepts.
const MAX_DEPTH: usize = 64;

/// [`analyse`] stops descending past this depth; only hand-built trees get that deep.
const MAX_ANALYSIS_DEPTH: usize = 4 * MAX_DEPTH + 8;

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

fn syntax_error(column: usize, message: impl Into<String>) -> SyntaxError {
    SyntaxError {
        column,
        message: message.into(),
    }
}

/// Parses a tracker expression into an [`Expr`] tree.
///
/// # Errors
/// A [`SyntaxError`] naming the first problem found and its column.
pub fn parse(input: &str) -> Result<Expr, SyntaxError> {
    let tokens = Lexer::new(input).tokens()?;
    if tokens.is_empty() {
        return Err(syntax_error(1, "the expression is empty"));
    }
    check_parentheses(&tokens)?;
    let mut parser = Parser { tokens, pos: 0 };
    let expr = parser.or_expr(0)?;
    match parser.peek() {
        None => Ok(expr),
        Some(token) => Err(syntax_error(
            token.column,
            format!("unexpected {}", token.name()),
        )),
    }
}

/// What makes a text read as a boolean expression rather than a list of
/// phrases: the first operator [`parse`] would act on, as written.
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
/// the first sign of it. Tokens are read as [`parse`] reads them, so quoted
/// text never counts and operators are upper-case only. A sign is: AND, OR,
/// NEAR, NEAR/n, W/n, `&&` or `||` between two terms; NOT or `!` before a
/// term; a parenthesis; a quoted phrase with a proximity `~n`. Lower-case
/// words (`either or`, `not now`, `pros and cons`), a lone operator word
/// without terms on both sides (`OR, operating room`) and commas are not
/// signs: a list of phrases reads the same either way. A text whose tokens
/// cannot all be read (an unclosed quote) is judged by the tokens before the
/// problem, the unreadable part counting as a term.
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

// ---------------------------------------------------------------------------
// Tokens

#[derive(Debug, Clone, PartialEq, Eq)]
enum TokenKind {
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
struct Token {
    kind: TokenKind,
    column: usize,
    /// The operator as written (`AND`, `&&`, `NEAR/5`, `!`), for messages.
    spelling: String,
}

impl Token {
    /// How a message refers to this token.
    fn name(&self) -> String {
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

    fn is_operator(&self) -> bool {
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

struct Lexer {
    chars: Vec<char>,
    pos: usize,
    tokens: Vec<Token>,
}

impl Lexer {
    fn new(input: &str) -> Self {
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

    fn tokens(mut self) -> Result<Vec<Token>, SyntaxError> {
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

/// Reports the first `)` without a `(`, or else the innermost `(` left open.
fn check_parentheses(tokens: &[Token]) -> Result<(), SyntaxError> {
    let mut open = Vec::new();
    for token in tokens {
        match token.kind {
            TokenKind::Open => open.push(token.column),
            TokenKind::Close => {
                open.pop().ok_or_else(|| {
                    syntax_error(token.column, "this \")\" has no matching \"(\"")
                })?;
            }
            _ => {}
        }
    }
    match open.last() {
        Some(&column) => Err(syntax_error(column, "this \"(\" is never closed")),
        None => Ok(()),
    }
}

// ---------------------------------------------------------------------------
// Parser: OR (and commas) < AND < NEAR family < NOT, parentheses group.

struct Parser {
    tokens: Vec<Token>,
    pos: usize,
}

fn too_deep(column: usize) -> SyntaxError {
    syntax_error(
        column,
        format!("nesting too deep (more than {MAX_DEPTH} levels)"),
    )
}

impl Parser {
    fn peek(&self) -> Option<&Token> {
        self.tokens.get(self.pos)
    }

    fn peek_kind(&self) -> Option<&TokenKind> {
        self.peek().map(|token| &token.kind)
    }

    /// Operands separated by OR, `||` or a comma. A term that follows an operand
    /// with no operator in between (`"next steps" follow up`) is also an alternative.
    fn or_expr(&mut self, depth: usize) -> Result<Expr, SyntaxError> {
        let mut operands = vec![self.and_expr(depth)?];
        loop {
            match self.peek_kind() {
                Some(TokenKind::Or | TokenKind::Comma) => {
                    self.pos += 1;
                    operands.push(self.and_expr(depth)?);
                }
                Some(TokenKind::Word(_) | TokenKind::Quoted { .. } | TokenKind::Open) => {
                    operands.push(self.and_expr(depth)?);
                }
                _ => break,
            }
        }
        Ok(flatten(operands, Join::Any))
    }

    /// Operands separated by AND or `&&`; `a NOT b` reads as `a AND NOT b`.
    fn and_expr(&mut self, depth: usize) -> Result<Expr, SyntaxError> {
        let mut operands = vec![self.near_expr(depth)?];
        loop {
            match self.peek_kind() {
                Some(TokenKind::And) => {
                    self.pos += 1;
                    operands.push(self.near_expr(depth)?);
                }
                Some(TokenKind::Not) => operands.push(self.near_expr(depth)?),
                _ => break,
            }
        }
        Ok(flatten(operands, Join::All))
    }

    /// Operands separated by NEAR, NEAR/n or W/n. A chain with one distance is
    /// one `Near`; a change of distance nests, and counts towards the depth limit.
    fn near_expr(&mut self, depth: usize) -> Result<Expr, SyntaxError> {
        let mut left = self.unary(depth)?;
        let mut nested = 0;
        while let Some(token) = self.peek() {
            let TokenKind::Near(distance) = token.kind else {
                break;
            };
            let column = token.column;
            self.pos += 1;
            let right = self.unary(depth)?;
            left = match left {
                Expr::Near {
                    mut terms,
                    distance: d,
                } if d == distance => {
                    push_near_term(&mut terms, right, distance);
                    Expr::Near { terms, distance }
                }
                other => {
                    if matches!(other, Expr::Near { .. }) {
                        nested += 1;
                        if depth + nested > MAX_DEPTH {
                            return Err(too_deep(column));
                        }
                    }
                    let mut terms = vec![other];
                    push_near_term(&mut terms, right, distance);
                    Expr::Near { terms, distance }
                }
            };
        }
        Ok(left)
    }

    fn unary(&mut self, depth: usize) -> Result<Expr, SyntaxError> {
        match self.peek() {
            Some(token) if token.kind == TokenKind::Not => {
                if depth >= MAX_DEPTH {
                    return Err(too_deep(token.column));
                }
                self.pos += 1;
                Ok(Expr::Not(Box::new(self.unary(depth + 1)?)))
            }
            _ => self.primary(depth),
        }
    }

    fn primary(&mut self, depth: usize) -> Result<Expr, SyntaxError> {
        let Some(token) = self.peek() else {
            return Err(self.missing_phrase());
        };
        let column = token.column;
        match &token.kind {
            TokenKind::Open => {
                if depth >= MAX_DEPTH {
                    return Err(too_deep(column));
                }
                self.pos += 1;
                let inner = self.or_expr(depth + 1)?;
                if self.peek_kind() != Some(&TokenKind::Close) {
                    return Err(syntax_error(column, "this \"(\" is never closed"));
                }
                self.pos += 1;
                Ok(inner)
            }
            TokenKind::Word(_) => {
                let mut words = Vec::new();
                while let Some(TokenKind::Word(word)) = self.tokens.get(self.pos).map(|t| &t.kind) {
                    words.push(word.as_str());
                    self.pos += 1;
                }
                let text = normalize(&words.join(" "));
                Ok(Expr::Phrase(Phrase {
                    text,
                    quoted: false,
                    column,
                }))
            }
            TokenKind::Quoted {
                text,
                content_column,
                proximity,
            } => {
                let expr = quoted_phrase(text, column, *content_column, *proximity);
                self.pos += 1;
                Ok(expr)
            }
            _ => Err(self.missing_phrase()),
        }
    }

    /// The error for a place where a phrase was expected but is not there.
    fn missing_phrase(&self) -> SyntaxError {
        let here = self.peek();
        let before = self.pos.checked_sub(1).and_then(|i| self.tokens.get(i));
        match (before, here) {
            (Some(open), Some(close))
                if open.kind == TokenKind::Open && close.kind == TokenKind::Close =>
            {
                syntax_error(open.column, "empty parentheses")
            }
            (Some(operator), _) if operator.is_operator() => syntax_error(
                operator.column,
                format!("expected a phrase after {}", operator.name()),
            ),
            (_, Some(next)) => syntax_error(
                next.column,
                format!("expected a phrase before {}", next.name()),
            ),
            (Some(previous), None) => syntax_error(
                previous.column,
                format!("expected a phrase after {}", previous.name()),
            ),
            (None, None) => syntax_error(1, "the expression is empty"),
        }
    }
}

#[derive(Clone, Copy)]
enum Join {
    All,
    Any,
}

/// Joins operands into an `And` or `Or`, lifting operands that are already the
/// same operator; a single operand stands alone.
fn flatten(operands: Vec<Expr>, join: Join) -> Expr {
    let mut flat: Vec<Expr> = Vec::with_capacity(operands.len());
    for operand in operands {
        match (join, operand) {
            (Join::All, Expr::And(inner)) | (Join::Any, Expr::Or(inner)) => flat.extend(inner),
            (_, other) => flat.push(other),
        }
    }
    match <[Expr; 1]>::try_from(flat) {
        Ok([only]) => only,
        Err(flat) => match join {
            Join::All => Expr::And(flat),
            Join::Any => Expr::Or(flat),
        },
    }
}

fn push_near_term(terms: &mut Vec<Expr>, term: Expr, distance: Option<u32>) {
    match term {
        Expr::Near {
            terms: inner,
            distance: d,
        } if d == distance => terms.extend(inner),
        other => terms.push(other),
    }
}

/// A quoted phrase; with `~n` and two or more words, proximity of its words.
fn quoted_phrase(text: &str, column: usize, content_column: usize, proximity: Option<u32>) -> Expr {
    let whole = Expr::Phrase(Phrase {
        text: normalize(text),
        quoted: true,
        column,
    });
    let Some(distance) = proximity else {
        return whole;
    };
    let words = words_with_columns(text, content_column);
    if words.len() < 2 {
        return whole;
    }
    let terms = words
        .into_iter()
        .map(|(text, column)| {
            Expr::Phrase(Phrase {
                text,
                quoted: true,
                column,
            })
        })
        .collect();
    Expr::Near {
        terms,
        distance: Some(distance),
    }
}

/// The words of `text` with the column each starts at, `text` starting at `first_column`.
fn words_with_columns(text: &str, first_column: usize) -> Vec<(String, usize)> {
    let mut words = Vec::new();
    let mut current = String::new();
    let mut start = first_column;
    for (offset, c) in text.chars().enumerate() {
        if c.is_whitespace() {
            if !current.is_empty() {
                words.push((std::mem::take(&mut current), start));
            }
        } else {
            if current.is_empty() {
                start = first_column + offset;
            }
            current.push(c);
        }
    }
    if !current.is_empty() {
        words.push((current, start));
    }
    words
}

/// Collapses runs of whitespace to single spaces and trims.
fn normalize(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

// ---------------------------------------------------------------------------
// Analysis: what the expression becomes as Outdoo triggers.

/// A phrase that can become an Outdoo trigger.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TriggerPhrase {
    pub text: String,
    /// Matches any word starting with `text` (written with one trailing `*`).
    pub prefix: bool,
}

/// What an expression converts to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Analysis {
    /// Phrases that can become triggers, in the order they appear, without duplicates.
    pub phrases: Vec<TriggerPhrase>,
    /// True when the expression is exactly an OR of plain phrases (or a single phrase),
    /// so the triggers mean the same as the expression.
    pub exact: bool,
    /// Why it is not exact, one sentence each, a person can act on them; empty when exact.
    pub reasons: Vec<String>,
}

/// Works out which phrases of `expr` can become triggers, and what is lost doing so.
pub fn analyse(expr: &Expr) -> Analysis {
    let mut analysis = Analyser::default();
    analysis.walk(expr, 0);
    Analysis {
        exact: analysis.reasons.is_empty(),
        phrases: analysis.phrases,
        reasons: analysis.reasons,
    }
}

#[derive(Default)]
struct Analyser {
    phrases: Vec<TriggerPhrase>,
    seen: HashSet<(String, bool)>,
    reasons: Vec<String>,
}

impl Analyser {
    fn reason(&mut self, reason: String) {
        if !self.reasons.contains(&reason) {
            self.reasons.push(reason);
        }
    }

    fn walk(&mut self, expr: &Expr, depth: usize) {
        if depth > MAX_ANALYSIS_DEPTH {
            self.reason(
                "the expression is nested too deeply; its innermost part was left out".into(),
            );
            return;
        }
        match expr {
            Expr::Phrase(phrase) => self.phrase(phrase),
            Expr::Or(operands) => {
                for operand in operands {
                    self.walk(operand, depth + 1);
                }
            }
            Expr::And(operands) => {
                let required: Vec<String> = operands
                    .iter()
                    .filter(|operand| !matches!(operand, Expr::Not(_)))
                    .map(|operand| describe(operand, depth + 1))
                    .collect();
                if required.len() >= 2 {
                    let (all, any) = if required.len() == 2 {
                        ("both", "either one")
                    } else {
                        ("all", "any one")
                    };
                    self.reason(format!(
                        "uses AND: {} must {all} be said; as separate triggers {any} alone matches",
                        join_list(&required)
                    ));
                }
                for operand in operands {
                    self.walk(operand, depth + 1);
                }
            }
            Expr::Not(inner) => {
                let mut excluded = Vec::new();
                collect_texts(inner, depth + 1, &mut excluded);
                let reason = if excluded.is_empty() {
                    "uses NOT: Outdoo triggers cannot exclude phrases; it was left out".to_string()
                } else {
                    let quoted: Vec<String> = excluded.iter().map(|text| quote(text)).collect();
                    let left_out = if quoted.len() == 1 {
                        "it was"
                    } else {
                        "they were"
                    };
                    format!(
                        "excludes {} (NOT): Outdoo triggers cannot exclude phrases; {left_out} left out",
                        join_list(&quoted)
                    )
                };
                self.reason(reason);
            }
            Expr::Near { terms, distance } => {
                let described: Vec<String> =
                    terms.iter().map(|term| describe(term, depth + 1)).collect();
                let operator = match distance {
                    Some(n) => format!("NEAR/{n}"),
                    None => "NEAR".to_string(),
                };
                let closeness = match distance {
                    Some(1) => "within 1 word of each other".to_string(),
                    Some(n) => format!("within {n} words of each other"),
                    None => "close together".to_string(),
                };
                let any = if described.len() == 2 {
                    "either one"
                } else {
                    "any one"
                };
                self.reason(format!(
                    "uses proximity ({operator}) between {}: they must be said {closeness}; \
                     as separate triggers {any} alone matches anywhere in the call",
                    join_list(&described)
                ));
                for term in terms {
                    self.walk(term, depth + 1);
                }
            }
        }
    }

    fn phrase(&mut self, phrase: &Phrase) {
        let text = normalize(&phrase.text);
        if text.is_empty() {
            return;
        }
        let trigger = match prefix_stem(&text) {
            Some(stem) => TriggerPhrase {
                text: stem.to_string(),
                prefix: true,
            },
            None => {
                if text.contains(['*', '?']) {
                    self.reason(format!(
                        "wildcard in {} cannot be expressed; kept as written",
                        quote(&text)
                    ));
                }
                TriggerPhrase {
                    text,
                    prefix: false,
                }
            }
        };
        if self
            .seen
            .insert((trigger.text.to_lowercase(), trigger.prefix))
        {
            self.phrases.push(trigger);
        }
    }
}

/// `pric*` gives `pric`: the only wildcard is one `*` at the end of a word.
fn prefix_stem(text: &str) -> Option<&str> {
    let stem = text.strip_suffix('*')?;
    let ends_a_word = stem.chars().next_back().is_some_and(|c| !c.is_whitespace());
    (ends_a_word && !stem.contains(['*', '?'])).then_some(stem)
}

/// The phrases under `expr`, in order, without case-insensitive duplicates.
fn collect_texts(expr: &Expr, depth: usize, out: &mut Vec<String>) {
    if depth > MAX_ANALYSIS_DEPTH {
        return;
    }
    match expr {
        Expr::Phrase(phrase) => {
            let text = normalize(&phrase.text);
            let lower = text.to_lowercase();
            if !text.is_empty() && !out.iter().any(|seen| seen.to_lowercase() == lower) {
                out.push(text);
            }
        }
        Expr::And(operands)
        | Expr::Or(operands)
        | Expr::Near {
            terms: operands, ..
        } => {
            for operand in operands {
                collect_texts(operand, depth + 1, out);
            }
        }
        Expr::Not(inner) => collect_texts(inner, depth + 1, out),
    }
}

/// A short reading of `expr` for a reason: `("a" or "b")`, `not "c"`.
fn describe(expr: &Expr, depth: usize) -> String {
    if depth > MAX_ANALYSIS_DEPTH {
        return "(...)".to_string();
    }
    let group = |operands: &[Expr], word: &str| {
        let parts: Vec<String> = operands
            .iter()
            .map(|operand| describe(operand, depth + 1))
            .collect();
        match parts.as_slice() {
            [only] => only.clone(),
            _ => format!("({})", parts.join(word)),
        }
    };
    match expr {
        Expr::Phrase(phrase) => quote(&normalize(&phrase.text)),
        Expr::Or(operands) => group(operands, " or "),
        Expr::And(operands) => group(operands, " and "),
        Expr::Near { terms, .. } => group(terms, " near "),
        Expr::Not(inner) => format!("not {}", describe(inner, depth + 1)),
    }
}

fn quote(text: &str) -> String {
    format!("\"{text}\"")
}

/// `a`, `a and b`, `a, b and c`.
fn join_list(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [only] => only.clone(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn word(text: &str, column: usize) -> Expr {
        Expr::Phrase(Phrase {
            text: text.to_string(),
            quoted: false,
            column,
        })
    }

    fn quoted(text: &str, column: usize) -> Expr {
        Expr::Phrase(Phrase {
            text: text.to_string(),
            quoted: true,
            column,
        })
    }

    fn and(operands: Vec<Expr>) -> Expr {
        Expr::And(operands)
    }

    fn or(operands: Vec<Expr>) -> Expr {
        Expr::Or(operands)
    }

    fn not(operand: Expr) -> Expr {
        Expr::Not(Box::new(operand))
    }

    fn near(terms: Vec<Expr>, distance: Option<u32>) -> Expr {
        Expr::Near { terms, distance }
    }

    fn ok(input: &str) -> Expr {
        match parse(input) {
            Ok(expr) => expr,
            Err(error) => panic!("{input:?} failed to parse: {error}"),
        }
    }

    fn err(input: &str) -> (usize, String) {
        match parse(input) {
            Ok(expr) => panic!("{input:?} parsed as {expr:?}, expected an error"),
            Err(error) => (error.column, error.message),
        }
    }

    fn trigger(text: &str) -> TriggerPhrase {
        TriggerPhrase {
            text: text.to_string(),
            prefix: false,
        }
    }

    fn prefix(text: &str) -> TriggerPhrase {
        TriggerPhrase {
            text: text.to_string(),
            prefix: true,
        }
    }

    // --- phrases -----------------------------------------------------------

    #[test]
    fn single_word_is_a_phrase() {
        assert_eq!(ok("price"), word("price", 1));
        assert_eq!(ok("   price  "), word("price", 4));
    }

    #[test]
    fn adjacent_bare_words_form_one_phrase() {
        assert_eq!(ok("next   steps"), word("next steps", 1));
        assert_eq!(
            ok("next steps OR follow up"),
            or(vec![word("next steps", 1), word("follow up", 15)])
        );
    }

    #[test]
    fn lowercase_operators_are_words() {
        assert_eq!(ok("pros and cons"), word("pros and cons", 1));
        assert_eq!(ok("black or white"), word("black or white", 1));
        assert_eq!(ok("not now"), word("not now", 1));
        assert_eq!(ok("near term"), word("near term", 1));
        assert_eq!(ok("And Or Not"), word("And Or Not", 1));
    }

    #[test]
    fn symbols_inside_words_are_literal() {
        assert_eq!(ok("AT&T"), word("AT&T", 1));
        assert_eq!(ok("wow!"), word("wow!", 1));
        assert_eq!(ok("don't"), word("don't", 1));
        assert_eq!(ok("a|b"), word("a|b", 1));
        assert_eq!(ok("w/o"), word("w/o", 1));
        assert_eq!(ok("NEARBY"), word("NEARBY", 1));
        assert_eq!(ok("! alone"), word("! alone", 1));
    }

    #[test]
    fn quoted_phrases_keep_operators_and_commas() {
        assert_eq!(
            ok("\"10,000 seats\" OR \"AND OR NOT\""),
            or(vec![quoted("10,000 seats", 1), quoted("AND OR NOT", 19)])
        );
        assert_eq!(ok("\"(a) && b, !c\""), quoted("(a) && b, !c", 1));
        assert_eq!(ok("\"  spaced \t out  \""), quoted("spaced out", 1));
    }

    #[test]
    fn typographic_quotes() {
        assert_eq!(
            ok("\u{201C}next steps\u{201D} OR \u{201C}follow up\u{201D}"),
            or(vec![quoted("next steps", 1), quoted("follow up", 17)])
        );
        assert_eq!(ok("\u{201E}Preis\u{201C}"), quoted("Preis", 1));
        assert_eq!(ok("\"mixed\u{201D}"), quoted("mixed", 1));
    }

    #[test]
    fn single_quotes_are_not_quotes() {
        assert_eq!(
            ok("'price list' OR cost"),
            or(vec![word("'price list'", 1), word("cost", 17)])
        );
    }

    #[test]
    fn digit_comma_stays_inside_a_bare_word() {
        assert_eq!(ok("10,000 seats"), word("10,000 seats", 1));
        assert_eq!(ok("10, 000"), or(vec![word("10", 1), word("000", 5)]));
    }

    #[test]
    fn wildcards_are_recorded_not_stripped() {
        let Expr::Phrase(phrase) = ok("pric*") else {
            panic!("not a phrase")
        };
        assert_eq!(phrase.text, "pric*");
        assert!(phrase.has_wildcard());
        let Expr::Phrase(phrase) = ok("colo?r") else {
            panic!("not a phrase")
        };
        assert_eq!(phrase.text, "colo?r");
        assert!(phrase.has_wildcard());
        let Expr::Phrase(phrase) = ok("\"price li*\"") else {
            panic!("not a phrase")
        };
        assert!(phrase.quoted && phrase.has_wildcard());
        let Expr::Phrase(phrase) = ok("price") else {
            panic!("not a phrase")
        };
        assert!(!phrase.has_wildcard());
    }

    // --- operators and precedence -------------------------------------------

    #[test]
    fn or_and_not() {
        assert_eq!(
            ok("pricing OR discount"),
            or(vec![word("pricing", 1), word("discount", 12)])
        );
        assert_eq!(
            ok("pricing AND discount"),
            and(vec![word("pricing", 1), word("discount", 13)])
        );
        assert_eq!(ok("NOT competitor"), not(word("competitor", 5)));
    }

    #[test]
    fn and_binds_tighter_than_or() {
        assert_eq!(
            ok("a OR b AND c"),
            or(vec![word("a", 1), and(vec![word("b", 6), word("c", 12)])])
        );
        assert_eq!(
            ok("a AND b OR c"),
            or(vec![and(vec![word("a", 1), word("b", 7)]), word("c", 12)])
        );
    }

    #[test]
    fn parentheses_group() {
        assert_eq!(
            ok("(a OR b) AND c"),
            and(vec![or(vec![word("a", 2), word("b", 7)]), word("c", 14)])
        );
    }

    #[test]
    fn near_binds_tighter_than_and_and_not_tighter_than_near() {
        assert_eq!(
            ok("a AND b NEAR c"),
            and(vec![
                word("a", 1),
                near(vec![word("b", 7), word("c", 14)], None)
            ])
        );
        assert_eq!(
            ok("NOT a NEAR b"),
            near(vec![not(word("a", 5)), word("b", 12)], None)
        );
    }

    #[test]
    fn same_operator_is_flattened() {
        assert_eq!(
            ok("a AND b AND c"),
            and(vec![word("a", 1), word("b", 7), word("c", 13)])
        );
        assert_eq!(
            ok("(a AND b) AND c"),
            and(vec![word("a", 2), word("b", 8), word("c", 15)])
        );
        assert_eq!(
            ok("a OR (b OR c)"),
            or(vec![word("a", 1), word("b", 7), word("c", 12)])
        );
        assert_eq!(ok("((a))"), word("a", 3));
    }

    #[test]
    fn commas_are_or() {
        assert_eq!(
            ok("price, pricing, cost"),
            or(vec![word("price", 1), word("pricing", 8), word("cost", 17)])
        );
        assert_eq!(
            ok("(price,cost) AND budget"),
            and(vec![
                or(vec![word("price", 2), word("cost", 8)]),
                word("budget", 18)
            ])
        );
        assert_eq!(
            ok("a AND b, c"),
            or(vec![and(vec![word("a", 1), word("b", 7)]), word("c", 10)])
        );
    }

    #[test]
    fn terms_side_by_side_without_an_operator_are_alternatives() {
        assert_eq!(
            ok("\"next steps\" follow up"),
            or(vec![quoted("next steps", 1), word("follow up", 14)])
        );
        assert_eq!(
            ok("pricing (discount OR rebate)"),
            or(vec![
                word("pricing", 1),
                word("discount", 10),
                word("rebate", 22)
            ])
        );
    }

    #[test]
    fn near_with_distances() {
        assert_eq!(
            ok("budget NEAR/3 approved"),
            near(vec![word("budget", 1), word("approved", 15)], Some(3))
        );
        assert_eq!(
            ok("budget NEAR approved"),
            near(vec![word("budget", 1), word("approved", 13)], None)
        );
        assert_eq!(
            ok("budget W/2 approved"),
            near(vec![word("budget", 1), word("approved", 12)], Some(2))
        );
        assert_eq!(
            ok("a NEAR/2(b)"),
            near(vec![word("a", 1), word("b", 10)], Some(2))
        );
    }

    #[test]
    fn near_chains() {
        assert_eq!(
            ok("a NEAR/2 b NEAR/2 c"),
            near(vec![word("a", 1), word("b", 10), word("c", 19)], Some(2))
        );
        assert_eq!(
            ok("a NEAR/2 b NEAR/3 c"),
            near(
                vec![
                    near(vec![word("a", 1), word("b", 10)], Some(2)),
                    word("c", 19)
                ],
                Some(3)
            )
        );
    }

    #[test]
    fn lucene_proximity() {
        assert_eq!(
            ok("\"a b\"~5"),
            near(vec![quoted("a", 2), quoted("b", 4)], Some(5))
        );
        assert_eq!(
            ok("\"budget  approved\"~10 OR cost"),
            or(vec![
                near(vec![quoted("budget", 2), quoted("approved", 10)], Some(10)),
                word("cost", 26)
            ])
        );
        assert_eq!(ok("\"pricing\"~3"), quoted("pricing", 1));
        assert_eq!(
            ok("\"Größe passt\"~2"),
            near(vec![quoted("Größe", 2), quoted("passt", 8)], Some(2))
        );
    }

    #[test]
    fn not_forms() {
        assert_eq!(
            ok("pricing AND NOT free trial"),
            and(vec![word("pricing", 1), not(word("free trial", 17))])
        );
        assert_eq!(
            ok("pricing NOT free"),
            and(vec![word("pricing", 1), not(word("free", 13))])
        );
        assert_eq!(ok("NOT NOT a"), not(not(word("a", 9))));
        assert_eq!(ok("a OR NOT b"), or(vec![word("a", 1), not(word("b", 10))]));
    }

    #[test]
    fn symbol_operators() {
        assert_eq!(
            ok("a && b || c"),
            or(vec![and(vec![word("a", 1), word("b", 6)]), word("c", 11)])
        );
        assert_eq!(ok("a&&b"), and(vec![word("a", 1), word("b", 4)]));
        assert_eq!(ok("a||b"), or(vec![word("a", 1), word("b", 4)]));
        assert_eq!(ok("!free"), not(word("free", 2)));
        assert_eq!(ok("!\"free trial\""), not(quoted("free trial", 2)));
        assert_eq!(
            ok("pricing && !(free OR trial)"),
            and(vec![
                word("pricing", 1),
                not(or(vec![word("free", 14), word("trial", 22)]))
            ])
        );
        assert_eq!(
            ok("pricing !free"),
            and(vec![word("pricing", 1), not(word("free", 10))])
        );
    }

    // --- errors ---------------------------------------------------------------

    fn message(text: &str) -> String {
        text.to_string()
    }

    #[test]
    fn empty_expression() {
        assert_eq!(err(""), (1, message("the expression is empty")));
        assert_eq!(err("  \t "), (1, message("the expression is empty")));
    }

    #[test]
    fn missing_operands() {
        assert_eq!(err("price OR"), (7, message("expected a phrase after OR")));
        assert_eq!(
            err("AND price"),
            (1, message("expected a phrase before AND"))
        );
        assert_eq!(err("a OR OR b"), (3, message("expected a phrase after OR")));
        assert_eq!(err("a ,"), (3, message("expected a phrase after a comma")));
        assert_eq!(err(", a"), (1, message("expected a phrase before a comma")));
        assert_eq!(err("NOT"), (1, message("expected a phrase after NOT")));
        assert_eq!(
            err("a NEAR/2"),
            (3, message("expected a phrase after NEAR/2"))
        );
        assert_eq!(err("a &&"), (3, message("expected a phrase after &&")));
        assert_eq!(err("(a OR)"), (4, message("expected a phrase after OR")));
        assert_eq!(err("(AND a)"), (2, message("expected a phrase before AND")));
        assert_eq!(
            err("\"été\" AND"),
            (7, message("expected a phrase after AND"))
        );
        assert_eq!(err("Größe ||"), (7, message("expected a phrase after ||")));
    }

    #[test]
    fn display_names_the_column() {
        let Err(error) = parse("price OR") else {
            panic!("parsed")
        };
        assert_eq!(error.to_string(), "column 7: expected a phrase after OR");
        let boxed: Box<dyn std::error::Error> = Box::new(error);
        assert_eq!(boxed.to_string(), "column 7: expected a phrase after OR");
    }

    #[test]
    fn empty_parentheses() {
        assert_eq!(err("()"), (1, message("empty parentheses")));
        assert_eq!(err("a AND ( )"), (7, message("empty parentheses")));
        assert_eq!(err("(())"), (2, message("empty parentheses")));
    }

    #[test]
    fn unbalanced_parentheses() {
        assert_eq!(err("(a OR b"), (1, message("this \"(\" is never closed")));
        assert_eq!(
            err("\"Müller\" OR ("),
            (13, message("this \"(\" is never closed"))
        );
        assert_eq!(
            err("(a OR (b AND c"),
            (7, message("this \"(\" is never closed"))
        );
        assert_eq!(
            err("a OR b)"),
            (7, message("this \")\" has no matching \"(\""))
        );
        assert_eq!(
            err("(a))"),
            (4, message("this \")\" has no matching \"(\""))
        );
        assert_eq!(err("ü)("), (2, message("this \")\" has no matching \"(\"")));
        // A parenthesis inside quotes is text.
        assert_eq!(ok("\"(\" OR b"), or(vec![quoted("(", 1), word("b", 8)]));
    }

    #[test]
    fn unterminated_and_empty_quotes() {
        assert_eq!(
            err("\"Müller\" OR \"abc"),
            (13, message("this quote is never closed"))
        );
        assert_eq!(
            err("Größe OR \u{201E}Preis"),
            (10, message("this quote is never closed"))
        );
        assert_eq!(
            err("(a OR \"b)"),
            (7, message("this quote is never closed"))
        );
        assert_eq!(err("a OR \"\""), (6, message("empty quoted phrase")));
        assert_eq!(err("\"  \""), (1, message("empty quoted phrase")));
    }

    #[test]
    fn near_needs_a_number() {
        let near_message = message("expected a whole number after NEAR/, like NEAR/5");
        assert_eq!(err("größe NEAR/x preis"), (12, near_message.clone()));
        assert_eq!(err("a NEAR/5x b"), (9, near_message.clone()));
        assert_eq!(err("a NEAR/ b"), (8, near_message));
        assert_eq!(
            err("a W/ b"),
            (5, message("expected a whole number after W/, like W/5"))
        );
        assert_eq!(
            err("a NEAR/99999999999 b"),
            (8, message("the distance after NEAR/ is too large"))
        );
        let tilde = message("expected a whole number after ~, like \"budget approved\"~5");
        assert_eq!(err("\"a b\"~x"), (7, tilde.clone()));
        assert_eq!(err("\"ä b\"~"), (7, tilde.clone()));
        assert_eq!(err("\"a b\"~5x"), (8, tilde));
        assert_eq!(
            err("\"a b\"~99999999999"),
            (7, message("the distance after ~ is too large"))
        );
    }

    #[test]
    fn nesting_depth_is_capped() {
        let deep = |n: usize| format!("{}a{}", "(".repeat(n), ")".repeat(n));
        assert_eq!(ok(&deep(64)), word("a", 65));
        let too_deep = message("nesting too deep (more than 64 levels)");
        assert_eq!(err(&deep(65)), (65, too_deep.clone()));
        assert_eq!(err(&deep(10_000)), (65, too_deep.clone()));

        let nots = |n: usize| format!("{}a", "NOT ".repeat(n));
        assert!(parse(&nots(64)).is_ok());
        assert_eq!(err(&nots(65)), (257, too_deep.clone()));
        assert_eq!(
            err(&format!("{}a", "!".repeat(100_000))),
            (65, too_deep.clone())
        );

        // A chain whose distance keeps changing nests too.
        let chain: String = (0..70)
            .map(|i| format!("w{i} NEAR/{} ", i % 2 + 1))
            .collect::<String>()
            + "end";
        assert_eq!(err(&chain).1, too_deep);
        // A long chain with one distance, or a long OR list, stays flat.
        let flat = (0..10_000)
            .map(|i| format!("w{i}"))
            .collect::<Vec<_>>()
            .join(" NEAR/2 ");
        let Expr::Near { terms, .. } = ok(&flat) else {
            panic!("not a Near")
        };
        assert_eq!(terms.len(), 10_000);
        let list = (0..10_000)
            .map(|i| format!("w{i}"))
            .collect::<Vec<_>>()
            .join(", ");
        let Expr::Or(operands) = ok(&list) else {
            panic!("not an Or")
        };
        assert_eq!(operands.len(), 10_000);
    }

    // --- analysis --------------------------------------------------------------

    #[test]
    fn pure_or_is_exact() {
        let analysis = analyse(&ok("pricing OR \"price list\" OR Pricing, cost"));
        assert_eq!(
            analysis,
            Analysis {
                phrases: vec![trigger("pricing"), trigger("price list"), trigger("cost")],
                exact: true,
                reasons: vec![],
            }
        );
        assert_eq!(
            analyse(&ok("\"  follow   up \"")),
            Analysis {
                phrases: vec![trigger("follow up")],
                exact: true,
                reasons: vec![]
            }
        );
    }

    #[test]
    fn trailing_star_is_a_prefix_and_stays_exact() {
        assert_eq!(
            analyse(&ok("pric* OR cost OR pric")),
            Analysis {
                phrases: vec![prefix("pric"), trigger("cost"), trigger("pric")],
                exact: true,
                reasons: vec![],
            }
        );
        assert_eq!(
            analyse(&ok("\"follow up*\"")),
            Analysis {
                phrases: vec![prefix("follow up")],
                exact: true,
                reasons: vec![]
            }
        );
    }

    #[test]
    fn other_wildcards_are_kept_and_flagged() {
        assert_eq!(
            analyse(&ok("colo?r OR *pricing OR pr*ce OR a *")),
            Analysis {
                phrases: vec![
                    trigger("colo?r"),
                    trigger("*pricing"),
                    trigger("pr*ce"),
                    trigger("a *")
                ],
                exact: false,
                reasons: vec![
                    "wildcard in \"colo?r\" cannot be expressed; kept as written".to_string(),
                    "wildcard in \"*pricing\" cannot be expressed; kept as written".to_string(),
                    "wildcard in \"pr*ce\" cannot be expressed; kept as written".to_string(),
                    "wildcard in \"a *\" cannot be expressed; kept as written".to_string(),
                ],
            }
        );
        assert_eq!(analyse(&ok("pric**")).phrases, vec![trigger("pric**")]);
    }

    #[test]
    fn and_is_inexact() {
        assert_eq!(
            analyse(&ok("pricing AND discount")),
            Analysis {
                phrases: vec![trigger("pricing"), trigger("discount")],
                exact: false,
                reasons: vec!["uses AND: \"pricing\" and \"discount\" must both be said; \
                     as separate triggers either one alone matches"
                    .to_string()],
            }
        );
        assert_eq!(
            analyse(&ok("(a OR b) AND c AND d")).reasons,
            vec![
                "uses AND: (\"a\" or \"b\"), \"c\" and \"d\" must all be said; \
                 as separate triggers any one alone matches"
                    .to_string()
            ]
        );
    }

    #[test]
    fn not_is_left_out() {
        assert_eq!(
            analyse(&ok("pricing AND NOT \"free trial\"")),
            Analysis {
                phrases: vec![trigger("pricing")],
                exact: false,
                reasons: vec![
                    "excludes \"free trial\" (NOT): Outdoo triggers cannot exclude phrases; \
                     it was left out"
                        .to_string()
                ],
            }
        );
        assert_eq!(
            analyse(&ok("NOT (free OR trial*)")),
            Analysis {
                phrases: vec![],
                exact: false,
                reasons: vec![
                    "excludes \"free\" and \"trial*\" (NOT): Outdoo triggers cannot exclude \
                     phrases; they were left out"
                        .to_string()
                ],
            }
        );
        let analysis = analyse(&ok("price OR NOT price"));
        assert_eq!(analysis.phrases, vec![trigger("price")]);
        assert!(!analysis.exact);
    }

    #[test]
    fn near_is_inexact() {
        assert_eq!(
            analyse(&ok("budget NEAR/5 approved")),
            Analysis {
                phrases: vec![trigger("budget"), trigger("approved")],
                exact: false,
                reasons: vec![
                    "uses proximity (NEAR/5) between \"budget\" and \"approved\": they must be \
                     said within 5 words of each other; as separate triggers either one alone \
                     matches anywhere in the call"
                        .to_string()
                ],
            }
        );
        assert_eq!(
            analyse(&ok("\"sign contract\"~3")).reasons,
            vec![
                "uses proximity (NEAR/3) between \"sign\" and \"contract\": they must be said \
                 within 3 words of each other; as separate triggers either one alone matches \
                 anywhere in the call"
                    .to_string()
            ]
        );
        assert_eq!(
            analyse(&ok("a NEAR b NEAR c")).reasons,
            vec![
                "uses proximity (NEAR) between \"a\", \"b\" and \"c\": they must be said close \
                 together; as separate triggers any one alone matches anywhere in the call"
                    .to_string()
            ]
        );
    }

    #[test]
    fn mixed_expression_collects_every_reason_in_order() {
        let analysis = analyse(&ok(
            "(pricing OR colo?r) AND budget NEAR/2 approved AND NOT free",
        ));
        assert_eq!(
            analysis.phrases,
            vec![
                trigger("pricing"),
                trigger("colo?r"),
                trigger("budget"),
                trigger("approved")
            ]
        );
        assert_eq!(
            analysis.reasons,
            vec![
                "uses AND: (\"pricing\" or \"colo?r\") and (\"budget\" near \"approved\") must \
                 both be said; as separate triggers either one alone matches"
                    .to_string(),
                "wildcard in \"colo?r\" cannot be expressed; kept as written".to_string(),
                "uses proximity (NEAR/2) between \"budget\" and \"approved\": they must be said \
                 within 2 words of each other; as separate triggers either one alone matches \
                 anywhere in the call"
                    .to_string(),
                "excludes \"free\" (NOT): Outdoo triggers cannot exclude phrases; it was left out"
                    .to_string(),
            ]
        );
    }

    #[test]
    fn analysis_of_a_hand_built_deep_tree_does_not_overflow() {
        let mut expr = word("a", 1);
        for _ in 0..2_000 {
            expr = Expr::Or(vec![Expr::And(vec![expr])]);
        }
        let analysis = analyse(&expr);
        assert!(!analysis.exact);
        assert!(analysis.phrases.is_empty());
        // Drop the tree iteratively so the test itself cannot overflow the stack.
        let mut pending = vec![expr];
        while let Some(node) = pending.pop() {
            match node {
                Expr::And(operands) | Expr::Or(operands) => pending.extend(operands),
                Expr::Near { terms, .. } => pending.extend(terms),
                Expr::Not(inner) => pending.push(*inner),
                Expr::Phrase(_) => {}
            }
        }
    }

    // --- reading a keywords cell as an expression -----------------------------

    fn signal(text: &str) -> Option<(String, usize)> {
        expression_signal(text).map(|s| (s.operator, s.column))
    }

    fn sign(operator: &str, column: usize) -> Option<(String, usize)> {
        Some((operator.to_string(), column))
    }

    #[test]
    fn upper_case_operators_between_terms_are_signs() {
        assert_eq!(
            signal("\"next step\" OR \"follow up\" OR \"send over\""),
            sign("OR", 13)
        );
        assert_eq!(signal("budget AND NOT \"no budget\""), sign("AND", 8));
        assert_eq!(signal("security NEAR/5 review"), sign("NEAR/5", 10));
        assert_eq!(signal("budget W/3 approved"), sign("W/3", 8));
        assert_eq!(signal("price && cost"), sign("&&", 7));
        assert_eq!(signal("price||cost"), sign("||", 6));
        assert_eq!(signal("price, AND cost"), None);
    }

    #[test]
    fn not_bang_parentheses_and_proximity_are_signs() {
        assert_eq!(signal("NOT pricing"), sign("NOT", 1));
        assert_eq!(signal("do NOT call"), sign("NOT", 4));
        assert_eq!(signal("!pricing"), sign("!", 1));
        assert_eq!(signal("(security)"), sign("(", 1));
        assert_eq!(signal("Acme (UK), Acme"), sign("(", 6));
        assert_eq!(signal("smile :)"), sign(")", 8));
        assert_eq!(signal("\"budget approved\"~5"), sign("~5", 1));
        assert_eq!(
            expression_signal("a OR b").unwrap().to_string(),
            "\"OR\" at column 3"
        );
    }

    #[test]
    fn lists_of_phrases_are_not_expressions() {
        for text in [
            "",
            "price",
            "price, \"10,000 seats\", cost per seat",
            "either or, not now; too expensive",
            "pros and cons | near term",
            "black or white",
            "And Or Not",
            "\"AND OR NOT\", \"(a) && b, !c\"",
            "AT&T, wow!, a|b, w/o, NEARBY, ! alone",
            "OR, operating room",
            "OR",
            "price AND",
            "NOT",
            "pric*, approv?",
            "\"open, still open",
        ] {
            assert_eq!(signal(text), None, "{text:?}");
        }
    }

    #[test]
    fn tokens_before_an_unreadable_part_still_count() {
        // The unclosed quote is a term: an OR before it is between two terms.
        assert_eq!(signal("\"a\" OR \"b"), sign("OR", 5));
        assert_eq!(signal("NOT \"b"), sign("NOT", 1));
        assert_eq!(signal("a NEAR/x b"), None);
    }

    // --- robustness -------------------------------------------------------------

    struct XorShift(u64);

    impl XorShift {
        fn next(&mut self) -> u64 {
            let mut x = self.0;
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            self.0 = x;
            x
        }

        fn below(&mut self, n: usize) -> usize {
            (self.next() % n as u64) as usize
        }
    }

    #[test]
    fn random_inputs_never_panic_and_errors_point_inside() {
        const ALPHABET: &[&str] = &[
            "a", "price", "Müller", "größe", "pric*", "colo?r", "and", "10,000", "AND", "OR",
            "NOT", "NEAR", "NEAR/3", "NEAR/", "NEAR/x", "W/2", "W/", "(", ")", "\"", "\u{201C}",
            "\u{201D}", "\u{201E}", ",", "&&", "||", "&", "|", "!", "*", "?", "~", "~5", " ", "  ",
            "\t", "'", "é",
        ];
        let mut rng = XorShift(0x9E37_79B9_7F4A_7C15);
        let (mut parsed, mut rejected) = (0, 0);
        for _ in 0..5_000 {
            let length = rng.below(16);
            let mut input = String::new();
            for _ in 0..length {
                let piece = ALPHABET
                    .get(rng.below(ALPHABET.len()))
                    .copied()
                    .unwrap_or("a");
                input.push_str(piece);
                if rng.below(3) > 0 {
                    input.push(' ');
                }
            }
            let chars = input.chars().count();
            match parse(&input) {
                Ok(expr) => {
                    parsed += 1;
                    let mut columns = Vec::new();
                    phrase_columns(&expr, &mut columns);
                    assert!(
                        columns.iter().all(|column| (1..=chars).contains(column)),
                        "{input:?}: phrase columns {columns:?} outside 1..={chars}"
                    );
                    let analysis = analyse(&expr);
                    assert_eq!(analysis.exact, analysis.reasons.is_empty(), "{input:?}");
                    assert!(
                        analysis.phrases.iter().all(|p| !p.text.is_empty()),
                        "{input:?} gave an empty trigger"
                    );
                }
                Err(error) => {
                    rejected += 1;
                    assert!(
                        (1..=chars + 1).contains(&error.column),
                        "{input:?}: column {} outside 1..={}",
                        error.column,
                        chars + 1
                    );
                    assert!(!error.message.is_empty());
                }
            }
        }
        assert!(
            parsed > 500 && rejected > 500,
            "parsed {parsed}, rejected {rejected}"
        );
    }

    fn phrase_columns(expr: &Expr, out: &mut Vec<usize>) {
        match expr {
            Expr::Phrase(phrase) => out.push(phrase.column),
            Expr::And(operands)
            | Expr::Or(operands)
            | Expr::Near {
                terms: operands, ..
            } => {
                operands
                    .iter()
                    .for_each(|operand| phrase_columns(operand, out));
            }
            Expr::Not(inner) => phrase_columns(inner, out),
        }
    }
}
