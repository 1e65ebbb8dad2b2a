//! Writers: the decided model in, the Outdoo import package out.

pub mod calls;
pub mod central;
pub mod entries;
pub mod package;
pub mod parts;
pub mod report;
