//! Where packed stores (`model::packed`) keep the blocks they move out of
//! memory: in, a store's full blocks of bytes; out, the same bytes read
//! back at their offset. The library touches no file system: the shell
//! that can (the CLI: an unnamed temporary file per store) says once, at
//! start, how a store makes its spill (`spill_with`); without that (the
//! browser, the library's tests) every block stays in memory.

use std::io;
use std::sync::{Arc, OnceLock};

/// Bytes written once, one piece after another, and read back at their
/// offset by the store that wrote them and its clones, from any thread.
pub trait Spill: Send + Sync {
    /// Writes `bytes` after those written before; where they start.
    fn write(&self, bytes: &[u8]) -> io::Result<u64>;
    /// Fills `buffer` with the bytes written from `offset` on.
    fn read_at(&self, offset: u64, buffer: &mut [u8]) -> io::Result<()>;
}

/// Makes an empty spill for one store.
pub type NewSpill = fn() -> io::Result<Arc<dyn Spill>>;

static NEW_SPILL: OnceLock<NewSpill> = OnceLock::new();

/// Says how every store of this process makes its spill, once: false (and
/// nothing changed) when that was said already.
pub fn spill_with(new_spill: NewSpill) -> bool {
    NEW_SPILL.set(new_spill).is_ok()
}

/// How a store makes its spill, if the shell said.
pub(crate) fn registered() -> Option<NewSpill> {
    NEW_SPILL.get().copied()
}
