#!/usr/bin/env python3
"""Load-balancing test: the project's nginx.conf (Debian's nginx) in front of three instances of
the release binary sharing one PostgreSQL database, all on loopback.

It shows, and fails if it is not so:
  1. requests spread over all three instances (each names itself in X-Conduit-Instance);
  2. a request id is created by nginx (or passed on) and reaches the app's log; a client's id
     the app would not keep (5,000 characters, spaces, tabs, quotes) is replaced by nginx, and
     every answer carries exactly one X-Request-Id, the one the app logged;
  3. the login rate limit answers 429 past its burst;
  4. what the balancing method does: with one instance behind a delaying TCP proxy, the
     per-instance counts under round robin and under least_conn (reported, and least_conn must
     send the slow instance less);
  5. killing an instance during a read load loses no GET request;
  6. an instance sent SIGTERM finishes its in-flight request before it exits;
  7. live updates cross replicas through nginx: a client of the comment stream (server-sent
     events) and of a GraphQL subscription (WebSocket), both connected through nginx, receive a
     comment posted through nginx that another replica served, over PostgreSQL NOTIFY and over
     Redis pub/sub (the delivery latency is reported, and must stay under a second);
  8. live clients reconnect after their replica restarts: the stopping replica ends their event
     stream and closes their WebSocket with 1012, they reconnect through nginx to another replica,
     and the stream replays what it missed from Last-Event-ID;
and that /metrics is served by each instance but not through nginx.

Usage: lb-test.py --binary target/release/conduit [--postgres postgres://postgres@127.0.0.1:5432]
                  [--redis redis://127.0.0.1:6379]
Talks to 127.0.0.1 only; every loop is bounded.
"""

import argparse
import http.client
import json
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid

import http_load
from http_load import free_port, request, served_by, served_during
from live_clients import EventStream, GraphqlSocket

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SECRET = "load-balancing-test-secret-32-bytes-or-more"


def check(name, condition, detail=""):
    http_load.check("lb-test", name, condition, detail)


class Instance:
    def __init__(self, binary, name, database_url, workdir):
        self.binary, self.name, self.database_url = binary, name, database_url
        self.port = free_port()
        self.log_path = os.path.join(workdir, f"{name}.log")
        self.process = None
        self.settings = {}

    def start(self):
        environment = dict(os.environ, DATABASE_URL=self.database_url, JWT_SECRET=SECRET,
                           BIND_ADDRESS=f"127.0.0.1:{self.port}", INSTANCE_NAME=self.name,
                           LOG_FORMAT="json", RUST_LOG="info", **self.settings)
        log = open(self.log_path, "ab")
        self.process = subprocess.Popen([self.binary], env=environment, stdout=log, stderr=log)
        if not http_load.wait_for(self.port):
            raise RuntimeError(f"{self.name} did not become ready; see {self.log_path}")

    def stop(self):
        if self.process and self.process.poll() is None:
            self.process.kill()
            self.process.wait(10)

    def log(self):
        with open(self.log_path, encoding="utf-8", errors="replace") as file:
            return file.read()


class DelayingProxy:
    """Forwards TCP connections to `target_port`, holding every chunk for `delay` seconds."""

    def __init__(self, target_port, delay):
        self.target_port, self.delay = target_port, delay
        self.listener = socket.socket()
        self.listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(128)
        self.port = self.listener.getsockname()[1]
        self.running = True
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while self.running:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            upstream = socket.create_connection(("127.0.0.1", self.target_port))
            for source, sink in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pipe, args=(source, sink), daemon=True).start()

    def _pipe(self, source, sink):
        try:
            while True:
                data = source.recv(65536)
                if not data:
                    break
                time.sleep(self.delay)
                sink.sendall(data)
        except OSError:
            pass
        finally:
            for end in (source, sink):
                try:
                    end.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass

    def close(self):
        self.running = False
        self.listener.close()


class Nginx:
    def __init__(self, workdir):
        self.workdir = workdir
        self.port = free_port()
        self.process = None
        with open(os.path.join(ROOT, "nginx.conf"), encoding="utf-8") as file:
            self.template = file.read()

    def render(self, upstream_ports, method):
        """The project's nginx.conf with only addresses (and, for the comparison, the balancing
        method) changed."""
        config = self.template
        servers = "\n".join(f"        server 127.0.0.1:{port} max_fails=3 fail_timeout=10s;"
                            for port in upstream_ports)
        config, count = re.subn(r"^\s*server app:8080[^\n]*;", servers, config, flags=re.M)
        assert count == 1, "nginx.conf must have exactly one `server app:8080` line"
        config = config.replace("listen 80;", f"listen 127.0.0.1:{self.port};")
        config = config.replace("/tmp/nginx", os.path.join(self.workdir, "nginx"))
        config = config.replace("access_log /dev/stdout conduit;",
                                f"access_log {os.path.join(self.workdir, 'access.log')} conduit;")
        if method == "round_robin":
            config, count = re.subn(r"^\s*least_conn;\n", "", config, flags=re.M)
            assert count == 1
        path = os.path.join(self.workdir, f"nginx-{method}.conf")
        with open(path, "w", encoding="utf-8") as file:
            file.write(config)
        return path

    def start(self, upstream_ports, method="least_conn"):
        self.stop()
        config = self.render(upstream_ports, method)
        check_config = subprocess.run(["nginx", "-t", "-c", config, "-p", self.workdir],
                                      capture_output=True, text=True)
        if check_config.returncode != 0:
            raise RuntimeError(check_config.stderr)
        self.process = subprocess.Popen(["nginx", "-c", config, "-p", self.workdir,
                                         "-g", "daemon off;"])
        deadline = time.time() + 10
        while time.time() < deadline:
            try:
                if request(self.port, path="/nginx-health", timeout=1)[0] == 200:
                    return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("nginx did not start")

    def stop(self):
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(10)


COMMENT_ADDED = "subscription($slug: String!) { commentAdded(slug: $slug) { id } }"


def live_subscribers(instances):
    """conduit_live_subscribers summed over the instances."""
    total = 0
    for instance in instances:
        _, _, data = request(instance.port, path="/metrics")
        match = re.search(rb"^conduit_live_subscribers (\d+)", data, re.M)
        total += int(match.group(1)) if match else 0
    return total


def comment_clients(nginx_port, instances, slug, last_event_id=None):
    """Both kinds of live client of the article's comments, connected through nginx: an event
    stream (resuming after `last_event_id`) and a commentAdded subscription; returns once
    `instances` feed both."""
    stream = EventStream(nginx_port, f"/api/articles/{slug}/comments/events", last_event_id=last_event_id)
    subscriber = GraphqlSocket(nginx_port)
    subscriber.send({"type": "subscribe", "id": "c",
                     "payload": {"query": COMMENT_ADDED, "variables": {"slug": slug}}})
    deadline = time.time() + 5
    while live_subscribers(instances) < 2 and time.time() < deadline:
        time.sleep(0.05)
    return stream, subscriber


def comment_added(message):
    """The commentAdded payload of a subscription message, or None."""
    return message and message.get("payload", {}).get("data", {}).get("commentAdded", {})


def live_across(nginx_port, instances, token, slug, transport):
    """7. A comment stream and a subscription, both through nginx; comments posted through nginx
    until each client has received one that another replica served."""
    stream, subscriber = comment_clients(nginx_port, instances, slug)
    check(f"{transport}: the comment stream opens through nginx as text/event-stream",
          stream.status == 200 and stream.headers.get("content-type") == "text/event-stream",
          f"{stream.status} {stream.headers}")
    on = {"stream": stream.headers.get("x-conduit-instance"),
          "websocket": subscriber.headers.get("x-conduit-instance")}
    latency = {}
    for attempt in range(20):
        status, headers, data = request(nginx_port, "POST", f"/api/articles/{slug}/comments",
                                        {"comment": {"body": f"{transport} {attempt}"}},
                                        headers={"Authorization": f"Token {token}"})
        posted = time.time()
        if status != 201:
            check(f"{transport}: a comment is posted through nginx", False, f"{status} {data[:200]}")
            break
        comment_id = json.loads(data)["comment"]["id"]
        writer = headers.get("x-conduit-instance")
        event = stream.next_event(3)
        arrived = {"stream": time.time() if event and event[1] == str(comment_id) else None}
        message = subscriber.receive(3)
        got = comment_added(message)
        arrived["websocket"] = time.time() if got and got.get("id") == comment_id else None
        for client in ("stream", "websocket"):
            if arrived[client] is None:
                check(f"{transport}: the {client} client receives every comment", False,
                      f"comment {comment_id} from {writer}: {event if client == 'stream' else message}")
                return
            if writer != on[client] and client not in latency:
                # Read one after the other: the second figure is an upper bound.
                latency[client] = (arrived[client] - posted, writer, on[client])
        if len(latency) == 2:
            break
    stream.close()
    subscriber.close()
    for client in ("stream", "websocket"):
        figure = latency.get(client)
        if figure:
            print(f"lb-test: {transport}: comment posted through nginx on {figure[1]}, received by a "
                  f"{client} client on {figure[2]} after {figure[0] * 1000:.1f} ms")
        check(f"{transport}: a {client} client through nginx receives, within a second, a comment "
              f"another replica served", figure is not None and figure[0] < 1.0, str(figure))


def post_comment(nginx_port, token, slug, body):
    """A comment posted through nginx: its id, or None (the failure is checked)."""
    status, _, data = request(nginx_port, "POST", f"/api/articles/{slug}/comments",
                              {"comment": {"body": body}}, headers={"Authorization": f"Token {token}"})
    check(f"a comment is posted through nginx ({body})", status == 201, f"{status} {data[:200]}")
    return json.loads(data)["comment"]["id"] if status == 201 else None


def reconnect_after_restart(nginx_port, instances, token, slug):
    """8. Live clients reconnect after their replica restarts: once its listener is closed, the
    replica ends its event streams and closes its WebSockets with 1012 (Service Restart); the
    clients reconnect through nginx to another replica, the stream replays from Last-Event-ID the
    comment posted while it was away, and both receive the next comment."""
    stream, subscriber = comment_clients(nginx_port, instances, slug)
    seen = post_comment(nginx_port, token, slug, "before the restart")
    event = stream.next_event(3)
    subscriber.receive(3)
    check("restart: the stream has an event id to resume from", event and event[1] == str(seen), str(event))
    hosts = {stream.headers.get("x-conduit-instance"), subscriber.headers.get("x-conduit-instance")}
    victims = [instance for instance in instances if instance.name in hosts]
    signalled = time.time()
    for victim in victims:
        victim.process.send_signal(signal.SIGTERM)
    while not stream.ended and time.time() < signalled + 15:
        stream.next_event(1)
    ended_after = time.time() - signalled
    try:
        subscriber.receive(15)
    except OSError:
        pass
    check("restart: the replica ends the event stream when it stops", stream.ended, f"{ended_after:.1f} s")
    check("restart: the replica closes the WebSocket with 1012 Service Restart",
          subscriber.close_code == 1012, str(subscriber.close_code))
    stream.close()
    subscriber.close()
    exits = [victim.process.wait(15) for victim in victims]
    stopped_after = time.time() - signalled
    check("restart: the replica exits 0 without waiting out its grace period for live clients",
          exits == [0] * len(victims) and stopped_after < 15, f"{exits} after {stopped_after:.1f} s")

    missed = post_comment(nginx_port, token, slug, "while the clients were away")
    survivors = [instance for instance in instances if instance not in victims]
    stream, subscriber = comment_clients(nginx_port, survivors, slug, last_event_id=str(seen))
    moved = {stream.headers.get("x-conduit-instance"), subscriber.headers.get("x-conduit-instance")}
    check("restart: the clients reconnect through nginx to a replica still running",
          moved <= {instance.name for instance in survivors}, f"{moved} from {hosts}")
    event = stream.next_event(3)
    check("restart: the reconnected stream replays the comment it missed (Last-Event-ID)",
          event and event[1] == str(missed), str(event))
    latest = post_comment(nginx_port, token, slug, "after the reconnect")
    event = stream.next_event(3)
    message = subscriber.receive(3)
    got = comment_added(message)
    check("restart: both reconnected clients receive the next comment",
          event and event[1] == str(latest) and got and got.get("id") == latest, f"{event} {message}")
    stream.close()
    subscriber.close()
    print(f"lb-test: {', '.join(sorted(hosts))} sent SIGTERM with live clients: stream ended after "
          f"{ended_after:.1f} s (drain 5 s), exited after {stopped_after:.1f} s; clients resumed on "
          f"{', '.join(sorted(moved))}")
    for victim in victims:
        victim.start()


PLAIN_REQUEST_ID = re.compile(r"[A-Za-z0-9_.:-]{1,128}")


def request_ids(port, request_id):
    """GET /api/tags through nginx with `request_id` as X-Request-Id; returns (status, every
    X-Request-Id header of the answer, in order)."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        connection.putrequest("GET", "/api/tags")
        connection.putheader("X-Request-Id", request_id)
        connection.endheaders()
        response = connection.getresponse()
        response.read()
        return response.status, response.msg.get_all("X-Request-Id") or []
    finally:
        connection.close()


def hostile_request_ids(port, instances):
    """2. A client's id that the app would not log as it is (too long, spaces, a tab, a vertical
    tab, quotes) is replaced by nginx with its own: the answer carries exactly one X-Request-Id,
    a plain one, and it is the id the app logged for the request; the hostile text is in no log."""
    hostile = {"5,000 characters": "x" * 5000, "129 characters": "a" * 129,
               "spaces": "id with spaces", "a tab": "id\twith\ttabs",
               "a vertical tab": "id\x0bnext", "quotes": 'id"} forged="log'}
    for name, request_id in hostile.items():
        status, ids = request_ids(port, request_id)
        time.sleep(0.3)
        logs = [instance.log() for instance in instances]
        replaced = len(ids) == 1 and ids[0] != request_id and PLAIN_REQUEST_ID.fullmatch(ids[0])
        logged_by = sum(1 for log in logs if replaced and ids[0] in log)
        # As sent, or as a JSON log line would escape it.
        leaked = any(request_id in log or json.dumps(request_id)[1:-1] in log for log in logs)
        check(f"a client's X-Request-Id with {name} is replaced: one plain id comes back, the one "
              "the app logged, and the client's is logged nowhere",
              status == 200 and replaced and logged_by == 1 and not leaked,
              f"status {status}, ids {[value[:40] for value in ids]}, logged by {logged_by}, "
              f"leaked {leaked}")
    access_log_path = os.path.join(os.path.dirname(instances[0].log_path), "access.log")
    with open(access_log_path, encoding="utf-8", errors="replace") as file:
        access_log = file.read()
    check("nginx's access log holds none of the hostile ids",
          all(request_id not in access_log for request_id in hostile.values()))


def restart(instances, settings):
    for instance in instances:
        instance.stop()
        instance.settings = settings
        instance.start()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--binary", required=True)
    parser.add_argument("--postgres", default="postgres://postgres@127.0.0.1:5432")
    parser.add_argument("--redis", default="redis://127.0.0.1:6379")
    arguments = parser.parse_args()

    database = f"conduit_lb_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    psql = ["psql", arguments.postgres + "/postgres", "-q", "-v", "ON_ERROR_STOP=1", "-c"]
    subprocess.run(psql + [f"CREATE DATABASE {database}"], check=True)
    workdir = tempfile.mkdtemp(prefix="conduit-lb-")
    os.makedirs(os.path.join(workdir, "logs"), exist_ok=True)
    url = f"{arguments.postgres}/{database}"
    instances = [Instance(arguments.binary, f"app{n}", url, workdir) for n in (1, 2, 3)]
    nginx = Nginx(workdir)
    proxy = None
    try:
        for instance in instances:  # one after the other: the first applies the migrations
            instance.start()
        ports = [instance.port for instance in instances]
        nginx.start(ports)

        # Some data, written straight to an instance (the rate limit guards nginx's door).
        status, _, data = request(ports[0], "POST", "/api/users", {"user": {
            "username": "balancer", "email": "balancer@example.com", "password": "balancer-password"}})
        token = json.loads(data)["user"]["token"]
        for number in range(5):
            request(ports[0], "POST", "/api/articles", {"article": {
                "title": f"Balanced {number}", "description": "d", "body": "b", "tagList": ["lb"]}},
                headers={"Authorization": f"Token {token}"})

        # 1. Spread.
        spread, failures = served_by(nginx.port, 90, 3)
        print(f"lb-test: spread of 90 GETs over three equal instances (least_conn): {dict(sorted(spread.items()))}")
        check("requests reach all three instances", len(spread) == 3 and not failures,
              f"{dict(spread)} failures={failures[:3]}")

        # 2. Request ids: passed on when sent, created when not, and logged by the app.
        request_id = f"lb-test-{uuid.uuid4()}"
        status, ids = request_ids(nginx.port, request_id)
        time.sleep(0.3)
        logged = [i.name for i in instances if request_id in i.log()]
        check("the client's X-Request-Id comes back once and reaches the app's log",
              ids == [request_id] and len(logged) == 1, f"{ids} logged by {logged}")
        hostile_request_ids(nginx.port, instances)
        _, headers, _ = request(nginx.port)
        created = headers.get("x-request-id", "")
        time.sleep(0.3)
        check("nginx creates a request id when there is none, and the app logs it",
              len(created) >= 16 and any(created in i.log() for i in instances), created)

        # 2b. Metrics are internal: each instance serves them, the public server does not.
        status, _, data = request(ports[0], path="/metrics")
        check("an instance serves Prometheus metrics on /metrics",
              status == 200 and b"conduit_build_info" in data, f"status {status}")
        blocked = [request(nginx.port, path=path)[0]
                   for path in ("/metrics", "/metrics?x=1", "//metrics", "/%6Detrics")]
        check("nginx does not serve /metrics to the public", blocked == [404] * 4, str(blocked))

        # 7. Live updates across replicas, through nginx: PostgreSQL NOTIFY (the default on
        # PostgreSQL), then Redis pub/sub; the later steps run on the default again.
        slug = "balanced-0"
        live_across(nginx.port, instances, token, slug, "PostgreSQL NOTIFY")
        restart(instances, {"EVENTS_URL": arguments.redis,
                            "EVENTS_CHANNEL": f"conduit_lb_{os.getpid()}"})
        live_across(nginx.port, instances, token, slug, "Redis pub/sub")
        restart(instances, {})
        # 8. Live clients reconnect after their replica restarts (default settings: drain 5 s).
        reconnect_after_restart(nginx.port, instances, token, slug)

        # 3. Rate limit on login: burst 5, then 429.
        statuses = [request(nginx.port, "POST", "/api/users/login",
                            {"user": {"email": "balancer@example.com", "password": "wrong-password"}})[0]
                    for _ in range(12)]
        print(f"lb-test: 12 rapid logins answered {statuses}")
        check("the login rate limit answers 429 past its burst",
              statuses[:6] == [401] * 6 and statuses.count(429) >= 5, str(statuses))

        # 4. The balancing method, with app3 behind a proxy that adds 20 ms per chunk.
        proxy = DelayingProxy(ports[2], 0.02)
        distributions = {}
        for method in ("round_robin", "least_conn"):
            nginx.start([ports[0], ports[1], proxy.port], method)
            spread, failures = served_by(nginx.port, 300, 8)
            distributions[method] = dict(sorted(spread.items()))
            print(f"lb-test: {method}: 300 GETs, 8 clients, app3 slowed down: {distributions[method]} failures={len(failures)}")
        check("round robin gives the slow instance an equal share",
              distributions["round_robin"].get("app3", 0) >= 80, str(distributions["round_robin"]))
        check("least_conn sends the slow instance less than round robin",
              distributions["least_conn"].get("app3", 0) < distributions["round_robin"].get("app3", 0),
              str(distributions))
        proxy.close()
        proxy = None
        nginx.start(ports)

        # 5. Kill an instance in the middle of a read load: no GET may be lost.
        def kill_later():
            time.sleep(1.0)
            instances[2].process.kill()
            instances[2].process.wait(10)
        killer = threading.Thread(target=kill_later)
        killer.start()
        spread, failures = served_during(nginx.port, 3.0, 6)
        killer.join()
        total = sum(spread.values()) + len(failures)
        print(f"lb-test: {total} GETs in 3 s, app3 killed after 1 s: {dict(sorted(spread.items()))}, lost: {len(failures)}")
        check("killing an instance during a read load loses no GET request",
              not failures and total > 100 and instances[2].process.returncode is not None,
              str(failures[:3]))

        # 6. Graceful shutdown: a request in flight when SIGTERM arrives is still answered.
        victim = instances[1]
        running = {}

        def terminate():
            victim.process.send_signal(signal.SIGTERM)
            time.sleep(0.5)
            running["after SIGTERM"] = victim.process.poll() is None
        answer = http_load.interrupted_login(victim.port, "balancer@example.com", "balancer-password", terminate)
        still_running = running.get("after SIGTERM", False)
        try:
            exit_code = victim.process.wait(15)
        except subprocess.TimeoutExpired:
            exit_code = None
        status_line = http_load.status_line(answer)
        print(f"lb-test: in-flight login during SIGTERM answered {status_line!r}; exit code {exit_code}")
        check("an instance sent SIGTERM finishes its in-flight request, then exits",
              still_running and status_line.endswith("200 OK") and b'"token"' in answer and exit_code == 0,
              f"running after SIGTERM: {still_running}")
        spread, failures = served_by(nginx.port, 60, 3)
        check("the survivor serves everything after the others are gone",
              not failures and set(spread) == {"app1"}, f"{dict(spread)} {failures[:3]}")
    finally:
        if proxy:
            proxy.close()
        nginx.stop()
        for instance in instances:
            instance.stop()
        subprocess.run(psql + [f"DROP DATABASE IF EXISTS {database} WITH (FORCE)"], check=False)

    print(http_load.summary_line("lb-test"))
    return 0 if http_load.results["failed"] == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
