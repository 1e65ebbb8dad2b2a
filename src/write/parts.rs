//! A package split into parts: the written parts (`WrittenPart`: number,
//! size, SHA-256, calls) and the run's figures in; out the parts' file
//! names and the index (`<package>-index.json`, schemas/parts-index.schema.json)
//! that names every part with its size and checksum, so the set can be
//! checked complete (`verify::verify_parts`). docs/import-package.md,
//! "Parts", is the contract.

use crate::error::{Error, Result};
use crate::model::conversion::{Counts, InputRecord};
use crate::write::entries::to_json_bytes;
use crate::write::output::WrittenPart;
use serde::Serialize;

pub const PARTS_FORMAT: &str = "outdoo-import-package-parts";
pub const PARTS_FORMAT_VERSION: u32 = 1;

/// The smallest part size taken: below it every part would hold one call.
pub const MIN_PART_SIZE: u64 = 64 * 1024;

/// `name` without its `.zip`.
fn stem(package_name: &str) -> &str {
    package_name.strip_suffix(".zip").unwrap_or(package_name)
}

/// Part `number` of the package `package_name` (`outdoo-import.zip` gives
/// `outdoo-import-part-001.zip`).
pub fn part_name(package_name: &str, number: usize) -> String {
    format!("{}-part-{number:03}.zip", stem(package_name))
}

/// The index of the package `package_name`'s parts (`outdoo-import-index.json`).
pub fn index_name(package_name: &str) -> String {
    format!("{}-index.json", stem(package_name))
}

/// One part as the index lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct IndexedPart {
    pub name: String,
    pub bytes: u64,
    pub sha256: String,
    pub calls: usize,
}

#[derive(Serialize)]
struct PartsIndex<'a> {
    format: &'static str,
    format_version: u32,
    generator: &'static str,
    part_size: u64,
    inputs: &'a [InputRecord],
    counts: &'a Counts,
    parts: Vec<IndexedPart>,
}

/// The index's bytes: the run's inputs and counts (what the package
/// written whole would state), and every part, named after `package_name`.
pub fn index_bytes(
    package_name: &str,
    part_size: u64,
    inputs: &[InputRecord],
    counts: &Counts,
    parts: &[WrittenPart],
) -> Result<Vec<u8>> {
    let parts = parts
        .iter()
        .map(|part| {
            Ok(IndexedPart {
                name: part_name(package_name, part.number),
                bytes: part.bytes,
                sha256: part.sha256.clone().ok_or_else(|| {
                    Error::Write(format!(
                        "part {} was written without its checksum",
                        part.number
                    ))
                })?,
                calls: part.calls,
            })
        })
        .collect::<Result<Vec<_>>>()?;
    Ok(to_json_bytes(&PartsIndex {
        format: PARTS_FORMAT,
        format_version: PARTS_FORMAT_VERSION,
        generator: crate::GENERATOR,
        part_size,
        inputs,
        counts,
        parts,
    }))
}

/// Reads a part size: bytes, or a number with `KB`, `MB`, `GB` (powers of
/// 1000) or `KiB`, `MiB`, `GiB` (powers of 1024); `2GB`, `1.5 GiB`.
pub fn parse_part_size(text: &str) -> std::result::Result<u64, String> {
    let text = text.trim();
    let split = text
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let number: f64 = number
        .parse()
        .map_err(|_| format!("{text:?} is not a size (say 2GB, 500MB or a number of bytes)"))?;
    let scale: u64 = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1,
        "kb" | "k" => 1000,
        "mb" | "m" => 1000 * 1000,
        "gb" | "g" => 1000 * 1000 * 1000,
        "kib" => 1 << 10,
        "mib" => 1 << 20,
        "gib" => 1 << 30,
        other => {
            return Err(format!(
                "{other:?} is not a size unit (KB, MB, GB, KiB, MiB, GiB)"
            ))
        }
    };
    let bytes = (number * scale as f64).floor();
    if !bytes.is_finite() || bytes < MIN_PART_SIZE as f64 || bytes > u64::MAX as f64 {
        return Err(format!(
            "a part size of {text} is too small: give at least {} KiB",
            MIN_PART_SIZE / 1024
        ));
    }
    Ok(bytes as u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_sizes() {
        assert_eq!(
            part_name("outdoo-import-2026-12-04.zip", 7),
            "outdoo-import-2026-12-04-part-007.zip"
        );
        assert_eq!(index_name("out/pkg.zip"), "out/pkg-index.json");
        assert_eq!(parse_part_size("2GB"), Ok(2_000_000_000));
        assert_eq!(parse_part_size("1.5 GiB"), Ok(1_610_612_736));
        assert_eq!(parse_part_size("65536"), Ok(65_536));
        assert_eq!(parse_part_size("500mb"), Ok(500_000_000));
        assert_eq!(
            parse_part_size("10KB"),
            Err("a part size of 10KB is too small: give at least 64 KiB".to_string())
        );
        assert_eq!(
            parse_part_size("2 parsecs"),
            Err("\"parsecs\" is not a size unit (KB, MB, GB, KiB, MiB, GiB)".to_string())
        );
        assert_eq!(
            parse_part_size("big"),
            Err("\"big\" is not a size (say 2GB, 500MB or a number of bytes)".to_string())
        );
    }
}
