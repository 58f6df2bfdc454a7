# Generated trust-boundary test: random configurations ("worlds") drawn
# from a small grammar of scopes (TeleportJWT unset/On/Off; proxied, CGI,
# SSI or static; DirectoryIndex, ErrorDocument, RewriteRule into another
# scope; .htaccess under each AllowOverride class) and the requests that
# reach each scope, checked against an oracle that computes from the
# configuration alone which token, if any, each upstream, script or SSI
# page may see (TJWT::Gen, the rules in docs/security.md). Every string
# that looks like a JWT where a handler can see it must be that token;
# tokens are verified with PyJWT against the server's JWKS.
#
# One private httpd holds every world at once (world N under /wN/), so a
# run costs one server start. The seed and a closing summary go to stderr
# (shown by make check); every disagreement, with the world's
# configuration, goes to t/logs/boundary-gen.log (and to the TAP comments
# under t/TEST -verbose).
#
# Knobs (environment):
#   TJWT_GEN_CONFIGS  how many worlds (default 300)
#   TJWT_GEN_SEED     the seed (default: from the time and pid); always
#                     printed, so that a failing run can be replayed:
#                     TJWT_GEN_SEED=S TJWT_GEN_CONFIGS=N
#   TJWT_GEN_WORLDS   only these worlds of the seed, e.g. "17,42": world N
#                     is the same whatever TJWT_GEN_CONFIGS is
#   TJWT_GEN_DIAG     how many failing worlds to describe in full, with
#                     their configuration and files (default 5; the others
#                     get their problems only)
#   TJWT_GEN_BODIES   also print what the handlers answered to the failing
#                     requests of the worlds printed in full
#   TJWT_GEN_JOBS     parallel clients (default 3)
#   TJWT_GEN_LOGLEVEL the private httpd's LogLevel (default warn; e.g.
#                     "warn teleport_jwt:debug")
#   TJWT_GEN_KEEP     keep the server's directory (configuration, files,
#                     error log) and print where it is
use strict;
use warnings FATAL => 'all';

use Apache::Test qw(-withtestmore);
use File::Path qw(make_path);
use File::Temp ();
use IPC::Open2 qw(open2);
use JSON::PP ();
use LWP::UserAgent ();
use MIME::Base64 qw(encode_base64);
use POSIX ();
use Time::HiRes qw(time);
use TJWT::Private ();
use TJWT::Util qw(free_port tests_dir);
use TJWT::Gen qw(generate_world world_config world_files world_requests
                 expect_request check_response describe_world FORGED);

my $started = time;
my $configs = $ENV{TJWT_GEN_CONFIGS} // 300;
my $seed    = $ENV{TJWT_GEN_SEED} // ((int(time) ^ ($$ << 10)) & 0x7fffffff);
my @numbers = $ENV{TJWT_GEN_WORLDS}
    ? split(/[\s,]+/, $ENV{TJWT_GEN_WORLDS}) : (1 .. $configs);
my $max_diag = $ENV{TJWT_GEN_DIAG} // 5;
my $jobs     = $ENV{TJWT_GEN_JOBS} // 3;

plan tests => 4 + @numbers;

# The suite's harness shows a test's comments only under -verbose: the
# seed and the closing summary also go to stderr, which make check shows,
# and every detail also to t/logs/boundary-gen.log.
my $report_file = Apache::Test::vars('t_logs') . '/boundary-gen.log';
open my $report, '>', $report_file or die "$report_file: $!";
sub report { diag(@_); print $report "$_\n" for map { split /\n/ } @_ }
sub shout  { print STDERR "# $_[0]\n"; report(@_) }
shout("boundary-gen: seed $seed, " . @numbers . ' configurations; replay with '
      . "TJWT_GEN_SEED=$seed TJWT_GEN_CONFIGS=$configs; details in $report_file");

# --- the server ---------------------------------------------------------------
my $p = TJWT::Private->new;
my $dir = $p->dir;
my %env = (
    docroot  => "$dir/htdocs",
    htpasswd => tests_dir() . '/t/htpasswd',
    backend  => free_port(),
    closed   => free_port(),             # nothing ever listens there
);
my %origin = (
    front   => 'http://127.0.0.1:' . $p->port,
    backend => "http://127.0.0.1:$env{backend}",
    issuer  => 'gen.test',
);

my @worlds = map { generate_world($seed, $_, htpasswd => $env{htpasswd}) } @numbers;

my $mods = $ENV{TJWT_APACHE_MODULES} or die 'TJWT_APACHE_MODULES unset';
my $lib  = tests_dir() . '/t/lib';
my @conf = (
    "ServerRoot $dir",
    'ServerName gen.test',
    'Listen 127.0.0.1:' . $p->port,
    "Listen 127.0.0.1:$env{backend}",
    "PidFile $dir/httpd.pid",
    "ErrorLog $dir/error.log",
    'LogLevel ' . ($ENV{TJWT_GEN_LOGLEVEL} // 'warn'),
    (map { "LoadModule ${_}_module $mods/mod_$_.so" }
         qw(mpm_event authn_core authn_file authz_core authz_host authz_user
            auth_basic access_compat alias autoindex dir env expires mime
            setenvif headers rewrite proxy proxy_http cgid include perl)),
    "LoadModule teleport_jwt_module $ENV{TJWT_MODULE}",
    ($> == 0 ? ('User nobody', 'Group nogroup') : ()),
    'StartServers 2', 'ServerLimit 2', 'ThreadsPerChild 32',
    'MinSpareThreads 8', 'MaxSpareThreads 64', 'MaxRequestWorkers 64',
    "ScriptSock $dir/cgid.sock",
    'TypesConfig /etc/mime.types',
    "DocumentRoot $env{docroot}",
    '<Directory />', '    AllowOverride None', '    Require all denied', '</Directory>',
    # FollowSymLinks: per-directory RewriteRules need it.
    "<Directory $env{docroot}>", '    AllowOverride None', '    Options FollowSymLinks',
    '    Require all granted', '</Directory>',
    '<Location /jwks>', '    SetHandler teleport-jwks', '</Location>',
    # The upstream: TJWT::Echo reports every header it receives.
    "PerlSwitches -I$lib", 'PerlModule TJWT::Echo',
    "<VirtualHost 127.0.0.1:$env{backend}>", '    ServerName backend.test',
    '    <Location /echo>', '        SetHandler modperl',
    '        PerlResponseHandler TJWT::Echo', '    </Location>', '</VirtualHost>',
    map { world_config($_, \%env) } @worlds,
);
open my $fh, '>', "$dir/httpd.conf" or die $!;
print $fh "$_\n" for @conf;
close $fh;
for my $w (@worlds) {
    my $files = world_files($w);
    make_path("$env{docroot}/$w->{name}");
    for my $f (sort keys %$files) {
        (my $d = "$env{docroot}/$f") =~ s{/[^/]*$}{};
        make_path($d);
        open my $out, '>', "$env{docroot}/$f" or die "$f: $!";
        print $out $files->{$f}[1];
        close $out;
        chmod $files->{$f}[0], "$env{docroot}/$f";
    }
}
system('chmod', '-R', 'a+rX', $dir);

my ($rc, $out) = $p->configtest;
ok($rc == 0, 'the generated configuration passes configtest') or do {
    report($out);
    BAIL_OUT('generated configuration rejected');
};
ok(eval { $p->start }, 'the private httpd starts') or BAIL_OUT("httpd: $@");
if ($ENV{TJWT_GEN_KEEP}) {
    # TJWT::Private's directory is a File::Temp one, removed at exit.
    shout("keeping $dir");
    $File::Temp::KEEP_ALL = 1;
}

# --- the requests, in parallel ------------------------------------------------
# Every request carries alice's credentials; about half also carry a
# client's own Teleport-Jwt-Assertion (R4).
my @requests;
for my $w (@worlds) {
    my $i = 0;
    for my $url (world_requests($w)) {
        my $forged = TJWT::Gen::Rng->new($seed, $w->{n}, 1000 + $i++)->chance(0.5);
        push @requests, { world => $w, url => $url, forged => $forged };
    }
}
my $auth = 'Basic ' . encode_base64("$TJWT::Gen::USER:alice-secret", '');
my @pids;
for my $c (0 .. $jobs - 1) {
    my $pid = fork // die "fork: $!";
    if (!$pid) {
        my $ua = LWP::UserAgent->new(timeout => 30, keep_alive => 4);
        open my $res, '>', "$dir/results.$c" or die $!;
        for (my $i = $c; $i < @requests; $i += $jobs) {
            my $q = $requests[$i];
            my $r = $ua->get($origin{front} . $q->{url}, Authorization => $auth,
                             ($q->{forged} ? ('Teleport-Jwt-Assertion' => FORGED) : ()));
            print $res JSON::PP->new->canonical->encode(
                { i => $i, code => $r->code, body => $r->decoded_content // '' }), "\n";
        }
        close $res;
        POSIX::_exit(0);
    }
    push @pids, $pid;
}
waitpid($_, 0) for @pids;
for my $c (0 .. $jobs - 1) {
    open my $res, '<', "$dir/results.$c" or die $!;
    while (<$res>) {
        my $r = JSON::PP::decode_json($_);
        @{ $requests[ $r->{i} ] }{qw(code body)} = @$r{qw(code body)};
    }
}
my $requested = time;

# --- the oracle's verdict -----------------------------------------------------
my (%problems, @tokens);
for my $q (@requests) {
    my $w = $q->{world};
    my @obs = expect_request($w, $q->{url}, { forged => $q->{forged} }, \%origin);
    $q->{obs} = \@obs;
    my ($probs, $toks) = check_response($q->{body} // '', \@obs, \%origin);
    $q->{problems} = $probs;
    push @{ $problems{ $w->{n} } },
        map { "GET $q->{url}" . ($q->{forged} ? ' (+forged)' : '') . " [$q->{code}]: $_" } @$probs;
    push @tokens, map { [ @$_, $w->{n}, $q->{url} ] } @$toks;
}

# Signatures, issuer, audience and times by PyJWT, all tokens in one run.
my %seen_tok;
my @unique = grep { !$seen_tok{"$_->[0] $_->[1]"}++ } @tokens;
my $pid = open2(my $vout, my $vin, '/usr/bin/python3', tests_dir() . '/t/gen/verify_tokens.py',
                '--jwks', "$origin{front}/jwks", '--issuer', $origin{issuer});
print $vin "$_->[1]\t$_->[0]\n" for @unique;
close $vin;
my @verdicts = <$vout>;
waitpid($pid, 0);
my $bad_sig = 0;
for my $i (0 .. $#unique) {
    my $v = $verdicts[$i] // "no verdict\n";
    chomp $v;
    next if $v eq 'ok';
    $bad_sig++;
    push @{ $problems{ $unique[$i][2] } }, "GET $unique[$i][3]: PyJWT: $v";
}
ok(@verdicts == @unique && !$bad_sig,
   scalar(@unique) . ' distinct tokens verified by PyJWT against the JWKS')
    or report("$bad_sig tokens failed PyJWT");

# One test per world: pass when every request agrees with the oracle.
my ($shown, %kinds) = (0);
for my $w (@worlds) {
    my @p = @{ $problems{ $w->{n} } || [] };
    my $n = grep { $_->{world} == $w } @requests;
    next if ok(!@p, "world $w->{name}: $n requests agree with the oracle");
    for (@p) {
        my ($rule) = /: (oracle|PyJWT|R\d[\dR\/]*):/;
        $kinds{ $rule // '?' }++;
    }
    if ($shown++ < $max_diag) {
        report("---- world $w->{name} (TJWT_GEN_SEED=$seed TJWT_GEN_WORLDS=$w->{n}); "
             . "DOCROOT=$env{docroot}, backend $origin{backend}\n"
             . describe_world($w, \%env));
    }
    report("world $w->{name}: $_") for @p;
    if ($ENV{TJWT_GEN_BODIES} && $shown <= $max_diag) {
        report("---- body of GET $_->{url}:\n$_->{body}")
            for grep { $_->{world} == $w && @{ $_->{problems} || [] } } @requests;
    }
}
# A crash is a failure whatever the oracle says.
open my $log, '<', "$dir/error.log" or die $!;
my @crashes = grep { /exit signal|AH00052/ } <$log>;
ok(!@crashes, 'no httpd child crashed') or report(@crashes);
my @failed = map { $_->{n} } grep { @{ $problems{ $_->{n} } || [] } } @worlds;
shout(sprintf 'boundary-gen: %d worlds, %d requests, %d tokens; %.1fs (requests %.1fs); problems by rule: %s',
     scalar @worlds, scalar @requests, scalar @unique, time - $started, $requested - $started,
     join(', ', map { "$_ $kinds{$_}" } sort keys %kinds) || 'none');
shout('boundary-gen: ' . @failed . " worlds disagree with the oracle; one alone: TJWT_GEN_SEED=$seed "
      . "TJWT_GEN_WORLDS=$failed[0] (all: " . join(',', @failed) . ')') if @failed;
$p->stop;
