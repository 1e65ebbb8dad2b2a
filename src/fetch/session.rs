//! The migration user's Chorus web session, which recordings download
//! through (Chorus refuses the API token for them): in, the `Cookie` header
//! an admin copied from a logged-in browser, and the `_xsrf` cookie's value
//! when the copy lacks it; out, the `Cookie` and `X-Xsrftoken` header values
//! the web app sends. The name of Chorus's session cookie is not published,
//! so the whole header is taken as it is. Nothing here prints the values:
//! the session is worth a password and is never logged, stored or archived.

/// A logged-in Chorus session: its cookies and its `_xsrf` value.
#[derive(Clone, PartialEq, Eq)]
pub struct MediaSession {
    cookie: String,
    xsrf: String,
}

impl std::fmt::Debug for MediaSession {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("MediaSession { .. }")
    }
}

/// The name of the cookie whose value the web app echoes in `X-Xsrftoken`.
pub const XSRF_COOKIE: &str = "_xsrf";

fn clean(text: &str) -> Result<&str, String> {
    if text.chars().any(|c| c.is_control() && c != '\t') {
        return Err(
            "it holds a line break or another control character: copy the value alone, on one line"
                .to_string(),
        );
    }
    Ok(text.trim())
}

impl MediaSession {
    /// Reads the cookie text (with or without a leading `Cookie:`) and the
    /// `_xsrf` value given apart (with or without a leading `_xsrf=`).
    pub fn parse(cookie: &str, xsrf: Option<&str>) -> Result<MediaSession, String> {
        let mut cookie = clean(cookie)?;
        if cookie.len() >= 7 && cookie[..7].eq_ignore_ascii_case("cookie:") {
            cookie = cookie[7..].trim();
        }
        let mut pairs = Vec::new();
        for part in cookie.split(';').map(str::trim).filter(|p| !p.is_empty()) {
            match part.split_once('=') {
                Some((name, value)) if !name.trim().is_empty() => {
                    pairs.push((name.trim().to_string(), value.trim().to_string()))
                }
                _ => {
                    return Err(format!(
                        "it is not a Cookie header: copy the whole value of the Cookie header a logged-in chorus.ai page sends (name=value pairs separated by \"; \"){}",
                        if pairs.is_empty() && !cookie.contains('=') {
                            ", not a single cookie's value"
                        } else {
                            ""
                        }
                    ))
                }
            }
        }
        let given = match xsrf.map(clean).transpose()? {
            Some(value) => {
                let value = value.strip_prefix("_xsrf=").unwrap_or(value).trim();
                (!value.is_empty()).then(|| value.to_string())
            }
            None => None,
        };
        let in_cookie = pairs
            .iter()
            .find(|(name, _)| name == XSRF_COOKIE)
            .map(|(_, value)| value.clone());
        let xsrf = match (in_cookie, given) {
            (Some(a), Some(b)) if a != b => {
                return Err("the _xsrf value given differs from the _xsrf cookie in the Cookie header: give the two from the same login, or the Cookie header alone".to_string())
            }
            (Some(value), _) => value,
            (None, Some(value)) => {
                pairs.push((XSRF_COOKIE.to_string(), value.clone()));
                value
            }
            (None, None) => {
                return Err("it has no _xsrf cookie: copy the whole Cookie header (it holds _xsrf), or give the _xsrf cookie's value too".to_string())
            }
        };
        if xsrf.is_empty() {
            return Err("its _xsrf cookie is empty".to_string());
        }
        if pairs.iter().all(|(name, _)| name == XSRF_COOKIE) {
            return Err("it holds only the _xsrf cookie, not the login session: copy the whole Cookie header".to_string());
        }
        let cookie = pairs
            .iter()
            .map(|(name, value)| format!("{name}={value}"))
            .collect::<Vec<_>>()
            .join("; ");
        Ok(MediaSession { cookie, xsrf })
    }

    /// The `Cookie` header value.
    pub fn cookie_header(&self) -> &str {
        &self.cookie
    }

    /// The `X-Xsrftoken` header value.
    pub fn xsrf_header(&self) -> &str {
        &self.xsrf
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_whole_cookie_header_is_taken_with_its_xsrf() {
        let session =
            MediaSession::parse("Cookie: sid=S3cret; _xsrf=2|ab|cd|17; theme=dark ", None).unwrap();
        assert_eq!(
            session.cookie_header(),
            "sid=S3cret; _xsrf=2|ab|cd|17; theme=dark"
        );
        assert_eq!(session.xsrf_header(), "2|ab|cd|17");
        assert_eq!(format!("{session:?}"), "MediaSession { .. }");
        // The _xsrf value given apart joins the cookies; the same twice is fine.
        let session = MediaSession::parse("sid=S3cret", Some("_xsrf=X1")).unwrap();
        assert_eq!(session.cookie_header(), "sid=S3cret; _xsrf=X1");
        assert_eq!(session.xsrf_header(), "X1");
        assert!(MediaSession::parse("sid=S; _xsrf=X1", Some("X1")).is_ok());
    }

    #[test]
    fn what_cannot_be_a_session_is_refused_without_echoing_it() {
        let refused = |cookie: &str, xsrf: Option<&str>| {
            let message = MediaSession::parse(cookie, xsrf).unwrap_err();
            assert!(!message.contains("S3cret"), "{message}");
            message
        };
        assert_eq!(
            refused("S3cret", None),
            "it is not a Cookie header: copy the whole value of the Cookie header a logged-in chorus.ai page sends (name=value pairs separated by \"; \"), not a single cookie's value"
        );
        assert_eq!(
            refused("sid=S3cret", None),
            "it has no _xsrf cookie: copy the whole Cookie header (it holds _xsrf), or give the _xsrf cookie's value too"
        );
        assert_eq!(
            refused("sid=S3cret; _xsrf=A", Some("B")),
            "the _xsrf value given differs from the _xsrf cookie in the Cookie header: give the two from the same login, or the Cookie header alone"
        );
        assert_eq!(
            refused("_xsrf=S3cret", None),
            "it holds only the _xsrf cookie, not the login session: copy the whole Cookie header"
        );
        assert_eq!(
            refused("sid=S3cret\r\nX-Evil: 1; _xsrf=A", None),
            "it holds a line break or another control character: copy the value alone, on one line"
        );
        assert_eq!(
            refused("sid=S3cret; _xsrf=", None),
            "its _xsrf cookie is empty"
        );
    }
}
