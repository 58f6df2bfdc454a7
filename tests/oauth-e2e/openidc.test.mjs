// The end-to-end OAuth suite with Debian's mod_auth_openidc 2.4.12 checking
// the access tokens (AuthType oauth20; Require claim for aud, iss and
// scope, Require expr for exp) and the module adding resource_metadata, serving
// the metadata and making the MCP server's token: suite.mjs. What differs
// from the module's own checks is in the challenges, and is one of the
// pitfalls of docs/mcp-authorization.md (mod_auth_openidc).
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { registerMachineClient } from './client.mjs';
import { clientCredentialsToken, handMadeToken, rawInitialize, reached } from './raw.mjs';
import { defineSuite } from './suite.mjs';

// The refusals that come from a failed Require: mod_auth_openidc sends no
// challenge, the module's is the only one (no error code).
const BY_REQUIRE = new Set(['aud', 'aud array', 'iss', 'no exp']);

const openidcStack = defineSuite('openidc', {
  // mod_auth_openidc names an error even when there was no token (RFC
  // 6750 §3.1 says not to); the module adds resource_metadata to it.
  noToken: (r) => assert.match(r.wwwAuthenticate, /^Bearer error="invalid_request", error_description="No bearer token found in the request", resource_metadata=/),
  // mod_auth_openidc checks no scope: Require claim on scope does, a
  // failed Require again with the module's challenge alone (401, not 403).
  noScope: (r) => {
    assert.equal(r.status, 401);
    assert.match(r.wwwAuthenticate, /^Bearer resource_metadata="[^"]+", scope="mcp:tools"$/);
  },
  refusal: (name, r) => {
    assert.equal(r.status, 401, name);
    if (BY_REQUIRE.has(name)) {
      assert.match(r.wwwAuthenticate, /^Bearer resource_metadata="[^"]+", scope="mcp:tools"$/, `${name}: ${r.wwwAuthenticate}`);
    } else {
      assert.match(r.wwwAuthenticate, /^Bearer error="invalid_token", error_description="JWT token could not be validated", resource_metadata=/,
        `${name}: ${r.wwwAuthenticate}`);
    }
  },
});

// The scope's Require claim is a pattern: a token with more scopes than
// mcp:tools passes it.
test('openidc: a token with mcp:tools among other scopes is accepted', { timeout: 60_000 }, async () => {
  const stack = openidcStack();
  const token = await handMadeToken(stack.asKey.privateKey, stack.asKey.jwk.kid,
    { iss: stack.issuer, aud: stack.resource, scope: 'profile mcp:tools offline_access' });
  const before0 = reached(stack);
  const r = await rawInitialize(stack.mcpUrl, { Authorization: `Bearer ${token}` });
  assert.equal(r.status, 200, r.body);
  assert.equal(reached(stack), before0 + 1);
});

// Why the Require lines: without them, 2.4.12 takes a token of its
// authorization server for another resource (or for several), from
// another issuer, without exp or without the scope (for aud and iss:
// GHSA-wcvh-g65p-v576, fixed in 2.4.20 only).
test('openidc: without Require claim, 2.4.12 accepts what it should refuse (/unsafe/mcp)', { timeout: 60_000 }, async () => {
  const stack = openidcStack();
  const unsafe = stack.mcpUrl.replace('/mcp', '/unsafe/mcp');
  const machine = await registerMachineClient(stack.issuer);
  const tokens = {
    'another resource': await clientCredentialsToken(machine, stack.otherResource),
    'this and another resource': await handMadeToken(stack.asKey.privateKey, stack.asKey.jwk.kid,
      { iss: stack.issuer, aud: [stack.resource, stack.otherResource] }),
    'another issuer': await handMadeToken(stack.asKey.privateKey, stack.asKey.jwk.kid,
      { iss: 'https://issuer.example.test', aud: stack.resource }),
    'no exp': await handMadeToken(stack.asKey.privateKey, stack.asKey.jwk.kid,
      { iss: stack.issuer, aud: stack.resource, exp: null }),
    'no scope': await clientCredentialsToken(machine, stack.resource, ''),
  };
  for (const [what, token] of Object.entries(tokens)) {
    const before0 = reached(stack);
    const r = await rawInitialize(unsafe, { Authorization: `Bearer ${token}` });
    assert.equal(r.status, 200, `${what}: accepted by mod_auth_openidc alone`);
    assert.equal(reached(stack), before0 + 1, `${what}: reached the MCP server`);
    // And refused where the claims are required.
    const safe = await rawInitialize(stack.mcpUrl, { Authorization: `Bearer ${token}` });
    assert.equal(safe.status, 401, `${what}: refused on /mcp`);
  }
});
