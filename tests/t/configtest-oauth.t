# configtest of AuthType TeleportOAuth (src/oauth_config.c): a scope of
# the server configuration that would check bearer tokens without a
# resource, an issuer or a key set reaching it stops `apachectl -t` with
# the file, the AuthType's line, its section and each directive missing
# with what it takes. Values set in an enclosing scope, at the top of the
# server or in a section whose reach only a request can tell pass.
use strict;
use warnings FATAL => 'all';

use Apache::Test qw(-withtestmore);
use TJWT::OAuth qw(as_setup oauth_httpd_lines);
use TJWT::Private ();
use TJWT::Util qw(free_port);

my $p = TJWT::Private->new;
my $d = $p->dir;
as_setup($d);

my $RES  = 'TeleportJWTOAuthResource http://127.0.0.1/mcp';
my $ISS  = 'TeleportJWTOAuthIssuer https://as.example';
my $JWKS = "TeleportJWTOAuthJWKS $d/as-jwks.json";
my $vport = free_port();
my $vhost = "<VirtualHost 127.0.0.1:$vport>";
my @auth = ('AuthType TeleportOAuth', 'Require valid-user');
my $what = {
    res  => qr/TeleportJWTOAuthResource \(the URL MCP clients connect to, such as https:\/\/mcp\.example\.com\/mcp\)/,
    iss  => qr/TeleportJWTOAuthIssuer \(the authorization server's issuer, such as https:\/\/auth\.example\.com\)/,
    jwks => qr/TeleportJWTOAuthJWKS \(its keys, an https:\/\/ URL or a JWKS file\)/,
};

# [ name, lines, the line of the AuthType among them (0-based), the section
#   the message names, the missing directives ]
my @bad = (
    [ 'no resource', [ '<Location /mcp>', @auth, $ISS, $JWKS, '</Location>' ], 1, '<Location /mcp>', ['res'] ],
    [ 'no issuer',   [ '<Location /mcp>', @auth, $RES, $JWKS, '</Location>' ], 1, '<Location /mcp>', ['iss'] ],
    [ 'no key set',  [ '<Location /mcp>', $RES, $ISS, @auth, '</Location>' ], 3, '<Location /mcp>', ['jwks'] ],
    [ 'nothing',     [ '<Location /mcp>', @auth, '</Location>' ], 1, '<Location /mcp>', [qw(res iss jwks)] ],
    [ 'the name in any case', [ '<Location /mcp>', 'AuthType teleportoauth', 'Require valid-user', '</Location>' ],
      1, '<Location /mcp>', [qw(res iss jwks)] ],
    [ 'the issuer in an unrelated Location',
      [ '<Location /other>', $ISS, '</Location>', '<Location /mcp>', @auth, $RES, $JWKS, '</Location>' ],
      4, '<Location /mcp>', ['iss'] ],
    [ 'the issuer only in a deeper Location (/mcp itself has none)',
      [ '<Location /mcp/tools>', $ISS, '</Location>', '<Location /mcp>', @auth, $RES, $JWKS, '</Location>' ],
      4, '<Location /mcp>', ['iss'] ],
    [ 'the key set in another virtual host',
      [ "Listen 127.0.0.1:$vport", $vhost, $JWKS, '</VirtualHost>',
        '<Location /mcp>', @auth, $RES, $ISS, '</Location>' ],
      5, '<Location /mcp>', ['jwks'] ],
    [ 'a Directory scope',
      [ "<Directory $d>", @auth, $RES, '</Directory>' ], 1, "<Directory $d>", [qw(iss jwks)] ],
    [ 'inside IfModule',
      [ '<IfModule teleport_jwt_module>', '<Location /mcp>', @auth, $RES, $ISS, '</Location>', '</IfModule>' ],
      2, '<Location /mcp>', ['jwks'] ],
);
my @good = (
    [ 'all in the scope', [ '<Location /mcp>', @auth, $RES, $ISS, $JWKS, '</Location>' ] ],
    [ 'issuer and keys at the top of the server',
      [ $ISS, $JWKS, '<Location /mcp>', @auth, $RES, '</Location>' ] ],
    [ 'issuer in an enclosing Location',
      [ '<Location />', $ISS, '</Location>', '<Location /mcp>', @auth, $RES, $JWKS, '</Location>' ] ],
    [ 'the main server\'s values reach a virtual host',
      [ $ISS, $JWKS, "Listen 127.0.0.1:$vport", $vhost,
        '<Location /mcp>', @auth, $RES, '</Location>', '</VirtualHost>' ] ],
    [ 'the virtual host\'s own values',
      [ "Listen 127.0.0.1:$vport", $vhost, $RES, $ISS, $JWKS,
        '<Location /mcp>', @auth, '</Location>', '</VirtualHost>' ] ],
    [ 'AuthType in an <If> of the scope',
      [ '<Location /mcp>', $RES, $ISS, $JWKS, '<If "true">', @auth, '</If>', '</Location>' ] ],
    [ 'a value in a LocationMatch (only a request can tell)',
      [ '<LocationMatch "^/m">', $JWKS, '</LocationMatch>', '<Location /mcp>', @auth, $RES, $ISS, '</Location>' ] ],
    [ 'AuthType Basic needs none of them', [ '<Location /mcp>', 'AuthType Basic', '</Location>' ] ],
);

plan tests => 2 * @bad + @good;

for my $b (@bad) {
    my ($name, $lines, $at, $section, $missing) = @$b;
    my @pre = oauth_httpd_lines();
    my $line = $p->write_conf(@pre, @$lines) + @pre + $at;
    my ($rc, $out) = $p->configtest;
    ok($rc != 0 && $out =~ /AuthType TeleportOAuth on line $line of \Q$d\E\/httpd\.conf \(\Q$section\E\): missing /,
       "$name: configtest stops, naming the file, the line and the section") or diag($out);
    my @absent = grep { my $k = $_; !grep { $_ eq $k } @$missing } keys %$what;
    ok((!grep { $out !~ $what->{$_} } @$missing) && (!grep { $out =~ $what->{$_} } @absent),
       "$name: it names what is missing (@$missing) and what it takes, nothing else") or diag($out);
}
for my $g (@good) {
    my ($name, $lines) = @$g;
    $p->write_conf(oauth_httpd_lines(), @$lines);
    my ($rc, $out) = $p->configtest;
    is($rc, 0, "$name: configtest passes") or diag($out);
}
