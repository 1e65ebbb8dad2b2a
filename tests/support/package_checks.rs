//! Parts written by the library into memory (for the native and the wasm
//! test crates alike): each part's bytes, in the order written.

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
