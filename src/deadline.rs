//! The request deadline (`REQUEST_TIMEOUT_SECS`): a request still running when it passes is
//! dropped (its database connection is then not reused, see `db::manager`) and answered 503 with
//! `Retry-After`, in the shape of its interface. It bounds what the lower limits cannot, such as
//! a database that stops answering without closing the connection.

use std::time::Duration;

use axum::body::Body;
use axum::extract::State;
use axum::http::Request;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::error::AppError;
use crate::graphql::transport::RequestError;

/// Runs the request, or answers 503 once `deadline` has passed.
pub async fn enforce(
    State(deadline): State<Duration>,
    request: Request<Body>,
    next: Next,
) -> Response {
    let is_graphql = request.uri().path().starts_with("/graphql");
    match tokio::time::timeout(deadline, next.run(request)).await {
        Ok(response) => response,
        Err(_) => {
            tracing::warn!(
                deadline_secs = deadline.as_secs(),
                "request deadline passed (REQUEST_TIMEOUT_SECS): answered 503"
            );
            if is_graphql {
                RequestError::from(AppError::Unavailable).into_response()
            } else {
                AppError::Unavailable.into_response()
            }
        }
    }
}
