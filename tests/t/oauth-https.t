# The authorization server's JWKS over HTTPS (TeleportJWTOAuthJWKS URL
# CAFILE), fetched with libcurl at start-up and again when a token names
# a key the set lacks, at most every 30 s; and the same fetch in tjwt
# verify: certificates checked against a test CA made here, redirects
# refused, a size cap. Every server is on loopback.
use strict;
use warnings FATAL => 'all';

use Apache::Test qw(-withtestmore);
use IO::Socket::INET ();
use JSON::PP ();
use LWP::UserAgent ();
use POSIX ();
use Time::HiRes qw(sleep);
use TJWT::OAuth qw(as_setup access_token oauth_httpd_lines);
use TJWT::Private ();
use TJWT::Tool qw(tjwt spew slurp);
use TJWT::Util qw(backend_origin free_port token_parts);

plan tests => 12;

my $p = TJWT::Private->new;
my $d = $p->dir;
as_setup($d);
tjwt('keygen', 'ec', "$d/teleport.pem");

# A test CA and a certificate for 127.0.0.1 that it signed.
sub openssl { system("openssl @_ >/dev/null 2>&1") == 0 or die "openssl @_" }
openssl("req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 -subj /CN=tjwt-test-ca -keyout $d/ca.key -out $d/ca.pem");
openssl("req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj /CN=127.0.0.1 -keyout $d/srv.key -out $d/srv.csr");
spew("$d/ext.cnf", "subjectAltName=IP:127.0.0.1\n");
openssl("x509 -req -in $d/srv.csr -CA $d/ca.pem -CAkey $d/ca.key -CAcreateserial -days 2 -extfile $d/ext.cnf -out $d/srv.pem");

# The authorization server's key set, served by openssl s_server: first
# the RSA key alone.
mkdir "$d/www";
my ($rc, $out, $err) = tjwt('jwks', "$d/as.pem");
spew("$d/www/jwks.json", $out);
my $sport = free_port();
my $spid = fork // die "fork: $!";
if (!$spid) {
    chdir "$d/www" or POSIX::_exit(1);
    open STDOUT, '>', "$d/s_server.log";
    open STDERR, '>&', \*STDOUT;
    { no warnings 'exec'; exec 'openssl', 's_server', '-WWW', '-accept', "127.0.0.1:$sport",
        '-cert', "$d/srv.pem", '-key', "$d/srv.key"; }
    POSIX::_exit(127);
}
END { kill 'TERM', $spid if $spid; }
for (1 .. 100) { last if IO::Socket::INET->new("127.0.0.1:$sport"); sleep 0.05 }
my $url = "https://127.0.0.1:$sport/jwks.json";

my $port = $p->port;
my $RES = "http://127.0.0.1:$port/mcp";
my $ISS = 'https://as.example';
my $backend = backend_origin();
$p->write_conf(
    oauth_httpd_lines(),
    # One process: the key set is each process's own.
    'StartServers 1', 'ServerLimit 1', 'ThreadsPerChild 10',
    'MinSpareThreads 1', 'MaxSpareThreads 10', 'MaxRequestWorkers 10',
    "TeleportJWTSigningKey $d/teleport.pem",
    '<Location /mcp>',
    '    AuthType TeleportOAuth', '    Require valid-user',
    "    TeleportJWTOAuthResource $RES",
    "    TeleportJWTOAuthIssuer $ISS",
    "    TeleportJWTOAuthJWKS $url $d/ca.pem",
    '    TeleportJWT On',
    "    ProxyPass $backend/echo/mcp",
    '</Location>',
    # The same URL without the test CA: the certificate is not trusted.
    '<Location /untrusted>',
    '    AuthType TeleportOAuth', '    Require valid-user',
    "    TeleportJWTOAuthResource http://127.0.0.1:$port/untrusted",
    "    TeleportJWTOAuthIssuer $ISS",
    "    TeleportJWTOAuthJWKS $url",
    "    ProxyPass $backend/echo/untrusted",
    '</Location>',
);
$p->start;
my $ua = LWP::UserAgent->new(timeout => 20, keep_alive => 0);
my %claims = (iss => $ISS, aud => $RES, sub => 'alice', lifetime => '5m');
sub call {
    my ($path, $key, %more) = @_;
    return $ua->get("http://127.0.0.1:$port$path", Authorization => 'Bearer '
                    . access_token("$d/$key", %claims, %more))->code;
}

is(call('/mcp', 'as.pem'), 200, 'a token of the key fetched at start-up');
# Rotation: the authorization server publishes its next key.
($rc, $out) = tjwt('jwks', "$d/as.pem", "$d/as-ec.pem");
spew("$d/www/jwks.json", $out);
is(call('/mcp', 'as-ec.pem'), 200, 'after rotation, the unknown kid makes the module fetch again');
is(call('/mcp', 'as.pem'), 200, 'the older key still holds');
($rc, $out) = tjwt('jwks', "$d/as.pem", "$d/as-ec.pem", "$d/other.pem");
spew("$d/www/jwks.json", $out);
is(call('/mcp', 'other.pem'), 401, 'another new kid within 30 s: no fetch, refused');

is(call('/untrusted', 'as.pem', aud => "http://127.0.0.1:$port/untrusted"), 401,
   'a key set from a server whose certificate is not trusted: nothing accepted');
my $log = slurp("$d/error.log") // '';
like($log, qr/TeleportJWTOAuthJWKS \Q$url\E: TLS failed: .*certificate/,
     'start-up: the untrusted certificate is logged');

# --- tjwt verify over HTTPS --------------------------------------------------
my $tok = access_token("$d/as.pem", %claims);
($rc, $out, $err) = tjwt('verify', '--jwks', $url, '--cacert', "$d/ca.pem",
                         '--issuer', $ISS, '--audience', $RES, '--token', $tok);
is($rc, 0, 'tjwt verify: an https:// JWKS with --cacert') or diag($err);
is((eval { JSON::PP::decode_json($out) } // {})->{sub}, 'alice', 'tjwt verify: prints the claims');
($rc, $out, $err) = tjwt('verify', '--jwks', $url, '--issuer', $ISS, '--audience', $RES, '--token', $tok);
ok($rc == 2 && $err =~ /TLS failed: .*certificate/, 'tjwt verify: without the CA, the certificate is refused')
    or diag($err);
($rc, $out, $err) = tjwt('verify', '--jwks', "https://localhost:$sport/jwks.json", '--cacert', "$d/ca.pem",
                         '--issuer', $ISS, '--audience', $RES, '--token', $tok);
ok($rc == 2 && $err =~ /TLS failed/, 'tjwt verify: a certificate for another name is refused')
    or diag($err);

# One-shot plain HTTP servers: a redirect, and an answer over the cap.
sub one_shot {
    my ($answer) = @_;
    my $srv = IO::Socket::INET->new(LocalAddr => '127.0.0.1', LocalPort => 0,
                                    Listen => 1, ReuseAddr => 1) or die $!;
    my $pid = fork // die "fork: $!";
    if (!$pid) {
        alarm 20;
        $SIG{PIPE} = sub { POSIX::_exit(0) };
        my $c = $srv->accept or POSIX::_exit(1);
        my $req = '';
        while ($req !~ /\r\n\r\n/) { sysread($c, $req, 4096, length $req) or last }
        print $c $answer;
        close $c;
        POSIX::_exit(0);
    }
    my $port = $srv->sockport;
    close $srv;
    return ($port, $pid);
}
my ($rport, $rpid) = one_shot("HTTP/1.1 302 Found\r\nLocation: $url\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
($rc, $out, $err) = tjwt('verify', '--jwks', "http://127.0.0.1:$rport/jwks", '--cacert', "$d/ca.pem",
                         '--issuer', $ISS, '--audience', $RES, '--token', $tok);
waitpid $rpid, 0;
ok($rc == 2 && $err =~ /answered 302 \(redirects are not followed\)/, 'tjwt verify: a redirect is refused')
    or diag($err);
my $big = 'x' x (2 * 1024 * 1024);
my ($bport, $bpid) = one_shot("HTTP/1.1 200 OK\r\nContent-Length: " . length($big) . "\r\nConnection: close\r\n\r\n$big");
($rc, $out, $err) = tjwt('verify', '--jwks', "http://127.0.0.1:$bport/jwks",
                         '--issuer', $ISS, '--audience', $RES, '--token', $tok);
kill 'TERM', $bpid;
waitpid $bpid, 0;
ok($rc == 2 && $err =~ /too large/, 'tjwt verify: an answer over 1 MiB is refused') or diag($err);
