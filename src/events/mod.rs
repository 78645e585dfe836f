//! The event service: what changed, told to whoever listens (GraphQL subscriptions, server-sent
//! events), fed by the service layer only after a write has committed.
//!
//! ## Guarantees
//!
//! - **After commit.** A service function publishes once its operation has returned `Ok`, i.e.
//!   after the transaction committed; a write that failed or rolled back publishes nothing.
//! - **At most once.** An event is delivered to each current subscriber at most once and is not
//!   stored: a subscriber that connects later, or was disconnected, or a replica that was down,
//!   never sees it. Clients that must not miss anything re-read (REST `Last-Event-ID` replays
//!   comments from the database, see `rest::events`).
//! - **Writers never wait.** Delivery goes through a bounded [`tokio::sync::broadcast`] channel:
//!   publishing never blocks, and a subscriber that falls more than `capacity` events behind is
//!   dropped with [`Lagged`] (its stream ends with a reason), without slowing anyone else.
//!
//! ## Across replicas
//!
//! Each process has its own hub. With a transport ([`transport`]: PostgreSQL `LISTEN/NOTIFY` or
//! Redis pub/sub) an event is also handed to a background task that sends it to every replica,
//! and each replica's task feeds the events of the others into its own hub. A process delivers
//! its own events to its own subscribers at once, without the round trip, and drops them when
//! they come back from the transport (each message names the process that sent it), so local
//! subscribers get events even while the transport is down. Events that happen while a
//! replica's transport connection is down are lost for that replica (at most once).
//!
//! ## What an event carries
//!
//! Ids and the few keys subscribers filter on (slug-independent article id, tags, author), never
//! the rendered article or comment: views are viewer-relative (`favorited`, `following`), and an
//! article body can be 100,000 characters, more than a PostgreSQL notification may carry. Each
//! subscriber reads the current view for its own viewer when an event matches its filter.

pub mod connections;
pub mod transport;

mod postgres_notify;
mod redis_pubsub;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use serde::{Deserialize, Serialize};
use tokio::sync::{broadcast, mpsc};

pub use transport::Transport;

/// Something that happened, after it committed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(
    tag = "type",
    rename_all = "camelCase",
    rename_all_fields = "camelCase"
)]
pub enum Event {
    /// A comment was added to an article.
    CommentAdded { article_id: i32, comment_id: i32 },
    /// A comment was deleted from an article.
    CommentDeleted { article_id: i32, comment_id: i32 },
    /// A new article was created.
    ArticlePublished {
        article_id: i32,
        /// The author's user id (for followers' feeds) and username (for `author` filters).
        author_id: i32,
        author: String,
        tags: Vec<String>,
    },
    /// An article's fields or counts (favorites, tags) changed; its slug may have changed too.
    ArticleUpdated { article_id: i32 },
}

impl Event {
    /// The article the event is about.
    pub fn article_id(&self) -> i32 {
        match self {
            Event::CommentAdded { article_id, .. }
            | Event::CommentDeleted { article_id, .. }
            | Event::ArticlePublished { article_id, .. }
            | Event::ArticleUpdated { article_id } => *article_id,
        }
    }
}

/// Why a subscriber's stream ended early.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Lagged {
    /// The subscriber did not keep up: `missed` events were dropped for it.
    #[error(
        "this subscriber fell {missed} events behind and was dropped; subscribe again \
         (delivery is at-most-once)"
    )]
    TooSlow { missed: u64 },
}

/// The event hub of this process. Cheap to clone.
#[derive(Clone)]
pub struct Events {
    sender: broadcast::Sender<Arc<Event>>,
    /// Where events go to reach the other replicas; `None` in-process only.
    outbound: Option<Outbound>,
}

/// The queue to the transport's task, bounded so that writers never wait for the network.
#[derive(Clone)]
struct Outbound {
    queue: mpsc::Sender<Arc<Event>>,
    /// Set while events are being dropped because the queue is full, so that a transport outage
    /// is logged once rather than once per event.
    overflowing: Arc<AtomicBool>,
}

impl Events {
    /// An in-process hub whose subscribers may each fall `capacity` events behind.
    pub fn new(capacity: usize) -> Events {
        let (sender, _) = broadcast::channel(capacity.max(1));
        Events {
            sender,
            outbound: None,
        }
    }

    /// Tells every current subscriber of this process and, with a transport, hands the event to
    /// it for the other replicas. Never blocks; without subscribers the event is simply dropped.
    /// Call it only after the change has committed.
    pub fn publish(&self, event: Event) {
        tracing::debug!(?event, "event published");
        let event = Arc::new(event);
        if let Some(outbound) = &self.outbound {
            outbound.send(event.clone());
        }
        self.deliver(event);
    }

    /// Tells this process's subscribers only: for events that come from other replicas.
    fn deliver(&self, event: Arc<Event>) {
        // An error only means nobody listens right now: at-most-once, nothing to do.
        let _ = self.sender.send(event);
    }

    /// A new subscriber: it sees the events published from now on.
    pub fn subscribe(&self) -> Subscriber {
        Subscriber {
            receiver: self.sender.subscribe(),
        }
    }

    /// Current subscribers of this process.
    pub fn subscriber_count(&self) -> usize {
        self.sender.receiver_count()
    }
}

impl Outbound {
    fn send(&self, event: Arc<Event>) {
        match self.queue.try_send(event) {
            Ok(()) => {
                if self.overflowing.swap(false, Ordering::Relaxed) {
                    tracing::info!("events reach the other replicas again");
                }
            }
            Err(mpsc::error::TrySendError::Full(_)) => {
                if !self.overflowing.swap(true, Ordering::Relaxed) {
                    tracing::warn!(
                        "the events transport is behind (EVENTS_BUFFER events queued): events are \
                         not sent to the other replicas until it catches up"
                    );
                }
            }
            // The transport's task has stopped: the process is shutting down.
            Err(mpsc::error::TrySendError::Closed(_)) => {}
        }
    }
}

/// One subscriber's view of the event stream.
pub struct Subscriber {
    receiver: broadcast::Receiver<Arc<Event>>,
}

impl Subscriber {
    /// The next event; [`Lagged`] once the subscriber fell too far behind (it must then stop),
    /// `None` when the hub is gone (the process is shutting down).
    pub async fn next(&mut self) -> Option<Result<Arc<Event>, Lagged>> {
        match self.receiver.recv().await {
            Ok(event) => Some(Ok(event)),
            Err(broadcast::error::RecvError::Lagged(missed)) => {
                Some(Err(Lagged::TooSlow { missed }))
            }
            Err(broadcast::error::RecvError::Closed) => None,
        }
    }

    /// The subscriber as a stream that ends (after yielding the [`Lagged`] error) when it falls
    /// behind or the hub closes.
    pub fn into_stream(self) -> impl futures_util::Stream<Item = Result<Arc<Event>, Lagged>> {
        futures_util::stream::unfold(Some(self), async |subscriber| {
            let mut subscriber = subscriber?;
            match subscriber.next().await? {
                Ok(event) => Some((Ok(event), Some(subscriber))),
                Err(lagged) => Some((Err(lagged), None)),
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use futures_util::StreamExt as _;

    use super::*;

    fn added(comment_id: i32) -> Event {
        Event::CommentAdded {
            article_id: 1,
            comment_id,
        }
    }

    #[tokio::test]
    async fn every_subscriber_gets_each_event_once_in_order() {
        let events = Events::new(8);
        let mut first = events.subscribe();
        let mut second = events.subscribe();
        events.publish(added(1));
        events.publish(added(2));
        for subscriber in [&mut first, &mut second] {
            assert_eq!(*subscriber.next().await.unwrap().unwrap(), added(1));
            assert_eq!(*subscriber.next().await.unwrap().unwrap(), added(2));
        }
    }

    #[tokio::test]
    async fn a_slow_subscriber_is_dropped_without_blocking_the_publisher_or_others() {
        let events = Events::new(4);
        let slow = events.subscribe().into_stream();
        let mut fast = events.subscribe();
        for id in 0..10 {
            // Returns at once although `slow` reads nothing.
            events.publish(added(id));
            assert_eq!(*fast.next().await.unwrap().unwrap(), added(id));
        }
        let items: Vec<_> = slow.collect().await;
        assert_eq!(items, vec![Err(Lagged::TooSlow { missed: 6 })]);
    }

    #[test]
    fn events_serialize_for_other_replicas() {
        let event = Event::ArticlePublished {
            article_id: 3,
            author_id: 4,
            author: "jake".into(),
            tags: vec!["rust".into()],
        };
        let json = serde_json::to_string(&event).unwrap();
        assert_eq!(
            json,
            r#"{"type":"articlePublished","articleId":3,"authorId":4,"author":"jake","tags":["rust"]}"#
        );
        assert_eq!(serde_json::from_str::<Event>(&json).unwrap(), event);
    }
}
