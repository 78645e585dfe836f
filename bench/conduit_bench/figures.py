"""The numeric figures of a scenario row, by a flat name, and which way is better for each:
shared by bench/compare and bench/ab."""

import statistics

# name -> (how to read it from a row, True if higher is better)
FIGURES = {
    "req/s": (lambda r: r["rps"], True),
    "p50 ms": (lambda r: r["latency_ms"]["p50"], False),
    "p90 ms": (lambda r: r["latency_ms"]["p90"], False),
    "p99 ms": (lambda r: r["latency_ms"]["p99"], False),
    "max ms": (lambda r: r["latency_ms"]["max"], False),
    "non-2xx": (lambda r: r["non_2xx"] + r["socket_errors"], False),
    "peak RSS MiB": (lambda r: r["peak_rss_mib"], False),
    "RSS after MiB": (lambda r: r["rss_after_mib"], False),
    "server CPU-ms/1k": (lambda r: r["server_cpu_ms_per_1k"], False),
    "DB CPU-ms/1k": (lambda r: r["db_cpu_ms_per_1k"], False),
    "SQL/req": (lambda r: r["statements_per_request"], False),
    "checkouts/req": (lambda r: r["checkouts_per_request"], False),
    "bytes/resp": (lambda r: r["bytes_per_response"], False),
}


def key(row):
    return (row["name"], row["interface"])


def rows_by_key(result):
    return {key(row): row for row in result["scenarios"]}


def value(row, figure):
    try:
        return FIGURES[figure][0](row)
    except (KeyError, TypeError):
        return None


def ratio(a, b):
    """b / a, or None where it means nothing (a missing figure, or 0 → 0)."""
    if a is None or b is None:
        return None
    if a == 0:
        return None if b == 0 else float("inf")
    return b / a


def median_and_spread(values):
    """(median, (max - min) / median) of the figures that exist; spread None with one value."""
    present = [v for v in values if v is not None]
    if not present:
        return None, None
    middle = statistics.median(present)
    if len(present) < 2 or not middle:
        return middle, None
    return middle, (max(present) - min(present)) / middle


def verdict(figure, r):
    """'better', 'worse' or '' for ratio r = B/A of `figure`, outside a ±5 % band."""
    if r is None or 0.95 <= r <= 1.05:
        return ""
    higher_is_better = FIGURES[figure][1]
    return "better" if (r > 1) == higher_is_better else "worse"
