//! Readiness: can this instance reach its database?

use diesel::sql_types::Integer;
use diesel::{IntoSql as _, select};
use diesel_async::RunQueryDsl;

use crate::db::Session;
use crate::error::AppError;
use crate::on_connection;

/// One trivial statement on a connection of the pool: 503 if none can be had or it fails.
pub async fn check_database(db: &Session) -> Result<(), AppError> {
    let answer: i32 = on_connection!(db, async move |conn| {
        select(1.into_sql::<Integer>())
            .get_result(conn)
            .await
            .map_err(|error| {
                tracing::warn!(%error, "database readiness check failed");
                AppError::Unavailable
            })
    })?;
    debug_assert_eq!(answer, 1);
    Ok(())
}
