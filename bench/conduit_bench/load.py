"""Load from wrk: one scenario's requests, a fixed number of connections, a fixed duration.

wrk is closed-loop (each connection sends its next request when the answer arrives), so the
latencies are those each connection saw, queueing in the server included."""

import concurrent.futures
import json
import os
import shutil
import subprocess
import uuid

LUA_TEMPLATE = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                            "lua", "scenario.lua")


def ensure_wrk():
    """wrk from Debian's packages if it is missing; returns its version line."""
    if shutil.which("wrk") is None:
        env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
        subprocess.run(["apt-get", "update", "-qq"], env=env, check=True)
        subprocess.run(["apt-get", "install", "-y", "-qq", "wrk"], env=env, check=True)
    result = subprocess.run(["wrk", "--version"], capture_output=True, text=True, check=False)
    return (result.stdout or result.stderr).strip().splitlines()[0]


def lua_literal(value):
    """`value` (str, int, float, bool, None, list, dict) written as a Lua expression."""
    if value is None:
        return "nil"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, str):
        # Lua strings are bytes; \ddd (always three digits) writes any byte safely.
        return '"' + "".join(chr(byte) if 32 <= byte < 127 and chr(byte) not in '"\\'
                             else f"\\{byte:03d}" for byte in value.encode()) + '"'
    if isinstance(value, list):
        return "{" + ", ".join(lua_literal(item) for item in value) + "}"
    if isinstance(value, dict):
        return "{" + ", ".join(f"[{lua_literal(str(k))}] = {lua_literal(v)}"
                               for k, v in value.items()) + "}"
    raise TypeError(f"cannot write {type(value).__name__} as Lua")


def run(base_url, requests, connections, seconds, workdir, threads=2, timeout_s=30):
    """Runs wrk for `seconds` with `connections` over `threads`; returns wrk's summary
    (duration_us, requests, bytes, errors{connect,read,write,status,timeout}, latency_us{…}).
    `requests` are {method, path, headers, body} templates (see bench/lua/scenario.lua)."""
    run_id = uuid.uuid4().hex[:10]
    out = os.path.join(workdir, f"wrk-{run_id}.json")
    script = os.path.join(workdir, f"wrk-{run_id}.lua")
    spec = {"requests": [{"method": r["method"], "path": r["path"],
                          "headers": r.get("headers", {}), "body": r.get("body")}
                         for r in requests],
            "out": out, "run_id": run_id}
    with open(LUA_TEMPLATE, encoding="utf-8") as template, \
            open(script, "w", encoding="utf-8") as generated:
        generated.write("spec = " + lua_literal(spec) + "\n" + template.read())
    threads = max(1, min(threads, connections))
    command = ["wrk", "-t", str(threads), "-c", str(connections), "-d", f"{seconds}s",
               "--timeout", f"{timeout_s}s", "-s", script, base_url]
    result = subprocess.run(command, capture_output=True, text=True,
                            timeout=seconds + timeout_s + 60, check=False)
    if result.returncode != 0 or not os.path.exists(out):
        raise RuntimeError(f"wrk failed ({result.returncode}): {(result.stderr + result.stdout).strip()[-1000:]}")
    with open(out, encoding="utf-8") as summary:
        data = json.load(summary)
    for leftover in (out, script):
        os.remove(leftover)
    return data


def start(base_url, requests, connections, seconds, workdir, threads=2, timeout_s=30):
    """Like run(), in a background thread; returns a handle whose .result() waits for it."""
    executor = concurrent.futures.ThreadPoolExecutor(1)
    future = executor.submit(run, base_url, requests, connections, seconds, workdir, threads,
                             timeout_s)
    executor.shutdown(wait=False)
    return future
