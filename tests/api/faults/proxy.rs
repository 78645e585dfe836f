//! A TCP proxy on loopback between the app and its database server, for fault tests: it can be
//! killed (listener closed, every connection closed), restarted on the same port, and paused
//! (connections stay open but no byte passes, as when a network drops packets).

use std::net::SocketAddr;
use std::sync::Arc;

use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;
use tokio::task::JoinSet;

pub struct Proxy {
    address: SocketAddr,
    upstream: SocketAddr,
    paused: Arc<watch::Sender<bool>>,
    running: Option<tokio::task::JoinHandle<()>>,
}

impl Proxy {
    /// Starts forwarding a port of its own on 127.0.0.1 to `upstream`.
    pub async fn start(upstream: SocketAddr) -> Proxy {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let address = listener.local_addr().expect("address");
        let mut proxy = Proxy {
            address,
            upstream,
            paused: Arc::new(watch::channel(false).0),
            running: None,
        };
        proxy.serve(listener);
        proxy
    }

    pub fn address(&self) -> SocketAddr {
        self.address
    }

    /// Closes the listener and every connection through it: the database is gone.
    pub async fn kill(&mut self) {
        if let Some(running) = self.running.take() {
            running.abort();
            let _ = running.await;
        }
    }

    /// Listens on the same port again: the database is back.
    pub async fn restart(&mut self) {
        self.kill().await;
        let listener = TcpListener::bind(self.address).await.expect("rebind");
        self.serve(listener);
    }

    /// Stops passing bytes, in both directions, without closing anything; new connections are
    /// accepted and get nothing either.
    pub fn pause(&self) {
        self.paused.send_replace(true);
    }

    /// Passes bytes again, those held back first.
    pub fn resume(&self) {
        self.paused.send_replace(false);
    }

    fn serve(&mut self, listener: TcpListener) {
        let upstream = self.upstream;
        let paused = self.paused.clone();
        self.running = Some(tokio::spawn(async move {
            // Dropped with this task when the proxy is killed: aborts every connection's task,
            // which closes its sockets.
            let mut connections = JoinSet::new();
            loop {
                let Ok((client, _)) = listener.accept().await else {
                    continue;
                };
                let paused = paused.clone();
                connections.spawn(async move {
                    let Ok(server) = TcpStream::connect(upstream).await else {
                        return;
                    };
                    let (client_read, client_write) = client.into_split();
                    let (server_read, server_write) = server.into_split();
                    tokio::join!(
                        forward(client_read, server_write, paused.subscribe()),
                        forward(server_read, client_write, paused.subscribe()),
                    );
                });
                // Reap finished connections so the set does not grow.
                while connections.try_join_next().is_some() {}
            }
        }));
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        if let Some(running) = self.running.take() {
            running.abort();
        }
    }
}

/// Copies bytes until either side closes, holding them while paused.
async fn forward(
    mut from: tokio::net::tcp::OwnedReadHalf,
    mut to: tokio::net::tcp::OwnedWriteHalf,
    mut paused: watch::Receiver<bool>,
) {
    let mut buffer = vec![0; 16 * 1024];
    loop {
        if paused.wait_for(|paused| !paused).await.is_err() {
            return;
        }
        let read = match from.read(&mut buffer).await {
            Ok(0) | Err(_) => break,
            Ok(read) => read,
        };
        if paused.wait_for(|paused| !paused).await.is_err() {
            return;
        }
        if to.write_all(&buffer[..read]).await.is_err() {
            break;
        }
    }
    let _ = to.shutdown().await;
}
