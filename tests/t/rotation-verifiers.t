# The rotation runbook of docs/keys.md, step by step with `graceful`
# between the steps, against three verifiers an upstream might run, each
# kept alive across the whole rotation as an upstream keeps it:
#   first key   tests/verify/first_key_verifier.py: keys[0] of the JWKS,
#               fetched for every token, as Teleport's example verifier;
#   PyJWKClient tests/verify/pyjwkclient_verifier.py, PyJWT's JWKS client
#               with its defaults (refetches at once on an unknown kid);
#   jose        tests/verify/jose_remote_verifier.mjs, createRemoteJWKSet
#               (refetches on an unknown kid, but not within its cooldown).
# Every token made at every step verifies with all three. jose runs with
# a cooldown of 3 s (its option cooldownDuration; 30 s by default), and
# step 3 waits that long, as the runbook says; a second jose verifier
# whose cooldown is longer than the wait refuses the first token of the
# next key, which is why the wait is there. Rotation under load, with a
# hand-made caching verifier, is rotation.t.
use strict;
use warnings FATAL => 'all';

use Apache::Test qw(-withtestmore);
use IO::Handle ();
use IPC::Open2 qw(open2);
use JSON::PP ();
use LWP::UserAgent ();
use MIME::Base64 qw(encode_base64);
use Time::HiRes qw(sleep time);
use TJWT::Private ();
use TJWT::Rotation qw(rotation_keys wait_jwks);
use TJWT::Util qw(tests_dir token_parts);

plan tests => 19;

my $COOLDOWN = 3; # seconds, jose's cooldownDuration here
my $PER_STEP = 3; # tokens each verifier checks at each step

my $p = TJWT::Private->new;
my $d = $p->dir;
my $t = tests_dir();
my $mods = $ENV{TJWT_APACHE_MODULES};
my $AUD = 'https://upstream.rotation.test';

my %kid = %{ rotation_keys($d) };

sub conf {
    my ($sign, @publish) = @_;
    $p->write_conf(
        (map { "LoadModule ${_}_module $mods/mod_$_.so" }
             qw(auth_basic authn_core authn_file authz_user headers)),
        "TeleportJWTSigningKey $d/$sign.pem",
        (map { "TeleportJWTPublishKey $d/$_.pem" } @publish),
        '<Location /jwks>', 'SetHandler teleport-jwks', '</Location>',
        '<Location /token>', 'AuthType Basic', 'AuthName tjwt',
        "AuthUserFile $t/t/htpasswd", 'Require valid-user', 'TeleportJWT On',
        "TeleportJWTAudience $AUD",
        'Header always set X-Token "%{TELEPORT_JWT}e"', '</Location>',
    );
}

my $ua = LWP::UserAgent->new(timeout => 10);
my $auth = 'Basic ' . encode_base64('alice:alice-secret', '');

sub token {
    my $res = $ua->get($p->url('/token'), Authorization => $auth);
    return $res->header('X-Token');
}

conf('current');
$p->start;

# The verifiers, started once.
my @args = ('--jwks', $p->url('/jwks'), '--issuer', 'private.test', '--audience', $AUD);
my %v;
my @order = ('first key', 'PyJWKClient', 'jose');
sub start_verifier {
    my ($name, @cmd) = @_;
    my ($out, $in);
    my $pid = open2($out, $in, @cmd, @args);
    $v{$name} = { pid => $pid, out => $out, in => $in };
}
start_verifier('first key', '/usr/bin/python3', "$t/verify/first_key_verifier.py");
start_verifier('PyJWKClient', '/usr/bin/python3', "$t/verify/pyjwkclient_verifier.py");
start_verifier('jose', 'node', "$t/verify/jose_remote_verifier.mjs",
               '--cooldown', $COOLDOWN * 1000);
start_verifier('jose, no wait', 'node', "$t/verify/jose_remote_verifier.mjs",
               '--cooldown', 600_000);

sub check {
    my ($name, $token) = @_;
    my $h = $v{$name};
    print { $h->{in} } "$token\n";
    $h->{in}->flush;
    my $line = readline $h->{out};
    return eval { JSON::PP::decode_json($line // '') } // { ok => 0, error => 'no answer' };
}

# Tokens of this step, each checked by every verifier: all must verify,
# signed by $kid.
sub all_verify {
    my ($step, $kid) = @_;
    my @bad;
    for (1 .. $PER_STEP) {
        my $token = token() // '';
        my ($hdr) = eval { token_parts($token) };
        push @bad, "token $_: kid $hdr->{kid}" if !$hdr || $hdr->{kid} ne $kid;
        for my $name (@order) {
            my $r = check($name, $token);
            push @bad, "$name: $r->{error}" unless $r->{ok};
        }
    }
    ok(!@bad, "$step: tokens of the expected key, verified by the three") or diag(join "\n", @bad);
}

sub step {
    my ($name, $want, @conf) = @_;
    conf(@conf);
    my ($rc, $out) = $p->httpd('-k', 'graceful');
    is($rc, 0, "$name: graceful accepted") or diag($out);
    is_deeply(wait_jwks($p->url('/jwks'), @$want), $want, "$name: the JWKS lists the signing key first");
}

# Start: the current key signs.
is_deeply(wait_jwks($p->url('/jwks'), $kid{current}), [ $kid{current} ], 'start: the current key');
all_verify('start', $kid{current});
my $r = check('jose, no wait', token());
ok($r->{ok}, 'start: the second jose verifier has fetched the JWKS');

# 2. Publish the next key.
step('publish-next', [ $kid{current}, $kid{next} ], 'current', 'next');
all_verify('publish-next', $kid{current});
my $before_swap = token();

# 3. Let verifiers learn it: past jose's cooldown since its last fetch.
sleep $COOLDOWN + 0.5;

# 4. Swap.
step('swap', [ $kid{next}, $kid{current} ], 'next', 'current');
my $first_next = token();
$r = check('jose, no wait', $first_next);
ok(!$r->{ok} && $r->{error} =~ /ERR_JWKS_NO_MATCHING_KEY/,
   'swap: a jose verifier still in its cooldown refuses the first token of the next key')
    or diag(JSON::PP::encode_json($r));
all_verify('swap', $kid{next});
# A token signed before the swap and checked after it: verifiers that
# choose by kid accept it; the first-key verifier cannot.
for my $name ('PyJWKClient', 'jose') {
    ok(check($name, $before_swap)->{ok}, "swap: $name still accepts a token of the old key");
}
$r = check('first key', $before_swap);
ok(!$r->{ok}, 'swap: the first-key verifier refuses a token of the old key checked after the swap')
    or diag(JSON::PP::encode_json($r));

# 5. (The old tokens expire: not waited for here.) 6. Retire the old key.
step('retire-old', [ $kid{next} ], 'next');
all_verify('retire-old', $kid{next});

# How often each fetched: PyJWKClient at its start and for the next key's
# kid; jose at its start and once after its cooldown.
my %fetches = map { $_ => check($_, token())->{fetches} } 'PyJWKClient', 'jose';
is($fetches{PyJWKClient}, 2, 'PyJWKClient fetched the JWKS at its start and for the new kid');
is($fetches{jose}, 2, 'jose fetched the JWKS at its start and for the new kid');

for my $h (values %v) {
    close $h->{in};
    waitpid $h->{pid}, 0;
}
ok(1, 'the verifiers ended');
$p->stop;
