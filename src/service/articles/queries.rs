//! Article lookups and tag links shared by reads, writes, favorites and comments, written once
//! for every connection type.

use diesel::prelude::*;
use diesel_async::RunQueryDsl;

use super::ARTICLE_NOT_FOUND;
use crate::auth::Viewer;
use crate::db::batch::BatchInsert as _;
use crate::db::latest_per_parent::latest_articles_by_author;
use crate::db::models::{ArticleRow, ArticleTagRow};
use crate::db::schema::{article_tags, articles, favorites, tags};
use crate::error::AppError;
use crate::service::article_views::{Article, ArticleViews as _};
use crate::service::counters::Counters as _;

/// Article lookups and tag links, implemented for every connection type.
pub trait ArticleQueries: Send {
    /// The article with `slug`, or 404 `article`.
    fn find_article(
        &mut self,
        slug: &str,
    ) -> impl Future<Output = Result<ArticleRow, AppError>> + Send;

    /// The article with `id`, or 404 `article`.
    fn find_article_by_id(
        &mut self,
        id: i32,
    ) -> impl Future<Output = Result<ArticleRow, AppError>> + Send;

    /// One article with its body, decorated for the viewer.
    fn single(
        &mut self,
        viewer: Option<Viewer>,
        row: ArticleRow,
    ) -> impl Future<Output = Result<Article, AppError>> + Send;

    /// The latest `per_author` article rows of each author, newest first (`created_at DESC, id
    /// DESC`): at most `per_author` rows per author come back from the database.
    fn latest_article_rows(
        &mut self,
        author_ids: &[i32],
        per_author: usize,
    ) -> impl Future<Output = QueryResult<Vec<ArticleRow>>> + Send;

    /// Whether `user_id` has favorited `article_id`.
    fn has_favorited(
        &mut self,
        user_id: i32,
        article_id: i32,
    ) -> impl Future<Output = QueryResult<bool>> + Send;

    /// Changes the article's tags from `current` to `wanted` (both sorted): counts the change,
    /// creating the tags that do not exist yet, unlinks the removed tags and links the added
    /// ones; at most four statements whatever the number of tags, none if nothing changes.
    /// Used inside the create and update transactions, with the article locked.
    /// `created_at` is the article's, copied into each new link (see the `article_tags` table).
    fn change_tags(
        &mut self,
        article_id: i32,
        created_at: chrono::NaiveDateTime,
        current: &[String],
        wanted: &[String],
    ) -> impl Future<Output = QueryResult<()>> + Send;
}

crate::for_each_connection! {
    impl ArticleQueries {
        async fn find_article(&mut self, slug: &str) -> Result<ArticleRow, AppError> {
            articles::table
                .filter(articles::slug.eq(slug))
                .select(ArticleRow::as_select())
                .first(self)
                .await
                .optional()?
                .ok_or(ARTICLE_NOT_FOUND)
        }

        async fn find_article_by_id(&mut self, id: i32) -> Result<ArticleRow, AppError> {
            articles::table
                .find(id)
                .select(ArticleRow::as_select())
                .first(self)
                .await
                .optional()?
                .ok_or(ARTICLE_NOT_FOUND)
        }

        async fn single(
            &mut self,
            viewer: Option<Viewer>,
            row: ArticleRow,
        ) -> Result<Article, AppError> {
            self.decorate(viewer, vec![row], true)
                .await?
                .pop()
                .ok_or(ARTICLE_NOT_FOUND)
        }

        async fn latest_article_rows(
            &mut self,
            author_ids: &[i32],
            per_author: usize,
        ) -> QueryResult<Vec<ArticleRow>> {
            let per_author = i64::try_from(per_author).unwrap_or(i64::MAX);
            articles::table
                .filter(latest_articles_by_author(author_ids, per_author))
                .order((articles::created_at.desc(), articles::id.desc()))
                .select(ArticleRow::as_select())
                .load(self)
                .await
        }

        async fn has_favorited(&mut self, user_id: i32, article_id: i32) -> QueryResult<bool> {
            diesel::select(diesel::dsl::exists(
                favorites::table
                    .filter(favorites::user_id.eq(user_id))
                    .filter(favorites::article_id.eq(article_id)),
            ))
            .get_result(self)
            .await
        }

        async fn change_tags(
            &mut self,
            article_id: i32,
            created_at: chrono::NaiveDateTime,
            current: &[String],
            wanted: &[String],
        ) -> QueryResult<()> {
            let removed: Vec<String> =
                current.iter().filter(|name| !wanted.contains(name)).cloned().collect();
            let added: Vec<String> =
                wanted.iter().filter(|name| !current.contains(name)).cloned().collect();
            // Counted first: the upsert creates missing tags and locks them before the links
            // below refer to them.
            self.count_tag_changes(&removed, &added).await?;
            if !removed.is_empty() {
                diesel::delete(
                    article_tags::table
                        .filter(article_tags::article_id.eq(article_id))
                        .filter(
                            article_tags::tag_id.eq_any(
                                tags::table.filter(tags::name.eq_any(&removed)).select(tags::id),
                            ),
                        ),
                )
                .execute(self)
                .await?;
            }
            if added.is_empty() {
                return Ok(());
            }
            let tag_ids: Vec<i32> = tags::table
                .filter(tags::name.eq_any(&added))
                .select(tags::id)
                .load(self)
                .await?;
            let links: Vec<ArticleTagRow> = tag_ids
                .into_iter()
                .map(|tag_id| ArticleTagRow {
                    article_id,
                    tag_id,
                    article_created_at: created_at,
                })
                .collect();
            self.insert_batch(links).await?;
            Ok(())
        }
    }
}
