# The token a proxied upstream receives: it verifies against the served
# JWKS with PyJWT, and every claim has the value docs/tokens.md ("The token")
# gives it.
use strict;
use warnings FATAL => 'all';

use Apache::Test qw(-withtestmore);
use JSON::PP ();
use TJWT::Util qw(echo owned_values header_value verify_pyjwt token_parts
                  backend_origin server_name jwks_url file_kid tests_dir);

plan tests => 41;

my ($echo, $res) = echo('/app/claims', user => 'alice');
is($res->code, 200, 'authenticated request is proxied');
my @tokens = owned_values($echo, 'Teleport-Jwt-Assertion');
is(scalar @tokens, 1, 'the upstream gets exactly one assertion header');
my $token = $tokens[0] // '';

my ($verified, $why) = verify_pyjwt($token);
ok($verified, 'PyJWT verifies the token against the served JWKS')
    or diag($why);

my ($hdr, $claims, $text) = token_parts($token);
is_deeply([ sort keys %$hdr ], [qw(alg kid typ)], 'header members');
is($hdr->{alg}, 'RS256', 'alg RS256 for the default RSA key');
is($hdr->{typ}, 'JWT', 'typ JWT');

my $jwks = JSON::PP::decode_json(Apache::TestRequest::GET_BODY('/.well-known/jwks.json'));
is($hdr->{kid}, $jwks->{keys}[0]{kid}, 'kid is the served signing key');
is($hdr->{kid}, file_kid(tests_dir() . '/t/teleport-jwt/signing-key.pem'),
   "kid is Teleport's key id of the generated key file (computed by openssl)");

is_deeply([ sort keys %$claims ],
          [qw(aud exp iat iss nbf roles sub traits username)],
          'the full claim set and nothing else');
is($claims->{sub}, 'alice', 'sub is the user');
is($claims->{username}, 'alice', 'username is the user');
is_deeply($claims->{aud}, [ backend_origin() ],
          'aud is the origin of the proxy target');
is($claims->{iss}, server_name(), "iss defaults to the vhost's ServerName");
is_deeply($claims->{roles}, [], 'roles is an empty array');
is_deeply($claims->{traits}, {}, 'traits is an empty object');
# Signed at exp - lifetime; iat and nbf are 10 s before (docs/tokens.md,
# "Clocks").
is($claims->{exp} - $claims->{iat}, 610, 'default lifetime is 10 minutes (after iat + 10 s)');
is($claims->{nbf}, $claims->{iat}, 'nbf is iat');
cmp_ok(abs($claims->{exp} - 600 - time), '<=', 120, 'signed now');
is($text, JSON::PP->new->canonical->encode($claims),
   'payload is compact JSON with sorted keys');

# Another user gets a token of their own.
($echo) = echo('/app/claims', user => 'bob');
my ($bob_token) = owned_values($echo, 'Teleport-Jwt-Assertion');
my (undef, $bob) = token_parts($bob_token // '');
is($bob->{sub}, 'bob', 'bob is bob');
ok((verify_pyjwt($bob_token))[0], "bob's token verifies");

# Issuer, audience, user expression and lifetime set in a scope.
($echo) = echo('/app/custom/x', user => 'alice');
my ($custom) = owned_values($echo, 'Teleport-Jwt-Assertion');
($verified, $why) = verify_pyjwt($custom, issuer => 'issuer.example',
                                 audience => 'https://mcp.example.com/mcp');
ok($verified, 'a token with configured issuer and audience verifies')
    or diag($why);
(undef, $claims) = token_parts($custom // '');
is($claims->{iss}, 'issuer.example', 'TeleportJWTIssuer');
is_deeply($claims->{aud}, ['https://mcp.example.com/mcp'], 'TeleportJWTAudience');
is($claims->{sub}, 'alice@example.com', 'TeleportJWTUser expression');
is($claims->{username}, 'alice@example.com', 'username follows TeleportJWTUser');
is($claims->{exp} - $claims->{iat}, 100, 'TeleportJWTLifetime 90s (after iat + 10 s)');
ok(!(verify_pyjwt($custom))[0], 'the same token fails for the default audience');

# TELEPORT_JWT is the same token, for mod_headers, CGI and FastCGI.
($echo) = echo('/app/env/x', user => 'alice');
my ($assert) = owned_values($echo, 'Teleport-Jwt-Assertion');
ok(defined $assert, 'assertion header present');
is(header_value($echo, 'X-Env-Token'), $assert,
   'RequestHeader with %{TELEPORT_JWT}e sees the token');

# A renamed assertion header.
($echo) = echo('/app/renamed/x', user => 'alice');
my @renamed = owned_values($echo, 'X-User-Token');
is(scalar @renamed, 1, 'TeleportJWTAssertionHeader X-User-Token carries it');
ok((verify_pyjwt($renamed[0] // ''))[0], 'and it verifies');
is(scalar owned_values($echo, 'Teleport-Jwt-Assertion'), 0,
   'the default header is not sent');

# Assertion header Off: the token is still available as TELEPORT_JWT.
($echo) = echo('/app/noassert/x', user => 'alice');
is(scalar owned_values($echo, 'Teleport-Jwt-Assertion'), 0,
   'TeleportJWTAssertionHeader Off sends no assertion header');
my $env = header_value($echo, 'X-Env-Token');
ok($env && (verify_pyjwt($env))[0], 'TELEPORT_JWT still holds a valid token');

# No user, no token.
($echo, $res) = echo('/open/x');
is($res->code, 200, 'unauthenticated On scope is proxied');
is(scalar owned_values($echo, 'Teleport-Jwt-Assertion'), 0,
   'no user: no assertion header');
($echo) = echo('/app/off/x', user => 'alice');
is(scalar owned_values($echo, 'Teleport-Jwt-Assertion'), 0,
   'TeleportJWT Off: no token');
($echo) = echo('/app/off/on/x', user => 'alice');
is(scalar owned_values($echo, 'Teleport-Jwt-Assertion'), 1,
   'On nested in Off nested in On: a token');
($echo) = echo('/offtop/on/x', user => 'alice');
my ($deep) = owned_values($echo, 'Teleport-Jwt-Assertion');
ok($deep && (verify_pyjwt($deep))[0], 'On nested in Off: a valid token');

# A wrong password never reaches the upstream at all.
$res = Apache::TestRequest::GET('/app/x', username => 'alice',
                                password => 'wrong');
is($res->code, 401, 'authentication still decides who gets in');
