//! Decisions: the neutral model in, what goes into the package out, with every
//! choice (a merge, a drop, a default, an item to review) in the report.

pub mod language;
pub mod trackers;
