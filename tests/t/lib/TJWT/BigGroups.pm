# The group file over 4 MiB of t/groups-parity.t, written at start-up by
# t/conf/groups.conf.in: filler groups around alice's few, one of them on
# a line far longer than httpd's first line buffer, and the last past the
# 4 MiB mark.
package TJWT::BigGroups;

use strict;
use warnings;

sub write_file {
    my ($path) = @_;
    my $tmp = "$path.$$";
    open my $fh, '>', $tmp or die "$tmp: $!";
    print $fh "early: alice\n";
    print $fh 'long: ', join(' ', map { "u$_" } 1 .. 20000), " alice\n";
    my $line = 0;
    while (tell($fh) < 4 * 1024 * 1024 + 4096) {
        printf $fh "filler%06d: %s\n", $line++, join(' ', map { "m$_" } 1 .. 40);
    }
    print $fh "late: bob alice\n";
    close $fh or die "$tmp: $!";
    # Readable by the children, which run as nobody under root.
    chmod 0644, $tmp;
    rename $tmp, $path or die "$path: $!";
}

1;
