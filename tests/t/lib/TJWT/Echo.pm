# The backend's handler: answers with the request line, every request
# header exactly as it arrived (names, case, duplicates) and the
# TELEPORT_JWT variable, so that tests see what an upstream behind
# mod_proxy, or a handler on the same server, would see.
package TJWT::Echo;

use strict;
use warnings;

use Apache2::RequestRec ();
use Apache2::RequestIO ();
use APR::Table ();
use Apache2::Const -compile => qw(OK);
use JSON::PP ();

sub handler {
    my $r = shift;
    my @headers;
    my %jwt_env;
    $r->headers_in->do(sub { push @headers, [ $_[0], $_[1] ]; 1 });
    # Every variable that holds a token, also as renamed by an internal
    # redirect (REDIRECT_TELEPORT_JWT).
    $r->subprocess_env->do(sub { $jwt_env{ $_[0] } = $_[1] if $_[0] =~ /TELEPORT_JWT/; 1 });
    $r->content_type('application/json');
    $r->print(JSON::PP->new->canonical->encode({
        method       => $r->method,
        uri          => $r->unparsed_uri,
        headers      => \@headers,
        teleport_jwt => scalar $r->subprocess_env->get('TELEPORT_JWT'),
        jwt_env      => \%jwt_env,
    }));
    return Apache2::Const::OK;
}

1;
