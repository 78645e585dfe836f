//! Favorites: favoriting and unfavoriting an article, idempotent, with its counter kept in the
//! same transaction.

use diesel::prelude::*;
use diesel_async::RunQueryDsl;

use super::{ARTICLE_NOT_FOUND, ArticleQueries as _};
use crate::auth::Viewer;
use crate::db::Session;
use crate::db::dialect::Dialect as _;
use crate::db::error::not_found_if_gone;
use crate::db::models::FavoriteRow;
use crate::db::schema::favorites;
use crate::error::AppError;
use crate::events::Event;
use crate::on_connection;
use crate::service::ForViewer as _;
use crate::service::article_views::Article;
use crate::service::counters::Counters as _;

/// Favorites an article; favoriting twice counts once (the primary key decides).
pub async fn favorite(db: &Session, viewer: Viewer, slug: &str) -> Result<Article, AppError> {
    let slug = slug.to_owned();
    let article = on_connection!(db.for_viewer(viewer), async move |conn| {
        let article = conn
            .write_transaction(async |conn| {
                let mut article = conn.lock_article(&slug).await?.ok_or(ARTICLE_NOT_FOUND)?;
                // With the article locked no other favorite of it can change, so the check
                // cannot go stale before the insert.
                if !conn.has_favorited(viewer.user_id, article.id).await? {
                    conn.count_favorite(viewer.user_id, article.id, 1).await?;
                    let row = FavoriteRow {
                        user_id: viewer.user_id,
                        article_id: article.id,
                        created_at: crate::service::now(),
                    };
                    diesel::insert_into(favorites::table)
                        .values(&row)
                        .execute(conn)
                        .await
                        .map_err(|error| not_found_if_gone(error, ARTICLE_NOT_FOUND))?;
                    article.favorites_count += 1;
                }
                Ok(article)
            })
            .await?;
        conn.single(Some(viewer), article).await
    })?;
    // The favorites count changed (or stayed: announcing it again is harmless).
    db.events().publish(Event::ArticleUpdated {
        article_id: article.id,
    });
    Ok(article)
}

pub async fn unfavorite(db: &Session, viewer: Viewer, slug: &str) -> Result<Article, AppError> {
    let slug = slug.to_owned();
    let article = on_connection!(db.for_viewer(viewer), async move |conn| {
        let article = conn
            .write_transaction(async |conn| {
                let mut article = conn.lock_article(&slug).await?.ok_or(ARTICLE_NOT_FOUND)?;
                let deleted = diesel::delete(
                    favorites::table
                        .filter(favorites::user_id.eq(viewer.user_id))
                        .filter(favorites::article_id.eq(article.id)),
                )
                .execute(conn)
                .await?;
                if deleted > 0 {
                    conn.count_favorite(viewer.user_id, article.id, -1).await?;
                    article.favorites_count -= 1;
                }
                Ok(article)
            })
            .await?;
        conn.single(Some(viewer), article).await
    })?;
    // The favorites count changed (or stayed: announcing it again is harmless).
    db.events().publish(Event::ArticleUpdated {
        article_id: article.id,
    });
    Ok(article)
}
