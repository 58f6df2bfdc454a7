#!/usr/bin/python3
"""Verifies a token with PyJWT, an implementation that is not ours.

Fetches the JWKS from a URL (as an upstream would), picks the key by the
token's kid, and checks what Teleport's example verifier checks: signature,
issuer, audience, and nbf/exp with a minute of leeway. Prints the verified
header and payload as JSON; on failure prints the reason to stderr and
exits 1. --now T verifies on a faked clock that reads T (Unix seconds),
as an upstream whose clock differs from Apache's would.

Usage: pyjwt_verify.py --jwks URL --issuer ISS --audience AUD
           [--leeway S] [--now T] TOKEN
"""
import argparse
import datetime
import json
import sys
import urllib.request

import jwt
import jwt.api_jwt


def fake_clock(now):
    """Makes PyJWT's clock read `now`: jwt.decode takes the time from
    datetime.now (PyJWT 2.x) and has no option for it."""

    class FakeDatetime(datetime.datetime):
        @classmethod
        def now(cls, tz=None):
            return datetime.datetime.fromtimestamp(now, tz)

    jwt.api_jwt.datetime = FakeDatetime


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--jwks", required=True)
    ap.add_argument("--issuer", required=True)
    ap.add_argument("--audience", required=True)
    ap.add_argument("--leeway", type=int, default=60)
    ap.add_argument("--now", type=int)
    ap.add_argument("token")
    args = ap.parse_args()
    if args.now is not None:
        fake_clock(args.now)

    with urllib.request.urlopen(args.jwks, timeout=10) as resp:
        jwks = json.load(resp)
    try:
        header = jwt.get_unverified_header(args.token)
        keys = {k.key_id: k for k in jwt.PyJWKSet.from_dict(jwks).keys}
        if header.get("kid") not in keys:
            raise jwt.InvalidTokenError("unknown kid %r" % header.get("kid"))
        payload = jwt.decode(
            args.token,
            keys[header["kid"]].key,
            algorithms=["RS256", "ES256", "EdDSA"],
            audience=args.audience,
            issuer=args.issuer,
            leeway=args.leeway,
            options={"require": ["exp", "iat", "nbf", "iss", "aud", "sub"]},
        )
    except jwt.PyJWTError as e:
        print("not verified: %s: %s" % (type(e).__name__, e), file=sys.stderr)
        return 1
    json.dump({"header": header, "payload": payload}, sys.stdout)
    print()
    return 0


if __name__ == "__main__":
    sys.exit(main())
