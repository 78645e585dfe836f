//! The real binary's request log as a log collector sees it: stdout is a pipe, so no colour
//! codes; lines are written by a background writer, so the last ones must still arrive when the
//! server stops on SIGTERM; a client's unusable `X-Request-Id` never reaches the log, the id that
//! replaced it does.

use std::io::Read as _;
use std::process::{Child, Command};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use crate::harness::TestDatabase;
use crate::harness::binary::command;

/// The binary logging requests (`RUST_LOG=info`), with everything it writes to stdout kept.
struct LoggingServer {
    child: Child,
    /// `http://127.0.0.1:PORT`
    base: String,
    reader: JoinHandle<String>,
}

impl LoggingServer {
    fn start(database: &TestDatabase) -> LoggingServer {
        let mut child = command(database)
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
        LoggingServer {
            child,
            base,
            reader,
        }
    }

    /// Stops the server with SIGTERM, asserts that it exits cleanly and returns its whole log.
    fn stop(mut self) -> String {
        let killed = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .expect("run kill");
        assert!(killed.success());
        let status = self.child.wait().expect("wait for the server");
        assert!(status.success(), "{status}");
        self.reader.join().expect("the reader thread")
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn requests_are_logged_without_colour_codes_and_flushed_on_shutdown() {
    let database = TestDatabase::create().await;
    let server = LoggingServer::start(&database);

    // A path no other request uses, to find its line in the log.
    let path = "/api/articles?tag=logged-request";
    let response = reqwest::get(format!("{}{path}", server.base))
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let log = server.stop();

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

#[tokio::test(flavor = "multi_thread")]
async fn a_hostile_request_id_is_logged_as_the_id_that_replaced_it() {
    let database = TestDatabase::create().await;
    let server = LoggingServer::start(&database);
    let client = reqwest::Client::new();
    let hostile = [
        "x".repeat(5_000),
        "a".repeat(129),
        "id with spaces".to_owned(),
        "id\twith\ttabs".to_owned(),
        "id\"} forged=\"log".to_owned(),
    ];
    let mut replacements = Vec::new();
    for (number, id) in hostile.iter().enumerate() {
        // A path per request (the log shows paths, not query strings), to find its lines.
        let path = format!("/api/profiles/hostile-id-{number}");
        let response = client
            .get(format!("{}{path}", server.base))
            .header("x-request-id", id)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 404);
        let echoed: Vec<_> = response.headers().get_all("x-request-id").iter().collect();
        assert_eq!(echoed.len(), 1, "{id:.40}: {echoed:?}");
        let echoed = echoed[0].to_str().unwrap().to_owned();
        assert!(conduit::request_id::is_usable(echoed.as_bytes()));
        assert_ne!(&echoed, id);
        replacements.push((path, echoed));
    }
    let log = server.stop();

    for (path, echoed) in &replacements {
        let field = format!("path={path} ");
        let lines: Vec<&str> = log.lines().filter(|line| line.contains(&field)).collect();
        assert!(!lines.is_empty(), "no log line for {path}:\n{log}");
        for line in lines {
            assert!(
                line.contains(&format!("request_id={echoed}")),
                "{path} was answered with {echoed} but logged as:\n{line}"
            );
        }
    }
    for id in &hostile {
        assert!(!log.contains(id.as_str()), "{id:.40} reached the log");
    }
}
