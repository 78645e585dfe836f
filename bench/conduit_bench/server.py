"""The Conduit release binary: built, run as `conduit seed`, and started as a server with its
shipped defaults (only the database, the address, off SQLite the token secret, and the
per-client rate limits (off) are set)."""

import os
import re
import signal
import socket
import subprocess
import time
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
ANSI = re.compile(r"\x1b\[[0-9;]*m")
TIMESTAMP = re.compile(r"^\d{4}-\d\d-\d\dT")
# A fixed secret for the benchmark's throwaway databases on PostgreSQL/MySQL (which require one).
BENCH_JWT_SECRET = "conduit-benchmark-secret-not-for-production-use"


def build_release():
    """`cargo build --release --locked`; returns the binary's path."""
    target = os.environ.get("CARGO_TARGET_DIR", os.path.join(ROOT, "target"))
    subprocess.run(["cargo", "build", "--release", "--locked", "--quiet"], cwd=ROOT, check=True)
    return os.path.join(target, "release", "conduit")


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def environment(database_url, workdir, port):
    """The server's environment: the caller's, minus every Conduit setting (so the shipped
    defaults apply), plus what a benchmark run must set."""
    settings = ("DATABASE_URL", "BIND_ADDRESS", "JWT_SECRET", "TOKEN_LIFETIME_SECS", "DATA_DIR",
                "DB_POOL_SIZE", "DB_TIMEOUT_SECS", "MIGRATE_ON_START", "MAX_BODY_BYTES",
                "LOG_FORMAT", "GRAPHIQL", "GRAPHQL_INTROSPECTION", "INSTANCE_NAME", "RUST_LOG",
                "CREDENTIAL_ATTEMPTS_PER_ADDRESS", "CREDENTIAL_ATTEMPTS_PER_ACCOUNT", "TRUSTED_PROXIES",
                "WRITES_PER_USER")
    env = {key: value for key, value in os.environ.items()
           if key not in settings and not key.startswith("CONDUIT_")}
    env.update(DATABASE_URL=database_url, BIND_ADDRESS=f"127.0.0.1:{port}",
               DATA_DIR=os.path.join(workdir, "data"),
               # The load generator is one client logging in and writing as one user thousands of
               # times a second: the benchmark measures the work, so the per-client limits are off.
               CREDENTIAL_ATTEMPTS_PER_ADDRESS="0", CREDENTIAL_ATTEMPTS_PER_ACCOUNT="0",
               WRITES_PER_USER="0")
    if not database_url.startswith("sqlite:"):
        env["JWT_SECRET"] = BENCH_JWT_SECRET  # required there; SQLite generates its own
    return env


def seed(binary, database_url, workdir, users, articles, random_seed=42, timeout=3600):
    """Runs `conduit seed`; returns (seconds, the line it printed)."""
    started = time.monotonic()
    result = subprocess.run(
        [binary, "seed", "--users", str(users), "--articles", str(articles),
         "--random-seed", str(random_seed)],
        env=environment(database_url, workdir, free_port()), capture_output=True, text=True,
        timeout=timeout, check=False)
    if result.returncode != 0:
        raise RuntimeError(f"conduit seed failed: {result.stderr.strip()[-2000:]}")
    return time.monotonic() - started, result.stdout.strip().splitlines()[-1]


class Server:
    """One `conduit` server process on a free loopback port, logging to a file (request logging
    on, as shipped)."""

    def __init__(self, binary, database_url, workdir):
        self.binary, self.database_url, self.workdir = binary, database_url, workdir
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.log_path = os.path.join(workdir, "server.log")
        self.process = None

    def start(self, ready_within=60):
        log = open(self.log_path, "ab")
        self.process = subprocess.Popen(
            [self.binary], env=environment(self.database_url, self.workdir, self.port),
            stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        log.close()
        deadline = time.monotonic() + ready_within
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"the server exited with {self.process.returncode}; "
                                   f"see {self.log_path}:\n{self.log_tail()}")
            try:
                with urllib.request.urlopen(self.base + "/health/ready", timeout=2) as answer:
                    if answer.status == 200:
                        return
            except OSError:
                pass
            time.sleep(0.1)
        raise RuntimeError(f"the server was not ready within {ready_within} s:\n{self.log_tail()}")

    @property
    def pid(self):
        return self.process.pid

    def stop(self, grace=30):
        """SIGTERM, then SIGKILL after `grace` seconds; returns the exit code."""
        if self.process is None or self.process.poll() is not None:
            return None if self.process is None else self.process.returncode
        self.process.send_signal(signal.SIGTERM)
        try:
            return self.process.wait(grace)
        except subprocess.TimeoutExpired:
            self.process.kill()
            return self.process.wait(10)

    def log_tail(self, lines=20):
        try:
            with open(self.log_path, encoding="utf-8", errors="replace") as log:
                return "".join(log.readlines()[-lines:])
        except OSError:
            return ""

    def log_errors(self, limit=5):
        """The first `limit` ERROR/WARN lines of the log (ANSI colours removed)."""
        found = []
        try:
            with open(self.log_path, encoding="utf-8", errors="replace") as log:
                for line in log:
                    plain = ANSI.sub("", line).rstrip()
                    if " ERROR " in plain or " WARN " in plain:
                        if len(found) >= limit:
                            break
                        found.append(plain[:500])
                    elif found and plain and not TIMESTAMP.match(plain):
                        # The cause chain of an error continues on the following lines.
                        found[-1] = (found[-1] + " | " + plain.strip())[:1000]
        except OSError:
            pass
        return found

    def log_bytes(self):
        try:
            return os.path.getsize(self.log_path)
        except OSError:
            return 0
