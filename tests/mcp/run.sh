#!/bin/sh
# The MCP and interop suite of `make check` (tests/mcp/*.test.mjs, node's
# test runner): private httpd instances with the module in front of the
# sample MCP server (mcp/server), driven by the MCP SDK's client, and
# tokens of every algorithm checked by PyJWT, jose and go-jose.
#
# Prints the runner's report, then "mcp: N passed, N failed" (what
# tests/run-all.sh counts). The node packages come from `npm ci` in
# mcp/server and tests (./bootstrap does it); nothing is fetched here.
#
# Environment, from tests/run-all.sh: TJWT_MODULE, TJWT_APACHE_MODULES,
# TJWT_HTTPD, TJWT_BUILD_DIR.
set -u

srcdir=$(cd "$(dirname "$0")/../.." && pwd)

fail() {
    echo "mcp tests: $*"
    echo "mcp: 0 passed, 1 failed"
    exit 1
}

node=$(command -v node || command -v nodejs) ||
    fail "node is not installed; run ./bootstrap (Debian: nodejs, npm)"
for d in mcp/server tests; do
    [ -d "$srcdir/$d/node_modules/@modelcontextprotocol/sdk" ] ||
        fail "$d/node_modules is missing; run ./bootstrap (or: cd $d && npm ci)"
done

tap=$(mktemp /tmp/tjwt-mcp-tap.XXXXXX)
pid=
# shellcheck disable=SC2317 # the trap
cleanup() {
    # The runner, its test files and everything they started (httpd,
    # MCP servers, verifiers) are one process group: end it, whatever
    # is left of it. SIGTERM first, so that the test files stop what
    # they started and remove their directories (node's runner answers
    # it by going on with the next file, hence the repeats), then SIGKILL.
    if [ -n "$pid" ]; then
        i=0
        while [ $i -lt 20 ] && kill -TERM "-$pid" 2>/dev/null; do
            sleep 0.5
            i=$((i + 1))
        done
        kill -KILL "-$pid" 2>/dev/null
    fi
    rm -f "$tap"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP

# A session of its own (setsid), so that the whole group can be ended;
# the spec report for people, TAP for the counts. Bounded: 5 minutes.
cd "$srcdir" || fail "cannot cd to $srcdir"
setsid timeout -k 10 300 "$node" --test \
    --test-reporter=spec --test-reporter-destination=stdout \
    --test-reporter=tap --test-reporter-destination="$tap" \
    tests/mcp/mcp.test.mjs tests/mcp/interop.test.mjs tests/mcp/clock.test.mjs &
pid=$!
wait "$pid"
rc=$?
# Whatever the runner left behind, if anything, goes now.
kill -KILL "-$pid" 2>/dev/null
pid=

pass=$(sed -n 's/^# pass \([0-9]*\)$/\1/p' "$tap" | tail -n 1)
fails=$(sed -n 's/^# fail \([0-9]*\)$/\1/p' "$tap" | tail -n 1)
cancelled=$(sed -n 's/^# cancelled \([0-9]*\)$/\1/p' "$tap" | tail -n 1)
pass=${pass:-0} fails=${fails:-0} cancelled=${cancelled:-0}
fails=$((fails + cancelled))
if [ "$rc" -ne 0 ] && [ "$fails" -eq 0 ]; then
    echo "mcp tests: the runner exited with status $rc"
    fails=1
fi
echo "mcp: $pass passed, $fails failed"
[ "$fails" -eq 0 ]
