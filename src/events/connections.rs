//! The live connections of this instance (server-sent event streams and GraphQL WebSockets),
//! counted against `LIVE_CONNECTIONS_MAX`: each holds memory and a file descriptor for as long
//! as its client listens, so past the limit new ones are refused (503 for a stream, close code
//! 1013 "try again later" for a WebSocket) rather than letting them exhaust the process.
//!
//! A live connection never ends by itself, so a shutdown ends them all
//! ([`LiveConnections::close_all`]) once the listener is closed: each stream ends, each WebSocket
//! is closed with 1012 "Service Restart", and their clients reconnect to another replica (a
//! comment stream replays what it missed from `Last-Event-ID`) instead of holding the instance
//! until its grace period runs out.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use tokio::sync::watch;

/// The count of open live connections, its limit, and the signal that closes them all. Cheap to
/// clone.
#[derive(Clone)]
pub struct LiveConnections {
    open: Arc<AtomicUsize>,
    max: usize,
    closing: Arc<watch::Sender<bool>>,
}

/// One open live connection; dropping it closes its slot.
#[derive(Debug)]
pub struct LiveConnection {
    open: Arc<AtomicUsize>,
    closing: watch::Receiver<bool>,
}

pub use crate::error::TooManyConnections;

impl LiveConnections {
    pub fn new(max: usize) -> LiveConnections {
        LiveConnections {
            open: Arc::default(),
            max,
            closing: Arc::new(watch::channel(false).0),
        }
    }

    /// A slot for one more live connection, unless all are taken.
    pub fn open(&self) -> Result<LiveConnection, TooManyConnections> {
        let taken = self
            .open
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |open| {
                (open < self.max).then_some(open + 1)
            });
        match taken {
            Ok(_) => Ok(LiveConnection {
                open: self.open.clone(),
                closing: self.closing.subscribe(),
            }),
            Err(_) => Err(TooManyConnections { max: self.max }),
        }
    }

    /// Live connections open now.
    pub fn count(&self) -> usize {
        self.open.load(Ordering::Acquire)
    }

    /// Asks every live connection, open now or opened later, to end (see the module
    /// documentation). Called once the instance has stopped listening.
    pub fn close_all(&self) {
        self.closing.send_replace(true);
    }

    /// Resolves when no live connection is left open (checked every 10 ms; the caller bounds the
    /// wait with its grace period).
    pub async fn all_closed(&self) {
        while self.count() > 0 {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }
}

impl LiveConnection {
    /// Resolves once the instance asks its live connections to end ([`LiveConnections::close_all`]);
    /// owned, so that it can sit beside the connection's stream.
    pub fn closing(&self) -> impl std::future::Future<Output = ()> + Send + 'static {
        let mut closing = self.closing.clone();
        async move {
            // An error means the sender is gone: the state, and with it the instance, is ending.
            let _ = closing.wait_for(|closing| *closing).await;
        }
    }
}

impl Drop for LiveConnection {
    fn drop(&mut self) {
        self.open.fetch_sub(1, Ordering::AcqRel);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slots_are_refused_past_the_limit_and_freed_when_dropped() {
        let connections = LiveConnections::new(2);
        let first = connections.open().unwrap();
        let _second = connections.open().unwrap();
        assert_eq!(
            connections.open().unwrap_err(),
            TooManyConnections { max: 2 }
        );
        drop(first);
        assert_eq!(connections.count(), 1);
        assert!(connections.open().is_ok());
    }

    #[tokio::test]
    async fn close_all_ends_connections_open_before_and_after_it() {
        let connections = LiveConnections::new(2);
        let before = connections.open().unwrap();
        let waiting = tokio::spawn(before.closing());
        tokio::task::yield_now().await;
        assert!(
            !waiting.is_finished(),
            "nothing asked the connection to end yet"
        );
        connections.close_all();
        let bounded = Duration::from_secs(5);
        tokio::time::timeout(bounded, waiting)
            .await
            .unwrap()
            .unwrap();
        let after = connections.open().unwrap();
        tokio::time::timeout(bounded, after.closing())
            .await
            .unwrap();
        drop((before, after));
        tokio::time::timeout(bounded, connections.all_closed())
            .await
            .unwrap();
    }
}
