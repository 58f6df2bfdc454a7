#!/bin/sh
# `make bench` in its smallest form (one round of one second per row, no
# instruction counts): that it still runs end to end and prints its whole
# table, every request answered. It checks no figure: speed is for
# `make bench` itself to report (docs/performance.md), never a test's
# pass or fail. TAP on standard output (tests/tap-lib.sh), the
# benchmark's report on standard error.
set -u
. "$(dirname "$0")/tap-lib.sh"
check() { what=$1; shift; tap_check "bench: $what" "$@"; }
command -v wrk >/dev/null 2>&1 || tap_skip_all "wrk is not installed (Debian: wrk)"

out=$(BENCH_ROUNDS=1 BENCH_SECONDS=1 BENCH_COUNT=0 sh "$top_srcdir/bench/bench.sh" 2>&1)
rc=$?
printf '%s\n' "$out" >&2
check "the run ends with status 0" test "$rc" -eq 0

# row | key | req/s | CPU | (rounds) | other | p50 | p99 | failed
rows=$(printf '%s\n' "$out" | awk -F' *[|] *' '
    $2 ~ /^(plain-basic|hit|plain-header|miss)$/ && $3 ~ /^(RS256|ES256|EdDSA)$/ {n++}
    END {print n + 0}')
check "a row for each of 4 measurements and 3 keys" test "$rows" -eq 12
unanswered=$(printf '%s\n' "$out" | awk -F' *[|] *' '
    $2 ~ /^(plain-basic|hit|plain-header|miss)$/ && ($4 + 0 <= 0 || $10 != "0") {n++}
    END {print n + 0}')
check "every row served requests, none failed" test "$unanswered" -eq 0
ratios=$(printf '%s\n' "$out" | awk -F' *[|] *' '
    $2 ~ /^(RS256|ES256|EdDSA)$/ && $5 ~ /us$/ && $7 ~ /round 1/ {n++}
    END {print n + 0}')
check "the ratios of the 3 keys, with the raw signature" test "$ratios" -eq 3
check "the verdict on the targets" \
    sh -c 'printf "%s\n" "$1" | grep -Eq "^In this run: (all met|all met that could be judged|not met for .+)$"' _ "$out"
check "the hypervisor's steal" \
    sh -c 'printf "%s\n" "$1" | grep -Eq "^steal on CPU 0 during the rounds: [0-9.]+%"' _ "$out"

tap_end
