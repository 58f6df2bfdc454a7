# Generated trust-boundary worlds for t/boundary-gen.t: a generator of small
# Apache configurations ("worlds"), the files they serve, and an oracle that
# says, from a world's description alone, which handler serves a request
# and which token (if any) that handler may see (the rules of
# the rules R1-R5 of docs/security.md).
#
# A world N lives under the URL prefix /wN/ and the directory
# DOCROOT/wN/, so that hundreds of independent worlds share one httpd.
# Its root <Location /wN/> requires a valid user (Basic, alice); under it
# are 2-4 scopes sK (<Location> or <Directory>, possibly nested) of one
# kind each:
#   proxy   ProxyPass to the Echo backend (or, "dead", to a closed port)
#   cgi     env.cgi, a shell script that prints its environment
#   ssi     page.shtml: #set var, #printenv, #include virtual of another
#           scope
#   static  index.html
# with TeleportJWT On/Off/unset, TeleportJWTRoles (a literal and/or
# %{env:GENV}), SetEnv GENV, TeleportJWTClaims, RequestHeader copies of
# %{TELEPORT_JWT}e, a TeleportJWTHeader template, and links into other
# scopes: ErrorDocument (404, or 503 from the dead proxy), DirectoryIndex,
# a per-directory RewriteRule (internal redirect), and an .htaccess file
# whose lines are drawn from what its AllowOverride class permits.
package TJWT::Gen;

use strict;
use warnings;

use Exporter qw(import);
use JSON::PP ();
use MIME::Base64 qw(decode_base64);

our @EXPORT_OK = qw(generate_world world_config world_files world_requests
                    expect_request check_response describe_world
                    JWT_RE FORGED);

# What R3 calls "a string that looks like a JWT".
use constant JWT_RE => qr/eyJ[\w-]+\.eyJ[\w-]+\.[\w-]+/;

# A client's own Teleport-Jwt-Assertion (R4): JWT-shaped, signed by nobody.
use constant FORGED =>
    'eyJhbGciOiJub25lIn0.eyJzdWIiOiJmb3JnZWQiLCJyb2xlcyI6WyJhZG1pbiJdfQ.Zm9yZ2VkLWJ5LWNsaWVudA';

# The one user; every world requires it (Basic) unless a scope is open.
our $USER = 'alice';

# ---------------------------------------------------------------------------
# A small counter-based random generator of our own: world N of seed S is
# the same whatever TJWT_GEN_CONFIGS is, so one world can be replayed alone
# (and Perl's rand() differs between builds).
package TJWT::Gen::Rng;

sub _mix {
    my $x = shift() & 0xffffffff;
    $x = (($x ^ ($x >> 16)) * 0x45d9f3b) & 0xffffffff;
    $x = (($x ^ ($x >> 16)) * 0x45d9f3b) & 0xffffffff;
    return $x ^ ($x >> 16);
}

sub new {
    my ($class, @seeds) = @_;
    my $s = 0x2545f491;
    $s = _mix($s ^ _mix($_ & 0xffffffff) ^ _mix(int($_ / 4294967296))) for @seeds;
    return bless { s => $s, c => 0 }, $class;
}

sub next32 {
    my $self = shift;
    $self->{c}++;
    return _mix(_mix($self->{s} + $self->{c} * 0x9e3779b9) ^ $self->{c});
}

sub int    { $_[0]->next32 % $_[1] }
sub chance { $_[0]->next32 < $_[1] * 4294967296 }
sub pick   { my $self = shift; return @_ ? $_[ $self->int(scalar @_) ] : undef }

# weighted(name => weight, ...)
sub weighted {
    my ($self, @pairs) = @_;
    my $total = 0;
    $total += $pairs[ 2 * $_ + 1 ] for 0 .. $#pairs / 2;
    my $x = $self->int($total);
    for (my $i = 0; $i < @pairs; $i += 2) {
        return $pairs[$i] if ($x -= $pairs[ $i + 1 ]) < 0;
    }
    return $pairs[-2];
}

package TJWT::Gen;

# The file a request names to reach a scope's handler.
my %TARGET_FILE = (cgi => 'env.cgi', ssi => 'page.shtml', static => 'index.html', proxy => 'p');

sub target { $_[0]{path} . $TARGET_FILE{ $_[0]{kind} } }

sub dir_backed { $_[0]{kind} ne 'proxy' && $_[0]{kind} ne 'root' }

# TeleportJWT, roles and SetEnv of one scope (the root too).
sub _claim_config {
    my ($r, $s, $weights) = @_;
    $s->{jwt} = $r->weighted(@$weights);
    $s->{jwt} = undef if $s->{jwt} eq 'unset';
    my @roles;
    push @roles, "r-$s->{name}"   if $r->chance(0.6);
    push @roles, '%{env:GENV}'    if $r->chance(0.35);
    @roles = reverse @roles       if $r->chance(0.5);
    $s->{roles} = \@roles if @roles;
    $s->{setenv} = "env-$s->{name}" if $r->chance(0.3);
}

# The lines an .htaccess file may hold under each AllowOverride class:
# text, whether R1 says it stops the token (a module outside the
# allowlist, or a handler), and what it changes in the merged scope.
sub _htaccess_pool {
    my ($s, $targets, $htpasswd) = @_;
    my $n = $s->{name};
    my %pool = (
        Options => [
            { text => 'Options +FollowSymLinks' },
            { text => 'Options -Indexes' },
            { text => 'Options +Includes' },
        ],
        Indexes => [
            ($targets->[0] ? { text => "DirectoryIndex $targets->[0]", dirindex => $targets->[0] } : ()),
            { text => 'IndexOptions FancyIndexing' },
            { text => 'ExpiresActive On' },
        ],
        FileInfo => [
            { text => "SetEnv GENV ht-$n", taint => 1, setenv => "ht-$n" },
            { text => qq{RequestHeader set X-Ht-$n "%{TELEPORT_JWT}e"}, taint => 1, copy => "X-Ht-$n" },
            { text => "RewriteEngine On\nRewriteRule ^nothing\$ - [E=HTX:1]", taint => 1, rewrite_cfg => 1 },
            { text => "ErrorDocument 404 $targets->[1]", errordoc => $targets->[1] },
            ($s->{kind} eq 'cgi' ? { text => qq{<Files "env.cgi">\nSetHandler cgi-script\n</Files>}, taint => 1 } : ()),
            { text => 'AddType text/plain .txt', taint => 1 },
        ],
        AuthConfig => [
            { text => 'TeleportJWT On', jwt => 'On', group => 'jwt' },
            { text => 'TeleportJWT Off', jwt => 'Off', group => 'jwt' },
            { text => 'TeleportJWTClaims roles', claims => 'roles', group => 'claims' },
            { text => 'TeleportJWTClaims none', claims => 'none', group => 'claims' },
            { text => 'Require valid-user', require => 'valid-user' },
            { text => "AuthType Basic\nAuthName gen\nAuthUserFile $htpasswd", taint => 1 },
        ],
        Limit => [
            { text => "Order allow,deny\nAllow from all" },
            { text => "Order deny,allow\nAllow from 127.0.0.1" },
        ],
    );
    $pool{All} = [ map { @{ $pool{$_} } } qw(Options Indexes FileInfo AuthConfig Limit) ];
    return \%pool;
}

# One world: its scopes, from the seed and the world's number alone.
sub generate_world {
    my ($seed, $n, %opt) = @_;
    my $r = TJWT::Gen::Rng->new($seed, $n);
    my $w = { n => $n, name => "w$n", scopes => [] };
    my $root = { idx => 0, name => 'root', path => "/w$n/", container => 'Location',
                 kind => 'root' };
    _claim_config($r, $root, [ On => 30, Off => 15, unset => 55 ]);
    push @{ $w->{scopes} }, $root;

    my $count = 2 + $r->int(3);
    for my $k (1 .. $count) {
        # Nesting: under the root mostly, else under an earlier scope that
        # is not proxied (a proxied <Location> has no directory below it).
        my @parents = grep { $_->{kind} ne 'proxy' } @{ $w->{scopes} };
        my $parent = $r->chance(0.65) ? $root : $r->pick(@parents);
        my $s = { idx => $k, name => "s$k", parent => $parent->{idx},
                  path => "$parent->{path}s$k/" };
        $s->{kind} = $r->weighted(proxy => 30, cgi => 30, ssi => 25, static => 15);
        # A proxied request never walks <Directory> (nor .htaccess).
        $s->{container} = ($s->{kind} eq 'proxy' || $r->chance(0.5)) ? 'Location' : 'Directory';
        _claim_config($r, $s, [ On => 50, Off => 20, unset => 30 ]);
        # Open: no authentication here, so no user (Require in a
        # <Directory> would be replaced by the root <Location>'s).
        $s->{open} = 1 if $s->{container} eq 'Location' && $r->chance(0.1);
        $s->{copy} = "X-Copy-s$k" if $r->chance(0.25);
        $s->{template} = "X-Tpl-s$k" if $r->chance(0.15);
        $s->{claims} = $r->pick(qw(roles none traits)) if $r->chance(0.15);
        $s->{dead} = 1 if $s->{kind} eq 'proxy' && $r->chance(0.25);
        push @{ $w->{scopes} }, $s;
    }

    # Links into other scopes, once every scope exists.
    my @scopes = @{ $w->{scopes} }[ 1 .. $count ];
    for my $s (@scopes) {
        my @live = grep { $_ != $s && !$_->{dead} } @scopes;
        my @targets = map { target($_) } @live;
        if ($s->{dead}) {
            if (@targets) { $s->{errordoc}{503} = $r->pick(@targets) }
            else          { delete $s->{dead} }
        }
        if ($s->{kind} eq 'ssi') {
            $s->{setvar} = "ssi-$s->{name}" if $r->chance(0.5);
            my @inc = grep { $_->{kind} ne 'ssi' } @live;
            $s->{include} = target($r->pick(@inc)) if @inc;
        }
        next unless dir_backed($s) && @targets;
        $s->{errordoc}{404} = $r->pick(@targets) if $r->chance(0.35);
        # Not to an SSI page: after mod_dir's fast redirect, mod_include's
        # #printenv crashes httpd 2.4 (a variable without a value), with or
        # without this module.
        my @index = map { target($_) } grep { $_->{kind} ne 'ssi' } @live;
        $s->{dirindex} = $r->pick(@index) if @index && $r->chance(0.3);
        # Per-directory rules of a <Directory> are replaced by any later
        # section with rules of its own, none here.
        $s->{rewrite} = $r->pick(@targets) if $r->chance(0.25);
        if ($r->chance(0.35)) {
            my $class = $r->pick(qw(Options Indexes FileInfo AuthConfig Limit All));
            my @t = ($r->pick(@index), $r->pick(@targets));
            my @pool = @{ _htaccess_pool($s, \@t, $opt{htpasswd} // 'htpasswd')->{$class} };
            my (@lines, %group);
            for (1 .. 1 + $r->int(3)) {
                my $l = $r->pick(@pool);
                next if grep { $_ == $l } @lines;
                next if $l->{group} && $group{ $l->{group} }++;
                push @lines, $l;
            }
            $s->{htaccess} = { class => $class, lines => \@lines };
        }
    }
    return $w;
}

# ---------------------------------------------------------------------------
# Configuration and files.

# The directives of a scope's own section (not its .htaccess).
sub _scope_lines {
    my ($s, $env) = @_;
    my @l;
    push @l, "TeleportJWT $s->{jwt}" if $s->{jwt};
    push @l, qq{TeleportJWTRoles "$_"} for @{ $s->{roles} || [] };
    push @l, "TeleportJWTClaims $s->{claims}" if $s->{claims};
    push @l, "SetEnv GENV $s->{setenv}" if $s->{setenv};
    push @l, 'Require all granted' if $s->{open};
    push @l, qq{RequestHeader set $s->{copy} "%{TELEPORT_JWT}e"} if $s->{copy};
    push @l, qq{TeleportJWTHeader $s->{template} "Bearer {{internal.jwt}}"} if $s->{template};
    if ($s->{kind} eq 'proxy') {
        push @l, $s->{dead}
            ? "ProxyPass http://127.0.0.1:$env->{closed}/dead$s->{path}"
            : "ProxyPass http://127.0.0.1:$env->{backend}/echo$s->{path}";
    }
    push @l, 'Options +ExecCGI', 'AddHandler cgi-script .cgi' if $s->{kind} eq 'cgi';
    push @l, 'Options +Includes', 'AddType text/html .shtml',
             'AddOutputFilter INCLUDES .shtml' if $s->{kind} eq 'ssi';
    push @l, "ErrorDocument $_ $s->{errordoc}{$_}" for sort keys %{ $s->{errordoc} || {} };
    push @l, "DirectoryIndex $s->{dirindex}" if $s->{dirindex};
    push @l, 'RewriteEngine On', "RewriteRule go\$ $s->{rewrite} [L]" if $s->{rewrite};
    return @l;
}

# The world's configuration lines. %$env: docroot, htpasswd, backend,
# closed (ports).
sub world_config {
    my ($w, $env) = @_;
    my @c = ("# ---- world $w->{name}");
    my ($root, @scopes) = @{ $w->{scopes} };
    # <Directory> sections: those of Directory scopes, and for a Location
    # scope with files, one that only says what .htaccess may do.
    for my $s (@scopes) {
        next unless dir_backed($s);
        my $ao = $s->{htaccess} ? $s->{htaccess}{class} : 'None';
        push @c, "<Directory $env->{docroot}$s->{path}>", "    AllowOverride $ao";
        push @c, map { "    $_" } _scope_lines($s, $env) if $s->{container} eq 'Directory';
        push @c, '</Directory>';
    }
    # <Location> sections in this order: the root first, a parent before
    # its children (httpd merges them in the order of the file).
    push @c, "<Location $root->{path}>", '    AuthType Basic', '    AuthName gen',
        "    AuthUserFile $env->{htpasswd}", '    Require valid-user',
        map({ "    $_" } _scope_lines($root, $env)), '</Location>';
    for my $s (grep { $_->{container} eq 'Location' } @scopes) {
        push @c, "<Location $s->{path}>", map({ "    $_" } _scope_lines($s, $env)), '</Location>';
    }
    return @c;
}

# The world's files: { relative path => [mode, content] }.
sub world_files {
    my ($w) = @_;
    my %f;
    for my $s (grep { dir_backed($_) } @{ $w->{scopes} }) {
        my $tag = "$w->{name} $s->{name}";
        my $p = substr($s->{path}, 1);
        if ($s->{kind} eq 'cgi') {
            # sh, not Perl: a few hundred CGI runs stay cheap.
            $f{"${p}env.cgi"} = [ 0755, "#!/bin/sh\nprintf 'Content-Type: text/plain\\n\\n'\n"
                . "echo 'SERVED cgi $tag'\nenv\n" ];
        }
        elsif ($s->{kind} eq 'ssi') {
            my $page = "SERVED ssi $tag\n";
            $page .= qq{<!--#set var="GENV" value="$s->{setvar}" -->\n} if $s->{setvar};
            $page .= "BEGIN-ENV\n<!--#printenv -->\nEND-ENV\n";
            $page .= qq{BEGIN-INC\n<!--#include virtual="$s->{include}" -->\nEND-INC\n}
                if $s->{include};
            $f{"${p}page.shtml"} = [ 0644, $page ];
        }
        elsif ($s->{kind} eq 'static') {
            $f{"${p}index.html"} = [ 0644, "SERVED static $tag\n" ];
        }
        $f{"${p}.htaccess"} = [ 0644, join('', map { "$_->{text}\n" } @{ $s->{htaccess}{lines} }) ]
            if $s->{htaccess};
    }
    return \%f;
}

# ---------------------------------------------------------------------------
# The oracle.

# The deepest scope whose path is a prefix of $url.
sub scope_of {
    my ($w, $url) = @_;
    my ($best) = sort { length $b->{path} <=> length $a->{path} }
        grep { index($url, $_->{path}) == 0 } @{ $w->{scopes} };
    return $best;
}

# The sections that apply to $url, in httpd's merge order: <Directory>
# sections and .htaccess files from the outermost directory inwards (not
# for a proxied request, which walks no directories), then <Location>
# sections in the order of the configuration file.
sub sections {
    my ($w, $url, $proxied) = @_;
    (my $dir = $url) =~ s{[^/]*$}{};
    my @s;
    unless ($proxied) {
        for my $s (sort { length $a->{path} <=> length $b->{path} } @{ $w->{scopes} }) {
            next unless index($dir, $s->{path}) == 0 && dir_backed($s);
            push @s, { %$s, from => "<Directory $s->{path}>" } if $s->{container} eq 'Directory';
            next unless $s->{htaccess};
            my %h = (from => "$s->{path}.htaccess", htaccess => 1);
            for my $l (@{ $s->{htaccess}{lines} }) {
                $h{taint} ||= $l->{taint};
                $h{jwt}    = $l->{jwt}    if $l->{jwt};
                $h{claims} = $l->{claims} if $l->{claims};
                $h{setenv} = $l->{setenv} if $l->{setenv};
                $h{dirindex} = $l->{dirindex} if $l->{dirindex};
                $h{errordoc}{404} = $l->{errordoc} if $l->{errordoc};
                $h{require} = $l->{require} if $l->{require};
                $h{rewrite_cfg} = 1 if $l->{rewrite_cfg};
                push @{ $h{copies} }, $l->{copy} if $l->{copy};
            }
            push @s, \%h;
        }
    }
    for my $s (@{ $w->{scopes} }) {
        push @s, { %$s, from => "<Location $s->{path}>" }
            if $s->{container} eq 'Location' && index($url, $s->{path}) == 0;
    }
    return @s;
}

# The merged configuration of $url: each setting from the last section
# that sets it (lists such as TeleportJWTRoles are replaced, not added;
# ErrorDocument per status; RequestHeader lines add up).
sub merged {
    my ($w, $url, $proxied) = @_;
    my %m = (require => undef, copies => [], taint => [], errordoc => {});
    for my $s (sections($w, $url, $proxied)) {
        $m{jwt}      = $s->{jwt}      if $s->{jwt};
        $m{roles}    = $s->{roles}    if $s->{roles};
        $m{claims}   = $s->{claims}   if $s->{claims};
        $m{setenv}   = $s->{setenv}   if $s->{setenv};
        $m{dirindex} = $s->{dirindex} if $s->{dirindex};
        $m{errordoc}{$_} = $s->{errordoc}{$_} for keys %{ $s->{errordoc} || {} };
        # The root <Location> requires a valid user; an open one grants all.
        $m{require} = 'valid-user' if $s->{kind} && $s->{kind} eq 'root';
        $m{require} = 'granted' if $s->{open};
        $m{require} = $s->{require} if $s->{require};
        push @{ $m{copies} }, $s->{copy} if $s->{copy};
        push @{ $m{copies} }, @{ $s->{copies} } if $s->{copies};
        push @{ $m{taint} }, $s->{from} if $s->{taint};
        # mod_rewrite: the rules of the last section that has any.
        $m{rewrite} = $s->{rewrite} if $s->{rewrite} || $s->{rewrite_cfg};
        push @{ $m{from} }, $s->{from};
    }
    return \%m;
}

# The roles claim from the roles lines, GENV's value, and the claims mode.
sub _roles {
    my ($m, $genv) = @_;
    my (@roles, %seen);
    for my $line (@{ $m->{roles} || [] }) {
        my $v = $line eq '%{env:GENV}' ? ($genv // '') : $line;
        for my $part (split /,/, $v) {
            $part =~ s/^\s+|\s+$//g;
            push @roles, $part if length $part && !$seen{$part}++;
        }
    }
    return \@roles;
}

# What each handler run for $url may see. $ctx: via => direct | redirect
# (ErrorDocument, RewriteRule) | fast (mod_dir's DirectoryIndex) | sub
# (mod_include), env => GENV in the request that led here (for fast and
# sub), chain => how we got here (for messages), forged => whether the
# client sent its own Teleport-Jwt-Assertion. $env: front, backend (origins).
# Returns a list of observations: { kind, scope, url, via, chain, token =>
# undef | { aud, roles => [ [..], ... ] (any one) | 'absent' }, user,
# forged_ok, forged_required, part => main | include }.
sub expect_request {
    my ($w, $url, $ctx, $env) = @_;
    $ctx = { via => 'direct', chain => [], %{ $ctx || {} } };
    my $s = scope_of($w, $url);
    my $file = substr($url, length $s->{path});
    my $proxied = $s->{kind} eq 'proxy';
    my $m = merged($w, $url, $proxied);
    my @chain = (@{ $ctx->{chain} }, "$ctx->{via} $url");
    my $inherits = $ctx->{via} eq 'fast' || $ctx->{via} eq 'sub';
    # GENV as httpd leaves it before the handler: a subrequest starts with
    # a copy of the variables, and mod_env's SetEnv adds its entry after
    # the inherited one, which reads first (so does mod_dir's fast
    # redirect, which lays the lookup's variables over the request's).
    my $genv_here = $inherits ? ($ctx->{env} // $m->{setenv}) : $m->{setenv};
    # The user: authentication runs again where a valid user is required,
    # and where all are granted there is none. mod_dir's fast redirect
    # keeps the directory request's user, whatever the index's scope
    # requires.
    my $user = $ctx->{via} eq 'fast' ? $ctx->{user}
        : ($m->{require} // '') eq 'valid-user';
    my $next = sub {
        my ($via, $to) = @_;
        return expect_request($w, $to, { via => $via, chain => \@chain, user => $user,
                                         env => $genv_here, forged => $ctx->{forged} }, $env);
    };
    if ($proxied && $s->{dead}) {
        return $next->(redirect => $m->{errordoc}{503});
    }
    if (!$proxied) {
        return $next->(fast => $m->{dirindex}) if $file eq '';
        return $next->(redirect => $m->{rewrite}) if $file eq 'go';
        return $next->(redirect => $m->{errordoc}{404}) if $file eq 'missing.txt';
    }

    my %obs = (kind => $s->{kind}, scope => $s->{name}, url => $url, via => $ctx->{via},
               chain => \@chain, user => $user, merged => $m, part => 'main',
               forged_ok => !defined $m->{jwt},
               forged_required => $ctx->{forged} && $ctx->{via} eq 'direct'
                                  && !defined $m->{jwt});
    if (($m->{jwt} // '') eq 'On' && $user && !@{ $m->{taint} }) {
        # R5: GENV as the claims may read it. A subrequest sees only what
        # its own processing set; an internal redirect starts afresh
        # (REDIRECT_GENV is another name). Where the rules leave two
        # readings open, both are accepted (see the report): a variable
        # that the request's own SetEnv sets to the value it inherited,
        # and the DirectoryIndex request's variable after mod_dir's fast
        # redirect.
        my $own = $m->{setenv};
        my $inh = $inherits ? $ctx->{env} : undef;
        my @genv = ($own);
        # The subrequest's own SetEnv, or nothing, where it inherited a
        # value (which httpd reads first): either reading keeps the
        # including page's value out.
        push @genv, undef if defined $own && defined $inh;
        # After mod_dir's fast redirect, the directory request's value:
        # its own processing, or another request's? (see the report)
        push @genv, $inh if defined $inh && $ctx->{via} eq 'fast';
        my $mode = $m->{claims} // 'roles-and-traits';
        $obs{token} = {
            aud   => $proxied ? $env->{backend} : $env->{front},
            roles => ($mode eq 'none' || $mode eq 'traits')
                     ? 'absent' : [ map { _roles($m, $_) } @genv ],
        };
    }
    my @out = (\%obs);
    if ($s->{kind} eq 'ssi' && $s->{include}) {
        # The page's own #set var happens while it runs, before the include.
        my $page_env = $s->{setvar} // $genv_here;
        my @inc = expect_request($w, $s->{include},
            { via => 'sub', chain => \@chain, env => $page_env, user => $user,
              forged => $ctx->{forged} }, $env);
        $_->{part} = 'include' for @inc;
        push @out, @inc;
    }
    return @out;
}

# The requests a world is asked: each scope's handler, and each way into
# another scope that the merged configuration offers.
sub world_requests {
    my ($w) = @_;
    my @req;
    for my $s (@{ $w->{scopes} }[ 1 .. $#{ $w->{scopes} } ]) {
        push @req, target($s);
        next unless dir_backed($s);
        my $m404 = merged($w, "$s->{path}missing.txt", 0);
        push @req, "$s->{path}missing.txt" if $m404->{errordoc}{404};
        push @req, $s->{path} if merged($w, $s->{path}, 0)->{dirindex};
        push @req, "$s->{path}go" if merged($w, "$s->{path}go", 0)->{rewrite};
    }
    return @req;
}

# ---------------------------------------------------------------------------
# Checking a response against the observations.

sub _b64url {
    (my $s = shift) =~ tr{-_}{+/};
    $s .= '=' x ((4 - length($s) % 4) % 4);
    return decode_base64($s);
}

sub payload {
    my ($token) = @_;
    my (undef, $p) = split /\./, $token;
    return eval { JSON::PP::decode_json(_b64url($p)) };
}

# Which handler produced a piece of output: (kind, world, scope path).
sub _served {
    my ($text) = @_;
    return ($1, $2, $3) if $text =~ /^SERVED (\w+) (w\d+) (\S+)/m;
    return ('proxy', $1, $2) if $text =~ m{"uri":"/echo/(w\d+)/(?:\S*?/)?(s\d+)/p"};
    return ('none', '', '');
}

# Splits a response body into the text each observation's handler made.
sub _parts {
    my ($body, @obs) = @_;
    my %t = (main => $body);
    if ($body =~ /\A(.*?)^BEGIN-INC\n(.*)^END-INC$/ms) {
        @t{qw(main include)} = ($1, $2);
    }
    return \%t;
}

# Where in a handler's output a token was seen: the variable (NAME=...)
# or the request header (["Name","..."] in the Echo's JSON).
sub _seen_in {
    my ($text, $token) = @_;
    my %names;
    $names{$1}++ while $text =~ /^([\w-]+)=[^\n]*\Q$token\E/mg;
    $names{"header $1"}++ while $text =~ /\["([^"]+)","[^"]*\Q$token\E[^"]*"\]/g;
    $names{"jwt_env $1"}++ while $text =~ /"(\w+)":"\Q$token\E"/g;
    return join(',', sort keys %names) || 'somewhere';
}

sub _claims_text {
    my ($t, $text) = @_;
    my $p = payload($t);
    my $c = $p ? join ' ', map { "$_=" . (ref $p->{$_} ? JSON::PP->new->canonical->encode($p->{$_}) : $p->{$_} // 'null') }
        grep { exists $p->{$_} } qw(sub roles aud) : 'undecodable';
    return defined $text ? "{$c} in " . _seen_in($text, $t) : "{$c}";
}

# Checks one response. Returns (problems, tokens): problems as strings,
# prefixed "oracle:" where the routing itself differs from the oracle's
# (a bug in the generator or oracle, not a leak), tokens as [token, aud]
# for the signature check.
sub check_response {
    my ($body, $obs_list, $env) = @_;
    my (@problems, @tokens);
    my $parts = _parts($body, @$obs_list);
    for my $o (@$obs_list) {
        my $text = $parts->{ $o->{part} } // '';
        my $where = "$o->{part} handler ($o->{kind} $o->{scope}, via " . join(' -> ', @{ $o->{chain} }) . ')';
        my ($kind, undef, $scope) = _served($text);
        if ($kind ne $o->{kind} || $scope ne $o->{scope}) {
            push @problems, "oracle: $where: served by $kind $scope instead";
            next;
        }
        # REMOTE_USER tells whether httpd saw the user the oracle expects;
        # not in a subrequest, whose variables start as a copy of the
        # including page's (REMOTE_USER included).
        if (($kind eq 'cgi' || $kind eq 'ssi') && $o->{via} ne 'sub') {
            my $has_user = $text =~ /^REMOTE_USER=\Q$USER\E$/m ? 1 : 0;
            push @problems, "oracle: $where: REMOTE_USER " . ($has_user ? 'set' : 'unset')
                . ', expected ' . ($o->{user} ? 'set' : 'unset')
                if $has_user != ($o->{user} ? 1 : 0);
        }
        next if $kind eq 'static';    # a static file's handler shows nothing
        my @seen = $text =~ /(${\ JWT_RE})/g;
        my $forged = grep { $_ eq FORGED } @seen;
        @seen = grep { $_ ne FORGED } @seen;
        push @problems, "R4: $where: the client's own Teleport-Jwt-Assertion reached a scope with TeleportJWT $o->{merged}{jwt}"
            if $forged && !$o->{forged_ok};
        push @problems, "R4: $where: the client's own Teleport-Jwt-Assertion did not pass the unset scope"
            if !$forged && $o->{forged_required};
        my %distinct;
        $distinct{$_}++ for @seen;
        if (!$o->{token}) {
            push @problems, "R1/R3: $where: should see no token, saw "
                . join('; ', map { _claims_text($_, $text) } sort keys %distinct)
                if %distinct;
            next;
        }
        if (!%distinct) {
            push @problems, "R1: $where: should see a token, saw none";
            next;
        }
        if (keys %distinct > 1) {
            push @problems, "R3: $where: saw " . scalar(keys %distinct) . ' different tokens: '
                . join('; ', map { _claims_text($_, $text) } sort keys %distinct);
        }
        for my $t (sort keys %distinct) {
            my $p = payload($t);
            my @bad;
            if (!$p) { push @bad, 'payload does not decode' }
            else {
                push @bad, "sub $p->{sub}" if ($p->{sub} // '') ne $USER;
                push @bad, "username " . ($p->{username} // 'none') if ($p->{username} // '') ne $USER;
                push @bad, "iss " . ($p->{iss} // 'none') if ($p->{iss} // '') ne $env->{issuer};
                my $aud = JSON::PP->new->canonical->encode($p->{aud});
                push @bad, "aud $aud, expected [\"$o->{token}{aud}\"] (R2)"
                    if $aud ne qq{["$o->{token}{aud}"]};
                my $want = $o->{token}{roles};
                if (!ref $want) {
                    push @bad, 'roles ' . JSON::PP->new->encode($p->{roles}) . ' present, expected none (TeleportJWTClaims)'
                        if exists $p->{roles};
                }
                else {
                    my $got = JSON::PP->new->canonical->encode($p->{roles} // 'missing');
                    my %u;
                    my @want = grep { !$u{$_}++ } map { JSON::PP->new->encode($_) } @$want;
                    push @bad, "roles $got, expected " . join(' or ', @want) . ' (R1/R5)'
                        unless grep { $_ eq $got } @want;
                }
            }
            push @problems, "R1/R2/R5: $where: token in " . _seen_in($text, $t) . ' with ' . join(', ', @bad) if @bad;
            push @tokens, [ $t, $o->{token}{aud} ];
        }
    }
    return (\@problems, \@tokens);
}

# The world as a reader needs it to reproduce a failure: its configuration
# and files.
sub describe_world {
    my ($w, $env) = @_;
    my @d = world_config($w, $env);
    my $files = world_files($w);
    for my $f (sort keys %$files) {
        next if $f =~ /env\.cgi$/;
        push @d, "---- file DOCROOT/$f:", split /\n/, $files->{$f}[1];
    }
    return join "\n", @d;
}

1;
