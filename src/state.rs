//! The shared state every handler, resolver and service function receives. Cheap to clone.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use crate::auth::{PasswordHasher, TokenKeys};
use crate::config::Config;
use crate::db::Database;
use crate::events::Events;
use crate::events::connections::LiveConnections;
use crate::media::MediaStore;
use crate::metrics::Metrics;
use crate::rate_limit::RateLimits;

#[derive(Clone)]
pub struct AppState {
    inner: Arc<Inner>,
}

struct Inner {
    db: Database,
    tokens: TokenKeys,
    passwords: PasswordHasher,
    metrics: Metrics,
    rate_limits: RateLimits,
    events: Events,
    live_connections: LiveConnections,
    media: MediaStore,
    config: Config,
    draining: AtomicBool,
}

impl AppState {
    pub fn new(
        db: Database,
        tokens: TokenKeys,
        passwords: PasswordHasher,
        metrics: Metrics,
        events: Events,
        media: MediaStore,
        config: Config,
    ) -> Self {
        AppState {
            inner: Arc::new(Inner {
                db,
                tokens,
                passwords,
                metrics,
                rate_limits: RateLimits::new(&config.rate_limits),
                events,
                live_connections: LiveConnections::new(config.events.max_connections),
                media,
                config,
                draining: AtomicBool::new(false),
            }),
        }
    }

    pub fn db(&self) -> &Database {
        &self.inner.db
    }

    /// A new request session: one pooled connection at most, checked out on first use.
    pub fn session(&self) -> crate::db::Session {
        self.inner.db.session(self.inner.events.clone())
    }

    pub fn tokens(&self) -> &TokenKeys {
        &self.inner.tokens
    }

    pub fn passwords(&self) -> &PasswordHasher {
        &self.inner.passwords
    }

    /// The app's Prometheus registry and the instruments requests record into.
    pub fn metrics(&self) -> &Metrics {
        &self.inner.metrics
    }

    /// The instance's rate limits (credential attempts), which the service functions check.
    pub fn rate_limits(&self) -> &RateLimits {
        &self.inner.rate_limits
    }

    /// The event hub behind subscriptions and server-sent events.
    pub fn events(&self) -> &Events {
        &self.inner.events
    }

    /// The server-sent event streams and GraphQL WebSockets open now, and their limit.
    pub fn live_connections(&self) -> &LiveConnections {
        &self.inner.live_connections
    }

    /// Where uploaded images are stored.
    pub fn media(&self) -> &MediaStore {
        &self.inner.media
    }

    pub fn config(&self) -> &Config {
        &self.inner.config
    }

    /// Marks the instance as shutting down: from now on `/health/ready` answers 503 and every
    /// answer carries `Connection: close`, so load balancers and clients move elsewhere before the
    /// listener closes. There is no way back.
    pub fn start_draining(&self) {
        self.inner.draining.store(true, Ordering::Relaxed);
    }

    /// Whether [`start_draining`](Self::start_draining) was called.
    pub fn is_draining(&self) -> bool {
        self.inner.draining.load(Ordering::Relaxed)
    }
}

impl AppState {
    /// Connects to the configured database (migrating it first when configured to) and loads the
    /// token secret.
    pub async fn build(config: Config) -> anyhow::Result<AppState> {
        if config.migrate_on_start {
            let applied = crate::db::migrate::run_pending_migrations(&config.database_url).await?;
            if !applied.is_empty() {
                tracing::info!(?applied, "applied migrations");
            }
        }
        let database = Database::connect(&config.database_url, &config.pool).await?;
        let secret = crate::auth::secret::load_or_create(&config)?;
        let tokens = TokenKeys::new(secret.expose().as_bytes(), config.token_lifetime)?;
        let password_metrics = crate::metrics::PasswordHashMetrics::new()?;
        let transport = crate::events::Transport::choose(&config.events.url, &config.database_url);
        let events = Events::connect(
            config.events.capacity,
            transport,
            config.events.channel.clone(),
            config.pool.connect_timeout,
        )
        .await;
        let metrics = Metrics::new(&database, &password_metrics, &events)?;
        let passwords = PasswordHasher::new(password_hashing_slots(), password_metrics)?;
        let media = MediaStore::connect(&config.uploads, &config.data_dir)?;
        Ok(AppState::new(
            database, tokens, passwords, metrics, events, media, config,
        ))
    }
}

/// Concurrent argon2 computations allowed: one per core, since each is CPU-bound and holds
/// 19 MiB; more would only queue inside the CPU.
fn password_hashing_slots() -> usize {
    std::thread::available_parallelism().map_or(2, usize::from)
}
