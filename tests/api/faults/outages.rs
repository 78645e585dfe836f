//! Faults heal by themselves. On PostgreSQL and MySQL a TCP proxy started by the test sits
//! between the app and the database server: killing it makes every request 503 (never 500),
//! restarting it brings 200s back within seconds. A request cancelled mid-query does not leave
//! its connection out of step for the next one. On SQLite, a database file that cannot be
//! written answers 503 to writes, and writes work again once it can.

use std::net::{SocketAddr, ToSocketAddrs as _};
use std::time::{Duration, Instant};

use axum::body::Body;
use axum::http::{Request, StatusCode};
use conduit::config::Config;
use conduit::db::{Backend, DatabaseUrl};
use conduit::on_connection;
use diesel::sql_types::Integer;
use diesel_async::RunQueryDsl;
use futures_util::future::join_all;
use serde_json::{Value, json};

use crate::faults::proxy::Proxy;
use crate::harness::{Response, TestApp};

/// The database server's address (from `CONDUIT_TEST_DATABASE_URL`); `None` on SQLite.
pub fn server_address() -> Option<SocketAddr> {
    let url = std::env::var("CONDUIT_TEST_DATABASE_URL").ok()?;
    let url = url.trim();
    if url.is_empty() {
        return None;
    }
    let authority = url.split_once("://")?.1.split('/').next()?;
    let host_port = authority
        .rsplit_once('@')
        .map_or(authority, |(_, host)| host);
    host_port.to_socket_addrs().ok()?.next()
}

/// `url` with its host and port replaced by `proxy`'s. MySQL's driver would switch to the
/// server's Unix socket when it finds the server on the same host, bypassing the proxy.
pub fn through(url: &DatabaseUrl, proxy: SocketAddr) -> DatabaseUrl {
    let url = url.connection_string();
    let (scheme, rest) = url.split_once("://").expect("a server URL");
    let (authority, path) = rest.split_once('/').unwrap_or((rest, ""));
    let user = authority
        .rsplit_once('@')
        .map_or(String::new(), |(user, _)| format!("{user}@"));
    let mut proxied = format!("{scheme}://{user}{proxy}/{path}");
    if scheme == "mysql" {
        proxied.push_str("?prefer_socket=false");
    }
    DatabaseUrl::parse(&proxied).expect("proxied URL")
}

/// An app that reaches its database through a proxy of its own, with a pool of `pool_size` and a
/// 1 s checkout timeout, then as `configure` says; `None` on SQLite.
pub async fn app_behind_proxy(
    pool_size: u32,
    configure: impl FnOnce(&mut Config),
) -> Option<(TestApp, Proxy)> {
    let server = server_address()?;
    let proxy = Proxy::start(server).await;
    let address = proxy.address();
    let app = TestApp::spawn_with(|config| {
        config.database_url = through(&config.database_url, address);
        config.pool.max_size = pool_size;
        config.pool.checkout_timeout = Duration::from_secs(1);
        configure(config);
    })
    .await;
    Some((app, proxy))
}

pub fn skipped(what: &str) {
    eprintln!("skipped: {what} needs CONDUIT_TEST_DATABASE_URL (PostgreSQL or MySQL)");
}

pub async fn list_articles(app: &TestApp) -> Response {
    app.rest("GET", "/api/articles", None, None).await
}

/// `POST /graphql` with a query, whatever the status.
pub async fn graphql(app: &TestApp, query: &str) -> Response {
    let request = Request::builder()
        .method("POST")
        .uri("/graphql")
        .header("content-type", "application/json")
        .body(Body::from(json!({ "query": query }).to_string()))
        .unwrap();
    app.send(request).await
}

/// GraphQL's `createArticle` as `token`'s user, whatever the status.
pub async fn create_article_by_graphql(app: &TestApp, token: &str, title: &str) -> Response {
    let query = "mutation($input: CreateArticleInput!) { createArticle(input: $input) { article { slug } } }";
    let input = json!({ "title": title, "description": "d", "body": "b" });
    let request = Request::builder()
        .method("POST")
        .uri("/graphql")
        .header("content-type", "application/json")
        .header("authorization", format!("Bearer {token}"))
        .body(Body::from(
            json!({ "query": query, "variables": { "input": input } }).to_string(),
        ))
        .unwrap();
    app.send(request).await
}

pub fn graphql_code(response: &Response) -> Value {
    response.body["errors"][0]["extensions"]["code"].clone()
}

/// Asserts a GraphQL answer is `UNAVAILABLE` (and not a 500).
pub fn assert_graphql_unavailable(response: &Response) {
    assert_eq!(graphql_code(response), "UNAVAILABLE", "{:?}", response.body);
    assert_ne!(response.status, StatusCode::INTERNAL_SERVER_ERROR);
}

/// Runs `SELECT 7` on a connection of the app's pool: the pool can serve a statement.
pub async fn select_seven(app: &TestApp) {
    let db = app.state.session();
    let answer: i32 = on_connection!(&db, async move |conn| {
        Ok(diesel::select(diesel::IntoSql::into_sql::<Integer>(7))
            .get_result(conn)
            .await?)
    })
    .expect("the next operation runs");
    assert_eq!(answer, 7);
}

/// Asserts a REST answer is 503 with `Retry-After` and the GraphQL one is `UNAVAILABLE`.
pub async fn assert_unavailable(app: &TestApp) {
    let rest = list_articles(app).await;
    assert_eq!(
        rest.status,
        StatusCode::SERVICE_UNAVAILABLE,
        "{:?}",
        rest.body
    );
    assert_eq!(rest.headers["retry-after"], "1");
    assert_eq!(
        rest.body["errors"]["service"][0],
        "temporarily unavailable, retry later"
    );
    assert_graphql_unavailable(&graphql(app, "{ tags }").await);
}

/// Polls until `GET /api/articles` answers 200; the time it took.
pub async fn time_to_first_200(app: &TestApp, limit: Duration) -> Duration {
    let start = Instant::now();
    loop {
        let response = list_articles(app).await;
        if response.status == StatusCode::OK {
            return start.elapsed();
        }
        assert_eq!(
            response.status,
            StatusCode::SERVICE_UNAVAILABLE,
            "while recovering: {:?}",
            response.body
        );
        assert!(
            start.elapsed() < limit,
            "still 503 {limit:?} after the database came back"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_lost_database_is_503_and_service_resumes_within_seconds_of_its_return() {
    let Some((app, mut proxy)) = app_behind_proxy(4, |_| {}).await else {
        return skipped("the proxy test");
    };
    let backend = app.state.session().backend();
    let token = app.register("outage").await;
    app.create_article(&token, "Before the outage", &["outage"])
        .await;
    // Fill the pool: four connections, all of which the outage will kill.
    let warm = join_all((0..8).map(|_| list_articles(&app))).await;
    assert!(
        warm.iter()
            .all(|response| response.status == StatusCode::OK)
    );

    proxy.kill().await;
    // Concurrent requests meet the dead pooled connections and the refused new ones alike.
    join_all((0..6).map(|_| assert_unavailable(&app))).await;
    assert_unavailable(&app).await;
    let write = app
        .rest(
            "POST",
            "/api/articles",
            Some(&token),
            Some(json!({ "article": { "title": "During", "description": "d", "body": "b" } })),
        )
        .await;
    assert_eq!(write.status, StatusCode::SERVICE_UNAVAILABLE);

    // Down for a moment before it comes back.
    tokio::time::sleep(Duration::from_millis(1_200)).await;
    proxy.restart().await;
    let recovery = time_to_first_200(&app, Duration::from_secs(5)).await;
    eprintln!(
        "{backend}: first 200 {:.0} ms after the database came back",
        recovery.as_secs_f64() * 1000.0
    );
    // Healed for good: no dead connection is handed out again.
    for _ in 0..3 {
        let answers = join_all((0..8).map(|_| list_articles(&app))).await;
        for answer in answers {
            assert_eq!(answer.status, StatusCode::OK, "{:?}", answer.body);
            assert_eq!(answer.body["articlesCount"], 1);
        }
    }
    let graphql = graphql(&app, "{ tags }").await;
    assert_eq!(graphql.body["data"]["tags"], json!(["outage"]));
}

/// Waits until a connection of its own (not the app's) reaches the database through `proxy`.
async fn wait_until_reachable(url: &DatabaseUrl, limit: Duration) {
    use diesel_async::{AsyncConnection as _, AsyncMysqlConnection, AsyncPgConnection};
    let start = Instant::now();
    loop {
        let url = url.connection_string();
        let reached = match url.split_once(':').map(|(scheme, _)| scheme) {
            Some("mysql") => AsyncMysqlConnection::establish(url).await.map(drop),
            _ => AsyncPgConnection::establish(url).await.map(drop),
        };
        match reached {
            Ok(()) => return,
            Err(error) => assert!(
                start.elapsed() < limit,
                "the database is still unreachable through the proxy: {error}"
            ),
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_pooled_connection_killed_while_idle_is_replaced_before_the_first_request_uses_it() {
    let Some((app, mut proxy)) = app_behind_proxy(4, |config| {
        // Long enough that no request below waits for a connection to be opened from scratch
        // only because a checkout gave up early.
        config.pool.checkout_timeout = Duration::from_secs(5);
    })
    .await
    else {
        return skipped("the idle-check test");
    };
    let backend = app.state.session().backend();
    let proxied = app.state.config().database_url.clone();
    // Fill the pool with connections, every one of which the kill below closes.
    let warm = join_all((0..8).map(|_| list_articles(&app))).await;
    assert!(
        warm.iter()
            .all(|response| response.status == StatusCode::OK)
    );
    let pooled = app.state.db().pool_state().idle_connections;
    assert!(pooled >= 1, "the pool keeps its connections");

    // No request between the kill and the restart: nothing has told the pool its connections
    // are dead, and they were used moments ago.
    proxy.kill().await;
    proxy.restart().await;
    wait_until_reachable(&proxied, Duration::from_secs(10)).await;
    let first = list_articles(&app).await;
    assert_eq!(
        first.status,
        StatusCode::OK,
        "{backend}: the first request after the restart got a dead pooled connection: {:?}",
        first.body
    );
    let graphql = graphql(&app, "{ tags }").await;
    assert!(graphql.body["errors"].is_null(), "{:?}", graphql.body);
    let answers = join_all((0..8).map(|_| list_articles(&app))).await;
    for answer in answers {
        assert_eq!(answer.status, StatusCode::OK, "{:?}", answer.body);
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_request_cancelled_mid_query_does_not_leave_its_connection_out_of_step() {
    let Some((app, _proxy)) = app_behind_proxy(1, |_| {}).await else {
        return skipped("the cancellation test");
    };
    let sleep = match app.state.session().backend() {
        Backend::Postgres => "SELECT pg_sleep(1)",
        _ => "SELECT SLEEP(1)",
    };
    for _ in 0..3 {
        let db = app.state.session();
        let cancelled = tokio::time::timeout(Duration::from_millis(100), async {
            on_connection!(&db, async move |conn| {
                Ok(diesel::sql_query(sleep).execute(conn).await?)
            })
        })
        .await;
        assert!(cancelled.is_err(), "the sleep finished within 100 ms");
        drop(db);
        // The pool's only connection: a fresh one, or one known to be in step.
        select_seven(&app).await;
    }
    let response = list_articles(&app).await;
    assert_eq!(response.status, StatusCode::OK, "{:?}", response.body);
}

/// Makes a file impossible to write, even for root (whom permission bits do not stop), and
/// writable again when dropped.
struct Unwritable(std::path::PathBuf);

impl Unwritable {
    fn make(file: &std::path::Path) -> Option<Unwritable> {
        let status = std::process::Command::new("chattr")
            .arg("+i")
            .arg(file)
            .status();
        if status.is_ok_and(|status| status.success()) {
            return Some(Unwritable(file.to_owned()));
        }
        use std::os::unix::fs::PermissionsExt as _;
        std::fs::set_permissions(file, std::fs::Permissions::from_mode(0o444)).ok()?;
        let still_writable = std::fs::OpenOptions::new().write(true).open(file).is_ok();
        let guard = Unwritable(file.to_owned());
        (!still_writable).then_some(guard)
    }
}

impl Drop for Unwritable {
    fn drop(&mut self) {
        use std::os::unix::fs::PermissionsExt as _;
        let _ = std::process::Command::new("chattr")
            .arg("-i")
            .arg(&self.0)
            .status();
        let _ = std::fs::set_permissions(&self.0, std::fs::Permissions::from_mode(0o644));
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn an_unwritable_sqlite_file_is_503_for_writes_until_it_is_writable_again() {
    if server_address().is_some() {
        eprintln!("skipped: SQLite only");
        return;
    }
    let app = TestApp::spawn().await;
    let token = app.register("readonly").await;
    let file = app
        .state
        .config()
        .database_url
        .sqlite_file()
        .expect("SQLite");
    // Connections opened from now on find the file read-only (open ones keep their access).
    let Some(unwritable) = Unwritable::make(&file) else {
        eprintln!("skipped: cannot make {} read-only here", file.display());
        return;
    };
    let reopened = app.another_instance(|_| {}).await;
    let article = json!({ "article": { "title": "Read-only", "description": "d", "body": "b" } });
    let refused = reopened
        .rest("POST", "/api/articles", Some(&token), Some(article.clone()))
        .await;
    assert_eq!(
        refused.status,
        StatusCode::SERVICE_UNAVAILABLE,
        "{:?}",
        refused.body
    );
    assert_eq!(refused.headers["retry-after"], "1");
    assert_graphql_unavailable(
        &create_article_by_graphql(&reopened, &token, "Read-only too").await,
    );
    let reads = list_articles(&reopened).await;
    assert_eq!(reads.status, StatusCode::OK, "reads still work");

    drop(unwritable);
    let start = Instant::now();
    loop {
        let response = reopened
            .rest("POST", "/api/articles", Some(&token), Some(article.clone()))
            .await;
        if response.status == StatusCode::CREATED {
            break;
        }
        assert_eq!(response.status, StatusCode::SERVICE_UNAVAILABLE);
        assert!(start.elapsed() < Duration::from_secs(5), "writes still 503");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    eprintln!(
        "SQLite: writes work {:.0} ms after the file is writable again",
        start.elapsed().as_secs_f64() * 1000.0
    );
}

/// The real binary's log lines, collected as it writes them (one JSON object a line).
#[derive(Clone, Default)]
struct Log(std::sync::Arc<std::sync::Mutex<Vec<String>>>);

impl Log {
    /// The `fields` of every line whose message is `message`.
    fn lines(&self, message: &str) -> Vec<Value> {
        let lines = self.0.lock().unwrap();
        lines
            .iter()
            .filter_map(|line| serde_json::from_str::<Value>(line).ok())
            .filter(|line| line["fields"]["message"] == message)
            .map(|line| line["fields"].clone())
            .collect()
    }

    fn text(&self) -> String {
        self.0.lock().unwrap().join("\n")
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn an_outage_is_logged_once_with_its_cause_and_its_end_once() {
    use std::io::{BufRead as _, BufReader};
    let Some(server) = server_address() else {
        return skipped("the outage log test");
    };
    let database = crate::harness::TestDatabase::create().await;
    let mut proxy = Proxy::start(server).await;
    let url = DatabaseUrl::parse(&database.url).expect("test database URL");
    let proxied = through(&url, proxy.address());
    let mut child = crate::harness::binary::command(&database)
        .env("DATABASE_URL", proxied.connection_string())
        .env("LOG_FORMAT", "json")
        .env("RUST_LOG", "info")
        .env("DB_TIMEOUT_SECS", "1")
        .env("SHUTDOWN_DRAIN_SECS", "0")
        .spawn()
        .expect("start the conduit binary");
    let log = Log::default();
    let (address, found) = std::sync::mpsc::channel();
    let stdout = child.stdout.take().expect("stdout");
    let reader = std::thread::spawn({
        let log = log.clone();
        move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                // In JSON the banner is a line of its own, with the address as a field.
                let fields =
                    serde_json::from_str::<Value>(&line).unwrap_or_default()["fields"].take();
                if fields["message"] == "conduit is listening"
                    && let Some(listening) = fields["address"].as_str()
                {
                    let _ = address.send(format!("http://{listening}"));
                }
                log.0.lock().unwrap().push(line);
            }
        }
    });
    // Waited for off the runtime's threads: the proxy's tasks must keep running meanwhile.
    let base = tokio::task::spawn_blocking(move || found.recv_timeout(Duration::from_secs(60)))
        .await
        .unwrap();
    let server = crate::harness::binary::Server {
        child,
        base: base.expect("the server prints its address within a minute"),
    };
    let client = reqwest::Client::new();
    let list = || async {
        let response = client
            .get(format!("{}/api/articles", server.base))
            .send()
            .await
            .expect("an answer");
        response.status().as_u16()
    };
    assert_eq!(list().await, 200);

    proxy.kill().await;
    // Several requests during the outage, each of which fails to get a connection.
    for _ in 0..4 {
        assert_eq!(list().await, 503);
    }
    proxy.restart().await;
    let start = Instant::now();
    while list().await != 200 {
        assert!(start.elapsed() < Duration::from_secs(10), "still 503");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    for _ in 0..4 {
        assert_eq!(list().await, 200);
    }
    // SIGTERM, so that the background log writer flushes every line before the process ends.
    let mut server = server;
    let killed = std::process::Command::new("kill")
        .args(["-TERM", &server.child.id().to_string()])
        .status()
        .expect("run kill");
    assert!(killed.success());
    server.child.wait().expect("wait for the server");
    reader.join().expect("the reader thread");

    let backend = url.backend().to_string();
    let timeouts = log.lines("no database connection available");
    assert!(
        !timeouts.is_empty(),
        "no pool timeout logged:\n{}",
        log.text()
    );
    for timeout in &timeouts {
        assert_eq!(timeout["backend"], backend.as_str(), "{timeout}");
        let cause = timeout["last_connect_error"].as_str().unwrap_or_default();
        assert!(
            !cause.is_empty() && !cause.starts_with("none"),
            "a pool timeout during the outage names the connection error: {timeout}"
        );
    }
    let began = log.lines("cannot connect to the database");
    assert_eq!(began.len(), 1, "{}", log.text());
    assert_eq!(began[0]["backend"], backend.as_str());
    let ended = log.lines("database reachable again");
    assert_eq!(
        ended.len(),
        1,
        "the recovery is logged once:\n{}",
        log.text()
    );
    assert_eq!(ended[0]["backend"], backend.as_str());
    assert!(
        ended[0]["last_error"]
            .as_str()
            .is_some_and(|error| !error.is_empty())
    );
}
