//! The HTTP server's life: bind, serve, and stop without losing a request.
//!
//! A shutdown signal (SIGTERM or SIGINT) starts three stages:
//!
//! 1. **drain** (`SHUTDOWN_DRAIN_SECS`): everything is still served, but `/health/ready` answers
//!    503 and every answer carries `Connection: close`, so that load balancers take the instance
//!    out and keep-alive clients open their next connection elsewhere;
//! 2. **close the listener** without resetting a connection: see [`listener::stop_listening`];
//!    connections still open finish the request they are on (its answer says
//!    `Connection: close`) and idle ones are closed; live connections (event streams and GraphQL
//!    WebSockets), which never finish by themselves, are ended so that their clients reconnect
//!    to another replica (see [`crate::events::connections`]);
//! 3. **grace** (`SHUTDOWN_GRACE_SECS`): requests still running may finish; then the database
//!    pool closes and the process exits. A second signal skips to the end.
//!
//! A client therefore either gets an answer or, once the listener is closed, has its connection
//! refused; it never sees a connection reset (tested with the real binary in
//! `tests/api/operations/shutdown.rs`).

mod connections;
mod listener;
mod signals;

use std::time::Duration;

use anyhow::Context as _;

use crate::config::{Config, LogFormat};
use crate::state::AppState;
use connections::Connections;
use signals::Signals;

/// Binds the configured address and serves until a shutdown signal, then drains and stops as
/// described in the module documentation.
pub async fn serve(config: Config) -> anyhow::Result<()> {
    let address = config.bind_address;
    let database = config.database_url.redacted();
    let settings = config.shutdown.clone();
    let mut signals = Signals::listen()?;
    let state = AppState::build(config).await?;
    let listener = tokio::net::TcpListener::bind(address)
        .await
        .with_context(|| format!("cannot listen on {address} (BIND_ADDRESS)"))?;
    let address = listener.local_addr()?;
    tracing::info!(%address, %database, "conduit is listening");
    print_banner(&state, &database, address);

    let router = crate::web::app(state.clone());
    let connections = Connections::default();
    let accept =
        |accepted: std::io::Result<(tokio::net::TcpStream, std::net::SocketAddr)>| match accepted {
            Ok((stream, peer)) => {
                connections.serve(stream, peer, router.clone());
                None
            }
            Err(error) => Some(error),
        };

    let signal = loop {
        tokio::select! {
            accepted = listener.accept() => {
                if let Some(error) = accept(accepted) { pause_after(error).await; }
            }
            signal = signals.next() => break signal,
        }
    };
    state.start_draining();
    tracing::info!(
        signal,
        drain_secs = settings.drain.as_secs(),
        "shutting down: /health/ready answers 503 and answers say Connection: close; the listener closes after the drain period (a second signal stops at once)"
    );

    let drain = tokio::time::sleep(settings.drain);
    tokio::pin!(drain);
    let mut hurry = false;
    loop {
        tokio::select! {
            accepted = listener.accept() => {
                if let Some(error) = accept(accepted) { pause_after(error).await; }
            }
            () = &mut drain => break,
            signal = signals.next() => {
                tracing::warn!(signal, "second signal: stopping without waiting for the drain");
                hurry = true;
                break;
            }
        }
    }

    for (stream, peer) in listener::stop_listening(listener).await {
        connections.serve(stream, peer, router.clone());
    }
    let open = connections.close();
    state.live_connections().close_all();
    tracing::info!(
        open_connections = open,
        grace_secs = settings.grace.as_secs(),
        "listener closed; finishing the requests in flight"
    );
    if !hurry {
        tokio::select! {
            () = async {
                connections.finished().await;
                state.live_connections().all_closed().await;
            } => {}
            () = tokio::time::sleep(settings.grace) => tracing::warn!(
                open_connections = connections.open(),
                "requests still running after the shutdown grace period; stopping anyway"
            ),
            signal = signals.next() => tracing::warn!(
                signal,
                open_connections = connections.open(),
                "second signal: stopping without waiting for requests in flight"
            ),
        }
    }

    drop(router);
    let database = state.db().clone();
    drop(state);
    database.close().await;
    tracing::info!("stopped");
    Ok(())
}

/// For a person at a terminal; JSON logs (containers) stay pure JSON.
fn print_banner(state: &AppState, database: &str, address: std::net::SocketAddr) {
    if state.config().log_format != LogFormat::Text {
        return;
    }
    println!("Conduit is running on {database}");
    println!("  REST API:   http://{address}/api");
    println!("  API docs:   http://{address}/api/docs/ (OpenAPI: /api/openapi.json)");
    println!("  GraphQL:    http://{address}/graphql (GraphiQL playground: open it in a browser)");
    println!("  Health:     http://{address}/health/ready");
}

/// A failed `accept`: one client giving up during its handshake is nothing to worry about; a
/// process out of file descriptors is, and retrying at once would only spin.
async fn pause_after(error: std::io::Error) {
    use std::io::ErrorKind::{ConnectionAborted, ConnectionRefused, ConnectionReset};
    if matches!(
        error.kind(),
        ConnectionAborted | ConnectionRefused | ConnectionReset
    ) {
        return;
    }
    tracing::error!(%error, "cannot accept connections; retrying in 1 s");
    tokio::time::sleep(Duration::from_secs(1)).await;
}
