//! The download from the Chorus API in the browser. In: the API's address,
//! a token and the scope. Out: the archive as a zip in memory, as
//! `chorus2outdoo fetch` writes it. The browser transport drives
//! `fetch::Fetcher` with the global `fetch` (a page or a Web Worker: no
//! `window` is assumed) and collects the archive entries in memory. The token goes only into the `Authorization` header of
//! requests to the configured base URL; it is never stored or logged.
//!
//! Recordings are not downloaded here: Chorus gives them only to a
//! logged-in user, and a page cannot send that user's session cookie to
//! another site; the native command can (the error carries it).

use super::error::failure;
use super::values::{from_js_strict, to_js, Js};
use crate::fetch::{
    Credentials, Event, FetchError, FetchScope, Fetcher, MissingCall, Next, Progress, Request,
    Response,
};
use js_sys::{Function, Promise, Reflect, Uint8Array};
use serde::Serialize;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;

/// The message for a `fetch` the browser rejected before any answer.
pub const BLOCKED: &str = "blocked by the browser (CORS) or network unreachable";

/// What a finished download holds.
pub struct Download {
    /// Archive entries in the order they arrived.
    pub entries: Vec<(String, Vec<u8>)>,
    /// Calls that could not be downloaded: (engagement id, what, message).
    pub missing: Vec<(String, &'static str, String)>,
    pub progress: Progress,
}

/// Why a download stopped: the message, and whether the browser itself
/// blocked the API (so the page offers the native command).
pub struct Failure {
    pub message: String,
    pub blocked: bool,
    /// The JS error's name for a failure the page tells apart:
    /// `NativeCommandError` (recordings: the command does them) or
    /// `IncompleteDownloadError`.
    pub name: Option<&'static str>,
}

fn global_function(name: &str) -> Result<Function, Failure> {
    Reflect::get(&js_sys::global(), &JsValue::from_str(name))
        .ok()
        .and_then(|f| f.dyn_into::<Function>().ok())
        .ok_or_else(|| Failure {
            message: format!("this browser has no {name}()"),
            blocked: false,
            name: None,
        })
}

fn now_ms() -> u64 {
    js_sys::Date::now() as u64
}

async fn sleep(ms: u64) -> Result<(), Failure> {
    let set_timeout = global_function("setTimeout")?;
    let promise = Promise::new(&mut |resolve, _| {
        let _ = set_timeout.call2(&JsValue::NULL, &resolve, &JsValue::from_f64(ms as f64));
    });
    let _ = JsFuture::from(promise).await;
    Ok(())
}

/// Sends one request; `Err` is the browser's rejection (CORS, offline).
async fn send(fetch: &Function, token: &str, request: &Request) -> Result<Response, String> {
    let headers = web_sys::Headers::new().map_err(|_| "cannot build headers".to_string())?;
    match request.credentials {
        Credentials::Token => headers
            .set("Authorization", token)
            .map_err(|_| "the token is not a valid header value".to_string())?,
        Credentials::Session => {
            return Err("a browser page cannot send the migration user's session".to_string())
        }
        Credentials::None => {}
    }
    headers
        .set("Accept", request.accept)
        .map_err(|_| "bad Accept header".to_string())?;
    let init = web_sys::RequestInit::new();
    init.set_method("GET");
    init.set_headers(&headers);
    init.set_mode(web_sys::RequestMode::Cors);
    init.set_credentials(web_sys::RequestCredentials::Omit);
    init.set_referrer_policy(web_sys::ReferrerPolicy::NoReferrer);
    let promise = fetch
        .call2(&JsValue::NULL, &JsValue::from_str(&request.url), &init)
        .map_err(|_| BLOCKED.to_string())?
        .dyn_into::<Promise>()
        .map_err(|_| BLOCKED.to_string())?;
    let answer: web_sys::Response = JsFuture::from(promise)
        .await
        .map_err(|_| BLOCKED.to_string())?
        .unchecked_into();
    let header = |name: &str| answer.headers().get(name).ok().flatten();
    let retry_after = header("retry-after");
    let content_type = header("content-type");
    let location = header("location");
    let buffer = answer
        .array_buffer()
        .map_err(|_| "the response body could not be read".to_string())?;
    let buffer = JsFuture::from(buffer)
        .await
        .map_err(|_| "the connection dropped".to_string())?;
    Ok(Response {
        status: answer.status(),
        retry_after,
        content_type,
        location,
        body: Uint8Array::new(&buffer).to_vec(),
    })
}

/// What the page says when recordings are asked for.
pub const RECORDINGS_NEED_NATIVE: &str = "Recordings download only through the migration user's Chorus session, which a browser page cannot send to Chorus. Run this command on your computer instead";

/// Downloads the archive. `on_progress` is called with a progress object
/// after every answer. A download that lost most of what was asked for
/// fails unless `accept_partial`.
pub async fn download(
    base_url: &str,
    token: &str,
    scope: FetchScope,
    accept_partial: bool,
    on_progress: Option<Function>,
) -> Result<Download, Failure> {
    let fail = |e: FetchError| Failure {
        message: e.to_string(),
        blocked: false,
        name: None,
    };
    if scope.media {
        return Err(Failure {
            message: format!("{RECORDINGS_NEED_NATIVE}:"),
            blocked: false,
            name: Some("NativeCommandError"),
        });
    }
    let mut fetcher = Fetcher::new(base_url, scope).map_err(fail)?;
    let fetch = global_function("fetch")?;
    let mut download = Download {
        entries: Vec::new(),
        missing: Vec::new(),
        progress: Progress::default(),
    };
    let mut answered = false;
    loop {
        match fetcher.next(now_ms()) {
            Next::Send(request) => {
                // The page runs one request at a time: the browser and the
                // API see a steady, gentle stream.
                let response = send(&fetch, token, &request).await;
                if let Err(message) = &response {
                    if !answered && message == BLOCKED {
                        return Err(Failure {
                            message: format!("{}: {BLOCKED}", fetcher.base_url()),
                            blocked: true,
                            name: None,
                        });
                    }
                }
                answered |= response.is_ok();
                for event in fetcher.handle(&request, response, now_ms()) {
                    match event {
                        Event::Save { entry, bytes } => download.entries.push((entry, bytes)),
                        Event::Missing { id, what, message } => {
                            download.missing.push((id, what, message))
                        }
                        Event::Retry { .. } => {}
                    }
                }
                if let Some(callback) = &on_progress {
                    if let Ok(progress) = to_js(fetcher.progress()) {
                        let _ = callback.call1(&JsValue::NULL, &progress);
                    }
                }
            }
            Next::Wait { until_ms } => {
                let wait = until_ms
                    .map(|t| t.saturating_sub(now_ms()))
                    .unwrap_or(50)
                    .max(1);
                sleep(wait).await?;
            }
            Next::Done => break,
        }
    }
    if let Some(error) = fetcher.failure() {
        return Err(fail(error.clone()));
    }
    if let Some(incomplete) = fetcher.incomplete() {
        if !accept_partial {
            let text = incomplete.to_string();
            return Err(Failure {
                message: format!(
                    "{}{}. Nothing was added: check that the token's user may see these calls, or tick \"Accept an incomplete download\" and download again to convert what came.",
                    text[..1].to_uppercase(),
                    &text[1..]
                ),
                blocked: false,
                name: Some("IncompleteDownloadError"),
            });
        }
    }
    download.progress = fetcher.progress().clone();
    Ok(download)
}

/// What `fetchArchive` answers.
#[derive(Serialize)]
struct Fetched {
    /// A zip that converts like a dropped archive.
    archive: Js<Uint8Array>,
    missing: Vec<MissingCall>,
    progress: Progress,
}

/// Downloads from the Chorus API and returns
/// `{archive: Uint8Array (a zip that converts like a dropped archive), missing: [{engagement_id, what, message}], progress}`.
/// A failure throws an `Error` with `blocked` (the browser refused the call)
/// and `command` (the native command that does the same download). A
/// download that lost most of the conversations throws too, unless
/// `acceptPartial`; recordings (`scope.media`) always throw, with the command.
#[wasm_bindgen(js_name = fetchArchive, unchecked_return_type = "Fetched")]
pub async fn fetch_archive(
    #[wasm_bindgen(js_name = baseUrl)] base_url: String,
    token: String,
    #[wasm_bindgen(unchecked_param_type = "FetchScope | null | undefined")] scope: JsValue,
    #[wasm_bindgen(js_name = acceptPartial)] accept_partial: bool,
    #[wasm_bindgen(js_name = onProgress, unchecked_param_type = "((progress: FetchProgress) => void) | null")]
    on_progress: Option<Function>,
) -> Result<JsValue, JsValue> {
    let scope: FetchScope = from_js_strict(scope, "scope")?;
    let command = crate::fetch::native_command(&base_url, &scope);
    let download = download(
        &base_url,
        token.trim(),
        scope.clone(),
        accept_partial,
        on_progress,
    )
    .await
    .map_err(|f| failure(&f.message, f.name, f.blocked, &command))?;
    let missing: Vec<MissingCall> = download
        .missing
        .into_iter()
        .map(|(engagement_id, what, message)| MissingCall {
            engagement_id,
            what,
            message,
        })
        .collect();
    let mut entries = download.entries;
    entries.push((
        crate::fetch::REPORT_ENTRY.to_string(),
        crate::fetch::fetch_report(&missing),
    ));
    entries.sort_by(|a, b| a.0.cmp(&b.0));
    let zip = crate::fetch::write_archive(
        std::io::Cursor::new(Vec::new()),
        entries
            .into_iter()
            .map(|(n, b)| (n, std::io::Cursor::new(b))),
    )
    .map_err(|e| {
        failure(
            &format!("cannot assemble the archive: {e}"),
            None,
            false,
            &command,
        )
    })?
    .into_inner();
    to_js(&Fetched {
        archive: Js(Uint8Array::from(zip.as_slice())),
        missing,
        progress: download.progress,
    })
    .map_err(JsValue::from)
}
