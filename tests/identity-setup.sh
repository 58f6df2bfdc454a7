#!/bin/sh
# Real identity sources for the Apache::Test suite (t/identity_*.t):
#
#   identity-setup.sh DIR COMMAND [ARG...]
#
# makes DIR afresh and, in it,
#   tls/   a test CA, a server certificate for 127.0.0.1 and localhost,
#          client certificates for alice (OU=admins, OU=ops) and bob
#          (OU=devs), and a client certificate from another CA that the
#          server must refuse (all made with the openssl command);
#   ldap/  a private slapd (mdb backend, memberof overlay) on a free
#          loopback port, with alice and bob under ou=people and the groups
#          admins and devs under ou=groups;
# then runs COMMAND with TJWT_ID_DIR and TJWT_LDAP_PORT exported (httpd reads
# them in t/conf/identity.conf.in), and stops slapd when COMMAND is done,
# whatever happens (trap). Exits with COMMAND's status.
#
# A set-up step that fails is reported in DIR/FAILED and here, and COMMAND
# still runs: the other tests are not held hostage, and t/identity_*.t
# fail with the reason. Debian's own slapd, if any, is neither used nor
# touched: ours has its own configuration, database, port and pid.
set -u

if [ $# -lt 2 ]; then
    echo "usage: $0 DIR COMMAND [ARG...]" >&2
    exit 2
fi
dir=$1
shift

PATH=$PATH:/usr/sbin:/sbin # slapd, slapadd, slappasswd
say() { echo "identity-setup: $*"; }
fail() {
    say "$*"
    echo "$*" >>"$dir/FAILED"
}

# Another run of this script on DIR (make check twice at once in one
# tree) keeps its set-up: this run goes on without one, and
# t/identity_*.t are skipped here.
if [ -f "$dir/owner.pid" ]; then
    owner=$(cat "$dir/owner.pid" 2>/dev/null)
    if [ -n "$owner" ] && [ "$owner" != $$ ] &&
       grep -q identity-setup "/proc/$owner/cmdline" 2>/dev/null; then
        say "$dir is in use by run $owner: no identity set-up for this one"
        unset TJWT_ID_DIR TJWT_LDAP_PORT
        exec "$@"
    fi
fi
# A slapd of ours that outlived an interrupted run (its owner was killed)
# is stopped first: only the process of our pid file, and only if it is
# our slapd (started with -n tjwt-slapd), never the system's.
if [ -f "$dir/ldap/slapd.pid" ]; then
    old=$(cat "$dir/ldap/slapd.pid" 2>/dev/null)
    if [ -n "$old" ] && grep -q tjwt-slapd "/proc/$old/cmdline" 2>/dev/null; then
        kill "$old" 2>/dev/null
        sleep 1
    fi
fi
rm -rf "$dir"
mkdir -p "$dir/tls" "$dir/ldap/db" || exit 1
dir=$(cd "$dir" && pwd)
echo $$ >"$dir/owner.pid"
# httpd's children (nobody, as root) read nothing here: mod_ssl reads its
# files at start-up, as root. The keys stay 0600.

# --- TLS ------------------------------------------------------------------
tls=$dir/tls
cat >"$tls/openssl.cnf" <<'EOF'
[req]
distinguished_name = dn
prompt = no
[dn]
CN = unused
[ca_ext]
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
[server_ext]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature, keyEncipherment
extendedKeyUsage = serverAuth
subjectAltName = IP:127.0.0.1, DNS:localhost
authorityKeyIdentifier = keyid
[client_ext]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = clientAuth
authorityKeyIdentifier = keyid
[alice_ext]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = clientAuth
authorityKeyIdentifier = keyid
subjectAltName = email:alice@example.com
EOF

ossl() { # quiet openssl; the output is shown only when it fails
    out=$(openssl "$@" 2>&1) || { printf '%s\n' "$out"; return 1; }
}
# P-256 keys: quick to generate, and mod_ssl and curl take them.
newkey() { ossl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1"; }
ca() { # ca NAME SUBJECT
    newkey "$tls/$1.key" &&
    ossl req -new -x509 -config "$tls/openssl.cnf" -extensions ca_ext \
        -key "$tls/$1.key" -subj "$2" -days 2 -out "$tls/$1.crt"
}
cert() { # cert NAME SUBJECT CA EXTENSIONS
    newkey "$tls/$1.key" &&
    ossl req -new -config "$tls/openssl.cnf" -key "$tls/$1.key" -subj "$2" \
        -out "$tls/$1.csr" &&
    ossl x509 -req -in "$tls/$1.csr" -CA "$tls/$3.crt" -CAkey "$tls/$3.key" \
        -set_serial "0x$(openssl rand -hex 8)" -days 2 \
        -extfile "$tls/openssl.cnf" -extensions "$4" -out "$tls/$1.crt" &&
    rm -f "$tls/$1.csr"
}
if ca ca "/O=tjwt tests/CN=tjwt test CA" &&
   ca other-ca "/O=someone else/CN=another CA" &&
   cert server "/O=tjwt tests/CN=localhost" ca server_ext &&
   cert alice "/O=Example/OU=admins/OU=ops/CN=alice" ca alice_ext &&
   cert bob "/O=Example/OU=devs/CN=bob" ca client_ext &&
   cert mallory "/O=Example/OU=admins/CN=alice" other-ca client_ext; then
    say "TLS: CA and certificates in $tls"
else
    fail "TLS: could not generate the test certificates (openssl)"
fi

# --- LDAP -----------------------------------------------------------------
ldap=$dir/ldap
base="dc=example,dc=com"
# Passwords: also in t/lib/TJWT/Identity.pm. Deliberately not those of
# t/htpasswd, so that a success can only come from the directory.
alice_pw=alice-ldap-secret
bob_pw=bob-ldap-secret
slapd_pid=""
TJWT_LDAP_PORT=$(perl -MIO::Socket::INET -e '
    my $s = IO::Socket::INET->new(LocalAddr => "127.0.0.1", LocalPort => 0,
                                  Listen => 1, ReuseAddr => 1) or die $!;
    print $s->sockport')
export TJWT_LDAP_PORT
export TJWT_ID_DIR="$dir"

# Running, and not a zombie that only waits for `wait` below.
alive() {
    kill -0 "$1" 2>/dev/null && ! grep -q '^[0-9]* (.*) Z' "/proc/$1/stat" 2>/dev/null
}
stop_slapd() {
    [ -n "$slapd_pid" ] || return 0
    kill "$slapd_pid" 2>/dev/null
    i=0
    while alive "$slapd_pid" && [ $i -lt 50 ]; do
        sleep 0.1
        i=$((i + 1))
    done
    kill -9 "$slapd_pid" 2>/dev/null
    wait "$slapd_pid" 2>/dev/null
    say "slapd stopped"
    slapd_pid=""
}
trap stop_slapd EXIT
trap 'exit 129' HUP
trap 'exit 130' INT
trap 'exit 143' TERM

start_ldap() {
    for t in slapd slapadd slappasswd ldapadd ldapsearch; do
        command -v "$t" >/dev/null 2>&1 ||
            { fail "LDAP: $t not found (Debian: slapd, ldap-utils; run ./bootstrap)"; return 1; }
    done
    modpath=/usr/lib/ldap
    [ -f "$modpath/back_mdb.so" ] ||
        modpath=$(dirname "$(find /usr/lib -name back_mdb.so 2>/dev/null | head -n 1)")
    # Anonymous binds may search (mod_authnz_ldap finds the user that way)
    # but never read a password; users bind to prove theirs.
    cat >"$ldap/slapd.conf" <<EOF
include /etc/ldap/schema/core.schema
include /etc/ldap/schema/cosine.schema
include /etc/ldap/schema/inetorgperson.schema
modulepath $modpath
moduleload back_mdb
moduleload memberof
pidfile $ldap/slapd.pid
argsfile $ldap/slapd.args

database mdb
maxsize 10485760
suffix "$base"
rootdn "cn=admin,$base"
rootpw admin-secret
directory $ldap/db

overlay memberof
memberof-group-oc groupOfNames
memberof-member-ad member
memberof-memberof-ad memberOf
memberof-refint true

access to attrs=userPassword by anonymous auth by * none
access to * by * read
EOF
    if ! alice_hash=$(slappasswd -s "$alice_pw") ||
       ! bob_hash=$(slappasswd -s "$bob_pw"); then
        fail "LDAP: slappasswd failed"
        return 1
    fi
    # People go in with slapadd, offline. slapadd does not run overlays, so
    # the groups are added through the running server, where the memberof
    # overlay gives each member its memberOf values.
    cat >"$ldap/people.ldif" <<EOF
dn: $base
objectClass: dcObject
objectClass: organization
dc: example
o: Example

dn: ou=people,$base
objectClass: organizationalUnit
ou: people

dn: ou=groups,$base
objectClass: organizationalUnit
ou: groups

dn: uid=alice,ou=people,$base
objectClass: inetOrgPerson
uid: alice
cn: Alice Liddell
sn: Liddell
mail: alice@example.com
mail: alice.liddell@example.com
userPassword: $alice_hash

dn: uid=bob,ou=people,$base
objectClass: inetOrgPerson
uid: bob
cn: Bob Builder
sn: Builder
mail: bob@example.com
userPassword: $bob_hash
EOF
    cat >"$ldap/groups.ldif" <<EOF
dn: cn=admins,ou=groups,$base
objectClass: groupOfNames
cn: admins
member: uid=alice,ou=people,$base

dn: cn=devs,ou=groups,$base
objectClass: groupOfNames
cn: devs
member: uid=alice,ou=people,$base
member: uid=bob,ou=people,$base
EOF
    slapadd -f "$ldap/slapd.conf" -l "$ldap/people.ldif" >"$ldap/slapadd.log" 2>&1 ||
        { cat "$ldap/slapadd.log"; fail "LDAP: slapadd failed"; return 1; }
    url="ldap://127.0.0.1:$TJWT_LDAP_PORT/"
    # -d keeps slapd in the foreground, our child, logging to a file.
    slapd -d stats -n tjwt-slapd -f "$ldap/slapd.conf" -h "$url" \
        >"$ldap/slapd.log" 2>&1 &
    slapd_pid=$!
    i=0
    until ldapsearch -x -H "$url" -b "$base" -s base -LLL dn >/dev/null 2>&1; do
        i=$((i + 1))
        if [ $i -gt 100 ] || ! alive "$slapd_pid"; then
            tail -n 20 "$ldap/slapd.log"
            fail "LDAP: slapd did not answer on $url"
            return 1
        fi
        sleep 0.1
    done
    ldapadd -x -H "$url" -D "cn=admin,$base" -w admin-secret \
        -f "$ldap/groups.ldif" >"$ldap/ldapadd.log" 2>&1 ||
        { cat "$ldap/ldapadd.log"; fail "LDAP: adding the groups failed"; return 1; }
    say "LDAP: slapd (pid $slapd_pid) on $url, data in $ldap"
}
start_ldap || stop_slapd

"$@"
rc=$?
exit $rc
