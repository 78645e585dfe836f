//! The time limits every new pooled connection gets from the server, so that no statement runs
//! or waits for a lock forever (`DB_STATEMENT_TIMEOUT_SECS`, `DB_LOCK_TIMEOUT_SECS`). A
//! statement that hits one fails with an error `error::is_transient` recognises: 503.

use std::time::Duration;

use diesel_async::SimpleAsyncConnection;

use super::Backend;

/// A setting applied with the first statement of its list that the server accepts (MySQL and
/// MariaDB name the statement time limit differently).
type Alternatives = Vec<String>;

/// The statements that set `statement` and `lock` as limits on a connection of `backend`.
pub fn statements(backend: Backend, statement: Duration, lock: Duration) -> Vec<Alternatives> {
    let statement_ms = statement.as_millis();
    let lock_ms = lock.as_millis();
    // MySQL's lock waits are counted in whole seconds, at least one.
    let lock_secs = lock.as_secs().max(1);
    match backend {
        Backend::Postgres => vec![
            vec![format!("SET statement_timeout = {statement_ms}")],
            vec![format!("SET lock_timeout = {lock_ms}")],
        ],
        Backend::Mysql => vec![
            vec![
                format!(
                    "SET SESSION max_statement_time = {}",
                    statement.as_secs_f64()
                ),
                format!("SET SESSION max_execution_time = {statement_ms}"),
            ],
            // Row locks (InnoDB) and table locks (`LOCK TABLES`, DDL) have separate limits.
            vec![format!(
                "SET SESSION innodb_lock_wait_timeout = {lock_secs}, lock_wait_timeout = {lock_secs}"
            )],
        ],
        // SQLite runs statements in process, so only the wait for the writer's lock is bounded.
        Backend::Sqlite => vec![vec![format!("PRAGMA busy_timeout = {lock_ms}")]],
    }
}

/// Applies the limits `statements` made to a new connection.
pub async fn apply(
    connection: &mut impl SimpleAsyncConnection,
    settings: &[Alternatives],
) -> diesel::QueryResult<()> {
    for alternatives in settings {
        let mut last = Ok(());
        for statement in alternatives {
            last = connection.batch_execute(statement).await;
            if last.is_ok() {
                break;
            }
        }
        last?;
    }
    Ok(())
}
