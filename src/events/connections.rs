//! The live connections of this instance (server-sent event streams and GraphQL WebSockets),
//! counted against `LIVE_CONNECTIONS_MAX`: each holds memory and a file descriptor for as long
//! as its client listens, so past the limit new ones are refused (503 for a stream, close code
//! 1013 "try again later" for a WebSocket) rather than letting them exhaust the process.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

/// The count of open live connections and its limit. Cheap to clone.
#[derive(Clone)]
pub struct LiveConnections {
    open: Arc<AtomicUsize>,
    max: usize,
}

/// One open live connection; dropping it closes its slot.
#[derive(Debug)]
pub struct LiveConnection {
    open: Arc<AtomicUsize>,
}

pub use crate::error::TooManyConnections;

impl LiveConnections {
    pub fn new(max: usize) -> LiveConnections {
        LiveConnections {
            open: Arc::default(),
            max,
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
            }),
            Err(_) => Err(TooManyConnections { max: self.max }),
        }
    }

    /// Live connections open now.
    pub fn count(&self) -> usize {
        self.open.load(Ordering::Acquire)
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
}
