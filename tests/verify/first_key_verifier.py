#!/usr/bin/python3
"""A verifier that takes the first key of the JWKS, whatever the token's
kid, as Teleport's example verifier (examples/jwt/verify-jwt.go in
Teleport's repository) does: it fetches the JWKS for every token, takes
keys[0], knows RSA (RS256) and EC P-256 (ES256) keys only, and checks
signature, issuer, audience and times with a minute of leeway. Built on
PyJWT; the behaviour, not the code, is the example's.

Reads tokens from standard input, one per line, and answers each with one
line of JSON: {"ok": true, "kid": ...} (the kid of the key used) or
{"ok": false, "error": ...}.

Usage: first_key_verifier.py --jwks URL --issuer ISS --audience AUD
"""
import json
import sys
import urllib.request

import jwt

from verifier_loop import parse_args, serve

# The example's key types and the one algorithm each may sign.
ALGS = {"RSA": "RS256", "EC": "ES256"}


def verify(args, token):
    with urllib.request.urlopen(args.jwks, timeout=10) as resp:
        doc = json.load(resp)
    if not doc.get("keys"):
        raise jwt.InvalidTokenError("no keys found")
    first = doc["keys"][0]
    alg = ALGS.get(first.get("kty"))
    if not alg:
        raise jwt.InvalidTokenError("unsupported key type %s" % first.get("kty"))
    if first.get("alg") != alg or (alg == "ES256" and first.get("crv") != "P-256"):
        raise jwt.InvalidTokenError("unsupported algorithm %s" % first.get("alg"))
    jwt.decode(token, jwt.PyJWK.from_dict(first).key, algorithms=[alg],
               audience=args.audience, issuer=args.issuer, leeway=60)
    return first.get("kid")


def main():
    args = parse_args()
    serve(lambda token: {"kid": verify(args, token)})
    return 0


if __name__ == "__main__":
    sys.exit(main())
