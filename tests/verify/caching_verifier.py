#!/usr/bin/python3
"""A verifier as an upstream runs one, built on PyJWT (not our code).

It keeps the JWKS it fetched and fetches it again only when a token names
a kid that is not in it: the behaviour that makes key rotation safe when
the next key is published before it signs. Checks what Teleport's example
verifier checks: signature, issuer, audience, nbf/exp with a minute of
leeway.

Reads tokens from standard input, one per line, and answers each with one
line of JSON: {"ok": true, "kid": ..., "alg": ..., "sub": ...} or
{"ok": false, "error": ...}. At the end of the input it prints
{"fetches": N, "kids_fetched": [[kid, ...], ...]} and exits 0.

Usage: caching_verifier.py --jwks URL --issuer ISS --audience AUD
"""
import json
import sys
import urllib.request

import jwt

from verifier_loop import parse_args, serve


class CachingVerifier:
    def __init__(self, jwks_url, issuer, audience, leeway=60):
        self.jwks_url = jwks_url
        self.issuer = issuer
        self.audience = audience
        self.leeway = leeway
        self.keys = {}
        self.fetches = []

    def refresh(self):
        with urllib.request.urlopen(self.jwks_url, timeout=10) as resp:
            doc = json.load(resp)
        self.keys = {k.key_id: k for k in jwt.PyJWKSet.from_dict(doc).keys}
        self.fetches.append(sorted(self.keys))

    def verify(self, token):
        header = jwt.get_unverified_header(token)
        kid = header.get("kid")
        if kid not in self.keys:
            # Unknown kid: the server may have rotated; one fetch, no more.
            self.refresh()
        if kid not in self.keys:
            raise jwt.InvalidTokenError("unknown kid %r" % kid)
        payload = jwt.decode(
            token,
            self.keys[kid].key,
            algorithms=["RS256", "ES256", "EdDSA"],
            audience=self.audience,
            issuer=self.issuer,
            leeway=self.leeway,
            options={"require": ["exp", "iat", "nbf", "iss", "aud", "sub"]},
        )
        return header, payload


def main():
    args = parse_args()
    v = CachingVerifier(args.jwks, args.issuer, args.audience)

    def check(token):
        header, payload = v.verify(token)
        return {"kid": header["kid"], "alg": header["alg"],
                "sub": payload["sub"]}

    serve(check)
    print(json.dumps({"fetches": len(v.fetches), "kids_fetched": v.fetches}),
          flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
