//! The native command that downloads the same archive: in, the base URL
//! and the scope; out, the command line for the page to show, with the
//! token and the session left for the customer to fill in.

use super::protocol::FetchScope;

/// The native command that downloads the same archive, for the page to show
/// when the browser cannot reach the API or recordings are asked for. The
/// token and the session are never part of it: their variables are shown
/// with `...` for the customer to fill in.
pub fn native_command(base_url: &str, scope: &FetchScope) -> String {
    let mut command = vec![if scope.media {
        "CHORUS_API_TOKEN=... CHORUS_SESSION=... chorus2outdoo fetch".to_string()
    } else {
        "CHORUS_API_TOKEN=... chorus2outdoo fetch".to_string()
    }];
    if base_url.trim_end_matches('/') != "https://chorus.ai" {
        command.push(format!(
            "--base-url {}",
            shell_quote(base_url.trim_end_matches('/'))
        ));
    }
    if let Some(from) = &scope.from {
        command.push(format!("--from {}", shell_quote(from)));
    }
    if let Some(to) = &scope.to {
        command.push(format!("--to {}", shell_quote(to)));
    }
    if let Some(min) = scope.min_duration_seconds {
        command.push(format!("--min-duration {min}"));
    }
    command.push(format!(
        "--calls {}",
        if scope.meetings_only {
            "meetings"
        } else {
            "all"
        }
    ));
    if scope.media {
        command.push("--media".to_string());
    }
    command.push("--out chorus-archive.zip".to_string());
    command.join(" ")
}

fn shell_quote(value: &str) -> String {
    if value
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b"-_.:/".contains(&b))
    {
        value.to_string()
    } else {
        format!("'{}'", value.replace('\'', "'\\''"))
    }
}
