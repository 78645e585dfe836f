//! Request extractors that answer in the RealWorld error shape: JSON bodies (malformed → 400,
//! wrong types → 422 naming the field, too big → 413) and the viewer from `Authorization`.

use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use serde::de::DeserializeOwned;

use crate::auth::{self, Viewer};
use crate::db::Session;
use crate::error::AppError;
use crate::rate_limit::ClientAddress;
use crate::service::users;
use crate::state::AppState;

/// A JSON request body. An empty body reads as `{}` (clients send bodiless POSTs with a JSON
/// content type); a missing Content-Type is accepted for the same reason.
pub struct JsonBody<T>(pub T);

impl<T: DeserializeOwned> FromRequest<AppState> for JsonBody<T> {
    type Rejection = AppError;

    async fn from_request(request: Request, state: &AppState) -> Result<Self, AppError> {
        if let Some(content_type) = request.headers().get(axum::http::header::CONTENT_TYPE) {
            let is_json = content_type
                .to_str()
                .map(|value| {
                    value
                        .trim_start()
                        .to_ascii_lowercase()
                        .starts_with("application/json")
                })
                .unwrap_or(false);
            if !is_json {
                return Err(AppError::bad_request(
                    "body",
                    "must be JSON (Content-Type: application/json)",
                ));
            }
        }
        let limit = state.config().max_body_bytes;
        let bytes = Bytes::from_request(request, state)
            .await
            .map_err(|rejection| {
                if rejection.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE {
                    AppError::PayloadTooLarge { limit }
                } else {
                    AppError::bad_request("body", "could not be read")
                }
            })?;
        let bytes: &[u8] = if bytes.iter().all(u8::is_ascii_whitespace) {
            b"{}"
        } else {
            &bytes
        };
        parse_json(bytes).map(JsonBody)
    }
}

/// Deserializes `bytes`, naming the field that has the wrong type or is missing.
pub fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, AppError> {
    // Every RealWorld body is an object. serde would also read a struct from an array (`[]`),
    // which with defaulted fields would pass as an empty request.
    let first = bytes.iter().find(|byte| !byte.is_ascii_whitespace());
    if first.is_some_and(|byte| *byte != b'{') {
        return Err(
            match serde_json::from_slice::<serde::de::IgnoredAny>(bytes) {
                Ok(_) => AppError::invalid("body", "must be a JSON object"),
                Err(error) => json_error(error, None),
            },
        );
    }
    let mut deserializer = serde_json::Deserializer::from_slice(bytes);
    let value = serde_path_to_error::deserialize(&mut deserializer).map_err(|error| {
        let field = error
            .path()
            .iter()
            .filter_map(|segment| match segment {
                serde_path_to_error::Segment::Map { key } => Some(key.clone()),
                _ => None,
            })
            .next_back();
        let in_array = matches!(
            error.path().iter().next_back(),
            Some(serde_path_to_error::Segment::Seq { .. })
        );
        match json_error(error.into_inner(), field) {
            // `"tagList": [1]`: the message is about the item, not the array.
            AppError::Validation(mut errors) if in_array => {
                for message in errors.values_mut().flatten() {
                    *message = format!("each item {message}");
                }
                AppError::Validation(errors)
            }
            other => other,
        }
    })?;
    // Trailing bytes after the document are malformed input too.
    deserializer
        .end()
        .map_err(|error| json_error(error, None))?;
    Ok(value)
}

fn json_error(error: serde_json::Error, field: Option<String>) -> AppError {
    use serde_json::error::Category;
    let message = error.to_string();
    // serde appends " at line 1 column 23"; the field name says more.
    let message = message
        .rsplit_once(" at line ")
        .map_or(message.as_str(), |(text, _)| text)
        .to_owned();
    match error.classify() {
        Category::Data => match message.strip_prefix("missing field `") {
            Some(rest) => AppError::invalid(rest.trim_end_matches('`'), "is missing"),
            None => AppError::invalid(field.as_deref().unwrap_or("body"), in_api_terms(&message)),
        },
        Category::Syntax | Category::Eof | Category::Io => {
            AppError::bad_request("body", format!("is not valid JSON: {message}"))
        }
    }
}

/// Rewrites serde's description of a value of the wrong type ("invalid type: integer `5`,
/// expected struct LoginBody") in JSON terms ("must be an object (not a number)"): a client
/// knows JSON types, not the server's Rust types.
fn in_api_terms(message: &str) -> String {
    let Some((found, expected)) = message.split_once(", expected ") else {
        return "has an invalid value".to_owned();
    };
    let expected = match expected {
        "a string" | "a char" => "a string",
        "a boolean" => "true or false",
        "a sequence" => "an array",
        "a map" => "an object",
        _ if expected.starts_with("struct ") || expected.starts_with("a map") => "an object",
        "i8" | "i16" | "i32" | "i64" | "u8" | "u16" | "u32" | "u64" | "usize" | "isize" => {
            "a whole number"
        }
        "f32" | "f64" => "a number",
        // An enum's variants are API values already ("expected one of `a`, `b`").
        _ if expected.starts_with("one of ") => return format!("must be {expected}"),
        _ => return "has an invalid value".to_owned(),
    };
    match found.strip_prefix("invalid type: ") {
        Some(found) => {
            let found = match found.split([' ', '`']).next().unwrap_or_default() {
                "integer" | "floating" => "a number",
                "string" | "character" => "a string",
                "boolean" => "a boolean",
                "sequence" => "an array",
                "map" => "an object",
                "null" | "unit" => "null",
                _ => return format!("must be {expected}"),
            };
            format!("must be {expected} (not {found})")
        }
        // "invalid value: integer `99999999999`": the right type, out of range.
        None if expected == "a whole number" => "is out of range".to_owned(),
        None => format!("must be {expected}"),
    }
}

/// The request's database session: at most one pooled connection, checked out by the first
/// operation and given back when the handler returns.
impl FromRequestParts<AppState> for Session {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(_: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        Ok(state.session())
    }
}

/// The viewer of a route that requires authentication (401 `token is missing` without one).
pub struct AuthUser(pub Viewer);

/// The viewer of a route where authentication is optional. A malformed or expired token is
/// still 401: silently treating it as anonymous would hide a client bug.
pub struct MaybeAuthUser(pub Option<Viewer>);

impl FromRequestParts<AppState> for AuthUser {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, AppError> {
        users::authenticate(state, auth::token_from_headers(&parts.headers)?)?
            .map(AuthUser)
            .ok_or(auth::MISSING_TOKEN)
    }
}

impl FromRequestParts<AppState> for MaybeAuthUser {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, AppError> {
        users::authenticate(state, auth::token_from_headers(&parts.headers)?).map(MaybeAuthUser)
    }
}

/// The request's client address, for the rate limits: the TCP peer, or what a trusted proxy says
/// in `X-Forwarded-For` (see [`crate::rate_limit::client_address`]). Never rejects.
impl FromRequestParts<AppState> for ClientAddress {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        Ok(ClientAddress::of_request(
            &parts.extensions,
            &parts.headers,
            &state.config().rate_limits.trusted_proxies,
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, serde::Deserialize)]
    struct Envelope {
        #[expect(dead_code, reason = "only deserialized")]
        user: Inner,
    }

    #[derive(Debug, serde::Deserialize)]
    struct Inner {
        #[expect(dead_code, reason = "only deserialized")]
        email: Option<String>,
    }

    #[test]
    fn type_errors_speak_json_not_rust() {
        for (serde, api) in [
            (
                "invalid type: integer `5`, expected struct LoginBody",
                "must be an object (not a number)",
            ),
            (
                "invalid type: map, expected a string",
                "must be a string (not an object)",
            ),
            (
                "invalid type: string \"x\", expected a sequence",
                "must be an array (not a string)",
            ),
            (
                "invalid value: integer `99999999999`, expected i32",
                "is out of range",
            ),
            (
                "invalid type: null, expected u32",
                "must be a whole number (not null)",
            ),
            ("something new, expected Foo", "has an invalid value"),
        ] {
            assert_eq!(in_api_terms(serde), api, "{serde}");
        }
    }

    #[test]
    fn json_errors_name_the_field() {
        let error = parse_json::<Envelope>(br#"{"user":{"email":5}}"#).unwrap_err();
        assert_eq!(error.code(), "VALIDATION_FAILED");
        assert_eq!(
            error.field_errors()["email"],
            vec!["must be a string (not a number)"]
        );

        let error = parse_json::<Envelope>(br#"{"user":true}"#).unwrap_err();
        assert_eq!(
            error.field_errors()["user"],
            vec!["must be an object (not a boolean)"]
        );

        let error = parse_json::<Envelope>(br#"{}"#).unwrap_err();
        assert_eq!(error.field_errors()["user"], vec!["is missing"]);

        let error = parse_json::<Envelope>(br#"{"user":"#).unwrap_err();
        assert_eq!(error.code(), "BAD_REQUEST");

        let error = parse_json::<Envelope>(br#"{"user":{}} trailing"#).unwrap_err();
        assert_eq!(error.code(), "BAD_REQUEST");
    }
}
