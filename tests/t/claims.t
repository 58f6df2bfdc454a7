# Claim sources (docs/claims.md) fed by every usual means of setting a
# variable, TeleportJWTClaims (docs/claims.md, "Which claims"), the identity
# expiry and scope merging.
use strict;
use warnings FATAL => 'all';

use Apache::Test qw(-withtestmore);
use TJWT::Util qw(echo owned_values header_value verify_pyjwt token_parts);

plan tests => 30;

sub claims_of {
    my ($path, @headers) = @_;
    my ($echo, $res) = echo($path, user => 'alice', headers => \@headers);
    my ($token) = owned_values($echo, 'Teleport-Jwt-Assertion');
    return (undef, $res) unless $token;
    my ($verified, $why) = verify_pyjwt($token);
    diag($why) unless $verified;
    return ($verified ? $verified->{payload} : undef, $res, $echo, $token);
}

my ($c) = claims_of('/claims/x');
ok($c, 'token with claim sources verifies');
is_deeply($c->{roles}, [qw(editor viewer alice-role)],
          'roles: SetEnv value split and trimmed, empties and duplicates '
          . 'dropped, REMOTE_USER with a custom separator, order kept');
is_deeply($c->{traits}{logins}, [qw(root ubuntu)],
          'trait from RewriteRule [E=] in per-directory context, split on ;');
is_deeply($c->{traits}{team}, [qw(blue red)],
          'trait lines with the same name add up: SetEnvIf value, then literal');
is_deeply($c->{traits}{email}, ['alice@example.com'], 'trait from REMOTE_USER');
ok(!exists $c->{traits}{nothing}, 'a trait with no values is left out');
is_deeply($c->{traits}{noted}, ['noted'], 'trait from a request note');
is_deeply([ sort keys %{ $c->{traits} } ], [qw(email logins noted team)],
          'exactly the configured traits');

# Basic authentication with groups (AuthGroupFile format) as roles.
($c) = claims_of('/groups/x');
is_deeply($c->{roles}, [qw(admins devs)], 'alice: her groups as roles');
my ($be) = echo('/groups/x', user => 'bob');
my ($bt) = owned_values($be, 'Teleport-Jwt-Assertion');
my ($bv) = verify_pyjwt($bt // '');
is_deeply($bv && $bv->{payload}{roles}, [qw(devs ops)], 'bob: his groups as roles');

# TeleportJWTClaims: dropped, not emptied.
($c) = claims_of('/claims/roles/x');
ok($c && exists $c->{roles} && !exists $c->{traits}, 'roles: traits dropped');
($c) = claims_of('/claims/traits/x');
ok($c && !exists $c->{roles} && exists $c->{traits}, 'traits: roles dropped');
($c) = claims_of('/claims/none/x');
ok($c && !exists $c->{roles} && !exists $c->{traits}, 'none: both dropped');
is($c && $c->{sub}, 'alice', 'none: the rest stays');

# An inner scope's TeleportJWTRoles replaces the outer list; traits inherit.
($c) = claims_of('/claims/inner/x');
is_deeply($c->{roles}, ['inner'], 'inner TeleportJWTRoles replaces the list');
is_deeply($c->{traits}{logins}, [qw(root ubuntu)], 'traits are inherited');

# Identity expiry: exp = min(now + lifetime, expiry).
my $soon = time + 120;
($c) = claims_of('/claims/x', 'X-Test-Expiry' => $soon);
is($c->{exp}, $soon, 'an earlier identity expiry caps exp');
my $late = time + 86400;
($c) = claims_of('/claims/x', 'X-Test-Expiry' => $late);
# iat is 10 s before the signing time (docs/tokens.md, "Clocks").
is($c->{exp} - ($c->{iat} + 10), 600, 'a later identity expiry leaves the lifetime');
my ($none, $res, $echo) = claims_of('/claims/x', 'X-Test-Expiry' => time - 5);
ok(!$none, 'an expired identity gets no token');
is($res->code, 200, '... and the request still goes on');
($none, $res) = claims_of('/claims/x', 'X-Test-Expiry' => 'tomorrow');
is($res->code, 500, 'an expiry that is not Unix seconds fails closed');

# RequestHeader sees TELEPORT_JWT with the claims.
my ($cc, undef, $e, $token) = claims_of('/claims/env/x');
is(header_value($e, 'X-Env-Token'), $token, 'mod_headers sees TELEPORT_JWT');

# What claims cannot be: a role or trait value that is not UTF-8 is never
# signed; a value with JSON syntax is a plain string.
($c) = claims_of('/claims/x', 'X-Test-Expiry' => '');
ok($c, 'an empty expiry means none');
($echo, $res) = echo('/big/x', user => 'alice',
                     headers => [ 'X-Test-Roles' => "\"],\"admin\":[\"x" ]);
my ($t) = owned_values($echo, 'Teleport-Jwt-Assertion');
my (undef, $p) = token_parts($t // '');
is_deeply($p->{roles}, ["\"]", "\"admin\":[\"x"],
          'JSON syntax in a value stays a string (split on , only)');
ok(!exists $p->{admin}, 'no claim injected');
($echo, $res) = echo('/big/x', user => 'alice',
                     headers => [ 'X-Test-Roles' => "caf\xe9" ]);
is($res->code, 500, 'a role that is not UTF-8 fails closed');
($echo, $res) = echo('/big/x', user => 'alice',
                     headers => [ 'X-Test-Roles' => "caf\xc3\xa9" ]);
($t) = owned_values($echo, 'Teleport-Jwt-Assertion');
(undef, $p) = token_parts($t // '');
is_deeply($p->{roles}, ["caf\x{e9}"], 'UTF-8 roles are kept');

# Size: traits go first, then roles, then the request fails.
my $x = 'x' x 300;
($echo) = echo('/big/x', user => 'alice',
               headers => [ 'X-Test-Roles' => 'small', 'X-Test-Traits' => $x ]);
($t) = owned_values($echo, 'Teleport-Jwt-Assertion');
(undef, $p) = token_parts($t // '');
ok(!exists $p->{traits} && $p->{roles} && length($t) <= 1024,
   'over TeleportJWTMaxSize: traits dropped, roles kept');
($echo) = echo('/big/x', user => 'alice',
               headers => [ 'X-Test-Roles' => $x, 'X-Test-Traits' => $x ]);
($t) = owned_values($echo, 'Teleport-Jwt-Assertion');
(undef, $p) = token_parts($t // '');
ok(!exists $p->{traits} && !exists $p->{roles} && $p->{sub} eq 'alice',
   'still over: roles dropped too');
($echo, $res) = echo('/big/x', user => 'alice',
                     headers => [ 'X-Test-Suffix' => 'y' x 900 ]);
is($res->code, 500, 'too long even without roles and traits: 500');
