#!/bin/sh
# docs/directives.md against the directive table of mod_teleport_jwt.c: an
# entry for every AP_INIT_* directive and a directive for every entry,
# each entry with the fields of Apache's manual, and the Context and
# Override that the code gives it, so that no directive can exist without
# its documentation, or be documented where httpd would refuse it.
#
# From the code: RSRC_CONF is "server config", and "virtual host" unless
# the handler checks GLOBAL_ONLY; ACCESS_CONF is "directory"; OR_AUTHCFG
# is ".htaccess" with Override "AuthConfig", unless the handler refuses
# .htaccess itself (TJWT_SERVER_ONLY in src/config.c); Override is "None"
# where .htaccess cannot have it.
set -u
. "$(dirname "$0")/tap-lib.sh"

command -v perl >/dev/null 2>&1 || tap_skip_all "perl is not installed"
out=$(mktemp /tmp/tjwt-directives.XXXXXX)
perl - "$top_srcdir" >"$out" <<'PERL'
use strict;
use warnings;

my $top = shift;
sub slurp { local (@ARGV, $/) = @_; return <> }
my $module = slurp("$top/mod_teleport_jwt.c");
my $src = join "\n", map { slurp($_) } glob "$top/src/*.c";
my $doc = slurp("$top/docs/directives.md");

my %code;
while ($module =~ /AP_INIT_\w+\(\s*"(\w+)"\s*,\s*(\w+)\s*,\s*\w+\s*,\s*([^,]+),/g) {
    my ($name, $handler, $flags) = ($1, $2, $3);
    my ($body) = $src =~ /\n(?:const )?char \*\Q$handler\E\([^)]*\)\s*\{(.*?)\n\}/s;
    $body //= '';
    my @ctx;
    if ($flags =~ /RSRC_CONF/) {
        push @ctx, 'server config';
        push @ctx, 'virtual host' unless $body =~ /GLOBAL_ONLY/;
    }
    push @ctx, 'directory' if $flags =~ /ACCESS_CONF/;
    my $ht = $flags =~ /OR_AUTHCFG/ && $body !~ /TJWT_SERVER_ONLY/;
    push @ctx, '.htaccess' if $ht;
    $code{$name} = { context => join(', ', @ctx),
                     override => $ht ? 'AuthConfig' : 'None',
                     found => $body ne '' };
}

# An entry: "## Name", then the table "| Field | value |".
my %doc;
for my $section (split /^## /m, $doc) {
    my ($name) = $section =~ /\A(TeleportJWT\w*)\s*$/m or next;
    my %f;
    $f{$1} = $2 while $section =~ /^\| \*\*(\w+)\*\* \| (.*?) \|\s*$/mg;
    $doc{$name} = \%f;
}

my $n = 0;
sub result {
    my ($ok, $what) = @_;
    $n++;
    print(($ok ? 'ok' : 'not ok') . " $n - $what\n");
}
result(scalar(keys %code) > 0, 'mod_teleport_jwt.c has directives (' . scalar(keys %code) . ')');
for my $name (sort keys %code) {
    my $c = $code{$name};
    my $f = $doc{$name};
    result($c->{found}, "$name: its handler is in src/");
    result($f, "$name: docs/directives.md has an entry");
    next unless $f;
    for my $field (qw(Description Syntax Default Context Override Status Module Compatibility)) {
        result(defined $f->{$field} && $f->{$field} ne '', "$name: the entry has $field");
    }
    my $ctx = $f->{Context} // '';
    result($ctx eq $c->{context}, "$name: Context is \"$c->{context}\" (the entry: \"$ctx\")");
    my ($ov) = ($f->{Override} // '') =~ /^(\w+)/;
    $ov //= '';
    result($ov eq $c->{override}, "$name: Override is $c->{override} (the entry: $ov)");
    result(($f->{Module} // '') eq 'mod_teleport_jwt', "$name: Module is mod_teleport_jwt");
    result(($f->{Syntax} // '') =~ /^`\Q$name\E\b/, "$name: Syntax starts with the name");
}
for my $name (sort keys %doc) {
    result($code{$name}, "docs/directives.md's $name is a directive of mod_teleport_jwt.c");
}
PERL
tap_relay "$out"
rm -f "$out"
tap_end
