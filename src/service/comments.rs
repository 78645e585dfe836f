//! Comments on articles.

use std::collections::HashMap;

use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel_async::RunQueryDsl;

use super::ForViewer as _;
use super::articles::{ARTICLE_NOT_FOUND, ArticleQueries as _};
use super::profiles::{Profile, ProfileQueries as _};
use super::validation::Validator;
use crate::auth::Viewer;
use crate::db::Session;
use crate::db::dialect::Dialect as _;
use crate::db::error::not_found_if_gone;
use crate::db::latest_per_parent::latest_comments_by_article;
use crate::db::models::{CommentRow, NewCommentRow};
use crate::db::schema::comments;
use crate::error::AppError;
use crate::events::Event;
use crate::on_connection;
use crate::state::AppState;

pub const BODY_MAX_CHARS: usize = 10_000;

const COMMENT_NOT_FOUND: AppError = AppError::NotFound {
    resource: "comment",
};

/// A comment with its author's profile as the viewer sees it. Each interface renders it in its
/// own shape (`rest::comments::Comment`, `graphql::types::CommentNode`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Comment {
    pub id: i32,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub body: String,
    pub author: Profile,
}

/// The article's comments, newest first. Needs no authentication.
pub async fn list_comments(
    db: &Session,
    viewer: Option<Viewer>,
    slug: &str,
) -> Result<Vec<Comment>, AppError> {
    let slug = slug.to_owned();
    on_connection!(db.for_viewer(viewer), async move |conn| {
        let article = conn.find_article(&slug).await?;
        let rows = conn.load_comment_rows(article.id).await?;
        conn.decorate_comments(viewer, rows).await
    })
}

/// The latest `per_article` comments of several articles at once, newest first within each and
/// keyed by article id, for batch loaders: at most `per_article` rows per article are read
/// (limited in SQL, see [`latest_per_parent`]).
///
/// [`latest_per_parent`]: crate::db::latest_per_parent
pub async fn comments_by_article(
    db: &Session,
    viewer: Option<Viewer>,
    article_ids: Vec<i32>,
    per_article: usize,
) -> Result<HashMap<i32, Vec<Comment>>, AppError> {
    if article_ids.is_empty() {
        return Ok(HashMap::new());
    }
    on_connection!(db.for_viewer(viewer), async move |conn| {
        let rows = conn.latest_comment_rows(&article_ids, per_article).await?;
        let article_of: Vec<i32> = rows.iter().map(|row| row.article_id).collect();
        let decorated = conn.decorate_comments(viewer, rows).await?;
        let mut by_article: HashMap<i32, Vec<Comment>> = HashMap::new();
        for (article_id, comment) in article_of.into_iter().zip(decorated) {
            by_article.entry(article_id).or_default().push(comment);
        }
        Ok(by_article)
    })
}

/// Comments on the article `slug` as the viewer. Spends one of the viewer's writes
/// ([`RateLimits::check_write`](crate::rate_limit::RateLimits::check_write)) once the article
/// is found and the body is valid: past the quota, [`AppError::RateLimited`] and nothing is
/// written.
///
/// Adds a comment and, once it is committed, announces it ([`Event::CommentAdded`]).
pub async fn add_comment(
    db: &Session,
    state: &AppState,
    viewer: Viewer,
    slug: &str,
    body: Option<String>,
) -> Result<Comment, AppError> {
    let slug = slug.to_owned();
    let state = state.clone();
    let (article_id, comment) = on_connection!(db.for_viewer(viewer), async move |conn| {
        let article = conn.find_article(&slug).await?;
        let mut validator = Validator::default();
        let body = validator.required("body", body, BODY_MAX_CHARS);
        validator.finish()?;
        state.rate_limits().check_write(viewer.user_id)?;
        let now = super::now();
        let row = NewCommentRow {
            article_id: article.id,
            author_id: viewer.user_id,
            body,
            created_at: now,
            updated_at: now,
        };
        let comment = conn
            .write_transaction(async |conn| {
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
            .await?;
        let comment = conn
            .decorate_comments(Some(viewer), vec![comment])
            .await?
            .pop()
            .ok_or(COMMENT_NOT_FOUND)?;
        Ok((article.id, comment))
    })?;
    db.events().publish(Event::CommentAdded {
        article_id,
        comment_id: comment.id,
    });
    Ok(comment)
}

/// Deletes a comment: 404 `article` for an unknown slug, 404 `comment` for an id that is not a
/// comment of that article (a non-numeric id included), 403 for someone else's comment. Announced
/// once committed ([`Event::CommentDeleted`]).
pub async fn delete_comment(
    db: &Session,
    viewer: Viewer,
    slug: &str,
    comment_id: &str,
) -> Result<(), AppError> {
    let slug = slug.to_owned();
    let comment_id = comment_id.trim().parse::<i32>().ok();
    let (article_id, comment_id) = on_connection!(db.for_viewer(viewer), async move |conn| {
        let article = conn.find_article(&slug).await?;
        let comment_id = comment_id.ok_or(COMMENT_NOT_FOUND)?;
        let author_id: i32 = comments::table
            .filter(comments::id.eq(comment_id))
            .filter(comments::article_id.eq(article.id))
            .select(comments::author_id)
            .first(conn)
            .await
            .optional()?
            .ok_or(COMMENT_NOT_FOUND)?;
        if author_id != viewer.user_id {
            return Err(AppError::Forbidden {
                resource: "comment",
            });
        }
        diesel::delete(comments::table.find(comment_id))
            .execute(conn)
            .await?;
        Ok((article.id, comment_id))
    })?;
    db.events().publish(Event::CommentDeleted {
        article_id,
        comment_id,
    });
    Ok(())
}

/// One comment by id, as `viewer` sees it: for subscribers told of a new comment. 404 `comment`
/// when it is gone again.
pub async fn get_comment(
    db: &Session,
    viewer: Option<Viewer>,
    comment_id: i32,
) -> Result<Comment, AppError> {
    on_connection!(db.for_viewer(viewer), async move |conn| {
        let rows = comments::table
            .find(comment_id)
            .select(CommentRow::as_select())
            .load(conn)
            .await?;
        conn.decorate_comments(viewer, rows)
            .await?
            .pop()
            .ok_or(COMMENT_NOT_FOUND)
    })
}

/// Comments on the article `article_id` with an id above `after`, oldest first, as `viewer` sees
/// them: what a server-sent-events client missed while it reconnected (its `Last-Event-ID` is
/// the id of the last comment it received; ids grow with each insert).
pub async fn comments_since(
    db: &Session,
    viewer: Option<Viewer>,
    article_id: i32,
    after: i32,
) -> Result<Vec<Comment>, AppError> {
    on_connection!(db.for_viewer(viewer), async move |conn| {
        let rows = comments::table
            .filter(comments::article_id.eq(article_id))
            .filter(comments::id.gt(after))
            .order(comments::id.asc())
            .select(CommentRow::as_select())
            .load(conn)
            .await?;
        conn.decorate_comments(viewer, rows).await
    })
}

/// Comment reads, implemented for every connection type.
pub trait CommentQueries: Send {
    /// Every comment row of an article, newest first.
    fn load_comment_rows(
        &mut self,
        article_id: i32,
    ) -> impl Future<Output = QueryResult<Vec<CommentRow>>> + Send;

    /// The latest `per_article` comment rows of each article, newest first: at most
    /// `per_article` rows per article come back from the database.
    fn latest_comment_rows(
        &mut self,
        article_ids: &[i32],
        per_article: usize,
    ) -> impl Future<Output = QueryResult<Vec<CommentRow>>> + Send;

    /// Adds the authors' profiles (as `viewer` sees them) to comment rows, keeping their order.
    /// A comment whose author was deleted meanwhile is left out.
    fn decorate_comments(
        &mut self,
        viewer: Option<Viewer>,
        rows: Vec<CommentRow>,
    ) -> impl Future<Output = Result<Vec<Comment>, AppError>> + Send;
}

crate::for_each_connection! {
    impl CommentQueries {
        async fn load_comment_rows(&mut self, article_id: i32) -> QueryResult<Vec<CommentRow>> {
            comments::table
                .filter(comments::article_id.eq(article_id))
                .order(comments::id.desc())
                .select(CommentRow::as_select())
                .load(self)
                .await
        }

        async fn latest_comment_rows(
            &mut self,
            article_ids: &[i32],
            per_article: usize,
        ) -> QueryResult<Vec<CommentRow>> {
            let per_article = i64::try_from(per_article).unwrap_or(i64::MAX);
            comments::table
                .filter(latest_comments_by_article(article_ids, per_article))
                .order(comments::id.desc())
                .select(CommentRow::as_select())
                .load(self)
                .await
        }

        async fn decorate_comments(
            &mut self,
            viewer: Option<Viewer>,
            rows: Vec<CommentRow>,
        ) -> Result<Vec<Comment>, AppError> {
            let mut author_ids: Vec<i32> = rows.iter().map(|row| row.author_id).collect();
            author_ids.sort_unstable();
            author_ids.dedup();
            let authors = self.load_profiles(viewer, &author_ids).await?;
            Ok(rows
                .into_iter()
                .filter_map(|row| {
                    let author = authors.get(&row.author_id).cloned()?;
                    Some(Comment {
                        id: row.id,
                        created_at: row.created_at,
                        updated_at: row.updated_at,
                        body: row.body,
                        author,
                    })
                })
                .collect())
        }
    }
}
