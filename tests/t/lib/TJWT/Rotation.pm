# What the rotation tests (rotation.t, rotation-verifiers.t) share: the
# two keys of the runbook of docs/keys.md, made with `tjwt keygen`, and
# waiting for a graceful restart to show in the served JWKS.
package TJWT::Rotation;

use strict;
use warnings;

use Exporter qw(import);
use JSON::PP ();
use LWP::UserAgent ();
use Time::HiRes qw(sleep);
use TJWT::Tool qw(tjwt openssl_kid);

our @EXPORT_OK = qw(rotation_keys wait_jwks);

# Makes DIR/current.pem (RSA) and DIR/next.pem (EC); returns their kids
# as { current => ..., next => ... }.
sub rotation_keys {
    my ($dir) = @_;
    for my $k ([ 'current', 'rsa' ], [ 'next', 'ec' ]) {
        my ($rc, $out, $err) = tjwt('keygen', $k->[1], "$dir/$k->[0].pem");
        die "tjwt keygen: $err" if $rc;
    }
    return { map { $_ => openssl_kid("$dir/$_.pem") } qw(current next) };
}

# The kids the JWKS at URL lists, in order ([] when it cannot be read).
sub jwks_kids {
    my ($ua, $url) = @_;
    my $res = $ua->get($url);
    my $doc = $res->is_success ? eval { JSON::PP::decode_json($res->content) } : undef;
    return $doc ? [ map { $_->{kid} } @{ $doc->{keys} } ] : [];
}

# Polls the JWKS at URL until it lists exactly @want, for up to 30 s (a
# graceful restart has taken effect once new children answer); returns
# the last list seen.
sub wait_jwks {
    my ($url, @want) = @_;
    my $ua = LWP::UserAgent->new(timeout => 10);
    my $got = [];
    for (1 .. 600) {
        $got = jwks_kids($ua, $url);
        return $got if "@$got" eq "@want";
        sleep 0.05;
    }
    return $got;
}

1;
