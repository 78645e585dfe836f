//! The origin (`scheme://host[:port]`) a client used to reach this instance, for URLs the
//! service hands back (upload URLs) when no public base URL is configured.

use axum::http::HeaderMap;
use axum::http::header::HOST;

/// `http://` or `https://` and the `Host` header. The scheme is `https` only when a proxy in
/// front said so in `X-Forwarded-Proto` (Nginx sets it; TLS ends there). A missing or unusable
/// `Host` gives `http://localhost`: the URL is only handed back to the same client, so a forged
/// header misleads nobody else.
pub fn request_origin(headers: &HeaderMap) -> String {
    let host = headers
        .get(HOST)
        .and_then(|value| value.to_str().ok())
        .filter(|host| {
            !host.is_empty()
                && host
                    .bytes()
                    .all(|byte| byte.is_ascii_alphanumeric() || b".-:[]".contains(&byte))
        })
        .unwrap_or("localhost");
    let https = headers
        .get("x-forwarded-proto")
        .and_then(|value| value.to_str().ok())
        .is_some_and(|proto| proto.trim().eq_ignore_ascii_case("https"));
    let scheme = if https { "https" } else { "http" };
    format!("{scheme}://{host}")
}
