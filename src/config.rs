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

mod reader;
mod settings;

use reader::Reader;
pub use reader::{Environment, Source};
pub use settings::SETTINGS;

use database::{DatabaseUrl, PoolSettings};
use events::{EventsUrl, parse_channel};
use graphql_limits::QueryLimits;
use rate_limits::{RateLimitSettings, TrustedProxies};
use uploads::{
    S3Settings, UploadSettings, parse_base_url, parse_region, parse_store, unless_empty,
};

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
