//! The open HTTP connections: served one task each, closed gracefully together.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::ConnectInfo;
use axum::http::Request;
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::net::TcpStream;
use tokio::sync::Notify;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;
use tower::Service as _;

/// How long a connection that has not sent a request yet may take to send it once the server
/// closes its connections. Clients send their request as soon as the connection is open, so this
/// only bounds how long an unused connection (a browser's speculative one, say) delays the stop.
const FIRST_REQUEST_WAIT: Duration = Duration::from_secs(1);

/// Every connection's task, and the token that asks them all to finish.
#[derive(Default)]
pub struct Connections {
    tasks: TaskTracker,
    closing: CancellationToken,
}

impl Connections {
    /// Serves HTTP/1.1 (with upgrades, for WebSocket) on `stream` until the client closes it or
    /// [`close`](Self::close) is called. Handlers can read the client's address as
    /// `ConnectInfo<SocketAddr>`.
    pub fn serve(&self, stream: TcpStream, peer: SocketAddr, router: Router) {
        let closing = self.closing.clone();
        self.tasks.spawn(async move {
            // Answers are written whole; Nagle's algorithm would only delay the last packet.
            let _ = stream.set_nodelay(true);
            let requested = Arc::new(Notify::new());
            let service = {
                let requested = requested.clone();
                hyper::service::service_fn(move |mut request: Request<Incoming>| {
                    requested.notify_one();
                    request.extensions_mut().insert(ConnectInfo(peer));
                    router.clone().call(request)
                })
            };
            let connection = hyper::server::conn::http1::Builder::new()
                .timer(TokioTimer::new())
                .serve_connection(TokioIo::new(stream), service)
                .with_upgrades();
            tokio::pin!(connection);
            let outcome = tokio::select! {
                outcome = connection.as_mut() => outcome,
                () = closing.cancelled() => {
                    // hyper closes a connection on which nothing has been read yet at once, but
                    // a client that has just connected has its request on the way: closing
                    // would lose it. Wait for it (briefly: an unused connection must not hold
                    // the shutdown up).
                    let wait = tokio::time::timeout(FIRST_REQUEST_WAIT, requested.notified());
                    tokio::select! {
                        outcome = connection.as_mut() => outcome,
                        _ = wait => {
                            // Closes the connection if it is between requests; otherwise the
                            // request in progress is answered (with `Connection: close`) first.
                            connection.as_mut().graceful_shutdown();
                            connection.await
                        }
                    }
                }
            };
            if let Err(error) = outcome {
                tracing::debug!(%error, %peer, "connection ended with an error");
            }
        });
    }

    /// Asks every connection to finish (see [`serve`](Self::serve)); returns how many are open.
    pub fn close(&self) -> usize {
        self.tasks.close();
        self.closing.cancel();
        self.tasks.len()
    }

    /// Connections still open.
    pub fn open(&self) -> usize {
        self.tasks.len()
    }

    /// Resolves when every connection has finished, after [`close`](Self::close).
    pub async fn finished(&self) {
        self.tasks.wait().await;
    }
}
