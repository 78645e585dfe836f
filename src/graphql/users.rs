//! Users and authentication in GraphQL: the `viewer` query and the `register`, `login` and
//! `updateViewer` mutations, over the same service functions as REST.

use async_graphql::{Context, InputObject, MaybeUndefined, Object, SimpleObject};

use super::context::ContextExt as _;
use super::error::graphql_error;
use super::types::patch;
use crate::service::users::{self, AuthenticatedUser, Credentials, Registration, UserUpdate};

/// The signed-in user.
#[derive(SimpleObject)]
pub struct CurrentUser {
    pub username: String,
    pub email: String,
    pub bio: Option<String>,
    pub image: Option<String>,
}

/// What `register`, `login` and `updateViewer` return: the user and a fresh token to send as
/// `Authorization: Bearer <token>`.
#[derive(SimpleObject)]
pub struct AuthPayload {
    pub token: String,
    pub viewer: CurrentUser,
}

impl From<AuthenticatedUser> for AuthPayload {
    fn from(user: AuthenticatedUser) -> Self {
        AuthPayload {
            token: user.token,
            viewer: CurrentUser {
                username: user.username,
                email: user.email,
                bio: user.bio,
                image: user.image,
            },
        }
    }
}

#[derive(InputObject)]
pub struct RegisterInput {
    pub username: String,
    pub email: String,
    /// At least 8 characters.
    pub password: String,
}

#[derive(InputObject)]
pub struct LoginInput {
    pub email: String,
    pub password: String,
}

/// Fields left out keep their value; `bio`/`image` set to `null` or `""` are cleared; `password`
/// set to `null` or `""` keeps the current password (settings forms send an empty password box
/// with every save). An input that changes nothing (no field, or only an empty password) is a
/// VALIDATION_FAILED error, `user: has no field to update`.
#[derive(InputObject)]
pub struct UpdateViewerInput {
    pub username: MaybeUndefined<String>,
    pub email: MaybeUndefined<String>,
    pub password: MaybeUndefined<String>,
    pub bio: MaybeUndefined<String>,
    /// An absolute `http://` or `https://` URL; `null` or `""` clears it.
    pub image: MaybeUndefined<String>,
}

#[derive(Default)]
pub struct UserQuery;

#[Object]
impl UserQuery {
    /// The signed-in user, or null for an anonymous request. An invalid or expired token is an
    /// UNAUTHENTICATED error.
    async fn viewer(&self, context: &Context<'_>) -> async_graphql::Result<Option<CurrentUser>> {
        let Some(viewer) = context.viewer()? else {
            return Ok(None);
        };
        let user = users::current_user(context.db(), context.state(), viewer)
            .await
            .map_err(graphql_error)?;
        Ok(Some(AuthPayload::from(user).viewer))
    }
}

#[derive(Default)]
pub struct UserMutation;

#[Object]
impl UserMutation {
    /// Creates an account and signs it in. Counts against the client address's and the
    /// email's credential budgets (shared with REST): past them RATE_LIMITED, with
    /// `extensions.retryAfter` in seconds.
    async fn register(
        &self,
        context: &Context<'_>,
        input: RegisterInput,
    ) -> async_graphql::Result<AuthPayload> {
        context.claim_credential_operation()?;
        let input = Registration {
            username: Some(input.username),
            email: Some(input.email),
            password: Some(input.password),
        };
        let user = users::register(context.db(), context.state(), context.client(), input)
            .await
            .map_err(graphql_error)?;
        Ok(user.into())
    }

    /// Exchanges email and password for a token. Counts against the client address's and the
    /// email's credential budgets (shared with REST): past them RATE_LIMITED, with
    /// `extensions.retryAfter` in seconds.
    async fn login(
        &self,
        context: &Context<'_>,
        input: LoginInput,
    ) -> async_graphql::Result<AuthPayload> {
        context.claim_credential_operation()?;
        let input = Credentials {
            email: Some(input.email),
            password: Some(input.password),
        };
        let user = users::login(context.db(), context.state(), context.client(), input)
            .await
            .map_err(graphql_error)?;
        Ok(user.into())
    }

    /// Changes the signed-in user's fields; the returned token replaces the old one.
    async fn update_viewer(
        &self,
        context: &Context<'_>,
        input: UpdateViewerInput,
    ) -> async_graphql::Result<AuthPayload> {
        let viewer = context.require_viewer()?;
        let input = UserUpdate {
            username: patch(input.username),
            email: patch(input.email),
            password: patch(input.password),
            bio: patch(input.bio),
            image: patch(input.image),
        };
        // A new password is hashed: a credential operation. No password, or an empty one (which
        // keeps the current password), is not.
        if input.new_password().is_some() {
            context.claim_credential_operation()?;
        }
        let user = users::update_user(context.db(), context.state(), viewer, input)
            .await
            .map_err(graphql_error)?;
        Ok(user.into())
    }
}
