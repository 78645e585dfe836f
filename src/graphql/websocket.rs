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

use std::str::FromStr as _;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use async_graphql::Data;
use async_graphql::http::{ALL_WEBSOCKET_PROTOCOLS, WebSocketProtocols, WsMessage};
use axum::extract::FromRequestParts as _;
use axum::extract::ws::{CloseFrame, Message, WebSocket, WebSocketUpgrade};
use axum::http::header::SEC_WEBSOCKET_PROTOCOL;
use axum::response::{IntoResponse as _, Response};
use futures_util::{SinkExt as _, StreamExt as _};

use super::ConduitSchema;
use super::context::RequestViewer;
use super::transport::RequestError;
use crate::auth::viewer_from_header;
use crate::state::AppState;

/// Close code for a refused `connection_init` (graphql-transport-ws: "4403: Forbidden").
pub const CLOSE_FORBIDDEN: u16 = 4403;

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
    upgrade
        .protocols(ALL_WEBSOCKET_PROTOCOLS)
        .on_upgrade(move |socket| serve(socket, schema, state, protocol))
}

/// Runs one connection until either side closes it.
async fn serve(
    socket: WebSocket,
    schema: ConduitSchema,
    state: AppState,
    protocol: WebSocketProtocols,
) {
    let (mut sink, stream) = socket.split();
    // Reading stops at the first transport error or close frame; control frames are axum's.
    let input = stream
        .take_while(|message| {
            std::future::ready(message.is_ok() && !matches!(message, Ok(Message::Close(_))))
        })
        .filter_map(|message| {
            std::future::ready(match message {
                Ok(Message::Text(text)) => Some(axum::body::Bytes::from(text)),
                Ok(Message::Binary(bytes)) => Some(bytes),
                _ => None,
            })
        });
    let refused = Arc::new(AtomicBool::new(false));
    let on_init = {
        let refused = refused.clone();
        move |payload: serde_json::Value| async move {
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
    let mut closed = false;
    while let Some(message) = outbound.next().await {
        let message = match message {
            WsMessage::Text(text) => Message::Text(text.into()),
            // async-graphql closes a refused init with 1002; the protocol says 4403.
            WsMessage::Close(code, reason) => {
                let code = if code == 1002 && refused.load(Ordering::Relaxed) {
                    CLOSE_FORBIDDEN
                } else {
                    code
                };
                closed = true;
                close(code, reason)
            }
        };
        if sink.send(message).await.is_err() {
            return;
        }
    }
    // The older protocol only answers `connection_error`: close the socket after it.
    if refused.load(Ordering::Relaxed) && !closed {
        let _ = sink
            .send(close(CLOSE_FORBIDDEN, "Forbidden".to_owned()))
            .await;
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
    let viewer = viewer_from_header(state.tokens(), header).map_err(|error| error.message())?;
    let mut data = Data::default();
    data.insert(RequestViewer(Ok(viewer)));
    Ok(data)
}
