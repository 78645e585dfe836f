//! The time limits every new pooled connection gets from the server, so that no statement runs
//! or waits for a lock forever (`DB_STATEMENT_TIMEOUT_SECS`, `DB_LOCK_TIMEOUT_SECS`). A
//! statement that hits one fails with an error `error::is_transient` recognises: 503. And the
//! socket's own limits, set through the driver's URL (`DB_SOCKET_TIMEOUT_SECS`), so that a
//! server whose packets stop arriving is given up rather than waited on forever.

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

/// The driver URL parameters that bound how long a connection of `backend` may wait on a silent
/// server's machine (see `PoolSettings::socket_timeout`), as `(name, value)`. tokio-postgres
/// takes whole seconds, mysql_async milliseconds; SQLite has no socket.
pub fn socket_parameters(backend: Backend, timeout: Duration) -> Vec<(&'static str, String)> {
    let secs = timeout.as_secs().max(1);
    match backend {
        Backend::Postgres => vec![
            ("keepalives", "1".to_owned()),
            ("keepalives_idle", secs.to_string()),
            ("keepalives_interval", secs.div_ceil(3).to_string()),
            ("keepalives_retries", "3".to_owned()),
            ("tcp_user_timeout", secs.to_string()),
        ],
        Backend::Mysql => vec![("tcp_keepalive", (secs * 1000).to_string())],
        Backend::Sqlite => Vec::new(),
    }
}

/// `url` with each of `parameters` added to its query string, unless the URL already sets that
/// parameter: an operator's explicit choice in `DATABASE_URL` wins.
pub fn with_parameters(url: &str, parameters: &[(&str, String)]) -> String {
    let query = url.split_once('?').map_or("", |(_, query)| query);
    let present = |name: &str| {
        query
            .split('&')
            .any(|pair| pair.split_once('=').map_or(pair, |(key, _)| key) == name)
    };
    let mut url = url.to_owned();
    for (name, value) in parameters.iter().filter(|(name, _)| !present(name)) {
        url.push(if url.contains('?') { '&' } else { '?' });
        url.push_str(&format!("{name}={value}"));
    }
    url
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn postgres_connections_get_keepalives_and_a_tcp_user_timeout_the_driver_accepts() {
        let url = with_parameters(
            "postgres://u@h/db?application_name=x",
            &socket_parameters(Backend::Postgres, Duration::from_secs(10)),
        );
        assert_eq!(
            url,
            "postgres://u@h/db?application_name=x&keepalives=1&keepalives_idle=10\
             &keepalives_interval=4&keepalives_retries=3&tcp_user_timeout=10"
        );
        let config: tokio_postgres::Config = url.parse().expect("tokio-postgres reads it");
        assert!(config.get_keepalives());
        assert_eq!(config.get_keepalives_idle(), Duration::from_secs(10));
        assert_eq!(
            config.get_keepalives_interval(),
            Some(Duration::from_secs(4))
        );
        assert_eq!(config.get_keepalives_retries(), Some(3));
        assert_eq!(
            config.get_tcp_user_timeout(),
            Some(&Duration::from_secs(10))
        );
    }

    #[test]
    fn mysql_connections_get_a_keepalive_in_milliseconds() {
        let url = with_parameters(
            "mysql://root@h/db",
            &socket_parameters(Backend::Mysql, Duration::from_secs(7)),
        );
        assert_eq!(url, "mysql://root@h/db?tcp_keepalive=7000");
        assert!(socket_parameters(Backend::Sqlite, Duration::from_secs(7)).is_empty());
    }

    #[test]
    fn a_parameter_already_in_the_url_is_kept() {
        let url = with_parameters(
            "postgres://u@h/db?keepalives_idle=60",
            &socket_parameters(Backend::Postgres, Duration::from_secs(1)),
        );
        assert_eq!(
            url,
            "postgres://u@h/db?keepalives_idle=60&keepalives=1&keepalives_interval=1\
             &keepalives_retries=3&tcp_user_timeout=1"
        );
    }
}
