//! Whether the pool can currently reach its database, so that the log tells an outage and its
//! end once each (not once per request), and a request that finds no connection can say why.

use std::sync::Mutex;
use std::time::Instant;

use super::Backend;

/// What the pool last saw when it opened connections to `backend`.
pub struct Reachability {
    backend: Backend,
    outage: Mutex<Option<Outage>>,
}

/// A run of failed attempts to connect, ended by the next successful one.
struct Outage {
    since: Instant,
    last_error: String,
}

impl Reachability {
    pub fn new(backend: Backend) -> Self {
        Reachability {
            backend,
            outage: Mutex::new(None),
        }
    }

    /// A connection attempt failed: the first failure of an outage is logged as a warning,
    /// later ones only replace the last error.
    pub fn connect_failed(&self, error: &dyn std::fmt::Display) {
        let last_error = error.to_string();
        let mut outage = self
            .outage
            .lock()
            .unwrap_or_else(|poison| poison.into_inner());
        match outage.as_mut() {
            Some(outage) => outage.last_error = last_error,
            None => {
                tracing::warn!(backend = %self.backend, error = %last_error, "cannot connect to the database");
                *outage = Some(Outage {
                    since: Instant::now(),
                    last_error,
                });
            }
        }
    }

    /// A connection was opened: ends an outage, logged once.
    pub fn connected(&self) {
        let ended = self
            .outage
            .lock()
            .unwrap_or_else(|poison| poison.into_inner())
            .take();
        if let Some(outage) = ended {
            tracing::info!(
                backend = %self.backend,
                outage_secs = format!("{:.1}", outage.since.elapsed().as_secs_f64()),
                last_error = %outage.last_error,
                "database reachable again"
            );
        }
    }

    /// The error of the last failed attempt to connect, while the database is unreachable.
    pub fn last_error(&self) -> Option<String> {
        self.outage
            .lock()
            .unwrap_or_else(|poison| poison.into_inner())
            .as_ref()
            .map(|outage| outage.last_error.clone())
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }
}
