# Trust boundaries (rules R7 and R8 of docs/security.md).
#
# R7, header names from .htaccess: an .htaccess TeleportJWTHeader (or
# TeleportJWTAssertionHeader) may name only what the server configuration
# allows with TeleportJWTHtaccessHeaders, never a reserved name (Forwarded,
# Via, X-Forwarded-*, ...), never a name a RequestHeader directive of the
# server configuration sets or edits; otherwise httpd answers 500 for that
# directory and the handler never gets the .htaccess value.
#
# R8, header values: a templated header whose value is not clean UTF-8
# text (C1 controls, U+2028, invalid UTF-8) is not sent, in every claim
# mode; a clean value still is.
use strict;
use warnings FATAL => 'all';

use Apache::Test qw(-withtestmore);
use TJWT::Bnd qw(front_origin get_json jwt_places raw_get);
use TJWT::Util qw(verify_pyjwt);

# The values of a header the handler (TJWT::Echo) got, none if no answer.
sub hv { my ($d, $name) = @_; $d ? TJWT::Util::owned_values($d, $name) : () }

# [what, bytes, whether they are UTF-8 at all]
my @bad = (
    ['U+0085 (C2 85)',                  "\xC2\x85",     1],
    ['a lone byte 85',                  "\x85",         0],
    ['an overlong / (C0 AF)',           "\xC0\xAF",     0],
    ['an encoded surrogate (ED A0 80)', "\xED\xA0\x80", 0],
    ['U+2028 (E2 80 A8)',               "\xE2\x80\xA8", 1],
    ['U+009B (C2 9B)',                  "\xC2\x9B",     1],
);
my @modes = (['roles-and-traits', '/bnd/hv/x'], ['roles', '/bnd/hv/roles/x'],
             ['none', '/bnd/hv/none/x']);

plan tests => 12 + @modes * (1 + @bad);

my $front = front_origin();

# --- R7: header names from .htaccess ------------------------------------------
# Control: the directory without .htaccess works, and its RequestHeader
# sets X-Remote-User.
{
    my ($d, $res) = get_json('/bnd/hta/base/');
    my @tok = hv($d, 'Teleport-Jwt-Assertion');
    my ($v, $why) = verify_pyjwt($tok[0] // '', audience => $front);
    ok($res->code == 200 && $v
       && join(',', hv($d, 'X-Remote-User')) eq 'alice',
       'control: the .htaccess test directory gives a token, and X-Remote-User: alice')
        or diag($res->code . ' ' . ($why // ''));
}

# Refused names: 500, so that nothing reaches the handler.
for my $case (
    ['remote-user', 'X-Remote-User, which a RequestHeader of the server configuration sets'],
    ['elsewhere',   'X-Elsewhere, which a RequestHeader elsewhere in the server configuration edits'],
    ['forwarded',   'Forwarded (reserved)'],
    ['xfcc',        'X-Forwarded-Client-Cert (reserved)'],
    ['via',         'Via (reserved)'],
    ['cookie',      'Cookie, not allowed by TeleportJWTHtaccessHeaders'],
    ['notlisted',   'X-Not-Listed, not allowed by TeleportJWTHtaccessHeaders'],
    ['assert-renamed', 'TeleportJWTAssertionHeader X-Renamed, not allowed'],
) {
    my ($dir, $what) = @$case;
    my ($d, $res) = get_json("/bnd/hta/$dir/");
    is($res->code, 500, ".htaccess TeleportJWTHeader $what: 500")
        or diag('the handler got: ' . join('; ', map { "$_->[0]: $_->[1]" }
            grep { $_->[1] =~ /bob/ || lc $_->[0] eq 'x-remote-user' }
            @{ $d && $d->{headers} || [] }));
}

# Allowed: the server's TeleportJWTHtaccessHeaders names X-Allowed.
{
    my ($d, $res) = get_json('/bnd/hta/allowed/');
    my @tok = hv($d, 'Teleport-Jwt-Assertion');
    my @allowed = hv($d, 'X-Allowed');
    my ($v, $why) = verify_pyjwt($tok[0] // '', audience => $front);
    ok($res->code == 200 && @tok == 1 && $v && "@allowed" eq "Bearer $tok[0]",
       '.htaccess TeleportJWTHeader X-Allowed, which the server allows: sent with the token')
        or diag($res->code . ' ' . ($why // '') . " X-Allowed: @allowed");
}
# The assertion header may always be set back to its default name, or Off.
{
    my ($d, $res) = get_json('/bnd/hta/assert-default/');
    my @tok = hv($d, 'Teleport-Jwt-Assertion');
    ok($res->code == 200 && @tok == 1 && $tok[0] =~ /^eyJ/,
       '.htaccess TeleportJWTAssertionHeader with the default name: sent');
    ($d, $res) = get_json('/bnd/hta/assert-off/');
    ok($res->code == 200 && !%{ jwt_places({ headers => $d && $d->{headers} || [] }) },
       '.htaccess TeleportJWTAssertionHeader Off: no token header');
}

# --- R8: header values ----------------------------------------------------------
# (The upstream's httpd joins the X-T lines into one, with ", ".)
# Whether a header value is clean text: printable ASCII (the upstream's
# headers hold nothing else here; the client's X-Test-Trait is unset).
sub shown { join ', ', map { s/([^\x20-\x7E])/sprintf '\\x%02X', ord $1/ger } @_ }

sub unclean_headers {
    my ($d) = @_;
    return map { "$_->[0]: " . unpack('H*', $_->[1]) }
        grep { $_->[1] =~ /[^\x20-\x7E]/ } @{ $d && $d->{headers} || [] };
}

for my $mode (@modes) {
    my ($name, $path) = @$mode;
    # Control: a clean value is sent.
    my ($code, $d) = raw_get($path, raw_headers => ['X-Test-Trait: plain,x-y']);
    my @t = hv($d, 'X-T');
    ok($code == 200 && join(', ', @t) eq 'plain, x-y'
       && join(',', hv($d, 'X-Ok')) eq 'plain-ascii',
       "$name: clean trait values are sent, one X-T line each")
        or diag("status $code, X-T: " . shown(@t));
    for my $bad (@bad) {
        my ($what, $bytes, $valid_utf8) = @$bad;
        ($code, $d) = raw_get($path, raw_headers => ["X-Test-Trait: plain,x${bytes}y"]);
        my @unclean = unclean_headers($d);
        @t = hv($d, 'X-T');
        my @ok = hv($d, 'X-Ok');
        if ($valid_utf8) {
            # Valid UTF-8 that is not clean text: the token is made, only
            # that value's header line is left out.
            ok($code == 200 && !@unclean && "@t" eq 'plain' && "@ok" eq 'plain-ascii',
               "$name: a trait value with $what: that X-T line is not sent, the others are")
                or diag("status $code, X-T: " . shown(@t) . ", unclean: @unclean");
        }
        else {
            # Not UTF-8 at all: the request may fail (500), but what is
            # sent is clean.
            ok($code == 500 || ($code == 200 && !@unclean && join(', ', @t) =~ /^(plain)?$/),
               "$name: a trait value with $what: never sent (500, or the line left out)")
                or diag("status $code, X-T: " . shown(@t) . ", unclean: @unclean");
        }
    }
}
