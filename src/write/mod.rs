//! Writers: the decided model in, the Outdoo import package out.

pub mod calls;
pub mod entries;
pub mod manifest;
pub mod output;
pub mod package;
pub mod parts;
pub mod report;
pub mod session;
pub mod split;
pub mod zip_stream;
