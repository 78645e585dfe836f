//! A request whose client goes away stops its work: the real binary, a GraphQL query whose
//! DataLoader batch (an article's comments) waits on a lock held elsewhere, the client's
//! connection closed while it waits. The request's database connection must come back to the pool
//! and the request must leave the in-flight count, long before the lock (held for the whole
//! check) would let the batch finish. PostgreSQL and MySQL: SQLite's readers are never blocked by
//! a lock, so nothing there can make a batch wait.

use std::time::{Duration, Instant};

use conduit::db::{Backend, DatabaseUrl};
use diesel::sql_types::BigInt;
use diesel_async::{AsyncConnection as _, AsyncMysqlConnection, AsyncPgConnection, RunQueryDsl};
use serde_json::{Value, json};
use tokio::io::AsyncWriteExt as _;

use crate::faults::outages::skipped;
use crate::faults::time_limits::LockHolder;
use crate::harness::TestDatabase;
use crate::harness::binary::start_with;

/// The sum of every series of the metric `name` in the server's `/metrics`.
async fn metric(client: &reqwest::Client, base: &str, name: &str) -> f64 {
    let text = client
        .get(format!("{base}/metrics"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    text.lines()
        .filter(|line| {
            line.strip_prefix(name)
                .is_some_and(|rest| rest.starts_with(['{', ' ']))
        })
        .filter_map(|line| line.rsplit(' ').next()?.parse::<f64>().ok())
        .sum()
}

/// Statements of the app's database waiting for a lock, as the server sees them.
async fn statements_waiting_for_a_lock(url: &str, backend: Backend) -> i64 {
    let count = diesel::dsl::sql::<BigInt>;
    match backend {
        Backend::Postgres => {
            let mut connection = AsyncPgConnection::establish(url).await.unwrap();
            diesel::select(count(
                "(SELECT count(*) FROM pg_stat_activity \
                  WHERE datname = current_database() AND wait_event_type = 'Lock')",
            ))
            .get_result(&mut connection)
            .await
            .unwrap()
        }
        _ => {
            let mut connection = AsyncMysqlConnection::establish(url).await.unwrap();
            diesel::select(count(
                "(SELECT COUNT(*) FROM information_schema.PROCESSLIST \
                  WHERE DB = DATABASE() AND STATE LIKE 'Waiting for table%lock')",
            ))
            .get_result(&mut connection)
            .await
            .unwrap()
        }
    }
}

/// Polls `condition` every 50 ms for at most `limit`; whether it held.
async fn within(limit: Duration, mut condition: impl AsyncFnMut() -> bool) -> bool {
    let deadline = Instant::now() + limit;
    while Instant::now() < deadline {
        if condition().await {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    false
}

/// A POST with a JSON body (and a token); asserts success and returns the answer's body.
async fn post(client: &reqwest::Client, url: String, token: Option<&str>, body: Value) -> Value {
    let mut request = client.post(&url).json(&body);
    if let Some(token) = token {
        request = request.header("authorization", format!("Token {token}"));
    }
    let response = request.send().await.unwrap();
    assert!(
        response.status().is_success(),
        "{url}: {}",
        response.status()
    );
    response.json().await.unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_query_whose_client_goes_away_gives_its_connection_back_while_its_batch_is_blocked() {
    let database = TestDatabase::create().await;
    let url = DatabaseUrl::parse(&database.url).unwrap();
    let backend = url.backend();
    if matches!(backend, Backend::Sqlite) {
        return skipped("the cancelled-request test");
    }
    let url = url.connection_string().to_owned();
    // Every time limit far beyond the check's wait: only the client's going away can stop the
    // blocked batch within it.
    let server = start_with(
        &database,
        &[
            ("DB_LOCK_TIMEOUT_SECS", "120"),
            ("DB_STATEMENT_TIMEOUT_SECS", "120"),
            ("REQUEST_TIMEOUT_SECS", "120"),
        ],
    );
    let base = server.base.clone();
    let client = reqwest::Client::new();
    let user = json!({"user": {"username": "leaver", "email": "leaver@example.com",
        "password": "password-of-leaver"}});
    let registered = post(&client, format!("{base}/api/users"), None, user).await;
    let token = registered["user"]["token"].as_str().unwrap().to_owned();
    let article = json!({"article": {"title": "Left", "description": "d", "body": "b"}});
    post(
        &client,
        format!("{base}/api/articles"),
        Some(&token),
        article,
    )
    .await;
    let comment = json!({"comment": {"body": "before the lock"}});
    let path = format!("{base}/api/articles/left/comments");
    post(&client, path, Some(&token), comment).await;
    let idle_in_flight = metric(&client, &base, "http_requests_in_flight").await;

    let holder = LockHolder::lock_table(&url, backend, "comments").await;
    // The article is read by its resolver; its comments by a DataLoader batch, which blocks.
    let body = json!({"query": "{ article(slug: \"left\") { title comments { body } } }"});
    let body = body.to_string();
    let address = base.trim_start_matches("http://");
    let mut connection = tokio::net::TcpStream::connect(address).await.unwrap();
    let head = format!(
        "POST /graphql HTTP/1.1\r\nHost: {address}\r\nContent-Type: application/json\r\n\
         Content-Length: {}\r\n\r\n",
        body.len()
    );
    connection.write_all(head.as_bytes()).await.unwrap();
    connection.write_all(body.as_bytes()).await.unwrap();
    let blocked = within(Duration::from_secs(20), async || {
        statements_waiting_for_a_lock(&url, backend).await > 0
    })
    .await;
    assert!(blocked, "the comments batch never waited for the lock");
    assert!(metric(&client, &base, "conduit_db_pool_connections_in_use").await >= 1.0);
    assert!(metric(&client, &base, "http_requests_in_flight").await > idle_in_flight);

    // The client goes away.
    drop(connection);
    let released = within(Duration::from_secs(10), async || {
        metric(&client, &base, "conduit_db_pool_connections_in_use").await == 0.0
            && metric(&client, &base, "http_requests_in_flight").await == idle_in_flight
    })
    .await;
    let in_use = metric(&client, &base, "conduit_db_pool_connections_in_use").await;
    holder.release().await;
    assert!(
        released,
        "{backend}: {in_use} pool connection(s) still in use after the client left"
    );

    // The server is in step afterwards: the same query answers in full.
    let query = json!({"query": "{ article(slug: \"left\") { comments { body } } }"});
    let response = post(&client, format!("{base}/graphql"), None, query).await;
    assert_eq!(
        response["data"]["article"]["comments"][0]["body"],
        "before the lock"
    );
}
