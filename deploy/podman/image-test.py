#!/usr/bin/env python3
"""The Docker image, built from the unchanged docker/Dockerfile and run for real with Podman.

It shows, and fails if it is not so:
  1. the image builds (`--format docker`, so the HEALTHCHECK is kept) from the stand-in base
     images (deploy/podman/base-images.sh), with `--pull=never`;
  2. the dependency layer is cached: a source-only change rebuilds the service, not the
     dependencies (the build log says `Using cache` for that step);
  3. the container runs as uid 65532 (read from /proc on the host), with a read-only root and
     /data as a volume, in which it creates its SQLite database and its JWT secret;
  4. its HEALTHCHECK (`conduit healthcheck`) turns it healthy;
  5. register, login and list work over REST and GraphQL through the published port, and the
     secret survives a restart (a token from before still works);
  6. SIGTERM (`podman stop`) lets a request in flight finish, then the process exits 0 well
     within the shutdown grace.
It reports the image size (uncompressed, and gzip-compressed as a registry stores it), the
binary size and each build's time.

Usage: image-test.py [--image localhost/conduit:local] [--no-build] [--no-cache-check]
Talks to 127.0.0.1 only; containers, volumes and tags it makes have unique names and are removed.
"""

import argparse
import gzip
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import uuid

from containers import ROOT, HealthChecks, health, inspect, logs, podman, process_ids, user_flow, wait_healthy
import http_load

CONTAINERS_DIR = os.environ.get("CONDUIT_CONTAINERS_DIR", "/var/tmp/conduit-containers")
# The build's crate downloads are kept here between runs (the dependency layer needs them only
# when Cargo.lock changes).
CARGO_REGISTRY = os.path.join(CONTAINERS_DIR, "cargo-registry")
DEPENDENCY_STEP = "cargo build --release --locked \\\n    && rm -rf src"
# The longest a graceful stop takes: SHUTDOWN_DRAIN_SECS (5) + SHUTDOWN_GRACE_SECS (20), the
# defaults in src/config.rs.
SHUTDOWN_GRACE = 25


def check(name, condition, detail=""):
    http_load.check("image-test", name, condition, detail)


def build(context, tag):
    """podman build of docker/Dockerfile in `context`; returns (seconds, whether the dependency
    layer came from the cache, log)."""
    os.makedirs(CARGO_REGISTRY, exist_ok=True)
    started = time.time()
    completed = subprocess.run(
        ["podman", "build", "--pull=never", "--format", "docker", "-f", "docker/Dockerfile", "-t", tag,
         "--volume", f"{CARGO_REGISTRY}:/usr/local/cargo/registry", "."],
        cwd=context, capture_output=True, text=True, timeout=3600)
    seconds = time.time() - started
    log = completed.stdout + completed.stderr
    if completed.returncode != 0:
        print(log[-4000:])
        raise RuntimeError(f"podman build failed in {context}")
    # Each step prints `STEP n/m: INSTRUCTION`; a step taken from the cache is followed by
    # `--> Using cache <id>` before the next step begins.
    steps = log.split("STEP ")
    dependency = next((s for s in steps if "echo 'fn main() {}'" in s), "")
    return seconds, "--> Using cache" in dependency, log


def image_sizes(image):
    """(uncompressed bytes as podman counts them, gzip-compressed bytes of layers and config as
    pushed to a registry)."""
    uncompressed = int(podman("image", "inspect", image, "--format", "{{.Size}}"))
    with tempfile.TemporaryDirectory(dir=CONTAINERS_DIR) as directory:
        target = os.path.join(directory, "image")
        podman("save", "--format", "docker-dir", "-o", target, image, timeout=600)
        compressed = 0
        for name in os.listdir(target):
            with open(os.path.join(target, name), "rb") as file:
                compressed += len(gzip.compress(file.read(), compresslevel=6))
    return uncompressed, compressed


def binary_size(image):
    container = podman("create", image)
    try:
        with tempfile.TemporaryDirectory() as directory:
            podman("cp", f"{container}:/usr/local/bin/conduit", directory)
            return os.path.getsize(os.path.join(directory, "conduit"))
    finally:
        podman("rm", container)


def source_copy():
    """The build context with one source-only change: a comment appended to src/main.rs."""
    directory = tempfile.mkdtemp(prefix="conduit-cache-check-", dir=CONTAINERS_DIR)
    files = subprocess.run(["git", "ls-files", "-co", "--exclude-standard"], cwd=ROOT,
                           capture_output=True, text=True, check=True).stdout.split("\n")
    for name in filter(None, files):
        source = os.path.join(ROOT, name)
        if os.path.isfile(source):
            os.makedirs(os.path.dirname(os.path.join(directory, name)), exist_ok=True)
            shutil.copy2(source, os.path.join(directory, name))
    with open(os.path.join(directory, "src", "main.rs"), "a", encoding="utf-8") as main:
        main.write(f"\n// image-test: a source-only change ({uuid.uuid4()})\n")
    return directory


def run_checks(image):
    name = f"conduit-image-test-{uuid.uuid4().hex[:8]}"
    volume = f"{name}-data"
    port = http_load.free_port()
    podman("volume", "create", volume)
    checks = None
    try:
        podman("run", "-d", "--name", name, "--read-only", "-v", f"{volume}:/data",
               "-p", f"127.0.0.1:{port}:8080", "-e", "RUST_LOG=info", image)
        checks = HealthChecks(lambda: [name], interval=2.0)
        ready = http_load.wait_for(port, seconds=60)
        check("the container answers /health/ready through the published port", ready,
              "" if ready else logs(name)[-2000:])
        if not ready:
            return
        details = inspect(name)
        uids = process_ids(name)
        check("the process runs as uid 65532 (real, effective, saved, filesystem)",
              uids == (65532,) * 4, str(uids))
        check("the root filesystem is read-only", details["HostConfig"]["ReadonlyRootfs"] is True)
        mountpoint = podman("volume", "inspect", volume, "--format", "{{.Mountpoint}}")
        files = {entry: os.stat(os.path.join(mountpoint, entry)) for entry in os.listdir(mountpoint)}
        owned = {entry: (stat.st_uid, oct(stat.st_mode & 0o777)) for entry, stat in files.items()}
        check("/data holds the SQLite database and the JWT secret, owned by 65532",
              "conduit.db" in files and "jwt-secret" in files
              and all(stat.st_uid == 65532 for stat in files.values()), str(owned))
        check("the JWT secret is readable by its owner only",
              "jwt-secret" in files and files["jwt-secret"].st_mode & 0o077 == 0, str(owned))
        check("the image has a HEALTHCHECK running `conduit healthcheck`",
              "healthcheck" in str(details["Config"].get("Healthcheck")), str(details["Config"].get("Healthcheck")))
        check("the HEALTHCHECK turns the container healthy", wait_healthy(name, 30), health(name))

        steps, token = user_flow(port, "img")
        for step, ok, detail in steps:
            check(f"through the published port: {step}", ok, "" if ok else detail)

        # The secret is kept in /data: after a restart, a token issued before still works.
        podman("stop", "-t", str(SHUTDOWN_GRACE + 5), name, timeout=60)
        podman("start", name)
        http_load.wait_for(port, seconds=60)
        status = http_load.request(port, path="/api/user", headers={"Authorization": f"Token {token}"})[0] if token else None
        check("after a restart the JWT secret in /data is reused (an old token is accepted)", status == 200, str(status))

        # SIGTERM with a request in flight.
        stopped = {}

        def stop():
            def run():
                started = time.time()
                podman("stop", "-t", str(SHUTDOWN_GRACE + 5), name, timeout=90)
                stopped["seconds"] = time.time() - started
            stopped["thread"] = threading.Thread(target=run)
            stopped["thread"].start()

        email = f"sigterm{uuid.uuid4().hex[:6]}@example.com"
        http_load.request(port, "POST", "/api/users", {"user": {
            "username": email.split("@")[0], "email": email, "password": "container-password"}})
        def stop_soon():
            stop()
            time.sleep(1.0)  # podman has sent SIGTERM by then
        status_line = http_load.status_line(
            http_load.interrupted_login(port, email, "container-password", stop_soon, timeout=SHUTDOWN_GRACE + 10))
        stopped["thread"].join(120)
        state = inspect(name)["State"]
        seconds = stopped.get("seconds", -1)
        print(f"image-test: in-flight login during SIGTERM answered {status_line!r}; "
              f"exit code {state['ExitCode']} after {seconds:.1f} s (grace {SHUTDOWN_GRACE} s)")
        check("SIGTERM: the request in flight is answered", status_line.endswith("200 OK"), status_line)
        check("SIGTERM: the process exits 0 within the shutdown grace (no SIGKILL)",
              state["ExitCode"] == 0 and 0 <= seconds < SHUTDOWN_GRACE, f"exit {state['ExitCode']}, {seconds:.1f} s")
    finally:
        if checks:
            checks.stop()
        podman("rm", "-f", "-t", "0", name, check=False)
        podman("volume", "rm", "-f", volume, check=False)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--image", default="localhost/conduit:local")
    parser.add_argument("--no-build", action="store_true", help="test an image built before")
    parser.add_argument("--no-cache-check", action="store_true")
    arguments = parser.parse_args()

    if not arguments.no_build:
        seconds, cached, _ = build(ROOT, arguments.image)
        print(f"image-test: built {arguments.image} in {seconds:.0f} s "
              f"(dependency layer {'from the cache' if cached else 'built'})")
        check("the image builds from the unchanged docker/Dockerfile", True)
    if not arguments.no_cache_check:
        context = source_copy()
        tag = f"localhost/conduit-cache-check:{uuid.uuid4().hex[:8]}"
        try:
            seconds, cached, log = build(context, tag)
            print(f"image-test: rebuilt after a source-only change in {seconds:.0f} s")
            check("a source-only change does not rebuild the dependencies (dependency layer from the cache)",
                  cached, log[-1500:])
        finally:
            podman("rmi", tag, check=False)
            shutil.rmtree(context, ignore_errors=True)

    uncompressed, compressed = image_sizes(arguments.image)
    binary = binary_size(arguments.image)
    print(f"image-test: image {arguments.image}: {uncompressed / 1e6:.1f} MB uncompressed, "
          f"{compressed / 1e6:.1f} MB compressed (gzip, as pushed); binary {binary / 1e6:.1f} MB")
    run_checks(arguments.image)
    print(http_load.summary_line("image-test"))
    return 0 if http_load.results["failed"] == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
