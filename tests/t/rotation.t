# Key rotation end to end (docs/keys.md, "Rotating the signing key"):
# under a steady load of authenticated, proxied requests whose tokens a
# caching verifier checks (PyJWT; the JWKS is fetched again only for an
# unknown kid), the server goes through
#   publish-next -> graceful -> swap -> graceful -> retire-old -> graceful
# with zero failed requests and zero failed verifications. Each step is
# known to have taken effect when the served JWKS shows it.
use strict;
use warnings FATAL => 'all';

use Apache::Test qw(-withtestmore);
use IO::Handle ();
use IPC::Open2 qw(open2);
use JSON::PP ();
use LWP::UserAgent ();
use MIME::Base64 qw(encode_base64);
use POSIX ();
use Time::HiRes qw(sleep time);
use TJWT::Private ();
use TJWT::Rotation qw(rotation_keys wait_jwks);
use TJWT::Tool qw(slurp spew);
use TJWT::Util qw(free_port tests_dir owned_values);

plan tests => 22;

# Requests each phase must see before the next step.
my $PER_PHASE = 20;

my $p = TJWT::Private->new;
my $d = $p->dir;
my $t = tests_dir();
my $mods = $ENV{TJWT_APACHE_MODULES};
my $echo_port = free_port();
my $audience = "http://127.0.0.1:$echo_port";

# The keys, made as the runbook makes them.
my %kid = %{ rotation_keys($d) };

# The server: Basic auth, the token, ProxyPass to an echo backend (a vhost
# of the same server), and the JWKS.
sub conf {
    my ($sign, @publish) = @_;
    $p->write_conf(
        (map { "LoadModule ${_}_module $mods/mod_$_.so" }
             qw(proxy proxy_http auth_basic authn_core authn_file authz_user
                perl)),
        "Listen 127.0.0.1:$echo_port",
        "PerlSwitches -I$t/t/lib", 'PerlModule TJWT::Echo',
        "TeleportJWTSigningKey $d/$sign.pem",
        (map { "TeleportJWTPublishKey $d/$_.pem" } @publish),
        '<Location /jwks>', 'SetHandler teleport-jwks', '</Location>',
        '<Location /app>', 'AuthType Basic', 'AuthName tjwt',
        "AuthUserFile $t/t/htpasswd", 'Require valid-user', 'TeleportJWT On',
        # The backend is this very server, restarted with it: a pooled
        # connection to one of its old children could be closed under the
        # proxy. A real upstream does not restart with Apache.
        "ProxyPass $audience/echo disablereuse=On", '</Location>',
        "<VirtualHost 127.0.0.1:$echo_port>",
        '<Location /echo>', 'SetHandler modperl',
        'PerlResponseHandler TJWT::Echo', '</Location>', '</VirtualHost>',
    );
}

my $ua = LWP::UserAgent->new(timeout => 10);

# --- the load: a child process, bounded in requests and in time --------
my $stop = "$d/stop";
my $progress = "$d/progress";
my $summary = "$d/summary.json";

sub load {
    my $lua = LWP::UserAgent->new(timeout => 10); # Connection: close
    my $auth = 'Basic ' . encode_base64('alice:alice-secret', '');
    my ($vout, $vin);
    my $vpid = open2($vout, $vin, '/usr/bin/python3',
                     "$t/verify/caching_verifier.py", '--jwks',
                     $p->url('/jwks'), '--issuer', 'private.test',
                     '--audience', $audience);
    open my $log, '>>', $progress or die $!;
    $log->autoflush(1);
    my %s = (requests => 0, failed_requests => 0, failed_verifications => 0,
             kids => {}, errors => []);
    my $deadline = time + 150;
    for my $i (1 .. 20000) {
        last if -e $stop || time > $deadline;
        $s{requests}++;
        my $res = $lua->get($p->url('/app/rotation'), Authorization => $auth);
        my $echo = $res->code == 200
            ? eval { JSON::PP::decode_json($res->content) } : undef;
        my ($token) = $echo ? owned_values($echo, 'Teleport-Jwt-Assertion') : ();
        if (!$token) {
            $s{failed_requests}++;
            push @{ $s{errors} }, "request $i: " . $res->status_line;
            print $log "$i failed-request\n";
            next;
        }
        print $vin "$token\n";
        $vin->flush;
        my $line = <$vout>;
        my $r = eval { JSON::PP::decode_json($line // '') }
            // { ok => 0, error => 'no answer from the verifier' };
        if ($r->{ok}) {
            $s{kids}{ $r->{kid} }++;
            print $log "$i $r->{kid}\n";
        }
        else {
            $s{failed_verifications}++;
            push @{ $s{errors} }, "token $i: $r->{error}";
            print $log "$i failed-verification\n";
        }
    }
    close $vin;
    my $last = <$vout>;
    $s{verifier} = eval { JSON::PP::decode_json($last // '') } // {};
    waitpid $vpid, 0;
    splice @{ $s{errors} }, 10 if @{ $s{errors} } > 10;
    spew($summary, JSON::PP::encode_json(\%s));
}

# (lines so far, {kid => count}) of the load's progress.
sub progress {
    my @lines = split /\n/, slurp($progress) // '';
    my %kids;
    $kids{ (split / /)[1] }++ for @lines;
    return (scalar @lines, \%kids);
}

# Waits until the load has made $n more requests (and, with $kid, until
# that kid has been seen); false if the load has stopped or never gets
# there.
my $load_pid;
sub wait_load {
    my ($n, $kid) = @_;
    my ($start) = progress();
    for (1 .. 2400) {
        my ($count, $kids) = progress();
        return 1 if $count >= $start + $n && (!$kid || $kids->{$kid});
        return 0 if waitpid($load_pid, POSIX::WNOHANG()) != 0;
        sleep 0.05;
    }
    return 0;
}

sub step {
    my ($name, $want, $wait_kid, @conf) = @_;
    conf(@conf);
    my ($rc, $out) = $p->configtest;
    ok($rc == 0 && $out =~ /Syntax OK/, "$name: configtest passes") or diag($out);
    ($rc, $out) = $p->httpd('-k', 'graceful');
    is($rc, 0, "$name: graceful accepted") or diag($out);
    is_deeply(wait_jwks($p->url('/jwks'), @$want), $want, "$name: the JWKS shows it");
    ok(wait_load($PER_PHASE, $wait_kid), "$name: the load goes on");
}

# Start: the current key signs and is the only one published.
conf('current');
$p->start;
is_deeply(wait_jwks($p->url('/jwks'), $kid{current}), [ $kid{current} ], 'start: the current key');

$load_pid = fork // die "fork: $!";
if (!$load_pid) {
    # _exit: the child must not run the parent's END blocks and
    # destructors, which would stop the server.
    my $ok = eval { load(); 1 };
    print STDERR "load: $@" unless $ok;
    POSIX::_exit($ok ? 0 : 1);
}
ok(wait_load($PER_PHASE, $kid{current}), 'the load runs, signed by the current key');

# 1. Publish the next key beside the current one.
step('publish-next', [ $kid{current}, $kid{next} ], undef,
     'current', 'next');
# 2. Swap: the next key signs, the old one stays published.
step('swap', [ $kid{next}, $kid{current} ], $kid{next},
     'next', 'current');
# 3. Retire the old key.
step('retire-old', [ $kid{next} ], undef, 'next');

spew($stop, '');
waitpid $load_pid, 0;
is($?, 0, 'the load ended cleanly');
my $s = eval { JSON::PP::decode_json(slurp($summary) // '') } // {};
diag("load: $s->{requests} requests, kids: "
     . join(', ', map { "$_ x $s->{kids}{$_}" } sort keys %{ $s->{kids} || {} }));
cmp_ok($s->{requests} // 0, '>=', 4 * $PER_PHASE, 'requests were made in every phase');
is($s->{failed_requests}, 0, 'zero failed requests') or diag(join "\n", @{ $s->{errors} || [] });
is($s->{failed_verifications}, 0, 'zero failed verifications')
    or diag(join "\n", @{ $s->{errors} || [] });
ok($s->{kids}{ $kid{current} }, 'tokens of the current key were seen');
ok($s->{kids}{ $kid{next} }, 'tokens of the next key were seen');
# The verifier fetched once at its start and once for the new kid.
is($s->{verifier}{fetches}, 2, 'the verifier fetched the JWKS only for unknown kids')
    or diag(JSON::PP::encode_json($s->{verifier} || {}));
ok(grep({ $_ eq $kid{next} } @{ $s->{verifier}{kids_fetched}[1] || [] }),
   'its second fetch found the next key');

$p->stop;
