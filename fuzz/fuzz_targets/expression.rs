//! Any text as an advanced tracker's boolean expression: a tree (then
//! analysed into triggers) or a syntax error with a column inside the text;
//! and whether it reads as an expression at all, with a column inside it.
#![no_main]

use chorus2outdoo::read::expression::{analyse, expression_signal, parse};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|text: &str| {
    if let Some(signal) = expression_signal(text) {
        assert!(signal.column >= 1 && signal.column <= text.chars().count());
    }
    match parse(text) {
        Ok(tree) => {
            let _ = analyse(&tree);
        }
        Err(error) => assert!(error.column >= 1 && error.column <= text.chars().count() + 1),
    }
});
