#!/bin/sh
# The OAuth end-to-end suite of `make check` (issue 19): an authorization
# server (oidc-provider over HTTPS with a test CA), a private httpd as the
# protected resource in front of the sample MCP server (mcp/server), and
# the MCP SDK's client with its OAuth providers (tests/oauth-e2e/*.test.mjs,
# node's test runner). The access tokens are checked by the module
# (module.test.mjs) and by Debian's mod_auth_openidc (openidc.test.mjs).
# Then `DEMO_ONCE=1 make demo-oauth`'s script, once.
#
# TAP on standard output, details on standard error (tests/tap-lib.sh). The
# node packages come from `npm ci` in mcp/server, tests and tests/oauth-e2e
# (./bootstrap does it); where the source tree has none (make distcheck),
# TJWT_NODE_ROOT names a tree that has them, as for tests/mcp/run.sh.
#
# Environment, from Makefile.am's AM_TESTS_ENVIRONMENT: HTTPD, APXS,
# abs_top_builddir, abs_top_srcdir, TJWT_NODE_ROOT.
set -u
. "$(dirname "$0")/../tap-lib.sh"

node=$(command -v node || command -v nodejs) ||
    tap_skip_all "node is not installed (./bootstrap installs it)"
# oidc-provider 9 runs on Node.js 20.12 and later (Debian 12's is 18).
"$node" -e 'const [a, b] = process.versions.node.split(".").map(Number); process.exit(a > 20 || (a === 20 && b >= 12) ? 0 : 1)' ||
    tap_skip_all "oidc-provider 9 needs Node.js 20.12 or later; this is $("$node" --version)"
dirs="mcp/server tests tests/oauth-e2e"
root=$top_srcdir
if [ ! -d "$root/tests/oauth-e2e/node_modules/oidc-provider" ] ||
    [ ! -d "$root/tests/node_modules/@modelcontextprotocol/sdk" ]; then
    nroot=${TJWT_NODE_ROOT:-}
    for d in $dirs; do
        [ -n "$nroot" ] && [ -d "$nroot/$d/node_modules" ] ||
            tap_skip_all "$d/node_modules is missing: run ./bootstrap (or: cd $d && npm ci), or configure with TJWT_NODE_ROOT=a tree that has them"
    done
    root=$(mktemp -d /tmp/tjwt-oauth-root.XXXXXX)
    mkdir -p "$root/tests/oauth-e2e" "$root/mcp" "$root/demo"
    cp -R "$top_srcdir/tests/mcp" "$top_srcdir/tests/tap-lib.sh" "$root/tests/"
    cp "$top_srcdir"/tests/oauth-e2e/*.mjs "$top_srcdir"/tests/oauth-e2e/*.sh "$root/tests/oauth-e2e/"
    cp -R "$top_srcdir/mcp/server" "$root/mcp/"
    cp "$top_srcdir"/demo/oauth-demo.* "$root/demo/"
    for d in $dirs; do ln -s "$nroot/$d/node_modules" "$root/$d/node_modules"; done
    echo "== running from $root, node packages from $nroot" >&2
fi
tap_node_env

tap=$(mktemp /tmp/tjwt-oauth-tap.XXXXXX)
ca=$(mktemp -d /tmp/tjwt-oauth-ca.XXXXXX)
demo_out=$(mktemp /tmp/tjwt-oauth-demo.XXXXXX)
pid=
# shellcheck disable=SC2317 # the trap
cleanup() {
    # The runner and all it started are one process group.
    tap_kill_group "$pid"
    rm -rf "$tap" "$ca" "$demo_out"
    [ "$root" = "$top_srcdir" ] || rm -rf "$root"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP

# The test CA first: Node's fetch reads NODE_EXTRA_CA_CERTS at start-up.
sh "$root/tests/oauth-e2e/make-ca.sh" "$ca" || tap_not_ok "make-ca.sh: a test CA"
TJWT_OAUTH_CA_DIR=$ca
NODE_EXTRA_CA_CERTS=$ca/ca.pem
export TJWT_OAUTH_CA_DIR NODE_EXTRA_CA_CERTS

files=tests/oauth-e2e/module.test.mjs
if [ -f "$TJWT_APACHE_MODULES/mod_auth_openidc.so" ]; then
    files="$files tests/oauth-e2e/openidc.test.mjs"
    openidc=yes
else
    openidc=
fi

cd "$root" || exit 1
# shellcheck disable=SC2086 # one word per file
tap_node_run "$node" "$tap" $files
[ -n "$openidc" ] ||
    echo "ok $((tap_n += 1)) - mod_auth_openidc # SKIP $TJWT_APACHE_MODULES/mod_auth_openidc.so is missing (Debian: libapache2-mod-auth-openidc)"

# make demo-oauth, once, on ports of its own choosing.
(cd "$top_builddir" && DEMO_ONCE=1 DEMO_OAUTH_PORT=0 DEMO_OAUTH_AS_PORT=0 \
    setsid timeout -k 10 120 sh "$root/demo/oauth-demo.sh") >"$demo_out" 2>&1
drc=$?
cat "$demo_out" >&2
tap_check "DEMO_ONCE=1 demo-oauth exits with status 0 ($drc)" test "$drc" -eq 0
tap_check "demo-oauth prints the MCP endpoint" grep -q '^MCP endpoint: http://127\.0\.0\.1:[0-9]*/mcp$' "$demo_out"
tap_check "demo-oauth prints the authorization server" grep -q '^Authorization server: https://127\.0\.0\.1:[0-9]*$' "$demo_out"
tap_check "demo-oauth: the SDK client called whoami as the subject" grep -q '^whoami: user acct-0001-alice,' "$demo_out"
tap_end
