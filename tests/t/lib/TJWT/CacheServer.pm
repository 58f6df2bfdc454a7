# A real redis-server or memcached for the fleet tests: started as the
# current user on a free loopback port with a private directory, never the
# system service, and stopped (by its process id) when the test ends.
package TJWT::CacheServer;

use strict;
use warnings;

use File::Temp qw(tempdir);
use IO::Socket::INET ();
use POSIX qw(WNOHANG);
use Time::HiRes qw(sleep);
use TJWT::Util qw(free_port);

my %BIN = (redis => '/usr/bin/redis-server', memcache => '/usr/bin/memcached');

# Why the server cannot run here, or undef.
sub unavailable {
    my ($class, $kind) = @_;
    my $mods = $ENV{TJWT_APACHE_MODULES} // '';
    return "$BIN{$kind} is not installed" unless -x $BIN{$kind};
    return "mod_socache_$kind is not in $mods"
        unless -e "$mods/mod_socache_$kind.so";
    return undef;
}

sub start {
    my ($class, $kind) = @_;
    my $self = bless { kind => $kind, port => free_port(),
                       dir => tempdir('tjwt-cache-XXXXXX', TMPDIR => 1,
                                      CLEANUP => 1) }, $class;
    return $self->spawn;
}

# Starts the server again, empty, on the same port, after stop: a cache
# server that crashed and came back.
sub restart {
    my ($self) = @_;
    $self->stop;
    return $self->spawn;
}

sub spawn {
    my ($self) = @_;
    my $kind = $self->{kind};
    my @cmd = $kind eq 'redis'
        ? ($BIN{redis}, '--port', $self->{port}, '--bind', '127.0.0.1',
           '--dir', $self->{dir}, '--save', '', '--appendonly', 'no',
           '--daemonize', 'no', '--logfile', "$self->{dir}/log")
        : ($BIN{memcache}, '-l', '127.0.0.1', '-p', $self->{port}, '-U', '0',
           ($> == 0 ? ('-u', 'root') : ()));
    my $pid = fork // die "fork: $!";
    if (!$pid) {
        open STDOUT, '>', "$self->{dir}/stdout";
        open STDERR, '>&', \*STDOUT;
        exec @cmd or POSIX::_exit(127);
    }
    $self->{pid} = $pid;
    for (1 .. 100) {
        return $self if IO::Socket::INET->new(
            PeerAddr => "127.0.0.1:$self->{port}", Timeout => 1);
        sleep 0.05;
    }
    $self->stop;
    die "$kind did not listen on port $self->{port}";
}

sub port { $_[0]{port} }
sub addr { "127.0.0.1:$_[0]{port}" }

# Kills the server (SIGKILL by default: a crash, not a clean shutdown) and
# waits, boundedly, until it is gone.
sub stop {
    my ($self, $sig) = @_;
    my $pid = delete $self->{pid} or return;
    kill $sig // 'KILL', $pid;
    for (1 .. 100) {
        return if waitpid($pid, WNOHANG) == $pid;
        sleep 0.05;
    }
    kill 'KILL', $pid;
    waitpid($pid, 0);
}

# Stops the server's process (SIGSTOP) without closing its socket: the
# kernel still accepts connections and queues the commands sent, which the
# server answers, in order, once resumed (SIGCONT). A barrier for the
# requests of a test. Returns whether the signal was sent.
sub pause  { my ($self) = @_; return $self->{pid} && kill('STOP', $self->{pid}) }
sub resume { my ($self) = @_; return $self->{pid} && kill('CONT', $self->{pid}) }

# One command to redis through redis-cli (installed with redis-server).
sub redis_cli {
    my ($self, @args) = @_;
    my $cmd = join ' ', '/usr/bin/redis-cli', '-p', $self->{port},
        map { "'$_'" } @args;
    my @out = qx{$cmd 2>/dev/null};
    chomp @out;
    return @out;
}

sub DESTROY { $_[0]->stop }

1;
