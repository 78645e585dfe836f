"""Minimal live-update clients for the deployment tests, standard library only: a server-sent
events reader and a GraphQL-over-WebSocket (graphql-transport-ws) client, both over a raw socket
to 127.0.0.1, every read bounded by a deadline."""

import base64
import json
import os
import socket
import struct
import time


def _headers(sock, deadline):
    """Reads the status line and headers; returns (status, lower-case headers, leftover bytes)."""
    data = b""
    while b"\r\n\r\n" not in data:
        sock.settimeout(max(0.01, deadline - time.time()))
        chunk = sock.recv(65536)
        if not chunk:
            raise OSError("connection closed before the headers")
        data += chunk
    head, rest = data.split(b"\r\n\r\n", 1)
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    headers = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    return status, headers, rest


class EventStream:
    """`GET path` as text/event-stream. HTTP/1.0, so that the body arrives unchunked."""

    def __init__(self, port, path, timeout=10, last_event_id=None):
        resume = f"Last-Event-ID: {last_event_id}\r\n" if last_event_id else ""
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=timeout)
        self.sock.sendall(f"GET {path} HTTP/1.0\r\nHost: localhost\r\nAccept: text/event-stream\r\n"
                          f"{resume}\r\n".encode())
        self.status, self.headers, self.buffer = _headers(self.sock, time.time() + timeout)
        self.ended = False

    def next_event(self, seconds):
        """The next event with data as (name, id, parsed data), or None after `seconds` or when the
        server ended the stream (then `ended` is true)."""
        deadline = time.time() + seconds
        while True:
            while b"\n\n" in self.buffer:
                block, self.buffer = self.buffer.split(b"\n\n", 1)
                event = {"event": "message", "id": None, "data": []}
                for line in block.decode().split("\n"):
                    if line.startswith(":"):
                        continue
                    field, _, value = line.partition(":")
                    value = value[1:] if value.startswith(" ") else value
                    if field in ("event", "id"):
                        event[field] = value
                    elif field == "data":
                        event["data"].append(value)
                if event["data"]:
                    return event["event"], event["id"], json.loads("\n".join(event["data"]))
            remaining = deadline - time.time()
            if remaining <= 0:
                return None
            self.sock.settimeout(remaining)
            try:
                chunk = self.sock.recv(65536)
            except socket.timeout:
                return None
            if not chunk:
                self.ended = True
                return None
            self.buffer += chunk

    def close(self):
        self.sock.close()


class GraphqlSocket:
    """A graphql-transport-ws client on `ws://127.0.0.1:port/graphql`."""

    def __init__(self, port, timeout=10):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=timeout)
        key = base64.b64encode(os.urandom(16)).decode()
        self.sock.sendall((
            "GET /graphql HTTP/1.1\r\nHost: localhost\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n"
            "Sec-WebSocket-Protocol: graphql-transport-ws\r\n\r\n").encode())
        self.status, self.headers, self.buffer = _headers(self.sock, time.time() + timeout)
        if self.status != 101:
            raise OSError(f"WebSocket handshake answered {self.status}")
        self.close_code = None
        self.send({"type": "connection_init", "payload": {}})
        ack = self.receive(timeout)
        if not ack or ack.get("type") != "connection_ack":
            raise OSError(f"no connection_ack: {ack}")

    def send(self, message, opcode=0x1):
        payload = json.dumps(message).encode() if opcode == 0x1 else message
        mask = os.urandom(4)
        header = bytes([0x80 | opcode])
        if len(payload) < 126:
            header += bytes([0x80 | len(payload)])
        elif len(payload) < 65536:
            header += bytes([0x80 | 126]) + struct.pack("!H", len(payload))
        else:
            header += bytes([0x80 | 127]) + struct.pack("!Q", len(payload))
        masked = bytes(byte ^ mask[index % 4] for index, byte in enumerate(payload))
        self.sock.sendall(header + mask + masked)

    def _read(self, count, deadline):
        while len(self.buffer) < count:
            remaining = deadline - time.time()
            if remaining <= 0:
                raise socket.timeout()
            self.sock.settimeout(remaining)
            chunk = self.sock.recv(65536)
            if not chunk:
                raise OSError("connection closed")
            self.buffer += chunk
        data, self.buffer = self.buffer[:count], self.buffer[count:]
        return data

    def receive(self, seconds):
        """The next protocol message (pings answered, `ping`/`pong` messages skipped), or None
        after `seconds`. A close frame raises OSError, with its code in `close_code`."""
        deadline = time.time() + seconds
        try:
            while True:
                first, second = self._read(2, deadline)
                length = second & 0x7F
                if length == 126:
                    length = struct.unpack("!H", self._read(2, deadline))[0]
                elif length == 127:
                    length = struct.unpack("!Q", self._read(8, deadline))[0]
                payload = self._read(length, deadline)
                opcode = first & 0x0F
                if opcode == 0x9:  # ping: answer as browsers do
                    self.send(payload, opcode=0xA)
                    continue
                if opcode == 0x8:
                    self.close_code = struct.unpack("!H", payload[:2])[0] if len(payload) >= 2 else 1005
                    raise OSError(f"closed by the server: {payload[:2].hex()} {payload[2:]!r}")
                if opcode != 0x1:
                    continue
                message = json.loads(payload)
                if message.get("type") in ("ping", "pong"):
                    continue
                return message
        except socket.timeout:
            return None

    def close(self):
        self.sock.close()
