//! The schemas of format v1, compiled once: in, a JSON value (or bytes to
//! parse) and the schema's key; out, a problem for each place the value
//! does not match, or for bytes that are not JSON.

use super::verification::Verification;
use serde_json::Value;
use std::collections::BTreeMap;

/// The schema each JSON file of format v1 must match, by path.
const SCHEMAS: [(&str, &str); 8] = [
    (
        "manifest.json",
        include_str!("../../schemas/manifest.schema.json"),
    ),
    (
        "themes.json",
        include_str!("../../schemas/themes.schema.json"),
    ),
    (
        "report.json",
        include_str!("../../schemas/report.schema.json"),
    ),
    (
        "users.json",
        include_str!("../../schemas/users.schema.json"),
    ),
    (
        "fidelity.json",
        include_str!("../../schemas/fidelity.schema.json"),
    ),
    (
        "calls.jsonl",
        include_str!("../../schemas/calls.schema.json"),
    ),
    (
        "transcripts/",
        include_str!("../../schemas/transcript.schema.json"),
    ),
    (
        "parts-index",
        include_str!("../../schemas/parts-index.schema.json"),
    ),
];

/// The compiled schemas, by the key used in `SCHEMAS`, and the problems
/// compiling them (none: they are tested).
pub(super) struct Schemas {
    validators: BTreeMap<&'static str, jsonschema::Validator>,
    pub(super) broken: Vec<String>,
}

impl Schemas {
    /// Compiled once per process, then shared by every verification.
    pub(super) fn get() -> &'static Schemas {
        static SCHEMAS_COMPILED: std::sync::OnceLock<Schemas> = std::sync::OnceLock::new();
        SCHEMAS_COMPILED.get_or_init(Schemas::compile)
    }

    fn compile() -> Schemas {
        let mut schemas = Schemas {
            validators: BTreeMap::new(),
            broken: Vec::new(),
        };
        for (key, text) in SCHEMAS {
            let validator = serde_json::from_str::<Value>(text)
                .map_err(|e| e.to_string())
                .and_then(|schema| jsonschema::validator_for(&schema).map_err(|e| e.to_string()));
            match validator {
                Ok(validator) => {
                    schemas.validators.insert(key, validator);
                }
                Err(e) => schemas
                    .broken
                    .push(format!("the schema for {key} is broken: {e}")),
            }
        }
        schemas
    }

    /// Checks `instance` against the schema for `key`; `what` names it in problems.
    pub(super) fn check(
        &self,
        key: &str,
        instance: &Value,
        what: &str,
        verification: &mut Verification,
    ) {
        let Some(validator) = self.validators.get(key) else {
            return;
        };
        for error in validator.iter_errors(instance).take(20) {
            let at = error.instance_path().to_string();
            let at = if at.is_empty() {
                String::new()
            } else {
                format!(" at {at}")
            };
            verification.problem(
                Some(what),
                format!("does not match its schema{at}: {error}"),
            );
        }
    }
}

pub(super) fn parse_json(
    bytes: &[u8],
    what: &str,
    verification: &mut Verification,
) -> Option<Value> {
    match serde_json::from_slice(bytes) {
        Ok(value) => Some(value),
        Err(e) => {
            verification.problem(Some(what), format!("is not valid JSON: {e}"));
            None
        }
    }
}
