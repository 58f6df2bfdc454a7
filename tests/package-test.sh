#!/bin/sh
# The Debian package, end to end, on this machine (run by .ci/run after
# make check, as root, from the build directory): builds it with
# dpkg-buildpackage from the release tarball, checks it with lintian
# (no error, no warning that debian/*.lintian-overrides does not explain),
# installs it with apt-get, enables it with a2enmod beside mod_proxy_http
# in a site of its own that proxies to an upstream on loopback, starts the
# system's apache2 with apache2ctl, and verifies the token the upstream
# gets with the installed tjwt against the JWKS the server serves. Then
# a2dismod, apt-get purge, and no file of the package may be left.
#
# What it changes it puts back: /etc/apache2 as it was (saved first), the
# package purged, apache2 stopped (it refuses to run when the system's
# apache2 is running). TAP on standard output, like make check's suites;
# exit status 1 when a check failed.
set -u
. "$(dirname "$0")/tap-lib.sh"
pkg=libapache2-mod-teleport-jwt

[ "$(id -u)" = 0 ] || tap_skip_all "not root: the package test installs a package"
for c in dpkg-buildpackage lintian apt-get a2enmod apache2ctl curl python3; do
    command -v "$c" >/dev/null 2>&1 || tap_skip_all "$c is missing: run ./bootstrap"
done
# Debian's apache2 environment: its pid file (envvars reads unset names).
set +u
# shellcheck disable=SC1091
. /etc/apache2/envvars
set -u
if [ -f "$APACHE_PID_FILE" ] && kill -0 "$(cat "$APACHE_PID_FILE")" 2>/dev/null; then
    tap_skip_all "the system's apache2 is running: not taking it over"
fi
dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'installed' &&
    tap_skip_all "$pkg is already installed: not replacing it"

tmp=$(mktemp -d /tmp/tjwt-package.XXXXXX)
chmod 755 "$tmp"
cp -a /etc/apache2 "$tmp/etc-apache2"
upstream_pid=
started=
cleanup() {
    [ -n "$started" ] && apache2ctl stop >/dev/null 2>&1
    [ -n "$upstream_pid" ] && kill "$upstream_pid" 2>/dev/null
    if dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'installed\|config-files'; then
        DEBIAN_FRONTEND=noninteractive apt-get purge -y -q "$pkg" >/dev/null 2>&1
    fi
    if [ -d "$tmp/etc-apache2" ]; then
        rm -rf /etc/apache2
        cp -a "$tmp/etc-apache2" /etc/apache2
    fi
    rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# --- build, from the release tarball (the native package's source) -------
mkdir "$tmp/dist"
make -C "$top_builddir" dist-gzip distdir="$tmp/dist/src" top_distdir="$tmp/dist/src" >&2
# The tarball names its files after the absolute distdir: strip it.
mkdir "$tmp/dist/src"
tar -xzf "$tmp/dist/src.tar.gz" -C "$tmp/dist/src" \
    --strip-components="$(printf '%s' "$tmp/dist/src" | tr -cd / | wc -c)"
(cd "$tmp/dist/src" && dpkg-buildpackage -us -uc -b) >&2
rc=$?
version=$(sed -n '1s/^[^ ]* (\([^)]*\)).*/\1/p' "$top_srcdir/debian/changelog")
deb=$tmp/dist/${pkg}_${version}_$(dpkg --print-architecture).deb
tap_check "dpkg-buildpackage -us -uc -b ($rc) makes $(basename "$deb")" test "$rc" -eq 0 -a -f "$deb"

if [ -f "$deb" ]; then
    lintian --fail-on error,warning --display-info "$tmp"/dist/*.changes >"$tmp/lintian" 2>&1
    rc=$?
    cat "$tmp/lintian" >&2
    tap_check "lintian: no error, no warning ($rc)" test "$rc" -eq 0
    contents=$(dpkg-deb -c "$deb" | awk '{print $6}' | sed 's|^\./|/|')
    for f in /usr/lib/apache2/modules/mod_teleport_jwt.so /usr/bin/tjwt \
        /etc/apache2/mods-available/teleport_jwt.load \
        /etc/apache2/mods-available/teleport_jwt.conf \
        /usr/share/man/man1/tjwt.1.gz /usr/share/man/man8/mod_teleport_jwt.8.gz \
        /usr/share/doc/$pkg/copyright /usr/share/doc/$pkg/directives.md.gz \
        /usr/share/doc/$pkg/changelog.Debian.gz; do
        tap_check "the package holds $f" sh -c 'printf "%s\n" "$1" | grep -qx "$2"' _ "$contents" "$f"
    done
    depends=$(dpkg-deb -f "$deb" Depends)
    tap_check "Depends: the libraries and the Apache API ($depends)" \
        sh -c 'case "$1" in *libssl3*apache2-api-*|*apache2-api-*libssl3*) ;; *libcrypto3*apache2-api-*) ;; *) exit 1 ;; esac' _ "$depends"
    tap_check "teleport_jwt.conf enables nothing (every line a comment)" \
        sh -c '! dpkg-deb --fsys-tarfile "$1" | tar -xOf - ./etc/apache2/mods-available/teleport_jwt.conf | grep -v "^#" | grep -q .' _ "$deb"
fi
[ -f "$deb" ] || { echo "1..$tap_n"; exit 1; }

# --- install, enable, serve ------------------------------------------------
cp "$deb" "$tmp/"
(cd "$tmp" && DEBIAN_FRONTEND=noninteractive apt-get install -y -q "./$(basename "$deb")") >&2
tap_check "apt-get install ./$(basename "$deb")" sh -c 'dpkg-query -W "$1" >&2' _ "$pkg"
listed=$(dpkg -L "$pkg")

free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}
port=$(free_port)
up=$(free_port)
# An upstream that answers with the assertion it received.
python3 - "$up" >"$tmp/upstream.log" 2>&1 <<'PY' &
import http.server, sys
class H(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        body = (self.headers.get("Teleport-Jwt-Assertion") or "").encode()
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
http.server.HTTPServer(("127.0.0.1", int(sys.argv[1])), H).serve_forever()
PY
upstream_pid=$!

# Loopback only: this port instead of Debian's Listen 80, the default
# site off; both come back with /etc/apache2.
echo "Listen 127.0.0.1:$port" >/etc/apache2/ports.conf
htpasswd -bc /etc/apache2/tjwt-package-test.htpasswd alice secret >/dev/null 2>&1
cat >/etc/apache2/sites-available/tjwt-package-test.conf <<CONF
<VirtualHost 127.0.0.1:$port>
    ServerName package-test.example
    <Location /app>
        AuthType Basic
        AuthName "package test"
        AuthUserFile /etc/apache2/tjwt-package-test.htpasswd
        Require valid-user
        TeleportJWT On
        TeleportJWTIssuer package-test.example
        TeleportJWTAudience http://127.0.0.1:$up
        ProxyPass http://127.0.0.1:$up/app
    </Location>
    <Location /.well-known/jwks.json>
        SetHandler teleport-jwks
        Require all granted
    </Location>
</VirtualHost>
CONF
a2dissite -q 000-default >&2
tap_check "a2enmod teleport_jwt proxy_http" a2enmod -q teleport_jwt proxy_http
tap_check "a2ensite tjwt-package-test" a2ensite -q tjwt-package-test
tap_check "apache2ctl configtest" sh -c 'apache2ctl configtest >&2 2>&1'
apache2ctl start >&2 2>&1 && started=1
i=0
while [ $i -lt 50 ] && ! curl -s -o /dev/null "http://127.0.0.1:$port/"; do
    sleep 0.2
    i=$((i + 1))
done
tap_check "apache2ctl start" test -n "$started"
tap_check "without credentials: 401" \
    test "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/app/")" = 401
token=$(curl -s -u alice:secret -H 'Teleport-Jwt-Assertion: forged' "http://127.0.0.1:$port/app/")
tap_check "the upstream gets a token, not the client's header" \
    sh -c 'case "$1" in ey*.*.*) ;; *) exit 1 ;; esac' _ "$token"
/usr/bin/tjwt verify --jwks "http://127.0.0.1:$port/.well-known/jwks.json" \
    --issuer package-test.example --audience "http://127.0.0.1:$up" \
    --token "$token" >"$tmp/claims" 2>&1
rc=$?
cat "$tmp/claims" >&2
tap_check "tjwt verify: the token verifies against the served JWKS ($rc)" test "$rc" -eq 0
tap_check "... and names alice" grep -q '"sub": "alice"' "$tmp/claims"
tap_check "the generated key is where the docs say" \
    test -f /etc/apache2/teleport-jwt/signing-key.pem

# --- stop, disable, purge: nothing left -------------------------------------
apache2ctl stop >&2 2>&1
i=0
while [ $i -lt 50 ] && [ -f "$APACHE_PID_FILE" ]; do
    sleep 0.2
    i=$((i + 1))
done
tap_check "apache2ctl stop" test ! -f "$APACHE_PID_FILE"
started=
a2dissite -q tjwt-package-test >&2
tap_check "a2dismod teleport_jwt" a2dismod -q teleport_jwt
(DEBIAN_FRONTEND=noninteractive apt-get purge -y -q "$pkg") >&2
tap_check "apt-get purge" sh -c '! dpkg-query -W -f="\${Status}" "$1" 2>/dev/null | grep -q "installed\|config-files"' _ "$pkg"
left=$(printf '%s\n' "$listed" | while read -r f; do
    [ -f "$f" ] || [ -L "$f" ] && echo "$f"
done)
left="$left$(find /etc/apache2 -name '*teleport*jwt*' 2>/dev/null)"
[ -n "$left" ] && { echo "== left behind:"; printf '%s\n' "$left"; } >&2
tap_check "no file of the package is left (dpkg -L before, the file system after)" test -z "$left"

echo "1..$tap_n"
[ "$tap_bad" -eq 0 ]
