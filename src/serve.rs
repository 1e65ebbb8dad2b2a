//! `chorus2outdoo serve`: a static file server for the web page (www/).
//!
//! In: a folder, a port and the Chorus API origin the page may call. Out: its
//! files over HTTP on 127.0.0.1 only, with the right MIME types
//! (`application/wasm` for the module), no way out of the folder,
//! `/config.json` telling the page that Chorus origin, and on every response
//! the Content-Security-Policy that keeps the page from talking to anything
//! but its own origin and that Chorus origin.

use std::io::{ErrorKind, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use tiny_http::{HTTPVersion, Header, Method, Request, Response, Server, StatusCode};

/// The Chorus API origin the page may call unless told otherwise.
pub const DEFAULT_CHORUS_ORIGIN: &str = "https://chorus.ai";

/// The page's policy: its own scripts and the wasm module, no inline code, no
/// connections except to its own origin and `chorus_origin` (the Chorus API,
/// for the page's download form). Only a header: a `<meta>` in index.html
/// could not know the configured origin.
pub fn content_security_policy(chorus_origin: &str) -> String {
    format!(
        "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; worker-src 'self'; connect-src 'self' {chorus_origin}; \
img-src 'self' blob: data:; style-src 'self'; object-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
    )
}

/// `scheme://host[:port]` from a URL naming only an origin (a trailing `/`
/// is fine; a path, query, user or anything a policy could misread is not),
/// lower-cased.
pub fn chorus_origin(url: &str) -> Result<String, String> {
    let bad = || {
        format!("--chorus-origin {url:?}: give an origin such as https://chorus.ai (http or https, a host, an optional port, no path)")
    };
    let url = url.trim();
    let (scheme, rest) = url.split_once("://").ok_or_else(bad)?;
    let scheme = scheme.to_ascii_lowercase();
    if scheme != "https" && scheme != "http" {
        return Err(bad());
    }
    let host_port = rest.strip_suffix('/').unwrap_or(rest);
    let (host, port) = match host_port.rsplit_once(':') {
        Some((host, port)) if !host.ends_with(']') || host.starts_with('[') => (host, Some(port)),
        _ => (host_port, None),
    };
    let host_ok = !host.is_empty()
        && host
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '[' | ']' | ':'))
        && !host.starts_with('.');
    let port_ok =
        port.is_none_or(|p| !p.is_empty() && p.len() <= 5 && p.bytes().all(|b| b.is_ascii_digit()));
    if !host_ok || !port_ok {
        return Err(bad());
    }
    Ok(format!("{scheme}://{}", host_port.to_ascii_lowercase()))
}

/// What every response carries and `/config.json` tells the page.
struct Config {
    policy: String,
    config_json: String,
}

/// How many requests are answered at once.
const WORKERS: usize = 4;

/// The MIME type for a file name, by extension.
pub fn content_type(path: &Path) -> &'static str {
    let extension = path
        .extension()
        .and_then(|e| e.to_str())
        .unwrap_or("")
        .to_ascii_lowercase();
    match extension.as_str() {
        "html" | "htm" => "text/html; charset=utf-8",
        "js" | "mjs" => "text/javascript; charset=utf-8",
        "wasm" => "application/wasm",
        "css" => "text/css; charset=utf-8",
        "json" | "map" => "application/json",
        "png" => "image/png",
        "svg" => "image/svg+xml",
        "ico" => "image/x-icon",
        "txt" | "md" => "text/plain; charset=utf-8",
        "csv" => "text/csv; charset=utf-8",
        "zip" => "application/zip",
        _ => "application/octet-stream",
    }
}

/// The file a request URL names, relative to the served folder; `None` when
/// the path could leave the folder or is not a plain path (`..`, `.`, hidden
/// names, empty segments, backslashes, drive letters, NUL, percent escapes).
/// `/` and folder paths ending in `/` mean their `index.html`.
pub fn relative_path(url: &str) -> Option<PathBuf> {
    let path = url.split(['?', '#']).next().unwrap_or("");
    let path = path.strip_prefix('/')?;
    let mut relative = PathBuf::new();
    let mut segments: Vec<&str> = path.split('/').collect();
    if segments.last() == Some(&"") {
        segments.pop();
        segments.push("index.html");
    }
    for segment in segments {
        let plain = !segment.is_empty()
            && !segment.starts_with('.')
            && !segment
                .chars()
                .any(|c| matches!(c, '\\' | ':' | '%' | '\0') || c.is_control());
        if !plain {
            return None;
        }
        relative.push(segment);
    }
    Some(relative)
}

fn header(name: &str, value: &str) -> Header {
    Header::from_bytes(name.as_bytes(), value.as_bytes()).expect("static header is valid")
}

/// Answers `request` and ends its connection: the answer is an HTTP/1.0
/// one, so the browser opens a connection per request instead of keeping
/// them open. tiny_http 0.12 runs each connection on a thread of a pool
/// that adds a thread only when none is idle; a burst of new connections
/// (a page loading a dozen modules at once) can queue one behind
/// kept-alive connections that never end, and its request is never
/// answered. Connections that end free their threads at once.
fn respond<R: std::io::Read>(
    config: &Config,
    request: Request,
    response: Response<R>,
    content_type: &str,
) {
    let response = response
        .with_header(header("Content-Type", content_type))
        .with_header(header("Content-Security-Policy", &config.policy))
        .with_header(header("X-Content-Type-Options", "nosniff"))
        .with_header(header("Cache-Control", "no-store"))
        .with_header(header("Referrer-Policy", "no-referrer"))
        .with_header(header("Cross-Origin-Opener-Policy", "same-origin"));
    let head_only = request.method() == &Method::Head;
    let headers = request.headers().to_vec();
    let mut writer = request.into_writer();
    // A client that went away is not the server's problem.
    let _ = response
        .raw_print(&mut writer, HTTPVersion(1, 0), &headers, head_only, None)
        .and_then(|()| writer.flush());
}

fn respond_text(config: &Config, request: Request, status: u16, text: &str) {
    let response = Response::from_string(text).with_status_code(StatusCode(status));
    respond(config, request, response, "text/plain; charset=utf-8");
}

fn handle(root: &Path, config: &Config, request: Request) {
    let respond_text = |request, status, text| respond_text(config, request, status, text);
    if !matches!(request.method(), Method::Get | Method::Head) {
        return respond_text(request, 405, "405 method not allowed\n");
    }
    if request.url().split(['?', '#']).next() == Some("/config.json") {
        let response = Response::from_string(config.config_json.clone());
        return respond(config, request, response, "application/json");
    }
    let Some(relative) = relative_path(request.url()) else {
        return respond_text(request, 400, "400 bad path\n");
    };
    let path = root.join(&relative);
    // Symbolic links must not lead out of the folder either.
    let inside = path
        .canonicalize()
        .map(|p| p.starts_with(root) && p.is_file())
        .unwrap_or(false);
    if !inside {
        return respond_text(request, 404, "404 not found\n");
    }
    match std::fs::File::open(&path) {
        Ok(file) => respond(
            config,
            request,
            Response::from_file(file),
            content_type(&path),
        ),
        Err(e) if e.kind() == ErrorKind::NotFound => respond_text(request, 404, "404 not found\n"),
        Err(_) => respond_text(request, 500, "500 cannot read the file\n"),
    }
}

/// Serves `dir` on 127.0.0.1:`port` until the process is stopped; the page
/// may call the Chorus API at `chorus_origin`.
pub fn serve(dir: &Path, port: u16, chorus_origin: &str) -> Result<(), String> {
    let chorus_origin = self::chorus_origin(chorus_origin)?;
    let config = Arc::new(Config {
        policy: content_security_policy(&chorus_origin),
        config_json: serde_json::json!({ "chorus_origin": chorus_origin }).to_string(),
    });
    let root = dir
        .canonicalize()
        .map_err(|e| format!("{}: cannot serve this folder: {e}", dir.display()))?;
    if !root.join("index.html").is_file() {
        return Err(format!("{}: no index.html in this folder", dir.display()));
    }
    if !root.join("pkg").is_dir() {
        eprintln!(
            "warning: {} has no pkg/ folder; build the module first with `make wasm`",
            dir.display()
        );
    }
    let server = Server::http(("127.0.0.1", port))
        .map_err(|e| format!("cannot listen on 127.0.0.1:{port}: {e}"))?;
    let port = server
        .server_addr()
        .to_ip()
        .map(|a| a.port())
        .unwrap_or(port);
    eprintln!("serving {} on http://127.0.0.1:{port} (the page may call the Chorus API at {chorus_origin})", dir.display());

    let server = Arc::new(server);
    let root = Arc::new(root);
    let workers: Vec<_> = (0..WORKERS)
        .map(|_| {
            let server = Arc::clone(&server);
            let root = Arc::clone(&root);
            let config = Arc::clone(&config);
            std::thread::spawn(move || {
                for request in server.incoming_requests() {
                    handle(&root, &config, request);
                }
            })
        })
        .collect();
    for worker in workers {
        worker
            .join()
            .map_err(|_| "a server thread stopped unexpectedly".to_string())?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_stay_inside_the_folder() {
        assert_eq!(relative_path("/"), Some(PathBuf::from("index.html")));
        assert_eq!(relative_path("/?x=1"), Some(PathBuf::from("index.html")));
        assert_eq!(relative_path("/app.js"), Some(PathBuf::from("app.js")));
        assert_eq!(
            relative_path("/pkg/chorus2outdoo_bg.wasm#x"),
            Some(PathBuf::from("pkg/chorus2outdoo_bg.wasm"))
        );
        assert_eq!(
            relative_path("/pkg/"),
            Some(PathBuf::from("pkg/index.html"))
        );
        for bad in [
            "",
            "app.js",
            "/../Cargo.toml",
            "/pkg/../../etc/passwd",
            "/./index.html",
            "//etc/passwd",
            "/pkg//x.js",
            "/..\\Cargo.toml",
            "/pkg\\x.js",
            "/%2e%2e/Cargo.toml",
            "/C:/Windows",
            "/.git/config",
            "/a\0b",
        ] {
            assert_eq!(relative_path(bad), None, "{bad:?} must be rejected");
        }
    }

    #[test]
    fn mime_types_by_extension() {
        assert_eq!(
            content_type(Path::new("pkg/chorus2outdoo_bg.wasm")),
            "application/wasm"
        );
        assert_eq!(
            content_type(Path::new("app.js")),
            "text/javascript; charset=utf-8"
        );
        assert_eq!(
            content_type(Path::new("x.MJS")),
            "text/javascript; charset=utf-8"
        );
        assert_eq!(
            content_type(Path::new("index.html")),
            "text/html; charset=utf-8"
        );
        assert_eq!(
            content_type(Path::new("style.css")),
            "text/css; charset=utf-8"
        );
        assert_eq!(content_type(Path::new("a.json")), "application/json");
        assert_eq!(content_type(Path::new("a.png")), "image/png");
        assert_eq!(content_type(Path::new("a.svg")), "image/svg+xml");
        assert_eq!(
            content_type(Path::new("README")),
            "application/octet-stream"
        );
    }

    #[test]
    fn policy_allows_only_the_own_origin_and_chorus() {
        let policy = content_security_policy(DEFAULT_CHORUS_ORIGIN);
        assert_eq!(
            policy,
            "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; worker-src 'self'; connect-src 'self' https://chorus.ai; \
img-src 'self' blob: data:; style-src 'self'; object-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
        );
        assert!(!policy.contains("unsafe-inline"));
        // No <meta> policy in index.html: it could not name the configured origin,
        // and a stricter one would block the download form.
        let html = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/www/index.html"))
            .unwrap();
        assert!(!html.contains("http-equiv=\"Content-Security-Policy\""));
    }

    #[test]
    fn chorus_origins_are_plain_origins() {
        assert_eq!(
            chorus_origin("https://chorus.ai").unwrap(),
            "https://chorus.ai"
        );
        assert_eq!(
            chorus_origin("https://Chorus.AI/").unwrap(),
            "https://chorus.ai"
        );
        assert_eq!(
            chorus_origin("http://127.0.0.1:8123").unwrap(),
            "http://127.0.0.1:8123"
        );
        for bad in [
            "chorus.ai",
            "ftp://chorus.ai",
            "https://chorus.ai/api",
            "https://chorus.ai?x=1",
            "https://user@chorus.ai",
            "https://chorus.ai; script-src *",
            "https://chorus.ai 'unsafe-eval'",
            "https://",
            "https://chorus.ai:port",
            "https://*",
        ] {
            assert!(chorus_origin(bad).is_err(), "{bad:?} must be rejected");
        }
    }
}
