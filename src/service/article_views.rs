//! Turning article rows into what clients see: author profile, sorted tags, favorites count and
//! the viewer's flags, loaded for a whole page at once. A page of 1 or 100 articles costs the same
//! number of statements.

use std::collections::{HashMap, HashSet};

use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel_async::RunQueryDsl;

use super::profiles::{Profile, ProfileQueries as _};
use crate::auth::Viewer;
use crate::db::models::ArticleRow;
use crate::db::schema::{article_tags, articles, favorites, tags};
use crate::error::AppError;

/// An article as its viewer sees it: author profile, sorted tags, favorites count and the
/// viewer's flag. `body` is `None` in lists (not loaded). Each interface renders it in its own
/// shape (`rest::articles::Article`, `graphql::types::ArticleNode`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Article {
    /// The row id: GraphQL cursors and loaders key on it; REST never shows it.
    pub id: i32,
    pub slug: String,
    pub title: String,
    pub description: String,
    pub body: Option<String>,
    /// Sorted by code point.
    pub tag_list: Vec<String>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub favorited: bool,
    pub favorites_count: i64,
    pub author: Profile,
}

/// Turning article rows into [`Article`]s, implemented for every connection type.
pub trait ArticleViews: Send {
    /// Decorates `rows` (kept in their order) for `viewer`: authors, tags, the viewer's favorites
    /// and (with `with_body`) bodies, in at most five statements whatever the number of rows (the
    /// favorites count is the row's counter). An article whose author was deleted meanwhile is left out.
    fn decorate(
        &mut self,
        viewer: Option<Viewer>,
        rows: Vec<ArticleRow>,
        with_body: bool,
    ) -> impl Future<Output = Result<Vec<Article>, AppError>> + Send;

    /// Tag names per article, each list sorted alphabetically.
    fn load_tag_lists(
        &mut self,
        article_ids: &[i32],
    ) -> impl Future<Output = QueryResult<HashMap<i32, Vec<String>>>> + Send;
}

crate::for_each_connection! {
    impl ArticleViews {
        async fn decorate(
            &mut self,
            viewer: Option<Viewer>,
            rows: Vec<ArticleRow>,
            with_body: bool,
        ) -> Result<Vec<Article>, AppError> {
            if rows.is_empty() {
                return Ok(Vec::new());
            }
            let ids: Vec<i32> = rows.iter().map(|row| row.id).collect();
            let mut author_ids: Vec<i32> = rows.iter().map(|row| row.author_id).collect();
            author_ids.sort_unstable();
            author_ids.dedup();

            let authors = self.load_profiles(viewer, &author_ids).await?;
            let mut tag_lists = self.load_tag_lists(&ids).await?;
            let favorited: HashSet<i32> = match viewer {
                Some(viewer) => favorites::table
                    .filter(favorites::user_id.eq(viewer.user_id))
                    .filter(favorites::article_id.eq_any(&ids))
                    .select(favorites::article_id)
                    .load::<i32>(self)
                    .await?
                    .into_iter()
                    .collect(),
                None => HashSet::new(),
            };
            let mut bodies: HashMap<i32, String> = if with_body {
                articles::table
                    .filter(articles::id.eq_any(&ids))
                    .select((articles::id, articles::body))
                    .load::<(i32, String)>(self)
                    .await?
                    .into_iter()
                    .collect()
            } else {
                HashMap::new()
            };

            Ok(rows
                .into_iter()
                .filter_map(|row| {
                    let author = authors.get(&row.author_id).cloned()?;
                    Some(Article {
                        body: bodies.remove(&row.id),
                        tag_list: tag_lists.remove(&row.id).unwrap_or_default(),
                        favorited: favorited.contains(&row.id),
                        favorites_count: i64::from(row.favorites_count),
                        id: row.id,
                        slug: row.slug,
                        title: row.title,
                        description: row.description,
                        created_at: row.created_at,
                        updated_at: row.updated_at,
                        author,
                    })
                })
                .collect())
        }

        async fn load_tag_lists(
            &mut self,
            article_ids: &[i32],
        ) -> QueryResult<HashMap<i32, Vec<String>>> {
            let pairs: Vec<(i32, String)> = article_tags::table
                .inner_join(tags::table)
                .filter(article_tags::article_id.eq_any(article_ids))
                .select((article_tags::article_id, tags::name))
                .load(self)
                .await?;
            let mut lists: HashMap<i32, Vec<String>> = HashMap::new();
            for (article_id, name) in pairs {
                lists.entry(article_id).or_default().push(name);
            }
            // Sorted here, by code point: the database's order depends on its collation
            // (PostgreSQL's locale order differs from SQLite's and MySQL's binary one).
            lists.values_mut().for_each(|names| names.sort());
            Ok(lists)
        }
    }
}
