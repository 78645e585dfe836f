//! What a resolver can ask of its request: the shared state, the request's database session and
//! who the viewer is.

use std::sync::Arc;

use async_graphql::{Context, ErrorExtensions as _};

use super::limits::credentials::CredentialOperation;
use crate::auth::{MISSING_TOKEN, Viewer};
use crate::db::Session;
use crate::error::AppError;
use crate::rate_limit::ClientAddress;
use crate::state::AppState;

/// The outcome of reading the `Authorization` header, attached to each GraphQL request. A bad
/// token is kept as an error so that every field that looks at the viewer reports it, as REST
/// does, while fields that do not care still resolve. (The token of a deleted user passes here;
/// the first operation on the viewer's behalf finds that out.)
#[derive(Clone)]
pub struct RequestViewer(pub Result<Option<Viewer>, Arc<AppError>>);

/// `http(s)://host` as the client reached this instance: the base of upload URLs unless
/// `UPLOADS_BASE_URL` is set (see `request_origin`).
#[derive(Clone)]
pub struct RequestOrigin(pub String);

pub trait ContextExt {
    fn state(&self) -> &AppState;
    /// The request's session: every resolver and DataLoader of one request shares its one
    /// connection.
    fn db(&self) -> &Session;
    /// The viewer if signed in; an invalid token is an error.
    fn viewer(&self) -> async_graphql::Result<Option<Viewer>>;
    /// The viewer, or UNAUTHENTICATED (`token is missing`).
    fn require_viewer(&self) -> async_graphql::Result<Viewer>;
    /// Takes the request's one credential operation (login, register, password change), before
    /// any hashing; BAD_REQUEST for the second one.
    fn claim_credential_operation(&self) -> async_graphql::Result<()>;
    /// The request's client address, which the rate limits count against.
    fn client(&self) -> ClientAddress;
    /// Where the client reached this instance (`http(s)://host`).
    fn origin(&self) -> &str;
}

impl ContextExt for Context<'_> {
    fn state(&self) -> &AppState {
        self.data_unchecked::<AppState>()
    }

    fn db(&self) -> &Session {
        self.data_unchecked::<Session>()
    }

    fn viewer(&self) -> async_graphql::Result<Option<Viewer>> {
        match self.data_opt::<RequestViewer>() {
            None => Ok(None),
            Some(RequestViewer(result)) => result.clone().map_err(|error| error.extend()),
        }
    }

    fn require_viewer(&self) -> async_graphql::Result<Viewer> {
        self.viewer()?.ok_or_else(|| MISSING_TOKEN.extend())
    }

    fn claim_credential_operation(&self) -> async_graphql::Result<()> {
        // Every request gets one from the query guard; a request without would be a bug, and
        // then no credential operation runs rather than any number of them.
        let operation = self
            .data_opt::<CredentialOperation>()
            .ok_or_else(|| AppError::Internal(anyhow::anyhow!("no credential operation slot")))
            .map_err(|error| error.extend())?;
        operation.claim().map_err(|error| error.extend())
    }

    fn origin(&self) -> &str {
        // Every request gets one in `execute`; a WebSocket's operations upload nothing.
        self.data_opt::<RequestOrigin>()
            .map_or("", |origin| origin.0.as_str())
    }

    fn client(&self) -> ClientAddress {
        // Every request gets one in `execute`; without, it counts as the unknown client.
        self.data_opt::<ClientAddress>()
            .copied()
            .unwrap_or(ClientAddress(None))
    }
}
