#!/bin/sh
# make demo-oauth: the MCP authorization flow on loopback. An OAuth
# authorization server (oidc-provider, HTTPS with a test CA made here),
# a private Apache with the module as the protected resource (AuthType
# TeleportOAuth) and the sample MCP server behind it; demo/oauth-demo.mjs
# starts them and prints their URLs. See docs/demo.md.
#
# Run from the build directory (make demo-oauth). Environment:
#   DEMO_OAUTH_PORT     Apache's port                    (default 8790; 0: any free port)
#   DEMO_OAUTH_AS_PORT  the authorization server's port  (default 8791; 0: any free port)
#   DEMO_ONCE=1         run the MCP SDK client's whole flow once, then stop;
#                       exit 0 only if its tool call succeeded
set -eu
umask 022
srcdir=$(cd "$(dirname "$0")/.." && pwd -P)
builddir=$(pwd -P)

die() {
    printf 'demo-oauth: %s\n' "$*" >&2
    exit 1
}
node=$(command -v node || command -v nodejs) || die "node not found; run ./bootstrap"
# oidc-provider 9 needs Node.js 20.12 or later.
"$node" -e 'const [a, b] = process.versions.node.split(".").map(Number); process.exit(a > 20 || (a === 20 && b >= 12) ? 0 : 1)' ||
    die "oidc-provider needs Node.js 20.12 or later; this is $("$node" --version)"
module=${TJWT_MODULE:-$builddir/.libs/mod_teleport_jwt.so}
[ -f "$module" ] || die "$module not found; run make first"
for d in mcp/server tests tests/oauth-e2e; do
    [ -d "$srcdir/$d/node_modules" ] || die "$d/node_modules is missing; run ./bootstrap (or: cd $d && npm ci)"
done

# The test CA: Node reads extra CAs at start-up only.
ca=$(mktemp -d /tmp/tjwt-oauth-demo-ca.XXXXXX)
trap 'rm -rf "$ca"' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
sh "$srcdir/tests/oauth-e2e/make-ca.sh" "$ca"

TJWT_MODULE=$module
TJWT_BUILD_DIR=$builddir
TJWT_HTTPD=${HTTPD:-/usr/sbin/apache2}
TJWT_APACHE_MODULES=${TJWT_APACHE_MODULES:-$(${APXS:-apxs} -q LIBEXECDIR 2>/dev/null || echo /usr/lib/apache2/modules)}
TJWT_OAUTH_CA_DIR=$ca
NODE_EXTRA_CA_CERTS=$ca/ca.pem
export TJWT_MODULE TJWT_BUILD_DIR TJWT_HTTPD TJWT_APACHE_MODULES TJWT_OAUTH_CA_DIR NODE_EXTRA_CA_CERTS
# Not exec: the trap removes the CA when node ends.
"$node" "$srcdir/demo/oauth-demo.mjs"
