//! Writers: the decided model in, the Outdoo import package out.

pub mod calls;
pub mod entries;
pub mod package;
pub mod parts;
pub mod report;
pub mod zip_stream;
