# Trust boundaries (rules R1-R5 of docs/security.md): fast
# internal redirects (mod_dir's DirectoryIndex, also from .htaccess, and
# mod_negotiation's MultiViews) and internal redirects (ErrorDocument after
# a failed upstream, mod_rewrite, mod_actions), with real CGI (mod_cgid)
# and FastCGI (mod_proxy_fcgi, TJWT/fcgi_env.pl) handlers. The handler that
# serves the final request sees a token only if the final scope makes one,
# and then only its own: that scope's claims, the audience of where it
# goes; never the token of the request before the redirect, under any name
# (REDIRECT_TELEPORT_JWT, a header copied by mod_headers, ...).
use strict;
use warnings FATAL => 'all';

use Apache::Test qw(-withtestmore);
use TJWT::Bnd qw(fcgi_origin front_origin get_json no_token own_token
                 served_by start_fcgi);

plan tests => 19;

start_fcgi();
my $front = front_origin();
my $fcgi = fcgi_origin();
my %on2 = (aud => $front, roles => ['on2-role'], traits => { scope => ['on2'] });
my %fcgi_on = (aud => $fcgi, roles => ['fcgi-role'], traits => { scope => ['fcgi'] });

# case LABEL, PATH, APP, SERVED_PATH, STATUS, undef | {claims}: one
# subtest; undef expects no token at all.
sub case {
    my ($label, $path, $app, $served, $status, $want) = @_;
    subtest $label => sub {
        my ($d, $res) = get_json($path);
        is($res->code, $status, "$label: status");
        served_by($d, $app, $served, $label);
        $want ? own_token($d, $label, %$want) : no_token($d, $label);
    };
}

# --- controls: the handlers and scopes, asked directly ----------------------
case('direct: CGI in an unset scope', '/bnd/cgi-unset/direct',
     'cgi', '/bnd/cgi-unset/direct', 200, undef);
# R4: in an unset scope a client's own assertion header passes untouched.
subtest 'direct: CGI in an unset scope, the client\'s own header' => sub {
    my ($d) = get_json('/bnd/cgi-unset/own',
                       headers => ['Teleport-Jwt-Assertion' => 'client-own']);
    is($d && $d->{env}{HTTP_TELEPORT_JWT_ASSERTION}, 'client-own',
       'the client\'s Teleport-Jwt-Assertion reaches the CGI script');
};
case('direct: CGI in an On scope', '/bnd/cgi-on2/direct',
     'cgi', '/bnd/cgi-on2/direct', 200, \%on2);
case('direct: FastCGI in an On scope', '/bnd/fcgi-on/direct',
     'fcgi', '/bnd/fcgi-on/direct', 200, \%fcgi_on);

# --- mod_dir: DirectoryIndex fast redirects -----------------------------------
case('DirectoryIndex URL from an On directory into an unset scope',
     '/bnd/dir-url/', 'cgi', '/bnd/cgi-unset/index', 200, undef);
case('DirectoryIndex file that the On scope (LocationMatch) does not cover',
     '/bnd/dir-file/', 'cgi', '/bnd/dir-file/env.cgi', 200, undef);
case('DirectoryIndex into an On SetHandler proxy:fcgi scope',
     '/bnd/dir-fcgi/', 'fcgi', '/bnd/fcgi-on/index.fcgi', 200, \%fcgi_on);
case('.htaccess DirectoryIndex into an unset scope',
     '/bnd/dir-ht/unset/', 'cgi', '/bnd/cgi-unset/index', 200, undef);
case('.htaccess DirectoryIndex into another On scope',
     '/bnd/dir-ht/on2/', 'cgi', '/bnd/cgi-on2/index', 200, \%on2);
case('.htaccess DirectoryIndex into the FastCGI On scope',
     '/bnd/dir-ht/fcgi/', 'fcgi', '/bnd/fcgi-on/index.fcgi', 200, \%fcgi_on);

# --- mod_negotiation: MultiViews variants in <Files> scopes -------------------
case('MultiViews variant in a <Files> scope that is Off',
     '/bnd/mv/off', 'cgi', '/bnd/mv/off', 200, undef);
case('MultiViews variant in a <Files> scope with other roles',
     '/bnd/mv/files', 'cgi', '/bnd/mv/files', 200,
     { aud => $front, roles => ['files-role'] });

# --- ErrorDocument after the upstream failed (503) ----------------------------
# The error document's scope reads REDIRECT_BNDROLE (admin in the failed
# scope): it must read as empty (R5).
case('ErrorDocument into a CGI in another On scope',
     '/bnd/fail-cgi/x', 'cgi', '/bnd/cgi-err/503', 503,
     { aud => $front, roles => ['err-role'], traits => { scope => ['err'] } });
case('ErrorDocument into the FastCGI application in another On scope',
     '/bnd/fail-fcgi/x', 'fcgi', '/bnd/fcgi-on/503', 503, \%fcgi_on);
case('ErrorDocument into a CGI in an unset scope',
     '/bnd/fail-unset/x', 'cgi', '/bnd/cgi-unset/503', 503, undef);

# --- mod_rewrite internal redirects -------------------------------------------
case('RewriteRule internal redirect into an unset scope',
     '/bnd/rw/to-unset', 'cgi', '/bnd/cgi-unset/rw', 200, undef);
case('RewriteRule internal redirect into another On scope',
     '/bnd/rw/to-on2', 'cgi', '/bnd/cgi-on2/rw', 200, \%on2);

# --- mod_actions --------------------------------------------------------------
case('Action + AddHandler into a CGI in an unset scope',
     '/bnd/act/page.act', 'cgi', '/bnd/cgi-unset/act', 200, undef);
case('Action + SetHandler into a CGI in another On scope',
     '/bnd/act2/page', 'cgi', '/bnd/cgi-on2/act', 200, \%on2);
