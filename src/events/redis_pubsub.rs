//! Redis pub/sub as the events transport (`EVENTS_URL=redis://…`): one subscribing connection
//! (a connection in subscribed mode can do nothing else) and one publishing connection per
//! process, through the `redis` crate. Redis keeps nothing: a replica that is not subscribed when
//! a message is published never gets it.

use std::sync::Arc;

use anyhow::Context as _;
use futures_util::StreamExt as _;
use tokio::sync::mpsc;
use tokio::time::timeout;

use super::Event;
use super::transport::{Link, NETWORK_TIMEOUT, PING_EVERY};

/// Connects, subscribes and serves until a connection fails (`Err`) or the hub is gone (`Ok`).
pub(super) async fn run(
    url: &str,
    link: &Link,
    outbound: &mut mpsc::Receiver<Arc<Event>>,
    on_connected: &mut (impl FnMut() + Send),
) -> anyhow::Result<()> {
    let client = redis::Client::open(url).context("invalid EVENTS_URL")?;
    let mut subscriber = timeout(NETWORK_TIMEOUT, client.get_async_pubsub())
        .await
        .context("connecting took too long")?
        .context("cannot connect")?;
    timeout(NETWORK_TIMEOUT, subscriber.subscribe(link.channel()))
        .await
        .context("SUBSCRIBE took too long")?
        .context("SUBSCRIBE failed")?;
    let mut publisher = timeout(NETWORK_TIMEOUT, client.get_multiplexed_async_connection())
        .await
        .context("connecting took too long")?
        .context("cannot connect")?;
    on_connected();
    let mut messages = subscriber.into_on_message();
    loop {
        tokio::select! {
            message = messages.next() => {
                let message = message.context("the subscribing connection closed")?;
                match message.get_payload::<String>() {
                    Ok(payload) => link.receive(&payload),
                    Err(error) => tracing::warn!(%error, "ignored a message that is not text"),
                }
            }
            event = outbound.recv() => {
                let Some(event) = event else { return Ok(()) };
                let mut publish = redis::cmd("PUBLISH");
                publish.arg(link.channel()).arg(link.encode(&event));
                timeout(NETWORK_TIMEOUT, publish.query_async::<i64>(&mut publisher))
                    .await
                    .context("PUBLISH took too long")?
                    .context("PUBLISH failed")?;
            }
            () = tokio::time::sleep(PING_EVERY) => {
                let ping = redis::cmd("PING");
                timeout(NETWORK_TIMEOUT, ping.query_async::<String>(&mut publisher))
                    .await
                    .context("Redis did not answer a ping")?
                    .context("Redis failed a ping")?;
            }
        }
    }
}
