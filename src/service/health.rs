//! Readiness: can this instance reach its database?

use crate::db::Database;
use crate::error::AppError;

/// One trivial statement on the readiness probe's own connection, within
/// [`PROBE_TIMEOUT`](crate::db::PROBE_TIMEOUT): 503 if none can be had or it fails. Requests
/// holding every pooled connection do not delay it.
pub async fn check_database(database: &Database) -> Result<(), AppError> {
    database.probe().await
}
