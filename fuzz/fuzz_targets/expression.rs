//! Any text as an advanced tracker's boolean expression: a tree (then
//! analysed into triggers) or a syntax error with a column inside the text.
#![no_main]

use chorus2outdoo::read::expression::{analyse, parse};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|text: &str| {
    match parse(text) {
        Ok(tree) => {
            let _ = analyse(&tree);
        }
        Err(error) => assert!(error.column >= 1 && error.column <= text.chars().count() + 1),
    }
});
