//! What an answer to a recording download is, for the fetcher: a recording
//! (and its file type), JSON (a download link, or an error), a web page (a
//! login page: the credentials were refused) or other text, never saved as a
//! recording. Also the URL rules for following a redirect or a link: where a
//! relative `Location` points, and whether a URL is on the Chorus origin
//! (the only one that ever gets the token or the session).

use serde_json::Value;

/// A media file's extension, from its Content-Type or its first bytes.
pub fn media_extension(content_type: Option<&str>, bytes: &[u8]) -> &'static str {
    if let Some(extension) = magic_extension(bytes) {
        return extension;
    }
    match mime(content_type).as_str() {
        "video/mp4" => "mp4",
        "audio/mp4" | "audio/x-m4a" | "audio/m4a" => "m4a",
        "audio/mpeg" | "audio/mp3" => "mp3",
        "audio/wav" | "audio/x-wav" | "audio/wave" => "wav",
        "video/webm" | "audio/webm" => "webm",
        _ => "bin",
    }
}

/// The file type its first bytes give a recording, if they are one's.
fn magic_extension(bytes: &[u8]) -> Option<&'static str> {
    if bytes.len() >= 12 && &bytes[4..8] == b"ftyp" {
        Some(if &bytes[8..11] == b"M4A" {
            "m4a"
        } else {
            "mp4"
        })
    } else if bytes.starts_with(b"ID3")
        || bytes.starts_with(&[0xFF, 0xFB])
        || bytes.starts_with(&[0xFF, 0xF3])
    {
        Some("mp3")
    } else if bytes.starts_with(b"RIFF") && bytes.len() >= 12 && &bytes[8..12] == b"WAVE" {
        Some("wav")
    } else if bytes.starts_with(&[0x1A, 0x45, 0xDF, 0xA3]) {
        Some("webm")
    } else {
        None
    }
}

/// The media type of a Content-Type, lower-case, without parameters.
pub(crate) fn mime(content_type: Option<&str>) -> String {
    content_type
        .unwrap_or("")
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase()
}

/// What a successful answer to a recording request holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum MediaBody {
    /// A recording, with the extension to save it under.
    Recording(&'static str),
    /// JSON: a download link (`info=true`), or an error document.
    Json,
    /// An HTML page: a login page where a recording was expected.
    WebPage,
    /// Other text (XML, plain text) or nothing at all.
    Text,
}

/// Sorts an answer by its first bytes, then its Content-Type: a body that
/// starts like JSON or markup is never a recording, whatever its type says.
pub(crate) fn classify(content_type: Option<&str>, body: &[u8]) -> MediaBody {
    if body.is_empty() {
        return MediaBody::Text;
    }
    if let Some(extension) = magic_extension(body) {
        return MediaBody::Recording(extension);
    }
    let start = body.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(body);
    let start = &start[start
        .iter()
        .position(|b| !b.is_ascii_whitespace())
        .unwrap_or(start.len())..];
    let head = String::from_utf8_lossy(&start[..start.len().min(1024)]).to_ascii_lowercase();
    let mime = mime(content_type);
    if head.starts_with('{') || head.starts_with('[') {
        return MediaBody::Json;
    }
    if head.starts_with('<') {
        return if mime == "text/html" || head.contains("<html") || head.contains("<!doctype html") {
            MediaBody::WebPage
        } else {
            MediaBody::Text
        };
    }
    if mime == "text/html" {
        return MediaBody::WebPage;
    }
    if mime == "application/json" || mime.ends_with("+json") {
        return MediaBody::Json;
    }
    // A short body of printable text is a message, whatever its type says.
    if looks_like_text(body) || mime.starts_with("text/") || mime.ends_with("xml") {
        return MediaBody::Text;
    }
    MediaBody::Recording(media_extension(content_type, body))
}

/// Whether a body is a short run of printable text (an error message),
/// which no recording is.
fn looks_like_text(body: &[u8]) -> bool {
    body.len() <= 64 * 1024
        && std::str::from_utf8(body)
            .is_ok_and(|text| !text.chars().any(|c| c.is_control() && !c.is_whitespace()))
}

/// Field names a download link is looked for under, most telling first.
const LINK_FIELDS: &[&str] = &[
    "url",
    "download_url",
    "downloadUrl",
    "media_url",
    "mediaUrl",
    "signed_url",
    "signedUrl",
    "file_url",
    "video_url",
    "audio_url",
    "link",
    "href",
];

fn is_link(text: &str) -> bool {
    let text = text.trim();
    text.starts_with("https://") || text.starts_with("http://") || text.starts_with('/')
}

/// The download link in a JSON answer about a recording (its shape is
/// undocumented): the first of the usual link fields, looked for level by
/// level (`{"url"}`, `{"data": {"attributes": {"download_url"}}}`, ...), else
/// any field whose name says url or link.
pub(crate) fn find_link(body: &[u8]) -> Option<String> {
    let document: Value = serde_json::from_slice(body).ok()?;
    let mut level = vec![&document];
    while !level.is_empty() {
        let objects: Vec<&serde_json::Map<String, Value>> =
            level.iter().filter_map(|v| v.as_object()).collect();
        for field in LINK_FIELDS {
            for object in &objects {
                if let Some(Value::String(link)) = object.get(*field) {
                    if is_link(link) {
                        return Some(link.trim().to_string());
                    }
                }
            }
        }
        for object in &objects {
            for (key, value) in object.iter() {
                let key = key.to_ascii_lowercase();
                if let Value::String(link) = value {
                    if (key.contains("url") || key.contains("link")) && is_link(link) {
                        return Some(link.trim().to_string());
                    }
                }
            }
        }
        level = level
            .iter()
            .flat_map(|v| match v {
                Value::Object(map) => map.values().collect::<Vec<_>>(),
                Value::Array(items) => items.iter().collect(),
                _ => Vec::new(),
            })
            .collect();
    }
    None
}

/// The origin of an absolute http(s) URL: scheme, host (lower-case, without
/// any user info) and port (the scheme's default when none is written).
pub(crate) fn origin(url: &str) -> Option<(String, String, u16)> {
    let (scheme, rest) = url.split_once("://")?;
    let scheme = scheme.to_ascii_lowercase();
    let default_port = match scheme.as_str() {
        "https" => 443,
        "http" => 80,
        _ => return None,
    };
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    let host_port = authority.rsplit('@').next().unwrap_or("");
    let (host, port) = match host_port.rsplit_once(':') {
        Some((host, port)) if !port.contains(']') => (host, port.parse().ok()?),
        _ => (host_port, default_port),
    };
    if host.is_empty() {
        return None;
    }
    Some((scheme, host.to_ascii_lowercase(), port))
}

/// Whether `url` is on the same origin as `base`.
pub(crate) fn same_origin(base: &str, url: &str) -> bool {
    match (origin(base), origin(url)) {
        (Some(a), Some(b)) => a == b,
        _ => false,
    }
}

/// Where a `Location` (or a link) points, read against the URL it came
/// from; `None` when it is not an http(s) URL.
pub(crate) fn resolve(from: &str, location: &str) -> Option<String> {
    let location = location.trim();
    if location.starts_with("https://") || location.starts_with("http://") {
        origin(location)?;
        return Some(location.to_string());
    }
    let (scheme, rest) = from.split_once("://")?;
    if let Some(tail) = location.strip_prefix("//") {
        let url = format!("{scheme}://{tail}");
        origin(&url)?;
        return Some(url);
    }
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let root = format!("{scheme}://{}", &rest[..authority_end]);
    if location.starts_with('/') {
        return Some(format!("{root}{location}"));
    }
    if location.contains(':') && !location.starts_with('.') {
        // Another scheme (javascript:, data:, ftp:): not followed.
        let scheme_part = location.split(['/', '?', '#']).next().unwrap_or("");
        if scheme_part.contains(':') {
            return None;
        }
    }
    let path = rest[authority_end..].split(['?', '#']).next().unwrap_or("");
    let folder = &path[..path.rfind('/').map(|i| i + 1).unwrap_or(0)];
    let folder = if folder.is_empty() { "/" } else { folder };
    Some(format!("{root}{folder}{location}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers_are_sorted_by_their_bytes_before_their_type() {
        let mp4 = b"\0\0\0\x20ftypisom\0\0";
        assert_eq!(
            classify(Some("video/mp4"), mp4),
            MediaBody::Recording("mp4")
        );
        assert_eq!(
            classify(Some("application/octet-stream"), mp4),
            MediaBody::Recording("mp4")
        );
        assert_eq!(
            classify(Some("audio/mpeg"), b"\x01\x02\x03"),
            MediaBody::Recording("mp3")
        );
        assert_eq!(
            classify(Some("video/quicktime"), b"\0\0\0\x08wide\0\x9f"),
            MediaBody::Recording("bin")
        );
        // Text is never a recording, whatever its type says.
        assert_eq!(
            classify(Some("audio/mp4"), b"Signature expired"),
            MediaBody::Text
        );
        // A JSON or HTML body is never a recording, whatever its type says.
        assert_eq!(
            classify(Some("video/mp4"), br#" {"url": "https://x"}"#),
            MediaBody::Json
        );
        assert_eq!(
            classify(Some("video/mp4"), b"\xEF\xBB\xBF<!DOCTYPE html><html>"),
            MediaBody::WebPage
        );
        assert_eq!(
            classify(Some("text/html; charset=utf-8"), b"<div>Log in</div>"),
            MediaBody::WebPage
        );
        assert_eq!(
            classify(Some("application/xml"), b"<?xml version=\"1.0\"?><Error>"),
            MediaBody::Text
        );
        assert_eq!(classify(Some("text/plain"), b"Forbidden"), MediaBody::Text);
        assert_eq!(classify(None, b"Forbidden\n"), MediaBody::Text);
        assert_eq!(classify(Some("video/mp4"), b""), MediaBody::Text);
        assert_eq!(classify(None, b""), MediaBody::Text);
        assert_eq!(
            classify(None, b"\x00\x9F\x92\x96"),
            MediaBody::Recording("bin")
        );
        assert_eq!(
            classify(Some("application/vnd.api+json"), b"null"),
            MediaBody::Json
        );
    }

    #[test]
    fn a_link_is_found_in_any_usual_field_at_the_shallowest_level() {
        assert_eq!(
            find_link(br#"{"url": "https://files.example/a.mp4?sig=1"}"#).as_deref(),
            Some("https://files.example/a.mp4?sig=1")
        );
        assert_eq!(
            find_link(
                br#"{"data": {"type": "media", "attributes": {"content_type": "video/mp4", "download_url": "/files/a.mp4"}}}"#
            )
            .as_deref(),
            Some("/files/a.mp4")
        );
        assert_eq!(
            find_link(br#"{"name": "x", "recordingLink": "https://s.example/r"}"#).as_deref(),
            Some("https://s.example/r")
        );
        // A usual field wins over a nested one; text that is no URL is no link.
        assert_eq!(
            find_link(
                br#"{"media": {"url": "https://deep.example"}, "link": "https://top.example"}"#
            )
            .as_deref(),
            Some("https://top.example")
        );
        assert_eq!(
            find_link(br#"{"url": "not a link", "status": "ready"}"#),
            None
        );
        assert_eq!(find_link(b"not json"), None);
    }

    #[test]
    fn origins_compare_scheme_host_and_port() {
        let base = "https://chorus.ai";
        assert!(same_origin(base, "https://chorus.ai/api/v1/x"));
        assert!(same_origin(base, "https://CHORUS.ai:443/x"));
        assert!(!same_origin(base, "http://chorus.ai/x"));
        assert!(!same_origin(base, "https://chorus.ai:8443/x"));
        assert!(!same_origin(base, "https://files.chorus.ai/x"));
        assert!(!same_origin(base, "https://chorus.ai@evil.example/x"));
        assert!(!same_origin(base, "https://chorus.ai.evil.example/x"));
        assert!(same_origin(
            "http://127.0.0.1:4000",
            "http://127.0.0.1:4000/files/a"
        ));
        assert!(!same_origin(
            "http://127.0.0.1:4000",
            "http://127.0.0.1:4001/files/a"
        ));
        assert_eq!(
            origin("http://[::1]:9/x"),
            Some(("http".into(), "[::1]".into(), 9))
        );
    }

    #[test]
    fn locations_resolve_against_the_url_they_came_from() {
        let from = "https://chorus.ai/api/v1/conversations/AB/media?info=true";
        assert_eq!(
            resolve(from, "/files/a.mp4").as_deref(),
            Some("https://chorus.ai/files/a.mp4")
        );
        assert_eq!(
            resolve(from, "file?x=1").as_deref(),
            Some("https://chorus.ai/api/v1/conversations/AB/file?x=1")
        );
        assert_eq!(
            resolve(from, "//cdn.example/a.mp4").as_deref(),
            Some("https://cdn.example/a.mp4")
        );
        assert_eq!(
            resolve(from, "https://s3.example/a.mp4?X-Amz-Signature=1").as_deref(),
            Some("https://s3.example/a.mp4?X-Amz-Signature=1")
        );
        assert_eq!(resolve(from, "javascript:alert(1)"), None);
        assert_eq!(resolve(from, "ftp://files.example/a"), None);
    }
}
