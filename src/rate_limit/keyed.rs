//! One budget per key (a client address, an account, a user) on top of `governor`'s keyed GCRA
//! limiter, with the bookkeeping it leaves to its user: forgetting idle keys, so that the map
//! holds only the keys used in the last minute, and turning a refusal into a retry hint.

use std::hash::Hash;
use std::num::NonZeroU32;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use governor::clock::Clock as _;
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};

use crate::error::AppError;

/// How often idle keys are swept out of the map.
const SWEEP_INTERVAL: Duration = Duration::from_secs(10);

/// At most `per_minute` events per key and minute, as a bucket of `per_minute` that refills
/// evenly (one every `60 / per_minute` seconds): a client may spend its whole minute at once
/// and then waits for the refill. A limit of 0 admits everything.
pub struct KeyedLimit<K: Hash + Eq + Clone> {
    limiter: Option<DefaultKeyedRateLimiter<K>>,
    started: Instant,
    /// Milliseconds after `started` of the last sweep.
    last_sweep: AtomicU64,
}

impl<K: Hash + Eq + Clone> KeyedLimit<K> {
    pub fn per_minute(per_minute: u32) -> Self {
        KeyedLimit {
            limiter: NonZeroU32::new(per_minute)
                .map(|limit| RateLimiter::dashmap(Quota::per_minute(limit))),
            started: Instant::now(),
            last_sweep: AtomicU64::new(0),
        }
    }

    /// Spends one event of `key`'s budget, or refuses with [`AppError::RateLimited`] and the
    /// whole seconds until the next event would be admitted (at least 1). A refusal spends
    /// nothing.
    pub fn check(&self, key: &K) -> Result<(), AppError> {
        let Some(limiter) = &self.limiter else {
            return Ok(());
        };
        self.sweep_if_due(limiter);
        limiter.check_key(key).map_err(|not_until| {
            let wait = not_until.wait_time_from(limiter.clock().now());
            let whole_seconds = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
            AppError::RateLimited {
                retry_after_secs: whole_seconds.max(1),
            }
        })
    }

    /// How many keys the map holds now (for tests of its bound).
    pub fn tracked_keys(&self) -> usize {
        self.limiter.as_ref().map_or(0, |limiter| limiter.len())
    }

    /// Forgets every key whose budget is full again: a key lives at most a minute after its
    /// last use, so the map's size is bounded by the keys seen in the last minute (which the
    /// per-address limit bounds in turn). One caller sweeps; the others go on.
    fn sweep_if_due(&self, limiter: &DefaultKeyedRateLimiter<K>) {
        let now = u64::try_from(self.started.elapsed().as_millis()).unwrap_or(u64::MAX);
        let last = self.last_sweep.load(Ordering::Relaxed);
        let interval = u64::try_from(SWEEP_INTERVAL.as_millis()).unwrap_or(u64::MAX);
        if now.saturating_sub(last) >= interval
            && self
                .last_sweep
                .compare_exchange(last, now, Ordering::Relaxed, Ordering::Relaxed)
                .is_ok()
        {
            limiter.retain_recent();
            limiter.shrink_to_fit();
        }
    }

    /// Forgets idle keys now (tests; production sweeps on its own every few seconds).
    pub fn sweep(&self) {
        if let Some(limiter) = &self.limiter {
            limiter.retain_recent();
            limiter.shrink_to_fit();
        }
    }
}
