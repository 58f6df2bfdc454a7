# The tjwt tool (docs/tool.md), part 2: sign, decode and verify, every
# refusal reason of verify, and the cross-checks: tokens made by tjwt sign
# verify with PyJWT, tokens made by PyJWT and by the module verify with
# tjwt verify (the module's against its served JWKS URL).
use strict;
use warnings FATAL => 'all';

use Apache::Test qw(-withtestmore);
use File::Temp qw(tempdir);
use IO::Socket::INET ();
use JSON::PP ();
use POSIX qw(strftime);
use POSIX ();
use TJWT::Tool qw(tjwt tjwt_in run_cmd openssl_kid slurp spew);
use TJWT::Util qw(echo owned_values token_parts verify_pyjwt jwks_url
                  server_name backend_origin free_port);

my @algs = ([ 'rsa', 'RS256' ], [ 'ec', 'ES256' ], [ 'ed25519', 'EdDSA' ]);

plan tests => 7 * @algs + 3 + 8 + 2 * 7 + 5 + 8 + 2 + @algs + 5;

my $d = tempdir('tjwt-tool-XXXXXX', TMPDIR => 1, CLEANUP => 1);
for my $k (map { $_->[0] } @algs, [ 'other' ]) {
    my $type = $k eq 'other' ? 'ec' : $k;
    my ($rc, undef, $err) = tjwt('keygen', $type, "$d/$k.pem");
    die "keygen $k: $err" if $rc;
}
my ($rc, $out, $err) = tjwt('jwks', map { "$d/$_->[0].pem" } @algs);
spew("$d/jwks.json", $out);
($rc, $out) = tjwt('jwks', "$d/other.pem");
spew("$d/other-jwks.json", $out);

my $ISS = 'tjwt.example';
my $AUD = 'https://upstream.example';
my %claims = (sub => 'alice', username => 'alice', iss => $ISS, aud => [$AUD],
              roles => ['admin'], traits => { team => ['a'] });
my $json = JSON::PP->new->canonical;
spew("$d/claims.json", $json->encode(\%claims));

# --- sign -------------------------------------------------------------
my %token;
for my $a (@algs) {
    my ($k, $alg) = @$a;
    my $now = time;
    ($rc, $out, $err) = tjwt('sign', '--key', "$d/$k.pem", '--lifetime', '10m',
                             "$d/claims.json");
    is($rc, 0, "sign $alg: exit 0") or diag($err);
    chomp(my $tok = $out);
    $token{$k} = $tok;
    ok($tok =~ /\A[\w-]+\.[\w-]+\.[\w-]+\z/, "sign $alg: one compact token");
    my ($hdr, $payload, $text) = eval { token_parts($tok) };
    is_deeply($hdr, { alg => $alg, kid => openssl_kid("$d/$k.pem"), typ => 'JWT' },
              "sign $alg: the module's header");
    is($text, $json->encode($payload), "sign $alg: compact JSON, sorted members");
    is_deeply({ map { $_ => $payload->{$_} } keys %claims }, \%claims,
              "sign $alg: the claims as given");
    ok($payload->{exp} - $payload->{iat} == 610 && $payload->{nbf} == $payload->{iat}
       && abs($payload->{exp} - 600 - $now) <= 120,
       "sign $alg: --lifetime sets iat = nbf = now - 10 s and exp = now + 10m");
    my ($ok, $why) = verify_pyjwt($tok, jwks => "file://$d/jwks.json",
                                  issuer => $ISS, audience => $AUD);
    ok($ok, "sign $alg: PyJWT verifies the token") or diag($why);
}

($rc, $out) = tjwt_in($json->encode({ sub => 'bob', exp => 4102444800 }),
                      'sign', '--key', "$d/ec.pem");
my (undef, $p) = eval { token_parts($out =~ s/\s+\z//r) };
is_deeply($p, { sub => 'bob', exp => 4102444800 },
          'sign: claims from stdin, nothing added without --lifetime');
($rc, $out) = tjwt_in(slurp("$d/ed25519.pem"), 'sign', '--key', '-', "$d/claims.json");
my ($h) = eval { token_parts($out =~ s/\s+\z//r) };
is($h->{alg}, 'EdDSA', 'sign: the key from stdin');
spew("$d/array.json", '[1]');
spew("$d/broken.json", '{"sub":');
spew("$d/dup.json", '{"sub":"a","sub":"b"}');
openssl_pub("$d/ec.pem", "$d/ec-pub.pem");
my @bad_sign = (
    [ [ '--key', "$d/ec-pub.pem", "$d/claims.json" ], qr/holds a public key/ ],
    [ [ '--key', "$d/ec.pem", "$d/array.json" ],      qr/must be a JSON object/ ],
    [ [ '--key', "$d/ec.pem", "$d/broken.json" ],     qr/broken\.json is not JSON/ ],
    [ [ '--key', "$d/ec.pem", "$d/dup.json" ],        qr/dup\.json is not JSON.*duplicate/ ],
    [ [ "$d/claims.json" ],                           qr/--key KEYFILE is required/ ],
    [ [ '--key', "$d/ec.pem", '--lifetime', '10 minutes', "$d/claims.json" ],
      qr/--lifetime '10 minutes' is not accepted/ ],
    [ [ '--key', "$d/ec.pem", "$d/none.json" ],       qr/cannot read .*none\.json/ ],
);
my $refused = 0;
for my $b (@bad_sign) {
    ($rc, $out, $err) = tjwt('sign', @{ $b->[0] });
    $refused++ if $rc == 2 && $err =~ $b->[1] && $out eq '';
    diag("sign @{ $b->[0] }: $rc $err") unless $rc == 2 && $err =~ $b->[1];
}
is($refused, scalar @bad_sign, 'sign: public key, not an object, not JSON, duplicate '
   . 'members, no key, bad lifetime, missing file: all refused with the reason');

sub openssl_pub { system("openssl pkey -in '$_[0]' -pubout -out '$_[1]' 2>/dev/null") }

# --- decode -----------------------------------------------------------
spew("$d/token.txt", "$token{rsa}\n");
($rc, $out, $err) = tjwt('decode', "$d/token.txt");
is($rc, 0, 'decode: exit 0');
my ($hdr, $payload) = token_parts($token{rsa});
my ($hpart, $ppart) = $out =~ /\Aheader:\n(\{.*?\n\})\npayload:\n(\{.*?\n\})\n/s;
is_deeply(eval { JSON::PP::decode_json($hpart // '') }, $hdr, 'decode: the header, pretty');
is_deeply(eval { JSON::PP::decode_json($ppart // '') }, $payload, 'decode: the payload, pretty');
ok(!grep({ my $c = $_; $out !~ /^$c: \Q@{[ strftime('%Y-%m-%d %H:%M:%S UTC', gmtime $payload->{$c}) ]}\E/m }
         qw(iat nbf exp)), 'decode: iat, nbf and exp as UTC dates') or diag($out);
like($out, qr/^signature: 256 bytes, not verified$/m, 'decode: says it did not verify');
my ($rc2, $out2) = tjwt_in("  $token{rsa}\n", 'decode');
my ($rc3, $out3) = tjwt('decode', '--token', $token{rsa});
# decode also says how far each time is from now, which moves on between
# the three runs: compare without it.
my $fixed = sub { (my $o = shift // '') =~ s/ \((?:\d+ s from now|\d+ s ago)\)$//mg; $o };
ok($rc2 == 0 && $rc3 == 0 && $fixed->($out2) eq $fixed->($out)
   && $fixed->($out3) eq $fixed->($out),
   'decode: the same from stdin and from --token');
($rc, $out, $err) = tjwt('decode', '--token', 'abc.def');
ok($rc == 1 && $err =~ /^tjwt decode: malformed token: /, 'decode: malformed: exit 1');
($rc, $out, $err) = tjwt_in('', 'decode');
ok($rc == 2 && $err =~ /standard input is empty/, 'decode: empty input: exit 2');

# --- verify: each reason ----------------------------------------------
sub verify {
    my (%o) = @_;
    my @args = ('verify', '--jwks', $o{jwks} // "$d/jwks.json",
                '--issuer', $o{iss} // $ISS, '--audience', $o{aud} // $AUD,
                (defined $o{leeway} ? ("--leeway", $o{leeway}) : ()),
                (defined $o{timeout} ? ("--timeout", $o{timeout}) : ()),
                '--token', $o{token});
    return tjwt(@args);
}
sub signed {
    my ($key, %c) = @_;
    my ($rc, $out, $err) = tjwt_in($json->encode({ %claims, %c }), 'sign', '--key', "$d/$key.pem");
    die "sign: $err" if $rc;
    chomp $out;
    return $out;
}
# A refusal: exit 1 and one line on stderr that starts with the reason.
sub refused_for {
    my ($reason, $what, %o) = @_;
    my ($rc, $out, $err) = verify(%o);
    ok($rc == 1 && $err =~ /\Atjwt verify: \Q$reason\E(?::|\z)[^\n]*\n\z/ && $out eq '',
       "verify refuses $what: $reason") or diag("$rc: $err");
    like($err, qr/\A[^:]+: \Q$reason\E: \S/, "verify says more than the reason "
         . "($what)");
}

my $now = time;
my @parts = split /\./, $token{ec};
my @other = split /\./, signed('ec', sub => 'mallory', exp => $now + 600);
refused_for('bad signature', 'a changed payload',
            token => join('.', $parts[0], $other[1], $parts[2]));
refused_for('wrong aud', 'another audience', token => $token{ec}, aud => 'https://other.example');
refused_for('wrong iss', 'another issuer', token => $token{ec}, iss => 'other.example');
refused_for('expired', 'a token an hour old',
            token => signed('rsa', iat => $now - 4200, nbf => $now - 4200, exp => $now - 3600));
refused_for('not yet valid', 'a token for later',
            token => signed('ed25519', iat => $now, nbf => $now + 3600, exp => $now + 7200));
refused_for('unknown kid', 'a kid not in the set', token => $token{ec},
            jwks => "$d/other-jwks.json");
refused_for('malformed token', 'something else', token => 'not-a-token');

# The leeway: 60 s by default, as Teleport's example verifier.
my $late = signed('ec', iat => $now - 700, nbf => $now - 700, exp => $now - 30);
($rc, $out, $err) = verify(token => $late);
is($rc, 0, 'verify: 30 s past exp is within the default leeway') or diag($err);
($rc, $out, $err) = verify(token => $late, leeway => '0');
ok($rc == 1 && $err =~ /^tjwt verify: expired/, 'verify --leeway 0: expired');
my $later = signed('ec', iat => $now - 700, nbf => $now - 700, exp => $now - 90);
($rc) = verify(token => $later);
is($rc, 1, 'verify: 90 s past exp is expired by default');
($rc, $out, $err) = verify(token => $later, leeway => '2m');
is($rc, 0, 'verify --leeway 2m accepts it') or diag($err);
($rc, $out, $err) = tjwt('verify', '--jwks', "$d/jwks.json", '--token', $token{ec});
ok($rc == 2 && $err =~ /--issuer and --audience are required/,
   'verify: issuer and audience are required');

# --- verify: inputs and errors -----------------------------------------
my $closed = free_port();
my @bad_verify = (
    [ "$d/claims.json",                       qr/claims\.json is not a JWKS/ ],
    [ "$d/none.json",                         qr/cannot read .*none\.json/ ],
    [ "https://127.0.0.1:$closed/jwks",       qr/cannot connect: .*127\.0\.0\.1 port $closed/ ],
    [ "http://127.0.0.1:$closed/jwks",        qr/cannot connect: .*127\.0\.0\.1 port $closed/ ],
    [ jwks_url() =~ s/jwks\.json$/nope/r,     qr/answered 404/ ],
);
for my $b (@bad_verify) {
    ($rc, $out, $err) = verify(token => $token{ec}, jwks => $b->[0]);
    ok($rc == 2 && $err =~ $b->[1], "verify --jwks $b->[0]: exit 2, says why")
        or diag($err);
}
($rc, $out, $err) = tjwt_in("$token{ec}\n", 'verify', '--jwks', "$d/jwks.json",
                            '--issuer', $ISS, '--audience', $AUD);
is_deeply(eval { JSON::PP::decode_json($out) }, { %claims, map { $_ => (token_parts($token{ec}))[1]{$_} } qw(iat nbf exp) },
          'verify: the token from stdin; prints the verified claims');
($rc, $out, $err) = tjwt_in(slurp("$d/jwks.json"), 'verify', '--jwks', '-',
                            '--issuer', $ISS, '--audience', $AUD, "$d/token.txt");
is($rc, 0, 'verify: the JWKS from stdin, the token from a file') or diag($err);

# A JWKS sent in chunks (as a server that streams it would): one answer
# from a one-shot server, bounded by an alarm.
{
    my $srv = IO::Socket::INET->new(LocalAddr => '127.0.0.1', LocalPort => 0,
                                    Listen => 1, ReuseAddr => 1) or die $!;
    my $port = $srv->sockport;
    my $body = slurp("$d/jwks.json");
    my $pid = fork // die "fork: $!";
    if (!$pid) {
        alarm 20;
        my $c = $srv->accept or POSIX::_exit(1);
        my $req = '';
        while ($req !~ /\r\n\r\n/) { sysread($c, $req, 4096, length $req) or last }
        my $chunks = '';
        my $ext = ';ext=1';
        while (length $body) {
            my $piece = substr($body, 0, 100, '');
            $chunks .= sprintf("%x%s\r\n%s\r\n", length $piece, $ext, $piece);
            $ext = '';
        }
        print $c "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
            . "Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
            . "${chunks}0\r\n\r\n";
        close $c;
        POSIX::_exit(0);
    }
    close $srv;
    ($rc, $out, $err) = verify(token => $token{ec}, jwks => "http://127.0.0.1:$port/jwks.json");
    waitpid $pid, 0;
    is($rc, 0, 'verify: a JWKS URL answered in chunks') or diag($err);
}

# A server that trickles a valid answer, a byte every half second: no one
# read waits long, but the whole fetch has a deadline (--timeout), and
# the tool gives up there rather than when the server is done.
{
    my $srv = IO::Socket::INET->new(LocalAddr => '127.0.0.1', LocalPort => 0,
                                    Listen => 1, ReuseAddr => 1) or die $!;
    my $port = $srv->sockport;
    my $body = slurp("$d/jwks.json");
    my $pid = fork // die "fork: $!";
    if (!$pid) {
        alarm 60;
        $SIG{PIPE} = sub { POSIX::_exit(0) };
        my $c = $srv->accept or POSIX::_exit(1);
        my $req = '';
        while ($req !~ /\r\n\r\n/) { sysread($c, $req, 4096, length $req) or last }
        my $answer = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
            . 'Content-Length: ' . length($body) . "\r\nConnection: close\r\n\r\n$body";
        for my $byte (split //, $answer) {
            syswrite($c, $byte) or last;
            select(undef, undef, undef, 0.5);
        }
        POSIX::_exit(0);
    }
    close $srv;
    ($rc, $out, $err) = verify(token => $token{ec}, timeout => '2s',
                               jwks => "http://127.0.0.1:$port/jwks.json");
    kill 'TERM', $pid;
    waitpid $pid, 0;
    ok($rc == 2 && $err =~ /jwks\.json: timed out: no whole answer within 2 s/,
       'verify --timeout 2s: a JWKS URL that trickles fails at the deadline')
        or diag($err);
}
($rc, $out, $err) = verify(token => $token{ec}, timeout => '0s');
ok($rc == 2 && $err =~ /--timeout '0s' is not accepted/, 'verify --timeout 0s: refused')
    or diag($err);

# --- cross-checks -----------------------------------------------------
# PyJWT signs, tjwt verifies.
for my $a (@algs) {
    my ($k, $alg) = @$a;
    my ($prc, $pyt, $perr) = run_cmd(undef, '/usr/bin/python3', '-c', <<'EOF',
import json, sys, time, jwt
key, alg, kid, iss, aud = sys.argv[1:6]
now = int(time.time())
claims = {"sub": "carol", "iss": iss, "aud": [aud], "iat": now, "nbf": now - 10, "exp": now + 300}
print(jwt.encode(claims, open(key).read(), algorithm=alg, headers={"kid": kid}))
EOF
        "$d/$k.pem", $alg, openssl_kid("$d/$k.pem"), $ISS, $AUD);
    chomp $pyt;
    ($rc, $out, $err) = verify(token => $pyt);
    ok($prc == 0 && $rc == 0 && $out =~ /"sub": "carol"/,
       "a token PyJWT signed with $alg verifies with tjwt verify") or diag("$perr $err");
}

# The module signs, tjwt verifies against the JWKS the server serves.
my ($echo) = echo('/app/claims', user => 'alice');
my ($mod_token) = owned_values($echo // { headers => [] }, 'Teleport-Jwt-Assertion');
$mod_token //= '';
($rc, $out, $err) = tjwt('verify', '--jwks', jwks_url(), '--issuer', server_name(),
                         '--audience', backend_origin(), '--token', $mod_token);
is($rc, 0, "the module's token verifies with tjwt verify against the served JWKS URL")
    or diag($err);
is(eval { JSON::PP::decode_json($out)->{sub} }, 'alice', 'and the verified sub is alice');
($rc, $out, $err) = tjwt('verify', '--jwks', jwks_url(), '--issuer', server_name(),
                         '--audience', 'http://elsewhere.example', '--token', $mod_token);
ok($rc == 1 && $err =~ /^tjwt verify: wrong aud/, "the module's token: wrong aud elsewhere");
($rc, $out) = tjwt('decode', '--token', $mod_token);
like($out, qr/"kid": "\Q@{[ (token_parts($mod_token))[0]{kid} ]}\E"/,
     "decode shows the module token's kid");
# And PyJWT agrees with tjwt about it.
ok((verify_pyjwt($mod_token))[0], "PyJWT verifies the same token");
