# The token cache (docs/cache.md) on one server: the same identity gets the
# same token; a change of user, audience, issuer, claim mode, roles or key
# gets a new one at once; a token is replaced once half its lifetime is
# gone; TeleportJWTCache none signs every time; shmcb shares tokens between
# processes; the counters show on server-status. The keys are ES256, whose
# signatures are randomised: two signatures of the same claims differ, so an
# identical token can only have come from the cache.
use strict;
use warnings FATAL => 'all';

use Apache::Test qw(-withtestmore);
use LWP::UserAgent ();
use Time::HiRes qw(sleep time);
use TJWT::CacheHttpd ();
use TJWT::Util qw(token_parts);

plan tests => 47;

my $p = TJWT::CacheHttpd->new;
my $d = $p->dir;
for my $k (qw(es1 es2)) {
    system("openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 "
           . "-out $d/$k.pem >/dev/null 2>&1") == 0 or die "openssl: $?";
}
my @scopes = (
    '<Location /aud>',   'TeleportJWTAudience https://other.example', '</Location>',
    '<Location /iss>',   'TeleportJWTIssuer other-issuer.example',    '</Location>',
    '<Location /mode>',  'TeleportJWTClaims none',                    '</Location>',
    '<Location /roles>', 'TeleportJWTRoles "%{HTTP:X-Roles}"',         '</Location>',
    '<Location /life>',  'TeleportJWTLifetime 2s',                    '</Location>',
    # The same scopes under another signing key.
    '<VirtualHost *:' . $p->port . '>', 'ServerName cache.test', '</VirtualHost>',
    '<VirtualHost *:' . $p->port . '>', 'ServerName other-key.test',
    "TeleportJWTSigningKey $d/es2.pem", '</VirtualHost>',
);

# --- the default, in-process cache, in one child process ------------------
$p->write_cache_conf(key => "$d/es1.pem", lines => \@scopes);
$p->start;

my $t1 = $p->token('alice');
ok($t1, 'a token for alice');
is($p->token('alice'), $t1, 'the same identity again: the same token');
my (undef, $c1) = token_parts($t1 // '');
my $bob = $p->token('bob');
isnt($bob, $t1, 'another user: another token');
is((token_parts($bob // ''))[1]{sub}, 'bob', 'and it is his');

my %changed = (
    '/aud/'  => [ 'audience',   sub { $_[0]{aud}[0] eq 'https://other.example' } ],
    '/iss/'  => [ 'issuer',     sub { $_[0]{iss} eq 'other-issuer.example' } ],
    '/mode/' => [ 'claim mode', sub { !exists $_[0]{roles} && !exists $_[0]{traits} } ],
);
for my $path (sort keys %changed) {
    my ($what, $check) = @{ $changed{$path} };
    my $t = $p->token('alice', $path);
    isnt($t, $t1, "another $what: another token");
    ok($check->((token_parts($t // ''))[1]), "with the $what asked for");
    is($p->token('alice', $path), $t, "another $what, asked again: cached too");
}

my $ra = $p->token('alice', '/roles/', headers => [ 'X-Roles' => 'dev' ]);
is($p->token('alice', '/roles/', headers => [ 'X-Roles' => 'dev' ]), $ra,
   'same roles: same token');
my $rb = $p->token('alice', '/roles/', headers => [ 'X-Roles' => 'dev,ops' ]);
isnt($rb, $ra, 'a role more: a new token at once');
is_deeply((token_parts($rb // ''))[1]{roles}, [qw(dev ops)], 'with both roles');

my $ua = LWP::UserAgent->new(timeout => 10);
my $res = $ua->get($p->url('/index.html'), 'X-User' => 'alice',
                   Host => 'other-key.test');
my $k2 = $res->header('X-Token');
isnt($k2, $t1, 'another signing key: another token');
isnt((token_parts($k2 // ''))[0]{kid}, (token_parts($t1))[0]{kid},
     'signed with the other key');

# Half-life: a 2 s token is used while 1 s remains, never after. It was
# signed 10 s after its iat (docs/tokens.md, "Clocks").
my $l1 = $p->token('alice', '/life/');
my (undef, $lc) = token_parts($l1 // '');
my $signed = ($lc->{iat} // 0) + 10;
is($lc->{exp} - $signed, 2, 'a 2 s token');
is($p->token('alice', '/life/'), $l1, 'reused at once');
sleep(($signed + 2) - time + 0.05) if ($signed + 2) > time;
my $l2 = $p->token('alice', '/life/');
isnt($l2, $l1, 'replaced once less than half of its lifetime remains');
cmp_ok((token_parts($l2 // ''))[1]{iat}, '>', $lc->{iat}, 'by a newer one');

my $c = $p->counters;
is($c->{Cache}, 'in-process', 'server-status names the cache');
# The release, one version everywhere (configure.ac's AC_INIT).
my ($version) = `$ENV{TJWT_TOOL} --version` =~ /^tjwt \(mod_teleport_jwt\) (\S+),/;
ok(defined $version, 'tjwt --version prints the release');
is($c->{Version}, $version, 'server-status?auto: the same release');
# Signed: alice, bob, aud, iss, mode, roles x2, other key, life x2.
is($c->{TokensSigned}, 10, 'server-status?auto: tokens signed');
is($c->{CacheHits}, 6, 'server-status?auto: cache hits');
is($c->{CacheMisses}, 10, 'server-status?auto: cache misses');
is($c->{CacheErrors}, 0, 'server-status?auto: no cache errors');
is($c->{SigningFailures}, 0, 'server-status?auto: no signing failures');
my $html = $ua->get($p->url('/server-status'))->content;
like($html, qr{<h2>mod_teleport_jwt</h2>}, 'the status page has a section');
like($html, qr{Cache hits</th><td>6<}, 'with the counters');
$p->stop;

# --- TeleportJWTCache none --------------------------------------------------
$p->write_cache_conf(key => "$d/es1.pem",
                     lines => [ 'TeleportJWTCache none' ]);
$p->start;
my $n1 = $p->token('alice');
my $n2 = $p->token('alice');
ok($n1 && $n2 && $n1 ne $n2, 'TeleportJWTCache none: signed every time');
$c = $p->counters;
is($c->{Cache}, 'none', 'server-status says none');
is($c->{TokensSigned}, 2, 'two tokens signed');
is($c->{CacheHits} + $c->{CacheMisses}, 0, 'no lookups');
$p->stop;

# --- shmcb: shared by the processes of one server -------------------------
# Prefork: a process holding a kept-alive connection serves no other, so a
# second connection is served by the second process. The largest
# TeleportJWTMaxSize: a lookup retrieves into a buffer of that size, kept
# per thread, not made per request.
$p->write_cache_conf(key => "$d/es1.pem", mpm => 'prefork', processes => 2,
                     lines => [ 'TeleportJWTCache shmcb',
                                'TeleportJWTMaxSize 1048576' ]);
unlink "$d/access.log";
$p->start;
$p->wait_idle(2);
my @ua = map { LWP::UserAgent->new(timeout => 10, keep_alive => 1) } 1 .. 2;
my $s1 = $p->token('alice', '/', ua => $ua[0]);
my $s2 = $p->token('alice', '/', ua => $ua[1]);
ok($s1, 'shmcb: a token');
is($s2, $s1, 'shmcb: the other process serves the same token');
# A process writes its access log line just after its response.
for (1 .. 40) { last if keys %{ $p->pids('alice') } >= 2; sleep 0.05 }
is(scalar keys %{ $p->pids('alice') }, 2, 'two processes served them');
$c = $p->counters;
is($c->{Cache}, 'shmcb', 'server-status names shmcb');
is($c->{TokensSigned}, 1, 'one token signed for both');
is($c->{CacheHits}, 1, 'one hit, counted across processes');
@ua = ();
$p->stop;

# --- a provider that cannot start: the in-process cache, saying so ----------
# shmcb needs a mutex, here a lock file that not even root can create.
$p->write_cache_conf(key => "$d/es1.pem",
                     lines => [ 'TeleportJWTCache shmcb',
                                'Mutex file:/proc teleport-jwt-cache' ]);
$p->start;
my $f1 = $p->token('alice');
ok($f1 && $p->token('alice') eq $f1,
   'a shared cache that cannot start: tokens are cached in process');
like($p->counters->{Cache}, qr/^in-process \(shmcb failed at start-up\)$/,
     'server-status says so');
like($p->error_log, qr/TeleportJWTCache shmcb: cannot create its mutex; using the in-process cache instead/,
     'and the error log says why');
$p->stop;

# --- configuration errors ---------------------------------------------------
my @bad = (
    [ 'TeleportJWTCache nosuch', qr/'nosuch' is not accepted; use none, or a mod_socache provider.*loaded providers: .*shmcb/ ],
    [ '<VirtualHost *:' . $p->port . '>', 'TeleportJWTCache shmcb', '</VirtualHost>',
      qr/TeleportJWTCache cannot occur within <VirtualHost> section/ ],
);
for my $b (@bad) {
    my $why = pop @$b;
    $p->write_cache_conf(key => "$d/es1.pem", lines => $b);
    my ($rc, $out) = $p->configtest;
    ok($rc != 0 && $out =~ $why, "configtest refuses: @$b") or diag($out);
}
