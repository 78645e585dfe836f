//! The database layer: one pool per configured backend, chosen by the URL scheme; the request
//! [`Session`] through which every operation reaches a connection; and the two macros that let a
//! query be written once for all three connection types:
//!
//! - [`on_connection!`](crate::on_connection) runs an async closure on a session's connection;
//! - [`for_each_connection!`](crate::for_each_connection) implements a trait of query helpers for
//!   each connection type from one text, so that operations can share helpers.
//!
//! Queries live in the service layer; the only statements here are those whose SQL differs
//! between backends (`dialect`, `batch`), each kept next to the connection type it serves, and
//! the one SQL fragment Diesel cannot write (`latest_per_parent`, a window function).

pub mod batch;
pub mod bulk_insert;
pub mod bulk_load;
pub mod dialect;
pub mod error;
pub mod latest_per_parent;
mod limits;
mod manager;
pub mod migrate;
pub mod models;
mod pool;
mod reachability;
pub mod schema;
mod session;

pub use pool::{
    CheckoutCounter, Database, Inline, PROBE_TIMEOUT, Pool, Pools, SqliteConnection,
    StatementCounter,
};
pub use session::{Operation, OperationFn, Session};

/// What an operation returns: a value, or the domain error that the caller handles.
pub type Outcome<T> = Result<T, crate::error::AppError>;
pub use crate::config::database::{Backend, DatabaseUrl, PoolSettings};

/// Runs an async closure on the connection of a [`Session`] and evaluates to its
/// `Result<T, AppError>`:
///
/// ```ignore
/// let names: Vec<String> = on_connection!(db, async move |conn| {
///     Ok(tags::table.select(tags::name).load(conn).await?)
/// })?;
/// ```
///
/// The first argument is a `&Session` or an [`Operation`] (`db.for_user(Some(id))` confirms the
/// user first). The closure is compiled once per backend, with `conn` a `&mut` of that backend's
/// connection type; `?` and `return` inside it leave the closure only. It must own what it uses
/// (`async move`, `'static` on SQLite, where it runs on a blocking thread). Waiting for a
/// connection longer than the pool's timeout is [`AppError::Unavailable`](crate::error::AppError).
#[macro_export]
macro_rules! on_connection {
    ($operation:expr, async move |$conn:ident| $body:block) => {{
        let operation: $crate::db::Operation<'_> = ::std::convert::Into::into($operation);
        match operation.backend() {
            $crate::db::Backend::Sqlite => {
                let run = async move |$conn: &mut $crate::db::SqliteConnection| -> $crate::db::Outcome<_> { $body };
                operation.run_sqlite(run).await
            }
            $crate::db::Backend::Postgres => {
                let run = async move |$conn: &mut ::diesel_async::AsyncPgConnection| -> $crate::db::Outcome<_> { $body };
                operation.run_postgres(run).await
            }
            $crate::db::Backend::Mysql => {
                let run = async move |$conn: &mut ::diesel_async::AsyncMysqlConnection| -> $crate::db::Outcome<_> { $body };
                operation.run_mysql(run).await
            }
        }
    }};
}

/// Implements a trait for the connection type of every backend from one text, so that a helper
/// query (`self` is the connection) is written once and callable inside any
/// [`on_connection!`](crate::on_connection) closure:
///
/// ```ignore
/// pub trait TagNames: Send {
///     fn tag_names(&mut self) -> impl Future<Output = QueryResult<Vec<String>>> + Send;
/// }
/// for_each_connection! {
///     impl TagNames {
///         async fn tag_names(&mut self) -> QueryResult<Vec<String>> {
///             tags::table.select(tags::name).load(self).await
///         }
///     }
/// }
/// ```
#[macro_export]
macro_rules! for_each_connection {
    (impl $trait:path { $($body:tt)* }) => {
        impl $trait for $crate::db::SqliteConnection { $($body)* }
        impl $trait for ::diesel_async::AsyncPgConnection { $($body)* }
        impl $trait for ::diesel_async::AsyncMysqlConnection { $($body)* }
    };
}
