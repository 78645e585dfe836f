//! Every setting of the service: its environment variable, its default, and how a bad value is
//! reported. `Config::from_env` fails on the first bad value with one line that names the
//! variable and says what is expected, so a typo stops the process before it serves anything.

use std::fmt;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::str::FromStr;
use std::time::Duration;

pub mod database;
pub mod events;
pub mod graphql_limits;
pub mod rate_limits;
pub mod uploads;

use database::{DatabaseUrl, PoolSettings};
use events::{EventsUrl, parse_channel};
use graphql_limits::QueryLimits;
use rate_limits::{RateLimitSettings, TrustedProxies};
use uploads::{
    S3Settings, UploadSettings, parse_base_url, parse_region, parse_store, unless_empty,
};

/// Where a setting comes from; the process environment in production, a map in tests.
pub trait Source {
    fn get(&self, name: &str) -> Option<String>;
}

/// The process environment.
pub struct Environment;

impl Source for Environment {
    fn get(&self, name: &str) -> Option<String> {
        std::env::var(name).ok()
    }
}

impl<const N: usize> Source for [(&str, &str); N] {
    fn get(&self, name: &str) -> Option<String> {
        self.iter()
            .find(|(key, _)| *key == name)
            .map(|(_, value)| (*value).to_owned())
    }
}

/// The documented settings: (variable, default, meaning). README's table must list each one, and
/// each literal default must be what `from_source` uses (both are tested).
pub const SETTINGS: &[(&str, &str, &str)] = &[
    (
        "DATABASE_URL",
        "sqlite://data/conduit.db",
        "database; the scheme picks the backend: sqlite://PATH, postgres://…, mysql://…",
    ),
    (
        "BIND_ADDRESS",
        "127.0.0.1:8080",
        "address and port to listen on (0.0.0.0:8080 in a container)",
    ),
    (
        "JWT_SECRET",
        "(generated)",
        "HS256 key, at least 32 bytes; on SQLite a random one is kept in DATA_DIR/jwt-secret, on PostgreSQL/MySQL it must be set (replicas share it)",
    ),
    (
        "TOKEN_LIFETIME_SECS",
        "604800",
        "how long a token is valid, in seconds (60 to 31536000)",
    ),
    ("DATA_DIR", "data", "folder for the generated JWT secret"),
    (
        "DB_POOL_SIZE",
        "10",
        "maximum open database connections per instance (1 to 1000)",
    ),
    (
        "DB_TIMEOUT_SECS",
        "5",
        "how long a request waits for a connection before it gets 503 (1 to 300)",
    ),
    (
        "DB_CONNECT_TIMEOUT_SECS",
        "5",
        "how long opening a database connection may take before the attempt fails (1 to 300)",
    ),
    (
        "DB_SOCKET_TIMEOUT_SECS",
        "10",
        "how long a database connection may go without an answer from the server's machine before it is treated as lost: TCP keepalive probes after this much silence and, on PostgreSQL, tcp_user_timeout for data sent but not acknowledged; on MySQL only the first probe's delay can be set. Not used on SQLite (1 to 3600)",
    ),
    (
        "DB_STATEMENT_TIMEOUT_SECS",
        "10",
        "how long one SQL statement may run before the server cancels it and the request gets 503: statement_timeout on PostgreSQL, max_execution_time (MySQL) or max_statement_time (MariaDB) (1 to 3600)",
    ),
    (
        "DB_LOCK_TIMEOUT_SECS",
        "5",
        "how long a statement may wait for a lock before it fails and the request gets 503: lock_timeout on PostgreSQL, innodb_lock_wait_timeout and lock_wait_timeout on MySQL, busy_timeout on SQLite (1 to 3600)",
    ),
    (
        "REQUEST_TIMEOUT_SECS",
        "15",
        "how long a request may take before it is answered 503 (the database answers nothing, say) (1 to 3600)",
    ),
    (
        "DB_IDLE_TIMEOUT_SECS",
        "60",
        "how long a pooled database connection may sit unused before it is closed (10 to 3600)",
    ),
    (
        "MIGRATE_ON_START",
        "true",
        "apply pending migrations when the server starts (true/false)",
    ),
    (
        "MAX_BODY_BYTES",
        "1048576",
        "largest accepted request body; bigger ones get 413",
    ),
    (
        "LOG_FORMAT",
        "text",
        "text (human-readable) or json (one object per line)",
    ),
    (
        "GRAPHIQL",
        "true",
        "serve the GraphiQL playground on GET /graphql (true/false)",
    ),
    (
        "GRAPHQL_INTROSPECTION",
        "true",
        "allow GraphQL schema introspection (true/false)",
    ),
    (
        "GRAPHQL_MAX_DEPTH",
        "12",
        "deepest nesting of fields a GraphQL operation may have (introspection has its own budget)",
    ),
    (
        "GRAPHQL_MAX_COST",
        "10000",
        "most a GraphQL document may cost: each field 1, a top-level field 10, a list multiplies what it holds by its length",
    ),
    (
        "GRAPHQL_MAX_ROOT_FIELDS",
        "20",
        "most top-level fields of one GraphQL operation",
    ),
    (
        "GRAPHQL_MAX_ALIASES",
        "50",
        "most aliased fields in one GraphQL document",
    ),
    (
        "CREDENTIAL_ATTEMPTS_PER_ADDRESS",
        "30",
        "logins and registrations per client address and minute, REST and GraphQL together; an address's /64 for IPv6 (0 switches the limit off)",
    ),
    (
        "CREDENTIAL_ATTEMPTS_PER_ACCOUNT",
        "10",
        "logins and registrations per email and minute, from all addresses together (0 switches the limit off)",
    ),
    (
        "WRITES_PER_USER",
        "30",
        "articles and comments one user may create per minute, REST and GraphQL together (0 switches the quota off)",
    ),
    (
        "UPLOADS_PER_MINUTE",
        "10",
        "images one user may upload per minute, REST and GraphQL together (0 switches the limit off)",
    ),
    (
        "UPLOAD_MAX_BYTES",
        "5242880",
        "largest image accepted by POST /api/uploads, in bytes (1024 to 104857600); the upload route's body may exceed MAX_BODY_BYTES by this much",
    ),
    (
        "UPLOAD_MAX_PIXELS",
        "25000000",
        "most pixels (width × height, read from the image header) an uploaded image may have; refuses decompression bombs (1 to 1000000000)",
    ),
    (
        "UPLOADS_URL",
        "(DATA_DIR/uploads)",
        "where uploaded images are stored: s3://BUCKET[/PREFIX] for S3 (credentials from the standard AWS chain: AWS_* variables, web identity, the EC2 instance role), unset for files under DATA_DIR/uploads",
    ),
    (
        "UPLOADS_S3_REGION",
        "(AWS_REGION)",
        "the bucket's region; unset: AWS_REGION or AWS_DEFAULT_REGION, else us-east-1",
    ),
    (
        "UPLOADS_S3_ENDPOINT",
        "(none)",
        "endpoint of an S3-compatible store (http://127.0.0.1:9000); requests then use path-style URLs",
    ),
    (
        "UPLOADS_BASE_URL",
        "(the request's origin)",
        "scheme, host and optional path that upload URLs start with (https://conduit.example.com); unset: http(s)://HOST of the upload request, the scheme from X-Forwarded-Proto",
    ),
    (
        "TRUSTED_PROXIES",
        "(none)",
        "comma-separated addresses and networks (127.0.0.1,10.0.0.0/8) of proxies whose X-Forwarded-For names the client; from any other peer the header is ignored",
    ),
    (
        "SHUTDOWN_DRAIN_SECS",
        "5",
        "after SIGTERM/SIGINT, how long /health/ready answers 503 (and every answer says Connection: close) before the listener closes, so load balancers stop sending first (0 to 300)",
    ),
    (
        "SHUTDOWN_GRACE_SECS",
        "20",
        "after the listener closes, how long in-flight requests may still run before the process stops anyway (1 to 3600)",
    ),
    (
        "EVENTS_BUFFER",
        "1024",
        "how many live events (subscriptions, server-sent events) a subscriber may fall behind before it is dropped with a reason (16 to 65536)",
    ),
    (
        "EVENTS_URL",
        "(none)",
        "how live events reach the other replicas: redis://HOST[:PORT] for Redis pub/sub (any database; needed for MySQL with more than one replica), local for this process only; unset: PostgreSQL LISTEN/NOTIFY on PostgreSQL, this process only on SQLite and MySQL",
    ),
    (
        "EVENTS_CHANNEL",
        "conduit_events",
        "the PostgreSQL notification channel or Redis pub/sub channel events travel on; deployments sharing a Redis need one each (lower-case letters, digits, _)",
    ),
    (
        "LIVE_CONNECTIONS_MAX",
        "10000",
        "most live connections (server-sent event streams and GraphQL WebSockets together) one instance serves; past it a stream is refused 503 and a WebSocket closed with 1013 (1 to 1000000)",
    ),
    (
        "LIVE_SUBSCRIPTIONS_PER_CONNECTION",
        "100",
        "most GraphQL operations running at once on one WebSocket; one more is answered with an error (1 to 10000)",
    ),
    (
        "LIVE_PING_SECS",
        "30",
        "how often the server pings a GraphQL WebSocket; a client that sends nothing (not even the pong its WebSocket stack answers by itself) for twice as long, or no connection_init within it, is closed (5 to 3600)",
    ),
    (
        "INSTANCE_NAME",
        "(the host name)",
        "this instance's name, sent in every response's X-Conduit-Instance header",
    ),
];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    Text,
    Json,
}

/// A secret that never appears in `Debug` output or logs.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: String) -> Self {
        Secret(value)
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str("Secret(***)")
    }
}

/// The shortest JWT secret accepted (HS256 wants a key as long as its output).
pub const MIN_SECRET_BYTES: usize = 32;

#[derive(Debug, Clone)]
pub struct Config {
    pub database_url: DatabaseUrl,
    pub bind_address: SocketAddr,
    pub jwt_secret: Option<Secret>,
    pub token_lifetime: Duration,
    pub data_dir: PathBuf,
    pub pool: PoolSettings,
    /// The longest a request may take before it is answered 503 (`REQUEST_TIMEOUT_SECS`).
    pub request_timeout: Duration,
    pub migrate_on_start: bool,
    pub max_body_bytes: usize,
    pub log_format: LogFormat,
    pub graphiql: bool,
    pub graphql_introspection: bool,
    pub graphql_limits: QueryLimits,
    pub rate_limits: RateLimitSettings,
    pub instance_name: String,
    pub shutdown: ShutdownSettings,
    pub events: EventSettings,
    pub uploads: UploadSettings,
}

/// Live updates: GraphQL subscriptions and server-sent events (see `events`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventSettings {
    /// Events a subscriber may fall behind before it is dropped (`EVENTS_BUFFER`); also how
    /// many of this process's events may wait for the transport.
    pub capacity: usize,
    /// How events reach the other replicas (`EVENTS_URL`).
    pub url: EventsUrl,
    /// The channel they travel on (`EVENTS_CHANNEL`).
    pub channel: String,
    /// Most server-sent event streams and GraphQL WebSockets open at once
    /// (`LIVE_CONNECTIONS_MAX`).
    pub max_connections: usize,
    /// Most operations running at once on one GraphQL WebSocket
    /// (`LIVE_SUBSCRIPTIONS_PER_CONNECTION`).
    pub subscriptions_per_connection: usize,
    /// How often a GraphQL WebSocket is pinged; twice this without a word from the client
    /// closes it (`LIVE_PING_SECS`).
    pub ping_interval: Duration,
}

/// The stages of a graceful shutdown (see `server`): first the drain, while the instance still
/// serves but reports itself not ready; then the grace, while requests already running finish.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShutdownSettings {
    /// From the signal to closing the listener (`SHUTDOWN_DRAIN_SECS`).
    pub drain: Duration,
    /// From closing the listener to stopping, at the latest (`SHUTDOWN_GRACE_SECS`).
    pub grace: Duration,
}

/// A setting with a bad value: `DB_POOL_SIZE="abc": expected a whole number from 1 to 1000`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid setting {name}={value:?}: {problem}")]
pub struct ConfigError {
    pub name: &'static str,
    pub value: String,
    pub problem: String,
}

impl Config {
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_source(&Environment)
    }

    pub fn from_source(source: &impl Source) -> Result<Self, ConfigError> {
        let reader = Reader { source };
        Ok(Config {
            database_url: reader.parse("DATABASE_URL", "sqlite://data/conduit.db", |v| {
                DatabaseUrl::parse(v)
            })?,
            bind_address: reader.parse("BIND_ADDRESS", "127.0.0.1:8080", |v| {
                SocketAddr::from_str(v).map_err(|_| "expected IP:PORT, e.g. 0.0.0.0:8080".into())
            })?,
            jwt_secret: reader.optional("JWT_SECRET", |v| {
                if v.len() < MIN_SECRET_BYTES {
                    Err(format!("must be at least {MIN_SECRET_BYTES} bytes long"))
                } else {
                    Ok(Secret::new(v.to_owned()))
                }
            })?,
            token_lifetime: Duration::from_secs(reader.number(
                "TOKEN_LIFETIME_SECS",
                604_800,
                60..=31_536_000,
            )?),
            data_dir: reader.parse("DATA_DIR", "data", |v| Ok(PathBuf::from(v)))?,
            pool: PoolSettings {
                max_size: reader.number("DB_POOL_SIZE", 10, 1..=1000)?,
                checkout_timeout: Duration::from_secs(reader.number(
                    "DB_TIMEOUT_SECS",
                    5,
                    1..=300,
                )?),
                idle_timeout: reader.seconds("DB_IDLE_TIMEOUT_SECS", 60, 10..=3600)?,
                connect_timeout: reader.seconds("DB_CONNECT_TIMEOUT_SECS", 5, 1..=300)?,
                socket_timeout: reader.seconds("DB_SOCKET_TIMEOUT_SECS", 10, 1..=3600)?,
                statement_timeout: reader.seconds("DB_STATEMENT_TIMEOUT_SECS", 10, 1..=3600)?,
                lock_timeout: reader.seconds("DB_LOCK_TIMEOUT_SECS", 5, 1..=3600)?,
            },
            request_timeout: reader.seconds("REQUEST_TIMEOUT_SECS", 15, 1..=3600)?,
            migrate_on_start: reader.flag("MIGRATE_ON_START", true)?,
            max_body_bytes: reader.number("MAX_BODY_BYTES", 1_048_576, 1_024..=104_857_600)?,
            log_format: reader.parse("LOG_FORMAT", "text", |v| match v {
                "text" => Ok(LogFormat::Text),
                "json" => Ok(LogFormat::Json),
                _ => Err("expected text or json".into()),
            })?,
            graphiql: reader.flag("GRAPHIQL", true)?,
            graphql_introspection: reader.flag("GRAPHQL_INTROSPECTION", true)?,
            graphql_limits: {
                let defaults = QueryLimits::default();
                QueryLimits {
                    max_depth: reader.number("GRAPHQL_MAX_DEPTH", defaults.max_depth, 1..=100)?,
                    max_cost: reader.number(
                        "GRAPHQL_MAX_COST",
                        defaults.max_cost,
                        1..=10_000_000,
                    )?,
                    max_root_fields: reader.number(
                        "GRAPHQL_MAX_ROOT_FIELDS",
                        defaults.max_root_fields,
                        1..=1_000,
                    )?,
                    max_aliases: reader.number(
                        "GRAPHQL_MAX_ALIASES",
                        defaults.max_aliases,
                        0..=10_000,
                    )?,
                    ..defaults
                }
            },
            rate_limits: RateLimitSettings {
                credential_attempts_per_address: reader.number(
                    "CREDENTIAL_ATTEMPTS_PER_ADDRESS",
                    30,
                    0..=1_000_000,
                )?,
                credential_attempts_per_account: reader.number(
                    "CREDENTIAL_ATTEMPTS_PER_ACCOUNT",
                    10,
                    0..=1_000_000,
                )?,
                writes_per_user: reader.number("WRITES_PER_USER", 30, 0..=1_000_000)?,
                uploads_per_user: reader.number("UPLOADS_PER_MINUTE", 10, 0..=1_000_000)?,
                trusted_proxies: reader.parse("TRUSTED_PROXIES", "", TrustedProxies::parse)?,
            },
            instance_name: reader.parse(
                "INSTANCE_NAME",
                &source
                    .get("HOSTNAME")
                    .unwrap_or_else(|| "conduit".to_owned()),
                |v| {
                    let valid =
                        (1..=64).contains(&v.len()) && v.bytes().all(|b| b.is_ascii_graphic());
                    if valid {
                        Ok(v.to_owned())
                    } else {
                        Err("expected 1 to 64 visible ASCII characters".into())
                    }
                },
            )?,
            shutdown: ShutdownSettings {
                drain: Duration::from_secs(reader.number("SHUTDOWN_DRAIN_SECS", 5, 0..=300)?),
                grace: Duration::from_secs(reader.number("SHUTDOWN_GRACE_SECS", 20, 1..=3600)?),
            },
            events: EventSettings {
                capacity: reader.number("EVENTS_BUFFER", 1024, 16..=65_536)?,
                url: reader.parse("EVENTS_URL", "", EventsUrl::parse)?,
                channel: reader.parse("EVENTS_CHANNEL", "conduit_events", parse_channel)?,
                max_connections: reader.number("LIVE_CONNECTIONS_MAX", 10_000, 1..=1_000_000)?,
                subscriptions_per_connection: reader.number(
                    "LIVE_SUBSCRIPTIONS_PER_CONNECTION",
                    100,
                    1..=10_000,
                )?,
                ping_interval: reader.seconds("LIVE_PING_SECS", 30, 5..=3600)?,
            },
            uploads: UploadSettings {
                store: reader.parse("UPLOADS_URL", "", parse_store)?,
                s3: S3Settings {
                    // Empty is unset: compose files pass `${UPLOADS_S3_REGION:-}` through.
                    region: reader
                        .parse("UPLOADS_S3_REGION", "", |v| unless_empty(v, parse_region))?,
                    endpoint: reader.parse("UPLOADS_S3_ENDPOINT", "", |v| {
                        unless_empty(v, parse_base_url)
                    })?,
                },
                max_bytes: reader.number("UPLOAD_MAX_BYTES", 5_242_880, 1_024..=104_857_600)?,
                max_pixels: reader.number("UPLOAD_MAX_PIXELS", 25_000_000, 1..=1_000_000_000)?,
                base_url: reader.optional("UPLOADS_BASE_URL", parse_base_url)?,
            },
        })
    }
}

struct Reader<'a, S> {
    source: &'a S,
}

impl<S: Source> Reader<'_, S> {
    fn optional<T>(
        &self,
        name: &'static str,
        parse: impl FnOnce(&str) -> Result<T, String>,
    ) -> Result<Option<T>, ConfigError> {
        match self.source.get(name) {
            None => Ok(None),
            Some(value) => parse(value.trim())
                .map(Some)
                .map_err(|problem| ConfigError {
                    name,
                    value: if name.contains("SECRET") {
                        "***".into()
                    } else {
                        value
                    },
                    problem,
                }),
        }
    }

    /// Parses the variable, or the default when it is unset, through the same rules.
    fn parse<T>(
        &self,
        name: &'static str,
        default: &str,
        parse: impl Fn(&str) -> Result<T, String>,
    ) -> Result<T, ConfigError> {
        match self.optional(name, &parse)? {
            Some(value) => Ok(value),
            None => parse(default).map_err(|problem| ConfigError {
                name,
                value: default.into(),
                problem,
            }),
        }
    }

    fn number<T>(
        &self,
        name: &'static str,
        default: T,
        range: std::ops::RangeInclusive<T>,
    ) -> Result<T, ConfigError>
    where
        T: FromStr + PartialOrd + fmt::Display + Copy,
    {
        let expected = || {
            format!(
                "expected a whole number from {} to {}",
                range.start(),
                range.end()
            )
        };
        Ok(self
            .optional(name, |v| match v.parse::<T>() {
                Ok(number) if range.contains(&number) => Ok(number),
                _ => Err(expected()),
            })?
            .unwrap_or(default))
    }

    /// A whole number of seconds, as [`number`](Self::number) reads it.
    fn seconds(
        &self,
        name: &'static str,
        default: u64,
        range: std::ops::RangeInclusive<u64>,
    ) -> Result<Duration, ConfigError> {
        self.number(name, default, range).map(Duration::from_secs)
    }

    fn flag(&self, name: &'static str, default: bool) -> Result<bool, ConfigError> {
        Ok(self
            .optional(name, |v| match v.to_ascii_lowercase().as_str() {
                "true" | "1" | "yes" | "on" => Ok(true),
                "false" | "0" | "no" | "off" => Ok(false),
                _ => Err("expected true or false".into()),
            })?
            .unwrap_or(default))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_setting_has_a_working_default() {
        let config = Config::from_source(&[]).unwrap();
        assert_eq!(config.bind_address.to_string(), "127.0.0.1:8080");
        assert_eq!(config.pool.max_size, 10);
        assert!(config.migrate_on_start);
        assert!(config.jwt_secret.is_none());
        assert_eq!(config.log_format, LogFormat::Text);
    }

    #[test]
    fn a_bad_value_names_the_setting_and_what_is_expected() {
        let cases = [
            (
                "DB_POOL_SIZE",
                "abc",
                "expected a whole number from 1 to 1000",
            ),
            (
                "DB_POOL_SIZE",
                "0",
                "expected a whole number from 1 to 1000",
            ),
            ("BIND_ADDRESS", "localhost", "expected IP:PORT"),
            ("MIGRATE_ON_START", "maybe", "expected true or false"),
            ("LOG_FORMAT", "xml", "expected text or json"),
            ("DATABASE_URL", "oracle://db", "unsupported scheme"),
            ("JWT_SECRET", "short", "at least 32 bytes"),
            ("INSTANCE_NAME", "two words", "visible ASCII"),
            (
                "TRUSTED_PROXIES",
                "10.0.0.0/8,proxy",
                "not an IP address or network",
            ),
            (
                "CREDENTIAL_ATTEMPTS_PER_ACCOUNT",
                "-1",
                "expected a whole number from 0 to 1000000",
            ),
            (
                "SHUTDOWN_DRAIN_SECS",
                "301",
                "expected a whole number from 0 to 300",
            ),
            (
                "SHUTDOWN_GRACE_SECS",
                "0",
                "expected a whole number from 1 to 3600",
            ),
            (
                "DB_STATEMENT_TIMEOUT_SECS",
                "0",
                "expected a whole number from 1 to 3600",
            ),
            (
                "REQUEST_TIMEOUT_SECS",
                "soon",
                "expected a whole number from 1 to 3600",
            ),
            ("EVENTS_URL", "kafka://broker:9092", "expected redis://"),
            ("EVENTS_CHANNEL", "Conduit-Events", "lower-case letters"),
            (
                "UPLOAD_MAX_BYTES",
                "1000",
                "expected a whole number from 1024 to 104857600",
            ),
            (
                "UPLOADS_BASE_URL",
                "ftp://files.example",
                "expected an http://",
            ),
            ("UPLOADS_URL", "/var/uploads", "expected s3://BUCKET"),
            ("UPLOADS_S3_REGION", "EU West", "expected a region name"),
            (
                "UPLOADS_S3_ENDPOINT",
                "127.0.0.1:9000",
                "expected an http://",
            ),
        ];
        for (name, value, problem) in cases {
            let error = Config::from_source(&[(name, value)]).unwrap_err();
            assert_eq!(error.name, name);
            let line = error.to_string();
            assert!(line.contains(name) && line.contains(problem), "{line}");
            assert!(!line.contains('\n'));
        }
    }

    #[test]
    fn the_documented_defaults_are_the_defaults() {
        let defaults = format!("{:?}", Config::from_source(&[]).unwrap());
        for (name, default, _) in SETTINGS {
            if default.starts_with('(') {
                continue; // computed: a generated secret, the host name
            }
            let explicit = format!("{:?}", Config::from_source(&[(*name, *default)]).unwrap());
            assert_eq!(explicit, defaults, "{name}'s documented default {default}");
        }
    }

    #[test]
    fn secrets_stay_out_of_error_messages_and_debug_output() {
        let error = Config::from_source(&[("JWT_SECRET", "too-short-secret")]).unwrap_err();
        assert!(!error.to_string().contains("too-short-secret"));
        let secret = "0123456789abcdef0123456789abcdef";
        let config = Config::from_source(&[("JWT_SECRET", secret)]).unwrap();
        assert!(!format!("{config:?}").contains(secret));
    }
}

#[cfg(test)]
mod documentation_tests {
    #[test]
    fn the_readme_documents_every_setting() {
        let readme = include_str!("../README.md");
        for (name, default, _) in super::SETTINGS {
            let row = format!("| `{name}` |");
            assert!(readme.contains(&row), "README.md lacks a row for {name}");
            if !default.starts_with('(') {
                assert!(
                    readme.contains(&format!("| `{default}` |")),
                    "README.md lacks {name}'s default {default}"
                );
            }
        }
    }
}
