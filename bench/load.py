"""wrk, the load generator of `make bench`, and what its report says."""

import os
import re
import subprocess

from servers import REST_CPU, spawn

LUA = os.path.join(os.path.dirname(os.path.abspath(__file__)), "identities.lua")


def start(url, seconds, conns, script_args):
    """One wrk (one thread, keep-alive, latency distribution) on the load
    generators' CPU; script_args go to identities.lua."""
    # A 10 s timeout (wrk's is 2 s): a request held up that long by a
    # busy machine is slow, not failed.
    return spawn(["wrk", "-t1", f"-c{conns}", f"-d{seconds}s", "--latency", "--timeout", "10s",
                  "-s", LUA, url, "--"] + list(script_args), REST_CPU,
                 stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def _ms(value):
    """wrk's durations ("812.00us", "1.23ms", "2.01s") in milliseconds."""
    m = re.fullmatch(r"([0-9.]+)(us|ms|s|m)", value)
    if not m:
        raise ValueError(value)
    scale = {"us": 1e-3, "ms": 1.0, "s": 1e3, "m": 6e4}[m.group(2)]
    return float(m.group(1)) * scale


def finish(proc):
    """Waits for a wrk from start() and returns its figures: requests,
    rps, p50 and p99 (ms), failed (non-2xx and socket errors)."""
    out, _ = proc.communicate()
    m = re.search(r"^\s*(\d+) requests in ([0-9.]+)(\w+)", out, re.M)
    if not m or int(m.group(1)) == 0:
        raise SystemExit("bench: wrk completed no request:\n" + out)
    r = {"requests": int(m.group(1))}
    r["rps"] = float(re.search(r"^Requests/sec:\s+([0-9.]+)", out, re.M).group(1))
    for q in ("50", "99"):
        r["p" + q] = _ms(re.search(rf"^\s+{q}(?:\.000)?%\s+(\S+)", out, re.M).group(1))
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    r["failed"] = int(bad.group(1)) if bad else 0
    errs = re.search(r"Socket errors: (.*)", out)
    if errs:
        r["failed"] += sum(int(n) for n in re.findall(r"\d+", errs.group(1)))
    if r["failed"]:
        # What failed, for the report: a status or a socket error.
        r["failures"] = "; ".join(m.group(0) for m in (bad, errs) if m)
    return r


def run(url, seconds, conns, script_args):
    return finish(start(url, seconds, conns, script_args))
