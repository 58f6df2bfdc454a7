# TLS client certificates as the identity source (issue 3 item 6): mod_ssl
# verifies the client against the test CA that tests/identity-setup.sh made,
# the certificate's CN is the user and its OUs are roles, and the token the
# proxied backend receives verifies with PyJWT. A certificate from another
# CA, or none, gets no TLS session, so no request and no token.
use strict;
use warnings FATAL => 'all';

use Apache::Test qw(-withtestmore);
use TJWT::Util qw(owned_values verify_pyjwt);
use TJWT::Identity qw(id_dir setup_problem vhost_port id_backend_origin
                      nonce curl_tls backend_saw wait_backend_saw);

plan skip_all => 'no identity set-up: ' . setup_problem() unless id_dir();
plan tests => 28;

my $problem = setup_problem();
ok(!$problem, 'tests/identity-setup.sh made the CA and certificates')
    or diag($problem);
my $port = vhost_port('tjwt_tls');
ok($port, 'the TLS virtual host is configured');
$port //= 0;

# The token of a request with a client certificate: (payload verified by
# PyJWT or undef, echo, status).
sub token_for {
    my ($cert, @headers) = @_;
    my ($code, $echo, $rc, $err) = curl_tls($port, '/tls/' . nonce(),
                                            cert => $cert, headers => \@headers);
    diag("curl: exit $rc: $err") if $code != 200;
    my @tokens = $echo ? owned_values($echo, 'Teleport-Jwt-Assertion') : ();
    return (undef, $echo, $code, scalar @tokens) unless @tokens == 1;
    my ($v, $why) = verify_pyjwt($tokens[0], audience => id_backend_origin());
    diag($why) unless $v;
    return ($v ? $v->{payload} : undef, $echo, $code, 1);
}

# alice: CN=alice, OU=admins, OU=ops, e-mail alice@example.com in the SAN.
my ($p, $echo, $code, $n) = token_for('alice');
is($code, 200, 'alice: her certificate is accepted and the request proxied');
like($echo && $echo->{uri}, qr{^/echo/tls/}, 'alice: the backend got it');
is($n, 1, 'alice: exactly one assertion header');
ok($p, 'alice: PyJWT verifies the token against the JWKS');
is($p && $p->{sub}, 'alice', 'alice: sub is the CN (SSL_CLIENT_S_DN_CN)');
is($p && $p->{username}, 'alice', 'alice: username is the CN');
is_deeply($p && $p->{roles}, [qw(admins ops)],
          'alice: roles are her two OUs (SSL_CLIENT_S_DN_OU, _OU_1), in order');
is_deeply($p && $p->{traits}, { email => ['alice@example.com'] },
          'alice: trait email from the SAN (SSL_CLIENT_SAN_Email_0)');
is_deeply($p && $p->{aud}, [ id_backend_origin() ],
          'alice: aud is the proxy target');

# bob: CN=bob, OU=devs, no second OU, no SAN.
($p, $echo, $code, $n) = token_for('bob');
is($code, 200, 'bob: accepted and proxied');
is($n, 1, 'bob: exactly one assertion header');
ok($p, 'bob: PyJWT verifies the token');
is($p && $p->{sub}, 'bob', 'bob: sub is his CN');
is($p && $p->{username}, 'bob', 'bob: username is his CN');
is_deeply($p && $p->{roles}, ['devs'],
          'bob: his one OU; the empty SSL_CLIENT_S_DN_OU_1 adds nothing');
is_deeply($p && $p->{traits}, {}, 'bob: no e-mail in the certificate, no trait');

# A client certificate holder cannot hand the upstream a token of its own.
($p, $echo, $code, $n) = token_for('bob', 'Teleport-Jwt-Assertion: forged');
is($n, 1, 'a forged assertion header is replaced, not added to');
is($p && $p->{sub}, 'bob', '... by the token for the certificate');

# mallory: CN=alice, OU=admins, but from another CA. curl's exit status
# 56 (TLS 1.3: the alert comes after the client's Finished) or 35 (the
# handshake itself failed) is a TLS failure; 7 would be no server at all.
my $refused = nonce();
my ($c, $e, $rc, $err) = curl_tls($port, "/tls/$refused", cert => 'mallory');
is($c, 0, 'a certificate from another CA gets no HTTP answer at all');
ok($rc == 56 || $rc == 35, '... curl reports a TLS failure') or diag("exit $rc: $err");
like($err, qr/unknown ca/i, '... the server refused the unknown CA') or diag($err);
my $refused12 = nonce();
($c, $e, $rc, $err) = curl_tls($port, "/tls/$refused12", cert => 'mallory',
                               args => [ '--tls-max', '1.2' ]);
ok($c == 0 && $rc == 35, 'with TLS 1.2 the handshake itself fails')
    or diag("status $c, exit $rc: $err");

# No certificate at all.
my $nocert = nonce();
($c, $e, $rc, $err) = curl_tls($port, "/tls/$nocert");
is($c, 0, 'no client certificate: no HTTP answer');
like($err, qr/certificate required|handshake failure/i,
     '... the server requires one') or diag("exit $rc: $err");

# None of them reached the backend: a later good request does, and is logged.
my $after = nonce();
($c) = curl_tls($port, "/tls/$after", cert => 'alice');
ok(wait_backend_saw($after), 'a later accepted request reaches the backend');
ok(!grep({ backend_saw($_) } $refused, $refused12, $nocert),
   'the refused ones never reached the backend');
