#!/usr/bin/python3
"""make bench: what mod_teleport_jwt costs a reverse proxy, every row in one
run, as ratios against plain mod_proxy (docs/performance.md).

For each key type (RS256, ES256, EdDSA), in rounds:
  hit        Basic auth, module on, five users in turn: in-process cache hits
  shmcb hit  the same with TeleportJWTCache shmcb
  redis hit  the same with TeleportJWTCache redis (a private redis-server)
  shmcb shared, redis shared
             the same with TeleportJWTCacheSize 1: hits from the shared layer
  miss       a new user on every request (from a header): a signature each
each beside its baseline (plain-basic, or plain-header for miss: the same
proxying with the module not configured) at the same moment, on twin
fronts that swap roles every round, so that a machine whose speed changes
from one second to the next slows both alike. Then once:
  storm      2,000 users whose tokens are made together, their hits, then
             their refresh (a short TeleportJWTLifetime brings the refresh
             window into the run): p99 of the refresh against the hits'
  flight     N concurrent cold requests per identity across processes:
             signatures per identity, from the module's counters
  callgrind  instructions per request under valgrind (httpd -X): the
             judged figure for the miss path's cost per signature

Environment: HTTPD, APXS (make passes configure's), BENCH_QUICK=1 (the
smallest run, for make check), BENCH_ROUNDS, BENCH_SECONDS, BENCH_COUNT=0
(no callgrind), BENCH_OUT (results.md, results.json; default
build/bench), BENCH_CHARTS (where the SVG charts go; default BENCH_OUT).
"""

import base64
import hashlib
import http.client
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request

# No __pycache__ in the source tree (read-only under make distcheck).
sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import load  # noqa: E402
import report  # noqa: E402
import servers  # noqa: E402
from servers import FRONT_CPU, REST_CPU, Httpd, fill, free_port  # noqa: E402

ALGS = ("RS256", "ES256", "EdDSA")
# Cache kinds of the fronts: the in-process cache alone, shmcb or Redis
# behind it, and the same two with TeleportJWTCacheSize 1 (every hit then
# comes from the shared layer: what it costs when the in-process cache is
# too small for the users).
KINDS = ("mem", "shmcb", "redis", "shmcb1", "redis1")
FLIGHT_KINDS = ("mem", "shmcb", "redis")
SRC = os.path.dirname(os.path.abspath(__file__))
QUICK = os.environ.get("BENCH_QUICK") == "1"

ROUNDS = int(os.environ.get("BENCH_ROUNDS", 1 if QUICK else 4))
SECONDS = int(os.environ.get("BENCH_SECONDS", 1 if QUICK else 2))
CONNS = 8
# The storm: this many users; a lifetime whose refresh window (the last
# eighth of the first half, docs/cache.md) comes a few seconds after the
# tokens are made; 64 connections, as when the storm was first measured.
STORM_USERS = 300 if QUICK else 2000
STORM_LIFETIME = 16 if QUICK else 40
STORM_CONNS = 64
# With the in-process cache alone each of a front's two processes signs
# for every identity; with shmcb the server signs once per identity.
STORM_KINDS = ("mem", "shmcb")
# Concurrent cold requests per identity, and identities per cache kind.
FLIGHT_N, FLIGHT_IDS = (8, 3) if QUICK else (16, 10)
COUNT = os.environ.get("BENCH_COUNT", "1") != "0"

# (row, cache kind, path, baseline path, users): the pairs of a round.
PAIRS = (
    ("hit", "mem", "/hit", "/plain-basic", "users"),
    ("shmcb hit", "shmcb", "/hit", "/plain-basic", "users"),
    ("redis hit", "redis", "/hit", "/plain-basic", "users"),
    ("shmcb shared", "shmcb1", "/hit", "/plain-basic", "users"),
    ("redis shared", "redis1", "/hit", "/plain-basic", "users"),
    ("miss", "mem", "/miss", "/plain-header", "unique"),
)


class Env:
    """Paths and the run's directory."""

    def __init__(self):
        self.httpd = os.environ.get("HTTPD") or "/usr/sbin/apache2"
        apxs = os.environ.get("APXS") or "apxs"
        self.mods = subprocess.run([apxs, "-q", "LIBEXECDIR"], check=True,
                                   capture_output=True, text=True).stdout.strip()
        self.module = os.path.abspath(os.path.join(".libs", "mod_teleport_jwt.so"))
        self.out = os.path.abspath(os.environ.get("BENCH_OUT") or "build/bench")
        self.charts = os.path.abspath(os.environ.get("BENCH_CHARTS") or self.out)
        # Under /tmp and world-readable: as root, httpd's children run as
        # nobody and read the password files.
        self.work = tempfile.mkdtemp(prefix="tjwt-bench.", dir="/tmp")
        os.chmod(self.work, 0o755)
        self.run = self.work
        self.root = os.getuid() == 0


def check_tools(env):
    need = ["wrk", "openssl", "redis-server"] + (["valgrind", "callgrind_control"] if COUNT else [])
    for tool in need:
        if not shutil.which(tool):
            raise SystemExit(f"bench: {tool} not found; run ./bootstrap")
    for f in (env.module, env.httpd):
        if not os.path.exists(f):
            raise SystemExit(f"bench: {f} not found; run make")
    for m in ("mod_socache_shmcb.so", "mod_socache_redis.so", "mod_status.so"):
        if not os.path.exists(os.path.join(env.mods, m)):
            raise SystemExit(f"bench: {env.mods}/{m} not found; install apache2")


def write_users(path, names, htpasswd):
    """An htpasswd file of {SHA} entries (the cheapest format: the password
    check stays small next to the proxying, and both rows of a pair have
    it) and the wrk script's header lines for the same users."""
    with open(htpasswd, "w") as pw, open(path, "w") as hdr:
        for name in names:
            secret = "s-" + name
            digest = base64.b64encode(hashlib.sha1(secret.encode()).digest()).decode()
            pw.write(f"{name}:{{SHA}}{digest}\n")
            cred = base64.b64encode(f"{name}:{secret}".encode()).decode()
            hdr.write(f"Authorization: Basic {cred}\n")
    os.chmod(htpasswd, 0o644)


def prepare(env):
    for alg, args in (("rs256", ["RSA", "-pkeyopt", "rsa_keygen_bits:2048"]),
                      ("es256", ["EC", "-pkeyopt", "ec_paramgen_curve:P-256"]),
                      ("eddsa", ["ED25519"])):
        subprocess.run(["openssl", "genpkey", "-algorithm"] + args +
                       ["-out", os.path.join(env.work, alg + ".pem")],
                       check=True, capture_output=True)
    write_users(os.path.join(env.work, "users.txt"),
                [f"user{i}" for i in range(1, 6)],
                os.path.join(env.work, "users.htpasswd"))
    write_users(os.path.join(env.work, "storm.txt"),
                [f"storm{i}" for i in range(1, STORM_USERS + 1)],
                os.path.join(env.work, "storm.htpasswd"))
    os.makedirs(os.path.join(env.work, "htdocs"))
    with open(os.path.join(env.work, "htdocs", "index.html"), "w") as f:
        f.write("ok\n")


def base_values(env, name):
    return {
        "WORK": env.work, "RUN": env.run, "KEYS": env.work, "NAME": name,
        "MODS": env.mods, "MODULE": env.module,
        "RUN_AS": "User nobody\nGroup nogroup" if env.root else "",
        "STORM_LIFETIME": f"{STORM_LIFETIME}s", "THREADS": 64, "WORKERS": 128,
    }


def cache_lines(env):
    """Per cache kind, the LoadModule line of its provider and the
    module's cache directives; "{run}" and "{name}" are left to fill."""
    cache = {
        "mem": ("", ""),
        # 8 MiB: room for every storm user's token (shmcb's default of
        # 500 kB holds about 400 RSA tokens, and would evict).
        "shmcb": (f"LoadModule socache_shmcb_module {env.mods}/mod_socache_shmcb.so",
                  "TeleportJWTCache \"shmcb:{run}/{name}.shmcb(8388608)\""),
        "redis": (f"LoadModule socache_redis_module {env.mods}/mod_socache_redis.so",
                  f"TeleportJWTCache redis:127.0.0.1:{env.redis_port}"),
    }
    cache["shmcb1"] = (cache["shmcb"][0], cache["shmcb"][1] + "\nTeleportJWTCacheSize 1")
    cache["redis1"] = (cache["redis"][0], cache["redis"][1] + "\nTeleportJWTCacheSize 1")
    return cache


def start_servers(env):
    """The upstream, redis, and for each cache kind twin fronts (a, b),
    plus the storm's own fronts (in-process alone, and shmcb)."""
    env.backend_port = free_port()
    conf = os.path.join(env.work, "back.conf")
    fill(os.path.join(SRC, "back.conf.in"), conf,
         dict(base_values(env, "back"), BACKEND_PORT=env.backend_port))
    back = Httpd(env, "back", conf, REST_CPU)
    back.start()
    env.redis_port = free_port()
    servers.redis(env.redis_port)
    cache = cache_lines(env)
    fronts = {}
    names = [(k, t) for k in KINDS for t in "ab"] + [(k, "storm") for k in STORM_KINDS]
    for kind, twin in names:
        name = f"{kind}-{twin}"
        ports = {alg: free_port() for alg in ALGS}
        conf = os.path.join(env.work, name + ".conf")
        fill(os.path.join(SRC, "front.conf.in"), conf, dict(
            base_values(env, name), BACKEND_PORT=env.backend_port,
            PORT_RS256=ports["RS256"], PORT_ES256=ports["ES256"],
            PORT_EDDSA=ports["EdDSA"], SOCACHE=cache[kind][0],
            CACHE=cache[kind][1].format(run=env.run, name=name)))
        h = Httpd(env, name, conf, FRONT_CPU)
        h.ports = ports
        h.start()
        fronts[name] = h
    for h in [back] + list(fronts.values()):
        try:
            if h is back:
                servers.wait_http(f"http://127.0.0.1:{env.backend_port}/index.html",
                                  h.proc, "the upstream")
                continue
            for alg in ALGS:
                servers.wait_http(f"http://127.0.0.1:{h.ports[alg]}/miss", h.proc, h.name,
                                  {"X-Bench-User": "probe"})
        except SystemExit:
            print(h.log(), file=sys.stderr)
            raise
    return fronts


def url(front, alg, path):
    return f"http://127.0.0.1:{front.ports[alg]}{path}"


def script_args(env, users, tag):
    if users == "unique":
        return ["unique", tag]
    return [os.path.join(env.work, users + ".txt")]


def pair(env, fronts, alg, rnd, row, kind, path, base_path, users):
    """The module row on one twin and its baseline on the other, at the
    same time; returns both with their CPU microseconds per request."""
    a, b = fronts[kind + "-a"], fronts[kind + "-b"]
    mod, base = (a, b) if rnd % 2 else (b, a)
    tag = f"{row.replace(' ', '-')}-{alg}-{rnd}"
    warm = [load.start(url(mod, alg, path), 1, CONNS, script_args(env, users, "w" + tag)),
            load.start(url(base, alg, base_path), 1, CONNS, script_args(env, users, "wb" + tag))]
    for w in warm:
        load.finish(w)
    before = mod.cpu_ns(), base.cpu_ns()
    runs = [load.start(url(mod, alg, path), SECONDS, CONNS, script_args(env, users, tag)),
            load.start(url(base, alg, base_path), SECONDS, CONNS, script_args(env, users, "b" + tag))]
    rm, rb = (load.finish(r) for r in runs)
    rm["cpu_us"] = (mod.cpu_ns() - before[0]) / 1e3 / rm["requests"]
    rb["cpu_us"] = (base.cpu_ns() - before[1]) / 1e3 / rb["requests"]
    print(f"  round {rnd} {alg:6} {row:12} {rm['rps']:8.0f} req/s {rm['cpu_us']:7.1f} us CPU/req"
          f"  beside {base_path[1:]:12} {rb['rps']:8.0f} req/s {rb['cpu_us']:7.1f} us"
          f"  ratio {rm['cpu_us'] / rb['cpu_us']:.3f}", flush=True)
    for r in (rm, rb):
        if r["failed"]:
            print(f"    failed: {r['failures']}", flush=True)
    return rm, rb


def counters(front, alg="ES256"):
    """The module's counters from server-status?auto, summed over the
    front's processes."""
    with urllib.request.urlopen(url(front, alg, "/server-status?auto"), timeout=10) as r:
        body = r.read().decode()
    c = {}
    for line in body.splitlines():
        if line.startswith("TeleportJWT") and ": " in line:
            k, v = line[len("TeleportJWT"):].split(": ", 1)
            c[k] = int(v) if v.isdigit() else v
    return c


def storm(env, front, alg, kind):
    """STORM_USERS users' tokens made together, their hits, then their
    refresh, each phase its own wrk run with its latency distribution.
    A token made at t (its entry's iat) for lifetime L is refreshed at a
    point of its identity's own in [last - w, last - 1], last = t + L / 2,
    w = L / 8 (docs/cache.md): the hits phase ends before the first such
    point, the refresh phase runs past the last."""
    last = STORM_LIFETIME // 2
    w = STORM_LIFETIME // 8
    made_s = 1 if QUICK else 4
    steady_s = last - w - made_s - 2
    refresh_s = w + made_s + 2
    target = url(front, alg, "/storm")
    args = script_args(env, "storm", "")
    phases = {}
    for phase, secs in (("made", made_s), ("hits", steady_s), ("refresh", refresh_s)):
        c0 = counters(front, alg)
        r = load.run(target, secs, STORM_CONNS, args)
        c1 = counters(front, alg)
        r["signed"] = c1["TokensSigned"] - c0["TokensSigned"]
        r["seconds"] = secs
        phases[phase] = r
        print(f"  storm {alg:6} {kind:6} {phase:8} {secs:3d}s {r['rps']:8.0f} req/s p50 {r['p50']:7.2f} ms"
              f" p99 {r['p99']:7.2f} ms  {r['signed']:5d} signatures  {r['failed']} failed"
              + (f" ({r['failures']})" if r["failed"] else ""), flush=True)
    return phases


def flight(env, front, kind):
    """FLIGHT_N requests for each of FLIGHT_IDS new identities, sent
    together on connections opened beforehand (so spread over the
    front's processes); signatures per identity from the counters."""
    port = front.ports["RS256"]
    failed = 0
    c0 = counters(front)
    for i in range(FLIGHT_IDS):
        user = f"flight-{kind}-{i}-{time.time_ns()}"
        gate = threading.Barrier(FLIGHT_N)
        status = []

        def one():
            c = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            c.connect()
            gate.wait()
            c.request("GET", "/miss", headers={"X-Bench-User": user})
            status.append(c.getresponse().status)
            c.close()

        threads = [threading.Thread(target=one) for _ in range(FLIGHT_N)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        failed += sum(1 for s in status if s != 200) + FLIGHT_N - len(status)
    c1 = counters(front)
    r = {"kind": kind, "identities": FLIGHT_IDS, "concurrent": FLIGHT_N,
         "signed": c1["TokensSigned"] - c0["TokensSigned"],
         "awaited": c1.get("TokensAwaited", 0) - c0.get("TokensAwaited", 0),
         "failed": failed}
    r["per_identity"] = r["signed"] / FLIGHT_IDS
    print(f"  flight {kind:6} {FLIGHT_IDS} identities x {FLIGHT_N} at once: "
          f"{r['per_identity']:.2f} signatures per identity, {r['awaited']} waited, "
          f"{failed} failed", flush=True)
    return r


def speed(alg):
    """CPU microseconds per signature of `openssl speed` on the fronts' CPU."""
    what = {"RS256": "rsa2048", "ES256": "ecdsap256", "EdDSA": "ed25519"}[alg]
    out = subprocess.run(["openssl", "speed", "-seconds", "1", what], capture_output=True,
                         text=True, preexec_fn=servers.pin(FRONT_CPU))
    n, secs = report.speed_result(out.stdout + out.stderr)
    return secs * 1e6 / n


def machine():
    model = ""
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    with open("/proc/loadavg") as f:
        loadavg = " ".join(f.read().split()[:3])
    return {"cpus": os.cpu_count(), "model": model, "loadavg_before": loadavg}


def main():
    # A TERM or HUP (make interrupted, a test harness's timeout) ends the
    # run through the finally below, which stops every process started.
    for sig in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, lambda n, _: sys.exit(128 + n))
    env = Env()
    try:
        check_tools(env)
    except SystemExit:
        shutil.rmtree(env.work, ignore_errors=True)
        raise
    os.makedirs(env.out, exist_ok=True)
    os.makedirs(env.charts, exist_ok=True)
    started = time.monotonic()
    results = {"machine": machine(), "rounds": ROUNDS, "seconds": SECONDS,
               "conns": CONNS, "quick": QUICK, "pairs": {}, "storm": {},
               "flight": [], "speed": {}, "count": {},
               "storm_users": STORM_USERS, "storm_lifetime": STORM_LIFETIME,
               "storm_conns": STORM_CONNS}
    try:
        prepare(env)
        fronts = start_servers(env)
        print(f"mod_teleport_jwt benchmark: {ROUNDS} rounds of {SECONDS}s per row, "
              f"wrk -t1 -c{CONNS}; {os.cpu_count()} CPUs"
              + (", fronts on CPU 0, the rest on CPU 1" if FRONT_CPU else ""), flush=True)
        for alg in ALGS:
            results["speed"][alg] = speed(alg)
            print(f"  openssl speed {alg}: {results['speed'][alg]:.1f} us per signature", flush=True)
        for rnd in range(1, ROUNDS + 1):
            for alg in ALGS:
                for row, kind, path, base_path, users in PAIRS:
                    rm, rb = pair(env, fronts, alg, rnd, row, kind, path, base_path, users)
                    results["pairs"].setdefault(f"{alg} {row}", []).append({"row": rm, "base": rb})
        for alg in ALGS:
            for kind in STORM_KINDS:
                results["storm"][f"{alg} {kind}"] = storm(env, fronts[kind + "-storm"], alg, kind)
        for kind in FLIGHT_KINDS:
            results["flight"].append(flight(env, fronts[kind + "-a"], kind))
        # The fronts go; the upstream stays for the front under callgrind.
        for h in fronts.values():
            servers.stop(h.proc)
        with open("/proc/loadavg") as f:
            results["machine"]["loadavg_after"] = " ".join(f.read().split()[:3])
        if COUNT:
            import callgrind
            results["count"] = callgrind.run(env, QUICK)
            # A hit with each shared cache, in instructions: behind the
            # in-process layer (shmcb, redis) and from the shared layer
            # alone (shmcb1, redis1, TeleportJWTCacheSize 1).
            lines = cache_lines(env)
            for kind in ("shmcb", "redis", "shmcb1", "redis1"):
                results["count"].update(callgrind.run(env, QUICK, kind, lines[kind]))
    finally:
        servers.stop_all()
        # The servers' error logs outlive the run's directory.
        logs = os.path.join(env.out, "logs")
        os.makedirs(logs, exist_ok=True)
        for root, _, files in os.walk(env.run):
            for f in files:
                if f.endswith("-error.log"):
                    shutil.copy(os.path.join(root, f), logs)
        shutil.rmtree(env.work, ignore_errors=True)
    results["minutes"] = (time.monotonic() - started) / 60
    with open(os.path.join(env.out, "results.json"), "w") as f:
        json.dump(results, f, indent=1)
    text = report.tables(results)
    with open(os.path.join(env.out, "results.md"), "w") as f:
        f.write(text)
    print()
    print(text)
    for path in report.charts(results, env.charts):
        print(f"chart: {path}")


if __name__ == "__main__":
    main()
