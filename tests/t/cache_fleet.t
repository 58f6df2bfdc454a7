# A fleet sharing tokens through Redis and through memcached (docs/cache.md,
# "A fleet: Redis or memcached"): two separate httpd instances with the
# same key file serve the same token for the same identity; a token planted
# under another identity's key is refused; each process's in-process cache
# answers before the cache server; and killing the cache server in the
# middle of a run of requests costs no failed request. Real redis-server
# and memcached, started here on free loopback ports.
use strict;
use warnings FATAL => 'all';

use Apache::Test qw(-withtestmore);
use LWP::UserAgent ();
use TJWT::CacheHttpd ();
use TJWT::CacheServer ();
use TJWT::Util qw(token_parts verify_pyjwt);

my %tests = (redis => 12, memcache => 8);
plan tests => $tests{redis} + $tests{memcache};

for my $kind (qw(redis memcache)) {
  SKIP: {
        my $why = TJWT::CacheServer->unavailable($kind);
        skip "$kind: $why", $tests{$kind} if $why;
        fleet($kind);
    }
}

sub fleet {
    my ($kind) = @_;
    my $cache = TJWT::CacheServer->start($kind);
    my @servers = TJWT::CacheHttpd->fleet_of_two($kind, $cache);
    my ($a, $b) = @servers;

    # ES256 signatures are randomised: only the cache gives equal tokens.
    my $ta = $a->token('alice');
    is($b->token('alice'), $ta, "$kind: the other server serves alice the same token");
    my $tb = $b->token('bob');
    is($a->token('bob'), $tb, "$kind: and bob's, the other way round");
    my ($ok, $out) = verify_pyjwt($ta, jwks => $b->url('/jwks'),
                                  issuer => 'issuer.example',
                                  audience => 'https://app.example');
    ok($ok, "$kind: the token verifies against the other server's JWKS")
        or diag($out);
    cmp_ok($b->counters->{CacheHits} // 0, '>=', 1, "$kind: counted as a hit");

    if ($kind eq 'redis') {
        # Whoever can write to Redis plants bob's entry under the key of
        # carol, whom server a has not served yet: its lookup reaches Redis
        # (an identity a process has served is answered in process).
        $b->token('carol');
        my %entry_of;
        for my $k ($cache->redis_cli('KEYS', 'teleport-jwt:*')) {
            my $v = join "\n", $cache->redis_cli('GET', $k);
            my ($token) = $v =~ /\n(\S+)$/;
            $entry_of{ (token_parts($token))[1]{sub} } = [ $k, $v ];
        }
        $cache->redis_cli('SET', $entry_of{carol}[0], $entry_of{bob}[1], 'EX', 300);
        my $errors = $a->counters->{CacheErrors};
        my $t = $a->token('carol');
        is((token_parts($t // ''))[1]{sub}, 'carol',
           'redis: a planted token of another identity is not served');
        is($a->counters->{CacheErrors}, $errors + 1, 'redis: counted as a cache error');
        like($a->error_log, qr/does not match the claims of carol; not used/,
             'redis: and logged');

        # The in-process cache answers first: with Redis emptied, the
        # process that signed dave's token (one kept-alive connection,
        # one process) still serves it.
        my $ka = LWP::UserAgent->new(timeout => 10, keep_alive => 1);
        my $td = $a->token('dave', '/', ua => $ka);
        $cache->redis_cli('FLUSHALL');
        is($a->token('dave', '/', ua => $ka), $td,
           'redis: the in-process cache answers before Redis');
    }

    # Kill the cache server a third of the way through a bounded run. From
    # then on, users no process has served: their lookups reach the dead
    # server (a process answers those it has served from its own cache).
    my (@failed, @wrong);
    for my $i (1 .. 60) {
        $cache->stop if $i == 20;
        my $user = ($i < 20 ? 'user' : 'late') . ($i % 7);
        my $s = $servers[ $i % 2 ];
        my $t = $s->token($user);
        push @failed, $i unless $t;
        push @wrong, $i unless $t && (token_parts($t))[1]{sub} eq $user;
    }
    is("@failed", '', "$kind: no failed request while the cache server died");
    is("@wrong", '', "$kind: every request got its own user's token");
    my $errors = 0;
    $errors += $_->counters->{CacheErrors} for @servers;
    cmp_ok($errors, '>=', 1, "$kind: the failures are counted");
    my $warnings = 0;
    $warnings += () = $_->error_log =~ /TeleportJWTCache \Q$kind\E:\S+: .* failed; tokens are signed without the shared cache/g
        for @servers;
    ok($warnings >= 1 && $warnings <= 4,
       "$kind: warned once per process, not per request ($warnings)");
    $_->stop for @servers;
}
