# A client can never pass a header of its own off as the module's: every
# client copy of the assertion header is removed in On and Off scopes,
# nested either way, with and without a user, whatever its case and
# whether it is spelled with '_' (which CGI and WSGI fold into '-').
use strict;
use warnings FATAL => 'all';

use Apache::Test qw(-withtestmore);
use TJWT::Util qw(raw_echo owned_values verify_pyjwt);

my @variants = (
    [ 'Teleport-Jwt-Assertion: forged' ],
    [ 'teleport-jwt-assertion: forged' ],
    [ 'Teleport_Jwt_Assertion: forged' ],
    [ 'Teleport-Jwt-Assertion: forged', 'Teleport-Jwt-Assertion: forged2' ],
);
# path, user, whether a token is expected
my @scopes = (
    [ '/app/x',        'alice', 1 ],
    [ '/open/x',       undef,   0 ],
    [ '/app/off/x',    'alice', 0 ],
    [ '/app/off/on/x', 'alice', 1 ],
    [ '/offtop/x',     'alice', 0 ],
    [ '/offtop/on/x',  'alice', 1 ],
);

plan tests => @scopes * @variants * 3 + 3;

for my $s (@scopes) {
    my ($path, $user, $want_token) = @$s;
    for my $v (@variants) {
        my $what = "$path " . ($user ? "as $user" : 'without user')
            . " sending '$v->[0]'" . (@$v > 1 ? ' twice' : '');
        my ($echo, $code) = raw_echo($path, user => $user, raw_headers => $v);
        is($code, 200, "$what: proxied");
        my @seen = owned_values($echo, 'Teleport-Jwt-Assertion');
        ok(!grep({ /forged/ } @seen), "$what: no forged value upstream");
        if ($want_token) {
            ok(@seen == 1 && (verify_pyjwt($seen[0]))[0],
               "$what: exactly one header, the module's valid token");
        }
        else {
            is(scalar @seen, 0, "$what: no assertion header at all");
        }
    }
}

# A renamed header is owned too, and so is the default name still.
my ($echo) = raw_echo('/app/renamed/x', user => 'alice',
                      raw_headers => [ 'X-User-Token: forged',
                                       'Teleport-Jwt-Assertion: forged' ]);
my @mine = owned_values($echo, 'X-User-Token');
ok(@mine == 1 && $mine[0] ne 'forged', 'renamed header: only the module\'s');
is(scalar owned_values($echo, 'Teleport-Jwt-Assertion'), 0,
   'renamed header: the default name is stripped too');

# Where the module is not configured at all, headers pass through: Apache
# in front of Teleport-protected apps must not break their assertion.
($echo) = raw_echo('/plain/x', raw_headers => [ 'Teleport-Jwt-Assertion: upstream' ]);
is_deeply([ owned_values($echo, 'Teleport-Jwt-Assertion') ], ['upstream'],
          'unconfigured scope: passed through untouched');
