//! What the native and the wasm test crates both use: parts written by
//! the library into memory, and the refusal of a recording's altered
//! bytes.

/// Parts written by the library, each into its own Vec.
#[derive(Default)]
pub struct Parts(pub Vec<Vec<u8>>);

impl chorus2outdoo::write::package::PackageOutput for Parts {
    type Sink = Vec<u8>;
    fn open(&mut self, _: usize) -> chorus2outdoo::Result<Vec<u8>> {
        Ok(Vec::new())
    }
    fn close(
        &mut self,
        _: &chorus2outdoo::write::package::WrittenPart,
        sink: Vec<u8>,
    ) -> chorus2outdoo::Result<()> {
        self.0.push(sink);
        Ok(())
    }
}

/// Asserts that `refused` is the refusal of the recording `entry` of
/// `sample.zip`, whose bytes do not match the archive's CRC-32.
pub fn assert_crc_refused(refused: &str, entry: &str) {
    let prefix = format!(
        "sample.zip entry {entry}: the recording's bytes do not match its CRC-32 (the archive says "
    );
    assert!(
        refused.starts_with(&prefix)
            && refused.ends_with("): the archive is damaged or was changed"),
        "{refused}"
    );
}
