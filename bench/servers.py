"""The processes of `make bench`: httpds from the .conf.in templates,
redis-server, wrk, each pinned to its CPU, and stopped at the end."""

import os
import re
import signal
import socket
import subprocess
import time
import urllib.request

# With two CPUs or more the measured fronts get CPU 0 and everything else
# (wrk, the upstream, redis) CPU 1, so that a front's CPU time per request
# is not disturbed by its load generator.
PINNED = os.cpu_count() >= 2
FRONT_CPU = {0} if PINNED else None
REST_CPU = {1} if PINNED else None

_started = []
_ports = set()


def pin(cpus):
    """A preexec_fn that pins the child to cpus (None: leave it)."""
    if cpus is None:
        return None
    return lambda: os.sched_setaffinity(0, cpus)


def free_port():
    """A free loopback port never handed out before in this run (the
    system may give the same port to two binds in a row)."""
    while True:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        if port not in _ports:
            _ports.add(port)
            return port


def fill(template, out, values):
    """Writes template with every @NAME@ replaced by values[NAME]; a
    placeholder left unfilled is an error of the bench, not of httpd."""
    with open(template) as f:
        text = f.read()
    text = re.sub(r"@([A-Z0-9_]+)@", lambda m: str(values[m.group(1)]), text)
    with open(out, "w") as f:
        f.write(text)


def spawn(argv, cpus, **kw):
    """Starts argv pinned to cpus and remembers it for stop_all."""
    p = subprocess.Popen(argv, preexec_fn=pin(cpus), **kw)
    _started.append(p)
    return p


def stop(p, timeout=10):
    if p.poll() is None:
        p.send_signal(signal.SIGTERM)
        try:
            p.wait(timeout)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()


def stop_all():
    for p in reversed(_started):
        stop(p)
    _started.clear()


def children(pid):
    """The pids whose parent is pid."""
    out = []
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            with open(f"/proc/{d}/stat") as f:
                stat = f.read()
        except OSError:
            continue
        # The fields after the command name, which may hold spaces.
        if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
            out.append(int(d))
    return out


def cpu_ns(pids):
    """CPU time used so far by pids, in nanoseconds: each process's CPU
    clock (~pid << 3 | CPUCLOCK_SCHED), the scheduler's own count, finer
    than /proc's 10 ms ticks."""
    total = 0
    for pid in pids:
        try:
            total += time.clock_gettime_ns(((~pid) << 3) | 2)
        except OSError:
            pass
    return total


def wait_http(url, proc, what, headers=None, tries=300):
    for _ in range(tries):
        if proc.poll() is not None:
            raise SystemExit(f"bench: {what} exited with status {proc.returncode}")
        try:
            req = urllib.request.Request(url, headers=headers or {})
            with urllib.request.urlopen(req, timeout=2) as r:
                if r.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.1)
    raise SystemExit(f"bench: {what} did not answer {url}")


class Httpd:
    """An httpd in the foreground (-D FOREGROUND): its pid is the
    parent's, no pid file to read, and stopping it is a SIGTERM."""

    def __init__(self, env, name, conf, cpus):
        self.env, self.name, self.conf, self.cpus = env, name, conf, cpus
        self.proc = None

    def start(self):
        self.proc = spawn([self.env.httpd, "-d", self.env.work, "-f", self.conf,
                           "-D", "FOREGROUND"], self.cpus)

    def pids(self):
        return [self.proc.pid] + children(self.proc.pid)

    def cpu_ns(self):
        return cpu_ns(self.pids())

    def log(self):
        try:
            with open(os.path.join(self.env.run, f"{self.name}-error.log")) as f:
                return f.read()
        except OSError:
            return ""


def redis(port):
    """A private redis-server on loopback, nothing written to disk."""
    p = spawn(["redis-server", "--port", str(port), "--bind", "127.0.0.1",
               "--save", "", "--appendonly", "no", "--daemonize", "no",
               "--protected-mode", "yes"], REST_CPU,
              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(100):
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1) as s:
                s.sendall(b"PING\r\n")
                if s.recv(16).startswith(b"+PONG"):
                    return p
        except OSError:
            pass
        time.sleep(0.1)
    raise SystemExit("bench: redis-server did not answer")
