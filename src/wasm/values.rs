//! What crosses the boundary, typed. In: an argument, read into the Rust
//! struct it is (`from_js`, serde-wasm-bindgen; `from_js_strict` refuses
//! fields the struct does not name; `named_list` reads a list of `{name,
//! ...}` items, naming the item and field that is wrong). Out: a result
//! as a plain object (`to_js`: JSON-compatible, maps become objects,
//! `None` becomes `null`). A JS object that serde cannot copy (a `Blob`, a
//! `Uint8Array`, a sync access handle) goes through either way unchanged
//! inside a `Js<T>` field, which checks its type when it is read.

use super::error::js_error;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use wasm_bindgen::{JsCast, JsError, JsValue};

/// A JS object passed through serde as it is, read only if it is a `T`
/// (`instanceof`).
#[derive(Deserialize, Serialize)]
#[serde(transparent)]
pub struct Js<T: JsCast>(#[serde(with = "serde_wasm_bindgen::preserve")] pub T);

/// `value` as a plain JS object.
pub fn to_js<T: Serialize + ?Sized>(value: &T) -> Result<JsValue, JsError> {
    value
        .serialize(&serde_wasm_bindgen::Serializer::json_compatible())
        .map_err(|e| js_error(format!("cannot pass the result to the page: {e}")))
}

/// The argument `what` as a `T` (an `Option` is `None` for `undefined` or
/// `null`); an error names the argument.
pub fn from_js<T: DeserializeOwned>(value: JsValue, what: &str) -> Result<T, JsError> {
    serde_wasm_bindgen::from_value(value).map_err(|e| js_error(format!("{what}: {e}")))
}

/// `from_js` for options, where a misspelt field must be refused:
/// serde-wasm-bindgen reads only the fields a struct names, so the value
/// goes through JSON, where `deny_unknown_fields` holds. `undefined` or
/// `null` is the default.
pub fn from_js_strict<T: DeserializeOwned + Default>(
    value: JsValue,
    what: &str,
) -> Result<T, JsError> {
    if value.is_undefined() || value.is_null() {
        return Ok(T::default());
    }
    let json: serde_json::Value = from_js(value, what)?;
    serde_json::from_value(json).map_err(|e| js_error(format!("{what}: {e}")))
}

/// Any `{name}` item, to name the one that is not what its list holds.
#[derive(Deserialize)]
struct Named {
    name: String,
}

/// `value`, the list `list` of `{name, <field>: <expected>}` items, each
/// read as a `T`; `undefined` or `null` is an empty list when `optional`.
/// Refused: `<list> must be an array of {name, <field>}`, or for an item,
/// `<list>[i].name must be a string` or `<list>[i].<field> must be
/// <expected> (<name>)`.
pub fn named_list<T: DeserializeOwned>(
    value: JsValue,
    list: &str,
    (field, expected): (&str, &str),
    optional: bool,
) -> Result<Vec<T>, JsError> {
    if optional && (value.is_undefined() || value.is_null()) {
        return Ok(Vec::new());
    }
    if !js_sys::Array::is_array(&value) {
        return Err(js_error(format!(
            "{list} must be an array of {{name, {field}}}"
        )));
    }
    js_sys::Array::from(&value)
        .iter()
        .enumerate()
        .map(|(index, item)| {
            serde_wasm_bindgen::from_value(item.clone()).map_err(|_| {
                match serde_wasm_bindgen::from_value::<Named>(item) {
                    Ok(Named { name }) => js_error(format!(
                        "{list}[{index}].{field} must be {expected} ({name})"
                    )),
                    Err(_) => js_error(format!("{list}[{index}].name must be a string")),
                }
            })
        })
        .collect()
}
