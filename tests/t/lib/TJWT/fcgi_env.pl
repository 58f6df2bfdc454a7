#!/usr/bin/perl
# The FastCGI application of the trust-boundary tests (t/boundary-*.t): a
# FastCGI responder (Debian's libfcgi-perl) on 127.0.0.1:PORT that answers
# every request with the parameters mod_proxy_fcgi sent it (TELEPORT_JWT
# and its REDIRECT_ copies, HTTP_* request headers, ...) as JSON, values
# byte for byte. TJWT::Bnd starts it and stops it.
#
#   fcgi_env.pl PORT
use strict;
use warnings;

use FCGI ();
use JSON::PP ();

my $port = shift // die "usage: $0 PORT\n";
my $socket = FCGI::OpenSocket("127.0.0.1:$port", 16)
    or die "fcgi_env.pl: cannot listen on 127.0.0.1:$port: $!\n";
my %env;
my $req = FCGI::Request(\*STDIN, \*STDOUT, \*STDERR, \%env, $socket);
my $json = JSON::PP->new->canonical;
# SIGTERM (the default action) ends it.
while ($req->Accept() >= 0) {
    print "Content-Type: application/json\r\n\r\n",
        $json->encode({ app => 'fcgi', env => {%env} });
    $req->Finish;
}
FCGI::CloseSocket($socket);
