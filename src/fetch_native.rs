//! The native transport for `chorus2outdoo fetch`: drives the sans-IO
//! `fetch::Fetcher` with a blocking HTTP client (rustls, no OpenSSL) on a few
//! worker threads. Responses are saved one file each under
//! `<out>.parts/`, so an interrupted run resumes without fetching again what
//! it has; at the end the folder becomes the archive zip at `<out>`. A
//! download that lost most of what was asked for (or whose recordings
//! stopped on refused credentials) still writes the archive, keeps the
//! folder so the next run fetches only what is missing, and fails unless
//! the customer accepted a partial archive.
//!
//! Redirects are not followed here: the fetcher follows them and says
//! which credentials each request carries (the token or the migration
//! user's session on the Chorus origin, nothing elsewhere).

use chorus2outdoo::fetch::{
    fetch_report, write_archive, Credentials, Event, FetchScope, Fetcher, MediaSession, MediaStop,
    MissingCall, Next, Request, Response, Task, REPORT_ENTRY,
};
use std::collections::BTreeSet;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// Where the scope of a partial download is kept, to refuse resuming it
/// with another scope.
const SCOPE_FILE: &str = "fetch-scope.json";

pub struct FetchRun {
    pub base_url: String,
    pub token: String,
    /// The migration user's session, for recordings.
    pub session: Option<MediaSession>,
    pub scope: FetchScope,
    pub out: PathBuf,
    pub concurrency: usize,
    /// Exit 0 even when most of what was asked for is missing.
    pub accept_partial: bool,
    pub quiet: bool,
}

fn parts_dir(out: &Path) -> PathBuf {
    let mut name = out
        .file_name()
        .map(|n| n.to_os_string())
        .unwrap_or_default();
    name.push(".parts");
    out.with_file_name(name)
}

/// Every file already saved under the parts folder, as archive entry names.
fn saved_entries(dir: &Path) -> BTreeSet<String> {
    let mut found = BTreeSet::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(folder) = stack.pop() {
        let Ok(read) = std::fs::read_dir(&folder) else {
            continue;
        };
        for item in read.flatten() {
            let path = item.path();
            if path.is_dir() {
                stack.push(path);
            } else if let Ok(relative) = path.strip_prefix(dir) {
                let name = relative.to_string_lossy().replace('\\', "/");
                if !name.ends_with(".tmp") {
                    found.insert(name);
                }
            }
        }
    }
    found
}

/// The saved file that answers a task, if any (media by id, any extension).
fn cached(saved: &BTreeSet<String>, task: &Task) -> Option<String> {
    let entry = task.entry();
    match task {
        Task::Media { .. } => saved
            .range(format!("{entry}.")..)
            .next()
            .filter(|n| n.starts_with(&format!("{entry}.")))
            .cloned(),
        _ => saved.contains(&entry).then_some(entry),
    }
}

/// The Content-Type that gives a saved media file its extension back.
fn saved_media_type(extension: &str) -> Option<&'static str> {
    match extension {
        "mp4" => Some("video/mp4"),
        "m4a" => Some("audio/mp4"),
        "mp3" => Some("audio/mpeg"),
        "wav" => Some("audio/wav"),
        "webm" => Some("video/webm"),
        _ => None,
    }
}

fn save(dir: &Path, entry: &str, bytes: &[u8]) -> Result<(), String> {
    let path = dir.join(entry);
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).map_err(|e| format!("{}: {e}", parent.display()))?;
    }
    let temporary = path.with_extension("tmp");
    std::fs::write(&temporary, bytes).map_err(|e| format!("{}: {e}", temporary.display()))?;
    std::fs::rename(&temporary, &path).map_err(|e| format!("{}: {e}", path.display()))
}

/// Sends one request with the credentials the fetcher chose for it.
fn send(
    agent: &ureq::Agent,
    token: &str,
    session: Option<&MediaSession>,
    request: &Request,
) -> Result<Response, String> {
    let mut call = agent.get(&request.url).header("Accept", request.accept);
    match (request.credentials, session) {
        (Credentials::Token, _) => call = call.header("Authorization", token),
        (Credentials::Session, Some(session)) => {
            call = call
                .header("Cookie", session.cookie_header())
                .header("X-Xsrftoken", session.xsrf_header())
        }
        (Credentials::Session, None) => return Err("no session was given".to_string()),
        (Credentials::None, _) => {}
    }
    // An error's text may quote the URL (a signed link): it is not kept.
    let mut answer = call.call().map_err(|e| match e {
        ureq::Error::Timeout(_) => "the request timed out".to_string(),
        ureq::Error::Io(e) => format!("the connection failed ({})", e.kind()),
        ureq::Error::HostNotFound => "the host was not found".to_string(),
        ureq::Error::ConnectionFailed => "the connection failed".to_string(),
        e if request.hops == 0 => e.to_string(),
        _ => "the request failed".to_string(),
    })?;
    let header = |name: &str| {
        answer
            .headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string)
    };
    let retry_after = header("retry-after");
    let content_type = header("content-type");
    let location = header("location");
    let status = answer.status().as_u16();
    let mut body = Vec::new();
    answer
        .body_mut()
        .as_reader()
        .read_to_end(&mut body)
        .map_err(|e| format!("the connection dropped: {e}"))?;
    Ok(Response {
        status,
        retry_after,
        content_type,
        location,
        body,
    })
}

fn duration_text(seconds: f64) -> String {
    let seconds = seconds.max(0.0) as u64;
    if seconds >= 3600 {
        format!("{}h{:02}m", seconds / 3600, seconds % 3600 / 60)
    } else {
        format!("{}m{:02}s", seconds / 60, seconds % 60)
    }
}

/// Zips the parts folder and the fetch report into the archive at `out`.
fn zip_parts(dir: &Path, out: &Path, report: Vec<u8>) -> Result<(), String> {
    let partial = out.with_extension("zip.partial");
    let file =
        std::fs::File::create(&partial).map_err(|e| format!("{}: {e}", partial.display()))?;
    let mut sources: Vec<(String, Box<dyn Read>)> = Vec::new();
    let mut entries: Vec<String> = saved_entries(dir)
        .into_iter()
        .filter(|e| e != SCOPE_FILE && e != REPORT_ENTRY)
        .collect();
    entries.push(REPORT_ENTRY.to_string());
    entries.sort();
    for entry in entries {
        if entry == REPORT_ENTRY {
            sources.push((entry, Box::new(std::io::Cursor::new(report.clone()))));
            continue;
        }
        let source = std::fs::File::open(dir.join(&entry)).map_err(|e| format!("{entry}: {e}"))?;
        sources.push((entry, Box::new(source)));
    }
    let mut writer = write_archive(std::io::BufWriter::new(file), sources)
        .map_err(|e| format!("{}: {e}", partial.display()))?;
    writer.flush().map_err(|e| e.to_string())?;
    drop(writer);
    std::fs::rename(&partial, out).map_err(|e| format!("{}: {e}", out.display()))
}

/// Where the customer is told how to get the API token and the session.
const GUIDE: &str = "see \"Downloading your calls from Chorus\" in docs/user-guide.md";

/// The migration user's session for recordings: from CHORUS_SESSION (with
/// CHORUS_XSRF when the cookie lacks `_xsrf`), else asked for on a
/// terminal; `None` when neither gives one (recordings are then asked for
/// with the token, which Chorus usually refuses). The values are never
/// printed, not even in an error.
pub fn media_session(quiet: bool) -> Result<Option<MediaSession>, String> {
    let var = |name: &str| std::env::var(name).ok().filter(|v| !v.trim().is_empty());
    let xsrf = var("CHORUS_XSRF");
    if let Some(cookie) = var("CHORUS_SESSION") {
        return MediaSession::parse(&cookie, xsrf.as_deref())
            .map(Some)
            .map_err(|e| format!("CHORUS_SESSION: {e} ({GUIDE})"));
    }
    if xsrf.is_some() {
        return Err(format!(
            "CHORUS_XSRF is set but CHORUS_SESSION is not: give the Cookie header of a logged-in chorus.ai page in CHORUS_SESSION ({GUIDE})"
        ));
    }
    use std::io::IsTerminal;
    if std::io::stdin().is_terminal() && std::io::stderr().is_terminal() {
        eprintln!(
            "Recordings download through the migration user's Chorus session: Chorus refuses the API token for them.\n\
             Paste the Cookie header of a chorus.ai page where the migration user is logged in ({GUIDE}).\n\
             The input is hidden; press Enter alone to try the API token instead."
        );
        let read = |prompt: &str| {
            rpassword::prompt_password(prompt).map_err(|e| format!("cannot read the session: {e}"))
        };
        let cookie = read("Chorus session (Cookie header): ")?;
        if cookie.trim().is_empty() {
            eprintln!("No session: recordings are asked for with the API token.");
            return Ok(None);
        }
        if cookie.len() >= 4095 {
            eprintln!("note: a terminal may cut a pasted line this long; if Chorus refuses the session, give it in CHORUS_SESSION instead");
        }
        let xsrf = if cookie.contains("_xsrf=") {
            None
        } else {
            Some(read("The _xsrf cookie's value (hidden): ")?)
        };
        return MediaSession::parse(&cookie, xsrf.as_deref())
            .map(Some)
            .map_err(|e| format!("the session pasted: {e} ({GUIDE})"));
    }
    if !quiet {
        eprintln!(
            "note: no CHORUS_SESSION given: recordings are asked for with the API token, which Chorus usually refuses for them ({GUIDE})"
        );
    }
    Ok(None)
}

pub fn run(run: FetchRun) -> Result<(), String> {
    let dir = parts_dir(&run.out);
    std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let scope_json = serde_json::to_string(&(&run.base_url, &run.scope)).expect("scope serialises");
    match std::fs::read_to_string(dir.join(SCOPE_FILE)) {
        Ok(previous) if previous != scope_json => {
            return Err(format!(
                "{} holds a partial download with another scope or base URL; run with the same options to resume, or delete the folder",
                dir.display()
            ))
        }
        Ok(_) => {}
        Err(_) => save(&dir, SCOPE_FILE, scope_json.as_bytes())?,
    }
    let mut saved = saved_entries(&dir);
    saved.remove(REPORT_ENTRY);
    let resumed = saved.len() > 1;
    let mut fetcher = Fetcher::new(&run.base_url, run.scope.clone())
        .map_err(|e| e.to_string())?
        .with_concurrency(run.concurrency)
        .with_media_session(run.session.is_some());
    let say = |text: &str| {
        if !run.quiet {
            eprintln!("{}", chorus2outdoo::printable(text, true));
        }
    };
    if resumed {
        say(&format!(
            "resuming: {} responses already saved in {}",
            saved.len() - 1,
            dir.display()
        ));
    }

    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        // The fetcher follows redirects: credentials stay on the Chorus origin.
        .max_redirects(0)
        .timeout_global(Some(Duration::from_secs(600)))
        .build()
        .into();
    let (work_tx, work_rx) = mpsc::channel::<Request>();
    let work_rx = std::sync::Arc::new(std::sync::Mutex::new(work_rx));
    let (done_tx, done_rx) = mpsc::channel::<(Request, Result<Response, String>)>();
    let workers: Vec<_> = (0..run.concurrency.max(1))
        .map(|_| {
            let (agent, token, session, work_rx, done_tx) = (
                agent.clone(),
                run.token.clone(),
                run.session.clone(),
                work_rx.clone(),
                done_tx.clone(),
            );
            std::thread::spawn(move || loop {
                let request = match work_rx.lock().map(|rx| rx.recv()) {
                    Ok(Ok(request)) => request,
                    _ => return,
                };
                let response = send(&agent, &token, session.as_ref(), &request);
                if done_tx.send((request, response)).is_err() {
                    return;
                }
            })
        })
        .collect();
    drop(done_tx);

    let start = Instant::now();
    let now = || start.elapsed().as_millis() as u64;
    let mut missing = Vec::new();
    let mut last_progress = Instant::now();
    let mut fetched = 0usize;
    // Answers the fetcher with a response; `cached` names the saved file it
    // came from, which is removed when the fetcher does not take it (a
    // recording that an earlier version saved from an error page).
    let mut handle = |fetcher: &mut Fetcher,
                      request: Request,
                      response: Result<Response, String>,
                      saved: &mut BTreeSet<String>,
                      cached: Option<&str>|
     -> Result<(), String> {
        let mut taken = false;
        for event in fetcher.handle(&request, response, now()) {
            match event {
                Event::Save { entry, bytes } => {
                    if cached == Some(entry.as_str()) {
                        taken = true;
                        continue;
                    }
                    save(&dir, &entry, &bytes)?;
                    saved.insert(entry);
                }
                Event::Missing { id, what, message } => {
                    say(&format!("{what} {id}: {message}"));
                    missing.push(MissingCall {
                        engagement_id: id,
                        what,
                        message,
                    });
                }
                Event::Retry {
                    task,
                    delay_ms,
                    message,
                } => {
                    say(&format!(
                        "{}: {message}; trying again in {:.1} s",
                        task.entry(),
                        delay_ms as f64 / 1000.0
                    ));
                }
            }
        }
        if let (Some(entry), false) = (cached, taken) {
            std::fs::remove_file(dir.join(entry)).map_err(|e| format!("{entry}: {e}"))?;
            saved.remove(entry);
        }
        Ok(())
    };
    loop {
        if !run.quiet && last_progress.elapsed() >= Duration::from_secs(1) {
            last_progress = Instant::now();
            let p = fetcher.progress().clone();
            let elapsed = start.elapsed().as_secs_f64().max(0.001);
            let rate = fetched as f64 / elapsed;
            let left = (p.calls_total + p.media_total).saturating_sub(p.calls_done + p.media_done);
            let eta = if rate > 0.0 && p.calls_total > 0 {
                duration_text(left as f64 / rate)
            } else {
                "-".to_string()
            };
            eprintln!(
                "pages {} ({} engagements), calls {}/{}{}, {:.1} requests/s, ETA {eta}",
                p.pages,
                p.engagements,
                p.calls_done,
                p.calls_total,
                if p.media_total > 0 {
                    format!(", media {}/{}", p.media_done, p.media_total)
                } else {
                    String::new()
                },
                rate
            );
        }
        match fetcher.next(now()) {
            Next::Send(request) => {
                if let Some(entry) = cached(&saved, &request.task) {
                    let bytes =
                        std::fs::read(dir.join(&entry)).map_err(|e| format!("{entry}: {e}"))?;
                    let content_type = entry
                        .rsplit_once('.')
                        .and_then(|(_, ext)| saved_media_type(ext))
                        .map(str::to_string);
                    let response = Response {
                        status: 200,
                        content_type,
                        body: bytes,
                        ..Response::default()
                    };
                    handle(
                        &mut fetcher,
                        request,
                        Ok(response),
                        &mut saved,
                        Some(&entry),
                    )?;
                } else {
                    work_tx
                        .send(request)
                        .map_err(|_| "the download workers stopped".to_string())?;
                }
            }
            Next::Wait { until_ms } => {
                let timeout = until_ms
                    .map(|t| t.saturating_sub(now()))
                    .unwrap_or(1000)
                    .clamp(1, 1000);
                match done_rx.recv_timeout(Duration::from_millis(timeout)) {
                    Ok((request, response)) => {
                        fetched += 1;
                        handle(&mut fetcher, request, response, &mut saved, None)?;
                    }
                    Err(mpsc::RecvTimeoutError::Timeout) => {}
                    Err(mpsc::RecvTimeoutError::Disconnected) => {
                        return Err("the download workers stopped".to_string())
                    }
                }
            }
            Next::Done => break,
        }
    }
    drop(work_tx);
    for worker in workers {
        let _ = worker.join();
    }
    if let Some(error) = fetcher.failure() {
        return Err(format!("{error}. What was downloaded so far is kept in {}; run the same command again to resume", dir.display()));
    }
    zip_parts(&dir, &run.out, fetch_report(&missing))?;
    let p = fetcher.progress();
    say(&format!(
        "wrote {}: {} engagement pages, {} engagements, {} of {} conversations{}, {} missing (listed in {REPORT_ENTRY})",
        run.out.display(),
        p.pages,
        p.engagements,
        p.calls_done - p.missing.min(p.calls_done),
        p.calls_total,
        if p.media_total > 0 {
            format!(", {} of {} recordings", p.media_saved, p.media_total)
        } else {
            String::new()
        },
        missing.len()
    ));
    let Some(incomplete) = fetcher.incomplete() else {
        std::fs::remove_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        return Ok(());
    };
    if run.accept_partial {
        say(&format!(
            "warning: {incomplete}; accepted (--accept-partial)"
        ));
        std::fs::remove_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        return Ok(());
    }
    let what_now = match incomplete.media_stop {
        Some(MediaStop::SessionRefused { .. }) => format!("Log in to Chorus as the migration user again, set CHORUS_SESSION to the new Cookie header ({GUIDE}) and run the same command again: it downloads only what is missing."),
        Some(MediaStop::TokenRefused) => format!("Give the migration user's session in CHORUS_SESSION ({GUIDE}) and run the same command again: it downloads only what is missing."),
        None => "Check that the token's user may see these calls, then run the same command again: it downloads only what is missing.".to_string(),
    };
    Err(format!(
        "{incomplete}. {} was written with what came ({REPORT_ENTRY} in it lists what is missing), but it is not a whole migration. {what_now} What was downloaded is kept in {} until then; to keep the archive as it is instead, run the same command with --accept-partial.",
        run.out.display(),
        dir.display()
    ))
}
