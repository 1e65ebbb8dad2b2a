//! The client state machine (`Fetcher`): in, the scope and the answer to
//! each request sent; out, the next request (engagement pages one at a
//! time, then users, conversations and recordings several at a time),
//! retries, redirects and download links followed, and what to save or
//! report. It does no I/O: a transport sends what it says and hands back
//! what came.

use super::incomplete::{Incomplete, MediaStop};
use super::media;
use super::protocol::{
    Credentials, Event, FetchError, FetchScope, Next, Progress, Request, Response, Task,
};
use super::rules::{
    backoff_ms, encode, id_text, is_engagement_id, is_error_document, retry_after_ms, short_error,
    valid_date, wants_conversation, MAX_ATTEMPTS, MAX_DELAY_MS,
};
use serde_json::Value;
use std::collections::{BTreeMap, VecDeque};

/// Redirects and links followed for one recording before it counts as failed.
pub const MAX_HOPS: u8 = 5;
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
    /// The recorded engagements in scope: the id lower-cased (to find the
    /// same engagement given twice in different case) to the id as Chorus
    /// gave it first, which is what the API is asked for.
    engagement_ids: BTreeMap<String, String>,
    progress: Progress,
    failed: Option<FetchError>,
    /// Whether recordings are asked for with the migration user's session
    /// (given to the transport) rather than the token.
    media_session: bool,
    /// Whether `/media` is asked with `info=true` (after a plain `/media`
    /// answered without a file or a link).
    media_info: bool,
    /// Requests that follow a redirect or a download link, sent first.
    follow_ups: VecDeque<Request>,
    media_stop: Option<MediaStop>,
}

/// How a recording's request is answered (see `Fetcher::media_answer`).
enum MediaAnswer {
    Save(&'static str, Vec<u8>),
    Follow(String),
    AskInfo,
    Refused(String),
    Retry(Option<u64>, String),
    Missing(String),
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
            engagement_ids: BTreeMap::new(),
            progress: Progress::default(),
            failed: None,
            media_session: false,
            media_info: false,
            follow_ups: VecDeque::new(),
            media_stop: None,
        })
    }

    pub fn with_concurrency(mut self, concurrency: usize) -> Self {
        self.concurrency = concurrency.max(1);
        self
    }

    /// Recordings are asked for with the migration user's session (which
    /// the transport holds) instead of the token.
    pub fn with_media_session(mut self, session: bool) -> Self {
        self.media_session = session;
        self
    }

    /// Why recordings stopped being asked for, if they did.
    pub fn media_stop(&self) -> Option<MediaStop> {
        self.media_stop
    }

    /// Whether a finished download lost too much to pass for a migration:
    /// more than half of the conversations, or of the recordings, asked for
    /// are missing, or recordings stopped on refused credentials.
    pub fn incomplete(&self) -> Option<Incomplete> {
        Incomplete::of(&self.progress, self.media_stop)
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
            Task::Media { id } => format!(
                "{}/api/v1/conversations/{id}/media{}",
                self.base_url,
                if self.media_info { "?info=true" } else { "" }
            ),
        }
    }

    fn media_credentials(&self) -> Credentials {
        if self.media_session {
            Credentials::Session
        } else {
            Credentials::Token
        }
    }

    fn request(&self, task: Task) -> Request {
        let (accept, credentials) = match task {
            Task::Conversation { .. } => (
                "application/vnd.api+json, application/json",
                Credentials::Token,
            ),
            Task::Media { .. } => ("*/*", self.media_credentials()),
            _ => ("application/json", Credentials::Token),
        };
        Request {
            url: self.url(&task),
            task,
            accept,
            credentials,
            hops: 0,
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
            if let Some(request) = self.follow_ups.pop_front() {
                self.in_flight += 1;
                return Next::Send(request);
            }
            if let Some(task) = self.queue.pop_front() {
                self.in_flight += 1;
                return Next::Send(self.request(task));
            }
        }
        if self.in_flight == 0
            && self.queue.is_empty()
            && self.delayed.is_empty()
            && self.follow_ups.is_empty()
        {
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
        let ids: Vec<String> = self.engagement_ids.values().cloned().collect();
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
        if let Task::Media { id } = &request.task {
            let id = id.clone();
            return match self.media_answer(request, response) {
                MediaAnswer::Save(extension, bytes) => self.save_media(request, extension, bytes),
                MediaAnswer::Follow(url) => self.follow(request, &id, url),
                MediaAnswer::AskInfo => {
                    self.media_info = true;
                    self.queue.push_front(request.task.clone());
                    Vec::new()
                }
                MediaAnswer::Refused(message) => self.refused(&id, message),
                MediaAnswer::Retry(delay, message) => self.retry(request, delay, message, now_ms),
                MediaAnswer::Missing(message) => self.media_missing(&id, message),
            };
        }
        let response = match response {
            Ok(response) => response,
            Err(message) => return self.retry(request, None, message, now_ms),
        };
        match response.status {
            200..=299 => self.success(request, response),
            401 | 403 => {
                self.failed = Some(FetchError::Unauthorized {
                    status: response.status,
                    url: request.url.clone(),
                });
                Vec::new()
            }
            429 => {
                let delay = retry_after_ms(response.retry_after.as_deref());
                self.retry(request, delay, "429 Too Many Requests".to_string(), now_ms)
            }
            500..=599 => self.retry(
                request,
                None,
                format!("server error {}", response.status),
                now_ms,
            ),
            status => self.give_up(request, format!("{status} {}", short_error(&response.body))),
        }
    }

    /// Sends the task again later (a recording from the API's URL again: a
    /// signed link may have expired), or gives up after `MAX_ATTEMPTS`.
    fn retry(
        &mut self,
        request: &Request,
        delay: Option<u64>,
        message: String,
        now_ms: u64,
    ) -> Vec<Event> {
        let task = request.task.clone();
        let attempt = self.attempt(&task);
        if attempt >= MAX_ATTEMPTS {
            return self.give_up(request, format!("{message}; gave up after {attempt} tries"));
        }
        if let (Task::Media { id }, Some(stop)) = (&task, self.media_stop) {
            return self.media_missing(id, stop.not_asked().to_string());
        }
        let delay_ms = delay
            .unwrap_or_else(|| backoff_ms(attempt - 1))
            .min(MAX_DELAY_MS);
        self.delayed
            .push((now_ms + delay_ms, task.clone(), attempt));
        self.progress.retries += 1;
        vec![Event::Retry {
            task,
            delay_ms,
            message,
        }]
    }

    /// What an answer about a recording means. Only the Chorus API's own
    /// answers (which carry credentials) can say the credentials were
    /// refused; a storage host's refusal is a link that expired.
    fn media_answer(&self, request: &Request, response: Result<Response, String>) -> MediaAnswer {
        let response = match response {
            Ok(response) => response,
            Err(message) => return MediaAnswer::Retry(None, message),
        };
        let from_chorus = request.credentials != Credentials::None;
        let status = response.status;
        let detail = || {
            if from_chorus {
                format!("{status} {}", short_error(&response.body))
                    .trim_end()
                    .to_string()
            } else {
                format!("{status} from the recording's storage host")
            }
        };
        match status {
            200..=299 => match media::classify(response.content_type.as_deref(), &response.body) {
                media::MediaBody::Recording(extension) => {
                    MediaAnswer::Save(extension, response.body)
                }
                media::MediaBody::Json => {
                    if let Some(link) = media::find_link(&response.body) {
                        MediaAnswer::Follow(link)
                    } else if is_error_document(&response.body) {
                        MediaAnswer::Missing(format!(
                            "Chorus answered an error instead of the recording ({})",
                            short_error(&response.body)
                        ))
                    } else if request.hops == 0 && !asked_info(request) {
                        MediaAnswer::AskInfo
                    } else {
                        MediaAnswer::Missing(
                            "the answer about the recording holds no download link".to_string(),
                        )
                    }
                }
                media::MediaBody::WebPage => MediaAnswer::Refused(format!(
                    "a web page (a login page) came back instead of the recording ({status})"
                )),
                media::MediaBody::Text => MediaAnswer::Missing(format!(
                    "the answer is not a recording ({}, {} bytes); nothing was saved",
                    response
                        .content_type
                        .as_deref()
                        .map(|t| media::mime(Some(t)))
                        .filter(|t| !t.is_empty())
                        .unwrap_or_else(|| "no type".to_string()),
                    response.body.len()
                )),
            },
            301 | 302 | 303 | 307 | 308 => match response.location {
                Some(location) => MediaAnswer::Follow(location),
                None => MediaAnswer::Missing(format!("a {status} redirect without a Location")),
            },
            400 if request.hops == 0 && !asked_info(request) => MediaAnswer::AskInfo,
            401 | 403 if from_chorus => MediaAnswer::Refused(detail()),
            401 | 403 => MediaAnswer::Retry(
                None,
                format!("{status}: the recording's storage host refused the link"),
            ),
            404 => MediaAnswer::Missing(format!(
                "no recording: missing, private, or not visible to the user ({})",
                detail()
            )),
            429 => MediaAnswer::Retry(
                retry_after_ms(response.retry_after.as_deref()),
                "429 Too Many Requests".to_string(),
            ),
            500..=599 => MediaAnswer::Retry(None, format!("server error {status}")),
            _ => MediaAnswer::Missing(detail()),
        }
    }

    fn save_media(&mut self, request: &Request, extension: &str, bytes: Vec<u8>) -> Vec<Event> {
        self.progress.media_done += 1;
        self.progress.media_saved += 1;
        vec![Event::Save {
            entry: format!("{}.{extension}", request.task.entry()),
            bytes,
        }]
    }

    /// Asks for where a redirect or a download link points: with the
    /// credentials only on the Chorus origin, never over plain http from an
    /// https address.
    fn follow(&mut self, request: &Request, id: &str, location: String) -> Vec<Event> {
        if request.hops >= MAX_HOPS {
            return self.media_missing(
                id,
                format!("more than {MAX_HOPS} redirects or links; not followed further"),
            );
        }
        let Some(url) = media::resolve(&request.url, &location) else {
            return self.media_missing(
                id,
                "the recording's download link is not an http(s) URL".to_string(),
            );
        };
        if self.base_url.starts_with("https://") && url.starts_with("http://") {
            return self.media_missing(
                id,
                "the recording's download link is plain http; not followed".to_string(),
            );
        }
        let credentials = if media::same_origin(&self.base_url, &url) {
            self.media_credentials()
        } else {
            Credentials::None
        };
        if credentials != Credentials::None {
            if let Some(stop) = self.media_stop {
                return self.media_missing(id, stop.not_asked().to_string());
            }
        }
        self.follow_ups.push_back(Request {
            task: request.task.clone(),
            url,
            accept: "*/*",
            credentials,
            hops: request.hops + 1,
        });
        Vec::new()
    }

    fn media_missing(&mut self, id: &str, message: String) -> Vec<Event> {
        self.progress.media_done += 1;
        self.progress.media_missing += 1;
        vec![Event::Missing {
            id: id.to_string(),
            what: "media",
            message,
        }]
    }

    /// Chorus refused the credentials for a recording: no more recordings
    /// are asked for with them; the ones waiting are reported.
    fn refused(&mut self, id: &str, detail: String) -> Vec<Event> {
        let stop = *self.media_stop.get_or_insert(if self.media_session {
            MediaStop::SessionRefused {
                after: self.progress.media_saved,
            }
        } else {
            MediaStop::TokenRefused
        });
        let message = match stop {
            MediaStop::TokenRefused => format!("the recording download was refused ({detail}): Chorus gives recordings to a logged-in user, not to the API token; give the migration user's session"),
            MediaStop::SessionRefused { .. } => format!("the migration user's Chorus session was refused ({detail}): it expired, or was copied incompletely"),
        };
        let mut events = self.media_missing(id, message);
        let mut waiting: Vec<String> = Vec::new();
        self.queue.retain(|task| match task {
            Task::Media { id } => {
                waiting.push(id.clone());
                false
            }
            _ => true,
        });
        self.delayed.retain(|(_, task, _)| match task {
            Task::Media { id } => {
                waiting.push(id.clone());
                false
            }
            _ => true,
        });
        self.follow_ups.retain(|request| {
            if request.credentials == Credentials::None {
                return true;
            }
            waiting.push(task_id(&request.task).to_string());
            false
        });
        for id in waiting {
            events.extend(self.media_missing(&id, stop.not_asked().to_string()));
        }
        events
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
                let id = id.clone();
                self.media_missing(&id, message)
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
            Task::Media { .. } => unreachable!("recordings are answered by media_answer"),
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
                    self.engagement_ids
                        .entry(id.to_ascii_lowercase())
                        .or_insert(id);
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

/// Whether a recording's request asked for the JSON answer (`info=true`).
fn asked_info(request: &Request) -> bool {
    request.url.ends_with("?info=true")
}

fn task_id(task: &Task) -> &str {
    match task {
        Task::Conversation { id } | Task::Media { id } => id,
        _ => "",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const BASE: &str = "https://chorus.example";

    fn ok(content_type: &str, body: &[u8]) -> Result<Response, String> {
        Ok(Response {
            status: 200,
            content_type: Some(content_type.to_string()),
            body: body.to_vec(),
            ..Response::default()
        })
    }

    fn status(status: u16, location: Option<&str>) -> Result<Response, String> {
        Ok(Response {
            status,
            location: location.map(str::to_string),
            ..Response::default()
        })
    }

    fn send(fetcher: &mut Fetcher) -> Request {
        match fetcher.next(0) {
            Next::Send(request) => request,
            other => panic!("expected a request, got {other:?}"),
        }
    }

    fn page(ids: &[&str]) -> Vec<u8> {
        let engagements: Vec<Value> = ids
            .iter()
            .map(|id| serde_json::json!({"engagement_id": id, "engagement_type": "meeting", "duration": 60}))
            .collect();
        serde_json::to_vec(&serde_json::json!({"engagements": engagements})).unwrap()
    }

    /// A fetcher of recordings past its page, users and conversations: the
    /// recordings' requests are next.
    fn at_recordings(ids: &[&str], session: bool) -> Fetcher {
        let scope = FetchScope {
            media: true,
            ..FetchScope::default()
        };
        let mut fetcher = Fetcher::new(BASE, scope)
            .unwrap()
            .with_concurrency(1)
            .with_media_session(session);
        let first = send(&mut fetcher);
        fetcher.handle(&first, ok("application/json", &page(ids)), 0);
        loop {
            let request = send(&mut fetcher);
            if matches!(request.task, Task::Media { .. }) {
                // Put it back: the test sends it.
                fetcher.in_flight -= 1;
                fetcher.queue.push_front(request.task);
                return fetcher;
            }
            fetcher.handle(&request, ok("application/json", b"{}"), 0);
        }
    }

    #[test]
    fn ids_are_asked_for_as_given_once_whatever_their_case() {
        let mut fetcher = Fetcher::new(BASE, FetchScope::default()).unwrap();
        let first = send(&mut fetcher);
        let upper = "EE8ED5BBBC254177B8201B9D84855949";
        let lower = upper.to_ascii_lowercase();
        let events = fetcher.handle(
            &first,
            ok(
                "application/json",
                &page(&[upper, &lower, "0A0B0C0D0E0F0A0B0C0D0E0F0A0B0C0D"]),
            ),
            0,
        );
        assert_eq!(events.len(), 1);
        assert_eq!(send(&mut fetcher).task, Task::Users);
        let requests: Vec<Request> = (0..2).map(|_| send(&mut fetcher)).collect();
        assert_eq!(
            requests.iter().map(|r| r.url.as_str()).collect::<Vec<_>>(),
            [
                "https://chorus.example/api/v1/conversations/0A0B0C0D0E0F0A0B0C0D0E0F0A0B0C0D",
                "https://chorus.example/api/v1/conversations/EE8ED5BBBC254177B8201B9D84855949",
            ]
        );
        assert_eq!(fetcher.progress().calls_total, 2);
        // The entry is named by the lower-cased id.
        assert_eq!(
            fetcher.handle(&requests[1], ok("application/vnd.api+json", b"{}"), 0),
            [Event::Save {
                entry: format!("conversations/{lower}.json"),
                bytes: b"{}".to_vec()
            }]
        );
    }

    #[test]
    fn a_redirect_keeps_the_credentials_on_the_chorus_origin_only() {
        let id = "A1A1A1A1A1A1A1A1A1A1A1A1A1A1A1A1";
        let mut fetcher = at_recordings(&[id], true);
        let api = send(&mut fetcher);
        assert_eq!(
            (api.url.as_str(), api.credentials, api.hops),
            (
                "https://chorus.example/api/v1/conversations/A1A1A1A1A1A1A1A1A1A1A1A1A1A1A1A1/media",
                Credentials::Session,
                0
            )
        );
        // A redirect within Chorus carries the session on ...
        assert_eq!(
            fetcher.handle(&api, status(302, Some("/media-files/a1")), 0),
            []
        );
        let within = send(&mut fetcher);
        assert_eq!(
            (within.url.as_str(), within.credentials, within.hops),
            (
                "https://chorus.example/media-files/a1",
                Credentials::Session,
                1
            )
        );
        // ... one to the storage host carries nothing.
        let signed = "https://storage.example/a1.mp4?X-Amz-Signature=abc";
        assert_eq!(fetcher.handle(&within, status(307, Some(signed)), 0), []);
        let storage = send(&mut fetcher);
        assert_eq!(
            (storage.url.as_str(), storage.credentials, storage.hops),
            (signed, Credentials::None, 2)
        );
        let mp4 = b"\0\0\0\x18ftypmp42rest";
        assert_eq!(
            fetcher.handle(&storage, ok("binary/octet-stream", mp4), 0),
            [Event::Save {
                entry: "media/a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1.mp4".into(),
                bytes: mp4.to_vec()
            }]
        );
        assert_eq!(fetcher.next(0), Next::Done);
        assert_eq!(fetcher.incomplete(), None);
        assert_eq!(fetcher.progress().media_saved, 1);
    }

    #[test]
    fn a_json_answer_is_followed_by_its_link_or_asked_again_with_info() {
        let ids = [
            "A1A1A1A1A1A1A1A1A1A1A1A1A1A1A1A1",
            "B2B2B2B2B2B2B2B2B2B2B2B2B2B2B2B2",
        ];
        let mut fetcher = at_recordings(&ids, false);
        let plain = send(&mut fetcher);
        assert_eq!(plain.credentials, Credentials::Token);
        // JSON without a link: the same recording is asked with info=true,
        // and so is every recording after it.
        assert_eq!(
            fetcher.handle(&plain, ok("application/json", br#"{"status": "ready"}"#), 0),
            []
        );
        let info = send(&mut fetcher);
        assert_eq!(
            info.url,
            format!("{BASE}/api/v1/conversations/{}/media?info=true", ids[0])
        );
        let link =
            br#"{"data": {"attributes": {"download_url": "https://cdn.example/a1.m4a?sig=1"}}}"#;
        assert_eq!(fetcher.handle(&info, ok("application/json", link), 0), []);
        let file = send(&mut fetcher);
        assert_eq!(
            (file.url.as_str(), file.credentials),
            ("https://cdn.example/a1.m4a?sig=1", Credentials::None)
        );
        // A file host answering text: nothing is saved.
        assert_eq!(
            fetcher.handle(&file, ok("audio/mp4", b"Signature expired"), 0),
            [Event::Missing {
                id: ids[0].into(),
                what: "media",
                message: "the answer is not a recording (audio/mp4, 17 bytes); nothing was saved"
                    .into()
            }]
        );
        let second = send(&mut fetcher);
        assert!(second.url.ends_with("/media?info=true"), "{}", second.url);
        assert_eq!(
            fetcher.handle(
                &second,
                ok("application/json", br#"{"status": "processing"}"#),
                0
            ),
            [Event::Missing {
                id: ids[1].into(),
                what: "media",
                message: "the answer about the recording holds no download link".into()
            }]
        );
        // Both recordings lost: the download is incomplete.
        assert_eq!(fetcher.next(0), Next::Done);
        assert_eq!(
            fetcher.incomplete().unwrap().to_string(),
            "the download is incomplete: 2 of 2 recordings could not be downloaded"
        );
    }

    #[test]
    fn a_login_page_stops_the_recordings_and_reports_the_rest() {
        let ids = [
            "A1A1A1A1A1A1A1A1A1A1A1A1A1A1A1A1",
            "B2B2B2B2B2B2B2B2B2B2B2B2B2B2B2B2",
            "C3C3C3C3C3C3C3C3C3C3C3C3C3C3C3C3",
        ];
        let mut fetcher = at_recordings(&ids, true).with_concurrency(2);
        let first = send(&mut fetcher);
        let second = send(&mut fetcher);
        // The first is on its way to the storage host when the second meets
        // the login page.
        fetcher.handle(
            &first,
            status(302, Some("https://storage.example/a1?sig=1")),
            0,
        );
        let page = b"<!DOCTYPE html><html><title>Log in</title></html>";
        let events = fetcher.handle(&second, ok("text/html", page), 0);
        let stop = "not asked for: the migration user's Chorus session had expired; run again with a fresh session to download it";
        assert_eq!(
            events,
            [
                Event::Missing {
                    id: ids[1].into(),
                    what: "media",
                    message: "the migration user's Chorus session was refused (a web page (a login page) came back instead of the recording (200)): it expired, or was copied incompletely".into()
                },
                Event::Missing {
                    id: ids[2].into(),
                    what: "media",
                    message: stop.into()
                },
            ]
        );
        assert_eq!(
            fetcher.media_stop(),
            Some(MediaStop::SessionRefused { after: 0 })
        );
        // The storage link needs no session: it is still fetched.
        let storage = send(&mut fetcher);
        assert_eq!(storage.credentials, Credentials::None);
        let mp3 = b"ID3\x04\0\0\0\0\0\0";
        assert_eq!(fetcher.handle(&storage, ok("audio/mpeg", mp3), 0).len(), 1);
        assert_eq!(fetcher.next(0), Next::Done);
        assert_eq!(
            fetcher.incomplete().unwrap().to_string(),
            "the download is incomplete: 2 of 3 recordings could not be downloaded; Chorus refused the migration user's session before any recording was downloaded: it has expired, or was copied incompletely"
        );
    }

    #[test]
    fn a_refused_token_stops_the_recordings_but_a_refused_link_is_tried_again() {
        let ids = [
            "A1A1A1A1A1A1A1A1A1A1A1A1A1A1A1A1",
            "B2B2B2B2B2B2B2B2B2B2B2B2B2B2B2B2",
        ];
        let mut fetcher = at_recordings(&ids, false).with_concurrency(2);
        let api = send(&mut fetcher);
        fetcher.handle(
            &api,
            status(302, Some("https://storage.example/a1?sig=old")),
            0,
        );
        let storage = send(&mut fetcher);
        // An expired link: the recording is asked for again from the API.
        assert_eq!(
            fetcher.handle(&storage, status(403, None), 0),
            [Event::Retry {
                task: api.task.clone(),
                delay_ms: 1000,
                message: "403: the recording's storage host refused the link".into()
            }]
        );
        assert_eq!(send(&mut fetcher).task, Task::Media { id: ids[1].into() });
        let Next::Send(retried) = fetcher.next(1000) else {
            panic!("the retry")
        };
        assert_eq!((retried.url.as_str(), retried.hops), (api.url.as_str(), 0));
        // The token refused for a recording: none is asked for any more.
        let refusal = Response {
            status: 401,
            body: br#"{"errors": [{"title": "Unauthorized"}]}"#.to_vec(),
            ..Response::default()
        };
        let events = fetcher.handle(&retried, Ok(refusal), 1000);
        assert_eq!(
            events,
            [Event::Missing {
                id: ids[0].into(),
                what: "media",
                message: "the recording download was refused (401 Unauthorized): Chorus gives recordings to a logged-in user, not to the API token; give the migration user's session".into()
            }]
        );
        assert_eq!(fetcher.media_stop(), Some(MediaStop::TokenRefused));
    }

    #[test]
    fn endless_redirects_and_plain_http_links_are_not_followed() {
        let id = "A1A1A1A1A1A1A1A1A1A1A1A1A1A1A1A1";
        let mut fetcher = at_recordings(&[id, "B2B2B2B2B2B2B2B2B2B2B2B2B2B2B2B2"], true);
        let mut request = send(&mut fetcher);
        for hop in 0..MAX_HOPS {
            assert_eq!(request.hops, hop);
            assert_eq!(fetcher.handle(&request, status(302, Some("/again")), 0), []);
            request = send(&mut fetcher);
        }
        assert_eq!(
            fetcher.handle(&request, status(302, Some("/again")), 0),
            [Event::Missing {
                id: id.into(),
                what: "media",
                message: "more than 5 redirects or links; not followed further".into()
            }]
        );
        let next = send(&mut fetcher);
        assert_eq!(
            fetcher.handle(
                &next,
                ok("application/json", br#"{"url": "http://cdn.example/b2"}"#),
                0
            ),
            [Event::Missing {
                id: "B2B2B2B2B2B2B2B2B2B2B2B2B2B2B2B2".into(),
                what: "media",
                message: "the recording's download link is plain http; not followed".into()
            }]
        );
    }

    #[test]
    fn a_download_is_incomplete_when_most_of_it_is_missing() {
        let incomplete = |calls: (usize, usize), media: (usize, usize)| {
            let mut fetcher = Fetcher::new(BASE, FetchScope::default()).unwrap();
            fetcher.progress.calls_total = calls.1;
            fetcher.progress.missing = calls.0;
            fetcher.progress.media_total = media.1;
            fetcher.progress.media_missing = media.0;
            fetcher.incomplete().map(|i| i.to_string())
        };
        assert_eq!(incomplete((0, 0), (0, 0)), None);
        assert_eq!(incomplete((2, 4), (2, 4)), None);
        assert_eq!(
            incomplete((3, 4), (0, 0)).as_deref(),
            Some("the download is incomplete: 3 of 4 conversations could not be downloaded")
        );
        assert_eq!(
            incomplete((1, 4), (1, 1)).as_deref(),
            Some("the download is incomplete: 1 of 4 conversations and 1 of 1 recording could not be downloaded")
        );
    }
}
