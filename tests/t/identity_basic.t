# Basic authentication with groups as roles (issue 3 item 6): htpasswd
# users, one group file that mod_authz_groupfile authorizes with
# (Require group) and that %{tjwt_groups:FILE} turns into the token's roles.
# Checked through the proxied backend, verified by PyJWT.
use strict;
use warnings FATAL => 'all';

use Apache::Test qw(-withtestmore);
use JSON::PP ();
use LWP::UserAgent ();
use MIME::Base64 qw(encode_base64);
use TJWT::Util qw(owned_values verify_pyjwt);
use TJWT::Identity qw(vhost_port id_backend_origin nonce backend_saw
                      wait_backend_saw);

plan tests => 13;

my %pw = %TJWT::Util::USERS;
my $port = vhost_port('tjwt_basic');
ok($port, 'the Basic virtual host is configured');
my $origin = 'http://127.0.0.1:' . ($port // 0);
my $ua = LWP::UserAgent->new(timeout => 15);

sub claims_as {
    my ($user, $password, $path) = @_;
    my $res = $ua->get($origin . ($path // '/basic/' . nonce()),
                       Authorization => 'Basic '
                       . encode_base64("$user:$password", ''));
    my $echo = $res->code == 200 ? eval { JSON::PP::decode_json($res->content) }
                                 : undef;
    my @tokens = $echo ? owned_values($echo, 'Teleport-Jwt-Assertion') : ();
    return ($res->code, undef) unless @tokens == 1;
    my ($v, $why) = verify_pyjwt($tokens[0], audience => id_backend_origin(),
                                 jwks => "$origin/.well-known/jwks.json");
    diag($why) unless $v;
    return ($res->code, $v ? $v->{payload} : undef);
}

my ($code, $p) = claims_as(alice => $pw{alice});
is($code, 200, 'alice: authenticated, in a required group, proxied');
ok($p, 'alice: PyJWT verifies the token');
is($p && $p->{sub}, 'alice', 'alice: sub is REMOTE_USER');
is_deeply($p && $p->{roles}, [qw(admins devs ops)],
          'alice: all her groups are her roles, in the order of the file');
is_deeply($p && $p->{traits}, { logins => ['alice'] }, 'alice: trait logins');

($code, $p) = claims_as(bob => $pw{bob});
is($code, 200, 'bob: authenticated and proxied');
ok($p, 'bob: PyJWT verifies the token');
is($p && $p->{sub}, 'bob', 'bob: sub');
is_deeply($p && $p->{roles}, ['devs'], 'bob: his one group');

my $refused = nonce();
($code, $p) = claims_as(alice => 'wrong', "/basic/$refused");
is($code, 401, 'a wrong password: 401');
my $after = nonce();
claims_as(bob => $pw{bob}, "/basic/$after");
ok(wait_backend_saw($after), 'a later accepted request reaches the backend');
ok(!backend_saw($refused), 'the refused one never did');
