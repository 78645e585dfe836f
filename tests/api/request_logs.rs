//! The real binary's request log as a log collector sees it: stdout is a pipe, so no colour
//! codes; lines are written by a background writer, so the last ones must still arrive when the
//! server stops on SIGTERM.

use std::io::Read as _;
use std::process::Command;
use std::time::{Duration, Instant};

use crate::binary::command;
use crate::harness::TestDatabase;

#[tokio::test(flavor = "multi_thread")]
async fn requests_are_logged_without_colour_codes_and_flushed_on_shutdown() {
    let database = TestDatabase::create().await;
    let mut child = command(&database)
        .env("RUST_LOG", "info")
        .env("SHUTDOWN_DRAIN_SECS", "0")
        .spawn()
        .expect("start the conduit binary");
    let mut stdout = child.stdout.take().expect("stdout");
    let (lines, received) = std::sync::mpsc::channel::<String>();
    let reader = std::thread::spawn(move || {
        let mut everything = Vec::new();
        let mut chunk = [0u8; 4096];
        while let Ok(read) = stdout.read(&mut chunk) {
            if read == 0 {
                break;
            }
            everything.extend_from_slice(&chunk[..read]);
            let _ = lines.send(String::from_utf8_lossy(&everything).into_owned());
        }
        String::from_utf8_lossy(&everything).into_owned()
    });
    let deadline = Instant::now() + Duration::from_secs(60);
    let base = loop {
        let text = received
            .recv_timeout(deadline.saturating_duration_since(Instant::now()))
            .expect("the server prints its address within a minute");
        if let Some(line) = text
            .lines()
            .find_map(|line| line.trim().strip_prefix("REST API:"))
        {
            break line.trim().trim_end_matches("/api").to_owned();
        }
    };

    // A path no other request uses, to find its line in the log.
    let path = "/api/articles?tag=logged-request";
    let response = reqwest::get(format!("{base}{path}")).await.unwrap();
    assert_eq!(response.status(), 200);
    let killed = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .expect("run kill");
    assert!(killed.success());
    let status = child.wait().expect("wait for the server");
    assert!(status.success(), "{status}");
    let log = reader.join().expect("the reader thread");

    assert!(
        !log.contains('\u{1b}'),
        "colour codes in piped logs:\n{log}"
    );
    let request_lines: Vec<&str> = log
        .lines()
        .filter(|line| line.contains("path=/api/articles") && line.contains("status=200"))
        .collect();
    assert_eq!(request_lines.len(), 1, "{log}");
    // The last line written before exit made it through the background writer.
    assert!(log.trim_end().ends_with("stopped"), "{log}");
}
