# Sourced by the suites of make check (Makefile.am's TESTS): TAP on
# standard output for automake's TAP driver (build-aux/tap-driver.sh),
# everything for people on standard error, which the driver writes to the
# suite's .log. Results are numbered here, and the plan comes last, so
# that a suite can add its own checks to a program's TAP (tap_relay).
#
# Every suite runs from the build directory, with the environment of
# Makefile.am's AM_TESTS_ENVIRONMENT: abs_top_srcdir, abs_top_builddir,
# APXS, HTTPD, SAN_PRELOAD.

tap_n=0
tap_bad=0
top_srcdir=${abs_top_srcdir:-$(cd "$(dirname "$0")/.." && pwd)}
top_builddir=${abs_top_builddir:-$(pwd)}

tap_ok() {
    tap_n=$((tap_n + 1))
    echo "ok $tap_n - $*"
}

tap_not_ok() {
    tap_n=$((tap_n + 1))
    tap_bad=$((tap_bad + 1))
    echo "not ok $tap_n - $*"
}

# tap_check WHAT COMMAND...: one result, the command's success.
tap_check() {
    what=$1
    shift
    if "$@"; then tap_ok "$what"; else tap_not_ok "$what"; fi
}

# tap_skip_all REASON: the whole suite is skipped (the driver's SKIP).
tap_skip_all() {
    echo "1..0 # SKIP $*"
    exit 0
}

# tap_relay FILE [PREFIX]: the results in FILE, a program's TAP,
# renumbered after ours, their descriptions after PREFIX; its plan and
# other lines are left out (they are in the log).
tap_relay() {
    relayed=$(awk -v n="$tap_n" -v prefix="${2:-}" '
        /^(not )?ok( [0-9]+)?( |$)/ {
            bad = ($0 ~ /^not /)
            rest = $0
            sub(/^(not )?ok( [0-9]+)?( - | )?/, "", rest)
            n++
            print (bad ? "not ok " : "ok ") n " - " prefix rest
        }
        /^Bail out!/ { print }' "$1")
    [ -n "$relayed" ] || return 0
    printf '%s\n' "$relayed"
    tap_n=$((tap_n + $(printf '%s\n' "$relayed" | grep -c '^\(not \)\{0,1\}ok ')))
    tap_bad=$((tap_bad + $(printf '%s\n' "$relayed" | grep -c '^not ok ')))
}

# tap_node_env: the environment of tests/mcp/harness.mjs, for the node
# suites: this build's httpd, module and httpd's own modules.
tap_node_env() {
    TJWT_HTTPD=$HTTPD
    TJWT_BUILD_DIR=$top_builddir
    TJWT_MODULE=$top_builddir/.libs/mod_teleport_jwt.so
    TJWT_APACHE_MODULES=$("$APXS" -q LIBEXECDIR)
    export TJWT_HTTPD TJWT_BUILD_DIR TJWT_MODULE TJWT_APACHE_MODULES
}

# tap_node_run NODE TAPFILE FILE...: node's test runner on the files, in
# a process group of its own (its leader's id in $pid, for the suite's
# clean-up), bounded to 5 minutes: the spec report for people on standard
# error, TAP into TAPFILE, relayed here, and one more result, the
# runner's status (which counts a file that never reported).
tap_node_run() {
    tap_node=$1
    tap_file=$2
    shift 2
    setsid timeout -k 10 300 "$tap_node" --test \
        --test-reporter=spec --test-reporter-destination=stderr \
        --test-reporter=tap --test-reporter-destination="$tap_file" \
        "$@" &
    pid=$!
    wait "$pid"
    tap_rc=$?
    # Whatever the runner left behind, if anything, goes now.
    kill -KILL "-$pid" 2>/dev/null
    pid=
    tap_relay "$tap_file"
    tap_check "the test runner exits with status 0 ($tap_rc)" test "$tap_rc" -eq 0
}

# tap_kill_group PID: ends the process group PID leads, whatever is left
# of it: SIGTERM first, again while it lasts (up to 10 s: node's test
# runner answers one by going on with the next file, and the files stop
# what they started), then SIGKILL.
tap_kill_group() {
    [ -n "$1" ] || return 0
    i=0
    while [ $i -lt 20 ] && kill -TERM "-$1" 2>/dev/null; do
        sleep 0.5
        i=$((i + 1))
    done
    kill -KILL "-$1" 2>/dev/null
    return 0
}

tap_end() {
    echo "1..$tap_n"
    exit 0
}

# san_begin / san_end: around a program built with AddressSanitizer and
# UBSan. Their reports go to files of a private directory (written by
# httpd's children too, which run as nobody under root); san_end shows
# each on standard error and adds one result: no report.
san_begin() {
    SAN_LOGS=$(mktemp -d /tmp/tjwt-san.XXXXXX)
    chmod 1777 "$SAN_LOGS"
    # use_sigaltstack=0: gcc 12's runtime reports its own alternate
    # signal stack as overflowed when a thread exits (a false report).
    ASAN_OPTIONS="use_sigaltstack=0:log_path=$SAN_LOGS/asan${1:+:$1}"
    UBSAN_OPTIONS="print_stacktrace=1:log_path=$SAN_LOGS/ubsan"
    export ASAN_OPTIONS UBSAN_OPTIONS
}

san_end() {
    reports=$(find "$SAN_LOGS" -type f | wc -l)
    for f in "$SAN_LOGS"/*; do
        [ -f "$f" ] && { echo "== sanitizer report $f:"; cat "$f"; } >&2
    done
    tap_check "no AddressSanitizer or UBSan report ($reports)" test "$reports" -eq 0
    rm -rf "$SAN_LOGS"
    unset ASAN_OPTIONS UBSAN_OPTIONS
}
