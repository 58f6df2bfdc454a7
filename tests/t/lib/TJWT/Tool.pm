# Helpers for the tests of the tjwt tool and of key handling: running a
# command with given standard input, and key ids computed by the openssl
# command rather than by our code.
package TJWT::Tool;

use strict;
use warnings;

use Digest::SHA qw(sha256);
use Exporter qw(import);
use File::Temp qw(tempdir);
use MIME::Base64 qw(encode_base64);
use POSIX ();

our @EXPORT_OK = qw(tjwt tjwt_in run_cmd openssl openssl_kid b64url slurp
                    spew);

sub tool_path {
    my $t = $ENV{TJWT_TOOL} or die 'TJWT_TOOL unset (run through tests/apache-test.sh)';
    return $t;
}

sub slurp {
    my $f = shift;
    open my $fh, '<', $f or return undef;
    local $/;
    my $s = <$fh>;
    return $s;
}

sub spew {
    my ($f, $s) = @_;
    open my $fh, '>', $f or die "$f: $!";
    print $fh $s;
    close $fh or die "$f: $!";
}

# Runs @cmd with $stdin (a string, or undef for an empty input); returns
# (exit status, stdout, stderr). Files, not pipes, so that no output size
# can deadlock the test.
sub run_cmd {
    my ($stdin, @cmd) = @_;
    my $dir = tempdir('tjwt-run-XXXXXX', TMPDIR => 1, CLEANUP => 1);
    spew("$dir/in", $stdin // '');
    my $pid = fork // die "fork: $!";
    if (!$pid) {
        open STDIN,  '<', "$dir/in"  or POSIX::_exit(127);
        open STDOUT, '>', "$dir/out" or POSIX::_exit(127);
        open STDERR, '>', "$dir/err" or POSIX::_exit(127);
        { no warnings 'exec'; exec { $cmd[0] } @cmd; }
        POSIX::_exit(127);
    }
    waitpid $pid, 0;
    my $rc = $? & 127 ? 128 + ($? & 127) : $? >> 8;
    return ($rc, slurp("$dir/out") // '', slurp("$dir/err") // '');
}

sub tjwt    { run_cmd(undef, tool_path(), @_) }
sub tjwt_in { my $in = shift; run_cmd($in, tool_path(), @_) }

sub openssl {
    my $cmd = join ' ', 'openssl', @_;
    system("$cmd >/dev/null 2>&1") == 0 or die "failed: $cmd";
}

sub b64url {
    (my $s = encode_base64(shift, '')) =~ tr{+/}{-_};
    $s =~ s/=+$//;
    return $s;
}

# Teleport's kid of a PEM key file (private or public), by the openssl
# command: SHA-256 of the PKCS#1 RSAPublicKey for RSA, of the
# SubjectPublicKeyInfo otherwise.
sub openssl_kid {
    my $file = shift;
    my $text = slurp($file) // return undef;
    my $pubin = $text =~ /BEGIN RSA PUBLIC KEY/ ? '-RSAPublicKey_in'
              : $text =~ /BEGIN PUBLIC KEY/     ? '-pubin'
              : '';
    my $pkeyin = $pubin ? '-pubin' : '';
    my $info = qx{openssl pkey $pkeyin -in '$file' -noout -text 2>/dev/null};
    my $der = $info =~ /^modulus:/mi
        ? qx{openssl rsa $pubin -in '$file' -RSAPublicKey_out -outform DER 2>/dev/null}
        : qx{openssl pkey $pkeyin -in '$file' -pubout -outform DER 2>/dev/null};
    return length $der ? b64url(sha256($der)) : undef;
}

1;
