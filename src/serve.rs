//! `chorus2outdoo serve`: a static file server for the web page (www/).
//!
//! In: a folder and a port. Out: its files over HTTP on 127.0.0.1 only, with
//! the right MIME types (`application/wasm` for the module), no way out of the
//! folder, and on every response the Content-Security-Policy that keeps the
//! page from talking to anything but its own origin.

use std::io::ErrorKind;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use tiny_http::{Header, Method, Request, Response, Server, StatusCode};

/// The page's policy: its own scripts and the wasm module, no inline code, no
/// connections except to its own origin. index.html repeats it in a `<meta>`.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; \
worker-src 'self'; connect-src 'self'; img-src 'self' blob: data:; style-src 'self'; object-src 'none'; \
base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

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

fn respond<R: std::io::Read>(request: Request, response: Response<R>, content_type: &str) {
    let response = response
        .with_header(header("Content-Type", content_type))
        .with_header(header("Content-Security-Policy", CONTENT_SECURITY_POLICY))
        .with_header(header("X-Content-Type-Options", "nosniff"))
        .with_header(header("Cache-Control", "no-store"))
        .with_header(header("Referrer-Policy", "no-referrer"))
        .with_header(header("Cross-Origin-Opener-Policy", "same-origin"));
    // A client that went away is not the server's problem.
    let _ = request.respond(response);
}

fn respond_text(request: Request, status: u16, text: &str) {
    let response = Response::from_string(text).with_status_code(StatusCode(status));
    respond(request, response, "text/plain; charset=utf-8");
}

fn handle(root: &Path, request: Request) {
    if !matches!(request.method(), Method::Get | Method::Head) {
        return respond_text(request, 405, "405 method not allowed\n");
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
        Ok(file) => respond(request, Response::from_file(file), content_type(&path)),
        Err(e) if e.kind() == ErrorKind::NotFound => respond_text(request, 404, "404 not found\n"),
        Err(_) => respond_text(request, 500, "500 cannot read the file\n"),
    }
}

/// Serves `dir` on 127.0.0.1:`port` until the process is stopped.
pub fn serve(dir: &Path, port: u16) -> Result<(), String> {
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
    eprintln!("serving {} on http://127.0.0.1:{port}", dir.display());

    let server = Arc::new(server);
    let root = Arc::new(root);
    let workers: Vec<_> = (0..WORKERS)
        .map(|_| {
            let server = Arc::clone(&server);
            let root = Arc::clone(&root);
            std::thread::spawn(move || {
                for request in server.incoming_requests() {
                    handle(&root, request);
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
    fn policy_allows_only_the_own_origin() {
        assert!(CONTENT_SECURITY_POLICY.contains("connect-src 'self';"));
        assert!(CONTENT_SECURITY_POLICY.contains("script-src 'self' 'wasm-unsafe-eval';"));
        assert!(!CONTENT_SECURITY_POLICY.contains("unsafe-inline"));
        // index.html repeats it, less frame-ancestors (ignored in a <meta>).
        let html = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/www/index.html"))
            .unwrap();
        let meta = CONTENT_SECURITY_POLICY
            .strip_suffix("; frame-ancestors 'none'")
            .unwrap();
        assert!(
            html.contains(&format!("content=\"{meta}\">")),
            "index.html must carry the same policy in its <meta http-equiv>"
        );
    }
}
