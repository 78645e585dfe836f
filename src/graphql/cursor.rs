//! Connection cursors: an article's place in a list, `(created_at, id)`, as an opaque string.
//!
//! A cursor is URL-safe base64 (no padding) of `v1:<seconds>:<nanoseconds>:<id>`, the row's
//! `created_at` as Unix seconds and the nanoseconds past them (exact for every stored timestamp,
//! whatever the backend's precision) and its id. The version prefix lets a later format refuse
//! or translate old cursors. Paging after a cursor is a keyset page
//! ([`Start::After`](crate::service::paging::Start)): page 250 costs what page 1 costs.
//!
//! Cursors from before this format were decimal offsets; like any string that is not a cursor of
//! this format they are refused with VALIDATION_FAILED on `after`, telling the client to start
//! again without it.

use async_graphql::connection::CursorType;
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::DateTime;

use crate::error::AppError;
use crate::service::paging::Position;

const VERSION: &str = "v1";

/// The message for a string that is not a cursor of this format (an old offset cursor, a cursor
/// edited by hand, garbage).
pub const INVALID_CURSOR: &str = "is not a valid cursor; start again without `after`";

/// An article's position as a connection cursor.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ArticleCursor(pub Position);

/// A string that is not a cursor of the current format.
#[derive(Debug, thiserror::Error)]
#[error("{}", INVALID_CURSOR)]
pub struct InvalidCursor;

impl From<InvalidCursor> for AppError {
    fn from(_: InvalidCursor) -> Self {
        AppError::invalid("after", INVALID_CURSOR)
    }
}

impl CursorType for ArticleCursor {
    type Error = InvalidCursor;

    fn decode_cursor(text: &str) -> Result<Self, InvalidCursor> {
        let bytes = URL_SAFE_NO_PAD
            .decode(text.trim())
            .map_err(|_| InvalidCursor)?;
        let text = std::str::from_utf8(&bytes).map_err(|_| InvalidCursor)?;
        let mut parts = text.split(':');
        let (Some(VERSION), Some(seconds), Some(nanoseconds), Some(id), None) = (
            parts.next(),
            parts.next(),
            parts.next(),
            parts.next(),
            parts.next(),
        ) else {
            return Err(InvalidCursor);
        };
        let number = |text: &str| text.parse::<i64>().map_err(|_| InvalidCursor);
        let nanoseconds = u32::try_from(number(nanoseconds)?).map_err(|_| InvalidCursor)?;
        let created_at = DateTime::from_timestamp(number(seconds)?, nanoseconds)
            .ok_or(InvalidCursor)?
            .naive_utc();
        let id = i32::try_from(number(id)?).map_err(|_| InvalidCursor)?;
        Ok(ArticleCursor(Position { created_at, id }))
    }

    fn encode_cursor(&self) -> String {
        let Position { created_at, id } = self.0;
        let utc = created_at.and_utc();
        URL_SAFE_NO_PAD.encode(format!(
            "{VERSION}:{}:{}:{id}",
            utc.timestamp(),
            utc.timestamp_subsec_nanos()
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn position(text: &str, id: i32) -> Position {
        let created_at = chrono::NaiveDateTime::parse_from_str(text, "%Y-%m-%d %H:%M:%S%.f")
            .expect("a timestamp");
        Position { created_at, id }
    }

    #[test]
    fn cursors_round_trip_exactly() {
        for cursor in [
            ArticleCursor(position("2016-02-18 03:22:56.637", 7)),
            ArticleCursor(position("2026-11-30 23:59:59.999999", i32::MAX)),
            ArticleCursor(position("1960-01-01 00:00:00", 1)),
        ] {
            let text = cursor.encode_cursor();
            assert!(
                text.bytes()
                    .all(|byte| byte.is_ascii_alphanumeric() || byte == b'-' || byte == b'_')
            );
            assert_eq!(ArticleCursor::decode_cursor(&text).unwrap(), cursor);
        }
    }

    #[test]
    fn anything_else_is_refused() {
        let encoded = |text: &str| URL_SAFE_NO_PAD.encode(text);
        for text in [
            // The old cursors: decimal offsets.
            "0".to_owned(),
            "19".to_owned(),
            "9223372036854775807".to_owned(),
            String::new(),
            "garbage!".to_owned(),
            encoded("v2:1:0:1"),
            encoded("v1:1:0"),
            encoded("v1:1:0:1:1"),
            encoded("v1:x:0:1"),
            encoded("v1:1:1000000000000:1"),
            encoded("v1:1:-1:1"),
            encoded("v1:1:0:2147483648"),
            encoded("v1:99999999999999999:0:1"),
        ] {
            assert!(ArticleCursor::decode_cursor(&text).is_err(), "{text}");
        }
    }
}
