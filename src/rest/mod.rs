//! The REST interface: the 19 RealWorld operations under `/api`, in the RealWorld JSON shapes,
//! and two streams of server-sent events ([`events`]).
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
mod users;

use axum::Router;
use axum::routing::{get, post};

use crate::state::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/users", post(users::register))
        .route("/api/users/login", post(users::login))
        .route(
            "/api/user",
            get(users::current_user).put(users::update_user),
        )
        .route("/api/profiles/{username}", get(profiles::get_profile))
        .route(
            "/api/profiles/{username}/follow",
            post(profiles::follow).delete(profiles::unfollow),
        )
        .route("/api/articles/feed", get(articles::feed))
        // A fixed segment wins over `{slug}`; `events`, like `feed`, is never made a slug.
        .route("/api/articles/events", get(events::article_events))
        .route(
            "/api/articles",
            get(articles::list_articles).post(articles::create_article),
        )
        .route(
            "/api/articles/{slug}",
            get(articles::get_article)
                .put(articles::update_article)
                .delete(articles::delete_article),
        )
        .route(
            "/api/articles/{slug}/favorite",
            post(articles::favorite).delete(articles::unfavorite),
        )
        .route(
            "/api/articles/{slug}/comments",
            get(comments::list_comments).post(comments::add_comment),
        )
        .route(
            "/api/articles/{slug}/comments/events",
            get(events::comment_events),
        )
        .route(
            "/api/articles/{slug}/comments/{id}",
            axum::routing::delete(comments::delete_comment),
        )
        .route("/api/tags", get(tags::list_tags))
        .merge(openapi::routes())
}
