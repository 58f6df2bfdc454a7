# What a request inherits from another: an internal redirect shares the
# request headers, a subrequest copies them with the variables. A token
# made for one scope must not follow into a scope that does not configure
# the module. And names an outer scope owns stay owned in an inner one;
# mod_headers running after the module cannot replace its headers.
use strict;
use warnings FATAL => 'all';

use Apache::Test qw(-withtestmore);
use Apache::TestRequest ();
use JSON::PP ();
use TJWT::Util qw(echo owned_values header_value verify_pyjwt);

plan tests => 17;

sub any_token {
    my ($echo) = @_;
    my @found = grep {
        my $n = lc $_->[0];
        $n eq 'teleport-jwt-assertion' || $n eq 'x-email' || $_->[1] =~ /^eyJ/
    } @{ $echo->{headers} || [] };
    return scalar(@found) + scalar(keys %{ $echo->{jwt_env} || {} });
}

sub get_json {
    my ($path) = @_;
    my $res = Apache::TestRequest::GET($path, username => 'alice',
                                       password => 'alice-secret');
    my $body = eval { JSON::PP::decode_json($res->content) };
    return ($body, $res);
}

# An internal redirect (ErrorDocument) to a third party proxied by a
# scope without the module.
my ($echo, $res) = get_json('/redir/missing');
ok($res->is_success || $res->code == 404, 'the error document is served for the 404');
is($echo && $echo->{uri}, '/echo/third/redirected', '... by the third party');
is(any_token($echo), 0, '... which receives neither the token nor X-Email');

# The same to a handler on this server: no TELEPORT_JWT, nor its
# REDIRECT_ copy.
($echo, $res) = get_json('/redir/local/missing');
ok($echo && $echo->{uri} eq '/third-local/redirected', 'a local error document');
is_deeply($echo->{jwt_env}, {}, '... sees no TELEPORT_JWT nor REDIRECT_TELEPORT_JWT');
is(scalar owned_values($echo, 'Teleport-Jwt-Assertion'), 0, '... nor the header');

# A subrequest to the third party.
($echo, $res) = get_json('/subreq/x');
is($echo && $echo->{uri}, '/echo/third/sub', 'a subrequest reaches the third party');
is(any_token($echo), 0, '... without the token or X-Email');
($echo, $res) = get_json('/subreq/local');
ok($echo && $echo->{uri} eq '/third-local/sub', 'a subrequest to a local handler');
is_deeply($echo->{jwt_env}, {}, '... sees no TELEPORT_JWT');

# Names owned by an outer scope stay owned in an inner one.
($echo) = echo('/union/inner/x', user => 'alice', headers => [
    'X-Email' => 'ceo@example.com', 'X-Outer-Assertion' => 'forged',
    'Teleport-Jwt-Assertion' => 'forged' ]);
is(scalar owned_values($echo, 'X-Email'), 0,
   'the outer scope\'s X-Email: the client\'s copy is removed in the inner scope');
is(scalar owned_values($echo, 'X-Outer-Assertion'), 0, '... and its assertion header\'s');
is(scalar owned_values($echo, 'Teleport-Jwt-Assertion'), 0, '... and the default name\'s');
like(header_value($echo, 'X-Token') // '', qr/^Bearer eyJ/, 'the inner scope sends its own headers');
like(header_value($echo, 'X-Inner-Assertion') // '', qr/^eyJ/, '... and its assertion');

# mod_headers after the module.
($echo) = echo('/late/x', user => 'alice');
is_deeply([ owned_values($echo, 'X-Late-Email') ], ['alice@example.com'],
          'RequestHeader cannot replace an owned header');
ok(header_value($echo, 'Teleport-Jwt-Assertion') =~ /^eyJ/
   && header_value($echo, 'X-Copy') eq header_value($echo, 'Teleport-Jwt-Assertion'),
   '... nor add to one, while a header of its own gets %{TELEPORT_JWT}e');
