#!/bin/bash
# mod_teleport_jwt demo: a private Apache on 127.0.0.1 that authenticates
# alice with Basic auth, signs a Teleport JWT for her and proxies to an
# echo backend and to the sample MCP server (mcp/server); then a self-check
# verifies the token the backend received against the JWKS that Apache
# serves, and calls the MCP server's whoami through Apache with the MCP
# SDK's client, printing what the server verified. See docs/demo.md.
#
# Run as `make demo` from the build directory (the current directory holds
# the build outputs; the sources are found next to this script), which
# passes the programs configure found: APXS, HTTPD, APACHECTL, PYTHON3
# (without them, Debian's paths).
# Environment:
#   DEMO_PORT          Apache's port          (default 8780)
#   DEMO_BACKEND_PORT  the echo backend's port (default 8781)
#   DEMO_MCP_PORT      the MCP server's port   (default 8782)
#   DEMO_PASSWORD      alice's password       (default: random per run)
#   DEMO_ONCE=1        stop after the self-check; exit 0 only if all of it passed

# make runs this with $(SHELL); the script needs bash whatever that is.
if [ -z "${BASH_VERSION:-}" ]; then exec bash "$0" "$@"; fi
set -eu
set -o pipefail
# Apache's children may run as another user, and must be able to read
# the password file; a restrictive umask of the caller would stop them.
umask 022

srcdir=$(cd "$(dirname "$0")/.." && pwd -P)
builddir=$(pwd -P)
apache2=${HTTPD:-/usr/sbin/apache2}
apachectl=${APACHECTL:-/usr/sbin/apachectl}
apxs=${APXS:-apxs}
module=$builddir/.libs/mod_teleport_jwt.so
# The system Python (configure looks in /usr/bin first): it has Debian's
# python3-jwt, which a python3 found first on PATH (pyenv, a venv) may
# not have.
python=${PYTHON3:-/usr/bin/python3}
port=${DEMO_PORT:-8780}
backend_port=${DEMO_BACKEND_PORT:-8781}
mcp_port=${DEMO_MCP_PORT:-8782}
user=alice
issuer=demo.local
once=${DEMO_ONCE:-0}

say() { printf '%s\n' "$*"; }
die() {
    printf 'demo: %s\n' "$*" >&2
    exit 1
}

# --- checks before anything is started ----------------------------------

[ -f "$module" ] || die "$module not found; run make first"
[ -x "$apache2" ] || die "$apache2 not found; install apache2"
[ -x "$apachectl" ] || die "$apachectl not found; install apache2"
# Where httpd's own modules are (mod_proxy...): apxs's LIBEXECDIR.
moddir=$("$apxs" -q LIBEXECDIR) || die "$apxs -q LIBEXECDIR failed; install apache2-dev"
[ -f "$moddir/mod_proxy_http.so" ] || die "$moddir has no Apache modules; install apache2"
command -v htpasswd >/dev/null || die "htpasswd not found; install apache2-utils"
command -v curl >/dev/null || die "curl not found; install curl"
"$python" -c 'import jwt, cryptography' 2>/dev/null ||
    die "$python cannot import jwt and cryptography; install python3-jwt and python3-cryptography"
node=$(command -v node || command -v nodejs) || die "node not found; run ./bootstrap (it installs nodejs and npm)"
[ -d "$srcdir/mcp/server/node_modules/@modelcontextprotocol/sdk" ] ||
    die "mcp/server/node_modules is missing; run ./bootstrap (or: cd mcp/server && npm ci)"
case $builddir in
*[\"\\]* | *$'\n'*) die "the build directory path ($builddir) has a quote, backslash or newline, which the Apache configuration cannot hold" ;;
esac

check_port() { # name value
    case $2 in
    '' | *[!0-9]*) die "$1=$2 is not a port number" ;;
    esac
    if [ "$2" -lt 1 ] || [ "$2" -gt 65535 ]; then
        die "$1=$2 is not a port number (1-65535)"
    fi
}
check_port DEMO_PORT "$port"
check_port DEMO_BACKEND_PORT "$backend_port"
check_port DEMO_MCP_PORT "$mcp_port"
[ "$port" != "$backend_port" ] || die "DEMO_PORT and DEMO_BACKEND_PORT must differ (both $port)"
[ "$mcp_port" != "$port" ] && [ "$mcp_port" != "$backend_port" ] ||
    die "DEMO_MCP_PORT ($mcp_port) must differ from DEMO_PORT and DEMO_BACKEND_PORT"

password=${DEMO_PASSWORD:-$("$python" -c 'import secrets; print(secrets.token_urlsafe(9))')}
case $password in
'' | *[!A-Za-z0-9._~-]*) die "DEMO_PASSWORD may only hold letters, digits and . _ ~ - (so that the printed curl commands work as they are)" ;;
esac

# A port counts as free if a listener could bind it right now: the bind
# uses SO_REUSEADDR, as Apache and the backend do, so connections of a
# previous run still in TIME_WAIT do not count as busy.
port_free() {
    "$python" -c '
import socket, sys
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
try:
    s.bind(("127.0.0.1", int(sys.argv[1])))
except OSError:
    sys.exit(1)
' "$1"
}

rundir=$builddir/build/demo
conf=$rundir/conf/httpd.conf
pidfile=$rundir/run/httpd.pid

backend_pidfile=$rundir/run/backend.pid
mcp_pidfile=$rundir/run/mcp.pid

# The pid files of the three processes (Apache writes its own; this
# script writes the backend's and the MCP server's), read in one place:
# running PIDFILE WORD prints the pid PIDFILE names if that process is
# alive and WORD is in its command line (a pid file of a killed run may
# name a pid reused since). A zombie has an empty command line: stopped.
running() {
    local pid
    [ -s "$1" ] || return 1
    pid=$(cat -- "$1" 2>/dev/null)
    case $pid in '' | *[!0-9]*) return 1 ;; esac
    tr '\0' ' ' 2>/dev/null <"/proc/$pid/cmdline" | grep -qF -- "$2" || return 1
    printf '%s\n' "$pid"
}

# stop_pidfile PIDFILE WORD: TERM to that process, KILL if it is still
# there 5 s later (Apache stops its children first), then its pid file
# goes; a child of this script is reaped.
# shellcheck disable=SC2317 # called from cleanup, the EXIT trap
stop_pidfile() {
    local pid i
    if pid=$(running "$1" "$2"); then
        kill -TERM "$pid" 2>/dev/null || true
        for ((i = 0; i < 100; i++)); do
            running "$1" "$2" >/dev/null || break
            sleep 0.05
        done
        if running "$1" "$2" >/dev/null; then
            say "demo: process $pid ($2) did not stop within 5 s; killing it" >&2
            kill -KILL "$pid" 2>/dev/null || true
        fi
        wait "$pid" 2>/dev/null || true
    fi
    rm -f -- "$1"
}

# A demo that was killed without its cleanup (kill -9, a crash) leaves
# its processes running, or at least their pid files.
leftovers=
leftover() { # PIDFILE WORD
    local pid
    if pid=$(running "$1" "$2"); then
        leftovers="$leftovers"$'\n'"  kill $pid"
    else
        rm -f -- "$1"
    fi
}
leftover "$pidfile" "$conf"
leftover "$backend_pidfile" demo/echo_backend.py
leftover "$mcp_pidfile" mcp/server/server.mjs
[ -z "$leftovers" ] || die "a previous demo run is still running; stop it with:$leftovers"
port_free "$port" ||
    die "port $port on 127.0.0.1 is in use; free it or choose another with DEMO_PORT=<port>"
port_free "$backend_port" ||
    die "port $backend_port on 127.0.0.1 is in use; free it or choose another with DEMO_BACKEND_PORT=<port>"
port_free "$mcp_port" ||
    die "port $mcp_port on 127.0.0.1 is in use; free it or choose another with DEMO_MCP_PORT=<port>"

# --- cleanup, armed before the first process starts -----------------------

backend_pid=
mcp_pid=
httpd_pid=
httpd_started=
tmp_rundir=

# shellcheck disable=SC2317 # called from cleanup, the EXIT trap
stop_httpd() {
    running "$pidfile" "$conf" >/dev/null || return 0
    "$apachectl" -d "$rundir" -f "$conf" -k stop >/dev/null 2>&1 || true
    stop_pidfile "$pidfile" "$conf"
}

# shellcheck disable=SC2317 # the EXIT trap
cleanup() {
    local rc=$?
    trap - EXIT INT TERM HUP
    set +e
    stop_httpd
    stop_pidfile "$mcp_pidfile" mcp/server/server.mjs
    stop_pidfile "$backend_pidfile" demo/echo_backend.py
    if [ -n "$tmp_rundir" ]; then
        case $tmp_rundir in
        /tmp/tjwt-demo.*) rm -rf -- "$tmp_rundir" ;;
        esac
    fi
    if [ -n "$httpd_started" ]; then
        say "demo: stopped Apache, the echo backend and the MCP server"
    elif [ -n "$backend_pid" ]; then
        say "demo: stopped the echo backend${mcp_pid:+ and the MCP server}"
    fi
    exit "$rc"
}
trap cleanup EXIT
trap 'echo; exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP

# --- the run directory (Apache's ServerRoot) ------------------------------

make_rundir() {
    mkdir -p "$rundir/conf" "$rundir/logs" "$rundir/run" "$rundir/htdocs"
    # bcrypt (-B), password from stdin (-i) so that it never shows in ps.
    if ! out=$(printf '%s\n' "$password" | htpasswd -c -B -i "$rundir/htpasswd" "$user" 2>&1); then
        die "htpasswd failed: $out"
    fi
}

if [ "$(id -u)" -eq 0 ]; then
    # As root, Apache's children switch to an unprivileged user; they read
    # the password file on every request, so it must be readable for them.
    if id daemon >/dev/null 2>&1; then
        run_user=daemon
    elif id nobody >/dev/null 2>&1; then
        run_user=nobody
    else
        die "running as root, but there is neither a daemon nor a nobody user for Apache's children"
    fi
    run_group=$(id -gn "$run_user")
    command -v runuser >/dev/null || die "runuser not found; install util-linux"
    make_rundir
    if ! runuser -u "$run_user" -- test -r "$rundir/htpasswd"; then
        # E.g. a clone under /root (mode 700). The signing key only needs
        # root, but the children need the password file; a directory in
        # /tmp serves both, at the price of a new key each run.
        rm -f -- "$rundir/htpasswd"
        say "note: $rundir is not readable by user $run_user; running from a temporary directory instead (removed on exit, so the signing key is new each run)"
        tmp_rundir=$(mktemp -d /tmp/tjwt-demo.XXXXXX)
        chmod 755 "$tmp_rundir"
        rundir=$tmp_rundir
        conf=$rundir/conf/httpd.conf
        pidfile=$rundir/run/httpd.pid
        backend_pidfile=$rundir/run/backend.pid
        mcp_pidfile=$rundir/run/mcp.pid
        make_rundir
        runuser -u "$run_user" -- test -r "$rundir/htpasswd" ||
            die "$rundir/htpasswd is not readable by user $run_user either"
    fi
    run_as="User $run_user"$'\n'"Group $run_group"
else
    make_rundir
    run_as="# Not started as root: the children run as $(id -un)."
fi

# The configuration, from the template. The signing key that the module
# generates on first start (teleport-jwt/signing-key.pem under the run
# directory) is left alone, so tokens stay verifiable across runs.
template=$(<"$srcdir/demo/httpd.conf.in")
template=${template//@PORT@/$port}
template=${template//@BACKEND_PORT@/$backend_port}
template=${template//@MCP_PORT@/$mcp_port}
template=${template//@MODDIR@/$moddir}
template=${template//@MODULE@/$module}
template=${template//@RUN_AS@/$run_as}
case $template in
*@[A-Z_]*@*) die "demo/httpd.conf.in has a placeholder that demo.sh does not fill" ;;
esac
printf '%s\n' "$template" >"$conf"
# Each run's log starts empty, so that a failure shows this run's errors.
: >"$rundir/logs/error_log"

base=http://127.0.0.1:$port
backend=http://127.0.0.1:$backend_port
mcp_url=$base/mcp
jwks_url=$base/.well-known/jwks.json

error_log_tail() {
    [ -s "$rundir/logs/error_log" ] || return 0
    say "--- last lines of $rundir/logs/error_log ---" >&2
    tail -n 20 "$rundir/logs/error_log" >&2 || true
}

# --- start the echo backend, then Apache ----------------------------------

"$python" "$srcdir/demo/echo_backend.py" --port "$backend_port" \
    >"$rundir/logs/backend.log" 2>&1 &
backend_pid=$!
echo "$backend_pid" >"$backend_pidfile"

# Polls until `curl $@` succeeds: 200 × 50 ms at most, so a start that
# hangs fails within 10 s, and a fast one is noticed at once.
wait_for() { # check-alive-function curl-arguments...
    local alive=$1 i
    shift
    for ((i = 0; i < 200; i++)); do
        if curl -s -o /dev/null --noproxy '*' --max-time 2 "$@"; then return 0; fi
        "$alive" || return 1
        sleep 0.05
    done
    return 1
}
# shellcheck disable=SC2317 # called by wait_for as "$alive"
backend_alive() { kill -0 "$backend_pid" 2>/dev/null; }
# shellcheck disable=SC2317 # called by wait_for as "$alive"
httpd_alive() {
    # Until Apache has written its pid file it counts as starting.
    [ -s "$pidfile" ] || return 0
    httpd_pid=$(running "$pidfile" "$conf")
}

if ! wait_for backend_alive "$backend/"; then
    say "demo: the echo backend did not start; its log:" >&2
    cat "$rundir/logs/backend.log" >&2 || true
    exit 1
fi

# The sample MCP server: it trusts a request only with a token that
# verifies against Apache's JWKS, for issuer demo.local and its own URI.
"$node" "$srcdir/mcp/server/server.mjs" --port "$mcp_port" \
    --jwks-url "$jwks_url" --issuer "$issuer" --audience "$mcp_url" \
    >"$rundir/logs/mcp.log" 2>&1 &
mcp_pid=$!
echo "$mcp_pid" >"$mcp_pidfile"
# shellcheck disable=SC2317 # called by wait_for as "$alive"
mcp_alive() { kill -0 "$mcp_pid" 2>/dev/null; }
# Any HTTP answer will do: without a token it is 401.
if ! wait_for mcp_alive "http://127.0.0.1:$mcp_port/mcp"; then
    say "demo: the MCP server did not start; its log:" >&2
    cat "$rundir/logs/mcp.log" >&2 || true
    exit 1
fi

httpd_started=1
if ! out=$("$apache2" -d "$rundir" -f "$conf" -k start 2>&1); then
    say "demo: Apache did not start${out:+:}" >&2
    [ -z "$out" ] || printf '%s\n' "$out" >&2
    error_log_tail
    exit 1
fi
[ -z "$out" ] || printf '%s\n' "$out"
if ! wait_for httpd_alive -f "$jwks_url"; then
    say "demo: Apache did not come up on $base" >&2
    error_log_tail
    exit 1
fi
httpd_pid=$(running "$pidfile" "$conf")

# --- what to try --------------------------------------------------------

cat <<EOF
mod_teleport_jwt demo is up
  Apache        $base/  (pid $httpd_pid, ServerRoot $rundir)
  echo backend  $backend/  (pid $backend_pid)
  MCP server    $mcp_url through Apache (pid $mcp_pid, direct http://127.0.0.1:$mcp_port/mcp answers 401)
  credentials   user $user, password $password

Try:
  curl -u $user:$password $base/app/
  curl $jwks_url
  MCP_PASSWORD=$password node $srcdir/mcp/server/client.mjs --url $mcp_url --user $user
  logs: $rundir/logs/

Self-check: GET /app/ as $user, with a forged Teleport-Jwt-Assertion header
that the module must replace, then verify what the backend received.
EOF

# The password goes to curl on stdin (-K -), not on its command line.
if ! response=$(printf 'user = "%s:%s"\n' "$user" "$password" |
    curl -sS --noproxy '*' --max-time 10 -K - \
        -H 'Teleport-Jwt-Assertion: forged-by-the-client' \
        -w '\n%{http_code}' "$base/app/"); then
    error_log_tail
    die "the request to $base/app/ failed"
fi
status=${response##*$'\n'}
body=${response%$'\n'*}
verified=0
if [ "$status" != 200 ]; then
    say "demo: $base/app/ answered $status, not 200:" >&2
    printf '%s\n' "$body" >&2
    error_log_tail
elif printf '%s\n' "$body" | "$python" "$srcdir/demo/verify_token.py" \
    --echo-json - --jwks-url "$jwks_url" --audience "$backend" \
    --issuer "$issuer" --subject "$user" --leeway 60; then
    verified=1
fi

say ""
say "MCP: the SDK client calls whoami through Apache as $user; the MCP server"
say "verified the token of each request (jose, against $jwks_url):"
mcp_verified=0
# The password goes to the client in its environment, not on its command line.
if MCP_PASSWORD=$password "$node" "$srcdir/mcp/server/client.mjs" \
    --url "$mcp_url" --user "$user" --expect-user "$user"; then
    mcp_verified=1
else
    say "demo: the MCP check failed; the MCP server's log:" >&2
    tail -n 20 "$rundir/logs/mcp.log" >&2 || true
    error_log_tail
fi

if [ "$once" = 1 ]; then
    [ "$verified" = 1 ] || die "self-check failed: the echo backend's token did not verify"
    [ "$mcp_verified" = 1 ] || die "self-check failed: the MCP check did not pass"
    say "DEMO_ONCE=1: self-check passed, stopping"
    exit 0
fi

[ "$verified" = 1 ] && [ "$mcp_verified" = 1 ] ||
    say "demo: self-check FAILED; still serving so that you can look into it" >&2
say ""
say "Serving until Ctrl-C."
# Returns when the backend or the MCP server exits or a signal arrives
# (the trap then stops everything).
wait -n "$backend_pid" "$mcp_pid" || true
die "the echo backend or the MCP server exited unexpectedly; see $rundir/logs/backend.log and mcp.log"
