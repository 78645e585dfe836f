//! DataLoaders: per request, they gather the keys that nested fields ask for while a level of the
//! query resolves and load them with one batch call into the service layer.

use std::collections::HashMap;
use std::sync::Arc;

use async_graphql::Context;
use async_graphql::dataloader::{DataLoader, HashMapCache, Loader};

use crate::auth::Viewer;
use crate::db::Session;
use crate::error::AppError;
use crate::service::article_views::Article;
use crate::service::articles;
use crate::service::comments::{self, Comment};

use super::types::AUTHOR_ARTICLES_MAX;

/// The loaders as the request holds them (per request, with a cache so that they can be primed).
pub type RequestLoader<T> = DataLoader<T, HashMapCache>;

/// Loads, in one batch per loader, what the selection under a list of articles will ask for, and
/// primes the loaders with it. DataLoaders alone batch only what arrives within their delay, so a
/// slow page could split into several batches; priming makes the count fixed.
pub async fn prime_for_articles(
    context: &Context<'_>,
    articles: &[Article],
) -> Result<(), Arc<AppError>> {
    let selection = context.look_ahead();
    let nodes = [
        selection.field("edges").field("node"),
        selection.field("nodes"),
    ];
    if nodes.iter().any(|node| node.field("comments").exists()) {
        let ids: Vec<i32> = articles.iter().map(|article| article.id).collect();
        prime(
            context.data_unchecked::<RequestLoader<CommentsByArticle>>(),
            ids,
        )
        .await?;
    }
    if nodes
        .iter()
        .any(|node| node.field("author").field("articles").exists())
    {
        let mut ids: Vec<i32> = articles
            .iter()
            .map(|article| article.author.user_id)
            .collect();
        ids.sort_unstable();
        ids.dedup();
        prime(
            context.data_unchecked::<RequestLoader<ArticlesByAuthor>>(),
            ids,
        )
        .await?;
    }
    Ok(())
}

async fn prime<T>(loader: &RequestLoader<T>, keys: Vec<i32>) -> Result<(), Arc<AppError>>
where
    T: Loader<i32, Error = Arc<AppError>>,
    T::Value: Default,
{
    let mut values = loader.loader().load(&keys).await?;
    // Keys without a value (no comments, no articles) are primed too, as empty.
    loader
        .feed_many(keys.into_iter().map(|key| {
            let value = values.remove(&key).unwrap_or_default();
            (key, value)
        }))
        .await;
    Ok(())
}

/// An article's comments, newest first, keyed by article id.
pub struct CommentsByArticle {
    pub db: Session,
    pub viewer: Option<Viewer>,
}

impl Loader<i32> for CommentsByArticle {
    type Value = Vec<Comment>;
    type Error = Arc<AppError>;

    async fn load(&self, article_ids: &[i32]) -> Result<HashMap<i32, Vec<Comment>>, Arc<AppError>> {
        Ok(comments::comments_by_article(&self.db, self.viewer, article_ids.to_vec()).await?)
    }
}

/// An author's latest articles, keyed by user id.
pub struct ArticlesByAuthor {
    pub db: Session,
    pub viewer: Option<Viewer>,
}

impl Loader<i32> for ArticlesByAuthor {
    type Value = Vec<Article>;
    type Error = Arc<AppError>;

    async fn load(&self, author_ids: &[i32]) -> Result<HashMap<i32, Vec<Article>>, Arc<AppError>> {
        Ok(articles::latest_by_authors(
            &self.db,
            self.viewer,
            author_ids.to_vec(),
            AUTHOR_ARTICLES_MAX,
        )
        .await?)
    }
}
