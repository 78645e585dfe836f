//! The one domain error type. Services return it; `rest::error` renders it as
//! `{"errors":{"<key>":["<message>"]}}` with an HTTP status and `graphql::error` as a GraphQL
//! error with `extensions.code` and the same key/message map. Internal causes are logged where
//! they are rendered and never sent to the client.

use std::collections::BTreeMap;

/// Messages per input field (or per resource), as RealWorld clients expect them.
pub type FieldErrors = BTreeMap<String, Vec<String>>;

/// The `code` of a request that is not even well-formed ([`AppError::BadRequest`]); GraphQL
/// also gives it to the errors async-graphql raises itself.
pub const BAD_REQUEST: &str = "BAD_REQUEST";

/// The instance already serves `LIVE_CONNECTIONS_MAX` live connections. Raised by
/// `events::connections`; defined here so that the error type depends on no other module.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "this instance serves its most live connections ({max}, LIVE_CONNECTIONS_MAX); retry later"
)]
pub struct TooManyConnections {
    pub max: usize,
}

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// No usable credentials: a missing, malformed, tampered or expired token, or a wrong
    /// password at login. `key` is the offending input (`token`, `credentials`).
    #[error("{key} {message}")]
    Unauthenticated {
        key: &'static str,
        message: &'static str,
    },
    /// Authenticated, but not allowed to touch `resource` (e.g. someone else's article).
    #[error("{resource} forbidden")]
    Forbidden { resource: &'static str },
    /// `resource` (article, comment, profile, user) does not exist.
    #[error("{resource} not found")]
    NotFound { resource: &'static str },
    /// Well-formed input that breaks a rule, with the message(s) per field.
    #[error("validation failed: {0:?}")]
    Validation(FieldErrors),
    /// A unique value (username, email) is already taken.
    #[error("{field} has already been taken")]
    Conflict { field: &'static str },
    /// A request that is not even well-formed (malformed JSON, wrong Content-Type, bad path).
    #[error("bad request: {0:?}")]
    BadRequest(FieldErrors),
    /// The request body is bigger than the configured limit.
    #[error("request body larger than {limit} bytes")]
    PayloadTooLarge { limit: usize },
    /// Too many requests (a rate limit, or the queue for password hashing is full); the client
    /// should wait `retry_after_secs` seconds (at least 1) before trying again.
    #[error("too many requests, retry in {retry_after_secs} s")]
    RateLimited { retry_after_secs: u64 },
    /// The database (or another dependency) cannot be reached right now; retrying may work.
    #[error("service temporarily unavailable")]
    Unavailable,
    /// The instance serves its most live connections (`LIVE_CONNECTIONS_MAX`): another stream
    /// is refused until one closes.
    #[error(transparent)]
    TooManyConnections(#[from] TooManyConnections),
    /// A bug or an unexpected failure. The cause is logged, the client sees a generic message.
    #[error("internal error: {0:#}")]
    Internal(#[from] anyhow::Error),
}

impl AppError {
    /// A validation error on one field.
    pub fn invalid(field: &str, message: impl Into<String>) -> Self {
        AppError::Validation(FieldErrors::from([(
            field.to_owned(),
            vec![message.into()],
        )]))
    }

    /// A malformed-request error on one part of the request.
    pub fn bad_request(part: &str, message: impl Into<String>) -> Self {
        AppError::BadRequest(FieldErrors::from([(part.to_owned(), vec![message.into()])]))
    }

    /// The stable, machine-readable code (GraphQL `extensions.code`).
    pub fn code(&self) -> &'static str {
        match self {
            AppError::Unauthenticated { .. } => "UNAUTHENTICATED",
            AppError::Forbidden { .. } => "FORBIDDEN",
            AppError::NotFound { .. } => "NOT_FOUND",
            AppError::Validation(_) => "VALIDATION_FAILED",
            AppError::Conflict { .. } => "CONFLICT",
            AppError::BadRequest(_) => BAD_REQUEST,
            AppError::PayloadTooLarge { .. } => "PAYLOAD_TOO_LARGE",
            AppError::RateLimited { .. } => "RATE_LIMITED",
            AppError::Unavailable | AppError::TooManyConnections(_) => "UNAVAILABLE",
            AppError::Internal(_) => "INTERNAL",
        }
    }

    /// The `{"<key>": ["<message>"]}` map that both interfaces show the client.
    pub fn field_errors(&self) -> FieldErrors {
        let single = |key: &str, message: &str| {
            FieldErrors::from([(key.to_owned(), vec![message.to_owned()])])
        };
        match self {
            AppError::Unauthenticated { key, message } => single(key, message),
            AppError::Forbidden { resource } => single(resource, "forbidden"),
            AppError::NotFound { resource } => single(resource, "not found"),
            AppError::Validation(errors) | AppError::BadRequest(errors) => errors.clone(),
            AppError::Conflict { field } => single(field, "has already been taken"),
            AppError::PayloadTooLarge { limit } => single(
                "body",
                &format!("is too large (the limit is {limit} bytes)"),
            ),
            AppError::RateLimited { retry_after_secs } => single(
                "request",
                &format!("too many requests, retry in {retry_after_secs} seconds"),
            ),
            AppError::Unavailable => single("service", "temporarily unavailable, retry later"),
            AppError::TooManyConnections(refusal) => single("connections", &refusal.to_string()),
            AppError::Internal(_) => single("server", "internal error"),
        }
    }

    /// One human-readable sentence, e.g. `email can't be blank; password can't be blank`.
    pub fn message(&self) -> String {
        self.field_errors()
            .iter()
            .flat_map(|(key, messages)| messages.iter().map(move |m| format!("{key} {m}")))
            .collect::<Vec<_>>()
            .join("; ")
    }

    /// The seconds a client should wait before retrying (`Retry-After`), for the errors that
    /// say "later": rate limits and unavailability.
    pub fn retry_after_secs(&self) -> Option<u64> {
        match self {
            AppError::RateLimited { retry_after_secs } => Some(*retry_after_secs),
            AppError::Unavailable => Some(1),
            AppError::TooManyConnections(_) => Some(5),
            _ => None,
        }
    }

    /// Logs what the client will not see: the cause of an internal error.
    pub fn log_if_internal(&self) {
        if let AppError::Internal(cause) = self {
            tracing::error!(error = ?cause, "internal error");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn field_errors_match_the_realworld_shape() {
        let error = AppError::NotFound {
            resource: "article",
        };
        assert_eq!(error.field_errors()["article"], vec!["not found"]);
        assert_eq!(error.message(), "article not found");
        let internal = AppError::Internal(anyhow::anyhow!("secret table name"));
        assert!(!internal.message().contains("secret"));
    }
}
