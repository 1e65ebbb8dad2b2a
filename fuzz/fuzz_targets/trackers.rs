//! Any bytes as a tracker export (CSV/text, JSON or XLSX, detected by
//! content): converted and written as a package, or a typed error.
#![no_main]

use chorus2outdoo::{convert, inspect, InputFile, Options};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let file = InputFile {
        name: "trackers".into(),
        bytes: data.to_vec(),
    };
    let _ = inspect(&file);
    if let Ok(conversion) = convert(&[file], &Options::default()) {
        let package = conversion
            .write_package(Vec::new())
            .expect("writing to memory cannot fail");
        let verification = chorus2outdoo::verify_package_bytes(&package);
        assert!(verification.is_ok(), "{:?}", verification.problems);
    }
});
