//! The browser binding: the library's `inspect` and `convert` for JavaScript.
//!
//! In: file names and bytes (`Uint8Array`), options as a plain object. Out:
//! plain JS objects (serde-wasm-bindgen, JSON-compatible: maps become objects,
//! `None` becomes `null`) and the package as a `Blob`. Errors become JS
//! `Error`s carrying the same message the CLI prints. No conversion logic
//! lives here: everything below the boundary is covered by native tests.

use crate::{InputFile, Options};
use js_sys::{Array, Object, Reflect, Uint8Array};
use serde::Serialize;
use wasm_bindgen::prelude::*;

/// Runs once when the module is instantiated: panics are logged to the
/// console with their message and location instead of a bare `unreachable`.
#[wasm_bindgen(start)]
pub fn start() {
    console_error_panic_hook::set_once();
}

/// The library version, so the page can show what it runs.
#[wasm_bindgen]
pub fn version() -> String {
    crate::GENERATOR.to_string()
}

fn to_js<T: Serialize + ?Sized>(value: &T) -> Result<JsValue, JsError> {
    value
        .serialize(&serde_wasm_bindgen::Serializer::json_compatible())
        .map_err(|e| JsError::new(&format!("cannot pass the result to the page: {e}")))
}

fn set(target: &Object, key: &str, value: &JsValue) -> Result<(), JsError> {
    Reflect::set(target, &JsValue::from_str(key), value)
        .map(|_| ())
        .map_err(|_| JsError::new(&format!("cannot set {key} on the result")))
}

/// Reads `[{name, bytes: Uint8Array}]` into input files.
fn input_files(files: &JsValue) -> Result<Vec<InputFile>, JsError> {
    if !Array::is_array(files) {
        return Err(JsError::new("files must be an array of {name, bytes}"));
    }
    Array::from(files)
        .iter()
        .enumerate()
        .map(|(index, file)| {
            let name = Reflect::get(&file, &JsValue::from_str("name"))
                .ok()
                .and_then(|n| n.as_string())
                .ok_or_else(|| JsError::new(&format!("files[{index}].name must be a string")))?;
            let bytes = Reflect::get(&file, &JsValue::from_str("bytes"))
                .ok()
                .filter(|b| b.is_instance_of::<Uint8Array>())
                .ok_or_else(|| {
                    JsError::new(&format!(
                        "files[{index}].bytes must be a Uint8Array ({name})"
                    ))
                })?;
            Ok(InputFile {
                name,
                bytes: Uint8Array::from(bytes).to_vec(),
            })
        })
        .collect()
}

/// Options from a plain object; `undefined` or `null` means the defaults.
fn options(options: &JsValue) -> Result<Options, JsError> {
    if options.is_undefined() || options.is_null() {
        return Ok(Options::default());
    }
    // Through a JSON value: serde-wasm-bindgen reads only the fields a struct
    // names, so a misspelt option would pass silently; serde_json rejects it.
    let value: serde_json::Value = serde_wasm_bindgen::from_value(options.clone())
        .map_err(|e| JsError::new(&format!("options: {e}")))?;
    serde_json::from_value(value).map_err(|e| JsError::new(&format!("options: {e}")))
}

/// `outdoo-import-YYYY-MM-DD.zip`, with today's date in the browser's time zone.
fn package_name() -> String {
    let now = js_sys::Date::new_0();
    format!(
        "outdoo-import-{:04}-{:02}-{:02}.zip",
        now.get_full_year(),
        now.get_month() + 1,
        now.get_date()
    )
}

/// What one file was detected as and what it holds:
/// `{name, kind, kind_label, trackers, phrases, problems, error}`.
#[wasm_bindgen]
pub fn inspect(name: String, bytes: &[u8]) -> Result<JsValue, JsError> {
    let summary = crate::inspect(&InputFile {
        name,
        bytes: bytes.to_vec(),
    });
    to_js(&summary)
}

/// Converts `files` (`[{name, bytes: Uint8Array}]`) with `options`
/// (`{default_language}`; missing fields take their defaults) into
/// `{preview, package: Blob, package_name}`. Throws an `Error` whose message
/// names the file and record that stopped the conversion.
#[wasm_bindgen]
pub fn convert(files: JsValue, options: JsValue) -> Result<JsValue, JsError> {
    let files = input_files(&files)?;
    let options = self::options(&options)?;
    let conversion = crate::convert(&files, &options).map_err(|e| JsError::new(&e.to_string()))?;
    let bytes = conversion
        .write_package(Vec::new())
        .map_err(|e| JsError::new(&e.to_string()))?;

    let parts = Array::of1(&Uint8Array::from(bytes.as_slice()));
    let properties = web_sys::BlobPropertyBag::new();
    properties.set_type("application/zip");
    let package = web_sys::Blob::new_with_u8_array_sequence_and_options(&parts, &properties)
        .map_err(|_| JsError::new("cannot create the package Blob"))?;

    let result = Object::new();
    set(&result, "preview", &to_js(&conversion.preview())?)?;
    set(&result, "package", &package)?;
    set(&result, "package_name", &JsValue::from_str(&package_name()))?;
    Ok(result.into())
}
