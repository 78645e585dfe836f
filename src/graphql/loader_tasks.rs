//! Where a request's DataLoader batches run. async-graphql's DataLoader starts each batch with a
//! spawner it is given; with `tokio::spawn` a batch is a free task that outlives its request:
//! when the client goes away or the deadline drops the request's future, a batch waiting on a
//! lock or a slow statement keeps running and keeps the request's database session (and so its
//! pooled connection) until it finishes. Here the batches are tasks of a `JoinSet` that the
//! request owns: when the request's loaders are dropped (the request is over, however it ended),
//! the set is dropped and every batch still running is aborted at its next await, giving its
//! connection back.

use std::sync::{Arc, Mutex, PoisonError};

use futures_util::future::BoxFuture;
use tokio::task::JoinSet;

/// The batches of one request. Cheap to clone: clones share the set, which aborts what is still
/// running when the last clone is dropped.
#[derive(Clone, Default)]
pub struct LoaderTasks {
    tasks: Arc<Mutex<JoinSet<()>>>,
}

impl LoaderTasks {
    /// A spawner for `DataLoader::with_cache`: runs the batch in this request's set (and forgets
    /// the batches that have finished, so the set holds only running ones).
    pub fn spawner(&self) -> impl Fn(BoxFuture<'static, ()>) + Send + Sync + 'static {
        let tasks = Arc::clone(&self.tasks);
        move |batch| {
            let mut tasks = tasks.lock().unwrap_or_else(PoisonError::into_inner);
            while tasks.try_join_next().is_some() {}
            tasks.spawn(batch);
        }
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    #[tokio::test]
    async fn batches_still_running_are_aborted_when_the_request_drops_its_loaders() {
        let tasks = LoaderTasks::default();
        let spawn = tasks.spawner();
        // The sender is dropped when the task holding it ends, however it ends.
        let (alive, mut ended) = tokio::sync::mpsc::channel::<()>(1);
        let (started, has_started) = tokio::sync::oneshot::channel();
        spawn(Box::pin(async move {
            let _alive = alive;
            let _ = started.send(());
            // A statement that never returns.
            std::future::pending::<()>().await;
        }));
        has_started.await.unwrap();
        drop(spawn);
        drop(tasks);
        // The channel closes only when the task, and the sender it holds, is gone.
        let closed = tokio::time::timeout(Duration::from_secs(10), ended.recv()).await;
        assert_eq!(closed, Ok(None), "the batch kept running");
    }

    #[tokio::test]
    async fn finished_batches_are_not_kept() {
        let tasks = LoaderTasks::default();
        let spawn = tasks.spawner();
        for _ in 0..100 {
            let (done, is_done) = tokio::sync::oneshot::channel();
            spawn(Box::pin(async move {
                let _ = done.send(());
            }));
            is_done.await.unwrap();
            tokio::task::yield_now().await;
        }
        let held = tasks.tasks.lock().unwrap().len();
        assert!(held <= 2, "{held} finished batches kept");
    }
}
