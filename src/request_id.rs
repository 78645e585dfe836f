//! Request ids (`X-Request-Id`): every request has one before it is logged, and the answer
//! carries it. Nginx sets 32 hex digits; a client's own id is kept only if it is short and plain
//! (at most 128 of `A-Z a-z 0-9 - _ . :`), because it is echoed in a header and written into
//! every log line of the request. Anything else is replaced by a fresh random id.

use axum::body::Body;
use axum::http::{HeaderValue, Request};
use axum::middleware::Next;
use axum::response::Response;
use tower_http::request_id::{MakeRequestId, RequestId};

pub const MAX_REQUEST_ID_CHARS: usize = 128;

/// Makes an id for requests that arrive without a usable one: 32 random hex digits.
#[derive(Clone, Copy)]
pub struct RandomRequestId;

impl MakeRequestId for RandomRequestId {
    fn make_request_id<B>(&mut self, _: &Request<B>) -> Option<RequestId> {
        let id = format!("{:032x}", rand::random::<u128>());
        HeaderValue::from_str(&id).ok().map(RequestId::new)
    }
}

/// Whether a client's id may be logged and echoed as it is.
pub fn is_usable(id: &[u8]) -> bool {
    !id.is_empty()
        && id.len() <= MAX_REQUEST_ID_CHARS
        && id
            .iter()
            .all(|byte| byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'_' | b'.' | b':'))
}

/// Drops an unusable `X-Request-Id` (and any second one), so that the id layer makes a fresh one.
pub async fn drop_unusable_request_id(mut request: Request<Body>, next: Next) -> Response {
    let ids = request.headers().get_all("x-request-id");
    let mut ids = ids.iter();
    let keep = match (ids.next(), ids.next()) {
        (Some(id), None) => is_usable(id.as_bytes()),
        _ => false,
    };
    if !keep {
        request.headers_mut().remove("x-request-id");
    }
    next.run(request).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_short_ids_are_kept_and_others_are_not() {
        assert!(is_usable(b"0f9e8d7c6b5a49382716051423324150"));
        assert!(is_usable(b"req-2026.11.30:42_a"));
        assert!(is_usable(&[b'a'; MAX_REQUEST_ID_CHARS]));
        assert!(!is_usable(&[b'a'; MAX_REQUEST_ID_CHARS + 1]));
        assert!(!is_usable(b""));
        assert!(!is_usable(b"id with spaces"));
        assert!(!is_usable(b"id\"} injected=\"x"));
        assert!(!is_usable("ünïcode".as_bytes()));
    }
}
