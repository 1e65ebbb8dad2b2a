//! Property tests: any bytes given to the tracker readers, and any text given
//! to the expression parser, end in a result or a typed error, never a panic.

use chorus2outdoo::read::expression::{analyse, parse};
use chorus2outdoo::{convert, inspect, InputFile, Options};
use proptest::prelude::*;

fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(format!(
        "{}/tests/fixtures/{name}",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap()
}

fn convert_bytes(bytes: Vec<u8>) {
    let file = InputFile {
        name: "fuzz".into(),
        bytes,
    };
    let _ = inspect(&file);
    if let Ok(conversion) = convert(&[file], &Options::default()) {
        conversion
            .write_package(Vec::new())
            .expect("writing to memory cannot fail");
    }
}

/// A fixture with a few bytes overwritten, inserted or cut.
fn mutated(base: Vec<u8>) -> impl Strategy<Value = Vec<u8>> {
    let len = base.len().max(1);
    prop::collection::vec((0..len, any::<u8>(), 0u8..3), 1..8).prop_map(move |edits| {
        let mut bytes = base.clone();
        for (at, byte, how) in edits {
            let at = at.min(bytes.len());
            match how {
                0 if at < bytes.len() => bytes[at] = byte,
                1 => bytes.insert(at, byte),
                _ => bytes.truncate(at.max(1)),
            }
        }
        bytes
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn random_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..512)) {
        convert_bytes(bytes);
    }

    #[test]
    fn csv_like_text_never_panics(text in "[a-zA-Z ,;\t|\"\r\n*()]{0,200}") {
        convert_bytes(format!("Name,Keywords,Category,Expression\n{text}").into_bytes());
    }

    #[test]
    fn mutated_csv_never_panics(bytes in mutated(fixture("trackers_normalisation.csv"))) {
        convert_bytes(bytes);
    }

    #[test]
    fn mutated_utf16_never_panics(bytes in mutated(fixture("trackers_tab_utf16le_bom.txt"))) {
        convert_bytes(bytes);
    }

    #[test]
    fn mutated_json_never_panics(bytes in mutated(fixture("trackers_array.json"))) {
        convert_bytes(bytes);
    }

    #[test]
    fn mutated_xlsx_never_panics(bytes in mutated(fixture("trackers_workbook_named_sheet.xlsx"))) {
        convert_bytes(bytes);
    }

    #[test]
    fn expressions_never_panic(text in "[a-z \"()*?!&|,~/0-9]{0,80}|(AND|OR|NOT|NEAR/3|W/2|\\(|\\)|\"a b\"|x|y\\*| )*") {
        match parse(&text) {
            Ok(tree) => { let _ = analyse(&tree); }
            Err(error) => prop_assert!(error.column >= 1 && error.column <= text.chars().count() + 1, "{error}"),
        }
    }
}
