//! Progress of a conversion in the browser, for the page's progress bar.
//!
//! In: the archive sources (`WatchedSource` wraps each) and a JS callback.
//! Out: `{phase, entries_done, entries_total, bytes_done, bytes_total}`
//! handed to the callback as entries are opened (at most every 100 ms, and
//! at the end of a phase). Bytes are uncompressed entry sizes, the measure
//! the benchmark's MB/s uses. Nothing here changes what is converted.

use crate::read::archive::StoredRange;
use crate::{ArchiveEntry, ArchiveSource, Limits};
use js_sys::Function;
use serde::Serialize;
use std::cell::RefCell;
use std::io::Read;
use std::rc::Rc;
use wasm_bindgen::JsValue;

/// How often, at most, the callback hears of progress within a phase.
const INTERVAL_MS: f64 = 100.0;

#[derive(Debug, Clone, Default, Serialize)]
pub struct Progress {
    /// `read` (the first pass over every entry) or `write` (conversation
    /// documents and recordings read again while the package is written).
    pub phase: &'static str,
    pub entries_done: usize,
    pub entries_total: usize,
    pub bytes_done: u64,
    pub bytes_total: u64,
}

/// Shared by the sources of one conversion.
#[derive(Default)]
pub struct Meter {
    progress: Progress,
    callback: Option<Function>,
    last_sent: f64,
}

pub type SharedMeter = Rc<RefCell<Meter>>;

impl Meter {
    pub fn new(callback: Option<Function>) -> SharedMeter {
        Rc::new(RefCell::new(Meter {
            callback,
            ..Meter::default()
        }))
    }

    /// Starts a phase with its totals; the callback hears of it at once.
    pub fn start(&mut self, phase: &'static str, entries_total: usize, bytes_total: u64) {
        self.progress = Progress {
            phase,
            entries_total,
            bytes_total,
            ..Progress::default()
        };
        self.send();
    }

    /// Ends the phase: the callback hears the final figures (of nothing,
    /// when no phase was started: the first pass read elsewhere).
    pub fn finish(&mut self) {
        if !self.progress.phase.is_empty() {
            self.send();
        }
    }

    /// Counts one entry of `bytes` read (here, or by another worker).
    pub fn counted(&mut self, bytes: u64) {
        self.progress.entries_done += 1;
        self.progress.bytes_done += bytes;
        if js_sys::Date::now() - self.last_sent >= INTERVAL_MS {
            self.send();
        }
    }

    fn send(&mut self) {
        self.last_sent = js_sys::Date::now();
        let Some(callback) = &self.callback else {
            return;
        };
        if let Ok(value) = super::values::to_js(&self.progress) {
            // A callback that throws must not stop the conversion.
            let _ = callback.call1(&JsValue::NULL, &value);
        }
    }
}

/// An archive source that tells its meter of every entry opened.
pub struct WatchedSource<S> {
    pub inner: S,
    meter: SharedMeter,
}

impl<S> WatchedSource<S> {
    pub fn new(inner: S, meter: SharedMeter) -> Self {
        WatchedSource { inner, meter }
    }
}

impl<S: ArchiveSource> ArchiveSource for WatchedSource<S> {
    fn name(&self) -> &str {
        self.inner.name()
    }
    fn bytes(&self) -> u64 {
        self.inner.bytes()
    }
    fn sha256(&self) -> &str {
        self.inner.sha256()
    }
    fn entry_count(&self) -> usize {
        self.inner.entry_count()
    }
    fn entry(&self, index: usize) -> Option<ArchiveEntry> {
        self.inner.entry(index)
    }
    fn open(&mut self, index: usize) -> std::io::Result<Box<dyn Read + '_>> {
        let size = self.inner.entry(index).map_or(0, |e| e.size);
        self.meter.borrow_mut().counted(size);
        self.inner.open(index)
    }
    fn limits(&self) -> Limits {
        self.inner.limits()
    }
    fn stored_range(&mut self, index: usize) -> std::io::Result<Option<StoredRange>> {
        self.inner.stored_range(index)
    }
}
