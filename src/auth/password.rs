//! Password hashing with argon2id at the OWASP minimum (19 MiB, 2 passes, 1 lane). Hashing is
//! CPU- and memory-heavy, so it runs on a fixed set of worker threads of its own (see
//! [`WorkerPool`] for why not tokio's blocking threads), and a semaphore bounds how many wait, so
//! that a burst of logins neither exhausts memory nor holds up other requests.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, LazyLock};

use argon2::password_hash::phc::PasswordHash;
use argon2::{Algorithm, Params, Version};
use tokio::sync::Semaphore;

use super::argon2_memory;
use super::worker_pool::WorkerPool;
use crate::error::AppError;
use crate::metrics::PasswordHashMetrics;

/// argon2id, version 0x13, with `Params::DEFAULT`: the OWASP minimum (m = 19 MiB, t = 2, p = 1).
fn hash_new(password: &[u8]) -> anyhow::Result<String> {
    argon2_memory::hash(
        Algorithm::Argon2id,
        Version::V0x13,
        Params::DEFAULT,
        password,
    )
}

/// A hash of a password nobody has, verified when the email is unknown so that a login for an
/// unknown email takes as long as one with a wrong password.
static DUMMY_HASH: LazyLock<Option<String>> =
    LazyLock::new(|| hash_new(b"no user has this password").ok());

/// The hashing threads' nice value: low enough a priority that request handling on the same
/// cores goes first (a storm of logins must not slow down reads), not so low that hashing starves
/// on a busy machine.
const HASHING_NICE: i32 = 10;

/// How long a request waits for a hashing slot before it is told to retry later.
const QUEUE_WAIT: std::time::Duration = std::time::Duration::from_secs(10);

#[derive(Clone)]
pub struct PasswordHasher {
    workers: WorkerPool,
    permits: Arc<Semaphore>,
    computed: Arc<AtomicU64>,
    metrics: PasswordHashMetrics,
}

impl PasswordHasher {
    /// Hashes are computed on `concurrency` threads of their own (at least one; each hash holds
    /// 19 MiB while it runs); the queue for them and the time each takes are recorded in
    /// `metrics`. Fails only if the threads cannot be started.
    pub fn new(concurrency: usize, metrics: PasswordHashMetrics) -> std::io::Result<Self> {
        let concurrency = concurrency.max(1);
        Ok(PasswordHasher {
            workers: WorkerPool::new("password-hash", concurrency, HASHING_NICE)?,
            permits: Arc::new(Semaphore::new(concurrency)),
            computed: Arc::default(),
            metrics,
        })
    }

    /// How many argon2 computations (hashes and verifications, dummy ones included) have
    /// started since this hasher was made: what an attacker's requests cost, and what the
    /// abuse limits are tested against.
    pub fn computed(&self) -> u64 {
        self.computed.load(Ordering::Relaxed)
    }

    /// A PHC string (`$argon2id$v=19$m=19456,t=2,p=1$salt$hash`) with a fresh random salt.
    pub async fn hash(&self, password: String) -> Result<String, AppError> {
        self.run(move || {
            hash_new(password.as_bytes())
                .map_err(|error| error.context("hashing a password failed"))
        })
        .await
    }

    /// Whether `password` matches `stored`. With no stored hash (unknown user) a dummy hash is
    /// checked anyway, and the answer is false.
    pub async fn verify(&self, password: String, stored: Option<String>) -> Result<bool, AppError> {
        self.run(move || {
            let known_user = stored.is_some();
            let Some(hash) = stored.or_else(|| DUMMY_HASH.clone()) else {
                return Ok(false);
            };
            let parsed = PasswordHash::new(&hash)
                .map_err(|error| anyhow::anyhow!("stored password hash is unreadable: {error}"))?;
            // A stored hash argon2 cannot check (another algorithm, missing parts) matches no
            // password, as with argon2's own `verify_password`.
            let matches = argon2_memory::verify(password.as_bytes(), &parsed).unwrap_or(false);
            Ok(known_user && matches)
        })
        .await
    }

    async fn run<T: Send + 'static>(
        &self,
        work: impl FnOnce() -> anyhow::Result<T> + Send + 'static,
    ) -> Result<T, AppError> {
        // The permit moves into the job: a client that gives up does not free a slot while its
        // hash is still being computed. Waiting is bounded; past it, back off (429). With as
        // many permits as threads, a job that has its permit starts at once.
        let queued = std::time::Instant::now();
        self.metrics.queue_length.inc();
        let permit = tokio::time::timeout(QUEUE_WAIT, self.permits.clone().acquire_owned()).await;
        self.metrics.queue_length.dec();
        self.metrics
            .queue_wait
            .observe(queued.elapsed().as_secs_f64());
        let permit = permit
            .map_err(|_| AppError::RateLimited {
                retry_after_secs: 1,
            })?
            .map_err(|_| AppError::Unavailable)?;
        self.computed.fetch_add(1, Ordering::Relaxed);
        let duration = self.metrics.duration.clone();
        self.workers
            .run(move || {
                let _permit = permit;
                let _timer = duration.start_timer();
                work()
            })
            .await
            .map_err(|error| anyhow::anyhow!("password hashing task failed: {error}"))?
            .map_err(AppError::Internal)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn hashes_verify_and_use_argon2id_at_the_owasp_minimum() {
        let hasher = PasswordHasher::new(2, PasswordHashMetrics::new().unwrap()).unwrap();
        let hash = hasher.hash("correct horse".into()).await.unwrap();
        assert!(
            hash.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"),
            "{hash}"
        );
        assert!(
            hasher
                .verify("correct horse".into(), Some(hash.clone()))
                .await
                .unwrap()
        );
        assert!(
            !hasher
                .verify("wrong horse".into(), Some(hash))
                .await
                .unwrap()
        );
        assert!(!hasher.verify("correct horse".into(), None).await.unwrap());
        assert_eq!(hasher.computed(), 4);
    }
}
