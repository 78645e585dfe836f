//! While the instance drains, every answer asks the client to close its connection.

use axum::body::Body;
use axum::extract::State;
use axum::http::header::CONNECTION;
use axum::http::{HeaderValue, Request, StatusCode};
use axum::middleware::Next;
use axum::response::Response;

use crate::state::AppState;

/// Adds `Connection: close` to every answer once the instance is draining, so that a keep-alive
/// client opens its next request on a new connection (which a load balancer sends to another
/// instance) instead of finding this one closed under it. HTTP/1.1 lets a client reuse a
/// connection whose last answer did not say `close`; closing it anyway races with the client's
/// next request, which then sees a reset. Upgrades (WebSocket) keep their own `Connection`.
pub async fn close_connections_when_draining(
    State(state): State<AppState>,
    request: Request<Body>,
    next: Next,
) -> Response {
    let mut response = next.run(request).await;
    if state.is_draining() && response.status() != StatusCode::SWITCHING_PROTOCOLS {
        response
            .headers_mut()
            .insert(CONNECTION, HeaderValue::from_static("close"));
    }
    response
}
