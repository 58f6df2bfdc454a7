# Interop, Apache behind Apache: a front httpd with this module sends its
# token as "Authorization: Bearer {{internal.jwt}}" to a second httpd
# that checks it with Debian 12's mod_auth_openidc (2.4.12, AuthType
# oauth20), whose keys are the front's JWKS fetched over HTTPS with a test
# CA. RS256 and ES256 verify; EdDSA does not (libcjose 0.6.2). The same
# run shows the 2.4.12 pitfalls docs/mcp-authorization.md lists, and the
# configuration that avoids them. Every server is on loopback.
use strict;
use warnings FATAL => 'all';

use Apache::Test qw(-withtestmore);
use IO::Socket::INET ();
use JSON::PP ();
use LWP::UserAgent ();
use TJWT::OAuth qw(access_token oauth_httpd_lines);
use TJWT::Private ();
use TJWT::Tool qw(tjwt spew slurp b64url);
use TJWT::Util qw(b64url_decode backend_origin free_port httpd_bin tests_dir);

my $mods = $ENV{TJWT_APACHE_MODULES} or die 'TJWT_APACHE_MODULES unset';
plan skip_all => 'mod_auth_openidc is not installed (Debian: libapache2-mod-auth-openidc)'
    unless -e "$mods/mod_auth_openidc.so";
plan tests => 47;

# --- the front: this module, three signing keys, its JWKS over HTTPS -------
my $front = TJWT::Private->new;
my $d = $front->dir;
for ([ rsa => 'rs.pem' ], [ ec => 'es.pem' ], [ ed25519 => 'ed.pem' ], [ ec => 'other.pem' ]) {
    my ($rc, $out, $err) = tjwt('keygen', $_->[0], "$d/$_->[1]");
    die "tjwt keygen: $err" if $rc;
}
chmod 0644, glob("$d/*.pem");

# A test CA and a certificate for 127.0.0.1 that it signed.
sub openssl { system("openssl @_ >/dev/null 2>&1") == 0 or die "openssl @_" }
openssl("req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 -subj /CN=tjwt-test-ca -keyout $d/ca.key -out $d/ca.pem");
openssl("req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj /CN=127.0.0.1 -keyout $d/srv.key -out $d/srv.csr");
spew("$d/ext.cnf", "subjectAltName=IP:127.0.0.1\n");
openssl("x509 -req -in $d/srv.csr -CA $d/ca.pem -CAkey $d/ca.key -CAcreateserial -days 2 -extfile $d/ext.cnf -out $d/srv.pem");
chmod 0644, glob("$d/*");

my $back = TJWT::Private->new;
my $b = $back->dir;
my $bport = $back->port;
my $BACK = "http://127.0.0.1:$bport";
my ($tls, $es, $ed) = (free_port(), free_port(), free_port());
my $ISS = 'https://front.test';
my $htpasswd = tests_dir() . '/t/htpasswd';

# One front scope per listener: Basic authentication, then the module's
# token in Authorization (the only place mod_auth_openidc reads), no
# assertion header; the token's aud is the upstream's origin, $BACK.
sub front_scope {
    return (
        '<Location />',
        '    AuthType Basic', '    AuthName front',
        "    AuthUserFile $htpasswd", '    Require valid-user',
        '    TeleportJWT On', "    TeleportJWTIssuer $ISS",
        '    TeleportJWTRoles "mcp-users,admins"',
        '    TeleportJWTAssertionHeader Off',
        '    TeleportJWTHeader Authorization "Bearer {{internal.jwt}}"',
        "    ProxyPass $BACK/",
        '</Location>',
    );
}
my $mods_ssl = join "\n", map { "LoadModule ${_}_module $mods/mod_$_.so" } qw(ssl socache_shmcb);
$front->write_conf(
    oauth_httpd_lines(), $mods_ssl,
    "Listen 127.0.0.1:$tls", "Listen 127.0.0.1:$es", "Listen 127.0.0.1:$ed",
    # RS256 here; the set at /jwks (on the TLS listener) holds all three.
    # Main-server Location sections would apply to the TLS host too.
    '<VirtualHost 127.0.0.1:' . $front->port . '>',
    "    TeleportJWTSigningKey $d/rs.pem", front_scope(), '</VirtualHost>',
    "<VirtualHost 127.0.0.1:$tls>",
    '    SSLEngine on', "    SSLCertificateFile $d/srv.pem", "    SSLCertificateKeyFile $d/srv.key",
    "    TeleportJWTSigningKey $d/rs.pem",
    "    TeleportJWTPublishKey $d/es.pem", "    TeleportJWTPublishKey $d/ed.pem",
    '    <Location /jwks>', '        SetHandler teleport-jwks', '    </Location>',
    '</VirtualHost>',
    "<VirtualHost 127.0.0.1:$es>", "    TeleportJWTSigningKey $d/es.pem", front_scope(), '</VirtualHost>',
    "<VirtualHost 127.0.0.1:$ed>", "    TeleportJWTSigningKey $d/ed.pem", front_scope(), '</VirtualHost>',
);

# --- the back: mod_auth_openidc alone (not this module) ----------------------
my $backend = backend_origin();
my @base = (
    "ServerRoot $b", 'ServerName back.test', "Listen 127.0.0.1:$bport",
    "PidFile $b/httpd.pid", "ErrorLog $b/error.log", 'LogLevel info',
    (map { "LoadModule ${_}_module $mods/mod_$_.so" }
         qw(mpm_event authz_core authz_user authn_core proxy proxy_http headers)),
    "LoadModule auth_openidc_module $mods/mod_auth_openidc.so",
    ($> == 0 ? ('User nobody', 'Group nogroup') : ()),
);
my @oidc = (
    "OIDCOAuthVerifyJwksUri https://127.0.0.1:$tls/jwks",
    'OIDCOAuthSSLValidateServer On',
    "OIDCCABundlePath $d/ca.pem",
);
sub back_conf {
    my (@lines) = @_;
    open my $fh, '>', "$b/httpd.conf" or die $!;
    print $fh "$_\n" for @base, @lines;
    close $fh;
}
sub back_httpd {
    my $out = qx{@{[httpd_bin()]} -d $b -f $b/httpd.conf @_ 2>&1};
    return ($? >> 8, $out);
}
# Each location proxies to the test server's echo, which shows the
# headers that reach the application.
sub loc {
    my ($path, @lines) = @_;
    return ("<Location /$path>", '    AuthType oauth20', (map { "    $_" } @lines),
            "    ProxyPass $backend/echo/$path", '</Location>');
}
my @safe_claims = (
    '<RequireAll>', "    Require claim aud:$BACK", "    Require claim iss:$ISS", '</RequireAll>',
    'OIDCPassClaimsAs environment', 'RequestHeader unset Authorization',
    'RequestHeader set X-Claim-Sub "%{OIDC_CLAIM_sub}e"',
    'RequestHeader set X-Claim-Roles "%{OIDC_CLAIM_roles}e"',
    'RequestHeader set X-Remote-User "expr=%{REMOTE_USER}"',
);
back_conf(
    @oidc,
    # 2.4.12 as it comes: Require valid-user.
    loc('default', 'Require valid-user'),
    # The safe configuration of docs/mcp-authorization.md.
    loc('safe', @safe_claims),
    loc('otheraud', 'Require claim aud:https://other.example',
        'OIDCPassClaimsAs environment', 'RequestHeader unset Authorization'),
    # A try at making exp required.
    loc('exp', @safe_claims[0 .. 2], 'Require claim "exp~^[0-9]+$"', '</RequireAll>'),
    # The header name is ignored: the token is still read from Authorization.
    loc('named', 'OIDCOAuthAcceptTokenAs header:X-Token', 'Require valid-user'),
);

my ($rc, $out) = back_httpd('-t');
is($rc, 0, 'mod_auth_openidc 2.4.12: the back configuration passes configtest') or diag($out);
$front->start;
END { $front->stop if $front }
($rc, $out) = back_httpd('-k', 'start');
die "back httpd did not start: $out" if $rc;
END { back_httpd('-k', 'stop') if -e "$b/httpd.pid" }
for (1 .. 100) { last if IO::Socket::INET->new("127.0.0.1:$bport"); select(undef, undef, undef, 0.05) }

my $ua = LWP::UserAgent->new(timeout => 20, keep_alive => 0);
sub front_get {
    my ($port, $path, @h) = @_;
    my $req = HTTP::Request->new(GET => "http://127.0.0.1:$port$path", [ @h ]);
    $req->authorization_basic('alice', 'alice-secret');
    my $res = $ua->request($req);
    my $echo = $res->code == 200 ? eval { JSON::PP::decode_json($res->content) } : undef;
    return ($res, $echo);
}
sub back_get {
    my ($path, $token, @h) = @_;
    return $ua->get("$BACK$path", (defined $token ? (Authorization => "Bearer $token") : ()), @h);
}
sub hdr {
    my ($echo, $name) = @_;
    return undef unless $echo;
    my @v = map { $_->[1] } grep { lc $_->[0] eq lc $name } @{ $echo->{headers} };
    return @v ? join(',', @v) : undef;
}

# --- the chain: RS256, ES256 accepted; EdDSA refused ------------------------
my ($res, $echo) = front_get($front->port, '/safe/x');
is($res->code, 200, 'RS256: the front\'s token is accepted behind a second Apache (mod_auth_openidc)')
    or diag($res->status_line, slurp("$b/error.log"));
is(hdr($echo, 'X-Claim-Sub'), 'alice', 'RS256: OIDC_CLAIM_sub is the front\'s user');
is(hdr($echo, 'X-Claim-Roles'), 'mcp-users,admins', 'RS256: OIDC_CLAIM_roles holds the token\'s roles');
is(hdr($echo, 'X-Remote-User'), 'alice', 'RS256: REMOTE_USER is sub');
is(hdr($echo, 'Authorization'), undef, 'safe scope: Authorization removed before the application');
is(hdr($echo, 'OIDC_access_token'), undef, 'safe scope: no OIDC_access_token header');

($res, $echo) = front_get($front->port, '/safe/x', Authorization => 'Bearer forged.by.client');
is(hdr($echo, 'X-Claim-Sub'), 'alice', 'a client\'s own Authorization never reaches the back: the front replaces it');

($res, $echo) = front_get($es, '/safe/x');
is($res->code, 200, 'ES256: accepted') or diag($res->status_line, slurp("$b/error.log"));
is(hdr($echo, 'X-Claim-Sub'), 'alice', 'ES256: OIDC_CLAIM_sub is the front\'s user');

($res, $echo) = front_get($ed, '/safe/x');
is($res->code, 401, 'EdDSA: refused by Debian 12\'s build (libcjose 0.6.2), a known limit');

($res, $echo) = front_get($front->port, '/otheraud/x');
is($res->code, 401, 'Require claim aud: another audience is refused (401)');
is($res->header('WWW-Authenticate'), undef,
   '2.4.12: a failed Require claim sends no WWW-Authenticate with its 401');

# --- 2.4.12's defaults -------------------------------------------------------
($res, $echo) = front_get($front->port, '/default/x');
is($res->code, 200, 'default scope: accepted');
my $auth = hdr($echo, 'Authorization') // '';
like($auth, qr/^Bearer [\w-]+\.[\w-]+\.[\w-]+$/,
     '2.4.12 default: the Authorization header reaches the application');
ok(defined hdr($echo, 'OIDC_access_token'), '2.4.12 default: so does an OIDC_access_token header');
ok(defined hdr($echo, 'OIDC_CLAIM_sub'), '2.4.12 default: and the claims as OIDC_CLAIM_ headers');
(my $good = $auth) =~ s/^Bearer //;
sub alg_of { my ($t) = @_; (eval { JSON::PP::decode_json(b64url_decode((split /\./, $t // '')[0])) } // {})->{alg} // '' }
is(alg_of($good), 'RS256', 'the main front signs RS256');
my (undef, $es_echo) = front_get($es, '/default/x');
is(alg_of((hdr($es_echo, 'Authorization') // '') =~ s/^Bearer //r), 'ES256', 'the second front signs ES256');

# Tokens made by hand with the front's keys (tjwt sign: the kid of the set).
my %claims = (iss => $ISS, aud => $BACK, sub => 'bob');
sub signed { my ($key, %c) = @_; access_token("$d/$key", %c) }

is(back_get('/default/x', signed('rs.pem', %claims, lifetime => '5m'))->code, 200,
   'a token signed with the front\'s RS key');
is(back_get('/default/x', signed('es.pem', %claims, lifetime => '5m'))->code, 200,
   'a token signed with the front\'s EC key');
is(back_get('/default/x', signed('ed.pem', %claims, lifetime => '5m'))->code, 401,
   'a token signed with the front\'s Ed25519 key: refused (no EdDSA)');
is(back_get('/default/x', signed('other.pem', %claims, lifetime => '5m'))->code, 401,
   'a foreign key (not in the set): refused');
my ($h, $p, $s) = split /\./, $good;
my $tampered = JSON::PP::decode_json(b64url_decode($p));
$tampered->{sub} = 'mallory';
is(back_get('/default/x', "$h." . b64url(JSON::PP->new->canonical->encode($tampered)) . ".$s")->code, 401,
   'a tampered token: refused');
is(back_get('/default/x', "$h.$p.")->code, 401, 'a token without its signature: refused');
is(back_get('/default/x')->code, 401, 'no token: 401');
like(back_get('/default/x')->header('WWW-Authenticate') // '', qr/^Bearer/, 'no token: a Bearer challenge');
is(back_get('/default/x', signed('rs.pem', %claims, exp => time - 600, iat => time - 900))->code, 401,
   'an expired token: refused');

# The pitfalls: no aud or iss check (GHSA-wcvh-g65p-v576, fixed in 2.4.20),
# exp optional.
is(back_get('/default/x', signed('rs.pem', %claims, aud => 'https://other.example', lifetime => '5m'))->code, 200,
   '2.4.12: Require valid-user accepts a token for another audience');
is(back_get('/default/x', signed('rs.pem', %claims, iss => 'https://evil.example', lifetime => '5m'))->code, 200,
   '2.4.12: and one from another issuer');
is(back_get('/default/x', signed('rs.pem', %claims))->code, 200,
   '2.4.12: and one without exp');
$res = back_get('/safe/x', signed('rs.pem', %claims, aud => 'https://other.example', lifetime => '5m'));
is($res->code, 401, 'safe scope: Require claim aud refuses another audience');
is($res->header('WWW-Authenticate'), undef, 'safe scope: that 401 has no challenge');
is(back_get('/safe/x', signed('rs.pem', %claims, iss => 'https://evil.example', lifetime => '5m'))->code, 401,
   'safe scope: Require claim iss refuses another issuer');
is(back_get('/safe/x', signed('rs.pem', %claims, lifetime => '5m'))->code, 200,
   'safe scope: the same token with the right aud and iss is accepted');
is(back_get('/safe/x', signed('rs.pem', %claims, aud => [ $BACK, 'https://other.example' ], lifetime => '5m'))->code, 200,
   '2.4.12: Require claim aud matches one member of an aud array (a token also valid elsewhere)');
# Nor can Require claim make exp required: its regex form matches strings
# only, and exp is a number.
is(back_get('/exp/x', signed('rs.pem', %claims))->code, 401,
   'Require claim "exp~^[0-9]+$": a token without exp is refused');
is(back_get('/exp/x', signed('rs.pem', %claims, lifetime => '5m'))->code, 401,
   '2.4.12: but so is one with exp (a number never matches): exp cannot be made required');
is(back_get('/named/x', undef, 'X-Token' => signed('rs.pem', %claims, lifetime => '5m'))->code, 401,
   '2.4.12: OIDCOAuthAcceptTokenAs header:X-Token does not read X-Token');
is(back_get('/named/x', signed('rs.pem', %claims, lifetime => '5m'))->code, 200,
   '2.4.12: it reads Authorization instead');

my $log = slurp("$b/error.log") // '';
like($log, qr/could not parse JWT from access_token: .*cjose_jws_import failed/,
     'EdDSA: libcjose 0.6.2 does not even parse a token whose alg is EdDSA');
like($log, qr/oidc_jwk_parse_json failed: .*JWK parsing failed/, 'EdDSA: nor the set\'s OKP key');
like($log, qr/deprecat/i, '2.4.12: the OAuth mode is announced as deprecated at start-up');

# --- the JWKS URI must be https ---------------------------------------------
# In a file of its own: the running server's is still needed to stop it.
spew("$b/http.conf", join "\n", @base, "OIDCOAuthVerifyJwksUri http://127.0.0.1:$tls/jwks",
     loc('x', 'Require valid-user'), '');
$out = qx{@{[httpd_bin()]} -d $b -f $b/http.conf -t 2>&1};
$rc = $? >> 8;
ok($rc != 0 && $out =~ /cannot be parsed as a "https" URL/,
   '2.4.12: an http:// JWKS URI stops configtest') or diag($out);

# --- the key set's certificate is checked ------------------------------------
# Without OIDCCABundlePath the test CA is not trusted: nothing verifies.
# OIDCOAuthSSLValidateServer, whose default is On, is what checks it.
sub back_restart {
    back_httpd('-k', 'stop');
    for (1 .. 200) { last unless -e "$b/httpd.pid"; select(undef, undef, undef, 0.05) }
    back_conf(@_);
    my ($src, $sout) = back_httpd('-k', 'start');
    die "back httpd did not start: $sout" if $src;
    for (1 .. 100) { last if IO::Socket::INET->new("127.0.0.1:$bport"); select(undef, undef, undef, 0.05) }
}
my $good_rs = signed('rs.pem', %claims, lifetime => '5m');
my $before = length(slurp("$b/error.log") // '');
back_restart("OIDCOAuthVerifyJwksUri https://127.0.0.1:$tls/jwks", loc('default', 'Require valid-user'));
is(back_get('/default/x', $good_rs)->code, 401, 'a key set from a server whose certificate is not trusted: nothing accepted');
like(substr(slurp("$b/error.log") // '', $before), qr/certificate/i, 'the certificate problem is logged');
back_restart("OIDCOAuthVerifyJwksUri https://127.0.0.1:$tls/jwks", 'OIDCOAuthSSLValidateServer Off',
             loc('default', 'Require valid-user'));
is(back_get('/default/x', $good_rs)->code, 200,
   'OIDCOAuthSSLValidateServer Off: the same set is trusted (the directive must stay On)');
