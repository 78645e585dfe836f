//! Articles in GraphQL: lookups, lists as connections, the feed, tags, and the article mutations.

use async_graphql::{
    Context, ErrorExtensions as _, InputObject, MaybeUndefined, Object, SimpleObject,
};

use super::context::ContextExt as _;
use super::error::graphql_error;
use super::loaders::prime_for_articles;
use super::types::{
    ArticleConnection, ArticleNode, connection, page_from_arguments, patch, selects_body,
};
use crate::service::articles::{self, ArticleFilter, ArticleList, ArticleUpdate, NewArticle};
use crate::service::paging::Page;
use crate::service::tags;

/// A page of articles as a connection, with the loaders primed for what the query nests in it.
async fn primed_connection(
    context: &Context<'_>,
    list: ArticleList,
    page: Page,
) -> async_graphql::Result<ArticleConnection> {
    prime_for_articles(context, &list.articles)
        .await
        .map_err(|error| error.extend())?;
    Ok(connection(list, page))
}

#[derive(Default)]
pub struct ArticleQuery;

#[Object]
impl ArticleQuery {
    /// The article with this slug (NOT_FOUND if there is none).
    async fn article(
        &self,
        context: &Context<'_>,
        slug: String,
    ) -> async_graphql::Result<ArticleNode> {
        let article = articles::get_article(context.db(), context.viewer()?, &slug)
            .await
            .map_err(graphql_error)?;
        Ok(ArticleNode(article))
    }

    /// Articles, newest first (ties: the newer id first), optionally filtered (filters combine
    /// with AND). Page with `first` + `after` (an `endCursor`: page N costs what page 1 costs) or
    /// `first` + `offset` (not both); `first` is 1–100, default 20. A cursor that is not one of
    /// this server's is VALIDATION_FAILED on `after`: start again without it.
    #[expect(
        clippy::too_many_arguments,
        reason = "one argument per GraphQL field argument"
    )]
    async fn articles(
        &self,
        context: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        offset: Option<i32>,
        tag: Option<String>,
        #[graphql(desc = "Username of the author.")] author: Option<String>,
        #[graphql(desc = "Username of a user who favorited the articles.")] favorited_by: Option<
            String,
        >,
    ) -> async_graphql::Result<ArticleConnection> {
        let page = page_from_arguments(first, after, offset)?;
        let filter = ArticleFilter::new(tag, author, favorited_by);
        let with_body = selects_body(context);
        let list =
            articles::list_articles(context.db(), context.viewer()?, &filter, page, with_body)
                .await
                .map_err(graphql_error)?;
        primed_connection(context, list, page).await
    }

    /// Articles by the users the viewer follows, newest first (UNAUTHENTICATED without a token);
    /// paged as `articles`.
    async fn feed(
        &self,
        context: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        offset: Option<i32>,
    ) -> async_graphql::Result<ArticleConnection> {
        let viewer = context.require_viewer()?;
        let page = page_from_arguments(first, after, offset)?;
        let list = articles::feed(context.db(), viewer, page, selects_body(context))
            .await
            .map_err(graphql_error)?;
        primed_connection(context, list, page).await
    }

    /// Every tag in use, most used first.
    async fn tags(&self, context: &Context<'_>) -> async_graphql::Result<Vec<String>> {
        tags::list_tags(context.db()).await.map_err(graphql_error)
    }
}

#[derive(InputObject)]
pub struct CreateArticleInput {
    pub title: String,
    pub description: String,
    pub body: String,
    #[graphql(default)]
    pub tag_list: Vec<String>,
}

/// Fields left out keep their value; a new title makes a new slug.
#[derive(InputObject)]
pub struct UpdateArticleInput {
    pub slug: String,
    pub title: MaybeUndefined<String>,
    pub description: MaybeUndefined<String>,
    pub body: MaybeUndefined<String>,
    /// `[]` removes every tag.
    pub tag_list: MaybeUndefined<Vec<String>>,
}

#[derive(InputObject)]
pub struct ArticleSlugInput {
    pub slug: String,
}

#[derive(SimpleObject)]
pub struct ArticlePayload {
    pub article: ArticleNode,
}

#[derive(SimpleObject)]
pub struct DeleteArticlePayload {
    pub deleted_slug: String,
}

#[derive(Default)]
pub struct ArticleMutation;

#[Object]
impl ArticleMutation {
    /// Publishes an article by the viewer. Past the viewer's write quota (articles and comments,
    /// shared with REST) RATE_LIMITED, with `extensions.retryAfter` in seconds.
    async fn create_article(
        &self,
        context: &Context<'_>,
        input: CreateArticleInput,
    ) -> async_graphql::Result<ArticlePayload> {
        let viewer = context.require_viewer()?;
        let input = NewArticle {
            title: Some(input.title),
            description: Some(input.description),
            body: Some(input.body),
            tag_list: Some(input.tag_list),
        };
        let article = articles::create_article(context.db(), context.state(), viewer, input)
            .await
            .map_err(graphql_error)?;
        Ok(ArticlePayload {
            article: ArticleNode(article),
        })
    }

    /// Only the author may update (FORBIDDEN otherwise).
    async fn update_article(
        &self,
        context: &Context<'_>,
        input: UpdateArticleInput,
    ) -> async_graphql::Result<ArticlePayload> {
        let viewer = context.require_viewer()?;
        let update = ArticleUpdate {
            title: patch(input.title),
            description: patch(input.description),
            body: patch(input.body),
            tag_list: patch(input.tag_list),
        };
        let article = articles::update_article(context.db(), viewer, &input.slug, update)
            .await
            .map_err(graphql_error)?;
        Ok(ArticlePayload {
            article: ArticleNode(article),
        })
    }

    /// Only the author may delete (FORBIDDEN otherwise).
    async fn delete_article(
        &self,
        context: &Context<'_>,
        input: ArticleSlugInput,
    ) -> async_graphql::Result<DeleteArticlePayload> {
        let viewer = context.require_viewer()?;
        articles::delete_article(context.db(), viewer, &input.slug)
            .await
            .map_err(graphql_error)?;
        Ok(DeleteArticlePayload {
            deleted_slug: input.slug,
        })
    }

    /// Favoriting twice counts once.
    async fn favorite_article(
        &self,
        context: &Context<'_>,
        input: ArticleSlugInput,
    ) -> async_graphql::Result<ArticlePayload> {
        let viewer = context.require_viewer()?;
        let article = articles::favorite(context.db(), viewer, &input.slug)
            .await
            .map_err(graphql_error)?;
        Ok(ArticlePayload {
            article: ArticleNode(article),
        })
    }

    async fn unfavorite_article(
        &self,
        context: &Context<'_>,
        input: ArticleSlugInput,
    ) -> async_graphql::Result<ArticlePayload> {
        let viewer = context.require_viewer()?;
        let article = articles::unfavorite(context.db(), viewer, &input.slug)
            .await
            .map_err(graphql_error)?;
        Ok(ArticlePayload {
            article: ArticleNode(article),
        })
    }
}
