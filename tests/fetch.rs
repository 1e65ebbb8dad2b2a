//! `chorus2outdoo fetch` against a mock Chorus API on 127.0.0.1: paging,
//! retries, failures, resuming, and the archive it writes.

mod common;
#[path = "support/mock_chorus.rs"]
mod mock_chorus;

use chorus2outdoo::fetch::{
    media_extension, native_command, Event, FetchScope, Fetcher, Next, Response, Task,
};
use common::{scratch, unzip};
use mock_chorus::{Fault, MockChorus, MockConfig};
use std::path::{Path, PathBuf};
use std::process::Command;

const TOKEN: &str = "test-token-5f2c";
const A1: &str = "a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1";
const C3: &str = "c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3";
const D4: &str = "d4d4d4d4d4d4d4d4d4d4d4d4d4d4d4d4";
const E5: &str = "e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5";

fn data() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/api")
}

fn mock(faults: Vec<Fault>, repeat_last_page: bool) -> MockChorus {
    MockChorus::start(MockConfig {
        token: TOKEN.into(),
        data: data(),
        faults,
        repeat_last_page,
        cors: false,
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
    let mut command = Command::new(env!("CARGO_BIN_EXE_chorus2outdoo"));
    command
        .arg("fetch")
        .arg("--base-url")
        .arg(base)
        .arg("--out")
        .arg(out)
        .args(args)
        .env_remove("CHORUS_API_TOKEN");
    if let Some(token) = token {
        command.env("CHORUS_API_TOKEN", token);
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
    assert_eq!(
        names(&archive),
        [
            format!("conversations/{A1}.json"),
            format!("conversations/{C3}.json"),
            format!("conversations/{D4}.json"),
            format!("conversations/{E5}.json"),
            "engagements/page-00001.json".to_string(),
            "engagements/page-00002.json".to_string(),
            "fetch-report.json".to_string(),
            format!("media/{C3}.mp4"),
            "users/users.json".to_string(),
        ]
    );
    // Saved byte for byte as the API sent them.
    let saved = &archive
        .iter()
        .find(|(n, _)| n == &format!("conversations/{A1}.json"))
        .unwrap()
        .1;
    assert_eq!(
        saved,
        &std::fs::read(data().join(format!("conversations/{A1}.json"))).unwrap()
    );
    let report: serde_json::Value = serde_json::from_slice(&archive[6].1).unwrap();
    let missing: Vec<(&str, &str)> = report["missing"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| {
            (
                m["engagement_id"].as_str().unwrap(),
                m["what"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(missing, [(A1, "media"), (D4, "media"), (E5, "media")]);
    // The token is in no file of the archive.
    assert!(archive
        .iter()
        .all(|(_, bytes)| !bytes.windows(TOKEN.len()).any(|w| w == TOKEN.as_bytes())));
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
    let mut expected = vec![get("/v3/users")];
    for id in [A1, C3, D4, E5] {
        expected.push(get(&format!("/api/v1/conversations/{id}")));
        expected.push(get(&format!("/api/v1/conversations/{id}/media")));
    }
    expected.push(get(&format!("/files/{C3}.mp4")));
    expected.sort();
    assert_eq!(rest, expected);
    // The no-show (b2...) is never asked for; the blank key ended paging.
    assert!(!requests.iter().any(|r| r.contains("b2b2")));
    assert_eq!(
        requests
            .iter()
            .filter(|r| r.contains("/v3/engagements"))
            .count(),
        2
    );
    assert!(!dir.join("chorus-archive.zip.parts").exists());
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
    // Meetings only: the dialer call d4 is not downloaded.
    assert!(!archive.contains(&format!("conversations/{D4}.json")));
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
            "conversations/{C3}.json: server error 500; trying again in 1.0 s"
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
    assert!(names(&entries(&out)).contains(&format!("conversations/{C3}.json")));
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
    assert!(!names(&archive).contains(&format!("conversations/{D4}.json")));
    assert!(names(&archive).contains(&format!("conversations/{E5}.json")));
    let report = &archive
        .iter()
        .find(|(n, _)| n == "fetch-report.json")
        .unwrap()
        .1;
    let report: serde_json::Value = serde_json::from_slice(report).unwrap();
    assert_eq!(report["missing"][0]["engagement_id"], D4);
    assert_eq!(report["missing"][0]["what"], "conversation");
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
        content_type: None,
        body: vec![],
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
        retry_after: None,
        content_type: None,
        body: page.to_vec(),
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
    assert_eq!(
        native_command("https://chorus.ai/", &scope),
        "CHORUS_API_TOKEN=... chorus2outdoo fetch --from 2026-05-01 --min-duration 120 --calls meetings --media --out chorus-archive.zip"
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
    assert!(names(&from_api).contains(&format!("transcripts/{A1}.json")));
}
