# Keys per virtual host (docs/keys.md, "Keys per virtual host"): each vhost
# signs with its own TeleportJWTSigningKey and serves its own JWKS (signing
# key first, then its TeleportJWTPublishKey keys, no duplicates), with the
# members of each key type. Tokens signed with ES256 and EdDSA by the real
# server verify with PyJWT against their vhost's JWKS, and only against it.
use strict;
use warnings FATAL => 'all';

use Apache::Test qw(-withtestmore);
use JSON::PP ();
use LWP::UserAgent ();
use MIME::Base64 qw(encode_base64);
use TJWT::Private ();
use TJWT::Tool qw(openssl openssl_kid);
use TJWT::Util qw(b64url_decode token_parts verify_pyjwt free_port tests_dir
                  owned_values);

plan tests => 48;

my $p = TJWT::Private->new;
my $d = $p->dir;
my $mods = $ENV{TJWT_APACHE_MODULES};
my ($port_a, $port_b, $port_echo) = (free_port(), free_port(), free_port());

openssl("genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out $d/a-sign.pem");
openssl("genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out $d/a-next.pem");
openssl("pkey -in $d/a-next.pem -pubout -out $d/a-next-pub.pem");
openssl("genpkey -algorithm ED25519 -out $d/b-sign.pem");
openssl("genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out $d/b-old.pem");
openssl("pkey -in $d/b-old.pem -pubout -out $d/b-old-pub.pem");
my %kid = map { $_ => openssl_kid("$d/$_.pem") } qw(a-sign a-next b-sign b-old);

my $t = tests_dir();
my @vhost_app = (
    '<Location /jwks>', 'SetHandler teleport-jwks', '</Location>',
    '<Location /app>', 'AuthType Basic', 'AuthName tjwt',
    "AuthUserFile $t/t/htpasswd", 'Require valid-user', 'TeleportJWT On',
    "ProxyPass http://127.0.0.1:$port_echo/echo", '</Location>',
);
$p->write_conf(
    (map { "LoadModule ${_}_module $mods/mod_$_.so" }
         qw(proxy proxy_http auth_basic authn_core authn_file authz_user perl)),
    "Listen 127.0.0.1:$port_a", "Listen 127.0.0.1:$port_b",
    "Listen 127.0.0.1:$port_echo",
    "PerlSwitches -I$t/t/lib", 'PerlModule TJWT::Echo',
    # The main server keeps the generated default key.
    '<Location /jwks>', 'SetHandler teleport-jwks', '</Location>',
    "<VirtualHost 127.0.0.1:$port_echo>",
    '<Location /echo>', 'SetHandler modperl',
    'PerlResponseHandler TJWT::Echo', '</Location>', '</VirtualHost>',
    # a: EC signs, an RSA key is published (as its public half), and the
    # signing key is listed again, which must not duplicate it.
    "<VirtualHost 127.0.0.1:$port_a>", 'ServerName a.test',
    "TeleportJWTSigningKey $d/a-sign.pem",
    "TeleportJWTPublishKey $d/a-next-pub.pem",
    "TeleportJWTPublishKey $d/a-sign.pem", @vhost_app, '</VirtualHost>',
    # b: Ed25519 signs, an EC key is published.
    "<VirtualHost 127.0.0.1:$port_b>", 'ServerName b.test',
    "TeleportJWTSigningKey $d/b-sign.pem",
    "TeleportJWTPublishKey $d/b-old-pub.pem", @vhost_app, '</VirtualHost>',
);
$p->start;

my $ua = LWP::UserAgent->new(timeout => 10);
my %url = (
    main => $p->url('/jwks'),
    a    => "http://127.0.0.1:$port_a/jwks",
    b    => "http://127.0.0.1:$port_b/jwks",
);
my (%doc, %etag);
for my $v (qw(main a b)) {
    my $res = $ua->get($url{$v});
    is($res->code, 200, "$v: JWKS served");
    is($res->header('Cache-Control'), 'public, max-age=300', "$v: Cache-Control");
    $etag{$v} = $res->header('ETag') // '';
    $doc{$v} = eval { JSON::PP::decode_json($res->content) } // { keys => [] };
}

sub kids { [ map { $_->{kid} } @{ $_[0]{keys} } ] }

is_deeply(kids($doc{a}), [ $kid{'a-sign'}, $kid{'a-next'} ],
          'a: its signing key first, then its published key, once each');
is_deeply(kids($doc{b}), [ $kid{'b-sign'}, $kid{'b-old'} ],
          'b: its signing key first, then its published key');
is(scalar @{ $doc{main}{keys} }, 1, 'main server: one key');
is($doc{main}{keys}[0]{kty}, 'RSA', 'main server: the generated RSA key');
ok(!grep({ my $k = $_; grep { $_ eq $doc{main}{keys}[0]{kid} } @{ kids($doc{$k}) } } qw(a b)),
   "main server's key is in neither vhost's set");
ok($etag{a} ne $etag{b} && $etag{a} ne $etag{main} && $etag{b} ne $etag{main},
   'each set has its own ETag');

# Members per key type, public only, with exact sizes.
my %want_members = (
    EC  => [qw(alg crv kid kty use x y)],
    OKP => [qw(alg crv kid kty use x)],
    RSA => [qw(alg e kid kty n use)],
);
my ($ec, $rsa) = @{ $doc{a}{keys} };
my ($okp, $ec_b) = @{ $doc{b}{keys} };
for my $c ([ 'a EC', $ec, 'EC', 'ES256' ], [ 'a RSA', $rsa, 'RSA', 'RS256' ],
           [ 'b OKP', $okp, 'OKP', 'EdDSA' ], [ 'b EC', $ec_b, 'EC', 'ES256' ]) {
    my ($name, $k, $kty, $alg) = @$c;
    is_deeply([ sort keys %$k ], $want_members{$kty},
              "$name: exactly the public members of kty $kty");
    is("$k->{kty} $k->{alg} $k->{use}", "$kty $alg sig", "$name: kty, alg, use");
}
is($ec->{crv}, 'P-256', 'EC crv P-256');
is(length b64url_decode($ec->{x}), 32, 'EC x is 32 bytes');
is(length b64url_decode($ec->{y}), 32, 'EC y is 32 bytes');
is(length(b64url_decode($ec_b->{x})) + length(b64url_decode($ec_b->{y})), 64,
   'EC x and y of the published key: 32 bytes each');
is($okp->{crv}, 'Ed25519', 'OKP crv Ed25519');
is(length b64url_decode($okp->{x}), 32, 'OKP x is 32 bytes');
is(length b64url_decode($rsa->{n}), 256, 'RSA n is 256 bytes');
# The public point in the JWK is the key's, as openssl prints it.
my $spki = qx{openssl pkey -in $d/a-sign.pem -pubout -outform DER 2>/dev/null};
is(b64url_decode($ec->{x}) . b64url_decode($ec->{y}), substr($spki, -64),
   "EC x||y are the signing key's public point");
$spki = qx{openssl pkey -in $d/b-sign.pem -pubout -outform DER 2>/dev/null};
is(b64url_decode($okp->{x}), substr($spki, -32), "OKP x is the signing key's");

# Conditional GET per vhost: its own ETag gives 304, another's does not.
is($ua->get($url{a}, 'If-None-Match' => $etag{a})->code, 304, 'a: 304 on its ETag');
is($ua->get($url{b}, 'If-None-Match' => $etag{b})->code, 304, 'b: 304 on its ETag');
is($ua->get($url{a}, 'If-None-Match' => $etag{b})->code, 200, "a: 200 on b's ETag");

# Tokens from each vhost, signed by its key, verified by PyJWT.
my $auth = 'Basic ' . encode_base64('alice:alice-secret', '');
my $aud = "http://127.0.0.1:$port_echo";
for my $c ([ 'a', $port_a, 'ES256', 'a-sign' ], [ 'b', $port_b, 'EdDSA', 'b-sign' ]) {
    my ($v, $port, $alg, $key) = @$c;
    my $res = $ua->get("http://127.0.0.1:$port/app/x", Authorization => $auth);
    is($res->code, 200, "$v: request proxied");
    my $echo = eval { JSON::PP::decode_json($res->content) } // { headers => [] };
    my ($token) = owned_values($echo, 'Teleport-Jwt-Assertion');
    $token //= '';
    my ($hdr, $claims) = eval { token_parts($token) };
    is($hdr->{alg}, $alg, "$v: alg $alg");
    is($hdr->{kid}, $kid{$key}, "$v: kid of its own signing key");
    is($claims->{iss}, "$v.test", "$v: iss is the vhost's ServerName");
    my $sig = (split /\./, $token)[2] // '';
    is(length b64url_decode($sig), 64, "$v: a 64-byte raw signature (R||S for ES256)");
    my ($ok, $why) = verify_pyjwt($token, jwks => $url{$v}, issuer => "$v.test",
                                  audience => $aud);
    ok($ok, "$v: PyJWT verifies the $alg token against the vhost's JWKS")
        or diag($why);
    my $other = $v eq 'a' ? 'b' : 'a';
    ($ok, $why) = verify_pyjwt($token, jwks => $url{$other}, issuer => "$v.test",
                               audience => $aud);
    ok(!$ok, "$v: the token does not verify against $other\'s JWKS");
    ($ok) = verify_pyjwt($token, jwks => $url{main}, issuer => "$v.test",
                         audience => $aud);
    ok(!$ok, "$v: nor against the main server's JWKS");
}

$p->stop;
