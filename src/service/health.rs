//! Readiness: can this instance reach its database?

use diesel::sql_types::Integer;
use diesel::{IntoSql as _, select};
use diesel_async::RunQueryDsl;

use crate::error::AppError;
use crate::state::AppState;
use crate::with_connection;

pub async fn check_database(state: &AppState) -> Result<(), AppError> {
    let answer: i32 = with_connection!(state.db(), |conn| {
        select(1.into_sql::<Integer>())
            .get_result(conn)
            .await
            .map_err(|error| {
                tracing::warn!(%error, "database readiness check failed");
                AppError::Unavailable
            })?
    });
    debug_assert_eq!(answer, 1);
    Ok(())
}
