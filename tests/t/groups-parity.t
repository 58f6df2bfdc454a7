# %{tjwt_groups:FILE} and Require group agree on every group file: for
# each file of t/htgroups-parity (and a generated one over 4 MiB), each
# user and each group name, mod_authz_groupfile grants "Require group X"
# exactly when X is among the roles of the user's token (names compared
# without regard to case, as Require group compares them). The files hold
# what a parser of its own would get wrong: continuation lines, quotes and
# backslashes, tabs, comments, CRLF line ends, groups listed twice, a user
# in many groups, a group named "a,b". t/conf/groups.conf.in has the
# server's side.
use strict;
use warnings FATAL => 'all';

use Apache::Test qw(-withtestmore);
use LWP::UserAgent ();
use MIME::Base64 qw(encode_base64);
use JSON::PP ();
use TJWT::Util qw(front_url token_parts);

my @users = ('alice', 'bob', 'carol', 'al ice', 'q"uote', 'back\\slash',
             "it's");

# Per file: the group names to ask Require about (every name in the file,
# spellings a wrong parser would produce, other cases), the users to ask
# for, and the roles a few users must get (so that the corpus is seen to
# bite, not only to agree).
my %corpus = (
    continuation => {
        groups => [qw(ops devs admins staff OPS), 'a comment'],
        roles  => { alice => ['ops'], carol => ['staff'],
                    bob => [qw(ops staff)] },
    },
    quotes => {
        groups => [qw(quoted spaced escaped "qname" qname half glued)],
        roles  => { alice => [qw(quoted "qname" half)], 'al ice' => ['spaced'],
                    'q"uote' => ['escaped'], 'back\\slash' => ['escaped'],
                    "it's" => ['escaped'], bob => ['quoted'] },
    },
    tabs => {
        groups => [qw(ops devs vt in name), "in\tname", "devs\t"],
        roles  => { alice => ['ops', 'vt', "in\tname"], carol => ['devs'] },
    },
    comments => {
        groups => ['alice', 'indented', 'ops', 'nospace', '#nospace',
                   'lonely alice', 'lonely', 'multi', 'multi::colon',
                   'colon', 'a', 'a:b', 'b'],
        roles  => { alice => [qw(ops multi)], carol => ['a'], bob => [] },
    },
    crlf => {
        groups => [qw(ops devs trail last)],
        roles  => { alice => [qw(ops devs last)], carol => ['trail'] },
    },
    duplicates => {
        groups => [qw(ops Ops OPS oPs devs)],
        roles  => { alice => [qw(ops devs)], carol => ['Ops'],
                    bob => [qw(ops devs)] },
    },
    many => {
        groups => [ map { sprintf 'g%03d', $_ } 1 .. 200 ],
        users  => [qw(alice bob carol)],
        roles  => { alice => [ map { sprintf 'g%03d', $_ }
                               grep { $_ % 3 } 1 .. 200 ] },
    },
    comma => {
        groups => ['a,b', 'a', 'b', 'c', 'my group', 'my', 'group'],
        roles  => { alice => ['a,b', 'my group'], carol => ['my group'] },
    },
    big => {
        groups => [qw(early long late filler000000 filler000100 u1 m1)],
        roles  => { alice => [qw(early long late)], bob => ['late'] },
    },
);

my $pairs = 0;
for my $c (values %corpus) {
    $pairs += @{ $c->{users} // \@users } + keys %{ $c->{roles} };
}
plan tests => $pairs + 1;

my $ua = LWP::UserAgent->new(timeout => 30, keep_alive => 4);

sub auth { ('Authorization' => 'Basic ' . encode_base64("$_[0]:parity-secret", '')) }

# The roles of user's token from /parity/FILE/roles, or undef.
sub roles_of {
    my ($file, $user) = @_;
    my $res = $ua->get(front_url("/parity/$file/roles"), auth($user));
    return undef unless $res->code == 200;
    my $echo = eval { JSON::PP::decode_json($res->content) } or return undef;
    return [] unless $echo->{teleport_jwt};
    my (undef, $payload) = token_parts($echo->{teleport_jwt});
    return $payload->{roles} // [];
}

# Whether Require group grants user the group: the name goes in quoted, as
# a Require line would quote it.
sub require_grants {
    my ($file, $user, $group) = @_;
    (my $q = $group) =~ s/(["\\])/\\$1/g;
    my $res = $ua->get(front_url("/parity/$file/require"), auth($user),
                       'X-Group' => qq{"$q"});
    return $res->code == 200 ? 1 : $res->code == 401 ? 0 : "status " . $res->code;
}

my $big = Apache::Test::vars('serverroot') . '/htgroups-parity/big.groups';
ok(-s $big > 4 * 1024 * 1024, 'the generated group file is over 4 MiB');

for my $file (sort keys %corpus) {
    my $c = $corpus{$file};
    my %roles;
    for my $user (@{ $c->{users} // \@users }) {
        my $roles = roles_of($file, $user);
        $roles{$user} = $roles;
        unless ($roles) {
            fail("$file, $user: no token");
            next;
        }
        my %in = map { lc($_) => 1 } @$roles;
        my @wrong;
        # Both ways: every role is a group Require grants, and every group
        # Require grants is a role.
        for my $g (@$roles, @{ $c->{groups} }) {
            my $granted = require_grants($file, $user, $g);
            my $role = $in{ lc $g } ? 1 : 0;
            push @wrong, "'$g': Require group says $granted, roles say $role"
                unless $granted eq $role;
        }
        ok(!@wrong, "$file, $user: Require group and the token's roles agree")
            or diag(join("\n", @wrong, 'roles: ' . join('|', @$roles)));
    }
    for my $user (sort keys %{ $c->{roles} }) {
        is_deeply($roles{$user}, $c->{roles}{$user},
                  "$file, $user: the roles, in the order of the file");
    }
}
