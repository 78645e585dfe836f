"""Reading the server's /metrics (Prometheus text exposition format, version 0.0.4)."""

import re

_SAMPLE = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)')
_LABEL = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"')


def parse(text):
    """[(name, {label: value}, number)] of every sample."""
    samples = []
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        match = _SAMPLE.match(line)
        if not match:
            continue
        name, labels, value = match.groups()
        try:
            number = float(value)
        except ValueError:
            continue
        samples.append((name, dict(_LABEL.findall(labels or "")), number))
    return samples


def total(samples, name, **where):
    """The sum of `name`'s samples whose labels include `where` (e.g. total(s, "x", backend="sqlite"))."""
    return sum(value for sample_name, labels, value in samples
               if sample_name == name and all(labels.get(k) == v for k, v in where.items()))


def requests_served(samples):
    """HTTP requests answered, except the benchmark's own scrapes of /metrics."""
    return sum(value for name, labels, value in samples
               if name == "http_request_duration_seconds_count" and labels.get("route") != "/metrics")


class Counters:
    """The server-side figures a scenario reports per request, read from one scrape."""

    def __init__(self, text):
        samples = parse(text)
        self.requests = requests_served(samples)
        self.statements = total(samples, "conduit_db_statements_total")
        self.checkouts = total(samples, "conduit_db_pool_checkouts_total")
        self.checkout_timeouts = total(samples, "conduit_db_pool_checkout_timeouts_total")
        self.errors = {}
        for name, labels, value in samples:
            if name == "conduit_errors_total":
                code = labels.get("code", "?")
                self.errors[code] = self.errors.get(code, 0) + value
