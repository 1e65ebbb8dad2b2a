//! Any bytes as a call archive (a zip): refused with a message, or read
//! entry by entry, converted, and the package written.
#![no_main]

use chorus2outdoo::{convert_with_archives, inspect_archive, ArchiveSource, Options, ZipSource};
use libfuzzer_sys::fuzz_target;
use std::io::Cursor;

fuzz_target!(|data: &[u8]| {
    let Ok(mut source) = ZipSource::new("archive.zip", Cursor::new(data)) else {
        return;
    };
    let _ = inspect_archive(&mut source);
    let mut sources: Vec<&mut dyn ArchiveSource> = vec![&mut source];
    if let Ok(conversion) = convert_with_archives(&[], &mut sources, None, &Options::default()) {
        let _ = conversion.write_package_with(&mut sources, Vec::new());
    }
});
