//! Time limits: a database that stops answering (a paused proxy: connections open, no byte
//! passes) is 503 within the request deadline, a lock held elsewhere is 503 after the lock
//! timeout, and a statement running past the statement timeout is cancelled by the server and
//! 503; none takes the health endpoints down with it (`/health/live` never touches the pool,
//! `/health/ready` has its own connection and bound).

use std::time::{Duration, Instant};

use axum::http::StatusCode;
use axum::response::IntoResponse as _;
use conduit::db::{Backend, PROBE_TIMEOUT};
use conduit::on_connection;
use diesel::connection::SimpleConnection as _;
use diesel_async::SimpleAsyncConnection as _;
use diesel_async::{AsyncConnection as _, AsyncMysqlConnection, AsyncPgConnection, RunQueryDsl};
use futures_util::future::join_all;
use serde_json::json;

use crate::faults::outages::{
    app_behind_proxy, assert_graphql_unavailable, assert_unavailable, create_article_by_graphql,
    graphql, graphql_code, list_articles, select_seven, skipped, time_to_first_200,
};
use crate::harness::TestApp;

const DEADLINE: Duration = Duration::from_secs(2);

async fn timed<T>(work: impl Future<Output = T>) -> (T, Duration) {
    let start = Instant::now();
    let output = work.await;
    (output, start.elapsed())
}

#[tokio::test(flavor = "multi_thread")]
async fn a_paused_database_is_503_within_the_request_deadline_and_health_stays_bounded() {
    let Some((app, proxy)) = app_behind_proxy(3, |config| {
        config.request_timeout = DEADLINE;
        config.pool.connect_timeout = Duration::from_secs(1);
    })
    .await
    else {
        return skipped("the pause test");
    };
    let backend = app.state.session().backend();
    let warm = join_all((0..6).map(|_| list_articles(&app))).await;
    assert!(
        warm.iter()
            .all(|response| response.status == StatusCode::OK)
    );
    assert_eq!(
        app.rest("GET", "/health/ready", None, None).await.status,
        StatusCode::OK
    );

    proxy.pause();
    // Requests on open connections wait for an answer that never comes; the others wait for a
    // connection. All are answered 503 by the deadline at the latest.
    let answers = join_all((0..5).map(|_| timed(assert_unavailable(&app)))).await;
    let slowest = answers.iter().map(|(_, took)| *took).max().unwrap();
    eprintln!(
        "{backend}: paused database answered 503 within {:.0} ms (deadline {DEADLINE:?})",
        slowest.as_secs_f64() * 1000.0
    );
    // Each call made a REST and a GraphQL request, one after the other.
    assert!(
        slowest < 2 * DEADLINE + Duration::from_secs(1),
        "{slowest:?}"
    );

    let (live, took) = timed(app.rest("GET", "/health/live", None, None)).await;
    assert_eq!(live.status, StatusCode::OK);
    assert!(
        took < Duration::from_millis(500),
        "/health/live took {took:?}"
    );
    let (ready, took) = timed(app.rest("GET", "/health/ready", None, None)).await;
    assert_eq!(ready.status, StatusCode::SERVICE_UNAVAILABLE);
    assert!(
        took < PROBE_TIMEOUT + Duration::from_secs(1),
        "/health/ready took {took:?}"
    );
    let mutation = graphql(&app, "{ tags }").await;
    assert_eq!(graphql_code(&mutation), "UNAVAILABLE");

    proxy.resume();
    let recovery = time_to_first_200(&app, Duration::from_secs(10)).await;
    eprintln!(
        "{backend}: first 200 {:.0} ms after the paused database resumed",
        recovery.as_secs_f64() * 1000.0
    );
    for _ in 0..3 {
        let answers = join_all((0..6).map(|_| list_articles(&app))).await;
        assert!(
            answers
                .iter()
                .all(|response| response.status == StatusCode::OK)
        );
    }
    assert_eq!(
        app.rest("GET", "/health/ready", None, None).await.status,
        StatusCode::OK
    );
}

/// A connection outside the app holding a lock on a table: on PostgreSQL and MySQL one that
/// blocks reads and writes of that table, on SQLite (which locks the whole file) one that blocks
/// writes.
pub enum LockHolder {
    Postgres(Box<AsyncPgConnection>),
    Mysql(Box<AsyncMysqlConnection>),
    Sqlite(Box<diesel::SqliteConnection>),
}

impl LockHolder {
    /// Locks `articles` in the app's database.
    async fn lock(app: &TestApp) -> LockHolder {
        let url = app.state.config().database_url.clone();
        LockHolder::lock_table(
            url.connection_string(),
            app.state.session().backend(),
            "articles",
        )
        .await
    }

    /// Locks `table` of the database at `url`.
    pub async fn lock_table(url: &str, backend: Backend, table: &str) -> LockHolder {
        match backend {
            Backend::Postgres => {
                let mut connection = AsyncPgConnection::establish(url).await.unwrap();
                connection
                    .batch_execute(&format!(
                        "BEGIN; LOCK TABLE {table} IN ACCESS EXCLUSIVE MODE"
                    ))
                    .await
                    .unwrap();
                LockHolder::Postgres(Box::new(connection))
            }
            Backend::Mysql => {
                let mut connection = AsyncMysqlConnection::establish(url).await.unwrap();
                connection
                    .batch_execute(&format!("LOCK TABLES {table} WRITE"))
                    .await
                    .unwrap();
                LockHolder::Mysql(Box::new(connection))
            }
            Backend::Sqlite => {
                use diesel::Connection as _;
                let mut connection = diesel::SqliteConnection::establish(url).unwrap();
                connection.batch_execute("BEGIN IMMEDIATE").unwrap();
                LockHolder::Sqlite(Box::new(connection))
            }
        }
    }

    pub async fn release(self) {
        match self {
            LockHolder::Postgres(mut connection) => {
                connection.batch_execute("COMMIT").await.unwrap()
            }
            LockHolder::Mysql(mut connection) => {
                connection.batch_execute("UNLOCK TABLES").await.unwrap()
            }
            LockHolder::Sqlite(mut connection) => connection.batch_execute("COMMIT").unwrap(),
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_held_lock_is_503_after_the_lock_timeout_and_readiness_still_answers() {
    let app = TestApp::spawn_with(|config| {
        config.pool.max_size = 2;
        config.pool.lock_timeout = Duration::from_secs(1);
    })
    .await;
    let backend = app.state.session().backend();
    let token = app.register("locked").await;
    let article = json!({ "article": { "title": "Locked", "description": "d", "body": "b" } });
    let write = || app.rest("POST", "/api/articles", Some(&token), Some(article.clone()));

    let holder = LockHolder::lock(&app).await;
    // Four writes for two connections: both connections wait for the lock.
    let writes = join_all((0..4).map(|_| timed(write())));
    let health = async {
        tokio::time::sleep(Duration::from_millis(300)).await;
        let ready = timed(app.rest("GET", "/health/ready", None, None)).await;
        let live = app.rest("GET", "/health/live", None, None).await;
        (ready, live)
    };
    let (writes, ((ready, ready_took), live)) = tokio::join!(writes, health);
    assert_eq!(ready.status, StatusCode::OK, "{:?}", ready.body);
    assert!(ready_took < Duration::from_secs(1), "{ready_took:?}");
    assert_eq!(live.status, StatusCode::OK);
    for (response, took) in &writes {
        assert_eq!(
            response.status,
            StatusCode::SERVICE_UNAVAILABLE,
            "{:?}",
            response.body
        );
        assert_eq!(response.headers["retry-after"], "1");
        assert!(*took < Duration::from_secs(5), "{took:?}");
    }
    eprintln!(
        "{backend}: writes blocked by a lock answered 503 within {:.0} ms",
        writes
            .iter()
            .map(|(_, took)| *took)
            .max()
            .unwrap()
            .as_secs_f64()
            * 1000.0
    );

    // GraphQL's createArticle waits for the same lock and says the same.
    let (mutation, took) = timed(create_article_by_graphql(&app, &token, "Locked too")).await;
    assert_graphql_unavailable(&mutation);
    assert!(took < Duration::from_secs(5), "{took:?}");

    holder.release().await;
    assert_eq!(write().await.status, StatusCode::CREATED);
    assert_eq!(list_articles(&app).await.body["articlesCount"], 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_statement_past_the_statement_timeout_is_unavailable_and_the_pool_still_serves() {
    let app = TestApp::spawn_with(|config| {
        config.pool.max_size = 1;
        config.pool.statement_timeout = Duration::from_secs(1);
    })
    .await;
    let backend = app.state.session().backend();
    // Five times the limit: an answer well before then means the server cancelled it.
    let sleep = match backend {
        Backend::Postgres => "SELECT pg_sleep(5)",
        Backend::Mysql => "SELECT SLEEP(5)",
        Backend::Sqlite => {
            eprintln!("skipped: SQLite runs statements in process, with no statement timeout");
            return;
        }
    };
    let db = app.state.session();
    let (outcome, took) = timed(async {
        on_connection!(&db, async move |conn| {
            Ok(diesel::sql_query(sleep).execute(conn).await?)
        })
    })
    .await;
    drop(db);
    let error = outcome.expect_err("the server cancels the statement");
    // GraphQL's extensions.code and REST's status, as both interfaces would answer it.
    assert_eq!(error.code(), "UNAVAILABLE", "{error:?}");
    let rest = error.into_response();
    assert_eq!(rest.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(rest.headers()["retry-after"], "1");
    assert!(took < Duration::from_secs(4), "cancelled after {took:?}");
    eprintln!(
        "{backend}: a statement past DB_STATEMENT_TIMEOUT_SECS=1 answered 503 after {:.0} ms",
        took.as_secs_f64() * 1000.0
    );

    // The pool's only connection (the same one, or its replacement) runs the next statement.
    select_seven(&app).await;
    assert_eq!(list_articles(&app).await.status, StatusCode::OK);
}
