# The tjwt tool (docs/tool.md), part 1: help and usage errors, keygen,
# kid and jwks. Key ids are checked against the openssl command, the JWKS
# against what the module serves.
use strict;
use warnings FATAL => 'all';

use Apache::Test qw(-withtestmore);
use Apache::TestRequest ();
use File::Temp qw(tempdir);
use JSON::PP ();
use TJWT::Tool qw(tjwt tjwt_in openssl openssl_kid slurp spew);
use TJWT::Util qw(tests_dir b64url_decode);

my @cmds = qw(keygen kid jwks sign decode verify);

plan tests => 9 + 3 * @cmds + 5 * 4 + 9 + 4 + 3 + 9 + 10;

my $d = tempdir('tjwt-tool-XXXXXX', TMPDIR => 1, CLEANUP => 1);

# --- help and usage ---------------------------------------------------
my ($rc, $out, $err) = tjwt('--help');
is($rc, 0, '--help exits 0');
ok(!grep({ $out !~ /^  \Q$_\E /m } @cmds), '--help lists every command')
    or diag($out);
($rc, $out, $err) = tjwt();
ok($rc == 2 && $err =~ /^Usage: tjwt COMMAND/, 'no command: usage, exit 2');
($rc, $out, $err) = tjwt('nope');
ok($rc == 2 && $err =~ /no command 'nope'/, 'unknown command: exit 2, named');
($rc, $out, $err) = tjwt('--version');
ok($rc == 0 && $out =~ /^tjwt \(mod_teleport_jwt\) \d+\.\d+/, '--version');
for my $c (@cmds) {
    ($rc, $out) = tjwt($c, '--help');
    ok($rc == 0 && $out =~ /^Usage: tjwt \Q$c\E/, "$c --help") or diag($out);
    my ($rc2, $out2) = tjwt('help', $c);
    ok($rc2 == 0 && $out2 eq $out, "help $c is $c --help");
    ($rc, $out, $err) = tjwt($c, '--no-such-option');
    ok($rc == 2 && $err =~ /unrecognized option.*\nTry 'tjwt \Q$c\E --help'/s,
       "$c: an unknown option is a usage error") or diag($err);
}
($rc, $out) = tjwt('sign', '-h');
ok($rc == 0 && $out =~ /^Usage: tjwt sign/, '-h is --help');
($rc, $out, $err) = tjwt('sign', '--key');
ok($rc == 2 && $err =~ /requires an argument/, 'a missing option argument');
($rc, $out, $err) = tjwt('help', 'nope');
ok($rc == 2 && $err =~ /no command 'nope'/, 'help for an unknown command');
($rc, $out, $err) = tjwt('decode', '--token', 'x', 'file');
ok($rc == 2 && $err =~ /--token alone/, 'a token and a file: usage error');

# --- keygen -----------------------------------------------------------
my @gen = (
    [ 'rsa.pem',     [ 'rsa' ],         'RS256', qr/^Private-Key: \(2048 bit/m ],
    [ 'rsa3072.pem', [ '--bits', '3072', 'rsa' ], 'RS256', qr/^Private-Key: \(3072 bit/m ],
    [ 'rsa2560.pem', [ 'RSA', '--bits=2560' ], 'RS256', qr/^Private-Key: \(2560 bit/m ],
    [ 'ec.pem',      [ 'ec' ],          'ES256', qr/prime256v1/ ],
    [ 'ed.pem',      [ 'ed25519' ],     'EdDSA', qr/^ED25519 Private-Key/m ],
);
for my $g (@gen) {
    my ($file, $args, $alg, $text) = @$g;
    ($rc, $out, $err) = tjwt('keygen', @$args, "$d/$file");
    is($rc, 0, "keygen @$args: exit 0") or diag($err);
    is($out, "$d/$file: $alg key, kid " . (openssl_kid("$d/$file") // '?') . "\n",
       "keygen @$args: says the alg and the kid (as openssl computes it)");
    is((stat "$d/$file")[2] & 07777, 0600, "keygen @$args: mode 0600");
    like(scalar qx{openssl pkey -in $d/$file -noout -text 2>&1}, $text,
         "keygen @$args: openssl reads the key it expects");
}

my $before = slurp("$d/ec.pem");
($rc, $out, $err) = tjwt('keygen', 'ec', "$d/ec.pem");
ok($rc == 2 && $err =~ /ec\.pem exists; a key file is never overwritten/,
   'keygen refuses an existing file') or diag($err);
is(slurp("$d/ec.pem"), $before, 'and leaves it as it was');
ok(!grep(/\.tmp$/, glob("$d/*")), 'no temporary file is left behind');
my @bad_gen = (
    [ [ 'dsa', "$d/x.pem" ],          qr/unknown key type 'dsa': expected rsa, ec or ed25519/ ],
    [ [ '--bits', '1024', 'rsa', "$d/x.pem" ], qr/--bits '1024' is not accepted: a number from 2048/ ],
    [ [ 'rsa', '--bits', 'many', "$d/x.pem" ], qr/--bits 'many' is not accepted/ ],
    [ [ '--bits', '256', 'ec', "$d/x.pem" ],   qr/--bits is for rsa keys only/ ],
    [ [ 'ec', '-' ],                  qr/not to standard output/ ],
    [ [ 'ec', "$d/no/such/dir.pem" ], qr/cannot create .*no\/such\/dir\.pem/ ],
);
for my $b (@bad_gen) {
    ($rc, $out, $err) = tjwt('keygen', @{ $b->[0] });
    ok($rc == 2 && $err =~ $b->[1], "keygen @{ $b->[0] }: refused, says why")
        or diag($err);
}

# The size as an operand, as it once was: refused with the way to say it,
# and no key in a file named after the number.
{
    use Cwd qw(getcwd);
    my $cwd = getcwd();
    chdir $d or die "$d: $!";
    ($rc, $out, $err) = tjwt('keygen', 'rsa', '4096');
    ok($rc == 2 && $err =~ /FILE '4096' looks like a key size: --bits 4096/,
       'keygen rsa 4096: refused, with a hint') or diag($err);
    ok(!-e "$d/4096", 'and no file named 4096');
    chdir $cwd or die "$cwd: $!";
    ($rc, $out, $err) = tjwt('keygen', 'rsa', '4096', "$d/x.pem");
    ok($rc == 2 && $err =~ /the size is given with --bits: tjwt keygen --bits 4096 rsa FILE/,
       'keygen rsa 4096 FILE: refused, with a hint') or diag($err);
    ok(!-e "$d/x.pem", 'and no key written');
}

# A large RSA key takes a while: a progress line on a terminal (script(1)
# gives the tool one), and nothing where no one watches.
SKIP: {
    my $script = '/usr/bin/script';
    skip 'no script(1) to run the tool on a terminal', 2 unless -x $script;
    my $cmd = "$ENV{TJWT_TOOL} keygen --bits 4096 rsa $d/tty.pem";
    my $tty = qx{$script -qec '$cmd' /dev/null 2>&1};
    like($tty, qr/^tjwt keygen: making a 4096-bit RSA key, which can take a while [.+]* done\r?$/m,
         'keygen --bits 4096 on a terminal: a progress line') or diag($tty);
    like(scalar qx{openssl pkey -in $d/tty.pem -noout -text 2>&1},
         qr/^Private-Key: \(4096 bit/m, 'and the key');
}
($rc, $out, $err) = tjwt('keygen', '--bits', '4096', 'rsa', "$d/notty.pem");
ok($rc == 0 && $err eq '', 'keygen --bits 4096 elsewhere: no progress line')
    or diag($err);

# --- kid --------------------------------------------------------------
openssl("pkey -in $d/ec.pem -pubout -out $d/ec-pub.pem");
openssl("rsa -in $d/rsa.pem -RSAPublicKey_out -out $d/rsa-pub-pkcs1.pem");
($rc, $out, $err) = tjwt('kid', map { "$d/$_" } qw(rsa.pem ec.pem ed.pem));
my @lines = split /\n/, $out;
is($rc, 0, 'kid: exit 0');
is_deeply([ map { (split / /)[0] } @lines ],
          [ map { openssl_kid("$d/$_") } qw(rsa.pem ec.pem ed.pem) ],
          "kid: Teleport's key ids, as openssl computes them");
is_deeply([ map { (split / /)[1] } @lines ], [qw(RS256 ES256 EdDSA)], 'kid: the algs');
($rc, $out) = tjwt('kid', "$d/ec-pub.pem", "$d/rsa-pub-pkcs1.pem");
is_deeply([ map { (split / /)[0] } split /\n/, $out ],
          [ openssl_kid("$d/ec.pem"), openssl_kid("$d/rsa.pem") ],
          'kid: a public key has the kid of its private key');
my $vector = tests_dir() . '/vectors/rfc8037-a-ed25519-private.pem';
($rc, $out) = tjwt_in(slurp($vector), 'kid', '-');
is((split / /, $out)[2], 'kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k',
   'kid: the RFC 7638 thumbprint of the RFC 8037 key (A.3), read from stdin');
is((split / /, $out)[3], "-\n", 'kid: names standard input as -');
spew("$d/junk.pem", "not a key\n");
($rc, $out, $err) = tjwt('kid', "$d/junk.pem");
ok($rc == 2 && $err =~ /junk\.pem is not a PEM key.*RSA of at least 2048 bits/,
   'kid: a file that is not a key is named, with what is accepted') or diag($err);
($rc, $out, $err) = tjwt('kid');
ok($rc == 2 && $err =~ /expected KEYFILE/, 'kid: no file is a usage error');
($rc, $out, $err) = tjwt_in('', 'kid', '-', '-');
ok($rc == 2 && $err =~ /standard input can be read once/, 'kid: stdin once');

# --- jwks -------------------------------------------------------------
($rc, $out, $err) = tjwt('jwks', map { "$d/$_" } qw(ec.pem rsa.pem ed-pub.pem));
ok($rc == 2 && $err =~ /ed-pub\.pem/, 'jwks: a missing file is named');
openssl("pkey -in $d/ed.pem -pubout -out $d/ed-pub.pem");
($rc, $out, $err) = tjwt('jwks', map { "$d/$_" } qw(ec.pem rsa-pub-pkcs1.pem ed-pub.pem rsa.pem ec-pub.pem));
is($rc, 0, 'jwks: exit 0');
ok($out =~ /\A\{"keys":\[.*\]\}\n\z/, "jwks: one compact line, as the server's");
my $doc = eval { JSON::PP::decode_json($out) } // { keys => [] };
is_deeply([ map { $_->{kid} } @{ $doc->{keys} } ],
          [ map { openssl_kid("$d/$_") } qw(ec.pem rsa.pem ed.pem) ],
          'jwks: in the order given, each key once');
is_deeply([ map { join ',', sort keys %$_ } @{ $doc->{keys} } ],
          [ 'alg,crv,kid,kty,use,x,y', 'alg,e,kid,kty,n,use', 'alg,crv,kid,kty,use,x' ],
          'jwks: the public members of EC, RSA and OKP, nothing private');
is(length(b64url_decode($doc->{keys}[0]{x})) . ' ' . length(b64url_decode($doc->{keys}[0]{y})),
   '32 32', 'jwks: EC coordinates of 32 bytes');
my ($rc2, $pretty) = tjwt_in(slurp("$d/ed.pem"), 'jwks', '--pretty', '-');
ok($rc2 == 0 && $pretty =~ /\n  "keys": \[\n/, 'jwks --pretty, key from stdin');
is_deeply(eval { JSON::PP::decode_json($pretty)->{keys}[0] }, $doc->{keys}[2],
          'jwks: the same JWK from the private key on stdin');
($rc, $out, $err) = tjwt('jwks', "$d/junk.pem");
ok($rc == 2 && $err =~ /junk\.pem is not a PEM key/, 'jwks: not a key: named');

# What the module serves for its generated key, the tool prints.
my $served = JSON::PP::decode_json(
    Apache::TestRequest::GET_BODY('/.well-known/jwks.json'));
($rc, $out) = tjwt('jwks', tests_dir() . '/t/teleport-jwt/signing-key.pem');
is_deeply(eval { JSON::PP::decode_json($out)->{keys}[0] }, $served->{keys}[0],
          "jwks: the module's signing key, exactly as the module serves it");
