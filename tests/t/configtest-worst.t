# Every directive with its worst inputs (empty, huge, binary, the wrong
# context): configtest refuses each with the file and line, and never
# crashes or accepts it (docs/directives.md).
use strict;
use warnings FATAL => 'all';

use Apache::Test qw(-withtestmore);
use TJWT::Private ();

my $p = TJWT::Private->new;
my $d = $p->dir;
system("openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out $d/k.pem >/dev/null 2>&1") == 0
    or die 'openssl';

my $huge   = 'A' x 10_000;
# Every byte but NUL, LF and the quote and backslash that end or escape an
# argument: control characters, DEL, lone continuation bytes, C0 C1.
my $binary = join '', map { chr } grep { $_ != 10 && $_ != 34 && $_ != 92 && $_ != 13 } 1 .. 255;

# directive => [ arguments before the one under test, arguments after ]
my %shape = (
    'TeleportJWT'                => [ [], [] ],
    'TeleportJWTClaims'          => [ [], [] ],
    'TeleportJWTAssertionHeader' => [ [], [] ],
    'TeleportJWTIssuer'          => [ [], [] ],
    'TeleportJWTAudience'        => [ [], [] ],
    'TeleportJWTUser'            => [ [], [] ],
    'TeleportJWTRoles'           => [ [], [] ],
    'TeleportJWTTrait'           => [ ['t'], [] ],
    'TeleportJWTExpiry'          => [ [], [] ],
    'TeleportJWTHeader'          => [ ['X-A'], [] ],
    'TeleportJWTLifetime'        => [ [], [] ],
    'TeleportJWTMaxSize'         => [ [], [] ],
    'TeleportJWTSigningKey'      => [ [], [] ],
    'TeleportJWTPublishKey'      => [ [], [] ],
    'TeleportJWTHtaccessHeaders' => [ [], [] ],
    'TeleportJWTCache'           => [ [], [] ],
);
# The name arguments, worst inputs in the first place.
my %name_first = ('TeleportJWTTrait' => 1, 'TeleportJWTHeader' => 1);
my @server_only = qw(TeleportJWTSigningKey TeleportJWTPublishKey
                     TeleportJWTHtaccessHeaders TeleportJWTCache);
my %good = (
    'TeleportJWTSigningKey' => "$d/k.pem", 'TeleportJWTPublishKey' => "$d/k.pem",
    'TeleportJWTHtaccessHeaders' => 'X-A', 'TeleportJWTCache' => 'none',
);

my @cases;
for my $dir (sort keys %shape) {
    my ($before, $after) = @{ $shape{$dir} };
    for my $bad ([ empty => '""' ], [ huge => "\"$huge\"" ], [ binary => "\"$binary\"" ]) {
        my ($what, $arg) = @$bad;
        push @cases, [ "$dir, $what", "$dir @$before $arg @$after" ];
        push @cases, [ "$dir, $what name", "$dir $arg \"x\"" ] if $name_first{$dir};
    }
}
for my $dir (@server_only) {
    push @cases, [ "$dir in <Location>", '<Location /x>', "$dir $good{$dir}", '</Location>' ];
}

plan tests => 2 * @cases;

for my $c (@cases) {
    my ($label, @lines) = @$c;
    $p->write_conf(@lines);
    my ($rc, $out) = $p->configtest;
    isnt($rc, 0, "$label: refused") or diag(substr($out, 0, 300));
    like($out, qr/line \d+ of \Q$d\E\/httpd\.conf/, "$label: names file and line")
        or diag(substr($out, 0, 300));
}
