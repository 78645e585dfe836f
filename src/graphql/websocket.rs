//! GraphQL over WebSocket at `GET /graphql` (with `Upgrade: websocket`): subscriptions, and
//! queries and mutations too, in either protocol that GraphQL clients speak, chosen by the
//! `Sec-WebSocket-Protocol` header:
//!
//! - `graphql-transport-ws` (the `graphql-ws` library, GraphiQL, urql, Apollo Client 3.5+);
//! - `graphql-ws`, the older `subscriptions-transport-ws` protocol of earlier Apollo clients.
//!
//! The protocols themselves are async-graphql's ([`async_graphql::http::WebSocket`], what
//! async-graphql-axum's subscription service runs); this module adds what Conduit needs around
//! them. Authentication happens in `connection_init`, with the token HTTP uses:
//! `{"Authorization": "Token <jwt>"}` (or `Bearer`); no token is an anonymous connection. A bad or
//! expired token closes the connection with `4403 Forbidden` (`graphql-transport-ws`) or
//! answers `connection_error` and closes with 4403 (`graphql-ws`). Every operation passes the
//! same document limits as over HTTP (the schema's [`QueryGuard`](super::QueryGuard) extension).
//!
//! Limits, each with its close code or error:
//!
//! - live connections per instance (`LIVE_CONNECTIONS_MAX`, with server-sent event streams):
//!   one more is accepted and closed at once with `1013 Try Again Later`;
//! - operations running at once on one connection (`LIVE_SUBSCRIPTIONS_PER_CONNECTION`): one
//!   more is answered with an `error` message (`BAD_REQUEST`) for its id, the others go on;
//! - message size (`MAX_BODY_BYTES`, as for an HTTP request): a bigger message closes the
//!   connection with `1009 Message Too Big`;
//! - the server pings every `LIVE_PING_SECS`; a connection that has not sent `connection_init`
//!   after one interval is closed with `4408` (graphql-transport-ws's "Connection
//!   initialisation timeout"), and one from which nothing came for two intervals (not even the
//!   pong that WebSocket stacks answer by themselves) with `1008` (a dead client).
//!
//! When the instance shuts down, every connection is closed with `1012 Service Restart` once the
//! listener is closed (see `server`), so that clients reconnect to another replica.

use std::collections::HashSet;
use std::str::FromStr as _;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use async_graphql::Data;
use async_graphql::http::{ALL_WEBSOCKET_PROTOCOLS, WebSocketProtocols, WsMessage};
use axum::extract::FromRequestParts as _;
use axum::extract::ws::{CloseFrame, Message, WebSocket, WebSocketUpgrade};
use axum::http::header::SEC_WEBSOCKET_PROTOCOL;
use axum::response::{IntoResponse as _, Response};
use futures_util::{SinkExt as _, StreamExt as _};

use tokio::sync::mpsc;
use tokio::time::Instant;

use super::ConduitSchema;
use super::context::RequestViewer;
use super::transport::RequestError;
use crate::auth::credentials_from_header;
use crate::events::connections::{LiveConnection, TooManyConnections};
use crate::service::users;
use crate::state::AppState;

/// Close code for a refused `connection_init` (graphql-transport-ws: "4403: Forbidden").
pub const CLOSE_FORBIDDEN: u16 = 4403;
/// Close code when `connection_init` does not come in time (graphql-transport-ws).
pub const CLOSE_INIT_TIMEOUT: u16 = 4408;
/// Close code past `LIVE_CONNECTIONS_MAX` (RFC 6455 registry: "Try Again Later").
pub const CLOSE_TRY_AGAIN_LATER: u16 = 1013;
/// Close code for a message over `MAX_BODY_BYTES` (RFC 6455: "Message Too Big").
pub const CLOSE_TOO_BIG: u16 = 1009;
/// Close code when the instance shuts down (RFC 6455 registry: "Service Restart"): clients
/// reconnect, through the load balancer to another replica.
const CLOSE_SERVICE_RESTART: u16 = 1012;
/// Close code for a client that went silent (RFC 6455: "Policy Violation").
pub const CLOSE_SILENT: u16 = 1008;

/// Whether a request asks to become a WebSocket.
pub fn is_upgrade(headers: &axum::http::HeaderMap) -> bool {
    headers
        .get(axum::http::header::UPGRADE)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|value| value.eq_ignore_ascii_case("websocket"))
}

/// Upgrades `GET /graphql` to a GraphQL WebSocket; 400 in GraphQL's error shape when the
/// handshake is not a valid WebSocket handshake or names neither protocol.
pub async fn upgrade(
    schema: ConduitSchema,
    state: AppState,
    request: axum::extract::Request,
) -> Response {
    let (mut parts, _body) = request.into_parts();
    let protocol = parts
        .headers
        .get(SEC_WEBSOCKET_PROTOCOL)
        .and_then(|value| value.to_str().ok())
        .and_then(|offered| {
            offered
                .split(',')
                .find_map(|name| WebSocketProtocols::from_str(name.trim()).ok())
        });
    let Some(protocol) = protocol else {
        return RequestError::bad_request(
            "the WebSocket handshake must offer the subprotocol graphql-transport-ws or \
             graphql-ws (Sec-WebSocket-Protocol)",
        )
        .into_response();
    };
    let upgrade = match WebSocketUpgrade::from_request_parts(&mut parts, &()).await {
        Ok(upgrade) => upgrade,
        Err(rejection) => {
            return RequestError::bad_request(format!(
                "not a valid WebSocket handshake: {}",
                rejection.body_text()
            ))
            .into_response();
        }
    };
    let connection = state.live_connections().open();
    let max_message_bytes = state.config().max_body_bytes;
    upgrade
        .protocols(ALL_WEBSOCKET_PROTOCOLS)
        .max_message_size(max_message_bytes)
        .max_frame_size(max_message_bytes)
        .on_upgrade(move |socket| async move {
            match connection {
                Ok(connection) => serve(socket, schema, state, protocol, connection).await,
                Err(refusal) => refuse(socket, &refusal).await,
            }
        })
}

/// Closes a connection past `LIVE_CONNECTIONS_MAX`: accepted, so that the client sees why.
async fn refuse(mut socket: WebSocket, refusal: &TooManyConnections) {
    let _ = socket
        .send(close(CLOSE_TRY_AGAIN_LATER, refusal.to_string()))
        .await;
}

/// Runs one connection until either side closes it or the instance shuts down. `connection`
/// holds its slot meanwhile.
async fn serve(
    socket: WebSocket,
    schema: ConduitSchema,
    state: AppState,
    protocol: WebSocketProtocols,
    connection: LiveConnection,
) {
    let settings = &state.config().events;
    let ping_interval = settings.ping_interval;
    let max_message_bytes = state.config().max_body_bytes;
    let (mut sink, stream) = socket.split();
    let heard = Arc::new(Mutex::new(Instant::now()));
    let too_big = Arc::new(AtomicBool::new(false));
    let running = Running::new(settings.subscriptions_per_connection, protocol);
    let (refusals, mut refused_operations) = mpsc::unbounded_channel();
    // Reading stops at the first transport error or close frame; control frames are axum's, but
    // any frame (a pong too) shows that the client is alive.
    let input = {
        let heard = heard.clone();
        let too_big = too_big.clone();
        let running = running.clone();
        stream
            .take_while(move |message| {
                if let Err(error) = message {
                    // tungstenite's capacity error, the one read error a client can cause
                    // on purpose; its type is not exposed through axum.
                    if error.to_string().contains("too long") {
                        too_big.store(true, Ordering::Relaxed);
                    }
                }
                std::future::ready(message.is_ok() && !matches!(message, Ok(Message::Close(_))))
            })
            .inspect(move |_| {
                *heard.lock().unwrap_or_else(|poison| poison.into_inner()) = Instant::now();
            })
            .filter_map(move |message| {
                let bytes = match message {
                    Ok(Message::Text(text)) => Some(axum::body::Bytes::from(text)),
                    Ok(Message::Binary(bytes)) => Some(bytes),
                    _ => None,
                };
                let admitted = bytes.filter(|bytes| match running.admit(bytes) {
                    Ok(()) => true,
                    Err(refusal) => {
                        let _ = refusals.send(refusal);
                        false
                    }
                });
                std::future::ready(admitted)
            })
    };
    let refused = Arc::new(AtomicBool::new(false));
    let initialised = Arc::new(AtomicBool::new(false));
    let on_init = {
        let refused = refused.clone();
        let initialised = initialised.clone();
        move |payload: serde_json::Value| async move {
            initialised.store(true, Ordering::Relaxed);
            match viewer_from_init(&state, &payload) {
                Ok(data) => Ok(data),
                Err(message) => {
                    refused.store(true, Ordering::Relaxed);
                    Err(async_graphql::Error::new(message))
                }
            }
        }
    };
    let outbound =
        async_graphql::http::WebSocket::new(schema, input, protocol).on_connection_init(on_init);
    futures_util::pin_mut!(outbound);
    let opened = Instant::now();
    let mut pings = tokio::time::interval_at(opened + ping_interval, ping_interval);
    let mut closed = false;
    let shutdown = connection.closing();
    futures_util::pin_mut!(shutdown);
    loop {
        let message = tokio::select! {
            () = &mut shutdown => {
                let reason = "the server is restarting: reconnect".to_owned();
                let _ = sink.send(close(CLOSE_SERVICE_RESTART, reason)).await;
                return;
            }
            message = outbound.next() => match message {
                None => break,
                Some(WsMessage::Text(text)) => {
                    running.observe(&text);
                    Message::Text(text.into())
                }
                // async-graphql closes a refused init with 1002; the protocol says 4403.
                Some(WsMessage::Close(code, reason)) => {
                    let code = if code == 1002 && refused.load(Ordering::Relaxed) {
                        CLOSE_FORBIDDEN
                    } else {
                        code
                    };
                    closed = true;
                    close(code, reason)
                }
            },
            Some(refusal) = refused_operations.recv() => Message::Text(refusal.into()),
            _ = pings.tick() => {
                let silent = heard.lock().unwrap_or_else(|poison| poison.into_inner()).elapsed();
                if !initialised.load(Ordering::Relaxed) {
                    let _ = sink
                        .send(close(CLOSE_INIT_TIMEOUT, "Connection initialisation timeout".into()))
                        .await;
                    return;
                }
                if silent >= ping_interval * 2 {
                    let reason = format!("nothing from the client for {} s", silent.as_secs());
                    let _ = sink.send(close(CLOSE_SILENT, reason)).await;
                    return;
                }
                Message::Ping(axum::body::Bytes::new())
            }
        };
        if sink.send(message).await.is_err() {
            return;
        }
        if closed {
            return;
        }
    }
    if too_big.load(Ordering::Relaxed) {
        let reason = format!("a message is larger than {max_message_bytes} bytes");
        let _ = sink.send(close(CLOSE_TOO_BIG, reason)).await;
        return;
    }
    // The older protocol only answers `connection_error`: close the socket after it.
    if refused.load(Ordering::Relaxed) && !closed {
        let _ = sink
            .send(close(CLOSE_FORBIDDEN, "Forbidden".to_owned()))
            .await;
    }
}

/// The ids of the operations running on one connection, against
/// `LIVE_SUBSCRIPTIONS_PER_CONNECTION`. Cheap to clone (shared by the reading and the writing
/// side).
#[derive(Clone)]
struct Running {
    ids: Arc<Mutex<HashSet<String>>>,
    max: usize,
    protocol: WebSocketProtocols,
}

/// The two fields of a protocol message that the limit needs.
#[derive(serde::Deserialize)]
struct Envelope {
    #[serde(rename = "type")]
    kind: String,
    id: Option<String>,
}

impl Running {
    fn new(max: usize, protocol: WebSocketProtocols) -> Running {
        Running {
            ids: Arc::default(),
            max,
            protocol,
        }
    }

    fn ids(&self) -> std::sync::MutexGuard<'_, HashSet<String>> {
        self.ids.lock().unwrap_or_else(|poison| poison.into_inner())
    }

    /// Whether a client message may go on to the protocol: `Err` with the `error` message to
    /// answer when it starts one operation too many. Anything unreadable goes on (the protocol
    /// answers it).
    fn admit(&self, message: &[u8]) -> Result<(), String> {
        let Ok(Envelope { kind, id: Some(id) }) = serde_json::from_slice(message) else {
            return Ok(());
        };
        if kind != "subscribe" && kind != "start" {
            return Ok(());
        }
        let mut ids = self.ids();
        if ids.contains(&id) || ids.len() < self.max {
            ids.insert(id);
            return Ok(());
        }
        let error = serde_json::json!({
            "message": format!(
                "this connection already runs {} operations (LIVE_SUBSCRIPTIONS_PER_CONNECTION); \
                 complete one first",
                self.max
            ),
            "extensions": { "code": "BAD_REQUEST" },
        });
        // graphql-transport-ws sends a list of errors, the older protocol one error.
        let payload = match self.protocol {
            WebSocketProtocols::GraphQLWS => serde_json::json!([error]),
            WebSocketProtocols::SubscriptionsTransportWS => error,
        };
        Err(serde_json::json!({ "type": "error", "id": id, "payload": payload }).to_string())
    }

    /// Notes a server message: `complete` or `error` ends its operation.
    fn observe(&self, message: &str) {
        let ends = message.starts_with(r#"{"type":"complete""#)
            || message.starts_with(r#"{"type":"error""#);
        if !ends {
            return;
        }
        if let Ok(Envelope { id: Some(id), .. }) = serde_json::from_str(message) {
            self.ids().remove(&id);
        }
    }
}

fn close(code: u16, reason: String) -> Message {
    Message::Close(Some(CloseFrame {
        code,
        reason: reason.into(),
    }))
}

/// The connection's viewer from the `connection_init` payload's `Authorization` entry (any
/// letter case, as HTTP header names), or why it is refused: `token is invalid`.
fn viewer_from_init(state: &AppState, payload: &serde_json::Value) -> Result<Data, String> {
    let header = payload.as_object().and_then(|entries| {
        entries
            .iter()
            .find(|(name, _)| name.eq_ignore_ascii_case("authorization"))
            .map(|(_, value)| value)
    });
    let header = match header {
        None | Some(serde_json::Value::Null) => None,
        Some(serde_json::Value::String(value)) => Some(value.as_str()),
        Some(_) => return Err("Authorization must be a string: \"Token <jwt>\"".to_owned()),
    };
    let viewer = credentials_from_header(header)
        .and_then(|token| users::authenticate(state, token))
        .map_err(|error| error.message())?;
    let mut data = Data::default();
    data.insert(RequestViewer(Ok(viewer)));
    Ok(data)
}
