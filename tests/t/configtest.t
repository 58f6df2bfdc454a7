# Bad configuration stops `apachectl -t` with the file, the line and what
# is accepted (docs/directives.md); good configuration passes.
use strict;
use warnings FATAL => 'all';

use Apache::Test qw(-withtestmore);
use TJWT::Private ();

my $p = TJWT::Private->new;
my $d = $p->dir;

sub openssl { system("openssl @_ >/dev/null 2>&1") == 0 or die "openssl @_" }
openssl("genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out $d/good.pem");
openssl("genrsa -traditional -out $d/pkcs1.pem 2048");
openssl("genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out $d/p256.pem");
openssl("genpkey -algorithm ED25519 -out $d/ed25519.pem");
openssl("genrsa -out $d/small.pem 1024");
openssl("genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-384 -out $d/p384.pem");
openssl("genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -aes256 -pass pass:secret -out $d/encrypted.pem");
openssl("pkey -in $d/good.pem -pubout -out $d/public.pem");
open my $fh, '>', "$d/garbage.pem" or die;
print $fh "-----BEGIN PRIVATE KEY-----\nbm90IGEga2V5\n-----END PRIVATE KEY-----\n";
close $fh;

my @bad_keys = (
    [ 'small.pem',     qr/1024-bit RSA key.*at least 2048/ ],
    [ 'p384.pem',      qr/P-256/ ],
    [ 'encrypted.pem', qr/encrypted/ ],
    [ 'public.pem',    qr/public key/ ],
    [ 'garbage.pem',   qr/not a PEM key/ ],
    [ 'missing.pem',   qr/cannot read/ ],
);
my @good_keys = qw(good.pem pkcs1.pem p256.pem ed25519.pem);
my @bad_values = (
    [ 'TeleportJWT Maybe',                    qr/TeleportJWT/ ],
    [ 'TeleportJWTClaims everything',         qr/roles-and-traits, roles, traits or none/ ],
    [ 'TeleportJWTLifetime 0s',               qr/from 1s to 24h/ ],
    [ 'TeleportJWTLifetime 10 minutes',       qr/TeleportJWTLifetime/ ],
    [ 'TeleportJWTLifetime 2d',               qr/from 1s to 24h/ ],
    [ 'TeleportJWTAudience not-a-uri',        qr/absolute URI.*or auto/ ],
    [ 'TeleportJWTAssertionHeader "Bad Name"', qr/not a header name/ ],
    [ 'TeleportJWTUser "%{NO_SUCH_FUNC:x"',    qr/cannot parse the expression/ ],
    [ 'TeleportJWTMaxSize 10',                qr/from 512 to 1048576/ ],
    [ 'TeleportJWTHeader Host "{{internal.jwt}}"',            qr/reserved/ ],
    [ 'TeleportJWTHeader X_Forwarded_For "{{internal.jwt}}"', qr/reserved/ ],
    [ 'TeleportJWTHeader teleport-jwt-assertion "x{{internal.jwt}}"', qr/reserved/ ],
    [ 'TeleportJWTHeader X-Real-Ip "{{internal.jwt}}"',       qr/reserved/ ],
    [ 'TeleportJWTHeader Transfer-Encoding "{{internal.jwt}}"', qr/reserved/ ],
    [ 'TeleportJWTHeader content_length "{{internal.jwt}}"',  qr/reserved/ ],
    [ 'TeleportJWTHeader Connection "{{internal.jwt}}"',      qr/reserved/ ],
    [ 'TeleportJWTHeader "Bad Name" "{{internal.jwt}}"',      qr/not a header name/ ],
    [ 'TeleportJWTHeader Authorization "Bearer {{internal.jwt}"', qr/'\{\{' without '\}\}'/ ],
    [ 'TeleportJWTHeader Authorization "{{a}} {{b}}"',        qr/only one/ ],
    [ 'TeleportJWTHeader X-A "{{internal.jwt.x}}"',           qr/unexpected.*accepted expressions: internal\.jwt/ ],
    [ 'TeleportJWTHeader X-A "{{regexp.replace(internal.a, \"(\", \"b\")}}"', qr/not a valid regular expression/ ],
    [ 'TeleportJWTRoles "%{REMOTE_USER" ',                    qr/cannot parse the expression/ ],
    [ 'TeleportJWTRoles "%{tjwt_groups:/nonexistent/groups}" ":"', qr/cannot read group file \/nonexistent\/groups/ ],
    [ "TeleportJWTRoles \"%{tjwt_groups:$d/good.pem}\"",     qr/separated by ':'; give ":" as the separator/ ],
    [ 'TeleportJWTTrait logins',                              qr/TeleportJWTTrait/ ],
    [ 'TeleportJWTExpiry "%{env:X"',                          qr/cannot parse the expression/ ],
    [ '<Location /x>', 'TeleportJWTSigningKey good.pem', '</Location>' ],
    [ 'TeleportJWTAudience http://',                          qr/absolute URI.*or auto/ ],
    [ 'TeleportJWTAudience https:///x',                       qr/absolute URI.*or auto/ ],
    [ 'TeleportJWTAudience /mcp',                             qr/absolute URI.*or auto/ ],
    [ "TeleportJWTSigningKey $d/good.pem\nTeleportJWTSigningKey $d/p256.pem", qr/second signing key.*good\.pem/ ],
    [ 'TeleportJWTHeader X-A "{{internal.jwtt}}"',            qr/trait 'jwtt'.*defined: none.*did you mean internal\.jwt\?/ ],
    [ "TeleportJWTTrait logins x\nTeleportJWTHeader X-A \"{{internal.login}}\"", qr/defined: logins.*did you mean internal\.logins\?/ ],
    [ 'TeleportJWTRoles "%{REMOTE_USER}" ""',                 qr/separator must not be empty/ ],
    [ 'TeleportJWTTrait t "%{REMOTE_USER}" ""',               qr/separator must not be empty/ ],
    [ 'TeleportJWTHtaccessHeaders X-Forwarded-User',          qr/not accepted.*reserved/ ],
    [ 'TeleportJWTHtaccessHeaders "Bad Name"',                qr/not accepted/ ],
    [ '<Location /x>', 'TeleportJWTHtaccessHeaders X-A', '</Location>' ],
    [ 'TeleportJWTHeader Forwarded "{{internal.jwt}}"',       qr/reserved/ ],
    [ 'TeleportJWTHeader Via "{{internal.jwt}}"',             qr/reserved/ ],
    [ 'TeleportJWTHeader X-Forwarded-Client-Cert "{{internal.jwt}}"', qr/reserved/ ],
);

plan tests => 4 * @bad_keys + @good_keys + 2 * @bad_values + 1;

for my $k (@bad_keys) {
    my ($file, $why) = @$k;
    my $line = $p->write_conf("TeleportJWTSigningKey $d/$file");
    my ($rc, $out) = $p->configtest;
    isnt($rc, 0, "$file: configtest fails");
    like($out, qr/line $line of \Q$d\E\/httpd\.conf/, "$file: names file and line");
    like($out, qr/TeleportJWTSigningKey: .*\Q$d\/$file\E/s,
         "$file: names the directive and the key file") or diag($out);
    like($out, qr/$why/, "$file: says why") or diag($out);
}

for my $file (@good_keys) {
    $p->write_conf("TeleportJWTSigningKey $d/$file", "TeleportJWTPublishKey $d/public.pem");
    my ($rc, $out) = $p->configtest;
    ok($rc == 0 && $out =~ /Syntax OK/, "$file is accepted") or diag($out);
}

for my $v (@bad_values) {
    my ($directive, $why) = @$v;
    my @lines = ref $why ? ($directive) : @$v;
    $why = qr/not allowed|cannot occur|is not allowed/ unless ref $why;
    my $line = $p->write_conf(@lines);
    my ($rc, $out) = $p->configtest;
    isnt($rc, 0, "'@lines' fails configtest");
    like($out, qr/line \d+ of .*httpd\.conf.*$why/s, "'@lines': says where and what")
        or diag($out);
}

my $line = $p->write_conf('TeleportJWT On', 'TeleportJWTClaims roles',
                          'TeleportJWTLifetime 1h', 'TeleportJWTAudience auto',
                          'TeleportJWTIssuer example', 'TeleportJWTMaxSize 4096',
                          'TeleportJWTUser "%{REMOTE_USER}"',
                          'TeleportJWTAssertionHeader Off',
                          'TeleportJWTRoles "%{REMOTE_USER}" ";"',
                          'TeleportJWTTrait logins "%{env:LOGINS}"',
                          'TeleportJWTTrait logins "root" " "',
                          'TeleportJWTExpiry "%{env:OIDC_access_token_expires}"',
                          'TeleportJWTTrait email "%{env:OIDC_CLAIM_email}"',
                          'TeleportJWTTrait env "%{env:ENV}"',
                          'TeleportJWTHtaccessHeaders Authorization X-User-Token',
                          'TeleportJWTHeader Authorization "Bearer {{internal.jwt}}"',
                          'TeleportJWTHeader X-Email "{{email.local(external.email)}}"',
                          'TeleportJWTHeader X-Env "{{regexp.replace(internal[\"env\"], \"^(.*)$\", \"e-$1\")}}"');
my ($rc, $out) = $p->configtest;
ok($rc == 0, 'every directive with a good value passes') or diag($out);
