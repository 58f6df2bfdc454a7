# LDAP as the identity source (issue 3 item 6): mod_authnz_ldap checks the
# password against a real slapd that tests/identity-setup.sh started, and
# exports the attributes of AuthLDAPURL as AUTHENTICATE_*; the user's
# groups (memberOf, kept by slapd's memberof overlay) become roles and the
# mail attribute a trait. Checked through the proxied backend, verified by
# PyJWT. A wrong password gets 401 and nothing reaches the backend.
use strict;
use warnings FATAL => 'all';

use Apache::Test qw(-withtestmore);
use JSON::PP ();
use LWP::UserAgent ();
use MIME::Base64 qw(encode_base64);
use TJWT::Util qw(owned_values verify_pyjwt);
use TJWT::Identity qw(id_dir setup_problem vhost_port id_backend_origin
                      nonce backend_saw wait_backend_saw);

plan skip_all => 'no identity set-up: ' . setup_problem() unless id_dir();
plan tests => 29;

my %pw = %TJWT::Identity::LDAP_USERS;
my $admins = 'cn=admins,ou=groups,dc=example,dc=com';
my $devs   = 'cn=devs,ou=groups,dc=example,dc=com';

my $problem = setup_problem();
ok(!$problem, 'tests/identity-setup.sh started slapd') or diag($problem);
my $port = vhost_port('tjwt_ldap');
ok($port, 'the LDAP virtual host is configured');
$port //= 0;
my $origin = "http://127.0.0.1:$port";
my $ua = LWP::UserAgent->new(timeout => 15);

# GET $path as $user with $password: (status, echo or undef, the one token
# or undef, how many assertion headers).
sub get_as {
    my ($path, $user, $password) = @_;
    my $res = $ua->get("$origin$path", Authorization => 'Basic '
                       . encode_base64("$user:$password", ''));
    my $echo = $res->code == 200 ? eval { JSON::PP::decode_json($res->content) }
                                 : undef;
    my @tokens = $echo ? owned_values($echo, 'Teleport-Jwt-Assertion') : ();
    return ($res->code, $echo, @tokens == 1 ? $tokens[0] : undef, scalar @tokens);
}

sub verified {
    my $token = shift or return undef;
    my ($v, $why) = verify_pyjwt($token, audience => id_backend_origin(),
                                 jwks => "$origin/.well-known/jwks.json");
    diag($why) unless $v;
    return $v ? $v->{payload} : undef;
}

my ($code, $echo, $token, $n) = get_as('/ldap/' . nonce(), alice => $pw{alice});
is($code, 200, 'alice: her directory password is accepted, the request proxied');
like($echo && $echo->{uri}, qr{^/echo/ldap/}, 'alice: the backend got it');
is($n, 1, 'alice: exactly one assertion header');
my $p = verified($token);
ok($p, 'alice: PyJWT verifies the token against the JWKS');
is($p && $p->{sub}, 'alice', 'alice: sub is the LDAP user');
is($p && $p->{username}, 'alice', 'alice: username is the LDAP user');
is_deeply([ sort @{ $p ? $p->{roles} : [] } ], [ $admins, $devs ],
          'alice: roles are the DNs of her two groups (AUTHENTICATE_MEMBEROF '
          . 'split on ";", trimmed)');
is_deeply([ sort @{ $p ? $p->{traits}{email} // [] : [] } ],
          [qw(alice.liddell@example.com alice@example.com)],
          'alice: trait email has both her mail values (AUTHENTICATE_MAIL)');
is_deeply([ sort keys %{ $p ? $p->{traits} : {} } ], ['email'],
          'alice: no other trait');

($code, $echo, $token, $n) = get_as('/ldap/' . nonce(), bob => $pw{bob});
is($code, 200, 'bob: accepted and proxied');
is($n, 1, 'bob: exactly one assertion header');
$p = verified($token);
ok($p, 'bob: PyJWT verifies the token');
is($p && $p->{sub}, 'bob', 'bob: sub is the LDAP user');
is_deeply($p && $p->{roles}, [$devs], 'bob: his one group DN');
is_deeply($p && $p->{traits}, { email => ['bob@example.com'] },
          'bob: his one mail value');

# Authorization by the directory's groups: only admins get in.
($code, $echo, $token) = get_as('/ldap/admins/' . nonce(), alice => $pw{alice});
is($code, 200, 'Require ldap-group: alice, an admin, gets in');
is(($p = verified($token)) && $p->{sub}, 'alice', '... with her token');
my $bob_admin = nonce();
($code) = get_as("/ldap/admins/$bob_admin", bob => $pw{bob});
is($code, 401, 'Require ldap-group: bob, not an admin, is refused');

# Wrong passwords, unknown users: 401, no token, no backend request.
my (@refused, $handed_out);
for my $case ([ alice => 'wrong', 'a wrong password' ],
              [ alice => $TJWT::Util::USERS{alice},
                "alice's htpasswd password (only LDAP counts here)" ],
              [ bob   => $pw{alice}, "another user's password" ],
              [ carol => 'carol', 'an unknown user' ]) {
    my ($user, $password, $what) = @$case;
    my $nonce = nonce();
    push @refused, $nonce;
    ($code, $echo, $token) = get_as("/ldap/$nonce", $user => $password);
    is($code, 401, "$what: 401");
    $handed_out++ if defined $token;
}
push @refused, nonce();
my $res = $ua->get("$origin/ldap/$refused[-1]");
is($res->code, 401, 'no credentials: 401');
ok(!$handed_out, 'no token was handed out for a refused request');

# None of them reached the backend: a later good request does, and is logged.
my $after = nonce();
($code) = get_as("/ldap/$after", bob => $pw{bob});
ok(wait_backend_saw($after), 'a later accepted request reaches the backend');
ok(!grep({ backend_saw($_) } @refused, $bob_admin),
   'the refused requests never reached the backend');
is($code, 200, 'and the directory still answers after the refusals');
