# Helpers shared by the .t files: requests through the front end, what the
# backend saw, and verification by verifiers that are not ours.
package TJWT::Util;

use strict;
use warnings;

use Apache::Test ();
use Apache::TestRequest ();
use Digest::SHA qw(sha256);
use Exporter qw(import);
use File::Basename qw(dirname);
use IO::Socket::INET ();
use JSON::PP ();
use MIME::Base64 qw(encode_base64 decode_base64);

our @EXPORT_OK = qw(
    front_url backend_origin jwks_url server_name echo raw_echo
    owned_values header_value verify_pyjwt b64url_decode token_parts raw_request
    file_kid free_port httpd_bin tests_dir ht_claims
);

our %USERS = (alice => 'alice-secret', bob => 'bob-secret');

sub config { Apache::Test::config() }

sub tests_dir { dirname(config()->{vars}{t_dir}) }

sub httpd_bin { config()->{vars}{httpd} }

sub front_url {
    my $vars = config()->{vars};
    return "http://$vars->{servername}:$vars->{port}" . (shift // '');
}

sub server_name { config()->{vars}{servername} }

sub backend_origin {
    return 'http://127.0.0.1:' . config()->{vhosts}{backend}{port};
}

sub jwks_url { front_url('/.well-known/jwks.json') }

# GET through the front end; returns the backend's echo (decoded) and the
# HTTP::Response. %opt: user => name, headers => [name => value, ...].
sub echo {
    my ($path, %opt) = @_;
    my @auth = $opt{user}
        ? (username => $opt{user}, password => $USERS{ $opt{user} })
        : ();
    my $res = Apache::TestRequest::GET($path, @auth, @{ $opt{headers} || [] });
    my $body = $res->code == 200 ? eval { JSON::PP::decode_json($res->content) } : undef;
    return ($body, $res);
}

# Sends a request byte for byte, for header names that HTTP libraries
# would rewrite (LWP turns '_' into '-').
sub raw_echo {
    my ($path, %opt) = @_;
    my ($code, $body) = raw_request($path, %opt);
    return ($code == 200 ? JSON::PP::decode_json($body) : undef, $code);
}

# The request behind raw_echo: written byte for byte (%opt: user =>
# name, raw_headers => [ 'Name: value', ... ]); returns the status and
# the body, de-chunked.
sub raw_request {
    my ($path, %opt) = @_;
    my $vars = config()->{vars};
    my $sock = IO::Socket::INET->new(
        PeerAddr => '127.0.0.1', PeerPort => $vars->{port}, Timeout => 20,
    ) or die "connect: $!";
    binmode $sock;
    my $req = "GET $path HTTP/1.1\r\nHost: $vars->{servername}:$vars->{port}\r\n"
        . "Connection: close\r\n";
    if ($opt{user}) {
        my $cred = encode_base64("$opt{user}:$USERS{$opt{user}}", '');
        $req .= "Authorization: Basic $cred\r\n";
    }
    $req .= "$_\r\n" for @{ $opt{raw_headers} || [] };
    print $sock "$req\r\n";
    local $/;
    my $resp = <$sock> // '';
    close $sock;
    my ($head, $body) = split /\r\n\r\n/, $resp, 2;
    my ($code) = ($head // '') =~ m{^HTTP/1\.\d (\d+)};
    if (($head // '') =~ /^Transfer-Encoding: chunked/mi) {
        my $out = '';
        while ($body =~ s/^([0-9a-fA-F]+)\r\n//) {
            my $n = hex $1;
            last if $n == 0;
            $out .= substr($body, 0, $n, '');
            $body =~ s/^\r\n//;
        }
        $body = $out;
    }
    return ($code // 0, $body // '');
}

# Values of every header the backend got whose name is $name, compared the
# way CGI and WSGI gateways do: case-insensitive, '_' equal to '-'.
sub owned_values {
    my ($echo, $name) = @_;
    (my $want = lc $name) =~ tr/_/-/;
    return map { $_->[1] }
        grep { (my $n = lc $_->[0]) =~ tr/_/-/; $n eq $want }
        @{ $echo->{headers} };
}

# The one value of a header (exact name, case-insensitive), or undef.
sub header_value {
    my ($echo, $name) = @_;
    my @v = map { $_->[1] } grep { lc $_->[0] eq lc $name } @{ $echo->{headers} };
    return @v == 1 ? $v[0] : undef;
}

sub b64url_decode {
    my $s = shift;
    $s =~ tr{-_}{+/};
    $s .= '=' x ((4 - length($s) % 4) % 4);
    return decode_base64($s);
}

# (header hash, payload hash, payload JSON text) of a token, unverified.
sub token_parts {
    my $token = shift;
    my ($h, $p) = split /\./, $token;
    my $ptext = b64url_decode($p);
    return (JSON::PP::decode_json(b64url_decode($h)),
            JSON::PP::decode_json($ptext), $ptext);
}

# Verifies with PyJWT against the JWKS the server serves. Returns the
# verified {header, payload} or undef, and the verifier's complaint.
sub verify_pyjwt {
    my ($token, %opt) = @_;
    my $script = tests_dir() . '/verify/pyjwt_verify.py';
    my @cmd = ('/usr/bin/python3', $script,
               '--jwks', $opt{jwks} // jwks_url(),
               '--issuer', $opt{issuer} // server_name(),
               '--audience', $opt{audience} // backend_origin(),
               $token);
    my $out = qx{@{[ join ' ', map { "'$_'" } @cmd ]} 2>&1};
    return ($? == 0 ? JSON::PP::decode_json($out) : undef, $out);
}

# The verified claims of a token issued in the .htaccess test directories
# (issuer server.example, audience https://app.example.com), or undef with
# the verifier's complaint shown.
sub ht_claims {
    my ($token) = @_;
    my ($v, $why) = verify_pyjwt($token // '', issuer => 'server.example',
                                 audience => 'https://app.example.com');
    Test::More::diag($why) unless $v;
    return $v ? $v->{payload} : undef;
}

# Teleport's kid of a PEM key file, computed with the openssl command (not
# our code): base64url(SHA-256(DER PKCS#1 RSAPublicKey)).
sub file_kid {
    my $file = shift;
    my $der = qx{openssl rsa -in '$file' -RSAPublicKey_out -outform DER 2>/dev/null};
    return undef unless length $der;
    (my $kid = encode_base64(sha256($der), '')) =~ tr{+/}{-_};
    $kid =~ s/=+$//;
    return $kid;
}

# A port nothing listens on now. The system may hand the same ephemeral
# port to two binds in a row once the first socket is closed, so a port
# is never given out twice in one test (two Listen lines on one port stop
# httpd).
my %given_ports;

sub free_port {
    for (1 .. 100) {
        my $s = IO::Socket::INET->new(LocalAddr => '127.0.0.1', LocalPort => 0,
                                      Listen => 1, ReuseAddr => 1) or die $!;
        my $port = $s->sockport;
        close $s;
        return $port unless $given_ports{$port}++;
    }
    die "no free port found\n";
}

1;
