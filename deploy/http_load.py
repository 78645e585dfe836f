"""HTTP helpers shared by the deployment tests (deploy/lb-test.py against host binaries,
deploy/podman/compose-test.py against the compose stack): requests over loopback, bounded load
loops that record every answer, and the ok/FAILED report the tests end with.

An answer is a pair (ok, label): ok when the request got the status it wanted, label the
instance that answered (X-Conduit-Instance) or what went wrong ("status 502", "error timed out").
"""

import collections
import http.client
import json
import socket
import threading
import time

results = {"passed": 0, "failed": 0}


def check(prefix, name, condition, detail=""):
    """Prints `prefix: ok: name` or `prefix: FAILED: name - detail` and counts it."""
    status = "ok" if condition else "FAILED"
    results["passed" if condition else "failed"] += 1
    print(f"{prefix}: {status}: {name}{' - ' + detail if detail else ''}", flush=True)


def summary_line(prefix):
    """The closing line CI reads: `prefix: N passed, N failed`."""
    return f"{prefix}: {results['passed']} passed, {results['failed']} failed"


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def request(port, method="GET", path="/api/articles", body=None, headers=None, timeout=10):
    """One request on a new connection to 127.0.0.1:port; returns (status, headers with
    lower-case names, body bytes). Raises OSError when the connection fails."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        payload = json.dumps(body) if body is not None else None
        all_headers = {"Content-Type": "application/json"} if payload else {}
        all_headers.update(headers or {})
        connection.request(method, path, body=payload, headers=all_headers)
        response = connection.getresponse()
        data = response.read()
        return response.status, {name.lower(): value for name, value in response.getheaders()}, data
    finally:
        connection.close()


def interrupted_login(port, email, password, interrupt, timeout=40):
    """A login whose body is sent in two parts with `interrupt()` called in between (it may send
    SIGTERM to the server, say): the request is in flight when it runs. Returns the raw answer
    (status line, headers and body as bytes; empty if the connection was closed unanswered)."""
    body = json.dumps({"user": {"email": email, "password": password}}).encode()
    raw = socket.create_connection(("127.0.0.1", port), timeout=timeout)
    try:
        raw.sendall(b"POST /api/users/login HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
                    + f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n".encode() + body[:10])
        time.sleep(0.3)
        interrupt()
        raw.sendall(body[10:])
        answer = b""
        while True:
            chunk = raw.recv(65536)
            if not chunk:
                return answer
            answer += chunk
    finally:
        raw.close()


def status_line(raw_answer):
    return raw_answer.split(b"\r\n", 1)[0].decode(errors="replace")


def wait_for(port, path="/health/ready", seconds=30):
    """Polls GET path until it answers 200 or `seconds` pass; returns whether it did."""
    deadline = time.time() + seconds
    while time.time() < deadline:
        try:
            if request(port, path=path, timeout=2)[0] == 200:
                return True
        except OSError:
            pass
        time.sleep(0.1)
    return False


def answer(port, method="GET", path="/api/articles", body=None, headers=None, expect=200):
    """One request as an answer (ok, label); never raises."""
    try:
        status, response_headers, _ = request(port, method, path, body, headers)
    except OSError as error:
        return False, f"error {error}"
    if status != expect:
        return False, f"{method} status {status}"
    return True, response_headers.get("x-conduit-instance", "?")


def spread(answers):
    """(instance -> count of ok answers, list of failure labels)."""
    counts = collections.Counter(label for ok, label in answers if ok)
    failures = [label for ok, label in answers if not ok]
    return counts, failures


def served_by(port, count, workers, path="/api/articles"):
    """Sends `count` GETs with `workers` in parallel; returns spread(answers)."""
    import concurrent.futures
    with concurrent.futures.ThreadPoolExecutor(workers) as pool:
        answers = list(pool.map(lambda _: answer(port, path=path), range(count)))
    return spread(answers)


def load_during(seconds, workers, one, max_requests=20000):
    """Calls one(worker, n) -> answer from `workers` threads for `seconds` (at most
    `max_requests` calls in all); returns every answer as (worker, ok, label)."""
    deadline = time.time() + seconds
    lock = threading.Lock()
    answers = []

    def client(worker):
        n = 0
        while time.time() < deadline:
            with lock:
                if len(answers) >= max_requests:
                    return
            ok, label = one(worker, n)
            n += 1
            with lock:
                answers.append((worker, ok, label))

    threads = [threading.Thread(target=client, args=(worker,)) for worker in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return answers


def served_during(port, seconds, workers, max_requests=20000):
    """GETs from `workers` clients for `seconds`; returns spread(answers)."""
    answers = load_during(seconds, workers, lambda _worker, _n: answer(port), max_requests)
    return spread([(ok, label) for _, ok, label in answers])
