//! The Chorus API client logic, without I/O (sans-IO): the scope in; the
//! requests to send out; each response in; the archive entries to save, the
//! calls to report and the next requests out. Two thin transports drive it:
//! a native HTTP client in the CLI and the browser's `fetch` in a worker.
//!
//! The order of work: engagement pages (`GET /v3/engagements`, following
//! `continuation_key`), then users (`GET /v3/users`), then each recorded
//! engagement's conversation (`GET /api/v1/conversations/{id}`) and, when
//! asked, its media, several at a time. The archive it fills is exactly what
//! `convert --archive` reads.

#[cfg(target_arch = "wasm32")]
pub mod browser;

use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::{BTreeSet, VecDeque};

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
/// already saved (so a resumed run fetches nothing twice).
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
    pub fn entry(&self) -> String {
        match self {
            Task::EngagementPage { number, .. } => format!("engagements/page-{number:05}.json"),
            Task::Users => "users/users.json".to_string(),
            Task::Conversation { id } => format!("conversations/{id}.json"),
            Task::Media { id } => format!("media/{id}"),
        }
    }
}

/// A request for the transport to send. The transport adds the
/// `Authorization` header (the raw token) and nothing else of its own.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    pub task: Task,
    pub url: String,
    pub accept: &'static str,
}

/// What came back: a status, the `Retry-After` and `Content-Type` headers,
/// the body. A transport failure (connection refused, dropped, DNS, or a
/// browser's blocked cross-origin call) is `Err` with its message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Response {
    pub status: u16,
    pub retry_after: Option<String>,
    pub content_type: Option<String>,
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
    pub calls_total: usize,
    pub calls_done: usize,
    pub media_total: usize,
    pub media_done: usize,
    pub missing: usize,
    pub retries: u32,
}

/// Retries of one request before it counts as failed.
pub const MAX_ATTEMPTS: u32 = 6;
/// The longest wait between two tries, whatever `Retry-After` says.
pub const MAX_DELAY_MS: u64 = 120_000;
/// How many requests may be in flight at once.
pub const DEFAULT_CONCURRENCY: usize = 4;

#[derive(Debug, Clone, PartialEq, Eq)]
enum Phase {
    Pages,
    Details,
    Finished,
}

/// The client state machine.
#[derive(Debug)]
pub struct Fetcher {
    base_url: String,
    scope: FetchScope,
    concurrency: usize,
    phase: Phase,
    queue: VecDeque<Task>,
    /// Tasks waiting for a retry, with the time they may go again.
    delayed: Vec<(u64, Task, u32)>,
    attempts: Vec<(Task, u32)>,
    in_flight: usize,
    last_page_ids: Option<Vec<String>>,
    engagement_ids: BTreeSet<String>,
    progress: Progress,
    failed: Option<FetchError>,
}

fn is_engagement_id(id: &str) -> bool {
    id.len() == 32 && id.bytes().all(|b| b.is_ascii_hexdigit())
}

fn valid_date(date: &str) -> bool {
    chrono::NaiveDate::parse_from_str(date, "%Y-%m-%d").is_ok()
}

/// Minimal percent-encoding for query values.
fn encode(value: &str) -> String {
    value
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// The id of an engagement as the API gives it (string or number).
fn id_text(value: Option<&Value>) -> Option<String> {
    match value? {
        Value::String(s) => Some(s.trim().to_string()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

fn number(value: Option<&Value>) -> Option<f64> {
    match value? {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

fn flag(value: Option<&Value>) -> bool {
    match value {
        Some(Value::Bool(b)) => *b,
        Some(Value::String(s)) => s.trim().eq_ignore_ascii_case("true"),
        _ => false,
    }
}

/// Whether an engagement has a recording worth downloading, in scope.
fn wants_conversation(engagement: &Value, scope: &FetchScope) -> bool {
    let kind = engagement
        .get("engagement_type")
        .and_then(Value::as_str)
        .unwrap_or("meeting");
    let kind_ok = kind == "meeting" || (kind == "dialer" && !scope.meetings_only);
    let done = engagement
        .get("processing_state")
        .and_then(Value::as_str)
        .is_none_or(|s| s.eq_ignore_ascii_case("done"));
    let duration = number(engagement.get("duration")).unwrap_or(0.0);
    let long_enough = scope
        .min_duration_seconds
        .is_none_or(|min| duration >= min as f64);
    kind_ok && done && duration > 0.0 && long_enough && !flag(engagement.get("no_show"))
}

/// A `Retry-After` value in milliseconds: delta-seconds only (an HTTP date
/// falls back to the exponential delay).
fn retry_after_ms(value: Option<&str>) -> Option<u64> {
    value?
        .trim()
        .parse::<u64>()
        .ok()
        .map(|s| s.saturating_mul(1000))
}

/// 1 s, 2 s, 4 s, ... capped.
fn backoff_ms(attempt: u32) -> u64 {
    1000u64
        .saturating_mul(1 << attempt.min(16))
        .min(MAX_DELAY_MS)
}

/// A media file's extension, from its Content-Type or its first bytes.
pub fn media_extension(content_type: Option<&str>, bytes: &[u8]) -> &'static str {
    let mime = content_type
        .unwrap_or("")
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    match mime.as_str() {
        "video/mp4" => return "mp4",
        "audio/mp4" | "audio/x-m4a" | "audio/m4a" => return "m4a",
        "audio/mpeg" | "audio/mp3" => return "mp3",
        "audio/wav" | "audio/x-wav" | "audio/wave" => return "wav",
        "video/webm" | "audio/webm" => return "webm",
        _ => {}
    }
    if bytes.len() >= 12 && &bytes[4..8] == b"ftyp" {
        if &bytes[8..11] == b"M4A" {
            "m4a"
        } else {
            "mp4"
        }
    } else if bytes.starts_with(b"ID3")
        || bytes.starts_with(&[0xFF, 0xFB])
        || bytes.starts_with(&[0xFF, 0xF3])
    {
        "mp3"
    } else if bytes.starts_with(b"RIFF") && bytes.len() >= 12 && &bytes[8..12] == b"WAVE" {
        "wav"
    } else if bytes.starts_with(&[0x1A, 0x45, 0xDF, 0xA3]) {
        "webm"
    } else {
        "bin"
    }
}

impl Fetcher {
    pub fn new(base_url: &str, scope: FetchScope) -> Result<Self, FetchError> {
        for date in [&scope.from, &scope.to].into_iter().flatten() {
            if !valid_date(date) {
                return Err(FetchError::Scope(format!(
                    "\"{date}\" is not a date; write it as YYYY-MM-DD"
                )));
            }
        }
        let base_url = base_url.trim_end_matches('/').to_string();
        if !(base_url.starts_with("https://") || base_url.starts_with("http://")) {
            return Err(FetchError::Scope(format!(
                "the base URL \"{base_url}\" must start with https://"
            )));
        }
        let mut queue = VecDeque::new();
        queue.push_back(Task::EngagementPage {
            number: 1,
            continuation_key: None,
        });
        Ok(Fetcher {
            base_url,
            scope,
            concurrency: DEFAULT_CONCURRENCY,
            phase: Phase::Pages,
            queue,
            delayed: Vec::new(),
            attempts: Vec::new(),
            in_flight: 0,
            last_page_ids: None,
            engagement_ids: BTreeSet::new(),
            progress: Progress::default(),
            failed: None,
        })
    }

    pub fn with_concurrency(mut self, concurrency: usize) -> Self {
        self.concurrency = concurrency.max(1);
        self
    }

    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    pub fn progress(&self) -> &Progress {
        &self.progress
    }

    /// The error that stopped the download, if one did.
    pub fn failure(&self) -> Option<&FetchError> {
        self.failed.as_ref()
    }

    fn url(&self, task: &Task) -> String {
        match task {
            Task::EngagementPage {
                continuation_key, ..
            } => {
                let mut query = vec!["with_trackers=true".to_string()];
                if let Some(from) = &self.scope.from {
                    query.push(format!("min_date={}", encode(&format!("{from}T00:00:00Z"))));
                }
                if let Some(to) = &self.scope.to {
                    query.push(format!("max_date={}", encode(&format!("{to}T23:59:59Z"))));
                }
                if let Some(min) = self.scope.min_duration_seconds {
                    query.push(format!("min_duration={min}"));
                }
                if self.scope.meetings_only {
                    query.push("engagement_type=meeting".to_string());
                }
                if let Some(key) = continuation_key {
                    query.push(format!("continuation_key={}", encode(key)));
                }
                format!("{}/v3/engagements?{}", self.base_url, query.join("&"))
            }
            Task::Users => format!("{}/v3/users", self.base_url),
            Task::Conversation { id } => format!("{}/api/v1/conversations/{id}", self.base_url),
            Task::Media { id } => format!("{}/api/v1/conversations/{id}/media", self.base_url),
        }
    }

    fn request(&self, task: Task) -> Request {
        let accept = match task {
            Task::Conversation { .. } => "application/vnd.api+json, application/json",
            Task::Media { .. } => "*/*",
            _ => "application/json",
        };
        Request {
            url: self.url(&task),
            task,
            accept,
        }
    }

    /// The next thing to do at time `now_ms` (any monotonic clock).
    pub fn next(&mut self, now_ms: u64) -> Next {
        if self.failed.is_some() {
            return if self.in_flight == 0 {
                Next::Done
            } else {
                Next::Wait { until_ms: None }
            };
        }
        // Retries whose time has come go to the front.
        let mut ready = Vec::new();
        self.delayed.retain(|(at, task, _)| {
            if *at <= now_ms {
                ready.push(task.clone());
                false
            } else {
                true
            }
        });
        for task in ready.into_iter().rev() {
            self.queue.push_front(task);
        }
        let limit = if self.phase == Phase::Pages {
            1
        } else {
            self.concurrency
        };
        if self.in_flight < limit {
            if let Some(task) = self.queue.pop_front() {
                self.in_flight += 1;
                return Next::Send(self.request(task));
            }
        }
        if self.in_flight == 0 && self.queue.is_empty() && self.delayed.is_empty() {
            if self.phase == Phase::Pages {
                self.start_details();
                return self.next(now_ms);
            }
            self.phase = Phase::Finished;
            return Next::Done;
        }
        Next::Wait {
            until_ms: self.delayed.iter().map(|(at, _, _)| *at).min(),
        }
    }

    fn start_details(&mut self) {
        self.phase = Phase::Details;
        self.queue.push_back(Task::Users);
        let ids: Vec<String> = self.engagement_ids.iter().cloned().collect();
        for id in &ids {
            self.queue.push_back(Task::Conversation { id: id.clone() });
        }
        if self.scope.media {
            for id in ids {
                self.queue.push_back(Task::Media { id });
            }
            self.progress.media_total = self.engagement_ids.len();
        }
        self.progress.calls_total = self.engagement_ids.len();
    }

    fn attempt(&mut self, task: &Task) -> u32 {
        match self.attempts.iter_mut().find(|(t, _)| t == task) {
            Some((_, n)) => {
                *n += 1;
                *n
            }
            None => {
                self.attempts.push((task.clone(), 1));
                1
            }
        }
    }

    /// Takes the answer to a request sent earlier and says what follows.
    pub fn handle(
        &mut self,
        request: &Request,
        response: Result<Response, String>,
        now_ms: u64,
    ) -> Vec<Event> {
        self.in_flight = self.in_flight.saturating_sub(1);
        let task = request.task.clone();
        let retry = |this: &mut Self, delay: Option<u64>, message: String| -> Vec<Event> {
            let attempt = this.attempt(&task);
            if attempt >= MAX_ATTEMPTS {
                return this.give_up(request, format!("{message}; gave up after {attempt} tries"));
            }
            let delay_ms = delay
                .unwrap_or_else(|| backoff_ms(attempt - 1))
                .min(MAX_DELAY_MS);
            this.delayed
                .push((now_ms + delay_ms, task.clone(), attempt));
            this.progress.retries += 1;
            vec![Event::Retry {
                task: task.clone(),
                delay_ms,
                message,
            }]
        };
        let response = match response {
            Ok(response) => response,
            Err(message) => return retry(self, None, message),
        };
        match response.status {
            200..=299 => self.success(request, response),
            401 | 403 if !matches!(task, Task::Media { .. }) => {
                self.failed = Some(FetchError::Unauthorized {
                    status: response.status,
                    url: request.url.clone(),
                });
                Vec::new()
            }
            429 => {
                let delay = retry_after_ms(response.retry_after.as_deref());
                retry(self, delay, "429 Too Many Requests".to_string())
            }
            500..=599 => retry(self, None, format!("server error {}", response.status)),
            status => self.give_up(request, format!("{status} {}", short_error(&response.body))),
        }
    }

    /// A request that will not succeed: a call's conversation or media is
    /// reported and the rest goes on; anything else stops the download.
    fn give_up(&mut self, request: &Request, message: String) -> Vec<Event> {
        match &request.task {
            Task::Conversation { id } => {
                self.progress.calls_done += 1;
                self.progress.missing += 1;
                let what = "conversation";
                let message = if message.starts_with("404") {
                    format!("not found: missing, private, or not visible to the token's user ({message})")
                } else {
                    message
                };
                vec![Event::Missing {
                    id: id.clone(),
                    what,
                    message,
                }]
            }
            Task::Media { id } => {
                self.progress.media_done += 1;
                let message = if message.starts_with("401") || message.starts_with("403") {
                    format!("the recording download was refused; Chorus may require a logged-in user for media ({message})")
                } else {
                    message
                };
                vec![Event::Missing {
                    id: id.clone(),
                    what: "media",
                    message,
                }]
            }
            _ => {
                self.failed = Some(FetchError::Failed {
                    url: request.url.clone(),
                    message,
                });
                Vec::new()
            }
        }
    }

    fn success(&mut self, request: &Request, response: Response) -> Vec<Event> {
        match &request.task {
            Task::EngagementPage { number, .. } => self.page(*number, request, response.body),
            Task::Users => vec![Event::Save {
                entry: request.task.entry(),
                bytes: response.body,
            }],
            Task::Conversation { .. } => {
                self.progress.calls_done += 1;
                vec![Event::Save {
                    entry: request.task.entry(),
                    bytes: response.body,
                }]
            }
            Task::Media { .. } => {
                self.progress.media_done += 1;
                let extension = media_extension(response.content_type.as_deref(), &response.body);
                vec![Event::Save {
                    entry: format!("{}.{extension}", request.task.entry()),
                    bytes: response.body,
                }]
            }
        }
    }

    fn page(&mut self, number: u32, request: &Request, body: Vec<u8>) -> Vec<Event> {
        let document: Value = match serde_json::from_slice(&body) {
            Ok(document) => document,
            Err(e) => {
                self.failed = Some(FetchError::Failed {
                    url: request.url.clone(),
                    message: format!("the engagement page is not JSON: {e}"),
                });
                return Vec::new();
            }
        };
        let engagements = document
            .get("engagements")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        let ids: Vec<String> = engagements
            .iter()
            .filter_map(|e| id_text(e.get("engagement_id")))
            .collect();
        // A page that repeats the previous one means the key did not advance.
        if self.last_page_ids.as_ref() == Some(&ids) && !ids.is_empty() {
            return Vec::new();
        }
        self.progress.pages += 1;
        self.progress.engagements += ids.len();
        for engagement in &engagements {
            if let Some(id) = id_text(engagement.get("engagement_id")) {
                if is_engagement_id(&id) && wants_conversation(engagement, &self.scope) {
                    self.engagement_ids.insert(id.to_ascii_lowercase());
                }
            }
        }
        self.last_page_ids = Some(ids);
        let key = document
            .get("continuation_key")
            .and_then(Value::as_str)
            .map(str::trim)
            .filter(|k| !k.is_empty());
        if let Some(key) = key {
            self.queue.push_back(Task::EngagementPage {
                number: number + 1,
                continuation_key: Some(key.to_string()),
            });
        }
        vec![Event::Save {
            entry: request.task.entry(),
            bytes: body,
        }]
    }
}

/// The first error title or detail of a v1 error document, else the body's
/// start, for messages.
fn short_error(body: &[u8]) -> String {
    if let Ok(document) = serde_json::from_slice::<Value>(body) {
        if let Some(first) = document
            .get("errors")
            .and_then(Value::as_array)
            .and_then(|e| e.first())
        {
            let title = first.get("title").and_then(Value::as_str).unwrap_or("");
            let detail = first.get("detail").and_then(Value::as_str).unwrap_or("");
            return [title, detail]
                .iter()
                .filter(|s| !s.is_empty())
                .cloned()
                .collect::<Vec<_>>()
                .join(": ");
        }
    }
    String::from_utf8_lossy(&body[..body.len().min(200)])
        .trim()
        .to_string()
}

/// The archive entry listing the calls that could not be downloaded.
pub const REPORT_ENTRY: &str = "fetch-report.json";

/// A call that could not be downloaded, as `fetch-report.json` lists it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct MissingCall {
    pub engagement_id: String,
    pub what: &'static str,
    pub message: String,
}

/// `fetch-report.json`: `{"missing": [{"engagement_id", "what", "message"}]}`,
/// sorted by engagement id, so the order requests finished in does not show.
pub fn fetch_report(missing: &[MissingCall]) -> Vec<u8> {
    #[derive(Serialize)]
    struct FetchReport<'a> {
        missing: &'a [MissingCall],
    }
    let mut missing = missing.to_vec();
    missing.sort_by(|a, b| (&a.engagement_id, a.what).cmp(&(&b.engagement_id, b.what)));
    let mut bytes = serde_json::to_vec_pretty(&FetchReport { missing: &missing })
        .expect("the report serialises");
    bytes.push(b'\n');
    bytes
}

/// Writes the downloaded entries as the archive zip: in the order given
/// (callers sort them), JSON deflated, media stored as they are, fixed
/// timestamps, so the same download gives the same bytes.
pub fn write_archive<W, R>(
    sink: W,
    entries: impl IntoIterator<Item = (String, R)>,
) -> zip::result::ZipResult<W>
where
    W: std::io::Write + std::io::Seek,
    R: std::io::Read,
{
    use zip::write::SimpleFileOptions;
    let mut zip = zip::ZipWriter::new(sink);
    for (name, mut source) in entries {
        let method = if name.starts_with("media/") {
            zip::CompressionMethod::Stored
        } else {
            zip::CompressionMethod::Deflated
        };
        let options = SimpleFileOptions::default()
            .compression_method(method)
            .last_modified_time(zip::DateTime::default())
            .unix_permissions(0o644)
            .large_file(true);
        zip.start_file(name.as_str(), options)?;
        std::io::copy(&mut source, &mut zip)?;
    }
    zip.finish()
}

/// The native command that downloads the same archive, for the page to show
/// when the browser cannot reach the API. The token is never part of it.
pub fn native_command(base_url: &str, scope: &FetchScope) -> String {
    let mut command = vec!["CHORUS_API_TOKEN=... chorus2outdoo fetch".to_string()];
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
