//! GraphQL object types over the service's view types. Fields that reach beyond the view (an
//! article's comments, an author's articles) go through the request's DataLoaders, so a list
//! costs a fixed number of statements however many items it has.

use async_graphql::connection::{Connection, CursorType as _, Edge};
use async_graphql::{Context, ErrorExtensions as _, Object, SimpleObject};

use std::sync::Arc;

use super::context::ContextExt as _;
use super::cursor::ArticleCursor;
use super::loaders::{ArticlesByAuthor, CommentsByArticle, RequestLoader};
use crate::error::AppError;
use crate::service::article_views::Article;
use crate::service::articles::ArticleList;
use crate::service::comments::Comment;
use crate::service::paging::{ARTICLE_COMMENTS, AUTHOR_ARTICLES, Page, Position, Start};
use crate::service::profiles::Profile;
use crate::service::timestamp;
use crate::service::{articles, comments};

/// `Profile.articles`' default `first` ([`AUTHOR_ARTICLES`]), for `default_with`.
const AUTHOR_ARTICLES_DEFAULT: usize = AUTHOR_ARTICLES.default;
/// `Article.comments`' default `first` ([`ARTICLE_COMMENTS`]), for `default_with`.
const COMMENTS_DEFAULT: usize = ARTICLE_COMMENTS.default;

pub struct ArticleNode(pub Article);

#[Object(name = "Article")]
impl ArticleNode {
    async fn slug(&self) -> &str {
        &self.0.slug
    }
    async fn title(&self) -> &str {
        &self.0.title
    }
    async fn description(&self) -> &str {
        &self.0.description
    }
    async fn body(&self) -> &str {
        self.0.body.as_deref().unwrap_or_default()
    }
    /// Sorted alphabetically.
    async fn tag_list(&self) -> &[String] {
        &self.0.tag_list
    }
    /// UTC with milliseconds, e.g. `2016-02-18T03:22:56.637Z`.
    async fn created_at(&self) -> String {
        timestamp::format(&self.0.created_at)
    }
    async fn updated_at(&self) -> String {
        timestamp::format(&self.0.updated_at)
    }
    async fn favorites_count(&self) -> i64 {
        self.0.favorites_count
    }
    /// False for anonymous requests.
    async fn viewer_has_favorited(&self) -> bool {
        self.0.favorited
    }
    async fn author(&self) -> ProfileNode {
        ProfileNode(self.0.author.clone())
    }
    /// The latest comments, newest first: `first` from 1 to 100, default 20 (the REST comment
    /// list has them all).
    async fn comments(
        &self,
        context: &Context<'_>,
        #[graphql(default_with = "COMMENTS_DEFAULT")] first: usize,
    ) -> async_graphql::Result<Vec<CommentNode>> {
        let first = ARTICLE_COMMENTS
            .check(first)
            .map_err(|error| error.extend())?;
        let comments = match context.data_opt::<RequestLoader<CommentsByArticle>>() {
            Some(loader) => loader.load_one((self.0.id, first)).await,
            // A subscription's item: one article, nothing to batch.
            None => {
                let db = context.state().session();
                comments::comments_by_article(&db, context.viewer()?, vec![self.0.id], first)
                    .await
                    .map(|mut by_article| by_article.remove(&self.0.id))
                    .map_err(Arc::new)
            }
        };
        let comments = comments
            .map_err(|error| error.extend())?
            .unwrap_or_default();
        Ok(comments.into_iter().map(CommentNode).collect())
    }
}

pub struct ProfileNode(pub Profile);

#[Object(name = "Profile")]
impl ProfileNode {
    async fn username(&self) -> &str {
        &self.0.username
    }
    async fn bio(&self) -> Option<&str> {
        self.0.bio.as_deref()
    }
    async fn image(&self) -> Option<&str> {
        self.0.image.as_deref()
    }
    /// False for anonymous requests.
    async fn viewer_is_following(&self) -> bool {
        self.0.following
    }
    /// The author's latest articles, newest first: `first` from 1 to 20, default 5.
    async fn articles(
        &self,
        context: &Context<'_>,
        #[graphql(default_with = "AUTHOR_ARTICLES_DEFAULT")] first: usize,
    ) -> async_graphql::Result<Vec<ArticleNode>> {
        let first = AUTHOR_ARTICLES
            .check(first)
            .map_err(|error| error.extend())?;
        let articles = match context.data_opt::<RequestLoader<ArticlesByAuthor>>() {
            Some(loader) => loader.load_one((self.0.user_id, first)).await,
            // A subscription's item: one author, nothing to batch.
            None => {
                let db = context.state().session();
                let (author, viewer) = (self.0.user_id, context.viewer()?);
                articles::latest_by_authors(&db, viewer, vec![author], first)
                    .await
                    .map(|mut by_author| by_author.remove(&author))
                    .map_err(Arc::new)
            }
        };
        let articles = articles
            .map_err(|error| error.extend())?
            .unwrap_or_default();
        Ok(articles.into_iter().map(ArticleNode).collect())
    }
}

pub struct CommentNode(pub Comment);

#[Object(name = "Comment")]
impl CommentNode {
    async fn id(&self) -> i32 {
        self.0.id
    }
    async fn body(&self) -> &str {
        &self.0.body
    }
    async fn created_at(&self) -> String {
        timestamp::format(&self.0.created_at)
    }
    async fn updated_at(&self) -> String {
        timestamp::format(&self.0.updated_at)
    }
    async fn author(&self) -> ProfileNode {
        ProfileNode(self.0.author.clone())
    }
}

/// Extra fields of an article connection.
#[derive(SimpleObject)]
pub struct ArticleConnectionFields {
    /// All matches, not just this page.
    pub total_count: i64,
}

/// Cursors are positions, `(created_at, id)` (see [`cursor`](super::cursor)).
pub type ArticleConnection = Connection<ArticleCursor, ArticleNode, ArticleConnectionFields>;

/// The page that `first` and `after` (a cursor: a keyset page) or `offset` ask for. `after` and
/// `offset` together are refused: they would name two different starts.
pub fn page_from_arguments(
    first: Option<i32>,
    after: Option<String>,
    offset: Option<i32>,
) -> async_graphql::Result<Page> {
    let first = first.map(i64::from);
    let page = match (after, offset) {
        (Some(_), Some(_)) => Err(AppError::invalid(
            "offset",
            "cannot be combined with `after`; page with one of them",
        )),
        (Some(cursor), None) => ArticleCursor::decode_cursor(&cursor)
            .map_err(AppError::from)
            .and_then(|ArticleCursor(position)| Page::after(first, position)),
        (None, offset) => Page::new(first, offset.map(i64::from)),
    };
    page.map_err(|error| error.extend())
}

/// Whether the query under a list asks for article bodies: up to 100 × 100,000 characters that
/// are not loaded when nobody reads them.
pub fn selects_body(context: &Context<'_>) -> bool {
    let selection = context.look_ahead();
    selection
        .field("edges")
        .field("node")
        .field("body")
        .exists()
        || selection.field("nodes").field("body").exists()
}

/// A page of articles as a connection: each edge's cursor is its article's position, so
/// `endCursor` continues the list whichever way the page was asked for (cursor or offset).
/// `hasNextPage` comes from the row read past the page; `hasPreviousPage` is true after a cursor
/// or a positive offset.
pub fn connection(list: ArticleList, page: Page) -> ArticleConnection {
    let has_previous_page = match page.start {
        Start::Offset(offset) => offset > 0,
        Start::After(_) => true,
    };
    let mut connection = Connection::with_additional_fields(
        has_previous_page,
        list.has_more,
        ArticleConnectionFields {
            total_count: list.total,
        },
    );
    connection
        .edges
        .extend(list.articles.into_iter().map(|article| {
            let position = Position {
                created_at: article.created_at,
                id: article.id,
            };
            Edge::new(ArticleCursor(position), ArticleNode(article))
        }));
    connection
}

/// A GraphQL optional input field → the service's partial-update value: left out keeps the
/// field (`None`), `null` is `Some(None)`, a value is `Some(Some(value))`.
pub fn patch<T>(value: async_graphql::MaybeUndefined<T>) -> Option<Option<T>> {
    match value {
        async_graphql::MaybeUndefined::Undefined => None,
        async_graphql::MaybeUndefined::Null => Some(None),
        async_graphql::MaybeUndefined::Value(value) => Some(Some(value)),
    }
}
