"""The options every benchmark command shares (bench/run, bench/ab, bench/scaling)."""

import os

from . import runner, scenarios

RESULTS = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "results")


def add_run_arguments(parser, default_size="medium"):
    parser.add_argument("--backend", action="append", choices=["sqlite", "postgres", "mysql"],
                        help="repeat for several (default: sqlite)")
    parser.add_argument("--size", choices=list(runner.SIZES), default=default_size,
                        help="small 1k, medium 10k, large 100k, huge 1M articles "
                             f"(default {default_size})")
    parser.add_argument("--scenarios", default=",".join(scenarios.ORDER),
                        help="comma-separated, from: " + ", ".join(scenarios.ORDER))
    parser.add_argument("--interfaces", default="rest,graphql,http",
                        help="comma-separated: rest, graphql, http (the ceiling)")
    parser.add_argument("--duration", type=int, default=8, help="seconds measured per scenario")
    parser.add_argument("--warmup", type=int, default=2, help="seconds of unmeasured load first")
    parser.add_argument("--connections", type=int, default=64,
                        help="wrk connections (64: the load issue 8 set its targets at)")
    parser.add_argument("--threads", type=int, default=2, help="wrk threads")
    parser.add_argument("--postgres-url", default="postgres://postgres@127.0.0.1:5432",
                        help="PostgreSQL server (a database is created there and dropped)")
    parser.add_argument("--mysql-url", default="mysql://root@127.0.0.1:3306",
                        help="MySQL/MariaDB server (a database is created there and dropped)")
    parser.add_argument("--out", default=RESULTS, help="folder for the JSON and Markdown results")
    parser.add_argument("--label", help="added to the result file names")


def finish(parsed, parser):
    """Checks and normalises the shared options in place; returns them."""
    parsed.backends = parsed.backend or ["sqlite"]
    parsed.scenarios = [name.strip() for name in parsed.scenarios.split(",") if name.strip()]
    unknown = [name for name in parsed.scenarios if name not in scenarios.ORDER]
    if unknown:
        parser.error(f"unknown scenario(s) {', '.join(unknown)}; choose from {', '.join(scenarios.ORDER)}")
    parsed.scenarios = [name for name in scenarios.ORDER if name in parsed.scenarios]
    parsed.interfaces = {name.strip() for name in parsed.interfaces.split(",") if name.strip()}
    if not parsed.interfaces <= {"rest", "graphql", "http"}:
        parser.error("--interfaces takes rest, graphql and http")
    if not 0 < parsed.duration <= 300 or not 0 <= parsed.warmup <= 60:
        parser.error("--duration must be 0-300 s and --warmup 0-60 s")
    if not 1 <= parsed.connections <= 1000 or not 1 <= parsed.threads <= 64:
        parser.error("--connections must be 1-1000 and --threads 1-64")
    parsed.sqlite_url = None
    return parsed
