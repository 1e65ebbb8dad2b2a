//! Digests, a leaf every stage may use: bytes in, their SHA-256 as
//! lower-case hex out (`sha256_hex`), or bytes passed through a writer that
//! counts and hashes them on the way (`HashingWriter`).

use sha2::{Digest, Sha256};
use std::io::Write;

/// The SHA-256 of `bytes`, as lower-case hex.
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex(&Sha256::digest(bytes))
}

/// Bytes (a digest) as lower-case hex.
pub fn hex(bytes: &[u8]) -> String {
    hex::encode(bytes)
}

/// Passes bytes on to `inner`, counting them and, unless made by
/// `counting`, hashing them.
pub struct HashingWriter<W: Write> {
    inner: W,
    hasher: Option<Sha256>,
    bytes: u64,
}

impl<W: Write> HashingWriter<W> {
    pub fn new(inner: W) -> Self {
        HashingWriter {
            inner,
            hasher: Some(Sha256::new()),
            bytes: 0,
        }
    }

    /// Counts without hashing.
    pub fn counting(inner: W) -> Self {
        HashingWriter {
            inner,
            hasher: None,
            bytes: 0,
        }
    }

    /// The writer, the bytes passed on and their SHA-256 (hex) if hashed.
    pub fn finish(self) -> (W, u64, Option<String>) {
        let digest = self.hasher.map(|hasher| hex(&hasher.finalize()));
        (self.inner, self.bytes, digest)
    }
}

impl<W: Write> Write for HashingWriter<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = self.inner.write(buf)?;
        if let Some(hasher) = self.hasher.as_mut() {
            hasher.update(&buf[..n]);
        }
        self.bytes += n as u64;
        Ok(n)
    }
    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digests_in_hex() {
        assert_eq!(
            sha256_hex(b"abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        let mut writer = HashingWriter::new(Vec::new());
        writer.write_all(b"ab").unwrap();
        writer.write_all(b"c").unwrap();
        let (bytes, count, digest) = writer.finish();
        assert_eq!((bytes, count), (b"abc".to_vec(), 3));
        assert_eq!(digest.as_deref(), Some(sha256_hex(b"abc").as_str()));
        let mut counting = HashingWriter::counting(std::io::sink());
        counting.write_all(b"abcd").unwrap();
        assert_eq!(counting.finish().1, 4);
    }
}
