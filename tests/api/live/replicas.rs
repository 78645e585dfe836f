//! Live events across replicas: two instances on one database, a live stream on one, writes
//! through the other. Over PostgreSQL `LISTEN/NOTIFY` when the tests run on PostgreSQL; over
//! Redis pub/sub on every backend when `CONDUIT_TEST_REDIS_URL` names a Redis server (CI sets
//! it; without it those tests say they were skipped).

use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use conduit::config::Config;
use conduit::db::Backend;
use conduit::events::transport::EventsUrl;
use conduit::on_connection;
use conduit::service::{articles, live};
use diesel_async::SimpleAsyncConnection as _;
use futures_util::StreamExt as _;
use serde_json::json;

use crate::harness::TestApp;

/// How long a replica may take to hear of another's write.
const ACROSS: Duration = Duration::from_secs(1);

static NEXT_CHANNEL: AtomicUsize = AtomicUsize::new(0);

/// Redis's pub/sub channels are global to the server: each test gets channels of its own.
fn redis(config: &mut Config) -> bool {
    let Some(url) = std::env::var("CONDUIT_TEST_REDIS_URL")
        .ok()
        .filter(|url| !url.trim().is_empty())
    else {
        eprintln!("skipped: CONDUIT_TEST_REDIS_URL is not set");
        return false;
    };
    config.events.url = EventsUrl::parse(url.trim()).expect("CONDUIT_TEST_REDIS_URL");
    config.events.channel = format!(
        "conduit_test_{}_{}_{}",
        std::process::id(),
        NEXT_CHANNEL.fetch_add(1, Ordering::Relaxed),
        rand::random::<u32>()
    );
    true
}

fn on_postgres(app: &TestApp) -> bool {
    let postgres = app.state.db().backend() == Backend::Postgres;
    if !postgres {
        eprintln!("skipped: the tests do not run on PostgreSQL");
    }
    postgres
}

/// A comment posted through `writer` reaches a live stream on `reader` within [`ACROSS`], as
/// `reader` reads it from the shared database; `writer`'s own subscribers get it once, not
/// twice (once locally, once back from the transport).
async fn assert_comments_cross(reader: &TestApp, writer: &TestApp, author: &str) {
    let token = writer.register(author).await;
    let article = writer.create_article(&token, "Across", &[]).await;
    let slug = article["slug"].as_str().unwrap();
    let article_id = articles::get_article(&reader.state.session(), None, slug)
        .await
        .expect("the article, read through the other replica")
        .id;
    let stream = live::comments_added(&reader.state, None, article_id);
    futures_util::pin_mut!(stream);
    let mut writer_hub = writer.state.events().subscribe();

    let path = format!("/api/articles/{slug}/comments");
    let body = json!({ "comment": { "body": "from the other replica" } });
    let posted = writer.rest("POST", &path, Some(&token), Some(body)).await;
    assert_eq!(posted.status, 201, "{:?}", posted.body);
    let comment = tokio::time::timeout(ACROSS, stream.next())
        .await
        .expect("the comment crosses within a second")
        .expect("the stream goes on")
        .expect("the comment is read");
    assert_eq!(json!(comment.id), posted.body["comment"]["id"]);
    assert_eq!(comment.body, "from the other replica");

    let first = tokio::time::timeout(ACROSS, writer_hub.next()).await;
    assert!(matches!(first, Ok(Some(Ok(_)))), "{first:?}");
    let echo = tokio::time::timeout(Duration::from_millis(500), writer_hub.next()).await;
    assert!(echo.is_err(), "the writer's own event came back: {echo:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_comment_crosses_replicas_over_postgres_notify() {
    let reader = TestApp::spawn().await;
    if !on_postgres(&reader) {
        return;
    }
    let writer = reader.another_instance(|_| {}).await;
    assert_comments_cross(&reader, &writer, "alice").await;
    // And the other way round.
    assert_comments_cross(&writer, &reader, "bob").await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_comment_crosses_replicas_over_redis() {
    let mut uses_redis = false;
    let reader = TestApp::spawn_with(|config| uses_redis = redis(config)).await;
    if !uses_redis {
        return;
    }
    let writer = reader.another_instance(|_| {}).await;
    assert_comments_cross(&reader, &writer, "alice").await;
}

#[tokio::test(flavor = "multi_thread")]
async fn without_a_transport_events_stay_in_their_process() {
    let reader = TestApp::spawn_with(|config| config.events.url = EventsUrl::Local).await;
    let writer = reader.another_instance(|_| {}).await;
    let mut hub = reader.state.events().subscribe();
    let token = writer.register("alice").await;
    writer.create_article(&token, "Here only", &[]).await;
    let event = tokio::time::timeout(Duration::from_millis(500), hub.next()).await;
    assert!(event.is_err(), "{event:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_lost_listening_connection_is_made_again() {
    let reader = TestApp::spawn().await;
    if !on_postgres(&reader) {
        return;
    }
    let writer = reader.another_instance(|_| {}).await;
    let token = writer.register("alice").await;
    let mut hub = reader.state.events().subscribe();
    // Every other connection to the test database goes: both listeners and the pools' (which
    // heal by themselves).
    let session = reader.state.session();
    on_connection!(&session, async move |conn| {
        conn.batch_execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity
             WHERE datname = current_database() AND pid <> pg_backend_pid()",
        )
        .await?;
        Ok(())
    })
    .expect("terminate the other connections");
    drop(session);

    // Events published while the listener is down are lost (at most once): publish until one
    // crosses, within the first retries' time.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(15);
    let mut attempt = 0;
    loop {
        assert!(
            tokio::time::Instant::now() < deadline,
            "no event crossed after the connection was lost"
        );
        attempt += 1;
        let title = format!("Attempt {attempt}");
        let response = writer
            .rest(
                "POST",
                "/api/articles",
                Some(&token),
                Some(json!({ "article": { "title": title, "description": "d", "body": "b" } })),
            )
            .await;
        if response.status != 201 {
            // The writer's pool is healing too.
            tokio::time::sleep(Duration::from_millis(100)).await;
            continue;
        }
        if let Ok(Some(Ok(_))) = tokio::time::timeout(Duration::from_millis(300), hub.next()).await
        {
            return;
        }
    }
}
