//! Request bodies and checks of answers that tests across features share.

use axum::http::StatusCode;
use serde_json::{Value, json};

use super::Response;

/// `2016-02-18T03:22:56.637Z`: UTC, milliseconds, `T` and `Z`.
pub fn is_millisecond_utc(value: &Value) -> bool {
    let Some(text) = value.as_str() else {
        return false;
    };
    let bytes = text.as_bytes();
    let digits = |range: std::ops::Range<usize>| bytes[range].iter().all(u8::is_ascii_digit);
    bytes.len() == 24
        && digits(0..4)
        && bytes[4] == b'-'
        && digits(5..7)
        && bytes[7] == b'-'
        && digits(8..10)
        && bytes[10] == b'T'
        && digits(11..13)
        && bytes[13] == b':'
        && digits(14..16)
        && bytes[16] == b':'
        && digits(17..19)
        && bytes[19] == b'.'
        && digits(20..23)
        && bytes[23] == b'Z'
}

/// The registration body of `name`: email `name@example.com`, password `password-of-name`.
pub fn registration(name: &str) -> Value {
    json!({ "user": {
        "username": name,
        "email": format!("{name}@example.com"),
        "password": format!("password-of-{name}"),
    }})
}

/// The `{"errors": …}` map of a response, for exact comparison.
pub fn errors(response: &Response) -> Value {
    response.body["errors"].clone()
}

/// A GraphQL answer's first error: its `extensions.code` and its field → messages map (the
/// map REST answers as `{"errors": …}`).
pub fn error_of(response: &Value) -> (String, Value) {
    let error = &response["errors"][0];
    (
        error["extensions"]["code"]
            .as_str()
            .unwrap_or_default()
            .to_owned(),
        error["extensions"]["errors"].clone(),
    )
}

/// Whether an error message shows words that only the server's source code knows (a Rust
/// type or syntax), which no client should ever read.
pub fn names_an_internal_type(message: &str) -> bool {
    [
        "struct",
        "enum",
        "Body",
        "Envelope",
        "Input",
        "BatchRequest",
        "InvalidRequest",
        "Error(",
        "i32",
        "i64",
        "u32",
        "u64",
        "usize",
        "Option",
        "Vec<",
        "`String`",
        "`str`",
        "::",
        "untagged",
        "serde",
    ]
    .iter()
    .any(|word| message.contains(word))
}

/// A REST refusal for a spent budget (the credential rate limits, the write quota): 429 with a
/// `Retry-After` of 1 to 60 seconds, and the message saying the same.
pub fn assert_rest_rate_limited(response: &Response) {
    assert_eq!(
        response.status,
        StatusCode::TOO_MANY_REQUESTS,
        "{:?}",
        response.body
    );
    let retry_after: u64 = response.headers["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=60).contains(&retry_after), "Retry-After {retry_after}");
    assert_eq!(
        response.body["errors"]["request"][0],
        format!("too many requests, retry in {retry_after} seconds")
    );
}

/// GraphQL's refusal for a spent budget: no data, one `RATE_LIMITED` error whose `retryAfter`
/// is 1 to 60 seconds.
pub fn assert_graphql_rate_limited(body: &Value) {
    let error = &body["errors"][0];
    assert_eq!(error["extensions"]["code"], "RATE_LIMITED", "{body}");
    let retry_after = error["extensions"]["retryAfter"].as_u64().unwrap();
    assert!((1..=60).contains(&retry_after), "retryAfter {retry_after}");
    assert!(body["data"].is_null(), "{body}");
}
