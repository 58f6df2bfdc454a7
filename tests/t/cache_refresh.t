# Refresh without storms (docs/cache.md): a token is made anew at its
# key's refresh point, within the last eighth of its first half-life,
# while still usable, rather than once it is past. A 16 s lifetime has a
# window of 2 s before the half-life at iat + 8: the next token is signed
# at iat + 6 or iat + 7, never at iat + 9 as the half-life alone would.
# Asking every quarter second puts a request in every second.
use strict;
use warnings FATAL => 'all';

use Apache::Test qw(-withtestmore);
use Time::HiRes qw(sleep);
use TJWT::CacheHttpd ();
use TJWT::Util qw(token_parts);

plan tests => 5;

my $p = TJWT::CacheHttpd->new;
my $d = $p->dir;
system("openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 "
       . "-out $d/es.pem >/dev/null 2>&1") == 0 or die "openssl: $?";
$p->write_cache_conf(key => "$d/es.pem", lines => [
    '<Location /life>', 'TeleportJWTLifetime 16s', '</Location>' ]);
$p->start;

my $t1 = $p->token('alice', '/life/');
my (undef, $c1) = token_parts($t1 // '');
# iat is 10 s before the signing time (docs/tokens.md, "Clocks"); the
# difference of two tokens' iat is still the time between their signing.
is($c1->{exp} - ($c1->{iat} + 10), 16, 'a 16 s token');
my $t2;
for (1 .. 60) {
    sleep 0.25;
    my $t = $p->token('alice', '/life/') // next;
    if ($t ne $t1) { $t2 = $t; last }
}
ok($t2, 'a new token came');
my $age = (token_parts($t2 // ''))[1]{iat} - $c1->{iat};
cmp_ok($age, '>=', 6, 'not before the refresh window');
cmp_ok($age, '<=', 7, 'made before the half-life ran out');
is($p->counters->{TokensSigned}, 2, 'one signature for the refresh');
