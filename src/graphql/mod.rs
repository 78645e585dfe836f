//! The GraphQL interface at `/graphql`: a schema in GraphQL style (a `viewer`, mutations with
//! `input` objects and payloads, errors with `extensions.code`) over the same service layer as
//! REST. Resolvers parse, call a service function and shape the result; no SQL, no rules.

mod articles;
mod comments;
mod context;
mod cursor;
pub mod error;
pub mod limits;
mod loader_tasks;
mod loaders;
mod playground;
mod profiles;
mod subscriptions;
pub mod transport;
mod types;
mod uploads;
mod users;
pub mod websocket;

use std::time::Instant;

use async_graphql::dataloader::{DataLoader, HashMapCache};
use async_graphql::{MergedObject, Schema, SchemaBuilder};
use axum::Router;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use axum::routing::get;

pub use context::{RequestOrigin, RequestViewer};
pub use limits::QueryGuard;
pub use transport::RequestError;

use crate::rate_limit::ClientAddress;
use crate::request_origin::request_origin;
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
    uploads::UploadMutation,
    profiles::ProfileMutation,
    articles::ArticleMutation,
    comments::CommentMutation,
);

pub use subscriptions::{EventSubscription as Subscription, SLOW_CONSUMER};

pub type ConduitSchema = Schema<Query, Mutation, Subscription>;

/// The schema without data, as `conduit schema` prints it.
pub fn sdl() -> String {
    Schema::build(Query::default(), Mutation::default(), Subscription)
        .finish()
        .sdl()
}

/// The schema for WebSocket connections, with its data, its guard and its metrics as
/// extensions (a subscription reaches the schema only through async-graphql's WebSocket
/// protocol, so the checks must be inside it). Depth and cost are limited by the guard
/// ([`limits`]), before async-graphql's own validation runs, rather than by async-graphql's
/// limits, whose walk over fragments is exponential. Without introspection there are no "Did
/// you mean …" suggestions either: they would reveal the schema field by field.
pub fn build_schema(state: AppState, guard: QueryGuard) -> ConduitSchema {
    // The metrics extension comes first, so it wraps the guard and sees what the guard refuses.
    schema_builder(&state)
        .extension(crate::metrics::graphql::GraphqlMetricsExtension(
            state.metrics().clone(),
        ))
        .extension(guard)
        .data(state)
        .finish()
}

/// The schema for GraphQL over HTTP: no extensions. With any extension installed, async-graphql
/// sends every field of every response through the extension chain (a boxed future per field
/// and extension, and a registry lookup), whatever the extensions do; the HTTP endpoint admits
/// the request ([`QueryGuard::admit`]) and records its metrics itself, around the execution.
fn build_http_schema(state: AppState) -> ConduitSchema {
    schema_builder(&state).data(state).finish()
}

fn schema_builder(state: &AppState) -> SchemaBuilder<Query, Mutation, Subscription> {
    let builder = Schema::build(Query::default(), Mutation::default(), Subscription);
    if state.config().graphql_introspection {
        builder
    } else {
        builder.disable_introspection().disable_suggestions()
    }
}

/// The guard for this schema with the configured limits.
pub fn query_guard(state: &AppState) -> QueryGuard {
    QueryGuard::new(state.config().graphql_limits.clone(), &sdl())
        .expect("the schema's own SDL and the standard introspection query parse")
}

#[derive(Clone)]
struct Endpoint {
    /// Runs queries and mutations over HTTP: [`build_http_schema`].
    schema: ConduitSchema,
    /// Serves WebSocket connections: [`build_schema`].
    websocket_schema: ConduitSchema,
    guard: QueryGuard,
    state: AppState,
}

pub fn routes(state: AppState) -> Router<AppState> {
    let guard = query_guard(&state);
    let endpoint = Endpoint {
        schema: build_http_schema(state.clone()),
        websocket_schema: build_schema(state.clone(), guard.clone()),
        guard,
        state,
    };
    let graphiql = endpoint.state.config().graphiql;
    let router = Router::new().route(
        "/graphql",
        get(get_graphql)
            .post(post_graphql)
            .fallback(|| async { transport::method_not_allowed() })
            // `transport::read_post` limits the body itself: JSON to MAX_BODY_BYTES, a form
            // with a file to that plus UPLOAD_MAX_BYTES.
            .layer(axum::extract::DefaultBodyLimit::disable())
            .with_state(endpoint),
    );
    if graphiql {
        router.route("/graphql/assets/{file}", get(playground::asset))
    } else {
        router
    }
}

/// `POST /graphql`: any operation, from a JSON body.
async fn post_graphql(
    State(endpoint): State<Endpoint>,
    request: axum::extract::Request,
) -> Response {
    let headers = request.headers().clone();
    let client = client_of(&endpoint, &request);
    let config = endpoint.state.config();
    let limits = transport::BodyLimits {
        json_bytes: config.max_body_bytes,
        file_bytes: config.uploads.max_bytes,
    };
    if let Err(refusal) = transport::refuse_anonymous_form(&headers) {
        return refusal.into_response();
    }
    match transport::read_post(request, limits).await {
        Ok(request) => execute(&endpoint, &headers, client, request).await,
        Err(refusal) => refusal.into_response(),
    }
}

/// `GET /graphql`: a WebSocket for subscriptions ([`websocket`]) when the request asks for an
/// upgrade; otherwise a query from the query string, or the GraphiQL playground when there is
/// none.
async fn get_graphql(
    State(endpoint): State<Endpoint>,
    http_request: axum::extract::Request,
) -> Response {
    if websocket::is_upgrade(http_request.headers()) {
        let (schema, state) = (endpoint.websocket_schema.clone(), endpoint.state.clone());
        return websocket::upgrade(schema, state, http_request).await;
    }
    let client = client_of(&endpoint, &http_request);
    let headers = http_request.headers();
    let request = match transport::read_get(http_request.uri()) {
        Ok(Some(request)) => request,
        Ok(None) if endpoint.state.config().graphiql => return playground::page(),
        Ok(None) => {
            return RequestError::bad_request(
                "the request has no query: send ?query=<GraphQL document> \
                 (the GraphiQL playground is switched off)",
            )
            .into_response();
        }
        Err(refusal) => return refusal.into_response(),
    };
    let mut request = request;
    if let Err(refusal) = transport::refuse_mutation_over_get(&mut request) {
        return refusal.into_response();
    }
    execute(&endpoint, headers, client, request).await
}

/// The client address of an HTTP request (for the rate limits), as REST reads it.
fn client_of(endpoint: &Endpoint, request: &axum::extract::Request) -> ClientAddress {
    ClientAddress::of_request(
        request.extensions(),
        request.headers(),
        &endpoint.state.config().rate_limits.trusted_proxies,
    )
}

/// Runs one parsed request for the viewer its `Authorization` header names.
async fn execute(
    endpoint: &Endpoint,
    headers: &HeaderMap,
    client: ClientAddress,
    mut request: async_graphql::Request,
) -> Response {
    let started = Instant::now();
    // Before anything else: refusing costs microseconds.
    if let Err(refusal) = endpoint.guard.admit(&mut request) {
        let refusal = async_graphql::Response::from_errors(vec![error::request_error(refusal)]);
        return transport::response(refusal);
    }
    let viewer = crate::auth::token_from_headers(headers)
        .and_then(|token| users_service::authenticate(&endpoint.state, token));
    let loader_viewer = viewer.as_ref().ok().copied().flatten();
    // One session for the whole request: resolvers and loaders take turns on its connection.
    let db = endpoint.state.session();
    // The loaders' batches belong to the request: dropped with it (client gone, deadline hit),
    // they stop, rather than hold the session's connection until they finish.
    let batches = loader_tasks::LoaderTasks::default();
    let mut request = request
        .data(RequestViewer(viewer.map_err(std::sync::Arc::new)))
        .data(client)
        .data(RequestOrigin(request_origin(headers)))
        .data(db.clone())
        .data(DataLoader::with_cache(
            loaders::CommentsByArticle {
                db: db.clone(),
                viewer: loader_viewer,
            },
            batches.spawner(),
            HashMapCache::default(),
        ))
        .data(DataLoader::with_cache(
            loaders::ArticlesByAuthor {
                db,
                viewer: loader_viewer,
            },
            batches.spawner(),
            HashMapCache::default(),
        ));
    let operation = crate::metrics::graphql::operation_name(&mut request);
    let response = endpoint.schema.execute(request).await;
    endpoint.state.metrics().graphql().record_operation(
        operation.as_deref(),
        &response,
        started.elapsed().as_secs_f64(),
    );
    transport::response(response)
}
