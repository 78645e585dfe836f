//! DataLoaders: per request, they gather the keys that nested fields ask for while a level of the
//! query resolves and load them with one batch call into the service layer.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Arc;

use async_graphql::dataloader::{DataLoader, HashMapCache, Loader};
use async_graphql::{Context, Lookahead, Value};

use crate::auth::Viewer;
use crate::db::Session;
use crate::error::AppError;
use crate::service::article_views::Article;
use crate::service::articles;
use crate::service::comments::{self, Comment};

use crate::service::paging::{ARTICLE_COMMENTS, AUTHOR_ARTICLES, NestedLimit};

/// The loaders as the request holds them (per request, with a cache so that they can be primed).
pub type RequestLoader<T> = DataLoader<T, HashMapCache>;

/// Loads, in one batch per loader, what the selection under a list of articles will ask for, and
/// primes the loaders with it. DataLoaders alone batch only what arrives within their delay, so a
/// slow page could split into several batches; priming makes the count fixed. The keys carry the
/// `first` argument of the nested field, read from the look-ahead, so SQL reads exactly as many
/// rows per parent as the query shows.
pub async fn prime_for_articles(
    context: &Context<'_>,
    articles: &[Article],
) -> Result<(), Arc<AppError>> {
    let selection = context.look_ahead();
    let nodes = [
        selection.field("edges").field("node"),
        selection.field("nodes"),
    ];
    let comment_lengths = lengths(
        nodes.iter().map(|node| node.field("comments")),
        ARTICLE_COMMENTS,
    );
    for first in comment_lengths {
        let keys = articles.iter().map(|article| (article.id, first)).collect();
        prime(
            context.data_unchecked::<RequestLoader<CommentsByArticle>>(),
            keys,
        )
        .await?;
    }
    let article_lengths = lengths(
        nodes
            .iter()
            .map(|node| node.field("author").field("articles")),
        AUTHOR_ARTICLES,
    );
    for first in article_lengths {
        let mut keys: Vec<(i32, usize)> = articles
            .iter()
            .map(|article| (article.author.user_id, first))
            .collect();
        keys.sort_unstable();
        keys.dedup();
        prime(
            context.data_unchecked::<RequestLoader<ArticlesByAuthor>>(),
            keys,
        )
        .await?;
    }
    Ok(())
}

/// The distinct `first` arguments of the selected list fields (the limit's default where a field
/// leaves it out; values the limit does not allow are skipped, their resolver refuses them), in
/// order.
fn lengths<'a>(fields: impl Iterator<Item = Lookahead<'a>>, limit: NestedLimit) -> BTreeSet<usize> {
    fields
        .flat_map(|field| field.selection_fields())
        .filter_map(|field| {
            let arguments = field.arguments().ok()?;
            let first = arguments
                .iter()
                .find(|(name, _)| name.as_str() == "first")
                .map(|(_, value)| match value {
                    Value::Number(number) => number.as_u64().and_then(|n| usize::try_from(n).ok()),
                    _ => None,
                });
            match first {
                None => Some(limit.default),
                Some(first) => first.filter(|first| limit.allows(*first)),
            }
        })
        .collect()
}

async fn prime<T>(
    loader: &RequestLoader<T>,
    keys: Vec<ParentAndLength>,
) -> Result<(), Arc<AppError>>
where
    T: Loader<ParentAndLength, Error = Arc<AppError>>,
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

/// A nested list's key: the parent's id and how many items the field asks for (`first`).
pub type ParentAndLength = (i32, usize);

/// Loads `keys` with one call of `load(parent ids, length)` per distinct length: one call,
/// unless aliases ask for lists of different lengths.
async fn per_length<V, F>(
    keys: &[ParentAndLength],
    load: impl Fn(Vec<i32>, usize) -> F,
) -> Result<HashMap<ParentAndLength, V>, Arc<AppError>>
where
    F: Future<Output = Result<HashMap<i32, V>, AppError>>,
{
    let mut parents_by_length: BTreeMap<usize, Vec<i32>> = BTreeMap::new();
    for &(parent, length) in keys {
        parents_by_length.entry(length).or_default().push(parent);
    }
    let mut values = HashMap::new();
    for (length, parents) in parents_by_length {
        for (parent, value) in load(parents, length).await? {
            values.insert((parent, length), value);
        }
    }
    Ok(values)
}

/// An article's latest comments, newest first, keyed by article id and length.
pub struct CommentsByArticle {
    pub db: Session,
    pub viewer: Option<Viewer>,
}

impl Loader<ParentAndLength> for CommentsByArticle {
    type Value = Vec<Comment>;
    type Error = Arc<AppError>;

    async fn load(
        &self,
        keys: &[ParentAndLength],
    ) -> Result<HashMap<ParentAndLength, Vec<Comment>>, Arc<AppError>> {
        per_length(keys, |article_ids, length| {
            comments::comments_by_article(&self.db, self.viewer, article_ids, length)
        })
        .await
    }
}

/// An author's latest articles, newest first, keyed by user id and length.
pub struct ArticlesByAuthor {
    pub db: Session,
    pub viewer: Option<Viewer>,
}

impl Loader<ParentAndLength> for ArticlesByAuthor {
    type Value = Vec<Article>;
    type Error = Arc<AppError>;

    async fn load(
        &self,
        keys: &[ParentAndLength],
    ) -> Result<HashMap<ParentAndLength, Vec<Article>>, Arc<AppError>> {
        per_length(keys, |author_ids, length| {
            articles::latest_by_authors(&self.db, self.viewer, author_ids, length)
        })
        .await
    }
}
