//! GraphQL subscriptions: live updates ([`crate::service::live`]) served over WebSocket
//! ([`super::websocket`]).
//!
//! Items are read for the connection's viewer (so `viewerHasFavorited` and `viewerIsFollowing`
//! are the viewer's own). Delivery is at-most-once: nothing is replayed after a reconnect. A
//! subscriber that falls `EVENTS_BUFFER` events behind gets one `SLOW_CONSUMER` error and its
//! subscription completes.

use async_graphql::{Context, ErrorExtensions as _, ID, SimpleObject, Subscription};
use futures_util::{Stream, StreamExt as _};

use super::context::ContextExt as _;
use super::error::graphql_error;
use super::types::{ArticleNode, CommentNode};
use crate::service::articles;
use crate::service::live::{self, LiveError, LiveItem, PublishedFilter};

/// The error code of a subscription ended because its subscriber fell behind.
pub const SLOW_CONSUMER: &str = "SLOW_CONSUMER";

/// A comment that was deleted.
#[derive(SimpleObject)]
pub struct DeletedComment {
    /// The deleted comment's id.
    pub id: ID,
    /// The slug of its article when it was deleted.
    pub slug: String,
}

#[derive(Default)]
pub struct EventSubscription;

#[Subscription(name = "Subscription")]
impl EventSubscription {
    /// Comments added to the article `slug` from now on. NOT_FOUND for an unknown slug.
    async fn comment_added(
        &self,
        context: &Context<'_>,
        slug: String,
    ) -> async_graphql::Result<impl Stream<Item = async_graphql::Result<CommentNode>> + use<>> {
        let article_id = article_id(context, &slug).await?;
        let stream = live::comments_added(context.state(), context.viewer()?, article_id);
        Ok(items(stream, CommentNode))
    }

    /// Comments deleted from the article `slug` from now on. NOT_FOUND for an unknown slug.
    async fn comment_deleted(
        &self,
        context: &Context<'_>,
        slug: String,
    ) -> async_graphql::Result<impl Stream<Item = async_graphql::Result<DeletedComment>> + use<>>
    {
        let article_id = article_id(context, &slug).await?;
        let stream = live::comments_deleted(context.state(), context.viewer()?, article_id);
        Ok(items(stream, |deleted| DeletedComment {
            id: ID::from(deleted.id.to_string()),
            slug: deleted.slug,
        }))
    }

    /// Articles published from now on, optionally only those with the tag `tag` and/or by the
    /// user `author` (a username).
    async fn article_published(
        &self,
        context: &Context<'_>,
        tag: Option<String>,
        author: Option<String>,
    ) -> async_graphql::Result<impl Stream<Item = async_graphql::Result<ArticleNode>> + use<>> {
        let filter = PublishedFilter { tag, author };
        let stream = live::articles_published(context.state(), context.viewer()?, filter);
        Ok(items(stream, ArticleNode))
    }

    /// Changes to the article `slug` from now on: its fields, tags or favorites count. It is
    /// still followed when a new title changes its slug. NOT_FOUND for an unknown slug.
    async fn article_updated(
        &self,
        context: &Context<'_>,
        slug: String,
    ) -> async_graphql::Result<impl Stream<Item = async_graphql::Result<ArticleNode>> + use<>> {
        let article_id = article_id(context, &slug).await?;
        let stream = live::articles_updated(context.state(), context.viewer()?, article_id);
        Ok(items(stream, ArticleNode))
    }

    /// Articles published from now on by the users the viewer follows (at the time each is
    /// published). UNAUTHENTICATED without a token in `connection_init`.
    async fn feed_article_published(
        &self,
        context: &Context<'_>,
    ) -> async_graphql::Result<impl Stream<Item = async_graphql::Result<ArticleNode>> + use<>> {
        let viewer = context.require_viewer()?;
        let stream = live::feed_published(context.state(), viewer);
        Ok(items(stream, ArticleNode))
    }
}

/// The id of the article `slug` (NOT_FOUND otherwise): subscriptions follow the article, not its
/// slug, which a new title changes.
async fn article_id(context: &Context<'_>, slug: &str) -> async_graphql::Result<i32> {
    let session = context.state().session();
    let article = articles::get_article(&session, context.viewer()?, slug).await;
    Ok(article.map_err(graphql_error)?.id)
}

/// A live stream as subscription items.
fn items<T, U>(
    stream: impl Stream<Item = LiveItem<T>> + Send,
    node: impl Fn(T) -> U + Send,
) -> impl Stream<Item = async_graphql::Result<U>> + Send {
    stream.map(move |item| match item {
        Ok(value) => Ok(node(value)),
        Err(LiveError::Failed(error)) => Err(graphql_error(error)),
        Err(LiveError::Lagged(lagged)) => Err(async_graphql::Error::new(lagged.to_string())
            .extend_with(|_, extensions| extensions.set("code", SLOW_CONSUMER))),
    })
}
