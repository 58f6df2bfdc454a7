#!/bin/sh
# The unit tests (tests/unit/, libcheck) in TAP. TJWT_SAN=1
# (tests/unit-san.sh): the copy built under AddressSanitizer and UBSan,
# where a leak, an access out of bounds or undefined behaviour fails.
set -u
. "$(dirname "$0")/tap-lib.sh"

bin=$top_builddir/tests/unit/tjwt_unit${TJWT_SAN:+_san}
[ -x "$bin" ] || tap_skip_all "$bin is not built: configure found no libcheck (Debian: check)${TJWT_SAN:+ or no sanitizers}"
[ -n "${TJWT_SAN:-}" ] && san_begin
out=$(mktemp /tmp/tjwt-unit.XXXXXX)
CK_TAP_LOG_FILE_NAME=- "$bin" >"$out"
rc=$?
cat "$out" >&2
tap_relay "$out"
rm -f "$out"
tap_check "the unit tests exit with status 0 ($rc)" test "$rc" -eq 0
[ -n "${TJWT_SAN:-}" ] && san_end
tap_end
