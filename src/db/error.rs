//! How database failures become domain errors: a pool that cannot hand out a connection or a
//! lost connection is 503 (the client may retry), a unique violation is left to the service to
//! name, anything else is an internal error whose text is logged, never sent.

use diesel::result::{DatabaseErrorKind, Error as DieselError};
use diesel_async::pooled_connection::bb8::{Pool, PooledConnection};
use diesel_async::pooled_connection::{
    AsyncDieselConnectionManager, PoolError, PoolableConnection,
};

use crate::error::AppError;

/// Checks a connection out of `pool`, or fails with [`AppError::Unavailable`].
pub async fn checkout<C>(pool: &Pool<C>) -> Result<PooledConnection<'_, C>, AppError>
where
    C: PoolableConnection + 'static,
    AsyncDieselConnectionManager<C>: bb8::ManageConnection<Connection = C, Error = PoolError>,
{
    pool.get().await.map_err(|error| {
        tracing::warn!(%error, "no database connection available");
        AppError::Unavailable
    })
}

/// The constraint (or, where the backend names none, the error message) of a unique violation.
pub fn unique_violation(error: &DieselError) -> Option<String> {
    match error {
        DieselError::DatabaseError(DatabaseErrorKind::UniqueViolation, info) => Some(
            info.constraint_name()
                .map(str::to_owned)
                .unwrap_or_else(|| info.message().to_owned()),
        ),
        _ => None,
    }
}

impl From<DieselError> for AppError {
    fn from(error: DieselError) -> Self {
        match &error {
            DieselError::DatabaseError(
                DatabaseErrorKind::ClosedConnection | DatabaseErrorKind::UnableToSendCommand,
                _,
            ) => {
                tracing::warn!(%error, "database connection lost");
                AppError::Unavailable
            }
            _ => AppError::Internal(anyhow::Error::new(error).context("database query failed")),
        }
    }
}
