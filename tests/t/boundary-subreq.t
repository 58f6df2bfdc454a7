# Trust boundaries (rules R1-R6 of docs/security.md):
# subrequests made by mod_include from a page in an On directory
# (include virtual, exec cgi; AddOutputFilter and SetOutputFilter
# INCLUDES), into real CGI (mod_cgid) and FastCGI (mod_proxy_fcgi,
# TJWT/fcgi_env.pl) handlers. A handler in an unset or Off scope gets no
# token; one in another On scope gets its own, with that scope's claims
# and the audience of the client's request (port included). And variables
# set by content (SSI set var, also with Includes switched on by an
# .htaccess that may only set Options) or by the page's configuration do
# not reach the included scope's claims.
use strict;
use warnings FATAL => 'all';

use Apache::Test qw(-withtestmore);
use TJWT::Bnd qw(fcgi_origin front_origin get_json no_token own_token
                 served_by start_fcgi);

plan tests => 15;

start_fcgi();
my $front = front_origin();
my %on2 = (aud => $front, roles => ['on2-role'], traits => { scope => ['on2'] });
my %fcgi_on = (aud => fcgi_origin(), roles => ['fcgi-role'],
               traits => { scope => ['fcgi'] });

# case LABEL, PAGE, APP, SERVED_PATH, undef | {claims}: one subtest; the
# page's body is what the included handler answered.
sub case {
    my ($label, $path, $app, $served, $want) = @_;
    subtest $label => sub {
        my ($d, $res) = get_json($path);
        is($res->code, 200, "$label: status");
        served_by($d, $app, $served, $label);
        $want ? own_token($d, $label, %$want) : no_token($d, $label);
        # The On scope /bnd/cgi-on2 copies %{TELEPORT_JWT}e with
        # mod_headers: in a subrequest that runs before the token is
        # made (R6).
        if ($served =~ m{^/bnd/cgi-on2/}) {
            my $copy = $d && $d->{env} ? $d->{env}{HTTP_X_SUB_COPY} // '' : '';
            unlike($copy, qr/eyJ/, "$label: RequestHeader %{TELEPORT_JWT}e in the subrequest's scope has no token");
        }
    };
}

# Control: the scope that reads variables, asked directly.
case('direct: the roles-from-variables scope', '/bnd/cgi-rolevar/direct',
     'cgi', '/bnd/cgi-rolevar/direct', { aud => $front, roles => ['base-role'] });

# --- into unset and Off scopes: no token ------------------------------------
case('include virtual: CGI in an unset scope', '/bnd/ssi/inc-cgi-unset.shtml',
     'cgi', '/bnd/cgi-unset/inc', undef);
case('exec cgi: CGI in an unset scope', '/bnd/ssi/exec-cgi-unset.shtml',
     'cgi', '/bnd/cgi-unset/exec', undef);
case('include virtual: CGI in an Off scope', '/bnd/ssi/inc-cgi-off.shtml',
     'cgi', '/bnd/cgi-off/inc', undef);
case('exec cgi: CGI in an Off scope', '/bnd/ssi/exec-cgi-off.shtml',
     'cgi', '/bnd/cgi-off/exec', undef);
case('include virtual: FastCGI in an unset scope', '/bnd/ssi/inc-fcgi-unset.shtml',
     'fcgi', '/bnd/fcgi-unset/inc', undef);
case('include virtual: FastCGI in an Off scope', '/bnd/ssi/inc-fcgi-off.shtml',
     'fcgi', '/bnd/fcgi-off/inc', undef);
case('SetOutputFilter INCLUDES, include virtual: CGI in an unset scope',
     '/bnd/ssi2/unset.html', 'cgi', '/bnd/cgi-unset/ssi2', undef);

# --- into other On scopes: their own token, audience with the port ----------
case('include virtual: CGI in another On scope', '/bnd/ssi/inc-cgi-on2.shtml',
     'cgi', '/bnd/cgi-on2/inc', \%on2);
case('exec cgi: CGI in another On scope', '/bnd/ssi/exec-cgi-on2.shtml',
     'cgi', '/bnd/cgi-on2/exec', \%on2);
case('SetOutputFilter INCLUDES, include virtual: CGI in another On scope',
     '/bnd/ssi2/on2.html', 'cgi', '/bnd/cgi-on2/ssi2', \%on2);
case('include virtual: FastCGI in an On scope', '/bnd/ssi/inc-fcgi-on.shtml',
     'fcgi', '/bnd/fcgi-on/inc', \%fcgi_on);

# --- variables set by content or by the page's configuration (R5) -----------
# The page sets ROLEVAR=admin (SSI set var) and its directory
# BNDPAGEROLE=admin (SetEnv); the included scope's roles read both.
case('SSI set var: no role for the included scope',
     '/bnd/ssi/setvar.shtml', 'cgi', '/bnd/cgi-rolevar/inc',
     { aud => $front, roles => ['base-role'] });
# What the included scope's own SetEnv sets is its own.
case('SSI set var, then the included scope\'s own SetEnv',
     '/bnd/ssi/setvar-own.shtml', 'cgi', '/bnd/cgi-rolevar-own/inc',
     { aud => $front, roles => ['own-role'] });
# Includes switched on by .htaccess (AllowOverride Options only:
# Options +Includes, XBitHack on).
case('.htaccess Options +Includes and XBitHack: SSI set var, no role',
     '/bnd/xbit/page.html', 'cgi', '/bnd/cgi-rolevar/xbit',
     { aud => $front, roles => ['base-role'] });
