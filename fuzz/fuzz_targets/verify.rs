//! Any bytes as an import package to verify: a list of problems, never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = chorus2outdoo::verify_package_bytes(data);
});
