# Answers with what a subrequest to /third/sub (a scope that does not
# configure the module) answers: as mod_include's "include virtual" or
# mod_rewrite's look-ahead would make one.
package TJWT::Sub;

use strict;
use warnings;

use Apache2::RequestRec ();
use Apache2::SubRequest ();
use Apache2::Const -compile => qw(OK);

sub handler {
    my $r = shift;
    my $path = $r->uri =~ m{/local$} ? '/third-local/sub' : '/third/sub';
    $r->content_type('application/json');
    my $sub = $r->lookup_uri($path);
    $sub->run;
    return Apache2::Const::OK;
}

1;
