#!/usr/bin/env node
// Verifies a token with jose (panva/jose, for Node), an implementation that
// is not ours: fetches the JWKS from a URL as an upstream would, takes the
// key named by the token's kid, and checks what Teleport's example verifier
// checks: signature, issuer, audience (and subject when given), and
// nbf/exp with a minute of leeway. Prints the verified header and payload
// as JSON; on failure prints the reason to stderr and exits 1. --now T
// verifies on a faked clock that reads T (Unix seconds; jwtVerify's
// currentDate).
//
// Usage: node jose_verify.mjs --jwks URL --issuer ISS --audience AUD
//            [--subject SUB] [--leeway 60] [--now T] TOKEN
// jose comes from tests/node_modules (npm ci in tests/).
import { webcrypto } from 'node:crypto';
import { parseArgs } from 'node:util';
import { createRemoteJWKSet, jwtVerify } from 'jose';

// Node 18 (Debian 12's nodejs) has Web Crypto only as node:crypto's
// webcrypto; jose 6 looks for globalThis.crypto, as Node 20 has it.
globalThis.crypto ??= webcrypto;

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    jwks: { type: 'string' },
    issuer: { type: 'string' },
    audience: { type: 'string' },
    subject: { type: 'string' },
    leeway: { type: 'string', default: '60' },
    now: { type: 'string' },
  },
});
if (!values.jwks || !values.issuer || !values.audience || positionals.length !== 1) {
  console.error('usage: jose_verify.mjs --jwks URL --issuer ISS --audience AUD [--subject SUB] [--leeway S] [--now T] TOKEN');
  process.exit(2);
}

try {
  const jwks = createRemoteJWKSet(new URL(values.jwks), { timeoutDuration: 10_000 });
  const { payload, protectedHeader } = await jwtVerify(positionals[0], jwks, {
    algorithms: ['RS256', 'ES256', 'EdDSA'],
    issuer: values.issuer,
    audience: values.audience,
    subject: values.subject,
    clockTolerance: Number(values.leeway),
    requiredClaims: ['exp', 'iat', 'nbf', 'iss', 'aud', 'sub'],
    currentDate: values.now === undefined ? undefined : new Date(Number(values.now) * 1000),
  });
  process.stdout.write(JSON.stringify({ header: protectedHeader, payload }) + '\n');
} catch (e) {
  console.error(`not verified: ${e.code ?? e.name}: ${e.message}`);
  process.exit(1);
}
