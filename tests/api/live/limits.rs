//! The limits on live connections, over real HTTP and WebSockets to the binary: connections per
//! instance (server-sent event streams and WebSockets together), operations per WebSocket,
//! message size, and the `connection_init` deadline.

use std::time::Duration;

use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message;

use crate::harness::TestDatabase;
use crate::harness::binary::start_with;
use crate::harness::client::{publish, register};
use crate::live::server_sent_events::EventStream;
use crate::live::subscriptions::{GraphqlSocket, LEGACY_WS, TRANSPORT_WS};

const PUBLISHED: &str = "subscription { articlePublished { title } }";

#[tokio::test]
async fn past_the_connection_limit_streams_get_503_and_websockets_1013() {
    let database = TestDatabase::create().await;
    let server = start_with(&database, &[("LIVE_CONNECTIONS_MAX", "2")]);
    let base = &server.base;
    let events = format!("{base}/api/articles/events");
    let stream = EventStream::open(&events, None, None).await;
    let _socket = GraphqlSocket::connect(base, TRANSPORT_WS, None).await;

    let refused = EventStream::request(&events, None, None).await;
    assert_eq!(refused.status(), 503);
    assert_eq!(refused.headers()["retry-after"], "5");
    let body: Value = refused.json().await.unwrap();
    let message = body["errors"]["connections"][0].as_str().unwrap();
    assert!(message.contains("LIVE_CONNECTIONS_MAX"), "{body}");

    let mut socket = GraphqlSocket::open(base, LEGACY_WS, json!({})).await;
    let closed = socket.receive().await.expect_err("closed at once");
    assert_eq!(closed.code, 1013, "{closed:?}");
    assert!(closed.reason.contains("LIVE_CONNECTIONS_MAX"), "{closed:?}");

    // A stream that ends frees its slot.
    drop(stream);
    let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
    loop {
        let response = EventStream::request(&events, None, None).await;
        if response.status() == 200 {
            break;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "the slot stays taken"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test]
async fn one_operation_too_many_is_refused_and_the_others_go_on() {
    let database = TestDatabase::create().await;
    let server = start_with(&database, &[("LIVE_SUBSCRIPTIONS_PER_CONNECTION", "2")]);
    let base = &server.base;
    let alice = register(base, "alice").await;
    for protocol in [TRANSPORT_WS, LEGACY_WS] {
        let mut socket = GraphqlSocket::connect(base, protocol, None).await;
        socket.subscribe("a", PUBLISHED, json!({})).await;
        socket.subscribe("b", PUBLISHED, json!({})).await;
        socket.subscribe("c", PUBLISHED, json!({})).await;
        let refusal = socket.receive().await.expect("open");
        assert_eq!(
            (&refusal["type"], &refusal["id"]),
            (&json!("error"), &json!("c"))
        );
        let error = if protocol == TRANSPORT_WS {
            &refusal["payload"][0]
        } else {
            &refusal["payload"]
        };
        assert_eq!(error["extensions"]["code"], "BAD_REQUEST", "{refusal}");
        assert!(
            error["message"]
                .as_str()
                .unwrap()
                .contains("LIVE_SUBSCRIPTIONS_PER_CONNECTION"),
            "{refusal}"
        );
        // Ending one makes room for another.
        let stop = if protocol == TRANSPORT_WS {
            "complete"
        } else {
            "stop"
        };
        socket.send(json!({ "type": stop, "id": "a" })).await;
        socket.expect_complete("a").await;
        socket.subscribe("d", PUBLISHED, json!({})).await;
        crate::live::subscriptions::wait_for_subscribers(base, 2).await;
        let title = format!("Over {protocol}");
        publish(base, &alice, &title, &[]).await;
        let mut titles = Vec::new();
        for _ in 0..2 {
            let message = socket.receive().await.expect("open");
            titles.push((
                message["id"].as_str().unwrap().to_owned(),
                message["payload"]["data"]["articlePublished"]["title"].clone(),
            ));
        }
        titles.sort_by(|x, y| x.0.cmp(&y.0));
        assert_eq!(
            titles,
            [
                ("b".to_owned(), json!(title)),
                ("d".to_owned(), json!(title))
            ]
        );
        drop(socket);
        crate::live::subscriptions::wait_for_subscribers(base, 0).await;
    }
}

#[tokio::test]
async fn a_message_over_the_size_limit_closes_with_1009() {
    let database = TestDatabase::create().await;
    let server = start_with(&database, &[("MAX_BODY_BYTES", "2048")]);
    let mut socket = GraphqlSocket::connect(&server.base, TRANSPORT_WS, None).await;
    let padding = " ".repeat(4096);
    socket
        .send(json!({ "type": "subscribe", "id": "big", "payload": {
            "query": format!("subscription {{ articlePublished {{ title }} }}{padding}") } }))
        .await;
    let closed = socket.receive().await.expect_err("closed");
    assert_eq!(closed.code, 1009, "{closed:?}");
    assert!(closed.reason.contains("2048 bytes"), "{closed:?}");
}

#[tokio::test]
async fn a_connection_without_connection_init_is_closed_with_4408() {
    let database = TestDatabase::create().await;
    let server = start_with(&database, &[("LIVE_PING_SECS", "5")]);
    let url = format!("{}/graphql", server.base.replacen("http://", "ws://", 1));
    let mut request =
        tokio_tungstenite::tungstenite::client::IntoClientRequest::into_client_request(url)
            .unwrap();
    request.headers_mut().insert(
        "sec-websocket-protocol",
        tokio_tungstenite::tungstenite::http::HeaderValue::from_static(TRANSPORT_WS),
    );
    let (mut socket, _) = tokio_tungstenite::connect_async(request).await.unwrap();
    let started = tokio::time::Instant::now();
    // Answer pings (tungstenite does while reading) but never send connection_init.
    let closed = loop {
        let frame = tokio::time::timeout(
            Duration::from_secs(15),
            futures_util::StreamExt::next(&mut socket),
        )
        .await
        .expect("closed within 15 s");
        match frame {
            Some(Ok(Message::Close(frame))) => break frame.expect("a close frame"),
            Some(Ok(_)) => continue,
            other => panic!("expected a close frame, got {other:?}"),
        }
    };
    assert_eq!(u16::from(closed.code), 4408);
    assert!(
        started.elapsed() >= Duration::from_secs(4),
        "{:?}",
        started.elapsed()
    );
    let _ = socket.close(None).await;
}
