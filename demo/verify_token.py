#!/usr/bin/env python3
"""Verifies a mod_teleport_jwt token the way an upstream would.

Fetches the JWKS that Apache serves, picks the key named by the token's
kid, and checks signature, audience, issuer and times with PyJWT. Prints
the decoded header and payload, then either "token verified against the
served JWKS" (exit 0) or why not (exit 1).

The token comes from --token, or from --echo-json: the report of
demo/echo_backend.py, so that what is verified is what the upstream
actually received.

Needs PyJWT with its crypto extra (Debian: python3-jwt, python3-cryptography;
run it with /usr/bin/python3).
"""

import argparse
import json
import sys
import urllib.error
import urllib.request
from datetime import datetime, timezone

try:
    import jwt
except ImportError:
    sys.exit("verify_token.py: PyJWT is missing; install python3-jwt and "
             "run this with /usr/bin/python3")

# The algorithms the module signs with (docs/tokens.md). Naming them explicitly
# is what stops a token from choosing its own algorithm, e.g. "none" or
# HS256 keyed with the public key.
ALGORITHMS = ["RS256", "ES256", "EdDSA"]
ASSERTION_HEADER = "Teleport-Jwt-Assertion"
TIME_CLAIMS = ("iat", "nbf", "exp")


class VerifyError(Exception):
    """A reason the token is not accepted; printed as is."""


def token_from_echo(path, header):
    """Returns the single copy of `header` the echo backend received."""
    with (sys.stdin if path == "-" else open(path, encoding="utf-8")) as f:
        try:
            report = json.load(f)
        except ValueError as e:
            raise VerifyError("the backend's answer is not JSON: %s" % e)
    # Header names are case-insensitive, and several upstream frameworks
    # fold "-" and "_" together; count every spelling a framework could
    # take for the assertion header, not just the exact one.
    want = header.lower().replace("_", "-")
    values = [v for n, v in report.get("headers", [])
              if n.lower().replace("_", "-") == want]
    if not values:
        raise VerifyError("the backend received no %s header" % header)
    if len(values) > 1:
        # The demo's request carries a forged copy; more than one arriving
        # means the module let the client's copy through.
        raise VerifyError("the backend received %d copies of %s; a "
                          "client-supplied copy got through"
                          % (len(values), header))
    return values[0]


def fetch_jwks(url, timeout):
    """Fetches and parses the JWKS document."""
    # No proxy: the JWKS is on loopback, and an http_proxy variable in the
    # environment must not send this request (or its answer) elsewhere.
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with opener.open(url, timeout=timeout) as resp:
            ctype = resp.headers.get("Content-Type", "")
            body = resp.read()
    except (urllib.error.URLError, OSError) as e:
        raise VerifyError("cannot fetch the JWKS from %s: %s" % (url, e))
    if not ctype.startswith("application/json"):
        raise VerifyError("the JWKS at %s is served as %r, not "
                          "application/json" % (url, ctype))
    try:
        doc = json.loads(body)
    except ValueError as e:
        raise VerifyError("the JWKS at %s is not JSON: %s" % (url, e))
    if not isinstance(doc, dict) or not isinstance(doc.get("keys"), list):
        raise VerifyError("the JWKS at %s has no \"keys\" array" % url)
    # A JWKS is public by definition; a private member in it would mean the
    # server leaks its signing key.
    for k in doc["keys"]:
        leaked = sorted(set(k) & {"d", "p", "q", "dp", "dq", "qi", "k"})
        if leaked:
            raise VerifyError("the JWKS publishes private key members %s "
                              "for kid %s" % (", ".join(leaked), k.get("kid")))
    return doc


def utc(ts):
    return datetime.fromtimestamp(ts, timezone.utc).strftime(
        "%Y-%m-%d %H:%M:%S UTC")


def show(title, obj):
    print(title)
    print(json.dumps(obj, indent=2, sort_keys=True, ensure_ascii=False))


def show_times(claims):
    print("times (UTC):")
    for name in TIME_CLAIMS:
        v = claims.get(name)
        if isinstance(v, int):
            print("  %-3s  %d  %s" % (name, v, utc(v)))
    iat, exp = claims.get("iat"), claims.get("exp")
    if isinstance(iat, int) and isinstance(exp, int):
        print("  lifetime: %d s" % (exp - iat))


def verify(token, args):
    try:
        header = jwt.get_unverified_header(token)
    except jwt.InvalidTokenError as e:
        raise VerifyError("not a JWS compact token: %s" % e)
    show("JWT header:", header)

    alg, kid = header.get("alg"), header.get("kid")
    if alg not in ALGORITHMS:
        raise VerifyError("alg %r is not one of %s"
                          % (alg, ", ".join(ALGORITHMS)))
    if not kid:
        raise VerifyError("the token header has no kid")

    doc = fetch_jwks(args.jwks_url, args.timeout)
    jwk = next((k for k in doc["keys"] if k.get("kid") == kid), None)
    if jwk is None:
        raise VerifyError("the JWKS at %s has no key with kid %s (it has: %s)"
                          % (args.jwks_url, kid,
                             ", ".join(str(k.get("kid")) for k in doc["keys"])
                             or "none"))
    # The key decides the algorithm: a token may not pair an RSA key with
    # some other scheme just by saying so in its header.
    if jwk.get("alg") and jwk["alg"] != alg:
        raise VerifyError("the token says alg %s but key %s is for %s"
                          % (alg, kid, jwk["alg"]))
    try:
        key = jwt.PyJWKSet.from_dict({"keys": [jwk]})[kid]
    except (jwt.PyJWKError, jwt.PyJWKSetError, jwt.InvalidKeyError,
            KeyError) as e:
        raise VerifyError("cannot use key %s from the JWKS: %s" % (kid, e))

    try:
        claims = jwt.decode(
            token,
            key.key,
            algorithms=[alg],
            audience=args.audience,
            issuer=args.issuer,
            leeway=args.leeway,
            # Teleport's claim set always has these; a token without one
            # of them is not what the module is meant to send.
            options={"require": ["aud", "exp", "iat", "iss", "nbf", "sub"]},
        )
    except jwt.InvalidTokenError as e:
        # Show what the token claims, so that a wrong audience or issuer
        # can be seen at once; it is marked as unverified.
        try:
            show("JWT payload (NOT verified):",
                 jwt.decode(token, options={"verify_signature": False}))
        except jwt.InvalidTokenError:
            pass
        raise VerifyError("%s: %s" % (type(e).__name__, e))

    show("JWT payload:", claims)
    show_times(claims)
    if args.subject is not None:
        if claims.get("sub") != args.subject:
            raise VerifyError("sub is %r, expected %r"
                              % (claims.get("sub"), args.subject))
        if claims.get("username") != args.subject:
            raise VerifyError("username is %r, expected %r"
                              % (claims.get("username"), args.subject))


def main():
    parser = argparse.ArgumentParser(
        description="Verify a mod_teleport_jwt token against the served JWKS.")
    src = parser.add_mutually_exclusive_group(required=True)
    src.add_argument("--token", help="the token itself")
    src.add_argument("--echo-json", metavar="FILE",
                     help="echo_backend.py's JSON report ('-' for stdin); "
                          "the token is taken from its %s header"
                          % ASSERTION_HEADER)
    parser.add_argument("--header", default=ASSERTION_HEADER,
                        help="header carrying the token (with --echo-json)")
    parser.add_argument("--jwks-url", required=True)
    parser.add_argument("--audience", required=True,
                        help="expected aud, e.g. the upstream's origin")
    parser.add_argument("--issuer", required=True, help="expected iss")
    parser.add_argument("--subject", help="expected sub and username")
    parser.add_argument("--leeway", type=int, default=60,
                        help="clock skew allowed, in seconds (default 60)")
    parser.add_argument("--timeout", type=float, default=5.0,
                        help="seconds to wait for the JWKS (default 5)")
    args = parser.parse_args()

    try:
        token = args.token
        if token is None:
            token = token_from_echo(args.echo_json, args.header)
            print("the backend received exactly one %s header" % args.header)
        verify(token.strip(), args)
    except (VerifyError, OSError) as e:
        print("token NOT verified: %s" % e, file=sys.stderr)
        return 1
    print("token verified against the served JWKS")
    return 0


if __name__ == "__main__":
    sys.exit(main())
