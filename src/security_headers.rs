//! Response headers that protect browsers, set once for every answer: `X-Content-Type-Options:
//! nosniff` everywhere (a JSON error is never sniffed into HTML), and on HTML pages (GraphiQL,
//! the API docs) `X-Frame-Options: DENY`, `Referrer-Policy: no-referrer` and a strict
//! Content-Security-Policy unless the page brought its own. Responses that carry a token say
//! `Cache-Control: no-store` where they are rendered (`rest::users`, `graphql::transport`).

use axum::body::Body;
use axum::http::header::{
    CONTENT_SECURITY_POLICY, CONTENT_TYPE, REFERRER_POLICY, X_CONTENT_TYPE_OPTIONS, X_FRAME_OPTIONS,
};
use axum::http::{HeaderValue, Request};
use axum::middleware::Next;
use axum::response::Response;

/// The policy of every HTML page: everything from this server only, no inline script, no
/// framing. GraphiQL's and Swagger UI's fonts and icons are `data:` URLs in their stylesheets.
pub const HTML_CONTENT_SECURITY_POLICY: &str = "default-src 'none'; script-src 'self'; \
     style-src 'self'; img-src 'self' data:; font-src 'self' data:; connect-src 'self'; \
     base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/// `Cache-Control` of a response that carries a token or the viewer's private data.
pub const NO_STORE: HeaderValue = HeaderValue::from_static("no-store");

pub async fn security_headers(request: Request<Body>, next: Next) -> Response {
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    headers.insert(X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    let is_html = headers
        .get(CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|value| {
            value
                .trim_start()
                .to_ascii_lowercase()
                .starts_with("text/html")
        });
    if is_html {
        headers.insert(X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
        headers.insert(REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
        headers
            .entry(CONTENT_SECURITY_POLICY)
            .or_insert(HeaderValue::from_static(HTML_CONTENT_SECURITY_POLICY));
    }
    response
}
