#!/usr/bin/python3
"""A verifier built on PyJWT's own JWKS client, PyJWKClient, with its
defaults (the JWKS cached for lifespan=300 s; a token whose kid is not in
the cached set makes it fetch the set again at once). Checks signature,
issuer, audience and times with a minute of leeway.

Reads tokens from standard input, one per line, and answers each with one
line of JSON: {"ok": true, "kid": ..., "fetches": N} or {"ok": false,
"error": ..., "fetches": N}, N the JWKS fetches so far.

Usage: pyjwkclient_verifier.py --jwks URL --issuer ISS --audience AUD
"""
import sys

import jwt

from verifier_loop import parse_args, serve


class CountingClient(jwt.PyJWKClient):
    fetches = 0

    def fetch_data(self):
        self.fetches += 1
        return super().fetch_data()


def main():
    args = parse_args()
    client = CountingClient(args.jwks)

    def check(token):
        key = client.get_signing_key_from_jwt(token)
        jwt.decode(token, key.key, algorithms=["RS256", "ES256", "EdDSA"],
                   audience=args.audience, issuer=args.issuer, leeway=60)
        return {"kid": key.key_id}

    serve(check, lambda: {"fetches": client.fetches})
    return 0


if __name__ == "__main__":
    sys.exit(main())
