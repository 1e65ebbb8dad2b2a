//! Tracker expressions parsed: in, the tokens of an expression; out, its
//! `Expr` tree (OR and commas bind loosest, then AND, the NEAR family,
//! NOT; parentheses group), or the `SyntaxError` of the first problem.

use super::lexer::{Lexer, Token, TokenKind};
use super::tree::{normalize, syntax_error, Expr, Phrase, SyntaxError, MAX_DEPTH};

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
