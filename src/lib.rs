//! Conduit: the RealWorld blogging backend, one service layer behind a REST API (`/api`, the
//! RealWorld contract) and a GraphQL API (`/graphql`), on SQLite, PostgreSQL or MySQL.
//!
//! `main` and the integration tests both start the service through this crate: [`AppState::build`]
//! opens the database, [`app`] builds the router, [`serve`] runs it until a shutdown signal and stops
//! it without losing a request.

pub mod auth;
pub mod check;
pub mod config;
pub mod db;
mod deadline;
pub mod error;
pub mod events;
pub mod graphql;
pub mod metrics;
pub mod rate_limit;
pub mod request_id;
pub mod rest;
pub mod security_headers;
pub mod seed;
mod server;
pub mod service;
pub mod state;
mod web;

pub use server::serve;
pub use state::AppState;
pub use web::{app, healthcheck};

use config::Config;

impl AppState {
    /// Connects to the configured database (migrating it first when configured to) and loads the
    /// token secret.
    pub async fn build(config: Config) -> anyhow::Result<AppState> {
        if config.migrate_on_start {
            let applied = db::migrate::run_pending_migrations(&config.database_url).await?;
            if !applied.is_empty() {
                tracing::info!(?applied, "applied migrations");
            }
        }
        let database = db::Database::connect(&config.database_url, &config.pool).await?;
        let secret = auth::secret::load_or_create(&config)?;
        let tokens = auth::TokenKeys::new(secret.expose().as_bytes(), config.token_lifetime)?;
        let password_metrics = metrics::PasswordHashMetrics::new()?;
        let transport = events::Transport::choose(&config.events.url, &config.database_url);
        let events = events::Events::connect(
            config.events.capacity,
            transport,
            config.events.channel.clone(),
            config.pool.connect_timeout,
        )
        .await;
        let metrics = metrics::Metrics::new(&database, &password_metrics, &events)?;
        let passwords = auth::PasswordHasher::new(password_hashing_slots(), password_metrics)?;
        Ok(AppState::new(
            database, tokens, passwords, metrics, events, config,
        ))
    }
}

/// Concurrent argon2 computations allowed: one per core, since each is CPU-bound and holds
/// 19 MiB; more would only queue inside the CPU.
fn password_hashing_slots() -> usize {
    std::thread::available_parallelism().map_or(2, usize::from)
}
