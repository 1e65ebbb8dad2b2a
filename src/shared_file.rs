//! One open file read by several threads (CLI only): each clone of a
//! `SharedFile` has its own position and a small buffer of its own, and
//! reads with positioned reads (`pread`), so the clones never disturb one
//! another. A zip read through it can be cloned with its listing
//! (`ZipSource` is `Clone` over a `Clone` reader): every thread converting
//! an archive shares one listing and one file handle.

use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom};
use std::sync::Arc;

/// Bytes read ahead of each read: the zip reader asks for many small
/// pieces (headers, names) between its large reads of entry data.
const BUFFER_BYTES: usize = 64 * 1024;

#[derive(Clone)]
pub struct SharedFile {
    file: Arc<File>,
    len: u64,
    position: u64,
    buffer: Vec<u8>,
    /// Where `buffer` starts in the file.
    buffer_start: u64,
}

impl SharedFile {
    pub fn open(file: File) -> io::Result<Self> {
        let len = file.metadata()?.len();
        Ok(SharedFile {
            file: Arc::new(file),
            len,
            position: 0,
            buffer: Vec::new(),
            buffer_start: 0,
        })
    }
}

impl Read for SharedFile {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        let buffered = self.position.checked_sub(self.buffer_start);
        if let Some(at) = buffered.filter(|&at| at < self.buffer.len() as u64) {
            let available = &self.buffer[at as usize..];
            let n = available.len().min(out.len());
            out[..n].copy_from_slice(&available[..n]);
            self.position += n as u64;
            return Ok(n);
        }
        if out.len() >= BUFFER_BYTES {
            // A large read goes straight to the caller.
            let n = crate::positioned::read_at(&self.file, out, self.position)?;
            self.position += n as u64;
            return Ok(n);
        }
        self.buffer.resize(BUFFER_BYTES, 0);
        let mut buffer = std::mem::take(&mut self.buffer);
        let filled = crate::positioned::read_at(&self.file, &mut buffer, self.position);
        self.buffer = buffer;
        let filled = filled.inspect_err(|_| self.buffer.clear())?;
        self.buffer.truncate(filled);
        self.buffer_start = self.position;
        if filled == 0 {
            return Ok(0);
        }
        self.read(out)
    }
}

impl Seek for SharedFile {
    fn seek(&mut self, to: SeekFrom) -> io::Result<u64> {
        self.position = chorus2outdoo::read::seek_position(self.position, self.len, to)?;
        Ok(self.position)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clones_read_the_same_file_at_their_own_positions() {
        let path = std::env::temp_dir().join(format!("shared-file-{}", std::process::id()));
        let bytes: Vec<u8> = (0..200_000u32).map(|n| (n % 251) as u8).collect();
        std::fs::write(&path, &bytes).unwrap();
        let mut first = SharedFile::open(File::open(&path).unwrap()).unwrap();
        std::fs::remove_file(&path).unwrap();
        let mut small = [0u8; 10];
        first.read_exact(&mut small).unwrap();
        assert_eq!(small, bytes[..10]);
        let mut second = first.clone();
        first.seek(SeekFrom::Start(150_000)).unwrap();
        let mut large = vec![0u8; 70_000];
        second.read_exact(&mut large).unwrap();
        assert_eq!(large, bytes[10..70_010]);
        let mut rest = Vec::new();
        first.read_to_end(&mut rest).unwrap();
        assert_eq!(rest, bytes[150_000..]);
        assert_eq!(second.seek(SeekFrom::End(-5)).unwrap(), 199_995);
        assert_eq!(
            second
                .seek(SeekFrom::Current(-199_996))
                .map_err(|e| e.kind()),
            Err(io::ErrorKind::InvalidInput)
        );
        second.seek(SeekFrom::Start(199_998)).unwrap();
        let mut tail = Vec::new();
        second.read_to_end(&mut tail).unwrap();
        assert_eq!(tail, bytes[199_998..]);
    }
}
