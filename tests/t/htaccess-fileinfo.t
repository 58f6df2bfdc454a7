# .htaccess under AllowOverride AuthConfig FileInfo: whatever it configures
# besides this module, access control and a few response-shaping modules
# (in sections too, and any handler), the request gets no token; headers
# it sets under the module's names never reach the upstream; and its
# templates cannot give a header of the server configuration values of
# their own.
use strict;
use warnings FATAL => 'all';

use Apache::Test qw(-withtestmore);
use Apache::TestRequest ();
use JSON::PP ();
use TJWT::Util qw(echo owned_values header_value verify_pyjwt ht_claims);

plan tests => 22;

sub claims { ht_claims(@_) }

# No token in any form: no assertion, no X-Email, no TELEPORT_JWT.
sub tokenless {
    my ($echo) = @_;
    return $echo && !owned_values($echo, 'Teleport-Jwt-Assertion')
        && !owned_values($echo, 'X-Email') && !$echo->{teleport_jwt};
}

my ($echo, $res) = echo('/htx/page', user => 'alice');
my $c = claims(header_value($echo, 'Teleport-Jwt-Assertion'));
ok($c && $c->{sub} eq 'alice', 'the server configuration issues a token');
is(header_value($echo, 'X-Email'), 'alice@example.com', 'and its X-Email');

# The author's own password file inside <If> or <FilesMatch>: the
# sections are walked too.
for my $dir (qw(if files)) {
    $res = Apache::TestRequest::GET("/htx/$dir/page", username => 'admin',
                                    password => 'admin-secret');
    is($res->code, 200, "<$dir> section: its password file lets admin in");
    my $body = $res->code == 200 ? JSON::PP::decode_json($res->content) : undef;
    ok(tokenless($body), '... but no token asserts admin');
}

# mod_lua's per-directory hook sets the user to root.
($echo, $res) = echo('/htx/lua/page', user => 'alice');
is($res->code, 200, 'LuaHookFixups in .htaccess: the request is served');
ok(tokenless($echo), '... without a token (it would have said root)');

# RequestHeader of the author's own, under the module's names.
($echo, $res) = echo('/htx/hdr/page', user => 'alice');
is($res->code, 200, '.htaccess RequestHeader: served');
is(scalar owned_values($echo, 'Teleport-Jwt-Assertion'), 0,
   '... its Teleport-Jwt-Assertion never reaches the upstream');
is(scalar owned_values($echo, 'X-Email'), 0, '... nor its X-Email');

# A handler set in .htaccess could send the token anywhere.
($echo, $res) = echo('/htx/handler/page', user => 'alice');
ok($res->code == 200 && tokenless($echo), '.htaccess SetHandler: no token');

# A template that redefines a header of the server configuration.
($echo, $res) = echo('/htx/tpl/page', user => 'alice',
                     headers => [ 'X-Email' => 'forged@example.com' ]);
is(scalar owned_values($echo, 'X-Email'), 0,
   '.htaccess cannot give X-Email a value of its own, nor let the client\'s through');
ok(claims(header_value($echo, 'X-Token')), '... while its own X-Token carries the token');
ok(claims(header_value($echo, 'Teleport-Jwt-Assertion')), '... and so does the assertion');

# Any module not known to be harmless stops the token.
($echo, $res) = echo('/htx/mime/page', user => 'alice');
ok($res->code == 200 && tokenless($echo), '.htaccess AddType (mod_mime): no token');

# What stays allowed: narrowing access in a section, harmless modules.
($echo, $res) = echo('/htx/ifok/page', user => 'alice');
ok(claims(header_value($echo, 'Teleport-Jwt-Assertion')),
   'Require in an <If> section: alice keeps her token');
(undef, $res) = echo('/htx/ifok/page', user => 'bob');
is($res->code, 401, '... and bob is refused');
($echo) = echo('/htx/alias/page', user => 'alice');
ok(claims(header_value($echo, 'Teleport-Jwt-Assertion')),
   'Redirect (mod_alias) in .htaccess: the token is still issued');

# The log says which file and why.
my $log = do {
    local (@ARGV, $/) = (Apache::Test::vars('t_logs') . '/error_log');
    <>;
};
like($log, qr{htx/lua/ configures mod_lua\.c}, 'the log names the file and the module');
like($log, qr{htx/if/ configures mod_authn_file\.c \(in a section\)},
     '... and a module configured in a section');
like($log, qr{htx/handler/ sets a handler}, '... and a handler');
