# TeleportJWTCacheSize (docs/cache.md): the in-process cache holds that
# many tokens and evicts the least recently used; configtest refuses a
# size that is not a number from 1 to 1000000 with the file, the line,
# the value and what is accepted.
use strict;
use warnings FATAL => 'all';

use Apache::Test qw(-withtestmore);
use TJWT::CacheHttpd ();
use TJWT::Private ();

plan tests => 13;

# --- configtest ----------------------------------------------------------
my $q = TJWT::Private->new;
for my $v ('0', '-5', 'ten', '10k', '1000001', '1e3') {
    my $line = $q->write_conf(qq{TeleportJWTCacheSize "$v"});
    my ($rc, $out) = $q->configtest;
    like($out, qr/line $line of \Q${\ $q->dir}\E\/httpd\.conf:.*TeleportJWTCacheSize '\Q$v\E': expected a number of tokens per process from 1 to 1000000/s,
         "TeleportJWTCacheSize '$v' is refused with file, line and the accepted range");
}

# --- eviction: two tokens, the least recently used goes ---------------------
my $p = TJWT::CacheHttpd->new;
my $d = $p->dir;
system("openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 "
       . "-out $d/es.pem >/dev/null 2>&1") == 0 or die "openssl: $?";
$p->write_cache_conf(key => "$d/es.pem", lines => [ 'TeleportJWTCacheSize 2' ]);
$p->start;

my $signed = sub { $p->counters->{TokensSigned} };
my $alice = $p->token('alice');
my $bob   = $p->token('bob');
is($p->token('alice'), $alice, 'alice again: her cached token');
is($signed->(), 2, 'two signatures for two users');
# Full: carol's token evicts bob's, whose use is older than alice's.
my $carol = $p->token('carol');
is($signed->(), 3, 'carol: a third signature');
is($p->token('alice'), $alice, 'alice, used more recently than bob, is kept');
is($signed->(), 3, 'no signature for her');
my $bob2 = $p->token('bob');
isnt($bob2, $bob, 'bob, the least recently used, was evicted: a new token');
is($signed->(), 4, 'one signature for him');
