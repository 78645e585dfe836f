//! The shared state every handler, resolver and service function receives. Cheap to clone.

use std::sync::Arc;

use crate::auth::{PasswordHasher, TokenKeys};
use crate::config::Config;
use crate::db::Database;

#[derive(Clone)]
pub struct AppState {
    inner: Arc<Inner>,
}

struct Inner {
    db: Database,
    tokens: TokenKeys,
    passwords: PasswordHasher,
    config: Config,
}

impl AppState {
    pub fn new(db: Database, tokens: TokenKeys, passwords: PasswordHasher, config: Config) -> Self {
        AppState {
            inner: Arc::new(Inner {
                db,
                tokens,
                passwords,
                config,
            }),
        }
    }

    pub fn db(&self) -> &Database {
        &self.inner.db
    }

    pub fn tokens(&self) -> &TokenKeys {
        &self.inner.tokens
    }

    pub fn passwords(&self) -> &PasswordHasher {
        &self.inner.passwords
    }

    pub fn config(&self) -> &Config {
        &self.inner.config
    }
}
