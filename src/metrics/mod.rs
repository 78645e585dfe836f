//! Prometheus metrics, served on `GET /metrics` in the text exposition format (version 0.0.4).
//!
//! Each [`AppState`](crate::AppState) owns one [`Metrics`]: its own registry, so that several
//! apps in one process (the tests) never mix their figures. What is measured, and where:
//!
//! | metric | type | labels | recorded by |
//! |---|---|---|---|
//! | `http_request_duration_seconds` | histogram | `method`, `route` (axum route template), `status` | [`http::track`]; `_count` is the number of requests |
//! | `http_requests_in_flight` | gauge | | [`http::track`] |
//! | `conduit_graphql_operation_duration_seconds` | histogram | `operation`, `outcome` | [`graphql::GraphqlMetrics`] |
//! | `conduit_errors_total` | counter | `interface` (`rest`, `graphql`), `code` | both interfaces, from the domain error code |
//! | `conduit_db_*` | gauges and counters | `backend` | [`database::DatabaseCollector`], read from the pool at scrape time |
//! | `conduit_live_subscribers` | gauge | | [`live::LiveCollector`], read from the event hub at scrape time |
//! | `conduit_password_hash_*` | gauge and histograms | | [`PasswordHashMetrics`] |
//! | `conduit_build_info` | gauge (always 1) | `version` | [`Metrics::new`] |
//! | `process_*` | standard process metrics (CPU, resident memory, file descriptors) | | the `prometheus` crate, Linux only |
//!
//! The hot path costs one label lookup and a few atomic additions per request; figures that the
//! pool and the statement counter already keep are read only when scraped.

pub mod database;
pub mod graphql;
pub mod http;
pub mod live;

use std::sync::Arc;

use prometheus::{Encoder as _, Histogram, HistogramOpts, IntCounterVec, IntGauge, Opts, Registry};

use crate::db::Database;
use crate::events::Events;

/// Latency buckets in seconds, from 1 ms (a cached read on loopback) to 10 s (past every
/// timeout the service sets).
pub const LATENCY_BUCKETS: &[f64] = &[
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];

/// The registry of one app and the instruments that request handling records into. Cheap to
/// clone.
#[derive(Clone)]
pub struct Metrics {
    inner: Arc<Inner>,
}

struct Inner {
    registry: Registry,
    http: http::HttpMetrics,
    graphql: graphql::GraphqlMetrics,
    errors: IntCounterVec,
}

impl Metrics {
    /// Registers every metric of the app: the HTTP and GraphQL instruments, the error counter,
    /// the database pool and statement figures of `database`, the password-hashing instruments
    /// of `password_hashing`, the live subscribers of `events`, the build info and (on Linux) the
    /// process metrics.
    pub fn new(
        database: &Database,
        password_hashing: &PasswordHashMetrics,
        events: &Events,
    ) -> anyhow::Result<Self> {
        let registry = Registry::new();
        let http = http::HttpMetrics::new(&registry)?;
        let errors = IntCounterVec::new(
            Opts::new(
                "conduit_errors_total",
                "Errors answered to clients, by interface (rest, graphql) and domain error code",
            ),
            &["interface", "code"],
        )?;
        registry.register(Box::new(errors.clone()))?;
        let graphql = graphql::GraphqlMetrics::new(&registry, errors.clone())?;
        registry.register(Box::new(database::DatabaseCollector::new(
            database.clone(),
        )?))?;
        password_hashing.register(&registry)?;
        registry.register(Box::new(live::LiveCollector::new(events.clone())?))?;
        let build_info = IntGauge::with_opts(
            Opts::new(
                "conduit_build_info",
                "Always 1; the labels say which build of Conduit is running",
            )
            .const_label("version", env!("CARGO_PKG_VERSION")),
        )?;
        build_info.set(1);
        registry.register(Box::new(build_info))?;
        #[cfg(target_os = "linux")]
        registry.register(Box::new(
            prometheus::process_collector::ProcessCollector::for_self(),
        ))?;
        Ok(Metrics {
            inner: Arc::new(Inner {
                registry,
                http,
                graphql,
                errors,
            }),
        })
    }

    /// Every metric in the Prometheus text exposition format, and its content type.
    pub fn render(&self) -> (String, String) {
        let encoder = prometheus::TextEncoder::new();
        let mut text = Vec::new();
        if let Err(error) = encoder.encode(&self.inner.registry.gather(), &mut text) {
            tracing::error!(%error, "cannot encode the metrics");
        }
        (
            String::from_utf8_lossy(&text).into_owned(),
            encoder.format_type().to_owned(),
        )
    }

    pub fn http(&self) -> &http::HttpMetrics {
        &self.inner.http
    }

    pub fn graphql(&self) -> &graphql::GraphqlMetrics {
        &self.inner.graphql
    }

    /// Counts one error answered through `interface` (`rest` or `graphql`) with its stable code.
    pub fn count_error(&self, interface: &str, code: &str) {
        self.inner
            .errors
            .with_label_values(&[interface, code])
            .inc();
    }
}

/// The password-hashing queue: how many requests wait for a hashing slot, how long they waited
/// and how long a hash took. Cheap to clone; kept by the
/// [`PasswordHasher`](crate::auth::PasswordHasher), registered by [`Metrics::new`].
#[derive(Clone)]
pub struct PasswordHashMetrics {
    /// Requests waiting for a hashing slot right now.
    pub queue_length: IntGauge,
    /// Seconds from asking for a slot to getting one (or giving up).
    pub queue_wait: Histogram,
    /// Seconds one argon2 hash or verification took on its blocking thread.
    pub duration: Histogram,
}

impl PasswordHashMetrics {
    pub fn new() -> anyhow::Result<Self> {
        Ok(PasswordHashMetrics {
            queue_length: IntGauge::new(
                "conduit_password_hash_queue_length",
                "Requests waiting for a password-hashing slot",
            )?,
            queue_wait: Histogram::with_opts(
                HistogramOpts::new(
                    "conduit_password_hash_queue_wait_seconds",
                    "Time a request waited for a password-hashing slot",
                )
                .buckets(LATENCY_BUCKETS.to_vec()),
            )?,
            duration: Histogram::with_opts(
                HistogramOpts::new(
                    "conduit_password_hash_duration_seconds",
                    "Time one argon2id hash or verification took",
                )
                .buckets(LATENCY_BUCKETS.to_vec()),
            )?,
        })
    }

    fn register(&self, registry: &Registry) -> prometheus::Result<()> {
        registry.register(Box::new(self.queue_length.clone()))?;
        registry.register(Box::new(self.queue_wait.clone()))?;
        registry.register(Box::new(self.duration.clone()))
    }
}
