# The module exports its module record and nothing else of ours
# (docs/development.md, "Layout"): the library it is linked from is
# compiled with hidden visibility. Names the toolchain adds start with an
# underscore (AddressSanitizer's __odr_asan.*, in the sanitizer build).
use strict;
use warnings FATAL => 'all';

use Apache::Test qw(-withtestmore);

my $so = $ENV{TJWT_MODULE} or die 'TJWT_MODULE unset';
plan skip_all => 'nm not found (Debian: binutils)'
    unless system('nm --version >/dev/null 2>&1') == 0;
plan tests => 2;

my @out = `nm -D --defined-only '$so' 2>&1`;
is($?, 0, "nm -D reads $so") or diag(@out);
my @ours = sort grep { !/^_/ }
    map { (split ' ')[-1] } grep { /^\S*\s+[A-Za-z]\s+\S+$/ } @out;
is_deeply(\@ours, ['teleport_jwt_module'],
          'the module exports teleport_jwt_module alone')
    or diag(join "\n", @ours);
