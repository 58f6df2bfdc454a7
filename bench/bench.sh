#!/bin/sh
# make bench: what the module costs a proxy, measured with wrk against a
# private httpd on loopback, all rows in one run (docs/performance.md).
#
#   plain-basic   mod_proxy with Basic auth, module not configured
#   plain-header  mod_proxy with no auth, module not configured
#   hit    (alg)  Basic auth, module on: five users, so every token but the
#                 first few comes from the (default, in-process) cache
#   miss   (alg)  module on, TeleportJWTUser "%{HTTP:X-Bench-User}" and a
#                 new user on every request: every request signs. The user
#                 comes from a header so that no password hash is in the
#                 way; its baseline is plain-header.
#
# for RS256, ES256 and EdDSA keys. The front httpd's CPU time (parent and
# children, from /proc) is divided by the requests wrk counted; the
# upstream is a separate httpd whose CPU is not counted. The raw signature
# cost comes from `openssl speed` in the same run.
#
# Each row runs BENCH_ROUNDS times (default 4) for BENCH_SECONDS (default
# 3) after a one-second warm-up that is not measured; the table gives the
# best round of each row (see the note it prints). About four minutes.
set -eu

srcdir=$(cd "$(dirname "$0")/.." && pwd)
builddir=$(pwd)
HTTPD=${HTTPD:-$(sed -n 's/^HTTPD = //p' "$builddir/Makefile" 2>/dev/null || true)}
HTTPD=${HTTPD:-/usr/sbin/apache2}
APXS=${APXS:-$(sed -n 's/^APXS = //p' "$builddir/Makefile" 2>/dev/null || true)}
MODS=$("${APXS:-apxs}" -q LIBEXECDIR)
MODULE="$builddir/.libs/mod_teleport_jwt.so"
SECONDS_PER_ROW=${BENCH_SECONDS:-3}
ROUNDS=${BENCH_ROUNDS:-4}
CONNS=8
TICK=$(getconf CLK_TCK)

for tool in wrk openssl htpasswd curl; do
    command -v "$tool" >/dev/null 2>&1 ||
        { echo "bench: $tool not found; run ./bootstrap" >&2; exit 1; }
done
[ -f "$MODULE" ] || { echo "bench: $MODULE not built; run make" >&2; exit 1; }

# Under /tmp and world-readable: as root, httpd's children run as nobody.
work=$(mktemp -d /tmp/tjwt-bench.XXXXXX)
chmod 755 "$work"
front_pid=""
back_pid=""
cleanup() {
    for conf in front back; do
        [ -f "$work/$conf.pid" ] &&
            "$HTTPD" -d "$work" -f "$work/$conf.conf" -k stop >/dev/null 2>&1
    done
    # Bounded wait for both parents to go before the directory does.
    i=0
    while [ $i -lt 100 ] && { [ -f "$work/front.pid" ] || [ -f "$work/back.pid" ]; }; do
        sleep 0.1
        i=$((i + 1))
    done
    rm -rf "$work"
}
trap cleanup EXIT INT TERM

free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}
PB=$(free_port)
PRS=$(free_port)
PES=$(free_port)
PED=$(free_port)

# --- keys, users, scripts --------------------------------------------------
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$work/rs256.pem" 2>/dev/null
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$work/es256.pem" 2>/dev/null
openssl genpkey -algorithm ED25519 -out "$work/eddsa.pem" 2>/dev/null
# {SHA} hashes: the cheapest htpasswd format, so that the password check
# stays small next to the proxying; it is in both rows it compares anyway.
auth_lua=""
for u in 1 2 3 4 5; do
    if [ "$u" = 1 ]; then c=-bcs; else c=-bs; fi
    htpasswd $c "$work/htpasswd" "user$u" "secret$u" 2>/dev/null
    cred=$(printf 'user%s:secret%s' "$u" "$u" | base64)
    auth_lua="$auth_lua\"Basic $cred\","
done
chmod 644 "$work/htpasswd"
cat >"$work/users.lua" <<EOF
-- A handful of Basic-auth users in turn: after the first request of
-- each, their tokens come from the cache.
local auth = { $auth_lua }
local i = 0
request = function()
    i = i % #auth + 1
    return wrk.format(nil, nil, { ["Authorization"] = auth[i] })
end
EOF
cat >"$work/unique.lua" <<'EOF'
-- A new identity on every request: no token can come from the cache.
local prefix, n = "", 0
init = function(args)
    prefix = (args[1] or "row") .. "-" .. tostring(os.time()) .. "-"
end
request = function()
    n = n + 1
    return wrk.format(nil, nil, { ["X-Bench-User"] = prefix .. n })
end
EOF
mkdir -p "$work/htdocs"
printf 'ok\n' >"$work/htdocs/index.html"

# --- the upstream: a separate httpd serving a small static page ------------
cat >"$work/back.conf" <<EOF
ServerRoot $work
ServerName backend.bench
Listen 127.0.0.1:$PB
PidFile $work/back.pid
ErrorLog $work/back-error.log
LogLevel warn
LoadModule mpm_event_module $MODS/mod_mpm_event.so
LoadModule authz_core_module $MODS/mod_authz_core.so
$( [ "$(id -u)" = 0 ] && printf 'User nobody\nGroup nogroup\n' )
StartServers 1
ServerLimit 1
ThreadsPerChild 32
MaxRequestWorkers 32
KeepAlive On
MaxKeepAliveRequests 0
DocumentRoot $work/htdocs
<Directory $work/htdocs>
    Require all granted
</Directory>
EOF

# --- the front end ----------------------------------------------------------
# Two processes, fixed, so that none is started or reaped during a row.
vhost() { # port key
    cat <<EOF
Listen 127.0.0.1:$1
<VirtualHost 127.0.0.1:$1>
    ServerName bench.test
    TeleportJWTSigningKey $work/$2.pem
</VirtualHost>
EOF
}
cat >"$work/front.conf" <<EOF
ServerRoot $work
ServerName bench.test
PidFile $work/front.pid
ErrorLog $work/front-error.log
LogLevel warn
LoadModule mpm_event_module $MODS/mod_mpm_event.so
LoadModule authn_core_module $MODS/mod_authn_core.so
LoadModule authn_file_module $MODS/mod_authn_file.so
LoadModule authz_core_module $MODS/mod_authz_core.so
LoadModule authz_user_module $MODS/mod_authz_user.so
LoadModule auth_basic_module $MODS/mod_auth_basic.so
LoadModule proxy_module $MODS/mod_proxy.so
LoadModule proxy_http_module $MODS/mod_proxy_http.so
LoadModule teleport_jwt_module $MODULE
$( [ "$(id -u)" = 0 ] && printf 'User nobody\nGroup nogroup\n' )
StartServers 2
ServerLimit 2
ThreadsPerChild 16
MinSpareThreads 16
MaxSpareThreads 64
MaxRequestWorkers 32
KeepAlive On
MaxKeepAliveRequests 0
$(vhost "$PRS" rs256)
$(vhost "$PES" es256)
$(vhost "$PED" eddsa)
<Location /plain-basic>
    AuthType Basic
    AuthName bench
    AuthUserFile $work/htpasswd
    Require valid-user
    ProxyPass http://127.0.0.1:$PB/index.html
</Location>
<Location /plain-header>
    Require all granted
    ProxyPass http://127.0.0.1:$PB/index.html
</Location>
<Location /hit>
    AuthType Basic
    AuthName bench
    AuthUserFile $work/htpasswd
    Require valid-user
    TeleportJWT On
    ProxyPass http://127.0.0.1:$PB/index.html
</Location>
<Location /miss>
    Require all granted
    TeleportJWT On
    TeleportJWTUser "%{HTTP:X-Bench-User}"
    ProxyPass http://127.0.0.1:$PB/index.html
</Location>
EOF

# With two CPUs or more the front httpd gets CPU 0 and the load generator
# and the upstream share CPU 1: the front's time per request is then not
# disturbed by wrk and the upstream competing for its core.
FRONT_CPU="" REST_CPU=""
if [ "$(nproc)" -ge 2 ] && command -v taskset >/dev/null 2>&1; then
    FRONT_CPU="taskset -c 0"
    REST_CPU="taskset -c 1"
fi
$REST_CPU "$HTTPD" -d "$work" -f "$work/back.conf" -k start
$FRONT_CPU "$HTTPD" -d "$work" -f "$work/front.conf" -k start
i=0
until curl -sf -o /dev/null -u user1:secret1 "http://127.0.0.1:$PRS/hit" &&
      curl -sf -o /dev/null -H 'X-Bench-User: probe' "http://127.0.0.1:$PED/miss"; do
    i=$((i + 1))
    [ $i -lt 100 ] || { echo "bench: httpd did not come up" >&2; cat "$work"/*error.log >&2; exit 1; }
    sleep 0.1
done
front_pid=$(cat "$work/front.pid")

# Clock ticks used by the front httpd so far: its processes' own time,
# plus what reaped children left in the parent's cutime/cstime.
front_ticks() {
    {
        awk '{print $14 + $15 + $16 + $17}' "/proc/$front_pid/stat"
        for c in $(pgrep -P "$front_pid"); do
            awk '{print $14 + $15}' "/proc/$c/stat" 2>/dev/null || true
        done
    } | awk '{s += $1} END {print s}'
}

# Busy clock ticks of CPU 0 (user, nice, system, irq, softirq, steal): with
# the front httpd alone on it, the rest is other load that disturbs it.
cpu0_ticks() {
    awk '/^cpu0 / {print $2 + $3 + $4 + $7 + $8 + $9}' /proc/stat
}

# row NAME PORT PATH SCRIPT ALG: one measurement, appended to $results.
results="$work/results"
: >"$results"
row() {
    url="http://127.0.0.1:$2$3"
    $REST_CPU wrk -t1 -c"$CONNS" -d1s -s "$work/$4" "$url" -- "$1-warm-$round" >/dev/null
    before=$(front_ticks)
    before0=$(cpu0_ticks)
    out=$($REST_CPU wrk -t1 -c"$CONNS" -d"${SECONDS_PER_ROW}s" --latency -s "$work/$4" "$url" -- "$1-$round")
    after=$(front_ticks)
    after0=$(cpu0_ticks)
    other=0
    [ -n "$FRONT_CPU" ] && other=$(awk -v b=$((after0 - before0 - (after - before))) \
        -v t=$((SECONDS_PER_ROW * TICK)) 'BEGIN {o = 100 * b / t; printf "%.0f", o < 0 ? 0 : o}')
    reqs=$(printf '%s\n' "$out" | awk '/requests in/ {print $1}')
    rps=$(printf '%s\n' "$out" | awk '/^Requests\/sec:/ {print $2}')
    p50=$(printf '%s\n' "$out" | awk '$1 == "50%" {print $2}')
    p99=$(printf '%s\n' "$out" | awk '$1 == "99%" {print $2}')
    bad=$(printf '%s\n' "$out" | awk '/Non-2xx/ {print $NF}')
    errs=$(printf '%s\n' "$out" | awk '/Socket errors/ {n = 0; for (i = 1; i <= NF; i++) if ($i ~ /^[0-9]+,?$/) n += $i; print n}')
    cpu=$(awk -v t=$((after - before)) -v r="$reqs" -v hz="$TICK" \
        'BEGIN {printf "%.1f", t * 1e6 / hz / r}')
    echo "$1 $5 $rps $cpu $p50 $p99 $((${bad:-0} + ${errs:-0})) $other" >>"$results"
    printf '  round %d  %-12s %-6s %9s req/s %7s us CPU/req  p50 %-8s p99 %-8s other load %s%%\n' \
        "$round" "$1" "$5" "$rps" "$cpu" "$p50" "$p99" "$other"
}

echo "mod_teleport_jwt benchmark: $(nproc) CPUs, $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)"
echo "wrk -t1 -c$CONNS on loopback, $ROUNDS rounds of ${SECONDS_PER_ROW}s per row (each after a 1 s warm-up);"
echo "front httpd: event MPM, 2 processes${FRONT_CPU:+, on CPU 0 (wrk and the upstream on CPU 1)}"
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
echo
# Each row is measured next to its own baseline (plain-basic then hit,
# plain-header then miss), round after round, so that a burst of other
# load on the machine hits one round of every row rather than all of one.
# The plain rows are the same whatever the key; they are measured again
# for each key, which also shows how much the machine drifts.
round=1
while [ "$round" -le "$ROUNDS" ]; do
    for alg in RS256 ES256 EdDSA; do
        case $alg in RS256) port=$PRS ;; ES256) port=$PES ;; EdDSA) port=$PED ;; esac
        row plain-basic "$port" /plain-basic users.lua "$alg"
        row hit "$port" /hit users.lua "$alg"
        row plain-header "$port" /plain-header unique.lua "$alg"
        row miss "$port" /miss unique.lua "$alg"
    done
    round=$((round + 1))
done

echo "load average after the rows: $(cut -d' ' -f1-3 /proc/loadavg)"
echo
echo "openssl speed -seconds 2 rsa2048 ecdsap256 ed25519, twice ..."
# The better of two runs, like the rows: other load only ever slows it.
best() { awk 'NR == 1 || $1 > m {m = $1} END {print m}'; }
speed1=$(openssl speed -seconds 2 rsa2048 ecdsap256 ed25519 2>/dev/null)
speed2=$(openssl speed -seconds 2 rsa2048 ecdsap256 ed25519 2>/dev/null)
sign_rs=$(printf '%s\n%s\n' "$speed1" "$speed2" | awk '/^rsa 2048 bits/ {print $6}' | best)
sign_es=$(printf '%s\n%s\n' "$speed1" "$speed2" | awk '/ecdsa \(nistp256\)/ {print $7}' | best)
sign_ed=$(printf '%s\n%s\n' "$speed1" "$speed2" | awk '/EdDSA \(Ed25519\)/ {print $7}' | best)

# --- the table ---------------------------------------------------------------
echo
awk -v rs="$sign_rs" -v es="$sign_es" -v ed="$sign_ed" '
function ms(x) { if (x ~ /us$/) return x / 1000; if (x ~ /ms$/) return x + 0; if (x ~ /s$/) return x * 1000; return x + 0 }
function sorted(list, a,    n, i, j, t) {
    n = split(list, a, " ")
    for (i = 2; i <= n; i++) for (j = i; j > 1 && a[j - 1] + 0 > a[j] + 0; j--) { t = a[j]; a[j] = a[j - 1]; a[j - 1] = t }
    return n
}
function median(list,    a, n) {
    n = sorted(list, a)
    return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
}
function least(list,    a) { sorted(list, a); return a[1] }
function most(list,    a, n) { n = sorted(list, a); return a[n] }
function spread(list,    a, n) {
    n = sorted(list, a)
    return sprintf("%.1f-%.1f", a[1], a[n])
}
{
    key = $1 SUBSEP $2
    if (!(key in seen)) { seen[key] = 1; order[++n] = key; label[key] = $1; algo[key] = $2 }
    rps[key] = rps[key] " " $3; cpu[key] = cpu[key] " " $4
    p50[key] = p50[key] " " ms($5); p99[key] = p99[key] " " ms($6); bad[key] += $7
    # The other load on the front CPU during the round with the least CPU.
    if (!(key in best) || $4 + 0 < best[key]) { best[key] = $4 + 0; other[key] = $8 }
}
END {
    sig["RS256"] = 1e6 / rs; sig["ES256"] = 1e6 / es; sig["EdDSA"] = 1e6 / ed
    printf "| row | key | req/s | CPU us/req | (all rounds) | other load | p50 ms | p99 ms | failed |\n"
    printf "|---|---|---:|---:|---:|---:|---:|---:|---:|\n"
    for (i = 1; i <= n; i++) {
        k = order[i]
        R[k] = most(rps[k]); C[k] = least(cpu[k])
        printf "| %s | %s | %.0f | %.1f | %s | %s%% | %.2f | %.2f | %d |\n", label[k], algo[k], R[k], C[k], spread(cpu[k]), other[k], median(p50[k]), median(p99[k]), bad[k]
    }
    printf "\n| key | hit req/s / plain | hit CPU/req / plain | raw signature (openssl speed) | miss CPU/req - plain | that / raw signature |\n"
    printf "|---|---:|---:|---:|---:|---:|\n"
    split("RS256 ES256 EdDSA", algs, " ")
    for (j = 1; j <= 3; j++) {
        a = algs[j]
        pb = "plain-basic" SUBSEP a; h = "hit" SUBSEP a
        ph = "plain-header" SUBSEP a; m = "miss" SUBSEP a
        extra = C[m] - C[ph]
        printf "| %s | %.3f | %.3f | %.1f us | %.1f us | %.2f |\n", a, R[h] / R[pb], C[h] / C[pb], sig[a], extra, extra / sig[a]
    }
    printf "\nreq/s is the best round and CPU us/req the least of the rounds (other load on the machine\n"
    printf "only ever adds to them); other load: the share of the front httpd CPU that anything else\n"
    printf "took during that round. Latencies are medians. Hit rows compare with plain-basic (both\n"
    printf "with Basic auth), miss rows with plain-header (both with the user from a header).\n"
    printf "Targets: hit req/s / plain >= 0.95; hit CPU/req / plain <= 1.05; miss extra / raw signature <= 1.15\n"
}' "$results"
