//! Comments on articles.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel_async::{AsyncConnection as _, RunQueryDsl};
use serde::Serialize;

use super::articles::find_article;
use super::profiles::{Profile, load_profiles};
use super::timestamp;
use super::validation::Validator;
use crate::auth::Viewer;
use crate::db::dialect::Dialect as _;
use crate::db::error::not_found_if_gone;
use crate::db::models::{CommentRow, NewCommentRow};
use crate::db::schema::comments;
use crate::error::AppError;
use crate::state::AppState;
use crate::with_connection;

pub const BODY_MAX_CHARS: usize = 10_000;

const COMMENT_NOT_FOUND: AppError = AppError::NotFound {
    resource: "comment",
};
const ARTICLE_NOT_FOUND: AppError = AppError::NotFound {
    resource: "article",
};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
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

/// The article's comments, newest first. Needs no authentication.
pub async fn list_comments(
    state: &AppState,
    viewer: Option<Viewer>,
    slug: &str,
) -> Result<Vec<Comment>, AppError> {
    let article = find_article(state, slug).await?;
    let rows = load_comment_rows(state, &[article.id]).await?;
    decorate(state, viewer, rows).await
}

/// Comments of several articles at once (newest first within each), for batch loaders.
pub async fn load_comment_rows(
    state: &AppState,
    article_ids: &[i32],
) -> Result<Vec<CommentRow>, AppError> {
    if article_ids.is_empty() {
        return Ok(Vec::new());
    }
    let rows = with_connection!(state.db(), |conn| {
        comments::table
            .filter(comments::article_id.eq_any(article_ids))
            .order(comments::id.desc())
            .select(CommentRow::as_select())
            .load(conn)
            .await?
    });
    Ok(rows)
}

pub async fn add_comment(
    state: &AppState,
    viewer: Viewer,
    slug: &str,
    body: Option<String>,
) -> Result<Comment, AppError> {
    let article = find_article(state, slug).await?;
    let mut validator = Validator::default();
    let body = validator.required("body", body, BODY_MAX_CHARS);
    validator.finish()?;
    let now = super::now();
    let row = NewCommentRow {
        article_id: article.id,
        author_id: viewer.user_id,
        body,
        created_at: now,
        updated_at: now,
    };
    let comment = with_connection!(state.db(), |conn| {
        conn.transaction::<CommentRow, AppError, _>(async |conn| {
            diesel::insert_into(comments::table)
                .values(&row)
                .execute(conn)
                .await
                .map_err(|error| not_found_if_gone(error, ARTICLE_NOT_FOUND))?;
            let id = conn.last_insert_id().await?;
            Ok(comments::table
                .find(id)
                .select(CommentRow::as_select())
                .first(conn)
                .await?)
        })
        .await?
    });
    decorate(state, Some(viewer), vec![comment])
        .await?
        .pop()
        .ok_or(COMMENT_NOT_FOUND)
}

/// Deletes a comment: 404 `article` for an unknown slug, 404 `comment` for an id that is not a
/// comment of that article (a non-numeric id included), 403 for someone else's comment.
pub async fn delete_comment(
    state: &AppState,
    viewer: Viewer,
    slug: &str,
    comment_id: &str,
) -> Result<(), AppError> {
    let article = find_article(state, slug).await?;
    let comment_id: i32 = comment_id.trim().parse().map_err(|_| COMMENT_NOT_FOUND)?;
    let author_id: i32 = with_connection!(state.db(), |conn| {
        comments::table
            .filter(comments::id.eq(comment_id))
            .filter(comments::article_id.eq(article.id))
            .select(comments::author_id)
            .first(conn)
            .await
            .optional()?
            .ok_or(COMMENT_NOT_FOUND)?
    });
    if author_id != viewer.user_id {
        return Err(AppError::Forbidden {
            resource: "comment",
        });
    }
    with_connection!(state.db(), |conn| {
        diesel::delete(comments::table.find(comment_id))
            .execute(conn)
            .await?
    });
    Ok(())
}

/// Adds the authors' profiles (as `viewer` sees them) to comment rows, keeping their order.
pub async fn decorate(
    state: &AppState,
    viewer: Option<Viewer>,
    rows: Vec<CommentRow>,
) -> Result<Vec<Comment>, AppError> {
    let mut author_ids: Vec<i32> = rows.iter().map(|row| row.author_id).collect();
    author_ids.sort_unstable();
    author_ids.dedup();
    let authors = load_profiles(state, viewer, &author_ids).await?;
    rows.into_iter()
        .map(|row| {
            let author = authors.get(&row.author_id).cloned().ok_or_else(|| {
                AppError::Internal(anyhow::anyhow!("comment {} has no author row", row.id))
            })?;
            Ok(Comment {
                id: row.id,
                created_at: row.created_at,
                updated_at: row.updated_at,
                body: row.body,
                author,
            })
        })
        .collect()
}
