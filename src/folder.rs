//! A folder of pre-downloaded Chorus data as an `ArchiveSource` (the zip
//! reader lives in the library; the file system only here, in the CLI).
//! Entries are every file under the folder, named by their path relative to
//! it with `/` separators, in sorted order; symbolic links are not followed.

use chorus2outdoo::{ArchiveEntry, ArchiveSource};
use sha2::{Digest, Sha256};
use std::fs::File;
use std::io::{BufReader, Read};
use std::path::{Path, PathBuf};

#[derive(Clone)]
pub struct FolderSource {
    name: String,
    bytes: u64,
    sha256: String,
    entries: Vec<ArchiveEntry>,
    paths: Vec<PathBuf>,
}

fn walk(root: &Path, dir: &Path, found: &mut Vec<(String, PathBuf, u64)>) -> std::io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        let kind = entry.file_type()?;
        let path = entry.path();
        if kind.is_dir() {
            walk(root, &path, found)?;
        } else if kind.is_file() {
            let relative = path.strip_prefix(root).unwrap_or(&path);
            let name = relative
                .components()
                .map(|c| c.as_os_str().to_string_lossy())
                .collect::<Vec<_>>()
                .join("/");
            found.push((name, path.clone(), entry.metadata()?.len()));
        }
    }
    Ok(())
}

impl FolderSource {
    pub fn open(dir: &Path) -> Result<Self, String> {
        let mut found = Vec::new();
        walk(dir, dir, &mut found)
            .map_err(|e| format!("{}: cannot read the folder: {e}", dir.display()))?;
        found.sort();
        let mut hasher = Sha256::new();
        for (name, _, size) in &found {
            hasher.update(format!("{name}\0{size}\n").as_bytes());
        }
        let name = dir
            .canonicalize()
            .ok()
            .and_then(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()))
            .unwrap_or_else(|| dir.display().to_string());
        Ok(FolderSource {
            name,
            bytes: found.iter().map(|(_, _, size)| size).sum(),
            sha256: chorus2outdoo::digest::hex(&hasher.finalize()),
            entries: found
                .iter()
                .map(|(name, _, size)| ArchiveEntry {
                    name: name.clone(),
                    size: *size,
                    is_dir: false,
                })
                .collect(),
            paths: found.into_iter().map(|(_, path, _)| path).collect(),
        })
    }
}

impl ArchiveSource for FolderSource {
    fn name(&self) -> &str {
        &self.name
    }
    fn bytes(&self) -> u64 {
        self.bytes
    }
    fn sha256(&self) -> &str {
        &self.sha256
    }
    fn entry_count(&self) -> usize {
        self.entries.len()
    }
    fn entry(&self, index: usize) -> Option<ArchiveEntry> {
        self.entries.get(index).cloned()
    }
    fn open(&mut self, index: usize) -> std::io::Result<Box<dyn Read + '_>> {
        let path = self
            .paths
            .get(index)
            .ok_or_else(|| std::io::Error::other("no such entry"))?;
        Ok(Box::new(BufReader::new(File::open(path)?)))
    }
}
