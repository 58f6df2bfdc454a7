# A private httpd for the token-cache tests: TJWT::Private with a choice of
# MPM and process count, the socache and status modules, a static page that
# answers with the request's token in X-Token, an access log of the serving
# process ids, and helpers to read server-status.
package TJWT::CacheHttpd;

use strict;
use warnings;

use parent 'TJWT::Private';

use LWP::UserAgent ();

# %opt: mpm => 'event' (default) or 'prefork', processes => N (default 1),
# threads => per process (event; default 10), key => PEM path,
# lines => [ more configuration ].
sub write_cache_conf {
    my ($self, %opt) = @_;
    my $mods = $ENV{TJWT_APACHE_MODULES} or die 'TJWT_APACHE_MODULES unset';
    my $mod  = $ENV{TJWT_MODULE} or die 'TJWT_MODULE unset';
    my $dir  = $self->dir;
    my $mpm  = $opt{mpm} // 'event';
    my $n    = $opt{processes} // 1;
    my $th   = $opt{threads} // 10;

    mkdir "$dir/htdocs";
    for my $sub ('', qw(aud iss mode roles life)) {
        mkdir "$dir/htdocs/$sub";
        open my $fh, '>', "$dir/htdocs/$sub/index.html" or die $!;
        print $fh "ok\n";
        close $fh;
    }
    my @mpm = $mpm eq 'prefork'
        ? ("StartServers $n", "MinSpareServers $n", "MaxSpareServers $n",
           "ServerLimit $n", "MaxRequestWorkers $n")
        : ("StartServers $n", "ServerLimit $n", "ThreadsPerChild $th",
           "ThreadLimit $th", 'MinSpareThreads 1',
           'MaxSpareThreads ' . ($th * $n), 'MaxRequestWorkers ' . ($th * $n));
    my @lines = (
        "ServerRoot $dir",
        'ServerName cache.test',
        'Listen 127.0.0.1:' . $self->port,
        "PidFile $dir/httpd.pid",
        "ErrorLog $dir/error.log",
        'LogLevel info teleport_jwt:debug',
        "LoadModule mpm_${mpm}_module $mods/mod_mpm_$mpm.so",
        @mpm,
        'KeepAliveTimeout 5',
        "LoadModule authz_core_module $mods/mod_authz_core.so",
        "LoadModule headers_module $mods/mod_headers.so",
        "LoadModule status_module $mods/mod_status.so",
        (map { "LoadModule socache_${_}_module $mods/mod_socache_$_.so" }
             grep { -e "$mods/mod_socache_$_.so" } qw(shmcb redis memcache)),
        "LoadModule teleport_jwt_module $mod",
        ($> == 0 ? ('User nobody', 'Group nogroup') : ()),
        "DocumentRoot $dir/htdocs",
        'LogFormat "%P %{X-User}i %s" pids',
        "CustomLog $dir/access.log pids",
        "TeleportJWTSigningKey $opt{key}",
        '<Location />',
        '    TeleportJWT On',
        '    TeleportJWTUser "%{HTTP:X-User}"',
        '    TeleportJWTIssuer issuer.example',
        '    TeleportJWTAudience https://app.example',
        '    Header always set X-Token "%{TELEPORT_JWT}e"',
        '</Location>',
        '<Location /jwks>',
        '    SetHandler teleport-jwks',
        '    TeleportJWT Off',
        '</Location>',
        '<Location /server-status>',
        '    SetHandler server-status',
        '    TeleportJWT Off',
        '</Location>',
        @{ $opt{lines} || [] },
    );
    open my $fh, '>', "$dir/httpd.conf" or die $!;
    print $fh "$_\n" for @lines;
    close $fh;
}

sub ua {
    my ($self) = @_;
    return $self->{ua} //= LWP::UserAgent->new(timeout => 10, keep_alive => 0);
}

# The token served to $user at $path, or undef; %opt: headers => [...],
# ua => a user agent of the caller's.
sub token {
    my ($self, $user, $path, %opt) = @_;
    my $ua  = $opt{ua} // $self->ua;
    # No mod_dir: a directory's page is asked for by name.
    ($path //= '/') =~ s{/$}{/index.html};
    my $res = $ua->get($self->url($path), 'X-User' => $user,
                       @{ $opt{headers} || [] });
    return undef unless $res->code == 200;
    my $t = $res->header('X-Token');
    return defined $t && length $t ? $t : undef;
}

# The counters from server-status?auto, as a hash without the prefix.
sub counters {
    my ($self) = @_;
    my $body = $self->ua->get($self->url('/server-status?auto'))->content;
    my %c;
    $c{$1} = $2 while $body =~ /^TeleportJWT(\w+): (.*)$/mg;
    return \%c;
}

# Two servers of a fleet: one ES256 key, two event processes each, both
# using the cache server $cache (a TJWT::CacheServer) as TeleportJWTCache
# $kind; started. Returns them.
sub fleet_of_two {
    my ($class, $kind, $cache) = @_;
    my @servers = map { $class->new } 1 .. 2;
    my $key = $servers[0]->dir . '/es256.pem';
    system("openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 "
           . "-out $key >/dev/null 2>&1") == 0 or die "openssl: $?";
    chmod 0644, $key;
    for my $s (@servers) {
        $s->write_cache_conf(key => $key, processes => 2,
                             lines => [ "TeleportJWTCache $kind:" . $cache->addr ]);
        $s->start;
    }
    return @servers;
}

# Waits (10 s at most) until n workers are idle on server-status: a
# prefork child still starting would let the first child, busy with a
# kept-alive connection, take the next one once it times out.
sub wait_idle {
    my ($self, $n) = @_;
    for (1 .. 200) {
        my $body = $self->ua->get($self->url('/server-status?auto'))->content;
        return 1 if $body =~ /^IdleWorkers: (\d+)$/m && $1 >= $n;
        select(undef, undef, undef, 0.05);
    }
    return 0;
}

# The process ids that served requests (of $user only, if given), from
# the access log.
sub pids {
    my ($self, $user) = @_;
    open my $fh, '<', $self->dir . '/access.log' or return {};
    my %pids;
    while (<$fh>) { $pids{$1}++ if /^(\d+) (\S+)/ && (!defined $user || $2 eq $user) }
    return \%pids;
}

sub error_log {
    my ($self) = @_;
    open my $fh, '<', $self->dir . '/error.log' or return '';
    local $/;
    return scalar <$fh>;
}

1;
