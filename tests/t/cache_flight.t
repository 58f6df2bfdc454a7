# One signature per identity per process (docs/cache.md): requests that
# miss for a key while another thread of the process makes its token wait
# for that token instead of signing again. The requests are held at a
# barrier rather than raced: the shared cache's mutex is a lock file
# (Mutex flock) that the test holds, so the first request to miss stops
# in the shared lookup, inside its flight, until every other request is
# being served; only then is the lock let go. The keys are ES256, whose
# signatures are randomised: identical tokens come from one signature.
use strict;
use warnings FATAL => 'all';

use Apache::Test qw(-withtestmore);
use Fcntl qw(:flock);
use POSIX ();
use Time::HiRes qw(sleep);
use TJWT::CacheHttpd ();

my $N = 16;

plan skip_all => 'mod_socache_shmcb is not installed'
    unless -e "$ENV{TJWT_APACHE_MODULES}/mod_socache_shmcb.so";
plan tests => 6;


my $p = TJWT::CacheHttpd->new;
my $d = $p->dir;
system("openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 "
       . "-out $d/es.pem >/dev/null 2>&1") == 0 or die "openssl: $?";
mkdir "$d/lock" or die $!;
chmod 0777, "$d/lock";
# One process with threads for every request, server-status and a spare.
$p->write_cache_conf(key => "$d/es.pem", threads => $N + 4,
                     lines => [ 'TeleportJWTCache shmcb',
                                "Mutex flock:$d/lock teleport-jwt-cache" ]);
$p->start;
$p->wait_idle(1);

my ($lockfile) = glob "$d/lock/teleport-jwt-cache*";
ok($lockfile, 'the shared cache has a lock file') or BAIL_OUT('no lock file');
open my $lk, '>>', $lockfile or die "$lockfile: $!";
flock($lk, LOCK_EX) or die "flock: $!";

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
ok($all, "all $N requests are being served while the first is held");
# Time to reach the flight, well within its one-second wait.
sleep 0.2;
flock($lk, LOCK_UN);
close $lk;
waitpid $_, 0 for @kids;

my %tokens;
for my $i (1 .. $N) {
    open my $fh, '<', "$d/token.$i" or next;
    local $/;
    my $t = <$fh>;
    $tokens{$t}++ if length $t;
}
is_deeply([ values %tokens ], [$N], "all $N requests got a token, the same one");
my $c = $p->counters;
is($c->{TokensSigned}, 1, 'one signature for them all');
is($c->{TokensAwaited}, $N - 1, 'the others waited for it');
is($c->{CacheMisses}, 1, 'one miss');
