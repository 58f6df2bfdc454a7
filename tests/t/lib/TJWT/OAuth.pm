# An OAuth authorization server for the tests of OAuth protected resources
# (docs/mcp-authorization.md): keys made with tjwt keygen, access tokens
# signed with tjwt sign, and the tokens no server should accept (alg none,
# HS256 keyed with the public key) made by hand. Also a private httpd
# with the modules those tests need.
package TJWT::OAuth;

use strict;
use warnings;

use Digest::SHA qw(hmac_sha256);
use Exporter qw(import);
use JSON::PP ();
use TJWT::Tool qw(tjwt tjwt_in b64url slurp spew);

our @EXPORT_OK = qw(as_setup access_token forged_token oauth_httpd_lines);

# Makes the authorization server's keys and JWKS in $dir: as.pem (RSA,
# published), as-ec.pem (EC, published), other.pem (unknown to the
# resource); as-jwks.json holds the first two.
sub as_setup {
    my ($dir) = @_;
    for ([ rsa => 'as.pem' ], [ ec => 'as-ec.pem' ], [ ec => 'other.pem' ]) {
        my ($rc, $out, $err) = tjwt('keygen', $_->[0], "$dir/$_->[1]");
        die "tjwt keygen: $err" if $rc;
    }
    my ($rc, $out, $err) = tjwt('jwks', "$dir/as.pem", "$dir/as-ec.pem");
    die "tjwt jwks: $err" if $rc;
    spew("$dir/as-jwks.json", $out);
    chmod 0644, glob("$dir/*.json");
    return $dir;
}

# An access token signed with $key (a PEM file) for %claims; lifetime =>
# a tjwt duration sets iat, nbf and exp.
sub access_token {
    my ($key, %claims) = @_;
    my $life = delete $claims{lifetime};
    my ($rc, $out, $err) = tjwt_in(JSON::PP->new->canonical->encode(\%claims),
                                   'sign', '--key', $key,
                                   (defined $life ? ('--lifetime', $life) : ()));
    die "tjwt sign: $err" if $rc;
    chomp $out;
    return $out;
}

# alg none, or HS256 keyed with $secret (the published key, as the old
# algorithm-confusion attack does), with a kid the set holds.
sub forged_token {
    my ($alg, $kid, $secret, %claims) = @_;
    my $h = b64url(JSON::PP->new->canonical->encode({ alg => $alg, kid => $kid, typ => 'JWT' }));
    my $p = b64url(JSON::PP->new->canonical->encode(\%claims));
    return "$h.$p." if $alg eq 'none';
    return "$h.$p." . b64url(hmac_sha256("$h.$p", $secret));
}

# What a private httpd of these tests loads beside TJWT::Private's base.
sub oauth_httpd_lines {
    my $mods = $ENV{TJWT_APACHE_MODULES} or die 'TJWT_APACHE_MODULES unset';
    return (
        (map { "LoadModule ${_}_module $mods/mod_$_.so" }
             qw(proxy proxy_http headers authn_core authn_file authz_user
                auth_basic alias)),
        'LogLevel info teleport_jwt:debug',
    );
}

1;
