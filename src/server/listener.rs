//! Closing the listening socket without resetting a connection.

use std::net::SocketAddr;
use std::time::Duration;

use tokio::net::{TcpListener, TcpStream};

/// How long handshakes already under way get to complete once new ones are refused: the client's
/// final ACK is one round trip behind the SYN that started it (microseconds on loopback, well under
/// a millisecond between a load balancer and its replicas).
const HANDSHAKES_IN_FLIGHT_WAIT: Duration = Duration::from_millis(100);

/// Stops accepting connections and returns those the kernel had already accepted, so that they
/// are served rather than reset.
///
/// Dropping a listener resets every connection still waiting in its accept queue: the client's
/// handshake succeeded, it sends its request and gets a reset. So first a socket filter that
/// drops every new SYN is attached (Linux): new handshakes no longer start (the client's SYN goes
/// unanswered and its retry, about a second later, finds the port closed: refused at connect).
/// Handshakes whose SYN was already answered still complete (dropping their final ACK as well
/// would leave the client connected to nothing, and its request would be reset), so they get
/// [`HANDSHAKES_IN_FLIGHT_WAIT`] to reach the queue. Then the queue is emptied, and only then is
/// the socket closed.
pub async fn stop_listening(listener: TcpListener) -> Vec<(TcpStream, SocketAddr)> {
    refuse_new_handshakes(&listener);
    tokio::time::sleep(HANDSHAKES_IN_FLIGHT_WAIT).await;
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
    // Classic BPF over the TCP header (a TCP socket's filter sees the segment from its header on;
    // byte 13 holds the flags): drop a segment whose SYN is set and ACK is not (a new handshake),
    // keep everything else whole.
    const BPF_LD_B_ABS: u16 = 0x30;
    const BPF_ALU_AND_K: u16 = 0x54;
    const BPF_JEQ_K: u16 = 0x15;
    const BPF_RET_K: u16 = 0x06;
    const TCP_FLAGS_OFFSET: u32 = 13;
    const SYN: u32 = 0x02;
    const ACK: u32 = 0x10;
    let drop_new_handshakes = [
        SockFilter::new(BPF_LD_B_ABS, 0, 0, TCP_FLAGS_OFFSET),
        SockFilter::new(BPF_ALU_AND_K, 0, 0, SYN | ACK),
        SockFilter::new(BPF_JEQ_K, 0, 1, SYN),
        SockFilter::new(BPF_RET_K, 0, 0, 0),
        SockFilter::new(BPF_RET_K, 0, 0, u32::MAX),
    ];
    if let Err(error) = SockRef::from(listener).attach_filter(&drop_new_handshakes) {
        tracing::warn!(%error, "cannot stop new handshakes before closing the listener");
    }
}

#[cfg(not(any(target_os = "linux", target_os = "android")))]
fn refuse_new_handshakes(_listener: &TcpListener) {}
