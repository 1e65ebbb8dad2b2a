//! Decisions: the neutral model in, what goes into the package out, with every
//! choice (a merge, a drop, a default, an item to review, a skipped call) in
//! the report.

pub mod calls;
pub mod edits;
pub mod fidelity;
pub mod ids;
pub mod language;
pub mod mentions;
pub mod recover;
pub mod replay;
pub mod trackers;
pub mod transcript;
pub mod users;
