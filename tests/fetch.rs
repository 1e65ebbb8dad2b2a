//! `chorus2outdoo fetch` against a mock Chorus API on 127.0.0.1: paging,
//! retries, failures, resuming, recordings (redirects, link JSON, the
//! migration user's session and its expiry), the rule that a download
//! missing most of what was asked for fails, and the archive it writes.

mod common;
#[path = "support/mock_chorus.rs"]
mod mock_chorus;

use chorus2outdoo::fetch::{
    media_extension, native_command, Event, FetchScope, Fetcher, Next, Response, Task,
};
use common::{scratch, unzip};
use mock_chorus::{Fault, MediaAnswer, MockChorus, MockConfig, MockSession};
use std::path::{Path, PathBuf};
use std::process::Command;

const TOKEN: &str = "test-token-5f2c";
// Chorus gives ids in upper case; the mock compares them exactly.
const A1: &str = "A1A1A1A1A1A1A1A1A1A1A1A1A1A1A1A1";
const C3: &str = "C3C3C3C3C3C3C3C3C3C3C3C3C3C3C3C3";
const D4: &str = "D4D4D4D4D4D4D4D4D4D4D4D4D4D4D4D4";
const E5: &str = "E5E5E5E5E5E5E5E5E5E5E5E5E5E5E5E5";
/// The migration user's session cookie and `_xsrf` value (first login).
const SESSION: &str = "chorus_sid=S3SS10N-first-1c9e";
const XSRF: &str = "2|7f3a|first-xsrf|1767000000";

fn data() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/api")
}

fn mock(faults: Vec<Fault>, repeat_last_page: bool) -> MockChorus {
    MockChorus::start(MockConfig {
        token: TOKEN.into(),
        data: data(),
        faults,
        repeat_last_page,
        ..MockConfig::default()
    })
}

/// A mock whose recordings are only for the migration user's session.
fn session_mock(expire_after: Option<usize>) -> MockChorus {
    MockChorus::start(MockConfig {
        token: TOKEN.into(),
        data: data(),
        session: Some(MockSession {
            cookie: SESSION.into(),
            xsrf: XSRF.into(),
            expire_after,
        }),
        ..MockConfig::default()
    })
}

fn fault(path: &str, status: u16, retry_after: Option<&str>, times: usize) -> Fault {
    Fault {
        path_contains: path.into(),
        status,
        retry_after: retry_after.map(str::to_string),
        times,
    }
}

struct Run {
    code: i32,
    stderr: String,
}

fn fetch(base: &str, out: &Path, args: &[&str], token: Option<&str>) -> Run {
    fetch_with(base, out, args, token, &[])
}

/// Runs `fetch` with these environment variables besides the token.
fn fetch_with(
    base: &str,
    out: &Path,
    args: &[&str],
    token: Option<&str>,
    env: &[(&str, &str)],
) -> Run {
    let mut command = Command::new(env!("CARGO_BIN_EXE_chorus2outdoo"));
    command
        .arg("fetch")
        .arg("--base-url")
        .arg(base)
        .arg("--out")
        .arg(out)
        .args(args)
        .env_remove("CHORUS_API_TOKEN")
        .env_remove("CHORUS_SESSION")
        .env_remove("CHORUS_XSRF");
    if let Some(token) = token {
        command.env("CHORUS_API_TOKEN", token);
    }
    for (name, value) in env {
        command.env(name, value);
    }
    let output = command.output().unwrap();
    Run {
        code: output.status.code().unwrap_or(-1),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

/// The entries of a zip file on disk.
fn entries(zip_path: &Path) -> Vec<(String, Vec<u8>)> {
    unzip(&std::fs::read(zip_path).unwrap())
}

fn names(entries: &[(String, Vec<u8>)]) -> Vec<String> {
    entries.iter().map(|(n, _)| n.clone()).collect()
}

fn get(path: &str) -> String {
    format!("GET {path}")
}

/// An archive entry's name: the id lower-cased.
fn conversation(id: &str) -> String {
    format!("conversations/{}.json", id.to_ascii_lowercase())
}

fn media(id: &str, extension: &str) -> String {
    format!("media/{}.{extension}", id.to_ascii_lowercase())
}

/// The fixture recording of an id: its file name.
fn recording(id: &str) -> String {
    let extension = match id {
        _ if id == A1 => "m4a",
        _ if id == C3 => "mp4",
        _ => "mp3",
    };
    format!("{id}.{extension}")
}

/// The storage host's request for a fixture recording (its signed link).
fn storage_get(id: &str) -> String {
    let name = recording(id);
    format!(
        "GET /files/{name}?sig={} @storage",
        mock_chorus::signature(&name)
    )
}

/// `fetch-report.json`'s items as (engagement id, what, message).
fn report(archive: &[(String, Vec<u8>)]) -> Vec<(String, String, String)> {
    let bytes = &archive
        .iter()
        .find(|(n, _)| n == "fetch-report.json")
        .expect("a fetch report")
        .1;
    let report: serde_json::Value = serde_json::from_slice(bytes).unwrap();
    report["missing"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| {
            (
                m["engagement_id"].as_str().unwrap().to_string(),
                m["what"].as_str().unwrap().to_string(),
                m["message"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

/// Asserts that none of these secrets is in the archive, its report or the output.
fn assert_kept_secret(secrets: &[&str], archive: &[(String, Vec<u8>)], stderr: &str) {
    for secret in secrets {
        assert!(
            !stderr.contains(secret),
            "{secret} in the output:\n{stderr}"
        );
        for (name, bytes) in archive {
            assert!(
                !bytes.windows(secret.len()).any(|w| w == secret.as_bytes()),
                "{secret} in {name}"
            );
            assert!(!name.contains(secret), "{secret} in the entry name {name}");
        }
    }
}

fn parts(out: &Path) -> PathBuf {
    out.with_file_name(format!(
        "{}.parts",
        out.file_name().unwrap().to_string_lossy()
    ))
}

#[test]
fn downloads_pages_users_conversations_and_media_into_an_archive() {
    let api = mock(vec![], false);
    let dir = scratch("fetch-full");
    let out = dir.join("chorus-archive.zip");
    let run = fetch(
        &api.url,
        &out,
        &[
            "--media",
            "--from",
            "2026-05-01",
            "--to",
            "2026-11-01",
            "--quiet",
        ],
        Some(TOKEN),
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(run.stderr, "");
    let archive = entries(&out);
    // Named by the lower-cased id, as before ids were asked for as given.
    assert_eq!(
        names(&archive),
        [
            conversation(A1),
            conversation(C3),
            conversation(D4),
            conversation(E5),
            "engagements/page-00001.json".to_string(),
            "engagements/page-00002.json".to_string(),
            "fetch-report.json".to_string(),
            media(A1, "m4a"),
            media(C3, "mp4"),
            media(D4, "mp3"),
            "users/users.json".to_string(),
        ]
    );
    // Saved byte for byte as the API sent them.
    for (name, file) in [
        (conversation(A1), format!("conversations/{A1}.json")),
        (media(C3, "mp4"), format!("media/{C3}.mp4")),
    ] {
        let saved = &archive.iter().find(|(n, _)| n == &name).unwrap().1;
        assert_eq!(saved, &std::fs::read(data().join(file)).unwrap());
    }
    // The report names the call by the id as Chorus gave it.
    assert_eq!(
        report(&archive),
        [(
            E5.to_string(),
            "media".to_string(),
            "no recording: missing, private, or not visible to the user (404 Not Found)"
                .to_string()
        )]
    );
    assert_kept_secret(&[TOKEN], &archive, &run.stderr);
    let requests = api.requests();
    // Pages come one after another; users and conversations follow, several at once.
    assert_eq!(
        requests[..2],
        [
            get("/v3/engagements?with_trackers=true&min_date=2026-05-01T00%3A00%3A00Z&max_date=2026-11-01T23%3A59%3A59Z"),
            get("/v3/engagements?with_trackers=true&min_date=2026-05-01T00%3A00%3A00Z&max_date=2026-11-01T23%3A59%3A59Z&continuation_key=k2"),
        ]
    );
    let mut rest = requests[2..].to_vec();
    rest.sort();
    // Each recording: the API's redirect, then its signed link on the
    // storage host, which never sees the token.
    let mut expected = vec![get("/v3/users")];
    for id in [A1, C3, D4, E5] {
        expected.push(get(&format!("/api/v1/conversations/{id}")));
        expected.push(get(&format!("/api/v1/conversations/{id}/media")));
    }
    for id in [A1, C3, D4] {
        expected.push(storage_get(id));
    }
    expected.sort();
    assert_eq!(rest, expected);
    assert_eq!(api.storage_leaks(), 0);
    // The no-show (B2...) is never asked for; the blank key ended paging.
    assert!(!requests.iter().any(|r| r.contains("B2B2")));
    assert_eq!(
        requests
            .iter()
            .filter(|r| r.contains("/v3/engagements"))
            .count(),
        2
    );
    assert!(!parts(&out).exists());
}

#[test]
fn a_repeated_page_stops_paging() {
    let api = mock(vec![], true);
    let dir = scratch("fetch-repeat");
    let out = dir.join("a.zip");
    let run = fetch(
        &api.url,
        &out,
        &["--calls", "meetings", "--quiet"],
        Some(TOKEN),
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    let pages: Vec<String> = api
        .requests()
        .into_iter()
        .filter(|r| r.contains("/v3/engagements"))
        .collect();
    assert_eq!(
        pages,
        [
            get("/v3/engagements?with_trackers=true&engagement_type=meeting"),
            get("/v3/engagements?with_trackers=true&engagement_type=meeting&continuation_key=k2"),
            get("/v3/engagements?with_trackers=true&engagement_type=meeting&continuation_key=k2"),
        ]
    );
    let archive = names(&entries(&out));
    assert!(archive.contains(&"engagements/page-00002.json".to_string()));
    assert!(!archive.contains(&"engagements/page-00003.json".to_string()));
    // Meetings only: the dialer call D4 is not downloaded.
    assert!(archive.contains(&conversation(A1)));
    assert!(!archive.contains(&conversation(D4)));
}

#[test]
fn rate_limits_and_server_errors_are_retried() {
    let api = mock(
        vec![
            fault("/v3/users", 429, Some("1"), 1),
            fault(C3, 500, None, 1),
            fault(E5, 503, None, 1),
        ],
        false,
    );
    let dir = scratch("fetch-retry");
    let out = dir.join("a.zip");
    let run = fetch(&api.url, &out, &[], Some(TOKEN));
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stderr
            .contains("users/users.json: 429 Too Many Requests; trying again in 1.0 s"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains(&format!(
            "{}: server error 500; trying again in 1.0 s",
            conversation(C3)
        )),
        "{}",
        run.stderr
    );
    let requests = api.requests();
    assert_eq!(
        requests.iter().filter(|r| r.ends_with("/v3/users")).count(),
        2
    );
    assert_eq!(requests.iter().filter(|r| r.ends_with(C3)).count(), 2);
    assert!(names(&entries(&out)).contains(&conversation(C3)));
}

#[test]
fn an_invalid_token_stops_with_a_clear_message() {
    let api = mock(vec![], false);
    let dir = scratch("fetch-unauthorized");
    let run = fetch(&api.url, &dir.join("a.zip"), &[], Some("wrong-token"));
    assert_eq!(run.code, 1);
    assert!(
        run.stderr.starts_with(&format!(
            "error: the token is invalid or its role lacks API access (401 from {}/v3/engagements?with_trackers=true)",
            api.url
        )),
        "{}",
        run.stderr
    );
    assert!(!run.stderr.contains("wrong-token"));
    assert_eq!(api.requests().len(), 1);
    let run = fetch(&api.url, &dir.join("a.zip"), &[], None);
    assert_eq!(
        (run.code, run.stderr.as_str()),
        (
            1,
            "error: set the Chorus API token in the CHORUS_API_TOKEN environment variable\n"
        )
    );
}

#[test]
fn a_missing_conversation_is_reported_and_the_rest_goes_on() {
    let api = mock(vec![fault(D4, 404, None, 1)], false);
    let dir = scratch("fetch-missing");
    let out = dir.join("a.zip");
    let run = fetch(&api.url, &out, &[], Some(TOKEN));
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.stderr.contains(&format!("conversation {D4}: not found: missing, private, or not visible to the token's user (404 scripted fault)")), "{}", run.stderr);
    let archive = entries(&out);
    assert!(!names(&archive).contains(&conversation(D4)));
    assert!(names(&archive).contains(&conversation(E5)));
    // One of four missing is reported, and the run still passes.
    assert_eq!(
        report(&archive),
        [(
            D4.to_string(),
            "conversation".to_string(),
            "not found: missing, private, or not visible to the token's user (404 scripted fault)"
                .to_string()
        )]
    );
    assert!(!parts(&out).exists());
}

#[test]
fn an_interrupted_download_resumes_without_fetching_again() {
    let dir = scratch("fetch-resume");
    let out = dir.join("a.zip");
    // The token is revoked in the middle of the run.
    let api = mock(vec![fault(E5, 401, None, 1)], false);
    let run = fetch(&api.url, &out, &["--concurrency", "1"], Some(TOKEN));
    assert_eq!(run.code, 1);
    assert!(
        run.stderr.contains("run the same command again to resume"),
        "{}",
        run.stderr
    );
    assert!(!out.exists());
    // The same API again, now answering everything.
    api.reset(vec![]);
    let run = fetch(&api.url, &out, &["--concurrency", "1"], Some(TOKEN));
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stderr.contains("resuming: 6 responses already saved"),
        "{}",
        run.stderr
    );
    assert_eq!(
        api.requests(),
        [get(&format!("/api/v1/conversations/{E5}"))]
    );
    assert_eq!(names(&entries(&out)).len(), 8);
    // Another scope cannot resume this download by mistake.
    let again = dir.join("b.zip");
    let _ = fetch(
        &api.url,
        &again,
        &["--concurrency", "1"],
        Some("wrong-token"),
    );
    let run = fetch(&api.url, &again, &["--calls", "meetings"], Some(TOKEN));
    assert_eq!(run.code, 1);
    assert!(
        run.stderr
            .contains("holds a partial download with another scope"),
        "{}",
        run.stderr
    );
}

#[test]
fn the_state_machine_backs_off_and_honours_retry_after() {
    let mut fetcher = Fetcher::new("https://chorus.example", FetchScope::default()).unwrap();
    let Next::Send(first) = fetcher.next(0) else {
        panic!("a first request")
    };
    assert_eq!(
        first.task,
        Task::EngagementPage {
            number: 1,
            continuation_key: None
        }
    );
    assert_eq!(
        first.url,
        "https://chorus.example/v3/engagements?with_trackers=true"
    );
    let limited = Response {
        status: 429,
        retry_after: Some("7".into()),
        ..Response::default()
    };
    assert_eq!(
        fetcher.handle(&first, Ok(limited), 0),
        [Event::Retry {
            task: first.task.clone(),
            delay_ms: 7000,
            message: "429 Too Many Requests".into()
        }]
    );
    assert_eq!(
        fetcher.next(6999),
        Next::Wait {
            until_ms: Some(7000)
        }
    );
    let Next::Send(again) = fetcher.next(7000) else {
        panic!("the retry")
    };
    let events = fetcher.handle(&again, Err("connection reset".into()), 7000);
    assert_eq!(
        events,
        [Event::Retry {
            task: again.task.clone(),
            delay_ms: 2000,
            message: "connection reset".into()
        }]
    );
    let Next::Send(third) = fetcher.next(9000) else {
        panic!("the second retry")
    };
    let page = br#"{"continuation_key": null, "engagements": [{"engagement_id": "A1A1A1A1A1A1A1A1A1A1A1A1A1A1A1A1", "engagement_type": "meeting", "duration": "60", "processing_state": "done", "no_show": "false"}, {"engagement_id": 12345, "duration": 60}]}"#;
    let ok = Response {
        status: 200,
        body: page.to_vec(),
        ..Response::default()
    };
    assert_eq!(
        fetcher.handle(&third, Ok(ok), 9000),
        [Event::Save {
            entry: "engagements/page-00001.json".into(),
            bytes: page.to_vec()
        }]
    );
    let Next::Send(users) = fetcher.next(9000) else {
        panic!("users")
    };
    assert_eq!(users.task, Task::Users);
    let Next::Send(conversation) = fetcher.next(9000) else {
        panic!("the conversation")
    };
    assert_eq!(
        conversation.url,
        format!("https://chorus.example/api/v1/conversations/{A1}")
    );
    assert_eq!(fetcher.next(9000), Next::Wait { until_ms: None });
    assert_eq!(fetcher.progress().calls_total, 1);
}

#[test]
fn media_types_and_the_fallback_command() {
    assert_eq!(media_extension(Some("video/mp4; codecs=avc1"), b""), "mp4");
    assert_eq!(media_extension(None, b"\0\0\0\x20ftypM4A \0\0"), "m4a");
    assert_eq!(media_extension(None, b"ID3\x04"), "mp3");
    assert_eq!(media_extension(None, b"RIFF\0\0\0\0WAVEfmt "), "wav");
    let scope = FetchScope {
        from: Some("2026-05-01".into()),
        to: None,
        min_duration_seconds: Some(120),
        meetings_only: true,
        media: true,
    };
    let without_media = FetchScope {
        media: false,
        ..scope.clone()
    };
    assert_eq!(
        native_command("https://chorus.ai/", &without_media),
        "CHORUS_API_TOKEN=... chorus2outdoo fetch --from 2026-05-01 --min-duration 120 --calls meetings --out chorus-archive.zip"
    );
    // Recordings need the migration user's session: its variable, never its value.
    assert_eq!(
        native_command("https://chorus.ai/", &scope),
        "CHORUS_API_TOKEN=... CHORUS_SESSION=... chorus2outdoo fetch --from 2026-05-01 --min-duration 120 --calls meetings --media --out chorus-archive.zip"
    );
    assert_eq!(
        native_command("http://127.0.0.1:9/x y", &FetchScope::default()),
        "CHORUS_API_TOKEN=... chorus2outdoo fetch --base-url 'http://127.0.0.1:9/x y' --calls all --out chorus-archive.zip"
    );
    let bad = Fetcher::new(
        "https://chorus.ai",
        FetchScope {
            from: Some("May 1".into()),
            ..FetchScope::default()
        },
    )
    .unwrap_err();
    assert_eq!(
        bad.to_string(),
        "\"May 1\" is not a date; write it as YYYY-MM-DD"
    );
}

/// Zips a folder of saved API responses the way a person would by hand
/// (stored, in reverse order, recordings left out), as `name` inside `dir`.
fn hand_made_archive(folder: &Path, dir: &Path, name: &str) -> PathBuf {
    let path = dir.join(name);
    let mut zip = zip::ZipWriter::new(std::fs::File::create(&path).unwrap());
    let mut files = Vec::new();
    let mut stack = vec![folder.to_path_buf()];
    while let Some(current) = stack.pop() {
        for item in std::fs::read_dir(&current).unwrap().flatten() {
            if item.path().is_dir() {
                if item.file_name() != "media" {
                    stack.push(item.path());
                }
            } else {
                files.push(item.path());
            }
        }
    }
    files.sort();
    files.reverse();
    for file in files {
        let entry = file
            .strip_prefix(folder)
            .unwrap()
            .to_string_lossy()
            .replace('\\', "/");
        zip.start_file(
            entry,
            zip::write::SimpleFileOptions::default()
                .compression_method(zip::CompressionMethod::Stored),
        )
        .unwrap();
        std::io::Write::write_all(&mut zip, &std::fs::read(&file).unwrap()).unwrap();
    }
    zip.finish().unwrap();
    path
}

fn convert_archive(archive: &Path, out: &Path) {
    let output = Command::new(env!("CARGO_BIN_EXE_chorus2outdoo"))
        .args(["convert", "--quiet", "--from", "2026-05-01", "--archive"])
        .arg(archive)
        .arg("--out")
        .arg(out)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
}

/// The manifest without its `inputs` (whose checksums name the archive's bytes).
fn without_inputs(manifest: &[u8]) -> serde_json::Value {
    let mut manifest: serde_json::Value = serde_json::from_slice(manifest).unwrap();
    manifest.as_object_mut().unwrap().remove("inputs");
    manifest
}

#[test]
fn fetch_then_convert_gives_the_package_of_a_hand_made_archive() {
    let api = mock(vec![fault(C3, 500, None, 1)], false);
    let dir = scratch("fetch-roundtrip");
    std::fs::create_dir_all(dir.join("fetched")).unwrap();
    std::fs::create_dir_all(dir.join("hand")).unwrap();
    let fetched = dir.join("fetched/chorus-archive.zip");
    let run = fetch(&api.url, &fetched, &["--quiet"], Some(TOKEN));
    assert_eq!(run.code, 0, "{}", run.stderr);
    let hand = hand_made_archive(&data(), &dir.join("hand"), "chorus-archive.zip");
    convert_archive(&fetched, &dir.join("fetched.zip"));
    convert_archive(&hand, &dir.join("hand.zip"));
    let from_api = entries(&dir.join("fetched.zip"));
    let by_hand = entries(&dir.join("hand.zip"));
    assert_eq!(names(&from_api), names(&by_hand));
    for ((name, a), (_, b)) in from_api.iter().zip(&by_hand) {
        if name == "manifest.json" {
            assert_eq!(without_inputs(a), without_inputs(b));
        } else {
            assert!(
                a == b,
                "{name} differs:\n{}\n---\n{}",
                String::from_utf8_lossy(a),
                String::from_utf8_lossy(b)
            );
        }
    }
    // The package names calls by the lower-cased id, whatever the archive's case.
    assert!(names(&from_api).contains(&format!("transcripts/{}.json", A1.to_ascii_lowercase())));
}

#[test]
fn a_download_missing_most_conversations_fails_unless_accepted() {
    let api = mock(
        vec![
            fault(A1, 404, None, 2),
            fault(C3, 404, None, 2),
            fault(E5, 404, None, 2),
        ],
        false,
    );
    let dir = scratch("fetch-most-missing");
    let out = dir.join("a.zip");
    let run = fetch(&api.url, &out, &["--concurrency", "1"], Some(TOKEN));
    assert_eq!(run.code, 1, "{}", run.stderr);
    let last = run.stderr.lines().last().unwrap();
    assert_eq!(
        last,
        format!(
            "error: the download is incomplete: 3 of 4 conversations could not be downloaded. {} was written with what came (fetch-report.json in it lists what is missing), but it is not a whole migration. Check that the token's user may see these calls, then run the same command again: it downloads only what is missing. What was downloaded is kept in {} until then; to keep the archive as it is instead, run the same command with --accept-partial.",
            out.display(),
            parts(&out).display()
        )
    );
    // The archive is written all the same, and the download kept to resume.
    let archive = entries(&out);
    assert_eq!(
        names(&archive),
        [
            conversation(D4),
            "engagements/page-00001.json".to_string(),
            "engagements/page-00002.json".to_string(),
            "fetch-report.json".to_string(),
            "users/users.json".to_string(),
        ]
    );
    let ids: Vec<String> = report(&archive).into_iter().map(|(id, _, _)| id).collect();
    assert_eq!(ids, [A1, C3, E5]);
    assert!(parts(&out).join("fetch-scope.json").exists());
    assert!(!parts(&out).join("fetch-report.json").exists());

    // Accepting the partial archive asks again for what is missing only.
    api.reset(vec![
        fault(A1, 404, None, 1),
        fault(C3, 404, None, 1),
        fault(E5, 404, None, 1),
    ]);
    let run = fetch(
        &api.url,
        &out,
        &["--concurrency", "1", "--accept-partial"],
        Some(TOKEN),
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stderr.contains("warning: the download is incomplete: 3 of 4 conversations could not be downloaded; accepted (--accept-partial)"),
        "{}",
        run.stderr
    );
    let mut requests = api.requests();
    requests.sort();
    assert_eq!(
        requests,
        [A1, C3, E5].map(|id| get(&format!("/api/v1/conversations/{id}")))
    );
    assert_eq!(names(&entries(&out)).len(), 5);
    assert!(!parts(&out).exists());
}

#[test]
fn recordings_through_a_json_link_are_saved_and_no_json_is_saved_as_one() {
    let api = MockChorus::start(MockConfig {
        token: TOKEN.into(),
        data: data(),
        media_answer: MediaAnswer::Link,
        ..MockConfig::default()
    });
    let dir = scratch("fetch-link-json");
    let out = dir.join("a.zip");
    let run = fetch(&api.url, &out, &["--media", "--quiet"], Some(TOKEN));
    assert_eq!(run.code, 0, "{}", run.stderr);
    let archive = entries(&out);
    let recordings: Vec<(String, Vec<u8>)> = archive
        .iter()
        .filter(|(n, _)| n.starts_with("media/"))
        .cloned()
        .collect();
    assert_eq!(
        recordings,
        [(A1, "m4a"), (C3, "mp4"), (D4, "mp3")].map(|(id, ext)| (
            media(id, ext),
            std::fs::read(data().join("media").join(recording(id))).unwrap()
        ))
    );
    let mut media_requests: Vec<String> = api
        .requests()
        .into_iter()
        .filter(|r| r.contains("/media") || r.contains("@storage"))
        .collect();
    media_requests.sort();
    let mut expected: Vec<String> = [A1, C3, D4, E5]
        .iter()
        .map(|id| get(&format!("/api/v1/conversations/{id}/media")))
        .chain([A1, C3, D4].map(storage_get))
        .collect();
    expected.sort();
    assert_eq!(media_requests, expected);
    assert_eq!(api.storage_leaks(), 0);
}

#[test]
fn without_a_session_chorus_refusing_the_token_stops_recordings() {
    let api = session_mock(None);
    let dir = scratch("fetch-token-refused");
    let out = dir.join("a.zip");
    let run = fetch(
        &api.url,
        &out,
        &["--media", "--concurrency", "1"],
        Some(TOKEN),
    );
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(run.stderr.starts_with("note: no CHORUS_SESSION given: recordings are asked for with the API token, which Chorus usually refuses for them (see \"Downloading your calls from Chorus\" in docs/user-guide.md)\n"), "{}", run.stderr);
    assert!(run.stderr.contains("error: the download is incomplete: 4 of 4 recordings could not be downloaded; Chorus refused the API token for recordings: they download only through the migration user's session. "), "{}", run.stderr);
    assert!(run.stderr.contains("Give the migration user's session in CHORUS_SESSION (see \"Downloading your calls from Chorus\" in docs/user-guide.md) and run the same command again: it downloads only what is missing."), "{}", run.stderr);
    // One refusal is enough: the other recordings are not asked for.
    let media_requests: Vec<String> = api
        .requests()
        .into_iter()
        .filter(|r| r.contains("/media"))
        .collect();
    assert_eq!(
        media_requests,
        [get(&format!("/api/v1/conversations/{A1}/media"))]
    );
    let archive = entries(&out);
    assert_eq!(
        names(&archive)
            .iter()
            .filter(|n| n.starts_with("conversations/"))
            .count(),
        4
    );
    assert!(!names(&archive).iter().any(|n| n.starts_with("media/")));
    let not_asked = "not asked for: Chorus refused the API token for recordings; run again with the migration user's session to download it";
    assert_eq!(
        report(&archive),
        [
            (A1, "the recording download was refused (403 Forbidden: a logged-in user is required): Chorus gives recordings to a logged-in user, not to the API token; give the migration user's session"),
            (C3, not_asked),
            (D4, not_asked),
            (E5, not_asked),
        ]
        .map(|(id, message)| (id.to_string(), "media".to_string(), message.to_string()))
    );
}

#[test]
fn recordings_download_with_the_migration_users_session_and_resume_after_it_expires() {
    // The session is good for one recording.
    let api = session_mock(Some(1));
    let dir = scratch("fetch-session");
    let out = dir.join("a.zip");
    let cookie = format!("{SESSION}; _xsrf={XSRF}; chorus_theme=light");
    let run = fetch_with(
        &api.url,
        &out,
        &["--media", "--concurrency", "1"],
        Some(TOKEN),
        &[("CHORUS_SESSION", &cookie)],
    );
    assert_eq!(run.code, 1, "{}", run.stderr);
    let error = run.stderr.lines().last().unwrap();
    assert_eq!(
        error,
        format!(
            "error: the download is incomplete: 3 of 4 recordings could not be downloaded; the migration user's Chorus session expired after 1 recording. {} was written with what came (fetch-report.json in it lists what is missing), but it is not a whole migration. Log in to Chorus as the migration user again, set CHORUS_SESSION to the new Cookie header (see \"Downloading your calls from Chorus\" in docs/user-guide.md) and run the same command again: it downloads only what is missing. What was downloaded is kept in {} until then; to keep the archive as it is instead, run the same command with --accept-partial.",
            out.display(),
            parts(&out).display()
        )
    );
    // The expired session got the login page; D4 and E5 were not asked for.
    let media_requests: Vec<String> = api
        .requests()
        .into_iter()
        .filter(|r| r.contains("/media") || r.contains("@storage") || r.contains("/login"))
        .collect();
    assert_eq!(
        media_requests,
        [
            get(&format!("/api/v1/conversations/{A1}/media")),
            storage_get(A1),
            get(&format!("/api/v1/conversations/{C3}/media")),
            get(&format!("/login?next=/api/v1/conversations/{C3}/media")),
        ]
    );
    let archive = entries(&out);
    assert_eq!(
        names(&archive)
            .into_iter()
            .filter(|n| n.starts_with("media/"))
            .collect::<Vec<_>>(),
        [media(A1, "m4a")]
    );
    let not_asked = "not asked for: the migration user's Chorus session had expired; run again with a fresh session to download it";
    assert_eq!(
        report(&archive),
        [
            (C3, "the migration user's Chorus session was refused (a web page (a login page) came back instead of the recording (200)): it expired, or was copied incompletely"),
            (D4, not_asked),
            (E5, not_asked),
        ]
        .map(|(id, message)| (id.to_string(), "media".to_string(), message.to_string()))
    );
    // The signed storage links ("?sig=") are a credential too: kept out as well.
    assert_kept_secret(
        &[TOKEN, "S3SS10N-first-1c9e", "first-xsrf", "?sig="],
        &archive,
        &run.stderr,
    );
    assert_eq!(api.storage_leaks(), 0);

    // A fresh login: the next run asks only for the recordings still missing.
    let second = MockSession {
        cookie: "chorus_sid=S3SS10N-second-77d0".into(),
        xsrf: "2|9b1c|second-xsrf|1767003600".into(),
        expire_after: None,
    };
    api.renew_session(second.clone());
    api.reset(vec![]);
    let run = fetch_with(
        &api.url,
        &out,
        &["--media", "--concurrency", "1"],
        Some(TOKEN),
        // The _xsrf value given apart from the cookie.
        &[
            ("CHORUS_SESSION", &second.cookie),
            ("CHORUS_XSRF", &second.xsrf),
        ],
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stderr.contains("resuming: 8 responses already saved"),
        "{}",
        run.stderr
    );
    assert_eq!(
        api.requests(),
        [
            get(&format!("/api/v1/conversations/{C3}/media")),
            storage_get(C3),
            get(&format!("/api/v1/conversations/{D4}/media")),
            storage_get(D4),
            get(&format!("/api/v1/conversations/{E5}/media")),
        ]
    );
    let archive = entries(&out);
    assert_eq!(
        names(&archive)
            .into_iter()
            .filter(|n| n.starts_with("media/"))
            .collect::<Vec<_>>(),
        [media(A1, "m4a"), media(C3, "mp4"), media(D4, "mp3")]
    );
    assert_eq!(
        report(&archive),
        [(
            E5.to_string(),
            "media".to_string(),
            "no recording: missing, private, or not visible to the user (404 Not Found)"
                .to_string()
        )]
    );
    assert_kept_secret(
        &[TOKEN, "S3SS10N-second-77d0", "second-xsrf", "?sig="],
        &archive,
        &run.stderr,
    );
    assert_eq!(api.storage_leaks(), 0);
    assert!(!parts(&out).exists());
}

#[test]
fn a_session_that_cannot_be_one_is_refused_before_any_request() {
    let api = session_mock(None);
    let dir = scratch("fetch-bad-session");
    let run = fetch_with(
        &api.url,
        &dir.join("a.zip"),
        &["--media"],
        Some(TOKEN),
        &[("CHORUS_SESSION", SESSION)],
    );
    assert_eq!(
        (run.code, run.stderr.as_str()),
        (1, "error: CHORUS_SESSION: it has no _xsrf cookie: copy the whole Cookie header (it holds _xsrf), or give the _xsrf cookie's value too (see \"Downloading your calls from Chorus\" in docs/user-guide.md)\n")
    );
    let run = fetch_with(
        &api.url,
        &dir.join("a.zip"),
        &["--media"],
        Some(TOKEN),
        &[
            ("CHORUS_SESSION", &format!("{SESSION}; _xsrf=one")),
            ("CHORUS_XSRF", "two"),
        ],
    );
    assert_eq!(run.code, 1);
    assert!(run.stderr.starts_with("error: CHORUS_SESSION: the _xsrf value given differs from the _xsrf cookie in the Cookie header"), "{}", run.stderr);
    assert!(!run.stderr.contains("S3SS10N"));
    assert_eq!(api.requests(), Vec::<String>::new());
}

#[test]
fn a_download_begun_with_lower_case_entry_names_resumes() {
    // What an earlier version left after an interruption: the scope, the
    // pages and one conversation, named by the lower-cased id.
    let api = mock(vec![], false);
    let dir = scratch("fetch-resume-old");
    let out = dir.join("a.zip");
    let folder = parts(&out);
    std::fs::create_dir_all(folder.join("engagements")).unwrap();
    std::fs::create_dir_all(folder.join("conversations")).unwrap();
    let scope = serde_json::to_string(&(&api.url, &FetchScope::default())).unwrap();
    std::fs::write(folder.join("fetch-scope.json"), scope).unwrap();
    for page in ["page-00001.json", "page-00002.json"] {
        std::fs::copy(
            data().join("engagements").join(page),
            folder.join("engagements").join(page),
        )
        .unwrap();
    }
    std::fs::copy(
        data().join(format!("conversations/{A1}.json")),
        folder.join(conversation(A1)),
    )
    .unwrap();
    let run = fetch(&api.url, &out, &["--concurrency", "1"], Some(TOKEN));
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stderr.contains("resuming: 3 responses already saved"),
        "{}",
        run.stderr
    );
    let mut requests = api.requests();
    requests.sort();
    assert_eq!(
        requests,
        [
            get(&format!("/api/v1/conversations/{C3}")),
            get(&format!("/api/v1/conversations/{D4}")),
            get(&format!("/api/v1/conversations/{E5}")),
            get("/v3/users"),
        ]
    );
    assert_eq!(names(&entries(&out)).len(), 8);
}
