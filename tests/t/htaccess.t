# .htaccess (docs/claims.md, "Scopes and .htaccess"; AllowOverride
# AuthConfig): it may switch the module, narrow the claims and choose the
# headers; it can never make a token assert another user, role or trait,
# another issuer or audience.
use strict;
use warnings FATAL => 'all';

use Apache::Test qw(-withtestmore);
use Apache::TestRequest ();
use TJWT::Util qw(echo owned_values header_value verify_pyjwt token_parts ht_claims);

my @refused = qw(user roles trait expiry issuer audience lifetime maxsize
                 signkey literal reserved);

plan tests => 15 + @refused;

sub claims { ht_claims(@_) }

my ($echo, $res) = echo('/ht/page', user => 'alice');
my $base = claims(header_value($echo, 'Teleport-Jwt-Assertion'));
ok($base, 'the server configuration issues a token');
is_deeply($base->{roles}, ['server-role'], 'with the server\'s roles');
is_deeply([ owned_values($echo, 'X-Logins') ], [qw(root ubuntu)],
          'a multi-valued template adds one header line per value');

($echo) = echo('/ht/allowed/page', user => 'alice');
my $c = claims(header_value($echo, 'Teleport-Jwt-Assertion'));
ok($c && !exists $c->{traits} && $c->{roles}[0] eq 'server-role',
   '.htaccess TeleportJWTClaims roles narrows the claims');
my ($bearer) = (header_value($echo, 'X-Token') // '') =~ /^Bearer (\S+)$/;
ok(claims($bearer), '.htaccess TeleportJWTHeader carries the token');
is(header_value($echo, 'X-Team'), 'server-team',
   '.htaccess templates read the server\'s traits');

($echo) = echo('/ht/off/page', user => 'alice');
is(scalar owned_values($echo, 'Teleport-Jwt-Assertion'), 0, '.htaccess TeleportJWT Off');
ok(!$echo->{teleport_jwt}, '... and no TELEPORT_JWT');

($echo) = echo('/ht/renamed/page', user => 'alice');
ok(claims(header_value($echo, 'X-Assertion')) && !owned_values($echo, 'Teleport-Jwt-Assertion'),
   '.htaccess TeleportJWTAssertionHeader renames the header');

($echo, $res) = echo('/ht/narrow/page', user => 'alice');
ok(claims(header_value($echo, 'Teleport-Jwt-Assertion')), 'Require user narrows access: alice still gets her token');
(undef, $res) = echo('/ht/narrow/page', user => 'bob');
isnt($res->code, 200, '... and bob is refused');

# Every directive that decides what a token asserts is refused there.
for my $dir (@refused) {
    (undef, $res) = echo("/ht/$dir/page", user => 'alice');
    is($res->code, 500, ".htaccess with a $dir directive is a configuration error");
}

# The refusal says why, with the file: httpd logs it for the request.
my $log = do {
    local (@ARGV, $/) = (Apache::Test::vars('t_logs') . '/error_log');
    <>;
};
like($log, qr{ht/user/\.htaccess: TeleportJWTUser is not allowed in \.htaccess: it decides what the token asserts},
     'the error log names the file and says why');

# The author's own password file: authentication succeeds, but the user it
# names is not the server's to vouch for.
$res = Apache::TestRequest::GET('/ht/ownauth/page', username => 'admin',
                                password => 'admin-secret');
my $body = $res->code == 200 ? JSON::PP::decode_json($res->content) : {};
is($res->code, 200, 'the .htaccess password file lets admin in');
ok(!grep({ lc($_->[0]) eq 'teleport-jwt-assertion' } @{ $body->{headers} || [] })
   && !$body->{teleport_jwt},
   'but no token asserts admin');
$res = Apache::TestRequest::GET('/ht/ownauth/page', username => 'alice',
                                password => 'other-secret');
$body = $res->code == 200 ? JSON::PP::decode_json($res->content) : {};
ok(!$body->{teleport_jwt}, 'nor alice, authenticated by the .htaccess file');
