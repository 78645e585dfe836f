//! Closing the listening socket without resetting a connection.

use std::net::SocketAddr;

use tokio::net::{TcpListener, TcpStream};

/// Stops accepting connections and returns those the kernel had already accepted, so that they
/// are served rather than reset.
///
/// Dropping a listener resets every connection still waiting in its accept queue: the client's
/// handshake succeeded, it sends its request and gets a reset. So first a socket filter that
/// drops every packet is attached (Linux): new handshakes no longer complete (the client's
/// SYN goes unanswered and its retry, about a second later, finds the port closed: refused at
/// connect). Then the queue is emptied, and only then is the socket closed.
pub fn stop_listening(listener: TcpListener) -> Vec<(TcpStream, SocketAddr)> {
    refuse_new_handshakes(&listener);
    let listener = match listener.into_std() {
        Ok(listener) => listener,
        Err(error) => {
            tracing::warn!(%error, "cannot take the queued connections; closing the listener");
            return Vec::new();
        }
    };
    let mut queued = Vec::new();
    loop {
        // Non-blocking (tokio's sockets are): WouldBlock means the queue is empty.
        match listener.accept() {
            Ok((stream, peer)) => {
                let stream = stream
                    .set_nonblocking(true)
                    .and_then(|()| TcpStream::from_std(stream));
                match stream {
                    Ok(stream) => queued.push((stream, peer)),
                    Err(error) => tracing::warn!(%error, %peer, "cannot serve a queued connection"),
                }
            }
            Err(error) if error.kind() == std::io::ErrorKind::WouldBlock => break,
            Err(error) if error.kind() == std::io::ErrorKind::ConnectionAborted => continue,
            Err(error) => {
                tracing::warn!(%error, "cannot take the queued connections");
                break;
            }
        }
    }
    queued
}

#[cfg(any(target_os = "linux", target_os = "android"))]
fn refuse_new_handshakes(listener: &TcpListener) {
    use socket2::{SockFilter, SockRef};
    /// Classic BPF `ret #0`: keep 0 bytes of every packet, i.e. drop it.
    const DROP_EVERYTHING: SockFilter = SockFilter::new(BPF_RET | BPF_K, 0, 0, 0);
    const BPF_RET: u16 = 0x06;
    const BPF_K: u16 = 0x00;
    if let Err(error) = SockRef::from(listener).attach_filter(&[DROP_EVERYTHING]) {
        tracing::warn!(%error, "cannot stop new handshakes before closing the listener");
    }
}

#[cfg(not(any(target_os = "linux", target_os = "android")))]
fn refuse_new_handshakes(_listener: &TcpListener) {}
