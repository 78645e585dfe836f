//! How database failures become domain errors: a pool that cannot hand out a connection or a
//! lost connection is 503 (the client may retry), a unique violation is left to the service to
//! name, anything else is an internal error whose text is logged, never sent.

use diesel::result::{DatabaseErrorKind, Error as DieselError};
use diesel_async::pooled_connection::{
    AsyncDieselConnectionManager, PoolError, PoolableConnection,
};

use super::manager::Manager;
use super::reachability::Reachability;
use crate::error::AppError;

/// Checks a connection out of `pool`, or fails with [`AppError::Unavailable`]; the log line names
/// the backend and, if the database cannot be reached, the last error from connecting to it.
pub async fn checkout<C>(
    pool: &bb8::Pool<Manager<C>>,
    reachability: &Reachability,
) -> Result<bb8::PooledConnection<'static, Manager<C>>, AppError>
where
    C: PoolableConnection + 'static,
    AsyncDieselConnectionManager<C>: bb8::ManageConnection<Connection = C, Error = PoolError>,
{
    pool.get_owned().await.map_err(|error| {
        let last_error = reachability.last_error();
        tracing::warn!(
            backend = %reachability.backend(),
            %error,
            last_connect_error = last_error.as_deref().unwrap_or("none: every connection is in use"),
            "no database connection available"
        );
        AppError::Unavailable
    })
}

/// The constraint of a unique violation: PostgreSQL names it; SQLite says
/// `UNIQUE constraint failed: users.email`; MySQL says
/// `Duplicate entry '<value>' for key 'users.users_email_key'`, where only the part after
/// `for key` may be read (the value is the client's and could contain anything).
pub fn unique_violation(error: &DieselError) -> Option<String> {
    match error {
        DieselError::DatabaseError(DatabaseErrorKind::UniqueViolation, info) => Some(
            info.constraint_name()
                .map(str::to_owned)
                .unwrap_or_else(|| {
                    let message = info.message();
                    message
                        .rsplit_once(" for key ")
                        .map_or(message, |(_, key)| key)
                        .to_owned()
                }),
        ),
        _ => None,
    }
}

/// Treats a unique violation as success: for inserts whose row may already be there (a second
/// follow or favorite), where the constraint, not a prior check, settles concurrent requests.
pub fn ignoring_duplicates(result: Result<usize, DieselError>) -> Result<usize, DieselError> {
    match result {
        Err(error) if unique_violation(&error).is_some() => Ok(0),
        other => other,
    }
}

/// Whether `error` is a foreign-key violation: the row an insert points to was deleted
/// concurrently (the article between its lookup and a favorite, say).
pub fn foreign_key_violation(error: &DieselError) -> bool {
    matches!(
        error,
        DieselError::DatabaseError(DatabaseErrorKind::ForeignKeyViolation, _)
    )
}

/// `not_found` if the insert failed because its parent row is gone, the database error otherwise.
pub fn not_found_if_gone(error: DieselError, not_found: AppError) -> AppError {
    if foreign_key_violation(&error) {
        not_found
    } else {
        error.into()
    }
}

/// A failure that says nothing about the request and may pass on a retry: a deadlock or
/// serialization failure between concurrent transactions, a lock or statement time limit hit,
/// or SQLite's writer lock held too long or its file not writable.
pub fn is_transient(error: &DieselError) -> bool {
    match error {
        DieselError::DatabaseError(DatabaseErrorKind::SerializationFailure, _) => true,
        DieselError::DatabaseError(_, info) => TRANSIENT_FAILURES
            .iter()
            .any(|failure| info.message().contains(failure)),
        _ => false,
    }
}

/// What the drivers say when a statement lost a conflict or ran out of time.
const TRANSIENT_FAILURES: &[&str] = &[
    // MySQL/MariaDB: deadlock, innodb_lock_wait_timeout, max_execution_time (MySQL) and
    // max_statement_time (MariaDB)
    "Deadlock found",
    "Lock wait timeout exceeded",
    "Query execution was interrupted",
    // PostgreSQL: statement_timeout, lock_timeout
    "canceling statement due to",
    // SQLite: busy_timeout passed; the file or its folder is read-only
    "database is locked",
    "readonly database",
    "unable to open database file",
];

/// Whether `error` says the connection itself failed (refused, reset, closed, out of step) or
/// the server cannot take it (shutting down, too many connections), rather than the statement.
/// The request gets 503 and the connection is not reused.
pub fn is_connection_failure(error: &DieselError) -> bool {
    match error {
        DieselError::DatabaseError(
            DatabaseErrorKind::ClosedConnection | DatabaseErrorKind::UnableToSendCommand,
            _,
        ) => true,
        DieselError::DatabaseError(_, info) => CONNECTION_FAILURES
            .iter()
            .any(|failure| info.message().contains(failure)),
        _ => false,
    }
}

/// What the drivers say when the connection, not the statement, failed. PostgreSQL's driver
/// reports these as `UnableToSendCommand` or `ClosedConnection`, except the server's own.
const CONNECTION_FAILURES: &[&str] = &[
    // mysql_async, as diesel-async words its errors: I/O (reset, EOF, timeout), a closed
    // connection, and a conversation out of step
    "Input/output error",
    "Connection to the server is closed",
    "Packet out of order",
    "Unexpected packet",
    // MySQL/MariaDB server
    "server has gone away",
    "Lost connection to",
    "Too many connections",
    "Server shutdown in progress",
    "Connection was killed",
    // PostgreSQL server
    "terminating connection",
    "the database system is",
    "too many clients",
];

impl From<DieselError> for AppError {
    fn from(error: DieselError) -> Self {
        if is_transient(&error) {
            tracing::warn!(%error, "transient database failure");
            return AppError::Unavailable;
        }
        if is_connection_failure(&error) {
            tracing::warn!(%error, "database connection lost");
            return AppError::Unavailable;
        }
        // Validation keeps NULs and invalid text out; should one slip through (a lookup by an
        // unusual value), PostgreSQL's refusal is the client's problem, not a server error.
        if let DieselError::DatabaseError(_, info) = &error
            && info.message().contains("invalid byte sequence")
        {
            return AppError::bad_request("request", "contains characters that cannot be stored");
        }
        AppError::Internal(anyhow::Error::new(error).context("database query failed"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn database_error(kind: DatabaseErrorKind, message: &str) -> DieselError {
        DieselError::DatabaseError(kind, Box::new(message.to_owned()))
    }

    #[test]
    fn deadlocks_and_lock_timeouts_are_503_not_500() {
        for error in [
            database_error(
                DatabaseErrorKind::SerializationFailure,
                "could not serialize access",
            ),
            database_error(
                DatabaseErrorKind::Unknown,
                "Deadlock found when trying to get lock; try restarting transaction",
            ),
            database_error(DatabaseErrorKind::Unknown, "database is locked"),
            database_error(
                DatabaseErrorKind::ClosedConnection,
                "server closed the connection",
            ),
            database_error(
                DatabaseErrorKind::Unknown,
                "Input/output error: Connection reset by peer (os error 104)",
            ),
            database_error(
                DatabaseErrorKind::Unknown,
                "Driver error: `Packet out of order.'",
            ),
            database_error(DatabaseErrorKind::Unknown, "Too many connections"),
            database_error(
                DatabaseErrorKind::Unknown,
                "canceling statement due to statement timeout",
            ),
            database_error(
                DatabaseErrorKind::Unknown,
                "attempt to write a readonly database",
            ),
        ] {
            assert_eq!(AppError::from(error).code(), "UNAVAILABLE");
        }
        let other = database_error(DatabaseErrorKind::Unknown, "syntax error at or near");
        assert_eq!(AppError::from(other).code(), "INTERNAL");
    }
}
