# A loopback TCP relay between one httpd and a real cache server that can
# hold what the httpd sends, for tests that need one server's request
# stopped at a known step of the cache protocol (not a mock: every byte
# goes to the real redis-server or memcached, only later).
#
#   my $px = TJWT::HoldProxy->start($cache->port, hold => qr/making/);
#
# hold => RE holds the data that matches RE and whatever follows on that
# connection; hold_after => RE forwards the data that matches RE and holds
# what follows it on that connection. $px->held waits (boundedly) until
# something is held; $px->release lets it all through, and the relay
# forwards freely from then on. Stopped (by its process id) when the
# object goes.
package TJWT::HoldProxy;

use strict;
use warnings;

use File::Temp qw(tempdir);
use IO::Select ();
use IO::Socket::INET ();
use POSIX qw(WNOHANG);
use Time::HiRes qw(sleep);

sub start {
    my ($class, $upstream, %rule) = @_;
    my $dir = tempdir('tjwt-hold-XXXXXX', TMPDIR => 1, CLEANUP => 1);
    my $listen = IO::Socket::INET->new(LocalAddr => '127.0.0.1', LocalPort => 0,
                                       Listen => 64, ReuseAddr => 1) or die $!;
    my $self = bless { port => $listen->sockport, dir => $dir }, $class;
    my $pid = fork // die "fork: $!";
    if (!$pid) {
        relay($listen, $upstream, $dir, %rule);
        POSIX::_exit(0);
    }
    close $listen;
    $self->{pid} = $pid;
    return $self;
}

sub relay {
    my ($listen, $upstream, $dir, %rule) = @_;
    my $released = 0;
    local $SIG{USR1} = sub { $released = 1 };
    my $sel = IO::Select->new($listen);
    my (%peer, %from_client, %held, %holding);
    while (1) {
        my @ready = $sel->can_read(0.05);
        if ($released) {
            for my $c (keys %held) {
                my $data = delete $held{$c};
                syswrite($peer{$c}, $data) if length $data && $peer{$c};
            }
            %holding = ();
        }
        for my $fh (@ready) {
            if ($fh == $listen) {
                my $c = $listen->accept or next;
                my $u = IO::Socket::INET->new(PeerAddr => "127.0.0.1:$upstream")
                    or do { close $c; next };
                $peer{$c} = $u;
                $peer{$u} = $c;
                $from_client{$c} = 1;
                $sel->add($c, $u);
                next;
            }
            my $n = sysread($fh, my $data, 65536);
            if (!$n) {
                my $o = delete $peer{$fh};
                $sel->remove($fh);
                close $fh;
                if ($o) {
                    delete $peer{$o};
                    $sel->remove($o);
                    close $o;
                }
                next;
            }
            if ($from_client{$fh} && !$released) {
                if (!$holding{$fh} && $rule{hold} && $data =~ $rule{hold}) {
                    $holding{$fh} = 1;
                }
                elsif (!$holding{$fh} && $rule{hold_after}
                       && $data =~ $rule{hold_after}) {
                    syswrite($peer{$fh}, $data);
                    $holding{$fh} = 'next';
                    next;
                }
                elsif ($holding{$fh} && $holding{$fh} eq 'next') {
                    $holding{$fh} = 1;
                }
                if ($holding{$fh}) {
                    $held{$fh} .= $data;
                    open my $mark, '>', "$dir/held";
                    close $mark;
                    next;
                }
            }
            syswrite($peer{$fh}, $data) if $peer{$fh};
        }
    }
}

sub port { $_[0]{port} }
sub addr { "127.0.0.1:$_[0]{port}" }

# Whether something was held within 10 s.
sub held {
    my ($self) = @_;
    for (1 .. 200) {
        return 1 if -e "$self->{dir}/held";
        sleep 0.05;
    }
    return 0;
}

sub release { kill 'USR1', $_[0]{pid} }

sub stop {
    my ($self) = @_;
    my $pid = delete $self->{pid} or return;
    kill 'KILL', $pid;
    waitpid($pid, 0);
}

sub DESTROY { $_[0]->stop }

1;
