//! A mock Chorus API on 127.0.0.1 for the tests: serves a folder of saved
//! API responses (engagements/page-NNNNN.json, conversations/<id>.json,
//! users/users.json, media/<id>.<ext>) the way Chorus would, with scripted
//! faults (429 with Retry-After, 5xx, 401, 404), an optional repeated last
//! page, and optional CORS headers. It stops when dropped.
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

#[derive(Debug, Clone, Default)]
pub struct MockConfig {
    pub token: String,
    pub data: PathBuf,
    pub faults: Vec<Fault>,
    /// The last page's continuation key points at itself (the key never advances).
    pub repeat_last_page: bool,
    pub cors: bool,
}

pub struct MockChorus {
    pub url: String,
    log: Arc<Mutex<Vec<String>>>,
    state: Arc<Mutex<MockConfig>>,
    stop: Arc<AtomicBool>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl MockChorus {
    pub fn start(config: MockConfig) -> MockChorus {
        Self::start_on(config, 0)
    }

    pub fn start_on(config: MockConfig, port: u16) -> MockChorus {
        let server =
            tiny_http::Server::http(("127.0.0.1", port)).expect("the mock binds to 127.0.0.1");
        let url = format!(
            "http://127.0.0.1:{}",
            server.server_addr().to_ip().expect("an IP address").port()
        );
        let log = Arc::new(Mutex::new(Vec::new()));
        let stop = Arc::new(AtomicBool::new(false));
        let (log2, stop2) = (log.clone(), stop.clone());
        let state = Arc::new(Mutex::new(config));
        let state2 = state.clone();
        let thread = std::thread::spawn(move || {
            while !stop2.load(Ordering::SeqCst) {
                match server.recv_timeout(Duration::from_millis(50)) {
                    Ok(Some(request)) => answer(request, &state2, &log2),
                    Ok(None) => {}
                    Err(_) => return,
                }
            }
        });
        MockChorus {
            url,
            log,
            state,
            stop,
            thread: Some(thread),
        }
    }

    /// Replaces the scripted faults and forgets the requests seen so far.
    pub fn reset(&self, faults: Vec<Fault>) {
        self.state.lock().unwrap().faults = faults;
        self.log.lock().unwrap().clear();
    }

    /// Every request so far as "GET /path?query" (OPTIONS preflights too).
    pub fn requests(&self) -> Vec<String> {
        self.log.lock().unwrap().clone()
    }
}

impl Drop for MockChorus {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        if let Some(thread) = self.thread.take() {
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

fn query_value(query: &str, key: &str) -> Option<String> {
    query.split('&').find_map(|pair| {
        let (k, v) = pair.split_once('=')?;
        (k == key).then(|| v.replace("%20", " "))
    })
}

fn answer(
    request: tiny_http::Request,
    state: &Arc<Mutex<MockConfig>>,
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
    if !path.starts_with("/files/") && !authorized {
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
            let found = std::fs::read_dir(data.join("media")).ok().and_then(|read| {
                read.flatten()
                    .find(|f| f.file_name().to_string_lossy().starts_with(id))
            });
            return match found {
                Some(file) => {
                    let name = file.file_name().to_string_lossy().into_owned();
                    respond(
                        request,
                        302,
                        "text/plain",
                        Vec::new(),
                        vec![header("Location", &format!("/files/{name}"))],
                    )
                }
                None => respond(
                    request,
                    404,
                    "application/json",
                    br#"{"errors": [{"status": "404", "title": "Not Found"}]}"#.to_vec(),
                    vec![],
                ),
            };
        }
        return match std::fs::read(data.join("conversations").join(format!("{rest}.json"))) {
            Ok(body) => respond(request, 200, "application/vnd.api+json", body, vec![]),
            Err(_) => respond(
                request,
                404,
                "application/vnd.api+json",
                br#"{"errors": [{"status": "404", "title": "Not Found", "detail": "conversation not found"}]}"#.to_vec(),
                vec![],
            ),
        };
    }
    if let Some(name) = path.strip_prefix("/files/") {
        if !name.contains('/') && !name.contains("..") {
            if let Ok(body) = std::fs::read(data.join("media").join(name)) {
                let kind = if name.ends_with(".mp4") {
                    "video/mp4"
                } else {
                    "application/octet-stream"
                };
                return respond(request, 200, kind, body, vec![]);
            }
        }
    }
    respond(request, 404, "text/plain", b"not found".to_vec(), vec![])
}
