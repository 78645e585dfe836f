//! The database layer: one pool per configured backend, chosen by the URL scheme, and the
//! [`with_connection!`](crate::with_connection) macro that runs one Diesel expression on whichever
//! connection type the pool holds. Queries live in the service layer and are written once; the
//! only statements here are those whose SQL differs between backends (`dialect`, `batch`),
//! each kept next to the connection type it serves.

pub mod batch;
pub mod dialect;
pub mod error;
pub mod migrate;
pub mod models;
mod pool;
pub mod postgres_tls;
pub mod schema;
mod url;

pub use pool::{Database, PoolSettings, Pools, SqliteConnection, StatementCounter};
pub use url::{Backend, DatabaseUrl};

/// Runs `$body` with `$conn` bound to a `&mut` connection checked out of `$db`'s pool.
///
/// The body is expanded once per backend, so the same Diesel expression is type-checked and
/// compiled for SQLite, PostgreSQL and MySQL. A pool that cannot hand out a connection in time
/// returns [`AppError::Unavailable`](crate::error::AppError::Unavailable) from the enclosing
/// function through `?`.
#[macro_export]
macro_rules! with_connection {
    ($db:expr, |$conn:ident| $body:expr) => {
        match $db.pools() {
            $crate::db::Pools::Sqlite(pool) => {
                let mut pooled = $crate::db::error::checkout(pool).await?;
                let $conn = &mut *pooled;
                $body
            }
            $crate::db::Pools::Postgres(pool) => {
                let mut pooled = $crate::db::error::checkout(pool).await?;
                let $conn = &mut *pooled;
                $body
            }
            $crate::db::Pools::Mysql(pool) => {
                let mut pooled = $crate::db::error::checkout(pool).await?;
                let $conn = &mut *pooled;
                $body
            }
        }
    };
}
