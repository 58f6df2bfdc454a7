"""What the rotation verifiers (caching_verifier.py, first_key_verifier.py,
pyjwkclient_verifier.py) share: their arguments, and the loop that reads
tokens from standard input, one per line, and answers each with one line
of JSON, {"ok": true, ...} or {"ok": false, "error": ...}."""
import argparse
import json
import sys


def parse_args():
    """--jwks URL --issuer ISS --audience AUD."""
    ap = argparse.ArgumentParser()
    ap.add_argument("--jwks", required=True)
    ap.add_argument("--issuer", required=True)
    ap.add_argument("--audience", required=True)
    return ap.parse_args()


def serve(check, extra=None):
    """Answers each token of standard input with {"ok": true} and what
    check(token) returns (a dict), or {"ok": false, "error": ...} when it
    raises; extra(), if given, adds to every answer."""
    for line in sys.stdin:
        try:
            out = dict(ok=True, **check(line.strip()))
        except Exception as e:  # every failure is a failed verification
            out = {"ok": False, "error": "%s: %s" % (type(e).__name__, e)}
        if extra:
            out.update(extra())
        print(json.dumps(out), flush=True)
