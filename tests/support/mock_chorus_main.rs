//! The tests' mock Chorus API as a program, for the browser tests:
//! `cargo run --example mock_chorus -- --data tests/fixtures/api --token T [--cors] [--port N]
//! [--fault PATH_PART:STATUS:TIMES]...` (a fault answers requests whose path
//! holds PATH_PART with STATUS, TIMES times).
//! Prints "listening on http://127.0.0.1:PORT" and serves until stdin closes
//! or 10 minutes pass, whichever is first.

#[path = "mock_chorus.rs"]
mod mock_chorus;

use mock_chorus::{Fault, MockChorus, MockConfig};
use std::io::{BufRead, Write};
use std::time::Duration;

fn main() {
    let mut config = MockConfig::default();
    let mut port = 0u16;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--data" => config.data = args.next().expect("--data DIR").into(),
            "--token" => config.token = args.next().expect("--token T"),
            "--port" => port = args.next().and_then(|p| p.parse().ok()).expect("--port N"),
            "--cors" => config.cors = true,
            "--fault" => {
                let spec = args.next().expect("--fault PATH_PART:STATUS:TIMES");
                let mut parts = spec.rsplitn(3, ':');
                let times = parts.next().and_then(|t| t.parse().ok()).expect("TIMES");
                let status = parts.next().and_then(|s| s.parse().ok()).expect("STATUS");
                let path_contains = parts.next().expect("PATH_PART").to_string();
                config.faults.push(Fault {
                    path_contains,
                    status,
                    retry_after: None,
                    times,
                });
            }
            other => panic!("unknown argument {other}"),
        }
    }
    let api = MockChorus::start_on(config, port);
    println!("listening on {}", api.url);
    std::io::stdout().flush().ok();
    let (done_tx, done_rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for _ in std::io::stdin().lock().lines() {}
        let _ = done_tx.send(());
    });
    let _ = done_rx.recv_timeout(Duration::from_secs(600));
    for request in api.requests() {
        eprintln!("{request}");
    }
}
