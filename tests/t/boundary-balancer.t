# Trust boundaries (rules R2, R3 and R6 of docs/security.md):
# behind a mod_proxy_balancer balancer (balancer://bndlb, two members on
# ports of their own, byrequests), each token's audience is the origin of
# the member that got the request, never "balancer://...". The token is
# made once the member is chosen, so mod_headers' %{TELEPORT_JWT}e has
# nothing there; the assertion header and the templates carry the token.
use strict;
use warnings FATAL => 'all';

use Apache::Test qw(-withtestmore);
use TJWT::Bnd qw(get_json jwt_places member_origin);
use TJWT::Util qw(owned_values verify_pyjwt);

my $rounds = 6;
plan tests => $rounds + 1;

my %origin = (m1 => member_origin('bnd_m1'), m2 => member_origin('bnd_m2'));
my %hits;

for my $i (1 .. $rounds) {
    subtest "balanced request $i" => sub {
        my ($d, $res) = get_json("/bnd/lb/r$i");
        is($res->code, 200, 'status');
        my ($member) = ($d && $d->{uri} // '') =~ m{^/(m[12])/r$i$};
        ok($member, 'answered by a balancer member') or diag($d && $d->{uri});
        $member //= 'm1';
        $hits{$member}++;
        my @tok = $d ? owned_values($d, 'Teleport-Jwt-Assertion') : ();
        is(scalar @tok, 1, 'one assertion header');
        my $found = jwt_places($d);
        is_deeply([ keys %$found ], [ $tok[0] // 'none' ],
                  'no other token anywhere the member can see')
            or diag(join '; ', map { "$_ in @{ $found->{$_} }" } keys %$found);
        my ($v, $why) = verify_pyjwt($tok[0] // '', audience => $origin{$member});
        ok($v, "the token verifies for the member's origin $origin{$member}")
            or diag($why);
        my $aud = $v ? $v->{payload}{aud} : undef;
        is_deeply($aud, [ $origin{$member} ], 'aud is the member\'s origin alone')
            or diag('aud: ' . JSON::PP::encode_json(
                ($tok[0] ? (TJWT::Util::token_parts($tok[0]))[1]{aud} : undef) // ''));
        is_deeply([ $d ? owned_values($d, 'X-Lb') : () ], [ 'Bearer ' . ($tok[0] // '') ],
                  'the template carries the same token');
        my @copy = $d ? owned_values($d, 'X-Lb-Copy') : ();
        ok(!grep({ /eyJ/ } @copy), 'mod_headers %{TELEPORT_JWT}e has no token (R6)')
            or diag("X-Lb-Copy: " . join(" ", map { substr($_, 0, 40) . "..." } @copy));
    };
}
ok($hits{m1} && $hits{m2}, 'both members were chosen')
    or diag(join ', ', map { "$_: " . ($hits{$_} // 0) } qw(m1 m2));
