//! The one way an error reaches JavaScript: whatever went wrong, as a
//! `Display`, in; a JS `Error` whose message is the one the CLI prints
//! out (`js_error`). A download from Chorus fails with a richer `Error`
//! (`failure`): its `name` and the `blocked` and `command` the page's
//! fallback panel shows.

use serde::Serialize;
use std::fmt::Display;
use wasm_bindgen::{JsError, JsValue};

/// `error` as a JS `Error` carrying its message.
pub fn js_error(error: impl Display) -> JsError {
    JsError::new(&error.to_string())
}

/// What a failed download adds to its `Error`.
#[derive(Serialize)]
struct FailureFields<'a> {
    /// The browser refused the call (CORS, offline): the page offers the command.
    blocked: bool,
    /// The native command that does the same download.
    command: &'a str,
}

/// A JS `Error` with `message`, named `name` when given (the page tells
/// `NativeCommandError` and `IncompleteDownloadError` apart), carrying
/// `blocked` and `command`.
pub fn failure(message: &str, name: Option<&str>, blocked: bool, command: &str) -> JsValue {
    let error = js_sys::Error::new(message);
    if let Some(name) = name {
        error.set_name(name);
    }
    let fields = FailureFields { blocked, command }
        .serialize(&serde_wasm_bindgen::Serializer::json_compatible())
        .map(wasm_bindgen::JsCast::unchecked_into::<js_sys::Object>);
    if let Ok(fields) = fields {
        js_sys::Object::assign(&error, &fields);
    }
    error.into()
}
