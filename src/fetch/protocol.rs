//! What the fetcher and a transport say to each other: in, the scope the
//! customer asked for and each `Response`; out, the `Task`s it becomes, the
//! `Request`s to send (with the `Credentials` they carry), the `Event`s
//! decided (save, missing, retry), the `Next` step, the `Progress` counts
//! and the `FetchError` that stops a whole download.

use serde::{Deserialize, Serialize};

/// What the customer asked for, as the CLI flags and the page's form give it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct FetchScope {
    /// First day, inclusive, "YYYY-MM-DD" (UTC).
    pub from: Option<String>,
    /// Last day, inclusive, "YYYY-MM-DD" (UTC).
    pub to: Option<String>,
    pub min_duration_seconds: Option<u64>,
    /// Only meetings (`true`) or calls and meetings.
    pub meetings_only: bool,
    /// Download recordings too.
    pub media: bool,
}

/// One unit of work; also the key a transport uses to find an entry it
/// already saved (so a resumed run fetches nothing twice). A recording is
/// one task however many redirects and links lead to its file.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Task {
    EngagementPage {
        number: u32,
        continuation_key: Option<String>,
    },
    Users,
    Conversation {
        id: String,
    },
    Media {
        id: String,
    },
}

impl Task {
    /// The archive entry this task's response is saved as. Media get their
    /// extension from the response, so this is the entry without it.
    /// Entries are named by the lower-cased id, whatever case Chorus gives
    /// it in: the names stay the same from one download to the next (and an
    /// interrupted download from before ids were asked for as given resumes).
    pub fn entry(&self) -> String {
        match self {
            Task::EngagementPage { number, .. } => format!("engagements/page-{number:05}.json"),
            Task::Users => "users/users.json".to_string(),
            Task::Conversation { id } => format!("conversations/{}.json", id.to_ascii_lowercase()),
            Task::Media { id } => format!("media/{}", id.to_ascii_lowercase()),
        }
    }
}

/// What a request carries to prove who asks. The fetcher decides it; the
/// transport adds the matching headers and nothing else of its own.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Credentials {
    /// The API token, raw, in `Authorization`.
    Token,
    /// The migration user's session: its `Cookie` header and its `_xsrf`
    /// value in `X-Xsrftoken` (recordings, when a session was given).
    Session,
    /// Nothing: a URL on another origin than the Chorus address (the
    /// storage host of a recording, whose link is signed on its own).
    None,
}

/// A request for the transport to send, as it is: the transport follows no
/// redirect itself (a 3xx comes back to the fetcher with its `Location`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    pub task: Task,
    pub url: String,
    pub accept: &'static str,
    pub credentials: Credentials,
    /// Redirects and links followed to get here (0: the API's own URL).
    pub hops: u8,
}

/// What came back: a status, the `Retry-After`, `Content-Type` and
/// `Location` headers, the body. A transport failure (connection refused,
/// dropped, DNS, or a browser's blocked cross-origin call) is `Err` with its
/// message.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Response {
    pub status: u16,
    pub retry_after: Option<String>,
    pub content_type: Option<String>,
    pub location: Option<String>,
    pub body: Vec<u8>,
}

/// What the fetcher decided about a response.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    /// Save these bytes as this archive entry.
    Save { entry: String, bytes: Vec<u8> },
    /// This call could not be downloaded; it goes into the fetch report.
    Missing {
        id: String,
        what: &'static str,
        message: String,
    },
    /// The request will be sent again after `delay_ms`.
    Retry {
        task: Task,
        delay_ms: u64,
        message: String,
    },
}

/// Why a whole download stopped.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FetchError {
    #[error("the token is invalid or its role lacks API access ({status} from {url})")]
    Unauthorized { status: u16, url: String },
    #[error("{url}: {message}")]
    Failed { url: String, message: String },
    #[error("{0}")]
    Scope(String),
}

/// What to do next.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Next {
    /// Send this request (more may follow from the next call).
    Send(Request),
    /// Nothing to send before `until_ms` (a retry is waiting), or until an
    /// answer comes back for a request in flight.
    Wait { until_ms: Option<u64> },
    /// All done.
    Done,
}

/// Counts for progress lines.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Progress {
    pub pages: u32,
    pub engagements: usize,
    /// Conversations asked for, and answered (saved or missing).
    pub calls_total: usize,
    pub calls_done: usize,
    /// Recordings asked for, answered (saved or missing), and saved.
    pub media_total: usize,
    pub media_done: usize,
    pub media_saved: usize,
    /// Conversations that could not be downloaded.
    pub missing: usize,
    /// Recordings that could not be downloaded.
    pub media_missing: usize,
    pub retries: u32,
}
