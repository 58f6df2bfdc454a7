# Helpers for t/identity_*.t: the virtual hosts of t/conf/identity.conf.in,
# what tests/identity-setup.sh made, requests over TLS with curl, and
# whether a request reached the backend.
package TJWT::Identity;

use strict;
use warnings;

use Apache::Test ();
use Exporter qw(import);
use File::Temp qw(tempfile);
use JSON::PP ();
use Time::HiRes qw(sleep);

our @EXPORT_OK = qw(
    id_dir setup_problem vhost_port id_backend_origin nonce
    curl_tls backend_saw wait_backend_saw
);

# LDAP passwords of tests/identity-setup.sh (not those of t/htpasswd).
our %LDAP_USERS = (alice => 'alice-ldap-secret', bob => 'bob-ldap-secret');

sub config { Apache::Test::config() }

sub id_dir { $ENV{TJWT_ID_DIR} }

# Why the set-up is missing or failed, or '' when all is there.
sub setup_problem {
    my $dir = id_dir();
    return 'TJWT_ID_DIR is not set: run the suite through tests/apache-test.sh '
         . '(make check), which calls tests/identity-setup.sh'
        unless $dir;
    if (open my $fh, '<', "$dir/FAILED") {
        local $/;
        return 'tests/identity-setup.sh failed: ' . <$fh>;
    }
    return '';
}

sub vhost_port {
    my $name = shift;
    my $v = config()->{vhosts}{$name} or return undef;
    return $v->{port};
}

# The aud of tokens proxied to this file's backend.
sub id_backend_origin {
    return 'http://127.0.0.1:' . vhost_port('tjwt_id_backend');
}

my $count = 0;
sub nonce { sprintf 'n%d-%d-%d', $$, time, ++$count }

# GET https://127.0.0.1:PORT$path with curl, trusting the test CA.
# %opt: cert => name (alice, bob, mallory: tls/NAME.crt and .key), or none;
# headers => ['Name: value', ...]; args => [more curl arguments].
# Returns (HTTP status or 0 when there was no HTTP answer, decoded echo or
# undef, curl's exit status, curl's complaint).
sub curl_tls {
    my ($port, $path, %opt) = @_;
    my $tls = id_dir() . '/tls';
    my ($bfh, $body) = tempfile(UNLINK => 1);
    my ($efh, $err)  = tempfile(UNLINK => 1);
    my @cmd = ('curl', '-sS', '--max-time', '10', '--noproxy', '*',
               '--cacert', "$tls/ca.crt", '-o', $body, '--stderr', $err,
               '-w', '%{http_code}');
    push @cmd, '--cert', "$tls/$opt{cert}.crt", '--key', "$tls/$opt{cert}.key"
        if $opt{cert};
    push @cmd, map { ('-H', $_) } @{ $opt{headers} || [] };
    push @cmd, @{ $opt{args} || [] };
    push @cmd, "https://127.0.0.1:$port$path";
    open my $out, '-|', @cmd or die "curl: $!";
    my $code = do { local $/; <$out> } // '';
    close $out;
    my $rc = $? >> 8;
    my $content = do { local $/; <$bfh> } // '';
    my $complaint = do { local $/; <$efh> } // '';
    $code = $code =~ /^(\d+)$/ ? $1 + 0 : 0;
    my $echo = $code == 200 ? eval { JSON::PP::decode_json($content) } : undef;
    return ($code, $echo, $rc, $complaint);
}

# Whether the backend logged a request whose path holds $needle (a whole
# nonce: n1-2-1 is not n1-2-10). Every virtual host writes the one access
# log; the backend's paths start /echo/.
sub backend_saw {
    my $needle = shift;
    my $log = config()->{vars}{t_logs} . '/access_log';
    open my $fh, '<', $log or return 0;
    while (<$fh>) {
        return 1 if m{"[A-Z]+ /echo/\S*\Q$needle\E(?![\w-])};
    }
    return 0;
}

# The log line of a request is written after its response: wait for it
# (bounded), for a request known to have gone through.
sub wait_backend_saw {
    my $needle = shift;
    for (1 .. 50) {
        return 1 if backend_saw($needle);
        sleep 0.1;
    }
    return 0;
}

1;
