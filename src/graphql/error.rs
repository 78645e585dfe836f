//! The GraphQL rendering of [`AppError`]: the same message as REST, with `extensions.code` (the
//! stable code) and `extensions.errors` (the same key → messages map REST sends).

use async_graphql::{Error, ErrorExtensions, ServerError};

use crate::error::AppError;

impl ErrorExtensions for AppError {
    fn extend(&self) -> Error {
        self.log_if_internal();
        let fields = self.field_errors();
        Error::new(self.message()).extend_with(|_, extensions| {
            extensions.set("code", self.code());
            if let Some(seconds) = self.retry_after_secs() {
                extensions.set("retryAfter", seconds);
            }
            if let Ok(value) = async_graphql::to_value(&fields) {
                extensions.set("errors", value);
            }
        })
    }
}

/// Converts a service result for a resolver: `users::login(..).await.map_err(graphql_error)`.
pub fn graphql_error(error: AppError) -> Error {
    error.extend()
}

/// A refusal of the whole request (before execution), as a GraphQL error without a location.
pub fn request_error(error: AppError) -> ServerError {
    let error = error.extend();
    let mut server_error = ServerError::new(error.message, None);
    server_error.extensions = error.extensions;
    server_error
}
