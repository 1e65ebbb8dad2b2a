//! Chorus "advanced tracker" expressions, on their way to Outdoo triggers.
//! In: an expression string such as `("next steps" OR follow up) AND NOT pric*`.
//! Out: an [`Expr`] tree from [`parse`] (or a [`SyntaxError`] with its column), then an
//! [`Analysis`] from [`analyse`]: the phrases that can become triggers, and what is lost.
//!
//! The text is read as tokens (`lexer`), parsed into the tree (`parser`,
//! `tree`) and analysed (`analysis`).

mod analysis;
mod lexer;
mod parser;
mod tree;

pub use analysis::{analyse, Analysis, TriggerPhrase};
pub use lexer::{expression_signal, ExpressionSignal};
pub use parser::parse;
pub use tree::{Expr, Phrase, SyntaxError};

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
