//! The database settings: `DATABASE_URL` (the scheme picks the backend; for PostgreSQL the TLS
//! parameters are read too) and the pool's sizes and time limits. Plain values, parsed and
//! checked here so that a bad setting stops the process before it serves; the `db` layer opens
//! connections from them (and re-exports them: `db::{Backend, DatabaseUrl, PoolSettings}`).

use std::fmt;
use std::path::PathBuf;
use std::time::Duration;

/// The three supported database engines.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
    Mysql,
}

impl fmt::Display for Backend {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(match self {
            Backend::Sqlite => "SQLite",
            Backend::Postgres => "PostgreSQL",
            Backend::Mysql => "MySQL",
        })
    }
}

impl Backend {
    /// The URL scheme that selects this backend (`sqlite`, `postgres`, `mysql`): a short,
    /// stable name for labels (metrics) and command lines.
    pub fn scheme(self) -> &'static str {
        match self {
            Backend::Sqlite => "sqlite",
            Backend::Postgres => "postgres",
            Backend::Mysql => "mysql",
        }
    }
}

/// A validated database URL.
#[derive(Clone, PartialEq, Eq)]
pub struct DatabaseUrl {
    backend: Backend,
    url: String,
}

impl DatabaseUrl {
    /// Accepts `sqlite://PATH`, `postgres://…`/`postgresql://…` and `mysql://…`/`mariadb://…`.
    pub fn parse(url: &str) -> Result<Self, String> {
        let url = url.trim();
        let (scheme, rest) = url
            .split_once(':')
            .ok_or("expected a URL starting with sqlite://, postgres:// or mysql://")?;
        let backend = match scheme.to_ascii_lowercase().as_str() {
            "sqlite" => Backend::Sqlite,
            "postgres" | "postgresql" => Backend::Postgres,
            "mysql" | "mariadb" => Backend::Mysql,
            other => {
                return Err(format!(
                    "unsupported scheme `{other}`: use sqlite://, postgres:// or mysql://"
                ));
            }
        };
        let url = match backend {
            Backend::Sqlite => {
                let path = rest.trim_start_matches("//");
                if path.is_empty() {
                    return Err("sqlite:// needs a file path, e.g. sqlite://data/conduit.db".into());
                }
                // Every pooled connection would open its own empty in-memory database.
                if path.contains(":memory:") || path.contains("mode=memory") {
                    return Err("in-memory SQLite is not supported: use a file path".into());
                }
                format!("sqlite://{path}")
            }
            // The MySQL driver only knows the mysql:// scheme.
            Backend::Mysql => format!("mysql:{rest}"),
            Backend::Postgres => {
                PgConnectSettings::parse(url)?;
                url.to_owned()
            }
        };
        Ok(DatabaseUrl { backend, url })
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// The URL as the backend's driver expects it (for SQLite: the file path).
    pub fn connection_string(&self) -> &str {
        match self.backend {
            Backend::Sqlite => self.url.trim_start_matches("sqlite://"),
            _ => &self.url,
        }
    }

    /// For SQLite, the database file.
    pub fn sqlite_file(&self) -> Option<PathBuf> {
        (self.backend == Backend::Sqlite).then(|| PathBuf::from(self.connection_string()))
    }

    /// For SQLite, creates the folder that holds the database file, so that the first run on a
    /// fresh machine needs no set-up.
    pub fn create_sqlite_folder(&self) -> anyhow::Result<()> {
        let file = self.sqlite_file();
        match file.as_deref().and_then(|file| file.parent()) {
            Some(folder) if !folder.as_os_str().is_empty() => std::fs::create_dir_all(folder)
                .map_err(|error| {
                    anyhow::anyhow!(
                        "cannot create the database folder {}: {error}",
                        folder.display()
                    )
                }),
            _ => Ok(()),
        }
    }

    /// The URL with any password replaced, for logs and start-up messages.
    pub fn redacted(&self) -> String {
        match (self.url.split_once("://"), self.url.rfind('@')) {
            (Some((scheme, rest)), Some(at)) if self.backend != Backend::Sqlite => {
                let credentials = &rest[..at - scheme.len() - 3];
                let user = credentials.split(':').next().unwrap_or_default();
                format!("{scheme}://{user}:***{}", &self.url[at..])
            }
            _ => self.url.clone(),
        }
    }
}

impl fmt::Debug for DatabaseUrl {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(&self.redacted())
    }
}

/// How many connections a pool may hold, how long a request waits for one before it is
/// answered with 503, how long a connection may sit unused before it is closed, and the time
/// limits of every connection (see the `DB_*` settings in `config`).
#[derive(Debug, Clone)]
pub struct PoolSettings {
    pub max_size: u32,
    pub checkout_timeout: Duration,
    pub idle_timeout: Duration,
    /// Opening a connection (TCP, TLS, authentication, set-up) takes at most this long.
    pub connect_timeout: Duration,
    /// A PostgreSQL or MySQL connection whose server's machine stops answering (packets dropped,
    /// no reset: a black-holed network) is closed by the kernel after about this long, so that a
    /// pooled connection does not wait on it forever. TCP keepalive probes start after this much
    /// silence; on PostgreSQL, `keepalives_interval` (a third of it, at least 1 s) and
    /// `keepalives_retries` (3) bound the probing and `tcp_user_timeout` closes a connection
    /// whose sent data goes unacknowledged this long. mysql_async 0.36 sets only the keepalive
    /// delay (`tcp_keepalive`, in ms) and has no read or write timeout; the probes' interval and
    /// count are then the kernel's. Not applicable to SQLite (a local file, no socket).
    pub socket_timeout: Duration,
    /// The server cancels a statement that runs longer.
    pub statement_timeout: Duration,
    /// A statement fails rather than wait longer for a lock.
    pub lock_timeout: Duration,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PgTls {
    Disable,
    Require,
    VerifyFull { root_certificates: Option<PathBuf> },
}

/// A PostgreSQL URL split into the driver's URL and our TLS choice.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PgConnectSettings {
    pub driver_url: String,
    pub tls: PgTls,
}

impl PgConnectSettings {
    pub fn parse(url: &str) -> Result<Self, String> {
        let (base, query) = url.split_once('?').unwrap_or((url, ""));
        let mut sslmode = None;
        let mut root_certificates = None;
        let mut kept = Vec::new();
        for pair in query.split('&').filter(|pair| !pair.is_empty()) {
            match pair.split_once('=').unwrap_or((pair, "")) {
                ("sslmode", value) => sslmode = Some(value.to_owned()),
                ("sslrootcert", value) => root_certificates = Some(PathBuf::from(value)),
                _ => kept.push(pair),
            }
        }
        let tls = match sslmode.as_deref() {
            None | Some("disable") => PgTls::Disable,
            Some("require") => PgTls::Require,
            Some("verify-full") => PgTls::VerifyFull { root_certificates },
            Some(other) => {
                return Err(format!(
                    "sslmode={other} is not supported: use disable, require or verify-full"
                ));
            }
        };
        let driver_url = if kept.is_empty() {
            base.to_owned()
        } else {
            format!("{base}?{}", kept.join("&"))
        };
        Ok(PgConnectSettings { driver_url, tls })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scheme_picks_the_backend() {
        let cases = [
            (
                "sqlite://data/conduit.db",
                Backend::Sqlite,
                "data/conduit.db",
            ),
            ("postgres://u@h/db", Backend::Postgres, "postgres://u@h/db"),
            (
                "postgresql://u@h/db",
                Backend::Postgres,
                "postgresql://u@h/db",
            ),
            ("mysql://root@h/db", Backend::Mysql, "mysql://root@h/db"),
            ("mariadb://root@h/db", Backend::Mysql, "mysql://root@h/db"),
        ];
        for (input, backend, connection_string) in cases {
            let url = DatabaseUrl::parse(input).unwrap();
            assert_eq!(url.backend(), backend, "{input}");
            assert_eq!(url.connection_string(), connection_string, "{input}");
        }
    }

    #[test]
    fn unknown_schemes_and_empty_paths_are_refused() {
        assert!(
            DatabaseUrl::parse("oracle://x")
                .unwrap_err()
                .contains("oracle")
        );
        assert!(DatabaseUrl::parse("sqlite://").is_err());
        assert!(DatabaseUrl::parse("sqlite://:memory:").is_err());
        assert!(DatabaseUrl::parse("nonsense").is_err());
    }

    #[test]
    fn passwords_are_redacted() {
        let url = DatabaseUrl::parse("postgres://app:s3cret@db:5432/conduit").unwrap();
        assert_eq!(url.redacted(), "postgres://app:***@db:5432/conduit");
        assert!(!format!("{url:?}").contains("s3cret"));
    }
}
