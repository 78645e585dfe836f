//! GraphQL subscriptions over a real WebSocket: the `conduit` binary on a real port, clients
//! speaking `graphql-transport-ws` and the older `graphql-ws`, events caused through REST and
//! GraphQL.

use std::time::Duration;

use futures_util::{SinkExt as _, StreamExt as _};
use serde_json::{Value, json};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest as _;
use tokio_tungstenite::tungstenite::http::HeaderValue;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

use crate::harness::TestDatabase;
use crate::harness::binary::start;
use crate::harness::client::{call, comment, publish, register, send};
use crate::live::world::World;

/// The newer protocol (graphql-ws library, GraphiQL) and the older one (Apollo's
/// subscriptions-transport-ws), by their `Sec-WebSocket-Protocol` names.
pub const TRANSPORT_WS: &str = "graphql-transport-ws";
pub const LEGACY_WS: &str = "graphql-ws";

/// How long a test waits for an event that must come.
const DELIVERY: Duration = Duration::from_secs(5);
/// How long a test waits to be sure that an event does not come.
const SILENCE: Duration = Duration::from_millis(700);

/// A GraphQL WebSocket client, just enough of both protocols.
pub struct GraphqlSocket {
    socket: WebSocketStream<MaybeTlsStream<TcpStream>>,
    protocol: &'static str,
}

/// What the server did with a connection it refused.
#[derive(Debug)]
pub struct Closed {
    pub code: u16,
    pub reason: String,
    /// Text messages received before the close (`connection_error` in the older protocol).
    pub messages: Vec<Value>,
}

impl GraphqlSocket {
    /// Opens `ws://…/graphql` and sends `connection_init` with `payload`, without waiting.
    pub async fn open(base: &str, protocol: &'static str, payload: Value) -> GraphqlSocket {
        let url = format!("{}/graphql", base.replacen("http://", "ws://", 1));
        let mut request = url.into_client_request().unwrap();
        request
            .headers_mut()
            .insert("sec-websocket-protocol", HeaderValue::from_static(protocol));
        let (socket, response) = tokio_tungstenite::connect_async(request)
            .await
            .expect("the WebSocket handshake succeeds");
        assert_eq!(
            response.headers()["sec-websocket-protocol"],
            protocol,
            "the server speaks the protocol asked for"
        );
        let mut socket = GraphqlSocket { socket, protocol };
        socket
            .send(json!({ "type": "connection_init", "payload": payload }))
            .await;
        socket
    }

    /// Opens a connection and waits for `connection_ack`.
    pub async fn connect(base: &str, protocol: &'static str, token: Option<&str>) -> GraphqlSocket {
        let payload = match token {
            Some(token) => json!({ "Authorization": format!("Token {token}") }),
            None => json!({}),
        };
        let mut socket = GraphqlSocket::open(base, protocol, payload).await;
        let ack = socket.receive().await.expect("connection_ack");
        assert_eq!(ack["type"], "connection_ack", "{ack}");
        socket
    }

    pub async fn send(&mut self, message: Value) {
        self.socket
            .send(Message::text(message.to_string()))
            .await
            .expect("send");
    }

    /// Starts the operation `id`.
    pub async fn subscribe(&mut self, id: &str, query: &str, variables: Value) {
        let kind = if self.protocol == TRANSPORT_WS {
            "subscribe"
        } else {
            "start"
        };
        self.send(json!({
            "type": kind,
            "id": id,
            "payload": { "query": query, "variables": variables },
        }))
        .await;
    }

    /// The next protocol message (keep-alives and pings skipped), `Err` when the server closed the
    /// connection, panicking after [`DELIVERY`].
    pub async fn receive(&mut self) -> Result<Value, Closed> {
        self.receive_within(DELIVERY)
            .await
            .expect("a message within the delivery time")
    }

    /// Like [`receive`](Self::receive), `None` when nothing came within `wait`.
    pub async fn receive_within(&mut self, wait: Duration) -> Option<Result<Value, Closed>> {
        let mut messages = Vec::new();
        let deadline = tokio::time::Instant::now() + wait;
        loop {
            let frame = tokio::time::timeout_at(deadline, self.socket.next())
                .await
                .ok()?;
            match frame {
                Some(Ok(Message::Text(text))) => {
                    let message: Value = serde_json::from_str(&text).expect("JSON message");
                    match message["type"].as_str() {
                        Some("ka" | "ping" | "pong") => continue,
                        Some("connection_error") => messages.push(message),
                        _ if messages.is_empty() => return Some(Ok(message)),
                        _ => messages.push(message),
                    }
                }
                Some(Ok(Message::Close(frame))) => {
                    let (code, reason) = frame
                        .map(|frame| (u16::from(frame.code), frame.reason.to_string()))
                        .unwrap_or((1005, String::new()));
                    return Some(Err(Closed {
                        code,
                        reason,
                        messages,
                    }));
                }
                Some(Ok(_)) => continue,
                Some(Err(_)) | None => {
                    return Some(Err(Closed {
                        code: 1006,
                        reason: "connection lost".into(),
                        messages,
                    }));
                }
            }
        }
    }

    /// The next result of operation `id` (`data` and any `errors`).
    pub async fn next(&mut self, id: &str) -> Value {
        let message = self.receive().await.expect("the connection stays open");
        let kinds = ["next", "data"];
        assert!(
            kinds.contains(&message["type"].as_str().unwrap_or_default()) && message["id"] == id,
            "expected a result of {id}, got {message}"
        );
        message["payload"].clone()
    }

    /// Asserts that the server completed operation `id`.
    pub async fn expect_complete(&mut self, id: &str) {
        let message = self.receive().await.expect("the connection stays open");
        assert_eq!(message, json!({ "type": "complete", "id": id }));
    }

    /// Asserts that nothing arrives for a while.
    pub async fn expect_silence(&mut self) {
        if let Some(message) = self.receive_within(SILENCE).await {
            panic!("expected nothing, got {message:?}");
        }
    }
}

/// Waits until the server at `base` feeds `count` live subscribers (its
/// `conduit_live_subscribers` gauge), panicking after [`DELIVERY`]: subscriptions start
/// asynchronously after the `subscribe` message.
pub async fn wait_for_subscribers(base: &str, count: i64) {
    let deadline = tokio::time::Instant::now() + DELIVERY;
    let mut current = None;
    while tokio::time::Instant::now() < deadline {
        let metrics = reqwest::get(format!("{base}/metrics"))
            .await
            .expect("metrics")
            .text()
            .await
            .unwrap();
        current = metrics
            .lines()
            .find_map(|line| line.strip_prefix("conduit_live_subscribers "))
            .and_then(|value| value.trim().parse::<i64>().ok());
        if current == Some(count) {
            return;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("expected {count} live subscribers, the server reports {current:?}");
}

const COMMENT_ADDED: &str = "subscription($slug: String!) {
    commentAdded(slug: $slug) { id body author { username viewerIsFollowing } } }";

#[tokio::test]
async fn comments_reach_subscribers_of_both_protocols_once_committed() {
    let world = World::new().await;
    let base = &world.server.base;
    let mut modern = GraphqlSocket::connect(base, TRANSPORT_WS, Some(&world.bob)).await;
    let mut legacy = GraphqlSocket::connect(base, LEGACY_WS, None).await;
    for socket in [&mut modern, &mut legacy] {
        socket
            .subscribe("c", COMMENT_ADDED, json!({ "slug": world.slug }))
            .await;
    }
    // Subscriptions start asynchronously: wait until the server has registered both.
    wait_for_subscribers(base, 2).await;

    // A refused write (blank body) announces nothing; the committed one after it does.
    let path = format!("/api/articles/{}/comments", world.slug);
    let blank = json!({ "comment": { "body": "" } });
    let (status, _) = send(base, "POST", &path, Some(&world.alice), Some(blank)).await;
    assert_eq!(status, 422);
    let posted = comment(base, &world.alice, &world.slug, "first!").await;

    for socket in [&mut modern, &mut legacy] {
        let payload = socket.next("c").await;
        assert_eq!(
            payload,
            json!({ "data": { "commentAdded": {
                "id": posted["id"], "body": "first!",
                "author": { "username": "alice", "viewerIsFollowing": false } } } })
        );
        socket.expect_silence().await;
    }

    // Comments on another article are not this subscription's business.
    let other = publish(base, &world.alice, "Elsewhere", &[]).await;
    comment(base, &world.alice, &other, "not here").await;
    modern.expect_silence().await;
}

#[tokio::test]
async fn deletions_updates_and_publications_are_announced_with_filters() {
    let world = World::new().await;
    let base = &world.server.base;
    let mut socket = GraphqlSocket::connect(base, TRANSPORT_WS, Some(&world.bob)).await;
    socket
        .subscribe(
            "deleted",
            "subscription($slug: String!) { commentDeleted(slug: $slug) { id slug } }",
            json!({ "slug": world.slug }),
        )
        .await;
    socket
        .subscribe(
            "updated",
            "subscription($slug: String!) { articleUpdated(slug: $slug) {
                slug title favoritesCount viewerHasFavorited } }",
            json!({ "slug": world.slug }),
        )
        .await;
    socket
        .subscribe(
            "published",
            "subscription { articlePublished(tag: \"rust\", author: \"alice\") { title tagList } }",
            json!({}),
        )
        .await;
    wait_for_subscribers(base, 3).await;

    let posted = comment(base, &world.alice, &world.slug, "to be deleted").await;
    // Deleted through GraphQL: the same service, the same event.
    let deletion = json!({
        "query": "mutation($input: DeleteCommentInput!) { deleteComment(input: $input) { deletedId } }",
        "variables": { "input": { "slug": world.slug, "id": posted["id"].to_string() } },
    });
    let deleted = call(base, "POST", "/graphql", &world.alice, Some(deletion)).await;
    assert!(deleted.get("errors").is_none(), "{deleted}");
    let payload = socket.next("deleted").await;
    assert_eq!(
        payload["data"]["commentDeleted"],
        json!({ "id": posted["id"].to_string(), "slug": world.slug })
    );

    // Bob favorites: the count moves and, for bob's connection, viewerHasFavorited is true.
    let path = format!("/api/articles/{}/favorite", world.slug);
    call(base, "POST", &path, &world.bob, None).await;
    let payload = socket.next("updated").await;
    assert_eq!(
        payload["data"]["articleUpdated"],
        json!({ "slug": world.slug, "title": "Live", "favoritesCount": 1,
                "viewerHasFavorited": true })
    );
    // A new title gives a new slug; the subscription follows the article.
    let path = format!("/api/articles/{}", world.slug);
    let renamed = json!({ "article": { "title": "Live again" } });
    call(base, "PUT", &path, &world.alice, Some(renamed)).await;
    let payload = socket.next("updated").await;
    assert_eq!(payload["data"]["articleUpdated"]["slug"], "live-again");

    // Only alice's rust articles match the filters.
    publish(base, &world.bob, "Bob on rust", &["rust"]).await;
    publish(base, &world.alice, "Alice on go", &["go"]).await;
    publish(base, &world.alice, "Alice on rust", &["rust", "async"]).await;
    let payload = socket.next("published").await;
    assert_eq!(
        payload["data"]["articlePublished"],
        json!({ "title": "Alice on rust", "tagList": ["async", "rust"] })
    );
    socket.expect_silence().await;
}

#[tokio::test]
async fn the_feed_subscription_follows_the_people_the_viewer_follows() {
    let world = World::new().await;
    let base = &world.server.base;
    let carol = register(base, "carol").await;
    call(base, "POST", "/api/profiles/alice/follow", &world.bob, None).await;

    let feed =
        "subscription { feedArticlePublished { title author { username viewerIsFollowing } } }";
    let mut anonymous = GraphqlSocket::connect(base, LEGACY_WS, None).await;
    anonymous.subscribe("feed", feed, json!({})).await;
    let refusal = anonymous.next("feed").await;
    assert_eq!(
        refusal["errors"][0]["extensions"]["code"],
        "UNAUTHENTICATED"
    );
    anonymous.expect_complete("feed").await;

    let mut socket = GraphqlSocket::connect(base, TRANSPORT_WS, Some(&world.bob)).await;
    socket.subscribe("feed", feed, json!({})).await;
    wait_for_subscribers(base, 1).await;
    publish(base, &carol, "Not followed", &[]).await;
    publish(base, &world.alice, "Followed", &[]).await;
    let payload = socket.next("feed").await;
    assert_eq!(
        payload["data"]["feedArticlePublished"],
        json!({ "title": "Followed",
                "author": { "username": "alice", "viewerIsFollowing": true } })
    );
    socket.expect_silence().await;
}

#[tokio::test]
async fn a_bad_token_in_connection_init_closes_with_4403_in_both_protocols() {
    let database = TestDatabase::create().await;
    let server = start(&database);
    let base = &server.base;
    for token in ["Token not-a-jwt", "Basic abc"] {
        let payload = json!({ "Authorization": token });
        let mut modern = GraphqlSocket::open(base, TRANSPORT_WS, payload.clone()).await;
        let closed = modern.receive().await.expect_err("the server closes");
        assert_eq!(closed.code, 4403, "{closed:?}");
        assert_eq!(closed.reason, "token is invalid");

        let mut legacy = GraphqlSocket::open(base, LEGACY_WS, payload).await;
        let closed = legacy.receive().await.expect_err("the server closes");
        assert_eq!(closed.code, 4403, "{closed:?}");
        assert_eq!(closed.messages[0]["type"], "connection_error");
        assert_eq!(closed.messages[0]["payload"]["message"], "token is invalid");
    }
    // An expired token (signed with the right key) is refused the same way.
    let keys =
        conduit::auth::TokenKeys::new(crate::harness::SECRET.as_bytes(), Duration::from_secs(60))
            .unwrap();
    let now = chrono::Utc::now().timestamp();
    let expired = keys.sign(1, now - 7200, now - 3600).unwrap();
    let payload = json!({ "Authorization": format!("Token {expired}") });
    let mut socket = GraphqlSocket::open(base, TRANSPORT_WS, payload).await;
    assert_eq!(socket.receive().await.unwrap_err().code, 4403);
}

#[tokio::test]
async fn subscriptions_pass_the_document_limits_and_name_unknown_articles() {
    let world = World::new().await;
    let base = &world.server.base;
    let mut socket = GraphqlSocket::connect(base, TRANSPORT_WS, None).await;
    socket
        .subscribe(
            "missing",
            "subscription { commentAdded(slug: \"nope\") { id } }",
            json!({}),
        )
        .await;
    let refusal = socket.next("missing").await;
    assert_eq!(refusal["errors"][0]["extensions"]["code"], "NOT_FOUND");
    socket.expect_complete("missing").await;

    let mut selection = "slug".to_owned();
    for _ in 0..6 {
        selection = format!("articles(first: 1) {{ author {{ {selection} }} }}");
    }
    let deep = format!("subscription {{ articlePublished {{ author {{ {selection} }} }} }}");
    socket.subscribe("deep", &deep, json!({})).await;
    let refusal = socket.next("deep").await;
    assert_eq!(refusal["errors"][0]["extensions"]["code"], "BAD_REQUEST");
    assert!(
        refusal["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("levels deep"),
        "{refusal}"
    );
    socket.expect_complete("deep").await;
}

#[tokio::test]
async fn a_plain_get_without_a_protocol_is_not_upgraded() {
    let database = TestDatabase::create().await;
    let server = start(&database);
    let url = format!("{}/graphql", server.base.replacen("http://", "ws://", 1));
    let error = tokio_tungstenite::connect_async(url)
        .await
        .expect_err("no subprotocol offered");
    let tokio_tungstenite::tungstenite::Error::Http(response) = error else {
        panic!("expected an HTTP refusal, got {error:?}");
    };
    assert_eq!(response.status(), 400);
    let body: Value = serde_json::from_slice(response.body().as_deref().unwrap()).unwrap();
    assert!(
        body["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("graphql-transport-ws"),
        "{body}"
    );
}
