//! Graceful shutdown of the real binary under load: SIGTERM while clients (half of them on
//! keep-alive connections) read and write. Every request must be answered or refused at connect:
//! none may be reset or left without an answer, and every acknowledged write must be kept.
//!
//! The clients speak HTTP/1.1 over raw sockets so that nothing (no client-side retry) hides a
//! reset.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::http::StatusCode;
use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt as _, AsyncReadExt as _, AsyncWriteExt as _, BufReader};
use tokio::net::TcpStream;

use crate::harness::binary::{Server, start_with};
use crate::harness::{TestApp, TestDatabase, client};
use crate::live::server_sent_events::EventStream;
use crate::live::subscriptions::{self, GraphqlSocket, TRANSPORT_WS};

const KEEP_ALIVE_CLIENTS: usize = 4;
const ONE_SHOT_CLIENTS: usize = 4;
const DRAIN_SECS: u64 = 2;
const GRACE_SECS: u64 = 10;

/// What the clients saw, in total.
#[derive(Default, Debug)]
struct Tally {
    answered: u64,
    answered_after_signal: u64,
    refused_at_connect: u64,
    /// Requests that got no answer: resets, connections closed before the answer.
    lost: Vec<String>,
    /// Answers other than 200/201.
    unexpected: Vec<String>,
    comments_created: u64,
    /// Keep-alive clients told `Connection: close` after the signal.
    asked_to_close_after_signal: u64,
    /// When the last answer arrived.
    last_answer: Option<Instant>,
}

struct Answer {
    status: u16,
    close: bool,
}

struct Load {
    address: SocketAddr,
    token: String,
    slug: String,
    stop: AtomicBool,
    signalled_at: Mutex<Option<Instant>>,
    tally: Mutex<Tally>,
}

impl Load {
    fn after_signal(&self) -> bool {
        self.signalled_at.lock().unwrap().is_some()
    }

    fn request(&self, number: u64, keep_alive: bool) -> Vec<u8> {
        let connection = if keep_alive { "keep-alive" } else { "close" };
        if number.is_multiple_of(2) {
            format!(
                "GET /api/articles?limit=5 HTTP/1.1\r\nHost: conduit\r\nConnection: {connection}\r\n\r\n"
            )
            .into_bytes()
        } else {
            let body = json!({"comment": {"body": format!("comment {number}")}}).to_string();
            format!(
                "POST /api/articles/{}/comments HTTP/1.1\r\nHost: conduit\r\nConnection: {connection}\r\nAuthorization: Token {}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
                self.slug,
                self.token,
                body.len()
            )
            .into_bytes()
        }
    }

    /// One client: sends requests until told to stop, on one connection at a time (reused while
    /// the server allows when `keep_alive`, a new one per request otherwise).
    async fn client(self: Arc<Self>, keep_alive: bool) {
        let mut connection: Option<BufReader<TcpStream>> = None;
        let mut number = 0u64;
        while !self.stop.load(Ordering::Relaxed) {
            number += 1;
            if connection.is_none() {
                match TcpStream::connect(self.address).await {
                    Ok(stream) => connection = Some(BufReader::new(stream)),
                    Err(error) if error.kind() == std::io::ErrorKind::ConnectionRefused => {
                        self.tally.lock().unwrap().refused_at_connect += 1;
                        tokio::time::sleep(Duration::from_millis(20)).await;
                        continue;
                    }
                    Err(error) => {
                        let mut tally = self.tally.lock().unwrap();
                        tally.lost.push(format!("connect: {error}"));
                        continue;
                    }
                }
            }
            let Some(stream) = connection.as_mut() else {
                continue;
            };
            let request = self.request(number, keep_alive);
            let outcome = exchange(stream, &request).await;
            let after_signal = self.after_signal();
            let mut tally = self.tally.lock().unwrap();
            match outcome {
                Ok(answer) => {
                    tally.answered += 1;
                    tally.last_answer = Some(Instant::now());
                    if after_signal {
                        tally.answered_after_signal += 1;
                        if keep_alive && answer.close {
                            tally.asked_to_close_after_signal += 1;
                        }
                    }
                    match (number % 2, answer.status) {
                        (0, 200) => {}
                        (1, 201) => tally.comments_created += 1,
                        (_, status) => tally
                            .unexpected
                            .push(format!("request {number}: status {status}")),
                    }
                    if answer.close || !keep_alive {
                        connection = None;
                    }
                }
                Err(error) => {
                    tally.lost.push(format!(
                        "request {number} (keep-alive: {keep_alive}, after signal: {after_signal}): {error}"
                    ));
                    connection = None;
                }
            }
        }
    }
}

/// Writes `request` and reads one whole answer: the status, whether it says
/// `Connection: close`, and a body of `Content-Length` bytes.
async fn exchange(stream: &mut BufReader<TcpStream>, request: &[u8]) -> Result<Answer, String> {
    stream
        .get_mut()
        .write_all(request)
        .await
        .map_err(|error| format!("write: {error}"))?;
    let mut status = None;
    let mut close = false;
    let mut length = 0usize;
    loop {
        let mut line = String::new();
        let read = stream
            .read_line(&mut line)
            .await
            .map_err(|error| format!("read: {error}"))?;
        if read == 0 {
            return Err("connection closed before the whole answer".into());
        }
        let line = line.trim_end().to_ascii_lowercase();
        if line.is_empty() {
            break;
        }
        if status.is_none() {
            status = line.split(' ').nth(1).and_then(|code| code.parse().ok());
        } else if let Some(value) = line.strip_prefix("content-length:") {
            length = value.trim().parse().map_err(|_| "bad content-length")?;
        } else if let Some(value) = line.strip_prefix("connection:") {
            close = value.contains("close");
        }
    }
    let mut body = vec![0; length];
    stream
        .read_exact(&mut body)
        .await
        .map_err(|error| format!("body: {error}"))?;
    Ok(Answer {
        status: status.ok_or("no status line")?,
        close,
    })
}

/// `/health/ready`'s status every 20 ms, on a new connection each time, and when it first said
/// 503.
async fn watch_readiness(load: Arc<Load>) -> Option<Instant> {
    while !load.stop.load(Ordering::Relaxed) {
        if let Ok(stream) = TcpStream::connect(load.address).await {
            let request =
                b"GET /health/ready HTTP/1.1\r\nHost: conduit\r\nConnection: close\r\n\r\n";
            if let Ok(answer) = exchange(&mut BufReader::new(stream), request).await
                && answer.status == 503
            {
                return Some(Instant::now());
            }
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    None
}

/// Sends SIGTERM to the server; returns when it was sent.
fn sigterm(server: &Server) -> Instant {
    let signalled = Instant::now();
    let killed = std::process::Command::new("kill")
        .args(["-TERM", &server.child.id().to_string()])
        .status()
        .expect("run kill");
    assert!(killed.success());
    signalled
}

/// The server's exit status, panicking with `too_late` if it still runs at `deadline`.
async fn exit_status(
    server: &mut Server,
    deadline: Instant,
    too_late: &str,
) -> std::process::ExitStatus {
    loop {
        if let Some(status) = server.child.try_wait().expect("wait for the server") {
            return status;
        }
        assert!(Instant::now() < deadline, "{too_late}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

async fn post(client: &reqwest::Client, url: String, token: Option<&str>, body: Value) -> Value {
    let mut request = client.post(url).json(&body);
    if let Some(token) = token {
        request = request.header("authorization", format!("Token {token}"));
    }
    let response = request.send().await.expect("request");
    assert!(response.status().is_success(), "{}", response.status());
    response.json().await.expect("JSON")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_under_load_loses_no_request() {
    let database = TestDatabase::create().await;
    let drain = DRAIN_SECS.to_string();
    let grace = GRACE_SECS.to_string();
    let mut server = start_with(
        &database,
        &[
            ("SHUTDOWN_DRAIN_SECS", drain.as_str()),
            ("SHUTDOWN_GRACE_SECS", grace.as_str()),
            // The load writes as one user as fast as it can: no per-user write quota.
            ("WRITES_PER_USER", "0"),
        ],
    );
    let client = reqwest::Client::new();
    let user = post(
        &client,
        format!("{}/api/users", server.base),
        None,
        json!({"user": {"username": "stayer", "email": "stayer@example.com", "password": "stayer-password"}}),
    )
    .await;
    let token = user["user"]["token"].as_str().unwrap().to_owned();
    let article = post(
        &client,
        format!("{}/api/articles", server.base),
        Some(&token),
        json!({"article": {"title": "Shutdown", "description": "d", "body": "b", "tagList": []}}),
    )
    .await;
    let slug = article["article"]["slug"].as_str().unwrap().to_owned();

    let address: SocketAddr = server.base.trim_start_matches("http://").parse().unwrap();
    let load = Arc::new(Load {
        address,
        token: token.clone(),
        slug: slug.clone(),
        stop: AtomicBool::new(false),
        signalled_at: Mutex::new(None),
        tally: Mutex::new(Tally::default()),
    });
    let clients: Vec<_> = (0..KEEP_ALIVE_CLIENTS + ONE_SHOT_CLIENTS)
        .map(|index| tokio::spawn(load.clone().client(index < KEEP_ALIVE_CLIENTS)))
        .collect();
    let readiness = tokio::spawn(watch_readiness(load.clone()));

    tokio::time::sleep(Duration::from_secs(1)).await;
    let signalled = sigterm(&server);
    *load.signalled_at.lock().unwrap() = Some(signalled);
    let deadline = signalled + Duration::from_secs(DRAIN_SECS + GRACE_SECS + 5);
    let exit = exit_status(&mut server, deadline, "the server did not stop in time").await;
    let stopped_after = signalled.elapsed();
    // Clients keep knocking after the exit: they must be refused, not reset.
    tokio::time::sleep(Duration::from_millis(500)).await;
    load.stop.store(true, Ordering::Relaxed);
    for client in clients {
        client.await.expect("client task");
    }
    let not_ready_at = readiness.await.expect("readiness task");
    let tally = std::mem::take(&mut *load.tally.lock().unwrap());
    println!(
        "SIGTERM under load: {} answered ({} after the signal), {} refused at connect, {} lost; stopped {:.2?} after the signal (drain {DRAIN_SECS} s)",
        tally.answered,
        tally.answered_after_signal,
        tally.refused_at_connect,
        tally.lost.len(),
        stopped_after
    );

    assert!(tally.lost.is_empty(), "requests lost: {:?}", tally.lost);
    assert!(tally.unexpected.is_empty(), "{:?}", tally.unexpected);
    assert!(exit.success(), "exit status {exit}");
    assert!(
        stopped_after >= Duration::from_secs(DRAIN_SECS),
        "stopped before the drain period was over: {stopped_after:?}"
    );
    assert!(
        tally.answered_after_signal > 20,
        "the drain period served requests: {tally:?}"
    );
    assert!(tally.refused_at_connect > 0, "{tally:?}");
    assert!(
        tally.asked_to_close_after_signal >= KEEP_ALIVE_CLIENTS as u64,
        "keep-alive clients are told Connection: close: {tally:?}"
    );
    let not_ready_at = not_ready_at.expect("/health/ready turned 503");
    let last_answer = tally.last_answer.expect("answers");
    assert!(
        not_ready_at < last_answer && not_ready_at < signalled + Duration::from_secs(1),
        "/health/ready turns 503 at once, while requests are still served"
    );

    // Every acknowledged write is there after a restart.
    let server = start_with(&database, &[]);
    let comments: Value = client
        .get(format!("{}/api/articles/{slug}/comments", server.base))
        .send()
        .await
        .expect("list comments")
        .json()
        .await
        .expect("JSON");
    let kept = comments["comments"].as_array().map_or(0, Vec::len) as u64;
    assert_eq!(
        kept, tally.comments_created,
        "acknowledged comments are kept"
    );
}

/// Live connections never end by themselves: once the listener is closed, the instance ends its
/// event streams and closes its GraphQL WebSockets with 1012 Service Restart, so that clients
/// reconnect (through the load balancer, to another replica), and it stops without waiting out
/// its grace period for them.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shutdown_ends_live_connections_so_that_clients_reconnect_elsewhere() {
    const GRACE: Duration = Duration::from_secs(120);
    let database = TestDatabase::create().await;
    let grace = GRACE.as_secs().to_string();
    let mut server = start_with(
        &database,
        &[
            ("SHUTDOWN_DRAIN_SECS", "1"),
            ("SHUTDOWN_GRACE_SECS", grace.as_str()),
        ],
    );
    let token = client::register(&server.base, "listener").await;
    let slug = client::publish(&server.base, &token, "Live", &[]).await;
    let comments = format!("{}/api/articles/{slug}/comments/events", server.base);
    let mut stream = EventStream::open(&comments, None, None).await;
    let mut socket = GraphqlSocket::connect(&server.base, TRANSPORT_WS, None).await;
    let query = "subscription($slug: String!) { commentAdded(slug: $slug) { id } }";
    socket.subscribe("c", query, json!({ "slug": slug })).await;
    subscriptions::wait_for_subscribers(&server.base, 2).await;

    let signalled = sigterm(&server);
    // Bounded well inside the grace period, which is what the instance would wait without this.
    let bound = GRACE / 4;
    assert!(
        stream.ended_within(bound).await,
        "the event stream ends at shutdown"
    );
    let closed = socket
        .receive_within(bound)
        .await
        .expect("the WebSocket is closed at shutdown")
        .expect_err("a close frame, not a message");
    assert_eq!(
        (closed.code, closed.reason.as_str()),
        (1012, "the server is restarting: reconnect")
    );
    let exit = exit_status(
        &mut server,
        signalled + bound,
        "the server waits for its live connections instead of ending them",
    )
    .await;
    assert!(exit.success(), "exit status {exit}");
    println!(
        "SIGTERM with an event stream and a WebSocket open: both ended, stopped {:.2?} after the signal (drain 1 s, grace {} s)",
        signalled.elapsed(),
        GRACE.as_secs()
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_draining_instance_is_not_ready_and_asks_clients_to_close() {
    let app = TestApp::spawn().await;
    let ready = app.rest("GET", "/health/ready", None, None).await;
    assert_eq!(ready.status, StatusCode::OK);
    assert!(ready.headers.get("connection").is_none());

    app.state.start_draining();
    let ready = app.rest("GET", "/health/ready", None, None).await;
    assert_eq!(
        (ready.status, ready.body),
        (
            StatusCode::SERVICE_UNAVAILABLE,
            json!({"status": "draining"})
        )
    );
    assert_eq!(ready.headers["connection"], "close");
    // Everything else is still served, each answer saying the connection closes after it.
    for path in ["/health/live", "/api/tags"] {
        let response = app.rest("GET", path, None, None).await;
        assert_eq!(response.status, StatusCode::OK, "{path}");
        assert_eq!(response.headers["connection"], "close", "{path}");
    }
    let body = app.graphql("{ tags }", json!({}), None).await;
    assert!(body["errors"].is_null(), "{body}");
}
