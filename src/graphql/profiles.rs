//! Profiles and follows in GraphQL.

use async_graphql::{Context, InputObject, Object, SimpleObject};

use super::context::ContextExt as _;
use super::error::graphql_error;
use super::types::ProfileNode;
use crate::service::profiles;

#[derive(Default)]
pub struct ProfileQuery;

#[Object]
impl ProfileQuery {
    /// The profile of `username` (NOT_FOUND if there is none).
    async fn profile(
        &self,
        context: &Context<'_>,
        username: String,
    ) -> async_graphql::Result<ProfileNode> {
        let profile = profiles::get_profile(context.db(), context.viewer()?, &username)
            .await
            .map_err(graphql_error)?;
        Ok(ProfileNode(profile))
    }
}

#[derive(InputObject)]
pub struct UsernameInput {
    pub username: String,
}

#[derive(SimpleObject)]
pub struct ProfilePayload {
    pub profile: ProfileNode,
}

#[derive(Default)]
pub struct ProfileMutation;

#[Object]
impl ProfileMutation {
    /// Following someone already followed is not an error.
    async fn follow_profile(
        &self,
        context: &Context<'_>,
        input: UsernameInput,
    ) -> async_graphql::Result<ProfilePayload> {
        let viewer = context.require_viewer()?;
        let profile = profiles::follow(context.db(), viewer, &input.username)
            .await
            .map_err(graphql_error)?;
        Ok(ProfilePayload {
            profile: ProfileNode(profile),
        })
    }

    async fn unfollow_profile(
        &self,
        context: &Context<'_>,
        input: UsernameInput,
    ) -> async_graphql::Result<ProfilePayload> {
        let viewer = context.require_viewer()?;
        let profile = profiles::unfollow(context.db(), viewer, &input.username)
            .await
            .map_err(graphql_error)?;
        Ok(ProfilePayload {
            profile: ProfileNode(profile),
        })
    }
}
