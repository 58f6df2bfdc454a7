#!/bin/sh
# The fuzz target (tests/fuzz/tjwt_fuzz.c), built with gcc under
# AddressSanitizer and UBSan, on every seed of tests/fuzz/seeds: the
# parsers of what clients and cache servers send, with the properties the
# target checks (docs/development.md, Fuzzing). One result per seed.
set -u
. "$(dirname "$0")/tap-lib.sh"

bin=$top_builddir/tests/fuzz/tjwt_fuzz_replay
[ -x "$bin" ] || tap_skip_all "$bin is not built: configure found no compiler support for the sanitizers"
cd "$top_srcdir/tests/fuzz/seeds" || exit 1
seeds=$(find . -type f | sed 's|^\./||' | sort)
count=$(printf '%s\n' "$seeds" | grep -c .)
san_begin
out=$(mktemp /tmp/tjwt-fuzz.XXXXXX)
# shellcheck disable=SC2086 # one word per seed; their names have no blanks
"$bin" $seeds >"$out"
rc=$?
tap_relay "$out"
reported=$(grep -c '^ok ' "$out")
rm -f "$out"
tap_check "every seed ran ($reported of $count; status $rc)" \
    test "$reported" -eq "$count" -a "$rc" -eq 0
san_end
tap_end
