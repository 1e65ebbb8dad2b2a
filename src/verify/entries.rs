//! A package's entries read one at a time: in, the zip and an entry's
//! index; out, its name, size and SHA-256 (recordings hashed as they
//! stream, never held), the manifest's bytes, and each other document
//! checked alone (`document`), its bytes dropped once read.

use super::document::{check_document, check_transcript, CheckedDocument};
use super::schemas::Schemas;
use super::verification::Verification;
use crate::digest::hex;
use crate::limits::Limits;
use sha2::{Digest, Sha256};
use std::io::{Read, Seek};

/// One entry as read back: name, size and SHA-256 of the uncompressed
/// bytes, the manifest's bytes, and for the other documents what the
/// checks across files need of them (not their bytes: `calls.jsonl` and
/// `report.json` of a big archive run to tens of megabytes).
pub(super) struct ReadEntry {
    pub(super) name: String,
    pub(super) bytes: u64,
    pub(super) sha256: String,
    pub(super) content: Option<Vec<u8>>,
    pub(super) document: Option<CheckedDocument>,
}

impl ReadEntry {
    /// An entry with nothing kept of its content.
    pub(super) fn new(name: String, bytes: u64, sha256: String) -> Self {
        ReadEntry {
            name,
            bytes,
            sha256,
            content: None,
            document: None,
        }
    }
}

/// The buffers reused from entry to entry while reading a package: the
/// content of a document, and a block for recordings.
pub(super) struct Scratch {
    content: Vec<u8>,
    block: Vec<u8>,
}

impl Scratch {
    pub(super) fn new() -> Self {
        Scratch {
            content: Vec::new(),
            block: vec![0u8; 64 * 1024],
        }
    }
}

/// Entries whose content is checked beyond its checksum (and so kept).
fn is_document(name: &str) -> bool {
    !name.starts_with("media/")
}

/// Reads entry `index`: its name, size and SHA-256, and for a document its
/// bytes into `content` (cleared first; reused from entry to entry, so
/// thousands of transcripts do not each cost fresh memory). `buffer` is the
/// reused block for recordings, which are hashed and not kept.
fn read_entry(
    archive: &mut zip::ZipArchive<impl Read + Seek>,
    index: usize,
    limits: &Limits,
    content: &mut Vec<u8>,
    buffer: &mut [u8],
) -> Result<ReadEntry, (String, String)> {
    let mut entry = archive.by_index(index).map_err(|e| {
        (
            format!("entry {}", index + 1),
            format!("cannot be read: {e}"),
        )
    })?;
    let name = String::from_utf8_lossy(entry.name_raw()).into_owned();
    let keep = is_document(&name);
    if keep && entry.size() > limits.max_json_entry_bytes {
        return Err((
            name,
            format!(
                "declares {} bytes; documents over {} bytes are not read",
                entry.size(),
                limits.max_json_entry_bytes
            ),
        ));
    }
    let mut hasher = Sha256::new();
    content.clear();
    let bytes = if keep {
        content.reserve(entry.size() as usize);
        (&mut entry)
            .take(limits.max_json_entry_bytes + 1)
            .read_to_end(content)
            .map_err(|e| (name.clone(), format!("cannot be read: {e}")))?;
        hasher.update(&content[..]);
        content.len() as u64
    } else {
        let mut bytes = 0u64;
        loop {
            let n = match entry.read(buffer) {
                Ok(0) => break,
                Ok(n) => n,
                Err(e) => return Err((name, format!("cannot be read: {e}"))),
            };
            hasher.update(&buffer[..n]);
            bytes += n as u64;
        }
        bytes
    };
    Ok(ReadEntry::new(name, bytes, hex(&hasher.finalize())))
}

/// Reads entry `index` and checks what can be checked of it alone.
/// Transcripts are checked against their schema as they are read and not
/// kept (a package may hold thousands); the manifest keeps its content, the
/// other documents what the checks across files need (`check_document`).
/// An entry that cannot be read is a problem, and keeps its name (with no
/// checksum) so the manifest comparison does not also call it missing.
pub(super) fn read_and_check(
    archive: &mut zip::ZipArchive<impl Read + Seek>,
    index: usize,
    limits: &Limits,
    scratch: &mut Scratch,
    schemas: &Schemas,
    verification: &mut Verification,
) -> ReadEntry {
    let content = &mut scratch.content;
    match read_entry(archive, index, limits, content, &mut scratch.block) {
        Ok(entry) if entry.name.starts_with("transcripts/") => {
            check_transcript(&entry.name, content, schemas, verification);
            entry
        }
        Ok(mut entry) => {
            if entry.name == "manifest.json" {
                entry.content = Some(std::mem::take(content));
            } else if is_document(&entry.name) {
                entry.document = check_document(&entry.name, content, schemas);
            }
            entry
        }
        Err((name, message)) => {
            verification.problem(Some(&name), message);
            ReadEntry::new(name, 0, String::new())
        }
    }
}

/// The indices of a package's transcript entries, in zip order.
pub(super) fn transcript_indices<R: Read + Seek>(archive: &zip::ZipArchive<R>) -> Vec<usize> {
    archive
        .file_names_raw()
        .enumerate()
        .filter(|(_, name)| name.starts_with(b"transcripts/"))
        .map(|(index, _)| index)
        .collect()
}
