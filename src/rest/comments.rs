//! `/api/articles/{slug}/comments` and `/api/articles/{slug}/comments/{id}`.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use chrono::NaiveDateTime;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::error::ErrorBody;

use super::extract::{AuthUser, JsonBody, MaybeAuthUser};
use super::profiles::Profile;
use super::timestamp;
use crate::db::Session;
use crate::error::AppError;
use crate::service::comments;
use crate::state::AppState;

/// `{"comment": {"body": …}}`; without the wrapper the body counts as blank (after the article
/// lookup).
#[derive(Deserialize, ToSchema)]
pub struct NewCommentEnvelope {
    #[serde(default)]
    comment: NewCommentBody,
}

#[derive(Default, Deserialize, ToSchema)]
pub struct NewCommentBody {
    body: Option<String>,
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Comment {
    pub id: i32,
    #[serde(serialize_with = "timestamp::serialize")]
    pub created_at: NaiveDateTime,
    #[serde(serialize_with = "timestamp::serialize")]
    pub updated_at: NaiveDateTime,
    pub body: String,
    pub author: Profile,
}

impl From<comments::Comment> for Comment {
    fn from(comment: comments::Comment) -> Self {
        Comment {
            id: comment.id,
            created_at: comment.created_at,
            updated_at: comment.updated_at,
            body: comment.body,
            author: comment.author.into(),
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct CommentEnvelope {
    pub comment: Comment,
}

#[derive(Serialize, ToSchema)]
pub struct CommentsEnvelope {
    comments: Vec<Comment>,
}

/// `GET /api/articles/{slug}/comments`
#[utoipa::path(get, path = "/api/articles/{slug}/comments", operation_id = "GetArticleComments", tag = "Comments",
    params(("slug" = String, Path)), security((), ("Token" = [])),
    responses((status = 200, body = CommentsEnvelope), (status = 404, description = "Unknown article", body = ErrorBody), (status = 401, description = "An invalid or expired token (a missing one is fine)", body = ErrorBody)))]
pub async fn list_comments(
    db: Session,
    MaybeAuthUser(viewer): MaybeAuthUser,
    Path(slug): Path<String>,
) -> Result<Json<CommentsEnvelope>, AppError> {
    let comments = comments::list_comments(&db, viewer, &slug).await?;
    Ok(Json(CommentsEnvelope {
        comments: comments.into_iter().map(Comment::from).collect(),
    }))
}

/// `POST /api/articles/{slug}/comments` → 201
#[utoipa::path(post, path = "/api/articles/{slug}/comments", operation_id = "CreateArticleComment", tag = "Comments",
    params(("slug" = String, Path)), request_body = NewCommentEnvelope, security(("Token" = [])),
    responses((status = 201, body = CommentEnvelope), (status = 401, description = "No token, or an invalid one", body = ErrorBody), (status = 404, description = "Unknown article", body = ErrorBody), (status = 422, description = "A field breaks a rule", body = ErrorBody), (status = 400, description = "Malformed JSON or not JSON", body = ErrorBody), (status = 413, description = "Body larger than MAX_BODY_BYTES", body = ErrorBody), (status = 429, description = "Past the WRITES_PER_USER quota; wait Retry-After seconds", body = ErrorBody)))]
pub async fn add_comment(
    State(state): State<AppState>,
    db: Session,
    AuthUser(viewer): AuthUser,
    Path(slug): Path<String>,
    JsonBody(body): JsonBody<NewCommentEnvelope>,
) -> Result<(StatusCode, Json<CommentEnvelope>), AppError> {
    let comment = comments::add_comment(&db, &state, viewer, &slug, body.comment.body).await?;
    Ok((
        StatusCode::CREATED,
        Json(CommentEnvelope {
            comment: comment.into(),
        }),
    ))
}

/// `DELETE /api/articles/{slug}/comments/{id}` → 204
#[utoipa::path(delete, path = "/api/articles/{slug}/comments/{id}", operation_id = "DeleteArticleComment", tag = "Comments",
    params(("slug" = String, Path), ("id" = i32, Path)), security(("Token" = [])),
    responses((status = 204, description = "Deleted"), (status = 401, description = "No token, or an invalid one", body = ErrorBody), (status = 403, description = "Not the comment's author", body = ErrorBody),
        (status = 404, description = "Unknown article or comment", body = ErrorBody)))]
pub async fn delete_comment(
    db: Session,
    AuthUser(viewer): AuthUser,
    Path((slug, id)): Path<(String, String)>,
) -> Result<StatusCode, AppError> {
    comments::delete_comment(&db, viewer, &slug, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}
