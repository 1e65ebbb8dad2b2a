//! The edits document's text for the page's download. In: an edits
//! document as an object. Out: its canonical text (`EditsDocument::to_bytes`),
//! the bytes `options.edits` is recorded with, so that the file the page
//! downloads (`outdoo-edits.json`) gives `convert --edits` the same
//! package; a malformed document is refused with its place.

use super::error::js_error;
use super::values::from_js;
use crate::model::edits::EDITS_FILE_NAME;
use crate::read::edits::edits_from_value;
use crate::Limits;
use wasm_bindgen::prelude::*;

/// The canonical text of `edits` (an `EditsDocument`), to save as
/// `outdoo-edits.json`.
#[wasm_bindgen(js_name = editsText)]
pub fn edits_text(
    #[wasm_bindgen(unchecked_param_type = "EditsDocument")] edits: JsValue,
) -> Result<String, JsError> {
    let value: serde_json::Value = from_js(edits, "edits")?;
    let document =
        edits_from_value(EDITS_FILE_NAME, &value, &Limits::default()).map_err(js_error)?;
    String::from_utf8(document.to_bytes()).map_err(|e| js_error(e.to_string()))
}
