#!/bin/sh
# make-ca.sh DIR: a test CA (DIR/ca.pem) and a certificate for 127.0.0.1
# that it signed (DIR/srv.pem, DIR/srv.key), for the HTTPS authorization
# server of the OAuth end-to-end tests and of make demo-oauth. Node's
# fetch trusts the CA through NODE_EXTRA_CA_CERTS, httpd's JWKS fetch
# through TeleportJWTOAuthJWKS's CA file.
set -eu
d=$1
mkdir -p "$d"
q() { openssl "$@" >/dev/null 2>&1 || { echo "make-ca.sh: openssl $* failed" >&2; exit 1; }; }
q req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 \
    -subj /CN=tjwt-oauth-e2e-ca -keyout "$d/ca.key" -out "$d/ca.pem"
q req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj /CN=127.0.0.1 \
    -keyout "$d/srv.key" -out "$d/srv.csr"
printf 'subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n' >"$d/ext.cnf"
q x509 -req -in "$d/srv.csr" -CA "$d/ca.pem" -CAkey "$d/ca.key" -CAcreateserial \
    -days 2 -extfile "$d/ext.cnf" -out "$d/srv.pem"
chmod 755 "$d"
chmod 644 "$d/ca.pem" "$d/srv.pem"
