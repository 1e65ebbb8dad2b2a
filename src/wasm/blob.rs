//! Browser I/O for big inputs and outputs, without whole-file copies.
//!
//! In: a JS `Blob` (a dropped `File`), read through `Blob.slice` and
//! `FileReaderSync` (Web Workers only) with a read-ahead buffer, as `Read +
//! Seek` for `ZipSource`. Out: the package as finished chunks handed to a JS
//! callback (`ChunkSink`), which writes them to disk or keeps copies. Wasm
//! memory holds one read-ahead buffer and one chunk, never the archive or
//! the package.

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

/// A JS exception as an I/O error, `what` failed.
fn io_error(what: &str, error: JsValue) -> io::Error {
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
            .map_err(|e| io_error("cannot slice the file", e))?;
        let buffer = self
            .reader
            .read_as_array_buffer(&slice)
            .map_err(|e| io_error("cannot read the file (was it moved or changed?)", e))?;
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
/// `chunk` bytes (the last one smaller), each a `Uint8Array` view of the
/// sink's buffer in wasm memory, valid only during the call (the callback
/// writes it to disk, or copies what it keeps: a fresh array a chunk would
/// be garbage that the worker holds until its next collection, tens of MB
/// over a large package), with the number of the package part they belong to
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
        // SAFETY: the view lives only during the callback, which runs no
        // wasm code (nothing can grow the memory under it or touch the
        // buffer); a callback that keeps the chunk copies it.
        let bytes = unsafe { Uint8Array::view(&self.buffer) };
        self.callback
            .call2(&JsValue::NULL, &bytes, &JsValue::from(self.part))
            .map_err(|e| io_error("the page did not take a chunk of the package", e))?;
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

#[wasm_bindgen::prelude::wasm_bindgen]
extern "C" {
    /// A `FileSystemSyncAccessHandle` (origin private file system, Web
    /// Workers only): `read(buffer, {at})` and `getSize()`, synchronous.
    #[wasm_bindgen(js_name = FileSystemSyncAccessHandle)]
    #[derive(Clone)]
    pub type SyncAccessHandle;
    #[wasm_bindgen(method, catch)]
    fn read(this: &SyncAccessHandle, buffer: &Uint8Array, options: &ReadAt)
        -> Result<f64, JsValue>;
    /// `{at}`, where a sync access handle's read begins.
    pub type ReadAt;
    #[wasm_bindgen(method, setter)]
    fn set_at(this: &ReadAt, at: f64);
    #[wasm_bindgen(method, catch, js_name = getSize)]
    fn get_size(this: &SyncAccessHandle) -> Result<f64, JsValue>;
}

/// The bytes a `HandleReader` reads at once.
pub const HANDLE_READ_AHEAD: usize = 256 * 1024;

/// `Read + Seek` over a file of the origin private file system through its
/// sync access handle: each fill reads straight into the reader's buffer
/// in wasm memory (a view handed to `read`), so reading a package back
/// leaves no garbage behind in JavaScript, unlike `FileReaderSync`, whose
/// every slice is a fresh `ArrayBuffer`.
pub struct HandleReader {
    handle: SyncAccessHandle,
    /// Where in the file what it reads begins (a part of a package in
    /// parts, written one after another into one file), and its size.
    base: u64,
    size: u64,
    position: u64,
    buffer: Vec<u8>,
    buffer_start: u64,
    buffer_len: usize,
}

impl HandleReader {
    pub fn new(handle: SyncAccessHandle) -> io::Result<Self> {
        let size = Self::file_size(&handle)?;
        Self::within(handle, 0, size)
    }

    /// Reads bytes `start..end` of the file as a file of their own.
    pub fn within(handle: SyncAccessHandle, start: u64, end: u64) -> io::Result<Self> {
        let file = Self::file_size(&handle)?;
        if start > end || end > file {
            return Err(io::Error::other(format!(
                "bytes {start}..{end} are not within the package file ({file} bytes)"
            )));
        }
        Ok(HandleReader {
            handle,
            base: start,
            size: end - start,
            position: 0,
            buffer: vec![0; HANDLE_READ_AHEAD],
            buffer_start: 0,
            buffer_len: 0,
        })
    }

    fn file_size(handle: &SyncAccessHandle) -> io::Result<u64> {
        handle
            .get_size()
            .map(|size| size as u64)
            .map_err(|e| io_error("the package file cannot be read", e))
    }

    /// Reads at `at` into `into` (at most to its end); answers the bytes read.
    fn read_at(&self, into: &mut [u8], at: u64) -> io::Result<usize> {
        let left = self.size.saturating_sub(at);
        let len = left.min(into.len() as u64) as usize;
        let into = &mut into[..len];
        let at = self.base + at;
        let options: ReadAt = js_sys::Object::new().unchecked_into();
        options.set_at(at as f64);
        // SAFETY: the view lives only during `read`, which runs no wasm code
        // (nothing can grow the memory under it) and writes within `into`.
        let view = unsafe { Uint8Array::view_mut_raw(into.as_mut_ptr(), into.len()) };
        let read = self
            .handle
            .read(&view, &options)
            .map_err(|e| io_error("the package file cannot be read", e))?;
        Ok(read as usize)
    }
}

impl Read for HandleReader {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        if self.position >= self.size || out.is_empty() {
            return Ok(0);
        }
        let buffered = self.position >= self.buffer_start
            && self.position < self.buffer_start + self.buffer_len as u64;
        if !buffered {
            if out.len() >= self.buffer.len() {
                let n = self.read_at(out, self.position)?;
                self.position += n as u64;
                return Ok(n);
            }
            let mut buffer = std::mem::take(&mut self.buffer);
            let n = self.read_at(&mut buffer, self.position);
            self.buffer = buffer;
            self.buffer_start = self.position;
            self.buffer_len = n?;
            if self.buffer_len == 0 {
                return Ok(0);
            }
        }
        let from = (self.position - self.buffer_start) as usize;
        let n = out.len().min(self.buffer_len - from);
        out[..n].copy_from_slice(&self.buffer[from..from + n]);
        self.position += n as u64;
        Ok(n)
    }
}

impl Seek for HandleReader {
    fn seek(&mut self, to: SeekFrom) -> io::Result<u64> {
        self.position = crate::read::seek_position(self.position, self.size, to)?;
        Ok(self.position)
    }

    fn stream_position(&mut self) -> io::Result<u64> {
        Ok(self.position)
    }
}

/// A package read back for its check: from a `Blob`, or from its file's
/// sync access handle (`HandleReader`), whichever JavaScript passed.
pub enum PackageReader {
    Blob(BlobReader),
    Handle(HandleReader),
}

impl PackageReader {
    /// A `FileSystemSyncAccessHandle` or a `Blob`.
    pub fn new(package: &JsValue) -> Result<Self, String> {
        if let Some(handle) = package.dyn_ref::<SyncAccessHandle>() {
            return HandleReader::new(handle.clone())
                .map(PackageReader::Handle)
                .map_err(|e| e.to_string());
        }
        let blob = package
            .dyn_ref::<web_sys::Blob>()
            .ok_or_else(|| "the package must be a Blob or a sync access handle".to_string())?;
        BlobReader::new(blob.clone()).map(PackageReader::Blob)
    }
}

impl Read for PackageReader {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        match self {
            PackageReader::Blob(r) => r.read(out),
            PackageReader::Handle(r) => r.read(out),
        }
    }
}

impl Seek for PackageReader {
    fn seek(&mut self, to: SeekFrom) -> io::Result<u64> {
        match self {
            PackageReader::Blob(r) => r.seek(to),
            PackageReader::Handle(r) => r.seek(to),
        }
    }
}
