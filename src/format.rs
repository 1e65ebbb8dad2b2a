//! The import package format's constants, a leaf every stage may use: the
//! name and version every manifest carries, the generator, and how the
//! manifest lists an entry (`FileRecord`). The format itself is described
//! in docs/import-package.md, with a JSON Schema per file in schemas/.

use bitcode::{Decode, Encode};
use serde::Serialize;

/// `manifest.json`'s `format`.
pub const FORMAT_NAME: &str = "outdoo-import-package";
/// `manifest.json`'s `format_version` (see docs/import-package.md, "Versions").
pub const FORMAT_VERSION: u32 = 1;
/// The generator name and version written into every manifest.
pub const GENERATOR: &str = concat!("chorus2outdoo ", env!("CARGO_PKG_VERSION"));

/// One entry as the manifest lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Encode, Decode)]
pub struct FileRecord {
    pub path: String,
    pub bytes: u64,
    pub sha256: String,
}
