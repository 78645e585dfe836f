//! Comments in GraphQL: read them through `Article.comments`; add and delete them here.

use async_graphql::{Context, ID, InputObject, Object, SimpleObject};

use super::context::ContextExt as _;
use super::error::graphql_error;
use super::types::CommentNode;
use crate::service::comments;

#[derive(InputObject)]
pub struct AddCommentInput {
    /// The article's slug.
    pub slug: String,
    pub body: String,
}

#[derive(InputObject)]
pub struct DeleteCommentInput {
    pub slug: String,
    pub id: ID,
}

#[derive(SimpleObject)]
pub struct CommentPayload {
    pub comment: CommentNode,
}

#[derive(SimpleObject)]
pub struct DeleteCommentPayload {
    pub deleted_id: ID,
}

#[derive(Default)]
pub struct CommentMutation;

#[Object]
impl CommentMutation {
    /// Comments on an article as the viewer. Past the viewer's write quota (articles and
    /// comments, shared with REST) RATE_LIMITED, with `extensions.retryAfter` in seconds.
    async fn add_comment(
        &self,
        context: &Context<'_>,
        input: AddCommentInput,
    ) -> async_graphql::Result<CommentPayload> {
        let viewer = context.require_viewer()?;
        let comment = comments::add_comment(
            context.db(),
            context.state(),
            viewer,
            &input.slug,
            Some(input.body),
        )
        .await
        .map_err(graphql_error)?;
        Ok(CommentPayload {
            comment: CommentNode(comment),
        })
    }

    /// Only the comment's author may delete it (FORBIDDEN otherwise).
    async fn delete_comment(
        &self,
        context: &Context<'_>,
        input: DeleteCommentInput,
    ) -> async_graphql::Result<DeleteCommentPayload> {
        let viewer = context.require_viewer()?;
        comments::delete_comment(context.db(), viewer, &input.slug, input.id.as_str())
            .await
            .map_err(graphql_error)?;
        Ok(DeleteCommentPayload {
            deleted_id: input.id,
        })
    }
}
