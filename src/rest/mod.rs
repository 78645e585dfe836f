//! The REST interface: the 19 RealWorld operations under `/api`, in the RealWorld JSON shapes,
//! two streams of server-sent events ([`events`]) and image uploads ([`uploads`]).
//! Handlers parse input, call one service function and render its result; no SQL, no rules.
//! The response types (serde, the OpenAPI schemas, the RealWorld names) live here, each
//! converted `From` the service's plain value, so a field added for GraphQL never leaks into the
//! RealWorld JSON.

mod articles;
mod comments;
pub mod error;
mod events;
pub mod extract;
pub mod openapi;
mod profiles;
mod tags;
mod timestamp;
mod uploads;
mod users;

use axum::Router;
use utoipa::OpenApi as _;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::state::AppState;

/// `POST /api/uploads`, which reads its own, larger limit (`UPLOAD_MAX_BYTES`) as it goes
/// instead of the app's `MAX_BODY_BYTES`.
fn upload_route() -> utoipa_axum::router::UtoipaMethodRouter<AppState> {
    let (schemas, paths, method_router) = routes!(uploads::create_upload);
    (
        schemas,
        paths,
        method_router.layer(axum::extract::DefaultBodyLimit::disable()),
    )
}

/// The REST routes and their OpenAPI document, built from one list: each handler is registered
/// together with its `#[utoipa::path]` operation, so a route cannot be served undocumented or
/// documented unserved. Handlers on one path are registered together.
pub fn routes() -> Router<AppState> {
    let (router, document) = OpenApiRouter::with_openapi(openapi::ApiDoc::openapi())
        .routes(routes!(users::register))
        .routes(routes!(users::login))
        .routes(routes!(users::current_user, users::update_user))
        .routes(routes!(profiles::get_profile))
        .routes(routes!(profiles::follow, profiles::unfollow))
        .routes(routes!(articles::feed))
        // A fixed segment wins over `{slug}`; `events`, like `feed`, is never made a slug.
        .routes(routes!(events::article_events))
        .routes(routes!(articles::list_articles, articles::create_article))
        .routes(routes!(
            articles::get_article,
            articles::update_article,
            articles::delete_article
        ))
        .routes(routes!(articles::favorite, articles::unfavorite))
        .routes(routes!(comments::list_comments, comments::add_comment))
        .routes(routes!(events::comment_events))
        .routes(routes!(comments::delete_comment))
        .routes(routes!(tags::list_tags))
        .routes(upload_route())
        .routes(routes!(uploads::get_upload))
        .split_for_parts();
    router.merge(openapi::routes(document))
}
