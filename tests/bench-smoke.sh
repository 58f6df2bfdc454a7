#!/bin/sh
# `make bench` in its smallest form (BENCH_QUICK=1: one round of one second
# per row, a smaller storm, a few requests under callgrind): that it still
# runs end to end and produces every row, every request answered, and its
# charts. It checks no timing: speed is for `make bench` itself to report
# (docs/performance.md), never a test's pass or fail. TAP on standard
# output (tests/tap-lib.sh), the benchmark's report on standard error.
set -u
. "$(dirname "$0")/tap-lib.sh"
check() { what=$1; shift; tap_check "bench: $what" "$@"; }
command -v wrk >/dev/null 2>&1 || tap_skip_all "wrk is not installed (Debian: wrk)"
python=${PYTHON3:-/usr/bin/python3}
"$python" -c 'import matplotlib' 2>/dev/null ||
    tap_skip_all "$python has no matplotlib (Debian: python3-matplotlib)"

out=$(mktemp -d "${TMPDIR:-/tmp}/tjwt-bench-smoke.XXXXXX")
trap 'rm -rf "$out"' EXIT
BENCH_QUICK=1 BENCH_OUT=$out BENCH_CHARTS=$out "$python" \
    "$top_srcdir/bench/bench.py" >&2
check "the run ends with status 0" test $? -eq 0

# results.json, read by a few lines of Python: each check prints nothing
# and fails with the rows it misses.
judge() { # what python-expression-over-r
    tap_check "bench: $1" "$python" -c '
import json, sys
r = json.load(open(sys.argv[1]))
bad = eval(sys.argv[2])
if bad:
    print("missing or wrong:", bad, file=sys.stderr)
sys.exit(1 if bad else 0)' "$out/results.json" "$2"
}
judge "a pair (row and baseline) for each of 6 rows and 3 keys, every request answered" \
    '[k for k in (a + " " + w for a in ("RS256", "ES256", "EdDSA")
                  for w in ("hit", "shmcb hit", "redis hit", "shmcb shared",
                            "redis shared", "miss"))
      if not r["pairs"].get(k) or any(p[s]["requests"] <= 0 or p[s]["failed"]
                                       for p in r["pairs"][k] for s in ("row", "base"))]'
judge "the signature of each key from openssl speed" \
    '[a for a in ("RS256", "ES256", "EdDSA") if not r["speed"].get(a, 0) > 0]'
judge "a storm for each key and cache: its tokens made, then refreshed within the run, none failed" \
    '[k for k in (a + " " + c for a in ("RS256", "ES256", "EdDSA") for c in ("mem", "shmcb"))
      if k not in r["storm"]
      or r["storm"][k]["made"]["signed"] < r["storm_users"]
      or r["storm"][k]["refresh"]["signed"] <= 0
      or any(p["failed"] or p["p99"] <= 0 for p in r["storm"][k].values())]'
judge "signatures per identity under concurrency for the 3 cache kinds, none failed" \
    '([f["kind"] for f in r["flight"] if f["signed"] < f["identities"] or f["failed"]]
      + ([] if [f["kind"] for f in r["flight"]] == ["mem", "shmcb", "redis"] else ["kinds"]))'
judge "instruction counts of the 4 rows and the signature for each key" \
    '[a + " " + w for a in ("RS256", "ES256", "EdDSA")
      for w in ("plain-basic", "hit", "plain-header", "miss", "signature")
      if not r["count"].get(a + " " + w, 0) > 0]'
for key in rs256 es256 eddsa; do
    check "the chart of $key" grep -q '<svg' "$out/perf-$key.svg"
done
check "the tables" grep -q '^| EdDSA | redis hit |' "$out/results.md"

tap_end
