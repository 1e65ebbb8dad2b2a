//! What a parsed expression becomes as Outdoo triggers: in, an `Expr`
//! tree; out, an `Analysis` with the phrases that can become triggers (a
//! trailing `*` a prefix) and, one sentence each, what is lost (AND, NOT,
//! proximity, wildcards Outdoo cannot express).

use super::tree::{normalize, Expr, Phrase, MAX_DEPTH};
use std::collections::HashSet;

/// [`analyse`] stops descending past this depth; only hand-built trees get that deep.
const MAX_ANALYSIS_DEPTH: usize = 4 * MAX_DEPTH + 8;

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
