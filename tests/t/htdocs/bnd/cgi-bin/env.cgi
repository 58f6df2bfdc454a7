#!/usr/bin/perl
# The CGI script of the trust-boundary tests (t/boundary-*.t): answers
# with its whole environment as JSON, values byte for byte, so that a test
# sees every variable a script would see (TELEPORT_JWT and its REDIRECT_
# copies, HTTP_* request headers).
use strict;
use warnings;
use JSON::PP ();

binmode STDOUT;
print "Content-Type: application/json\r\n\r\n";
print JSON::PP->new->canonical->encode({ app => 'cgi', env => {%ENV} });
