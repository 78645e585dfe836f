//! A fixed set of named OS threads for CPU-heavy jobs (password hashing), fed from one queue.
//!
//! Why not tokio's blocking pool: its threads come and go and any of them may pick up a job, so
//! a burst of argon2 hashes (19 MiB each) leaves a hash-sized buffer cached in the malloc arena
//! of every thread that ever ran one — peak memory grew with the burst and never came back down
//! (issue 8: 40 concurrent logins took the server from 40 MiB to 650–900 MiB). Here the same few
//! threads run every job, so at most `threads` buffers exist at once, whatever the burst.
//!
//! The threads can run at a lower scheduling priority (a higher nice value), so that a burst of
//! hashing, which would keep every core busy for seconds, yields the CPU to request handling:
//! reads keep their latency while logins queue. The threads stop when the last handle to the
//! pool is dropped (their queue closes).

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};

type Job = Box<dyn FnOnce() + Send + 'static>;

/// Handle to the pool; cheap to clone.
#[derive(Clone)]
pub struct WorkerPool {
    queue: mpsc::Sender<Job>,
}

/// The job could not run: the pool's threads could not be started or have stopped, or the job
/// panicked.
#[derive(Debug, thiserror::Error)]
#[error("the worker pool could not run the job")]
pub struct JobFailed;

impl WorkerPool {
    /// Starts `threads` threads (at least one) named `{name}-{index}`, each set to the nice
    /// value `nice` (absolute: 0 is the normal priority, 19 the lowest; 0 leaves the threads as
    /// they are born). Linux only, where niceness is per thread; a nice value that cannot be set
    /// is logged and left.
    pub fn new(name: &str, threads: usize, nice: i32) -> std::io::Result<Self> {
        let (queue, jobs) = mpsc::channel::<Job>();
        let jobs = Arc::new(Mutex::new(jobs));
        for index in 0..threads.max(1) {
            let jobs = Arc::clone(&jobs);
            std::thread::Builder::new()
                .name(format!("{name}-{index}"))
                .spawn(move || {
                    lower_priority(nice);
                    work(&jobs)
                })?;
        }
        Ok(WorkerPool { queue })
    }

    /// Runs `job` on one of the pool's threads and waits (asynchronously) for its result. Jobs
    /// start in the order they were queued.
    pub async fn run<T: Send + 'static>(
        &self,
        job: impl FnOnce() -> T + Send + 'static,
    ) -> Result<T, JobFailed> {
        let (sender, receiver) = tokio::sync::oneshot::channel();
        self.queue
            .send(Box::new(move || {
                // A waiter that gave up is no reason to fail: the result is simply dropped.
                let _ = sender.send(job());
            }))
            .map_err(|_| JobFailed)?;
        receiver.await.map_err(|_| JobFailed)
    }
}

/// Sets the calling thread's nice value. On Linux `setpriority(PRIO_PROCESS, 0, ..)` applies to
/// the calling thread only (see setpriority(2), "BUGS"); elsewhere nothing is done.
fn lower_priority(nice: i32) {
    #[cfg(target_os = "linux")]
    if nice != 0 {
        // SAFETY: setpriority only reads its integer arguments.
        let result = unsafe { libc::setpriority(libc::PRIO_PROCESS, 0, nice) };
        if result != 0 {
            let error = std::io::Error::last_os_error();
            tracing::warn!(%error, nice, "could not lower a worker thread's priority");
        }
    }
    #[cfg(not(target_os = "linux"))]
    let _ = nice;
}

fn work(jobs: &Mutex<mpsc::Receiver<Job>>) {
    loop {
        // The lock is held only while waiting for the next job, not while running it.
        let next = match jobs.lock() {
            Ok(receiver) => receiver.recv(),
            Err(_) => return,
        };
        let Ok(job) = next else {
            return; // every handle dropped: the queue is closed
        };
        // A panicking job drops its result sender (its waiter sees JobFailed); the thread lives
        // on, so the pool keeps its size.
        let _ = catch_unwind(AssertUnwindSafe(job));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn jobs_run_on_the_pools_own_threads_only() {
        let pool = WorkerPool::new("test-worker", 2, 0).unwrap();
        let mut names = std::collections::BTreeSet::new();
        for _ in 0..20 {
            let name = pool
                .run(|| std::thread::current().name().map(str::to_owned))
                .await
                .unwrap();
            names.insert(name.unwrap());
        }
        assert!(!names.is_empty() && names.len() <= 2, "{names:?}");
        assert!(names.iter().all(|name| name.starts_with("test-worker-")));
    }

    #[cfg(target_os = "linux")]
    #[tokio::test]
    async fn threads_run_at_the_nice_value_asked_for() {
        let pool = WorkerPool::new("test-nice", 1, 7).unwrap();
        // SAFETY: getpriority only reads its integer arguments.
        let nice = pool
            .run(|| unsafe { libc::getpriority(libc::PRIO_PROCESS, 0) })
            .await
            .unwrap();
        assert_eq!(nice, 7);
    }

    #[tokio::test]
    async fn a_panicking_job_fails_alone_and_the_pool_keeps_working() {
        let pool = WorkerPool::new("test-panic", 1, 0).unwrap();
        let failed = pool.run(|| -> u8 { panic!("job panics on purpose") }).await;
        assert!(failed.is_err());
        assert_eq!(pool.run(|| 7).await.unwrap(), 7);
    }
}
