# Helpers of the trust-boundary tests (t/boundary-*.t, rules R1-R8 of
# docs/security.md): the FastCGI application's life, requests, and the oracle:
# every string that looks like a JWT anywhere the final handler can see it
# must be the one token the rules give that request, or there is none.
package TJWT::Bnd;

use strict;
use warnings;

use Apache::Test ();
use Apache::TestRequest ();
use Exporter qw(import);
use File::Basename qw(dirname);
use IO::Socket::INET ();
use JSON::PP ();
use POSIX ();
use Test::More ();
use TJWT::Util qw(front_url server_name token_parts verify_pyjwt raw_request);

our @EXPORT_OK = qw(
    fcgi_port fcgi_origin start_fcgi stop_fcgi front_origin member_origin
    get_json raw_get jwt_places served_by no_token own_token
);

our %USERS = %TJWT::Util::USERS;

my $JWT = qr/eyJ[\w-]+\.eyJ[\w-]+\.[\w-]+/;

sub config { Apache::Test::config() }

sub fcgi_port { config()->{vhosts}{bnd_fcgi}{port} }

sub fcgi_origin { 'fcgi://127.0.0.1:' . fcgi_port() }

# The origin of the client's request to Apache, as the client wrote it
# (Host: localhost:PORT): what a token made for a local handler (CGI, SSI)
# has as its audience (R2).
sub front_origin { lc front_url('') }

# The origin of a balancer member (bnd_m1, bnd_m2).
sub member_origin { 'http://127.0.0.1:' . config()->{vhosts}{ $_[0] }{port} }

# --- the FastCGI application ------------------------------------------------

my $fcgi_pid;

# Starts t/lib/TJWT/fcgi_env.pl on the port Apache::Test chose for it, and
# waits until it accepts connections (readiness only, not an assertion).
sub start_fcgi {
    my $port = fcgi_port() or die "no bnd_fcgi port in the Apache::Test configuration\n";
    my $script = dirname(__FILE__) . '/fcgi_env.pl';
    my $pid = fork // die "fork: $!";
    if (!$pid) {
        # Nothing of the test's own output: the harness reads it to its end.
        my $log = config()->{vars}{t_logs} . '/fcgi_env.log';
        open STDIN, '<', '/dev/null';
        open STDOUT, '>>', $log;
        open STDERR, '>&', \*STDOUT;
        { exec $^X, $script, $port }
        POSIX::_exit(127);
    }
    $fcgi_pid = $pid;
    for (1 .. 100) {
        my $s = IO::Socket::INET->new(PeerAddr => '127.0.0.1', PeerPort => $port,
                                      Timeout => 1);
        if ($s) {
            close $s;
            return $pid;
        }
        if (waitpid($pid, POSIX::WNOHANG()) == $pid) {
            undef $fcgi_pid;
            die "the FastCGI application did not start on port $port (exit $?)\n";
        }
        select undef, undef, undef, 0.1;
    }
    stop_fcgi();
    die "the FastCGI application does not accept on port $port\n";
}

sub stop_fcgi {
    return unless $fcgi_pid;
    # Called from END: the test's exit status must not become the child's.
    local $?;
    kill 'TERM', $fcgi_pid;
    for (1 .. 50) {
        last if waitpid($fcgi_pid, POSIX::WNOHANG()) == $fcgi_pid;
        select undef, undef, undef, 0.1;
        kill 'KILL', $fcgi_pid if $_ == 50;
    }
    waitpid $fcgi_pid, 0;
    undef $fcgi_pid;
}

END { stop_fcgi() }

# --- requests -------------------------------------------------------------

# Decodes a handler's JSON. TJWT::Echo (mod_perl) writes its text as
# UTF-8, a header's every byte as one character: decoded as UTF-8, each
# character of a value is a byte the handler saw. The CGI script writes
# bytes as they are; when they are not UTF-8, they are taken one by one.
sub decode_body {
    my ($body) = @_;
    return undef unless defined $body && $body =~ /^\s*\{/;
    return eval { JSON::PP->new->utf8->decode($body) }
        // eval { JSON::PP->new->decode($body) };
}

# GET as alice (or $opt{user}); returns the handler's JSON whatever the
# status (an error document answers with the error's status), and the
# HTTP::Response.
sub get_json {
    my ($path, %opt) = @_;
    my $user = $opt{user} // 'alice';
    my $res = Apache::TestRequest::GET($path, username => $user,
                                       password => $USERS{$user},
                                       @{ $opt{headers} || [] });
    return (decode_body($res->content), $res);
}

# A request written byte for byte (header values with bytes that HTTP
# libraries would refuse or re-encode). Returns (status, JSON or undef).
sub raw_get {
    my ($path, %opt) = @_;
    my ($code, $body) = raw_request($path, %opt, user => $opt{user} // 'alice');
    return ($code, decode_body($body));
}

# --- the oracle -------------------------------------------------------------

# Every place the final handler can see: [name, value] pairs. A CGI script
# or FastCGI application ({app, env}): every variable (TELEPORT_JWT*,
# REDIRECT_*, HTTP_* request headers). TJWT::Echo ({headers, jwt_env}):
# every request header line and every variable holding a token.
sub places {
    my ($d) = @_;
    return () unless ref $d eq 'HASH';
    if ($d->{env}) {
        return map { [ $_, $d->{env}{$_} ] } sort keys %{ $d->{env} };
    }
    return ((map { [ "header $_->[0]", $_->[1] ] } @{ $d->{headers} || [] }),
            (map { [ "variable $_", $d->{jwt_env}{$_} ] }
             sort keys %{ $d->{jwt_env} || {} }));
}

# token => [the places it was found in], for every JWT-shaped string.
sub jwt_places {
    my ($d) = @_;
    my %found;
    for my $p (places($d)) {
        my $v = $p->[1] // next;
        push @{ $found{$1} }, $p->[0] while $v =~ /($JWT)/g;
    }
    return \%found;
}

# The names of the variables a token could hide under.
sub jwt_names {
    my ($d) = @_;
    return grep { /TELEPORT_JWT/i } map { $_->[0] } places($d);
}

sub describe {
    my ($found) = @_;
    return join '; ', map {
        my ($h, $p) = eval { token_parts($_) };
        sprintf '%s... in %s (roles %s, aud %s)', substr($_, 0, 24),
            join(', ', @{ $found->{$_} }),
            JSON::PP->new->canonical->encode($p->{roles} // []),
            JSON::PP->new->canonical->encode($p->{aud} // '');
    } sort keys %$found;
}

# Whether the answer is the handler we meant ($app: cgi or fcgi) for the
# path it was asked for: a test set-up gone wrong must not pass as "no
# token".
sub served_by {
    my ($d, $app, $path, $label) = @_;
    my $env = ref $d eq 'HASH' ? $d->{env} || {} : {};
    my @where = grep { defined } @$env{qw(SCRIPT_NAME REQUEST_URI SCRIPT_FILENAME)};
    my $ok = ref $d eq 'HASH' && ($d->{app} // '') eq $app
        && grep { index($_, $path) >= 0 } @where;
    Test::More::ok($ok, "$label: answered by the $app handler for $path")
        or Test::More::diag('got: ' . (ref $d ? JSON::PP->new->canonical->encode(
            { app => $d->{app}, map { $_ => $env->{$_} }
              qw(SCRIPT_NAME REQUEST_URI SCRIPT_FILENAME) }) : 'no JSON'));
    return $ok;
}

# R1/R3/R4: the handler sees no token at all, under no name.
sub no_token {
    my ($d, $label) = @_;
    my $found = jwt_places($d);
    Test::More::ok(!%$found, "$label: no token anywhere the handler can see")
        or Test::More::diag('found: ' . describe($found));
    my @names = jwt_names($d);
    Test::More::ok(!@names, "$label: no TELEPORT_JWT variable or header")
        or Test::More::diag("present: @names");
}

# R1/R2/R3/R5: exactly one token, the request's own, under the module's
# names, signed, with the final scope's claims and the expected audience.
# %want: aud => origin, roles => [...], traits => {...} (optional).
sub own_token {
    my ($d, $label, %want) = @_;
    my $found = jwt_places($d);
    my @tokens = keys %$found;
    Test::More::is(scalar @tokens, 1, "$label: exactly one token anywhere the handler can see")
        or Test::More::diag('found: ' . describe($found));
    my ($token) = @tokens == 1 ? @tokens : ();
    my $env = $d && $d->{env} ? $d->{env} : undef;
    if ($env) {
        Test::More::ok(defined $token && ($env->{TELEPORT_JWT} // '') eq $token
                       && ($env->{HTTP_TELEPORT_JWT_ASSERTION} // '') eq $token,
                       "$label: it is TELEPORT_JWT and the assertion header");
        my @renamed = grep { /^REDIRECT_.*TELEPORT_JWT/ } keys %$env;
        Test::More::ok(!@renamed, "$label: no REDIRECT_ copy of a token")
            or Test::More::diag("present: @renamed");
    }
    # With more than one token, the claims checked are those of the one
    # under the module's own names (what a handler would take as its).
    $token //= $env ? $env->{HTTP_TELEPORT_JWT_ASSERTION} // $env->{TELEPORT_JWT}
                    : (map { $_->[1] } grep { lc $_->[0] eq 'teleport-jwt-assertion' }
                       @{ $d && $d->{headers} || [] })[0];
    my ($v, $why) = $token
        ? verify_pyjwt($token, audience => $want{aud}) : (undef, 'no token');
    Test::More::ok($v, "$label: the token verifies (PyJWT, JWKS) for audience $want{aud}")
        or Test::More::diag($why);
    my $p = $v ? $v->{payload} : $token ? (token_parts($token))[1] : {};
    Test::More::is_deeply($p->{aud}, [ $want{aud} ], "$label: aud is [$want{aud}]");
    Test::More::is($p->{sub}, $want{user} // 'alice', "$label: sub");
    Test::More::is_deeply($p->{roles}, $want{roles}, "$label: roles from the final scope only")
        if $want{roles};
    Test::More::is_deeply($p->{traits}, $want{traits}, "$label: traits from the final scope only")
        if $want{traits};
    return $token;
}

1;
