# Apache as an OAuth protected resource for MCP clients
# (docs/mcp-authorization.md): protected resource metadata, the 401 and
# 403 challenges, bearer tokens checked by the module (AuthType
# TeleportOAuth) with a JWKS file, and what reaches the upstream: the
# module's token for the access token's subject, never the client's.
use strict;
use warnings FATAL => 'all';

use Apache::Test qw(-withtestmore);
use JSON::PP ();
use LWP::UserAgent ();
use TJWT::OAuth qw(as_setup access_token forged_token oauth_httpd_lines);
use TJWT::Private ();
use TJWT::Tool qw(tjwt slurp);
use TJWT::Util qw(backend_origin free_port tests_dir token_parts);

plan tests => 79;

my $p = TJWT::Private->new;
my $d = $p->dir;
as_setup($d);
tjwt('keygen', 'ec', "$d/teleport.pem");
my $port = $p->port;
my $port2 = free_port();
my $origin = "http://127.0.0.1:$port";
my $RES = "$origin/mcp";
my $ISS = 'https://as.example';
my $backend = backend_origin();
my $htpasswd = tests_dir() . '/t/htpasswd';

# Every protected scope: the access token's checks, and the module's token
# for the upstream, with roles and a trait from the access token's claims.
my @common = (
    'AuthType TeleportOAuth', 'Require valid-user',
    "TeleportJWTOAuthIssuer $ISS", "TeleportJWTOAuthJWKS $d/as-jwks.json",
    'TeleportJWT On', 'TeleportJWTIssuer apache.test',
    'TeleportJWTRoles "%{env:OAUTH_CLAIM_groups}"',
    'TeleportJWTTrait email "%{env:OAUTH_CLAIM_email}"',
);
$p->write_conf(
    oauth_httpd_lines(),
    "TeleportJWTSigningKey $d/teleport.pem",
    "Listen 127.0.0.1:$port2",
    '<Location /.well-known/oauth-protected-resource>',
    '    SetHandler teleport-resource-metadata',
    '</Location>',
    '<Location /jwks>', '    SetHandler teleport-jwks', '</Location>',
    '<Location /mcp>', @common,
    "    TeleportJWTOAuthResource $RES",
    '    TeleportJWTOAuthScopes mcp:tools mcp:read',
    '    TeleportJWTOAuthResourceName "Test MCP server"',
    "    ProxyPass $backend/echo/mcp",
    '</Location>',
    # The MCP server reads a bearer token: Authorization is the module's.
    '<Location /mcp-bearer>', @common,
    "    TeleportJWTOAuthResource $origin/mcp-bearer",
    '    TeleportJWTAssertionHeader Off',
    '    TeleportJWTHeader Authorization "Bearer {{internal.jwt}}"',
    "    ProxyPass $backend/echo/mcp-bearer",
    '</Location>',
    # The module checks the token but makes none: Authorization still
    # goes no further.
    '<Location /mcp-plain>',
    '    AuthType TeleportOAuth', '    Require valid-user',
    "    TeleportJWTOAuthIssuer $ISS", "    TeleportJWTOAuthJWKS $d/as-jwks.json",
    "    TeleportJWTOAuthResource $origin/mcp-plain",
    "    ProxyPass $backend/echo/mcp-plain",
    '</Location>',
    # Another module authenticates: its challenge keeps its place, ours
    # comes first.
    '<Location /basic>',
    '    AuthType Basic', '    AuthName "basic realm"',
    "    AuthUserFile $htpasswd", '    Require valid-user',
    "    TeleportJWTOAuthIssuer $ISS",
    "    TeleportJWTOAuthResource $origin/basic",
    "    ProxyPass $backend/echo/basic",
    '</Location>',
    # An ErrorDocument: the challenge travels with the redirect.
    "Alias /errdoc.txt $d/errdoc.txt",
    '<Location /errdoc.txt>', '    Require all granted', '</Location>',
    '<Location /mcp-errdoc>', @common,
    "    TeleportJWTOAuthResource $origin/mcp-errdoc",
    '    ErrorDocument 401 /errdoc.txt',
    "    ProxyPass $backend/echo/mcp-errdoc",
    '</Location>',
    # A virtual host with one resource: the root metadata URL serves it.
    "<VirtualHost 127.0.0.1:$port2>",
    '    <Location /.well-known/oauth-protected-resource>',
    '        SetHandler teleport-resource-metadata',
    '    </Location>',
    '    <Location /tools>', @common,
    "        TeleportJWTOAuthResource http://127.0.0.1:$port2/tools",
    "        ProxyPass $backend/echo/tools",
    '    </Location>',
    '</VirtualHost>',
);
TJWT::Tool::spew("$d/errdoc.txt", "custom 401\n");
chmod 0644, "$d/errdoc.txt";
my ($rc, $out) = $p->configtest;
is($rc, 0, 'configtest passes') or diag($out);
$p->start;

my $ua = LWP::UserAgent->new(timeout => 10, keep_alive => 0, max_redirect => 0);
my $now = time;
my %claims = (iss => $ISS, aud => $RES, sub => 'alice', scope => 'openid mcp:tools mcp:read',
              groups => [ 'dev', 'ops' ], email => 'alice@example.com', client_id => 'c1');
sub tok { my %o = (%claims, lifetime => '5m', @_); access_token("$d/as.pem", %o) }
sub get {
    my ($path, @h) = @_;
    return $ua->get("$origin$path", @h);
}
sub echo_of { my $res = shift; $res->code == 200 ? eval { JSON::PP::decode_json($res->content) } : undef }
sub lines_of {
    my ($echo, $name) = @_;
    return map { $_->[1] } grep { lc $_->[0] eq lc $name } @{ $echo->{headers} };
}
sub challenge { join ', ', $_[0]->header('WWW-Authenticate') }
my $md = qq{resource_metadata="$origin/.well-known/oauth-protected-resource/mcp"};

# --- 1. protected resource metadata ----------------------------------------
my $res = get('/.well-known/oauth-protected-resource/mcp');
is($res->code, 200, 'metadata: 200 at the path-inserted URL');
like($res->header('Content-Type') // '', qr{^application/json}, 'metadata: application/json');
my $doc = eval { JSON::PP::decode_json($res->content) } // {};
is_deeply($doc, { resource => $RES, authorization_servers => [$ISS],
                  bearer_methods_supported => ['header'],
                  scopes_supported => [ 'mcp:tools', 'mcp:read' ],
                  resource_name => 'Test MCP server' },
          'metadata: resource, authorization_servers, bearer methods, scopes, name');
is($res->header('Cache-Control'), 'public, max-age=300', 'metadata: Cache-Control');
my $etag = $res->header('ETag') // '';
like($etag, qr/^"[^"]+"$/, 'metadata: a strong ETag');
is(get('/.well-known/oauth-protected-resource/mcp', 'If-None-Match' => $etag)->code, 304,
   'metadata: If-None-Match gives 304');
$res = $ua->head("$origin/.well-known/oauth-protected-resource/mcp");
ok($res->code == 200 && $res->content eq '', 'metadata: HEAD 200 without a body');
$res = $ua->post("$origin/.well-known/oauth-protected-resource/mcp", Content => 'x');
is($res->code, 405, 'metadata: POST 405');
like($res->header('Allow') // '', qr/\bGET\b/, 'metadata: Allow names GET');
$doc = eval { JSON::PP::decode_json(get('/.well-known/oauth-protected-resource/mcp-bearer')->content) } // {};
is($doc->{resource}, "$origin/mcp-bearer", 'metadata: each resource its own document');
ok(!exists $doc->{scopes_supported}, 'metadata: no scopes_supported where none are configured');
is(get('/.well-known/oauth-protected-resource/nothing')->code, 404, 'metadata: 404 for a path that is no resource');
is(get('/.well-known/oauth-protected-resource/mcp/sub')->code, 404,
   'metadata: 404 for a path inside a resource (the identifier is exact)');
is(get('/.well-known/oauth-protected-resource')->code, 404,
   'metadata: the root URL of a server with several resources: 404');
$res = $ua->get("http://127.0.0.1:$port2/.well-known/oauth-protected-resource");
$doc = eval { JSON::PP::decode_json($res->content) } // {};
is($doc->{resource}, "http://127.0.0.1:$port2/tools", 'metadata: the root URL serves the one resource of its host');

# --- 2. the challenge --------------------------------------------------------
$res = get('/mcp');
is($res->code, 401, 'no token: 401');
is(challenge($res), qq{Bearer $md, scope="mcp:tools mcp:read"},
   'no token: Bearer with resource_metadata and scope, no error code');
$res = $ua->head("$origin/mcp");
like(challenge($res), qr/^Bearer \Q$md\E/, 'HEAD without a token: the same challenge');
$res = get('/mcp', Authorization => 'Basic YWxpY2U6YWxpY2Utc2VjcmV0');
ok($res->code == 401 && challenge($res) !~ /error=/, 'another scheme: 401 without an error code');
$res = get('/mcp', Authorization => 'Bearer not-a-jwt');
is($res->code, 401, 'garbage token: 401');
like(challenge($res), qr/^Bearer error="invalid_token", error_description="[^"]+", \Q$md\E, scope="mcp:tools mcp:read"$/,
     'garbage token: error="invalid_token" with resource_metadata');
# httpd joins repeated fields into one value: not a token.
$res = get('/mcp', Authorization => [ 'Bearer ' . tok(), 'Bearer ' . tok() ]);
ok($res->code == 401 && challenge($res) =~ /invalid_token/, 'two Authorization headers: 401 invalid_token');
$res = get('/basic');
my @ch = $res->header('WWW-Authenticate');
is($res->code, 401, 'Basic scope: 401');
is_deeply(\@ch, [ qq{Bearer resource_metadata="$origin/.well-known/oauth-protected-resource/basic"},
                  'Basic realm="basic realm"' ],
          'Basic scope: a Bearer challenge with resource_metadata first, the Basic one kept');

$res = get('/mcp-errdoc', Authorization => 'Bearer not-a-jwt');
ok($res->code == 401 && $res->content =~ /custom 401/, 'ErrorDocument 401: served with 401');
is(challenge($res), qq{Bearer error="invalid_token", error_description="the access token is not valid here", resource_metadata="$origin/.well-known/oauth-protected-resource/mcp-errdoc"},
   'ErrorDocument 401: the challenge has resource_metadata');

# --- 3a. bearer tokens --------------------------------------------------------
my $good = tok();
$res = get('/mcp', Authorization => "Bearer $good");
my $echo = echo_of($res);
ok($echo, 'a valid token: 200 from the upstream') or diag($res->as_string);
is_deeply([ lines_of($echo, 'Authorization') ], [], 'the client\'s Authorization does not reach the upstream');
my @assert = lines_of($echo, 'Teleport-Jwt-Assertion');
is(scalar @assert, 1, 'the upstream gets one Teleport-Jwt-Assertion');
my ($h, $c) = token_parts($assert[0] // '');
is($c->{sub}, 'alice', 'its sub is the access token\'s subject');
is($c->{iss}, 'apache.test', 'its iss is the module\'s (TeleportJWTIssuer)');
is_deeply($c->{aud}, [$backend], 'its aud is the upstream\'s origin, as without OAuth');
is_deeply($c->{roles}, [ 'dev', 'ops' ], 'roles from the access token\'s groups (OAUTH_CLAIM_groups)');
is_deeply($c->{traits}{email}, ['alice@example.com'], 'a trait from the access token\'s email');
my (undef, $ac) = token_parts($good);
ok($c->{exp} <= $ac->{exp}, 'its exp is no later than the access token\'s');
is($c->{exp}, $ac->{exp}, 'a 5-minute access token caps the 10-minute token (OAUTH_EXPIRES)');
isnt($assert[0], $good, 'the upstream never sees the access token');

$res = get('/mcp', Authorization => "bearer $good");
ok(echo_of($res), 'the scheme is case-insensitive');
$res = get('/mcp', Authorization => 'Bearer ' . access_token("$d/as-ec.pem", %claims, lifetime => '5m'));
ok(echo_of($res), 'a token of the second published key (ES256)');

# Negative cases: each refused with 401 invalid_token, none upstream.
my @refused = (
    [ 'a token for another resource', tok(aud => "$origin/other") ],
    [ 'a token for several resources', tok(aud => [ $RES, "$origin/other" ]) ],
    [ 'a token of another issuer', tok(iss => 'https://evil.example') ],
    [ 'an expired token', tok(lifetime => undef, iat => $now - 900, nbf => $now - 900, exp => $now - 120) ],
    [ 'a token not yet valid', tok(lifetime => undef, iat => $now + 600, nbf => $now + 600, exp => $now + 900) ],
    [ 'a token without exp', tok(lifetime => undef, iat => $now) ],
    [ 'a token signed by an unknown key', access_token("$d/other.pem", %claims, lifetime => '5m') ],
    [ 'a token without a subject', tok(sub => undef) ],
    [ 'alg none', forged_token('none', kid_of('as.pem'), undef, %claims, exp => $now + 300) ],
    [ 'HS256 keyed with the published key', forged_token('HS256', kid_of('as.pem'), slurp("$d/as-jwks.json"), %claims, exp => $now + 300) ],
    [ 'a token with a changed payload', tamper($good) ],
);
sub kid_of { (token_parts(access_token("$d/$_[0]", sub => 'x')))[0]{kid} }
sub tamper {
    my ($h64, $p64, $s64) = split /\./, shift;
    my (undef, $cl) = token_parts("$h64.$p64.$s64");
    $cl->{sub} = 'mallory';
    return "$h64." . TJWT::Tool::b64url(JSON::PP->new->canonical->encode($cl)) . ".$s64";
}
for my $r (@refused) {
    $res = get('/mcp', Authorization => "Bearer $r->[1]", 'Teleport-Jwt-Assertion' => 'forged');
    ok($res->code == 401 && challenge($res) =~ /error="invalid_token"/ && !echo_of($res),
       "$r->[0]: 401 invalid_token, nothing upstream") or diag($res->code . ' ' . challenge($res));
}

$res = get('/mcp', Authorization => 'Bearer ' . tok(scope => 'openid mcp:tools'));
is($res->code, 403, 'a token without a required scope: 403');
is(challenge($res), qq{Bearer error="insufficient_scope", error_description="the access token lacks a required scope", scope="mcp:tools mcp:read", $md},
   'insufficient scope: error="insufficient_scope", the scopes and resource_metadata');
$res = get('/mcp', Authorization => 'Bearer ' . tok(scope => undef, scp => [ 'mcp:read', 'mcp:tools' ]));
ok(echo_of($res), 'scopes from scp, an array');
$res = get('/mcp', Authorization => 'Bearer ' . tok(scope => 'mcp:toolsX mcp:read'));
is($res->code, 403, 'a scope is a whole word: mcp:toolsX is not mcp:tools');

# A client's forged assertion beside a valid token.
$res = get('/mcp', Authorization => "Bearer $good", 'Teleport-Jwt-Assertion' => 'forged',
           'Teleport_Jwt_Assertion' => 'forged2');
$echo = echo_of($res);
@assert = lines_of($echo, 'Teleport-Jwt-Assertion');
ok(@assert == 1 && $assert[0] ne 'forged' && (token_parts($assert[0]))[1]{sub} eq 'alice',
   'a forged Teleport-Jwt-Assertion is replaced by the module\'s');
ok(!grep({ $_->[1] =~ /forged/ } @{ $echo->{headers} }), 'no forged value reaches the upstream');

# TeleportJWTHeader Authorization: the upstream's Authorization is the
# module's token, which verifies against the module's JWKS.
$res = get('/mcp-bearer', Authorization => 'Bearer ' . tok(aud => "$origin/mcp-bearer"));
$echo = echo_of($res);
my @auth = lines_of($echo, 'Authorization');
is(scalar @auth, 1, 'mcp-bearer: one Authorization upstream');
my ($mod_token) = ($auth[0] // '') =~ /^Bearer (\S+)$/;
ok($mod_token && (token_parts($mod_token))[0]{kid} ne (token_parts($good))[0]{kid},
   'mcp-bearer: it holds the module\'s token, not the client\'s');
($rc, my $vout, my $verr) = tjwt('verify', '--jwks', "$origin/jwks", '--issuer', 'apache.test',
                                 '--audience', $backend, '--token', $mod_token // 'x');
is($rc, 0, 'mcp-bearer: the module\'s token verifies against the module\'s JWKS') or diag($verr);

$res = get('/mcp-plain', Authorization => 'Bearer ' . tok(aud => "$origin/mcp-plain"));
$echo = echo_of($res);
ok($echo && !lines_of($echo, 'Authorization'),
   'TeleportJWT unset: the client\'s Authorization is still kept from the upstream');

# --- 4. variables -------------------------------------------------------------
# The virtual host's scope has no scopes configured: any token for it.
$res = $ua->get("http://127.0.0.1:$port2/tools", Authorization => 'Bearer '
                . tok(aud => "http://127.0.0.1:$port2/tools", sub => 'bob', groups => 'solo'));
$echo = echo_of($res);
(undef, $c) = token_parts((lines_of($echo, 'Teleport-Jwt-Assertion'))[0] // '');
is($c->{sub}, 'bob', 'vhost: the subject');
is_deeply($c->{roles}, ['solo'], 'vhost: a string claim as one role');

my $log = slurp("$d/error.log") // '';
like($log, qr/access token refused: wrong aud/, 'the error log says why a token was refused');
like($log, qr/access token refused: unknown kid/, 'an unknown key is logged as such');
like($log, qr/access token refused: bad signature: alg "none" is not accepted|access token refused: unknown kid: the token has no kid|bad signature.*not accepted/,
     'alg none is refused by the algorithm allowlist');
unlike($log, qr/\Q$good\E/, 'no access token in the error log');

# configtest: each directive's errors name the value and what is accepted.
my @bad = (
    [ 'TeleportJWTOAuthResource mcp',                       qr/'mcp' is not accepted: it is not an absolute URI/ ],
    [ 'TeleportJWTOAuthResource http://mcp.example/mcp',     qr/https \(http only for a loopback host\)/ ],
    [ 'TeleportJWTOAuthResource https://MCP.example/mcp',    qr/lower case/ ],
    [ 'TeleportJWTOAuthResource https://mcp.example/mcp?x=1', qr/query or a fragment/ ],
    [ 'TeleportJWTOAuthIssuer as.example',                   qr/TeleportJWTOAuthIssuer: 'as\.example' is not accepted/ ],
    [ 'TeleportJWTOAuthJWKS http://as.example/jwks',         qr/https only/ ],
    [ "TeleportJWTOAuthJWKS $d/nothing.json",                qr/cannot read .*nothing\.json/ ],
    [ "TeleportJWTOAuthJWKS $d/teleport.pem",                qr/is not JSON/ ],
    [ "TeleportJWTOAuthJWKS $d/as-jwks.json $d/ca.pem",      qr/CA file goes with an https:\/\/ URL only/ ],
    [ 'TeleportJWTOAuthJWKS https://as.example/jwks /nonexistent/ca.pem', qr/CA file '\/nonexistent\/ca\.pem' cannot be read/ ],
    [ 'TeleportJWTOAuthScopes "a b"',                        qr/'a b' is not a scope/ ],
    [ 'TeleportJWTOAuthLeeway 1h',                           qr/from 0s to 5m/ ],
);
my $q = TJWT::Private->new;
for my $b (@bad) {
    my $line = $q->write_conf('<Location /x>', $b->[0], '</Location>') + 1;
    my ($brc, $bout) = $q->configtest;
    ok($brc != 0 && $bout =~ /line $line of .*httpd\.conf/ && $bout =~ $b->[1],
       "configtest refuses $b->[0] with the file, the line and why") or diag($bout);
}
