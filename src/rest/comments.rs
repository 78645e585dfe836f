//! `/api/articles/{slug}/comments` and `/api/articles/{slug}/comments/{id}`.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};

use super::extract::{AuthUser, JsonBody, MaybeAuthUser};
use crate::error::AppError;
use crate::service::comments::{self, Comment};
use crate::state::AppState;

#[derive(Deserialize)]
pub struct NewCommentEnvelope {
    comment: NewCommentBody,
}

#[derive(Deserialize)]
pub struct NewCommentBody {
    body: Option<String>,
}

#[derive(Serialize)]
pub struct CommentEnvelope {
    comment: Comment,
}

#[derive(Serialize)]
pub struct CommentsEnvelope {
    comments: Vec<Comment>,
}

/// `GET /api/articles/{slug}/comments`
pub async fn list_comments(
    State(state): State<AppState>,
    MaybeAuthUser(viewer): MaybeAuthUser,
    Path(slug): Path<String>,
) -> Result<Json<CommentsEnvelope>, AppError> {
    let comments = comments::list_comments(&state, viewer, &slug).await?;
    Ok(Json(CommentsEnvelope { comments }))
}

/// `POST /api/articles/{slug}/comments` → 201
pub async fn add_comment(
    State(state): State<AppState>,
    AuthUser(viewer): AuthUser,
    Path(slug): Path<String>,
    JsonBody(body): JsonBody<NewCommentEnvelope>,
) -> Result<(StatusCode, Json<CommentEnvelope>), AppError> {
    let comment = comments::add_comment(&state, viewer, &slug, body.comment.body).await?;
    Ok((StatusCode::CREATED, Json(CommentEnvelope { comment })))
}

/// `DELETE /api/articles/{slug}/comments/{id}` → 204
pub async fn delete_comment(
    State(state): State<AppState>,
    AuthUser(viewer): AuthUser,
    Path((slug, id)): Path<(String, String)>,
) -> Result<StatusCode, AppError> {
    comments::delete_comment(&state, viewer, &slug, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}
