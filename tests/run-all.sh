#!/bin/sh
# Runs every test suite of `make check` and prints the closing line
# "N passed, N failed". Run from the build directory by `make check`.
set -u

srcdir=$(cd "$(dirname "$0")/.." && pwd)
builddir=$(pwd)
APXS=${APXS:-$(sed -n 's/^APXS = //p' "$builddir/Makefile")}
HTTPD=${HTTPD:-$(sed -n 's/^HTTPD = //p' "$builddir/Makefile")}
TJWT_APACHE_MODULES=$("$APXS" -q LIBEXECDIR)
passed=0
failed=0

count() { # count PASSED FAILED SUITE
    passed=$((passed + $1))
    failed=$((failed + $2))
    echo "== $3: $1 passed, $2 failed"
}

# suite NAME LABEL COMMAND...: runs a suite whose last line is "NAME: N
# passed, N failed" and counts it; without that line, as one failure.
suite() {
    name=$1 label=$2
    shift 2
    out=$("$@" 2>&1)
    printf '%s\n' "$out"
    line=$(printf '%s\n' "$out" | grep -E "^$name: [0-9]+ passed, [0-9]+ failed\$" | tail -n 1)
    spass=$(printf '%s' "$line" | sed -n "s/^$name: \([0-9]*\) passed.*/\1/p")
    sfail=$(printf '%s' "$line" | sed -n 's/.* \([0-9]*\) failed$/\1/p')
    count "${spass:-0}" "${sfail:-1}" "$label"
}

# unit BINARY LABEL: runs a libcheck binary and counts its checks.
unit() {
    if [ -x "$1" ]; then
        out=$("$1" 2>&1)
        rc=$?
        printf '%s\n' "$out"
        line=$(printf '%s\n' "$out" | grep -E 'Checks: [0-9]+' | tail -n 1)
        total=$(printf '%s' "$line" | sed -n 's/.*Checks: \([0-9]*\).*/\1/p')
        fails=$(printf '%s' "$line" | sed -n 's/.*Failures: \([0-9]*\).*/\1/p')
        errs=$(printf '%s' "$line" | sed -n 's/.*Errors: \([0-9]*\).*/\1/p')
        total=${total:-0} fails=${fails:-0} errs=${errs:-0}
        bad=$((fails + errs))
        [ "$rc" -ne 0 ] && [ "$bad" -eq 0 ] && bad=1
        count $((total - fails - errs)) "$bad" "$2"
    else
        echo "$2: $1 not built: is libcheck (Debian: check) installed?"
        count 0 1 "$2"
    fi
}

# apache_test LABEL MODULE TOOL HTTPD LOG: the Apache::Test suite (t/*.t)
# against a real httpd loading MODULE, counted.
apache_test() {
    label=$1 log=$5
    # As root, httpd's children run as nobody and read the test tree (the
    # htpasswd file, per request). A clone in a private directory (such
    # as /root) is out of their reach, so the suite then runs from a copy.
    work="$srcdir/tests"
    if [ "$(id -u)" = 0 ] && ! runuser -u nobody -- test -r "$work/t/htpasswd" 2>/dev/null; then
        work=$(mktemp -d /tmp/tjwt-check.XXXXXX)
        cp -R "$srcdir/tests/." "$work/"
        chmod -R a+rX "$work"
        echo "== the test tree is not readable by nobody: running from $work"
    fi
    # Apache::Test builds its server from the modules of a base
    # configuration. The system's (Debian's apache2.conf) needs
    # apache2ctl's environment and enables what the host chose; the suite
    # names its own instead.
    conf="$work/t/conf/inherit.conf"
    mkdir -p "$work/t/conf"
    for m in mpm_event authn_core authn_file authz_core authz_host authz_user \
             auth_basic alias dir env mime setenvif; do
        echo "LoadModule ${m}_module $TJWT_APACHE_MODULES/mod_$m.so"
    done >"$conf"
    # "-port select": the first free port from 8529 on, so that a busy
    # port (or another run on the same machine) does not fail the suite.
    # tests/identity-setup.sh makes the test CA and certificates and
    # starts a private slapd in t/identity, runs the suite, and always
    # stops slapd.
    # Exported in the subshell alone, so that the later suites load the
    # module they name themselves. TJWT_TOOL: the tjwt tool, which
    # tool-keys.t, tool-tokens.t and rotation.t run.
    (export TJWT_MODULE="$2" TJWT_TOOL="$3" TJWT_APACHE_MODULES;
     cd "$work" && perl t/TEST -clean >/dev/null 2>&1;
     cd "$work" && sh "$srcdir/tests/identity-setup.sh" "$work/t/identity" perl t/TEST -apxs "$APXS" -httpd "$4" -httpd_conf "$conf" \
         -port select) >"$log" 2>&1
    rc=$?
    cat "$log"
    tests=$(sed -n 's/^Files=[0-9]*, Tests=\([0-9]*\).*/\1/p' "$log" | tail -n 1)
    fails=$(sed -n 's/.*Failed \([0-9]*\)\/[0-9]* subtests.*/\1/p' "$log" |
            awk '{s += $1} END {print s + 0}')
    tests=${tests:-0}
    [ "$rc" -ne 0 ] && [ "$fails" -eq 0 ] && fails=1
    count $((tests - fails < 0 ? 0 : tests - fails)) "$fails" "$label"
    [ "$work" != "$srcdir/tests" ] && rm -rf "$work"
}

# --- unit tests (libcheck) ------------------------------------------------
unit "$builddir/tests/unit/tjwt_unit" "unit tests"

# --- Apache::Test suite ----------------------------------------------------
apache_test "Apache::Test suite" "$builddir/.libs/mod_teleport_jwt.so" \
    "$builddir/tjwt" "$HTTPD" "$builddir/tests/apache-test.log"

# --- the same under AddressSanitizer and UBSan ------------------------------
# The unit tests, the module and the tjwt tool built with both (Makefile.am,
# when the compiler has them): a read or write out of bounds or after its
# scope, a leak in the unit tests, or undefined behaviour stops the
# program that did it. httpd runs through tests/san-httpd.sh, which
# preloads the sanitizers' libraries; every report they write is counted
# as a failure, with the file shown.
san_module="$builddir/tests/san/.libs/mod_teleport_jwt.so"
if [ -n "${SAN_PRELOAD:-}" ] && [ -f "$san_module" ]; then
    SAN_LOGS=$(mktemp -d /tmp/tjwt-san.XXXXXX)
    # Written by httpd's children too, which run as nobody under root.
    chmod 1777 "$SAN_LOGS"
    # use_sigaltstack=0: gcc 12's runtime reports its own alternate
    # signal stack as overflowed when a thread exits (a false report).
    export ASAN_OPTIONS="use_sigaltstack=0:log_path=$SAN_LOGS/asan"
    export UBSAN_OPTIONS="print_stacktrace=1:log_path=$SAN_LOGS/ubsan"
    unit "$builddir/tests/unit/tjwt_unit_san" "unit tests, ASan and UBSan"
    # The fuzz target on every seed (tests/fuzz/): parsers of what clients
    # and cache servers send, with the properties the target checks.
    suite fuzz "fuzz seeds, ASan and UBSan" \
        "$builddir/tests/fuzz/tjwt_fuzz_replay" "$srcdir"/tests/fuzz/seeds/*
    # httpd frees its pools at exit, not each allocation: no leak check.
    export ASAN_OPTIONS="$ASAN_OPTIONS:detect_leaks=0"
    export SAN_PRELOAD SAN_HTTPD="$HTTPD"
    apache_test "Apache::Test suite, ASan and UBSan" "$san_module" \
        "$builddir/tests/san/tjwt" "$srcdir/tests/san-httpd.sh" \
        "$builddir/tests/apache-test-san.log"
    unset SAN_PRELOAD SAN_HTTPD
    reports=$(find "$SAN_LOGS" -type f | wc -l)
    for f in "$SAN_LOGS"/*; do
        [ -f "$f" ] && { echo "== sanitizer report $f:"; cat "$f"; }
    done
    count 0 "$reports" "sanitizer reports"
    unset ASAN_OPTIONS UBSAN_OPTIONS
    rm -rf "$SAN_LOGS"
else
    echo "== AddressSanitizer and UBSan: skipped (configure found no compiler support, or run-all.sh was run without make check's SAN_PRELOAD)"
fi

# --- MCP servers behind Apache, and interop (node's test runner) -----------
# tests/mcp/run.sh: the sample MCP server (mcp/server) behind private
# httpd instances, driven by the MCP SDK's client; tokens of every
# algorithm verified by PyJWT, jose and go-jose. It ends with
# "mcp: N passed, N failed".
suite mcp "MCP and interop tests" \
    env TJWT_HTTPD="$HTTPD" TJWT_BUILD_DIR="$builddir" \
        TJWT_MODULE="$builddir/.libs/mod_teleport_jwt.so" \
        TJWT_APACHE_MODULES="$TJWT_APACHE_MODULES" sh "$srcdir/tests/mcp/run.sh"

# --- make bench, smallest form ---------------------------------------------
# tests/bench-smoke.sh: one round of one second per row, that the benchmark
# still runs end to end and prints its whole table; it judges no figure.
suite bench "make bench, smallest form" \
    env HTTPD="$HTTPD" APXS="$APXS" sh "$srcdir/tests/bench-smoke.sh"

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
