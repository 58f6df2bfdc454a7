# A cache server that dies and comes back under load (docs/cache.md, "When
# the shared cache fails"): while Redis or memcached is down no request
# fails (the module signs), each process logs once that the cache is down
# and once that it is back, and shared hits return within a bounded number
# of polls after the restart. The time that took is reported, not asserted:
# the design aims at about a second (one probe a second per process).
use strict;
use warnings FATAL => 'all';

use Apache::Test qw(-withtestmore);
use Time::HiRes qw(time sleep);
use TJWT::CacheHttpd ();
use TJWT::CacheServer ();
use TJWT::Util qw(token_parts);

my $per_kind = 7;
plan tests => 2 * $per_kind;

for my $kind (qw(redis memcache)) {
  SKIP: {
        my $why = TJWT::CacheServer->unavailable($kind);
        skip "$kind: $why", $per_kind if $why;
        recovery($kind);
    }
}

sub recovery {
    my ($kind) = @_;
    my $cache = TJWT::CacheServer->start($kind);
    my @servers = TJWT::CacheHttpd->fleet_of_two($kind, $cache);
    my ($a, $b) = @servers;
    my (@failed, @wrong);
    my $get = sub {
        my ($s, $user) = @_;
        my $t = $s->token($user);
        push @failed, $user unless $t;
        push @wrong, $user unless $t && (token_parts($t))[1]{sub} eq $user;
        return $t // '';
    };

    # Warm: every process holds pooled connections to the cache server,
    # which die with it. ES256 signatures are randomised: equal tokens
    # from the two servers mean a shared hit.
    my $warm = 0;
    for my $i (1 .. 20) {
        $warm++ if $get->($a, "warm$i") eq $get->($b, "warm$i");
    }

    # Down for a while under load: new users, so every lookup reaches the
    # shared layer; a little pause so that the processes probe.
    $cache->stop;
    my $t0 = time;
    my $i = 0;
    while (time - $t0 < 3) {
        $i++;
        $get->($servers[ $i % 2 ], "down$i");
        sleep 0.02;
    }
    my $down_requests = $i;

    $cache->restart;
    my $t_restart = time;
    my ($first, $full, $run) = (undef, undef, 0);
    for my $j (1 .. 300) {    # 300 polls: about 30 s at most
        my $hit = $get->($a, "back$j") eq $get->($b, "back$j");
        $first //= time - $t_restart if $hit;
        $run = $hit ? $run + 1 : 0;
        # Ten in a row: every process of both servers takes part.
        if ($run >= 10) { $full = time - $t_restart; last }
        sleep 0.1;
    }
    cmp_ok($warm, '>=', 15, "$kind: shared hits before the failure ($warm of 20)");
    is("@failed", '', "$kind: no failed request while the cache server was down");
    is("@wrong", '', "$kind: every request got its own user's token");
    ok(defined $first, "$kind: shared hits come back after the restart");
    ok(defined $full, "$kind: ten shared hits in a row after the restart");
    diag(sprintf "%s: %d requests while down; first shared hit %.2f s and "
         . "ten in a row %.2f s after the restart", $kind, $down_requests,
         $first // -1, $full // -1);

    my $cnt = sub {
        my ($re) = @_;
        my $n = 0;
        $n += () = $_->error_log =~ /$re/g for @servers;
        return $n;
    };
    my $down = $cnt->(qr/TeleportJWTCache \Q$kind\E:\S+: .* failed; tokens are signed without the shared cache/);
    my $back = $cnt->(qr/TeleportJWTCache \Q$kind\E:\S+ answers again/);
    diag("$kind: $down 'down' and $back 'back' lines in the error logs");
    # Four processes: each says it once, whatever its requests.
    ok($down >= 1 && $down <= 4, "$kind: 'down' logged once per process ($down)");
    ok($back >= 1 && $back <= $down, "$kind: 'back' logged once per process ($back)");
    $_->stop for @servers;
}
