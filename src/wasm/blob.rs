//! Browser I/O for big inputs and outputs, without whole-file copies.
//!
//! In: a JS `Blob` (a dropped `File`), read through `Blob.slice` and
//! `FileReaderSync` (Web Workers only) with a read-ahead buffer, as `Read +
//! Seek` for `ZipSource`. Out: the package as finished chunks handed to a JS
//! callback (`ChunkSink`), which assembles the download `Blob`. Wasm memory
//! holds one read-ahead buffer and one chunk, never the archive or the package.

use js_sys::{Function, Uint8Array};
use std::io::{self, Read, Seek, SeekFrom, Write};
use wasm_bindgen::{JsCast, JsValue};

/// The most `BlobReader` reads from the Blob at once (sequential reading).
pub const READ_AHEAD: usize = 2 * 1024 * 1024;
/// What it reads after a jump (opening one zip entry among many): the
/// window doubles from here while the reading stays sequential.
pub const MIN_READ_AHEAD: usize = 64 * 1024;
/// How large the chunks `ChunkSink` hands to JavaScript are.
pub const CHUNK: usize = 1024 * 1024;

fn js_error(what: &str, error: JsValue) -> io::Error {
    let detail = error
        .dyn_ref::<js_sys::Error>()
        .map(|e| String::from(e.message()))
        .or_else(|| error.as_string())
        .unwrap_or_else(|| "unknown error".to_string());
    io::Error::other(format!("{what}: {detail}"))
}

/// `Read + Seek` over a `Blob`. Sequential reads of any size cost one
/// `Blob.slice` per `read_ahead` bytes; after a seek out of the buffer the
/// window starts again at `MIN_READ_AHEAD` and doubles while reading stays
/// sequential, so opening entries in random order does not read megabytes
/// each time. A read larger than the window goes straight into the caller's
/// buffer.
pub struct BlobReader {
    blob: web_sys::Blob,
    reader: web_sys::FileReaderSync,
    size: u64,
    position: u64,
    buffer: Vec<u8>,
    buffer_start: u64,
    read_ahead: usize,
    /// The next fill's size: `MIN_READ_AHEAD..=read_ahead`.
    window: usize,
    /// Where the last slice ended: a read from there is sequential.
    slice_end: Option<u64>,
    slices: u64,
}

impl BlobReader {
    /// Fails outside a Web Worker (`FileReaderSync` exists only there).
    pub fn new(blob: web_sys::Blob) -> Result<Self, String> {
        Self::with_read_ahead(blob, READ_AHEAD)
    }

    pub fn with_read_ahead(blob: web_sys::Blob, read_ahead: usize) -> Result<Self, String> {
        let reader = web_sys::FileReaderSync::new().map_err(|_| {
            "files can only be read in the converter's Web Worker (no FileReaderSync here)"
                .to_string()
        })?;
        let size = blob.size() as u64;
        Ok(BlobReader {
            blob,
            reader,
            size,
            position: 0,
            buffer: Vec::new(),
            buffer_start: 0,
            read_ahead: read_ahead.max(1),
            window: MIN_READ_AHEAD.min(read_ahead.max(1)),
            slice_end: None,
            slices: 0,
        })
    }

    /// The Blob's size in bytes.
    pub fn size(&self) -> u64 {
        self.size
    }

    /// How many times the Blob was sliced and read so far.
    pub fn slices(&self) -> u64 {
        self.slices
    }

    /// Reads `start..end` of the Blob into `out` (exactly `end - start` bytes).
    fn read_range(&mut self, start: u64, end: u64, out: &mut [u8]) -> io::Result<()> {
        let slice = self
            .blob
            .slice_with_f64_and_f64(start as f64, end as f64)
            .map_err(|e| js_error("cannot slice the file", e))?;
        let buffer = self
            .reader
            .read_as_array_buffer(&slice)
            .map_err(|e| js_error("cannot read the file (was it moved or changed?)", e))?;
        let array = Uint8Array::new(&buffer);
        if array.length() as u64 != end - start {
            return Err(io::Error::other("the file changed while it was read"));
        }
        array.copy_to(out);
        self.slices += 1;
        self.slice_end = Some(end);
        Ok(())
    }

    fn buffered(&self) -> Option<&[u8]> {
        let offset = self.position.checked_sub(self.buffer_start)?;
        (offset < self.buffer.len() as u64).then(|| &self.buffer[offset as usize..])
    }
}

impl Read for BlobReader {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        if out.is_empty() || self.position >= self.size {
            return Ok(0);
        }
        if self.buffered().is_none() {
            let left = self.size - self.position;
            // Reading on, or skipping forward less than a window (the next
            // zip entry after the rest of this one), counts as sequential.
            let sequential = self.slice_end.is_some_and(|end| {
                self.position >= end && self.position - end <= self.window as u64
            });
            self.window = if sequential {
                (self.window * 2).min(self.read_ahead)
            } else {
                MIN_READ_AHEAD.min(self.read_ahead)
            };
            if out.len() >= self.window {
                // A large read goes straight through.
                let n = (out.len() as u64).min(left) as usize;
                let start = self.position;
                self.read_range(start, start + n as u64, &mut out[..n])?;
                self.position += n as u64;
                return Ok(n);
            }
            let n = (self.window as u64).min(left) as usize;
            let start = self.position;
            let mut buffer = std::mem::take(&mut self.buffer);
            buffer.resize(n, 0);
            let filled = self.read_range(start, start + n as u64, &mut buffer);
            self.buffer = buffer;
            if let Err(e) = filled {
                self.buffer.clear();
                return Err(e);
            }
            self.buffer_start = start;
        }
        let available = self.buffered().expect("the buffer holds the position");
        let n = available.len().min(out.len());
        out[..n].copy_from_slice(&available[..n]);
        self.position += n as u64;
        Ok(n)
    }
}

impl Seek for BlobReader {
    fn seek(&mut self, to: SeekFrom) -> io::Result<u64> {
        self.position = crate::read::seek_position(self.position, self.size, to)?;
        Ok(self.position)
    }

    fn stream_position(&mut self) -> io::Result<u64> {
        Ok(self.position)
    }
}

/// A `Write` sink that hands the bytes to a JS callback in chunks of at least
/// `chunk` bytes (the last one smaller), each a fresh `Uint8Array` outside
/// wasm memory, with the number of the package part they belong to
/// (`callback(chunk, part)`; 1 for a package written whole). Call `finish`
/// to hand over the rest.
pub struct ChunkSink {
    callback: Function,
    buffer: Vec<u8>,
    chunk: usize,
    part: u32,
    written: u64,
    chunks: u32,
}

impl ChunkSink {
    pub fn new(callback: Function, chunk: usize) -> Self {
        let chunk = chunk.max(1);
        ChunkSink {
            callback,
            buffer: Vec::with_capacity(chunk.min(CHUNK * 2)),
            chunk,
            part: 1,
            written: 0,
            chunks: 0,
        }
    }

    /// The same sink for part `number` of a package split into parts.
    pub fn of_part(mut self, number: usize) -> Self {
        self.part = u32::try_from(number).unwrap_or(u32::MAX);
        self
    }

    fn hand_over(&mut self) -> io::Result<()> {
        if self.buffer.is_empty() {
            return Ok(());
        }
        let bytes = Uint8Array::from(self.buffer.as_slice());
        self.callback
            .call2(&JsValue::NULL, &bytes, &JsValue::from(self.part))
            .map_err(|e| js_error("the page did not take a chunk of the package", e))?;
        self.written += self.buffer.len() as u64;
        self.chunks += 1;
        self.buffer.clear();
        Ok(())
    }

    /// Hands over what is left; returns (bytes, chunks) handed over in all.
    pub fn finish(mut self) -> io::Result<(u64, u32)> {
        self.hand_over()?;
        Ok((self.written, self.chunks))
    }
}

impl Write for ChunkSink {
    fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
        self.buffer.extend_from_slice(bytes);
        if self.buffer.len() >= self.chunk {
            self.hand_over()?;
        }
        Ok(bytes.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        // Chunks stay large: only `finish` hands over a partial one.
        Ok(())
    }
}
