# Key files (docs/keys.md, "Choosing an algorithm"): RSA of at least 2048
# bits, EC P-256 and Ed25519 are accepted, in every PEM form; every other
# key type or curve, an encrypted key, a public key given as signing key and
# a file that is not a key stop configtest with a message naming the
# directive, the file and what is accepted.
use strict;
use warnings FATAL => 'all';

use Apache::Test qw(-withtestmore);
use TJWT::Private ();
use TJWT::Tool qw(openssl spew);

my $p = TJWT::Private->new;
my $d = $p->dir;

# Keys the module accepts, in the forms operators have them.
openssl("genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:3072 -out $d/rsa3072.pem");
openssl("genrsa -traditional -out $d/rsa-pkcs1.pem 2048");
openssl("genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out $d/p256-pkcs8.pem");
openssl("ec -in $d/p256-pkcs8.pem -out $d/p256-sec1.pem");
# `openssl ecparam -genkey` puts an EC PARAMETERS block before the key.
openssl("ecparam -name prime256v1 -genkey -out $d/p256-ecparam.pem");
openssl("genpkey -algorithm ED25519 -out $d/ed25519.pem");
# Public halves, for TeleportJWTPublishKey.
openssl("rsa -in $d/rsa-pkcs1.pem -RSAPublicKey_out -out $d/rsa-pub-pkcs1.pem");
openssl("pkey -in $d/rsa3072.pem -pubout -out $d/rsa-pub-spki.pem");
openssl("pkey -in $d/p256-pkcs8.pem -pubout -out $d/p256-pub.pem");
openssl("pkey -in $d/ed25519.pem -pubout -out $d/ed25519-pub.pem");

# Everything else.
openssl("genpkey -algorithm RSA-PSS -pkeyopt rsa_keygen_bits:2048 -out $d/rsa-pss.pem");
openssl("genrsa -out $d/rsa1024.pem 1024");
openssl("genpkey -genparam -algorithm DSA -pkeyopt dsa_paramgen_bits:1024 -out $d/dsa-params.pem");
openssl("genpkey -paramfile $d/dsa-params.pem -out $d/dsa.pem");
openssl("genpkey -algorithm DH -pkeyopt group:ffdhe2048 -out $d/dh.pem");
openssl("genpkey -algorithm X25519 -out $d/x25519.pem");
openssl("genpkey -algorithm X448 -out $d/x448.pem");
openssl("genpkey -algorithm ED448 -out $d/ed448.pem");
openssl("genpkey -algorithm EC -pkeyopt ec_paramgen_curve:secp256k1 -out $d/secp256k1.pem");
openssl("genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-384 -out $d/p384.pem");
openssl("genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-521 -out $d/p521.pem");
openssl("genpkey -algorithm EC -pkeyopt ec_paramgen_curve:brainpoolP256r1 -out $d/brainpool.pem");
openssl("pkey -in $d/p256-pkcs8.pem -aes256 -passout pass:secret -out $d/enc-pkcs8.pem");
openssl("ec -in $d/p256-pkcs8.pem -aes128 -passout pass:secret -out $d/enc-sec1.pem");
openssl("rsa -in $d/rsa-pkcs1.pem -traditional -aes128 -passout pass:secret -out $d/enc-pkcs1.pem");
openssl("pkey -in $d/ed25519.pem -outform DER -out $d/ed25519.der");
openssl("req -x509 -key $d/p256-pkcs8.pem -subj /CN=tjwt -days 1 -out $d/cert.pem");
spew("$d/jwk.json", '{"kty":"OKP","crv":"Ed25519","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"}');
spew("$d/empty.pem", '');
mkdir "$d/dir.pem";

my $accepted = qr/RSA of at least 2048 bits, EC P-256 or Ed25519/;

# [file, why, also refused by TeleportJWTPublishKey?]
my @bad = (
    [ 'rsa-pss.pem',       qr/holds a RSA-PSS key/,                  1 ],
    [ 'rsa1024.pem',       qr/1024-bit RSA key.*at least 2048/,      1 ],
    [ 'dsa.pem',           qr/holds a DSA key/,                      1 ],
    [ 'dh.pem',            qr/holds a DH key/,                       1 ],
    [ 'x25519.pem',        qr/holds a X25519 key/,                   1 ],
    [ 'x448.pem',          qr/holds a X448 key/,                     1 ],
    [ 'ed448.pem',         qr/holds a ED448 key/,                    1 ],
    [ 'secp256k1.pem',     qr/EC key on curve secp256k1/,            1 ],
    [ 'p384.pem',          qr/EC key on curve secp384r1/,            1 ],
    [ 'p521.pem',          qr/EC key on curve secp521r1/,            1 ],
    [ 'brainpool.pem',     qr/EC key on curve brainpoolP256r1/,      1 ],
    [ 'enc-pkcs8.pem',     qr/is encrypted.*passphrase/,             1 ],
    [ 'enc-sec1.pem',      qr/is encrypted.*passphrase/,             1 ],
    [ 'enc-pkcs1.pem',     qr/is encrypted.*passphrase/,             1 ],
    [ 'p256-pub.pem',      qr/holds a public key.*must be the private key/, 0 ],
    [ 'rsa-pub-pkcs1.pem', qr/holds a public key.*must be the private key/, 0 ],
    [ 'ed25519-pub.pem',   qr/holds a public key.*must be the private key/, 0 ],
    [ 'ed25519.der',       qr/is not a PEM key/,                     1 ],
    [ 'cert.pem',          qr/holds a CERTIFICATE block, not a key/,  1 ],
    [ 'jwk.json',          qr/is not a PEM key/,                     1 ],
    [ 'empty.pem',         qr/is empty/,                             1 ],
);
my @unreadable = ('missing.pem', 'dir.pem');
my @good_signing = qw(rsa3072.pem rsa-pkcs1.pem p256-pkcs8.pem p256-sec1.pem
                      p256-ecparam.pem ed25519.pem);
my @good_publish = (@good_signing, qw(rsa-pub-pkcs1.pem rsa-pub-spki.pem
                                      p256-pub.pem ed25519-pub.pem));
my @bad_publish = grep { $_->[2] } @bad;

plan tests => 4 * @bad + 2 * @bad_publish + 2 * @unreadable
    + @good_signing + 1;

# Checks that configtest fails for @lines (the first names the key) and
# that the message has the directive, the file and line, the key file
# and the reason.
sub refused {
    my ($directive, $file, $why) = @_;
    my $line = $p->write_conf("$directive $d/$file");
    my ($rc, $out) = $p->configtest;
    my $ok = $rc != 0
        && $out =~ /line $line of \Q$d\E\/httpd\.conf/
        && $out =~ /\Q$directive\E: .*\Q$d\/$file\E/;
    ok($ok, "$directive $file: configtest fails, naming the line, the "
            . 'directive and the file') or diag($out);
    like($out, $why, "$directive $file: says why") or diag($out);
    return $out;
}

for my $b (@bad) {
    my ($file, $why) = @$b;
    my $out = refused('TeleportJWTSigningKey', $file, $why);
    like($out, $accepted, "TeleportJWTSigningKey $file: says what is accepted");
    unlike($out, qr/Syntax OK/, "TeleportJWTSigningKey $file: no Syntax OK");
}

for my $b (@bad_publish) {
    my ($file, $why) = @$b;
    refused("TeleportJWTPublishKey", $file, $why);
}

for my $file (@unreadable) {
    refused('TeleportJWTSigningKey', $file, qr/cannot read key file/);
}

for my $file (@good_signing) {
    $p->write_conf("TeleportJWTSigningKey $d/$file");
    my ($rc, $out) = $p->configtest;
    ok($rc == 0 && $out =~ /Syntax OK/, "$file is accepted as signing key")
        or diag($out);
}

$p->write_conf("TeleportJWTSigningKey $d/ed25519.pem",
               map { "TeleportJWTPublishKey $d/$_" } @good_publish);
my ($rc, $out) = $p->configtest;
ok($rc == 0 && $out =~ /Syntax OK/,
   'every accepted private and public form is accepted as a published key')
    or diag($out);
