//! The service layer: every business rule of Conduit, once. Functions take the [`AppState`]
//! (database, keys), the viewer where it matters and a typed input, and return view types or an
//! [`AppError`](crate::error::AppError). They know nothing of HTTP or GraphQL, so REST handlers and
//! GraphQL resolvers are thin and always agree.
//!
//! [`AppState`]: crate::state::AppState

pub mod article_views;
pub mod articles;
pub mod comments;
pub mod health;
pub mod paging;
pub mod profiles;
pub mod slug;
pub mod tags;
pub mod timestamp;
pub mod users;
pub mod validation;

use chrono::{NaiveDateTime, SubsecRound as _, Utc};

/// The current UTC time at millisecond precision: what is stored is exactly what every response
/// renders, on every backend.
pub fn now() -> NaiveDateTime {
    Utc::now().naive_utc().trunc_subsecs(3)
}
