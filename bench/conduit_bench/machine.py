"""What the machine is and what a process costs it, read from /proc (Linux).

CPU times are in milliseconds of user + system time, summed over all of a process's threads;
memory in KiB as the kernel reports it (VmRSS: resident now; VmHWM: the peak since the last
reset, which writing 5 to /proc/PID/clear_refs performs)."""

import os
import platform
import subprocess
import time

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def describe():
    """Cores, load, CPU model, memory and kernel: the context every figure needs."""
    model = ""
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as cpuinfo:
            for line in cpuinfo:
                if line.startswith("model name"):
                    model = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    return {
        "cores": os.cpu_count(),
        "cpu_model": model,
        "memory_mib": _meminfo_kib("MemTotal") // 1024,
        "kernel": platform.release(),
        "load_average": load_average(),
        "hostname": platform.node(),
        "date_utc": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    }


def load_average():
    """The 1, 5 and 15 minute load averages, rounded to two decimals."""
    return [round(value, 2) for value in os.getloadavg()]


def _meminfo_kib(field):
    try:
        with open("/proc/meminfo", encoding="utf-8") as meminfo:
            for line in meminfo:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def cpu_ms(pid):
    """User + system CPU time of `pid` (all its threads) in milliseconds; 0 if it is gone."""
    try:
        with open(f"/proc/{pid}/stat", encoding="utf-8") as stat:
            # The command name (field 2) may contain spaces; fields after ")" are fixed.
            fields = stat.read().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return 0
    # utime and stime are fields 14 and 15 of the whole line, 12 and 13 after the name.
    return (int(fields[11]) + int(fields[12])) * 1000 / CLOCK_TICKS


def memory_kib(pid):
    """(VmRSS, VmHWM) of `pid` in KiB."""
    rss = hwm = 0
    try:
        with open(f"/proc/{pid}/status", encoding="utf-8") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    rss = int(line.split()[1])
                elif line.startswith("VmHWM:"):
                    hwm = int(line.split()[1])
    except OSError:
        pass
    return rss, hwm


def reset_peak_memory(pid):
    """Resets VmHWM of `pid` to its current RSS, so the next reading is the peak since now.
    Returns False where the kernel or permissions do not allow it (the peak is then since start)."""
    try:
        with open(f"/proc/{pid}/clear_refs", "w", encoding="ascii") as clear_refs:
            clear_refs.write("5")
        return True
    except OSError:
        return False


def processes():
    """(pid, command line) of every process visible in /proc."""
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/cmdline", "rb") as cmdline:
                found.append((int(entry), cmdline.read().replace(b"\0", b" ").decode(errors="replace")))
        except OSError:
            continue
    return found


def command_version(command):
    """The first line a command prints for `--version`, or '' if it cannot run."""
    try:
        result = subprocess.run(command, capture_output=True, text=True, timeout=10, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return ""
    lines = (result.stdout or result.stderr).strip().splitlines()
    return lines[0] if lines else ""
