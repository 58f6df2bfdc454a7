#!/usr/bin/python3
"""Verifies many tokens at once with PyJWT, for t/boundary-gen.t.

pyjwt_verify.py verifies one token per process; the generated test sees
hundreds, so this reads "AUDIENCE<TAB>TOKEN" lines on stdin and prints one
line per token, in order: "ok", or "bad: REASON". Signature (key chosen by
kid from the JWKS at --jwks), issuer, audience, and exp/nbf with a minute
of leeway, as pyjwt_verify.py checks them.

Usage: verify_tokens.py --jwks URL --issuer ISS < lines
"""
import argparse
import json
import sys
import urllib.request

import jwt


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--jwks", required=True)
    ap.add_argument("--issuer", required=True)
    args = ap.parse_args()

    with urllib.request.urlopen(args.jwks, timeout=10) as resp:
        jwks = json.load(resp)
    keys = {k.key_id: k for k in jwt.PyJWKSet.from_dict(jwks).keys}
    for line in sys.stdin:
        line = line.rstrip("\n")
        if not line:
            continue
        audience, token = line.split("\t", 1)
        try:
            header = jwt.get_unverified_header(token)
            if header.get("kid") not in keys:
                raise jwt.InvalidTokenError("unknown kid %r" % header.get("kid"))
            jwt.decode(
                token,
                keys[header["kid"]].key,
                algorithms=["RS256", "ES256", "EdDSA"],
                audience=audience,
                issuer=args.issuer,
                leeway=60,
                options={"require": ["exp", "iat", "nbf", "iss", "aud", "sub"]},
            )
            print("ok")
        except jwt.PyJWTError as e:
            print("bad: %s: %s" % (type(e).__name__, e))
    return 0


if __name__ == "__main__":
    sys.exit(main())
