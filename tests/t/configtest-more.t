# Configuration checks made outside the directive table: what a key file
# may hold (src/keys.c), and TeleportJWTCache's provider argument
# (src/cache_socache.c). Each bad value stops `apachectl -t` with the
# file, the line, the value and what is accepted; good ones pass.
use strict;
use warnings FATAL => 'all';

use Apache::Test qw(-withtestmore);
use TJWT::Private ();
use TJWT::Tool qw(slurp spew);

my $p = TJWT::Private->new;
my $d = $p->dir;

sub openssl { system("openssl @_ >/dev/null 2>&1") == 0 or die "openssl @_" }
openssl("genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out $d/k1.pem");
openssl("genpkey -algorithm ED25519 -out $d/k2.pem");
openssl("req -x509 -key $d/k1.pem -subj /CN=tjwt -days 1 -out $d/cert.pem");
openssl("pkey -in $d/k1.pem -pubout -out $d/pub1.pem");
openssl("pkey -in $d/k2.pem -pubout -out $d/pub2.pem");
openssl("ecparam -name prime256v1 -genkey -out $d/ecparam.pem");
my ($k1, $k2, $cert) = map { slurp("$d/$_") } qw(k1.pem k2.pem cert.pem);
spew("$d/two-keys.pem", $k1 . $k2);
spew("$d/key-cert.pem", $k1 . $cert);
spew("$d/cert-key.pem", $cert . $k1);
spew("$d/key-garbage.pem", $k1 . "-----BEGIN GARBAGE-----\nbm90IGEga2V5\n-----END GARBAGE-----\n");
spew("$d/two-public.pem", slurp("$d/pub1.pem") . slurp("$d/pub2.pem"));
# Text outside the block is what every PEM reader skips: accepted.
spew("$d/key-text.pem", "a comment before\n" . $k1 . "and one after\n");

my $one = 'a key file holds one key and nothing else';
my @bad_keys = (
    [ 'TeleportJWTSigningKey', 'two-keys.pem',    qr/holds 2 PEM blocks \(PRIVATE KEY, PRIVATE KEY\); $one: expected an unencrypted PEM key/ ],
    [ 'TeleportJWTSigningKey', 'key-cert.pem',    qr/holds 2 PEM blocks \(PRIVATE KEY, CERTIFICATE\); $one/ ],
    [ 'TeleportJWTSigningKey', 'cert-key.pem',    qr/holds 2 PEM blocks \(CERTIFICATE, PRIVATE KEY\); $one/ ],
    [ 'TeleportJWTSigningKey', 'key-garbage.pem', qr/holds 2 PEM blocks \(PRIVATE KEY, GARBAGE\); $one/ ],
    [ 'TeleportJWTSigningKey', 'cert.pem',        qr/holds a CERTIFICATE block, not a key: expected an unencrypted PEM key/ ],
    [ 'TeleportJWTPublishKey', 'two-public.pem',  qr/holds 2 PEM blocks \(PUBLIC KEY, PUBLIC KEY\); $one: expected a public key or an unencrypted PEM key/ ],
    [ 'TeleportJWTPublishKey', 'key-cert.pem',    qr/holds 2 PEM blocks \(PRIVATE KEY, CERTIFICATE\); $one: expected a public key/ ],
    [ 'TeleportJWTPublishKey', 'cert.pem',        qr/holds a CERTIFICATE block, not a key: expected a public key/ ],
);
my @good_keys = (
    [ 'ecparam.pem', 'pub1.pem' ],
    [ 'key-text.pem', 'k2.pem' ],
);

# TeleportJWTCache: the provider's own check of its argument, and for
# redis and memcache the addresses their start-up would refuse.
my $mods = $ENV{TJWT_APACHE_MODULES} // '';
my @socache = map { "LoadModule socache_${_}_module $mods/mod_socache_$_.so" }
              grep { -e "$mods/mod_socache_$_.so" } qw(shmcb redis memcache);
my $port = 'PORT from 1 to 65535';
my @bad_cache = (
    [ 'redis:127.0.0.1:99999',       qr/not accepted by the redis provider: '127\.0\.0\.1:99999' is not HOST or HOST:PORT with a port from 1 to 65535; expected redis:HOST\[:PORT\]\[,HOST\[:PORT\]\.\.\.\], $port/ ],
    [ 'redis:localhost:6379,localhost:http', qr/'localhost:http' is not HOST or HOST:PORT with a port from 1 to 65535 \(an IPv6 address goes in brackets: \[::1\]:6379\); expected redis:HOST/ ],
    [ 'memcache:127.0.0.1:0',        qr/not accepted by the memcache provider: '127\.0\.0\.1:0' is not HOST/ ],
    [ 'memcache:127.0.0.1:-1',       qr/'127\.0\.0\.1:-1' is not HOST or HOST:PORT/ ],
    [ 'memcache::11211',             qr/':11211' is not HOST or HOST:PORT/ ],
    [ 'memcache:11211',              qr/'11211' names no host; expected memcache:HOST/ ],
    [ 'redis:::1',                   qr/'::1' is not HOST or HOST:PORT .*\[::1\]:6379/ ],
    [ 'redis:',                      qr/not accepted by the redis provider: List of server names required/ ],
    [ 'shmcb:cache(100)',            qr/not accepted by the shmcb provider: .*size has to be >= 8192 bytes; expected shmcb, shmcb:PATH or shmcb:PATH\(BYTES\)/ ],
    [ 'shmcb:cache(lots)',           qr/cache size not numerical/ ],
);
my @good_cache = ('redis:127.0.0.1:6379', 'redis:localhost',
                  'memcache:127.0.0.1:11211,[::1]:11212,[::1]', 'shmcb',
                  'shmcb:cache(1048576)');

plan tests => 4 * @bad_keys + @good_keys + 3 * @bad_cache + @good_cache;

for my $k (@bad_keys) {
    my ($directive, $file, $why) = @$k;
    # A good signing key first, when the publish key is the one tested.
    my @lines = $directive eq 'TeleportJWTPublishKey'
        ? ("TeleportJWTSigningKey $d/k1.pem", "$directive $d/$file")
        : ("$directive $d/$file");
    my $line = $p->write_conf(@lines) + @lines - 1;
    my ($rc, $out) = $p->configtest;
    isnt($rc, 0, "$directive $file: configtest fails");
    like($out, qr/line $line of \Q$d\E\/httpd\.conf/, "$directive $file: names file and line")
        or diag($out);
    like($out, qr/$directive: key file \Q$d\/$file\E/, "$directive $file: names the directive and the key file")
        or diag($out);
    like($out, $why, "$directive $file: says what it holds and what is accepted") or diag($out);
}

for my $g (@good_keys) {
    my ($signing, $publish) = @$g;
    $p->write_conf("TeleportJWTSigningKey $d/$signing", "TeleportJWTPublishKey $d/$publish");
    my ($rc, $out) = $p->configtest;
    ok($rc == 0 && $out =~ /Syntax OK/, "$signing and $publish are accepted") or diag($out);
}

SKIP: {
    skip 'mod_socache_redis and mod_socache_memcache are not installed',
        3 * @bad_cache + @good_cache unless @socache == 3;
    for my $c (@bad_cache) {
        my ($value, $why) = @$c;
        my @lines = (@socache, "TeleportJWTCache $value");
        my $line = $p->write_conf(@lines) + @lines - 1;
        my ($rc, $out) = $p->configtest;
        isnt($rc, 0, "TeleportJWTCache $value: configtest fails");
        like($out, qr/line $line of \Q$d\E\/httpd\.conf:\nTeleportJWTCache \Q$value\E: /,
             "TeleportJWTCache $value: names file, line and value") or diag($out);
        like($out, $why, "TeleportJWTCache $value: says why and what is accepted")
            or diag($out);
    }
    for my $value (@good_cache) {
        $p->write_conf(@socache, "TeleportJWTCache $value");
        my ($rc, $out) = $p->configtest;
        ok($rc == 0 && $out =~ /Syntax OK/, "TeleportJWTCache $value is accepted")
            or diag($out);
    }
}
