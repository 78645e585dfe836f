//! The REST rendering of [`AppError`]: `{"errors":{"<key>":["<message>"]}}` with the status the
//! RealWorld contract expects.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::json;

use crate::error::AppError;

/// Every error: `{"errors": {"<field or resource>": ["<message>", …]}}`.
#[derive(utoipa::ToSchema)]
#[expect(
    dead_code,
    reason = "describes the error JSON for the OpenAPI document"
)]
pub struct ErrorBody {
    errors: std::collections::BTreeMap<String, Vec<String>>,
}

pub fn status(error: &AppError) -> StatusCode {
    match error {
        AppError::Unauthenticated { .. } => StatusCode::UNAUTHORIZED,
        AppError::Forbidden { .. } => StatusCode::FORBIDDEN,
        AppError::NotFound { .. } => StatusCode::NOT_FOUND,
        AppError::Validation(_) => StatusCode::UNPROCESSABLE_ENTITY,
        AppError::Conflict { .. } => StatusCode::CONFLICT,
        AppError::BadRequest(_) => StatusCode::BAD_REQUEST,
        AppError::PayloadTooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
        AppError::RateLimited { .. } => StatusCode::TOO_MANY_REQUESTS,
        AppError::Unavailable | AppError::TooManyConnections(_) => StatusCode::SERVICE_UNAVAILABLE,
        AppError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        self.log_if_internal();
        let body = Json(json!({ "errors": self.field_errors() }));
        let mut response = (status(&self), body).into_response();
        // Counted by the metrics middleware, which sees only the response.
        response
            .extensions_mut()
            .insert(crate::metrics::http::ErrorCode {
                interface: "rest",
                code: self.code(),
            });
        if let Some(seconds) = self.retry_after_secs() {
            response
                .headers_mut()
                .insert("retry-after", axum::http::HeaderValue::from(seconds));
        }
        response
    }
}
