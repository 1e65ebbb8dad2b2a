//! The Chorus API client logic, without I/O (sans-IO): the scope in; the
//! requests to send out; each response in; the archive entries to save, the
//! calls to report and the next requests out. Two thin transports drive it:
//! a native HTTP client in the CLI and the browser's `fetch` in a worker.
//!
//! The order of work: engagement pages (`GET /v3/engagements`, following
//! `continuation_key`), then users (`GET /v3/users`), then each recorded
//! engagement's conversation (`GET /api/v1/conversations/{id}`) and, when
//! asked, its recording, several at a time. The archive it fills is exactly
//! what `convert --archive` reads.
//!
//! Each resource is asked for by the id exactly as the engagement page gave
//! it (Chorus's are upper-case hex; a server may compare them exactly); the
//! same engagement given twice in different case is asked for once.
//!
//! A recording (`GET /api/v1/conversations/{id}/media`) is followed here,
//! not in the transports: a redirect's `Location`, or the download link of
//! the JSON answer (`?info=true`, or a server that answers JSON anyway), is
//! a new request; the token or the migration user's session goes only to
//! the Chorus origin, never to the storage host a link points at. An answer
//! that is JSON, a web page or text is never saved as a recording: a login
//! page or a 401/403 means the credentials were refused, and the remaining
//! recordings are not asked for (they are reported, and a new run with a
//! fresh session fetches only them).
//!
//! One file a job: `protocol` (what the fetcher and a transport exchange),
//! `fetcher` (the state machine), `rules` (engagements wanted, retries,
//! error messages), `media` (what an answer to a recording is), `session`
//! (the migration user's session), `incomplete` (a download that lost too
//! much), `archive` (the zip and its fetch report), `command` (the native
//! command). The page's transport is in `wasm::fetch`.

mod archive;
mod command;
mod fetcher;
mod incomplete;
mod media;
mod protocol;
mod rules;
mod session;

pub use archive::{fetch_report, write_archive, MissingCall, REPORT_ENTRY};
pub use command::native_command;
pub use fetcher::{Fetcher, DEFAULT_CONCURRENCY, MAX_HOPS};
pub use incomplete::{Incomplete, MediaStop};
pub use media::media_extension;
pub use protocol::{
    Credentials, Event, FetchError, FetchScope, Next, Progress, Request, Response, Task,
};
pub use rules::{MAX_ATTEMPTS, MAX_DELAY_MS};
pub use session::MediaSession;
