# A fleet sharing tokens through Redis and through memcached (docs/cache.md,
# "A fleet: Redis or memcached"):
# two separate httpd instances with the same key file serve the same token
# for the same identity; a token planted under another identity's key is
# refused; and killing the cache server in the middle of a run of requests
# costs no failed request. Real redis-server and memcached, started here
# on free loopback ports.
use strict;
use warnings FATAL => 'all';

use Apache::Test qw(-withtestmore);
use TJWT::CacheHttpd ();
use TJWT::CacheServer ();
use TJWT::Util qw(token_parts verify_pyjwt);

my %tests = (redis => 11, memcache => 8);
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
    my @servers = map { TJWT::CacheHttpd->new } 1 .. 2;
    my $key = $servers[0]->dir . '/es256.pem';
    system("openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 "
           . "-out $key >/dev/null 2>&1") == 0 or die "openssl: $?";
    chmod 0644, $key;
    for my $s (@servers) {
        $s->write_cache_conf(key => $key, processes => 2,
                             lines => [ "TeleportJWTCache $kind:" . $cache->addr ]);
        $s->start;
    }
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
        # Whoever can write to Redis plants bob's entry under alice's key.
        my %entry_of;
        for my $k ($cache->redis_cli('KEYS', 'teleport-jwt:*')) {
            my $v = join "\n", $cache->redis_cli('GET', $k);
            my ($token) = $v =~ /\n(\S+)$/;
            $entry_of{ (token_parts($token))[1]{sub} } = [ $k, $v ];
        }
        $cache->redis_cli('SET', $entry_of{alice}[0], $entry_of{bob}[1], 'EX', 300);
        my $errors = $a->counters->{CacheErrors};
        my $t = $a->token('alice');
        is((token_parts($t // ''))[1]{sub}, 'alice',
           'redis: a planted token of another identity is not served');
        is($a->counters->{CacheErrors}, $errors + 1, 'redis: counted as a cache error');
        like($a->error_log, qr/does not match the claims of alice; not used/,
             'redis: and logged');
    }

    # Kill the cache server a third of the way through a bounded run.
    my (@failed, @wrong);
    for my $i (1 .. 60) {
        $cache->stop if $i == 20;
        my $user = 'user' . ($i % 7);
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
    $warnings += () = $_->error_log =~ /TeleportJWTCache \Q$kind\E:\S+: .* failed; tokens are signed without the cache/g
        for @servers;
    ok($warnings >= 1 && $warnings <= 4,
       "$kind: warned once per process, not per request ($warnings)");
    $_->stop for @servers;
}
