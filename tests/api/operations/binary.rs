//! The real `conduit` binary over real HTTP: start-up, the user flow through both interfaces,
//! configuration errors.

use std::io::{BufRead as _, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use serde_json::{Value, json};

use crate::harness::{SECRET, TestDatabase};

/// The binary under test: the one cargo built for this test run, or `CONDUIT_BIN` (CI points it
/// at the release build).
pub fn conduit_binary() -> String {
    std::env::var("CONDUIT_BIN").unwrap_or_else(|_| env!("CARGO_BIN_EXE_conduit").to_owned())
}

/// The server process, killed when the test ends however it ends.
pub struct Server {
    pub child: Child,
    /// `http://127.0.0.1:PORT`
    pub base: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub fn start(database: &TestDatabase) -> Server {
    start_with(database, &[])
}

/// The binary set up to serve `database` on a free loopback port (it prints the port), logging
/// warnings only, stdout piped; add settings with `env` before spawning.
pub fn command(database: &TestDatabase) -> Command {
    let mut command = Command::new(conduit_binary());
    command
        .env("DATABASE_URL", &database.url)
        .env("BIND_ADDRESS", "127.0.0.1:0")
        .env("JWT_SECRET", SECRET)
        .env("DATA_DIR", database.data_dir())
        .env("RUST_LOG", "warn")
        .stdout(Stdio::piped());
    command
}

/// Starts the binary on `database` with `settings` added to its environment.
pub fn start_with(database: &TestDatabase, settings: &[(&str, &str)]) -> Server {
    let mut child = command(database)
        .envs(settings.iter().copied())
        .spawn()
        .expect("start the conduit binary");
    let stdout = child.stdout.take().expect("stdout");
    let (sender, receiver) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if let Some(url) = line.trim().strip_prefix("REST API:") {
                let _ = sender.send(url.trim().trim_end_matches("/api").to_owned());
            }
        }
    });
    let base = receiver
        .recv_timeout(Duration::from_secs(60))
        .expect("the server prints its address within a minute");
    Server { child, base }
}

async fn call(
    client: &reqwest::Client,
    method: reqwest::Method,
    url: String,
    token: Option<&str>,
    body: Option<Value>,
) -> (u16, Value) {
    let mut request = client.request(method, url);
    if let Some(token) = token {
        request = request.header("authorization", format!("Token {token}"));
    }
    if let Some(body) = body {
        request = request.json(&body);
    }
    let response = request.send().await.expect("request");
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

#[tokio::test(flavor = "multi_thread")]
async fn the_binary_serves_the_user_flow_over_rest_and_graphql() {
    let database = TestDatabase::create().await;
    let server = start(&database);
    let client = reqwest::Client::new();
    let api = |path: &str| format!("{}/api{path}", server.base);
    use reqwest::Method;

    let (status, body) = call(&client, Method::POST, api("/users"), None, Some(json!({"user": {"username": "wire", "email": "wire@example.com", "password": "wire-password"}}))).await;
    assert_eq!(status, 201, "{body}");
    let (status, body) = call(
        &client,
        Method::POST,
        api("/users/login"),
        None,
        Some(json!({"user": {"email": "wire@example.com", "password": "wire-password"}})),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let token = body["user"]["token"].as_str().unwrap().to_owned();
    let (status, body) = call(&client, Method::GET, api("/user"), Some(&token), None).await;
    assert_eq!(
        (status, body["user"]["username"].clone()),
        (200, json!("wire"))
    );
    let (status, body) = call(
        &client,
        Method::PUT,
        api("/user"),
        Some(&token),
        Some(json!({"user": {"bio": "over the wire"}})),
    )
    .await;
    assert_eq!(
        (status, body["user"]["bio"].clone()),
        (200, json!("over the wire"))
    );

    let graphql = format!("{}/graphql", server.base);
    let (status, body) = call(&client, Method::POST, graphql.clone(), None, Some(json!({
        "query": "mutation { register(input: {username: \"wire2\", email: \"wire2@example.com\", password: \"wire-password\"}) { token } }"
    }))).await;
    assert_eq!(status, 200, "{body}");
    let token = body["data"]["register"]["token"]
        .as_str()
        .unwrap()
        .to_owned();
    let (_, body) = call(&client, Method::POST, graphql.clone(), None, Some(json!({
        "query": "mutation { login(input: {email: \"wire2@example.com\", password: \"wire-password\"}) { viewer { username } } }"
    }))).await;
    assert_eq!(body["data"]["login"]["viewer"]["username"], "wire2");
    let (_, body) = call(
        &client,
        Method::POST,
        graphql.clone(),
        Some(&token),
        Some(json!({
            "query": "mutation { updateViewer(input: {bio: \"graph\"}) { viewer { bio } } }"
        })),
    )
    .await;
    assert_eq!(body["data"]["updateViewer"]["viewer"]["bio"], "graph");
    let (_, body) = call(
        &client,
        Method::POST,
        graphql,
        Some(&token),
        Some(json!({"query": "{ viewer { username bio } }"})),
    )
    .await;
    assert_eq!(
        body["data"]["viewer"],
        json!({"username": "wire2", "bio": "graph"})
    );

    let playground = client
        .get(format!("{}/graphql", server.base))
        .send()
        .await
        .unwrap();
    assert_eq!(playground.status(), 200);
    assert!(playground.text().await.unwrap().contains("graphiql"));
}

#[tokio::test(flavor = "multi_thread")]
async fn the_healthcheck_command_reports_readiness() {
    let database = TestDatabase::create().await;
    let server = start(&database);
    let port = server.base.rsplit(':').next().unwrap().to_owned();
    let healthy = Command::new(conduit_binary())
        .arg("healthcheck")
        .env("BIND_ADDRESS", format!("0.0.0.0:{port}"))
        .output()
        .unwrap();
    assert!(
        healthy.status.success(),
        "{}",
        String::from_utf8_lossy(&healthy.stderr)
    );
    drop(server);
    let gone = Command::new(conduit_binary())
        .arg("healthcheck")
        .env("BIND_ADDRESS", format!("0.0.0.0:{port}"))
        .output()
        .unwrap();
    assert!(!gone.status.success());
}

#[test]
fn a_bad_setting_stops_the_binary_with_one_line_naming_it() {
    for (name, value) in [
        ("DB_POOL_SIZE", "lots"),
        ("DATABASE_URL", "oracle://x"),
        ("BIND_ADDRESS", "nowhere"),
    ] {
        let output = Command::new(conduit_binary())
            .env(name, value)
            .output()
            .expect("run conduit");
        assert_eq!(output.status.code(), Some(2), "{name}");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(stderr.trim().lines().count(), 1, "{stderr}");
        assert!(stderr.contains(name), "{stderr}");
    }
}

#[test]
fn postgres_without_a_jwt_secret_is_refused_at_start() {
    let output = Command::new(conduit_binary())
        .env("DATABASE_URL", "postgres://postgres@127.0.0.1:9/none")
        .env("MIGRATE_ON_START", "false")
        .env_remove("JWT_SECRET")
        .output()
        .expect("run conduit");
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("JWT_SECRET"));
}

#[test]
fn the_schema_command_prints_the_sdl() {
    let output = Command::new(conduit_binary())
        .arg("schema")
        .output()
        .unwrap();
    assert!(output.status.success());
    assert_eq!(
        String::from_utf8_lossy(&output.stdout),
        conduit::graphql::sdl()
    );
}
