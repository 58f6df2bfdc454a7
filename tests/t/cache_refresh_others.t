# Refresh without waiting (docs/cache.md, "Refresh"): while one request
# makes the next token of an identity inside its refresh window, the
# other requests for that identity keep getting the current token, still
# valid, at once: they neither wait for the refresher nor sign. The
# refresher is held, not raced: with a shared cache it first asks the
# shared layer for a newer token, under the shared cache's mutex, a lock
# file (Mutex flock) that the test holds; the kernel's table of locks
# (/proc/locks) shows when a request is waiting for it. A 16 s token's
# refresh point is 6 to 8 s after it was made (cache_refresh.t).
use strict;
use warnings FATAL => 'all';

use Apache::Test qw(-withtestmore);
use Fcntl qw(:flock);
use POSIX ();
use Time::HiRes qw(sleep);
use TJWT::CacheHttpd ();

my $M = 8; # requests while the refresher is held

plan skip_all => 'mod_socache_shmcb is not installed'
    unless -e "$ENV{TJWT_APACHE_MODULES}/mod_socache_shmcb.so";
plan skip_all => 'no /proc/locks to see the held request in'
    unless -r '/proc/locks';
plan tests => 12;

my $p = TJWT::CacheHttpd->new;
my $d = $p->dir;
system("openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 "
       . "-out $d/es.pem >/dev/null 2>&1") == 0 or die "openssl: $?";
mkdir "$d/lock" or die $!;
chmod 0777, "$d/lock";
$p->write_cache_conf(key => "$d/es.pem",
                     lines => [ 'TeleportJWTCache shmcb',
                                "Mutex flock:$d/lock teleport-jwt-cache",
                                '<Location /life>', 'TeleportJWTLifetime 16s',
                                '</Location>' ]);
$p->start;

my $t1 = $p->token('alice', '/life/');
ok($t1, 'a first token, signed and stored');

my ($lockfile) = glob "$d/lock/teleport-jwt-cache*";
ok($lockfile, 'the shared cache has a lock file') or BAIL_OUT('no lock file');
open my $lk, '>>', $lockfile or die "$lockfile: $!";
flock($lk, LOCK_EX) or die "flock: $!";
my $ino = (stat $lockfile)[1];

# Whether a process waits for the lock file (a "->" line of /proc/locks,
# whose last fields are device:inode, start and end).
sub lock_waited_for {
    open my $fh, '<', '/proc/locks' or return 0;
    while (<$fh>) {
        return 1 if /->.*\s[0-9a-f]+:[0-9a-f]+:(\d+)\s+\S+\s+\S+\s*$/ && $1 == $ino;
    }
    return 0;
}

# The token of one request, made in a child process, from its file.
sub read_token {
    my ($file) = @_;
    open my $fh, '<', $file or return undef;
    local $/;
    my $t = <$fh>;
    return length $t ? $t : undef;
}

# A request every quarter second, each in a child, until one stops at the
# lock: the first inside the refresh window. Before it, every one is a
# hit on the first token.
my ($held, $early_other) = (undef, 0);
my $sent = 0;
for my $i (1 .. 80) {
    my $pid = fork // die "fork: $!";
    if (!$pid) {
        my $t = $p->token('alice', '/life/') // '';
        open my $fh, '>', "$d/token.$i" or die $!;
        print $fh $t;
        close $fh;
        # Not exit: the parent's server object would stop the server.
        POSIX::_exit(0);
    }
    $sent++;
    until (waitpid($pid, POSIX::WNOHANG()) == $pid) {
        if (lock_waited_for()) { $held = [ $pid, $i ]; last }
        sleep 0.01;
    }
    last if $held;
    my $t = read_token("$d/token.$i");
    $early_other++ unless defined $t && $t eq $t1;
    sleep 0.25;
}
ok($held, "a request inside the refresh window waits at the shared lock (request $sent)")
    or BAIL_OUT('no request was held');
is($early_other, 0, 'every request before it got the first token');

my $c = $p->counters;
is($c->{TokensSigned}, 1, 'no signature yet while the refresher is held');
my $hits = $c->{CacheHits};

# The others, while the refresher is held: each answered, with the first
# token, from the in-process layer.
my @got = map { $p->token('alice', '/life/') // '' } 1 .. $M;
is(scalar(grep { $_ eq $t1 } @got), $M, "$M more requests each got the current token");
$c = $p->counters;
is($c->{CacheHits} - $hits, $M, 'each was a hit');
is($c->{TokensSigned}, 1, 'none of them signed');
is($c->{TokensAwaited}, 0, 'none of them waited for a token');
ok(lock_waited_for(), 'the refresher was held all along');

flock($lk, LOCK_UN);
close $lk;
waitpid $held->[0], 0;
my $t2 = read_token("$d/token.$held->[1]");
ok(defined $t2 && $t2 ne $t1, 'once let go, the refresher got the next token')
    or diag($t2 // 'no token');
is($p->counters->{TokensSigned}, 2, 'one signature for the refresh');
