# TeleportJWTHeader (docs/templates.md): Teleport's header rewrites, one
# line per value, nothing for nothing, owned names stripped from the client,
# and no control character ever sent.
use strict;
use warnings FATAL => 'all';

use Apache::Test qw(-withtestmore);
use TJWT::Util qw(echo raw_echo owned_values header_value verify_pyjwt);

plan tests => 17;

my ($echo, $res) = echo('/hdr/x', user => 'alice',
                        headers => [ 'X-Logins' => 'forged',
                                     'X-Static' => 'forged' ]);
is($res->code, 200, 'proxied');
my @auth = owned_values($echo, 'Authorization');
is(scalar @auth, 1, 'one Authorization header: the client\'s Basic one is gone');
my ($bearer) = ($auth[0] // '') =~ /^Bearer (\S+)$/;
ok($bearer && (verify_pyjwt($bearer))[0], 'Authorization: Bearer {{internal.jwt}} verifies');
is($bearer, header_value($echo, 'Teleport-Jwt-Assertion'),
   'the same token as the assertion header');
# The upstream here is httpd, which joins repeated request headers with
# ", " (htaccess.t sees the two lines themselves, in the same request).
is_deeply([ owned_values($echo, 'X-Logins') ], ['root, ubuntu'],
          'a trait with two values: both lines, and the forged one is gone');
is_deeply([ owned_values($echo, 'X-Login-Local') ], ['alice'],
          'email.local() keeps what is an address, drops the rest');
is_deeply([ owned_values($echo, 'X-Root') ], ['Roo-T'],
          'regexp.replace() rewrites matches and drops the rest');
is(scalar owned_values($echo, 'X-Nothing'), 0, 'a template that yields nothing sends nothing');
is_deeply([ owned_values($echo, 'X-Static') ], ['fixed'], 'literal template; forged copy gone');

# Values with control characters never reach the upstream.
($echo) = echo('/hdr/x', user => 'alice', headers => [ 'X-Test-Raw' => 'a%0D%0AX-Evil:%20yes' ]);
is(scalar owned_values($echo, 'X-Raw'), 0, 'CR LF in a value: header dropped');
is(scalar owned_values($echo, 'X-Evil'), 0, 'no header injected');
ok(header_value($echo, 'Teleport-Jwt-Assertion'), 'the token is still sent');
($echo) = echo('/hdr/x', user => 'alice', headers => [ 'X-Test-Raw' => 'plain' ]);
is_deeply([ owned_values($echo, 'X-Raw') ], ['v=plain'], 'a clean value is sent');

# Inner scope: its list replaces the outer one.
($echo) = echo('/hdr/inner/x', user => 'alice');
ok(header_value($echo, 'X-Inner') && !owned_values($echo, 'X-Logins'),
   'an inner TeleportJWTHeader list replaces the outer one');

# No user: no owned header at all, and client copies are stripped.
($echo) = raw_echo('/hdr-open/x', raw_headers => [ 'Authorization: Bearer forged',
                                                  'X_Static: forged' ]);
is(scalar owned_values($echo, 'Authorization'), 0, 'no user: the client\'s Authorization is stripped');
is(scalar owned_values($echo, 'X-Static'), 0, 'no user: not even literal templates, X_Static stripped');
($echo) = raw_echo('/hdr/x', user => 'alice', raw_headers => [ 'x_logins: forged' ]);
ok(!grep({ $_ eq 'forged' } owned_values($echo, 'X-Logins')), 'underscore spelling stripped');
