# The "being made" marker across two servers sharing one Redis, then one
# memcached (docs/cache.md, "Single flight across processes"): no lock
# reaches from one server to the other, so the marker carries its maker's
# nonce and is read back. The race is laid out step by step rather than
# raced, with a relay in front of each server (TJWT::HoldProxy) that holds
# its traffic at a chosen command:
#
#   B looks alice up (absent) and sends its marker: held;
#   A looks alice up (absent), stores its marker, and sends its read-back:
#     held;
#   B's marker lands over A's, B reads back its own, signs, stores;
#   A's read-back then finds B's token: A signs nothing.
#
# Without the read-back both would sign, each having stored a marker.
use strict;
use warnings FATAL => 'all';

use Apache::Test qw(-withtestmore);
use POSIX ();
use TJWT::CacheHttpd ();
use TJWT::CacheServer ();
use TJWT::HoldProxy ();

my %tests = (redis => 7, memcache => 7);
plan tests => $tests{redis} + $tests{memcache};

for my $kind (qw(redis memcache)) {
  SKIP: {
        my $why = TJWT::CacheServer->unavailable($kind);
        skip "$kind: $why", $tests{$kind} if $why;
        race($kind);
    }
}

# The token for alice from $server, asked in a child of the test, into
# $file.
sub ask {
    my ($server, $file) = @_;
    my $pid = fork // die "fork: $!";
    if (!$pid) {
        my $t = $server->token('alice') // '';
        open my $fh, '>', $file or die $!;
        print $fh $t;
        close $fh;
        # Not exit: the parent's server objects would stop the servers.
        POSIX::_exit(0);
    }
    return $pid;
}

sub slurp {
    my ($file) = @_;
    open my $fh, '<', $file or return '';
    local $/;
    return scalar <$fh>;
}

sub race {
    my ($kind) = @_;
    my $cache = TJWT::CacheServer->start($kind);
    # B's marker is held; A's marker goes through, and what follows it.
    my $pb = TJWT::HoldProxy->start($cache->port, hold => qr/making/);
    my $pa = TJWT::HoldProxy->start($cache->port, hold_after => qr/making/);
    my ($a, $b) = map { TJWT::CacheHttpd->new } 1 .. 2;
    my $key = $a->dir . '/es256.pem';
    system("openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 "
           . "-out $key >/dev/null 2>&1") == 0 or die "openssl: $?";
    chmod 0644, $key;
    for ([ $a, $pa ], [ $b, $pb ]) {
        my ($s, $px) = @$_;
        $s->write_cache_conf(key => $key,
                             lines => [ "TeleportJWTCache $kind:" . $px->addr ]);
        $s->start;
    }
    my $d = $a->dir;

    my $kb = ask($b, "$d/token.b");
    ok($pb->held, "$kind: B found alice absent and its marker is held");
    my $ka = ask($a, "$d/token.a");
    ok($pa->held, "$kind: A found alice absent, marked, and its read-back is held");
    $pb->release;
    waitpid $kb, 0;
    my $tb = slurp("$d/token.b");
    ok(length $tb, "$kind: B, reading back its own marker, made the token");
    $pa->release;
    waitpid $ka, 0;
    is(slurp("$d/token.a"), $tb, "$kind: A read back B's token and served it");
    is($b->counters->{TokensSigned}, 1, "$kind: B signed once");
    my $ca = $a->counters;
    is($ca->{TokensSigned}, 0, "$kind: A signed nothing");
    is($ca->{CacheHits}, 1, "$kind: A counted a hit");
    $_->stop for $a, $b;
    $_->stop for $pa, $pb;
    $cache->stop;
}
