//! Rate limits inside the service, for deployments without a proxy in front and as a second line
//! behind one: credential attempts per client address and per account, a write quota per
//! user (articles and comments created) and an upload budget per user. They are checked by the service functions, so REST and GraphQL spend one budget,
//! and before any expensive work: a refused login or registration hashes nothing. A refusal is
//! [`AppError::RateLimited`] with the seconds to wait: 429 with `Retry-After` on REST,
//! `extensions.code = "RATE_LIMITED"` and `extensions.retryAfter` in GraphQL.
//!
//! Each budget is a `governor` GCRA bucket per key that refills evenly over a minute; its
//! settings are in [`RateLimitSettings`] (0 switches a limit off).

mod client_address;
mod keyed;

use std::net::IpAddr;

pub use crate::config::rate_limits::RateLimitSettings;
pub use client_address::{ClientAddress, TrustedProxies, client_address};
pub use keyed::KeyedLimit;

use crate::error::AppError;

/// The service's budgets, shared by every request of the instance.
pub struct RateLimits {
    credentials_per_address: KeyedLimit<IpAddr>,
    credentials_per_account: KeyedLimit<String>,
    writes_per_user: KeyedLimit<i32>,
    uploads_per_user: KeyedLimit<i32>,
}

impl RateLimits {
    pub fn new(settings: &RateLimitSettings) -> Self {
        RateLimits {
            credentials_per_address: KeyedLimit::per_minute(
                settings.credential_attempts_per_address,
            ),
            credentials_per_account: KeyedLimit::per_minute(
                settings.credential_attempts_per_account,
            ),
            writes_per_user: KeyedLimit::per_minute(settings.writes_per_user),
            uploads_per_user: KeyedLimit::per_minute(settings.uploads_per_user),
        }
    }

    /// Spends one login or registration attempt of `client`'s budget and then of `email`'s
    /// (already normalised, so `Alice@X` and `alice@x` share one). Called before the password
    /// is hashed or checked. An address out of budget spends nothing of the account's.
    pub fn check_credential_attempt(
        &self,
        client: ClientAddress,
        email: &str,
    ) -> Result<(), AppError> {
        self.credentials_per_address.check(&client.limit_key())?;
        self.credentials_per_account.check(&email.to_owned())
    }

    /// Spends one creation (an article or a comment) of the user's write quota. Called after
    /// the input is validated and before anything is written.
    pub fn check_write(&self, user_id: i32) -> Result<(), AppError> {
        self.writes_per_user.check(&user_id)
    }

    /// Spends one image upload of the user's budget. Called after the image is validated and
    /// before it is stored.
    pub fn check_upload(&self, user_id: i32) -> Result<(), AppError> {
        self.uploads_per_user.check(&user_id)
    }

    /// Keys held by the credential limits (addresses, accounts), to test that they are bounded.
    pub fn tracked_keys(&self) -> (usize, usize) {
        (
            self.credentials_per_address.tracked_keys(),
            self.credentials_per_account.tracked_keys(),
        )
    }

    /// Forgets every key whose budget is full again (tests; it also happens on its own).
    pub fn sweep(&self) {
        self.credentials_per_address.sweep();
        self.credentials_per_account.sweep();
        self.writes_per_user.sweep();
        self.uploads_per_user.sweep();
    }
}
