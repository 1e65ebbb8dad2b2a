//! The native transport for `chorus2outdoo fetch`: drives the sans-IO
//! `fetch::Fetcher` with a blocking HTTP client (rustls, no OpenSSL) on a few
//! worker threads. Responses are saved one file each under
//! `<out>.parts/`, so an interrupted run resumes without fetching again what
//! it has; at the end the folder becomes the archive zip at `<out>`.

use chorus2outdoo::fetch::{
    fetch_report, write_archive, Event, FetchScope, Fetcher, MissingCall, Next, Request, Response,
    Task, REPORT_ENTRY,
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
    pub scope: FetchScope,
    pub out: PathBuf,
    pub concurrency: usize,
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

fn send(agent: &ureq::Agent, token: &str, request: &Request) -> Result<Response, String> {
    let mut answer = agent
        .get(&request.url)
        .header("Authorization", token)
        .header("Accept", request.accept)
        .call()
        .map_err(|e| e.to_string())?;
    let header = |name: &str| {
        answer
            .headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string)
    };
    let retry_after = header("retry-after");
    let content_type = header("content-type");
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

/// Zips the parts folder into the archive at `out`.
fn zip_parts(dir: &Path, out: &Path) -> Result<(), String> {
    let partial = out.with_extension("zip.partial");
    let file =
        std::fs::File::create(&partial).map_err(|e| format!("{}: {e}", partial.display()))?;
    let mut sources = Vec::new();
    for entry in saved_entries(dir).into_iter().filter(|e| e != SCOPE_FILE) {
        let source = std::fs::File::open(dir.join(&entry)).map_err(|e| format!("{entry}: {e}"))?;
        sources.push((entry, source));
    }
    let mut writer = write_archive(std::io::BufWriter::new(file), sources)
        .map_err(|e| format!("{}: {e}", partial.display()))?;
    writer.flush().map_err(|e| e.to_string())?;
    drop(writer);
    std::fs::rename(&partial, out).map_err(|e| format!("{}: {e}", out.display()))
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
    let resumed = saved.len() > 1;
    let mut fetcher = Fetcher::new(&run.base_url, run.scope.clone())
        .map_err(|e| e.to_string())?
        .with_concurrency(run.concurrency);
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
        .timeout_global(Some(Duration::from_secs(600)))
        .build()
        .into();
    let (work_tx, work_rx) = mpsc::channel::<Request>();
    let work_rx = std::sync::Arc::new(std::sync::Mutex::new(work_rx));
    let (done_tx, done_rx) = mpsc::channel::<(Request, Result<Response, String>)>();
    let workers: Vec<_> = (0..run.concurrency.max(1))
        .map(|_| {
            let (agent, token, work_rx, done_tx) = (
                agent.clone(),
                run.token.clone(),
                work_rx.clone(),
                done_tx.clone(),
            );
            std::thread::spawn(move || loop {
                let request = match work_rx.lock().map(|rx| rx.recv()) {
                    Ok(Ok(request)) => request,
                    _ => return,
                };
                let response = send(&agent, &token, &request);
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
    let mut handle = |fetcher: &mut Fetcher,
                      request: Request,
                      response: Result<Response, String>,
                      saved: &mut BTreeSet<String>|
     -> Result<(), String> {
        for event in fetcher.handle(&request, response, now()) {
            match event {
                Event::Save { entry, bytes } => {
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
                        retry_after: None,
                        content_type,
                        body: bytes,
                    };
                    handle(&mut fetcher, request, Ok(response), &mut saved)?;
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
                        handle(&mut fetcher, request, response, &mut saved)?;
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
    save(&dir, REPORT_ENTRY, &fetch_report(&missing))?;
    zip_parts(&dir, &run.out)?;
    std::fs::remove_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let p = fetcher.progress();
    say(&format!(
        "wrote {}: {} engagement pages, {} engagements, {} of {} conversations{}, {} missing (listed in {REPORT_ENTRY})",
        run.out.display(),
        p.pages,
        p.engagements,
        p.calls_done - p.missing.min(p.calls_done),
        p.calls_total,
        if p.media_total > 0 { format!(", {} recordings", p.media_done) } else { String::new() },
        missing.len()
    ));
    Ok(())
}
