"""One benchmark run on one backend: a throwaway database, `conduit seed`, the server with its
shipped defaults, every chosen scenario checked and then measured, the server stopped and the
database dropped (also when something fails)."""

import os
import shutil
import subprocess
import tempfile
import time
import traceback
import uuid

from . import backends, load, machine, promtext, scenarios, server, subjects
from .client import Client

# Articles and users per size; follows, tags, favorites and comments grow with them (the seed
# gives each user up to 5 follows and each article 1-4 tags, 0-10 favorites, 0-3 comments).
SIZES = {
    "small": {"users": 100, "articles": 1_000},
    "medium": {"users": 1_000, "articles": 10_000},
    "large": {"users": 10_000, "articles": 100_000},
    "huge": {"users": 100_000, "articles": 1_000_000},
}


def git_commit():
    def git(*args):
        result = subprocess.run(["git", "-C", server.ROOT, *args], capture_output=True, text=True,
                                check=False)
        return result.stdout.strip()
    commit = git("rev-parse", "HEAD")
    return commit + ("-dirty" if git("status", "--porcelain", "--untracked-files=no") else "")


class Run:
    """Measures scenarios against one running server."""

    def __init__(self, options, srv, db, client):
        self.options, self.server, self.db, self.client = options, srv, db, client
        self.workdir = srv.workdir

    def snapshot(self):
        return {"counters": promtext.Counters(self.client.metrics_text()),
                "cpu_ms": machine.cpu_ms(self.server.pid), "db_cpu": self.db.cpu_snapshot(),
                "time": time.monotonic()}

    def figures(self, summary, start, end, connections):
        """The figures of one measured load: wrk's summary and the server-side deltas."""
        requests = summary["requests"]
        seconds = summary["duration_us"] / 1e6
        served = end["counters"].requests - start["counters"].requests
        rss, hwm = machine.memory_kib(self.server.pid)
        db_cpu = backends.cpu_delta_ms(start["db_cpu"], end["db_cpu"])
        latency = summary["latency_us"]
        errors = summary["errors"]
        per_1k = (lambda value: round(value * 1000 / served, 1)) if served else (lambda value: None)
        return {
            "connections": connections,
            "seconds": round(seconds, 2),
            "requests": requests,
            "rps": round(requests / seconds, 1) if seconds else 0,
            "latency_ms": {key: round(latency[key] / 1000, 2)
                           for key in ("p50", "p90", "p99", "p999", "max", "mean")},
            "non_2xx": errors["status"],
            "socket_errors": errors["connect"] + errors["read"] + errors["write"] + errors["timeout"],
            "bytes_per_response": round(summary["bytes"] / requests) if requests else None,
            "peak_rss_mib": round(hwm / 1024, 1),
            "rss_after_mib": round(rss / 1024, 1),
            "server_requests": served,
            "server_cpu_ms_per_1k": per_1k(end["cpu_ms"] - start["cpu_ms"]),
            "db_cpu_ms_per_1k": per_1k(db_cpu) if db_cpu is not None else None,
            "checkout_timeouts": end["counters"].checkout_timeouts - start["counters"].checkout_timeouts,
            "load_1m": machine.load_average()[0],
        }

    def probe(self, requests, rounds=4):
        """SQL statements and pool checkouts per request, exact: the server's counters around
        `rounds` requests sent one at a time on an otherwise idle server (under load, requests cut
        off when wrk stops would blur the division)."""
        start = promtext.Counters(self.client.metrics_text())
        for index in range(rounds):
            self.client.send(requests[index % len(requests)], f"probe-{uuid.uuid4().hex[:8]}")
        end = promtext.Counters(self.client.metrics_text())
        served = end.requests - start.requests
        if not served:
            return {"statements_per_request": None, "checkouts_per_request": None}
        return {"statements_per_request": round((end.statements - start.statements) / served, 2),
                "checkouts_per_request": round((end.checkouts - start.checkouts) / served, 2)}

    def check(self, check):
        try:
            return check()
        except Exception as error:  # a crashed check is a wrong answer, with its reason
            return [f"the check failed: {error!r}: {traceback.format_exc(limit=2).splitlines()[-1]}"]

    def measure(self, scenario):
        connections = scenario.connections or self.options.connections
        failures = self.check(scenario.check)
        per_request = self.probe(scenario.requests)
        if scenario.before:
            scenario.before()
        successes = 0
        if self.options.warmup > 0:
            warm = load.run(self.server.base, scenario.requests, connections, self.options.warmup,
                            self.workdir, self.options.threads)
            successes += warm["requests"] - warm["errors"]["status"]
        machine.reset_peak_memory(self.server.pid)
        start = self.snapshot()
        summary = load.run(self.server.base, scenario.requests, connections, self.options.duration,
                           self.workdir, self.options.threads)
        end = self.snapshot()
        successes += summary["requests"] - summary["errors"]["status"]
        if scenario.after:
            failures += self.check(lambda: scenario.after(successes, connections))
        result = {"name": scenario.name, "interface": scenario.interface, "title": scenario.title,
                  "kind": scenario.kind, "correct": not failures, "failures": failures[:5]}
        result.update(self.figures(summary, start, end, connections))
        result.update(per_request)
        return result

    def login_storm(self, list_scenario, login_scenario):
        """The list read by a few clients, alone and then beside STORM_LOGINS concurrent logins:
        how much the password hashing slows everyone else down."""
        failures = self.check(list_scenario.check) + self.check(login_scenario.check)
        per_request = self.probe(list_scenario.requests)
        readers, logins = scenarios.STORM_READERS, scenarios.STORM_LOGINS
        seconds = self.options.duration
        idle = load.run(self.server.base, list_scenario.requests, readers, seconds, self.workdir,
                        self.options.threads)
        machine.reset_peak_memory(self.server.pid)
        start = self.snapshot()
        storm = load.start(self.server.base, login_scenario.requests, logins, seconds, self.workdir,
                           self.options.threads)
        during = load.run(self.server.base, list_scenario.requests, readers, seconds, self.workdir,
                          self.options.threads)
        storm = storm.result()
        end = self.snapshot()
        result = {"name": "login-storm", "interface": "rest",
                  "title": f"GET /api/articles by {readers} clients beside {logins} concurrent logins",
                  "kind": "storm", "correct": not failures, "failures": failures[:5]}
        result.update(self.figures(during, start, end, readers))
        result.update(per_request)
        idle_p99 = idle["latency_us"]["p99"] / 1000
        storm_seconds = storm["duration_us"] / 1e6
        result["storm"] = {
            "list_idle_p99_ms": round(idle_p99, 2),
            "list_idle_rps": round(idle["requests"] / (idle["duration_us"] / 1e6), 1),
            "list_storm_p99_ms": result["latency_ms"]["p99"],
            "p99_ratio": round(result["latency_ms"]["p99"] / idle_p99, 2) if idle_p99 else None,
            "logins": storm["requests"],
            "logins_per_s": round(storm["requests"] / storm_seconds, 1) if storm_seconds else 0,
            "login_p50_ms": round(storm["latency_us"]["p50"] / 1000, 1),
            "login_p99_ms": round(storm["latency_us"]["p99"] / 1000, 1),
            "login_non_2xx": storm["errors"]["status"],
        }
        return result


def run_backend(backend_name, options, binary, log=print):
    """Runs the chosen scenarios on `backend_name`; returns the run's JSON-ready result."""
    size = SIZES[options.size]
    workdir = tempfile.mkdtemp(prefix="conduit-bench-")
    db = backends.for_name(backend_name, workdir, getattr(options, f"{backend_name}_url", None))
    srv = None
    result = {"tool": "bench/run", "format": 1, "machine": machine.describe(),
              "settings": {"backend": backend_name, "size": options.size, **size,
                           "duration_s": options.duration, "warmup_s": options.warmup,
                           "connections": options.connections, "threads": options.threads,
                           "binary": binary, "commit": git_commit(),
                           "load_generator": load.ensure_wrk(),
                           "server": "shipped defaults (DB_POOL_SIZE 10, request logging on at "
                                     "info); set: DATABASE_URL, BIND_ADDRESS, DATA_DIR, rate limits off"
                                     + ("" if backend_name == "sqlite" else ", JWT_SECRET")},
              "scenarios": []}
    try:
        db.create()
        log(f"== {backend_name}, {options.size}: seeding {size['articles']:,} articles, "
            f"{size['users']:,} users")
        seconds, line = server.seed(binary, db.url, workdir, size["users"], size["articles"])
        result["seed"] = {"seconds": round(seconds, 2), "report": line}
        log(f"   {line}")
        srv = server.Server(binary, db.url, workdir)
        srv.start()
        client = Client(srv.base)
        result["settings"]["database"] = db.version()
        result["settings"]["database_cpu_scope"] = db.cpu_scope
        chosen = subjects.choose(db)
        token = client.login(chosen.viewer_email, subjects.DEMO_PASSWORD)
        result["subjects"] = {key: value for key, value in vars(chosen).items() if key != "write_slugs"}
        built = scenarios.Builder(client, db, chosen, token).all()
        run = Run(options, srv, db, client)
        for name in options.scenarios:
            if name == "login-storm":
                rows = [run.login_storm(built["list-anonymous"][0], built["login"][0])]
            else:
                rows = [run.measure(s) for s in built[name] if s.interface in options.interfaces]
            for row in rows:
                result["scenarios"].append(row)
                log(f"   {row['name']:<20} {row['interface']:<8} correct: {'yes' if row['correct'] else 'NO'}"
                    f"  {row['rps']:>9,.0f} req/s  p99 {row['latency_ms']['p99']:>8.1f} ms"
                    f"  non-2xx {row['non_2xx']}"
                    + ("" if row["correct"] else f"  <- {row['failures'][0]}"))
    finally:
        if srv is not None:
            result["server_exit_code"] = srv.stop()
            result["server_log_bytes"] = srv.log_bytes()
            result["server_log_errors"] = srv.log_errors()
        try:
            db.drop()
        except Exception as error:  # report, but never hide the run's own outcome
            log(f"   could not drop the benchmark database {db.database}: {error}")
        shutil.rmtree(workdir, ignore_errors=True)
        result["machine"]["load_average_after"] = machine.load_average()
    return result
