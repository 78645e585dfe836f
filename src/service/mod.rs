//! The service layer: every business rule of Conduit, once. Functions take the request's
//! [`Session`] (and the [`AppState`] where they need keys or password hashing), the viewer where it
//! matters and a typed input, and return view types or an [`AppError`](crate::error::AppError).
//! They know nothing of HTTP or GraphQL, so REST handlers and GraphQL resolvers are thin and always
//! agree.
//!
//! Each function runs its statements as one operation on the session's connection
//! ([`on_connection!`](crate::on_connection)): reads without a transaction, writes in one
//! transaction. Query helpers shared by operations are traits implemented for every connection
//! type ([`for_each_connection!`](crate::for_each_connection)).
//!
//! [`AppState`]: crate::state::AppState

pub mod article_views;
pub mod articles;
pub mod comments;
pub mod counters;
pub mod health;
pub mod image_format;
pub mod live;
pub mod paging;
pub mod profiles;
pub mod slug;
pub mod tags;
pub mod timestamp;
pub mod uploads;
pub mod users;
pub mod validation;

use chrono::{NaiveDateTime, SubsecRound as _, Utc};

use crate::auth::Viewer;
use crate::db::{Operation, Session};

/// Operations on behalf of the viewer of a request.
pub trait ForViewer {
    /// An operation that first confirms (once per session) that the viewer's user still exists:
    /// a token of a deleted user is 401 `token is invalid` wherever it is used.
    fn for_viewer(&self, viewer: impl Into<Option<Viewer>>) -> Operation<'_>;
}

impl ForViewer for Session {
    fn for_viewer(&self, viewer: impl Into<Option<Viewer>>) -> Operation<'_> {
        self.for_user(viewer.into().map(|viewer| viewer.user_id))
    }
}

/// The current UTC time at millisecond precision: what is stored is exactly what every response
/// renders, on every backend.
pub fn now() -> NaiveDateTime {
    Utc::now().naive_utc().trunc_subsecs(3)
}
