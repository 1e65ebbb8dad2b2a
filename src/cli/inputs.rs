//! The CLI's inputs opened from disk: in, a path; out, a call archive (a
//! zip read as needed, or a folder) or a file read whole within the
//! limits (a tracker export, a roster).

use super::{file_name, Failure};
use crate::folder;
use crate::shared_file::SharedFile;
use chorus2outdoo::{ArchiveSource, InputFile, ZipSource};
use std::path::Path;

/// A call archive as the CLI opens it: a zip, read from disk as needed
/// (never loaded whole), or a folder. Clones share the zip's open file and
/// listing: one per worker thread.
#[derive(Clone)]
pub(super) enum Archive {
    Zip(ZipSource<SharedFile>),
    Folder(folder::FolderSource),
}

impl Archive {
    pub(super) fn open(path: &Path) -> Result<Archive, Failure> {
        if path.is_dir() {
            return Ok(Archive::Folder(
                folder::FolderSource::open(path).map_err(Failure)?,
            ));
        }
        let file = std::fs::File::open(path)
            .and_then(SharedFile::open)
            .map_err(|e| Failure(format!("{}: cannot read the archive: {e}", path.display())))?;
        Ok(Archive::Zip(ZipSource::new(file_name(path), file)?))
    }

    pub(super) fn source(&mut self) -> &mut dyn ArchiveSource {
        match self {
            Archive::Zip(zip) => zip,
            Archive::Folder(folder) => folder,
        }
    }

    pub(super) fn boxed(self) -> Box<dyn ArchiveSource + Send> {
        match self {
            Archive::Zip(zip) => Box::new(zip),
            Archive::Folder(folder) => Box::new(folder),
        }
    }
}

/// A tracker export or roster, read whole within the limits.
pub(super) fn load(path: &Path) -> Result<InputFile, Failure> {
    let file = std::fs::File::open(path)
        .map_err(|e| Failure(format!("{}: cannot read the file: {e}", path.display())))?;
    let limits = chorus2outdoo::Limits::default();
    if let Ok(metadata) = file.metadata() {
        InputFile::check_size(&file_name(path), metadata.len(), &limits)?;
    }
    Ok(InputFile::read(file_name(path), file, &limits)?)
}
