//! Any bytes as an edits document (the page's `outdoo-edits.json`): refused
//! with an error that names the file, or read into edits whose canonical
//! text reads back as the same edits and is its own canonical text.
#![no_main]

use chorus2outdoo::read::edits::read_edits;
use chorus2outdoo::Limits;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|bytes: &[u8]| {
    let limits = Limits::default();
    match read_edits("edits.json", bytes, &limits) {
        Ok(document) => {
            let text = document.to_bytes();
            let again = read_edits("edits.json", &text, &limits)
                .expect("the canonical text of edits read is read too");
            assert_eq!(again, document);
            assert_eq!(again.to_bytes(), text);
        }
        Err(error) => assert!(error.to_string().contains("edits.json"), "{error}"),
    }
});
