//! Readers: Chorus formats in, the neutral model out (`model::TrackerRecord`;
//! for call archives the records in `model::calls`), lenient about layout and
//! types, and naming the location of every record.

pub mod archive;
pub mod chorus;
pub mod expression;
pub mod lenient;
pub mod phrases;
pub mod table;
pub mod text;
pub mod trackers;
pub mod users;
