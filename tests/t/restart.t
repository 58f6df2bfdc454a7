# Without TeleportJWTSigningKey, a key is generated once under ServerRoot
# (mode 0600) and reused after a restart, so tokens and the JWKS survive it.
use strict;
use warnings FATAL => 'all';

use Apache::Test qw(-withtestmore);
use JSON::PP ();
use LWP::UserAgent ();
use TJWT::Private ();
use TJWT::Util qw(file_kid);

plan tests => 8;

my $p = TJWT::Private->new;
$p->write_conf('<Location /jwks>', 'SetHandler teleport-jwks', '</Location>');
my $ua = LWP::UserAgent->new(timeout => 10);
my $key = $p->dir . '/teleport-jwt/signing-key.pem';

ok(!-e $key, 'no key before the first start');
$p->start;
my $first = JSON::PP::decode_json($ua->get($p->url('/jwks'))->content);
ok(-e $key, 'the first start generated the key');
is((stat $key)[2] & 07777, 0600, 'mode 0600');
is($first->{keys}[0]{kid}, file_kid($key), 'the JWKS serves that key');
$p->stop;

$p->start;
my $second = JSON::PP::decode_json($ua->get($p->url('/jwks'))->content);
is($second->{keys}[0]{kid}, $first->{keys}[0]{kid}, 'same key after a restart');
is($second->{keys}[0]{n}, $first->{keys}[0]{n}, 'same modulus after a restart');
my ($rc) = $p->httpd('-k', 'graceful');
is($rc, 0, 'graceful restart accepted') or diag('graceful failed');
my $third = JSON::PP::decode_json($ua->get($p->url('/jwks'))->content);
is($third->{keys}[0]{kid}, $first->{keys}[0]{kid}, 'same key after graceful');
$p->stop;
