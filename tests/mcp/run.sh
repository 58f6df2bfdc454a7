#!/bin/sh
# The MCP and interop suite of `make check` (tests/mcp/*.test.mjs, node's
# test runner): private httpd instances with the module in front of the
# sample MCP server (mcp/server), driven by the MCP SDK's client, and
# tokens of every algorithm checked by PyJWT, jose and go-jose.
#
# TAP on standard output (each top-level test; tests/tap-lib.sh), the
# runner's spec report on standard error, for make check's log. The node
# packages come from `npm ci` in mcp/server and tests (./bootstrap does
# it); nothing is fetched here. Where the source tree has none (a build
# from the release tarball, make distcheck), TJWT_NODE_ROOT names a tree
# that has them (configure's TJWT_NODE_ROOT): the suite then runs from a
# copy in /tmp with their node_modules linked in.
#
# Environment, from Makefile.am's AM_TESTS_ENVIRONMENT: HTTPD, APXS,
# abs_top_builddir, abs_top_srcdir, TJWT_NODE_ROOT.
set -u
. "$(dirname "$0")/../tap-lib.sh"

node=$(command -v node || command -v nodejs) ||
    tap_skip_all "node is not installed (Debian: nodejs, npm; ./bootstrap installs it)"
root=$top_srcdir
if [ ! -d "$root/tests/node_modules/@modelcontextprotocol/sdk" ]; then
    nroot=${TJWT_NODE_ROOT:-}
    for d in mcp/server tests; do
        [ -n "$nroot" ] && [ -d "$nroot/$d/node_modules/@modelcontextprotocol/sdk" ] ||
            tap_skip_all "$d/node_modules is missing: run ./bootstrap (or: cd $d && npm ci), or configure with TJWT_NODE_ROOT=a tree that has them"
    done
    root=$(mktemp -d /tmp/tjwt-mcp-root.XXXXXX)
    mkdir -p "$root/tests" "$root/mcp"
    cp -R "$top_srcdir/tests/mcp" "$top_srcdir/tests/verify" "$root/tests/"
    cp -R "$top_srcdir/mcp/server" "$root/mcp/"
    ln -s "$nroot/tests/node_modules" "$root/tests/node_modules"
    ln -s "$nroot/mcp/server/node_modules" "$root/mcp/server/node_modules"
    echo "== running from $root, node packages from $nroot" >&2
fi
tap_node_env

tap=$(mktemp /tmp/tjwt-mcp-tap.XXXXXX)
pid=
# shellcheck disable=SC2317 # the trap
cleanup() {
    # The runner, its test files and everything they started (httpd,
    # MCP servers, verifiers) are one process group.
    tap_kill_group "$pid"
    rm -f "$tap"
    [ "$root" = "$top_srcdir" ] || rm -rf "$root"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP

# A session of its own (setsid), so that the whole group can be ended;
# the spec report for people, TAP for the counts. Bounded: 5 minutes.
cd "$root" || exit 1
tap_node_run "$node" "$tap" \
    tests/mcp/mcp.test.mjs tests/mcp/interop.test.mjs tests/mcp/clock.test.mjs
tap_end
