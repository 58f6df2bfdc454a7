"""Instructions per request under callgrind: one front (httpd -X), counted
only while the measured requests run. Unlike CPU time they come out the
same on a busy machine as on a quiet one, so they are the judged figure
for what a signature adds to a request. User space only: the kernel's
share of a request is in neither a miss nor its baseline."""

import base64
import http.client
import os
import shutil
import subprocess
import time

import report
from servers import fill, free_port, wait_http

ALGS = ("RS256", "ES256", "EdDSA")
SRC = os.path.dirname(os.path.abspath(__file__))


def _request(port, path, n, first):
    """n requests to path, each on a new connection (as a client that
    does not keep connections would), users numbered from first."""
    for j in range(first, first + n):
        c = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        if path in ("/plain-basic", "/hit"):
            u = f"user{j % 5 + 1}"
            cred = base64.b64encode(f"{u}:s-{u}".encode()).decode()
            headers = {"Authorization": "Basic " + cred}
        else:
            headers = {"X-Bench-User": f"count{path}-{port}-{j}"}
        c.request("GET", path, headers=headers)
        r = c.getresponse()
        r.read()
        c.close()
        if r.status != 200:
            raise SystemExit(f"bench: {path} answered {r.status} under valgrind")


def _signature(alg, cg):
    """Instructions per signature of `openssl speed`, counted only inside
    the signing call."""
    what, fn = {"RS256": ("rsa2048", "EVP_PKEY_sign"), "ES256": ("ecdsap256", "EVP_PKEY_sign"),
                "EdDSA": ("ed25519", "EVP_DigestSign")}[alg]
    out = os.path.join(cg, f"speed-{alg}.out")
    p = subprocess.run(["valgrind", "--tool=callgrind", "--collect-atstart=no",
                        f"--toggle-collect={fn}", f"--callgrind-out-file={out}",
                        "openssl", "speed", "-seconds", "1", what],
                       capture_output=True, text=True)
    n, _ = report.speed_result(p.stdout + p.stderr)
    return _totals(out) // n


def _totals(path):
    with open(path) as f:
        for line in f:
            if line.startswith("totals:"):
                return int(line.split()[1])
    raise SystemExit(f"bench: no totals in {path}")


def run(env, quick, kind="mem", cache=("", "")):
    """The rows of the in-process cache (kind mem), or only the hit row
    with a shared cache's lines (counted as "ALG KIND hit")."""
    n_req = 10 if quick else 200
    n_rsa_miss = 3 if quick else 40
    cg = os.path.join(env.work, "cg-" + kind)
    os.makedirs(cg)
    os.chmod(cg, 0o777)
    # callgrind writes its counts as the user httpd runs as: as root, run
    # it as nobody from the start, with keys nobody can read.
    as_user = ["runuser", "-u", "nobody", "--"] if env.root else []
    for k in ("rs256", "es256", "eddsa"):
        dst = os.path.join(cg, k + ".pem")
        shutil.copy(os.path.join(env.work, k + ".pem"), dst)
        os.chmod(dst, 0o600)
        if env.root:
            shutil.chown(dst, "nobody")
    ports = {alg: free_port() for alg in ALGS}
    conf = os.path.join(cg, "front.conf")
    fill(os.path.join(SRC, "front.conf.in"), conf, {
        "WORK": env.work, "RUN": cg, "KEYS": cg, "NAME": "cg", "MODS": env.mods,
        "MODULE": env.module, "RUN_AS": "", "STORM_LIFETIME": "10m",
        "BACKEND_PORT": env.backend_port, "PORT_RS256": ports["RS256"],
        "PORT_ES256": ports["ES256"], "PORT_EDDSA": ports["EdDSA"],
        "SOCACHE": cache[0], "CACHE": cache[1].format(run=cg, name="cg"),
        "THREADS": 4, "WORKERS": 8})
    prefix = os.path.join(cg, "vgdb")
    vg = subprocess.Popen(as_user + [
        "valgrind", "--tool=callgrind", "--instr-atstart=no", "--vgdb=yes",
        f"--vgdb-prefix={prefix}", f"--callgrind-out-file={cg}/callgrind.out",
        env.httpd, "-X", "-d", env.work, "-f", conf],
        stdout=open(os.path.join(cg, "valgrind.log"), "w"), stderr=subprocess.STDOUT)
    counts = {}
    try:
        wait_http(f"http://127.0.0.1:{ports['ES256']}/miss", vg, "httpd under valgrind",
                  {"X-Bench-User": "probe"}, tries=1200)
        vgpid = _valgrind_pid(conf)

        def ctl(*args):
            p = subprocess.run(as_user + ["callgrind_control", f"--vgdb-prefix={prefix}"]
                               + list(args) + [str(vgpid)], capture_output=True, text=True)
            if p.returncode != 0:
                raise SystemExit(f"bench: callgrind_control {args} failed:\n{p.stdout}{p.stderr}")

        dumps = 0
        print(f"instructions (callgrind, {kind}):", flush=True)
        rows = ("plain-basic", "hit", "plain-header", "miss") if kind == "mem" else ("hit",)
        for alg in ALGS:
            for row in rows:
                n = n_rsa_miss if (alg, row) == ("RS256", "miss") else n_req
                port = ports[alg]
                # Uncounted first: the hit row's tokens go into the cache,
                # and the code paths are warm.
                _request(port, "/" + row, 10, 0)
                ctl("-i", "on")
                _request(port, "/" + row, n, 10)
                ctl("-d")
                ctl("-i", "off")
                dumps += 1
                name = row if kind == "mem" else f"{kind} {row}"
                counts[f"{alg} {name}"] = _totals(f"{cg}/callgrind.out.{dumps}") // n
                print(f"  {alg:6} {name:12} {counts[f'{alg} {name}']:9d} per request", flush=True)
            if kind != "mem":
                continue
            counts[f"{alg} signature"] = _signature(alg, cg)
            print(f"  {alg:6} {'signature':12} {counts[f'{alg} signature']:9d} (openssl speed)",
                  flush=True)
    finally:
        vg.terminate()
        try:
            vg.wait(30)
        except subprocess.TimeoutExpired:
            vg.kill()
            vg.wait()
    return counts


def _valgrind_pid(conf):
    """The valgrind process itself (runuser may stand between)."""
    for _ in range(100):
        for d in os.listdir("/proc"):
            if not d.isdigit():
                continue
            try:
                with open(f"/proc/{d}/cmdline", "rb") as f:
                    argv = f.read().split(b"\0")
                with open(f"/proc/{d}/comm") as f:
                    comm = f.read().strip()
            except OSError:
                continue
            if conf.encode() in argv and comm != "runuser":
                return int(d)
        time.sleep(0.1)
    raise SystemExit("bench: valgrind's process not found")
