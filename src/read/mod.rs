//! Readers: Chorus formats in, the neutral model out (`model::TrackerRecord`),
//! lenient about layout and types, and naming the location of every record.

pub mod expression;
pub mod phrases;
pub mod table;
pub mod text;
pub mod trackers;
