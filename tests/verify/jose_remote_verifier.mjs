#!/usr/bin/env node
// A verifier built on jose's createRemoteJWKSet, kept for the life of the
// process as an upstream keeps it: the JWKS is cached for cacheMaxAge
// (10 minutes by default) and fetched again for a token whose kid is not
// in it, but not within cooldownDuration (30 s by default) of the last
// fetch: such a token is refused. Checks signature, issuer, audience and
// times with a minute of leeway.
//
// Reads tokens from standard input, one per line, and answers each with
// one line of JSON: {"ok": true, "kid": ..., "fetches": N} or {"ok":
// false, "error": ..., "fetches": N}, N the JWKS fetches so far.
//
// Usage: node jose_remote_verifier.mjs --jwks URL --issuer ISS
//            --audience AUD [--cooldown MS] [--max-age MS]
import { webcrypto } from 'node:crypto';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { createRemoteJWKSet, customFetch, jwtVerify } from 'jose';

// Node 18 has Web Crypto only as node:crypto's webcrypto.
globalThis.crypto ??= webcrypto;

const { values } = parseArgs({
  options: {
    jwks: { type: 'string' },
    issuer: { type: 'string' },
    audience: { type: 'string' },
    cooldown: { type: 'string' },
    'max-age': { type: 'string' },
  },
});
let fetches = 0;
const jwks = createRemoteJWKSet(new URL(values.jwks), {
  cooldownDuration: values.cooldown === undefined ? undefined : Number(values.cooldown),
  cacheMaxAge: values['max-age'] === undefined ? undefined : Number(values['max-age']),
  // Counts the fetches; jose's own way to replace fetch.
  [customFetch]: (...args) => { fetches++; return fetch(...args); },
});

for await (const line of createInterface({ input: process.stdin })) {
  let out;
  try {
    const { protectedHeader } = await jwtVerify(line.trim(), jwks, {
      algorithms: ['RS256', 'ES256', 'EdDSA'],
      issuer: values.issuer,
      audience: values.audience,
      clockTolerance: 60,
    });
    out = { ok: true, kid: protectedHeader.kid };
  } catch (e) {
    out = { ok: false, error: `${e.code ?? e.name}: ${e.message}` };
  }
  process.stdout.write(JSON.stringify({ ...out, fetches }) + '\n');
}
