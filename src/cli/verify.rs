//! `verify`: in, package files, or the index of a package split into
//! parts; out, one line per sound package on stderr, or each package's
//! problems as the failure.

use super::{file_name, Failure};
use std::path::{Path, PathBuf};

// The arguments of `verify`; its help is on its variant of `Command` in main.rs.
#[derive(clap::Args)]
pub struct VerifyArgs {
    #[arg(value_name = "PACKAGE|INDEX", required = true)]
    packages: Vec<PathBuf>,
}

/// The index a part's name says it belongs to (`x-part-002.zip` gives `x-index.json`).
fn index_beside(part: &Path) -> PathBuf {
    let name = file_name(part);
    let stem = name
        .rsplit_once("-part-")
        .map_or(name.as_str(), |(stem, _)| stem);
    part.with_file_name(chorus2outdoo::write::parts::index_name(stem))
}

/// The part number a package's manifest gives it, if it is a part.
fn part_number(path: &Path) -> Option<u64> {
    let file = std::fs::File::open(path).ok()?;
    let mut zip = zip::ZipArchive::new(std::io::BufReader::new(file)).ok()?;
    let manifest: serde_json::Value =
        serde_json::from_reader(zip.by_name("manifest.json").ok()?).ok()?;
    manifest.get("part")?.as_u64()
}

/// Verifies a package, or from its index (a `.json` file) a package split
/// into parts, whose parts lie beside it.
fn verify_path(path: &Path) -> Result<chorus2outdoo::verify::Verification, Failure> {
    let unreadable =
        |e: std::io::Error| Failure(format!("{}: cannot read the package: {e}", path.display()));
    if path
        .extension()
        .is_some_and(|ext| ext.eq_ignore_ascii_case("json"))
    {
        let index = std::fs::read(path).map_err(unreadable)?;
        struct Beside<'a>(&'a Path);
        impl chorus2outdoo::verify::PartFiles for Beside<'_> {
            type Part = std::io::BufReader<std::fs::File>;
            fn open(&mut self, name: &str) -> std::io::Result<Self::Part> {
                std::fs::File::open(self.0.with_file_name(name)).map(std::io::BufReader::new)
            }
        }
        return Ok(chorus2outdoo::verify::verify_parts(
            &file_name(path),
            &index,
            &mut Beside(path),
        ));
    }
    let file = std::fs::File::open(path).map_err(unreadable)?;
    Ok(chorus2outdoo::verify_package(std::io::BufReader::new(file)))
}

/// Verifies each package (or set of parts), saying which are sound.
pub fn run(args: VerifyArgs, say: &dyn Fn(String)) -> Result<(), Failure> {
    let VerifyArgs { packages } = args;
    let mut failures = Vec::new();
    for path in &packages {
        let verification = verify_path(path)?;
        if verification.is_ok() {
            // Several packages: each line names its own.
            let which = if packages.len() > 1 {
                format!("{}: ", path.display())
            } else {
                String::new()
            };
            say(format!(
                "{which}ok: {} entries verified",
                verification.entries
            ));
            if let Some(part) = part_number(path) {
                say(format!(
                    "{}: part {part} of a package split into parts; verify its index ({}) to check the set is complete",
                    path.display(),
                    index_beside(path).display()
                ));
            }
            continue;
        }
        let problems: Vec<String> = verification
            .problems
            .iter()
            .map(|p| p.to_string())
            .collect();
        failures.push(format!(
            "{}: {} problems\n{}",
            path.display(),
            problems.len(),
            problems.join("\n")
        ));
    }
    if failures.is_empty() {
        Ok(())
    } else {
        Err(Failure(failures.join("\n")))
    }
}
