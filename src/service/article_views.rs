//! Turning article rows into what clients see: author profile, sorted tags, favorites count and
//! the viewer's flags, loaded for a whole page at once. A page of 1 or 100 articles costs the same
//! number of statements.

use std::collections::{HashMap, HashSet};

use chrono::NaiveDateTime;
use diesel::dsl::count_star;
use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use serde::Serialize;

use super::profiles::{Profile, load_profiles};
use super::timestamp;
use crate::auth::Viewer;
use crate::db::models::ArticleRow;
use crate::db::schema::{article_tags, articles, favorites, tags};
use crate::error::AppError;
use crate::state::AppState;
use crate::with_connection;

/// An article as clients see it. `body` is `None` in lists, and then left out of the JSON.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Article {
    #[serde(skip)]
    pub id: i32,
    pub slug: String,
    pub title: String,
    pub description: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub body: Option<String>,
    pub tag_list: Vec<String>,
    #[serde(serialize_with = "timestamp::serialize")]
    pub created_at: NaiveDateTime,
    #[serde(serialize_with = "timestamp::serialize")]
    pub updated_at: NaiveDateTime,
    pub favorited: bool,
    pub favorites_count: i64,
    pub author: Profile,
}

/// Decorates `rows` (kept in their order) for `viewer`.
pub async fn decorate(
    state: &AppState,
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

    let authors = load_profiles(state, viewer, &author_ids).await?;
    let mut tag_lists = load_tag_lists(state, &ids).await?;
    let counts = load_favorite_counts(state, &ids).await?;
    let favorited = match viewer {
        Some(viewer) => load_favorited(state, viewer, &ids).await?,
        None => HashSet::new(),
    };
    let mut bodies = if with_body {
        load_bodies(state, &ids).await?
    } else {
        HashMap::new()
    };

    rows.into_iter()
        .map(|row| {
            let author = authors.get(&row.author_id).cloned().ok_or_else(|| {
                AppError::Internal(anyhow::anyhow!("article {} has no author row", row.id))
            })?;
            Ok(Article {
                body: bodies.remove(&row.id),
                tag_list: tag_lists.remove(&row.id).unwrap_or_default(),
                favorited: favorited.contains(&row.id),
                favorites_count: counts.get(&row.id).copied().unwrap_or(0),
                id: row.id,
                slug: row.slug,
                title: row.title,
                description: row.description,
                created_at: row.created_at,
                updated_at: row.updated_at,
                author,
            })
        })
        .collect()
}

/// Tag names per article, each list sorted alphabetically.
pub async fn load_tag_lists(
    state: &AppState,
    article_ids: &[i32],
) -> Result<HashMap<i32, Vec<String>>, AppError> {
    let pairs: Vec<(i32, String)> = with_connection!(state.db(), |conn| {
        article_tags::table
            .inner_join(tags::table)
            .filter(article_tags::article_id.eq_any(article_ids))
            .select((article_tags::article_id, tags::name))
            .load(conn)
            .await?
    });
    let mut lists: HashMap<i32, Vec<String>> = HashMap::new();
    for (article_id, name) in pairs {
        lists.entry(article_id).or_default().push(name);
    }
    // Sorted here, by code point: the database's order depends on its collation (PostgreSQL's
    // locale order differs from SQLite's and MySQL's binary one).
    lists.values_mut().for_each(|names| names.sort());
    Ok(lists)
}

async fn load_favorite_counts(
    state: &AppState,
    article_ids: &[i32],
) -> Result<HashMap<i32, i64>, AppError> {
    let counts: Vec<(i32, i64)> = with_connection!(state.db(), |conn| {
        favorites::table
            .filter(favorites::article_id.eq_any(article_ids))
            .group_by(favorites::article_id)
            .select((favorites::article_id, count_star()))
            .load(conn)
            .await?
    });
    Ok(counts.into_iter().collect())
}

async fn load_favorited(
    state: &AppState,
    viewer: Viewer,
    article_ids: &[i32],
) -> Result<HashSet<i32>, AppError> {
    let ids: Vec<i32> = with_connection!(state.db(), |conn| {
        favorites::table
            .filter(favorites::user_id.eq(viewer.user_id))
            .filter(favorites::article_id.eq_any(article_ids))
            .select(favorites::article_id)
            .load(conn)
            .await?
    });
    Ok(ids.into_iter().collect())
}

async fn load_bodies(
    state: &AppState,
    article_ids: &[i32],
) -> Result<HashMap<i32, String>, AppError> {
    let bodies: Vec<(i32, String)> = with_connection!(state.db(), |conn| {
        articles::table
            .filter(articles::id.eq_any(article_ids))
            .select((articles::id, articles::body))
            .load(conn)
            .await?
    });
    Ok(bodies.into_iter().collect())
}
