//! Fan-out across replicas: which transport carries events between processes, the messages it
//! carries, and the background task that keeps its connection, reconnecting with backoff.
//!
//! | transport | chosen when | connection |
//! |---|---|---|
//! | in-process | `EVENTS_URL=local`, or unset on SQLite and MySQL | none: one node only |
//! | PostgreSQL `LISTEN/NOTIFY` | `EVENTS_URL` unset and `DATABASE_URL` is PostgreSQL | one dedicated connection per process (not from the pool), both listening and notifying |
//! | Redis pub/sub | `EVENTS_URL=redis://…` (any database) | one subscribing and one publishing connection per process |
//!
//! Each message is JSON, `{"origin": <process>, "event": {…}}`, on the channel `EVENTS_CHANNEL`.
//! A process skips its own messages (it delivered them locally when it published them). When
//! the connection fails, the task logs it, waits (0.5 s, doubling up to 30 s) and connects
//! again; events published anywhere in the meantime are lost for this process, and its own
//! events wait in the bounded queue (`EVENTS_BUFFER`) or are dropped once it is full. Delivery
//! is at-most-once either way.

use std::sync::Arc;
use std::time::Duration;

use serde::{Deserialize, Serialize};
use tokio::sync::{broadcast, mpsc, oneshot};

use super::{Event, Events, Outbound, postgres_notify, redis_pubsub};
use crate::config::database::{Backend, DatabaseUrl};
pub use crate::config::events::{EventsUrl, parse_channel};

/// How long connecting, subscribing, or one publish or ping may take before the connection is
/// given up and made again.
pub(super) const NETWORK_TIMEOUT: Duration = Duration::from_secs(5);
/// How often an idle connection is checked (a connection that died silently is noticed within
/// this time plus [`NETWORK_TIMEOUT`]).
pub(super) const PING_EVERY: Duration = Duration::from_secs(30);
const FIRST_RETRY: Duration = Duration::from_millis(500);
const LONGEST_RETRY: Duration = Duration::from_secs(30);

/// The transport one process uses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Transport {
    InProcess,
    PostgresNotify { url: String },
    RedisPubSub { url: String },
}

impl Transport {
    /// The transport `EVENTS_URL` asks for on the database `database`.
    pub fn choose(events_url: &EventsUrl, database: &DatabaseUrl) -> Transport {
        match events_url {
            EventsUrl::Local => Transport::InProcess,
            EventsUrl::Redis(url) => Transport::RedisPubSub { url: url.clone() },
            EventsUrl::Automatic => match database.backend() {
                Backend::Postgres => Transport::PostgresNotify {
                    url: database.connection_string().to_owned(),
                },
                Backend::Sqlite | Backend::Mysql => Transport::InProcess,
            },
        }
    }

    fn name(&self) -> &'static str {
        match self {
            Transport::InProcess => "in-process",
            Transport::PostgresNotify { .. } => "PostgreSQL LISTEN/NOTIFY",
            Transport::RedisPubSub { .. } => "Redis pub/sub",
        }
    }
}

/// One message between replicas, as sent.
#[derive(Serialize)]
struct Outgoing<'a> {
    origin: u64,
    event: &'a Event,
}

/// One message between replicas, as received.
#[derive(Deserialize)]
struct Incoming {
    origin: u64,
    event: Event,
}

/// What a transport's connection needs: the channel, and the way into this process's hub.
pub(super) struct Link {
    /// This process, in every message it sends.
    origin: u64,
    channel: String,
    hub: broadcast::Sender<Arc<Event>>,
}

impl Link {
    pub(super) fn channel(&self) -> &str {
        &self.channel
    }

    /// The message that carries `event` to the other replicas.
    pub(super) fn encode(&self, event: &Event) -> String {
        let message = Outgoing {
            origin: self.origin,
            event,
        };
        // An enum of integers and strings: serializing it cannot fail.
        serde_json::to_string(&message).unwrap_or_default()
    }

    /// A message from the transport: delivered to this process's subscribers unless this process
    /// sent it.
    pub(super) fn receive(&self, payload: &str) {
        match serde_json::from_str::<Incoming>(payload) {
            Ok(message) if message.origin == self.origin => {}
            Ok(message) => {
                tracing::debug!(event = ?message.event, "event from another replica");
                let _ = self.hub.send(Arc::new(message.event));
            }
            // Another version of Conduit, or something else on the channel.
            Err(error) => {
                tracing::warn!(%error, payload, "ignored a message on the events channel")
            }
        }
    }
}

impl Events {
    /// A hub whose events also travel through `transport` (see the module docs). Starts the
    /// transport's task and waits up to `wait` for its first connection, so that a replica that
    /// answers requests is already listening; if it is not connected by then, the task goes on
    /// trying in the background (logged). Must run inside a tokio runtime.
    pub async fn connect(
        capacity: usize,
        transport: Transport,
        channel: String,
        wait: Duration,
    ) -> Events {
        let mut events = Events::new(capacity);
        if transport == Transport::InProcess {
            return events;
        }
        let (queue, outbound) = mpsc::channel(capacity.max(1));
        let link = Link {
            origin: rand::random(),
            channel,
            hub: events.sender.clone(),
        };
        let (connected, first_connection) = oneshot::channel();
        let name = transport.name();
        tokio::spawn(keep_connected(transport, link, outbound, connected));
        match tokio::time::timeout(wait, first_connection).await {
            Ok(Ok(())) => tracing::info!(transport = name, "events reach the other replicas"),
            _ => tracing::warn!(
                transport = name,
                "the events transport is not connected yet; the instance starts anyway and \
                 keeps trying (until then, events do not cross replicas)"
            ),
        }
        events.outbound = Some(Outbound {
            queue,
            overflowing: Arc::default(),
        });
        events
    }
}

/// Runs the transport's connection until the hub is gone (every [`Events`] dropped: the queue
/// closes), connecting again with backoff after each failure.
async fn keep_connected(
    transport: Transport,
    link: Link,
    mut outbound: mpsc::Receiver<Arc<Event>>,
    connected: oneshot::Sender<()>,
) {
    let mut connected = Some(connected);
    let mut retry = FIRST_RETRY;
    loop {
        let mut on_connected = || {
            retry = FIRST_RETRY;
            if let Some(connected) = connected.take() {
                let _ = connected.send(());
            }
        };
        let ended = match &transport {
            Transport::InProcess => return,
            Transport::PostgresNotify { url } => {
                postgres_notify::run(url, &link, &mut outbound, &mut on_connected).await
            }
            Transport::RedisPubSub { url } => {
                redis_pubsub::run(url, &link, &mut outbound, &mut on_connected).await
            }
        };
        match ended {
            Ok(()) => return,
            Err(error) => tracing::warn!(
                transport = transport.name(),
                error = %format_args!("{error:#}"),
                retry_in = ?retry,
                "lost the events connection; events from other replicas are missed until it is back"
            ),
        }
        // Wait, unless the hub goes away meanwhile (then stop at once).
        tokio::select! {
            () = tokio::time::sleep(retry) => {}
            () = outbound_closed(&outbound) => return,
        }
        retry = (retry * 2).min(LONGEST_RETRY);
    }
}

/// Resolves once every sender of `outbound` is gone.
async fn outbound_closed(outbound: &mpsc::Receiver<Arc<Event>>) {
    while !outbound.is_closed() {
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_setting_names_what_it_accepts() {
        assert_eq!(EventsUrl::parse(""), Ok(EventsUrl::Automatic));
        assert_eq!(EventsUrl::parse("local"), Ok(EventsUrl::Local));
        assert_eq!(
            EventsUrl::parse("redis://127.0.0.1:6379"),
            Ok(EventsUrl::Redis("redis://127.0.0.1:6379".into()))
        );
        for bad in [
            "kafka://x",
            "redis",
            "http://127.0.0.1:6379",
            "redis://cache:not-a-port",
        ] {
            let error = EventsUrl::parse(bad).unwrap_err();
            assert!(error.starts_with("expected redis://"), "{bad}: {error}");
        }
        let secret = EventsUrl::parse("redis://user:hunter2@cache:6379/0").unwrap();
        assert_eq!(
            format!("{secret:?}"),
            r#"Redis("redis://***@cache:6379/0")"#
        );
        assert!(parse_channel("conduit_events").is_ok());
        for bad in ["", "Conduit", "1st", "a-b", &"a".repeat(64)] {
            assert!(parse_channel(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn postgres_databases_notify_unless_told_otherwise() {
        let postgres = DatabaseUrl::parse("postgres://u@db:5432/conduit").unwrap();
        let mysql = DatabaseUrl::parse("mysql://u@db:3306/conduit").unwrap();
        let redis = EventsUrl::Redis("redis://r".into());
        assert!(matches!(
            Transport::choose(&EventsUrl::Automatic, &postgres),
            Transport::PostgresNotify { .. }
        ));
        assert_eq!(
            Transport::choose(&EventsUrl::Automatic, &mysql),
            Transport::InProcess
        );
        assert_eq!(
            Transport::choose(&EventsUrl::Local, &postgres),
            Transport::InProcess
        );
        assert_eq!(
            Transport::choose(&redis, &mysql),
            Transport::RedisPubSub {
                url: "redis://r".into()
            }
        );
    }
}
