//! PostgreSQL `LISTEN/NOTIFY` as the events transport: one dedicated connection per process
//! (opened as the pool's are, TLS included, but never part of the pool) that listens on the
//! channel and sends this process's events with `pg_notify`. A notification carries at most
//! 8,000 bytes; events carry ids and a few keys, far below that (a bigger one is logged and
//! stays local).

use std::sync::Arc;

use anyhow::Context as _;
use diesel::sql_types::Text;
use diesel_async::{RunQueryDsl as _, SimpleAsyncConnection as _};
use futures_util::StreamExt as _;
use tokio::sync::mpsc;
use tokio::time::timeout;

use super::Event;
use super::transport::{Link, NETWORK_TIMEOUT, PING_EVERY};

/// PostgreSQL refuses a notification payload of 8,000 bytes or more.
const MAX_PAYLOAD_BYTES: usize = 7_999;

/// What woke the connection's loop.
enum Step {
    Received(Option<diesel::QueryResult<diesel::pg::PgNotification>>),
    Send(Option<Arc<Event>>),
    Ping,
}

/// Connects, listens and serves until the connection fails (`Err`) or the hub is gone (`Ok`).
pub(super) async fn run(
    url: &str,
    link: &Link,
    outbound: &mut mpsc::Receiver<Arc<Event>>,
    on_connected: &mut (impl FnMut() + Send),
) -> anyhow::Result<()> {
    let mut connection = timeout(
        NETWORK_TIMEOUT,
        crate::postgres_tls::establish(url.to_owned()),
    )
    .await
    .context("connecting took too long")?
    .context("cannot connect")?;
    // The channel name was checked to be a plain identifier (`EVENTS_CHANNEL`).
    let listen = format!("LISTEN {}", link.channel());
    timeout(NETWORK_TIMEOUT, connection.batch_execute(&listen))
        .await
        .context("LISTEN took too long")?
        .context("LISTEN failed")?;
    on_connected();
    loop {
        // The notification stream borrows the connection: it lives only for one wait, and
        // notifications that arrive in between stay queued in the connection.
        let step = {
            let notifications = connection.notifications_stream();
            futures_util::pin_mut!(notifications);
            tokio::select! {
                notification = notifications.next() => Step::Received(notification),
                event = outbound.recv() => Step::Send(event),
                () = tokio::time::sleep(PING_EVERY) => Step::Ping,
            }
        };
        match step {
            Step::Received(Some(Ok(notification))) => link.receive(&notification.payload),
            Step::Received(Some(Err(error))) => {
                return Err(error).context("the listening connection failed");
            }
            Step::Received(None) => anyhow::bail!("the listening connection closed"),
            Step::Send(None) => return Ok(()),
            Step::Send(Some(event)) => {
                let payload = link.encode(&event);
                if payload.len() > MAX_PAYLOAD_BYTES {
                    tracing::warn!(
                        bytes = payload.len(),
                        "an event is too big for a PostgreSQL notification; only this replica's \
                         subscribers get it"
                    );
                    continue;
                }
                let notify = diesel::sql_query("SELECT pg_notify($1, $2)")
                    .bind::<Text, _>(link.channel())
                    .bind::<Text, _>(payload)
                    .execute(&mut connection);
                timeout(NETWORK_TIMEOUT, notify)
                    .await
                    .context("NOTIFY took too long")?
                    .context("NOTIFY failed")?;
            }
            Step::Ping => {
                timeout(NETWORK_TIMEOUT, connection.batch_execute("SELECT 1"))
                    .await
                    .context("the listening connection did not answer a ping")?
                    .context("the listening connection failed a ping")?;
            }
        }
    }
}
