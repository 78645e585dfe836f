//! Live updates as streams of views: what GraphQL subscriptions and server-sent events deliver,
//! written once for both.
//!
//! Each stream subscribes to the event service ([`crate::events`]) when it is created, keeps the
//! events that match its filter (by their keys, without I/O) and, for each, reads the current
//! view as its viewer sees it (one short database operation per delivered item, on a session of
//! its own). An item that is gone again by the time it is read is skipped; another failure is
//! delivered as [`LiveError::Failed`] and the stream goes on; falling behind ends the stream with
//! one [`LiveError::Lagged`]. At-most-once: nothing published before the stream was created is
//! delivered (see [`comments::comments_since`](super::comments::comments_since) for a replay).

use std::sync::Arc;

use futures_util::future::BoxFuture;
use futures_util::{FutureExt as _, Stream, StreamExt as _};

use super::article_views::Article;
use super::comments::Comment;
use super::{articles, comments, profiles};
use crate::auth::Viewer;
use crate::error::AppError;
use crate::events::{Event, Lagged};
use crate::state::AppState;

/// Why a live stream could not deliver an item.
#[derive(Debug, thiserror::Error)]
pub enum LiveError {
    /// The subscriber fell behind; the stream ends after this.
    #[error(transparent)]
    Lagged(#[from] Lagged),
    /// Reading the item failed (e.g. the database is unavailable); the stream goes on.
    #[error(transparent)]
    Failed(#[from] AppError),
}

/// A deleted comment: its id and its article's slug at the time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeletedComment {
    pub id: i32,
    pub slug: String,
}

/// Which new articles a stream wants: all, or those with a tag and/or by an author (username).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PublishedFilter {
    pub tag: Option<String>,
    pub author: Option<String>,
}

/// The items of a live stream.
pub type LiveItem<T> = Result<T, LiveError>;

/// Comments added to the article `article_id` from now on.
pub fn comments_added(
    state: &AppState,
    viewer: Option<Viewer>,
    article_id: i32,
) -> impl Stream<Item = LiveItem<Comment>> + Send + use<> {
    deliver(state, viewer, move |live, event| match *event {
        Event::CommentAdded {
            article_id: of,
            comment_id,
        } if of == article_id => Some(live.added_comment(comment_id).boxed()),
        _ => None,
    })
}

/// Comments deleted from the article `article_id` from now on.
pub fn comments_deleted(
    state: &AppState,
    viewer: Option<Viewer>,
    article_id: i32,
) -> impl Stream<Item = LiveItem<DeletedComment>> + Send + use<> {
    deliver(state, viewer, move |live, event| match *event {
        Event::CommentDeleted {
            article_id: of,
            comment_id,
        } if of == article_id => Some(live.deleted_comment(of, comment_id).boxed()),
        _ => None,
    })
}

/// A comment added to or deleted from an article.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CommentChange {
    Added(Comment),
    Deleted(DeletedComment),
}

/// Comments added to and deleted from the article `article_id` from now on, in the order they
/// happened (one subscription: the server-sent events of an article's comments).
pub fn comment_changes(
    state: &AppState,
    viewer: Option<Viewer>,
    article_id: i32,
) -> impl Stream<Item = LiveItem<CommentChange>> + Send + use<> {
    deliver(state, viewer, move |live, event| match *event {
        Event::CommentAdded {
            article_id: of,
            comment_id,
        } if of == article_id => Some(
            async move {
                let comment = live.added_comment(comment_id).await?;
                Ok(comment.map(CommentChange::Added))
            }
            .boxed(),
        ),
        Event::CommentDeleted {
            article_id: of,
            comment_id,
        } if of == article_id => Some(
            async move {
                let deleted = live.deleted_comment(of, comment_id).await?;
                Ok(deleted.map(CommentChange::Deleted))
            }
            .boxed(),
        ),
        _ => None,
    })
}

/// Articles published from now on that match `filter`.
pub fn articles_published(
    state: &AppState,
    viewer: Option<Viewer>,
    filter: PublishedFilter,
) -> impl Stream<Item = LiveItem<Article>> + Send + use<> {
    deliver(state, viewer, move |live, event| match &*event {
        Event::ArticlePublished {
            article_id,
            author,
            tags,
            ..
        } if filter.tag.as_ref().is_none_or(|tag| tags.contains(tag))
            && filter.author.as_ref().is_none_or(|wanted| wanted == author) =>
        {
            let article_id = *article_id;
            Some(async move { live.article(article_id).await.map(Some) }.boxed())
        }
        _ => None,
    })
}

/// Changes to the article `article_id` from now on (fields, tags, favorites count; its slug too).
pub fn articles_updated(
    state: &AppState,
    viewer: Option<Viewer>,
    article_id: i32,
) -> impl Stream<Item = LiveItem<Article>> + Send + use<> {
    deliver(state, viewer, move |live, event| match *event {
        Event::ArticleUpdated { article_id: of } if of == article_id => {
            Some(async move { live.article(of).await.map(Some) }.boxed())
        }
        _ => None,
    })
}

/// Articles published from now on by the users `viewer` follows at the time each is published.
pub fn feed_published(
    state: &AppState,
    viewer: Viewer,
) -> impl Stream<Item = LiveItem<Article>> + Send + use<> {
    deliver(state, Some(viewer), move |live, event| match *event {
        Event::ArticlePublished {
            article_id,
            author_id,
            ..
        } => Some(
            async move {
                let session = live.state.session();
                if !profiles::is_following(&session, viewer, author_id).await? {
                    return Ok(None);
                }
                drop(session);
                live.article(article_id).await.map(Some)
            }
            .boxed(),
        ),
        _ => None,
    })
}

/// How a stream reads the item an event stands for (`Ok(None)`: not for this viewer after all).
type ReadItem<T> = BoxFuture<'static, Result<Option<T>, AppError>>;

/// What reading an item needs: the state and the viewer.
#[derive(Clone)]
struct Live {
    state: AppState,
    viewer: Option<Viewer>,
}

impl Live {
    async fn article(&self, article_id: i32) -> Result<Article, AppError> {
        let session = self.state.session();
        articles::get_article_by_id(&session, self.viewer, article_id).await
    }

    async fn added_comment(self, comment_id: i32) -> Result<Option<Comment>, AppError> {
        let session = self.state.session();
        let comment = comments::get_comment(&session, self.viewer, comment_id).await?;
        Ok(Some(comment))
    }

    async fn deleted_comment(
        self,
        article_id: i32,
        comment_id: i32,
    ) -> Result<Option<DeletedComment>, AppError> {
        // Read now: the article may have been renamed since the stream started.
        let article = self.article(article_id).await?;
        Ok(Some(DeletedComment {
            id: comment_id,
            slug: article.slug,
        }))
    }
}

/// Subscribes now and turns each event into an item: `select` picks the events the stream wants
/// (at once, without I/O) and returns how to read the item. See the module docs for failures.
fn deliver<T, F>(
    state: &AppState,
    viewer: Option<Viewer>,
    mut select: F,
) -> impl Stream<Item = LiveItem<T>> + Send + use<T, F>
where
    F: FnMut(Live, Arc<Event>) -> Option<ReadItem<T>> + Send + 'static,
    T: Send + 'static,
{
    let live = Live {
        state: state.clone(),
        viewer,
    };
    let subscriber = state.events().subscribe();
    subscriber.into_stream().filter_map(move |item| {
        let read = item.map(|event| select(live.clone(), event));
        async move {
            match read {
                Ok(None) => None,
                Ok(Some(read)) => match read.await {
                    Ok(value) => value.map(Ok),
                    Err(AppError::NotFound { .. }) => None,
                    Err(error) => Some(Err(LiveError::Failed(error))),
                },
                Err(lagged) => {
                    tracing::info!(%lagged, "dropped a slow subscriber");
                    Some(Err(LiveError::Lagged(lagged)))
                }
            }
        }
    })
}
