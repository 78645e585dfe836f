//! The GraphQL interface at `/graphql`: a schema in GraphQL style (a `viewer`, mutations with
//! `input` objects and payloads, errors with `extensions.code`) over the same service layer as
//! REST. Resolvers parse, call a service function and shape the result; no SQL, no rules.

mod articles;
mod comments;
mod context;
pub mod error;
mod loaders;
mod profiles;
mod types;
mod users;

use async_graphql::dataloader::{DataLoader, HashMapCache};
use async_graphql::http::GraphiQLSource;
use async_graphql::{EmptySubscription, MergedObject, Schema};
use async_graphql_axum::{GraphQLRequest, GraphQLResponse};
use axum::Router;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;

pub use context::RequestViewer;

use crate::service::users as users_service;
use crate::state::AppState;

#[derive(MergedObject, Default)]
pub struct Query(
    users::UserQuery,
    profiles::ProfileQuery,
    articles::ArticleQuery,
);

#[derive(MergedObject, Default)]
pub struct Mutation(
    users::UserMutation,
    profiles::ProfileMutation,
    articles::ArticleMutation,
    comments::CommentMutation,
);

pub type ConduitSchema = Schema<Query, Mutation, EmptySubscription>;

/// Deep or expensive queries are refused before they run.
const MAX_DEPTH: usize = 12;
const MAX_COMPLEXITY: usize = 1_000;

/// The schema without data, as `conduit schema` prints it.
pub fn sdl() -> String {
    Schema::build(Query::default(), Mutation::default(), EmptySubscription)
        .finish()
        .sdl()
}

pub fn build_schema(state: AppState) -> ConduitSchema {
    let mut builder = Schema::build(Query::default(), Mutation::default(), EmptySubscription)
        .limit_depth(MAX_DEPTH)
        .limit_complexity(MAX_COMPLEXITY);
    if !state.config().graphql_introspection {
        builder = builder.disable_introspection();
    }
    builder.data(state).finish()
}

#[derive(Clone)]
struct Endpoint {
    schema: ConduitSchema,
    state: AppState,
}

pub fn routes(state: AppState) -> Router<AppState> {
    let endpoint = Endpoint {
        schema: build_schema(state.clone()),
        state,
    };
    Router::new().route(
        "/graphql",
        get(playground).post(execute).with_state(endpoint),
    )
}

async fn execute(
    State(endpoint): State<Endpoint>,
    headers: HeaderMap,
    request: GraphQLRequest,
) -> GraphQLResponse {
    let viewer = users_service::authenticate(&endpoint.state, &headers).await;
    let loader_viewer = viewer.as_ref().ok().copied().flatten();
    let state = endpoint.state.clone();
    let request = request
        .into_inner()
        .data(RequestViewer(viewer.map_err(std::sync::Arc::new)))
        .data(DataLoader::with_cache(
            loaders::CommentsByArticle {
                state: state.clone(),
                viewer: loader_viewer,
            },
            tokio::spawn,
            HashMapCache::default(),
        ))
        .data(DataLoader::with_cache(
            loaders::ArticlesByAuthor {
                state,
                viewer: loader_viewer,
            },
            tokio::spawn,
            HashMapCache::default(),
        ));
    endpoint.schema.execute(request).await.into()
}

async fn playground(State(endpoint): State<Endpoint>) -> Response {
    if endpoint.state.config().graphiql {
        Html(GraphiQLSource::build().endpoint("/graphql").finish()).into_response()
    } else {
        crate::error::AppError::NotFound { resource: "path" }.into_response()
    }
}
