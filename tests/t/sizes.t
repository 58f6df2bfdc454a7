# Sizes that real upstreams accept (docs/claims.md, "Size"): the module's
# front end proxies to two real upstreams with their default limits, a
# second httpd (LimitRequestFieldSize 8190 per header line, 400 beyond)
# and a Node `http` server (16 KiB of headers in all, 431 beyond), with
# tokens driven across the TeleportJWTMaxSize cap by a trait fed from a
# request header. At every size around the boundary the upstream answers
# 200 and gets either the full claims or the claims without traits (with
# the warning in the log), for the assertion header alone and for
# `Authorization: Bearer {{internal.jwt}}` alone. Where a section sends
# both, start-up warns, Node answers 431 for large tokens, and
# TeleportJWTMaxSize 7000 makes it 200.
#
# The cap once applied to the token alone: a token of 8,167 to 8,190
# bytes then made an assertion header line over 8190, which the httpd
# upstream refuses (400) and which the sizes below cross.
use strict;
use warnings FATAL => 'all';

use Apache::Test qw(-withtestmore);
use IO::Socket::INET ();
use JSON::PP ();
use LWP::UserAgent ();
use MIME::Base64 qw(encode_base64);
use POSIX ();
use Time::HiRes qw(sleep);
use TJWT::Private ();
use TJWT::Tool qw(slurp);
use TJWT::Util qw(free_port tests_dir token_parts);

plan tests => 20;

my $CAP = 8190;
my $t = tests_dir();
my $mods = $ENV{TJWT_APACHE_MODULES};

# --- the upstreams ---------------------------------------------------------
my $up = TJWT::Private->new;
$up->write_conf(
    "LoadModule perl_module $mods/mod_perl.so",
    "PerlSwitches -I$t/t/lib", 'PerlModule TJWT::Echo',
    '<Location /echo>', 'SetHandler modperl',
    'PerlResponseHandler TJWT::Echo', '</Location>',
);
$up->start;

my $node_port = free_port();
my $node_pid = fork // die "fork: $!";
if (!$node_pid) {
    exec('node', "$t/t/node_echo.mjs", $node_port) or POSIX::_exit(127);
}
END {
    if ($node_pid) {
        kill 'TERM', $node_pid;
        waitpid $node_pid, 0;
    }
}
for (1 .. 200) {
    last if IO::Socket::INET->new(PeerAddr => "127.0.0.1:$node_port");
    sleep 0.05;
}

# --- the front end ---------------------------------------------------------
my $front = TJWT::Private->new;
my %loc = (
    'apache-assert' => [ $up->url('/echo'), 'assert' ],
    'apache-bearer' => [ $up->url('/echo'), 'bearer' ],
    'node-assert'   => [ "http://127.0.0.1:$node_port", 'assert' ],
    'node-bearer'   => [ "http://127.0.0.1:$node_port", 'bearer' ],
    'node-both'     => [ "http://127.0.0.1:$node_port", 'both' ],
    'node-both-7000' => [ "http://127.0.0.1:$node_port", 'both', 7000 ],
);
$front->write_conf(
    (map { "LoadModule ${_}_module $mods/mod_$_.so" }
         qw(proxy proxy_http auth_basic authn_core authn_file authz_user)),
    '<Location />', 'AuthType Basic', 'AuthName tjwt',
    "AuthUserFile $t/t/htpasswd", 'Require valid-user', 'TeleportJWT On',
    'TeleportJWTClaims roles-and-traits', 'TeleportJWTRoles r1',
    'TeleportJWTTrait pad "%{HTTP:X-Pad}"', '</Location>',
    map {
        my ($url, $how, $max) = @{ $loc{$_} };
        ("<Location /$_>",
         $how eq 'bearer' ? 'TeleportJWTAssertionHeader Off' : (),
         $how ne 'assert' ? 'TeleportJWTHeader Authorization "Bearer {{internal.jwt}}"' : (),
         $max ? "TeleportJWTMaxSize $max" : (),
         "ProxyPass $url", '</Location>')
    } sort keys %loc
);
$front->start;

my $ua = LWP::UserAgent->new(timeout => 30);
my $auth = 'Basic ' . encode_base64('alice:alice-secret', '');

# GET /$loc with a trait of $n bytes: (status, {name => [line length,
# claims]} of the token's headers as the upstream got them).
sub probe {
    my ($loc, $n) = @_;
    my $res = $ua->get($front->url("/$loc/x"), Authorization => $auth,
                       'X-Pad' => 'a' x $n);
    my %got;
    if ($res->code == 200) {
        my $echo = JSON::PP::decode_json($res->content);
        for (@{ $echo->{headers} }) {
            my ($name, $value) = @$_;
            # The client's own Authorization (Basic) goes through where
            # the token does not replace it.
            next unless $name =~ /\ATeleport-Jwt-Assertion\z/i
                || ($name =~ /\AAuthorization\z/i && $value =~ /\ABearer /);
            (my $token = $value) =~ s/\ABearer //;
            $got{ lc $name } = [ length($name) + 2 + length($value),
                                 (token_parts($token))[1] ];
        }
    }
    return ($res->code, \%got);
}

# 'full' when the token carries the trait of $n bytes and the role,
# 'dropped' when it carries the role and no traits, else what it is.
sub claims_kind {
    my ($c, $n) = @_;
    return 'no token' unless $c;
    my $roles = join ',', @{ $c->{roles} || [] };
    return 'dropped' if $roles eq 'r1' && !exists $c->{traits};
    my $pad = $c->{traits}{pad} // [];
    return 'full' if $roles eq 'r1' && "@$pad" eq 'a' x $n;
    return 'other: ' . JSON::PP->new->canonical->encode($c);
}

# The longest trait that still goes out in full (a bisection).
sub boundary {
    my $loc = shift;
    my ($lo, $hi) = (1, 7000);
    while ($hi - $lo > 1) {
        my $mid = int(($lo + $hi) / 2);
        my ($code, $got) = probe($loc, $mid);
        my ($h) = values %$got;
        ($code == 200 && claims_kind($h && $h->[1], $mid) eq 'full') ? ($lo = $mid) : ($hi = $mid);
    }
    return $lo;
}

# Every size from a few bytes under the boundary to past the old one (the
# token grows 4 bytes for 3 of trait; the frame is 22 or 24 bytes).
for my $loc (qw(apache-assert apache-bearer node-assert node-bearer)) {
    my $name = $loc =~ /assert/ ? 'teleport-jwt-assertion' : 'authorization';
    my $b = boundary($loc);
    my (@bad, %kinds, $longest);
    for my $n ($b - 3 .. $b + 24) {
        my ($code, $got) = probe($loc, $n);
        my $h = $got->{$name};
        my $kind = claims_kind($h && $h->[1], $n);
        $kinds{$kind}++;
        push @bad, "$n: $code, $kind" if $code != 200 || $kind !~ /\A(?:full|dropped)\z/
            || $h->[0] > $CAP || keys %$got != 1;
        $longest = $h->[0] if $h && $kind eq 'full' && (!$longest || $h->[0] > $longest);
    }
    ok(!@bad, "$loc: 200 with the full claims or without traits at every size")
        or diag(join "\n", @bad);
    ok($kinds{full} && $kinds{dropped}, "$loc: both sides of the boundary were seen")
        or diag(join ', ', map { "$_ x $kinds{$_}" } sort keys %kinds);
    # Lines of the full token reach the cap: the boundary is the upstream's.
    cmp_ok($longest // 0, '>=', $CAP - 2, "$loc: the longest full line is at the cap ($longest)");
}

my $log = slurp($front->dir . '/error.log') // '';
like($log, qr/token for alice is \d+ bytes, over the 8166 that TeleportJWTMaxSize leaves it; dropping traits/,
     'the assertion header: traits dropped with a warning (8190 less its 24-byte frame)');
like($log, qr/token for alice is \d+ bytes, over the 8168 that TeleportJWTMaxSize leaves it; dropping traits/,
     'Authorization: Bearer: traits dropped with a warning (8190 less its 22-byte frame)');

# --- both headers: Node's limit on all headers together -------------------
my @conf = split /\n/, slurp($front->dir . '/httpd.conf');
my ($both_line) = grep { $conf[$_ - 2] eq '<Location /node-both>' } 2 .. @conf;
my @warn = $log =~ /TeleportJWTHeader Authorization on line (\d+) of \S+ sends the token beside the assertion header/g;
is("@warn", $both_line, 'start-up warns once, for the section that sends the token twice at the default cap')
    or diag($log);
my (undef, $console) = $front->configtest;
like($console, qr/TeleportJWTHeader Authorization on line $both_line of \S+ sends the token beside the assertion header.*TeleportJWTMaxSize 7000 or less/,
     'configtest says so on the console, with the knobs');
my $b = boundary('node-assert');
my ($code) = probe('node-both', $b);
is($code, 431, 'both headers at the default cap: Node answers 431');
my ($code7000, $got7000) = probe('node-both-7000', $b);
is($code7000, 200, 'TeleportJWTMaxSize 7000: Node answers 200');
is(claims_kind($got7000->{authorization}[1], $b), 'dropped',
   'TeleportJWTMaxSize 7000: the traits are dropped to fit');
my $small = 2000;
($code) = probe('node-both', $small);
is($code, 200, 'both headers with a small token: 200');

$front->stop;
$up->stop;
