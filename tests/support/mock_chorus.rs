//! A mock Chorus API on 127.0.0.1 for the tests: serves a folder of saved
//! API responses (engagements/page-NNNNN.json, conversations/<id>.json,
//! users/users.json, media/<id>.<ext>) the way Chorus would, with scripted
//! faults (429 with Retry-After, 5xx, 401, 404), an optional repeated last
//! page, and optional CORS headers. It stops when dropped.
//!
//! Ids are compared exactly, as a real server may: a conversation or a
//! recording asked for in another case than its file's name is not found.
//!
//! Recordings: `/api/v1/conversations/{id}/media` answers a 302 to a signed
//! link on a second server (the storage host, another origin), or JSON
//! with that link (`?info=true` always, plain `/media` too when so
//! configured). The storage host refuses any request carrying the token or
//! cookies (and counts it). With a `MockSession`, `/media` is only for the
//! migration user's session (the token gets a 403): its cookie and `_xsrf`
//! cookie, the `X-Xsrftoken` header equal to the latter; the session expires
//! after a set number of recordings, after which `/media` redirects to an
//! HTML login page.
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

#[derive(Debug, Clone)]
pub struct Fault {
    /// Applies to requests whose path contains this.
    pub path_contains: String,
    pub status: u16,
    pub retry_after: Option<String>,
    /// How many matching requests get the fault before it stops.
    pub times: usize,
}

/// What a plain `/media` answers (`?info=true` always answers the link JSON).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum MediaAnswer {
    /// A 302 to the signed link.
    #[default]
    Redirect,
    /// JSON holding the signed link.
    Link,
}

/// The migration user's logged-in session, the only way to recordings.
#[derive(Debug, Clone)]
pub struct MockSession {
    /// The session cookie, `name=value`.
    pub cookie: String,
    /// The `_xsrf` cookie's value.
    pub xsrf: String,
    /// Recordings it is good for before it expires.
    pub expire_after: Option<usize>,
}

#[derive(Debug, Clone, Default)]
pub struct MockConfig {
    pub token: String,
    pub data: PathBuf,
    pub faults: Vec<Fault>,
    /// The last page's continuation key points at itself (the key never advances).
    pub repeat_last_page: bool,
    pub cors: bool,
    pub media_answer: MediaAnswer,
    /// Recordings only for this session (none: for the token).
    pub session: Option<MockSession>,
}

/// What the two servers share besides the configuration.
#[derive(Debug, Default)]
struct Shared {
    storage_url: String,
    /// Recordings served with the current session.
    session_uses: usize,
    /// Requests to the storage host that carried credentials.
    leaks: usize,
}

pub struct MockChorus {
    pub url: String,
    /// The storage host's address (another origin than `url`).
    pub storage_url: String,
    log: Arc<Mutex<Vec<String>>>,
    state: Arc<Mutex<MockConfig>>,
    shared: Arc<Mutex<Shared>>,
    stop: Arc<AtomicBool>,
    threads: Vec<std::thread::JoinHandle<()>>,
}

impl MockChorus {
    pub fn start(config: MockConfig) -> MockChorus {
        Self::start_on(config, 0)
    }

    pub fn start_on(config: MockConfig, port: u16) -> MockChorus {
        let bind = |port: u16| {
            let server =
                tiny_http::Server::http(("127.0.0.1", port)).expect("the mock binds to 127.0.0.1");
            let url = format!(
                "http://127.0.0.1:{}",
                server.server_addr().to_ip().expect("an IP address").port()
            );
            (server, url)
        };
        let (server, url) = bind(port);
        let (storage, storage_url) = bind(0);
        let log = Arc::new(Mutex::new(Vec::new()));
        let stop = Arc::new(AtomicBool::new(false));
        let state = Arc::new(Mutex::new(config));
        let shared = Arc::new(Mutex::new(Shared {
            storage_url: storage_url.clone(),
            ..Shared::default()
        }));
        let serve = |server: tiny_http::Server, is_storage: bool| {
            let (log, stop, state, shared) =
                (log.clone(), stop.clone(), state.clone(), shared.clone());
            std::thread::spawn(move || {
                while !stop.load(Ordering::SeqCst) {
                    match server.recv_timeout(Duration::from_millis(50)) {
                        Ok(Some(request)) if is_storage => {
                            answer_storage(request, &state, &shared, &log)
                        }
                        Ok(Some(request)) => answer(request, &state, &shared, &log),
                        Ok(None) => {}
                        Err(_) => return,
                    }
                }
            })
        };
        let threads = vec![serve(server, false), serve(storage, true)];
        MockChorus {
            url,
            storage_url,
            log,
            state,
            shared,
            stop,
            threads,
        }
    }

    /// Replaces the scripted faults and forgets the requests seen so far.
    pub fn reset(&self, faults: Vec<Fault>) {
        self.state.lock().unwrap().faults = faults;
        self.log.lock().unwrap().clear();
    }

    /// A new login of the migration user: the old session no longer works.
    pub fn renew_session(&self, session: MockSession) {
        self.state.lock().unwrap().session = Some(session);
        self.shared.lock().unwrap().session_uses = 0;
    }

    /// Every request so far as "GET /path?query" (OPTIONS preflights too);
    /// the storage host's end in " @storage".
    pub fn requests(&self) -> Vec<String> {
        self.log.lock().unwrap().clone()
    }

    /// Requests to the storage host that carried the token or cookies.
    pub fn storage_leaks(&self) -> usize {
        self.shared.lock().unwrap().leaks
    }
}

impl Drop for MockChorus {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        for thread in self.threads.drain(..) {
            let _ = thread.join();
        }
    }
}

fn header(name: &str, value: &str) -> tiny_http::Header {
    tiny_http::Header::from_bytes(name.as_bytes(), value.as_bytes()).expect("valid header")
}

fn pages(data: &Path) -> Vec<Vec<u8>> {
    let mut names: BTreeMap<String, PathBuf> = BTreeMap::new();
    if let Ok(read) = std::fs::read_dir(data.join("engagements")) {
        for item in read.flatten() {
            names.insert(item.file_name().to_string_lossy().into_owned(), item.path());
        }
    }
    names.values().map(|p| std::fs::read(p).unwrap()).collect()
}

/// The file in `folder` whose name without its extension is exactly `stem`.
fn exact_file(folder: &Path, stem: &str) -> Option<(String, PathBuf)> {
    std::fs::read_dir(folder).ok()?.flatten().find_map(|item| {
        let name = item.file_name().to_string_lossy().into_owned();
        let (head, _) = name.rsplit_once('.')?;
        (head == stem).then(|| (name.clone(), item.path()))
    })
}

/// The signature of a storage link (the storage host checks it).
pub fn signature(name: &str) -> String {
    format!(
        "{:x}",
        name.bytes()
            .fold(7u32, |h, b| h.wrapping_mul(31).wrapping_add(b as u32))
    )
}

fn request_header<'a>(request: &'a tiny_http::Request, name: &str) -> Option<&'a str> {
    request
        .headers()
        .iter()
        .find(|h| h.field.to_string().eq_ignore_ascii_case(name))
        .map(|h| h.value.as_str())
}

/// Whether a request carries the migration user's session: its cookie,
/// its `_xsrf` cookie and the same value in `X-Xsrftoken`.
fn has_session(request: &tiny_http::Request, session: &MockSession) -> bool {
    let cookies: Vec<&str> = request_header(request, "Cookie")
        .unwrap_or("")
        .split(';')
        .map(str::trim)
        .collect();
    let xsrf_cookie = format!("_xsrf={}", session.xsrf);
    cookies.contains(&session.cookie.as_str())
        && cookies.contains(&xsrf_cookie.as_str())
        && request_header(request, "X-Xsrftoken") == Some(session.xsrf.as_str())
}

fn query_value(query: &str, key: &str) -> Option<String> {
    query.split('&').find_map(|pair| {
        let (k, v) = pair.split_once('=')?;
        (k == key).then(|| v.replace("%20", " "))
    })
}

fn media_type(name: &str) -> &'static str {
    match name.rsplit_once('.').map(|(_, e)| e) {
        Some("mp4") => "video/mp4",
        Some("m4a") => "audio/mp4",
        Some("mp3") => "audio/mpeg",
        _ => "application/octet-stream",
    }
}

/// The storage host: `/files/<name>?sig=<signature>`, never with credentials.
fn answer_storage(
    request: tiny_http::Request,
    state: &Arc<Mutex<MockConfig>>,
    shared: &Arc<Mutex<Shared>>,
    log: &Arc<Mutex<Vec<String>>>,
) {
    let url = request.url().to_string();
    log.lock()
        .unwrap()
        .push(format!("{} {url} @storage", request.method()));
    let data = state.lock().unwrap().data.clone();
    let respond = |request: tiny_http::Request, status: u16, kind: &str, body: Vec<u8>| {
        let response = tiny_http::Response::from_data(body)
            .with_status_code(status)
            .with_header(header("Content-Type", kind));
        let _ = request.respond(response);
    };
    let leaked = ["Authorization", "Cookie", "X-Xsrftoken"]
        .iter()
        .any(|name| request_header(&request, name).is_some());
    if leaked {
        shared.lock().unwrap().leaks += 1;
        return respond(
            request,
            403,
            "application/xml",
            b"<Error><Code>CredentialsSentToStorage</Code></Error>".to_vec(),
        );
    }
    let (path, query) = url.split_once('?').unwrap_or((&url, ""));
    if let Some(name) = path.strip_prefix("/files/") {
        if !name.contains('/') && query_value(query, "sig") == Some(signature(name)) {
            if let Ok(body) = std::fs::read(data.join("media").join(name)) {
                return respond(request, 200, media_type(name), body);
            }
        }
    }
    respond(
        request,
        403,
        "application/xml",
        b"<Error><Code>AccessDenied</Code></Error>".to_vec(),
    )
}

fn answer(
    request: tiny_http::Request,
    state: &Arc<Mutex<MockConfig>>,
    shared: &Arc<Mutex<Shared>>,
    log: &Arc<Mutex<Vec<String>>>,
) {
    let method = request.method().to_string();
    let url = request.url().to_string();
    log.lock().unwrap().push(format!("{method} {url}"));
    let mut config = state.lock().unwrap();
    let cors = config.cors;
    let respond = |request: tiny_http::Request,
                   status: u16,
                   content_type: &str,
                   body: Vec<u8>,
                   extra: Vec<tiny_http::Header>| {
        let mut response = tiny_http::Response::from_data(body).with_status_code(status);
        response.add_header(header("Content-Type", content_type));
        if cors {
            response.add_header(header("Access-Control-Allow-Origin", "*"));
            response.add_header(header(
                "Access-Control-Allow-Headers",
                "Authorization, Accept",
            ));
            response.add_header(header(
                "Access-Control-Expose-Headers",
                "Retry-After, Content-Type",
            ));
        }
        for h in extra {
            response.add_header(h);
        }
        let _ = request.respond(response);
    };
    if method == "OPTIONS" {
        return respond(
            request,
            if cors { 204 } else { 405 },
            "text/plain",
            Vec::new(),
            vec![],
        );
    }
    let authorized = request
        .headers()
        .iter()
        .any(|h| h.field.equiv("Authorization") && h.value.as_str() == config.token);
    let (path, query) = url.split_once('?').unwrap_or((&url, ""));
    let path = path.to_string();
    let query = query.to_string();
    if let Some(fault) = config
        .faults
        .iter_mut()
        .find(|f| f.times > 0 && path.contains(&f.path_contains))
    {
        fault.times -= 1;
        let extra = fault
            .retry_after
            .iter()
            .map(|v| header("Retry-After", v))
            .collect();
        let status = fault.status;
        drop(config);
        let body = format!(
            "{{\"errors\": [{{\"status\": \"{status}\", \"title\": \"scripted fault\"}}]}}"
        );
        return respond(
            request,
            status,
            "application/json",
            body.into_bytes(),
            extra,
        );
    }
    if path == "/login" {
        drop(config);
        return respond(
            request,
            200,
            "text/html; charset=utf-8",
            b"<!DOCTYPE html><html><head><title>Log in to Chorus</title></head><body><form>Email, password</form></body></html>".to_vec(),
            vec![],
        );
    }
    if let (Some(id), Some(session)) = (
        path.strip_prefix("/api/v1/conversations/")
            .and_then(|rest| rest.strip_suffix("/media")),
        config.session.clone(),
    ) {
        // Recordings only for the migration user's session.
        let media_answer = config.media_answer;
        let data = config.data.clone();
        drop(config);
        if !has_session(&request, &session) {
            return respond(
                request,
                403,
                "application/json",
                br#"{"errors": [{"status": "403", "title": "Forbidden", "detail": "a logged-in user is required"}]}"#.to_vec(),
                vec![],
            );
        }
        let mut shared = shared.lock().unwrap();
        if session
            .expire_after
            .is_some_and(|n| shared.session_uses >= n)
        {
            drop(shared);
            return respond(
                request,
                302,
                "text/plain",
                Vec::new(),
                vec![header("Location", &format!("/login?next={path}"))],
            );
        }
        let storage_url = shared.storage_url.clone();
        let found = exact_file(&data.join("media"), id);
        if found.is_some() {
            shared.session_uses += 1;
        }
        drop(shared);
        return media(request, respond, found, &storage_url, media_answer, &query);
    }
    if !authorized {
        drop(config);
        return respond(
            request,
            401,
            "application/json",
            br#"{"errors": [{"status": "401", "title": "Unauthorized"}]}"#.to_vec(),
            vec![],
        );
    }
    let data = config.data.clone();
    let repeat = config.repeat_last_page;
    drop(config);
    if path == "/v3/engagements" {
        let pages = pages(&data);
        let index = match query_value(&query, "continuation_key") {
            None => 0,
            Some(key) => key
                .trim_start_matches('k')
                .parse::<usize>()
                .map(|n| n - 1)
                .unwrap_or(usize::MAX),
        };
        let Some(page) = pages.get(index.min(pages.len().saturating_sub(1))) else {
            return respond(
                request,
                400,
                "application/json",
                br#"{"errors": [{"title": "bad key"}]}"#.to_vec(),
                vec![],
            );
        };
        let mut body = page.clone();
        if repeat && index + 1 >= pages.len() {
            // The last page points at itself: the key never advances.
            let mut doc: serde_json::Value = serde_json::from_slice(page).unwrap();
            doc["continuation_key"] = serde_json::Value::String(format!("k{}", pages.len()));
            body = serde_json::to_vec(&doc).unwrap();
        }
        return respond(request, 200, "application/json", body, vec![]);
    }
    if path == "/v3/users" {
        let body = std::fs::read(data.join("users/users.json")).unwrap_or_else(|_| b"[]".to_vec());
        return respond(request, 200, "application/json", body, vec![]);
    }
    if let Some(rest) = path.strip_prefix("/api/v1/conversations/") {
        if let Some(id) = rest.strip_suffix("/media") {
            let found = exact_file(&data.join("media"), id);
            let storage_url = shared.lock().unwrap().storage_url.clone();
            let media_answer = state.lock().unwrap().media_answer;
            return media(request, respond, found, &storage_url, media_answer, &query);
        }
        return match exact_file(&data.join("conversations"), rest) {
            Some((name, file)) if name.ends_with(".json") => respond(
                request,
                200,
                "application/vnd.api+json",
                std::fs::read(file).unwrap(),
                vec![],
            ),
            _ => respond(
                request,
                404,
                "application/vnd.api+json",
                br#"{"errors": [{"status": "404", "title": "Not Found", "detail": "conversation not found"}]}"#.to_vec(),
                vec![],
            ),
        };
    }
    respond(request, 404, "text/plain", b"not found".to_vec(), vec![])
}

/// A recording's answer: a redirect to its signed link, or JSON with it.
fn media(
    request: tiny_http::Request,
    respond: impl Fn(tiny_http::Request, u16, &str, Vec<u8>, Vec<tiny_http::Header>),
    found: Option<(String, PathBuf)>,
    storage_url: &str,
    media_answer: MediaAnswer,
    query: &str,
) {
    let Some((name, _)) = found else {
        return respond(
            request,
            404,
            "application/json",
            br#"{"errors": [{"status": "404", "title": "Not Found"}]}"#.to_vec(),
            vec![],
        );
    };
    let link = format!("{storage_url}/files/{name}?sig={}", signature(&name));
    if query_value(query, "info").as_deref() == Some("true") || media_answer == MediaAnswer::Link {
        let id = name.rsplit_once('.').map(|(id, _)| id).unwrap_or(&name);
        let body = serde_json::json!({
            "id": id,
            "type": if media_type(&name).starts_with("video/") { "video" } else { "audio" },
            "content_type": media_type(&name),
            "download_url": link,
            "expires_in": 600,
        });
        return respond(
            request,
            200,
            "application/json",
            serde_json::to_vec(&body).unwrap(),
            vec![],
        );
    }
    respond(
        request,
        302,
        "text/plain",
        Vec::new(),
        vec![header("Location", &link)],
    )
}
