#!/usr/bin/env python3
"""The compose stack for real: docker/compose.yml (Nginx + three Conduit replicas + PostgreSQL)
brought up with podman-compose in one command, then tested through Nginx's published port.

It shows, and fails if it is not so:
  1. `podman-compose up -d` brings the stack up; the API answers through Nginx;
  2. requests spread over all three replicas, and Nginx's request id reaches a replica's log;
  3. one replica killed under read load: no GET lost;
  4. a rolling restart of the replicas, one at a time (SIGTERM with the shutdown grace, start,
     healthy, Nginx reloaded to learn the new address), under mixed read/write load: no failed
     request, and every acknowledged write is stored exactly once;
  5. the database restarted: the API answers 503 with Retry-After (never a 500 or a 502) while it
     is down, then recovers without restarting the app;
  6. (--variant mysql) docker/compose.mysql.yml: up, the user flow over REST and GraphQL, spread.
Every request that failed is listed.

Usage: compose-test.py [--variant postgres|mysql] [--image localhost/conduit:local]
Containers, networks and volumes belong to a project with a unique name and are removed at the
end. Talks to 127.0.0.1 only (Nginx is published on a free loopback port); every loop is bounded.
"""

import argparse
import collections
import json
import os
import secrets
import subprocess
import sys
import tempfile
import threading
import time
import uuid

from containers import ROOT, HealthChecks, inspect, logs, podman, user_flow, wait_healthy
import http_load

PODMAN_COMPOSE = os.environ.get("PODMAN_COMPOSE", "/var/tmp/conduit-tools/compose-venv/bin/podman-compose")
# The longest a graceful stop takes: SHUTDOWN_DRAIN_SECS (5) + SHUTDOWN_GRACE_SECS (20), the
# defaults in src/config.rs.
SHUTDOWN_GRACE = 25


def check(name, condition, detail=""):
    http_load.check("compose-test", name, condition, detail)


class Stack:
    """One compose project: the file, a generated env file, and podman-compose around them."""

    def __init__(self, compose_file, image):
        self.project = f"conduit-ci-{os.getpid()}-{uuid.uuid4().hex[:4]}"
        self.file = os.path.join(ROOT, "docker", compose_file)
        self.port = http_load.free_port()
        self.directory = tempfile.mkdtemp(prefix="conduit-compose-")
        self.env_file = os.path.join(self.directory, ".env")
        with open(self.env_file, "w", encoding="utf-8") as env:
            env.write("\n".join([
                f"JWT_SECRET={secrets.token_hex(32)}",
                f"POSTGRES_PASSWORD={secrets.token_hex(12)}",
                f"MYSQL_PASSWORD={secrets.token_hex(12)}",
                f"MYSQL_ROOT_PASSWORD={secrets.token_hex(12)}",
                f"HTTP_PORT=127.0.0.1:{self.port}",
                f"CONDUIT_IMAGE={image}",
                "RUST_LOG=info",
                # The rolling-restart load has two writers posting as one user as fast as they
                # can: a load test, not a user, so the per-user write quota is off.
                "WRITES_PER_USER=0",
            ]) + "\n")

    def compose(self, *arguments, timeout=600):
        command = [PODMAN_COMPOSE, "-p", self.project, "-f", self.file, "--env-file", self.env_file, *arguments]
        completed = subprocess.run(command, capture_output=True, text=True, timeout=timeout)
        if completed.returncode != 0:
            raise RuntimeError(f"{' '.join(command)} failed:\n{completed.stderr[-3000:]}")
        return completed.stdout

    def containers(self, service=None):
        """Names of this project's containers (of one service), in replica order."""
        label = [f"--filter=label=io.podman.compose.project={self.project}"]
        if service:
            label.append(f"--filter=label=io.podman.compose.service={service}")
        rows = json.loads(podman("ps", "-a", "--format", "json", *label) or "[]")
        return sorted(name for row in rows for name in row["Names"])

    def running(self):
        rows = json.loads(podman("ps", "--format", "json", f"--filter=label=io.podman.compose.project={self.project}") or "[]")
        return [name for row in rows for name in row["Names"]]

    def reload_nginx(self):
        """Nginx resolves `app` to the replicas' addresses when it (re)loads its configuration;
        a replica started again has a new address, so Nginx is told to reload (gracefully:
        requests in flight finish on the old workers)."""
        for nginx in self.containers("nginx"):
            # Right after a container starts, the network's DNS may not know it yet, and
            # `nginx -s reload` refuses a configuration whose upstream does not resolve.
            for attempt in range(20):
                try:
                    podman("exec", nginx, "nginx", "-s", "reload")
                    break
                except RuntimeError as error:
                    print(f"compose-test: nginx reload attempt {attempt + 1}: {str(error)[-120:]}")
                    time.sleep(0.5)
        time.sleep(1.0)

    def down(self):
        try:
            self.compose("down", "-v", "-t", "5", timeout=300)
        except (RuntimeError, subprocess.TimeoutExpired) as error:
            print(f"compose-test: down failed: {error}")
            for container in self.containers():
                podman("rm", "-f", "-t", "0", container, check=False)


def up(stack):
    """`podman-compose up -d` (one command); returns seconds until the API answered through Nginx."""
    started = time.time()
    # --no-deps: podman 4.3 (Debian bookworm) fails to start a container whose `--requires`
    # chain is two deep (nginx -> app -> postgres: "generating dependency graph ... not found in
    # input list"); podman-compose still starts the services in dependency order.
    stack.compose("up", "-d", "--no-build", "--no-deps")
    ready = http_load.wait_for(stack.port, "/health/ready", seconds=180)
    seconds = time.time() - started
    check(f"`podman-compose -f docker/{os.path.basename(stack.file)} up -d` serves the API through Nginx",
          ready, "" if ready else logs(stack.containers("app")[0], tail=30))
    print(f"compose-test: up in {seconds:.0f} s: {', '.join(stack.running())}")
    return ready


def instances_by_container(stack):
    """X-Conduit-Instance (the container's host name) -> container name."""
    return {inspect(name)["Config"]["Hostname"]: name for name in stack.containers("app")}


def mixed_load(port, token, seconds, readers, writers, max_requests=20000):
    """Readers GET /api/articles, writers POST articles with unique titles; returns
    (answers as (worker, ok, label), titles acknowledged with 201)."""
    acknowledged, lock = [], threading.Lock()

    def one(worker, n):
        if worker >= readers:
            title = f"rolling {worker} {n} {uuid.uuid4().hex[:6]}"
            ok, label = http_load.answer(port, "POST", "/api/articles", {"article": {
                "title": title, "description": "d", "body": "b", "tagList": ["rolling"]}},
                {"Authorization": f"Token {token}"}, expect=201)
            if ok:
                with lock:
                    acknowledged.append(title)
            return ok, label
        return http_load.answer(port)

    return http_load.load_during(seconds, readers + writers, one, max_requests), acknowledged


def stored_titles(port, tag, page=100):
    """Titles of every article with `tag`, read page by page (at most 1000 pages)."""
    titles = []
    for offset in range(0, 1000 * page, page):
        status, _, body = http_load.request(port, path=f"/api/articles?tag={tag}&limit={page}&offset={offset}")
        articles = json.loads(body)["articles"] if status == 200 else []
        titles += [article["title"] for article in articles]
        if len(articles) < page:
            break
    return titles


def scrape_metrics(container):
    """GET /metrics from `container`, from another container on its compose network (as
    Prometheus would): the Debian stand-in's bash and /dev/tcp, no tool installed."""
    network = next(iter(inspect(container)["NetworkSettings"]["Networks"]))
    script = (f'exec 3<>/dev/tcp/{container}/8080 && printf "GET /metrics HTTP/1.0\\r\\n'
              f'Host: {container}\\r\\n\\r\\n" >&3 && cat <&3')
    return podman("run", "--rm", "--network", network, "localhost/conduit-standin/debian:bookworm",
                  "bash", "-c", script, check=False)


def articles_served(metrics):
    """The number of GET /api/articles answered 200, from the Prometheus text exposition."""
    total = 0.0
    for line in metrics.splitlines():
        if (line.startswith("http_request_duration_seconds_count{") and 'route="/api/articles"' in line
                and 'method="GET"' in line and 'status="200"' in line):
            total += float(line.rsplit(" ", 1)[1])
    return total


def test_postgres(stack):
    apps = stack.containers("app")
    check("three app replicas, Nginx and PostgreSQL run", len(apps) == 3 and len(stack.running()) == 5,
          str(stack.running()))
    for app in apps:
        wait_healthy(app, 60)

    steps, token = user_flow(stack.port, "compose")
    for step, ok, detail in steps:
        check(f"through Nginx: {step}", ok, "" if ok else detail)
    if not token:
        return

    # Spread, and the request id in a replica's log.
    names = instances_by_container(stack)
    spread, failures = http_load.served_by(stack.port, 90, 3)
    print(f"compose-test: 90 GETs through Nginx: {dict(sorted((names.get(k, k), v) for k, v in spread.items()))}")
    check("requests reach all three replicas", len(spread) == 3 and not failures, f"{dict(spread)} {failures[:3]}")
    request_id = f"compose-test-{uuid.uuid4()}"
    status, headers, _ = http_load.request(stack.port, headers={"X-Request-Id": request_id})
    time.sleep(0.5)
    logged = [app for app in apps if request_id in logs(app)]
    check("the client's X-Request-Id comes back and reaches one replica's log",
          headers.get("x-request-id") == request_id and len(logged) == 1, f"logged by {logged}")

    # Metrics: internal only. Prometheus scrapes each replica on the compose network; Nginx, the
    # public door, does not serve them.
    blocked = [http_load.request(stack.port, path=path)[0] for path in ("/metrics", "//metrics")]
    check("Nginx does not serve /metrics to the public", blocked == [404, 404], str(blocked))
    before = scrape_metrics(apps[0])
    http_load.served_by(stack.port, 60, 3)
    after = scrape_metrics(apps[0])
    print(f"compose-test: {apps[0]} counted GET /api/articles {articles_served(before)} times, "
          f"then {articles_served(after)} after 60 more through Nginx")
    check("a replica's /metrics, scraped on the compose network, has build info and its counts move",
          "conduit_build_info" in after and articles_served(after) > articles_served(before), after[:300])

    # A replica killed under read load.
    victim = apps[2]

    def kill_later():
        time.sleep(1.0)
        podman("kill", victim)
    killer = threading.Thread(target=kill_later)
    killer.start()
    spread, failures = http_load.served_during(stack.port, 4.0, 6)
    killer.join()
    total = sum(spread.values()) + len(failures)
    print(f"compose-test: {total} GETs in 4 s, {victim} killed after 1 s: "
          f"{dict(sorted((names.get(k, k), v) for k, v in spread.items()))}, lost: {len(failures)} {failures[:5]}")
    check("a replica killed under read load loses no GET", not failures and total > 50, str(failures[:5]))
    # `restart: unless-stopped` brings it back; at a new address, which Nginx learns on reload.
    podman("start", victim, check=False)
    check("the killed replica is started again and turns healthy", wait_healthy(victim, 90))
    stack.reload_nginx()
    names = instances_by_container(stack)
    spread, failures = http_load.served_by(stack.port, 90, 3)
    check("after Nginx reloads, all three replicas serve again", len(spread) == 3 and not failures,
          f"{dict(spread)} {failures[:3]}")

    # Rolling restart under mixed read/write load.
    log = []

    def roll():
        time.sleep(2.0)
        for app in apps:
            started = time.time()
            podman("stop", "-t", str(SHUTDOWN_GRACE + 5), app, timeout=90)
            stopped = time.time()
            podman("start", app)
            healthy = wait_healthy(app, 90)
            stack.reload_nginx()
            log.append(f"{app}: stopped in {stopped - started:.1f} s (exit {inspect(app)['State'].get('ExitCode')}), "
                       f"healthy {'after' if healthy else 'NOT within'} {time.time() - stopped:.1f} s")
        time.sleep(2.0)
        done.set()

    done = threading.Event()
    roller = threading.Thread(target=roll)
    roller.start()
    answers, acknowledged = [], []
    for _ in range(40):  # bounded: the restart of three replicas takes well under 40 × 6 s
        batch, writes = mixed_load(stack.port, token, 6.0, readers=4, writers=2)
        answers += batch
        acknowledged += writes
        if done.is_set():
            break
    roller.join(300)
    for line in log:
        print(f"compose-test: rolling restart: {line}")
    reads = [a for a in answers if a[0] < 4]
    writes = [a for a in answers if a[0] >= 4]
    failed = [label for _, ok, label in answers if not ok]
    print(f"compose-test: rolling restart under load: {len(reads)} GETs, {len(writes)} POSTs, "
          f"failed: {len(failed)} {collections.Counter(failed).most_common(5)}")
    check("a rolling restart of the three replicas under mixed load fails no request",
          done.is_set() and not failed and len(reads) > 100 and len(writes) > 20, str(failed[:5]))
    titles = collections.Counter(stored_titles(stack.port, "rolling"))
    check("every acknowledged write is stored exactly once",
          set(titles) == set(acknowledged) and all(count == 1 for count in titles.values()),
          f"acknowledged {len(acknowledged)}, stored {sum(titles.values())}")

    # The database restarted.
    database = stack.containers("postgres")[0]
    app_starts = {app: inspect(app)["State"]["StartedAt"] for app in apps}
    podman("stop", "-t", "10", database, timeout=60)
    outage = [http_load.request(stack.port, path=path, timeout=15) for path in ["/api/articles", "/api/tags"] * 5]
    statuses = [status for status, _, _ in outage]
    retry_after = [headers.get("retry-after") for status, headers, _ in outage if status == 503]
    print(f"compose-test: with the database stopped: statuses {statuses}, Retry-After {retry_after}")
    check("with the database down the API answers 503 with Retry-After",
          statuses and all(status == 503 for status in statuses) and all(retry_after), str(outage[0][2][:300]))
    podman("start", database)
    started = time.time()
    recovered = False
    while time.time() - started < 90:
        try:
            if http_load.request(stack.port, path="/api/articles", timeout=5)[0] == 200:
                recovered = True
                break
        except OSError:
            pass
        time.sleep(0.5)
    print(f"compose-test: recovered {time.time() - started:.1f} s after the database started again")
    spread, failures = http_load.served_by(stack.port, 60, 3)
    check("after the database is back the API recovers without restarting the app",
          recovered and not failures and all(inspect(app)["State"]["StartedAt"] == app_starts[app] for app in apps),
          f"{failures[:3]}")


def test_mysql(stack):
    apps = stack.containers("app")
    check("three app replicas, Nginx and MySQL run", len(apps) == 3 and len(stack.running()) == 5,
          str(stack.running()))
    steps, _ = user_flow(stack.port, "mysql")
    for step, ok, detail in steps:
        check(f"MySQL stack through Nginx: {step}", ok, "" if ok else detail)
    # Podman 4.3 runs no health checks, so `depends_on: condition: service_healthy` does not hold
    # the replicas back: those that started before MySQL accepted connections exited and were
    # restarted with new addresses, and Nginx resolves `app` only when it loads its configuration.
    # So: every replica healthy first, then Nginx reloaded.
    for app in apps:
        check(f"MySQL stack: {app} turns healthy", wait_healthy(app, 90))
    stack.reload_nginx()
    spread, failures = http_load.served_by(stack.port, 60, 3)
    check("MySQL stack: requests reach all three replicas", len(spread) == 3 and not failures,
          f"{dict(spread)} {failures[:3]}")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--variant", choices=["postgres", "mysql"], default="postgres")
    parser.add_argument("--image", default="localhost/conduit:local")
    arguments = parser.parse_args()

    stack = Stack("compose.yml" if arguments.variant == "postgres" else "compose.mysql.yml", arguments.image)
    health = HealthChecks(stack.running, interval=2.0)
    started = time.time()
    try:
        if up(stack):
            (test_postgres if arguments.variant == "postgres" else test_mysql)(stack)
    finally:
        health.stop()
        stack.down()
    print(f"compose-test: {arguments.variant} stack tested in {time.time() - started:.0f} s")
    print(http_load.summary_line("compose-test"))
    return 0 if http_load.results["failed"] == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
