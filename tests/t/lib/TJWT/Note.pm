# Sets a request note, as authentication modules do, so that the claim
# sources can be shown to read %{note:...}.
package TJWT::Note;

use strict;
use warnings;

use Apache2::RequestRec ();
use APR::Table ();
use Apache2::Const -compile => qw(DECLINED);

sub handler {
    my $r = shift;
    $r->notes->set(tjwt_note => 'noted');
    return Apache2::Const::DECLINED;
}

1;
