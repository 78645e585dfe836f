//! Authentication: tokens (JWT), password hashing, and taking the token out of an
//! `Authorization` header. Both interfaces read the same header through
//! [`credentials_from_header`] and resolve the token to a [`Viewer`] through
//! [`service::users::authenticate`](crate::service::users::authenticate).

mod argon2_memory;
pub mod jwt;
pub mod password;
pub mod secret;
mod worker_pool;

pub use jwt::TokenKeys;
pub use password::PasswordHasher;

use axum::http;

use crate::error::AppError;

/// The authenticated user making a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Viewer {
    pub user_id: i32,
}

/// The token in an `Authorization` header: `Token <jwt>` (RealWorld) or `Bearer <jwt>`.
/// `Ok(None)` when there is no header; a header in another form is an invalid token (401),
/// even on routes where authentication is optional.
pub fn credentials_from_header(header: Option<&str>) -> Result<Option<&str>, AppError> {
    let Some(header) = header else {
        return Ok(None);
    };
    let (scheme, token) = header.trim().split_once(' ').ok_or(INVALID_TOKEN)?;
    let token = token.trim();
    if !(scheme.eq_ignore_ascii_case("token") || scheme.eq_ignore_ascii_case("bearer"))
        || token.is_empty()
    {
        return Err(INVALID_TOKEN);
    }
    Ok(Some(token))
}

/// The token in a request's `Authorization` header (see [`credentials_from_header`]): what REST
/// and GraphQL over HTTP hand to [`service::users::authenticate`](crate::service::users::authenticate).
/// A header that is not visible ASCII is an invalid token (401).
pub fn token_from_headers(headers: &http::HeaderMap) -> Result<Option<&str>, AppError> {
    let header = headers
        .get(http::header::AUTHORIZATION)
        .map(|value| value.to_str().map_err(|_| INVALID_TOKEN))
        .transpose()?;
    credentials_from_header(header)
}

pub const MISSING_TOKEN: AppError = AppError::Unauthenticated {
    key: "token",
    message: "is missing",
};
pub const INVALID_TOKEN: AppError = AppError::Unauthenticated {
    key: "token",
    message: "is invalid",
};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_schemes_are_accepted_and_anything_else_is_invalid() {
        assert_eq!(
            credentials_from_header(Some("Token abc")).unwrap(),
            Some("abc")
        );
        assert_eq!(
            credentials_from_header(Some("Bearer abc")).unwrap(),
            Some("abc")
        );
        assert_eq!(credentials_from_header(None).unwrap(), None);
        for bad in ["abc", "Basic abc", "Token ", "Token"] {
            assert!(credentials_from_header(Some(bad)).is_err(), "{bad}");
        }
    }
}
