#!/bin/sh
# make bench: what the module costs a proxy, measured with wrk against
# private httpds on loopback, all rows in one run (docs/performance.md).
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
# for RS256, ES256 and EdDSA keys. A virtual machine's speed changes from
# one second to the next (other machines on the host), by more than the
# module costs a cached request. So hit runs side by side with its
# baseline: two identical front httpds (A and B) share CPU 0, one wrk
# loads one with hit and another wrk the other with plain-basic, and
# their ratio is taken within the round. A and B swap roles every round.
# plain-header, miss and `openssl speed` run each alone on CPU 0 (side by
# side a signing front and openssl would thrash each other's caches),
# taking turns every 0.2 s over one window, so that a round's three
# figures see the same state of the host; as slowdowns only ever add
# time, the miss ratio is taken in the quietest rounds, and the median of
# the ratios of all rounds is printed beside it. Each front's CPU time (its
# processes' CPU clocks) is divided by the requests its wrk counted; the
# upstream is a separate httpd whose CPU is not counted.
#
# BENCH_ROUNDS rounds (default 8) of BENCH_SECONDS (default 2) per row
# (for the miss rows, their share of a window of three times that),
# each after a one-second warm-up; then instruction counts under
# callgrind (BENCH_COUNT=0 skips them). About six minutes.
set -eu

srcdir=$(cd "$(dirname "$0")/.." && pwd)
builddir=$(pwd)
HTTPD=${HTTPD:-$(sed -n 's/^HTTPD = //p' "$builddir/Makefile" 2>/dev/null || true)}
HTTPD=${HTTPD:-/usr/sbin/apache2}
APXS=${APXS:-$(sed -n 's/^APXS = //p' "$builddir/Makefile" 2>/dev/null || true)}
MODS=$("${APXS:-apxs}" -q LIBEXECDIR)
MODULE="$builddir/.libs/mod_teleport_jwt.so"
SECONDS_PER_ROW=${BENCH_SECONDS:-2}
ROUNDS=${BENCH_ROUNDS:-8}
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
cleanup() {
    for conf in front-a front-b back; do
        [ -f "$work/$conf.pid" ] &&
            "$HTTPD" -d "$work" -f "$work/$conf.conf" -k stop >/dev/null 2>&1
    done
    # Bounded wait for the parents to go before the directory does.
    i=0
    while [ $i -lt 100 ] && ls "$work"/*.pid >/dev/null 2>&1; do
        sleep 0.1
        i=$((i + 1))
    done
    rm -rf "$work"
}
trap cleanup EXIT INT TERM

# A free loopback port, never one given out before in this run (the
# system may hand the same port to two binds in a row). Called in command
# substitutions, so the ports given are kept in a file.
: >"$work/ports"
free_port() {
    while :; do
        p=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
        grep -qx "$p" "$work/ports" || break
    done
    echo "$p" >>"$work/ports"
    echo "$p"
}
PB=$(free_port)
for inst in A B; do
    for alg in RS256 ES256 EdDSA; do
        eval "PORT_${inst}_$alg=$(free_port)"
    done
done

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

# --- the front ends ---------------------------------------------------------
# A and B: one configuration on other ports. Two processes each, fixed, so
# that none is started or reaped during a row.
vhost() { # port key
    cat <<EOF
Listen 127.0.0.1:$1
<VirtualHost 127.0.0.1:$1>
    ServerName bench.test
    TeleportJWTSigningKey $key_dir/$2.pem
</VirtualHost>
EOF
}
# The fronts' pid and log files go to $conf_dir, their keys come from
# $key_dir; they switch to nobody when started as root and $drop_root is 1.
conf_dir=$work key_dir=$work drop_root=1
front_conf() { # name port-rs256 port-es256 port-eddsa
    cat <<EOF
ServerRoot $work
ServerName bench.test
# The main server's key, so that none is generated under ServerRoot.
TeleportJWTSigningKey $key_dir/es256.pem
PidFile $conf_dir/$1.pid
ErrorLog $conf_dir/$1-error.log
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
$( [ "$(id -u)" = 0 ] && [ "$drop_root" = 1 ] && printf 'User nobody\nGroup nogroup\n' )
StartServers 2
ServerLimit 2
ThreadsPerChild 16
MinSpareThreads 16
MaxSpareThreads 64
MaxRequestWorkers 32
KeepAlive On
MaxKeepAliveRequests 0
$(vhost "$2" rs256)
$(vhost "$3" es256)
$(vhost "$4" eddsa)
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
}
front_conf front-a "$PORT_A_RS256" "$PORT_A_ES256" "$PORT_A_EdDSA" >"$work/front-a.conf"
front_conf front-b "$PORT_B_RS256" "$PORT_B_ES256" "$PORT_B_EdDSA" >"$work/front-b.conf"

# With two CPUs or more both fronts and openssl speed get CPU 0, and the
# load generators and the upstream share CPU 1, so that the fronts' time
# per request is not disturbed by them.
FRONT_CPU="" REST_CPU=""
if [ "$(nproc)" -ge 2 ] && command -v taskset >/dev/null 2>&1; then
    FRONT_CPU="taskset -c 0"
    REST_CPU="taskset -c 1"
fi
$REST_CPU "$HTTPD" -d "$work" -f "$work/back.conf" -k start
for f in front-a front-b; do
    $FRONT_CPU "$HTTPD" -d "$work" -f "$work/$f.conf" -k start
done
i=0
until curl -sf -o /dev/null -u user1:secret1 "http://127.0.0.1:$PORT_A_RS256/hit" &&
      curl -sf -o /dev/null -H 'X-Bench-User: probe' "http://127.0.0.1:$PORT_A_EdDSA/miss" &&
      curl -sf -o /dev/null -u user1:secret1 "http://127.0.0.1:$PORT_B_RS256/hit" &&
      curl -sf -o /dev/null -H 'X-Bench-User: probe' "http://127.0.0.1:$PORT_B_EdDSA/miss"; do
    i=$((i + 1))
    [ $i -lt 100 ] || { echo "bench: httpd did not come up" >&2; cat "$work"/*error.log >&2; exit 1; }
    sleep 0.1
done
pid_A=$(cat "$work/front-a.pid")
pid_B=$(cat "$work/front-b.pid")

# CPU time a front httpd has used so far, in nanoseconds: the CPU clock
# of each of its processes (clock_gettime on a process's clock id, the
# scheduler's own count of its run time), finer than /proc's clock ticks,
# whose 10 ms are several per cent of the miss ratio. The fronts' processes stay
# for the whole run (fixed numbers), so none takes its time away by
# exiting. Run on the other CPU, outside the measured seconds.
front_ns() { # parent-pid
    # shellcheck disable=SC2046
    $REST_CPU python3 -c 'import sys, time
def clock(pid):  # the CPU clock id of a process: ~pid << 3 | CPUCLOCK_SCHED
    try:
        return time.clock_gettime_ns(((~int(pid)) << 3) | 2)
    except OSError:
        return 0
print(sum(clock(p) for p in sys.argv[1:]))' "$1" $(pgrep -P "$1")
}

# Clock ticks of CPU 0 so far: all of them, and those the hypervisor
# gave to other machines (steal), e.g. "1200000 3000".
cpu0_steal() {
    awk '/^cpu0 / {print $2 + $3 + $4 + $5 + $6 + $7 + $8 + $9, $9}' /proc/stat
}

# Busy clock ticks of CPU 0 (user, nice, system, irq, softirq, steal).
cpu0_ticks() {
    awk '/^cpu0 / {print $2 + $3 + $4 + $7 + $8 + $9}' /proc/stat
}

results="$work/results"
: >"$results"

# measure WRK-OUTPUT ROW ALG NS OTHER [SECONDS LATENCY-OUTPUT]: appends
# "row alg req/s cpu-us p50 p99 failed other round ns requests" to
# $results; req/s over SECONDS when the row ran only part of wrk's time,
# p50 and p99 from another run of wrk when given.
measure() {
    out=$(cat "$1")
    reqs=$(printf '%s\n' "$out" | awk '/requests in/ {print $1}')
    rps=$(printf '%s\n' "$out" | awk '/^Requests\/sec:/ {print $2}')
    [ -z "${6:-}" ] || rps=$(awk -v r="$reqs" -v s="$6" 'BEGIN {printf "%.2f", r / s}')
    p50=$(awk '$1 == "50%" {print $2}' "${7:-$1}")
    p99=$(awk '$1 == "99%" {print $2}' "${7:-$1}")
    bad=$(printf '%s\n' "$out" | awk '/Non-2xx/ {print $NF}')
    errs=$(printf '%s\n' "$out" | awk '/Socket errors/ {n = 0; for (i = 1; i <= NF; i++) if ($i ~ /^[0-9]+,?$/) n += $i; print n}')
    [ -n "$reqs" ] && [ "$reqs" -gt 0 ] ||
        { echo "bench: wrk completed no request for $2 $3" >&2; cat "$1" >&2; exit 1; }
    cpu=$(awk -v t="$4" -v r="$reqs" 'BEGIN {printf "%.1f", t / 1e3 / r}')
    echo "$2 $3 $rps $cpu $p50 $p99 $((${bad:-0} + ${errs:-0})) $5 $round $4 $reqs" >>"$results"
    printf '  round %d  %-12s %-6s %9s req/s %7s us CPU/req  p50 %-8s p99 %-8s other load %s%%\n' \
        "$round" "$2" "$3" "$rps" "$cpu" "$p50" "$p99" "$5"
}

# load SECONDS URL SCRIPT TAG OUTPUT: one wrk on the load generators' CPU,
# with the latency distribution (TAG goes to the script, to make its
# identities unique to the row).
load() {
    $REST_CPU wrk -t1 -c"$CONNS" -d"$1s" --latency -s "$work/$3" "$2" -- "$4" >"$5"
}

# start SECONDS URL SCRIPT TAG OUTPUT: the same in the background, with
# wrk's own pid in $started (taskset execs wrk), so that trio can stop
# and continue wrk itself; a function run with & would give the pid of a
# subshell, and stopping that does not stop wrk.
start() {
    $REST_CPU wrk -t1 -c"$CONNS" -d"$1s" --latency -s "$work/$3" "$2" -- "$4" >"$5" &
    started=$!
}

# pair ALG BASE-ROW BASE-PATH MOD-ROW MOD-PATH SCRIPT: the module row on
# one front and its baseline on the other, at the same time (A has the
# module row in odd rounds, B in even ones).
pair() {
    if [ $((round % 2)) = 1 ]; then mod=A base=B; else mod=B base=A; fi
    eval "port_mod=\$PORT_${mod}_$1 port_base=\$PORT_${base}_$1"
    eval "pid_mod=\$pid_$mod pid_base=\$pid_$base"
    url_base="http://127.0.0.1:$port_base$3"
    url_mod="http://127.0.0.1:$port_mod$5"
    start 1 "$url_base" "$6" "$2-warm-$round" /dev/null
    w1=$started
    start 1 "$url_mod" "$6" "$4-warm-$round" /dev/null
    w2=$started
    wait "$w1" "$w2" || true
    base_before=$(front_ns "$pid_base")
    mod_before=$(front_ns "$pid_mod")
    cpu0_before=$(cpu0_ticks)
    start "$SECONDS_PER_ROW" "$url_base" "$6" "$2-$round" "$work/base.out"
    w1=$started
    start "$SECONDS_PER_ROW" "$url_mod" "$6" "$4-$round" "$work/mod.out"
    w2=$started
    wait "$w1" "$w2" || true
    base_t=$(($(front_ns "$pid_base") - base_before))
    mod_t=$(($(front_ns "$pid_mod") - mod_before))
    other=$(other_load $(($(cpu0_ticks) - cpu0_before)) $((base_t + mod_t)))
    measure "$work/base.out" "$2" "$1" "$base_t" "$other"
    measure "$work/mod.out" "$4" "$1" "$mod_t" "$other"
}

# is_program PID NAME: whether PID is NAME itself (once it has exec'ed),
# as the turns need: stopping a shell that waits for NAME would not stop
# NAME, and the rows would run side by side unnoticed. Fails the run if
# not.
is_program() {
    n=0
    until [ "$(cat "/proc/$1/comm" 2>/dev/null)" = "$2" ]; do
        n=$((n + 1))
        [ $n -lt 100 ] || { echo "bench: process $1 is not $2 itself; the turns cannot stop it" >&2; exit 1; }
        sleep 0.01
    done
}

# trio ALG: plain-header (on one front), miss (on the other) and `openssl
# speed` of ALG, started together and made to take turns on CPU 0 every
# SLICE seconds: the two that are not running are stopped (SIGSTOP), so
# each runs alone, as when they ran one after another, and over the
# window the three see the same state of the host, so that their ratio is
# taken at one moment. Stopping a wrk (not a front) lets the front finish
# what it has in hand and then sit idle. A has plain-header in odd
# rounds, B in even ones.
SLICE=0.2

trio() {
    if [ $((round % 2)) = 1 ]; then ph=A mi=B; else ph=B mi=A; fi
    eval "url_ph=http://127.0.0.1:\$PORT_${ph}_$1 url_mi=http://127.0.0.1:\$PORT_${mi}_$1"
    eval "pid_ph=\$pid_$ph pid_mi=\$pid_$mi"
    case $1 in RS256) what=rsa2048 ;; ES256) what=ecdsap256 ;; EdDSA) what=ed25519 ;; esac
    # The warm-ups, each alone and whole, also give the rows' latency: in
    # the window a request that a stop catches in flight waits out the
    # other two's turns.
    load 1 "$url_ph/plain-header" unique.lua "plain-header-warm-$round" "$work/ph-warm.out"
    load 1 "$url_mi/miss" unique.lua "miss-warm-$round" "$work/mi-warm.out"
    # Three rows of SECONDS_PER_ROW each: a window three times as long.
    window=$((3 * SECONDS_PER_ROW))
    ph_before=$(front_ns "$pid_ph")
    mi_before=$(front_ns "$pid_mi")
    cpu0_before=$(cpu0_ticks)
    start "$window" "$url_ph/plain-header" unique.lua "plain-header-$round" "$work/ph.out"
    w_ph=$started
    start "$window" "$url_mi/miss" unique.lua "miss-$round" "$work/mi.out"
    w_mi=$started
    # "Doing 256 bits sign ecdsa's for 6s: 70563 256 bits ECDSA signs in
    # 2.00s": the count, and the CPU time openssl took for it, when its
    # signing phase ends (by an alarm, after the window).
    $FRONT_CPU openssl speed -seconds "$window" "$what" >/dev/null 2>"$work/speed.out" &
    w_sp=$!
    # Before the first stop: a process stopped before its exec never gets
    # there.
    is_program "$w_ph" wrk && is_program "$w_mi" wrk && is_program "$w_sp" openssl
    kill -STOP "$w_mi" "$w_sp" 2>/dev/null || true
    i=0
    while kill -0 "$w_ph" 2>/dev/null || kill -0 "$w_mi" 2>/dev/null ||
        ! grep -Eq '^Doing .*(sign|private).* in [0-9.]+s' "$work/speed.out"; do
        case $((i % 3)) in 0) run=$w_ph ;; 1) run=$w_mi ;; *) run=$w_sp ;; esac
        kill -STOP "$w_ph" "$w_mi" "$w_sp" 2>/dev/null || true
        kill -CONT "$run" 2>/dev/null || true
        sleep "$SLICE"
        i=$((i + 1))
        [ $i -lt $((window * 30)) ] || { echo "bench: the turns of $1 did not end" >&2; exit 1; }
    done
    kill -CONT "$w_sp" 2>/dev/null || true
    kill "$w_sp" 2>/dev/null || true
    wait "$w_ph" "$w_mi" 2>/dev/null || true
    wait "$w_sp" 2>/dev/null || true
    ph_t=$(($(front_ns "$pid_ph") - ph_before))
    mi_t=$(($(front_ns "$pid_mi") - mi_before))
    got=$(awk '/^Doing .*(sign|private)/ {
                 n = $0; sub(/.*s: /, "", n); split(n, w, " ")
                 t = $NF; sub(/s$/, "", t)
                 if (w[1] > 0 && t > 0) print w[1], t
                 exit }' "$work/speed.out")
    [ -n "$got" ] || { echo "bench: no signing result from openssl speed $what" >&2; cat "$work/speed.out" >&2; exit 1; }
    sp_ns=$(echo "$got" | awk '{printf "%.0f", $2 * 1e9}')
    other=$(other_load $(($(cpu0_ticks) - cpu0_before)) $((ph_t + mi_t + sp_ns)))
    # Each ran about a third of the window: its req/s are over that.
    measure "$work/ph.out" plain-header "$1" "$ph_t" "$other" "$SECONDS_PER_ROW" "$work/ph-warm.out"
    measure "$work/mi.out" miss "$1" "$mi_t" "$other" "$SECONDS_PER_ROW" "$work/mi-warm.out"
    echo "speed $1 $got $round" >>"$results"
    printf '  round %d  openssl speed %-6s %.1f us per signature\n' "$round" "$1" \
        "$(echo "$got" | awk '{print $2 * 1e6 / $1}')"
}

# other_load CPU0-TICKS FRONT-NS: CPU 0's busy time that the measured
# fronts did not take, as a share of what they took.
other_load() {
    if [ -z "$FRONT_CPU" ]; then echo 0; return; fi
    awk -v c="$1" -v ns="$2" -v hz="$TICK" 'BEGIN {t = ns * hz / 1e9; o = t > 0 ? 100 * (c - t) / t : 0; printf "%.0f", (o < 0 ? 0 : o)}'
}

echo "mod_teleport_jwt benchmark: $(nproc) CPUs, $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)"
echo "wrk -t1 -c$CONNS on loopback, $ROUNDS rounds of ${SECONDS_PER_ROW}s per row (each after a 1 s warm-up);"
echo "two front httpds (event MPM, 2 processes each)${FRONT_CPU:+ on CPU 0 (wrk and the upstream on CPU 1)}:"
echo "hit beside plain-basic at the same time; plain-header, miss and openssl speed taking turns every ${SLICE}s"
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
steal_before=$(cpu0_steal)
echo
round=1
while [ "$round" -le "$ROUNDS" ]; do
    for alg in RS256 ES256 EdDSA; do
        pair "$alg" plain-basic /plain-basic hit /hit users.lua
        trio "$alg"
    done
    round=$((round + 1))
done
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
# Time the hypervisor ran other machines instead of CPU 0: on a virtual
# machine, the surest sign that the host was busy.
echo "$steal_before $(cpu0_steal)" | awk '{t = $3 - $1; printf "steal on CPU 0 during the rounds: %.1f%% (time the hypervisor gave to other machines)\n", (t > 0 ? 100 * ($4 - $2) / t : 0)}'


# --- the table ---------------------------------------------------------------
echo
awk -v slice="$SLICE" '
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
function range(list, fmt,    a, n) {
    n = sorted(list, a)
    return sprintf(fmt "-" fmt, a[1], a[n])
}
function add(list, item) { return list == "" ? item : list ", " item }
# "speed alg signatures cpu-seconds round"
$1 == "speed" { SN[$2, $5] += $3; ST[$2, $5] += $4; next }
# "row alg req/s cpu p50 p99 failed other round ns requests"
{
    key = $1 SUBSEP $2
    if (!(key in seen)) { seen[key] = 1; order[++n] = key; label[key] = $1; algo[key] = $2 }
    rps[key] = rps[key] " " $3; oth[key] = oth[key] " " $8
    p50[key] = p50[key] " " ms($5); p99[key] = p99[key] " " ms($6); bad[key] += $7
    R[$1, $2, $9] += $3; T[$1, $2, $9] += $10; N[$1, $2, $9] += $11
    if ($9 > rounds) rounds = $9
}
END {
    # A round of a row: its CPU time over its requests, all its slices.
    for (i = 1; i <= n; i++)
        for (r = 1; r <= rounds; r++) {
            k = order[i]
            C[k, r] = T[k, r] / 1e3 / N[k, r]
            cpu[k] = cpu[k] " " C[k, r]
        }
    printf "| row | key | req/s | CPU us/req | (rounds) | other load | p50 ms | p99 ms | failed |\n"
    printf "|---|---|---:|---:|---:|---:|---:|---:|---:|\n"
    for (i = 1; i <= n; i++) {
        k = order[i]
        printf "| %s | %s | %.0f | %.1f | %s | %.0f%% | %.2f | %.2f | %d |\n", label[k], algo[k], median(rps[k]), median(cpu[k]), range(cpu[k], "%.1f"), median(oth[k]), median(p50[k]), median(p99[k]), bad[k]
    }
    printf "\n| key | hit req/s / plain | hit CPU/req / plain | raw signature (openssl speed) | miss CPU/req - plain | that / raw signature (quietest rounds) | the same, median of rounds |\n"
    printf "|---|---:|---:|---:|---:|---:|---:|\n"
    split("RS256 ES256 EdDSA", algs, " ")
    for (j = 1; j <= 3; j++) {
        a = algs[j]; hr = hc = xr = ""
        ph_k = "plain-header" SUBSEP a; mi_k = "miss" SUBSEP a
        for (r = 1; r <= rounds; r++) {
            hr = hr " " R["hit", a, r] / R["plain-basic", a, r]
            hc = hc " " C["hit" SUBSEP a, r] / C["plain-basic" SUBSEP a, r]
            S[r] = ST[a, r] * 1e6 / SN[a, r]
            xr = xr " " (C[mi_k, r] - C[ph_k, r]) / S[r]
        }
        # The quietest rounds: the three whose plain-header, miss and
        # signature figures are together nearest their lowest of the run
        # (a slowdown only adds time); the ratio is the middle one of
        # those three, so that no single round decides it.
        for (r = 1; r <= rounds; r++) {
            P[r] = C[ph_k, r]; M[r] = C[mi_k, r]; G[r] = S[r]; X[r] = (M[r] - P[r]) / G[r]
            if (r == 1 || P[r] < lp) lp = P[r]
            if (r == 1 || M[r] < lm) lm = M[r]
            if (r == 1 || G[r] < lg) lg = G[r]
        }
        for (r = 1; r <= rounds; r++) { Q[r] = P[r] / lp + M[r] / lm + G[r] / lg; I[r] = r }
        for (i = 2; i <= rounds; i++)
            for (q = i; q > 1 && Q[I[q - 1]] > Q[I[q]]; q--) { tmp = I[q]; I[q] = I[q - 1]; I[q - 1] = tmp }
        m = rounds < 3 ? rounds : 3
        for (i = 2; i <= m; i++)
            for (q = i; q > 1 && X[I[q - 1]] > X[I[q]]; q--) { tmp = I[q]; I[q] = I[q - 1]; I[q - 1] = tmp }
        best = I[int((m + 1) / 2)]
        e = M[best] - P[best]; x = X[best]
        printf "| %s | %.3f (%s) | %.3f (%s) | %.1f us | %.1f us | %.2f (round %d) | %.2f (%s) |\n", a, median(hr), range(hr, "%.2f"), median(hc), range(hc, "%.2f"), G[best], e, x, best, median(xr), range(xr, "%.2f")
        # Compared as printed, so that the verdict agrees with the table.
        if (sprintf("%.3f", median(hr)) + 0 < 0.95) missed = add(missed, a " hit req/s")
        if (sprintf("%.3f", median(hc)) + 0 > 1.05) missed = add(missed, a " hit CPU")
        # A miss signs once, with the signature openssl speed times: less
        # than that means the host changed speed within the round.
        if (sprintf("%.2f", x) + 0 < 0.95) unsure = add(unsure, a " miss")
        else if (sprintf("%.2f", x) + 0 > 1.15) missed = add(missed, a " miss")
    }
    printf "\nhit and plain-basic (both with Basic auth) ran at the same time on the same CPU, each on\n"
    printf "its own front, so their req/s are with the CPU shared: each hit ratio is taken within a\n"
    printf "round, and the table gives the median over %d rounds and their range in brackets.\n", rounds
    printf "plain-header, miss (both with the user from a header) and openssl speed ran each alone on\n"
    printf "it, taking turns of %ss over the same window, so that a round'"'"'s three see the same host;\n", slice
    printf "their req/s are over their share of the window, their p50/p99 from each one'"'"'s warm-up\n"
    printf "second alone (a request caught in flight by a turn waits for the others). A slowdown only\n"
    printf "ever adds time: the miss ratio is the middle one of the three quietest rounds, those whose\n"
    printf "three figures were together nearest their lowest of the run; the last column gives the\n"
    printf "median and range of the ratio over all rounds.\n"
    printf "Other load: CPU 0 time that the measured fronts (and openssl) did not take, as a share of theirs.\n"
    printf "Targets: hit req/s / plain >= 0.95; hit CPU/req / plain <= 1.05; miss extra / raw signature <= 1.15\n"
    verdict = unsure == "" && missed == "" ? "all met" : missed == "" ? "all met that could be judged" : "not met for " missed
    printf "In this run: %s\n", verdict
    if (unsure != "")
        printf "Not judged: %s (under 0.95 times the signature it contains: the host changed speed within a quiet round; run make bench again)\n", unsure
}' "$results"

# --- instruction counts --------------------------------------------------
# The same rows under callgrind: user-space instructions per request of
# one front (httpd -X), counted only while the measured requests run.
# Unlike CPU time they come out the same on a busy machine as on a quiet
# one, so they tell what the module itself adds. The kernel's share of a
# request (about 40% of its CPU here) is not in them, which is why hit
# rows show their extra as instructions rather than as a ratio; for miss
# rows the kernel's work is the same as plain-header's. The signature:
# instructions inside EVP_PKEY_sign (RSA, ECDSA) or EVP_DigestSign
# (Ed25519) per signature of `openssl speed`, also under callgrind. Under
# valgrind SHA-256 runs without the CPU's SHA extensions, so the module's
# own hashing counts for more than it costs natively: the ratio is an
# upper bound. BENCH_COUNT=0 skips this part.
if [ "${BENCH_COUNT:-1}" != 1 ]; then
    exit 0
fi
for tool in valgrind callgrind_control; do
    command -v "$tool" >/dev/null 2>&1 ||
        { echo "bench: $tool not found (Debian: valgrind); run ./bootstrap or BENCH_COUNT=0" >&2; exit 1; }
done
echo
echo "Instruction counts (callgrind) ..."
cg="$work/cg"
mkdir -p "$cg"
chmod 777 "$cg"
# callgrind writes its counts as the user httpd runs as: as root, run it
# as nobody from the start, with keys nobody can read.
as_user=""
if [ "$(id -u)" = 0 ]; then
    as_user="runuser -u nobody --"
fi
for k in rs256 es256 eddsa; do
    install -m 600 "$work/$k.pem" "$cg/$k.pem"
    [ -z "$as_user" ] || chown nobody "$cg/$k.pem"
done
PC_RS256=$(free_port) PC_ES256=$(free_port) PC_EdDSA=$(free_port)
conf_dir=$cg key_dir=$cg drop_root=0
front_conf front-c "$PC_RS256" "$PC_ES256" "$PC_EdDSA" >"$cg/front-c.conf"
$as_user valgrind --tool=callgrind --instr-atstart=no --vgdb=yes --vgdb-prefix="$cg/vgdb" \
    --callgrind-out-file="$cg/callgrind.out" \
    "$HTTPD" -X -d "$work" -f "$cg/front-c.conf" >"$cg/valgrind.log" 2>&1 &
vg=$!
i=0
until curl -sf -o /dev/null -H 'X-Bench-User: probe' "http://127.0.0.1:$PC_ES256/miss"; do
    i=$((i + 1))
    [ $i -lt 600 ] || { echo "bench: httpd under valgrind did not come up" >&2; cat "$cg/valgrind.log" "$cg"/*error.log >&2; exit 1; }
    sleep 0.1
done
vgpid=$(pgrep -f "valgrind.*front-c.conf" | tail -n 1)
cgctl() {
    $as_user callgrind_control --vgdb-prefix="$cg/vgdb" "$@" "$vgpid" >"$cg/ctl.log" 2>&1 ||
        { echo "bench: callgrind_control $* failed" >&2; cat "$cg/ctl.log" >&2; exit 1; }
}
dumps=0

# requests ROW PORT N FIRST: N requests of ROW, users numbered from FIRST.
requests() {
    j=0
    while [ $j -lt "$3" ]; do
        case $1 in
        plain-basic | hit)
            curl -sf -o /dev/null -u "user$((($4 + j) % 5 + 1)):secret$((($4 + j) % 5 + 1))" "http://127.0.0.1:$2/$1" ;;
        *)
            curl -sf -o /dev/null -H "X-Bench-User: count-$1-$2-$(($4 + j))" "http://127.0.0.1:$2/$1" ;;
        esac || { echo "bench: request to /$1 failed under valgrind" >&2; exit 1; }
        j=$((j + 1))
    done
}

# count ROW ALG N: instructions per request, appended as "count row alg
# instructions" to $results.
count() {
    eval "port=\$PC_$2"
    # Uncounted first: the hit row's tokens go into the cache, and the
    # code paths are warm.
    requests "$1" "$port" 10 0
    cgctl -i on
    requests "$1" "$port" "$3" 10
    cgctl -d
    cgctl -i off
    dumps=$((dumps + 1))
    total=$(awk '/^totals:/ {print $2}' "$cg/callgrind.out.$dumps")
    per=$((total / $3))
    echo "count $1 $2 $per" >>"$results"
    printf '  %-12s %-6s %9d instructions per request\n' "$1" "$2" "$per"
}

# sigcount ALG: instructions per signature of openssl speed.
sigcount() {
    case $1 in
    RS256) what=rsa2048 fn=EVP_PKEY_sign ;;
    ES256) what=ecdsap256 fn=EVP_PKEY_sign ;;
    EdDSA) what=ed25519 fn=EVP_DigestSign ;;
    esac
    valgrind --tool=callgrind --collect-atstart=no --toggle-collect="$fn" \
        --callgrind-out-file="$cg/speed-$1.out" \
        openssl speed -seconds 1 "$what" >/dev/null 2>"$cg/speed-$1.err"
    n=$(awk '/^Doing .*(sign|private)/ {n = $0; sub(/.*s: /, "", n); split(n, w, " "); print w[1]; exit}' "$cg/speed-$1.err")
    total=$(awk '/^totals:/ {print $2}' "$cg/speed-$1.out")
    [ -n "$n" ] && [ "$n" -gt 0 ] && [ -n "$total" ] ||
        { echo "bench: openssl speed under valgrind gave no count" >&2; cat "$cg/speed-$1.err" >&2; exit 1; }
    per=$((total / n))
    echo "count signature $1 $per" >>"$results"
    printf '  %-12s %-6s %9d instructions per signature (%d signatures)\n' "openssl" "$1" "$per" "$n"
}

for alg in RS256 ES256 EdDSA; do
    count plain-basic "$alg" 200
    count hit "$alg" 200
    count plain-header "$alg" 200
    if [ "$alg" = RS256 ]; then count miss "$alg" 40; else count miss "$alg" 200; fi
    sigcount "$alg"
done
kill "$vg" 2>/dev/null || true
wait "$vg" 2>/dev/null || true

echo
awk '
$1 == "count" { I[$2, $3] = $4 }
END {
    printf "| key | plain-basic | hit | hit extra | plain-header | miss | signature (openssl speed) | miss extra / signature |\n"
    printf "|---|---:|---:|---:|---:|---:|---:|---:|\n"
    split("RS256 ES256 EdDSA", algs, " ")
    for (j = 1; j <= 3; j++) {
        a = algs[j]
        printf "| %s | %d | %d | %d | %d | %d | %d | %.3f |\n", a, I["plain-basic", a], I["hit", a], I["hit", a] - I["plain-basic", a], I["plain-header", a], I["miss", a], I["signature", a], (I["miss", a] - I["plain-header", a]) / I["signature", a]
    }
    printf "\nUser-space instructions per request of one front under callgrind (each request a new\n"
    printf "connection from curl), and per signature of openssl speed. The same on any machine for\n"
    printf "the same build; SHA-256 counts more than natively (no SHA extensions under valgrind).\n"
}' "$results"
