"""A run's result as JSON (everything) and as a Markdown table (the figures people compare)."""

import json
import os
import time

COLUMNS = [
    ("scenario", lambda r: r["name"]),
    ("interface", lambda r: r["interface"]),
    ("correct", lambda r: "yes" if r["correct"] else "NO"),
    ("req/s", lambda r: f"{r['rps']:,.0f}"),
    ("p50 ms", lambda r: _ms(r["latency_ms"]["p50"])),
    ("p90 ms", lambda r: _ms(r["latency_ms"]["p90"])),
    ("p99 ms", lambda r: _ms(r["latency_ms"]["p99"])),
    ("max ms", lambda r: _ms(r["latency_ms"]["max"])),
    ("non-2xx", lambda r: str(r["non_2xx"] + r["socket_errors"])),
    ("peak RSS MiB", lambda r: f"{r['peak_rss_mib']:.0f}"),
    ("RSS after MiB", lambda r: f"{r['rss_after_mib']:.0f}"),
    ("server CPU-ms/1k", lambda r: _num(r["server_cpu_ms_per_1k"])),
    ("DB CPU-ms/1k", lambda r: _num(r["db_cpu_ms_per_1k"])),
    ("SQL/req", lambda r: _num(r["statements_per_request"], 1)),
    ("checkouts/req", lambda r: _num(r["checkouts_per_request"], 1)),
    ("bytes/resp", lambda r: _num(r["bytes_per_response"])),
]


def _ms(value):
    return f"{value:.1f}" if value < 100 else f"{value:,.0f}"


def _num(value, digits=0):
    if value is None:
        return "–"
    return f"{value:,.{digits}f}"


def markdown(result):
    settings, machine = result["settings"], result["machine"]
    lines = [
        f"### {settings['backend']}, {settings['size']} ({settings['articles']:,} articles, "
        f"{settings['users']:,} users)",
        "",
        f"Machine: {machine['cores']} cores ({machine['cpu_model']}), {machine['memory_mib']:,} MiB, "
        f"load {'/'.join(map(str, machine['load_average']))} before, "
        f"{'/'.join(map(str, machine.get('load_average_after', [])))} after; {machine['date_utc']}. "
        f"Commit {settings['commit'][:12]}; {settings.get('database', settings['backend'])}; "
        f"{settings['load_generator']}, {settings['threads']} threads, {settings['connections']} "
        f"connections, {settings['duration_s']} s per scenario after {settings['warmup_s']} s of "
        f"warm-up. Server: {settings['server']}. Seed: {result.get('seed', {}).get('seconds', '?')} s. "
        f"DB CPU: {settings.get('database_cpu_scope', '')}.",
        "",
        "| " + " | ".join(name for name, _ in COLUMNS) + " |",
        "|" + "|".join("---" if index < 3 else "--:" for index in range(len(COLUMNS))) + "|",
    ]
    for row in result["scenarios"]:
        lines.append("| " + " | ".join(cell(row) for _, cell in COLUMNS) + " |")
    for row in result["scenarios"]:
        storm = row.get("storm")
        if storm:
            lines += ["", f"Login storm: list p99 {storm['list_idle_p99_ms']} ms alone, "
                          f"{storm['list_storm_p99_ms']} ms beside {row['title'].split(' beside ')[-1]} "
                          f"(x{storm['p99_ratio']}); {storm['logins_per_s']} logins/s, login p50 "
                          f"{storm['login_p50_ms']} ms, p99 {storm['login_p99_ms']} ms, "
                          f"{storm['login_non_2xx']} non-2xx."]
    wrong = [f"{r['name']} ({r['interface']}): {r['failures'][0]}" for r in result["scenarios"]
             if not r["correct"]]
    if wrong:
        lines += ["", "**Wrong answers:**", ""] + [f"- {line}" for line in wrong]
    return "\n".join(lines) + "\n"


def save(result, directory, label=None):
    """Writes <directory>/<time>-<backend>-<size>[-label].json and .md; returns both paths."""
    os.makedirs(directory, exist_ok=True)
    settings = result["settings"]
    stem = "-".join(filter(None, [time.strftime("%Y%m%d-%H%M%S"), settings["backend"],
                                  settings["size"], label]))
    json_path = os.path.join(directory, stem + ".json")
    markdown_path = os.path.join(directory, stem + ".md")
    with open(json_path, "w", encoding="utf-8") as file:
        json.dump(result, file, indent=2)
        file.write("\n")
    with open(markdown_path, "w", encoding="utf-8") as file:
        file.write(markdown(result))
    return json_path, markdown_path
