"""Podman helpers for the container tests (image-test.py, compose-test.py): running podman,
reading container state, a health-check scheduler, and the RealWorld user flow both tests
drive through a published port.

Podman 4.3 (Debian bookworm) schedules HEALTHCHECKs with systemd timers; this machine has no
systemd, so `HealthChecks` does that job: every interval it runs `podman healthcheck run` for
each container, which executes the image's own HEALTHCHECK command inside the container and
records healthy/unhealthy exactly as the timer would.
"""

import json
import os
import subprocess
import sys
import threading
import time
import uuid

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
import http_load  # noqa: E402  (deploy/http_load.py)

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def podman(*arguments, check=True, timeout=120):
    """Runs `podman ARGUMENTS`; returns its stdout (stripped). Raises on failure when `check`."""
    completed = subprocess.run(["podman", *arguments], capture_output=True, text=True, timeout=timeout)
    if check and completed.returncode != 0:
        raise RuntimeError(f"podman {' '.join(arguments)} failed: {completed.stderr.strip()}")
    return completed.stdout.strip()


def inspect(container):
    """`podman inspect` of one container as a dict."""
    return json.loads(podman("container", "inspect", container))[0]


def logs(container, tail=None):
    """The container's output, stdout and stderr together."""
    completed = subprocess.run(["podman", "logs", *(["--tail", str(tail)] if tail else []), container],
                               capture_output=True, text=True, timeout=60)
    return completed.stdout + completed.stderr


def process_ids(container):
    """(real, effective, saved, filesystem) uid of the container's main process, read from
    /proc on the host, so it is what the kernel enforces, not what the image claims."""
    pid = inspect(container)["State"]["Pid"]
    with open(f"/proc/{pid}/status", encoding="utf-8") as status:
        for line in status:
            if line.startswith("Uid:"):
                return tuple(int(value) for value in line.split()[1:5])
    raise RuntimeError(f"no Uid line for pid {pid}")


def health(container):
    """The container's health status: starting, healthy or unhealthy ('' without a check)."""
    state = inspect(container)["State"]
    return (state.get("Health") or state.get("Healthcheck") or {}).get("Status", "")


class HealthChecks:
    """Runs each container's HEALTHCHECK every `interval` seconds in a background thread, in
    place of podman's systemd timers (see the module docstring). `containers` is a callable
    returning the names to check, so containers that come and go are followed."""

    def __init__(self, containers, interval=2.0):
        self.containers, self.interval = containers, interval
        self.stopped = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self):
        while not self.stopped.is_set():
            for container in self.containers():
                subprocess.run(["podman", "healthcheck", "run", container], capture_output=True, timeout=30)
            self.stopped.wait(self.interval)

    def stop(self):
        self.stopped.set()
        self.thread.join(60)


def wait_healthy(container, seconds=60):
    deadline = time.time() + seconds
    while time.time() < deadline:
        if health(container) == "healthy":
            return True
        time.sleep(0.5)
    return False


def user_flow(port, prefix):
    """Register, log in and list articles over REST, then the same over GraphQL, through
    127.0.0.1:port. Returns a list of (step, ok, detail) and the REST token."""
    steps, token = [], None
    name = f"{prefix}{uuid.uuid4().hex[:8]}"
    user = {"username": name, "email": f"{name}@example.com", "password": "container-password"}
    status, _, body = http_load.request(port, "POST", "/api/users", {"user": user})
    steps.append(("REST register answers 201", status == 201, f"{status} {body[:200]!r}"))
    status, _, body = http_load.request(port, "POST", "/api/users/login", {"user": {
        "email": user["email"], "password": user["password"]}})
    ok = status == 200
    token = json.loads(body)["user"]["token"] if ok else None
    steps.append(("REST login answers 200 with a token", ok and bool(token), f"{status} {body[:200]!r}"))
    if token:
        status, _, body = http_load.request(port, "POST", "/api/articles", {"article": {
            "title": f"Shipped {name}", "description": "d", "body": "b", "tagList": ["shipped"]}},
            headers={"Authorization": f"Token {token}"})
        steps.append(("REST create article answers 201", status == 201, f"{status} {body[:200]!r}"))
    status, _, body = http_load.request(port, path=f"/api/articles?author={name}")
    listed = json.loads(body).get("articles", []) if status == 200 else []
    steps.append(("REST list shows the article", status == 200 and len(listed) == 1, f"{status} {body[:200]!r}"))

    def graphql(query, bearer=None):
        headers = {"Authorization": f"Token {bearer}"} if bearer else {}
        status, _, body = http_load.request(port, "POST", "/graphql", {"query": query}, headers)
        return status, json.loads(body) if body else {}

    graph_name = f"g{name}"
    status, body = graphql(f'mutation {{ register(input: {{username: "{graph_name}", '
                           f'email: "{graph_name}@example.com", password: "container-password"}}) {{ token }} }}')
    steps.append(("GraphQL register", status == 200 and "errors" not in body, f"{status} {body}"))
    status, body = graphql(f'mutation {{ login(input: {{email: "{graph_name}@example.com", '
                           f'password: "container-password"}}) {{ token viewer {{ username }} }} }}')
    graph_token = (body.get("data") or {}).get("login", {}).get("token")
    steps.append(("GraphQL login", status == 200 and bool(graph_token), f"{status} {body}"))
    status, body = graphql('{ articles(first: 5, tag: "shipped") { nodes { title author { username } } } }',
                           graph_token)
    nodes = ((body.get("data") or {}).get("articles") or {}).get("nodes", [])
    steps.append(("GraphQL list shows the REST article", status == 200
                  and any(node["author"]["username"] == name for node in nodes), f"{status} {body}"))
    return steps, token
