# The JWKS endpoint (docs/directives.md, "SetHandler teleport-jwks"): GET
# and HEAD only, public members only, cacheable, and the key that signs.
use strict;
use warnings FATAL => 'all';

use Apache::Test qw(-withtestmore);
use Apache::TestRequest qw(GET HEAD POST);
use JSON::PP ();
use TJWT::Util qw(file_kid tests_dir);

plan tests => 21;

my $url = '/.well-known/jwks.json';
my $res = GET $url;
is($res->code, 200, 'GET 200');
like($res->header('Content-Type'), qr{^application/json}, 'application/json');
is($res->header('Cache-Control'), 'public, max-age=300', 'Cache-Control');
my $etag = $res->header('ETag');
like($etag // '', qr/^"[^"]+"$/, 'a strong ETag');

my $doc = eval { JSON::PP::decode_json($res->content) };
ok($doc, 'body is JSON');
is_deeply([ keys %$doc ], ['keys'], 'a key set and nothing else');
is(scalar @{ $doc->{keys} }, 1, 'one key: the signing key');
my $k = $doc->{keys}[0];
is_deeply([ sort keys %$k ], [qw(alg e kid kty n use)],
          'RSA members, no private member');
ok(!grep({ exists $k->{$_} } qw(d p q dp dq qi oth k)), 'no private member');
is($k->{kty}, 'RSA', 'kty');
is($k->{alg}, 'RS256', 'alg');
is($k->{use}, 'sig', 'use');
is($k->{e}, 'AQAB', 'e');
my $keyfile = tests_dir() . '/t/teleport-jwt/signing-key.pem';
is($k->{kid}, file_kid($keyfile), "kid is Teleport's for the generated key");
is((stat $keyfile)[2] & 07777, 0600, 'generated key file is mode 0600');

$res = HEAD $url;
is($res->code, 200, 'HEAD 200');
is($res->content, '', 'HEAD has no body');
is($res->header('ETag'), $etag, 'HEAD has the same ETag');

$res = POST $url, content => 'x';
is($res->code, 405, 'POST 405');
like($res->header('Allow') // '', qr/\bGET\b/, 'Allow names GET');

$res = GET $url, 'If-None-Match' => $etag;
is($res->code, 304, 'If-None-Match with the ETag: 304');
