#!/bin/sh
# The Apache::Test suite (tests/t/*.t) against a real httpd (Debian's
# /usr/sbin/apache2) loading the built module, in TAP: each check of each
# file, as "t/FILE.t: check". TJWT_SAN=1 (tests/apache-test-san.sh): the
# module and the tjwt tool built under AddressSanitizer and UBSan, httpd
# run through tests/san-httpd.sh, every sanitizer report a failure.
#
# The suite runs from a private copy of tests/t, tests/verify and
# tests/vectors in /tmp:
# Apache::Test writes its configuration and logs into t/, the source tree
# may be read-only (make distcheck) or out of the reach of httpd's
# children, which run as nobody under root (a clone under /root), and the
# plain and the sanitizer runs must not share it. The copy's t/logs ends
# in the build directory as tests/t-logs (tests/t-logs-san), for reading
# after a failure; TJWT_KEEP=1 keeps the whole copy. TJWT_TESTS="t/a.t t/b.t"
# runs only those files.
set -u
. "$(dirname "$0")/tap-lib.sh"

command -v perl >/dev/null 2>&1 && perl -MApache::TestRun -e 1 2>/dev/null ||
    tap_skip_all "Apache::Test is not installed (Debian: libapache2-mod-perl2)"
modules=$("$APXS" -q LIBEXECDIR)
if [ -n "${TJWT_SAN:-}" ]; then
    module=$top_builddir/tests/san/.libs/mod_teleport_jwt.so
    tool=$top_builddir/tests/san/tjwt
    [ -n "${SAN_PRELOAD:-}" ] && [ -f "$module" ] ||
        tap_skip_all "no module built under the sanitizers: configure found no compiler support"
    httpd=$top_srcdir/tests/san-httpd.sh
    logs=$top_builddir/tests/t-logs-san
    # httpd frees its pools at exit, not each allocation: no leak check.
    san_begin detect_leaks=0
    export SAN_PRELOAD SAN_HTTPD="$HTTPD"
else
    module=$top_builddir/.libs/mod_teleport_jwt.so
    tool=$top_builddir/tjwt
    httpd=$HTTPD
    logs=$top_builddir/tests/t-logs
fi

work=$(mktemp -d /tmp/tjwt-check.XXXXXX)
cp -R "$top_srcdir/tests/t" "$top_srcdir/tests/verify" "$top_srcdir/tests/vectors" "$work/"
# What a run in the source tree may have left (a generated key, logs, the
# generated configuration) is not the suite's: each run starts without.
rm -rf "$work/t/teleport-jwt" "$work/t/logs" "$work/t/conf/apache_test_config.pm"
# The node verifiers of tests/verify find their packages (jose) from the
# copy too: the tree's, or TJWT_NODE_ROOT's (a release tarball has none).
for nm in "$top_srcdir/tests/node_modules" "${TJWT_NODE_ROOT:-/nonexistent}/tests/node_modules"; do
    if [ -d "$nm" ]; then
        ln -s "$nm" "$work/node_modules"
        break
    fi
done
chmod -R u+w,a+rX "$work"
echo "== the suite runs from $work" >&2
# Apache::Test builds its server from the modules of a base
# configuration. The system's (Debian's apache2.conf) needs apache2ctl's
# environment and enables what the host chose; the suite names its own.
conf=$work/t/conf/inherit.conf
for m in mpm_event authn_core authn_file authz_core authz_host authz_user \
    auth_basic alias dir env mime setenvif; do
    echo "LoadModule ${m}_module $modules/mod_$m.so"
done >"$conf"

# "-port select": the first free port from 8529 on, so that a busy port
# (or another run on the same machine) does not fail the suite.
# tests/identity-setup.sh makes the test CA and certificates and starts a
# private slapd in t/identity, runs the suite, and always stops slapd.
# TJWT_TOOL: the tjwt tool that tool-keys.t, tool-tokens.t and rotation.t
# run. -verbose: every check's TAP line, which the awk below numbers.
out=$work/apache-test.out
(export TJWT_MODULE="$module" TJWT_TOOL="$tool" TJWT_APACHE_MODULES="$modules"
 cd "$work" && sh "$top_srcdir/tests/identity-setup.sh" "$work/t/identity" \
     perl t/TEST -apxs "$APXS" -httpd "$httpd" -httpd_conf "$conf" \
     -port select -verbose ${TJWT_TESTS:-}) >"$out" 2>&1
rc=$?
cat "$out" >&2

# Test::Harness's verbose report: "t/FILE.t .. " starts a file, then its
# TAP, then its verdict alone on a line ("ok", "skipped: why", or
# "Dubious, ..." / "Failed N/M subtests"). A file whose verdict is not ok
# with no failed check of its own (it died, or ran fewer checks than it
# planned) gets one failure with the verdict.
results=$(awk -v n="$tap_n" '
    function close_file() {
        if (file != "" && verdict != "" && verdict !~ /^(ok|skipped)/ && !failed) {
            n++; print "not ok " n " - " file ": " verdict
        }
        file = ""; verdict = ""; failed = 0
    }
    /^t\/.*\.t \.+ ?$/ { close_file(); file = $1; next }
    file == "" { next }
    /^1\.\.0 # [Ss][Kk][Ii][Pp]/ {
        reason = $0; sub(/^1\.\.0 # [Ss][Kk][Ii][Pp] */, "", reason)
        n++; print "ok " n " - " file " # SKIP " reason; next
    }
    /^(not )?ok [0-9]+/ {
        bad = ($0 ~ /^not /); rest = $0
        sub(/^(not )?ok [0-9]+( - | )?/, "", rest)
        n++; print (bad ? "not ok " : "ok ") n " - " file ": " rest
        if (bad && rest !~ /# [Tt][Oo][Dd][Oo]/) failed = 1
        next
    }
    /^(ok|skipped: .*|Dubious, .*|Failed [0-9]+\/[0-9]+ subtests.*|No subtests run.*)$/ {
        if (verdict == "") verdict = $0; else verdict = verdict "; " $0
        next
    }
    /^(All tests successful\.|Test Summary Report|Files=)/ { close_file() }
    END { close_file() }' "$out")
if [ -n "$results" ]; then
    printf '%s\n' "$results"
    tap_n=$((tap_n + $(printf '%s\n' "$results" | grep -c '^\(not \)\{0,1\}ok ')))
fi
summary=$(grep -E '^Result: ' "$out" | tail -n 1)
tap_check "t/TEST: ${summary:-no result}, status $rc" \
    test "$rc" -eq 0 -a "$summary" = "Result: PASS"

rm -rf "$logs"
[ -d "$work/t/logs" ] && cp -R "$work/t/logs" "$logs"
[ -n "${TJWT_SAN:-}" ] && san_end
if [ -n "${TJWT_KEEP:-}" ]; then echo "== kept $work" >&2; else rm -rf "$work"; fi
tap_end
