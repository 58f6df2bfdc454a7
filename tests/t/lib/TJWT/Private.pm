# A private httpd of a test's own, for what the shared test server cannot
# show: configuration errors, and restarts.
package TJWT::Private;

use strict;
use warnings;

use File::Temp qw(tempdir);
use IO::Socket::INET ();
use Time::HiRes qw(sleep);
use TJWT::Util qw(httpd_bin free_port);

sub new {
    my ($class) = @_;
    # Under /tmp and world-readable: as root, httpd's children run as
    # nobody and must reach the ServerRoot.
    my $dir = tempdir('tjwt-private-XXXXXX', TMPDIR => 1, CLEANUP => 1);
    chmod 0755, $dir;
    return bless { dir => $dir, port => free_port() }, $class;
}

sub dir  { $_[0]{dir} }
sub port { $_[0]{port} }

# Writes a configuration: the base a module needs, then @lines. Returns
# the line number of the first of @lines, for error checks.
sub write_conf {
    my ($self, @lines) = @_;
    my $mods = $ENV{TJWT_APACHE_MODULES} or die 'TJWT_APACHE_MODULES unset';
    my $mod  = $ENV{TJWT_MODULE} or die 'TJWT_MODULE unset';
    my @base = (
        "ServerRoot $self->{dir}",
        "ServerName private.test",
        "Listen 127.0.0.1:$self->{port}",
        "PidFile $self->{dir}/httpd.pid",
        "ErrorLog $self->{dir}/error.log",
        "LoadModule mpm_event_module $mods/mod_mpm_event.so",
        "LoadModule authz_core_module $mods/mod_authz_core.so",
        "LoadModule teleport_jwt_module $mod",
    );
    push @base, 'User nobody', 'Group nogroup' if $> == 0;
    open my $fh, '>', "$self->{dir}/httpd.conf" or die $!;
    print $fh "$_\n" for @base, @lines;
    close $fh;
    return scalar(@base) + 1;
}

# Runs httpd with the configuration; returns (exit status, output).
sub httpd {
    my ($self, @args) = @_;
    my $cmd = join ' ', httpd_bin(), '-d', $self->{dir},
        '-f', "$self->{dir}/httpd.conf", @args;
    my $out = qx{$cmd 2>&1};
    return ($? >> 8, $out);
}

sub configtest { $_[0]->httpd('-t') }

sub start {
    my $self = shift;
    my ($rc, $out) = $self->httpd('-k', 'start');
    die "httpd did not start: $out" if $rc;
    for (1 .. 100) {
        return 1 if IO::Socket::INET->new(PeerAddr => "127.0.0.1:$self->{port}");
        sleep 0.05;
    }
    die 'httpd did not listen';
}

sub stop {
    my $self = shift;
    $self->httpd('-k', 'stop');
    # The port is free again once the parent has gone.
    for (1 .. 200) {
        return 1 unless -e "$self->{dir}/httpd.pid";
        sleep 0.05;
    }
    die 'httpd did not stop';
}

sub url { "http://127.0.0.1:$_[0]{port}" . ($_[1] // '') }

sub DESTROY {
    my $self = shift;
    $self->httpd('-k', 'stop') if -e "$self->{dir}/httpd.pid";
}

1;
