//! The REST interface: the RealWorld routes under `/api`, in the RealWorld JSON shapes. Handlers
//! parse input, call one service function and render its result; no SQL, no rules.

pub mod error;
pub mod extract;
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
}
