# One signature per identity per process (docs/cache.md): requests that
# miss for a key while another thread of the process makes its token wait
# for that token instead of signing again. The requests are held at a
# barrier rather than raced: the shared cache's mutex is a lock file
# (Mutex flock) that the test holds, so the first request to miss stops
# in the shared lookup, inside its flight, until every other request is
# being served; only then is the lock let go. Across processes (prefork,
# a process per request) the first to take the lock leaves a "being
# made" marker in the shared cache with its lookup, and every later one
# finds it and waits for the token (or, last in line, finds the token).
#
# The same across processes with Redis and with memcached, which have no
# lock of their own: the barrier is the cache server itself, stopped
# (SIGSTOP) until every request is being served, so that all their
# lookups are queued on it at once. The marking step's own lock
# (docs/cache.md, "Single flight across processes") still lets exactly one
# of them sign.
use strict;
use warnings FATAL => 'all';

use Apache::Test qw(-withtestmore);
use Fcntl qw(:flock);
use POSIX ();
use Time::HiRes qw(sleep);
use TJWT::CacheHttpd ();
use TJWT::CacheServer ();

my $N = 16;

plan skip_all => 'mod_socache_shmcb is not installed'
    unless -e "$ENV{TJWT_APACHE_MODULES}/mod_socache_shmcb.so";
my %servers = (redis => 7, memcache => 7);
plan tests => 13 + $servers{redis} + $servers{memcache};


# held(what, %conf): N requests for alice held at the lock, then let go;
# returns the server, for its counters. With cache => a TJWT::CacheServer,
# that server is the cache and the barrier.
sub held {
my ($what, %conf) = @_;
my $p = TJWT::CacheHttpd->new;
my $d = $p->dir;
# RSA signatures are deterministic: the counters, not the tokens, show
# how many were made; RSA-4096's slowness keeps the other processes'
# lookups inside the signature, where only the marker stops them.
my $alg = delete $conf{key} // 'algorithm EC -pkeyopt ec_paramgen_curve:P-256';
system("openssl genpkey -$alg -out $d/es.pem >/dev/null 2>&1") == 0
    or die "openssl: $?";
my $cache = delete $conf{cache};
mkdir "$d/lock" or die $!;
chmod 0777, "$d/lock";
$p->write_cache_conf(key => "$d/es.pem", %conf,
                     lines => $cache
                         ? [ "TeleportJWTCache $cache->{kind}:" . $cache->addr ]
                         : [ 'TeleportJWTCache shmcb',
                             "Mutex flock:$d/lock teleport-jwt-cache" ]);
$p->start;
$p->wait_idle($conf{mpm} && $conf{mpm} eq 'prefork' ? $N + 1 : 1);

my $lk;
if ($cache) {
    ok($cache->pause, "$what: the cache server is stopped")
        or BAIL_OUT('cannot stop the cache server');
}
else {
    my ($lockfile) = glob "$d/lock/teleport-jwt-cache*";
    ok($lockfile, "$what: the shared cache has a lock file") or BAIL_OUT('no lock file');
    open $lk, '>>', $lockfile or die "$lockfile: $!";
    flock($lk, LOCK_EX) or die "flock: $!";
}

# Each request in a child of its own; the token comes back in a file.
my @kids;
for my $i (1 .. $N) {
    my $pid = fork // die "fork: $!";
    if (!$pid) {
        my $t = $p->token('alice') // '';
        open my $fh, '>', "$d/token.$i" or die $!;
        print $fh $t;
        close $fh;
        # Not exit: the parent's server object would stop the server.
        POSIX::_exit(0);
    }
    push @kids, $pid;
}

# Every request past reading its headers ('W'), and server-status's own.
my $all = 0;
for (1 .. 400) {
    my $body = $p->ua->get($p->url('/server-status?auto'))->content;
    my ($sb) = $body =~ /^Scoreboard: (\S+)$/m;
    if (defined $sb && ($sb =~ tr/W//) >= $N + 1) { $all = 1; last }
    sleep 0.025;
}
ok($all, "$what: all $N requests are being served while the first is held");
# Time to reach the flight, well within its one-second wait.
sleep 0.2;
if ($cache) {
    $cache->resume;
}
else {
    flock($lk, LOCK_UN);
    close $lk;
}
waitpid $_, 0 for @kids;

my %tokens;
for my $i (1 .. $N) {
    open my $fh, '<', "$d/token.$i" or next;
    local $/;
    my $t = <$fh>;
    $tokens{$t}++ if length $t;
}
is_deeply([ values %tokens ], [$N], "$what: all $N requests got a token, the same one");
my $c = $p->counters;
is($c->{TokensSigned}, 1, "$what: one signature for them all");
# In process the waiters are woken by the maker: all of them wait. Across
# processes they take the lock one by one, and the last may find the
# token stored already: a hit, waited for or not.
if ($conf{mpm}) {
    is($c->{CacheHits}, $N - 1, "$what: the others found it");
    diag("$what: $c->{TokensAwaited} waited for the marker");
}
else {
    is($c->{TokensAwaited}, $N - 1, "$what: the others waited for it");
}
is($c->{CacheMisses}, 1, "$what: one miss");
return $p;
}

# One process with threads for every request, server-status and a spare.
held('threads of one process', threads => $N + 4);
# A process for every request, server-status and a spare.
my $p = held('processes', mpm => 'prefork', processes => $N + 2,
             key => 'algorithm RSA -pkeyopt rsa_keygen_bits:4096');
is(scalar keys %{ $p->pids('alice') }, $N, "processes: $N processes served them");

# A process for every request with Redis, then memcached, as the cache.
for my $kind (qw(redis memcache)) {
  SKIP: {
        my $why = TJWT::CacheServer->unavailable($kind);
        skip "$kind: $why", $servers{$kind} if $why;
        my $cache = TJWT::CacheServer->start($kind);
        my $s = held("processes, $kind", mpm => 'prefork', processes => $N + 2,
                     cache => $cache);
        is(scalar keys %{ $s->pids('alice') }, $N,
           "processes, $kind: $N processes served them");
        $s->stop;
        $cache->stop;
    }
}
