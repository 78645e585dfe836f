//! Server-sent events over real HTTP: the `conduit` binary on a real port, a real HTTP client
//! reading the `text/event-stream` body as it arrives, events caused through REST and GraphQL.

use std::time::Duration;

use serde_json::{Value, json};

use crate::harness::client::{call, comment, publish, send};
use crate::live::world::World;

/// How long a test waits for an event that must come.
const DELIVERY: Duration = Duration::from_secs(5);
/// How long a test waits to be sure that an event does not come.
const SILENCE: Duration = Duration::from_millis(700);

/// One parsed event of the stream.
#[derive(Debug, Clone, PartialEq)]
pub struct ServerEvent {
    pub event: String,
    pub id: Option<String>,
    pub data: Value,
}

/// A client of one event stream: its response, and what arrived but was not yet parsed.
pub struct EventStream {
    response: reqwest::Response,
    buffer: String,
    /// The last `retry:` the server sent (milliseconds).
    pub retry: Option<u64>,
}

impl EventStream {
    /// Opens `url` as an event stream; panics unless the server answers 200 `text/event-stream`
    /// without buffering.
    pub async fn open(url: &str, token: Option<&str>, last_event_id: Option<&str>) -> EventStream {
        let response = EventStream::request(url, token, last_event_id).await;
        assert_eq!(response.status(), 200, "{url}");
        let headers = response.headers();
        assert_eq!(headers["content-type"], "text/event-stream", "{url}");
        assert_eq!(headers["x-accel-buffering"], "no");
        assert_eq!(headers["cache-control"], "no-cache");
        EventStream {
            response,
            buffer: String::new(),
            retry: None,
        }
    }

    pub async fn request(
        url: &str,
        token: Option<&str>,
        last_event_id: Option<&str>,
    ) -> reqwest::Response {
        let mut request = reqwest::Client::new()
            .get(url)
            .header("accept", "text/event-stream");
        if let Some(token) = token {
            request = request.header("authorization", format!("Token {token}"));
        }
        if let Some(id) = last_event_id {
            request = request.header("last-event-id", id);
        }
        tokio::time::timeout(DELIVERY, request.send())
            .await
            .expect("the server answers the stream's request at once")
            .expect("request")
    }

    /// The next event (comment lines such as heartbeats skipped), `None` when nothing came within
    /// `wait` or the stream ended.
    pub async fn next_within(&mut self, wait: Duration) -> Option<ServerEvent> {
        let deadline = tokio::time::Instant::now() + wait;
        loop {
            if let Some(end) = self.buffer.find("\n\n") {
                let block: String = self.buffer.drain(..end + 2).collect();
                let (event, retry) = parse(&block);
                self.retry = retry.or(self.retry);
                if let Some(event) = event {
                    return Some(event);
                }
                continue;
            }
            let chunk = tokio::time::timeout_at(deadline, self.response.chunk())
                .await
                .ok()?
                .expect("the stream reads")?;
            self.buffer
                .push_str(std::str::from_utf8(&chunk).expect("UTF-8"));
        }
    }

    /// The next event, panicking after [`DELIVERY`].
    pub async fn next(&mut self) -> ServerEvent {
        self.next_within(DELIVERY)
            .await
            .expect("an event within the delivery time")
    }

    /// Whether the server ended the stream within `wait` (events before the end are skipped).
    pub async fn ended_within(&mut self, wait: Duration) -> bool {
        let deadline = tokio::time::Instant::now() + wait;
        loop {
            match tokio::time::timeout_at(deadline, self.response.chunk()).await {
                Err(_) => return false,
                Ok(chunk) => match chunk.expect("the stream ends cleanly, not with an error") {
                    Some(_) => continue,
                    None => return true,
                },
            }
        }
    }

    pub async fn expect_silence(&mut self) {
        if let Some(event) = self.next_within(SILENCE).await {
            panic!("expected nothing, got {event:?}");
        }
    }
}

/// One block: its event (`None` for a block without data, such as heartbeat comment lines)
/// and its `retry:` field.
fn parse(block: &str) -> (Option<ServerEvent>, Option<u64>) {
    let mut event = ServerEvent {
        event: "message".to_owned(),
        id: None,
        data: Value::Null,
    };
    let mut retry = None;
    let mut data = Vec::new();
    for line in block.lines().filter(|line| !line.starts_with(':')) {
        let (field, value) = line.split_once(':').unwrap_or((line, ""));
        let value = value.strip_prefix(' ').unwrap_or(value);
        match field {
            "event" => event.event = value.to_owned(),
            "id" => event.id = Some(value.to_owned()),
            "data" => data.push(value),
            "retry" => retry = value.parse().ok(),
            _ => {}
        }
    }
    if data.is_empty() {
        return (None, retry);
    }
    event.data = serde_json::from_str(&data.join("\n")).expect("JSON data");
    (Some(event), retry)
}

impl World {
    fn comments_url(&self) -> String {
        format!(
            "{}/api/articles/{}/comments/events",
            self.server.base, self.slug
        )
    }
}

/// The [`World`] of the live tests, in which bob follows alice.
async fn world() -> World {
    let world = World::new().await;
    call(
        &world.server.base,
        "POST",
        "/api/profiles/alice/follow",
        &world.bob,
        None,
    )
    .await;
    world
}

/// The comment as `GET …/comments` shows it to `token`'s user.
async fn as_listed(base: &str, slug: &str, token: &str, id: &Value) -> Value {
    let path = format!("/api/articles/{slug}/comments");
    let list = call(base, "GET", &path, token, None).await;
    let listed = list["comments"].as_array().unwrap();
    let found = listed.iter().find(|comment| comment["id"] == *id);
    json!({ "comment": found.expect("the comment is listed") })
}

#[tokio::test]
async fn comments_from_both_interfaces_and_deletions_reach_the_stream() {
    let world = world().await;
    let base = &world.server.base;
    // The handler subscribes before it answers: once the headers are here, nothing is missed.
    let mut stream = EventStream::open(&world.comments_url(), Some(&world.bob), None).await;

    let posted = comment(base, &world.alice, &world.slug, "over REST").await;
    let event = stream.next().await;
    assert_eq!(event.event, "commentAdded");
    assert_eq!(event.id, Some(posted["id"].to_string()));
    // What a REST client reads for that comment, as bob (who follows alice) sees it.
    let expected = as_listed(base, &world.slug, &world.bob, &posted["id"]).await;
    assert_eq!(event.data, expected);
    assert_eq!(event.data["comment"]["author"]["following"], true);

    let addition = json!({
        "query": "mutation($input: AddCommentInput!) { addComment(input: $input) { comment { id } } }",
        "variables": { "input": { "slug": world.slug, "body": "over GraphQL" } },
    });
    let added = call(base, "POST", "/graphql", &world.alice, Some(addition)).await;
    let id = &added["data"]["addComment"]["comment"]["id"];
    let event = stream.next().await;
    assert_eq!(
        (event.event.as_str(), event.id.clone()),
        ("commentAdded", Some(id.to_string()))
    );
    assert_eq!(event.data["comment"]["body"], "over GraphQL");

    // A refused write (blank body) sends nothing; comments elsewhere are not this stream's.
    let path = format!("/api/articles/{}/comments", world.slug);
    let blank = json!({ "comment": { "body": "" } });
    let (status, _) = send(base, "POST", &path, Some(&world.alice), Some(blank)).await;
    assert_eq!(status, 422);
    let other = publish(base, &world.alice, "Elsewhere", &[]).await;
    comment(base, &world.alice, &other, "not here").await;
    stream.expect_silence().await;

    let path = format!("/api/articles/{}/comments/{}", world.slug, posted["id"]);
    call(base, "DELETE", &path, &world.alice, None).await;
    let event = stream.next().await;
    assert_eq!(
        event,
        ServerEvent {
            event: "commentDeleted".into(),
            // No id: the client's last event id stays the last comment it received.
            id: None,
            data: json!({ "id": posted["id"] }),
        }
    );
}

#[tokio::test]
async fn last_event_id_replays_the_comments_written_after_it_then_goes_live() {
    let world = world().await;
    let base = &world.server.base;
    let first = comment(base, &world.alice, &world.slug, "one").await;
    let second = comment(base, &world.alice, &world.slug, "two").await;
    let third = comment(base, &world.bob, &world.slug, "three").await;

    let last = first["id"].to_string();
    let mut stream = EventStream::open(&world.comments_url(), None, Some(&last)).await;
    let replayed = stream.next().await;
    assert_eq!(replayed.id, Some(second["id"].to_string()));
    assert_eq!(
        stream.retry,
        Some(3000),
        "the stream says when to reconnect"
    );
    assert_eq!(replayed.data["comment"]["body"], "two");
    let replayed = stream.next().await;
    assert_eq!(replayed.id, Some(third["id"].to_string()));
    // Anonymous: the same shape, `following` false.
    let mut expected = as_listed(base, &world.slug, &world.alice, &third["id"]).await;
    expected["comment"]["author"]["following"] = json!(false);
    assert_eq!(replayed.data, expected);
    let fourth = comment(base, &world.alice, &world.slug, "four").await;
    let live = stream.next().await;
    assert_eq!(live.id, Some(fourth["id"].to_string()));
    stream.expect_silence().await;

    // A Last-Event-ID that is not a comment id starts from now, as a first connection.
    let mut fresh = EventStream::open(&world.comments_url(), None, Some("not-a-number")).await;
    fresh.expect_silence().await;
}

#[tokio::test]
async fn an_unknown_article_or_a_bad_token_is_refused_as_json() {
    let world = world().await;
    let base = &world.server.base;
    let url = format!("{base}/api/articles/nope/comments/events");
    let response = EventStream::request(&url, None, None).await;
    assert_eq!(response.status(), 404);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body, json!({ "errors": { "article": ["not found"] } }));

    let response = EventStream::request(&world.comments_url(), Some("not-a-jwt"), None).await;
    assert_eq!(response.status(), 401);
    let response =
        EventStream::request(&format!("{base}/api/articles/events"), Some("x"), None).await;
    assert_eq!(response.status(), 401);
    let body: Value = response.json().await.unwrap();
    assert!(body["errors"]["token"].is_array(), "{body}");
}

#[tokio::test]
async fn new_articles_arrive_filtered_as_the_viewer_sees_them() {
    let world = world().await;
    let base = &world.server.base;
    let url = format!("{base}/api/articles/events?tag=rust&author=alice");
    let mut filtered = EventStream::open(&url, Some(&world.bob), None).await;
    let mut everything =
        EventStream::open(&format!("{base}/api/articles/events"), None, None).await;

    publish(base, &world.bob, "Bob on rust", &["rust"]).await;
    publish(base, &world.alice, "Alice on go", &["go"]).await;
    let slug = publish(base, &world.alice, "Alice on rust", &["rust", "async"]).await;
    let event = filtered.next().await;
    assert_eq!(event.event, "articlePublished");
    let read = call(
        base,
        "GET",
        &format!("/api/articles/{slug}"),
        &world.bob,
        None,
    )
    .await;
    assert_eq!(
        event.data, read,
        "the body GET /api/articles/{{slug}} answers bob"
    );
    assert_eq!(event.data["article"]["author"]["following"], true);
    filtered.expect_silence().await;

    let titles: Vec<Value> = [
        everything.next().await,
        everything.next().await,
        everything.next().await,
    ]
    .into_iter()
    .map(|event| event.data["article"]["title"].clone())
    .collect();
    assert_eq!(
        titles,
        [
            json!("Bob on rust"),
            json!("Alice on go"),
            json!("Alice on rust")
        ]
    );
}

#[tokio::test]
async fn an_article_titled_events_keeps_the_stream_route_and_stays_reachable() {
    let world = world().await;
    let base = &world.server.base;
    let slug = publish(base, &world.alice, "Events", &[]).await;
    assert!(slug.starts_with("events-"), "{slug}");
    let read = call(
        base,
        "GET",
        &format!("/api/articles/{slug}"),
        &world.bob,
        None,
    )
    .await;
    assert_eq!(read["article"]["title"], "Events");
    let url = format!("{base}/api/articles/{slug}/comments/events");
    EventStream::open(&url, None, None).await;
}
